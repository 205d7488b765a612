// Port of contracts/libraries/SignedWad.sol: signed a·b/d with an explicit rounding direction.
import { WAD } from "./constants.js";
import { expectInt256, expectUint256, mulDivDownUnchecked, mulDivUpUnchecked } from "./evm.js";

/** ⌊a·b/d⌋ (towards −∞) for int256 a, b and uint256 d > 0; in the unit of a·b/d. */
export function mulDivDown(a: bigint, b: bigint, d: bigint): bigint {
  expectInt256("SignedWad.mulDivDown", "a", a);
  expectInt256("SignedWad.mulDivDown", "b", b);
  expectUint256("SignedWad.mulDivDown", "d", d);
  return mulDivDownUnchecked(a, b, d);
}

/** ⌈a·b/d⌉ (towards +∞) for int256 a, b and uint256 d > 0; in the unit of a·b/d. */
export function mulDivUp(a: bigint, b: bigint, d: bigint): bigint {
  expectInt256("SignedWad.mulDivUp", "a", a);
  expectInt256("SignedWad.mulDivUp", "b", b);
  expectUint256("SignedWad.mulDivUp", "d", d);
  return mulDivUpUnchecked(a, b, d);
}

/** ⌊a·b/1e18⌋: the WAD product of two WAD numbers, rounded towards −∞. */
export function wMulDown(a: bigint, b: bigint): bigint {
  expectInt256("SignedWad.wMulDown", "a", a);
  expectInt256("SignedWad.wMulDown", "b", b);
  return mulDivDownUnchecked(a, b, WAD);
}

/** ⌈a·b/1e18⌉: the WAD product of two WAD numbers, rounded towards +∞. */
export function wMulUp(a: bigint, b: bigint): bigint {
  expectInt256("SignedWad.wMulUp", "a", a);
  expectInt256("SignedWad.wMulUp", "b", b);
  return mulDivUpUnchecked(a, b, WAD);
}
