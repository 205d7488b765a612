import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import type { BacktestInput } from "../../src/backtest/types.js";
import {
  type BacktestCommandOptions,
  type BacktestEngine,
  DEFAULT_FUNDING_FILES,
  DEFAULT_PRICE_FILES,
  parseBacktestArgs,
  runBacktestCommand,
} from "../../src/cli/commands/backtest.js";
import { CliUsageError } from "../../src/cli/errors.js";
import type { CliIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import type { Exposure } from "../../src/hedge/types.js";
import { DEFAULT_MARKET_SCHEDULES } from "../../src/hours/index.js";
import { makeBacktestResult } from "./helpers/backtestResult.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const data = (file: string) => `${root}data/${file}`;

function parseOk(argv: string[]): BacktestCommandOptions {
  const r = parseBacktestArgs(argv);
  if (!r.ok) throw new Error(`unexpected usage error: ${r.error.message}`);
  return r.options;
}

function parseError(argv: string[]): CliUsageError {
  const r = parseBacktestArgs(argv);
  if (r.ok) throw new Error(`expected a usage error for ${argv.join(" ")}`);
  return r.error;
}

/** Captures the output; the engine is a fake that records its input and returns a hand-made result. */
function harness(options: { tty?: boolean; fail?: Error } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const files: Record<string, string> = {};
  const calls: { input?: BacktestInput; lp: unknown[]; rangeLp: unknown[]; markets: unknown[] } = {
    lp: [],
    rangeLp: [],
    markets: [],
  };
  const io: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stderrIsTty: options.tty === true,
    writeFile: async (p, t) => {
      files[p] = t;
    },
  };
  const engine: BacktestEngine = {
    runBacktest: (input) => {
      calls.input = input;
      if (options.fail !== undefined) {
        input.onProgress?.(3, 10);
        throw options.fail;
      }
      for (let d = 1; d <= 10; d++) input.onProgress?.(d, 10);
      return makeBacktestResult(400, input.policies ?? []);
    },
    defaultBacktestMarket: (asset, startPriceUsd) => {
      calls.markets.push([asset, startPriceUsd]);
      return {
        initialMarginRatio: 0.1,
        maintenanceMarginRatio: 0.05,
        takerFeeRatio: 0.0005,
        makerFeeRatio: 0.0002,
        liquidationFeeUsd: 5,
        skewScaleUnits: 1e6,
      };
    },
    constantProductLp: (asset, valueUsd, priceUsd): Exposure => {
      calls.lp.push([asset, valueUsd, priceUsd]);
      return { kind: "constantProductLp", asset, liquidity: valueUsd / 2 / Math.sqrt(priceUsd) };
    },
    concentratedLp: (asset, valueUsd, priceUsd, lowerPriceUsd, upperPriceUsd): Exposure => {
      calls.rangeLp.push([asset, valueUsd, priceUsd, lowerPriceUsd, upperPriceUsd]);
      return { kind: "concentratedLp", asset, liquidity: 1, lowerPriceUsd, upperPriceUsd };
    },
  };
  return { io, engine, out, err, files, calls };
}

