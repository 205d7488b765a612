// Port of contracts/libraries/FundingMath.sol: the velocity funding model (docs/units.md § Funding). Rates are WAD
// per day, the index is USD (WAD) per unit of the asset, sizes and skew are units (WAD); a positive rate means longs
// pay shorts.
import { SECONDS_PER_DAY, WAD } from "./constants.js";
import {
  abs,
  expectInt256,
  expectUint256,
  mulDiv,
  mulDivUpUnchecked,
  sadd,
  sdiv,
  smul,
  sneg,
  ssub,
  toInt256Unchecked,
} from "./evm.js";

/** Result of {@link accrue}. */
export type AccrueReturnType = {
  /** The rate at the end of the interval (WAD per day). */
  rate1: bigint;
  /** USD (WAD) per unit owed by a long over the interval, truncated towards zero. */
  indexDelta: bigint;
};

/** Result of {@link rateIntegral}. */
export type RateIntegralReturnType = {
  /** The rate at the end of the interval (WAD per day). */
  rate1: bigint;
  /** ∫ rate dt over the interval, in (WAD per day)·seconds. */
  integral: bigint;
};

/** Truncation towards zero keeps the model symmetric: a skew of −s moves the rate exactly as +s does. */
function mulDivTowardsZero(a: bigint, b: bigint, d: bigint): bigint {
  // Solidity: int256(Math.mulDiv(|a|, |b|, d)) is an unchecked cast, then a checked negation.
  const magnitude = toInt256Unchecked(mulDiv(abs(a), abs(b), d, "floor", "FundingMath._mulDivTowardsZero"));
  return a < 0n !== b < 0n ? sneg(magnitude, "FundingMath._mulDivTowardsZero: -magnitude") : magnitude;
}

/** clamp(skew / skewScale, −1, 1) in WAD, truncated towards zero (skew in units WAD, skewScale in units WAD). */
export function proportionalSkew(skew: bigint, skewScale: bigint): bigint {
  expectInt256("FundingMath.proportionalSkew", "skew", skew);
  expectUint256("FundingMath.proportionalSkew", "skewScale", skewScale);
  const p = sdiv(
    smul(skew, WAD, "FundingMath.proportionalSkew: skew * WAD"),
    toInt256Unchecked(skewScale),
    "FundingMath.proportionalSkew: skew * WAD / skewScale",
  );
  if (p > WAD) return WAD;
  if (p < -WAD) return -WAD;
  return p;
}

/** Funding rate after `elapsed` s (WAD per day) and index increment (USD WAD per unit, towards zero) at `priceWad`. */
export function accrue(
  rate0: bigint,
  skew: bigint,
  skewScale: bigint,
  maxVelocity: bigint,
  maxRate: bigint,
  elapsed: bigint,
  priceWad: bigint,
): AccrueReturnType {
  const fn = "FundingMath.accrue";
  expectInt256(fn, "rate0", rate0);
  expectInt256(fn, "skew", skew);
  expectUint256(fn, "skewScale", skewScale);
  expectUint256(fn, "maxVelocity", maxVelocity);
  expectUint256(fn, "maxRate", maxRate);
  expectUint256(fn, "elapsed", elapsed);
  expectUint256(fn, "priceWad", priceWad);
  if (elapsed === 0n) return { rate1: rate0, indexDelta: 0n };
  // slope: WAD per day per day; the casts int256(uint256) are unchecked in Solidity.
  const slope = mulDivTowardsZero(proportionalSkew(skew, skewScale), toInt256Unchecked(maxVelocity), WAD);
  const { rate1, integral } = rateIntegral(rate0, slope, toInt256Unchecked(maxRate), toInt256Unchecked(elapsed));
  // USD per unit = rate-seconds / 1 day · price, truncated towards zero.
  const indexDelta = mulDivTowardsZero(integral, toInt256Unchecked(priceWad), WAD * SECONDS_PER_DAY);
  return { rate1, indexDelta };
}

/** Rate (WAD/day) after `elapsed` s from `rate0` at `slope` (WAD/day²) capped at ±`cap`; its integral (WAD/day·s). */
export function rateIntegral(rate0: bigint, slope: bigint, cap: bigint, elapsed: bigint): RateIntegralReturnType {
  const fn = "FundingMath.rateIntegral";
  expectInt256(fn, "rate0", rate0);
  expectInt256(fn, "slope", slope);
  expectInt256(fn, "cap", cap);
  expectInt256(fn, "elapsed", elapsed);
  const day = SECONDS_PER_DAY;
  const unclamped = sadd(
    rate0,
    sdiv(smul(slope, elapsed, `${fn}: slope * elapsed`), day, `${fn}: slope * elapsed / 1 day`),
    `${fn}: rate0 + slope * elapsed / 1 day`,
  );
  // Same evaluation order as Solidity: `-cap` is only computed when `unclamped <= cap`.
  if (unclamped <= cap && unclamped >= sneg(cap, `${fn}: -cap`)) {
    const sum = sadd(rate0, unclamped, `${fn}: rate0 + rate1`);
    return { rate1: unclamped, integral: sdiv(smul(sum, elapsed, `${fn}: (rate0 + rate1) * elapsed`), 2n, fn) };
  }
  const rate1 = unclamped > cap ? cap : sneg(cap, `${fn}: -cap`);
  if (slope === 0n) return { rate1, integral: smul(rate1, elapsed, `${fn}: rate1 * elapsed`) };
  // bound · elapsed − (bound − rate0)² · 1 day / (2 · slope): the exact integral, the hit time is not rounded.
  const gap = ssub(rate1, rate0, `${fn}: rate1 - rate0`);
  const atBound = smul(rate1, elapsed, `${fn}: rate1 * elapsed`);
  const gapSquaredDays = smul(smul(gap, gap, `${fn}: gap * gap`), day, `${fn}: gap * gap * 1 day`);
  const correction = sdiv(gapSquaredDays, smul(2n, slope, `${fn}: 2 * slope`), `${fn}: gap² · day / (2 · slope)`);
  return { rate1, integral: ssub(atBound, correction, `${fn}: rate1 * elapsed - correction`) };
}

/** USD WAD a position of `size` owes (> 0: pays) as the index goes indexEntry → indexNow, rounded up against it. */
export function fundingOwedUp(size: bigint, indexEntry: bigint, indexNow: bigint): bigint {
  const fn = "FundingMath.fundingOwedUp";
  expectInt256(fn, "size", size);
  expectInt256(fn, "indexEntry", indexEntry);
  expectInt256(fn, "indexNow", indexNow);
  return mulDivUpUnchecked(size, ssub(indexNow, indexEntry, `${fn}: indexNow - indexEntry`), WAD);
}
