// Pool positions against USD: value, delta (units of the asset held) and gamma as functions of the price. Full range
// (constant product, x·y = L²) and concentrated (Uniswap v3 style, one price range); `number` maths for the planner
// and the backtester. The chain's exact bigint amounts are `src/uniswap` (same formulas, Uniswap's rounding).
import { HedgeInputError } from "./errors.js";
import type { Exposure } from "./types.js";

type ConcentratedLp = Extract<Exposure, { kind: "concentratedLp" }>;

function positive(field: string, value: number, fix: string): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new HedgeInputError({ field, value, fix });
}

/** A full-range constant-product position worth `valueUsd` at `priceUsd`: liquidity L = value / (2·√price). */
export function constantProductLp(asset: string, valueUsd: number, priceUsd: number): Exposure {
  positive("valueUsd", valueUsd, "pass the LP position's USD value (> 0)");
  positive("priceUsd", priceUsd, "pass the asset's USD price (> 0)");
  return { kind: "constantProductLp", asset, liquidity: valueUsd / (2 * Math.sqrt(priceUsd)) };
}

/** Units of the asset the position holds at `priceUsd` (its delta): L / √price. */
export function lpAssetUnits(liquidity: number, priceUsd: number): number {
  return liquidity / Math.sqrt(priceUsd);
}

/** Value of the position at `priceUsd`: half asset, half USD, 2·L·√price. */
export function lpValueUsd(liquidity: number, priceUsd: number): number {
  return 2 * liquidity * Math.sqrt(priceUsd);
}

/**
 * A concentrated position on [`lowerPriceUsd`, `upperPriceUsd`) worth `valueUsd` at `priceUsd` (which may be outside
 * the range: the position is then all asset below it, all USD above it).
 */
export function concentratedLp(
  asset: string,
  valueUsd: number,
  priceUsd: number,
  lowerPriceUsd: number,
  upperPriceUsd: number,
): ConcentratedLp {
  positive("valueUsd", valueUsd, "pass the LP position's USD value (> 0)");
  positive("priceUsd", priceUsd, "pass the asset's USD price (> 0)");
  positive("lowerPriceUsd", lowerPriceUsd, "pass the range's lower price in USD (> 0)");
  if (!(upperPriceUsd > lowerPriceUsd) || !Number.isFinite(upperPriceUsd))
    throw new HedgeInputError({
      field: "upperPriceUsd",
      value: upperPriceUsd,
      fix: `pass an upper price above the lower one (${lowerPriceUsd})`,
    });
  const unit = { kind: "concentratedLp" as const, asset, liquidity: 1, lowerPriceUsd, upperPriceUsd };
  return { ...unit, liquidity: valueUsd / concentratedValueUsd(unit, priceUsd) };
}

/** Asset units and USD a concentrated position holds at `priceUsd` (fees excluded). */
export function concentratedAmounts(
  p: Pick<ConcentratedLp, "liquidity" | "lowerPriceUsd" | "upperPriceUsd">,
  priceUsd: number,
): { assetUnits: number; usd: number } {
  const sa = Math.sqrt(p.lowerPriceUsd);
  const sb = Math.sqrt(p.upperPriceUsd);
  const s = Math.min(Math.max(Math.sqrt(priceUsd), sa), sb);
  return { assetUnits: p.liquidity * (1 / s - 1 / sb), usd: p.liquidity * (s - sa) };
}

/** Value of a concentrated position at `priceUsd`, its uncollected fees included. */
export function concentratedValueUsd(p: ConcentratedLp, priceUsd: number): number {
  const { assetUnits, usd } = concentratedAmounts(p, priceUsd);
  return assetUnits * priceUsd + usd + (p.feesAssetUnits ?? 0) * priceUsd + (p.feesUsd ?? 0);
}

/**
 * d(delta)/d(price) of a concentrated position (units per USD): −L / (2·P^{3/2}) inside the range, 0 outside (the
 * position no longer trades there). Drives the rebalancing band: the hedge drifts by gamma·ΔP.
 */
export function concentratedGamma(
  p: Pick<ConcentratedLp, "liquidity" | "lowerPriceUsd" | "upperPriceUsd">,
  priceUsd: number,
): number {
  if (priceUsd <= p.lowerPriceUsd || priceUsd >= p.upperPriceUsd) return 0;
  return -p.liquidity / (2 * priceUsd ** 1.5);
}

/** Delta of an exposure in units of its asset at `priceUsd` (a concentrated position's fees in the asset included). */
export function exposureUnits(exposure: Exposure, priceUsd: number): number {
  switch (exposure.kind) {
    case "asset":
      return exposure.amount;
    case "constantProductLp":
      return lpAssetUnits(exposure.liquidity, priceUsd);
    case "concentratedLp":
      return concentratedAmounts(exposure, priceUsd).assetUnits + (exposure.feesAssetUnits ?? 0);
  }
}

/** Gamma of an exposure (units of the asset per USD of price) at `priceUsd`. */
export function exposureGamma(exposure: Exposure, priceUsd: number): number {
  switch (exposure.kind) {
    case "asset":
      return 0;
    case "constantProductLp":
      return -exposure.liquidity / (2 * priceUsd ** 1.5);
    case "concentratedLp":
      return concentratedGamma(exposure, priceUsd);
  }
}

/** Value of an exposure at `priceUsd` (USD). */
export function exposureValueUsd(exposure: Exposure, priceUsd: number): number {
  switch (exposure.kind) {
    case "asset":
      return exposure.amount * priceUsd;
    case "constantProductLp":
      return lpValueUsd(exposure.liquidity, priceUsd);
    case "concentratedLp":
      return concentratedValueUsd(exposure, priceUsd);
  }
}