describe("cli: parseBacktestArgs", () => {
  it("repeatable options, ASSET=VALUE pairs, policies, numbers", () => {
    const o = parseOk([
      "--exposure",
      "ETH=100",
      "--exposure=btc=-2.5",
      "--lp",
      "ETH=1_000_000",
      "--hedge-with",
      "QQQ=spy",
      "--prices",
      data("prices/coinbase_btc_eth_daily_2020-2025.csv"),
      "--prices",
      `QQQ=${data("tradfi/qqq_daily_2019-2026.csv")}`,
      "--funding",
      `ETH=${data("funding/binance_ethusdt_funding_8h_2020-2023.csv")}`,
      "--policy",
      "static",
      "--policy",
      "gas-aware",
      "--policy",
      "static",
      "--from",
      "2021-01-01",
      "--to",
      "2022-12-31",
      "--json",
      "--report",
      "out.html",
      "--gas-price-gwei",
      "25",
      "--gas-units",
      "450000",
      "--timezone-offset-hours",
      "0",
      "--ratio-min",
      "0.6",
      "--lookback-days",
      "60",
    ]);
    expect(o.exposures).to.deep.equal([
      { asset: "ETH", amount: 100 },
      { asset: "BTC", amount: -2.5 },
    ]);
    expect(o.lps).to.deep.equal([{ asset: "ETH", valueUsd: 1_000_000 }]);
    expect(o.hedgeWith).to.deep.equal({ QQQ: "SPY" });
    expect(o.prices).to.have.length(2);
    expect(o.funding).to.deep.equal({ ETH: data("funding/binance_ethusdt_funding_8h_2020-2023.csv") });
    expect(o.defaultData).to.equal(false);
    expect(o.policies).to.deep.equal(["static", "gas-aware"]);
    expect([o.from, o.to, o.json, o.reportPath]).to.deep.equal(["2021-01-01", "2022-12-31", true, "out.html"]);
    expect([o.gasPriceGwei, o.gasUnits, o.timeZoneOffsetHours, o.lookbackDays]).to.deep.equal([25, 450000, 0, 60]);
    expect(o.ratioBounds).to.deep.equal([0.6, 1.0]);
  });

  it("defaults: the repo's data/ files (their UTC+3 clock known by file), every policy, engine defaults for the rest", () => {
    const o = parseOk(["--exposure", "ETH=1"]);
    expect(o.defaultData).to.equal(true);
    expect(o.prices).to.deep.equal([...DEFAULT_PRICE_FILES]);
    expect(o.funding).to.deep.equal({ ...DEFAULT_FUNDING_FILES });
    for (const spec of [...o.prices, ...Object.values(o.funding)])
      expect(existsSync((typeof spec === "string" ? spec : spec.path).replace(/^[A-Z]+=/, ""))).to.equal(true);
    expect(Object.keys(o.funding)).to.deep.equal(["BTC", "ETH"]);
    expect(o.policies).to.deep.equal(["none", "static", "periodic", "band", "gas-aware"]);
    // No run-wide offset: the shipped files carry theirs (SHIPPED_FUNDING_OFFSETS), a user file needs @H.
    expect(o.timeZoneOffsetHours).to.equal(undefined);
    expect([o.json, o.reportPath, o.gasPriceGwei, o.gasUnits, o.ratioBounds, o.lookbackDays, o.from]).to.deep.equal([
      false,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(parseOk(["--help"]).help).to.equal(true);
  });

  const cases: [string[], string, RegExp][] = [
    [["--exposure", "ETH=1", "--bogus"], "--bogus", /Unknown option '--bogus'/],
    [["--exposure", "ETH=abc"], "--exposure ETH=abc", /"abc" is not a non-zero amount.*--exposure ETH=100/],
    [["--exposure", "ETH"], "--exposure ETH", /is not ASSET=AMOUNT/],
    [["--exposure", "=5"], "--exposure =5", /is not ASSET=AMOUNT/],
    [["--exposure", "ETH=0"], "--exposure ETH=0", /non-zero/],
    [["--lp", "ETH=-1"], "--lp ETH=-1", /positive USD value/],
    [["--exposure", "QQQ=1", "--hedge-with", "QQQ"], "--hedge-with QQQ", /ASSET=MARKET_ASSET/],
    [
      ["--exposure", "QQQ=1", "--hedge-with", "QQQ=SPY", "--hedge-with", "QQQ=GOLD"],
      "--hedge-with QQQ=GOLD",
      /two markets/,
    ],
    [
      ["--exposure", "ETH=1", "--policy", "yolo"],
      "--policy yolo",
      /not a policy.*none, static, periodic, band, gas-aware/,
    ],
    [["--exposure", "ETH=1", "--prices", "nope.csv"], "--prices nope.csv", /file nope\.csv does not exist/],
    [["--exposure", "ETH=1", "--prices", "SPY=nope.csv"], "--prices SPY=nope.csv", /does not exist/],
    [["--exposure", "ETH=1", "--funding", "nope.csv"], "--funding nope.csv", /ASSET=FILE/],
    [
      ["--exposure", "ETH=1", "--funding", `BTC=${root}missing.csv`],
      `--funding BTC=${root}missing.csv`,
      /does not exist/,
    ],
    [["--exposure", "ETH=1", "--from", "2021-02-30"], "--from 2021-02-30", /not a date/],
    [["--exposure", "ETH=1", "--from", "2022-01-01", "--to", "2021-01-01"], "--from 2022-01-01", /after --to/],
    [["--exposure", "ETH=1", "--gas-units", "1.5"], "--gas-units 1.5", /whole number of gas units/],
    [["--exposure", "ETH=1", "--timezone-offset-hours", "20"], "--timezone-offset-hours 20", /between -14 and 14/],
    [
      ["--exposure", "ETH=1", "--funding", "ETH=data/funding/binance_ethusdt_funding_8h_2020-2023.csv@utc"],
      "--funding ETH=data/funding/binance_ethusdt_funding_8h_2020-2023.csv@utc",
      /"@utc" is not an offset/,
    ],
    [["--exposure", "ETH=1", "--ratio-min", "0.9", "--ratio-max", "0.8"], "--ratio-min 0.9", /inverted/],
    [["--exposure", "ETH=1", "--exposure"], "--exposure <value>", /argument missing/],
    [["--exposure", "ETH=1", "stray"], "stray", /Unexpected argument .stray./],
    [[], "(none)", /No exposure to hedge/],
    [
      ["--exposure", "ETH=1", "--funding", `BTC=${data("funding/binance_btcusdt_funding_8h_2020-2023.csv")}`],
      "--funding",
      /without --prices/,
    ],
  ];
  for (const [argv, argument, message] of cases) {
    it(`usage error (exit 2): ${argv.join(" ") || "(no arguments)"}`, () => {
      const e = parseError(argv);
      expect(e).to.be.instanceOf(CliUsageError);
      expect(e.exitCode).to.equal(2);
      expect(e.argument).to.equal(argument);
      expect(e.message).to.match(message);
      expect(e.message).to.include("Fix:");
      expect(e.message).to.not.include("\n");
    });
  }
});

describe("cli: runBacktestCommand (fake engine)", () => {
  it("--range-lp: bounds as moves from the window's first close or as USD prices; --lp-fee-apr; attribution in the JSON", async () => {
    const h = harness();
    const o = parseOk([
      "--range-lp",
      "ETH=1000000:-20%:+25%",
      "--range-lp",
      "BTC=50000:20000:40000",
      "--lp-fee-apr",
      "15%",
      "--from",
      "2021-01-01",
      "--json",
    ]);
    expect(o.rangeLps.map((r) => [r.asset, r.valueUsd, r.lower, r.upper])).to.deep.equal([
      ["ETH", 1_000_000, { relative: -0.2 }, { relative: 0.25 }],
      ["BTC", 50_000, { usd: 20_000 }, { usd: 40_000 }],
    ]);
    expect(o.lpFeeApr).to.equal(0.15);
    expect(await runBacktestCommand(o, h.io, h.engine)).to.equal(0);
    const input = h.calls.input;
    if (input === undefined) throw new Error("engine not called");
    const i = input.history.dates.indexOf("2021-01-01");
    const eth = input.history.assets.ETH?.closeUsd[i] as number;
    const btc = input.history.assets.BTC?.closeUsd[i] as number;
    expect(h.calls.rangeLp).to.deep.equal([
      ["ETH", 1_000_000, eth, eth * 0.8, eth * 1.25],
      ["BTC", 50_000, btc, 20_000, 40_000],
    ]);
    expect(input.lpFeeApr).to.equal(0.15);
    const json = JSON.parse(h.out.join(""));
    const a = json.attribution["gas-aware"];
    const terms = Object.entries(a).filter(([k]) => k !== "total");
    expect(terms).to.have.length(10);
    expect(terms.reduce((s, [, v]) => s + (v as number), 0)).to.be.closeTo(a.total, 1e-6);
  });

  it("--range-lp and --lp-fee-apr errors name the option and the fix (exit code 2)", async () => {
    expect(parseError(["--range-lp", "ETH=1000000:-20%"]).message).to.match(/--range-lp .*USD_VALUE:LOWER:UPPER/);
    expect(parseError(["--range-lp", "ETH=1000000:+20%:-20%"]).message).to.match(/lower bound \+20% is not below/);
    expect(parseError(["--range-lp", "ETH=1000000:-120%:+20%"]).message).to.match(/--range-lp/);
    expect(parseError(["--lp-fee-apr=-1", "--exposure", "ETH=1"]).message).to.match(/--lp-fee-apr -1.*fee APR ≥ 0/);
    // Mixed bounds are ordered at the start price: a range above 1e9 USD from −20 % is empty there.
    const h = harness();
    expect(await runBacktestCommand(parseOk(["--range-lp", "ETH=1000:1000000000:+20%"]), h.io, h.engine)).to.equal(2);
    expect(h.err.join("")).to.match(/--range-lp ETH=1000:1000000000:\+20%: at the start price .* empty/);
  });

  it("builds the engine input: exposures, LP at the window's first ETH close, markets, policy, costs, window", async () => {
    const h = harness();
    const o = parseOk([
      "--exposure",
      "QQQ=500",
      "--lp",
      "ETH=1000000",
      "--hedge-with",
      "QQQ=SPY",
      "--from",
      "2021-01-01",
      "--policy",
      "band",
      "--gas-price-gwei",
      "30",
      "--ratio-max",
      "0.9",
    ]);
    expect(await runBacktestCommand(o, h.io, h.engine)).to.equal(0);
    const input = h.calls.input;
    if (input === undefined) throw new Error("engine not called");
    // The whole overlap is passed (lookback before --from), and the window goes to the engine.
    expect(input.history.dates[0]).to.equal("2020-01-01");
    expect([input.from, input.to]).to.deep.equal(["2021-01-01", undefined]);
    const i = input.history.dates.indexOf("2021-01-01");
    const ethClose = input.history.assets.ETH?.closeUsd[i];
    expect(ethClose).to.be.a("number");
    expect(h.calls.lp).to.deep.equal([["ETH", 1_000_000, ethClose]]);
    expect(input.exposures[0]).to.deep.equal({ kind: "asset", asset: "QQQ", amount: 500 });
    expect(input.exposures[1]?.kind).to.equal("constantProductLp");
    expect(Object.keys(input.markets).sort()).to.deep.equal(["ETH", "SPY"]);
    expect(h.calls.markets).to.deep.include(["SPY", input.history.assets.SPY?.closeUsd[i]]);
    expect(input.hedgePolicy).to.deep.equal({ hedgeWith: { QQQ: "SPY" }, ratioBounds: [0.5, 0.9] });
    expect(input.costs).to.deep.equal({ gasPriceGwei: 30 });
    expect(input.policies).to.deep.equal(["band"]);
    expect(input.onProgress).to.equal(undefined); // not a TTY
    expect(h.err).to.deep.equal([]);
  });

  it("--hours SPY=SPX: the SPY market closes on the shipped SPX schedule and sizes for its worst reopen gap", async () => {
    const h = harness();
    const o = parseOk(["--exposure", "QQQ=500", "--hedge-with", "QQQ=SPY", "--hours", "SPY=spx"]);
    expect(o.hours).to.deep.equal({ SPY: "SPX" });
    expect(await runBacktestCommand(o, h.io, h.engine)).to.equal(0);
    const hours = h.calls.input?.hours?.SPY;
    expect(hours?.schedule).to.equal(DEFAULT_MARKET_SCHEDULES.SPX);
    expect(hours?.reopenGapRatio).to.be.closeTo(0.1045, 5e-5);
    const e = parseError(["--exposure", "QQQ=500", "--hours", "SPY=DAX"]);
    expect(e.argument).to.equal("--hours SPY=DAX");
    expect(e.message).to.match(/no shipped hours.*SPX, XAU, EURUSD/);
  });

  it("--json prints one JSON object whose policies carry exactly the 13 metrics", async () => {
    const h = harness({ tty: true });
    const o = parseOk(["--exposure", "ETH=100", "--json", "--policy", "static", "--policy", "none"]);
    expect(await runBacktestCommand(o, h.io, h.engine)).to.equal(0);
    expect(h.out).to.have.length(1);
    const json = JSON.parse(h.out[0] ?? "");
    expect(Object.keys(json.policies)).to.deep.equal(["none", "static"]);
    expect(Object.keys(json.policies.static)).to.deep.equal([
      "varianceReduction",
      "carryUsd",
      "feesUsd",
      "gasUsd",
      "rebalances",
      "reserveDrawnUsd",
      "liquidations",
      "maxDrawdown",
      "gapLiquidations",
      "gapBadDebtUsd",
      "closingLiquidations",
      "closingMarginCarryUsd",
      "closingMarginExtraCollateralUsd",
    ]);
    expect(json.policies.static.liquidations).to.equal(1);
    expect(json.warnings[0].code).to.equal("LOW_R_SQUARED");
    expect(json.alignment[0]).to.match(/^Calendar/);
    expect(json.files[0]).to.match(/coinbase_btc_eth_daily_2020-2025\.csv \(crypto: BTC, ETH\).*PARTIAL_LAST_DAY 2/);
    expect(json.settings.hedgePolicy.firstAccountIndex).to.equal("1");
    expect(h.err).to.deep.equal([]); // no progress bar with --json, even on a TTY
  });

  it("human output: metrics table, warnings, fits, drops, alignment; progress bar on a TTY; report written", async () => {
    const h = harness({ tty: true });
    const o = parseOk(["--exposure", "ETH=100", "--report", "r.html"]);
    expect(await runBacktestCommand(o, h.io, h.engine)).to.equal(0);
    const text = h.out.join("");
    expect(text).to.match(/metric\s+none\s+static\s+periodic\s+band\s+gas-aware/);
    expect(text).to.match(/Variance reduction\s+90\.00 %/);
    expect(text).to.include("LOW_R_SQUARED");
    expect(text).to.include("QQQ hedged with SPY");
    expect(text).to.match(/gold_futures_daily_2019-2026\.csv \(tradfi: GOLD\).*STALE_BAR 93/);
    expect(text).to.include("Report written to r.html");
    expect(h.err.join("")).to.match(/\rbacktest \[#+\] 100% 10\/10 days\n$/);
    expect(h.files["r.html"]).to.match(/^<!doctype html>/);
  });

  it("runtime failures exit 1 with the typed error's message; an asset without prices is a usage error", async () => {
    const outside = harness();
    expect(
      await runBacktestCommand(parseOk(["--exposure", "ETH=1", "--to", "2024-06-01"]), outside.io, outside.engine),
    ).to.equal(1);
    expect(outside.err.join("")).to.match(
      /to 2024-06-01 is outside the days every series covers \(2020-01-01 \.\. 2023-12-31\)\. Fix:/,
    );
    const failing = harness({ fail: new Error("engine exploded"), tty: true });
    expect(await runBacktestCommand(parseOk(["--exposure", "ETH=1"]), failing.io, failing.engine)).to.equal(1);
    // The progress bar's line is ended before the message.
    expect(failing.err.join("")).to.match(
      /\rbacktest \[#+-+\] {2}30% 3\/10 days\nparapet backtest: engine exploded\n$/,
    );
    const unknown = harness();
    expect(await runBacktestCommand(parseOk(["--exposure", "DOGE=1"]), unknown.io, unknown.engine)).to.equal(2);
    expect(unknown.err.join("")).to.match(/--exposure DOGE=1: the data has no prices for DOGE/);
    expect(unknown.calls.input).to.equal(undefined);
  });

  it("main: help, unknown command, usage errors", async () => {
    const h = harness();
    expect(await main(["--help"], h.io)).to.equal(0);
    expect(h.out.join("")).to.match(/Usage: parapet <command>/);
    expect(await main(["backtest", "--help"], h.io)).to.equal(0);
    expect(h.out.join("")).to.match(/Exit codes: 0 ok; 1 runtime failure/);
    expect(await main(["frobnicate"], h.io)).to.equal(2);
    expect(await main([], h.io)).to.equal(2);
    expect(await main(["backtest", "--policy", "x", "--exposure", "ETH=1"], h.io)).to.equal(2);
    expect(h.err.join("")).to.match(/unknown command "frobnicate"/);
  });
});

describe("cli: the bin", () => {
  const nodes = [process.execPath, ...(existsSync("/usr/bin/node") ? ["/usr/bin/node"] : [])];
  for (const node of nodes) {
    it(`node bin/parapet.mjs --help runs under ${node}`, () => {
      const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
      const help = spawnSync(node, ["bin/parapet.mjs", "--help"], { cwd: root, encoding: "utf8", timeout: 60_000 });
      expect(help.status, `${version}: ${help.stderr}`).to.equal(0);
      expect(help.stdout).to.match(/Usage: parapet <command>/);
      const bad = spawnSync(node, ["bin/parapet.mjs", "backtest", "--exposure", "ETH=abc"], {
        cwd: root,
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(bad.status).to.equal(2);
      expect(bad.stderr.trim().split("\n")).to.have.length(1);
      expect(bad.stderr).to.match(/--exposure ETH=abc/);
    });
  }
});

describe("cli: parapet backtest end to end (real engine, data/ files)", function () {
  this.timeout(120_000);
  it("--json prints one object with the 13 metrics per policy; --report writes a self-contained page", () => {
    const report = join(mkdtempSync(join(tmpdir(), "parapet-")), "report.html");
    const args = [
      "bin/parapet.mjs",
      "backtest",
      "--exposure",
      "ETH=100",
      "--exposure",
      "BTC=5",
      "--from",
      "2020-01-01",
    ];
    const run = spawnSync(process.execPath, [...args, "--to", "2023-12-31", "--json", "--report", report], {
      cwd: root,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(run.status, run.stderr).to.equal(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).to.have.length(1);
    const out = JSON.parse(lines[0] as string) as { policies: Record<string, Record<string, number>> };
    expect(Object.keys(out.policies)).to.deep.equal(["none", "static", "periodic", "band", "gas-aware"]);
    const keys = [
      "varianceReduction",
      "carryUsd",
      "feesUsd",
      "gasUsd",
      "rebalances",
      "reserveDrawnUsd",
      "liquidations",
      "maxDrawdown",
      "gapLiquidations",
      "gapBadDebtUsd",
      "closingLiquidations",
      "closingMarginCarryUsd",
      "closingMarginExtraCollateralUsd",
    ];
    for (const [name, metrics] of Object.entries(out.policies)) {
      expect(Object.keys(metrics), name).to.deep.equal(keys);
      if (name !== "none") expect(metrics.varianceReduction, name).to.be.at.least(0.99);
    }
    const html = readFileSync(report, "utf8");
    expect(html).to.match(/^<!doctype html>/i);
    expect(html).to.not.match(/https?:\/\/|<link|@import|url\(|src=/i);
    // Value, carry, margin ratio and events at least, each a uPlot container with its data embedded.
    expect(
      (html.match(/<figure class="chart"><figcaption>[^<]*<\/figcaption><div class="plot"/g) ?? []).length,
    ).to.be.at.least(4);
  });

  it("an unknown asset exits 2 before running, naming the option and the fix", () => {
    const run = spawnSync(process.execPath, ["bin/parapet.mjs", "backtest", "--exposure", "DOGE=1", "--json"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status).to.equal(2);
    expect(run.stdout).to.equal("");
    expect(run.stderr).to.match(/DOGE/);
  });
});
