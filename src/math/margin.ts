// Port of contracts/libraries/MarginMath.sol: PnL, notional, margin requirements and average entry price
// (docs/units.md § Margin). Prices USD WAD per unit, sizes units WAD, USD amounts WAD, ratios WAD fractions.
import { WAD } from "./constants.js";
import {
  abs,
  expectInt256,
  expectUint256,
  mulDiv,
  mulDivDownUnchecked,
  ssub,
  toInt256Unchecked,
  uadd,
  umul,
} from "./evm.js";

/** Unrealised PnL in USD WAD, `size · (priceWad − entryPriceWad)`, rounded down (against the trader). */
export function pnlDown(size: bigint, entryPriceWad: bigint, priceWad: bigint): bigint {
  const fn = "MarginMath.pnlDown";
  expectInt256(fn, "size", size);
  expectUint256(fn, "entryPriceWad", entryPriceWad);
  expectUint256(fn, "priceWad", priceWad);
  // Solidity: int256(priceWad) − int256(entryPriceWad), unchecked casts and a checked subtraction.
  const move = ssub(toInt256Unchecked(priceWad), toInt256Unchecked(entryPriceWad), `${fn}: price - entry`);
  return mulDivDownUnchecked(size, move, WAD);
}

/** Notional in USD WAD, `|size| · priceWad`, rounded up. */
export function notionalUp(size: bigint, priceWad: bigint): bigint {
  expectInt256("MarginMath.notionalUp", "size", size);
  expectUint256("MarginMath.notionalUp", "priceWad", priceWad);
  return mulDiv(abs(size), priceWad, WAD, "ceil", "MarginMath.notionalUp");
}

/** Initial margin of one position in USD WAD, `|size| · priceWad · initialMarginRatio`, each step rounded up. */
export function initialMarginUp(size: bigint, priceWad: bigint, initialMarginRatio: bigint): bigint {
  expectInt256("MarginMath.initialMarginUp", "size", size);
  expectUint256("MarginMath.initialMarginUp", "priceWad", priceWad);
  expectUint256("MarginMath.initialMarginUp", "initialMarginRatio", initialMarginRatio);
  return mulDiv(notionalUp(size, priceWad), initialMarginRatio, WAD, "ceil", "MarginMath.initialMarginUp");
}

/** Maintenance margin, USD WAD: ⌈⌈|size|·priceWad⌉·maintenanceMarginRatio⌉ + liquidationFeeUsd; 0 for a zero size. */
export function maintenanceMarginUp(
  size: bigint,
  priceWad: bigint,
  maintenanceMarginRatio: bigint,
  liquidationFeeUsd: bigint,
): bigint {
  const fn = "MarginMath.maintenanceMarginUp";
  expectInt256(fn, "size", size);
  expectUint256(fn, "priceWad", priceWad);
  expectUint256(fn, "maintenanceMarginRatio", maintenanceMarginRatio);
  expectUint256(fn, "liquidationFeeUsd", liquidationFeeUsd);
  if (size === 0n) return 0n;
  const ratioPart = mulDiv(notionalUp(size, priceWad), maintenanceMarginRatio, WAD, "ceil", fn);
  return uadd(ratioPart, liquidationFeeUsd, `${fn}: + liquidationFeeUsd`);
}

/** Entry after an increase, USD WAD per unit: size-weighted mean of entry and fill, up for a long, down for a short. */
export function blendedEntryPrice(size0: bigint, entryPrice0: bigint, sizeDelta: bigint, fillPriceWad: bigint): bigint {
  const fn = "MarginMath.blendedEntryPrice";
  expectInt256(fn, "size0", size0);
  expectUint256(fn, "entryPrice0", entryPrice0);
  expectInt256(fn, "sizeDelta", sizeDelta);
  expectUint256(fn, "fillPriceWad", fillPriceWad);
  const abs0 = abs(size0);
  const absDelta = abs(sizeDelta);
  if (abs0 === 0n) return fillPriceWad;
  const weighted = uadd(
    umul(abs0, entryPrice0, `${fn}: |size0| * entryPrice0`),
    umul(absDelta, fillPriceWad, `${fn}: |sizeDelta| * fillPrice`),
    `${fn}: weighted sum`,
  );
  const totalSize = uadd(abs0, absDelta, `${fn}: |size0| + |sizeDelta|`);
  return mulDiv(weighted, 1n, totalSize, sizeDelta > 0n ? "ceil" : "floor", fn);
}
