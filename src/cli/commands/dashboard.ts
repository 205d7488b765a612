// `parapet dashboard`: the live risk dashboard (src/dashboard/, docs/dashboard.md) of a deployment and a set of
// accounts, served on loopback until SIGINT. Read-only: it takes no key. The server and its page are imported only
// here, when the command runs, so the rest of the CLI starts without Hono.
import { getMarkets } from "../../actions/read.js";
import { toParapetRpcError } from "../../errors.js";
import type { Exposure } from "../../hedge/types.js";
import { wadToNumber } from "../../units.js";
import { accountIndexOption, numberOption, parseCommandArgs } from "../args.js";
import {
  addressOption,
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connect,
  connectionSettings,
  runCommand,
} from "../connect.js";
import { EXIT_CODES, usage } from "../errors.js";
import { EXPOSURE_OPTIONS, parseExposureArgs, resolveExposures } from "../exposures.js";
import { type CliIo, envOf } from "../io.js";
import { toJson } from "../output.js";

export const help = `Usage: parapet dashboard --owner ADDRESS [options]

A live risk dashboard in the browser: markets (price, oracle health with the verdicts of parapet oracle, funding and
its forecast band), each account's positions, equity, margin ratio and distance to liquidation, pending trigger and
delayed orders, the keeper's actions since start, LP utilisation and the insurance fund, hedge effectiveness against
--exposure, and alerts (margin call, oracle failing or warning, funding spike). Refreshed on every new block and
pushed to the page (Server-Sent Events); JSON at /api/state and /api/alerts. docs/dashboard.md.

Read-only: no key is accepted (not $PARAPET_PRIVATE_KEY either), nothing is ever signed.

Options:
  --owner ADDRESS              watch this owner's accounts --account-index (repeatable)
  --account-index N            the owners' accounts to watch (repeatable; default 0..5)
  --account OWNER:INDEX        watch one account (repeatable)
  --exposure ASSET=AMOUNT      what the hedges hedge, e.g. --exposure ETH=10, for hedge effectiveness (repeatable;
                               ASSET is a market symbol)
  --lp ASSET=USD_VALUE         a constant-product ASSET/USD position worth USD_VALUE now  (repeatable)
  --from-wallet ADDRESS        what ADDRESS holds on chain (native balance, each --wallet-token, its Uniswap v3
                               positions with --position-manager), read once at start as parapet exposures does
  --uniswap-position ID        a Uniswap v3 position (repeatable; needs --position-manager), valued through its range
  --position-manager ADDRESS   Uniswap v3 NonfungiblePositionManager
  --wallet-token ADDRESS       an ERC-20 of --from-wallet (repeatable)
  --from-block N               first block of the history read at start: funding settled since (the carry column)
                               and the keeper's actions (default: the deployment's block; a later one starts faster)
  --port N                     port (default 8787; 0: any free port)
  --host HOST                  address to bind (default 127.0.0.1; anything else exposes the dashboard to the network)
  --poll-ms MS                 how often to look for a new block (default 1000)

${CONNECTION_HELP.replace(/\n {2}Signer:[^\n]*/, "")}

Exit codes: 0 stopped by SIGINT/SIGTERM; 1 runtime (RPC down at start, wrong chain, port in use); 2 usage (bad
option, no account to watch, a key option).
`;

const DEFAULT_ACCOUNT_INDEXES = [0n, 1n, 2n, 3n, 4n, 5n];
/** Options a signing command takes: refused by name, so nobody wonders whether a key was used. */
const KEY_OPTION = /^--(private-key|key|mnemonic|signer|keystore)(=|$)/;

