// Writes. `build*` returns `{ to, data, value }` and never sends, so any signer (viem, ethers, a Safe, a relayer)
// can send it; `write*` = build → simulate (eth_call) → estimateGas (+ margin) → EIP-1559 fees under the caller's
// cap → send → wait → decoded events. Every revert becomes a ParapetContractError naming the step.
import { type Address, erc20Abi, type Hex, type Log, parseEventLogs, type TransactionReceipt } from "viem";
import { delayedOrdersAbi, liquidityVaultAbi, perpVaultAbi, triggerOrdersAbi } from "../abis/index.js";
import type { ParapetContext } from "../client.js";
import { getDeploymentMarket, requireAddress } from "../deployment.js";
import {
  ParapetContractError,
  ParapetFeeCapError,
  ParapetGasEstimationError,
  ParapetInputError,
  ParapetLatencyDefenceError,
  ParapetNoWalletError,
  toParapetContractError,
} from "../errors.js";
import { acceptablePrice as acceptablePriceOf, assertBigintAmount, parseDecimal } from "../units.js";
import { type BuiltTransaction, built } from "./encode.js";

export type { BuiltTransaction } from "./encode.js";

/** Amount in token units (bigint) or a human decimal string ("100.5" USDC). */
export type TokenAmount = bigint | string;
/** Size in units WAD (bigint) or a human decimal string ("-0.5" ETH). */
export type SizeAmount = bigint | string;

function tokenAmount(client: ParapetContext, value: TokenAmount, argument: string): bigint {
  return typeof value === "string"
    ? parseDecimal(value, client.deployment.collateralDecimals, { argument, allowZero: false })
    : assertBigintAmount(value, { argument, allowZero: false });
}

function index(value: bigint | undefined, argument = "accountIndex"): bigint {
  const v = assertBigintAmount(value ?? 0n, { argument });
  if (v >= 2n ** 96n) throw new ParapetInputError(argument, `${v} does not fit uint96.`, "Use an index < 2^96.");
  return v;
}

function sender(client: ParapetContext): Address {
  const account = client.walletClient?.account;
  if (!account) throw new ParapetNoWalletError();
  return account.address;
}

// ---- builders ------------------------------------------------------------------------------------------------

export type BuildApproveParameters = {
  /** Token units or a decimal string. */
  amount: TokenAmount;
  /**
   * Who may pull the tokens: the perp vault (deposit), the LP vault (LP deposit), the hedge router (its top-ups) or
   * an order contract (the keeper fee it escrows per order: docs/orders.md).
   */
  spender?: "perpVault" | "liquidityVault" | "hedgeRouter" | "triggerOrders" | "delayedOrders" | undefined;
};
/** ERC-20 approval: a separate transaction, before `deposit` / `lpDeposit` / a hedge rebalance / placing orders. */
export function buildApprove(client: ParapetContext, parameters: BuildApproveParameters): BuiltTransaction {
  const name = parameters.spender ?? "perpVault";
  const spender = requireAddress(client.deployment, name);
  const amount = tokenAmount(client, parameters.amount, "amount");
  return built(client.deployment.collateralToken, erc20Abi, "approve", [spender, amount]);
}

export type BuildDepositParameters = { owner: Address; accountIndex?: bigint | undefined; amount: TokenAmount };
export function buildDeposit(client: ParapetContext, parameters: BuildDepositParameters): BuiltTransaction {
  const amount = tokenAmount(client, parameters.amount, "amount");
  return built(client.deployment.perpVault, perpVaultAbi, "deposit", [
    parameters.owner,
    index(parameters.accountIndex),
    amount,
  ]);
}

export type BuildWithdrawParameters = { accountIndex?: bigint | undefined; amount: TokenAmount; receiver: Address };
export function buildWithdraw(client: ParapetContext, parameters: BuildWithdrawParameters): BuiltTransaction {
  const amount = tokenAmount(client, parameters.amount, "amount");
  return built(client.deployment.perpVault, perpVaultAbi, "withdraw", [
    index(parameters.accountIndex),
    amount,
    parameters.receiver,
  ]);
}

/**
 * The worst fill price a trade accepts: `acceptablePrice` as given (checked), or `slippageBps` around the vault's live
 * `quote` of `sizeDelta`. One place for `buildTrade` and `buildCommitOrder`.
 */
