// Solidity 0.8 arithmetic on bigints: checked operators, unchecked casts and OpenZeppelin's Math/SignedMath, with the
// same reverts (as typed errors). Internal to math/: the library ports call these on values that are already checked.
import { ParapetMathError } from "./errors.js";

export const MAX_UINT256 = (1n << 256n) - 1n;
export const MAX_INT256 = (1n << 255n) - 1n;
export const MIN_INT256 = -(1n << 255n);

const PANIC_OVERFLOW = "Panic(0x11)";
const PANIC_DIVISION_BY_ZERO = "Panic(0x12)";

function describe(value: unknown): string {
  if (typeof value === "number") return `number ${value}`;
  if (typeof value === "string") return `string ${JSON.stringify(value)}`;
  if (value === null) return "null";
  return typeof value;
}

/** Rejects anything but a bigint, naming the function and the argument. */
export function expectBigint(fn: string, argument: string, value: unknown): asserts value is bigint {
  if (typeof value === "bigint") return;
  throw new ParapetMathError({
    code: "NOT_A_BIGINT",
    argument,
    summary: `${fn}: argument "${argument}" must be a bigint, got ${describe(value)}.`,
    fix:
      'Pass a bigint in the unit the function documents (WAD amounts: parseUnits("1.5", 18) or 15n * 10n ** 17n); ' +
      "a number cannot hold money exactly.",
  });
}

/** Checks that a bigint fits the Solidity parameter type `[min, max]`, as the ABI encoder would. */
export function expectRange(fn: string, argument: string, value: unknown, min: bigint, max: bigint, type: string) {
  expectBigint(fn, argument, value);
  if (value >= min && value <= max) return;
  throw new ParapetMathError({
    code: "OUT_OF_RANGE",
    argument,
    summary: `${fn}: argument "${argument}" = ${value} does not fit ${type} [${min}, ${max}].`,
    fix: `Pass a value the contract can receive as ${type}.`,
  });
}

export function expectUint256(fn: string, argument: string, value: unknown): asserts value is bigint {
  expectRange(fn, argument, value, 0n, MAX_UINT256, "uint256");
}

export function expectInt256(fn: string, argument: string, value: unknown): asserts value is bigint {
  expectRange(fn, argument, value, MIN_INT256, MAX_INT256, "int256");
}

export function overflow(operation: string): ParapetMathError {
  return new ParapetMathError({
    code: "ARITHMETIC_OVERFLOW",
    solidityError: PANIC_OVERFLOW,
    summary: `Arithmetic overflow in ${operation}: the contract reverts with ${PANIC_OVERFLOW} on these inputs.`,
    fix: "Use inputs within the bounds the vault enforces (docs/units.md).",
  });
}

export function divisionByZero(operation: string): ParapetMathError {
  return new ParapetMathError({
    code: "DIVISION_BY_ZERO",
    solidityError: PANIC_DIVISION_BY_ZERO,
    summary: `Division by zero in ${operation}: the contract reverts with ${PANIC_DIVISION_BY_ZERO} on these inputs.`,
    fix: "Pass a non-zero divisor (e.g. a skewScale of at least 1e18).",
  });
}

function checkInt256(value: bigint, operation: string): bigint {
  if (value > MAX_INT256 || value < MIN_INT256) throw overflow(operation);
  return value;
}

function checkUint256(value: bigint, operation: string): bigint {
  if (value > MAX_UINT256 || value < 0n) throw overflow(operation);
  return value;
}

// ---- checked int256 operators

export const sadd = (a: bigint, b: bigint, op: string): bigint => checkInt256(a + b, op);
export const ssub = (a: bigint, b: bigint, op: string): bigint => checkInt256(a - b, op);
export const smul = (a: bigint, b: bigint, op: string): bigint => checkInt256(a * b, op);
export const sneg = (a: bigint, op: string): bigint => checkInt256(-a, op);

/** Solidity `a / b` on int256: truncates towards zero; reverts on b = 0 and on type(int256).min / −1. */
export function sdiv(a: bigint, b: bigint, op: string): bigint {
  if (b === 0n) throw divisionByZero(op);
  return checkInt256(a / b, op);
}

// ---- checked uint256 operators

export const uadd = (a: bigint, b: bigint, op: string): bigint => checkUint256(a + b, op);
export const umul = (a: bigint, b: bigint, op: string): bigint => checkUint256(a * b, op);

