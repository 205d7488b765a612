import { expect } from "chai";
import {
  createParapetClient,
  getVaultFundingHistory,
  hedgeMarketsFromChain,
  type ParapetClient,
  planHedge,
  realisedCarry,
} from "../../src/index.js";
import { deployParapet } from "./helpers/parapet.js";

// The planner and the carry analytics on a live deployment (in-process chain, real Chainlink mock aggregators).
describe("hedge engine on the in-process chain", () => {
  let env: Awaited<ReturnType<typeof deployParapet>>;
  let parapet: ParapetClient;
  let owner: `0x${string}`;

  beforeEach(async () => {
    env = await deployParapet();
    owner = env.trader.account.address;
    parapet = await createParapetClient({
      publicClient: env.publicClient,
      walletClient: env.trader,
      deployment: env.deployment,
    });
  });

  it("hedgeMarketsFromChain feeds planHedge with the vault's own parameters, skew and oracle state", async () => {
    await parapet.writeApprove({ amount: "10000" });
    await parapet.writeDeposit({ owner, amount: "10000" });
    await parapet.writeTrade({ owner, marketId: 0n, sizeDelta: "2", slippageBps: 50 });
    const markets = hedgeMarketsFromChain(await parapet.getMarkets());
    const eth = markets.find((m) => m.asset === "ETH");
    // ParapetLocal lists ETH at 3000 with imr 10 %, mmr 5 %, taker 5 bp, maker 2 bp, fee 5 USD, skew scale 3e9 / 3000.
    expect(eth?.priceUsd).to.equal(3000);
    expect(eth?.initialMarginRatio).to.equal(0.1);
    expect(eth?.maintenanceMarginRatio).to.equal(0.05);
    expect(eth?.takerFeeRatio).to.equal(0.0005);
    expect(eth?.liquidationFeeUsd).to.equal(5);
    expect(eth?.skewScaleUnits).to.equal(1_000_000);
    expect(eth?.skewUnits).to.equal(2);
    expect(eth?.openInterestUsd).to.equal(6000);
    expect(eth?.oracle?.ok).to.equal(true);

    const plan = planHedge([{ kind: "asset", asset: "ETH", amount: 10 }], { markets, pricesUsd: {} });
    const t = plan.targets[0];
    expect(t?.marketId).to.equal(0n);
    expect(t?.sizeUnits).to.equal(-10);
    // 30 000 USD of hedge against 6000 of open interest: over 25 %, so the planner warns.
    expect(t?.warnings.map((w) => w.code)).to.include("THIN_OPEN_INTEREST");
    // Selling 10 into a long skew of 2: 2 units are maker flow (reduce skew), 8 taker: 2 × 3000 × 0.0002 + 8 × 3000 ×
    // 0.0005 = 13.2; impact (−10)(3000)(2 + (−8)) / 2 / 1e6 = 0.09.
    expect(t?.openCostUsd).to.be.closeTo(13.2 + 0.09, 1e-9);
  });

  it("a stale feed makes the market's oracle not ok: the planner warns ORACLE_INVALID", async () => {
    await env.networkHelpers.time.increase(2 * 86_400); // past the 1-day heartbeat
    const markets = hedgeMarketsFromChain(await parapet.getMarkets());
    const eth = markets.find((m) => m.asset === "ETH");
    expect(eth?.oracle?.ok).to.equal(false);
    expect(eth?.oracle?.reason).to.equal("StalePrice");
    const plan = planHedge([{ kind: "asset", asset: "BTC", amount: 1 }], { markets, pricesUsd: { BTC: 60_000 } });
    expect(plan.targets[0]?.warnings.map((w) => w.code)).to.include("ORACLE_INVALID");
  });

  it("getVaultFundingHistory: the vault's funding as points; realisedCarry on them equals size × Δindex", async () => {
    await parapet.writeApprove({ amount: "100000" });
    await parapet.writeDeposit({ owner, amount: "100000" });
    const opened = await parapet.writeTrade({ owner, marketId: 0n, sizeDelta: "100", slippageBps: 100 });
    for (let i = 0; i < 3; i++) {
      await env.networkHelpers.time.increase(6 * 3600);
      await parapet.writeAccrueFunding({ marketId: 0n });
    }
    const history = await getVaultFundingHistory(parapet, { marketId: 0n });
    expect(history.accruals.map((a) => a.source)).to.deep.equal([
      "Traded",
      "FundingAccrued",
      "FundingAccrued",
      "FundingAccrued",
    ]);
    expect(history.points).to.have.length(3);
    // A skew of +100 ETH: the rate drifts up (longs pay), so each point is a positive fraction.
    expect(history.points.every((p) => p.ratePerInterval > 0)).to.equal(true);
    const first = history.accruals[0];
    const last = history.accruals.at(-1);
    if (first === undefined || last === undefined) throw new Error("no accruals");
    expect(first.blockNumber).to.equal(opened.receipt.blockNumber);
    // Exact funding owed by the long: size × (index now − index at entry) (USD WAD), then as USD.
    const owedUsd = (100 * Number(last.fundingIndexWad - first.fundingIndexWad)) / 1e18;
    // The price never moved, so a constant notional of 100 × 3000 reproduces it from the points.
    const carry = realisedCarry({
      points: history.points,
      side: "long",
      notionalUsd: 300_000,
      fromMs: 0,
      toMs: Number.MAX_SAFE_INTEGER,
    });
    expect(carry.settlements).to.equal(3);
    expect(carry.paidUsd).to.be.closeTo(owedUsd, Math.abs(owedUsd) * 1e-9);
    const account = await parapet.getAccount({ owner, accountIndex: 0n, blockNumber: last.blockNumber });
    const accrued = account.positions.find((p) => p.marketId === 0n)?.accruedFundingUsd;
    expect(Number(accrued) / 1e18).to.be.closeTo(owedUsd, 1e-9 * Math.abs(owedUsd) + 1e-12);
  });
});
