// Where a command writes and what it reads from its environment, and the shape of a command for the dispatcher.

/** Where the CLI writes and whether stderr is a terminal (for the progress bar). */
export type CliIo = {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stderrIsTty?: boolean | undefined;
  writeFile?: ((path: string, text: string) => Promise<void>) | undefined;
  /** Environment (default `process.env`): PARAPET_RPC_URL, PARAPET_PRIVATE_KEY. Tests inject it. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Stops a long-running command (the keeper) as SIGINT would; the CLI wires SIGINT/SIGTERM to it otherwise. */
  signal?: AbortSignal | undefined;
};

/** A `parapet` subcommand (a module under src/cli/commands/): its help text and its runner (→ exit code). */
export type CliCommand = {
  help: string;
  run: (argv: readonly string[], io: CliIo) => Promise<number>;
};

/** The environment a command reads (the key, RPC URLs): the test's `io.env`, else the process's. */
export const envOf = (io: CliIo): Readonly<Record<string, string | undefined>> => io.env ?? process.env;

/** The process's stdout/stderr as a `CliIo`. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrIsTty: process.stderr.isTTY === true,
  };
}