export async function resolveAcceptablePrice(
  client: ParapetContext,
  p: {
    marketId: bigint;
    sizeDelta: bigint;
    acceptablePrice: bigint | undefined;
    slippageBps: bigint | number | undefined;
    /** The builder, named in a decoded quote error. */
    step: string;
    /** How to pick `slippageBps`, for the error when neither is given. */
    slippageHint: string;
  },
): Promise<bigint> {
  if (p.acceptablePrice !== undefined) return assertBigintAmount(p.acceptablePrice, { argument: "acceptablePrice" });
  if (p.slippageBps === undefined) {
    throw new ParapetInputError(
      "acceptablePrice",
      "neither acceptablePrice nor slippageBps was given.",
      `Pass \`slippageBps\` (${p.slippageHint}) or an explicit \`acceptablePrice\` (USD WAD).`,
    );
  }
  let fill: bigint;
  try {
    [fill] = await client.publicClient.readContract({
      address: client.deployment.perpVault,
      abi: perpVaultAbi,
      functionName: "quote",
      args: [p.marketId, p.sizeDelta],
    });
  } catch (error) {
    throw toParapetContractError(error, { functionName: "quote", step: p.step }) ?? error;
  }
  return acceptablePriceOf({ priceWad: fill, sizeDelta: p.sizeDelta, slippageBps: p.slippageBps });
}

export type BuildTradeParameters = {
  /** The account owner (the sender must be the owner or its operator). */
  owner: Address;
  accountIndex?: bigint | undefined;
  marketId: bigint;
  /** Signed change (units, WAD, or a decimal string like "-0.5"): > 0 buys. */
  sizeDelta: SizeAmount;
  /** Worst fill price (USD WAD). Give this or `slippageBps` (then the SDK quotes first: one eth_call). */
  acceptablePrice?: bigint | undefined;
  slippageBps?: bigint | number | undefined;
  /** Last timestamp (s) the trade may execute at; default: latest block timestamp + `deadlineSeconds` (600). */
  deadline?: bigint | undefined;
  deadlineSeconds?: bigint | undefined;
};
export async function buildTrade(client: ParapetContext, parameters: BuildTradeParameters): Promise<BuiltTransaction> {
  const market = getDeploymentMarket(client.deployment, parameters.marketId);
  const sizeDelta =
    typeof parameters.sizeDelta === "string"
      ? parseDecimal(parameters.sizeDelta, 18, { argument: "sizeDelta", allowNegative: true, allowZero: false })
      : assertBigintAmount(parameters.sizeDelta, { argument: "sizeDelta", allowNegative: true, allowZero: false });
  const worst = await resolveAcceptablePrice(client, {
    marketId: market.marketId,
    sizeDelta,
    acceptablePrice: parameters.acceptablePrice,
    slippageBps: parameters.slippageBps,
    step: "buildTrade",
    slippageHint: "e.g. 50 = 0.5 % around the current quote",
  });
  let deadline = parameters.deadline;
  if (deadline === undefined) {
    const block = await client.publicClient.getBlock({ blockTag: "latest" });
    deadline = block.timestamp + (parameters.deadlineSeconds ?? 600n);
  }
  return built(client.deployment.perpVault, perpVaultAbi, "trade", [
    {
      owner: parameters.owner,
      accountIndex: index(parameters.accountIndex),
      marketId: market.marketId,
      sizeDelta,
      acceptablePrice: worst,
      deadline,
    },
  ]);
}

export type BuildSetOperatorParameters = { operator: Address; allowed: boolean };
export function buildSetOperator(client: ParapetContext, parameters: BuildSetOperatorParameters): BuiltTransaction {
  return built(client.deployment.perpVault, perpVaultAbi, "setOperator", [parameters.operator, parameters.allowed]);
}

export type BuildSetOperatorSlippageParameters = { operator: Address; maxSlippageBps: number };
/** The caller's bound on an operator's fills (bps from the oracle price, 1 … 10,000; the default is 100). */
export function buildSetOperatorSlippage(
  client: ParapetContext,
  parameters: BuildSetOperatorSlippageParameters,
): BuiltTransaction {
  const bps = parameters.maxSlippageBps;
  if (!Number.isInteger(bps) || bps < 1 || bps > 10_000) {
    throw new ParapetInputError("maxSlippageBps", `is ${bps}.`, "Pass a whole number of basis points, 1 … 10,000.");
  }
  return built(client.deployment.perpVault, perpVaultAbi, "setOperatorSlippage", [parameters.operator, BigInt(bps)]);
}

