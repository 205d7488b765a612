// math/: bigint ports of the contract libraries with the same names and rounding (docs/units.md § Formulas), kept
// equal to Solidity by test/ts/math-parity.test.ts.
export { PRICE_TICK, SECONDS_PER_DAY, WAD } from "./constants.js";
export { ParapetMathError, type ParapetMathErrorCode, type ParapetMathErrorParameters } from "./errors.js";
export {
  type AccrueReturnType,
  accrue,
  fundingOwedUp,
  proportionalSkew,
  type RateIntegralReturnType,
  rateIntegral,
} from "./funding.js";
export { type LiquidationPriceParameters, liquidationPrice } from "./liquidation.js";
export { blendedEntryPrice, initialMarginUp, maintenanceMarginUp, notionalUp, pnlDown } from "./margin.js";
export {
  basisContribution,
  type PackedPosition,
  type PackPositionReturnType,
  type PositionMarginsParameters,
  type PositionMarginsReturnType,
  packPosition,
  positionMargins,
  roundEntryPrice,
  tradersNetUsd,
  type UnpackedPosition,
  unpackPosition,
} from "./position.js";
export { fillPrice, tradeFeeUp } from "./pricing.js";
export { mulDivDown, mulDivUp, wMulDown, wMulUp } from "./signedWad.js";
