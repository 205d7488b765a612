// Port of contracts/libraries/PricingMath.sol: skew-based fill price and maker/taker fees (docs/units.md § Pricing).
// Prices are USD WAD per unit, sizes and skew units WAD, fee ratios WAD fractions.
import { WAD } from "./constants.js";
import {
  abs,
  expectInt256,
  expectUint256,
  mulDiv,
  mulDivDownUnchecked,
  mulDivUpUnchecked,
  sadd,
  smul,
  toInt256Unchecked,
  uadd,
  umul,
} from "./evm.js";

/** Fill price, USD WAD per unit: oracle·(1 + (skewBefore + skewAfter)/2/skewScale), up for a buy, down otherwise. */
export function fillPrice(oraclePriceWad: bigint, skewBefore: bigint, sizeDelta: bigint, skewScale: bigint): bigint {
  const fn = "PricingMath.fillPrice";
  expectUint256(fn, "oraclePriceWad", oraclePriceWad);
  expectInt256(fn, "skewBefore", skewBefore);
  expectInt256(fn, "sizeDelta", sizeDelta);
  expectUint256(fn, "skewScale", skewScale);
  const skewSum = sadd(smul(2n, skewBefore, `${fn}: 2 * skewBefore`), sizeDelta, `${fn}: 2 * skewBefore + sizeDelta`);
  const oracle = toInt256Unchecked(oraclePriceWad); // Solidity: int256(oraclePriceWad), unchecked
  const denominator = umul(2n, skewScale, `${fn}: 2 * skewScale`);
  const premium =
    sizeDelta > 0n
      ? mulDivUpUnchecked(oracle, skewSum, denominator)
      : mulDivDownUnchecked(oracle, skewSum, denominator);
  return sadd(oracle, premium, `${fn}: oracle + premium`);
}

function feeUp(size: bigint, priceWad: bigint, ratio: bigint): bigint {
  const notional = mulDiv(size, priceWad, WAD, "ceil", "PricingMath._feeUp: size * price");
  return mulDiv(notional, ratio, WAD, "ceil", "PricingMath._feeUp: notional * ratio");
}

/** Trade fee, USD WAD, rounded up: maker ratio on the part that reduces |skew|, taker ratio on the rest, at fill. */
export function tradeFeeUp(
  skewBefore: bigint,
  sizeDelta: bigint,
  fillPriceWad: bigint,
  takerFeeRatio: bigint,
  makerFeeRatio: bigint,
): bigint {
  const fn = "PricingMath.tradeFeeUp";
  expectInt256(fn, "skewBefore", skewBefore);
  expectInt256(fn, "sizeDelta", sizeDelta);
  expectUint256(fn, "fillPriceWad", fillPriceWad);
  expectUint256(fn, "takerFeeRatio", takerFeeRatio);
  expectUint256(fn, "makerFeeRatio", makerFeeRatio);
  const absDelta = abs(sizeDelta);
  let makerSize = 0n;
  if ((skewBefore > 0n && sizeDelta < 0n) || (skewBefore < 0n && sizeDelta > 0n)) {
    // Math.min(|sizeDelta|, |skewBefore|); JavaScript's Math.min does not take bigints.
    makerSize = abs(skewBefore);
    if (absDelta < makerSize) makerSize = absDelta;
  }
  const takerSize = absDelta - makerSize;
  let feeUsd = 0n;
  if (makerSize !== 0n) feeUsd = feeUp(makerSize, fillPriceWad, makerFeeRatio);
  if (takerSize !== 0n) feeUsd = uadd(feeUsd, feeUp(takerSize, fillPriceWad, takerFeeRatio), `${fn}: maker + taker`);
  return feeUsd;
}
