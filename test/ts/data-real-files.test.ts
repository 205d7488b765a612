import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { loadCryptoOhlcv, loadFundingCsv, loadTradfiOhlc } from "../../src/data/index.js";
import { readDataFile } from "../../src/data/node.js";
import { detectSpikes } from "../../src/funding/index.js";

// The loaders against the files copied into data/ and each quirk data/SOURCES.md lists.
const read = (file: string) => readDataFile(fileURLToPath(new URL(`../../data/${file}`, import.meta.url)));
const iso = (ms: number) => new Date(ms).toISOString();
const EIGHT_HOURS_MS = 8 * 3_600_000;

describe("data loaders on the real files", () => {
  for (const [coin, file] of [
    ["BTC", "funding/binance_btcusdt_funding_8h_2020-2023.csv"],
    ["ETH", "funding/binance_ethusdt_funding_8h_2020-2023.csv"],
  ] as const) {
    it(`${coin} funding: 4383 rows, UTC+3 stamps moved to 00/08/16 UTC, 8 h interval, no gaps or drops`, async () => {
      const r = loadFundingCsv(await read(file), { timeZoneOffsetHours: 3 });
      expect(r.rows).to.have.length(4383);
      expect(r.report.linesRead).to.equal(4383);
      expect(r.report.dropped).to.deep.equal([]);
      expect(r.intervalMs).to.equal(EIGHT_HOURS_MS);
      expect(r.gaps).to.deep.equal([]);
      expect(iso(r.rows[0]?.timestampMs ?? 0)).to.equal("2020-01-01T00:00:00.000Z");
      expect(iso(r.rows.at(-1)?.timestampMs ?? 0)).to.equal("2023-12-31T16:00:00.000Z");
      // Quirk: stray milliseconds (e.g. 19:00:00.018) are rounded to the hour, and reported.
      expect(r.roundedStamps).to.be.greaterThan(0);
      expect(r.report.warnings).to.include("funding interval inferred: 8 h");
      expect(r.rows.every((x) => x.timestampMs % EIGHT_HOURS_MS === 0)).to.equal(true);
      expect(r.rows.every((x) => x.symbol === `${coin}-USDT`)).to.equal(true);
    });
  }

  it("funding stress points and exchange caps are kept, not dropped", async () => {
    const btc = loadFundingCsv(await read("funding/binance_btcusdt_funding_8h_2020-2023.csv"), {
      timeZoneOffsetHours: 3,
    });
    const eth = loadFundingCsv(await read("funding/binance_ethusdt_funding_8h_2020-2023.csv"), {
      timeZoneOffsetHours: 3,
    });
    const min = (rows: typeof btc.rows) => rows.reduce((a, b) => (b.ratePerInterval < a.ratePerInterval ? b : a));
    // File: BTC-USDT,2020-03-13 11:00:00.000,-0.00300000 (UTC+3) = 08:00 UTC, the -0.3 % cap.
    expect(iso(min(btc.rows).timestampMs)).to.equal("2020-03-13T08:00:00.000Z");
    expect(min(btc.rows).ratePerIntervalDecimal).to.equal("-0.00300000");
    // File: ETH-USDT,2021-05-19 19:00:00.018,-0.00356332 = 16:00 UTC.
    expect(iso(min(eth.rows).timestampMs)).to.equal("2021-05-19T16:00:00.000Z");
    expect(min(eth.rows).ratePerInterval).to.equal(-0.00356332);
    const capped = detectSpikes({ points: btc.rows, capAbs: 0.003 });
    expect(capped.some((s) => iso(s.timestampMs) === "2020-03-13T08:00:00.000Z" && s.reasons.includes("CAP"))).to.equal(
      true,
    );
  });

  it("Coinbase BTC/ETH daily: partial last day 2025-10-25 dropped per coin, 2124 full days each", async () => {
    const r = loadCryptoOhlcv(await read("prices/coinbase_btc_eth_daily_2020-2025.csv"));
    expect(r.symbols).to.deep.equal(["BTC/USD", "ETH/USD"]);
    expect(r.report.linesRead).to.equal(4250);
    expect(r.rows).to.have.length(4248);
    expect(r.report.droppedByReason.PARTIAL_LAST_DAY).to.equal(2);
    expect(r.report.dropped.map((d) => d.text.slice(0, 18))).to.deep.equal([
      "2025-10-25,BTC/USD",
      "2025-10-25,ETH/USD",
    ]);
    const btc = r.rows.filter((x) => x.symbol === "BTC/USD");
    expect(btc).to.have.length(2124);
    expect(btc[0]).to.include({
      date: "2020-01-01",
      timestampMs: Date.UTC(2020, 0, 1),
      closeUsd: 7174.33,
      base: "BTC",
    });
    expect(btc.at(-1)?.date).to.equal("2025-10-24");
    expect(r.missingDates).to.deep.equal([]);
    // Stress: BTC close -38.8 % on 2020-03-12.
    const i = btc.findIndex((x) => x.date === "2020-03-12");
    const ret = (btc[i]?.closeUsd ?? 0) / (btc[i - 1]?.closeUsd ?? 1) - 1;
    expect(ret).to.be.closeTo(-0.388, 0.001);
    // keep: the caller vouches the file ends on a complete day.
    expect(
      loadCryptoOhlcv(await read("prices/coinbase_btc_eth_daily_2020-2025.csv"), { lastDay: "keep" }).rows,
    ).to.have.length(4250);
  });

  it("SPY and QQQ: 1891 trading days 2019-01-02 .. 2026-07-13, no weekends, holidays reported as missing weekdays", async () => {
    for (const f of ["spy", "qqq"]) {
      const r = loadTradfiOhlc(await read(`tradfi/${f}_daily_2019-2026.csv`));
      expect(r.rows).to.have.length(1891);
      expect(r.report.dropped).to.deep.equal([]);
      expect(r.rows[0]?.date).to.equal("2019-01-02");
      expect(r.rows.at(-1)?.date).to.equal("2026-07-13");
      expect(r.rows.every((x) => ![0, 6].includes(new Date(x.timestampMs).getUTCDay()))).to.equal(true);
      // Exchange holidays, e.g. Christmas 2019 and Good Friday 2025.
      expect(r.missingDates.map((d) => d.date)).to.include.members(["2019-12-25", "2025-04-18"]);
      expect(r.missingDates).to.have.length(73);
    }
  });

  it("gold: the 93 flat filler bars are dropped as STALE_BAR", async () => {
    const r = loadTradfiOhlc(await read("tradfi/gold_futures_daily_2019-2026.csv"));
    expect(r.report.linesRead).to.equal(1893);
    expect(r.report.droppedByReason.STALE_BAR).to.equal(93);
    expect(r.rows).to.have.length(1800);
    expect(r.rows.some((x) => x.openUsd === x.highUsd && x.highUsd === x.lowUsd && x.lowUsd === x.closeUsd)).to.equal(
      false,
    );
  });

  it("EUR/USD: 51 bars with open/close outside [low, high] kept and warned (worst 28.7 bp); 2025-04-18/21 missing", async () => {
    const r = loadTradfiOhlc(await read("tradfi/eurusd_daily_2019-2026.csv"));
    expect(r.rows).to.have.length(1959);
    expect(r.rows[0]?.date).to.equal("2019-01-01");
    expect(r.report.warnings).to.include("51 bars with open or close outside [low, high] (kept; worst 28.7 bp)");
    expect(r.missingDates.map((d) => d.date)).to.include.members(["2025-04-18", "2025-04-21"]);
  });
});
