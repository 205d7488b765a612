// A hand-made BacktestResult for renderer and CLI tests (the engine is not needed to test what reads its output).
import { PnlLedger } from "../../../src/backtest/attribution.js";
import {
  BACKTEST_POLICY_NAMES,
  type BacktestEvent,
  type BacktestPolicyName,
  type BacktestPolicyResult,
  type BacktestResult,
} from "../../../src/backtest/types.js";

const DAY_MS = 86_400_000;

/** `days` days from 2020-01-01, one policy per name, deterministic wavy series, a few events and fits. */
export function makeBacktestResult(
  days: number,
  policies: readonly BacktestPolicyName[] = BACKTEST_POLICY_NAMES,
): BacktestResult {
  const start = Date.UTC(2020, 0, 1);
  const dates = Array.from({ length: days }, (_, i) => new Date(start + i * DAY_MS).toISOString().slice(0, 10));
  const unhedgedValueUsd = dates.map((_, i) => 1_000_000 * (1 + 0.3 * Math.sin(i / 40) + 0.001 * i));
  const out: BacktestResult["policies"] = {};
  policies.forEach((name, k) => {
    const events: BacktestEvent[] = [];
    for (let i = 0; i < days; i += 7 * (k + 1)) {
      events.push({
        dayIndex: i,
        date: dates[i] ?? "",
        kind: i === 0 ? "open" : "rebalance",
        marketAsset: "ETH",
        reasons: ["DELTA_BAND"],
        sizeDeltaUnits: 1,
        collateralDeltaUsd: 100,
        costUsd: 5,
      });
    }
    if (name === "static" && days > 100) {
      events.push({
        dayIndex: 100,
        date: dates[100] ?? "",
        kind: "liquidation",
        marketAsset: "ETH",
        reasons: ["price"],
        sizeDeltaUnits: 10,
        collateralDeltaUsd: -1000,
        costUsd: 50,
      });
    }
    const valueUsd = unhedgedValueUsd.map((v, i) => 1_000_000 + (v - 1_000_000) * 0.1 * (k + 1) + i);
    const carryCumulativeUsd = dates.map((_, i) => i * 10 * (k + 1));
    // An attribution that sums to valueUsd − unhedgedValueUsd[0]: the exposure's move, the carry, the hedge the rest.
    const pnl = new PnlLedger();
    dates.forEach((_, i) => {
      const dExposure = (unhedgedValueUsd[i] as number) - (unhedgedValueUsd[i - 1] ?? (unhedgedValueUsd[0] as number));
      const dCarry = (carryCumulativeUsd[i] as number) - (carryCumulativeUsd[i - 1] ?? 0);
      const dValue = (valueUsd[i] as number) - (valueUsd[i - 1] ?? (unhedgedValueUsd[0] as number));
      pnl.add("exposurePricePnl", dExposure);
      pnl.add("fundingCarry", -dCarry);
      pnl.add("hedgePricePnl", dValue - dExposure + dCarry);
      pnl.closeDay();
    });
    const result: BacktestPolicyResult = {
      name,
      outsideFundingUsd: 0,
      metrics: {
        varianceReduction: 0.9 - 0.1 * k,
        carryUsd: 12_345.678 * (k + 1),
        feesUsd: 1_000 + k,
        gasUsd: 42.5,
        rebalances: events.length,
        reserveDrawnUsd: 5_000,
        liquidations: name === "static" ? 1 : 0,
        maxDrawdown: 0.05 * (k + 1),
        gapLiquidations: 0,
        gapBadDebtUsd: 0,
        closingLiquidations: 0,
        closingMarginCarryUsd: 0,
        closingMarginExtraCollateralUsd: 0,
      },
      series: {
        valueUsd,
        carryCumulativeUsd,
        marginRatio: dates.map((_, i) => (name === "none" ? Number.NaN : 1.2 + 3 * Math.abs(Math.sin(i / 30)))),
        hedgeRatio: dates.map(() => (name === "none" ? 0 : 0.9)),
        attribution: pnl.series,
      },
      attribution: pnl.totals(),
      events,
      carryLedger: [],
    };
    out[name] = result;
  });
  const fits: BacktestResult["fits"] = [];
  for (let i = 90; i < days; i += 30) {
    fits.push({
      date: dates[i] ?? "",
      exposureAsset: "QQQ",
      marketAsset: "SPY",
      ratio: 1.1 + 0.01 * Math.sin(i),
      rSquared: 0.9,
    });
  }
  return {
    dates,
    unhedgedValueUsd,
    policies: out,
    fits,
    warnings: [{ code: "LOW_R_SQUARED", message: "QQQ→SPY fit R² 0.55 < 0.6" }],
    settings: { hedgePolicy: { ratioBounds: [0.5, 1], firstAccountIndex: 1n }, policies },
    elapsedMs: 1234,
  };
}
