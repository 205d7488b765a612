// The `parapet` command: dispatches to a subcommand and maps its outcome to an exit code.
import { readFileSync } from "node:fs";
import { EXIT_CODES } from "./errors.js";
import type { CliCommand, CliIo } from "./io.js";

export { CliUsageError, EXIT_CODES } from "./errors.js";
export { type CliIo, processIo } from "./io.js";

export const MAIN_HELP = `Usage: parapet <command> [options]

Commands:
  deploy       deploy Parapet with Hardhat (writes deployments/NAME.json)
  status       markets (price, oracle, funding, open interest, skew) and an owner's accounts
  exposures    what an owner holds: balances and Uniswap v3 positions (range, amounts, fees, delta, gamma)
  oracle       oracle health per market (exit 3 when a feed fails)
  plan         plan the hedge of your exposures against the chain's markets
  hedge        plan and open the hedge in one HedgeRouter transaction
  rebalance    one rebalancing pass (--dry-run: the decision and its numbers)
  orders       list, place, cancel, execute trigger orders (stop-loss, take-profit); commit, settle delayed orders
  lp           request LP deposits and redemptions (settled after the LP vault's delay), settle, cancel, list
  faucet       test collateral on a development chain (mint the TestToken, or write a fork's token balance)
  keeper       liquidate unhealthy accounts, execute due orders and run your rebalance policy, in a loop
  dashboard    a live risk dashboard in the browser (read-only, loopback): positions, margins, oracles, alerts
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

// Each command's module (src/cli/commands/NAME.ts, exporting `help` and `run`) is imported only when that command
// runs (or its --help is asked for): `parapet --help` loads no viem, no SDK and no backtest engine, so it starts in a
// fraction of the time a full import takes. In the order `parapet --help` lists them.
const COMMANDS: Record<string, () => Promise<CliCommand>> = {
  deploy: () => import("./commands/deploy.js"),
  status: () => import("./commands/status.js"),
  exposures: () => import("./commands/exposures.js"),
  oracle: () => import("./commands/oracle.js"),
  plan: () => import("./commands/plan.js"),
  hedge: () => import("./commands/hedge.js"),
  rebalance: () => import("./commands/rebalance.js"),
  orders: () => import("./commands/orders.js"),
  lp: () => import("./commands/lp.js"),
  faucet: () => import("./commands/faucet.js"),
  keeper: () => import("./commands/keeper.js"),
  dashboard: () => import("./commands/dashboard.js"),
  backtest: () => import("./commands/backtest.js"),
};

/** The names of the `parapet` commands, in the order `parapet --help` lists them. */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

async function loadCommand(name: string): Promise<CliCommand | undefined> {
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
