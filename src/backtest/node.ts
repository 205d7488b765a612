// Node-only: reads price and funding files, detects their format and aligns them with `buildMarketHistory`.
import { basename } from "node:path";
import { DataLoadError } from "../data/errors.js";
import { loadFundingCsv, SHIPPED_FUNDING_OFFSETS } from "../data/funding.js";
import { readDataFile } from "../data/node.js";
import { type DailyBar, loadCryptoOhlcv, loadTradfiOhlc } from "../data/ohlc.js";
import type { LoadReport } from "../data/report.js";
import { BacktestInputError } from "./errors.js";
import { type BuildMarketHistoryReturnType, buildMarketHistory, type PriceSeries } from "./history.js";

export type LoadHistoryFilesParameters = {
  /**
   * Price files, each a path or `ASSET=path`. The format comes from the header: crypto
   * `date,symbol,base,open,high,low,close,volume` (assets from `base`, else the symbol before "/" or "-"; with
   * `ASSET=`, only that asset) or tradfi `Date,Open,High,Low,Close` (asset from `ASSET=`, else the file name's
   * first token uppercased: `spy_daily_2019-2026.csv` → SPY).
   */
  prices: readonly string[];
  /**
   * Funding files by market asset, each a path or `{ path, timeZoneOffsetHours }` (the file's clock offset from
   * UTC in hours), e.g. { BTC: "data/funding/binance_btcusdt_funding_8h_2020-2023.csv", ETH: { path: "eth.csv",
   * timeZoneOffsetHours: 0 } }. The shipped files carry their own offset (`SHIPPED_FUNDING_OFFSETS`).
   */
  funding?: Readonly<Record<string, string | FundingFileSpec>> | undefined;
  /**
   * Offset (hours) for funding files given without their own and not shipped. No default: a file whose stamps
   * carry no zone and that gets no offset is refused. Each file's offset is recorded in the alignment notes.
   */
  timeZoneOffsetHours?: number | undefined;
  from?: string | undefined;
  to?: string | undefined;
};

/** A funding file and its clock: stamp minus `timeZoneOffsetHours` is UTC (stamps with a zone use their own). */
export type FundingFileSpec = { path: string; timeZoneOffsetHours?: number | undefined };

/** The offset a funding file is read with: its own, the shipped file's, else the run's default (may be none). */
export function fundingFileOffset(
  spec: string | FundingFileSpec,
  defaultOffsetHours: number | undefined,
): { path: string; timeZoneOffsetHours: number | undefined; origin: "file" | "shipped" | "default" | "none" } {
  const { path, timeZoneOffsetHours } = typeof spec === "string" ? { path: spec } : spec;
  if (timeZoneOffsetHours !== undefined) return { path, timeZoneOffsetHours, origin: "file" };
  const shipped = SHIPPED_FUNDING_OFFSETS[basename(path)];
  if (shipped !== undefined) return { path, timeZoneOffsetHours: shipped, origin: "shipped" };
  if (defaultOffsetHours !== undefined) return { path, timeZoneOffsetHours: defaultOffsetHours, origin: "default" };
  return { path, timeZoneOffsetHours: undefined, origin: "none" };
}

/** What one file's loader read and dropped. */
export type FileLoadSummary = {
  path: string;
  format: "crypto" | "tradfi" | "funding";
  assets: string[];
  report: LoadReport;
  /** Days without a bar inside the file (prices) or missing settlements (funding), as the loader reported them. */
  missing: string[];
};

export type LoadHistoryFilesReturnType = {
  history: BuildMarketHistoryReturnType;
  files: FileLoadSummary[];
};

const ASSET_SPEC = /^([A-Za-z][A-Za-z0-9_.]*)=(.+)$/;

/** Splits `ASSET=path` into its parts; a plain path gives no asset. */
export function parseFileSpec(spec: string): { asset: string | undefined; path: string } {
  const m = ASSET_SPEC.exec(spec);
  return m === null ? { asset: undefined, path: spec } : { asset: (m[1] ?? "").toUpperCase(), path: m[2] ?? "" };
}

/** The asset a tradfi file name stands for: its first token uppercased (`spy_daily_2019-2026.csv` → SPY). */
export function assetFromFileName(path: string): string {
  return (basename(path).split(/[_\-.\s]/)[0] ?? "").toUpperCase();
}

/** "crypto", "tradfi" or undefined, from the header line of a price file. */
export function detectPriceFormat(text: string): "crypto" | "tradfi" | undefined {
  const header = (
    text
      .replace(/^\uFEFF/, "")
      .split(/\r?\n/)
      .find((l) => l.trim() !== "") ?? ""
  )
    .split(",")
    .map((h) => h.trim().toLowerCase());
  const has = (...names: string[]) => names.every((n) => header.includes(n));
  if (has("date", "symbol", "open", "high", "low", "close", "volume")) return "crypto";
  if (has("date", "open", "high", "low", "close")) return "tradfi";
  return undefined;
}

const cryptoAsset = (bar: { symbol: string; base: string }) =>
  (bar.base !== "" ? bar.base : (bar.symbol.split(/[/-]/)[0] ?? bar.symbol)).toUpperCase();

/**
 * Reads price and funding files, detects each price file's format, loads it with the `src/data` loaders and
 * aligns everything with `buildMarketHistory`. Returns the history and each file's load report (what was dropped
 * and why). Throws `DataLoadError` (unreadable file) or `BacktestInputError` (unknown format, asset not in the
 * file, duplicate asset, no overlap, bad window).
 */
