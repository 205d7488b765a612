// `parapet backtest`: parse the options, load and align the data, run the engine, print or write the results.
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { PnlAttribution } from "../../backtest/attribution.js";
import { resolveWindow } from "../../backtest/history.js";
import { type FileLoadSummary, type FundingFileSpec, loadHistoryFiles, parseFileSpec } from "../../backtest/node.js";
import { attributionRows, METRIC_COLUMNS, renderBacktestReport, summariseFits } from "../../backtest/report.js";
import {
  BACKTEST_POLICY_NAMES,
  type BacktestInput,
  type BacktestMetrics,
  type BacktestPolicyName,
  type BacktestResult,
} from "../../backtest/types.js";
import { parseDateUtcMs } from "../../data/csv.js";
import type { Exposure, HedgePolicy } from "../../hedge/types.js";
import { DEFAULT_MARKET_SCHEDULES, DEFAULT_REOPEN_GAPS, type ScheduledMarketSymbol } from "../../hours/defaults.js";
import { ASSET, parseCommandArgs, parseFiniteNumber, splitPair } from "../args.js";
import { CliUsageError, EXIT_CODES, usage } from "../errors.js";
import type { CliIo } from "../io.js";
import { formatTable } from "../output.js";

/** Everything `parapet backtest` was asked to do, after parsing and defaults. */
export type BacktestCommandOptions = {
  help: boolean;
  /** `--exposure ASSET=AMOUNT`: units of the asset (negative: short). */
  exposures: { asset: string; amount: number }[];
  /** `--lp ASSET=USD_VALUE`: a constant-product ASSET/USDC position worth this much at the start. */
  lps: { asset: string; valueUsd: number }[];
  /**
   * `--range-lp ASSET=USD_VALUE:LOWER:UPPER`: a concentrated ASSET/USDC position worth this much at the start, on a
   * range whose bounds are USD prices or moves from the start price (`{ relative: -0.2 }` for `-20%`).
   */
  rangeLps: { asset: string; valueUsd: number; lower: RangeBound; upper: RangeBound; spec: string }[];
  /** `--lp-fee-apr F`: pool fee APR of every --lp and --range-lp position (fraction per year; default 0). */
  lpFeeApr: number | undefined;
  /** `--hedge-with ASSET=MARKET_ASSET`. */
  hedgeWith: Record<string, string>;
  /** `--hours MARKET_ASSET=SYMBOL`: the market trades on the shipped schedule of SYMBOL (SPX, XAU, EURUSD). */
  hours: Record<string, string>;
  /** `--prices [ASSET=]FILE` specs; the repo's data/ files when none is given. */
  prices: string[];
  /** `--funding ASSET=FILE[@H]` (H: the file's clock offset from UTC, hours); the repo's BTC and ETH files when none is given. */
  funding: Record<string, string | FundingFileSpec>;
  /** True when the data files are the repo's defaults. */
  defaultData: boolean;
  from: string | undefined;
  to: string | undefined;
  policies: BacktestPolicyName[];
  json: boolean;
  reportPath: string | undefined;
  gasPriceGwei: number | undefined;
  gasUnits: number | undefined;
  /** `--timezone-offset-hours N`: the offset of funding files given without `@H` (not shipped); no default. */
  timeZoneOffsetHours: number | undefined;
  ratioBounds: readonly [number, number] | undefined;
  lookbackDays: number | undefined;
};

/** A range bound of `--range-lp`: an absolute USD price, or a relative move from the start price. */
export type RangeBound = { usd: number } | { relative: number };

export type ParseBacktestArgsReturnType =
  | { ok: true; options: BacktestCommandOptions }
  | { ok: false; error: CliUsageError };

/** The engine functions the command calls; injected in tests, imported from the SDK otherwise. */
export type BacktestEngine = {
  runBacktest: (input: BacktestInput) => BacktestResult | Promise<BacktestResult>;
  defaultBacktestMarket: (asset: string, startPriceUsd: number) => BacktestInput["markets"][string];
  constantProductLp: (asset: string, valueUsd: number, priceUsd: number) => Exposure;
  concentratedLp: (
    asset: string,
    valueUsd: number,
    priceUsd: number,
    lowerPriceUsd: number,
    upperPriceUsd: number,
  ) => Exposure;
};

