// A complete local Parapet: collateral token, five mock Chainlink feeds, oracle adapter, perp vault, LP vault, the
// hedge router (periphery, for the hedge executor) and five listed markets (scripts/bench/markets.ts). Parameters: `ParapetLocal.tokenDecimals`, `ParapetLocal.heartbeat`.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import {
  FEED_DECIMALS,
  FEED_HEARTBEAT,
  feedAnswer,
  MARKETS,
  marketParams,
  TOKEN_DECIMALS,
} from "../../scripts/bench/markets.js";

const MOCK_V3_AGGREGATOR = "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol:MockV3Aggregator";
const NO_FEED = "0x0000000000000000000000000000000000000000";

export default buildModule("ParapetLocal", (m) => {
  const owner = m.getAccount(0);
  const tokenDecimals = m.getParameter("tokenDecimals", TOKEN_DECIMALS);
  const heartbeat = m.getParameter("heartbeat", FEED_HEARTBEAT);

  const token = m.contract("TestToken", ["USD Coin", "USDC", tokenDecimals]);
  const adapter = m.contract("OracleAdapter", [owner]);
  const vault = m.contract("PerpVault", [token, adapter, owner]);
  const liquidityVault = m.contract("LiquidityVault", [token, vault, "Parapet LP", "pLP"]);
  const setLiquidityVault = m.call(vault, "setLiquidityVault", [liquidityVault]);
  // Owners make it an operator (`setOperator(router, true)`) before the executor can use it.
  const hedgeRouter = m.contract("HedgeRouter", [vault]);

  // Listed one after the other so market ids follow MARKETS' order (0 = ETH, …).
  let previous: { id: string } = setLiquidityVault;
  const feeds = MARKETS.map((market) => {
    const feed = m.contract(MOCK_V3_AGGREGATOR, [FEED_DECIMALS, feedAnswer(market.price)], {
      id: `Feed_${market.symbol}`,
    });
    const setFeed = m.call(adapter, "setFeed", [feed, heartbeat, NO_FEED, 0, 0], { id: `setFeed_${market.symbol}` });
    const params = { ...marketParams(NO_FEED, market.price), feed };
    const listed = m.call(vault, "listMarket", [params], {
      id: `listMarket_${market.symbol}`,
      after: [setFeed, previous as typeof setFeed],
    });
    previous = listed;
    return [`feed${market.symbol}`, feed] as const;
  });

  // Feeds are returned as feedETH, feedBTC, … (the deployment helper maps them back to symbols).
  return { token, adapter, vault, liquidityVault, hedgeRouter, ...Object.fromEntries(feeds) };
});
