// The `parapet` command: dispatches to a subcommand and maps its outcome to an exit code.
import { readFileSync } from "node:fs";
import { BACKTEST_HELP, type CliIo, parseBacktestArgs, runBacktestCommand } from "./backtest.js";
import { CHAIN_COMMANDS } from "./chain.js";
import type { CliCommand } from "./connect.js";
import { EXIT_CODES } from "./errors.js";
import { KEEPER_COMMANDS } from "./keeper.js";
import { LP_COMMANDS } from "./lp.js";
import { ORDERS_COMMANDS } from "./orders.js";

export type { CliIo } from "./backtest.js";
export { CliUsageError, EXIT_CODES } from "./errors.js";

export const MAIN_HELP = `Usage: parapet <command> [options]

Commands:
  deploy       deploy Parapet with Hardhat (writes deployments/NAME.json)
  status       markets (price, oracle, funding, open interest, skew) and an owner's accounts
  oracle       oracle health per market (exit 3 when a feed fails)
  plan         plan the hedge of your exposures against the chain's markets
  hedge        plan and open the hedge in one HedgeRouter transaction
  rebalance    one rebalancing pass (--dry-run: the decision and its numbers)
  orders       list, place, cancel, execute trigger orders (stop-loss, take-profit); commit, settle delayed orders
  lp           request LP deposits and redemptions (settled after the LP vault's delay), settle, cancel, list
  keeper       liquidate unhealthy accounts, execute due orders and run your rebalance policy, in a loop
  backtest     replay history through the hedge policies and report the metrics

  parapet <command> --help shows a command's options. On-chain commands take --rpc URL (or $PARAPET_RPC_URL),
  --deployment FILE (default deployments/localhost.json) and --json; the signer's key is read from
  $PARAPET_PRIVATE_KEY only.

Options:
  -h, --help   show this help (each command has its own --help)
  --version    print the version

Exit codes: 0 ok; 1 runtime failure (RPC down, wrong chain, invalid deployment file, a revert, a keeper already
running; the message is the typed error's, with its fix); 2 usage error (unknown command or option, bad ASSET=VALUE,
missing file, no signer key), with a one-line message naming the argument; 3 \`parapet oracle\`: a feed fails.
`;

const COMMANDS: Record<string, Pick<CliCommand, "help" | "run">> = {
  ...KEEPER_COMMANDS,
  ...CHAIN_COMMANDS,
  ...ORDERS_COMMANDS,
  ...LP_COMMANDS,
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
