import { ParapetError, type ParapetErrorParameters } from "../parapetError.js";

/** Why a data file could not be read at all (row-level problems are dropped and reported, not thrown). */
export type DataLoadErrorCode =
  /** The text is empty or holds only blank lines. */
  | "EMPTY_FILE"
  /** The header lacks a column the format needs. */
  | "WRONG_HEADER"
  /** The file has a header but no row survived parsing. */
  | "NO_ROWS"
  /** An option is out of range (e.g. a non-finite time-zone offset). */
  | "INVALID_OPTION"
  /** A funding stamp has no zone and the file was given no clock offset. */
  | "MISSING_TIMEZONE_OFFSET"
  /** The file could not be read from disk (Node helper only). */
  | "READ_FAILED";

/** Parameters of a {@link DataLoadError}. */
export type DataLoadErrorParameters = ParapetErrorParameters<DataLoadErrorCode>;

/** The error class of `data/`: unreadable input, with the cause and the fix. */
export class DataLoadError extends ParapetError<DataLoadErrorCode> {
  override readonly name = "DataLoadError";
}