/** Moves what the insurance fund holds above its cap to the LPs (anyone). */
export function buildReleaseInsuranceExcess(client: ParapetContext): BuiltTransaction {
  return built(client.deployment.perpVault, perpVaultAbi, "releaseInsuranceExcess", []);
}

export type BuildLiquidateParameters = { owner: Address; accountIndex?: bigint | undefined };
export function buildLiquidate(client: ParapetContext, parameters: BuildLiquidateParameters): BuiltTransaction {
  return built(client.deployment.perpVault, perpVaultAbi, "liquidate", [
    parameters.owner,
    index(parameters.accountIndex),
  ]);
}

export type BuildLiquidateBatchParameters = { accounts: readonly { owner: Address; accountIndex: bigint }[] };
export function buildLiquidateBatch(
  client: ParapetContext,
  parameters: BuildLiquidateBatchParameters,
): BuiltTransaction {
  if (parameters.accounts.length === 0) {
    throw new ParapetInputError("accounts", "is empty.", "Pass at least one account to liquidate.");
  }
  const accounts = parameters.accounts.map((a) => ({ owner: a.owner, accountIndex: index(a.accountIndex) }));
  return built(client.deployment.perpVault, perpVaultAbi, "liquidateBatch", [accounts]);
}

export type BuildDeleverageParameters = { owner: Address; accountIndex?: bigint | undefined; marketId: bigint };
export function buildDeleverage(client: ParapetContext, parameters: BuildDeleverageParameters): BuiltTransaction {
  const market = getDeploymentMarket(client.deployment, parameters.marketId);
  return built(client.deployment.perpVault, perpVaultAbi, "deleverage", [
    parameters.owner,
    index(parameters.accountIndex),
    market.marketId,
  ]);
}

export type BuildDeleveragePairParameters = {
  long: { owner: Address; accountIndex?: bigint | undefined };
  short: { owner: Address; accountIndex?: bigint | undefined };
  marketId: bigint;
};
/** ADL of a matched pair (`deleveragePair`): a long and a short of one market closed by the same size. */
export function buildDeleveragePair(
  client: ParapetContext,
  parameters: BuildDeleveragePairParameters,
): BuiltTransaction {
  const market = getDeploymentMarket(client.deployment, parameters.marketId);
  const ref = (a: { owner: Address; accountIndex?: bigint | undefined }) => ({
    owner: a.owner,
    accountIndex: index(a.accountIndex),
  });
  return built(client.deployment.perpVault, perpVaultAbi, "deleveragePair", [
    ref(parameters.long),
    ref(parameters.short),
    market.marketId,
  ]);
}

export type BuildAccrueFundingParameters = { marketId: bigint };
export function buildAccrueFunding(client: ParapetContext, parameters: BuildAccrueFundingParameters): BuiltTransaction {
  const market = getDeploymentMarket(client.deployment, parameters.marketId);
  return built(client.deployment.perpVault, perpVaultAbi, "accrueFunding", [market.marketId]);
}

export type BuildLpDepositParameters = { amount: TokenAmount; receiver: Address };
/**
 * ERC-4626 `deposit`: immediate, so only while the LP vault's defence is off (`minDelaySeconds` 0). With it on (every
 * Ignition deployment) use `buildLpRequestDeposit` (actions/lp.ts); the same goes for withdraw and redeem below.
 */
export function buildLpDeposit(client: ParapetContext, parameters: BuildLpDepositParameters): BuiltTransaction {
  const amount = tokenAmount(client, parameters.amount, "amount");
  return built(client.deployment.liquidityVault, liquidityVaultAbi, "deposit", [amount, parameters.receiver]);
}

export type BuildLpWithdrawParameters = { amount: TokenAmount; receiver: Address; owner: Address };
export function buildLpWithdraw(client: ParapetContext, parameters: BuildLpWithdrawParameters): BuiltTransaction {
  const amount = tokenAmount(client, parameters.amount, "amount");
  return built(client.deployment.liquidityVault, liquidityVaultAbi, "withdraw", [
    amount,
    parameters.receiver,
    parameters.owner,
  ]);
}

export type BuildLpRedeemParameters = { shares: bigint; receiver: Address; owner: Address };
export function buildLpRedeem(client: ParapetContext, parameters: BuildLpRedeemParameters): BuiltTransaction {
  const shares = assertBigintAmount(parameters.shares, { argument: "shares", allowZero: false });
  return built(client.deployment.liquidityVault, liquidityVaultAbi, "redeem", [
    shares,
    parameters.receiver,
    parameters.owner,
  ]);
}

