// The keeper's liquidation job: find liquidatable accounts, keep those worth the gas, liquidate them in one batch.
// Every number comes from the chain: rewards from a simulation of the very liquidations that would be sent (one
// deployless multicall, in batch order), gas from eth_estimateGas of the batch, paid rewards from the receipt.
import { type Address, type Hex, zeroAddress } from "viem";
import { oracleAdapterAbi, perpVaultAbi } from "../abis/index.js";
import { deploylessMulticall } from "../actions/read.js";
import { buildLiquidateBatch, sendParapetTransaction } from "../actions/write.js";
import type { ParapetContext } from "../client.js";
import { ParapetInputError } from "../errors.js";
import { toWad } from "../units.js";
import { type AccountRef, accountKey } from "./accounts.js";

const WAD = 10n ** 18n;

/** A liquidatable account and what liquidating it (after the ones before it in the scan) pays. USD WAD. */
export type LiquidationCandidate = {
  account: AccountRef;
  equityUsd: bigint;
  maintenanceMarginUsd: bigint;
  /** The keeper reward a liquidation would pay now (simulated; 0 when equity ≤ 0: there is nothing to pay it from). */
  keeperRewardUsd: bigint;
  /** Fraction of every position the liquidation would close (WAD; 1e18 = full). */
  closedFraction: bigint;
};

export type ScanAccountsParameters = {
  accounts: readonly AccountRef[];
  /** Accounts per eth_call (default 200): keeps each call far under node eth_call gas caps. */
  accountsPerCall?: number | undefined;
};

export type ScanAccountsReturnType = {
  candidates: LiquidationCandidate[];
  /** Accounts whose margin could not be read: a market's oracle has no valid price. They cannot be liquidated now. */
  unpriced: AccountRef[];
};

type LiquidationResult = { closedFraction: bigint; keeperRewardUsd: bigint };
type AccountMargin = { equity: bigint; maintenanceMargin: bigint };

function vaultCall(client: ParapetContext, functionName: string, account: AccountRef) {
  return {
    address: client.deployment.perpVault,
    abi: perpVaultAbi,
    functionName,
    args: [account.owner, account.accountIndex],
  };
}

