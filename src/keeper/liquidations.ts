// The keeper's liquidation job, at the scale of a crash: find the liquidatable accounts (src/keeper/scan.ts),
// re-validate them in a deployless simulation of the very liquidations that would be sent (LiquidationSimulator, in
// chunks sized from the EVM's limits: what each pays, the bad debt it records and the gas it uses), pack them into
// `liquidateBatch` transactions sized by gas (the per-transaction cap and the block gas limit), worst shortfall
// first, and send them back to back with consecutive nonces. Every number comes from the chain: rewards and gas from
// the simulation, paid rewards from the receipts.
import { encodeDeployData, type Hex, zeroAddress } from "viem";
import { liquidationSimulatorAbi, liquidationSimulatorBytecode, oracleAdapterAbi } from "../abis/index.js";
import {
  DEFAULT_READ_LIMITS,
  deploylessCall,
  itemsPerRead,
  lowUint128,
  MAX_TRANSACTION_GAS,
  packAccount,
  type ReadCost,
  type ReadLimits,
  readInChunks,
  words,
} from "../actions/deployless.js";
import { buildLiquidateBatch, type PipelinedTransaction, sendPipelined } from "../actions/write.js";
import type { ParapetContext } from "../client.js";
import { ParapetInputError } from "../errors.js";
import { toWad } from "../units.js";
import { type AccountRef, accountKey } from "./accounts.js";
import { type AccountHealth, type ScanAccountsParameters, scanAccounts } from "./scan.js";

export { type AccountHealth, type ScanAccountsReturnType, scanAccounts } from "./scan.js";
export type { ScanAccountsParameters };

const WAD = 10n ** 18n;
const WORD = 32;

/** A liquidatable account, from the scan (USD WAD). */
export type LiquidationCandidate = AccountHealth;

/** The liquidatable accounts among `accounts`, largest shortfall first (see {@link scanAccounts}). */
export async function findLiquidatableAccounts(
  client: ParapetContext,
  parameters: ScanAccountsParameters,
): Promise<LiquidationCandidate[]> {
  return (await scanAccounts(client, parameters)).candidates;
}

// ---- simulation ----------------------------------------------------------------------------------------------------

/** What liquidating one account would do now (LiquidationSimulator): USD WAD, gas of the single call. */
export type LiquidationSimulation = {
  account: AccountRef;
  /** `liquidatable`: it would be liquidated; `healthy`: NotLiquidatable (e.g. liquidated by someone else since the
   * scan); `reverted`: another revert, usually the oracle's (`revertSelector`). */
  status: "liquidatable" | "healthy" | "reverted";
  keeperRewardUsd: bigint;
  badDebtUsd: bigint;
  /** Fraction of every position closed (WAD; 1e18 = full). */
  closedFraction: bigint;
  /** Gas of the single `liquidate` (one reward transfer included: an upper bound of its share of a batch). */
  gasUsed: bigint;
  revertSelector?: Hex | undefined;
};

/** Gas one simulated liquidation may use at most (a one-position account ≈ 60k with the lens' own overhead). */
const SIMULATION_GAS_PER_ACCOUNT = 90_000;
const SIMULATION_GAS_PER_MARKET = 60_000;

/** What one simulation chunk costs (contracts/lens/LiquidationSimulator.sol: one word in, two out per account). */
export function liquidationSimulationCost(marketCount: number): ReadCost {
  return {
    initcodeBytes: { fixed: (liquidationSimulatorBytecode.length - 2) / 2 + 3 * WORD, perItem: WORD },
    returnedBytes: { fixed: WORD, perItem: 2 * WORD },
    gas: { fixed: 100_000 + SIMULATION_GAS_PER_MARKET * marketCount, perItem: SIMULATION_GAS_PER_ACCOUNT },
  };
}

function decodeSimulation(data: Hex, accounts: readonly AccountRef[]): LiquidationSimulation[] {
  const w = words(data);
  const n = Number(w[0] ?? 0n);
  const out: LiquidationSimulation[] = [];
  for (let i = 0; i < Math.min(n, accounts.length); i++) {
    const a = w[1 + 2 * i] ?? 0n;
    const b = w[2 + 2 * i] ?? 0n;
    const status = Number(a >> 248n);
    const selector = (a >> 216n) & 0xffffffffn;
    out.push({
      account: accounts[i] as AccountRef,
      status: status === 0 ? "liquidatable" : status === 1 ? "healthy" : "reverted",
      keeperRewardUsd: b >> 128n,
      badDebtUsd: lowUint128(b),
      closedFraction: lowUint128(a),
      gasUsed: (a >> 128n) & ((1n << 64n) - 1n),
      revertSelector: status === 2 ? (`0x${selector.toString(16).padStart(8, "0")}` as Hex) : undefined,
    });
  }
  return out;
}

