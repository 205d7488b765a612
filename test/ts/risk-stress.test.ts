import { expect } from "chai";
import { parseUnits } from "viem";
import { concentratedAmounts, concentratedLp, concentratedValueUsd, planHedge } from "../../src/hedge/index.js";
import type { HedgeMarket, HedgePlan, HedgeTarget } from "../../src/hedge/types.js";
import { createParapetClient, getSnapshot, ParapetInputError, wadToNumber } from "../../src/index.js";
import {
  defaultStressScenarios,
  liquidationPriceUsd,
  type RiskBook,
  riskBookFromPlan,
  riskBookFromSnapshots,
  runStress,
  type StressScenarioResult,
} from "../../src/risk/index.js";
import { ETH_AT_2000 } from "./helpers/hedgeMarkets.js";
import { deployParapet } from "./helpers/parapet.js";

// Every expected number below is worked by hand in the comment next to it, from the vault's rules:
//   equity = collateral + Σ (size·(price − entry) − funding owed); MM = Σ |size|·price·mmr + fee; liquidated: equity < MM.

/**
 * A small book, every account isolated, mmr 5 %, fee 5 USD, reserve 1 000 USD:
 * - A "plan/1": long 1 ETH at 3 000 (hedging a −1 ETH exposure), collateral 500, funding +0.1 %/day (longs pay).
 *   MM = 3 000·0.05 + 5 = 155.
 * - B "plan/2": short 0.1 BTC at 60 000 (hedging +0.1 BTC), collateral 1 500, funding +0.05 %/day (shorts receive).
 *   MM = 6 000·0.05 + 5 = 305.
 * - C "plan/3": short 2 SPX at 5 000 hedging 25 QQQ at 500 (12 500 USD) with beta 0.8 (notional 10 000), collateral
 *   2 000, funding 0. MM = 10 000·0.05 + 5 = 505.
 */
function smallBook(reserveUsd = 1_000): RiskBook {
  const common = { maintenanceMarginRatio: 0.05, liquidationFeeUsd: 5, fundingOwedUsd: 0 };
  return {
    positions: [
      {
        ...common,
        account: "plan/1",
        marketAsset: "ETH",
        exposureAsset: "ETH",
        exposureUnits: -1,
        sizeUnits: 1,
        entryPriceUsd: 3_000,
        priceUsd: 3_000,
        fundingRatePerDay: 0.001,
      },
      {
        ...common,
        account: "plan/2",
        marketAsset: "BTC",
        exposureAsset: "BTC",
        exposureUnits: 0.1,
        sizeUnits: -0.1,
        entryPriceUsd: 60_000,
        priceUsd: 60_000,
        fundingRatePerDay: 0.0005,
      },
      {
        ...common,
        account: "plan/3",
        marketAsset: "SPX",
        exposureAsset: "QQQ",
        exposureUnits: 25,
        beta: 0.8,
        sizeUnits: -2,
        entryPriceUsd: 5_000,
        priceUsd: 5_000,
        fundingRatePerDay: 0,
      },
    ],
    accounts: [
      { account: "plan/1", collateralUsd: 500 },
      { account: "plan/2", collateralUsd: 1_500 },
      { account: "plan/3", collateralUsd: 2_000 },
    ],
    exposures: [
      { asset: "ETH", units: -1, priceUsd: 3_000 },
      { asset: "BTC", units: 0.1, priceUsd: 60_000 },
      { asset: "QQQ", units: 25, priceUsd: 500 },
    ],
    reserveUsd,
  };
}

const all = (f: number) => ({ ETH: f, BTC: f, SPX: f, QQQ: f });

function account(result: StressScenarioResult | undefined, id: string) {
  const a = result?.accounts.find((x) => x.account === id);
  if (!a) throw new Error(`no result for ${id}`);
  return a;
}

