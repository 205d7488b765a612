// Deploys Parapet to one network from its parameter file and writes the deployment file the SDK loads. The steps:
// validate the file (pure) → check the chain (reads only: chain id, code and decimals of every given address, the
// Ignition journal) → deploy with Ignition (its journal makes a re-run send nothing) → read the markets back from
// the vault → write deployments/<network>.json and re-read it through parseDeployment.
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import hre from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { type Address, erc20Abi, formatUnits, getAddress, type Hex, type PublicClient, parseAbi } from "viem";
import { type LivePlan, parapetModule } from "../../ignition/modules/Parapet.js";
import { type LocalPlan, parapetLocalModule } from "../../ignition/modules/ParapetLocal.js";
import { liquidityVaultAbi, oracleAdapterAbi, perpVaultAbi } from "../../src/abis/index.js";
import type { LpFlowParams } from "../../src/actions/lp.js";
import { type Deployment, parseDeployment } from "../../src/deployment.js";
import { loadDeploymentFile, writeDeploymentFile } from "../../src/deploymentFile.js";
import { ParapetDeploymentError } from "../../src/errors.js";
import { type MarketSchedule, marketScheduleFromChain } from "../../src/hours/index.js";
import { type DeployPlan, loadNetworkConfig } from "./networkConfig.js";

const aggregatorAbi = parseAbi([
  "function decimals() view returns (uint8)",
  "function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)",
]);

export type DeployNetworkOptions = {
  /** The Hardhat network name (names the default deployment file). */
  networkName: string;
  /** ignition/parameters/<network>.json (see {@link parametersFileFor}). */
  parametersFile: string;
  /** Where to write the deployment; default deployments/<networkName>.json. */
  outFile?: string | undefined;
  /** Ignition deployment id (names the journal directory); default Ignition's own `chain-<chainId>`. */
  deploymentId?: string | undefined;
  /** Delete the journal first: only for a chain that was just started (`npm run node`). */
  resetJournal?: boolean | undefined;
  /** Show Ignition's progress UI (the CLI script does; tests do not). */
  displayUi?: boolean | undefined;
};

export type DeployNetworkReturnType = {
  deployment: Deployment;
  outFile: string;
  deploymentId: string;
  /** The Ignition journal directory, or undefined on the in-process `hardhat` network (nothing is persisted). */
  journalDir: string | undefined;
  /** Why an old journal on a dev chain was deleted first (it described a restarted chain), or undefined. */
  journalReset: string | undefined;
  deployer: Address;
  /** Markets whose latency defence is on, as the vault reports it after the deploy (docs/orders.md). */
  latencyDefence: {
    marketId: bigint;
    symbol: string;
    minSettlementDelay: number;
    settlementTimeout: number;
    immediateFeeRatio: bigint;
  }[];
  /**
   * Markets with trading hours, as the adapter (`marketHours(feed)`) and the vault (`closingMarginRatio`) report them
   * after the deploy; a market not listed here never closes.
   */
  marketHours: { marketId: bigint; symbol: string; schedule: MarketSchedule }[];
  /** The LP vault's flow parameters as it reports them after the deploy (minDelaySeconds 0: the LP defence off). */
  lpFlows: LpFlowParams;
  /** Transactions the deployer sent in this run (0 on a re-run: everything was already deployed). */
  transactionsSent: number;
  alreadyDeployed: boolean;
};

/** The parameter file of a network: `hardhat` and `localhost` share local.json. */
export function parametersFileFor(networkName: string, root = hre.config.paths.root): string {
  const name = networkName === "hardhat" || networkName === "localhost" ? "local" : networkName;
  return path.join(root, "ignition", "parameters", `${name}.json`);
}

function invalid(summary: string, fix: string): never {
  throw new ParapetDeploymentError({ code: "INVALID_DEPLOY_PARAMETERS", summary, fix });
}