export type SimulateLiquidationsParameters = {
  accounts: readonly AccountRef[];
  blockNumber?: bigint | undefined;
  limits?: ReadLimits | undefined;
};

/**
 * Simulates `liquidate` of every account in order, in deployless chunks sized from the EVM's limits (≈ 160
 * accounts per call, bound by gas): the same outcome a `liquidateBatch` of them would have. Accounts in different
 * chunks do not affect each other's result (a liquidation changes no other account's equity).
 */
export async function simulateLiquidations(
  client: ParapetContext,
  parameters: SimulateLiquidationsParameters,
): Promise<{ results: LiquidationSimulation[]; requests: number }> {
  const limits = parameters.limits ?? DEFAULT_READ_LIMITS;
  const perRead = itemsPerRead(
    liquidationSimulationCost(client.deployment.markets.length),
    limits,
    "liquidation simulation",
  );
  const read = await readInChunks({
    items: parameters.accounts,
    perRead,
    blockNumber: parameters.blockNumber,
    what: "liquidation simulation",
    read: async (chunk, blockNumber) => {
      const data = encodeDeployData({
        abi: liquidationSimulatorAbi,
        bytecode: liquidationSimulatorBytecode,
        args: [client.deployment.perpVault, chunk.map((a) => packAccount(a.owner, a.accountIndex))],
      });
      const returned = await deploylessCall(client, {
        data,
        blockNumber,
        what: "liquidation simulation",
        items: chunk.length,
      });
      return decodeSimulation(returned, chunk);
    },
    latestBlock: () => client.publicClient.getBlockNumber({ cacheTime: 0 }),
  });
  return { results: read.results, requests: read.requests };
}

// ---- batches -------------------------------------------------------------------------------------------------------

/** Gas of a `liquidateBatch` transaction besides its accounts: 21,000 base, the call and the one reward transfer. */
const BATCH_BASE_GAS = 60_000n;
/** Calldata of one AccountRef (two words, about 21 non-zero bytes) at 16 gas per byte, rounded up. */
const CALLDATA_GAS_PER_ACCOUNT = 1_100n;

export type LiquidationBatch = {
  accounts: AccountRef[];
  /** Gas limit: Σ simulated gas + calldata + base. Each simulated gas includes a reward transfer the batch pays
   * once, so the limit is never short. */
  gasLimit: bigint;
  rewardUsd: bigint;
  badDebtUsd: bigint;
};

/**
 * Packs liquidatable simulations into batches in order (so the worst shortfall goes first), each at most
 * `maxGasPerTransaction` gas and `maxAccountsPerBatch` accounts.
 */
export function planLiquidationBatches(
  simulations: readonly LiquidationSimulation[],
  parameters: { maxGasPerTransaction: bigint; maxAccountsPerBatch?: number | undefined },
): LiquidationBatch[] {
  const maxAccounts = parameters.maxAccountsPerBatch ?? Number.MAX_SAFE_INTEGER;
  const batches: LiquidationBatch[] = [];
  let current: LiquidationBatch | undefined;
  for (const s of simulations) {
    if (s.status !== "liquidatable") continue;
    const cost = s.gasUsed + CALLDATA_GAS_PER_ACCOUNT;
    if (
      current === undefined ||
      current.gasLimit + cost > parameters.maxGasPerTransaction ||
      current.accounts.length >= maxAccounts
    ) {
      current = { accounts: [], gasLimit: BATCH_BASE_GAS, rewardUsd: 0n, badDebtUsd: 0n };
      batches.push(current);
    }
    current.accounts.push(s.account);
    current.gasLimit += cost;
    current.rewardUsd += s.keeperRewardUsd;
    current.badDebtUsd += s.badDebtUsd;
  }
  return batches;
}

// ---- sending -------------------------------------------------------------------------------------------------------

export type LiquidateProfitablyParameters = {
  /** Accounts to liquidate (the scan's candidates, in the order to clear them: worst shortfall first). */
  candidates: readonly AccountRef[] | readonly { account: AccountRef }[];
  /** USD per unit of the chain's native token, to price gas (default: the deployment's ETH market oracle price). */
  nativePriceUsd?: number | undefined;
  /** Least reward − gas cost (USD) worth a transaction (default 0). Negative: liquidate at a loss (a public good). */
  minProfitUsd?: number | undefined;
  /** Most accounts per transaction (default: as many as the gas allows). */
  maxBatch?: number | undefined;
  /** Gas per transaction (default: min(16,777,216, the latest block's gas limit)). */
  maxGasPerTransaction?: bigint | undefined;
  /** Most transactions this pass sends (default 100); the rest are `MAX_TRANSACTIONS`, for the next pass. */
  maxTransactions?: number | undefined;
  /** Decide and simulate, send nothing. */
  dryRun?: boolean | undefined;
  limits?: ReadLimits | undefined;
};

