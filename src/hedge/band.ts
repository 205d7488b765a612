// The gas-aware rule's break-even drift, and the rebalancing band it implies for a position with gamma. One place for
// both: `shouldRebalance` decides with the first, `planHedge` reports the second (and neither imports the other).
import type { HedgeTargetGammaBand } from "./types.js";

/**
 * Default share of the break-even drift the gas-aware trigger leaves in place when the drift alone calls for a trade
 * (`tradeToBandFraction`): measured on the shipped ETH history (docs/hedging.md, "Rebalancing targets"), 0.7 keeps
 * ≥ 95 % of daily rebalancing's variance reduction at ≤ half its cost for a ±20 % range as well as for full range.
 */
export const DEFAULT_TRADE_TO_BAND_FRACTION = 0.7;

/** Default relative risk aversion of the gas-aware trigger: λ = riskAversion / portfolio value. */
export const DEFAULT_RISK_AVERSION = 3;

/**
 * The drift D (USD) at which λ·D²·σ²·h = gas + c·D, i.e. the positive root D* = (c + √(c² + 4·a·gas)) / 2a with
 * a = λ·σ²·h (per USD) and c the fee + impact per USD traded. Above it, acting removes more risk than it costs.
 * Infinity when a = 0 (no volatility: drift carries no risk).
 */
export function breakEvenDriftUsd(a: number, costPerUsd: number, gasUsd: number): number {
  return a > 0
    ? (costPerUsd + Math.sqrt(costPerUsd * costPerUsd + 4 * a * gasUsd)) / (2 * a)
    : Number.POSITIVE_INFINITY;
}

export type GammaBandParameters = {
  /** Σ gamma of the exposures (units of the exposure asset per USD of its price). */
  gammaUnitsPerUsd: number;
  /** Hedge ratio (hedge notional / exposure notional). */
  ratio: number;
  /** Price of the exposure asset (USD) and of the hedge market (USD). */
  exposurePriceUsd: number;
  marketPriceUsd: number;
  /** Target hedge size (market units); the band as a fraction is of |this|. */
  hedgeUnits: number;
  dailyVolatility: number;
  riskAversion?: number | undefined;
  horizonDays: number;
  portfolioValueUsd: number;
  /** Fee (and impact) per USD traded, e.g. the market's taker fee. */
  costPerUsd: number;
  gasUsd: number;
};

/**
 * The band a position with gamma Γ calls for under the gas-aware rule: its delta moves by Γ·ΔP, so the hedge drifts by
 * r·|Γ|·ΔP exposure units, worth r·|Γ|·ΔP·P USD; over h days ΔP ≈ P·σ·√h. The band is the break-even drift D*; the
 * expected time to reach it is the h at which r·|Γ|·P²·σ·√h = D*.
 */
export function gammaBand(p: GammaBandParameters): HedgeTargetGammaBand {
  const lambda = (p.riskAversion ?? DEFAULT_RISK_AVERSION) / p.portfolioValueUsd;
  const a = lambda * p.dailyVolatility ** 2 * p.horizonDays;
  const breakEven = breakEvenDriftUsd(a, p.costPerUsd, p.gasUsd);
  // USD drift per unit of √days: r·|Γ|·P²·σ.
  const driftUsdPerSqrtDay = p.ratio * Math.abs(p.gammaUnitsPerUsd) * p.exposurePriceUsd ** 2 * p.dailyVolatility;
  return {
    gammaUnitsPerUsd: p.gammaUnitsPerUsd,
    dailyVolatility: p.dailyVolatility,
    horizonDays: p.horizonDays,
    expectedDriftUnits: (driftUsdPerSqrtDay * Math.sqrt(p.horizonDays)) / p.marketPriceUsd,
    breakEvenDriftUsd: breakEven,
    bandUnits: breakEven / p.marketPriceUsd,
    bandFraction:
      p.hedgeUnits !== 0 ? breakEven / (Math.abs(p.hedgeUnits) * p.marketPriceUsd) : Number.POSITIVE_INFINITY,
    expectedDaysToBand: driftUsdPerSqrtDay > 0 ? (breakEven / driftUsdPerSqrtDay) ** 2 : Number.POSITIVE_INFINITY,
    gasUsd: p.gasUsd,
  };
}
