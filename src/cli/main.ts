// The `parapet` command: dispatches to a subcommand and maps its outcome to an exit code.
import { readFileSync } from "node:fs";
import type { CliIo } from "./backtest.js";
import type { CliCommand } from "./connect.js";
import { EXIT_CODES } from "./errors.js";

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
  faucet       test collateral on a development chain (mint the TestToken, or write a fork's token balance)
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

type CommandEntry = Pick<CliCommand, "help" | "run">;

// Each command's module is imported only when that command runs (or its --help is asked for): `parapet --help` loads
// no viem, no SDK and no backtest engine, so it starts in a fraction of the time a full import takes.
const fromKeeper = (name: string) => async () => (await import("./keeper.js")).KEEPER_COMMANDS[name];
const fromChain = (name: string) => async () => (await import("./chain.js")).CHAIN_COMMANDS[name];
const COMMANDS: Record<string, () => Promise<CommandEntry | undefined>> = {
  keeper: fromKeeper("keeper"),
  deploy: fromKeeper("deploy"),
  status: fromChain("status"),
  oracle: fromChain("oracle"),
  plan: fromChain("plan"),
  hedge: fromChain("hedge"),
  rebalance: fromChain("rebalance"),
  orders: async () => (await import("./orders.js")).ORDERS_COMMANDS.orders,
  lp: async () => (await import("./lp.js")).LP_COMMANDS.lp,
  faucet: async () => (await import("./faucet.js")).FAUCET_COMMANDS.faucet,
  backtest: async () => {
    const { BACKTEST_HELP, parseBacktestArgs, runBacktestCommand } = await import("./backtest.js");
    return {
      help: BACKTEST_HELP,
      run: async (argv, io) => {
        const parsed = parseBacktestArgs(argv);
        if (!parsed.ok) {
          io.stderr(`parapet backtest: ${parsed.error.message}\n`);
          return parsed.error.exitCode;
        }
        return runBacktestCommand(parsed.options, io);
      },
    };
  },
};

/** The names of the `parapet` commands, in the order `parapet --help` lists them. */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

async function loadCommand(name: string): Promise<CommandEntry | undefined> {
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  return load === undefined ? undefined : load();
}

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
    const topic = command === "help" && rest[0] !== undefined ? await loadCommand(rest[0]) : undefined;
    io.stdout(topic?.help ?? MAIN_HELP);
    return EXIT_CODES.ok;
  }
  if (command === "--version" || command === "-v") {
    io.stdout(`${version()}\n`);
    return EXIT_CODES.ok;
  }
  const entry = await loadCommand(command);
  if (entry === undefined) {
    io.stderr(`parapet: unknown command "${command}". Fix: use one of ${COMMAND_NAMES.join(", ")} (parapet --help).\n`);
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
