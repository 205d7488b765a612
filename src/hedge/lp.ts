// Constant-product (x·y = L²) ASSET/USD pool positions: value and delta as functions of the price.
import { HedgeInputError } from "./errors.js";
import type { Exposure } from "./types.js";

/** A full-range constant-product position worth `valueUsd` at `priceUsd`: liquidity L = value / (2·√price). */
export function constantProductLp(asset: string, valueUsd: number, priceUsd: number): Exposure {
  if (!(valueUsd > 0) || !Number.isFinite(valueUsd))
    throw new HedgeInputError({ field: "valueUsd", value: valueUsd, fix: "pass the LP position's USD value (> 0)" });
  if (!(priceUsd > 0) || !Number.isFinite(priceUsd))
    throw new HedgeInputError({ field: "priceUsd", value: priceUsd, fix: "pass the asset's USD price (> 0)" });
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

/** Delta of an exposure in units of its asset at `priceUsd`. */
export function exposureUnits(exposure: Exposure, priceUsd: number): number {
  return exposure.kind === "asset" ? exposure.amount : lpAssetUnits(exposure.liquidity, priceUsd);
}

/** Value of an exposure at `priceUsd` (USD). */
export function exposureValueUsd(exposure: Exposure, priceUsd: number): number {
  return exposure.kind === "asset" ? exposure.amount * priceUsd : lpValueUsd(exposure.liquidity, priceUsd);
}