// The package's data/: this file is src/cli/commands/backtest.ts or dist/cli/commands/backtest.js.
const DATA_DIR = fileURLToPath(new URL("../../../data/", import.meta.url));

/** The repo's data files used when no --prices / --funding is given. */
export const DEFAULT_PRICE_FILES: readonly string[] = [
  `${DATA_DIR}prices/coinbase_btc_eth_daily_2020-2025.csv`,
  `SPY=${DATA_DIR}tradfi/spy_daily_2019-2026.csv`,
  `QQQ=${DATA_DIR}tradfi/qqq_daily_2019-2026.csv`,
  `GOLD=${DATA_DIR}tradfi/gold_futures_daily_2019-2026.csv`,
  `EUR=${DATA_DIR}tradfi/eurusd_daily_2019-2026.csv`,
];
export const DEFAULT_FUNDING_FILES: Readonly<Record<string, string>> = {
  BTC: `${DATA_DIR}funding/binance_btcusdt_funding_8h_2020-2023.csv`,
  ETH: `${DATA_DIR}funding/binance_ethusdt_funding_8h_2020-2023.csv`,
};

export const help = `Usage: parapet backtest [options]

Replays history through the hedge planner and rebalancing rule, once per policy, and reports variance
reduction, carry, fees, gas, rebalances, reserve drawn, liquidations and max drawdown.

Exposures (at least one):
  --exposure ASSET=AMOUNT      hold AMOUNT units of ASSET (negative: short), e.g. --exposure ETH=100  (repeatable)
  --lp ASSET=USD_VALUE         a constant-product ASSET/USDC position worth USD_VALUE at the start  (repeatable)
  --range-lp ASSET=USD_VALUE:LOWER:UPPER
                               a concentrated (Uniswap v3 style) ASSET/USDC position worth USD_VALUE at the start on
                               the price range [LOWER, UPPER): each bound a USD price (1500) or a move from the start
                               price (-20%, +25%), e.g. --range-lp ETH=1000000:-20%:+20%  (repeatable)
  --lp-fee-apr F               pool fee APR of every --lp / --range-lp position, a fraction per year (0.2) or a
                               percentage (20%); earned on the position's value each day its close is in range,
                               paid out as USD (default 0: fees ignored)
  --hedge-with ASSET=MARKET    hedge ASSET in MARKET's perp, e.g. --hedge-with QQQ=SPY  (repeatable)
  --hours MARKET=SYMBOL        MARKET closes on SYMBOL's shipped hours and closing margin (SPX, XAU or EURUSD),
                               e.g. --hours SPY=SPX: closed nights and weekends, reopens at the real Open (repeatable)

Data (default: the repo's data/ files: crypto BTC+ETH, SPY, QQQ, GOLD, EUR; funding BTC and ETH):
  --prices [ASSET=]FILE        a price file, crypto (date,symbol,base,open,high,low,close,volume) or tradfi
                               (Date,Open,High,Low,Close; asset from ASSET= or the file name's first token)  (repeatable)
  --funding ASSET=FILE[@H]     funding history (Symbol,Date,Funding Rate) of ASSET's market, its stamps on a clock
                               H hours from UTC (@0 for UTC, @3 for UTC+3); the shipped files know theirs, and
                               stamps with a zone (Z, +03:00) need none  (repeatable)
  --timezone-offset-hours N    the offset of --funding files given without @H (no default: such a file whose
                               stamps have no zone is refused)
  --from YYYY-MM-DD            first day of the backtest (default: the start of the data after the lookback)
  --to YYYY-MM-DD              last day (default: the end of the data)

Policies and costs:
  --policy NAME                none, static, periodic, band or gas-aware (repeatable; default all five)
  --gas-price-gwei N           gas price in gwei (default: the engine's)
  --gas-units N                gas per rebalance transaction (default: the engine's)
  --ratio-min X, --ratio-max X bounds on the hedge ratio (default 0.5 and 1.0)
  --lookback-days N            days of returns for min-variance ratios and cross hedges (default 90)

Output:
  --json                       print one JSON object on stdout: { "policies": { "<name>": { varianceReduction,
                               carryUsd, feesUsd, gasUsd, rebalances, reserveDrawnUsd, liquidations, maxDrawdown,
                               gapLiquidations, gapBadDebtUsd, closingLiquidations, closingMarginCarryUsd,
                               closingMarginExtraCollateralUsd } },
                               "attribution": { "<name>": { exposurePricePnl, impermanentLoss, lpFeesEarned,
                               hedgePricePnl, basis, fundingCarry, tradingFees, fillSlippage, gas, liquidations,
                               total } } (USD, positive: gained; the terms sum to total),
                               "warnings", "fits", "alignment", "files", "settings" }
  --report FILE.html           write a self-contained HTML report (charts inline, no network)
  -h, --help                   show this help

Exit codes: 0 ok; 1 runtime failure (unreadable data, no overlap, window outside the data, engine error);
2 usage error (unknown option, bad ASSET=VALUE, unknown policy, missing file, an asset the data lacks).

Example:
  parapet backtest --exposure ETH=100 --lp BTC=1000000 --exposure QQQ=500 --hedge-with QQQ=SPY \\
    --from 2021-01-01 --to 2023-12-31 --policy static --policy gas-aware --report backtest.html
`;

