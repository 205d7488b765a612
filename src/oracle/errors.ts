import { ParapetError } from "../parapetError.js";

/** Why `checkAdapterFeeds` refused its input or could not read the adapter (feed problems are verdicts, not errors). */
export type OracleCheckErrorCode =
  /** `checkAdapterFeeds` was called without its parameters object (e.g. `checkAdapterFeeds(parapet)`). */
  | "MISSING_PARAMETERS"
  /** `oracleAdapter` or a feed is not a 20-byte hex address. */
  | "INVALID_ADDRESS"
  /** A warning threshold is not a non-negative bigint. */
  | "INVALID_THRESHOLD"
  /** `oracleAdapter` has no code at the block read. */
  | "ADAPTER_NOT_A_CONTRACT"
  /** The read reverted or the RPC failed: not an `OracleAdapter`, wrong chain, node down. */
  | "ADAPTER_CALL_FAILED";

/** Parameters of an {@link OracleCheckError}. */
export type OracleCheckErrorParameters = {
  code: OracleCheckErrorCode;
  /** What went wrong. */
  summary: string;
  /** What the caller should do about it. */
  fix: string;
  /** The offending value, when the input was bad. */
  argument?: string | undefined;
  /** The underlying error (viem's, for RPC failures). */
  cause?: unknown;
};

/** The error class of `oracle/`: bad input or an unreadable adapter, with the cause and the fix. */
export class OracleCheckError extends ParapetError<OracleCheckErrorCode> {
  override readonly name = "OracleCheckError";
  readonly argument: string | undefined;

  constructor({ code, summary, fix, argument, cause }: OracleCheckErrorParameters) {
    super({ code, summary, fix, cause });
    this.argument = argument;
  }
}
