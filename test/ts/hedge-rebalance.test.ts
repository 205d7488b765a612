import { expect } from "chai";
import {
  DEFAULT_TRADE_TO_BAND_FRACTION,
  type HedgeMarket,
  type HedgeState,
  planHedge,
  shouldRebalance,
} from "../../src/hedge/index.js";
import { ETH_AT_2000 } from "./helpers/hedgeMarkets.js";

// The hedge of the planner test: target −100 ETH at 2000 with 73 115 USD of collateral (731.15 USD per unit).
const DAY = 86_400_000;
const ETH: HedgeMarket = ETH_AT_2000;
const target = planHedge([{ kind: "asset", asset: "ETH", amount: 100 }], { markets: [ETH], pricesUsd: {} }).targets[0];
if (target === undefined) throw new Error("no target");

/** On target, healthy, just rebalanced; gas 250 000 × 20 gwei × 2000 USD = 10 USD. */
function state(over: Partial<HedgeState> = {}): HedgeState {
  return {
    target: target as NonNullable<typeof target>,
    sizeUnits: -100,
    equityUsd: 73_115,
    maintenanceMarginUsd: 10_005, // 100 × 2000 × 0.05 + 5
    priceUsd: 2000,
    lastRebalancePriceUsd: 2000,
    nowMs: 10 * DAY,
    lastRebalanceMs: 10 * DAY,
    dailyVolatility: 0.04,
    market: ETH,
    costs: { gasUnitsPerRebalance: 250_000, gasPriceGwei: 20, nativePriceUsd: 2000 },
    reserveAvailableUsd: Number.POSITIVE_INFINITY,
    ...over,
  };
}
const band = { trigger: { kind: "band", band: 0.1 } } as const;

