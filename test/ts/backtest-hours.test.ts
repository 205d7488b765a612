import { expect } from "chai";
import {
  type BacktestInput,
  defaultBacktestMarket,
  type MarketHistory,
  renderBacktestReport,
  runBacktest,
} from "../../src/backtest/index.js";
import { loadHistoryFiles } from "../../src/backtest/node.js";
import { DEFAULT_MARKET_SCHEDULES, DEFAULT_REOPEN_GAPS } from "../../src/hours/index.js";

const SPX_HOURS = { schedule: DEFAULT_MARKET_SCHEDULES.SPX, reopenGapRatio: DEFAULT_REOPEN_GAPS.SPX.worstRatio };
const DAY = 86_400_000;

/** Monday 30 Nov .. Monday 7 Dec 2026; SPX flat at 100 until Friday's close, the weekend filled, Monday opens at `mondayOpen`. */
function weekendHistory(mondayOpen: number): MarketHistory {
  const start = Date.UTC(2026, 10, 30);
  const n = 8;
  const filled = [false, false, false, false, false, true, true, false];
  const close = filled.map((_, i) => (i === 7 ? mondayOpen : 100));
  return {
    dates: Array.from({ length: n }, (_, i) => new Date(start + i * DAY).toISOString().slice(0, 10)),
    timestampsMs: Array.from({ length: n }, (_, i) => start + i * DAY),
    assets: { SPX: { closeUsd: close, openUsd: close, highUsd: close, lowUsd: close, filled } },
    funding: {},
    alignment: { method: "calendar-forward-fill", notes: [] },
  };
}

/** A frictionless SPX market (no fee, no impact, no liquidation fee, no gas) so every number can be worked by hand. */
const frictionless: Omit<BacktestInput, "history"> = {
  exposures: [{ kind: "asset", asset: "SPX", amount: 100 }],
  markets: {
    SPX: {
      initialMarginRatio: 0.1,
      maintenanceMarginRatio: 0.05,
      takerFeeRatio: 0,
      makerFeeRatio: 0,
      liquidationFeeUsd: 0,
      skewScaleUnits: 1e15,
      liquidationPenaltyRatio: 0.01,
    },
  },
  costs: { gasUnitsPerRebalance: 0, nativePrice: { usd: 0 } },
  hours: { SPX: { schedule: DEFAULT_MARKET_SCHEDULES.SPX, reopenGapRatio: 0.1 } },
};

