import { ParapetError, type ParapetErrorParameters } from "../parapetError.js";

/** Why backtest input could not be built or used. */
export type BacktestInputErrorCode =
  /** A price series has no bar. */
  | "EMPTY_SERIES"
  /** The same asset is given twice (two price series, or two funding series). */
  | "DUPLICATE_ASSET"
  /** The series share no day: the latest first date is after the earliest last date. */
  | "NO_OVERLAP"
  /** A `from`/`to` date is not a valid `YYYY-MM-DD` day. */
  | "INVALID_DATE"
  /** `from` is after `to`. */
  | "INVERTED_WINDOW"
  /** A `from`/`to` date lies outside the days every series covers. */
  | "OUT_OF_RANGE"
  /** An asset is asked for that the history does not hold. */
  | "UNKNOWN_ASSET"
  /** A file's format could not be recognised from its header, or a file does not hold the asset asked for. */
  | "UNRECOGNISED_FILE"
  /** A backtest was asked without any exposure. */
  | "NO_EXPOSURE"
  /** A hedge market's risk parameters (margin ratios, fees, skew scale) are missing. */
  | "MISSING_MARKET"
  /** `lpFeeApr` is negative, not finite, or an array whose length is not the number of exposures. */
  | "INVALID_LP_FEE_APR";

/** Parameters of a {@link BacktestInputError}. */
export type BacktestInputErrorParameters = ParapetErrorParameters<BacktestInputErrorCode>;

/** The error class of `backtest/` input: series that cannot be aligned or a window outside them, with the fix. */
export class BacktestInputError extends ParapetError<BacktestInputErrorCode> {
  override readonly name = "BacktestInputError";
}
