// Puts daily price series and funding series on one calendar for the backtester.
//
// Alignment rule ("calendar-forward-fill"):
// - The calendar is every UTC day from the latest first date to the earliest last date over all series (prices
//   and funding), so every asset has data on every day of it.
// - Crypto trades every day. Tradfi series (no weekends, no exchange holidays) are forward-filled: a day without a
//   bar gets the last trading day's close with high = low = close = that close, so no intraday move is invented,
//   and `filled[i] = true`. A missing day of a crypto series is filled the same way and reported as a gap.
// - Each day keeps its Open (a filled day: the close), so a market with hours reopens at the real first price.
// - Funding settlements are kept when they fall on a calendar day (UTC); they are not filled.
import { DAY_MS, isoDate, parseDateUtcMs } from "../data/csv.js";
import type { DailyBar } from "../data/ohlc.js";
import type { FundingPoint } from "../funding/carry.js";
import { BacktestInputError } from "./errors.js";
import type { AssetHistory, MarketHistory } from "./types.js";

/** A daily price series of one asset. */
export type PriceSeries = {
  asset: string;
  bars: readonly DailyBar[];
  /**
   * "daily" (crypto: every day) or "weekdays" (tradfi: weekends are not trading days). Default: "daily" when a bar
   * falls on a weekend, else "weekdays".
   */
  calendar?: "daily" | "weekdays" | undefined;
};

/** Funding settlements of one market asset, in any order. */
export type FundingSeries = { asset: string; points: readonly FundingPoint[] };

export type BuildMarketHistoryParameters = {
  prices: readonly PriceSeries[];
  funding?: readonly FundingSeries[] | undefined;
  /** First and last day to keep (inclusive, `YYYY-MM-DD`); default the whole overlap. */
  from?: string | undefined;
  to?: string | undefined;
};

/** What the alignment did to one price series. */
export type AssetCoverage = {
  calendar: "daily" | "weekdays";
  /** Days of the history and how many of them were forward-filled. */
  days: number;
  filledDays: number;
  /** Filled days that are weekends of a weekday series (expected, not gaps). */
  filledWeekendDays: number;
  /** Runs of filled days that are not weekends of a weekday series: holidays or missing data. */
  gaps: { from: string; to: string; days: number }[];
};

/** A `MarketHistory` plus, per asset, how much of it was filled. */
export type BuildMarketHistoryReturnType = MarketHistory & { coverage: Record<string, AssetCoverage> };

const MAX_GAPS_IN_NOTES = 5;

const isWeekend = (timestampMs: number) => {
  const day = new Date(timestampMs).getUTCDay();
  return day === 0 || day === 6;
};

function parseWindowDate(name: "from" | "to", value: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? parseDateUtcMs(value) : undefined;
  if (ms === undefined) {
    throw new BacktestInputError({
      code: "INVALID_DATE",
      summary: `${name} "${value}" is not a date.`,
      fix: `Pass ${name} as YYYY-MM-DD, e.g. 2021-01-01.`,
    });
  }
  return ms;
}

/**
 * Checks a `from`/`to` window against a calendar of dates and returns the indices of its first and last day.
 * Throws a `BacktestInputError` (INVALID_DATE, INVERTED_WINDOW, OUT_OF_RANGE).
 */
export function resolveWindow(
  dates: readonly string[],
  from?: string | undefined,
  to?: string | undefined,
): { fromIndex: number; toIndex: number } {
  const first = dates[0];
  const last = dates.at(-1);
  if (first === undefined || last === undefined) {
    throw new BacktestInputError({
      code: "NO_OVERLAP",
      summary: "The history has no day.",
      fix: "Build it from series that overlap.",
    });
  }
  const fromMs = from === undefined ? undefined : parseWindowDate("from", from);
  const toMs = to === undefined ? undefined : parseWindowDate("to", to);
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) {
    throw new BacktestInputError({
      code: "INVERTED_WINDOW",
      summary: `from ${from} is after to ${to}.`,
      fix: "Swap them, or pass a from date on or before the to date.",
    });
  }
  const firstMs = parseDateUtcMs(first) ?? 0;
  const lastMs = parseDateUtcMs(last) ?? 0;
  for (const [name, value, ms] of [
    ["from", from, fromMs],
    ["to", to, toMs],
  ] as const) {
    if (ms !== undefined && (ms < firstMs || ms > lastMs)) {
      throw new BacktestInputError({
        code: "OUT_OF_RANGE",
        summary: `${name} ${value} is outside the days every series covers (${first} .. ${last}).`,
        fix: `Pass a ${name} date between ${first} and ${last}, or add data that covers ${value}.`,
      });
    }
  }
  return {
    fromIndex: fromMs === undefined ? 0 : Math.round((fromMs - firstMs) / DAY_MS),
    toIndex: toMs === undefined ? dates.length - 1 : Math.round((toMs - firstMs) / DAY_MS),
  };
}