const BACKTEST_OPTIONS = {
  exposure: { type: "string", multiple: true },
  lp: { type: "string", multiple: true },
  "range-lp": { type: "string", multiple: true },
  "lp-fee-apr": { type: "string" },
  "hedge-with": { type: "string", multiple: true },
  hours: { type: "string", multiple: true },
  prices: { type: "string", multiple: true },
  funding: { type: "string", multiple: true },
  from: { type: "string" },
  to: { type: "string" },
  policy: { type: "string", multiple: true },
  json: { type: "boolean" },
  report: { type: "string" },
  "gas-price-gwei": { type: "string" },
  "gas-units": { type: "string" },
  "timezone-offset-hours": { type: "string" },
  "ratio-min": { type: "string" },
  "ratio-max": { type: "string" },
  "lookback-days": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function checkFile(option: string, spec: string, path: string) {
  if (!existsSync(path)) {
    throw usage(
      `${option} ${spec}`,
      `${option}: file ${path} does not exist.`,
      "Check the path (relative to the current directory).",
    );
  }
}

function checkDate(option: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || parseDateUtcMs(value) === undefined) {
    throw usage(
      `${option} ${value}`,
      `${option} ${value} is not a date.`,
      `Write it as ${option} YYYY-MM-DD, e.g. 2021-01-01.`,
    );
  }
  return value;
}

/**
 * Parses the arguments of `parapet backtest` (after the command name) into options, or a usage error naming the
 * bad argument and the fix (exit code 2). Checks that files exist; does not read them.
 */
export function parseBacktestArgs(argv: readonly string[]): ParseBacktestArgsReturnType {
  try {
    return { ok: true, options: parseOrThrow(argv) };
  } catch (e) {
    if (e instanceof CliUsageError) return { ok: false, error: e };
    throw e;
  }
}

