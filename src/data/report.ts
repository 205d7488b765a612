/** Why a row was dropped by a loader. */
export type DropReason =
  /** Wrong number of fields, unparsable date or number, negative or non-finite price. */
  | "MALFORMED_LINE"
  /** Same symbol and timestamp as a row already kept (the first one wins). */
  | "DUPLICATE"
  /** Timestamp earlier than the previous kept row of the same symbol. */
  | "NON_MONOTONIC"
  /** The last day of a daily candle file, still in progress when it was downloaded. */
  | "PARTIAL_LAST_DAY"
  /** A filler bar: open = high = low = close, or exactly the previous bar's OHLC again. */
  | "STALE_BAR"
  /** A trading-day series with a row on a Saturday or Sunday. */
  | "NON_TRADING_DAY";

/** One dropped row: 1-based line number in the text, the reason and the raw line. */
export type DroppedRow = { line: number; reason: DropReason; detail: string; text: string };

/** What a loader read, kept and dropped, and why. */
export type LoadReport = {
  /** Data lines seen (header and blank lines excluded). */
  linesRead: number;
  rowsKept: number;
  dropped: DroppedRow[];
  /** Count per reason (every reason present, 0 when none). */
  droppedByReason: Record<DropReason, number>;
  /** Kept-but-noteworthy facts (rounded stamps, gaps, OHLC out of range, missing weekdays). */
  warnings: string[];
};

export const DROP_REASONS: readonly DropReason[] = [
  "MALFORMED_LINE",
  "DUPLICATE",
  "NON_MONOTONIC",
  "PARTIAL_LAST_DAY",
  "STALE_BAR",
  "NON_TRADING_DAY",
];

/** Builds a report from the dropped rows. */
export function makeReport(linesRead: number, rowsKept: number, dropped: DroppedRow[], warnings: string[]): LoadReport {
  const droppedByReason = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  for (const d of dropped) droppedByReason[d.reason] += 1;
  dropped.sort((a, b) => a.line - b.line);
  return { linesRead, rowsKept, dropped, droppedByReason, warnings };
}
