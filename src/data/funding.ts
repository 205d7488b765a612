import { type CsvLine, DAY_MS, HOUR_MS, parseDateUtcMs, parseNumber, splitCsv } from "./csv.js";
import { DataLoadError } from "./errors.js";
import { type DroppedRow, type LoadReport, makeReport } from "./report.js";

/**
 * One funding settlement. `ratePerInterval` is the fraction of notional exchanged at `timestampMs` (UTC, ms):
 * 0.0001 = 0.01 % per interval; longs pay shorts when it is positive.
 */
export type FundingRow = {
  symbol: string;
  timestampMs: number;
  ratePerInterval: number;
  /** The rate exactly as written in the file, for exact decimal arithmetic. */
  ratePerIntervalDecimal: string;
};

export type LoadFundingCsvOptions = {
  /**
   * Offset of the file's clock from UTC in hours: the stamp minus this is UTC. The shared Binance files are
   * UTC+3, so pass 3. Required, because a silent 0 would shift every settlement.
   */
  timeZoneOffsetHours: number;
  /** Round stamps to this many ms (default one hour; the files carry stray milliseconds). 0 disables. */
  roundToMs?: number;
};

export type LoadFundingCsvReturnType = {
  rows: FundingRow[];
  /** The settlement interval in ms, the most common step between consecutive rows of a symbol (e.g. 28 800 000). */
  intervalMs: number | undefined;
  /** Steps longer than the interval: missing settlements, per symbol. */
  gaps: { symbol: string; fromMs: number; toMs: number; missingIntervals: number }[];
  /** Stamps moved by the rounding (stray milliseconds). */
  roundedStamps: number;
  report: LoadReport;
};

const HEADER = ["Symbol", "Date", "Funding Rate"] as const;

function parseStampMs(s: string | undefined): number | undefined {
  const m = s === undefined ? null : /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?Z?$/.exec(s);
  if (m === null) return undefined;
  const day = parseDateUtcMs(m[1]);
  const [h, mi, sec] = [Number(m[2]), Number(m[3]), Number(m[4] ?? "0")];
  if (day === undefined || h > 23 || mi > 59 || sec > 59) return undefined;
  const ms = Number((m[5] ?? "0").padEnd(3, "0"));
  return day + h * HOUR_MS + mi * 60_000 + sec * 1000 + ms;
}

/** The most common positive step between consecutive timestamps (ties: the smallest). */
export function inferIntervalMs(timestampsMs: readonly number[]): number | undefined {
  return modeOfSteps(timestampsMs.slice(1).map((t, i) => t - (timestampsMs[i] ?? t)));
}

function modeOfSteps(stepsMs: readonly number[]): number | undefined {
  const counts = new Map<number, number>();
  for (const step of stepsMs) if (step > 0) counts.set(step, (counts.get(step) ?? 0) + 1);
  let best: number | undefined;
  let bestCount = 0;
  for (const [step, count] of counts) {
    if (count > bestCount || (count === bestCount && best !== undefined && step < best)) {
      best = step;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Parses a funding history `Symbol,Date,Funding Rate` (rate as a fraction per interval). Converts stamps to UTC,
 * rounds them, drops malformed lines, duplicates and out-of-order rows (per symbol), infers the interval and
 * reports gaps. Works on text, so it runs in browsers too; see `readDataFile` for Node.
 */
export function loadFundingCsv(text: string, options: LoadFundingCsvOptions): LoadFundingCsvReturnType {
  const { timeZoneOffsetHours, roundToMs = HOUR_MS } = options;
  if (!Number.isFinite(timeZoneOffsetHours) || Math.abs(timeZoneOffsetHours) > 14) {
    throw new DataLoadError({
      code: "INVALID_OPTION",
      summary: `timeZoneOffsetHours ${timeZoneOffsetHours} is not an offset between -14 and 14.`,
      fix: "Pass the file's offset from UTC in hours (3 for the shared Binance files, 0 for UTC).",
    });
  }
  const { column, lines } = splitCsv(text, "funding", HEADER);
  const [iSym, iDate, iRate] = HEADER.map(column) as [number, number, number];
  const dropped: DroppedRow[] = [];
  const warnings: string[] = [];
  const rows: FundingRow[] = [];
  const lastBySymbol = new Map<string, number>();
  let rounded = 0;
  const drop = (l: CsvLine, reason: DroppedRow["reason"], detail: string) =>
    dropped.push({ line: l.line, reason, detail, text: l.text });
  for (const l of lines) {
    const symbol = l.fields[iSym] ?? "";
    const local = parseStampMs(l.fields[iDate]);
    const rateText = l.fields[iRate] ?? "";
    const rate = parseNumber(rateText);
    if (symbol === "" || local === undefined || rate === undefined) {
      drop(l, "MALFORMED_LINE", "expected a symbol, a date-time YYYY-MM-DD HH:MM[:SS[.fff]] and a decimal rate");
      continue;
    }
    let timestampMs = local - timeZoneOffsetHours * HOUR_MS;
    if (roundToMs > 0) {
      const r = Math.round(timestampMs / roundToMs) * roundToMs;
      if (r !== timestampMs) rounded++;
      timestampMs = r;
    }
    const last = lastBySymbol.get(symbol);
    if (last !== undefined && timestampMs === last) {
      drop(l, "DUPLICATE", `${symbol} already has a row at ${new Date(timestampMs).toISOString()}`);
      continue;
    }
    if (last !== undefined && timestampMs < last) {
      drop(l, "NON_MONOTONIC", `${new Date(timestampMs).toISOString()} is before ${new Date(last).toISOString()}`);
      continue;
    }
    lastBySymbol.set(symbol, timestampMs);
    rows.push({ symbol, timestampMs, ratePerInterval: rate, ratePerIntervalDecimal: rateText });
  }
  if (rows.length === 0) {
    throw new DataLoadError({
      code: "NO_ROWS",
      summary: `No funding row could be parsed (${dropped.length} lines dropped).`,
      fix: "Check the date format (YYYY-MM-DD HH:MM:SS) and that rates are decimals; see report in the cause.",
      cause: makeReport(lines.length, 0, dropped, warnings),
    });
  }
  if (rounded > 0) warnings.push(`${rounded} stamps rounded to the nearest ${roundToMs / 60_000} min`);
  const symbols = [...new Set(rows.map((r) => r.symbol))];
  const steps = symbols.flatMap((s) => {
    const t = rows.filter((r) => r.symbol === s).map((r) => r.timestampMs);
    return t.slice(1).map((x, i) => x - (t[i] ?? x));
  });
  const intervalMs = modeOfSteps(steps);
  const gaps: LoadFundingCsvReturnType["gaps"] = [];
  if (intervalMs !== undefined) {
    for (const s of symbols) {
      const t = rows.filter((r) => r.symbol === s).map((r) => r.timestampMs);
      for (let i = 1; i < t.length; i++) {
        const [a, b] = [t[i - 1] ?? 0, t[i] ?? 0];
        if (b - a > intervalMs)
          gaps.push({ symbol: s, fromMs: a, toMs: b, missingIntervals: Math.round((b - a) / intervalMs) - 1 });
      }
    }
    warnings.push(`funding interval inferred: ${intervalMs / HOUR_MS} h`);
    if (intervalMs > DAY_MS) warnings.push("interval longer than a day: is this really a funding file?");
  }
  if (gaps.length > 0) warnings.push(`${gaps.length} gaps (missing settlements)`);
  return {
    rows,
    intervalMs,
    gaps,
    roundedStamps: rounded,
    report: makeReport(lines.length, rows.length, dropped, warnings),
  };
}
