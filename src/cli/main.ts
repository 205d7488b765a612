// The `parapet` command: dispatches to a subcommand and maps its outcome to an exit code.
import { readFileSync } from "node:fs";
import { BACKTEST_HELP, type CliIo, parseBacktestArgs, runBacktestCommand } from "./backtest.js";
import { EXIT_CODES } from "./errors.js";

export type { CliIo } from "./backtest.js";
export { CliUsageError, EXIT_CODES } from "./errors.js";

export const MAIN_HELP = `Usage: parapet <command> [options]

Commands:
  backtest     replay history through the hedge policies and report the metrics (parapet backtest --help)

Options:
  -h, --help   show this help (each command has its own --help)
  --version    print the version

Exit codes: 0 ok; 1 runtime failure (the message is the typed error's, with its fix); 2 usage error (unknown
command or option, bad ASSET=VALUE, unknown policy, missing file), with a one-line message naming the argument.
`;

const COMMANDS: Record<string, { help: string; run: (argv: readonly string[], io: CliIo) => Promise<number> }> = {
  backtest: {
    help: BACKTEST_HELP,
    run: async (argv, io) => {
      const parsed = parseBacktestArgs(argv);
      if (!parsed.ok) {
        io.stderr(`parapet backtest: ${parsed.error.message}\n`);
        return parsed.error.exitCode;
      }
      return runBacktestCommand(parsed.options, io);
    },
  },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

/** Runs `parapet` with the arguments after the program name; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.stderr(MAIN_HELP);
    return EXIT_CODES.usage;
  }
  if (command === "-h" || command === "--help" || command === "help") {
    const topic = command === "help" && rest[0] !== undefined ? COMMANDS[rest[0]] : undefined;
    io.stdout(topic?.help ?? MAIN_HELP);
    return EXIT_CODES.ok;
  }
  if (command === "--version" || command === "-v") {
    io.stdout(`${version()}\n`);
    return EXIT_CODES.ok;
  }
  const entry = COMMANDS[command];
  if (entry === undefined) {
    io.stderr(
      `parapet: unknown command "${command}". Fix: use one of ${Object.keys(COMMANDS).join(", ")} (parapet --help).\n`,
    );
    return EXIT_CODES.usage;
  }
  return entry.run(rest, io);
}

/** The process's stdout/stderr as a `CliIo`. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrIsTty: process.stderr.isTTY === true,
  };
}
