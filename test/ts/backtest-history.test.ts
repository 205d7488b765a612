import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { BacktestInputError } from "../../src/backtest/errors.js";
import { buildMarketHistory, dailyLogReturns, resolveWindow } from "../../src/backtest/history.js";
import { assetFromFileName, detectPriceFormat, loadHistoryFiles, parseFileSpec } from "../../src/backtest/node.js";
import type { DailyBar } from "../../src/data/index.js";

const dataPath = (file: string) => fileURLToPath(new URL(`../../data/${file}`, import.meta.url));
const DAY_MS = 86_400_000;

/** Bars with the given closes (open = close, high = close + 1, low = close − 1) on the given dates. */
function bars(closes: Record<string, number>): DailyBar[] {
  return Object.entries(closes).map(([date, c]) => ({
    symbol: "",
    date,
    timestampMs: Date.parse(`${date}T00:00:00Z`),
    openUsd: c,
    highUsd: c + 1,
    lowUsd: c - 1,
    closeUsd: c,
  }));
}

function expectInputError(f: () => unknown, code: string, text: RegExp) {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(BacktestInputError);
    const err = e as BacktestInputError;
    expect(err.code).to.equal(code);
    expect(err.message).to.match(text);
    expect(err.fix).to.not.equal("");
    return;
  }
  expect.fail(`expected a BacktestInputError ${code}`);
}