/** Simulates `liquidate` for each account in order, in one eth_call: what a `liquidateBatch` of them would do. */
async function simulateLiquidations(
  client: ParapetContext,
  accounts: readonly AccountRef[],
): Promise<(LiquidationResult | undefined)[]> {
  const results = await deploylessMulticall(
    client,
    accounts.map((a) => vaultCall(client, "liquidate", a)),
  );
  return results.map((r) => (r.status === "success" ? (r.result as LiquidationResult) : undefined));
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Reads every account's margin (one multicall per `accountsPerCall` accounts) and simulates the liquidation of the
 * liquidatable ones. Accounts whose oracle has no valid price are reported apart, never as candidates.
 */
export async function scanAccounts(
  client: ParapetContext,
  parameters: ScanAccountsParameters,
): Promise<ScanAccountsReturnType> {
  const perCall = parameters.accountsPerCall ?? 200;
  if (!Number.isSafeInteger(perCall) || perCall <= 0) {
    throw new ParapetInputError("accountsPerCall", `is ${perCall}.`, "Pass a positive integer.");
  }
  const candidates: LiquidationCandidate[] = [];
  const unpriced: AccountRef[] = [];
  for (const group of chunks(parameters.accounts, perCall)) {
    const results = await deploylessMulticall(
      client,
      group.flatMap((a) => [vaultCall(client, "isLiquidatable", a), vaultCall(client, "accountMargin", a)]),
    );
    const due: { account: AccountRef; margin: AccountMargin }[] = [];
    group.forEach((account, i) => {
      const liquidatable = results[2 * i];
      const margin = results[2 * i + 1];
      if (liquidatable?.status !== "success" || margin?.status !== "success") {
        unpriced.push(account);
        return;
      }
      if (liquidatable.result === true) due.push({ account, margin: margin.result as AccountMargin });
    });
    const simulated = await simulateLiquidations(
      client,
      due.map((d) => d.account),
    );
    due.forEach(({ account, margin }, i) => {
      const result = simulated[i];
      // Liquidatable a moment ago but the simulation reverted: state moved between the two reads; skip this round.
      if (!result) return;
      candidates.push({
        account,
        equityUsd: margin.equity,
        maintenanceMarginUsd: margin.maintenanceMargin,
        keeperRewardUsd: result.keeperRewardUsd,
        closedFraction: result.closedFraction,
      });
    });
  }
  return { candidates, unpriced };
}

/** The liquidatable accounts among `accounts` (see {@link scanAccounts}; unpriced accounts are left out). */
export async function findLiquidatableAccounts(
  client: ParapetContext,
  parameters: ScanAccountsParameters,
): Promise<LiquidationCandidate[]> {
  return (await scanAccounts(client, parameters)).candidates;
}

export type LiquidateProfitablyParameters = {
  candidates: readonly LiquidationCandidate[];
  /** USD per unit of the chain's native token, to price gas (default: the deployment's ETH market oracle price). */
  nativePriceUsd?: number | undefined;
  /** Least reward − gas cost (USD) worth a transaction (default 0). Negative: liquidate at a loss (a public good). */
  minProfitUsd?: number | undefined;
  /** Most accounts per transaction (default 20). */
  maxBatch?: number | undefined;
  /** Decide and estimate, send nothing. */
  dryRun?: boolean | undefined;
};

export type LiquidationSkipReason = "UNPROFITABLE" | "NOT_LIQUIDATABLE_ANY_MORE" | "BATCH_FULL";

export type LiquidationPass = {
  considered: number;
  sent: boolean;
  hash?: Hex | undefined;
  /** Gas the transaction used (receipt), or the estimate when nothing was sent. */
  gasUsed?: bigint | undefined;
  /** Gas cost of the batch in USD WAD (receipt's effective gas price when sent, else the estimate). */
  gasCostUsd: bigint;
  /** The accounts liquidated (from the receipt's Liquidated events), or those that would be on a dry run. */
  liquidated: AccountRef[];
  /** Rewards paid to the sender (receipt), or the simulated rewards of the batch on a dry run. USD WAD. */
  rewardUsd: bigint;
  skipped: { account: AccountRef; reason: LiquidationSkipReason }[];
};

/** USD (WAD) per native token: `nativePriceUsd` when given, else the deployment's ETH market oracle price. */
export async function nativePriceWad(client: ParapetContext, nativePriceUsd: number | undefined): Promise<bigint> {
  if (nativePriceUsd !== undefined) {
    if (!Number.isFinite(nativePriceUsd) || nativePriceUsd < 0) {
      throw new ParapetInputError("nativePriceUsd", `is ${nativePriceUsd}.`, "Pass a finite price ≥ 0 in USD.");
    }
    return toWad(nativePriceUsd.toFixed(8));
  }
  const eth = client.deployment.markets.find((m) => m.symbol.toUpperCase() === "ETH");
  if (!eth) {
    throw new ParapetInputError(
      "nativePriceUsd",
      "is not given and the deployment has no ETH market to read it from.",
      "Pass nativePriceUsd (USD per unit of the chain's native token).",
    );
  }
  return client.publicClient.readContract({
    address: client.deployment.oracleAdapter,
    abi: oracleAdapterAbi,
    functionName: "priceWad",
    args: [eth.feed],
  });
}

function gasCostUsd(gas: bigint, gasPriceWei: bigint, priceWad: bigint): bigint {
  return (gas * gasPriceWei * priceWad) / WAD;
}

/**
 * Re-validates `candidates` on chain (a simulation of the batch, so an account liquidated by someone else since the
 * scan is dropped as NOT_LIQUIDATABLE_ANY_MORE), keeps the `maxBatch` best rewards, then drops the smallest rewards
 * until the batch's reward − gas cost ≥ `minProfitUsd` (UNPROFITABLE), and sends one `liquidateBatch`.
 */
export async function liquidateProfitably(
  client: ParapetContext,
  parameters: LiquidateProfitablyParameters,
): Promise<LiquidationPass> {
  const maxBatch = parameters.maxBatch ?? 20;
  if (!Number.isSafeInteger(maxBatch) || maxBatch <= 0) {
    throw new ParapetInputError("maxBatch", `is ${maxBatch}.`, "Pass a positive integer.");
  }
  const minProfitWad = toWad((parameters.minProfitUsd ?? 0).toFixed(8), { allowNegative: true });
  const skipped: LiquidationPass["skipped"] = [];
  const none = (): LiquidationPass => ({
    considered: parameters.candidates.length,
    sent: false,
    gasCostUsd: 0n,
    liquidated: [],
    rewardUsd: 0n,
    skipped,
  });

  // Deduplicate (a caller may merge scans) and re-validate in one simulation.
  const unique = [...new Map(parameters.candidates.map((c) => [accountKey(c.account), c.account])).values()];
  const simulated = await simulateLiquidations(client, unique);
  let batch: { account: AccountRef; rewardUsd: bigint }[] = [];
  unique.forEach((account, i) => {
    const result = simulated[i];
    if (result) batch.push({ account, rewardUsd: result.keeperRewardUsd });
    else skipped.push({ account, reason: "NOT_LIQUIDATABLE_ANY_MORE" });
  });
  batch.sort((a, b) => (a.rewardUsd === b.rewardUsd ? 0 : a.rewardUsd > b.rewardUsd ? -1 : 1));
  for (const { account } of batch.slice(maxBatch)) skipped.push({ account, reason: "BATCH_FULL" });
  batch = batch.slice(0, maxBatch);
  if (batch.length === 0) return none();

  const from: Address = client.walletClient?.account?.address ?? zeroAddress;
  const [gasPriceWei, priceWad] = await Promise.all([
    client.publicClient.getGasPrice(),
    nativePriceWad(client, parameters.nativePriceUsd),
  ]);
  let gasEstimate = 0n;
  let costWad = 0n;
  // Drop the smallest reward until the batch pays for itself (each step re-estimates: gas is not linear in size).
  while (batch.length > 0) {
    const tx = buildLiquidateBatch(client, { accounts: batch.map((b) => b.account) });
    gasEstimate = await client.publicClient.estimateGas({ account: from, to: tx.to, data: tx.data });
    costWad = gasCostUsd(gasEstimate, gasPriceWei, priceWad);
    const rewardWad = batch.reduce((sum, b) => sum + b.rewardUsd, 0n);
    if (rewardWad - costWad >= minProfitWad) break;
    const dropped = batch.pop();
    if (dropped) skipped.push({ account: dropped.account, reason: "UNPROFITABLE" });
  }
  if (batch.length === 0) return none();

  const accounts = batch.map((b) => b.account);
  if (parameters.dryRun) {
    return {
      considered: parameters.candidates.length,
      sent: false,
      gasUsed: gasEstimate,
      gasCostUsd: costWad,
      liquidated: accounts,
      rewardUsd: batch.reduce((sum, b) => sum + b.rewardUsd, 0n),
      skipped,
    };
  }
  const written = await sendParapetTransaction(client, buildLiquidateBatch(client, { accounts }));
  const sender = written.receipt.from.toLowerCase();
  const liquidated: AccountRef[] = [];
  let rewardUsd = 0n;
  for (const event of written.events) {
    if (event.eventName !== "Liquidated" || event.args.keeper.toLowerCase() !== sender) continue;
    liquidated.push({ owner: event.args.owner, accountIndex: BigInt(event.args.accountIndex) });
    rewardUsd += event.args.result.keeperRewardUsd;
  }
  return {
    considered: parameters.candidates.length,
    sent: true,
    hash: written.hash,
    gasUsed: written.receipt.gasUsed,
    gasCostUsd: gasCostUsd(written.receipt.gasUsed, written.receipt.effectiveGasPrice, priceWad),
    liquidated,
    rewardUsd,
    skipped,
  };
}