/** Every address the file names must be a contract of the right kind on this chain (reads only). */
async function preflight(publicClient: PublicClient, plan: DeployPlan, file: string, chainId: number) {
  const requireCode = async (address: Address, field: string) => {
    const code = await publicClient.getCode({ address });
    if (code === undefined || code === "0x") {
      invalid(
        `${file}: ${field} ${address} has no contract on chain ${chainId}.`,
        `Check ${field} for this network (is the address from another chain?).`,
      );
    }
  };
  const requireFeed = async (address: Address, field: string) => {
    await requireCode(address, field);
    try {
      await publicClient.readContract({ address, abi: aggregatorAbi, functionName: "decimals" });
      await publicClient.readContract({ address, abi: aggregatorAbi, functionName: "latestRoundData" });
    } catch (cause) {
      throw new ParapetDeploymentError({
        code: "INVALID_DEPLOY_PARAMETERS",
        summary: `${file}: ${field} ${address} does not answer like a Chainlink feed (decimals, latestRoundData).`,
        fix: `Use the feed's proxy address from https://data.chain.link for ${field}.`,
        cause,
      });
    }
  };
  if (plan.collateral.kind === "address") {
    await requireCode(plan.collateral.address, "collateral.token");
    const decimals = await publicClient.readContract({
      address: plan.collateral.address,
      abi: erc20Abi,
      functionName: "decimals",
    });
    if (decimals !== plan.collateral.decimals) {
      invalid(
        `${file}: collateral.token has ${decimals} decimals, the file says ${plan.collateral.decimals}.`,
        "Fix collateral.decimals (or the token address).",
      );
    }
  }
  if (plan.sequencer) await requireFeed(plan.sequencer.feed, "sequencerUptimeFeed.address");
  for (const [i, market] of plan.markets.entries()) {
    if (market.feed.kind === "address") await requireFeed(market.feed.address, `markets[${i}].feed`);
    if (market.secondaryFeed !== "0x0000000000000000000000000000000000000000") {
      await requireFeed(market.secondaryFeed, `markets[${i}].secondaryFeed`);
    }
  }
}

/** Written next to Ignition's journal: the chain it describes (a restarted local node has a new genesis block). */
const JOURNAL_CHAIN_FILE = "parapet-chain.json";
type JournalChain = { chainId: number; genesisHash: Hex };

/**
 * Why the journal in `journalDir` is not this chain's, or undefined when it is (or there is none): another chain id
 * or genesis block than the one recorded at the last deploy, or a recorded contract without code (a journal from
 * before the genesis was recorded, on a restarted chain). Ignition alone would trust it blindly.
 */
async function staleJournal(
  publicClient: PublicClient,
  journalDir: string,
  chain: JournalChain,
): Promise<string | undefined> {
  const chainFile = path.join(journalDir, JOURNAL_CHAIN_FILE);
  if (existsSync(chainFile)) {
    const recorded = JSON.parse(await readFile(chainFile, "utf8")) as JournalChain;
    if (recorded.chainId !== chain.chainId || recorded.genesisHash !== chain.genesisHash) {
      return `it was written for chain ${recorded.chainId} with genesis block ${recorded.genesisHash}, this is chain ${chain.chainId} with genesis block ${chain.genesisHash} (the node was restarted)`;
    }
  }
  const file = path.join(journalDir, "deployed_addresses.json");
  if (!existsSync(file)) return undefined;
  const addresses = Object.values(JSON.parse(await readFile(file, "utf8")) as Record<string, Address>);
  for (const address of addresses) {
    const code = await publicClient.getCode({ address });
    if (code === undefined || code === "0x") {
      return `it records ${address}, which has no code on this chain (the chain was restarted or reset)`;
    }
  }
  return undefined;
}

/** First block at which `address` has code (binary search over getCode; undefined if the node cannot tell). */
async function creationBlock(publicClient: PublicClient, address: Address, latest: bigint) {
  const hasCode = async (blockNumber: bigint) => {
    const code = await publicClient.getCode({ address, blockNumber });
    return code !== undefined && code !== "0x";
  };
  try {
    let low = 0n;
    let high = latest;
    while (low < high) {
      const mid = (low + high) / 2n;
      if (await hasCode(mid)) high = mid;
      else low = mid + 1n;
    }
    return low;
  } catch {
    return undefined; // a pruned node cannot answer for old blocks
  }
}

