import { expect } from "chai";
import {
  BacktestInputError,
  defaultBacktestMarket,
  type MarketHistory,
  runBacktest,
} from "../../src/backtest/index.js";

// Small hand-made histories: every expected number is worked out in the comments.
const DAY = 86_400_000;
const H8 = 8 * 3_600_000;

function flatHistory(
  days: number,
  priceUsd: number,
  ratePerInterval: number,
  bars: { high?: number[]; low?: number[] } = {},
): MarketHistory {
  const close = Array.from({ length: days }, () => priceUsd);
  const dates = Array.from({ length: days }, (_, i) =>
    new Date(Date.UTC(2024, 0, 1) + i * DAY).toISOString().slice(0, 10),
  );
  const timestampsMs = dates.map((d) => Date.parse(`${d}T00:00:00Z`));
  const funding = timestampsMs.flatMap((t) => [0, 1, 2].map((k) => ({ timestampMs: t + k * H8, ratePerInterval })));
  return {
    dates,
    timestampsMs,
    assets: {
      ETH: { closeUsd: close, highUsd: bars.high ?? close, lowUsd: bars.low ?? close, filled: close.map(() => false) },
    },
    funding: { ETH: funding },
    alignment: { method: "calendar-forward-fill", notes: [] },
  };
}

const market = { ...defaultBacktestMarket("ETH", 1000), skewScaleUnits: 3_000_000 };

describe("backtester (runBacktest) on hand-made history", () => {
  it("a static short of 10 ETH at a flat 1000: carry per settlement, fees, gas, value", () => {
    const history = flatHistory(4, 1000, 0.001);
    const r = runBacktest({
      history,
      exposures: [{ kind: "asset", asset: "ETH", amount: 10 }],
      markets: { ETH: market },
      policies: ["none", "static"],
      from: history.dates[0],
      to: history.dates[3],
    });
    const s = r.policies.static;
    if (s === undefined) throw new Error("no static result");
    // Opened at the close of day 0; days 1–3 settle 3 × 3 = 9 times: a short receives 10 × 1000 × 0.001 = 10 each.
    expect(s.carryLedger).to.have.length(9);
    expect(s.metrics.carryUsd).to.be.closeTo(-90, 1e-9);
    expect(s.carryLedger.every((e) => e.sizeUnits === -10 && e.priceUsd === 1000 && e.paidUsd === -10)).to.equal(true);
    // Open: taker fee 10 × 1000 × 0.0005 = 5, impact (−10)(1000)(0 − 10)/2/3e6 = 1/60; gas 250 000 × 20 gwei × 1000 = 5.
    expect(s.metrics.feesUsd).to.be.closeTo(5 + 1 / 60, 1e-9);
    expect(s.metrics.gasUsd).to.be.closeTo(5, 1e-9);
    expect(s.metrics.rebalances).to.equal(0); // the opening is not a rebalance
    expect(s.events.map((e) => e.kind)).to.deep.equal(["open"]);
    // Value on day 3 = 10 000 of ETH − fee − impact − gas + 90 of funding received (the price never moved).
    expect(s.series.valueUsd[3]).to.be.closeTo(10_000 - 5 - 1 / 60 - 5 + 90, 1e-9);
    expect(s.series.hedgeRatio[3]).to.be.closeTo(1, 1e-12);
    expect(r.policies.none?.series.valueUsd).to.deep.equal([10_000, 10_000, 10_000, 10_000]);
    expect(r.unhedgedValueUsd).to.deep.equal([10_000, 10_000, 10_000, 10_000]);
  });

  it("the keeper tops up at the day's adverse extreme from the reserve; with no reserve the hedge is liquidated", () => {
    // Day 1's high is 1400: a short of 10 at 1000 loses 4000 at the high.
    const high = [1000, 1400, 1000, 1000];
    const history = flatHistory(4, 1000, 0, { high });
    const base = {
      history,
      exposures: [{ kind: "asset" as const, asset: "ETH", amount: 10 }],
      markets: { ETH: market },
      policies: ["static" as const],
      from: history.dates[0],
      to: history.dates[3],
    };
    const topped = runBacktest(base).policies.static;
    expect(topped?.metrics.liquidations).to.equal(0);
    expect(topped?.events.map((e) => e.kind)).to.deep.equal(["open", "margin"]);
    // Collateral planned: 10 000 × 0.3 + 13 000 × 0.05 + 5 = 3655 (+ open cost 5.0167). At 1400 the keeper restores
    // the plan's collateral per unit scaled by the price: 3660.0167 × 1.4 = 5124.02 − equity (3655 − 4000 = −345).
    expect(topped?.metrics.reserveDrawnUsd).to.be.closeTo((3655 + 5 + 1 / 60) * 1.4 - (3655 - 4000), 1e-6);

    const starved = runBacktest({ ...base, hedgePolicy: { reserveRatio: 0 }, reserveRefill: "none" }).policies.static;
    expect(starved?.metrics.liquidations).to.equal(1);
    const liq = starved?.events.find((e) => e.kind === "liquidation");
    // Liquidation price: (3655 + 10 × 1000 − 5) / (10 × 1.05) = 1300; penalty 1 % × 13 000 + 5 = 135;
    // left = equity at 1300 (3655 − 3000 = 655) − 135 = 520. The account held 3655 + 1/60 of collateral (the
    // impact is in the entry price, 999.99833).
    expect(liq?.reasons[0]).to.match(/1300\.0000/);
    expect((liq?.collateralDeltaUsd ?? 0) + 3655 + 1 / 60).to.be.closeTo(520, 1e-6);
    // The rule re-opens the hedge at the close from what is left (no reserve: a smaller hedge).
    expect(starved?.events.at(-1)?.kind).to.equal("rebalance");
  });

  it("refuses unusable input with typed errors naming the field and the fix", () => {
    const history = flatHistory(3, 1000, 0);
    const exposures = [{ kind: "asset" as const, asset: "ETH", amount: 1 }];
    expect(() => runBacktest({ history, exposures: [], markets: { ETH: market } })).to.throw(
      BacktestInputError,
      /exposure/,
    );
    expect(() =>
      runBacktest({ history, exposures: [{ kind: "asset", asset: "BTC", amount: 1 }], markets: { ETH: market } }),
    )
      .to.throw(BacktestInputError)
      .with.property("code", "UNKNOWN_ASSET");
    expect(() => runBacktest({ history, exposures, markets: {} })).to.throw(BacktestInputError, /risk parameters/);
    expect(() => runBacktest({ history, exposures, markets: { ETH: market }, from: "2023-01-01" })).to.throw(
      BacktestInputError,
      /from 2023-01-01/,
    );
    expect(() =>
      runBacktest({ history, exposures, markets: { ETH: market }, from: history.dates[2], to: history.dates[1] }),
    )
      .to.throw(BacktestInputError)
      .with.property("code", "INVERTED_WINDOW");
  });
});
