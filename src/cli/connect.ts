// What every on-chain command shares: the connection options, the address option, loading the deployment file, the
// RPC clients (with a timeout and bounded retries), the signer from the environment, error → exit code, and the WAD
// formatters (they need viem, which output.ts keeps out of `parapet backtest`).
import {
  type Address,
  BaseError,
  createPublicClient,
  createWalletClient,
  formatUnits,
  getAddress,
  type Hex,
  http,
  isAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createParapetContext, type ParapetContext } from "../client.js";
import type { Deployment } from "../deployment.js";
import { loadDeploymentFile } from "../deploymentFile.js";
import { ParapetDeploymentError, ParapetError, toParapetRpcError } from "../errors.js";
import { wadToNumber } from "../units.js";
import { numberOption } from "./args.js";
import { CliUsageError, EXIT_CODES, usage } from "./errors.js";
import type { CliIo } from "./io.js";
import { fmt } from "./output.js";

export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";
export const DEFAULT_DEPLOYMENT_FILE = "deployments/localhost.json";
/** The environment variables the CLI reads. The key is never taken from a flag (shell history) nor printed. */
export const ENV_RPC_URL = "PARAPET_RPC_URL";
export const ENV_PRIVATE_KEY = "PARAPET_PRIVATE_KEY";

/** The options of every on-chain command, for `parseArgs`. */
export const CONNECTION_OPTIONS = {
  rpc: { type: "string" },
  deployment: { type: "string" },
  "rpc-timeout": { type: "string" },
  "rpc-retries": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export const CONNECTION_HELP = `Connection:
  --rpc URL                    JSON-RPC endpoint (default: $${ENV_RPC_URL}, else ${DEFAULT_RPC_URL})
  --deployment FILE            deployment JSON, as written by \`npm run deploy -- --network NAME\` to
                               deployments/NAME.json (default ${DEFAULT_DEPLOYMENT_FILE})
  --rpc-timeout SECONDS        per-request timeout (default 10)
  --rpc-retries N              retries per request, with exponential backoff (default 2)
  Signer: the private key in $${ENV_PRIVATE_KEY} (never a flag, never printed).
  --json                       print data as JSON on stdout
  -h, --help                   show this help`;

export type ConnectionSettings = {
  rpcUrl: string;
  deploymentPath: string;
  timeoutMs: number;
  retryCount: number;
  json: boolean;
};

export function addressOption(name: string, value: string): Address {
  if (!isAddress(value, { strict: false })) {
    throw usage(`--${name} ${value}`, `--${name} ${value} is not an address.`, `Pass a 0x-prefixed 20-byte address.`);
  }
  return getAddress(value);
}

/**
 * For a command whose subcommands share one option set (orders, lp): an option `parapet <parent> <sub>` does not take
 * is a usage error naming it. The connection options are always allowed.
 */
export function allowOnly<V extends Record<string, unknown>>(
  parent: string,
  sub: string,
  values: V,
  allowed: readonly (keyof V & string)[],
): void {
  const always = new Set<string>([...Object.keys(CONNECTION_OPTIONS), ...allowed]);
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && !always.has(key)) {
      throw usage(`--${key}`, `parapet ${parent} ${sub} does not take --${key}.`, `See parapet ${parent} --help.`);
    }
  }
}

/** The connection settings from parsed values, the environment and the defaults. */
export function connectionSettings(
  values: {
    rpc?: string | undefined;
    deployment?: string | undefined;
    "rpc-timeout"?: string | undefined;
    "rpc-retries"?: string | undefined;
    json?: boolean | undefined;
  },
  env: Readonly<Record<string, string | undefined>>,
): ConnectionSettings {
  const rpcUrl = values.rpc ?? env[ENV_RPC_URL] ?? DEFAULT_RPC_URL;
  let protocol = "";
  try {
    protocol = new URL(rpcUrl).protocol;
  } catch {
    // reported below
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw usage(`--rpc ${rpcUrl}`, `--rpc ${rpcUrl} is not an http(s) URL.`, `Pass e.g. --rpc ${DEFAULT_RPC_URL}.`);
  }
  const timeoutS = numberOption(
    "rpc-timeout",
    values["rpc-timeout"],
    10,
    (x) => x > 0 && x <= 600,
    "a timeout in seconds (0 < s ≤ 600)",
  );
  const retryCount = numberOption(
    "rpc-retries",
    values["rpc-retries"],
    2,
    (x) => Number.isInteger(x) && x >= 0 && x <= 10,
    "a number of retries (0..10)",
  );
  return {
    rpcUrl,
    deploymentPath: values.deployment ?? DEFAULT_DEPLOYMENT_FILE,
    timeoutMs: Math.round(timeoutS * 1000),
    retryCount,
    json: values.json === true,
  };
}