describe("backtester: markets that close (hours)", function () {
  this.timeout(120_000);

  it("a Monday gap past the collateral: liquidated at the Open, bad debt = −equity there, nothing done over the weekend", () => {
    const r = runBacktest({ ...frictionless, history: weekendHistory(160), policies: ["periodic"] });
    const p = r.policies.periodic;
    if (p === undefined) throw new Error("no result");
    // Short 100 SPX at 100 (notional 10 000). Collateral: 30 % adverse move 3 000 + the moved notional 13 000 × the
    // closing margin 16 % (> 5 % × 1.1 + 10 % = 15.5 %) = 2 080 → 5 080 (> initial margin 3 333).
    const open = p.events[0];
    expect(open?.kind).to.equal("open");
    expect(open?.collateralDeltaUsd).to.be.closeTo(5_080, 1e-6);
    // Monday's Open at 160: equity 5 080 − 100 × 60 = −920 < maintenance 800: gap liquidation, bad debt 920.
    expect(p.metrics.gapLiquidations).to.equal(1);
    expect(p.metrics.liquidations).to.equal(1);
    expect(p.metrics.gapBadDebtUsd).to.be.closeTo(920, 1e-6);
    const liq = p.events.find((e) => e.kind === "liquidation");
    expect(liq?.date).to.equal("2026-12-07");
    expect(liq?.reasons[0]).to.equal("REOPEN_GAP");
    // Nothing happened over the weekend; on Monday the liquidation at the Open comes first (no top-up before it),
    // then the rule re-opens the hedge at the close.
    const dates = p.events.map((e) => e.date);
    expect(dates).not.to.include("2026-12-05");
    expect(dates).not.to.include("2026-12-06");
    expect(p.events.filter((e) => e.date === "2026-12-07").map((e) => e.kind)).to.deep.equal([
      "liquidation",
      "rebalance",
    ]);
    // The same week with the market always open (no hours): the keeper's top-up at the day's extreme saves it.
    const { hours: _, ...alwaysOpen } = frictionless;
    const open24 = runBacktest({ ...alwaysOpen, history: weekendHistory(160), policies: ["periodic"] }).policies
      .periodic;
    expect(open24?.metrics.liquidations).to.equal(0);
    expect(open24?.events.find((e) => e.date === "2026-12-07")?.kind).to.equal("margin");
  });

  it("a smaller gap: equity above 0 but below maintenance at the Open is liquidated without bad debt", () => {
    // Open at 145: equity 5 080 − 4 500 = 580 < maintenance 100 × 145 × 5 % = 725; the 1 % penalty 145 is paid.
    const p = runBacktest({ ...frictionless, history: weekendHistory(145), policies: ["static"] }).policies.static;
    expect(p?.metrics.gapLiquidations).to.equal(1);
    expect(p?.metrics.gapBadDebtUsd).to.equal(0);
    const liq = p?.events.find((e) => e.kind === "liquidation");
    expect(liq?.costUsd).to.be.closeTo(145, 1e-9);
    // Open at 140: equity 1 080 ≥ maintenance 700: it survives.
    const survives = runBacktest({ ...frictionless, history: weekendHistory(140), policies: ["static"] }).policies
      .static;
    expect(survives?.metrics.gapLiquidations).to.equal(0);
  });

  describe("SPX hedge of a QQQ-like portfolio, 2019-04-01 .. 2026-07-13 (data/tradfi)", () => {
    let history: MarketHistory;
    let base: Omit<BacktestInput, "hours">;
    before(async () => {
      ({ history } = await loadHistoryFiles({
        prices: ["SPX=data/tradfi/spy_daily_2019-2026.csv", "QQQ=data/tradfi/qqq_daily_2019-2026.csv"],
      }));
      const i = history.dates.indexOf("2019-04-01");
      base = {
        history,
        costs: { nativePrice: { usd: 2000 } },
        exposures: [{ kind: "asset", asset: "QQQ", amount: 1000 }],
        // SPY stands in for the index: the ratio is re-estimated on it, so its price level does not matter.
        markets: { SPX: defaultBacktestMarket("SPX", history.assets.SPX?.closeUsd[i] as number) },
        hedgePolicy: { hedgeWith: { QQQ: "SPX" }, ratioBounds: [0.5, 1.5] },
        from: "2019-04-01",
      };
    });

    it("the shipped hedge with the default closing margin: zero gap liquidations, and what the margin cost in carry", () => {
      const r = runBacktest({ ...base, hours: { SPX: SPX_HOURS } });
      expect(r.dates.at(-1)).to.equal("2026-07-13");
      for (const name of ["static", "periodic", "band", "gas-aware"] as const) {
        const m = r.policies[name]?.metrics;
        expect(m?.gapLiquidations, name).to.equal(0);
        expect(m?.gapBadDebtUsd, name).to.equal(0);
        expect(m?.closingLiquidations, name).to.equal(0);
        expect(m?.liquidations, name).to.equal(0);
        // Extra collateral for the hours, ≈ 66.6k USD on average (the planner's closingMarginExtraUsd), at 5 %/year
        // over 2 661 days: ≈ 24.3k USD.
        expect(m?.closingMarginExtraCollateralUsd, name).to.be.closeTo(66_637, 1);
        expect(m?.closingMarginCarryUsd, name).to.be.closeTo(24_291, 1);
      }
      expect(r.policies.band?.metrics.varianceReduction).to.be.greaterThan(0.87);
      // The report's metrics table carries the hours rows: 0 gap liquidations, $24,291 of closing-margin carry.
      const html = renderBacktestReport(r);
      expect(html).to.include("<th>Gap liquidations (at a reopen)</th><th>Gap bad debt (USD)</th>");
      expect(html).to.include("<th>Closing-margin carry (USD)</th>");
      expect(html.split("<td>$24,291</td>").length - 1).to.equal(4);
      expect(
        (r.settings.hours as Record<string, { closingMaintenanceMarginRatio: number }>).SPX
          ?.closingMaintenanceMarginRatio,
      ).to.equal(0.16);
    });

    it("a thin long hedge (short QQQ, 10×, 2 % buffer): a gap liquidation without the closing margin, none with it", () => {
      const thin = {
        ...base,
        exposures: [{ kind: "asset" as const, asset: "QQQ", amount: -1000 }],
        hedgePolicy: { ...base.hedgePolicy, adverseMove: 0.02, maxLeverage: 10 },
        policies: ["band"] as const,
      };
      // Forward-filled and always open, the engine tops up intraday and never sees the gap.
      expect(runBacktest(thin).policies.band?.metrics.liquidations).to.equal(0);
      const noClosingMargin = {
        schedule: { ...DEFAULT_MARKET_SCHEDULES.SPX, closingMaintenanceMarginRatio: 5n * 10n ** 16n },
        reopenGapRatio: 0,
      };
      const bare = runBacktest({ ...thin, hours: { SPX: noClosingMargin } }).policies.band;
      expect(bare?.metrics.gapLiquidations).to.equal(1);
      const liq = bare?.events.find((e) => e.kind === "liquidation");
      // Wednesday 11 March 2020's close → Thursday 12 March's Open: −6.69 %.
      expect(liq?.date).to.equal("2020-03-12");
      expect(liq?.reasons[1]).to.match(/\(-6\.69 %\)/);
      const covered = runBacktest({ ...thin, hours: { SPX: SPX_HOURS } }).policies.band;
      expect(covered?.metrics.gapLiquidations).to.equal(0);
      expect(covered?.metrics.liquidations).to.equal(0);
    });
  });
});