export type LiquidationSkipReason = "UNPROFITABLE" | "NOT_LIQUIDATABLE_ANY_MORE" | "REVERTED" | "MAX_TRANSACTIONS";

/** One `liquidateBatch` transaction of a pass. */
export type LiquidationTransaction = {
  hash?: Hex | undefined;
  /** Receipt's gasUsed when sent, the planned gas limit on a dry run. */
  gasUsed: bigint;
  gasLimit: bigint;
  /** Gas cost in USD WAD (receipt's effective gas price when sent, else the current gas price). */
  gasCostUsd: bigint;
  /** Accounts liquidated (the receipt's Liquidated events), or the planned batch on a dry run. */
  liquidated: AccountRef[];
  /** Rewards paid to the sender (receipt), or simulated on a dry run. USD WAD. */
  rewardUsd: bigint;
  /** Bad debt recorded by the liquidations (receipt's BadDebt events, or simulated). USD WAD. */
  badDebtUsd: bigint;
  /** The transaction was mined but reverted (e.g. a price turned invalid between simulation and block). */
  reverted: boolean;
};

export type LiquidationPass = {
  considered: number;
  /** True when at least one transaction was sent. */
  sent: boolean;
  transactions: LiquidationTransaction[];
  /** Hash of the last transaction sent. */
  hash?: Hex | undefined;
  /** Σ gas of the transactions (receipts), or of the plan on a dry run. */
  gasUsed?: bigint | undefined;
  gasCostUsd: bigint;
  liquidated: AccountRef[];
  rewardUsd: bigint;
  badDebtUsd: bigint;
  skipped: { account: AccountRef; reason: LiquidationSkipReason; detail?: string | undefined }[];
  /** eth_call requests of the simulation. */
  simulationRequests: number;
  /** A send that failed part-way (the transactions before it are in `transactions`). */
  error?: unknown;
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

function positiveInteger(argument: string, value: number | undefined, fallback: number): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n <= 0) throw new ParapetInputError(argument, `is ${n}.`, "Pass a positive integer.");
  return n;
}

/**
 * Re-validates `candidates` in a chunked simulation (an account healthy again or liquidated by someone else since
 * the scan is NOT_LIQUIDATABLE_ANY_MORE; one whose liquidation reverts, on an invalid price, is REVERTED), packs the
 * rest into gas-sized `liquidateBatch` transactions in the given order, drops from each batch the smallest rewards
 * until its reward − gas cost ≥ `minProfitUsd` (UNPROFITABLE), and sends the batches back to back with consecutive
 * nonces, at most `maxTransactions` (the rest: MAX_TRANSACTIONS). Rewards, bad debt and gas are read back from the
 * receipts.
 */
