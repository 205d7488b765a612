import { expect } from "chai";
import {
  type BacktestPolicyResult,
  defaultBacktestMarket,
  type MarketHistory,
  PNL_TERMS,
  runBacktest,
} from "../../src/backtest/index.js";
import { concentratedLp } from "../../src/hedge/index.js";

// Hand-made histories: every expected term is worked out from the prices in the comments, not read back.
const DAY = 86_400_000;
const H8 = 8 * 3_600_000;

function history(closes: Record<string, number[]>, fundingRate: Record<string, number> = {}): MarketHistory {
  const days = (Object.values(closes)[0] as number[]).length;
  const dates = Array.from({ length: days }, (_, i) =>
    new Date(Date.UTC(2024, 0, 1) + i * DAY).toISOString().slice(0, 10),
  );
  const timestampsMs = dates.map((d) => Date.parse(`${d}T00:00:00Z`));
  const assets: Record<string, MarketHistory["assets"][string]> = {};
  for (const [a, c] of Object.entries(closes))
    assets[a] = { closeUsd: c, highUsd: c, lowUsd: c, filled: c.map(() => false) };
  const funding: Record<string, MarketHistory["funding"][string]> = {};
  for (const [a, rate] of Object.entries(fundingRate))
    funding[a] = timestampsMs.flatMap((t) =>
      [0, 1, 2].map((k) => ({ timestampMs: t + k * H8, ratePerInterval: rate })),
    );
  return { dates, timestampsMs, assets, funding, alignment: { method: "calendar-forward-fill", notes: [] } };
}

/** Σ of the terms, the total, and the book's value change since before the hedge, at every day. */
function expectIdentity(p: BacktestPolicyResult, startValueUsd: number) {
  const a = p.attribution;
  const sum = PNL_TERMS.reduce((s, t) => s + a[t.key], 0);
  const scale = Math.max(1, ...p.series.valueUsd.map(Math.abs));
  expect(Math.abs(sum - a.total), `${p.name}: Σ terms vs total`).to.be.at.most(1e-6 * scale);
  p.series.valueUsd.forEach((v, i) => {
    expect(
      Math.abs((p.series.attribution.total[i] as number) - (v - startValueUsd)),
      `${p.name} day ${i}`,
    ).to.be.at.most(1e-6 * scale);
  });
}

