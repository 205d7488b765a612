// Liquidation price of one isolated position. No Solidity counterpart: the contract only answers "is this account
// liquidatable now" (equity < maintenance margin); this solves that inequality for the oracle price.
import { WAD } from "./constants.js";
import { ParapetMathError } from "./errors.js";
import { abs, expectInt256, expectUint256 } from "./evm.js";

/** Inputs of {@link liquidationPrice}: one position alone in its account (isolated). */
export type LiquidationPriceParameters = {
  /** The account's collateral, USD WAD, signed (what `collateralOf` returns). */
  collateral: bigint;
  /** Units WAD, signed (long > 0), non-zero. */
  size: bigint;
  /** Stored entry price, USD WAD per unit. */
  entryPriceWad: bigint;
  /** Funding owed so far, USD WAD, positive = the position pays (`fundingOwedUp` at the current index). */
  fundingOwedUsd: bigint;
  /** The market's maintenance margin ratio, WAD fraction, below 1e18 (the vault keeps it below the initial one). */
  maintenanceMarginRatio: bigint;
  /** The market's flat liquidation fee per position, USD WAD. */
  liquidationFeeUsd: bigint;
};

/**
 * The contract's roundings move equity and maintenance margin by less than this (USD WAD wei): PnL is rounded down
 * (< 1 wei), the notional and the margin are each rounded up (< 1 wei each, the ratio being ≤ 1).
 */
const ROUNDING_ALLOWANCE = 2n;

/**
 * Oracle price (USD WAD per unit) at which the position's equity meets its maintenance margin, rounded towards the
 * current price; 0n for a long no positive price liquidates, `null` for a short no positive price keeps safe.
 *
 * With collateral C, funding owed F, liquidation fee L (USD WAD), size s (units WAD), entry e, ratio m and W = 1e18,
 * equity(P) − MM(P) = C − F − L + s·(P − e)/W − |s|·P·m/W² exactly (before the contract's roundings). Requiring it to
 * be at least 2 wei, which covers those roundings, gives P·(s·W − |s|·m) ≥ s·e·W − (C − F − L − 2)·W², so:
 * - long: P_liq = ⌈(s·e·W − (C − F − L − 2)·W²) / (s·(W − m))⌉, and at every price ≥ P_liq the contract computes
 *   equity ≥ maintenance margin (not liquidatable). Returns 0n when that bound is ≤ 0 (no positive price liquidates).
 * - short: P_liq = ⌊((C − F − L − 2)·W² − s·e·W) / (|s|·(W + m))⌋ (s < 0), and at every price ≤ P_liq the position is
 *   not liquidatable. Returns null when that bound is < 1 wei: no positive price is safe by this bound (the contract
 *   liquidates it at every price from ⌊2·W²/|s·W − |s|·m|⌋ + 2 wei up; below that it is within 2 wei of USD of it).
 * Rounding is conservative (closer to the current price): the contract's own threshold is never on the near side of
 * the result, and the contract does liquidate ⌊2·W²/|s·W − |s|·m|⌋ + 2 wei of price beyond it (4 wei for one unit at
 * m = 5 %). The funding owed is taken as given: funding that accrues later (and its dependence on the price) is not
 * projected here.
 */
export function liquidationPrice(parameters: LiquidationPriceParameters): bigint | null {
  const fn = "liquidationPrice";
  const { collateral, size, entryPriceWad, fundingOwedUsd, maintenanceMarginRatio, liquidationFeeUsd } = parameters;
  expectInt256(fn, "collateral", collateral);
  expectInt256(fn, "size", size);
  expectUint256(fn, "entryPriceWad", entryPriceWad);
  expectInt256(fn, "fundingOwedUsd", fundingOwedUsd);
  expectUint256(fn, "maintenanceMarginRatio", maintenanceMarginRatio);
  expectUint256(fn, "liquidationFeeUsd", liquidationFeeUsd);
  if (size === 0n) {
    throw new ParapetMathError({
      code: "OUT_OF_RANGE",
      argument: "size",
      summary: `${fn}: argument "size" is 0: a flat position has no liquidation price.`,
      fix: "Pass the signed size of an open position (units WAD, long > 0).",
    });
  }
  if (maintenanceMarginRatio >= WAD) {
    throw new ParapetMathError({
      code: "OUT_OF_RANGE",
      argument: "maintenanceMarginRatio",
      summary: `${fn}: argument "maintenanceMarginRatio" = ${maintenanceMarginRatio} is not below 1e18.`,
      fix: "Pass the market's maintenance margin ratio (WAD); the vault keeps it below the initial ratio ≤ 1e18.",
    });
  }
  // Exact integer arithmetic (no 256-bit limit: nothing here runs on-chain).
  const surplusAtZero = (collateral - fundingOwedUsd - liquidationFeeUsd - ROUNDING_ALLOWANCE) * WAD * WAD;
  const k = surplusAtZero - size * entryPriceWad * WAD; // W²·(equity − MM − allowance) at P = 0
  const slope = size * WAD - abs(size) * maintenanceMarginRatio; // W²·d(equity − MM)/dP: > 0 long, < 0 short
  if (size > 0n) {
    // P ≥ −k / slope
    const bound = ceilDivSigned(-k, slope);
    return bound > 0n ? bound : 0n;
  }
  // P ≤ k / −slope
  if (k < 0n) return null;
  const bound = k / -slope;
  return bound > 0n ? bound : null;
}

/** ⌈a / b⌉ for b > 0. */
function ceilDivSigned(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b < a ? q + 1n : q;
}