describe("risk: liquidationPriceUsd", () => {
  const base = {
    sizeUnits: 1,
    entryPriceUsd: 3_000,
    collateralUsd: 500,
    maintenanceMarginRatio: 0.05,
    liquidationFeeUsd: 5,
  };

  it("long and short without funding", () => {
    // Long 1 ETH at 3 000, collateral 500: 500 + (P − 3 000) = 0.05·P + 5 → 0.95·P = 2 505 → P = 2 636.842105…
    expect(liquidationPriceUsd(base)).to.be.closeTo(2_505 / 0.95, 1e-9);
    expect(liquidationPriceUsd(base)).to.be.closeTo(2636.842105263, 1e-9);
    // Short 1 ETH at 3 000: 500 − (P − 3 000) = 0.05·P + 5 → 3 495 = 1.05·P → P = 3 328.571428…
    expect(liquidationPriceUsd({ ...base, sizeUnits: -1 })).to.be.closeTo(3328.571428571, 1e-9);
  });

  it("projects funding over the horizon at today's price and rate", () => {
    // Long pays 0.1 %/day for 30 days at 3 000: F = 1·3 000·0.001·30 = 90 → 0.95·P = 2 505 + 90 → P = 2 731.578947…
    const long = { ...base, priceUsd: 3_000, fundingRatePerDay: 0.001, horizonDays: 30 };
    expect(liquidationPriceUsd(long)).to.be.closeTo(2_595 / 0.95, 1e-9);
    // Short at the historical worst −0.9 %/day for 7 days: F = −1·3 000·(−0.009)·7 = 189 (the short pays)
    // → 500 − 189 − (P − 3 000) = 0.05·P + 5 → 3 306 = 1.05·P → P = 3 148.571428…
    const short = { ...base, sizeUnits: -1, priceUsd: 3_000, fundingRatePerDay: -0.009, horizonDays: 7 };
    expect(liquidationPriceUsd(short)).to.be.closeTo(3_306 / 1.05, 1e-9);
    // Funding already owed counts like projected funding: 90 owed, zero horizon → the same as the long above.
    expect(liquidationPriceUsd({ ...base, fundingOwedUsd: 90 })).to.be.closeTo(2_595 / 0.95, 1e-9);
  });

  it("clamps at 0 and refuses a flat position", () => {
    // Long 1 at 3 000 with 4 000 collateral: 0.95·P = 3 000 − 4 000 + 5 < 0 → no positive price liquidates it.
    expect(liquidationPriceUsd({ ...base, collateralUsd: 4_000 })).to.equal(0);
    expect(() => liquidationPriceUsd({ ...base, sizeUnits: 0 })).to.throw(ParapetInputError);
    expect(() => liquidationPriceUsd({ ...base, maintenanceMarginRatio: 1 })).to.throw(ParapetInputError);
  });
});