describe("rebalancing rule (shouldRebalance)", () => {
  it("on target: no reason, no action; the numbers are still reported", () => {
    const d = shouldRebalance(state(), band);
    expect(d.act).to.equal(false);
    expect(d.reasons).to.deep.equal([]);
    expect(d.numbers.gasUsd).to.be.closeTo(10, 1e-9);
    expect(d.numbers.marginRatio).to.be.closeTo(73_115 / 10_005, 1e-12);
  });

  it("DELTA_BAND: 5 % off stays inside a 10 % band, 15 % off trades back to the target", () => {
    expect(shouldRebalance(state({ sizeUnits: -95 }), band).act).to.equal(false);
    const d = shouldRebalance(state({ sizeUnits: -85, equityUsd: 73_115 }), band);
    expect(d.act).to.equal(true);
    expect(d.reasons.map((r) => r.code)).to.deep.equal(["DELTA_BAND"]);
    expect(d.sizeDeltaUnits).to.be.closeTo(-15, 1e-12);
    // Collateral for 100 units is 73 115; equity 73 115 → nothing to add, and no excess above 1.5× to free.
    expect(d.collateralDeltaUsd).to.equal(0);
  });

  it("opens a hedge that is not on, with its collateral", () => {
    const d = shouldRebalance(state({ sizeUnits: 0, equityUsd: 0, maintenanceMarginUsd: 0 }), {
      trigger: { kind: "static" },
    });
    expect(d.act).to.equal(true);
    expect(d.sizeDeltaUnits).to.equal(-100);
    expect(d.collateralDeltaUsd).to.be.closeTo(73_115, 1e-9);
  });

  it("MARGIN: near maintenance, or a quarter of the buffer spent, tops up to the target's collateral without trading", () => {
    // 15 000 / 10 005 = 1.499 < 2.
    const near = shouldRebalance(state({ equityUsd: 15_000 }), { trigger: { kind: "static" } });
    expect(near.act).to.equal(true);
    expect(near.reasons.map((r) => r.code)).to.deep.equal(["MARGIN"]);
    expect(near.sizeDeltaUnits).to.equal(0);
    expect(near.collateralDeltaUsd).to.be.closeTo(58_115, 1e-9);
    // 50 000 < 0.75 × 73 115 = 54 836.25 while the ratio is still 5.
    const spent = shouldRebalance(state({ equityUsd: 50_000 }), { trigger: { kind: "static" } });
    expect(spent.reasons.map((r) => r.code)).to.deep.equal(["MARGIN"]);
    expect(spent.collateralDeltaUsd).to.be.closeTo(23_115, 1e-9);
  });

  it("MARGIN with too little reserve reduces the hedge to what equity + reserve support", () => {
    const d = shouldRebalance(state({ equityUsd: 15_000, reserveAvailableUsd: 20_000 }), {
      trigger: { kind: "static" },
    });
    // (15 000 + 20 000) / 731.15 per unit = 47.869 units: buy back 52.13 and add the whole 20 000.
    expect(d.act).to.equal(true);
    expect(d.sizeDeltaUnits).to.be.closeTo(100 - 35_000 / 731.15, 1e-9);
    expect(d.collateralDeltaUsd).to.be.closeTo(20_000, 1e-9);
  });

  it("MARKET_CLOSED: a closed market vetoes (not ORACLE), naming the reopen; even a margin call waits for it", () => {
    const reopensAt = Date.UTC(2026, 11, 6, 22, 0) / 1000; // a Sunday 22:00 UTC
    const closed = shouldRebalance(
      state({
        sizeUnits: -85,
        equityUsd: 15_000,
        oracle: { ok: false, reason: "MarketClosed" },
        market: { ...ETH, closed: { reason: "MARKET_CLOSED", reopensAt } },
      }),
      band,
    );
    expect(closed.act).to.equal(false);
    expect(closed.reasons.map((r) => r.code)).to.include.members(["MARGIN", "DELTA_BAND"]);
    expect(closed.vetoes.map((v) => v.code)).to.deep.equal(["MARKET_CLOSED"]);
    expect(closed.vetoes[0]?.message).to.contain("2026-12-06T22:00:00.000Z");
    const pending = shouldRebalance(
      state({ sizeUnits: -85, market: { ...ETH, closed: { reason: "REOPEN_ROUND_PENDING", reopensAt: undefined } } }),
      band,
    );
    expect(pending.act).to.equal(false);
    expect(pending.vetoes[0]?.message).to.contain("until its reopen round");
  });

  it("CLOSING_MARGIN: ahead of the closing window, equity below the closing maintenance margin tops up to the target", () => {
    // A market that closes with a 16 % closing margin: short 100 at 2000 needs 0.16 × 200 000 + 5 = 32 005 USD from
    // the window on. The ordinary margin call is off here (equity / MM = 3), so only the closing margin can act.
    const hours = { closingMaintenanceMarginRatio: 0.16, reopenGapRatio: 0.1045 };
    const policy = { ...band, marginCallRatio: 1.5, collateralCallFraction: 0 };
    const nowMs = 10 * DAY;
    const windowAt = nowMs + 2 * 3_600_000; // the window opens in 2 h (within the 6 h lead)
    const low = state({ equityUsd: 30_000, market: { ...ETH, hours }, closingWindowStartsAtMs: windowAt });
    const d = shouldRebalance(low, policy);
    expect(d.act).to.equal(true);
    expect(d.reasons.map((r) => r.code)).to.deep.equal(["CLOSING_MARGIN"]);
    expect(d.reasons[0]?.atMs).to.equal(windowAt);
    expect(d.reasons[0]?.message).to.contain("32005.00 USD (16.00 %)");
    expect(d.reasons[0]?.message).to.contain(new Date(windowAt).toISOString());
    // Collateral only, to the target's collateral; no trade.
    expect(d.sizeDeltaUnits).to.equal(0);
    expect(d.collateralDeltaUsd).to.be.closeTo((target?.collateralUsd ?? 0) - 30_000, 1e-9);
    // It overrides a gas cap, as a margin call does.
    const capped = shouldRebalance(low, { ...policy, gasCapGwei: 1 });
    expect([capped.act, capped.vetoes.map((v) => v.code)]).to.deep.equal([true, ["GAS_CAP"]]);
    // Inside the window too; not 10 h ahead (beyond the lead); not with equity above it; not without hours.
    expect(shouldRebalance({ ...low, nowMs: windowAt + 60_000 }, policy).act).to.equal(true);
    expect(shouldRebalance({ ...low, closingWindowStartsAtMs: nowMs + 10 * 3_600_000 }, policy).act).to.equal(false);
    expect(shouldRebalance({ ...low, equityUsd: 32_100 }, policy).act).to.equal(false);
    expect(shouldRebalance({ ...low, market: ETH }, policy).act).to.equal(false);
    expect(
      shouldRebalance({ ...low, closingWindowStartsAtMs: nowMs + 10 * 3_600_000 }, { ...policy, closingLeadMs: DAY })
        .reasons[0]?.code,
    ).to.equal("CLOSING_MARGIN");
    // Once closed, the MARKET_CLOSED veto wins: nothing can be topped up while the market is shut.
    const shut = shouldRebalance(
      { ...low, market: { ...ETH, hours, closed: { reason: "MARKET_CLOSED", reopensAt: 1 } } },
      policy,
    );
    expect([shut.act, shut.vetoes.map((v) => v.code)]).to.deep.equal([false, ["MARKET_CLOSED"]]);
  });

  it("vetoes: a bad oracle or a failing simulation stops everything; a gas cap stops all but a margin call", () => {
    const oracle = shouldRebalance(state({ equityUsd: 15_000, oracle: { ok: false, reason: "StalePrice" } }), band);
    expect(oracle.act).to.equal(false);
    expect(oracle.vetoes.map((v) => v.code)).to.deep.equal(["ORACLE"]);
    const sim = shouldRebalance(
      state({
        sizeUnits: -85,
        costs: {
          gasUnitsPerRebalance: 250_000,
          gasPriceGwei: 20,
          nativePriceUsd: 2000,
          simulation: { ok: false, error: "Expired" },
        },
      }),
      band,
    );
    expect(sim.act).to.equal(false);
    expect(sim.vetoes.map((v) => v.code)).to.deep.equal(["SIMULATION"]);
    const expensive = { gasUnitsPerRebalance: 250_000, gasPriceGwei: 100, nativePriceUsd: 2000 };
    const capped = shouldRebalance(state({ sizeUnits: -85, costs: expensive }), { ...band, gasCapGwei: 50 });
    expect(capped.act).to.equal(false);
    expect(capped.vetoes.map((v) => v.code)).to.deep.equal(["GAS_CAP"]);
    const marginCall = shouldRebalance(state({ sizeUnits: -85, equityUsd: 10_000, costs: expensive }), {
      ...band,
      gasCapGwei: 50,
    });
    expect(marginCall.act).to.equal(true);
    expect(marginCall.sizeDeltaUnits).to.equal(0); // the band's trade waits for cheaper gas; the top-up does not
    expect(marginCall.collateralDeltaUsd).to.be.closeTo(85 * 731.15 - 10_000, 1e-9);
  });

  it("gas-aware: acts only when λ·D²·σ²·h exceeds gas + fees + impact", () => {
    const gasAware = {
      trigger: { kind: "gas-aware", riskAversion: 3, horizonDays: 1, portfolioValueUsd: 1_000_000 },
    } as const;
    // a = 3 / 1e6 × 0.04² × 1 = 4.8e-9 per USD.
    // 50 units off: D = 100 000 → risk 4.8e-9 × 1e10 = 48; cost = gas 10 + fee 50 × 2000 × 0.0005 = 50
    //   + impact 50 × 2000 × (0 + 50) / 2 / 1e6 = 2.5 → 62.5 > 48: wait.
    const small = shouldRebalance(state({ sizeUnits: -50 }), gasAware);
    expect(small.numbers.riskRemovedUsd).to.be.closeTo(48, 1e-9);
    expect(small.numbers.costUsd).to.be.closeTo(62.5, 1e-9);
    expect(small.act).to.equal(false);
    // 80 units off: D = 160 000 → risk 4.8e-9 × 2.56e10 = 122.88; cost 10 + 80 + 6.4 = 96.4: act.
    const large = shouldRebalance(state({ sizeUnits: -20 }), gasAware);
    expect(large.numbers.riskRemovedUsd).to.be.closeTo(122.88, 1e-9);
    expect(large.numbers.costUsd).to.be.closeTo(96.4, 1e-9);
    expect(large.act).to.equal(true);
    expect(large.reasons.map((r) => r.code)).to.deep.equal(["DELTA_BAND"]);
    // Break-even: c = 86.4 / 160 000 = 5.4e-4 per USD; D* = (c + √(c² + 4 a gas)) / 2a
    //   = (5.4e-4 + √(2.916e-7 + 1.92e-7)) / 9.6e-9 = 128 689.6...
    expect(large.numbers.breakEvenDriftUsd).to.be.closeTo((5.4e-4 + Math.sqrt(2.916e-7 + 1.92e-7)) / 9.6e-9, 1e-6);
  });

  it("gas-aware stops inside its band (tradeToBandFraction, default 0.7 of D*); a margin call, a zero target and 0 go all the way", () => {
    const trigger = { kind: "gas-aware", riskAversion: 3, horizonDays: 1, portfolioValueUsd: 1_000_000 } as const;
    expect(DEFAULT_TRADE_TO_BAND_FRACTION).to.equal(0.7);
    // 80 units off at 2000 (D = 160 000 USD > D* ≈ 128 690): it trades 80 − 0.7 × D* / 2000 units, not 80.
    const d = shouldRebalance(state({ sizeUnits: -20 }), { trigger });
    const left = (0.7 * d.numbers.breakEvenDriftUsd) / 2000;
    expect(d.act).to.equal(true);
    expect(d.sizeDeltaUnits).to.be.closeTo(-(80 - left), 1e-9);
    // The hedge is left 0.7 × D* short of target, on the side it drifted to (under-hedged here).
    expect(-100 - (-20 + d.sizeDeltaUnits)).to.be.closeTo(-left, 1e-9);
    // Collateral follows the size held after the trade: 731.15 per unit; equity 73 115 is above 1.5× that, so the
    // excess is freed to the reserve.
    expect(d.collateralDeltaUsd).to.be.closeTo(731.15 * (100 - left) - 73_115, 1e-6);
    const toTarget = shouldRebalance(state({ sizeUnits: -20 }), { trigger: { ...trigger, tradeToBandFraction: 0 } });
    expect(toTarget.sizeDeltaUnits).to.be.closeTo(-80, 1e-12);
    // A margin call with the drift trades all the way (the margin must be fixed at the size the plan wants).
    const call = shouldRebalance(state({ sizeUnits: -20, equityUsd: 3000, maintenanceMarginUsd: 2005 }), { trigger });
    expect(call.reasons.map((r) => r.code)).to.include("MARGIN");
    expect(call.sizeDeltaUnits).to.be.closeTo(-80, 1e-12);
    // A zero target (a range left above, a hedge to close) is reached in full.
    const zero = shouldRebalance(
      state({ target: { ...(target as NonNullable<typeof target>), sizeUnits: 0, collateralUsd: 0 } }),
      { trigger },
    );
    expect(zero.act).to.equal(true);
    expect(zero.sizeDeltaUnits).to.be.closeTo(100, 1e-12);
  });

  it("TIME (periodic) and PRICE_MOVE name why a hedge inside its band is touched", () => {
    const periodic = { trigger: { kind: "periodic", intervalMs: DAY } } as const;
    expect(shouldRebalance(state({ sizeUnits: -99, nowMs: 10 * DAY + DAY / 2 }), periodic).act).to.equal(false);
    const due = shouldRebalance(state({ sizeUnits: -99, nowMs: 11 * DAY }), periodic);
    expect(due.reasons.map((r) => r.code)).to.deep.equal(["TIME"]);
    expect(due.sizeDeltaUnits).to.be.closeTo(-1, 1e-12);
    // Nothing to trade (drift ≤ 0.1 %): a period passing alone sends nothing.
    expect(shouldRebalance(state({ nowMs: 11 * DAY }), periodic).act).to.equal(false);
    const moved = shouldRebalance(state({ sizeUnits: -99, priceUsd: 2300 }), { ...band, priceMove: 0.1 });
    expect(moved.reasons.map((r) => r.code)).to.deep.equal(["PRICE_MOVE"]);
    expect(moved.numbers.priceMove).to.be.closeTo(0.15, 1e-12);
  });

  it("frees collateral only above 1.5× the target's, when acting anyway", () => {
    const d = shouldRebalance(state({ sizeUnits: -85, equityUsd: 200_000 }), band);
    // Target for 100 units: 73 115; 200 000 > 1.5 × 73 115 → free 126 885.
    expect(d.collateralDeltaUsd).to.be.closeTo(73_115 - 200_000, 1e-9);
  });
});