/**
 * Deploys (or finds already deployed) Parapet on `connection`'s network as its parameter file describes, and writes
 * the deployment file. Validation errors are thrown before anything is sent. Throws {@link ParapetDeploymentError}.
 */
export async function deployNetwork(
  connection: NetworkConnection,
  options: DeployNetworkOptions,
): Promise<DeployNetworkReturnType> {
  const { networkName, parametersFile } = options;
  const plan = await loadNetworkConfig(parametersFile);
  const { viem, ignition } = connection;
  const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
  const [deployerClient] = await viem.getWalletClients();
  if (!deployerClient) {
    throw new ParapetDeploymentError({
      code: "INVALID_DEPLOY_PARAMETERS",
      summary: `Network ${networkName} has no account to deploy from.`,
      fix: "Set the deployer key (PARAPET_DEPLOYER_KEY, see docs/deployment.md) or use a node with unlocked accounts.",
    });
  }
  const deployer = getAddress(deployerClient.account.address);
  const chainId = await publicClient.getChainId();
  if (chainId !== plan.chainId) {
    throw new ParapetDeploymentError({
      code: "WRONG_CHAIN",
      summary: `${parametersFile} is for chain ${plan.chainId}, but network ${networkName} is chain ${chainId}. Nothing was sent.`,
      fix: "Pass the --network whose chain the parameter file describes, or the parameter file of this network.",
    });
  }
  await preflight(publicClient, plan, parametersFile, chainId);

  const deploymentId = options.deploymentId ?? `chain-${chainId}`;
  const ephemeral = connection.networkConfig.type === "edr-simulated";
  const journalDir = ephemeral ? undefined : path.join(hre.config.paths.ignition, "deployments", deploymentId);
  const genesis = await publicClient.getBlock({ blockNumber: 0n });
  const chain: JournalChain = { chainId, genesisHash: genesis.hash };
  let journalReset: string | undefined;
  if (journalDir && options.resetJournal) await rm(journalDir, { recursive: true, force: true });
  const stale = journalDir ? await staleJournal(publicClient, journalDir, chain) : undefined;
  if (journalDir && stale) {
    // A dev chain (test collateral) is disposable: its old journal describes a chain that no longer exists. A live
    // chain's journal is never deleted for the user.
    if (plan.collateral.kind !== "test") {
      throw new ParapetDeploymentError({
        code: "STALE_IGNITION_JOURNAL",
        summary: `The Ignition journal ${journalDir} is not this chain's: ${stale}.`,
        fix: `Delete ${journalDir} (it describes a chain that no longer exists) and deploy again.`,
      });
    }
    await rm(journalDir, { recursive: true, force: true });
    journalReset = stale;
  }

  const nonceBefore = await publicClient.getTransactionCount({ address: deployer, blockTag: "pending" });
  const module =
    plan.collateral.kind === "test" ? parapetLocalModule(plan as LocalPlan) : parapetModule(plan as LivePlan);
  let result: Record<string, { address: Address }>;
  try {
    result = (await ignition.deploy(module, {
      deploymentId,
      displayUi: options.displayUi ?? false,
    })) as unknown as Record<string, { address: Address }>;
  } catch (cause) {
    // Ignition reconciles the module with its journal before sending anything; a mismatch means the file changed
    // a step that is already on chain.
    const message = cause instanceof Error ? cause.message : String(cause);
    if (!/reconciliation/i.test(message)) throw cause;
    throw new ParapetDeploymentError({
      code: "DEPLOYMENT_CONFLICT",
      summary: `${parametersFile} changes steps already deployed under ${journalDir ?? deploymentId}; nothing was sent. Ignition: ${message}`,
      fix: "Revert the change, or change a listed market on chain with setMarketParams (owner), or deploy afresh under a new Ignition deployment id.",
      cause,
    });
  }
  const nonceAfter = await publicClient.getTransactionCount({ address: deployer, blockTag: "pending" });
  const transactionsSent = nonceAfter - nonceBefore;

  const get = (key: string): Address => {
    const contract = result[key];
    if (!contract) throw new Error(`the Ignition result has no ${key}`);
    return contract.address;
  };
  const perpVault = get("vault");
  const collateralToken = plan.collateral.kind === "test" ? get("token") : plan.collateral.address;
  // Market ids come from the vault (not from the file's order), so a market added later or listed by hand
  // elsewhere cannot shift them.
  const feedToSymbol = new Map(
    plan.markets.map((m) => [
      (m.feed.kind === "address" ? m.feed.address : get(`feed${m.symbol}`)).toLowerCase(),
      m.symbol,
    ]),
  );
  const marketCount = await publicClient.readContract({
    address: perpVault,
    abi: perpVaultAbi,
    functionName: "marketCount",
  });
  const markets = [];
  const latencyDefence: DeployNetworkReturnType["latencyDefence"] = [];
  const marketHours: DeployNetworkReturnType["marketHours"] = [];
  for (let marketId = 0n; marketId < marketCount; marketId++) {
    const params = await publicClient.readContract({
      address: perpVault,
      abi: perpVaultAbi,
      functionName: "marketParams",
      args: [marketId],
    });
    const symbol = feedToSymbol.get(params.feed.toLowerCase());
    if (symbol === undefined) continue;
    markets.push({ marketId, symbol, feed: params.feed });
    const latency = await publicClient.readContract({
      address: perpVault,
      abi: perpVaultAbi,
      functionName: "latencyParams",
      args: [marketId],
    });
    if (latency.minSettlementDelay !== 0) latencyDefence.push({ marketId, symbol, ...latency });
    const hours = await publicClient.readContract({
      address: get("adapter"),
      abi: oracleAdapterAbi,
      functionName: "marketHours",
      args: [params.feed],
    });
    if (hours.sessions.length > 0) {
      const closingMargin = await publicClient.readContract({
        address: perpVault,
        abi: perpVaultAbi,
        functionName: "closingMarginRatio",
        args: [marketId],
      });
      marketHours.push({ marketId, symbol, schedule: marketScheduleFromChain(hours, closingMargin) });
    }
  }
  const collateralDecimals = await publicClient.readContract({
    address: collateralToken,
    abi: erc20Abi,
    functionName: "decimals",
  });
  const lpFlows = await publicClient.readContract({
    address: get("liquidityVault"),
    abi: liquidityVaultAbi,
    functionName: "flowParams",
  });

  const outFile = options.outFile ?? path.join(hre.config.paths.root, "deployments", `${networkName}.json`);
  // Keep the block of an earlier file for the same contracts (event scans start there); otherwise find it.
  let blockNumber: bigint | undefined;
  try {
    const previous = await loadDeploymentFile(outFile);
    if (previous.chainId === chainId && previous.perpVault === perpVault) blockNumber = previous.blockNumber;
  } catch {
    // no usable earlier file
  }
  // The adapter is Core's first contract (the vault takes it as an argument), so no Parapet event precedes it.
  blockNumber ??=
    (await creationBlock(publicClient, get("adapter"), await publicClient.getBlockNumber({ cacheTime: 0 }))) ?? 0n;

  const deployment = parseDeployment({
    chainId,
    blockNumber,
    perpVault,
    liquidityVault: get("liquidityVault"),
    oracleAdapter: get("adapter"),
    collateralToken,
    hedgeRouter: get("hedgeRouter"),
    liquidationUpkeep: get("liquidationUpkeep"),
    triggerOrders: get("triggerOrders"),
    delayedOrders: get("delayedOrders"),
    collateralDecimals,
    markets,
  });
  if (journalDir) await writeFile(path.join(journalDir, JOURNAL_CHAIN_FILE), `${JSON.stringify(chain, null, 2)}\n`);
  await writeDeploymentFile(outFile, deployment);
  // What the SDK will read: the file must round-trip to the same deployment.
  const reread = await loadDeploymentFile(outFile);
  if (JSON.stringify(reread, bigintJson) !== JSON.stringify(deployment, bigintJson)) {
    throw new Error(`${outFile} did not round-trip through parseDeployment`);
  }
  return {
    deployment,
    outFile,
    deploymentId,
    journalDir,
    journalReset,
    deployer,
    latencyDefence,
    marketHours,
    lpFlows,
    transactionsSent,
    alreadyDeployed: transactionsSent === 0,
  };
}