function parseOrThrow(argv: readonly string[]): BacktestCommandOptions {
  const { values } = parseCommandArgs("backtest", argv, BACKTEST_OPTIONS);
  const exposures = (values.exposure ?? []).map((v) => {
    const [asset, amount] = splitPair("--exposure", v, "AMOUNT", "ETH=100");
    return {
      asset,
      amount: parseFiniteNumber(`--exposure ${v}`, amount, (x) => x !== 0, "a non-zero amount", "--exposure ETH=100"),
    };
  });
  const lps = (values.lp ?? []).map((v) => {
    const [asset, usd] = splitPair("--lp", v, "USD_VALUE", "ETH=1000000");
    return {
      asset,
      valueUsd: parseFiniteNumber(`--lp ${v}`, usd, (x) => x > 0, "a positive USD value", "--lp ETH=1000000"),
    };
  });
  const rangeLps = (values["range-lp"] ?? []).map((v) => parseRangeLp(v));
  const lpFeeApr = parseLpFeeApr(values["lp-fee-apr"]);
  const hedgeWith: Record<string, string> = {};
  for (const v of values["hedge-with"] ?? []) {
    const [asset, market] = splitPair("--hedge-with", v, "MARKET_ASSET", "QQQ=SPY");
    if (!ASSET.test(market)) {
      throw usage(
        `--hedge-with ${v}`,
        `--hedge-with ${v}: ${market} is not an asset name.`,
        "Write it as --hedge-with QQQ=SPY.",
      );
    }
    const previous = hedgeWith[asset];
    if (previous !== undefined && previous !== market.toUpperCase()) {
      throw usage(
        `--hedge-with ${v}`,
        `--hedge-with gives two markets for ${asset} (${previous} and ${market}).`,
        `Keep one --hedge-with ${asset}=MARKET.`,
      );
    }
    hedgeWith[asset] = market.toUpperCase();
  }
  const hours: Record<string, string> = {};
  for (const v of values.hours ?? []) {
    const [market, symbol] = splitPair("--hours", v, "SYMBOL", "SPY=SPX");
    const known = Object.keys(DEFAULT_MARKET_SCHEDULES);
    if (!known.includes(symbol.toUpperCase())) {
      throw usage(`--hours ${v}`, `--hours ${v}: ${symbol} has no shipped hours.`, `Use one of ${known.join(", ")}.`);
    }
    hours[market] = symbol.toUpperCase();
  }
  const prices = values.prices ?? [];
  for (const spec of prices) {
    const { path } = parseFileSpec(spec);
    checkFile("--prices", spec, path);
  }
  const funding: Record<string, string | FundingFileSpec> = {};
  for (const v of values.funding ?? []) {
    const [asset, spec] = splitPair("--funding", v, "FILE[@H]", "ETH=eth_funding.csv@0");
    if (funding[asset] !== undefined) {
      throw usage(`--funding ${v}`, `--funding is given twice for ${asset}.`, `Keep one --funding ${asset}=FILE.`);
    }
    // FILE@H: the file's clock offset; a trailing @ followed by anything but a number is an error, not a path.
    const at = /^(.*)@([^@/\\]*)$/.exec(spec);
    const path = at === null ? spec : (at[1] ?? "");
    const offset = at === null ? undefined : Number(at[2]);
    if (offset !== undefined && (at?.[2] === "" || !Number.isFinite(offset) || Math.abs(offset) > 14)) {
      throw usage(
        `--funding ${v}`,
        `"@${at?.[2]}" is not an offset between -14 and 14 hours.`,
        `Write --funding ${asset}=${path}@0 for a UTC file, @3 for UTC+3.`,
      );
    }
    checkFile("--funding", v, path);
    funding[asset] = offset === undefined ? path : { path, timeZoneOffsetHours: offset };
  }
  const defaultData = prices.length === 0 && Object.keys(funding).length === 0;
  const policies: BacktestPolicyName[] = [];
  for (const p of values.policy ?? []) {
    const name = p.toLowerCase() as BacktestPolicyName;
    if (!BACKTEST_POLICY_NAMES.includes(name)) {
      throw usage(`--policy ${p}`, `--policy ${p} is not a policy.`, `Use one of ${BACKTEST_POLICY_NAMES.join(", ")}.`);
    }
    if (!policies.includes(name)) policies.push(name);
  }
  const from = checkDate("--from", values.from);
  const to = checkDate("--to", values.to);
  if (from !== undefined && to !== undefined && from > to) {
    throw usage(
      `--from ${from}`,
      `--from ${from} is after --to ${to}.`,
      "Pass a --from date on or before the --to date.",
    );
  }
  const num = (name: keyof typeof values, check: (x: number) => boolean, what: string, example: string) => {
    const v = values[name];
    return typeof v === "string"
      ? parseFiniteNumber(`--${name} ${v}`, v, check, what, `--${name} ${example}`)
      : undefined;
  };
  const ratioMin = num("ratio-min", (x) => x >= 0 && x <= 10, "a ratio between 0 and 10", "0.5");
  const ratioMax = num("ratio-max", (x) => x > 0 && x <= 10, "a ratio between 0 and 10", "1.0");
  let ratioBounds: readonly [number, number] | undefined;
  if (ratioMin !== undefined || ratioMax !== undefined) {
    ratioBounds = [ratioMin ?? 0.5, ratioMax ?? 1.0];
    if (ratioBounds[0] > ratioBounds[1]) {
      throw usage(
        `--ratio-min ${ratioBounds[0]}`,
        `The hedge ratio bounds [${ratioBounds[0]}, ${ratioBounds[1]}] are inverted (defaults: 0.5 and 1.0).`,
        "Pass --ratio-min at most --ratio-max.",
      );
    }
  }
  const options: BacktestCommandOptions = {
    help: values.help === true,
    exposures,
    lps,
    rangeLps,
    lpFeeApr,
    hedgeWith,
    hours,
    prices: prices.length > 0 ? prices : defaultData ? [...DEFAULT_PRICE_FILES] : [],
    funding: defaultData ? { ...DEFAULT_FUNDING_FILES } : funding,
    defaultData,
    from,
    to,
    policies: policies.length > 0 ? policies : [...BACKTEST_POLICY_NAMES],
    json: values.json === true,
    reportPath: values.report,
    gasPriceGwei: num("gas-price-gwei", (x) => x >= 0, "a gas price in gwei (≥ 0)", "20"),
    gasUnits: num("gas-units", (x) => x > 0 && Number.isInteger(x), "a positive whole number of gas units", "450000"),
    timeZoneOffsetHours: num(
      "timezone-offset-hours",
      (x) => Math.abs(x) <= 14,
      "an offset between -14 and 14 hours",
      "0",
    ),
    ratioBounds,
    lookbackDays: num("lookback-days", (x) => x >= 2 && Number.isInteger(x), "a whole number of days (≥ 2)", "90"),
  };
  if (options.help) return options;
  if (options.prices.length === 0) {
    throw usage(
      "--funding",
      "--funding is given without --prices.",
      "Pass the price files too (--prices FILE), or neither to use data/.",
    );
  }
  if (exposures.length === 0 && lps.length === 0 && rangeLps.length === 0) {
    throw usage(
      "(none)",
      "No exposure to hedge.",
      "Pass at least one --exposure ASSET=AMOUNT, --lp ASSET=USD_VALUE or --range-lp ASSET=USD_VALUE:LOWER:UPPER.",
    );
  }
  return options;
}

