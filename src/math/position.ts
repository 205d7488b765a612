// Ports of PerpVault's internal position helpers (contracts/PerpVault.sol): the one-slot packing of a position with
// its tick rounding, the basis aggregate, one position's margins and the pool's mark of traders' net PnL.
import { PRICE_TICK, WAD } from "./constants.js";
import {
  ceilDiv,
  expectInt256,
  expectRange,
  expectUint256,
  mulDivDownUnchecked,
  mulDivUpUnchecked,
  sdiv,
  smul,
  ssub,
  toInt256Unchecked,
  toIntChecked,
  toUintChecked,
  umul,
} from "./evm.js";
import { fundingOwedUp } from "./funding.js";
import { initialMarginUp, maintenanceMarginUp, pnlDown } from "./margin.js";

/** A position as PerpVault stores it in one slot (`PerpVault.PackedPosition`). */
export type PackedPosition = {
  /** Units WAD, signed (long > 0), int96. */
  size: bigint;
  /** Entry price in ticks of 1e-10 USD ({@link PRICE_TICK} WAD wei), uint80. */
  entryPriceTicks: bigint;
  /** Funding index at entry in ticks of 1e-10 USD per unit, int80. */
  fundingIndexEntryTicks: bigint;
};

/** What {@link packPosition} returns: the packed slot and the WAD values every later computation uses. */
export type PackPositionReturnType = PackedPosition & {
  /** The stored entry price, USD WAD per unit (`entryPriceTicks · PRICE_TICK`). */
  entryPriceWad: bigint;
  /** The stored funding index entry, USD WAD per unit (`fundingIndexEntryTicks · PRICE_TICK`). */
  fundingIndexEntryWad: bigint;
};

/** A position in WAD units, as `PerpVault._unpack` reads it. */
export type UnpackedPosition = {
  /** Units WAD, signed (long > 0). */
  size: bigint;
  /** USD WAD per unit. */
  entryPriceWad: bigint;
  /** USD WAD per unit. */
  fundingIndexEntryWad: bigint;
};

/** Entry price (USD WAD per unit) on a 1e-10 USD tick, up for a long, down otherwise (PositionMath.roundEntryPrice). */
export function roundEntryPrice(size: bigint, entryPriceWad: bigint): bigint {
  const fn = "PositionMath.roundEntryPrice";
  expectInt256(fn, "size", size);
  expectUint256(fn, "entryPriceWad", entryPriceWad);
  const ticks = size > 0n ? ceilDiv(entryPriceWad, PRICE_TICK, fn) : entryPriceWad / PRICE_TICK;
  return umul(ticks, PRICE_TICK, `${fn}: ticks * PRICE_TICK`);
}

/** The slot PositionMath.pack makes (PerpVault._storePosition writes it) (1e-10 USD ticks, rounded against the trader) and its WAD values. */
export function packPosition(size: bigint, entryPriceWad: bigint, fundingIndexWad: bigint): PackPositionReturnType {
  const fn = "PositionMath.pack";
  expectInt256(fn, "size", size);
  expectUint256(fn, "entryPriceWad", entryPriceWad);
  expectInt256(fn, "fundingIndexWad", fundingIndexWad);
  if (size === 0n) {
    return { size: 0n, entryPriceTicks: 0n, fundingIndexEntryTicks: 0n, entryPriceWad: 0n, fundingIndexEntryWad: 0n };
  }
  let indexTicks = sdiv(fundingIndexWad, PRICE_TICK, fn); // truncates towards zero
  const exact = smul(indexTicks, PRICE_TICK, fn) === fundingIndexWad;
  if (size > 0n && fundingIndexWad < 0n && !exact) indexTicks -= 1n; // floor
  if (size < 0n && fundingIndexWad > 0n && !exact) indexTicks += 1n; // ceil
  // Same order as PositionMath.pack: index ticks, size cast, entry ticks, their casts.
  const packedSize = toIntChecked(96, size);
  const entryTicks = roundEntryPrice(size, entryPriceWad) / PRICE_TICK;
  const packed = {
    size: packedSize,
    entryPriceTicks: toUintChecked(80, entryTicks),
    fundingIndexEntryTicks: toIntChecked(80, indexTicks),
  };
  return { ...packed, entryPriceWad: entryTicks * PRICE_TICK, fundingIndexEntryWad: indexTicks * PRICE_TICK };
}