describe("risk: runStress on a hand-checked book", () => {
  it("price shock −30 %: the long ETH hedge needs the reserve and is saved (top-up to MM, then to 1.5 × MM)", () => {
    const { results } = runStress(smallBook(), [{ kind: "price-shock", shocks: all(-0.3) }]);
    const r = results[0];
    // A: ETH 2 100, pnl −900, equity 500 − 900 = −400, MM = 2 100·0.05 + 5 = 110 → shortfall 510 ≤ 1 000: topped up
    //    to 110, then to 1.5·110 = 165 (+55). Reserve used 565, left 435.
    const a = account(r, "plan/1");
    expect(a.equityBeforeUsd).to.be.closeTo(500, 1e-9);
    expect(a.maintenanceMarginBeforeUsd).to.be.closeTo(155, 1e-9);
    expect(a.pnlUsd).to.be.closeTo(-900, 1e-9);
    expect(a.equityAfterShockUsd).to.be.closeTo(-400, 1e-9);
    expect(a.maintenanceMarginAfterUsd).to.be.closeTo(110, 1e-9);
    expect(a.reserveUsedUsd).to.be.closeTo(565, 1e-9);
    expect(a.equityAfterUsd).to.be.closeTo(165, 1e-9);
    expect(a.marginRatioAfter).to.be.closeTo(1.5, 1e-12);
    expect(a.liquidated).to.equal(false);
    // B: BTC 42 000, short 0.1 gains 1 800 → 3 300, MM = 4 200·0.05 + 5 = 215. C: SPX 3 500, short 2 gains 3 000 →
    //    5 000, MM = 7 000·0.05 + 5 = 355.
    expect(account(r, "plan/2").equityAfterUsd).to.be.closeTo(3_300, 1e-9);
    expect(account(r, "plan/2").maintenanceMarginAfterUsd).to.be.closeTo(215, 1e-9);
    expect(account(r, "plan/3").equityAfterUsd).to.be.closeTo(5_000, 1e-9);
    expect(account(r, "plan/3").maintenanceMarginAfterUsd).to.be.closeTo(355, 1e-9);
    expect(r?.reserveUsedUsd).to.be.closeTo(565, 1e-9);
    expect(r?.reserveLeftUsd).to.be.closeTo(435, 1e-9);
    expect(r?.anyLiquidated).to.equal(false);
    // Portfolio: exposures −1·3 000·(−0.3) + 0.1·60 000·(−0.3) + 25·500·(−0.3) = 900 − 1 800 − 3 750 = −4 650;
    // hedges −900 + 1 800 + 3 000 = 3 900; total −750 = the unhedged 20 % of QQQ (0.2·12 500·0.3).
    expect(r?.portfolio.exposurePnlUsd).to.be.closeTo(-4_650, 1e-9);
    expect(r?.portfolio.hedgePnlUsd).to.be.closeTo(3_900, 1e-9);
    expect(r?.portfolio.totalPnlUsd).to.be.closeTo(-750, 1e-9);
    expect(r?.pricesAfterUsd.ETH).to.be.closeTo(2_100, 1e-9);
  });

  it("price shock +30 %: the reserve saves the smaller shortfall and runs out for the other, which is liquidated", () => {
    const { results, summary } = runStress(smallBook(), [{ kind: "price-shock", shocks: all(0.3) }]);
    const r = results[0];
    // B: BTC 78 000, short 0.1 loses 1 800 → −300, MM = 7 800·0.05 + 5 = 395, shortfall 695.
    // C: SPX 6 500, short 2 loses 3 000 → −1 000, MM = 13 000·0.05 + 5 = 655, shortfall 1 655.
    // Smallest first: B gets 695 (left 305); C's 1 655 > 305 is not spent in vain. Then B to 1.5·395 = 592.5 (+197.5).
    const b = account(r, "plan/2");
    expect(b.reserveUsedUsd).to.be.closeTo(892.5, 1e-9);
    expect(b.equityAfterUsd).to.be.closeTo(592.5, 1e-9);
    expect(b.liquidated).to.equal(false);
    const c = account(r, "plan/3");
    expect(c.reserveUsedUsd).to.equal(0);
    expect(c.liquidated).to.equal(true);
    expect(c.shortfallUsd).to.be.closeTo(1_655, 1e-9);
    expect(c.marginRatioAfter).to.be.closeTo(-1_000 / 655, 1e-12);
    // A: ETH 3 900, long gains 900 → 1 400 ≥ 1.5·(3 900·0.05 + 5) = 300: nothing.
    expect(account(r, "plan/1").reserveUsedUsd).to.equal(0);
    expect(r?.reserveLeftUsd).to.be.closeTo(107.5, 1e-9);
    expect(r?.liquidatedAccounts).to.deep.equal(["plan/3"]);
    expect(summary.anyLiquidation).to.equal(true);
    // Portfolio mirrors −30 %: +750.
    expect(r?.portfolio.totalPnlUsd).to.be.closeTo(750, 1e-9);
  });

  it("reserve too small: −50 % liquidates the ETH long; with top-ups off, −30 % does too", () => {
    // −50 %: A at ETH 1 500: 500 − 1 500 = −1 000, MM = 1 500·0.05 + 5 = 80, shortfall 1 080 > 1 000 reserve.
    const { results } = runStress(smallBook(), [{ kind: "price-shock", shocks: all(-0.5) }]);
    const a = account(results[0], "plan/1");
    expect(a.liquidated).to.equal(true);
    expect(a.reserveUsedUsd).to.equal(0);
    expect(a.shortfallUsd).to.be.closeTo(1_080, 1e-9);
    // The same book with a 1 080 reserve: exactly enough for MM (equity = MM is not liquidatable), none for the buffer.
    const enough = runStress(smallBook(1_080), [{ kind: "price-shock", shocks: all(-0.5) }]).results[0];
    expect(account(enough, "plan/1").liquidated).to.equal(false);
    expect(account(enough, "plan/1").marginRatioAfter).to.be.closeTo(1, 1e-12);
    expect(enough?.reserveLeftUsd).to.be.closeTo(0, 1e-9);
    // −30 % without top-ups: A stays at −400 < 110.
    const off = runStress(smallBook(), [{ kind: "price-shock", shocks: all(-0.3) }], { topUpFromReserve: false });
    expect(account(off.results[0], "plan/1").liquidated).to.equal(true);
    expect(account(off.results[0], "plan/1").topUpAllowed).to.equal(false);
    expect(off.results[0]?.reserveUsedUsd).to.equal(0);
  });

  it("funding spike ×5 for 7 days and the historical worst (−0.9 %/day)", () => {
    const { results } = runStress(smallBook(), [
      { kind: "funding-spike", multiplier: 5, days: 7 },
      { kind: "funding-spike", days: 7, ratesPerDay: { ETH: -0.009, BTC: -0.009, SPX: -0.009 } },
    ]);
    // ×5: A pays 1·3 000·0.005·7 = 105 → 395 (MM 155, ratio 2.548…, above 1.5: no top-up);
    //     B receives: −0.1·60 000·0.0025·7 = −105 → 1 605; C's rate is 0.
    const spike = results[0];
    expect(account(spike, "plan/1").fundingPaidUsd).to.be.closeTo(105, 1e-9);
    expect(account(spike, "plan/1").equityAfterUsd).to.be.closeTo(395, 1e-9);
    expect(account(spike, "plan/1").marginRatioAfter).to.be.closeTo(395 / 155, 1e-12);
    expect(account(spike, "plan/2").fundingPaidUsd).to.be.closeTo(-105, 1e-9);
    expect(account(spike, "plan/3").fundingPaidUsd).to.equal(0);
    expect(spike?.portfolio.fundingPaidUsd).to.be.closeTo(0, 1e-9);
    expect(spike?.reserveUsedUsd).to.equal(0);
    // −0.9 %/day for 7 days (−6.3 %): A receives 3 000·0.063 = 189; B pays 6 000·0.063 = 378; C pays 10 000·0.063 = 630.
    const worst = results[1];
    expect(account(worst, "plan/1").fundingPaidUsd).to.be.closeTo(-189, 1e-9);
    expect(account(worst, "plan/2").equityAfterUsd).to.be.closeTo(1_122, 1e-9);
    expect(account(worst, "plan/3").equityAfterUsd).to.be.closeTo(1_370, 1e-9);
    expect(worst?.portfolio.totalPnlUsd).to.be.closeTo(189 - 378 - 630, 1e-9);
  });

  it("oracle outage: funding accrues, the gap liquidates on return, and no top-up was possible", () => {
    const outage = { kind: "oracle-outage", hours: 24, priceMoveDuringOutage: { ETH: -0.2 } } as const;
    const gap = { kind: "price-shock", shocks: { ETH: -0.2 } } as const;
    const { results } = runStress(smallBook(), [outage, gap]);
    // Outage: ETH returns at 2 400, one day of funding at 0.1 %/day charged at 2 400: 2.4.
    // A: 500 − 600 − 2.4 = −102.4 < MM = 2 400·0.05 + 5 = 125 → liquidated on return, shortfall 227.4, reserve untouched.
    const a = account(results[0], "plan/1");
    expect(a.fundingPaidUsd).to.be.closeTo(2.4, 1e-9);
    expect(a.equityAfterUsd).to.be.closeTo(-102.4, 1e-9);
    expect(a.topUpAllowed).to.equal(false);
    expect(a.reserveUsedUsd).to.equal(0);
    expect(a.liquidated).to.equal(true);
    expect(a.shortfallUsd).to.be.closeTo(227.4, 1e-9);
    // B (no price move) receives 0.1·60 000·0.0005 = 3 over the day.
    expect(account(results[0], "plan/2").fundingPaidUsd).to.be.closeTo(-3, 1e-9);
    expect(results[0]?.notes.some((n) => n.includes("no top-up"))).to.equal(true);
    // The same move with the oracle up: −100 < 125 → +225 to MM, +62.5 to 1.5·125 = 187.5: saved.
    const b = account(results[1], "plan/1");
    expect(b.liquidated).to.equal(false);
    expect(b.reserveUsedUsd).to.be.closeTo(287.5, 1e-9);
    expect(b.equityAfterUsd).to.be.closeTo(187.5, 1e-9);
  });

  it("correlation break: the exposure falls and the cross hedge does not pay; or the hedge market moves alone", () => {
    const { results } = runStress(smallBook(), [
      { kind: "correlation-break", exposureShock: -0.2, hedgeShock: 0 },
      { kind: "correlation-break", exposureShock: 0, hedgeShock: 0.2 },
    ]);
    // QQQ −20 %, SPX flat: exposure loses 25·500·0.2 = 2 500, the SPX short makes nothing; ETH and BTC untouched.
    const r0 = results[0];
    expect(r0?.portfolio.exposurePnlUsd).to.be.closeTo(-2_500, 1e-9);
    expect(r0?.portfolio.hedgePnlUsd).to.equal(0);
    expect(r0?.portfolio.totalPnlUsd).to.be.closeTo(-2_500, 1e-9);
    expect(r0?.pricesAfterUsd.ETH).to.equal(3_000);
    expect(r0?.anyLiquidated).to.equal(false);
    // SPX +20 %, QQQ flat: the short loses 2·1 000 = 2 000 → equity 0, MM = 12 000·0.05 + 5 = 605:
    // +605 to MM, +302.5 to 1.5·605 = 907.5 → reserve used 907.5 and the hedge's loss is the portfolio's.
    const r1 = results[1];
    const c = account(r1, "plan/3");
    expect(c.pnlUsd).to.be.closeTo(-2_000, 1e-9);
    expect(c.reserveUsedUsd).to.be.closeTo(907.5, 1e-9);
    expect(c.liquidated).to.equal(false);
    expect(r1?.portfolio.totalPnlUsd).to.be.closeTo(-2_000, 1e-9);
  });

  it("defaultStressScenarios: ±10/30/50 %, funding ×5 and the historical worst both ways, outage ±10 %, two breaks", () => {
    const book = smallBook();
    const scenarios = defaultStressScenarios(book);
    expect(scenarios.map((s) => s.kind)).to.deep.equal([
      ...Array(6).fill("price-shock"),
      ...Array(3).fill("funding-spike"),
      "oracle-outage",
      "oracle-outage",
      "correlation-break",
      "correlation-break",
      "weekend-gap",
      "weekend-gap",
    ]);
    // The QQQ exposure is long: its adverse move is −20 %; the SPX hedge is short: its adverse move is +20 %.
    expect(scenarios[11]).to.deep.include({ exposureShock: -0.2, hedgeShock: 0 });
    expect(scenarios[12]).to.deep.include({ exposureShock: 0, hedgeShock: 0.2 });
    const { results, summary } = runStress(book, scenarios);
    expect(results).to.have.length(15);
    // −50 % liquidates A (shortfall 1 080 > reserve), +50 % liquidates B and C (see the ±30 % cases, larger).
    expect(summary.liquidatingScenarios).to.include("all assets -50 %");
    expect(summary.liquidatingScenarios).to.include("all assets +50 %");
    // Portfolio P&L by scenario: ±x % → ∓0.2·12 500·x (the unhedged 20 % of QQQ), at worst −1 250; funding −819 at
    // −0.9 %/day (189 − 378 − 630); outages −250 and +250; the QQQ break −2 500 and the SPX break −2 000. Worst: −2 500.
    expect(summary.worstScenario).to.equal("correlation break: QQQ -20 %, SPX flat");
    expect(summary.worstPortfolioPnlUsd).to.be.closeTo(-2_500, 1e-9);
    expect(summary.anyLiquidation).to.equal(true);
    expect(summary.maxReserveUsedUsd).to.be.at.most(1_000);
    // perAsset adds each of the 4 assets (ETH, BTC, SPX, QQQ) alone at each of the 6 shocks: 15 + 24.
    expect(defaultStressScenarios(book, { perAsset: true })).to.have.length(39);
    // Without markets that close there is no weekend gap.
    expect(defaultStressScenarios(book, { reopenGaps: {} })).to.have.length(13);
  });

  it("weekend gap: SPX reopens at its worst historical gap against the short, QQQ gaps with it, no top-up", () => {
    const book = smallBook();
    const scenarios = defaultStressScenarios(book).filter((s) => s.kind === "weekend-gap");
    // DEFAULT_REOPEN_GAPS.SPX: 10.4485 % (2020-03-16). The book is short SPX, so the adverse gap is up.
    expect(scenarios[0]).to.deep.include({ name: "weekend gap, worst reopen against the hedges: SPX +10.45 %" });
    const up = (scenarios[0] as { gaps: Record<string, number> }).gaps.SPX as number;
    expect(up).to.be.closeTo(0.104485, 1e-6);
    const { results } = runStress(book, scenarios);
    const [against, mirror] = results;
    const c = against?.accounts.find((a) => a.account === "plan/3");
    // C: short 2 SPX loses 2 · 5 000 · g = 1 044.85 → equity 955.15; MM at 5 522.43: 557.24 → survives.
    expect(c?.pnlUsd).to.be.closeTo(-10_000 * up, 1e-9);
    expect(c?.equityAfterUsd).to.be.closeTo(2_000 - 10_000 * up, 1e-9);
    expect(c?.liquidated).to.equal(false);
    expect(c?.topUpAllowed).to.equal(false);
    // ETH and BTC trade through the weekend: untouched.
    expect(against?.accounts.find((a) => a.account === "plan/1")?.pnlUsd).to.equal(0);
    // Portfolio: QQQ +g on 12 500 = +1 306.07, hedge −1 044.85: +261.22; the mirror −261.22.
    expect(against?.portfolio.totalPnlUsd).to.be.closeTo(2_500 * up, 1e-9);
    expect(mirror?.portfolio.totalPnlUsd).to.be.closeTo(-2_500 * up, 1e-9);
    // With 800 of collateral the gap takes it below 0: liquidated although the reserve holds 1 000 (closed: no top-up).
    const thin = smallBook();
    thin.accounts[2] = { account: "plan/3", collateralUsd: 800 };
    const r = runStress(thin, scenarios);
    expect(r.results[0]?.liquidatedAccounts).to.deep.equal(["plan/3"]);
    expect(r.results[0]?.reserveUsedUsd).to.equal(0);
  });

  it("refuses a position without a collateral entry and a non-finite input", () => {
    const book = smallBook();
    book.accounts = book.accounts.slice(1);
    expect(() => runStress(book, [])).to.throw(ParapetInputError, /no collateral entry/);
    const nan = smallBook();
    if (nan.positions[0]) nan.positions[0].priceUsd = Number.NaN;
    expect(() => runStress(nan, [])).to.throw(ParapetInputError);
  });
});