/** Solidity `a / b` on uint256: floor; reverts on b = 0. */
export function udiv(a: bigint, b: bigint, op: string): bigint {
  if (b === 0n) throw divisionByZero(op);
  return a / b;
}

// ---- casts

/** `int256(x)` for a uint256 x: Solidity does not check this conversion, it reinterprets the bits. */
export const toInt256Unchecked = (x: bigint): bigint => BigInt.asIntN(256, x);

/** OpenZeppelin `SignedMath.abs`: |n| as uint256 (2²⁵⁵ for type(int256).min). */
export const abs = (n: bigint): bigint => (n < 0n ? -n : n);

/** OpenZeppelin `SafeCast.toUint<bits>`. */
export function toUintChecked(bits: number, value: bigint): bigint {
  if (value > (1n << BigInt(bits)) - 1n) {
    throw new ParapetMathError({
      code: "SAFECAST_OVERFLOW",
      solidityError: `SafeCastOverflowedUintDowncast(${bits}, ${value})`,
      summary: `${value} does not fit uint${bits}: the contract reverts with SafeCastOverflowedUintDowncast.`,
      fix: "Use values within the bounds the vault enforces (docs/units.md).",
    });
  }
  return value;
}

/** OpenZeppelin `SafeCast.toInt<bits>`. */
export function toIntChecked(bits: number, value: bigint): bigint {
  if (BigInt.asIntN(bits, value) !== value) {
    throw new ParapetMathError({
      code: "SAFECAST_OVERFLOW",
      solidityError: `SafeCastOverflowedIntDowncast(${bits}, ${value})`,
      summary: `${value} does not fit int${bits}: the contract reverts with SafeCastOverflowedIntDowncast.`,
      fix: "Use values within the bounds the vault enforces (docs/units.md).",
    });
  }
  return value;
}

// ---- OpenZeppelin Math

export type Rounding = "floor" | "ceil";

/** OpenZeppelin `Math.mulDiv(x, y, d, rounding)` on uint256: exact 512-bit product, reverts when d = 0 or the result
 * does not fit uint256 (including the +1 of a ceiling). */
export function mulDiv(x: bigint, y: bigint, d: bigint, rounding: Rounding, op: string): bigint {
  if (d === 0n) throw divisionByZero(op);
  const product = x * y;
  const q = checkUint256(product / d, op);
  if (rounding === "ceil" && product % d !== 0n) return checkUint256(q + 1n, op);
  return q;
}

/** OpenZeppelin `Math.ceilDiv(a, b)`: ⌈a / b⌉, reverts when b = 0. */
export function ceilDiv(a: bigint, b: bigint, op: string): bigint {
  if (b === 0n) throw divisionByZero(op);
  return a === 0n ? 0n : (a - 1n) / b + 1n;
}

// ---- SignedWad internals (the public, argument-checking versions are in signedWad.ts)

function signedWad(q: bigint, negative: boolean): bigint {
  const limit = negative ? MAX_INT256 + 1n : MAX_INT256;
  if (q > limit) {
    throw new ParapetMathError({
      code: "SIGNED_WAD_OVERFLOW",
      solidityError: "SignedWadOverflow()",
      summary: `The result ${negative ? "-" : ""}${q} does not fit int256: SignedWad reverts with SignedWadOverflow().`,
      fix: "Use inputs within the bounds the vault enforces (docs/units.md).",
    });
  }
  return negative ? -q : q;
}

/** `SignedWad.mulDivDown` on values already known to be int256/uint256: ⌊a·b/d⌋. */
export function mulDivDownUnchecked(a: bigint, b: bigint, d: bigint): bigint {
  const negative = a < 0n !== b < 0n;
  return signedWad(mulDiv(abs(a), abs(b), d, negative ? "ceil" : "floor", "SignedWad.mulDivDown"), negative);
}

/** `SignedWad.mulDivUp` on values already known to be int256/uint256: ⌈a·b/d⌉. */
export function mulDivUpUnchecked(a: bigint, b: bigint, d: bigint): bigint {
  const negative = a < 0n !== b < 0n;
  return signedWad(mulDiv(abs(a), abs(b), d, negative ? "floor" : "ceil", "SignedWad.mulDivUp"), negative);
}
