import { type CsvLine, DAY_MS, isoDate, parseDateUtcMs, parseNumber, splitCsv } from "./csv.js";
import { DataLoadError } from "./errors.js";
import { type DroppedRow, type LoadReport, makeReport } from "./report.js";

/** One daily bar. Prices are in USD per unit of the asset (per coin, share, troy ounce, euro). */
export type DailyBar = {
  symbol: string;
  /** `YYYY-MM-DD` of the bar (UTC day for crypto, the exchange's trading day for tradfi). */
  date: string;
  /** UTC midnight at the start of `date`, in ms. */
  timestampMs: number;
  openUsd: number;
  highUsd: number;
  lowUsd: number;
  closeUsd: number;
};

/** A crypto bar also carries its volume in coin units. */
export type CryptoBar = DailyBar & { base: string; volumeBase: number };

export type LoadCryptoOhlcvOptions = {
  /**
   * What to do with each symbol's last day: candle files are downloaded while that day is still trading, so its
   * bar is partial. Default "drop"; pass "keep" for a file known to end on a complete day.
   */
  lastDay?: "drop" | "keep";
};

export type LoadOhlcReturnType<Bar> = {
  rows: Bar[];
  /** Distinct symbols in file order. */
  symbols: string[];
  /** Days without a bar between a symbol's first and last bar (weekends excluded for tradfi), as YYYY-MM-DD. */
  missingDates: { symbol: string; date: string }[];
  report: LoadReport;
};

type Kind = "crypto" | "tradfi";
type Parsed = { l: CsvLine; bar: DailyBar; base: string; volumeBase: number };

