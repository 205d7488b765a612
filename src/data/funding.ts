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
   * Offset of the file's clock from UTC in hours: the stamp minus this is UTC (the shipped Binance files are
   * UTC+3: 3, see `SHIPPED_FUNDING_OFFSETS`). Stamps with their own zone (`Z`, `+03:00`) use it instead. Without
   * it, a stamp without a zone is refused (MISSING_TIMEZONE_OFFSET): a silent 0 would shift every settlement.
   */
  timeZoneOffsetHours?: number | undefined;
  /**
   * UTC hour of the venue's first settlement of the day modulo the interval (default 0: 8 h venues settle at
   * 00/08/16 UTC, 1 h venues every hour). The schedule check warns when settlements are off it.
   */
  venuePhaseHours?: number;
  /** Round stamps to this many ms (default one hour; the files carry stray milliseconds). 0 disables. */
  roundToMs?: number;
  /** The file's name, for messages. */
  source?: string;
};

/** Clock offsets (hours) of the shipped funding files, by file name (data/SOURCES.md: collected in UTC+3). */
export const SHIPPED_FUNDING_OFFSETS: Readonly<Record<string, number>> = {
  "binance_btcusdt_funding_8h_2020-2023.csv": 3,
  "binance_ethusdt_funding_8h_2020-2023.csv": 3,
};

/** Whether settlements fall on the venue's schedule, after the stamps are moved to UTC. */
export type FundingSchedule = {
  intervalMs: number;
  /** The most common UTC hour (0 ≤ h < interval) of the settlements modulo the interval. */
  observedPhaseHours: number;
  /** The UTC hours of the day where most settlements land, e.g. [3, 11, 19]. */
  observedHoursUtc: number[];
  /** Settlements whose UTC time modulo the interval is not the venue's phase. */
  offSchedule: number;
  offScheduleShare: number;
  /** Offset that moves the modal phase onto the venue's (undefined when already on it). */
  suggestedTimeZoneOffsetHours: number | undefined;
};

export type LoadFundingCsvReturnType = {
  rows: FundingRow[];
  /** The settlement interval in ms, the most common step between consecutive rows of a symbol (e.g. 28 800 000). */
  intervalMs: number | undefined;
  /** Steps longer than the interval: missing settlements, per symbol. */
  gaps: { symbol: string; fromMs: number; toMs: number; missingIntervals: number }[];
  /** Stamps moved by the rounding (stray milliseconds). */
  roundedStamps: number;
  /** The schedule check (undefined when no interval could be inferred); its warnings are in `report.warnings`. */
  schedule: FundingSchedule | undefined;
  report: LoadReport;
};

const HEADER = ["Symbol", "Date", "Funding Rate"] as const;

/** The stamp's wall-clock time read as if UTC, and its own zone offset in hours when it carries one. */
function parseStampMs(s: string | undefined): { localMs: number; zoneHours: number | undefined } | undefined {
  const m =
    s === undefined
      ? null
      : /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (m === null) return undefined;
  const day = parseDateUtcMs(m[1]);
  const [h, mi, sec] = [Number(m[2]), Number(m[3]), Number(m[4] ?? "0")];
  if (day === undefined || h > 23 || mi > 59 || sec > 59) return undefined;
  const ms = Number((m[5] ?? "0").padEnd(3, "0"));
  const z = m[6];
  let zoneHours: number | undefined;
  if (z === "Z") zoneHours = 0;
  else if (z !== undefined) {
    const digits = z.replace(":", "");
    const [zh, zm] = [Number(digits.slice(1, 3)), Number(digits.slice(3, 5))];
    if (zh > 14 || zm > 59) return undefined;
    zoneHours = (z.startsWith("-") ? -1 : 1) * (zh + zm / 60);
  }
  return { localMs: day + h * HOUR_MS + mi * 60_000 + sec * 1000 + ms, zoneHours };
}

const mod = (a: number, b: number) => ((a % b) + b) % b;
const signed = (h: number) => `${h >= 0 ? "+" : ""}${h}`;

/**
 * Checks UTC settlement stamps against a venue that settles every `intervalMs` at `venuePhaseHours` (mod the
 * interval) UTC. The suggested offset is the current one plus the modal phase error, taken in (-interval/2,
 * interval/2]: an 8 h file at 03/11/19 read with offset 0 suggests 3.
 */
export function checkFundingSchedule(
  timestampsMs: readonly number[],
  intervalMs: number,
  venuePhaseHours: number,
  timeZoneOffsetHours: number,
): FundingSchedule {
  const phases = timestampsMs.map((t) => mod(t, intervalMs));
  const counts = new Map<number, number>();
  for (const p of phases) counts.set(p, (counts.get(p) ?? 0) + 1);
  const modal = [...counts].reduce((a, b) => (b[1] > a[1] || (b[1] === a[1] && b[0] < a[0]) ? b : a))[0];
  const venue = mod(venuePhaseHours * HOUR_MS, intervalMs);
  const offSchedule = phases.filter((p) => p !== venue).length;
  let errorMs = mod(modal - venue, intervalMs);
  if (errorMs > intervalMs / 2) errorMs -= intervalMs;
  const hours = new Set<number>();
  for (let h = modal; h < DAY_MS; h += intervalMs) hours.add(Math.floor(h / HOUR_MS));
  return {
    intervalMs,
    observedPhaseHours: modal / HOUR_MS,
    observedHoursUtc: intervalMs <= DAY_MS ? [...hours] : [],
    offSchedule,
    offScheduleShare: timestampsMs.length === 0 ? 0 : offSchedule / timestampsMs.length,
    suggestedTimeZoneOffsetHours: errorMs === 0 ? undefined : timeZoneOffsetHours + errorMs / HOUR_MS,
  };
}