/**
 * The deployment file through the SDK's `loadDeploymentFile` (errors name the file and how to deploy). A missing file
 * is a usage error here (exit 2, like backtest's missing data files); an invalid one stays a runtime error (exit 1).
 */
async function readDeployment(path: string): Promise<Deployment> {
  try {
    return await loadDeploymentFile(path);
  } catch (error) {
    if (error instanceof ParapetDeploymentError && error.code === "DEPLOYMENT_NOT_FOUND") {
      throw usage(`--deployment ${path}`, error.summary, `${error.fix} Or pass --deployment FILE.`);
    }
    throw error;
  }
}

export type Connected = {
  client: ParapetContext;
  /** The signer's address, when a key was set (and asked for). */
  signer: Address | undefined;
  settings: ConnectionSettings;
};

/**
 * Loads the deployment, connects to the RPC (first request: the chain id, which must be the deployment's) and, when
 * `signer` is "required" or "optional", builds the wallet from $PARAPET_PRIVATE_KEY.
 */
export async function connect(
  settings: ConnectionSettings,
  env: Readonly<Record<string, string | undefined>>,
  signer: "required" | "optional" | "none",
  command: string,
): Promise<Connected> {
  const deployment = await readDeployment(settings.deploymentPath);
  const key = env[ENV_PRIVATE_KEY];
  if (signer === "required" && (key === undefined || key === "")) {
    throw usage(
      ENV_PRIVATE_KEY,
      `parapet ${command} sends transactions and needs a signer, but $${ENV_PRIVATE_KEY} is not set.`,
      `export ${ENV_PRIVATE_KEY}=0x… (the signer's 32-byte private key; it is never printed).`,
    );
  }
  let account: ReturnType<typeof privateKeyToAccount> | undefined;
  if (signer !== "none" && key !== undefined && key !== "") {
    const hex = key.startsWith("0x") ? key : `0x${key}`;
    if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) {
      throw usage(
        ENV_PRIVATE_KEY,
        `$${ENV_PRIVATE_KEY} is not a 32-byte hex private key.`,
        "Set it to 0x followed by 64 hex digits.",
      );
    }
    account = privateKeyToAccount(hex as Hex);
  }
  const transport = http(settings.rpcUrl, {
    timeout: settings.timeoutMs,
    retryCount: settings.retryCount,
    retryDelay: 200,
  });
  const publicClient = createPublicClient({ transport });
  const walletClient = account ? createWalletClient({ account, transport }) : undefined;
  let client: ParapetContext;
  let code: Hex | undefined;
  try {
    client = await createParapetContext({ publicClient, walletClient, deployment });
    code = await publicClient.getCode({ address: deployment.perpVault });
  } catch (error) {
    throw toParapetRpcError(error) ?? error;
  }
  // A file from an earlier run of a local chain (restarted since) names addresses where nothing lives: every read
  // would come back as "returned no data (0x)".
  if (code === undefined || code === "0x") {
    throw new ParapetDeploymentError({
      code: "DEPLOYMENT_NOT_ON_CHAIN",
      summary: `The deployment file ${settings.deploymentPath} names PerpVault ${deployment.perpVault}, which has no code on chain ${deployment.chainId} at ${settings.rpcUrl} (a local chain restarted since the deploy, or another chain with the same id).`,
      fix: "deploy again to this chain (`npm run deploy -- --network NAME`, or `npm run node` for a local one), or pass the deployment file of this chain with --deployment FILE.",
    });
  }
  return { client, signer: account?.address, settings };
}

/** Runs an on-chain command: maps its failure to its exit code and one message on stderr. */
export async function runCommand(command: string, io: CliIo, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (thrown) {
    if (thrown instanceof CliUsageError) {
      io.stderr(`parapet ${command}: ${thrown.message}\n`);
      return EXIT_CODES.usage;
    }
    const error = toParapetRpcError(thrown) ?? thrown;
    const message =
      error instanceof ParapetError
        ? error.message
        : error instanceof BaseError
          ? error.shortMessage
          : error instanceof Error
            ? error.message
            : String(error);
    io.stderr(`parapet ${command}: ${message}\n`);
    return EXIT_CODES.runtime;
  }
}

// ---- chain amounts ---------------------------------------------------------------------------------------------

/** WAD → exact decimal string (JSON output: no float rounding); null when unknown. */
export function wadDecimal(wad: bigint): string;
export function wadDecimal(wad: bigint | undefined): string | null;
export function wadDecimal(wad: bigint | undefined): string | null {
  return wad === undefined ? null : formatUnits(wad, 18);
}

/** A WAD amount for a table: `digits` decimals, "-" when unknown. */
export function fmtWad(valueWad: bigint | undefined, digits = 2): string {
  return valueWad === undefined ? "-" : fmt(wadToNumber(valueWad), digits);
}
