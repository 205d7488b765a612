// The one root of every error class the package throws, as viem has one BaseError, and the input error the pure
// layers share. They live apart from errors.ts (which imports viem and the ABIs) so that math/, hedge/, backtest/ and
// data/ can extend them and stay free of both: importing viem costs about 0.45 s of a CLI backtest's start.
import type { BacktestInputErrorCode } from "./backtest/errors.js";
import type { DataLoadErrorCode } from "./data/errors.js";
import type { ParapetErrorCode } from "./errors.js";
import type { ParapetMathErrorCode } from "./math/errors.js";
import type { OracleCheckErrorCode } from "./oracle/errors.js";

/** Every `code` an error of the package can carry: the SDK's and each layer's own (math, data, backtest, oracle). */
export type AnyParapetErrorCode =
  | ParapetErrorCode
  | ParapetMathErrorCode
  | DataLoadErrorCode
  | BacktestInputErrorCode
  | OracleCheckErrorCode
  | "CLI_USAGE";

export type ParapetErrorParameters<code extends string = ParapetErrorCode> = {
  code: code;
  /** Short statement of what went wrong. */
  summary: string;
  /** What the caller should do about it. */
  fix: string;
  cause?: unknown;
};

/**
 * Base class of every error the package throws: branch on `code`, read `summary` (what went wrong) and `fix` (what to
 * do); `message` is both, `cause` the underlying error. Each layer narrows `code` to its own union.
 */
export class ParapetError<code extends string = AnyParapetErrorCode> extends Error {
  override name = "ParapetError";
  readonly code: code;
  readonly summary: string;
  readonly fix: string;

  constructor({ code, summary, fix, cause }: ParapetErrorParameters<code>) {
    super(`${summary} Fix: ${fix}`, cause === undefined ? undefined : { cause });
    this.code = code;
    this.summary = summary;
    this.fix = fix;
  }
}

/** Bad caller input: a JS number/float/NaN for money, a negative or zero amount, too many decimals, bad decimals. */
export class ParapetInputError extends ParapetError<ParapetErrorCode> {
  override name = "ParapetInputError";
  /** The parameter that was refused. */
  readonly argument: string;
  constructor(argument: string, summary: string, fix: string, cause?: unknown) {
    super({ code: "INVALID_INPUT", summary: `Invalid ${argument}: ${summary}`, fix, cause });
    this.argument = argument;
  }
}