const RANGE_EXAMPLE = "--range-lp ETH=1000000:-20%:+20% (or ETH=1000000:1500:2500)";

/** `ASSET=USD_VALUE:LOWER:UPPER`, each bound a USD price or a signed percentage of the start price. */
function parseRangeLp(v: string): BacktestCommandOptions["rangeLps"][number] {
  const [asset, rest] = splitPair("--range-lp", v, "USD_VALUE:LOWER:UPPER", "ETH=1000000:-20%:+20%");
  const parts = rest.split(":");
  if (parts.length !== 3)
    throw usage(
      `--range-lp ${v}`,
      `--range-lp ${v} is not ASSET=USD_VALUE:LOWER:UPPER.`,
      `Write it as ${RANGE_EXAMPLE}.`,
    );
  const [usd, lo, hi] = parts as [string, string, string];
  const valueUsd = parseFiniteNumber(`--range-lp ${v}`, usd, (x) => x > 0, "a positive USD value", RANGE_EXAMPLE);
  const bound = (text: string): RangeBound => {
    if (text.endsWith("%")) {
      const pct = parseFiniteNumber(
        `--range-lp ${v}`,
        text.slice(0, -1),
        (x) => x > -100,
        "a move above -100 %",
        RANGE_EXAMPLE,
      );
      return { relative: pct / 100 };
    }
    return {
      usd: parseFiniteNumber(
        `--range-lp ${v}`,
        text,
        (x) => x > 0,
        "a positive USD price or a percentage",
        RANGE_EXAMPLE,
      ),
    };
  };
  const lower = bound(lo);
  const upper = bound(hi);
  // Bounds of the same kind can be ordered now; mixed ones only once the start price is known.
  const same =
    "usd" in lower && "usd" in upper
      ? [lower.usd, upper.usd]
      : "relative" in lower && "relative" in upper
        ? [lower.relative, upper.relative]
        : undefined;
  if (same !== undefined && !((same[0] as number) < (same[1] as number)))
    throw usage(
      `--range-lp ${v}`,
      `--range-lp ${v}: the lower bound ${lo} is not below the upper bound ${hi}.`,
      `Write LOWER before UPPER, e.g. ${RANGE_EXAMPLE}.`,
    );
  return { asset, valueUsd, lower, upper, spec: v };
}