export async function loadHistoryFiles(parameters: LoadHistoryFilesParameters): Promise<LoadHistoryFilesReturnType> {
  const { funding = {}, timeZoneOffsetHours, from, to } = parameters;
  const series: PriceSeries[] = [];
  const files: FileLoadSummary[] = [];
  for (const spec of parameters.prices) {
    const { asset, path } = parseFileSpec(spec);
    const text = await readDataFile(path);
    const format = detectPriceFormat(text);
    if (format === undefined) {
      throw new BacktestInputError({
        code: "UNRECOGNISED_FILE",
        summary: `${path} is neither a crypto (date,symbol,base,open,high,low,close,volume) nor a tradfi (Date,Open,High,Low,Close) price file.`,
        fix: "Pass a price file in one of these two formats (see docs/data.md), or convert it.",
      });
    }
    if (format === "crypto") {
      const loaded = loadCryptoOhlcv(text);
      const byAsset = new Map<string, DailyBar[]>();
      for (const bar of loaded.rows) {
        const a = cryptoAsset(bar);
        byAsset.set(a, [...(byAsset.get(a) ?? []), bar]);
      }
      if (asset !== undefined && !byAsset.has(asset)) {
        throw new BacktestInputError({
          code: "UNRECOGNISED_FILE",
          summary: `${path} has no ${asset} bars (it has ${[...byAsset.keys()].join(", ")}).`,
          fix: `Pass ${asset}=<a file with ${asset} prices>, or drop the "${asset}=" prefix to load every asset of the file.`,
        });
      }
      const assets = asset === undefined ? [...byAsset.keys()] : [asset];
      for (const a of assets) series.push({ asset: a, bars: byAsset.get(a) ?? [], calendar: "daily" });
      const missing = loaded.missingDates.map((m) => `${m.symbol} ${m.date}`);
      files.push({ path, format, assets, report: loaded.report, missing });
    } else {
      const loaded = loadTradfiOhlc(text);
      const a = asset ?? assetFromFileName(path);
      series.push({ asset: a, bars: loaded.rows, calendar: "weekdays" });
      files.push({ path, format, assets: [a], report: loaded.report, missing: loaded.missingDates.map((m) => m.date) });
    }
  }
  const fundingSeries = [];
  const fundingNotes: string[] = [];
  for (const [asset, spec] of Object.entries(funding)) {
    const clock = fundingFileOffset(spec, timeZoneOffsetHours);
    const path = clock.path;
    let loaded: ReturnType<typeof loadFundingCsv>;
    try {
      loaded = loadFundingCsv(await readDataFile(path), {
        timeZoneOffsetHours: clock.timeZoneOffsetHours,
        source: path,
      });
    } catch (e) {
      if (!(e instanceof DataLoadError && e.code === "MISSING_TIMEZONE_OFFSET")) throw e;
      throw new BacktestInputError({
        code: "UNRECOGNISED_FILE",
        summary: `The funding file ${path} (${asset}) has stamps without a time zone and no clock offset was given for it.`,
        fix: `Give its offset from UTC in hours: funding: { ${asset}: { path, timeZoneOffsetHours: 0 } } (CLI: --funding ${asset}=${path}@0; 3 for UTC+3).`,
        cause: e,
      });
    }
    const o = clock.timeZoneOffsetHours;
    fundingNotes.push(
      o === undefined
        ? `Funding ${asset} (${path}): stamps carry their own zone.`
        : `Funding ${asset} (${path}): stamps read as UTC${o >= 0 ? "+" : ""}${o} (${{ file: "the file's offset", shipped: "shipped file", default: "the run's default offset", none: "" }[clock.origin]}) and moved to UTC.`,
    );
    // Schedule warnings are the ones a wrong offset raises: they belong in the notes, not only the file report.
    const suggested = loaded.schedule?.suggestedTimeZoneOffsetHours;
    const how =
      suggested === undefined
        ? ""
        : ` (funding: { ${asset}: { path, timeZoneOffsetHours: ${suggested} } }; CLI: --funding ${asset}=${path}@${suggested})`;
    for (const w of loaded.report.warnings)
      if (w.startsWith(`${path}: `))
        fundingNotes.push(`Warning: ${w}${w.includes("would put them on schedule") ? how : ""}.`);
    // A file with several symbols (BTC-USDT, ETH-USDT, …): keep the one whose name starts with the asset.
    const symbols = [...new Set(loaded.rows.map((r) => r.symbol))];
    const symbol =
      symbols.length === 1
        ? symbols[0]
        : symbols.find((s) =>
            s
              .toUpperCase()
              .replace(/[^A-Z0-9]/g, "")
              .startsWith(asset),
          );
    if (symbol === undefined) {
      throw new BacktestInputError({
        code: "UNRECOGNISED_FILE",
        summary: `The funding file ${path} has several symbols (${symbols.join(", ")}) and none is ${asset}'s.`,
        fix: `Pass a funding file of ${asset} only, or one whose symbol starts with ${asset} (e.g. ${asset}-USDT).`,
      });
    }
    fundingSeries.push({ asset, points: loaded.rows.filter((r) => r.symbol === symbol) });
    const missing = loaded.gaps.map(
      (g) =>
        `${g.symbol} ${new Date(g.fromMs).toISOString()}..${new Date(g.toMs).toISOString()} (${g.missingIntervals} settlements)`,
    );
    files.push({ path, format: "funding", assets: [asset], report: loaded.report, missing });
  }
  const history = buildMarketHistory({ prices: series, funding: fundingSeries, from, to });
  history.alignment.notes.push(...fundingNotes);
  return { history, files };
}