/** Share of settlements off the venue's schedule above which the loader warns (a few are stray or late). */
export const OFF_SCHEDULE_WARNING_SHARE = 0.05;

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
  const { timeZoneOffsetHours, roundToMs = HOUR_MS, venuePhaseHours = 0 } = options;
  const source = options.source ?? "the funding file";
  if (
    timeZoneOffsetHours !== undefined &&
    (!Number.isFinite(timeZoneOffsetHours) || Math.abs(timeZoneOffsetHours) > 14)
  ) {
    throw new DataLoadError({
      code: "INVALID_OPTION",
      summary: `timeZoneOffsetHours ${timeZoneOffsetHours} is not an offset between -14 and 14.`,
      fix: "Pass the file's offset from UTC in hours (3 for the shipped Binance files, 0 for UTC).",
    });
  }
  const { column, lines } = splitCsv(text, "funding", HEADER);
  const [iSym, iDate, iRate] = HEADER.map(column) as [number, number, number];
  const dropped: DroppedRow[] = [];
  const warnings: string[] = [];
  const rows: FundingRow[] = [];
  const lastBySymbol = new Map<string, number>();
  let rounded = 0;
  let zoned = 0;
  const drop = (l: CsvLine, reason: DroppedRow["reason"], detail: string) =>
    dropped.push({ line: l.line, reason, detail, text: l.text });
  for (const l of lines) {
    const symbol = l.fields[iSym] ?? "";
    const stamp = parseStampMs(l.fields[iDate]);
    const rateText = l.fields[iRate] ?? "";
    const rate = parseNumber(rateText);
    if (symbol === "" || stamp === undefined || rate === undefined) {
      drop(
        l,
        "MALFORMED_LINE",
        "expected a symbol, a date-time YYYY-MM-DD HH:MM[:SS[.fff]][Z|±HH:MM] and a decimal rate",
      );
      continue;
    }
    const offset = stamp.zoneHours ?? timeZoneOffsetHours;
    if (offset === undefined) {
      throw new DataLoadError({
        code: "MISSING_TIMEZONE_OFFSET",
        summary: `${source}: line ${l.line} stamp "${l.fields[iDate]}" has no time zone and no timeZoneOffsetHours was given for this file.`,
        fix: "Pass the file's clock offset from UTC in hours (0 for UTC, 3 for UTC+3), or write stamps with a zone (2024-01-01T00:00Z, +03:00).",
      });
    }
    if (stamp.zoneHours !== undefined) zoned++;
    let timestampMs = stamp.localMs - offset * HOUR_MS;
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
  let schedule: FundingSchedule | undefined;
  if (intervalMs !== undefined && intervalMs <= DAY_MS && DAY_MS % intervalMs === 0) {
    // Stamps with their own zone are already UTC: a suggestion only makes sense for the offset option.
    const read = zoned === rows.length ? 0 : (timeZoneOffsetHours ?? 0);
    schedule = checkFundingSchedule(
      rows.map((r) => r.timestampMs),
      intervalMs,
      venuePhaseHours,
      read,
    );
    const venueHours = checkFundingSchedule(
      [venuePhaseHours * HOUR_MS],
      intervalMs,
      venuePhaseHours,
      0,
    ).observedHoursUtc;
    const list = (h: number[]) =>
      h.length > 6 ? `every ${intervalMs / HOUR_MS} h at :00` : h.map((x) => String(x).padStart(2, "0")).join("/");
    if (schedule.suggestedTimeZoneOffsetHours !== undefined) {
      warnings.push(
        `${source}: settlements land at ${list(schedule.observedHoursUtc)} UTC read as UTC${signed(read)}, not at the venue's ${list(venueHours)} UTC: the clock offset looks wrong; timeZoneOffsetHours ${schedule.suggestedTimeZoneOffsetHours} would put them on schedule`,
      );
    } else if (schedule.offScheduleShare > OFF_SCHEDULE_WARNING_SHARE) {
      warnings.push(
        `${source}: ${schedule.offSchedule} of ${rows.length} settlements (${(schedule.offScheduleShare * 100).toFixed(1)} %) are off the venue's ${list(venueHours)} UTC schedule`,
      );
    }
  }
  return {
    rows,
    intervalMs,
    gaps,
    roundedStamps: rounded,
    schedule,
    report: makeReport(lines.length, rows.length, dropped, warnings),
  };
}
