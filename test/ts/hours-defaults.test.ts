// The shipped closing margins and historical gaps are recomputed here from data/tradfi: change the data or the rule
// and this fails until src/hours/defaults.ts (and the table in docs/hedging.md) is updated.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { parseUnits } from "viem";
import { loadTradfiOhlc } from "../../src/data/index.js";
import {
  closingMarginFromGaps,
  DEFAULT_MARKET_SCHEDULES,
  DEFAULT_REOPEN_GAPS,
  REOPEN_GAP_SOURCES,
  reopenGapStats,
  reopenGaps,
  type ScheduledMarketSymbol,
} from "../../src/hours/index.js";

const FILES = {
  spy: "data/tradfi/spy_daily_2019-2026.csv",
  qqq: "data/tradfi/qqq_daily_2019-2026.csv",
  gold: "data/tradfi/gold_futures_daily_2019-2026.csv",
  eurusd: "data/tradfi/eurusd_daily_2019-2026.csv",
} as const;
const gapsOf = (data: keyof typeof FILES) => reopenGaps(loadTradfiOhlc(readFileSync(FILES[data], "utf8")).rows);
const WAD = 10n ** 18n;

describe("market hours: defaults sized from the reopen gaps in data/tradfi", () => {
  it("classifies gaps: SPY 2019–2026 has 339 weekend, 73 holiday and 1478 overnight reopens", () => {
    const gaps = gapsOf("spy");
    expect(gaps.filter((g) => g.kind === "weekend").length).to.equal(339);
    expect(gaps.filter((g) => g.kind === "holiday").length).to.equal(73);
    expect(gaps.filter((g) => g.kind === "overnight").length).to.equal(1478);
    // Friday 13 March 2020 close → Monday 16 March open: the worst reopen in the sample.
    const worst = gaps.find((g) => g.date === "2020-03-16");
    expect(worst?.previousDate).to.equal("2020-03-13");
    expect(worst?.kind).to.equal("weekend");
    expect(worst?.gapRatio).to.be.closeTo(-0.1045, 5e-5);
  });

  it("the distribution table of docs/hedging.md (weekend + holiday gaps)", () => {
    const table: Record<keyof typeof FILES, [number, number, number, string]> = {
      // count, p99, max, worst date
      spy: [412, 0.0389, 0.1045, "2020-03-16"],
      qqq: [412, 0.039, 0.0946, "2020-03-16"],
      gold: [454, 0.0298, 0.0661, "2026-01-29"],
      eurusd: [397, 0.0145, 0.0184, "2022-11-07"],
    };
    for (const [data, [count, p99, max, date]] of Object.entries(table)) {
      const s = reopenGapStats(gapsOf(data as keyof typeof FILES).filter((g) => g.kind !== "overnight"));
      expect(s?.count, data).to.equal(count);
      expect(s?.p99, data).to.be.closeTo(p99, 5e-5);
      expect(s?.max, data).to.be.closeTo(max, 5e-5);
      expect(s?.worstDate, data).to.equal(date);
    }
  });

  for (const [market, source] of Object.entries(REOPEN_GAP_SOURCES)) {
    it(`${market}: the default closing margin is the rule's on the data and covers the worst gap`, () => {
      const gaps = gapsOf(source.data).filter((g) => source.overnight || g.kind !== "overnight");
      const stats = reopenGapStats(gaps);
      if (stats === undefined) throw new Error(`no gaps in ${source.data}`);
      const cmm = DEFAULT_MARKET_SCHEDULES[market as ScheduledMarketSymbol].closingMaintenanceMarginRatio;
      expect(cmm).to.equal(closingMarginFromGaps({ stats, maintenanceMarginRatio: source.maintenanceMarginRatio }));
      const recorded = DEFAULT_REOPEN_GAPS[market as ScheduledMarketSymbol];
      expect(recorded.worstRatio).to.equal(stats.max);
      expect(recorded.p99Ratio).to.equal(stats.p99);
      expect(recorded.worstDate).to.equal(stats.worstDate);
      // A position holding the closing margin at the close still holds maintenance after the worst gap:
      // equity ≥ cmm·N, loss ≤ worst·N, maintenance after ≤ mm·N·(1 + worst).
      const cmmRatio = Number(cmm) / 1e18;
      const mmRatio = Number(source.maintenanceMarginRatio) / 1e18;
      expect(cmmRatio - stats.max).to.be.at.least(mmRatio * (1 + stats.max));
      expect(cmm % (WAD / 100n)).to.equal(0n);
    });
  }

  it("the shipped numbers: SPX 16 %, XAU 12 %, EURUSD 8 %", () => {
    expect(DEFAULT_MARKET_SCHEDULES.SPX.closingMaintenanceMarginRatio).to.equal(parseUnits("0.16", 18));
    expect(DEFAULT_MARKET_SCHEDULES.XAU.closingMaintenanceMarginRatio).to.equal(parseUnits("0.12", 18));
    expect(DEFAULT_MARKET_SCHEDULES.EURUSD.closingMaintenanceMarginRatio).to.equal(parseUnits("0.08", 18));
  });

  it("closingMarginFromGaps: p99 × safety wins when the tail is thin; rounds up to a whole percent; capped at 1", () => {
    const stats = {
      count: 10,
      median: 0.001,
      p95: 0.01,
      p99: 0.02,
      p999: 0.021,
      max: 0.021,
      worstDate: "",
      worstGapRatio: 0.021,
    };
    // 5 % + max(2.1 %, 1.5 × 2 % = 3 %) = 8 % exactly: no rounding past it.
    expect(closingMarginFromGaps({ stats, maintenanceMarginRatio: parseUnits("0.05", 18) })).to.equal(
      parseUnits("0.08", 18),
    );
    // 5 % + 2.1 % (safety 1) = 7.1 % → 8 %.
    expect(closingMarginFromGaps({ stats, maintenanceMarginRatio: parseUnits("0.05", 18), safetyFactor: 1 })).to.equal(
      parseUnits("0.08", 18),
    );
    expect(
      closingMarginFromGaps({ stats: { ...stats, max: 2 }, maintenanceMarginRatio: parseUnits("0.05", 18) }),
    ).to.equal(WAD);
  });
});
