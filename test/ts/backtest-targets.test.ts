import { readFile } from "node:fs/promises";
import { expect } from "chai";
import { defaultBacktestMarket, type MarketHistory, PNL_TERMS, runBacktest } from "../../src/backtest/index.js";
import { loadHistoryFiles } from "../../src/backtest/node.js";
import { loadFundingCsv } from "../../src/data/index.js";
import { concentratedLp, constantProductLp } from "../../src/hedge/index.js";

// Issue #5's targets, measured on the real data shipped in data/ (see data/SOURCES.md), 2020-01-01 .. 2023-12-31,
// default policy settings.
const FROM = "2020-01-01";
const TO = "2023-12-31";
const FUNDING = {
  ETH: "data/funding/binance_ethusdt_funding_8h_2020-2023.csv",
  BTC: "data/funding/binance_btcusdt_funding_8h_2020-2023.csv",
};
const DAY = 86_400_000;

describe("backtester targets on real history (2020–2023)", function () {
  this.timeout(120_000);
  let history: MarketHistory;
  let equities: MarketHistory;
  const close = (asset: string, date: string) => {
    const i = history.dates.indexOf(date);
    return history.assets[asset]?.closeUsd[i] as number;
  };

  before(async () => {
    ({ history } = await loadHistoryFiles({
      prices: [
        "data/prices/coinbase_btc_eth_daily_2020-2025.csv",
        "data/tradfi/spy_daily_2019-2026.csv",
        "data/tradfi/qqq_daily_2019-2026.csv",
      ],
      funding: FUNDING,
    }));
    ({ history: equities } = await loadHistoryFiles({
      prices: ["data/tradfi/spy_daily_2019-2026.csv", "data/tradfi/qqq_daily_2019-2026.csv"],
    }));
  });

  it("100 ETH + 5 BTC: ≥ 99 % variance reduction for every hedging policy, no liquidation, carry = Σ applied funding rows", async () => {
    const r = runBacktest({
      history,
      exposures: [
        { kind: "asset", asset: "ETH", amount: 100 },
        { kind: "asset", asset: "BTC", amount: 5 },
      ],
      markets: {
        ETH: defaultBacktestMarket("ETH", close("ETH", FROM)),
        BTC: defaultBacktestMarket("BTC", close("BTC", FROM)),
      },
      from: FROM,
      to: TO,
    });
    expect(r.dates[0]).to.equal(FROM);
    expect(r.dates.at(-1)).to.equal(TO);
    expect(r.policies.none?.metrics.varianceReduction).to.equal(0);
    for (const name of ["static", "periodic", "band", "gas-aware"] as const) {
      const p = r.policies[name];
      if (p === undefined) throw new Error(`no ${name} result`);
      expect(p.metrics.varianceReduction, name).to.be.at.least(0.99);
      expect(p.metrics.liquidations, name).to.equal(0);
      // Stress windows named by the issue: March 2020 and May 2021 pass without a liquidation event.
      expect(p.events.filter((e) => e.kind === "liquidation")).to.deep.equal([]);
    }

    // Carry to the cent, from the files themselves: every funding row after the hedge opened (the close of FROM)
    // is applied once, to the position held (−100 ETH, −5 BTC: a spot hedge never changes size), at the price
    // interpolated between the day's closes; Σ size · price · rate = carryUsd.
    const periodic = r.policies.periodic;
    if (periodic === undefined) throw new Error("no periodic result");
    let expected = 0;
    let rows = 0;
    const openedMs = Date.parse(`${FROM}T00:00:00Z`) + DAY;
    const endMs = Date.parse(`${TO}T00:00:00Z`) + DAY;
    for (const [asset, path] of Object.entries(FUNDING)) {
      const size = asset === "ETH" ? -100 : -5;
      const file = loadFundingCsv(await readFile(path, "utf8"), { timeZoneOffsetHours: 3 });
      for (const row of file.rows) {
        if (row.timestampMs < openedMs || row.timestampMs >= endMs) continue;
        const dayMs = row.timestampMs - (row.timestampMs % DAY);
        const date = new Date(dayMs).toISOString().slice(0, 10);
        const prev = close(asset, new Date(dayMs - DAY).toISOString().slice(0, 10));
        const price = prev + ((close(asset, date) - prev) * (row.timestampMs - dayMs)) / DAY;
        expected += size * price * Number(row.ratePerIntervalDecimal);
        rows++;
      }
    }
    expect(periodic.carryLedger).to.have.length(rows);
    expect(Math.round(periodic.metrics.carryUsd * 100)).to.equal(Math.round(expected * 100));
    const ledgerSum = periodic.carryLedger.reduce((s, e) => s + e.paidUsd, 0);
    expect(ledgerSum).to.be.closeTo(periodic.metrics.carryUsd, 0.005);
  });

  it("ETH/USDC LP worth 1,000,000: gas-aware keeps ≥ 95 % of daily periodic's variance reduction at ≤ ½ its gas + fees", () => {
    const ethStart = close("ETH", FROM);
    const r = runBacktest({
      history,
      exposures: [constantProductLp("ETH", 1_000_000, ethStart)],
      markets: { ETH: defaultBacktestMarket("ETH", ethStart) },
      from: FROM,
      to: TO,
    });
    const periodic = r.policies.periodic?.metrics;
    const gasAware = r.policies["gas-aware"]?.metrics;
    if (periodic === undefined || gasAware === undefined) throw new Error("missing results");
    expect(periodic.rebalances).to.be.greaterThan(1000); // daily: the LP's delta moves every day
    expect(gasAware.varianceReduction).to.be.at.least(0.95 * periodic.varianceReduction);
    expect(gasAware.gasUsd + gasAware.feesUsd).to.be.at.most(0.5 * (periodic.gasUsd + periodic.feesUsd));
    // A hedge that is never resized drifts away from the LP's delta: the static hedge is far worse.
    expect(r.policies.static?.metrics.varianceReduction).to.be.lessThan(0.9);
  });

  // Issue #17's target for a ±20 % range, measured two ways (numbers in docs/hedging.md). Re-opened each quarter, it is
  // met once the gas-aware rule stops inside its band (DEFAULT_TRADE_TO_BAND_FRACTION): a concentrated position's cost
  // is fees on its large gamma, and trading to the band's inside edge saves the part of them a path that comes back
  // would undo. Held four years from 2020-01-01 the range is left within weeks; the cost there is the opening and the
  // exit that every policy pays, so its ratio stays high: pinned as measured.
  it("±20 % range ETH/USDC worth 1,000,000 held 2020–2023: gas-aware keeps ≥ 95 % of daily's variance reduction, but not at ≤ ½ its cost", () => {
    const ethStart = close("ETH", FROM);
    const r = runBacktest({
      history,
      exposures: [concentratedLp("ETH", 1_000_000, ethStart, ethStart * 0.8, ethStart * 1.2)],
      markets: { ETH: defaultBacktestMarket("ETH", ethStart) },
      from: FROM,
      to: TO,
      policies: ["none", "periodic", "gas-aware"],
    });
    const periodic = r.policies.periodic;
    const gasAware = r.policies["gas-aware"];
    if (periodic === undefined || gasAware === undefined) throw new Error("missing results");
    // ETH left [104, 156] above within weeks: the position is all USD from then on, so "daily" trades only on the
    // ~49 days in range.
    expect(periodic.metrics.rebalances).to.be.lessThan(100);
    expect(gasAware.metrics.varianceReduction).to.be.at.least(0.95 * periodic.metrics.varianceReduction);
    const costRatio =
      (gasAware.metrics.gasUsd + gasAware.metrics.feesUsd) / (periodic.metrics.gasUsd + periodic.metrics.feesUsd);
    expect(costRatio).to.be.greaterThan(0.5).and.lessThan(1); // measured 0.83: the opening and the exit dominate
    for (const p of [periodic, gasAware]) {
      const sum = PNL_TERMS.reduce((s, t) => s + p.attribution[t.key], 0);
      const end = (p.series.valueUsd.at(-1) as number) - (r.unhedgedValueUsd[0] as number);
      expect(Math.abs(sum - end)).to.be.at.most(1e-6 * 1_000_000);
      expect(p.attribution.impermanentLoss).to.be.lessThan(0);
    }
  });

  it("±20 % range re-opened at each quarter's first close (16 quarters, 2020–2023), pooled: gas-aware keeps ≥ 95 % of daily's variance reduction at ≤ ½ its cost", () => {
    let dailyCost = 0;
    let gasAwareCost = 0;
    const sq = { unhedged: 0, daily: 0, gasAware: 0 };
    const sumSq = (v: readonly number[]) => v.slice(1).reduce((s, x, i) => s + (x - (v[i] as number)) ** 2, 0);
    for (let y = 2020; y <= 2023; y++) {
      for (const [a, b] of [
        ["01-01", "03-31"],
        ["04-01", "06-30"],
        ["07-01", "09-30"],
        ["10-01", "12-31"],
      ]) {
        const p0 = close("ETH", `${y}-${a}`);
        const r = runBacktest({
          history,
          exposures: [concentratedLp("ETH", 1_000_000, p0, p0 * 0.8, p0 * 1.2)],
          markets: { ETH: defaultBacktestMarket("ETH", p0) },
          from: `${y}-${a}`,
          to: `${y}-${b}`,
          policies: ["none", "periodic", "gas-aware"],
        });
        const d = r.policies.periodic?.metrics;
        const g = r.policies["gas-aware"]?.metrics;
        if (d === undefined || g === undefined) throw new Error("missing results");
        dailyCost += d.gasUsd + d.feesUsd;
        gasAwareCost += g.gasUsd + g.feesUsd;
        sq.unhedged += sumSq(r.unhedgedValueUsd);
        sq.daily += sumSq(r.policies.periodic?.series.valueUsd ?? []);
        sq.gasAware += sumSq(r.policies["gas-aware"]?.series.valueUsd ?? []);
      }
    }
    // Pooled over the quarters: 1 − Σ squared daily changes hedged / unhedged (measured 0.854 daily, 0.824
    // gas-aware: 96.6 % kept, at 0.49 of the cost).
    const daily = 1 - sq.daily / sq.unhedged;
    const gasAware = 1 - sq.gasAware / sq.unhedged;
    expect(gasAware).to.be.at.least(0.95 * daily);
    expect(gasAwareCost / dailyCost).to.be.at.most(0.5);
  });

  it("QQQ hedged through an S&P 500 market: rolling min-variance ratio, R² reported daily, warning below the floor", () => {
    // Equity series only (from 2019), so the 90-day lookback is full on the first day; gas is priced at a
    // constant 2000 USD per ETH since this calendar has no ETH.
    const base = {
      history: equities,
      costs: { nativePrice: { usd: 2000 } },
      exposures: [{ kind: "asset" as const, asset: "QQQ", amount: 1000 }],
      markets: { SPY: defaultBacktestMarket("SPY", 300) },
      from: FROM,
      to: TO,
      policies: ["none", "periodic", "band"] as const,
    };
    const r = runBacktest({ ...base, hedgePolicy: { hedgeWith: { QQQ: "SPY" }, ratioBounds: [0.5, 1.5] } });
    expect(r.fits).to.have.length(r.dates.length);
    const ratios = r.fits.map((f) => f.ratio);
    const r2 = r.fits.map((f) => f.rSquared as number);
    expect(Math.max(...ratios) - Math.min(...ratios)).to.be.greaterThan(0.2); // it is re-estimated, not fixed
    expect(r2.every((x) => x > 0 && x <= 1)).to.equal(true);
    const below = r2.filter((x) => x < 0.6).length;
    expect(below).to.be.greaterThan(0);
    expect(r.warnings.some((w) => w.code === "LOW_R_SQUARED" && w.asset === "QQQ")).to.equal(true);
    expect(r.warnings.some((w) => w.code === "NO_FUNDING_DATA" && w.asset === "SPY")).to.equal(true);
    expect(r.policies.periodic?.metrics.varianceReduction).to.be.greaterThan(0.8);
    // Below the lowest R² of the run, the floor never triggers.
    const floor = Math.min(...r2) - 0.01;
    const quiet = runBacktest({
      ...base,
      hedgePolicy: { hedgeWith: { QQQ: "SPY" }, ratioBounds: [0.5, 1.5], minRSquared: floor },
    });
    expect(quiet.warnings.some((w) => w.code === "LOW_R_SQUARED")).to.equal(false);
  });
});
