// A complete local Parapet (one module per concern, composed): TestCollateral (USDC-like test token), MockFeeds (one
// MockV3Aggregator per market), Core (oracle adapter, perp vault, LP vault), Markets (setFeed + listMarket) and
// Periphery (HedgeRouter, LiquidationUpkeep, TriggerOrders, DelayedOrders).
//
// The default export lists the five markets of ignition/markets.ts (ETH, BTC, XAU, EURUSD, SPX) at
// their benchmark prices; tests and examples deploy it. `npm run node` and `npm run deploy -- --network localhost`
// build the same graph from ignition/parameters/local.json (mock feeds seeded with the data's last closes) through
// `parapetLocalModule`. Parameter: `TestCollateral.decimals`.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { defaultLpFlowParams } from "../../src/actions/lp.js";
import { FEED_HEARTBEAT, feedAnswer, MARKETS, marketParams } from "../markets.js";
import type { DeployPlan, MarketRiskParams } from "../plan.js";
import { coreModule } from "./Core.js";
import { marketsModule } from "./Markets.js";
import { mockFeedsModule } from "./MockFeeds.js";
import { peripheryModule } from "./Periphery.js";
import { testCollateralModule } from "./TestCollateral.js";

/** A local plan: test collateral and mock feeds only. */
export type LocalPlan = DeployPlan & { collateral: { kind: "test" } };

export function parapetLocalModule(plan: LocalPlan) {
  const mocks = plan.markets.map((market) => {
    if (market.feed.kind !== "mock") throw new Error(`local market ${market.symbol} must have a mock feed`);
    return { symbol: market.symbol, answer: market.feed.answer };
  });
  const feeds = mockFeedsModule(mocks);
  const collateral = testCollateralModule(plan.collateral);
  const core = coreModule({
    collateral,
    sequencer: plan.sequencer,
    lpFlows: plan.lpFlows ?? defaultLpFlowParams(plan.collateral.decimals),
  });
  const periphery = peripheryModule(core);
  const markets = marketsModule(plan.markets, core, feeds, periphery);
  return buildModule("ParapetLocal", (m) => {
    const { adapter, vault, liquidityVault } = m.useModule(core);
    const { token } = m.useModule(collateral);
    m.useModule(markets);
    const { hedgeRouter, liquidationUpkeep, triggerOrders, delayedOrders } = m.useModule(periphery);
    // Feeds are returned as feedETH, feedBTC, … (scripts/deployment maps them back to symbols).
    return {
      token,
      adapter,
      vault,
      liquidityVault,
      hedgeRouter,
      liquidationUpkeep,
      triggerOrders,
      delayedOrders,
      ...m.useModule(feeds),
    };
  });
}

const NO_FEED = "0x0000000000000000000000000000000000000000";

function benchRisk(price: string): MarketRiskParams {
  const { feed: _feed, ...risk } = marketParams(NO_FEED, price);
  return risk;
}

/** The benchmark markets at their benchmark prices, with the benchmark's risk parameters. */
export const BENCH_LOCAL_PLAN: LocalPlan = {
  chainId: 31337,
  collateral: { kind: "test", name: "USD Coin", symbol: "USDC", decimals: 6 },
  markets: MARKETS.map((market) => ({
    symbol: market.symbol,
    feed: { kind: "mock", answer: feedAnswer(market.price) },
    heartbeatSeconds: FEED_HEARTBEAT,
    secondaryFeed: NO_FEED,
    secondaryHeartbeatSeconds: 0,
    maxDeviationBps: 0,
    risk: benchRisk(market.price),
  })),
};

export default parapetLocalModule(BENCH_LOCAL_PLAN);
