import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { BacktestInputError } from "../../src/backtest/errors.js";
import { loadHistoryFiles } from "../../src/backtest/node.js";
import { type BacktestEngine, parseBacktestArgs, runBacktestCommand } from "../../src/cli/commands/backtest.js";
import { DataLoadError, loadFundingCsv } from "../../src/data/index.js";

const HOUR_MS = 3_600_000;
const dataPath = (file: string) => fileURLToPath(new URL(`../../data/${file}`, import.meta.url));
const hourOf = (ms: number) => new Date(ms).getUTCHours();

/** Funding rows of one symbol every `stepH` hours from `startLocal` (wall clock of the file, "YYYY-MM-DD HH"). */
function fundingCsv(symbol: string, startLocal: string, count: number, stepH: number, zone = ""): string {
  const t0 = Date.parse(`${startLocal}:00:00Z`);
  const rows = Array.from({ length: count }, (_, i) => {
    const stamp = new Date(t0 + i * stepH * HOUR_MS).toISOString().slice(0, 19).replace("T", " ");
    return `${symbol},${stamp}${zone},0.0001`;
  });
  return `Symbol,Date,Funding Rate\n${rows.join("\n")}\n`;
}

describe("funding files: per-file clock offsets and the venue's schedule", () => {
  const dir = mkdtempSync(join(tmpdir(), "parapet-offsets-"));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  // Closes change each day (equal bars are dropped as stale); the last day is dropped as partial.
  const days = ["2024-01-05", "2024-01-06", "2024-01-07", "2024-01-08", "2024-01-09"];
  const prices = write(
    "coins.csv",
    `date,symbol,base,open,high,low,close,volume\n${days
      .flatMap((d, i) => [`${d},BTC/USD,BTC,100,102,99,${100 + i},1`, `${d},ETH/USD,ETH,10,12,9,${10 + i},1`])
      .join("\n")}\n`,
  );
  // The same venue schedule (00/08/16 UTC) written by two clocks: UTC, and UTC+3 (03/11/19 local).
  const utcFile = write("btc_utc.csv", fundingCsv("BTC-USDT", "2024-01-05 00", 12, 8));
  const plus3File = write("eth_plus3.csv", fundingCsv("ETH-USDT", "2024-01-05 03", 12, 8));

  it("mixes a UTC file and a UTC+3 file in one backtest: both settle at 00/08/16 UTC, no schedule warning", async () => {
    const { history, files } = await loadHistoryFiles({
      prices: [prices],
      funding: { BTC: { path: utcFile, timeZoneOffsetHours: 0 }, ETH: { path: plus3File, timeZoneOffsetHours: 3 } },
    });
    for (const asset of ["BTC", "ETH"]) {
      const points = history.funding[asset] ?? [];
      expect(points.length).to.be.greaterThan(0);
      expect([...new Set(points.map((p) => hourOf(p.timestampMs)))]).to.deep.equal([0, 8, 16]);
    }
    expect(history.funding.ETH?.[0]?.timestampMs).to.equal(Date.parse("2024-01-05T00:00:00Z"));
    expect(history.alignment.notes).to.include(
      `Funding BTC (${utcFile}): stamps read as UTC+0 (the file's offset) and moved to UTC.`,
    );
    expect(history.alignment.notes).to.include(
      `Funding ETH (${plus3File}): stamps read as UTC+3 (the file's offset) and moved to UTC.`,
    );
    expect(history.alignment.notes.filter((n) => n.startsWith("Warning:"))).to.deep.equal([]);
    expect(files.filter((f) => f.format === "funding").map((f) => f.assets)).to.deep.equal([["BTC"], ["ETH"]]);
  });

  it("a wrong offset is warned about, with the offset that puts the settlements on schedule", async () => {
    // The UTC+3 file read as UTC lands on 03/11/19: 3 hours late; offset 0 + 3 fixes it.
    const r = loadFundingCsv(fundingCsv("ETH-USDT", "2024-01-05 03", 12, 8), {
      timeZoneOffsetHours: 0,
      source: "eth.csv",
    });
    expect(r.schedule?.observedHoursUtc).to.deep.equal([3, 11, 19]);
    expect(r.schedule?.suggestedTimeZoneOffsetHours).to.equal(3);
    expect(r.report.warnings).to.include(
      "eth.csv: settlements land at 03/11/19 UTC read as UTC+0, not at the venue's 00/08/16 UTC: the clock offset looks wrong; timeZoneOffsetHours 3 would put them on schedule",
    );
    // Read as UTC+5 the UTC+3 file lands 2 hours early (22/06/14): 5 − 2 = 3 again.
    const early = loadFundingCsv(fundingCsv("ETH-USDT", "2024-01-05 03", 12, 8), { timeZoneOffsetHours: 5 });
    expect(early.schedule?.observedHoursUtc).to.deep.equal([6, 14, 22]);
    expect(early.schedule?.suggestedTimeZoneOffsetHours).to.equal(3);
    // Through the backtest loader, the warning reaches the alignment notes (report, JSON and CLI text).
    const { history } = await loadHistoryFiles({
      prices: [prices],
      funding: { ETH: { path: plus3File, timeZoneOffsetHours: 0 } },
    });
    expect(history.alignment.notes.filter((n) => n.startsWith("Warning:"))).to.deep.equal([
      `Warning: ${plus3File}: settlements land at 03/11/19 UTC read as UTC+0, not at the venue's 00/08/16 UTC: the clock offset looks wrong; timeZoneOffsetHours 3 would put them on schedule (funding: { ETH: { path, timeZoneOffsetHours: 3 } }; CLI: --funding ETH=${plus3File}@3).`,
    ]);
  });

  it("a file on its phase but with more than 5 % of settlements off it is warned about", () => {
    // 20 settlements at 00/08/16 UTC, 2 of them at 01:00 instead (10 %): off schedule, phase still right.
    const lines = fundingCsv("BTC-USDT", "2024-01-05 00", 20, 8).split("\n");
    lines[5] = (lines[5] ?? "").replace(" 08:00:00", " 09:00:00");
    lines[10] = (lines[10] ?? "").replace(" 00:00:00", " 01:00:00");
    const r = loadFundingCsv(lines.join("\n"), { timeZoneOffsetHours: 0, source: "btc.csv" });
    expect(r.schedule?.offSchedule).to.equal(2);
    expect(r.schedule?.suggestedTimeZoneOffsetHours).to.equal(undefined);
    expect(r.report.warnings).to.include(
      "btc.csv: 2 of 20 settlements (10.0 %) are off the venue's 00/08/16 UTC schedule",
    );
    // One in 20 (5 %) is not above the threshold.
    lines[10] = (lines[10] ?? "").replace(" 01:00:00", " 00:00:00");
    const one = loadFundingCsv(lines.join("\n"), { timeZoneOffsetHours: 0, source: "btc.csv" });
    expect(one.schedule?.offSchedule).to.equal(1);
    expect(one.report.warnings.some((w) => w.includes("off the venue"))).to.equal(false);
  });

  it("1 h data: every hour is on schedule, whatever the whole-hour offset", () => {
    const r = loadFundingCsv(fundingCsv("ETH-USDT", "2024-01-05 03", 48, 1), { timeZoneOffsetHours: 0 });
    expect(r.intervalMs).to.equal(HOUR_MS);
    expect(r.schedule?.offSchedule).to.equal(0);
    expect(r.schedule?.suggestedTimeZoneOffsetHours).to.equal(undefined);
  });

  it("a user file without an offset is refused, naming the file and the fix; stamps with a zone need none", async () => {
    try {
      await loadHistoryFiles({ prices: [prices], funding: { ETH: plus3File } });
      expect.fail("expected an error");
    } catch (e) {
      expect(e).to.be.instanceOf(BacktestInputError);
      expect((e as Error).message).to.include(`The funding file ${plus3File} (ETH) has stamps without a time zone`);
      expect((e as Error).message).to.include(`--funding ETH=${plus3File}@0`);
    }
    try {
      loadFundingCsv(fundingCsv("ETH-USDT", "2024-01-05 03", 3, 8), { source: "eth.csv" });
      expect.fail("expected an error");
    } catch (e) {
      expect(e).to.be.instanceOf(DataLoadError);
      expect((e as DataLoadError).code).to.equal("MISSING_TIMEZONE_OFFSET");
    }
    // Stamps that carry their zone: +03:00 local 03:00 is 00:00 UTC; Z is UTC; the option is not needed.
    const zoned = loadFundingCsv(fundingCsv("ETH-USDT", "2024-01-05 03", 3, 8, "+03:00"), {});
    expect(zoned.rows.map((r) => hourOf(r.timestampMs))).to.deep.equal([0, 8, 16]);
    const z = loadFundingCsv(fundingCsv("ETH-USDT", "2024-01-05 00", 3, 8, "Z"), { timeZoneOffsetHours: 3 });
    expect(z.rows.map((r) => hourOf(r.timestampMs))).to.deep.equal([0, 8, 16]);
  });

  it("the shipped files carry their UTC+3 clock: no offset to pass, settlements at 00/08/16 UTC", async () => {
    const { history } = await loadHistoryFiles({
      prices: [dataPath("prices/coinbase_btc_eth_daily_2020-2025.csv")],
      funding: { ETH: dataPath("funding/binance_ethusdt_funding_8h_2020-2023.csv") },
      from: "2020-01-01",
      to: "2020-01-10",
    });
    expect([...new Set((history.funding.ETH ?? []).map((p) => hourOf(p.timestampMs)))]).to.deep.equal([0, 8, 16]);
    expect(history.alignment.notes.some((n) => n.includes("UTC+3 (shipped file)"))).to.equal(true);
    expect(history.alignment.notes.filter((n) => n.startsWith("Warning:"))).to.deep.equal([]);
  });

  it("CLI: --funding ASSET=FILE@H gives the file its offset; a user file without one exits 1 naming --funding …@0", async () => {
    const parsed = parseBacktestArgs(["--exposure", "ETH=1", "--prices", prices, "--funding", `ETH=${plus3File}@3`]);
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.options.funding).to.deep.equal({ ETH: { path: plus3File, timeZoneOffsetHours: 3 } });
    const bare = parseBacktestArgs(["--exposure", "ETH=1", "--prices", prices, "--funding", `ETH=${plus3File}`]);
    if (!bare.ok) throw new Error(bare.error.message);
    expect(bare.options.funding).to.deep.equal({ ETH: plus3File });
    const err: string[] = [];
    const io = { stdout: () => {}, stderr: (t: string) => err.push(t), stderrIsTty: false, writeFile: async () => {} };
    const engine = {
      runBacktest: () => {
        throw new Error("the engine must not run on a refused file");
      },
    } as unknown as BacktestEngine;
    expect(await runBacktestCommand(bare.options, io, engine)).to.equal(1);
    expect(err.join("")).to.include(`The funding file ${plus3File} (ETH) has stamps without a time zone`);
    expect(err.join("")).to.include(`--funding ETH=${plus3File}@0`);
  });
});