describe("risk: pool-basis scenarios on a concentrated position", () => {
  // ETH/USD position on [1 600, 2 400) worth 100 000 USD at its pool's 2 010; the ETH oracle (the hedge's) at 2 000.
  // One-to-one: the hedge is short the position's ETH at the pool price, marked at the oracle's.
  const ETH: HedgeMarket = { ...ETH_AT_2000, fundingRatePerDay: 0 };
  const lp = concentratedLp("ETH", 100_000, 2010, 1600, 2400);
  const plan = planHedge([lp], { markets: [ETH], pricesUsd: {}, poolPricesUsd: { ETH: 2010 } });
  const book = riskBookFromPlan(plan, [ETH], [lp]);
  const target = plan.targets[0] as HedgeTarget;
  const units = concentratedAmounts(lp, 2010).assetUnits;
  const valueAt = (p: number) => {
    const { assetUnits, usd } = concentratedAmounts(lp, p);
    return assetUnits * p + usd;
  };
  const scenarios = defaultStressScenarios(book, { reopenGaps: {} }).filter((s) => s.kind === "pool-basis");
  const { results } = runStress(book, scenarios);
  const byName = (name: string) => {
    const r = results.find((x) => x.name === name);
    if (!r) throw new Error(`no scenario "${name}" in ${results.map((x) => x.name).join(" | ")}`);
    return r;
  };

  it("the book holds the position at the pool's price, the hedge at the oracle's", () => {
    expect(book.exposures).to.have.length(1);
    expect(book.exposures[0]?.poolPriced).to.equal(true);
    expect(book.exposures[0]?.priceUsd).to.be.closeTo(2010, 1e-9);
    expect(book.exposures[0]?.units).to.be.closeTo(units, 1e-12);
    expect(book.positions[0]?.priceUsd).to.equal(2000);
    expect(book.positions[0]?.sizeUnits).to.be.closeTo(-units, 1e-12);
    expect(scenarios.map((s) => s.name)).to.deep.equal([
      "pool basis: ETH pool -5 %, ETH oracle flat",
      "pool basis: ETH pool +5 %, ETH oracle flat",
      "pool basis: ETH pool flat, ETH oracle -5 %",
      "pool basis: ETH pool flat, ETH oracle +5 %",
      // 1 600 · 0.95 = 1 520 = 2 010 · (1 − 24.378 %); 2 400 · 1.05 = 2 520 = 2 010 · (1 + 25.373 %).
      "pool basis: ETH pool -24.38 % to 1520 (5 % below the range edge 1600), ETH oracle flat",
      "pool basis: ETH pool +25.37 % to 2520 (5 % above the range edge 2400), ETH oracle flat",
    ]);
  });

  it("in range: the pool falls 5 % alone, the book loses V(1 909.5) − V(2 010), more than the linear delta", () => {
    const r = byName("pool basis: ETH pool -5 %, ETH oracle flat");
    // V(P) = L·(1/√P − 1/√2400)·P + L·(√P − √1600); the hedge marks at the oracle, which stands: 0.
    const loss = valueAt(1909.5) - valueAt(2010);
    expect(r.portfolio.exposurePnlUsd).to.be.closeTo(loss, 1e-9);
    expect(r.portfolio.hedgePnlUsd).to.equal(0);
    expect(r.portfolio.totalPnlUsd).to.be.closeTo(loss, 1e-9);
    // −2 535 USD: worse than delta · ΔP (21.91 ETH · −100.5 = −2 202) by the gamma term (it buys ETH as it falls).
    expect(loss).to.be.lessThan(-units * 100.5);
    expect(loss).to.be.closeTo(-2_535, 1);
    expect(r.pricesAfterUsd.ETH).to.equal(2000);
    expect(r.poolPricesAfterUsd?.ETH).to.be.closeTo(1909.5, 1e-9);
  });

  it("in range: the oracle rises 5 % alone, the short hedge loses 100 USD per ETH and the position nothing", () => {
    const r = byName("pool basis: ETH pool flat, ETH oracle +5 %");
    expect(r.portfolio.exposurePnlUsd).to.equal(0);
    expect(r.portfolio.hedgePnlUsd).to.be.closeTo(target.sizeUnits * 100, 1e-9);
    expect(r.portfolio.totalPnlUsd).to.be.closeTo(-units * 100, 1e-9);
    expect(r.pricesAfterUsd.ETH).to.be.closeTo(2100, 1e-9);
    expect(r.anyLiquidated).to.equal(false);
  });

  it("out of range: the pool 5 % below the lower edge leaves the position all ETH, valued at 1 520", () => {
    const r = byName("pool basis: ETH pool -24.38 % to 1520 (5 % below the range edge 1600), ETH oracle flat");
    // Below the range the position holds L·(1/√1600 − 1/√2400) ETH and no USD: the plan's assetUnitsAtLower.
    const allEth = concentratedAmounts(lp, 1600).assetUnits;
    expect(concentratedAmounts(lp, 1520)).to.deep.equal({ assetUnits: allEth, usd: 0 });
    expect(target.ranges?.[0]?.assetUnitsAtLower).to.be.closeTo(allEth, 1e-12);
    const loss = allEth * 1520 - concentratedValueUsd(lp, 2010);
    expect(r.portfolio.exposurePnlUsd).to.be.closeTo(loss, 1e-9);
    expect(r.portfolio.totalPnlUsd).to.be.closeTo(loss, 1e-9);
    // 53.11 ETH · 1 520 − 100 000 = −19 265 USD, 19.3 % of the position: the hedge (at the oracle) pays none of it.
    expect(r.portfolio.hedgePnlUsd).to.equal(0);
    expect(loss).to.be.closeTo(-19_265, 1);
    // Above the range it is all USD, L·(√2400 − √1600) = 104 084: a gain capped at the edge however far the pool goes.
    const above = byName("pool basis: ETH pool +25.37 % to 2520 (5 % above the range edge 2400), ETH oracle flat");
    const allUsd = lp.liquidity * (Math.sqrt(2400) - Math.sqrt(1600));
    expect(above.portfolio.totalPnlUsd).to.be.closeTo(allUsd - valueAt(2010), 1e-9);
    expect(above.portfolio.totalPnlUsd).to.be.closeTo(4_084, 1);
  });

  it("every scenario revalues the position through its range: a −10 % price shock", () => {
    const r = runStress(book, [{ kind: "price-shock", shocks: { ETH: -0.1 } }]).results[0];
    // Pool 1 809, oracle 1 800: V(1 809) − V(2 010) on the position, −units · (−200) on the hedge.
    expect(r?.portfolio.exposurePnlUsd).to.be.closeTo(valueAt(1809) - valueAt(2010), 1e-9);
    expect(r?.portfolio.hedgePnlUsd).to.be.closeTo(units * 200, 1e-9);
  });

  it("no pool-basis scenario for a book without a concentrated position or a pool price; holdings must match", () => {
    expect(defaultStressScenarios(smallBook()).some((s) => s.kind === "pool-basis")).to.equal(false);
    // A pool price alone (no range): the pool and the oracle each move ±5 %, no out-of-range case.
    const pooled = smallBook();
    pooled.exposures[0] = { asset: "ETH", units: -1, priceUsd: 3_000, poolPriced: true };
    expect(defaultStressScenarios(pooled).filter((s) => s.kind === "pool-basis")).to.have.length(4);
    // Holdings of another size than the exposure hedged are refused, not silently revalued.
    const wrong = { ...book, exposures: [{ ...(book.exposures[0] as RiskBook["exposures"][number]), units: 1 }] };
    expect(() => runStress(wrong, [])).to.throw(ParapetInputError, /holdings of ETH/);
  });
});