describe("backtest history: alignment on the real files", () => {
  it("BTC/ETH + SPY + QQQ + funding: 2020-01-01 .. 2023-12-31 daily, SPY/QQQ weekends filled and flagged", async () => {
    const { history, files } = await loadHistoryFiles({
      prices: [
        dataPath("prices/coinbase_btc_eth_daily_2020-2025.csv"),
        dataPath("tradfi/spy_daily_2019-2026.csv"),
        dataPath("tradfi/qqq_daily_2019-2026.csv"),
      ],
      funding: {
        BTC: dataPath("funding/binance_btcusdt_funding_8h_2020-2023.csv"),
        ETH: dataPath("funding/binance_ethusdt_funding_8h_2020-2023.csv"),
      },
      timeZoneOffsetHours: 3,
    });
    // Latest first date: crypto 2020-01-01; earliest last date: funding 2023-12-31 16:00 UTC.
    expect(history.dates[0]).to.equal("2020-01-01");
    expect(history.dates.at(-1)).to.equal("2023-12-31");
    expect(history.dates).to.have.length(1461);
    expect(history.timestampsMs[0]).to.equal(Date.UTC(2020, 0, 1));
    expect(history.timestampsMs.every((t, i) => i === 0 || t - (history.timestampsMs[i - 1] ?? 0) === DAY_MS)).to.equal(
      true,
    );
    expect(Object.keys(history.assets).sort()).to.deep.equal(["BTC", "ETH", "QQQ", "SPY"]);
    for (const [asset, a] of Object.entries(history.assets)) {
      for (const s of [a.closeUsd, a.highUsd, a.lowUsd, a.filled]) expect(s, asset).to.have.length(1461);
      expect(
        a.closeUsd.every((x) => Number.isFinite(x) && x > 0),
        asset,
      ).to.equal(true);
      expect(
        a.highUsd.every((x, i) => x >= (a.lowUsd[i] ?? Number.NaN)),
        asset,
      ).to.equal(true);
    }
    const btc = history.assets.BTC;
    const spy = history.assets.SPY;
    if (btc === undefined || spy === undefined) throw new Error("missing asset");
    expect(btc.filled.some(Boolean)).to.equal(false);
    // 2020-01-04 is a Saturday: SPY is filled from Friday 2020-01-03's close, with no intraday range.
    const sat = history.dates.indexOf("2020-01-04");
    expect(spy.filled[sat]).to.equal(true);
    expect(spy.filled[sat - 1]).to.equal(false);
    expect(spy.closeUsd[sat]).to.equal(spy.closeUsd[sat - 1]);
    expect(spy.highUsd[sat]).to.equal(spy.closeUsd[sat]);
    expect(spy.lowUsd[sat]).to.equal(spy.closeUsd[sat]);
    // 2020-01-01 is a market holiday: filled from the 2019-12-31 close in the file, before the calendar.
    expect(spy.filled[0]).to.equal(true);
    expect(history.coverage.SPY?.filledWeekendDays).to.equal(418);
    expect(history.coverage.SPY?.gaps[0]).to.deep.equal({ from: "2020-01-01", to: "2020-01-01", days: 1 });
    expect(history.coverage.BTC?.filledDays).to.equal(0);
    expect(history.funding.BTC).to.have.length(4383);
    expect(history.funding.ETH?.[0]?.timestampMs).to.equal(Date.UTC(2020, 0, 1));
    expect(history.alignment.method).to.equal("calendar-forward-fill");
    expect(history.alignment.notes.join("\n")).to.match(/forward-filled/);
    expect(history.alignment.notes.join("\n")).to.match(/UTC\+3/);
    // The loaders' reports come back: the crypto file's partial last day is dropped for both coins.
    expect(files.map((f) => f.format)).to.deep.equal(["crypto", "tradfi", "tradfi", "funding", "funding"]);
    expect(files[0]?.assets).to.deep.equal(["BTC", "ETH"]);
    expect(files[0]?.report.droppedByReason.PARTIAL_LAST_DAY).to.equal(2);
    expect(files[1]?.assets).to.deep.equal(["SPY"]);
  });

  it("ASSET=path names a tradfi series and picks one asset of a crypto file; from/to trim the calendar", async () => {
    const { history } = await loadHistoryFiles({
      prices: [
        `ETH=${dataPath("prices/coinbase_btc_eth_daily_2020-2025.csv")}`,
        `XAU=${dataPath("tradfi/gold_futures_daily_2019-2026.csv")}`,
      ],
      from: "2021-03-01",
      to: "2021-03-31",
    });
    expect(Object.keys(history.assets)).to.deep.equal(["ETH", "XAU"]);
    expect(history.dates).to.have.length(31);
    expect(history.dates[0]).to.equal("2021-03-01");
    expect(history.funding).to.deep.equal({});
  });

  it("file helpers: ASSET=path, asset from the file name, format from the header", () => {
    expect(parseFileSpec("spy=data/x.csv")).to.deep.equal({ asset: "SPY", path: "data/x.csv" });
    expect(parseFileSpec("data/x.csv")).to.deep.equal({ asset: undefined, path: "data/x.csv" });
    expect(assetFromFileName("data/tradfi/spy_daily_2019-2026.csv")).to.equal("SPY");
    expect(assetFromFileName("gold_futures_daily.csv")).to.equal("GOLD");
    expect(detectPriceFormat("date,symbol,base,open,high,low,close,volume\n")).to.equal("crypto");
    expect(detectPriceFormat("\uFEFFDate,Open,High,Low,Close,Volume\n")).to.equal("tradfi");
    expect(detectPriceFormat("Symbol,Date,Funding Rate\n")).to.equal(undefined);
  });

  it("hand-made files: crypto without base, tradfi named by its file, a funding file with two symbols", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parapet-history-"));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const crypto = write(
      "coins.csv",
      "date,symbol,open,high,low,close,volume\n2024-01-05,SOL/USD,10,11,9,10.5,1\n2024-01-06,SOL/USD,10.5,12,10,11,1\n2024-01-07,SOL/USD,11,12,10,11.5,1\n2024-01-08,SOL/USD,11.5,12,11,12,1\n2024-01-09,SOL/USD,12,13,11,12.5,1\n",
    );
    const stock = write("abc_daily.csv", "Date,Open,High,Low,Close\n2024-01-05,1,2,1,1.5\n2024-01-08,1.5,2,1,1.8\n");
    const funding = write(
      "funding.csv",
      "Symbol,Date,Funding Rate\nSOL-USDT,2024-01-05 00:00:00,0.0001\nXRP-USDT,2024-01-05 00:00:00,0.0009\nSOL-USDT,2024-01-06 00:00:00,0.0002\n",
    );
    const { history, files } = await loadHistoryFiles({
      prices: [crypto, stock],
      funding: { SOL: funding },
      timeZoneOffsetHours: 0,
    });
    expect(Object.keys(history.assets)).to.deep.equal(["SOL", "ABC"]);
    // The crypto file's partial last day (01-09) is dropped; the funding's last settlement (01-06) is the
    // earliest last date, so it ends the calendar. The XRP rows of the funding file are left out.
    expect(history.dates).to.deep.equal(["2024-01-05", "2024-01-06"]);
    expect(history.assets.ABC?.filled).to.deep.equal([false, true]);
    expect(history.funding.SOL?.map((p) => p.ratePerInterval)).to.deep.equal([0.0001, 0.0002]);
    expect(files.map((f) => f.assets)).to.deep.equal([["SOL"], ["ABC"], ["SOL"]]);
    try {
      await loadHistoryFiles({ prices: [crypto], funding: { ETH: funding }, timeZoneOffsetHours: 0 });
      expect.fail("expected an error");
    } catch (e) {
      expect((e as BacktestInputError).code).to.equal("UNRECOGNISED_FILE");
      expect((e as Error).message).to.match(/several symbols \(SOL-USDT, XRP-USDT\) and none is ETH's/);
    }
  });

  it("a file of an unknown format is a typed error", async () => {
    try {
      await loadHistoryFiles({ prices: [dataPath("funding/binance_btcusdt_funding_8h_2020-2023.csv")] });
      expect.fail("expected an error");
    } catch (e) {
      expect(e).to.be.instanceOf(BacktestInputError);
      expect((e as BacktestInputError).code).to.equal("UNRECOGNISED_FILE");
    }
  });
});