/** The range's bounds in USD at the start price, or a usage error naming the option. */
export function rangeBoundsUsd(
  lp: BacktestCommandOptions["rangeLps"][number],
  startPriceUsd: number,
): [number, number] {
  const at = (b: RangeBound) => ("usd" in b ? b.usd : startPriceUsd * (1 + b.relative));
  const [lower, upper] = [at(lp.lower), at(lp.upper)];
  if (!(lower < upper))
    throw usage(
      `--range-lp ${lp.spec}`,
      `--range-lp ${lp.spec}: at the start price ${startPriceUsd} the range is [${lower}, ${upper}], empty.`,
      `Pass a LOWER below UPPER, e.g. ${RANGE_EXAMPLE}.`,
    );
  return [lower, upper];
}

function parseLpFeeApr(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const example = "--lp-fee-apr 0.2 (or 20%)";
  const pct = text.endsWith("%");
  const x = parseFiniteNumber(
    `--lp-fee-apr ${text}`,
    pct ? text.slice(0, -1) : text,
    (y) => y >= 0,
    "a fee APR ≥ 0",
    example,
  );
  return pct ? x / 100 : x;
}

/** The engine, imported only once the options and the data check out (it, and the viem it loads, is most of the start-up). */
async function loadEngine(): Promise<BacktestEngine> {
  const [{ runBacktest }, { defaultBacktestMarket }, { constantProductLp, concentratedLp }] = await Promise.all([
    import("../../backtest/engine.js"),
    import("../../backtest/defaults.js"),
    import("../../hedge/lp.js"),
  ]);
  return { runBacktest, defaultBacktestMarket, constantProductLp, concentratedLp };
}

/** One line per file: what it held, what the loader kept and dropped (by reason), and its warnings. */
export function summariseLoads(files: readonly FileLoadSummary[]): string[] {
  return files.map((f) => {
    const name = relative(process.cwd(), f.path) || f.path;
    const drops = Object.entries(f.report.droppedByReason)
      .filter(([, n]) => n > 0)
      .map(([r, n]) => `${r} ${n}`)
      .join(", ");
    const warnings = f.report.warnings.length > 0 ? `; ${f.report.warnings.join("; ")}` : "";
    return `${name} (${f.format}: ${f.assets.join(", ")}): ${f.report.rowsKept} of ${f.report.linesRead} rows kept${drops === "" ? "" : `, dropped ${drops}`}${warnings}`;
  });
}

/** The `policies` object of the JSON output: the 8 metrics per policy, in a fixed key order. */
export function policiesJson(result: BacktestResult): Record<string, BacktestMetrics> {
  const out: Record<string, BacktestMetrics> = {};
  for (const name of BACKTEST_POLICY_NAMES) {
    const p = result.policies[name];
    if (p === undefined) continue;
    const m = p.metrics;
    out[name] = {
      varianceReduction: m.varianceReduction,
      carryUsd: m.carryUsd,
      feesUsd: m.feesUsd,
      gasUsd: m.gasUsd,
      rebalances: m.rebalances,
      reserveDrawnUsd: m.reserveDrawnUsd,
      liquidations: m.liquidations,
      maxDrawdown: m.maxDrawdown,
      gapLiquidations: m.gapLiquidations,
      gapBadDebtUsd: m.gapBadDebtUsd,
      closingLiquidations: m.closingLiquidations,
      closingMarginCarryUsd: m.closingMarginCarryUsd,
      closingMarginExtraCollateralUsd: m.closingMarginExtraCollateralUsd,
    };
  }
  return out;
}

/** The `attribution` object of the JSON output: each policy's P&L attribution (USD). */
export function attributionJson(result: BacktestResult): Record<string, PnlAttribution> {
  const out: Record<string, PnlAttribution> = {};
  for (const name of BACKTEST_POLICY_NAMES) {
    const p = result.policies[name];
    if (p !== undefined) out[name] = { ...p.attribution };
  }
  return out;
}