/** The LP vault's flow parameters in one line of the deploy report. */
export function lpFlowsText(p: LpFlowParams, collateralDecimals: number): string {
  const fees = `entry fee ${p.entryFeeBps} bps, exit fee ${p.exitFeeBps} bps`;
  if (p.minDelaySeconds === 0) return `immediate (the LP defence is off), ${fees}`;
  return `requests settle after ${p.minDelaySeconds} s (timeout ${p.settlementTimeoutSeconds} s), ${fees}, keeper fee ${formatUnits(p.keeperFeeTokens, collateralDecimals)}`;
}

function bigintJson(_key: string, value: unknown) {
  return typeof value === "bigint" ? value.toString() : value;
}

/** A human summary of a deploy: what happened, the addresses, the markets and the file written. */
export function formatDeployReport(result: DeployNetworkReturnType, networkName: string): string {
  const d = result.deployment;
  const rows: [string, string][] = [
    ["network", `${networkName} (chain ${d.chainId})`],
    ["deployer", result.deployer],
    ["PerpVault", d.perpVault],
    ["LiquidityVault", d.liquidityVault],
    ["OracleAdapter", d.oracleAdapter],
    ["collateral", `${d.collateralToken} (${d.collateralDecimals} decimals)`],
    ["HedgeRouter", d.hedgeRouter ?? "-"],
    ["LiquidationUpkeep", d.liquidationUpkeep ?? "-"],
    ["TriggerOrders", d.triggerOrders ?? "-"],
    ["DelayedOrders", d.delayedOrders ?? "-"],
    ["from block", d.blockNumber.toString()],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [
    result.alreadyDeployed
      ? "Parapet: already deployed; nothing was sent (Ignition's journal has every step)."
      : `Parapet: deployed (${result.transactionsSent} transactions sent).`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    "  markets:",
    ...d.markets.map((m) => {
      const latency = result.latencyDefence.find((l) => l.marketId === m.marketId);
      const defence = latency
        ? `  latency defence: delay ${latency.minSettlementDelay} s, timeout ${latency.settlementTimeout} s, immediate fee ${formatUnits(latency.immediateFeeRatio * 100n, 18)} %`
        : "";
      const hours = result.marketHours.find((h) => h.marketId === m.marketId)?.schedule;
      const hoursText = hours
        ? `  hours: ${hours.sessions.length} weekly session(s), ${hours.closures.length} closure(s), closing margin ${formatUnits(hours.closingMaintenanceMarginRatio * 100n, 18)} % from ${hours.closingWindowSeconds} s before each close`
        : "  always open";
      return `    ${String(m.marketId).padStart(2)}  ${m.symbol.padEnd(7)} feed ${m.feed}${defence}${hoursText}`;
    }),
    `  LP flows: ${lpFlowsText(result.lpFlows, d.collateralDecimals)}`,
    `Wrote ${result.outFile}.`,
    ...(result.journalReset
      ? [`Deleted the old Ignition journal first: ${result.journalReset}; deployed afresh.`]
      : []),
    result.journalDir
      ? `Ignition journal: ${result.journalDir} (a re-run resumes from it and sends only what is missing).`
      : "Ignition journal: none (the in-process hardhat network is not persisted; use --network localhost with `npm run node` for a persistent local chain).",
  ];
  return lines.join("\n");
}
