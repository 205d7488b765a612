import { ParapetError } from "../parapetError.js";

/** Exit codes of the `parapet` command, for scripts. */
export const EXIT_CODES = {
  /** Success. */
  ok: 0,
  /**
   * Runtime failure: unreadable data, series that do not overlap, a window outside the data, the engine failed; an
   * RPC that is down or too slow, the wrong chain, an invalid deployment file, a revert, a keeper already running.
   */
  runtime: 1,
  /** Usage error: unknown option or command, bad ASSET=VALUE, unknown policy, missing file, no signer key. */
  usage: 2,
  /** `parapet oracle`: at least one feed fails the adapter's checks (trading that market reverts). */
  unhealthy: 3,
} as const;

/** A command line the CLI cannot run as written: names the bad argument and the fix. Exit code 2. */
export class CliUsageError extends ParapetError<"CLI_USAGE"> {
  override readonly name = "CliUsageError";
  readonly exitCode = EXIT_CODES.usage;
  /** The argument at fault, as typed (e.g. "--exposure ETH=abc"). */
  readonly argument: string;

  constructor({ argument, summary, fix }: { argument: string; summary: string; fix: string }) {
    super({ code: "CLI_USAGE", summary, fix });
    this.argument = argument;
  }
}

/** A usage error naming `argument` (as the user typed it), what is wrong and the fix. */
export function usage(argument: string, summary: string, fix: string): CliUsageError {
  return new CliUsageError({ argument, summary, fix });
}
