import { expect } from "chai";
import {
  createParapetClient,
  DEFAULT_MARKET_SCHEDULES,
  getMarketSchedules,
  getVaultFundingHistory,
  hedgeMarketHours,
  hedgeMarketHoursFromChain,
  hedgeMarketsFromChain,
  marketHoursParams,
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

  it("hedgeMarketsFromChain fills hours from the chain's schedule: the planner sizes the SPX hedge for its closing margin", async () => {
    // The owner (deployer) gives SPX (market 4) its shipped hours and 16 % closing margin, as `npm run deploy` does.
    const spx = env.deployment.markets[4];
    if (spx?.symbol !== "SPX") throw new Error("market 4 is not SPX");
    const adapter = await env.viem.getContractAt("OracleAdapter", env.deployment.oracleAdapter);
    await adapter.write.setMarketHours([spx.feed, marketHoursParams(DEFAULT_MARKET_SCHEDULES.SPX)]);
    await env.vault.write.setClosingMargin([spx.marketId, DEFAULT_MARKET_SCHEDULES.SPX.closingMaintenanceMarginRatio]);
    // A Wednesday 15:00 UTC (SPX open) after now, with every feed publishing there (fresh, from this session).
    const now = (await env.publicClient.getBlock()).timestamp;
    const week = 604_800n;
    const sunday = now - ((now + 345_600n) % week); // 1970-01-01 was a Thursday
    const wed15 = sunday + 3n * 86_400n + 15n * 3_600n;
    await env.networkHelpers.time.increaseTo(wed15 > now ? wed15 : wed15 + week);
    for (const feed of env.feeds) await feed.write.updateAnswer([(await feed.read.latestRoundData())[1]]);

    const schedules = await getMarketSchedules(parapet);
    expect(schedules.get(4n)).to.deep.equal(DEFAULT_MARKET_SCHEDULES.SPX);
    expect(schedules.get(0n)).to.equal(undefined);
    const markets = await parapet.getMarkets();
    // The snapshot says the hours at its block: SPX opened at 14:30 and closes at 21:00 UTC; ETH never closes.
    const at = (await env.publicClient.getBlock()).timestamp;
    const wed = at - ((at + 345_600n) % week) + 3n * 86_400n;
    expect(markets[4]?.hours).to.deep.equal({
      status: "open",
      lastOpen: wed + 14n * 3_600n + 1_800n,
      nextClose: wed + 21n * 3_600n,
      nextOpen: undefined,
    });
    expect(markets[0]?.hours).to.equal(undefined);
    const hedgeMarkets = hedgeMarketsFromChain(markets, undefined, schedules);
    const spxMarket = hedgeMarkets.find((m) => m.asset === "SPX");
    expect(spxMarket?.closed).to.equal(undefined);
    // Read from the chain: the vault's 16 % and SPX's worst reopen gap; the same as the shipped defaults.
    expect(spxMarket?.hours).to.deep.equal(hedgeMarketHours("SPX"));
    expect(spxMarket?.hours?.closingMaintenanceMarginRatio).to.equal(0.16);
    expect(hedgeMarkets.find((m) => m.asset === "ETH")?.hours).to.equal(undefined);

    const exposure = [{ kind: "asset" as const, asset: "SPX", amount: 20 }];
    const withHours = planHedge(exposure, { markets: hedgeMarkets, pricesUsd: {} }).targets[0];
    const alwaysOpen = planHedge(exposure, { markets: hedgeMarketsFromChain(markets), pricesUsd: {} }).targets[0];
    expect(alwaysOpen?.closingMarginExtraUsd ?? 0).to.equal(0);
    expect(withHours?.closingMarginExtraUsd).to.be.greaterThan(0);
    expect(withHours?.collateralUsd).to.be.closeTo(
      (alwaysOpen?.collateralUsd ?? 0) + (withHours?.closingMarginExtraUsd ?? 0),
      1e-6,
    );
    // A symbol without shipped gap data: the gap is the cushion the closing margin carries over maintenance.
    const wti = hedgeMarketHoursFromChain(
      { symbol: "WTI", params: { ...(markets[4] as (typeof markets)[number]).params } },
      { ...DEFAULT_MARKET_SCHEDULES.SPX, closingMaintenanceMarginRatio: 2n * 10n ** 17n },
    );
    expect(wti?.closingMaintenanceMarginRatio).to.equal(0.2);
    expect(wti?.reopenGapRatio).to.be.closeTo(0.15, 1e-12);

    // At 22:00 UTC the snapshot says closed, and when it reopens (Thursday 14:30 UTC); not an oracle fault.
    await env.networkHelpers.time.increaseTo(wed + 22n * 3_600n);
    const closed = (await parapet.getMarkets())[4];
    const reopensAt = wed + 86_400n + 14n * 3_600n + 1_800n;
    expect(closed?.hours).to.deep.equal({
      status: "closed",
      lastOpen: undefined,
      nextClose: undefined,
      nextOpen: reopensAt,
    });
    expect(closed?.closed).to.deep.equal({ reason: "MARKET_CLOSED", reopensAt });
    expect(closed?.oracleError?.errorName).to.equal("MarketClosed");
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
