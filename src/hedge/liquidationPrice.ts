// The liquidation price of an isolated position with projected funding, in `number` analytics (USD, fractions): one
// formula for the hedge planner (stops, collateral) and the stress scenarios of risk/, kept here, in the lower layer.
import { ParapetInputError } from "../parapetError.js";

export type LiquidationPriceUsdParameters = {
  /** Units, negative for a short; non-zero. */
  sizeUnits: number;
  entryPriceUsd: number;
  collateralUsd: number;
  maintenanceMarginRatio: number;
  liquidationFeeUsd: number;
  /** Current price, for projecting funding (default the entry price). */
  priceUsd?: number | undefined;
  /** Funding rate held over the horizon, fraction per day, positive: longs pay (default 0). */
  fundingRatePerDay?: number | undefined;
  /** Days of funding to project (default 0: funding held where it is, as the vault's `liquidationPrice`). */
  horizonDays?: number | undefined;
  /** Funding accrued and not yet settled (USD, positive: the position pays; default 0). */
  fundingOwedUsd?: number | undefined;
};
/** The price (USD per unit) at which equity meets maintenance margin, clamped at 0 (see `liquidationPriceUsd`). */
export type LiquidationPriceUsdReturnType = number;

/**
 * Oracle price at which an isolated account (one position, size s, entry e, collateral C, ratio m, fee L) reaches
 * equity = maintenance margin, with the funding projected over a horizon:
 *   F = fundingOwed + s · price · rate · days   (funding paid over the horizon, at today's price and rate)
 *   C − F + s·(P − e) = |s|·P·m + L   ⇒   P = (s·e − C + F + L) / (s − |s|·m)
 * Linearisation: the projected funding is charged at today's price and a constant rate, so it does not depend on P
 * (the vault accrues `rate · Δt · oraclePrice` along the path, and the rate drifts with skew). With a zero horizon
 * this is the vault's `liquidationPrice` (which holds funding at its current value). A long is liquidated below the
 * result and a short above it. The result is clamped at 0: for a long 0 means no positive price liquidates it, for a
 * short it means every positive price does (it is already below maintenance margin).
 */
export function liquidationPriceUsd(parameters: LiquidationPriceUsdParameters): LiquidationPriceUsdReturnType {
  const { sizeUnits: s, entryPriceUsd: e, collateralUsd: c, maintenanceMarginRatio: m } = parameters;
  expectFinite("sizeUnits", s);
  expectFinite("entryPriceUsd", e);
  expectFinite("collateralUsd", c);
  expectRatio("maintenanceMarginRatio", m);
  expectFinite("liquidationFeeUsd", parameters.liquidationFeeUsd);
  if (s === 0) {
    throw new ParapetInputError("sizeUnits", "0: a flat position has no liquidation price.", "Pass a non-zero size.");
  }
  const projectedFundingUsd =
    s * (parameters.priceUsd ?? e) * (parameters.fundingRatePerDay ?? 0) * (parameters.horizonDays ?? 0);
  const fundingUsd = (parameters.fundingOwedUsd ?? 0) + projectedFundingUsd;
  expectFinite("funding", fundingUsd);
  const price = (s * e - c + fundingUsd + parameters.liquidationFeeUsd) / (s - Math.abs(s) * m);
  return Math.max(price, 0);
}

/** Throws a ParapetInputError unless `value` is a finite number. */
export function expectFinite(argument: string, value: number): void {
  if (!Number.isFinite(value)) {
    throw new ParapetInputError(argument, `${value} is not a finite number.`, "Pass a finite number.");
  }
}

/** Throws a ParapetInputError unless `value` is a ratio in [0, 1). */
export function expectRatio(argument: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || value >= 1) {
    throw new ParapetInputError(argument, `${value} is not in [0, 1).`, "Pass the market's ratio as a fraction.");
  }
}
