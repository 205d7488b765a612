import { expect } from "chai";
import { DataLoadError, loadCryptoOhlcv, loadFundingCsv, loadTradfiOhlc } from "../../src/data/index.js";
import { readDataFile } from "../../src/data/node.js";

// Small hand-made inputs, one per drop reason and per unreadable-input error.
const iso = (ms: number) => new Date(ms).toISOString();

describe("data loaders: drop reasons on hand-made inputs", () => {
  it("funding: malformed, duplicate and out-of-order lines dropped with line numbers; interval and gaps inferred", () => {
    const text = [
      "Symbol,Date,Funding Rate",
      "X,2024-01-01 00:00:00,0.0001", // line 2
      "X,2024-01-01 01:00:00,0.0002", // line 3
      "X,2024-01-01 01:00:00,0.0009", // line 4: duplicate
      "X,2024-01-01 00:30:00,0.0003", // line 5: rounds to 01:00 -> duplicate
      "X,2023-12-31 23:00:00,0.0003", // line 6: non-monotonic
      "X,not-a-date,0.0001", // line 7: malformed
      "X,2024-01-01 02:00:00,abc", // line 8: malformed
      "X,2024-01-01 05:00:00,0.0004", // line 9: 3 h step -> gap of 2 missing settlements
      "",
    ].join("\n");
    const r = loadFundingCsv(text, { timeZoneOffsetHours: 0 });
    expect(r.rows.map((x) => x.ratePerInterval)).to.deep.equal([0.0001, 0.0002, 0.0004]);
    expect(r.report.dropped.map((d) => [d.line, d.reason])).to.deep.equal([
      [4, "DUPLICATE"],
      [5, "DUPLICATE"],
      [6, "NON_MONOTONIC"],
      [7, "MALFORMED_LINE"],
      [8, "MALFORMED_LINE"],
    ]);
    expect(r.report.droppedByReason).to.include({ DUPLICATE: 2, NON_MONOTONIC: 1, MALFORMED_LINE: 2 });
    expect(r.intervalMs).to.equal(3_600_000); // steps 1 h, 4 h: tie broken towards the smaller
    expect(r.gaps).to.deep.equal([
      { symbol: "X", fromMs: Date.UTC(2024, 0, 1, 1), toMs: Date.UTC(2024, 0, 1, 5), missingIntervals: 3 },
    ]);
    expect(r.roundedStamps).to.equal(1);
  });

  it("funding: the time-zone offset is subtracted (UTC+3 03:00 -> 00:00 UTC) and CRLF/extra columns accepted", () => {
    const r = loadFundingCsv("funding rate,Date,Symbol,extra\r\n0.0001,2024-01-01 03:00:00.018,Y,z\r\n", {
      timeZoneOffsetHours: 3,
    });
    expect(iso(r.rows[0]?.timestampMs ?? 0)).to.equal("2024-01-01T00:00:00.000Z");
    expect(r.intervalMs).to.equal(undefined);
  });

  it("crypto: stale bars (flat, or a repeat of the previous bar), non-monotonic, duplicate, partial last day", () => {
    const text = [
      "date,symbol,base,open,high,low,close,volume",
      "2024-01-01,A/USD,A,10,11,9,10.5,100", // 2 kept
      "2024-01-02,A/USD,A,10.5,12,10,11,100", // 3 kept
      "2024-01-03,A/USD,A,10.5,12,10,11,100", // 4 stale: same OHLC as 01-02
      "2024-01-04,A/USD,A,11,11,11,11,0", // 5 stale: flat
      "2024-01-04,A/USD,A,11,12,10,11,5", // 6 kept
      "2024-01-02,A/USD,A,11,12,10,11,5", // 7 non-monotonic
      "2024-01-04,A/USD,A,11,12,10,11.5,5", // 8 duplicate
      "2024-01-05,A/USD,A,-1,12,10,11,5", // 9 malformed (negative price)
      "2024-01-06,A/USD,A,11,12,10,11.2,5", // 10 partial last day
    ].join("\n");
    const r = loadCryptoOhlcv(text);
    expect(r.rows.map((x) => x.date)).to.deep.equal(["2024-01-01", "2024-01-02", "2024-01-04"]);
    expect(r.report.dropped.map((d) => [d.line, d.reason])).to.deep.equal([
      [4, "STALE_BAR"],
      [5, "STALE_BAR"],
      [7, "NON_MONOTONIC"],
      [8, "DUPLICATE"],
      [9, "MALFORMED_LINE"],
      [10, "PARTIAL_LAST_DAY"],
    ]);
    // 01-03 was dropped as stale, so it is a missing calendar day.
    expect(r.missingDates).to.deep.equal([{ symbol: "A/USD", date: "2024-01-03" }]);
  });

  it("tradfi: weekend rows are NON_TRADING_DAY; a missing weekday is reported; the last day is kept", () => {
    const text = [
      "Date,Open,High,Low,Close,Volume",
      "2024-01-05,1,2,0.5,1.5,10", // Friday
      "2024-01-06,1,2,0.5,1.6,10", // Saturday: dropped
      "2024-01-09 00:00:00-05:00,1,2,0.5,1.7,10", // Tuesday (date-time accepted); Monday 01-08 missing
    ].join("\n");
    const r = loadTradfiOhlc(text);
    expect(r.rows.map((x) => x.date)).to.deep.equal(["2024-01-05", "2024-01-09"]);
    expect(r.report.dropped.map((d) => [d.line, d.reason])).to.deep.equal([[3, "NON_TRADING_DAY"]]);
    expect(r.missingDates).to.deep.equal([{ symbol: "", date: "2024-01-08" }]);
  });

  it("typed errors with cause and fix: empty file, wrong header, no rows, bad offset, unreadable path", async () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).to.be.instanceOf(DataLoadError);
        expect((e as DataLoadError).fix).to.not.equal("");
        return (e as DataLoadError).code;
      }
      return "NO_ERROR";
    };
    expect(code(() => loadFundingCsv("\n \n", { timeZoneOffsetHours: 0 }))).to.equal("EMPTY_FILE");
    expect(code(() => loadFundingCsv("Date,Open,High,Low,Close\n", { timeZoneOffsetHours: 0 }))).to.equal(
      "WRONG_HEADER",
    );
    expect(code(() => loadTradfiOhlc("Date,Open,High,Low,Volume\n"))).to.equal("WRONG_HEADER");
    expect(code(() => loadCryptoOhlcv("Date,Open,High,Low,Close\n"))).to.equal("WRONG_HEADER");
    expect(code(() => loadTradfiOhlc("Date,Open,High,Low,Close\nx,1,2,3,4\n"))).to.equal("NO_ROWS");
    expect(
      code(() =>
        loadFundingCsv("Symbol,Date,Funding Rate\nX,2024-01-01 00:00,1\n", { timeZoneOffsetHours: Number.NaN }),
      ),
    ).to.equal("INVALID_OPTION");
    try {
      await readDataFile("/nonexistent/parapet.csv");
      expect.fail("should throw");
    } catch (e) {
      expect((e as DataLoadError).code).to.equal("READ_FAILED");
      expect((e as DataLoadError).cause).to.not.equal(undefined);
    }
  });
});