// ---- sending -------------------------------------------------------------------------------------------------

export type WriteOptions = {
  /** Refuse to send when the network needs a higher maxFeePerGas than this (wei). */
  maxFeePerGas?: bigint | undefined;
  /** Tip (wei); default: the node's suggestion. */
  maxPriorityFeePerGas?: bigint | undefined;
  /** Run the eth_call simulation first (default true); false when the caller just simulated the same call. */
  simulate?: boolean | undefined;
  /** Added to the gas estimate, in basis points (default 2000 = 20 %): state can move between estimate and mining. */
  gasMarginBps?: bigint | undefined;
};

const eventsAbi = [...perpVaultAbi, ...liquidityVaultAbi, ...triggerOrdersAbi, ...delayedOrdersAbi].filter(
  (item) => item.type === "event",
);

/** A decoded Parapet event (vault, LP vault, ERC-20, order contracts). */
export type ParapetEvent = ReturnType<typeof parseEventLogs<typeof eventsAbi>>[number];

export type WriteReturnType = {
  hash: Hex;
  receipt: TransactionReceipt;
  /**
   * Events of the vault, the LP vault, the order contracts (and the ERC-20 Transfer/Approval) this transaction
   * emitted, decoded.
   */
  events: ParapetEvent[];
  gasLimit: bigint;
  maxFeePerGas: bigint;
};

/** Re-runs a failed call with eth_call to get its revert data (estimateGas errors often lose it). */
async function replayRevert(
  client: ParapetContext,
  tx: BuiltTransaction,
  from: Address,
  step: string,
  blockNumber?: bigint,
) {
  try {
    await client.publicClient.call({
      account: from,
      to: tx.to,
      data: tx.data,
      value: tx.value,
      ...(blockNumber !== undefined ? { blockNumber } : {}),
    });
  } catch (error) {
    return toParapetContractError(error, { functionName: tx.functionName, step });
  }
  return undefined;
}

/** Simulates, estimates, prices and sends a built transaction, waits for it and decodes its events. */
export async function sendParapetTransaction(
  client: ParapetContext,
  tx: BuiltTransaction,
  options: WriteOptions = {},
): Promise<WriteReturnType> {
  const walletClient = client.walletClient;
  const from = sender(client);
  const { publicClient } = client;
  // 1. simulate: a revert here is the contract's answer, decoded.
  if (options.simulate !== false) {
    try {
      await publicClient.call({ account: from, to: tx.to, data: tx.data, value: tx.value });
    } catch (error) {
      throw toParapetContractError(error, { functionName: tx.functionName, step: "simulate" }) ?? error;
    }
  }
  // 2. gas, with a margin. Many RPCs drop the revert data from eth_estimateGas errors: replay with eth_call.
  let gasEstimate: bigint;
  try {
    gasEstimate = await publicClient.estimateGas({ account: from, to: tx.to, data: tx.data, value: tx.value });
  } catch (error) {
    throw (
      toParapetContractError(error, { functionName: tx.functionName, step: "estimateGas" }) ??
      (await replayRevert(client, tx, from, "estimateGas")) ??
      new ParapetGasEstimationError(tx.functionName, error)
    );
  }
  const gasLimit = gasEstimate + (gasEstimate * (options.gasMarginBps ?? 2000n)) / 10_000n;
  const fees = await resolveFees(client, options);
  // 4. send and wait.
  if (!walletClient?.account) throw new ParapetNoWalletError();
  const hash = await walletClient.sendTransaction({
    account: walletClient.account,
    chain: walletClient.chain ?? null,
    to: tx.to,
    data: tx.data,
    value: tx.value,
    gas: gasLimit,
    ...fees,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") {
    throw (
      (await replayRevert(client, tx, from, "receipt", receipt.blockNumber)) ??
      new ParapetContractError({
        errorName: undefined,
        args: {},
        functionName: tx.functionName,
        step: "receipt",
        reason: `a transaction that reverted on-chain (${hash})`,
      })
    );
  }
  const events = parseEventLogs({ abi: eventsAbi, logs: receipt.logs as Log[] });
  return { hash, receipt, events, gasLimit, maxFeePerGas: fees.maxFeePerGas };
}

/**
 * EIP-1559 fees for a send now: the network needs at least base fee + tip; we offer 2 × base fee + tip (survives ~6
 * full blocks of base-fee growth), never above the caller's `maxFeePerGas` (ParapetFeeCapError when the network
 * needs more).
 */
export async function resolveFees(
  client: ParapetContext,
  options: Pick<WriteOptions, "maxFeePerGas" | "maxPriorityFeePerGas"> = {},
): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
  const { publicClient } = client;
  const block = await publicClient.getBlock({ blockTag: "latest" });
  const baseFee = block.baseFeePerGas ?? 0n;
  const tip = options.maxPriorityFeePerGas ?? (await publicClient.estimateMaxPriorityFeePerGas().catch(() => 0n));
  const required = baseFee + tip;
  const suggested = baseFee * 2n + tip;
  if (options.maxFeePerGas !== undefined && options.maxFeePerGas < required) {
    throw new ParapetFeeCapError(required, options.maxFeePerGas);
  }
  const maxFeePerGas = options.maxFeePerGas === undefined ? suggested : min(suggested, options.maxFeePerGas);
  return { maxFeePerGas, maxPriorityFeePerGas: tip };
}

