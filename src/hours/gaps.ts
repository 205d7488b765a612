// Reopen gaps: how far a market's first price after a close has moved from its last price before it, measured on
// daily bars (Open of the next trading day against Close of the previous one). The closing margin of a scheduled
// market is sized from this distribution (`closingMarginFromGaps`), and the tests recompute the shipped defaults
// from data/tradfi with it, so the defaults and the data cannot drift apart.
//
// Analytics in `number` (fractions), like the hedge planner; the margin it proposes is returned as a WAD bigint.
import { DAY_MS } from "../data/csv.js";
import type { DailyBar } from "../data/ohlc.js";
import { WAD } from "../math/constants.js";

/**
 * "weekend": Friday close → Monday open; "holiday": any other gap of more than one calendar day (a weekday holiday,
 * a long weekend, a missing day); "overnight": one weekday's close → the next calendar day's open.
 */
export type ReopenGapKind = "weekend" | "holiday" | "overnight";

export type ReopenGap = {
  /** The reopen's trading day (its Open is the first price after the close). */
  date: string;
  /** The trading day whose Close was the last price before the close. */
  previousDate: string;
  kind: ReopenGapKind;
  /** Open(date) / Close(previousDate) − 1 (signed). */
  gapRatio: number;
};

/** Every close→open step of a daily series (sorted by date; weekdays only, as the tradfi loader returns them). */
export function reopenGaps(bars: readonly DailyBar[]): ReopenGap[] {
  const sorted = [...bars].sort((a, b) => a.timestampMs - b.timestampMs);
  const gaps: ReopenGap[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as DailyBar;
    const bar = sorted[i] as DailyBar;
    const days = Math.round((bar.timestampMs - prev.timestampMs) / DAY_MS);
    const friday = new Date(prev.timestampMs).getUTCDay() === 5;
    const kind: ReopenGapKind = days === 1 ? "overnight" : days === 3 && friday ? "weekend" : "holiday";
    gaps.push({ date: bar.date, previousDate: prev.date, kind, gapRatio: bar.openUsd / prev.closeUsd - 1 });
  }
  return gaps;
}

/** Distribution of |gap| over a set of reopen gaps. Quantiles are nearest-rank (the ⌈q·n⌉-th smallest). */
export type ReopenGapStats = {
  count: number;
  median: number;
  p95: number;
  p99: number;
  /** With fewer than 1000 gaps this is the largest (nearest rank). */
  p999: number;
  max: number;
  /** The reopen day of the largest |gap|, and that gap signed. */
  worstDate: string;
  worstGapRatio: number;
};

/** Count, median, p95, p99, p99.9 and max of |gapRatio|, and the worst day. Undefined for no gap. */
export function reopenGapStats(gaps: readonly ReopenGap[]): ReopenGapStats | undefined {
  if (gaps.length === 0) return undefined;
  const abs = gaps.map((g) => Math.abs(g.gapRatio)).sort((a, b) => a - b);
  const rank = (q: number) => abs[Math.min(abs.length, Math.max(1, Math.ceil(q * abs.length))) - 1] as number;
  let worst = gaps[0] as ReopenGap;
  for (const g of gaps) if (Math.abs(g.gapRatio) > Math.abs(worst.gapRatio)) worst = g;
  return {
    count: gaps.length,
    median: rank(0.5),
    p95: rank(0.95),
    p99: rank(0.99),
    p999: rank(0.999),
    max: abs.at(-1) as number,
    worstDate: worst.date,
    worstGapRatio: worst.gapRatio,
  };
}

/** Multiplier on p99 in the closing-margin rule: a gap 50 % beyond the 1-in-100 one. */
export const DEFAULT_GAP_SAFETY_FACTOR = 1.5;

/**
 * The closing maintenance margin ratio the gap distribution asks for: the market's maintenance margin plus the larger
 * of the worst observed gap and p99 × `safetyFactor`, rounded up to a whole percent (WAD). A position that holds this
 * margin at the close still holds maintenance margin after a gap that large, so it is not liquidated at the reopen.
 */
export function closingMarginFromGaps(p: {
  stats: ReopenGapStats;
  /** The market's own maintenance margin ratio (WAD). */
  maintenanceMarginRatio: bigint;
  safetyFactor?: number | undefined;
}): bigint {
  const cushion = Math.max(p.stats.max, p.stats.p99 * (p.safetyFactor ?? DEFAULT_GAP_SAFETY_FACTOR));
  // The cushion is a measured float: round it up to whole ppm through its decimal text, then add the WAD MM and round
  // the sum up to a whole percent (1e16 WAD), so the margin never falls short of the cushion by a rounding.
  const ppm = BigInt(Math.ceil(Number((cushion * 1e6).toFixed(6))));
  const sum = p.maintenanceMarginRatio + ppm * 10n ** 12n;
  const percent = 10n ** 16n;
  const rounded = ((sum + percent - 1n) / percent) * percent;
  return rounded > WAD ? WAD : rounded;
}