function checkUnique(kind: string, assets: readonly string[]) {
  const seen = new Set<string>();
  for (const asset of assets) {
    if (seen.has(asset)) {
      throw new BacktestInputError({
        code: "DUPLICATE_ASSET",
        summary: `Two ${kind} series are given for ${asset}.`,
        fix: `Pass one ${kind} series per asset (name them apart, e.g. ASSET=FILE, or drop one).`,
      });
    }
    seen.add(asset);
  }
}

/**
 * Aligns daily price series and funding series on one UTC calendar (see the rule at the top of this file, also
 * returned in `alignment.notes`). Throws a `BacktestInputError` for an empty series, a duplicate asset, series
 * without a common day, and a `from`/`to` that is invalid, inverted or outside the common days.
 */
export function buildMarketHistory(parameters: BuildMarketHistoryParameters): BuildMarketHistoryReturnType {
  const { prices, funding = [], from, to } = parameters;
  if (prices.length === 0) {
    throw new BacktestInputError({
      code: "EMPTY_SERIES",
      summary: "No price series is given.",
      fix: "Pass at least one price series (e.g. the crypto file in data/prices/).",
    });
  }
  checkUnique(
    "price",
    prices.map((p) => p.asset),
  );
  checkUnique(
    "funding",
    funding.map((f) => f.asset),
  );

  // Bounds of each series, as UTC days.
  const bounds: { what: string; firstMs: number; lastMs: number }[] = [];
  const sortedBars = new Map<string, DailyBar[]>();
  for (const p of prices) {
    const bars = [...p.bars].sort((a, b) => a.timestampMs - b.timestampMs);
    const first = bars[0];
    const last = bars.at(-1);
    if (first === undefined || last === undefined) {
      throw new BacktestInputError({
        code: "EMPTY_SERIES",
        summary: `The price series of ${p.asset} has no bar.`,
        fix: `Check the file of ${p.asset} (the loader's report says what it dropped), or leave ${p.asset} out.`,
      });
    }
    sortedBars.set(p.asset, bars);
    bounds.push({ what: `${p.asset} prices`, firstMs: first.timestampMs, lastMs: last.timestampMs });
  }
  const sortedFunding = new Map<string, FundingPoint[]>();
  for (const f of funding) {
    const points = [...f.points].sort((a, b) => a.timestampMs - b.timestampMs);
    const first = points[0];
    const last = points.at(-1);
    if (first === undefined || last === undefined) {
      throw new BacktestInputError({
        code: "EMPTY_SERIES",
        summary: `The funding series of ${f.asset} has no settlement.`,
        fix: `Check the funding file of ${f.asset}, or leave it out (the market then pays no funding).`,
      });
    }
    sortedFunding.set(f.asset, points);
    const day = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
    bounds.push({ what: `${f.asset} funding`, firstMs: day(first.timestampMs), lastMs: day(last.timestampMs) });
  }
  const start = bounds.reduce((a, b) => (b.firstMs > a.firstMs ? b : a));
  const end = bounds.reduce((a, b) => (b.lastMs < a.lastMs ? b : a));
  if (start.firstMs > end.lastMs) {
    const ranges = bounds.map((b) => `${b.what} ${isoDate(b.firstMs)}..${isoDate(b.lastMs)}`).join("; ");
    throw new BacktestInputError({
      code: "NO_OVERLAP",
      summary: `The series share no day: ${start.what} starts on ${isoDate(start.firstMs)}, after ${end.what} ends on ${isoDate(end.lastMs)} (${ranges}).`,
      fix: "Use series that overlap in time, or leave out the one that does not.",
    });
  }
  const fullDates: string[] = [];
  for (let t = start.firstMs; t <= end.lastMs; t += DAY_MS) fullDates.push(isoDate(t));
  const { fromIndex, toIndex } = resolveWindow(fullDates, from, to);
  const firstMs = start.firstMs + fromIndex * DAY_MS;
  const timestampsMs = Array.from({ length: toIndex - fromIndex + 1 }, (_, i) => firstMs + i * DAY_MS);
  const dates = timestampsMs.map(isoDate);

  const assets: Record<string, AssetHistory> = {};
  const coverage: Record<string, AssetCoverage> = {};
  for (const p of prices) {
    const bars = sortedBars.get(p.asset) ?? [];
    const calendar = p.calendar ?? (bars.some((b) => isWeekend(b.timestampMs)) ? "daily" : "weekdays");
    const closeUsd: number[] = [];
    const openUsd: number[] = [];
    const highUsd: number[] = [];
    const lowUsd: number[] = [];
    const filled: boolean[] = [];
    const gaps: AssetCoverage["gaps"] = [];
    let filledWeekendDays = 0;
    let j = -1; // index of the last bar on or before the day
    for (const t of timestampsMs) {
      while (j + 1 < bars.length && (bars[j + 1]?.timestampMs ?? Number.POSITIVE_INFINITY) <= t) j++;
      const bar = bars[j];
      if (bar === undefined) throw new Error(`unreachable: ${p.asset} has no bar on or before ${isoDate(t)}`);
      if (bar.timestampMs === t) {
        openUsd.push(bar.openUsd);
        closeUsd.push(bar.closeUsd);
        highUsd.push(bar.highUsd);
        lowUsd.push(bar.lowUsd);
        filled.push(false);
        continue;
      }
      openUsd.push(bar.closeUsd);
      closeUsd.push(bar.closeUsd);
      highUsd.push(bar.closeUsd);
      lowUsd.push(bar.closeUsd);
      filled.push(true);
      if (calendar === "weekdays" && isWeekend(t)) {
        filledWeekendDays++;
        continue;
      }
      const date = isoDate(t);
      const lastGap = gaps.at(-1);
      // A gap run continues over weekends of a weekday series (e.g. Friday holiday + weekend + Monday holiday).
      const previousWorkingDay = (() => {
        let d = t - DAY_MS;
        while (calendar === "weekdays" && isWeekend(d)) d -= DAY_MS;
        return isoDate(d);
      })();
      if (lastGap !== undefined && lastGap.to === previousWorkingDay) {
        lastGap.to = date;
        lastGap.days++;
      } else {
        gaps.push({ from: date, to: date, days: 1 });
      }
    }
    assets[p.asset] = { closeUsd, openUsd, highUsd, lowUsd, filled };
    coverage[p.asset] = {
      calendar,
      days: dates.length,
      filledDays: filled.filter(Boolean).length,
      filledWeekendDays,
      gaps,
    };
  }

  const endExclusiveMs = (timestampsMs.at(-1) ?? firstMs) + DAY_MS;
  const fundingOut: Record<string, FundingPoint[]> = {};
  for (const [asset, points] of sortedFunding) {
    fundingOut[asset] = points
      .filter((x) => x.timestampMs >= firstMs && x.timestampMs < endExclusiveMs)
      .map((x) => ({ timestampMs: x.timestampMs, ratePerInterval: x.ratePerInterval }));
  }

  const daily = prices.filter((p) => coverage[p.asset]?.calendar === "daily").map((p) => p.asset);
  const weekdays = prices.filter((p) => coverage[p.asset]?.calendar === "weekdays").map((p) => p.asset);
  const notes: string[] = [
    `Calendar: every UTC day from ${isoDate(start.firstMs)} (latest first date: ${start.what}) to ${isoDate(end.lastMs)} (earliest last date: ${end.what}), so every asset has data on every day.`,
  ];
  if (from !== undefined || to !== undefined) notes.push(`Window: ${dates[0]} .. ${dates.at(-1)} (from/to).`);
  notes.push(`${dates.length} days.`);
  if (daily.length > 0) notes.push(`Daily series (trade every day): ${daily.join(", ")}.`);
  if (weekdays.length > 0) {
    notes.push(
      `Weekday series (${weekdays.join(", ")}): weekends and holidays are forward-filled from the last trading day's close, with high = low = close (no intraday move invented), and flagged as filled.`,
    );
  }
  for (const p of prices) {
    const c = coverage[p.asset];
    if (c === undefined || c.filledDays === 0) continue;
    const gapDays = c.filledDays - c.filledWeekendDays;
    const what =
      c.calendar === "weekdays"
        ? `${c.filledWeekendDays} weekend days, ${gapDays} weekdays missing: holidays or gaps`
        : `${gapDays} missing days`;
    const shown = c.gaps
      .slice(0, MAX_GAPS_IN_NOTES)
      .map((g) => (g.days === 1 ? g.from : `${g.from}..${g.to}`))
      .join(", ");
    const more = c.gaps.length > MAX_GAPS_IN_NOTES ? `, … ${c.gaps.length - MAX_GAPS_IN_NOTES} more` : "";
    const listed = c.gaps.length > 0 ? `; gaps: ${shown}${more}` : "";
    notes.push(`${p.asset}: ${c.filledDays} of ${c.days} days filled (${what})${listed}.`);
  }
  for (const [asset, points] of Object.entries(fundingOut)) {
    notes.push(`${asset} funding: ${points.length} settlements on the calendar's days (not filled).`);
  }
  return {
    dates,
    timestampsMs,
    assets,
    funding: fundingOut,
    alignment: { method: "calendar-forward-fill", notes },
    coverage,
  };
}

/**
 * Daily log returns ln(close[i] / close[i − 1]) of one asset on the history's calendar (length: days − 1). A
 * forward-filled day has a return of 0 and the next trading day carries the whole move.
 */
export function dailyLogReturns(history: MarketHistory, asset: string): number[] {
  const series = history.assets[asset];
  if (series === undefined) {
    throw new BacktestInputError({
      code: "UNKNOWN_ASSET",
      summary: `The history has no prices for ${asset} (it has ${Object.keys(history.assets).join(", ") || "none"}).`,
      fix: `Add a price series for ${asset}, or ask for one of the assets it has.`,
    });
  }
  const close = series.closeUsd;
  return close.slice(1).map((c, i) => Math.log(c / (close[i] ?? c)));
}