describe("risk: riskBookFromPlan", () => {
  const market = (asset: string, priceUsd: number, fundingRatePerDay?: number): HedgeMarket => ({
    asset,
    priceUsd,
    initialMarginRatio: 0.1,
    maintenanceMarginRatio: 0.05,
    takerFeeRatio: 0.001,
    makerFeeRatio: 0.0005,
    liquidationFeeUsd: 5,
    skewScaleUnits: 1e6,
    fundingRatePerDay,
  });
  const target = (t: Partial<HedgeTarget>): HedgeTarget => ({
    exposureAsset: "ETH",
    marketAsset: "ETH",
    accountIndex: 1n,
    method: "one-to-one",
    ratio: 1,
    rawRatio: 1,
    exposureUnits: 2,
    exposureUsd: 6_000,
    sizeUnits: -2,
    notionalUsd: 6_000,
    collateralUsd: 2_000,
    leverage: 3,
    priceUsd: 3_000,
    liquidationPriceUsd: 3_900,
    liquidationDistance: 0.3,
    expectedCarryPerYearUsd: 0,
    carryPerYearBandUsd: [0, 0],
    openCostUsd: 0,
    warnings: [],
    explanation: [],
    ...t,
  });
  const plan = (targets: HedgeTarget[]): HedgePlan =>
    ({ targets, reserveUsd: 700, unhedged: [], warnings: [] }) as unknown as HedgePlan;

  it("targets become positions at their price, beta only for cross hedges, exposures at their own price", () => {
    const p = plan([
      target({}),
      target({
        exposureAsset: "QQQ",
        marketAsset: "SPX",
        accountIndex: 2n,
        ratio: 0.8,
        exposureUnits: 25,
        exposureUsd: 12_500,
        sizeUnits: -2,
        priceUsd: 5_000,
        collateralUsd: 3_000,
      }),
    ]);
    const book = riskBookFromPlan(p, [market("ETH", 3_000, 0.0003), market("SPX", 5_000, -0.0001)]);
    expect(book.reserveUsd).to.equal(700);
    expect(book.accounts).to.deep.equal([
      { account: "plan/1", collateralUsd: 2_000 },
      { account: "plan/2", collateralUsd: 3_000 },
    ]);
    expect(book.positions[0]).to.deep.include({ sizeUnits: -2, entryPriceUsd: 3_000, fundingRatePerDay: 0.0003 });
    expect(book.positions[0]?.beta).to.equal(undefined);
    expect(book.positions[1]).to.deep.include({ marketAsset: "SPX", exposureAsset: "QQQ", beta: 0.8 });
    // QQQ at 12 500 / 25 = 500, not at the SPX price.
    expect(book.exposures).to.deep.equal([
      { asset: "ETH", units: 2, priceUsd: 3_000 },
      { asset: "QQQ", units: 25, priceUsd: 500 },
    ]);
    // ETH short 2 with 2 000: −10 % on everything: ETH gains 600 → 2 600 ≥ 1.5·(5 400·0.05 + 5) = 412.5.
    const r = runStress(book, [{ kind: "price-shock", shocks: { ETH: -0.1, QQQ: -0.1, SPX: -0.1 } }]).results[0];
    expect(account(r, "plan/1").equityAfterUsd).to.be.closeTo(2_600, 1e-9);
    // Portfolio: ETH −600 + 600, QQQ −1 250 + SPX short +1 000 → −250.
    expect(r?.portfolio.totalPnlUsd).to.be.closeTo(-250, 1e-9);
  });

  it("a missing market or funding rate is an error, not a 0; a forecast stands in for the rate", () => {
    const p = plan([target({})]);
    expect(() => riskBookFromPlan(p, {})).to.throw(ParapetInputError, /no market for ETH/);
    expect(() => riskBookFromPlan(p, [market("ETH", 3_000)])).to.throw(ParapetInputError, /fundingRatePerDay/);
    const forecast = { ...market("ETH", 3_000), fundingForecastPerYear: { mean: 0.0365, lower: 0, upper: 0.1 } };
    expect(riskBookFromPlan(p, { ETH: forecast }).positions[0]?.fundingRatePerDay).to.be.closeTo(0.0001, 1e-15);
  });
});