/** The P&L attribution as a text table: one row per term and the total, one column per policy. */
export function attributionTable(result: BacktestResult): string {
  return formatTable(attributionRows(result), (_cell, column) => column > 0);
}

/** The metrics as a text table: one row per metric, one column per policy. */
export function metricsTable(result: BacktestResult): string {
  const names = BACKTEST_POLICY_NAMES.filter((n) => result.policies[n] !== undefined);
  const rows = [
    ["metric", ...names],
    ...METRIC_COLUMNS.map((c) => [
      c.heading,
      ...names.map((n) => {
        const p = result.policies[n];
        return p === undefined ? "" : c.format(p.metrics[c.key]);
      }),
    ]),
  ];
  return formatTable(rows, (_cell, column) => column > 0);
}

/** A one-line progress bar on stderr, redrawn on each whole percent; `finish` ends its line if the run did not. */
function progressBar(io: CliIo): { update: (done: number, total: number) => void; finish: () => void } {
  let lastPercent = -1;
  let open = false;
  const width = 30;
  return {
    update: (done, total) => {
      const percent = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
      if (percent === lastPercent) return;
      lastPercent = percent;
      const filled = Math.round((percent / 100) * width);
      const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
      io.stderr(`\rbacktest [${bar}] ${String(percent).padStart(3)}% ${done}/${total} days`);
      open = true;
      if (done >= total) {
        io.stderr("\n");
        open = false;
      }
    },
    finish: () => {
      if (open) io.stderr("\n");
      open = false;
    },
  };
}

/**
 * Runs `parapet backtest` with parsed options: loads and aligns the data, builds the exposures and markets, runs
 * the engine, prints the metrics (or one JSON object with --json) and writes the HTML report. Returns the exit
 * code (0 ok, 1 runtime failure, 2 usage error); never throws.
 */