function loadDaily(
  text: string,
  kind: Kind,
  lastDay: "drop" | "keep",
): { parsed: Parsed[]; missingDates: { symbol: string; date: string }[]; report: LoadReport } {
  const required =
    kind === "crypto"
      ? (["date", "symbol", "open", "high", "low", "close", "volume"] as const)
      : (["Date", "Open", "High", "Low", "Close"] as const);
  const { column, lines } = splitCsv(text, kind === "crypto" ? "crypto OHLCV" : "tradfi OHLC", required);
  const [iDate, iOpen, iHigh, iLow, iClose] = ["date", "open", "high", "low", "close"].map(column) as number[];
  const iSym = column("symbol");
  const iBase = column("base");
  const iVol = column("volume");
  const dropped: DroppedRow[] = [];
  const warnings: string[] = [];
  const drop = (l: CsvLine, reason: DroppedRow["reason"], detail: string) =>
    dropped.push({ line: l.line, reason, detail, text: l.text });
  const kept: Parsed[] = [];
  const lastBySymbol = new Map<string, Parsed>();
  let outOfRange = 0;
  let worstOutOfRangeBps = 0;
  for (const l of lines) {
    const f = (i: number | undefined) => (i === undefined || i < 0 ? undefined : l.fields[i]);
    const timestampMs = parseDateUtcMs(f(iDate));
    const [o, h, lo, c] = [iOpen, iHigh, iLow, iClose].map((i) => parseNumber(f(i)));
    const volume = iVol >= 0 ? parseNumber(f(iVol)) : 0;
    const symbol = kind === "crypto" ? (f(iSym) ?? "") : "";
    if (
      timestampMs === undefined ||
      o === undefined ||
      h === undefined ||
      lo === undefined ||
      c === undefined ||
      volume === undefined ||
      (kind === "crypto" && symbol === "") ||
      Math.min(o, h, lo, c) <= 0 ||
      volume < 0 ||
      lo > h
    ) {
      drop(l, "MALFORMED_LINE", "expected a YYYY-MM-DD date and positive prices with low <= high");
      continue;
    }
    if (kind === "tradfi") {
      const weekday = new Date(timestampMs).getUTCDay();
      if (weekday === 0 || weekday === 6) {
        drop(l, "NON_TRADING_DAY", `${isoDate(timestampMs)} is a ${weekday === 0 ? "Sunday" : "Saturday"}`);
        continue;
      }
    }
    const last = lastBySymbol.get(symbol);
    if (last !== undefined && timestampMs === last.bar.timestampMs) {
      drop(l, "DUPLICATE", `${symbol || "series"} already has a bar on ${isoDate(timestampMs)}`);
      continue;
    }
    if (last !== undefined && timestampMs < last.bar.timestampMs) {
      drop(l, "NON_MONOTONIC", `${isoDate(timestampMs)} comes after ${last.bar.date}`);
      continue;
    }
    if (o === h && h === lo && lo === c) {
      drop(l, "STALE_BAR", "open = high = low = close (filler bar)");
      continue;
    }
    const b = last?.bar;
    if (b !== undefined && b.openUsd === o && b.highUsd === h && b.lowUsd === lo && b.closeUsd === c) {
      drop(l, "STALE_BAR", `same OHLC as ${b.date}`);
      continue;
    }
    const excess = Math.max(o - h, c - h, lo - o, lo - c);
    if (excess > 0) {
      outOfRange++;
      worstOutOfRangeBps = Math.max(worstOutOfRangeBps, (excess / c) * 10_000);
    }
    const bar: DailyBar = {
      symbol,
      date: isoDate(timestampMs),
      timestampMs,
      openUsd: o,
      highUsd: h,
      lowUsd: lo,
      closeUsd: c,
    };
    const parsed: Parsed = { l, bar, base: iBase >= 0 ? (f(iBase) ?? "") : "", volumeBase: volume };
    lastBySymbol.set(symbol, parsed);
    kept.push(parsed);
  }
  if (lastDay === "drop") {
    for (const p of lastBySymbol.values()) {
      drop(p.l, "PARTIAL_LAST_DAY", `${p.bar.date} is the last day of ${p.bar.symbol || "the series"}`);
    }
  }
  const droppedLines = new Set(dropped.map((d) => d.line));
  const parsed = kept.filter((p) => !droppedLines.has(p.l.line));
  if (outOfRange > 0) {
    warnings.push(
      `${outOfRange} bars with open or close outside [low, high] (kept; worst ${worstOutOfRangeBps.toFixed(1)} bp)`,
    );
  }
  // Calendar gaps: crypto trades daily, tradfi on weekdays minus exchange holidays.
  const missingDates: { symbol: string; date: string }[] = [];
  for (const symbol of new Set(parsed.map((p) => p.bar.symbol))) {
    const t = parsed.filter((p) => p.bar.symbol === symbol).map((p) => p.bar.timestampMs);
    let missing = 0;
    for (let i = 1; i < t.length; i++) {
      for (let d = (t[i - 1] ?? 0) + DAY_MS; d < (t[i] ?? 0); d += DAY_MS) {
        const wd = new Date(d).getUTCDay();
        if (kind === "crypto" || (wd !== 0 && wd !== 6)) {
          missing++;
          missingDates.push({ symbol, date: isoDate(d) });
        }
      }
    }
    if (missing > 0) {
      const what = kind === "crypto" ? "calendar days" : "weekdays (exchange holidays or gaps)";
      warnings.push(`${symbol || "series"}: ${missing} missing ${what}`);
    }
  }
  if (parsed.length === 0) {
    throw new DataLoadError({
      code: "NO_ROWS",
      summary: `No ${kind} bar survived loading (${dropped.length} lines dropped).`,
      fix: "Check the dates (YYYY-MM-DD) and prices; the report is in the cause.",
      cause: makeReport(lines.length, 0, dropped, warnings),
    });
  }
  return { parsed, missingDates, report: makeReport(lines.length, parsed.length, dropped, warnings) };
}

/**
 * Parses crypto daily OHLCV `date,symbol,base,open,high,low,close,volume` (several symbols may be interleaved).
 * Drops malformed lines, duplicates, out-of-order rows and stale bars per symbol, and each symbol's partial last
 * day unless `lastDay: "keep"`; warns about missing calendar days.
 */
export function loadCryptoOhlcv(text: string, options: LoadCryptoOhlcvOptions = {}): LoadOhlcReturnType<CryptoBar> {
  const { parsed, missingDates, report } = loadDaily(text, "crypto", options.lastDay ?? "drop");
  const rows = parsed.map((p) => ({ ...p.bar, base: p.base, volumeBase: p.volumeBase }));
  return { rows, symbols: [...new Set(rows.map((r) => r.symbol))], missingDates, report };
}

/**
 * Parses a tradfi daily series `Date,Open,High,Low,Close` (extra columns such as Volume ignored; one series per
 * file, `symbol` is ""). Drops weekend rows, malformed lines, duplicates, out-of-order rows and stale bars;
 * warns about missing weekdays and about open/close outside [low, high]. The last day is kept (these files are
 * written after the close).
 */
export function loadTradfiOhlc(text: string): LoadOhlcReturnType<DailyBar> {
  const { parsed, missingDates, report } = loadDaily(text, "tradfi", "keep");
  const rows = parsed.map((p) => p.bar);
  return { rows, symbols: [""], missingDates, report };
}