describe("backtest history: rules on tiny series", () => {
  // 2024-01-05 is a Friday, 01-06/07 the weekend, 01-08 a Monday.
  const crypto = bars({
    "2024-01-04": 100,
    "2024-01-05": 101,
    "2024-01-06": 102,
    "2024-01-07": 103,
    "2024-01-08": 104,
    "2024-01-09": 105,
  });
  const stock = bars({ "2024-01-03": 50, "2024-01-05": 51, "2024-01-08": 52, "2024-01-10": 53 });

  it("calendar from the latest first date to the earliest last date, weekends and holidays forward-filled", () => {
    const h = buildMarketHistory({
      prices: [
        { asset: "BTC", bars: crypto },
        { asset: "SPY", bars: stock },
      ],
    });
    expect(h.dates).to.deep.equal(["2024-01-04", "2024-01-05", "2024-01-06", "2024-01-07", "2024-01-08", "2024-01-09"]);
    // 01-04 (a Thursday without a bar) is filled from 01-03, which lies before the calendar.
    expect(h.assets.SPY?.closeUsd).to.deep.equal([50, 51, 51, 51, 52, 52]);
    expect(h.assets.SPY?.highUsd).to.deep.equal([50, 52, 51, 51, 53, 52]);
    expect(h.assets.SPY?.lowUsd).to.deep.equal([50, 50, 51, 51, 51, 52]);
    expect(h.assets.SPY?.filled).to.deep.equal([true, false, true, true, false, true]);
    expect(h.assets.BTC?.filled).to.deep.equal([false, false, false, false, false, false]);
    expect(h.coverage.SPY).to.deep.equal({
      calendar: "weekdays",
      days: 6,
      filledDays: 4,
      filledWeekendDays: 2,
      gaps: [
        { from: "2024-01-04", to: "2024-01-04", days: 1 },
        { from: "2024-01-09", to: "2024-01-09", days: 1 },
      ],
    });
    expect(h.coverage.BTC?.calendar).to.equal("daily");
  });

  it("a missing crypto day is filled and reported as a gap; a holiday run spans the weekend", () => {
    const btc = bars({ "2024-01-04": 1, "2024-01-05": 2, "2024-01-08": 3, "2024-01-09": 4 });
    const h = buildMarketHistory({ prices: [{ asset: "BTC", bars: btc, calendar: "daily" }] });
    expect(h.assets.BTC?.filled).to.deep.equal([false, false, true, true, false, false]);
    expect(h.coverage.BTC?.gaps).to.deep.equal([{ from: "2024-01-06", to: "2024-01-07", days: 2 }]);
    // Friday and Monday holidays around a weekend: one gap of 2 weekdays.
    const spy = bars({ "2024-01-04": 1, "2024-01-09": 2 });
    const s = buildMarketHistory({ prices: [{ asset: "SPY", bars: spy }] });
    expect(s.coverage.SPY?.gaps).to.deep.equal([{ from: "2024-01-05", to: "2024-01-08", days: 2 }]);
    expect(s.coverage.SPY?.filledWeekendDays).to.equal(2);
    expect(s.alignment.notes.join("\n")).to.match(/SPY: 4 of 6 days filled/);
  });

  it("funding bounds the calendar and is kept on its days only; from/to trim", () => {
    const funding = [
      { timestampMs: Date.UTC(2024, 0, 3, 16), ratePerInterval: 0.5 },
      { timestampMs: Date.UTC(2024, 0, 5, 16), ratePerInterval: 0.2 },
      { timestampMs: Date.UTC(2024, 0, 5, 0), ratePerInterval: 0.1 },
      { timestampMs: Date.UTC(2024, 0, 7, 8), ratePerInterval: 0.3 },
    ];
    const h = buildMarketHistory({
      prices: [{ asset: "BTC", bars: crypto }],
      funding: [{ asset: "BTC", points: funding }],
    });
    expect(h.dates[0]).to.equal("2024-01-04");
    expect(h.dates.at(-1)).to.equal("2024-01-07");
    expect(h.funding.BTC?.map((p) => p.ratePerInterval)).to.deep.equal([0.1, 0.2, 0.3]);
    const w = buildMarketHistory({
      prices: [{ asset: "BTC", bars: crypto }],
      funding: [{ asset: "BTC", points: funding }],
      from: "2024-01-05",
      to: "2024-01-06",
    });
    expect(w.dates).to.deep.equal(["2024-01-05", "2024-01-06"]);
    expect(w.assets.BTC?.closeUsd).to.deep.equal([101, 102]);
    expect(w.funding.BTC?.map((p) => p.ratePerInterval)).to.deep.equal([0.1, 0.2]);
    expect(w.alignment.notes.join("\n")).to.match(/Window: 2024-01-05 \.\. 2024-01-06/);
  });

  it("errors: no overlap, duplicate asset, empty series, from after to, dates outside or invalid", () => {
    const late = bars({ "2024-02-01": 1, "2024-02-02": 2 });
    expectInputError(
      () =>
        buildMarketHistory({
          prices: [
            { asset: "BTC", bars: crypto },
            { asset: "SPY", bars: late },
          ],
        }),
      "NO_OVERLAP",
      /share no day.*SPY prices starts on 2024-02-01.*BTC prices ends on 2024-01-09/,
    );
    expectInputError(
      () =>
        buildMarketHistory({
          prices: [
            { asset: "BTC", bars: crypto },
            { asset: "BTC", bars: crypto },
          ],
        }),
      "DUPLICATE_ASSET",
      /Two price series are given for BTC/,
    );
    expectInputError(
      () =>
        buildMarketHistory({
          prices: [{ asset: "BTC", bars: crypto }],
          funding: [
            { asset: "BTC", points: [{ timestampMs: Date.UTC(2024, 0, 5), ratePerInterval: 0 }] },
            { asset: "BTC", points: [{ timestampMs: Date.UTC(2024, 0, 5), ratePerInterval: 0 }] },
          ],
        }),
      "DUPLICATE_ASSET",
      /funding/,
    );
    expectInputError(() => buildMarketHistory({ prices: [] }), "EMPTY_SERIES", /No price series/);
    expectInputError(() => buildMarketHistory({ prices: [{ asset: "ETH", bars: [] }] }), "EMPTY_SERIES", /ETH/);
    const p = [{ asset: "BTC", bars: crypto }];
    expectInputError(
      () => buildMarketHistory({ prices: p, from: "2024-01-08", to: "2024-01-05" }),
      "INVERTED_WINDOW",
      /from 2024-01-08 is after to 2024-01-05/,
    );
    expectInputError(
      () => buildMarketHistory({ prices: p, from: "2024-01-01" }),
      "OUT_OF_RANGE",
      /from 2024-01-01 is outside .*2024-01-04 \.\. 2024-01-09/,
    );
    expectInputError(() => buildMarketHistory({ prices: p, to: "2024-02-01" }), "OUT_OF_RANGE", /to 2024-02-01/);
    expectInputError(() => buildMarketHistory({ prices: p, from: "2024-02-30" }), "INVALID_DATE", /YYYY-MM-DD/);
    expectInputError(() => buildMarketHistory({ prices: p, to: "5 Jan" }), "INVALID_DATE", /to "5 Jan"/);
    expect(resolveWindow(["2024-01-01", "2024-01-02", "2024-01-03"], "2024-01-02")).to.deep.equal({
      fromIndex: 1,
      toIndex: 2,
    });
  });

  it("dailyLogReturns: ln(c[i]/c[i−1]), 0 on filled days, unknown asset is a typed error", () => {
    const h = buildMarketHistory({
      prices: [
        { asset: "BTC", bars: crypto },
        { asset: "SPY", bars: stock },
      ],
    });
    const btc = dailyLogReturns(h, "BTC");
    expect(btc).to.have.length(5);
    expect(btc[0]).to.be.closeTo(Math.log(101 / 100), 1e-15);
    expect(btc[0]).to.be.closeTo(0.00995033085, 1e-10);
    expect(btc[4]).to.be.closeTo(Math.log(105 / 104), 1e-15);
    const spy = dailyLogReturns(h, "SPY");
    expect(spy[1]).to.equal(0); // Saturday, filled
    expect(spy[2]).to.equal(0); // Sunday, filled
    expect(spy[3]).to.be.closeTo(Math.log(52 / 51), 1e-15); // Monday carries the move
    expectInputError(() => dailyLogReturns(h, "QQQ"), "UNKNOWN_ASSET", /no prices for QQQ.*BTC, SPY/);
  });
});