describe("risk: against the in-process chain", () => {
  it("liquidationPriceUsd matches the vault, and a shock's predicted liquidation matches isLiquidatable", async () => {
    const env = await deployParapet();
    const owner = env.trader.account.address;
    const parapet = await createParapetClient({
      publicClient: env.publicClient,
      walletClient: env.trader,
      deployment: env.deployment,
    });
    await parapet.writeApprove({ amount: "1000" });
    await parapet.writeDeposit({ owner, accountIndex: 0n, amount: "1000" });
    // 2 ETH long on 1 000 USD: 6 000 notional, IM 600; liquidation near (6 000 − 1 000 + 5)/1.9 ≈ 2 634.
    await parapet.writeTrade({ owner, accountIndex: 0n, marketId: 0n, sizeDelta: "2", slippageBps: 100 });

    const snap = await getSnapshot(parapet, { owner, accountIndex: 0n });
    const book = riskBookFromSnapshots([snap]);
    expect(book.accounts).to.have.length(1);
    expect(book.positions).to.have.length(1);
    const p = book.positions[0];
    const acc = book.accounts[0];
    const onChain = snap.account.positions[0];
    if (!p || !acc || !onChain?.liquidationPriceWad)
      throw new Error("expected one ETH position with a liquidation price");
    expect(p.account).to.equal(`${owner}/0`);
    expect(p.marketAsset).to.equal("ETH");
    expect(p.sizeUnits).to.equal(2);

    // (a) zero horizon: funding held at what is owed now, as the vault does.
    const ours = liquidationPriceUsd({
      sizeUnits: p.sizeUnits,
      entryPriceUsd: p.entryPriceUsd,
      collateralUsd: acc.collateralUsd,
      maintenanceMarginRatio: p.maintenanceMarginRatio,
      liquidationFeeUsd: p.liquidationFeeUsd,
      fundingOwedUsd: p.fundingOwedUsd,
      horizonDays: 0,
    });
    const vaults = wadToNumber(onChain.liquidationPriceWad);
    expect(Math.abs(ours - vaults) / vaults).to.be.lessThan(1e-9);
    expect(ours).to.be.within(2_600, 2_700);
    // The book's equity before any shock is the vault's.
    const equityUsd = wadToNumber(snap.account.equityUsd ?? 0n);
    const r0 = runStress(book, [{ kind: "price-shock", shocks: { ETH: 0 } }], { topUpFromReserve: false }).results[0];
    expect(Math.abs((account(r0, acc.account).equityBeforeUsd - equityUsd) / equityUsd)).to.be.lessThan(1e-9);

    // (b) shocks 1 % on either side of the liquidation price: predicted and on-chain verdicts agree.
    const price = p.priceUsd;
    const shocks = [(ours * 1.01) / price - 1, (ours * 0.99) / price - 1];
    const { results } = runStress(
      book,
      shocks.map((f) => ({ kind: "price-shock" as const, shocks: { ETH: f } })),
      { topUpFromReserve: false },
    );
    const predicted = results.map((r) => account(r, acc.account).liquidated);
    expect(predicted).to.deep.equal([false, true]);
    const feed = env.feeds[0];
    if (!feed) throw new Error("no ETH feed");
    for (const [i, f] of shocks.entries()) {
      const shockedUsd = price * (1 + f);
      await feed.write.updateAnswer([parseUnits(shockedUsd.toFixed(8), 8)]);
      expect(await env.vault.read.isLiquidatable([owner, 0n])).to.equal(predicted[i]);
      const state = await parapet.getAccount({ owner, accountIndex: 0n });
      const r = results[i];
      // Equity and MM at the shocked price agree with the prediction (a few seconds of funding apart).
      expect(wadToNumber(state.equityUsd ?? 0n)).to.be.closeTo(account(r, acc.account).equityAfterUsd, 0.01);
      expect(wadToNumber(state.maintenanceMarginUsd ?? 0n)).to.be.closeTo(
        account(r, acc.account).maintenanceMarginAfterUsd,
        1e-6,
      );
    }
  });
});
