import { ParapetError } from "../parapetError.js";

/** Why a math function refused or failed; the Solidity counterparts are named in `ParapetMathError.solidityError`. */
export type ParapetMathErrorCode =
  /** An argument is not a bigint (a number, NaN, a string, undefined). */
  | "NOT_A_BIGINT"
  /** A bigint outside the Solidity parameter type (uint256, int256, …) or outside a documented precondition. */
  | "OUT_OF_RANGE"
  /** The contract divides by zero: Solidity `Panic(0x12)`. */
  | "DIVISION_BY_ZERO"
  /** Checked arithmetic overflows: Solidity `Panic(0x11)`. */
  | "ARITHMETIC_OVERFLOW"
  /** A signed mulDiv result does not fit int256: `SignedWad.SignedWadOverflow()`. */
  | "SIGNED_WAD_OVERFLOW"
  /** A packed-storage downcast fails: `SafeCastOverflowedUintDowncast` / `SafeCastOverflowedIntDowncast`. */
  | "SAFECAST_OVERFLOW";

/** Parameters of a {@link ParapetMathError}. */
export type ParapetMathErrorParameters = {
  code: ParapetMathErrorCode;
  /** Short statement of what went wrong. */
  summary: string;
  /** What the caller should do about it. */
  fix: string;
  /** The offending argument, for input errors. */
  argument?: string | undefined;
  /** What the contract reverts with on the same inputs, e.g. `Panic(0x11)`. */
  solidityError?: string | undefined;
};

/** The one error class of `math/`: bad input (not a bigint, out of range) or a revert the contract would raise. */
export class ParapetMathError extends ParapetError<ParapetMathErrorCode> {
  override readonly name = "ParapetMathError";
  readonly argument: string | undefined;
  readonly solidityError: string | undefined;

  constructor({ code, summary, fix, argument, solidityError }: ParapetMathErrorParameters) {
    super({ code, summary, fix });
    this.argument = argument;
    this.solidityError = solidityError;
  }
}