/** One transaction of a pipeline: what to send and the gas limit it was sized for (no estimate is made). */
export type PipelinedTransaction = { tx: BuiltTransaction; gasLimit: bigint };

export type SendPipelinedReturnType = {
  /** One per transaction sent, in nonce order; a transaction that reverted on chain has `reverted: true`. */
  sent: (WriteReturnType & { nonce: number; reverted: boolean })[];
  /**
   * Set when a send failed part-way: the transactions before it are in `sent` (and mined), the rest were not sent.
   */
  error?: unknown;
};

/**
 * Sends `txs` back to back with consecutive nonces from the signer's pending nonce, without waiting for one before
 * the next (they can share a block), then waits for every receipt. Gas limits are the caller's (sized from a
 * simulation); fees are priced once. A send that fails stops the pipeline: what was sent is still waited for and
 * returned with the error, so the caller knows exactly what is on chain.
 */
export async function sendPipelined(
  client: ParapetContext,
  txs: readonly PipelinedTransaction[],
  options: Pick<WriteOptions, "maxFeePerGas" | "maxPriorityFeePerGas"> = {},
): Promise<SendPipelinedReturnType> {
  const walletClient = client.walletClient;
  if (!walletClient?.account) throw new ParapetNoWalletError();
  if (txs.length === 0) return { sent: [] };
  const { publicClient } = client;
  const from = walletClient.account.address;
  const fees = await resolveFees(client, options);
  let nonce = await publicClient.getTransactionCount({ address: from, blockTag: "pending" });
  const hashes: { hash: Hex; nonce: number; item: PipelinedTransaction }[] = [];
  let error: unknown;
  for (const item of txs) {
    try {
      const hash = await walletClient.sendTransaction({
        account: walletClient.account,
        chain: walletClient.chain ?? null,
        to: item.tx.to,
        data: item.tx.data,
        value: item.tx.value,
        gas: item.gasLimit,
        nonce,
        ...fees,
      });
      hashes.push({ hash, nonce, item });
      nonce++;
    } catch (thrown) {
      error = thrown;
      break;
    }
  }
  const sent = await Promise.all(
    hashes.map(async ({ hash, nonce: n, item }) => {
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      const events = parseEventLogs({ abi: eventsAbi, logs: receipt.logs as Log[] });
      return {
        hash,
        receipt,
        events,
        gasLimit: item.gasLimit,
        maxFeePerGas: fees.maxFeePerGas,
        nonce: n,
        reverted: receipt.status !== "success",
      };
    }),
  );
  return error === undefined ? { sent } : { sent, error };
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

// ---- write* = build* + sendParapetTransaction, each returning a WriteReturnType ----------------------------

export type WriteApproveParameters = BuildApproveParameters & WriteOptions;
export type WriteDepositParameters = BuildDepositParameters & WriteOptions;
export type WriteWithdrawParameters = BuildWithdrawParameters & WriteOptions;
export type WriteTradeParameters = BuildTradeParameters & WriteOptions;
export type WriteSetOperatorParameters = BuildSetOperatorParameters & WriteOptions;
export type WriteLiquidateParameters = BuildLiquidateParameters & WriteOptions;
export type WriteSetOperatorSlippageParameters = BuildSetOperatorSlippageParameters & WriteOptions;
export type WriteLiquidateBatchParameters = BuildLiquidateBatchParameters & WriteOptions;
export type WriteDeleverageParameters = BuildDeleverageParameters & WriteOptions;
export type WriteDeleveragePairParameters = BuildDeleveragePairParameters & WriteOptions;
export type WriteAccrueFundingParameters = BuildAccrueFundingParameters & WriteOptions;
export type WriteLpDepositParameters = BuildLpDepositParameters & WriteOptions;
export type WriteLpWithdrawParameters = BuildLpWithdrawParameters & WriteOptions;
export type WriteLpRedeemParameters = BuildLpRedeemParameters & WriteOptions;

export const writeApprove = (c: ParapetContext, p: WriteApproveParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildApprove(c, p), p);
export const writeDeposit = (c: ParapetContext, p: WriteDepositParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildDeposit(c, p), p);
export const writeWithdraw = (c: ParapetContext, p: WriteWithdrawParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildWithdraw(c, p), p);
/**
 * `buildTrade` + send. In a market whose latency defence is on, an immediate open or increase is refused by the
 * vault; the simulation's `ImmediateOpenDisabled` becomes a {@link ParapetLatencyDefenceError} naming
 * `writeCommitOrder` (nothing is sent).
 */
export const writeTrade = async (c: ParapetContext, p: WriteTradeParameters): Promise<WriteReturnType> => {
  const tx = await buildTrade(c, p);
  try {
    return await sendParapetTransaction(c, tx, p);
  } catch (error) {
    throw (await immediateOpenError(c, p, error)) ?? error;
  }
};

/** `ImmediateOpenDisabled` from a trade as the typed latency error (reads the market's delay for the message). */
async function immediateOpenError(
  client: ParapetContext,
  p: BuildTradeParameters,
  error: unknown,
): Promise<ParapetLatencyDefenceError | undefined> {
  if (!(error instanceof ParapetContractError) || error.errorName !== "ImmediateOpenDisabled") return undefined;
  const sizeDeltaWad =
    typeof p.sizeDelta === "string"
      ? parseDecimal(p.sizeDelta, 18, { argument: "sizeDelta", allowNegative: true })
      : p.sizeDelta;
  const latency = await client.publicClient
    .readContract({
      address: client.deployment.perpVault,
      abi: perpVaultAbi,
      functionName: "latencyParams",
      args: [p.marketId],
    })
    .catch(() => undefined);
  const delay = latency ? `${latency.minSettlementDelay} s` : "the market's delay";
  return new ParapetLatencyDefenceError(
    [{ accountIndex: p.accountIndex ?? 0n, marketId: p.marketId, sizeDeltaWad }],
    `Market ${p.marketId} has the latency defence on: the vault refuses an immediate trade that opens or increases (ImmediateOpenDisabled). Nothing was sent.`,
    `Commit it instead: writeCommitOrder({ owner, accountIndex, marketId: ${p.marketId}n, sizeDelta, slippageBps }) (parapet orders commit); it settles at the first oracle round at least ${delay} later (a keeper, or you with writeSettleOrder). Immediate trades in this market may only reduce, and pay its immediateFeeRatio.`,
    error,
  );
}
export const writeSetOperator = (c: ParapetContext, p: WriteSetOperatorParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildSetOperator(c, p), p);
export const writeSetOperatorSlippage = (
  c: ParapetContext,
  p: WriteSetOperatorSlippageParameters,
): Promise<WriteReturnType> => sendParapetTransaction(c, buildSetOperatorSlippage(c, p), p);
export const writeReleaseInsuranceExcess = (c: ParapetContext, p: WriteOptions = {}): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildReleaseInsuranceExcess(c), p);
export const writeLiquidate = (c: ParapetContext, p: WriteLiquidateParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildLiquidate(c, p), p);
export const writeLiquidateBatch = (c: ParapetContext, p: WriteLiquidateBatchParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildLiquidateBatch(c, p), p);
export const writeDeleverage = (c: ParapetContext, p: WriteDeleverageParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildDeleverage(c, p), p);
export const writeDeleveragePair = (c: ParapetContext, p: WriteDeleveragePairParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildDeleveragePair(c, p), p);
export const writeAccrueFunding = (c: ParapetContext, p: WriteAccrueFundingParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildAccrueFunding(c, p), p);
export const writeLpDeposit = (c: ParapetContext, p: WriteLpDepositParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildLpDeposit(c, p), p);
export const writeLpWithdraw = (c: ParapetContext, p: WriteLpWithdrawParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildLpWithdraw(c, p), p);
export const writeLpRedeem = (c: ParapetContext, p: WriteLpRedeemParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildLpRedeem(c, p), p);