export async function runBacktestCommand(
  options: BacktestCommandOptions,
  io: CliIo,
  engine?: BacktestEngine,
): Promise<number> {
  if (options.help) {
    io.stdout(help);
    return EXIT_CODES.ok;
  }
  try {
    const { history, files } = await loadHistoryFiles({
      prices: options.prices,
      funding: options.funding,
      timeZoneOffsetHours: options.timeZoneOffsetHours,
    });
    const { fromIndex } = resolveWindow(history.dates, options.from, options.to);
    const startPrice = (asset: string, option: string) => {
      const price = history.assets[asset]?.closeUsd[fromIndex];
      if (price === undefined) {
        throw usage(
          option,
          `${option}: the data has no prices for ${asset} (it has ${Object.keys(history.assets).join(", ")}).`,
          `Add --prices ${asset}=FILE, or use an asset the data has.`,
        );
      }
      return price;
    };
    // Every asset named must have prices before the engine is loaded or anything runs.
    for (const x of options.exposures) startPrice(x.asset, `--exposure ${x.asset}=${x.amount}`);
    for (const lp of options.lps) startPrice(lp.asset, `--lp ${lp.asset}=${lp.valueUsd}`);
    const ranges = options.rangeLps.map((lp) => rangeBoundsUsd(lp, startPrice(lp.asset, `--range-lp ${lp.spec}`)));
    for (const [asset, market] of Object.entries(options.hedgeWith))
      startPrice(market, `--hedge-with ${asset}=${market}`);
    const e = engine ?? (await loadEngine());
    const exposures: Exposure[] = [
      ...options.exposures.map((x): Exposure => ({ kind: "asset", asset: x.asset, amount: x.amount })),
      ...options.lps.map((lp) => e.constantProductLp(lp.asset, lp.valueUsd, startPrice(lp.asset, "--lp"))),
      ...options.rangeLps.map((lp, i) => {
        const [lower, upper] = ranges[i] as [number, number];
        return e.concentratedLp(lp.asset, lp.valueUsd, startPrice(lp.asset, "--range-lp"), lower, upper);
      }),
    ];
    const exposed = new Set(exposures.map((x) => x.asset));
    const markets: Record<string, BacktestInput["markets"][string]> = {};
    for (const asset of exposed) {
      const market = options.hedgeWith[asset] ?? asset;
      markets[market] = e.defaultBacktestMarket(market, startPrice(market, `--hedge-with ${asset}=${market}`));
    }
    const notes: string[] = [];
    for (const asset of Object.keys(options.hedgeWith)) {
      if (!exposed.has(asset)) notes.push(`--hedge-with ${asset}=… ignored: no exposure to ${asset}.`);
    }
    const hedgePolicy: Partial<HedgePolicy> = { hedgeWith: options.hedgeWith };
    if (options.ratioBounds !== undefined) hedgePolicy.ratioBounds = options.ratioBounds;
    if (options.lookbackDays !== undefined) hedgePolicy.lookbackDays = options.lookbackDays;
    const costs: NonNullable<BacktestInput["costs"]> = {};
    if (options.gasPriceGwei !== undefined) costs.gasPriceGwei = options.gasPriceGwei;
    if (options.gasUnits !== undefined) costs.gasUnitsPerRebalance = options.gasUnits;
    const progress = io.stderrIsTty === true && !options.json ? progressBar(io) : undefined;
    const input: BacktestInput = {
      history,
      exposures,
      markets,
      hedgePolicy,
      policies: options.policies,
      costs,
      from: options.from,
      to: options.to,
      onProgress: progress?.update,
    };
    if (options.lpFeeApr !== undefined) input.lpFeeApr = options.lpFeeApr;
    if (Object.keys(options.hours).length > 0) {
      input.hours = Object.fromEntries(
        Object.entries(options.hours).map(([market, symbol]) => [
          market,
          {
            schedule: DEFAULT_MARKET_SCHEDULES[symbol as ScheduledMarketSymbol],
            reopenGapRatio: DEFAULT_REOPEN_GAPS[symbol as ScheduledMarketSymbol].worstRatio,
          },
        ]),
      );
    }
    let result: BacktestResult;
    try {
      result = await e.runBacktest(input);
    } finally {
      progress?.finish();
    }
    const loadSummary = summariseLoads(files);
    if (options.reportPath !== undefined) {
      const html = renderBacktestReport(result, { alignmentNotes: history.alignment.notes, loadSummary });
      await (io.writeFile ?? ((p, t) => writeFile(p, t, "utf8")))(options.reportPath, html);
    }
    if (options.json) {
      const json = {
        policies: policiesJson(result),
        attribution: attributionJson(result),
        warnings: result.warnings,
        fits: summariseFits(result),
        alignment: history.alignment.notes,
        files: loadSummary,
        notes,
        report: options.reportPath,
        settings: result.settings,
      };
      io.stdout(`${JSON.stringify(json, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n`);
      return EXIT_CODES.ok;
    }
    const lines = [
      `Backtest ${result.dates[0] ?? ""} .. ${result.dates.at(-1) ?? ""} (${result.dates.length} days, ${Math.round(result.elapsedMs)} ms)`,
      "",
      metricsTable(result),
      "",
      "Where the P&L came from (USD, cumulative over the window; the terms sum to the total):",
      attributionTable(result),
      "",
      "Warnings:",
      ...(result.warnings.length === 0
        ? ["  none"]
        : [...new Set(result.warnings.map((w) => `  ${w.code}: ${w.message}`))]),
      ...notes.map((n) => `  ${n}`),
    ];
    const fits = summariseFits(result);
    if (fits.length > 0) lines.push("", "Cross-hedge fits:", ...fits.map((f) => `  ${f}`));
    lines.push(
      "",
      `Data${options.defaultData ? " (the repo's data/ files)" : ""}:`,
      ...loadSummary.map((l) => `  ${l}`),
    );
    lines.push("", "Alignment:", ...history.alignment.notes.map((l) => `  ${l}`));
    if (options.reportPath !== undefined) lines.push("", `Report written to ${options.reportPath}`);
    io.stdout(`${lines.join("\n")}\n`);
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.stderr(`parapet backtest: ${error.message}\n`);
      return EXIT_CODES.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`parapet backtest: ${message}\n`);
    return EXIT_CODES.runtime;
  }
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseBacktestArgs(argv);
  if (!parsed.ok) {
    io.stderr(`parapet backtest: ${parsed.error.message}\n`);
    return parsed.error.exitCode;
  }
  return runBacktestCommand(parsed.options, io);
}