describe("backtest P&L attribution", () => {
  it("a static short of 10 ETH: price P&L ±100, carry 60.70 received, fee 5, skew premium 1/60, gas 5", () => {
    // Closes 1000 → 1020 → 1010, 0.1 % per 8 h. Exposure: 10 × (20 − 10) = 100; the −10 hedge: −100.
    // Funding received at prices interpolated between closes: day 1 (1000 + 1006.67 + 1013.33) × 10 × 0.001 = 30.2,
    // day 2 (1020 + 1016.67 + 1013.33) × 0.01 = 30.5. Open: taker fee 10 × 1000 × 0.0005 = 5; the fill
    // 1000 × (1 − 5 / 3e6) is below the oracle, so a short pays 10 × 1000 × 5 / 3e6 = 1/60; gas 250k × 20 gwei × 1000 = 5.
    const h = history({ ETH: [1000, 1020, 1010] }, { ETH: 0.001 });
    const r = runBacktest({
      history: h,
      exposures: [{ kind: "asset", asset: "ETH", amount: 10 }],
      markets: { ETH: { ...defaultBacktestMarket("ETH", 1000), skewScaleUnits: 3_000_000 } },
      policies: ["none", "static"],
    });
    const s = r.policies.static;
    if (s === undefined) throw new Error("no static result");
    expect(s.events.map((e) => e.kind)).to.deep.equal(["open"]);
    const a = s.attribution;
    expect(a.exposurePricePnl).to.be.closeTo(100, 1e-9);
    expect(a.impermanentLoss).to.equal(0);
    expect(a.hedgePricePnl).to.be.closeTo(-100, 1e-9);
    expect(a.basis).to.equal(0);
    expect(a.fundingCarry).to.be.closeTo(60.7, 1e-9);
    expect(a.tradingFees).to.be.closeTo(-5, 1e-9);
    expect(a.fillSlippage).to.be.closeTo(-1 / 60, 1e-9);
    expect(a.gas).to.be.closeTo(-5, 1e-9);
    expect(a.lpFeesEarned).to.equal(0);
    expect(a.liquidations).to.equal(0);
    expect(a.total).to.be.closeTo(100 - 100 + 60.7 - 5 - 1 / 60 - 5, 1e-9);
    expectIdentity(s, 10_000);
    expect(r.policies.none?.attribution.total).to.be.closeTo(100, 1e-9);
  });

  it("a concentrated position on [900, 1100): fees only in range, impermanent loss = value change − delta × ΔP", () => {
    // Closes 1000 → 1050 → 1150 (above the range: all USD) → 1080; APR 36.5 %: 0.1 % of the value per day in range.
    const closes = [1000, 1050, 1150, 1080];
    const lp = concentratedLp("ETH", 10_000, 1000, 900, 1100);
    const L = lp.liquidity;
    const clamp = (p: number) => Math.min(Math.max(Math.sqrt(p), Math.sqrt(900)), Math.sqrt(1100));
    const units = (p: number) => L * (1 / clamp(p) - 1 / Math.sqrt(1100));
    const value = (p: number) => units(p) * p + L * (clamp(p) - Math.sqrt(900));
    const r = runBacktest({
      history: history({ ETH: closes }, { ETH: 0 }),
      exposures: [lp],
      markets: { ETH: defaultBacktestMarket("ETH", 1000) },
      policies: ["none", "periodic"],
      lpFeeApr: 0.365,
    });
    const none = r.policies.none;
    const periodic = r.policies.periodic;
    if (none === undefined || periodic === undefined) throw new Error("missing results");
    const fees = 0.001 * value(1050) + 0.001 * value(1080); // day 2 closes out of range: nothing
    expect(none.attribution.lpFeesEarned).to.be.closeTo(fees, 1e-9);
    let first = 0;
    let il = 0;
    for (let t = 1; t < closes.length; t++) {
      const [p0, p1] = [closes[t - 1] as number, closes[t] as number];
      first += units(p0) * (p1 - p0);
      il += value(p1) - value(p0) - units(p0) * (p1 - p0);
    }
    expect(none.attribution.exposurePricePnl).to.be.closeTo(first, 1e-9);
    expect(none.attribution.impermanentLoss).to.be.closeTo(il, 1e-9);
    expect(il).to.be.lessThan(0);
    // The fees are cash of the book: the unhedged value holds them.
    expect((r.unhedgedValueUsd[3] as number) - value(1080)).to.be.closeTo(fees, 1e-9);
    expectIdentity(none, value(1000));
    expectIdentity(periodic, value(1000));
    expect(periodic.attribution.lpFeesEarned).to.be.closeTo(fees, 1e-9);
  });

  it("a cross hedge (QQQ in SPY): hedge price P&L at QQQ's return, the rest of SPY's move is basis", () => {
    // QQQ 300 → 306 → 303, SPY 400 → 404 → 410: with size s, day 1: s × 400 × 2 % = 8s, basis s × 4 − 8s;
    // day 2: s × 404 × (303/306 − 1), basis s × 6 − that.
    const r = runBacktest({
      history: history({ QQQ: [300, 306, 303], SPY: [400, 404, 410] }),
      exposures: [{ kind: "asset", asset: "QQQ", amount: 100 }],
      markets: { SPY: defaultBacktestMarket("SPY", 400) },
      hedgePolicy: { hedgeWith: { QQQ: "SPY" } },
      costs: { nativePrice: { usd: 2000 } },
      policies: ["static"],
    });
    const s = r.policies.static;
    if (s === undefined) throw new Error("no static result");
    const size = s.events[0]?.sizeDeltaUnits as number;
    expect(size).to.be.lessThan(0);
    const day2 = 404 * (303 / 306 - 1);
    expect(s.attribution.hedgePricePnl).to.be.closeTo(size * (8 + day2), 1e-9);
    expect(s.attribution.basis).to.be.closeTo(size * (4 - 8) + size * (6 - day2), 1e-9);
    expect(s.attribution.exposurePricePnl).to.be.closeTo(100 * (6 - 3), 1e-9);
    expectIdentity(s, 30_000);
  });

  it("rejects a negative or mis-sized lpFeeApr, naming the fix", () => {
    const base = {
      history: history({ ETH: [1000, 1010] }),
      exposures: [concentratedLp("ETH", 1000, 1000, 900, 1100)],
      markets: { ETH: defaultBacktestMarket("ETH", 1000) },
    };
    expect(() => runBacktest({ ...base, lpFeeApr: -0.1 })).to.throw(/fraction per year/);
    expect(() => runBacktest({ ...base, lpFeeApr: [0.1, 0.2] })).to.throw(/one APR per exposure/);
  });
});
