// The exposures' side of a backtest: their value on each day, the pool fees they earn and the split of their P&L
// (first order vs curvature), computed once per run and shared by every policy.
import { exposureUnits, exposureValueUsd } from "../hedge/lp.js";
import type { Exposure } from "../hedge/types.js";
import { exposureStepPnl } from "./attribution.js";
import { BacktestInputError } from "./errors.js";

/**
 * Pool fees one LP exposure earns over `days` at `priceUsd`: `aprPerYear` × its value × days / 365 while the price
 * is in its range (a concentrated position on [lower, upper), Uniswap's convention; a full-range one always), 0 out
 * of range and for spot. Simple interest: fees are paid out as USD, never added to the position.
 */
export function lpFeeUsd(exposure: Exposure, priceUsd: number, aprPerYear: number, days = 1): number {
  if (aprPerYear === 0 || exposure.kind === "asset") return 0;
  if (exposure.kind === "concentratedLp" && (priceUsd < exposure.lowerPriceUsd || priceUsd >= exposure.upperPriceUsd))
    return 0;
  return (aprPerYear * exposureValueUsd(exposure, priceUsd) * days) / 365;
}

/** The fee APR of each exposure from the input's `lpFeeApr` (a number: every LP exposure; an array: one each). */
export function resolveLpFeeAprs(
  exposures: readonly Exposure[],
  lpFeeApr: number | readonly (number | undefined)[] | undefined,
): number[] {
  if (Array.isArray(lpFeeApr) && lpFeeApr.length !== exposures.length)
    throw new BacktestInputError({
      code: "INVALID_LP_FEE_APR",
      summary: `lpFeeApr has ${lpFeeApr.length} entries for ${exposures.length} exposures.`,
      fix: "pass one APR per exposure (undefined for none), or one number for every LP exposure",
    });
  return exposures.map((_, i) => {
    const apr = typeof lpFeeApr === "number" ? lpFeeApr : ((lpFeeApr as readonly (number | undefined)[])?.[i] ?? 0);
    if (!(apr >= 0) || !Number.isFinite(apr))
      throw new BacktestInputError({
        code: "INVALID_LP_FEE_APR",
        summary: `lpFeeApr ${apr} (exposure ${i}) is not a fraction per year ≥ 0.`,
        fix: "pass the pool's fee APR as a fraction per year, e.g. 0.2 for 20 %",
      });
    return apr;
  });
}

/** The exposures over the run's days (index 0: the first day of the window). */
export type ExposureReplay = {
  /** Value of every exposure at each close plus the fees earned since the start (USD): the unhedged book. */
  valueUsd: number[];
  /** Per day (0 on the first): the exposures' first-order P&L, their curvature, the fees earned that day (USD). */
  pricePnlUsd: Float64Array;
  impermanentLossUsd: Float64Array;
  lpFeesUsd: Float64Array;
  /**
   * Per day and asset: |delta| × price at the previous close (USD), the weights of the exposure return a cross hedge
   * is compared with.
   */
  deltaNotionalUsd: Record<string, Float64Array>;
};

/** Replays the exposures on closes `closeOf(asset)` from day `i0` to `i1` with fee APRs `aprs` (one per exposure). */
export function replayExposures(
  exposures: readonly Exposure[],
  closeOf: (asset: string) => readonly number[],
  aprs: readonly number[],
  i0: number,
  i1: number,
): ExposureReplay {
  const days = i1 - i0 + 1;
  const out: ExposureReplay = {
    valueUsd: [],
    pricePnlUsd: new Float64Array(days),
    impermanentLossUsd: new Float64Array(days),
    lpFeesUsd: new Float64Array(days),
    deltaNotionalUsd: {},
  };
  for (const e of exposures) out.deltaNotionalUsd[e.asset] ??= new Float64Array(days);
  let feesUsd = 0;
  for (let t = i0; t <= i1; t++) {
    const d = t - i0;
    let value = 0;
    exposures.forEach((e, k) => {
      const prices = closeOf(e.asset);
      const now = prices[t] as number;
      value += exposureValueUsd(e, now);
      if (t === i0) return;
      const prev = prices[t - 1] as number;
      const step = exposureStepPnl(e, prev, now);
      out.pricePnlUsd[d] = (out.pricePnlUsd[d] ?? 0) + step.pricePnlUsd;
      out.impermanentLossUsd[d] = (out.impermanentLossUsd[d] ?? 0) + step.impermanentLossUsd;
      const fee = lpFeeUsd(e, now, aprs[k] as number);
      out.lpFeesUsd[d] = (out.lpFeesUsd[d] ?? 0) + fee;
      feesUsd += fee;
      const w = out.deltaNotionalUsd[e.asset] as Float64Array;
      w[d] = (w[d] ?? 0) + Math.abs(exposureUnits(e, prev) * prev);
    });
    out.valueUsd.push(value + feesUsd);
  }
  return out;
}