async function runDashboard(argv: readonly string[], io: CliIo): Promise<number> {
  const keyOption = argv.find((a) => KEY_OPTION.test(a));
  if (keyOption !== undefined) {
    throw usage(
      keyOption,
      `parapet dashboard is read-only and takes no key (${keyOption.split("=")[0]}).`,
      "Leave the key out: the dashboard only reads.",
    );
  }
  const { values } = parseCommandArgs("dashboard", argv, {
    ...CONNECTION_OPTIONS,
    owner: { type: "string", multiple: true },
    "account-index": { type: "string", multiple: true },
    account: { type: "string", multiple: true },
    exposure: EXPOSURE_OPTIONS.exposure,
    lp: EXPOSURE_OPTIONS.lp,
    "from-wallet": EXPOSURE_OPTIONS["from-wallet"],
    "uniswap-position": EXPOSURE_OPTIONS["uniswap-position"],
    "position-manager": EXPOSURE_OPTIONS["position-manager"],
    "wallet-token": EXPOSURE_OPTIONS["wallet-token"],
    "from-block": { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    "poll-ms": { type: "string" },
  });
  if (values.help) {
    io.stdout(help);
    return EXIT_CODES.ok;
  }
  const settings = connectionSettings(values, envOf(io));
  const indexes = values["account-index"]?.map((v) => accountIndexOption(v)) ?? DEFAULT_ACCOUNT_INDEXES;
  const accounts = (values.owner ?? []).flatMap((o) =>
    indexes.map((accountIndex) => ({ owner: addressOption("owner", o), accountIndex })),
  );
  for (const v of values.account ?? []) {
    const i = v.lastIndexOf(":");
    if (i < 0) throw usage(`--account ${v}`, `--account ${v} is not OWNER:INDEX.`, "Pass e.g. --account 0xf39F…:0.");
    accounts.push({
      owner: addressOption("account", v.slice(0, i)),
      accountIndex: accountIndexOption(v.slice(i + 1), "--account"),
    });
  }
  const unique = [...new Map(accounts.map((a) => [`${a.owner}:${a.accountIndex}`, a])).values()];
  if (unique.length === 0) {
    throw usage(
      "--owner",
      "parapet dashboard needs accounts to watch.",
      "Pass --owner ADDRESS or --account OWNER:INDEX.",
    );
  }
  const exposureArgs = parseExposureArgs(values, false);
  const port = numberOption("port", values.port, 8787, (x) => Number.isInteger(x) && x >= 0 && x <= 65_535, "a port");
  const pollMs = numberOption("poll-ms", values["poll-ms"], 1000, (x) => x >= 50 && x <= 600_000, "50..600000 ms");
  const host = values.host ?? "127.0.0.1";

  // The key in the environment is not even read: the dashboard connects without a signer.
  const { client } = await connect(settings, envOf(io), "none", "dashboard");
  // Exposures by hand and read from chain (Uniswap positions keep their liquidity and range: the reader values them
  // through the range at each refresh's oracle price, so their delta moves with it at no extra request).
  let exposures: Exposure[] = [];
  if (exposureArgs !== undefined) {
    const markets = await getMarkets(client, {});
    const priceOf = (asset: string) => {
      const m = markets.find((x) => x.symbol.toUpperCase() === asset.toUpperCase());
      return m?.priceWad === undefined ? undefined : wadToNumber(m.priceWad);
    };
    try {
      ({ exposures } = await resolveExposures(client, exposureArgs, priceOf));
    } catch (error) {
      throw toParapetRpcError(error) ?? error;
    }
  }
  for (const e of exposures) {
    if (!client.deployment.markets.some((m) => m.symbol.toUpperCase() === e.asset.toUpperCase())) {
      throw usage(
        e.kind === "asset" ? `--exposure ${e.asset}=${e.amount}` : `--lp/--from-wallet/--uniswap-position (${e.asset})`,
        `${e.kind === "asset" ? "--exposure " : ""}${e.asset}: the deployment has no ${e.asset} market to price it.`,
        `Use one of ${client.deployment.markets.map((m) => m.symbol).join(", ")}.`,
      );
    }
  }
  const [{ createDashboardReader }, { startDashboardServer, isLoopbackHost }] = await Promise.all([
    import("../../dashboard/reader.js"),
    import("../../dashboard/server.js"),
  ]);
  if (!isLoopbackHost(host)) {
    io.stderr(
      `parapet dashboard: WARNING: --host ${host} is not loopback: anyone who can reach this machine on port ${port} sees every watched account's positions and margins. Use an SSH tunnel to 127.0.0.1 instead.\n`,
    );
  }
  const fromBlock = values["from-block"];
  if (fromBlock !== undefined && !/^\d+$/.test(fromBlock))
    throw usage(
      `--from-block ${fromBlock}`,
      `--from-block ${fromBlock} is not a block number.`,
      "Pass e.g. --from-block 21000000.",
    );
  const reader = createDashboardReader(client, {
    accounts: unique,
    exposures,
    ...(fromBlock !== undefined ? { historyFromBlock: BigInt(fromBlock) } : {}),
  });
  const server = await startDashboardServer({ reader, host, port, pollMs });
  io.stdout(
    settings.json
      ? `${toJson({ url: server.url, accounts: unique.length })}\n`
      : `parapet dashboard: ${server.url} (${unique.length} account(s), chain ${client.deployment.chainId}; read-only; Ctrl-C stops)\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    if (io.signal) io.signal.addEventListener("abort", stop, { once: true });
    else {
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    }
  });
  await server.close();
  io.stderr("parapet dashboard: stopped.\n");
  return EXIT_CODES.ok;
}

export function run(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand("dashboard", io, () => runDashboard(argv, io));
}