export async function liquidateProfitably(
  client: ParapetContext,
  parameters: LiquidateProfitablyParameters,
): Promise<LiquidationPass> {
  const maxTransactions = positiveInteger("maxTransactions", parameters.maxTransactions, 100);
  const maxBatch = parameters.maxBatch === undefined ? undefined : positiveInteger("maxBatch", parameters.maxBatch, 1);
  const minProfitWad = toWad((parameters.minProfitUsd ?? 0).toFixed(8), { allowNegative: true });
  const accounts = [
    ...new Map(
      parameters.candidates.map((c) => {
        const account = "account" in c ? c.account : c;
        return [accountKey(account), account] as const;
      }),
    ).values(),
  ];
  const pass: LiquidationPass = {
    considered: accounts.length,
    sent: false,
    transactions: [],
    gasCostUsd: 0n,
    liquidated: [],
    rewardUsd: 0n,
    badDebtUsd: 0n,
    skipped: [],
    simulationRequests: 0,
  };
  if (accounts.length === 0) return pass;

  const simulated = await simulateLiquidations(client, { accounts, limits: parameters.limits });
  pass.simulationRequests = simulated.requests;
  for (const s of simulated.results) {
    if (s.status === "healthy") pass.skipped.push({ account: s.account, reason: "NOT_LIQUIDATABLE_ANY_MORE" });
    if (s.status === "reverted") {
      pass.skipped.push({ account: s.account, reason: "REVERTED", detail: `revert selector ${s.revertSelector}` });
    }
  }
  const [latest, gasPriceWei, priceWad] = await Promise.all([
    client.publicClient.getBlock({ blockTag: "latest" }),
    client.publicClient.getGasPrice(),
    nativePriceWad(client, parameters.nativePriceUsd),
  ]);
  const blockCap = latest.gasLimit < MAX_TRANSACTION_GAS ? latest.gasLimit : MAX_TRANSACTION_GAS;
  const maxGasPerTransaction = parameters.maxGasPerTransaction ?? blockCap;
  const byKey = new Map(simulated.results.map((s) => [accountKey(s.account), s]));
  let batches = planLiquidationBatches(simulated.results, { maxGasPerTransaction, maxAccountsPerBatch: maxBatch });

  // Profitability per transaction: drop the smallest rewards until the batch pays for itself.
  for (const batch of batches) {
    while (
      batch.accounts.length > 0 &&
      batch.rewardUsd - gasCostUsd(batch.gasLimit, gasPriceWei, priceWad) < minProfitWad
    ) {
      let smallest = 0;
      batch.accounts.forEach((a, i) => {
        const r = byKey.get(accountKey(a))?.keeperRewardUsd ?? 0n;
        if (r < (byKey.get(accountKey(batch.accounts[smallest] as AccountRef))?.keeperRewardUsd ?? 0n)) smallest = i;
      });
      const [dropped] = batch.accounts.splice(smallest, 1);
      const s = dropped ? byKey.get(accountKey(dropped)) : undefined;
      if (!dropped || !s) break;
      batch.rewardUsd -= s.keeperRewardUsd;
      batch.badDebtUsd -= s.badDebtUsd;
      batch.gasLimit -= s.gasUsed + CALLDATA_GAS_PER_ACCOUNT;
      pass.skipped.push({ account: dropped, reason: "UNPROFITABLE" });
    }
  }
  batches = batches.filter((b) => b.accounts.length > 0);
  for (const batch of batches.slice(maxTransactions)) {
    for (const account of batch.accounts) pass.skipped.push({ account, reason: "MAX_TRANSACTIONS" });
  }
  batches = batches.slice(0, maxTransactions);
  if (batches.length === 0) return pass;

  if (parameters.dryRun) {
    for (const b of batches) {
      pass.transactions.push({
        gasUsed: b.gasLimit,
        gasLimit: b.gasLimit,
        gasCostUsd: gasCostUsd(b.gasLimit, gasPriceWei, priceWad),
        liquidated: b.accounts,
        rewardUsd: b.rewardUsd,
        badDebtUsd: b.badDebtUsd,
        reverted: false,
      });
    }
    return summarise(pass);
  }

  const txs: PipelinedTransaction[] = batches.map((b) => ({
    tx: buildLiquidateBatch(client, { accounts: b.accounts }),
    gasLimit: b.gasLimit,
  }));
  const result = await sendPipelined(client, txs);
  const sender = (client.walletClient?.account?.address ?? zeroAddress).toLowerCase();
  for (const [i, written] of result.sent.entries()) {
    const liquidated: AccountRef[] = [];
    let rewardUsd = 0n;
    let badDebtUsd = 0n;
    for (const event of written.events) {
      if (event.eventName === "Liquidated" && event.args.keeper.toLowerCase() === sender) {
        liquidated.push({ owner: event.args.owner, accountIndex: BigInt(event.args.accountIndex) });
        rewardUsd += event.args.result.keeperRewardUsd;
      }
      if (event.eventName === "BadDebt") badDebtUsd += event.args.deficitUsd;
    }
    pass.transactions.push({
      hash: written.hash,
      gasUsed: written.receipt.gasUsed,
      gasLimit: txs[i]?.gasLimit ?? 0n,
      gasCostUsd: gasCostUsd(written.receipt.gasUsed, written.receipt.effectiveGasPrice, priceWad),
      liquidated,
      rewardUsd,
      badDebtUsd,
      reverted: written.reverted,
    });
  }
  if (result.error !== undefined) pass.error = result.error;
  return summarise(pass);
}

function summarise(pass: LiquidationPass): LiquidationPass {
  const sent = pass.transactions.filter((t) => t.hash !== undefined);
  pass.sent = sent.length > 0;
  pass.hash = sent.at(-1)?.hash;
  pass.gasUsed = pass.transactions.reduce((s, t) => s + t.gasUsed, 0n);
  pass.gasCostUsd = pass.transactions.reduce((s, t) => s + t.gasCostUsd, 0n);
  pass.liquidated = pass.transactions.flatMap((t) => t.liquidated);
  pass.rewardUsd = pass.transactions.reduce((s, t) => s + t.rewardUsd, 0n);
  pass.badDebtUsd = pass.transactions.reduce((s, t) => s + t.badDebtUsd, 0n);
  return pass;
}