/** A packed position in WAD: size (units), entry price and funding index entry (USD per unit) (PositionMath.unpack). */
export function unpackPosition(position: PackedPosition): UnpackedPosition {
  const fn = "PositionMath.unpack";
  expectRange(fn, "size", position.size, -(1n << 95n), (1n << 95n) - 1n, "int96");
  expectRange(fn, "entryPriceTicks", position.entryPriceTicks, 0n, (1n << 80n) - 1n, "uint80");
  expectRange(fn, "fundingIndexEntryTicks", position.fundingIndexEntryTicks, -(1n << 79n), (1n << 79n) - 1n, "int80");
  return {
    size: position.size,
    entryPriceWad: position.entryPriceTicks * PRICE_TICK,
    fundingIndexEntryWad: position.fundingIndexEntryTicks * PRICE_TICK,
  };
}

/** A position's basisSum share, USD WAD: ⌊size·entry⌋ − ⌈size·fundingIndexEntry⌉ (PositionMath.basisContribution). */
export function basisContribution(size: bigint, entryPriceWad: bigint, fundingIndexEntryWad: bigint): bigint {
  const fn = "PositionMath.basisContribution";
  expectInt256(fn, "size", size);
  expectUint256(fn, "entryPriceWad", entryPriceWad);
  expectInt256(fn, "fundingIndexEntryWad", fundingIndexEntryWad);
  if (size === 0n) return 0n;
  return ssub(
    mulDivDownUnchecked(size, toInt256Unchecked(entryPriceWad), WAD),
    mulDivUpUnchecked(size, fundingIndexEntryWad, WAD),
    `${fn}: entry part - funding part`,
  );
}

/** Inputs of {@link positionMargins}: a stored position and its market at one oracle price. */
export type PositionMarginsParameters = {
  /** Units WAD, signed (long > 0). */
  size: bigint;
  /** Stored entry price, USD WAD per unit. */
  entryPriceWad: bigint;
  /** Stored funding index entry, USD WAD per unit. */
  fundingIndexEntryWad: bigint;
  /** Oracle price, USD WAD per unit. */
  priceWad: bigint;
  /** The market's funding index accrued to now at `priceWad`, USD WAD per unit. */
  fundingIndexWad: bigint;
  /** WAD fraction. */
  initialMarginRatio: bigint;
  /** WAD fraction. */
  maintenanceMarginRatio: bigint;
  /** USD WAD, per position. */
  liquidationFeeUsd: bigint;
};

/** What {@link positionMargins} returns, all USD WAD. */
export type PositionMarginsReturnType = {
  /** PnL (rounded down) minus funding owed (rounded up): what the position adds to the account's equity. */
  value: bigint;
  initialMargin: bigint;
  maintenanceMargin: bigint;
};

/** One position's equity part (PnL − funding owed), IM and MM, USD WAD, as PerpVault._positionMargins computes them. */
export function positionMargins(parameters: PositionMarginsParameters): PositionMarginsReturnType {
  const fn = "PerpVault._positionMargins";
  const { size, entryPriceWad, fundingIndexEntryWad, priceWad, fundingIndexWad } = parameters;
  const { initialMarginRatio, maintenanceMarginRatio, liquidationFeeUsd } = parameters;
  expectInt256(fn, "size", size);
  expectUint256(fn, "entryPriceWad", entryPriceWad);
  expectInt256(fn, "fundingIndexEntryWad", fundingIndexEntryWad);
  expectUint256(fn, "priceWad", priceWad);
  expectInt256(fn, "fundingIndexWad", fundingIndexWad);
  expectUint256(fn, "initialMarginRatio", initialMarginRatio);
  expectUint256(fn, "maintenanceMarginRatio", maintenanceMarginRatio);
  expectUint256(fn, "liquidationFeeUsd", liquidationFeeUsd);
  const value = ssub(
    pnlDown(size, entryPriceWad, priceWad),
    fundingOwedUp(size, fundingIndexEntryWad, fundingIndexWad),
    `${fn}: pnl - funding owed`,
  );
  return {
    value,
    initialMargin: initialMarginUp(size, priceWad, initialMarginRatio),
    maintenanceMargin: maintenanceMarginUp(size, priceWad, maintenanceMarginRatio, liquidationFeeUsd),
  };
}

/** Traders' PnL net of funding in a market, USD WAD: ⌈skew·price⌉ − ⌊skew·index⌋ − basisSum (PerpVault._poolMark). */
export function tradersNetUsd(skew: bigint, priceWad: bigint, fundingIndexWad: bigint, basisSum: bigint): bigint {
  const fn = "PositionMath.tradersNetUsd";
  expectInt256(fn, "skew", skew);
  expectUint256(fn, "priceWad", priceWad);
  expectInt256(fn, "fundingIndexWad", fundingIndexWad);
  expectInt256(fn, "basisSum", basisSum);
  const atPrice = mulDivUpUnchecked(skew, toInt256Unchecked(priceWad), WAD);
  const net = ssub(atPrice, mulDivDownUnchecked(skew, fundingIndexWad, WAD), `${fn}: skew·price - skew·index`);
  return ssub(net, basisSum, `${fn}: - basisSum`);
}
