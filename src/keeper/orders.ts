// The keeper's order job (docs/keeper.md, docs/orders.md): executes due trigger orders, settles delayed orders whose
// round is out, and cleans up what can never execute (expired or void trigger orders, missed delayed orders: anyone
// may cancel them, and their keeper fee goes back into the account). Read and decide here (one block, one multicall
// per contract plus one for positions and oracles); the tick's order job (jobs/orders.ts) sends, one transaction per
// order, with its in-flight and pending-transaction rules.
import { type Address, type Hex, zeroAddress } from "viem";
import { oracleAdapterAbi, perpVaultAbi } from "../abis/index.js";
import {
  buildCancelDelayedOrder,
  buildCancelTrigger,
  buildExecuteTrigger,
  buildSettleOrder,
  type DelayedOrder,
  readDelayedOrders,
  readTriggerOrders,
  type TriggerOrder,
} from "../actions/orders.js";
import { multicallInChunks } from "../actions/read.js";
import { type BuiltTransaction, sendParapetTransaction } from "../actions/write.js";
import type { ParapetContext } from "../client.js";
import { toParapetContractError } from "../errors.js";
import { tokenUnitsToWad } from "../units.js";

const WAD = 10n ** 18n;
/** Reads per eth_call: keeps each call far under node eth_call gas caps. */

/** Why a trigger order that is not due can still be acted on (cancelled by anyone), or why nothing can be done. */
export type TriggerOrderState = "due" | "expired" | "void" | "unpriced" | "waiting";

export type ScanOrdersParameters = {
  /** Trigger order ids to look at (live or not: gone ones are reported in `gone`). */
  triggerOrderIds: readonly bigint[];
  delayedOrderIds: readonly bigint[];
};

export type ScannedTriggerOrder = { order: TriggerOrder; state: TriggerOrderState };

export type ScanOrdersReturnType = {
  /** The block every read was pinned to, and its timestamp. */
  blockNumber: bigint;
  blockTimestamp: bigint;
  /**
   * Every live trigger order with its state: due (executeTrigger passes the order checks), expired or void (anyone
   * may cancel), unpriced (its market's oracle fails the adapter's checks: nothing may execute on that price),
   * waiting (not crossed yet).
   */
  triggers: ScannedTriggerOrder[];
  /** Every live delayed order (its `status`: pending, settleable, missed). */
  delayed: DelayedOrder[];
  /** Ids with no order any more (executed, settled or cancelled): never reused, so the keeper forgets them. */
  goneTriggerIds: bigint[];
  goneDelayedIds: bigint[];
};

/**
 * Reads the orders at one block and classifies them. A trigger order that `orderStatus` does not report due is
 * expired (its expiry is before the block), void (reduce-only with no position on the other side: one multicall of
 * the positions), unpriced (the oracle adapter refuses its market's price) or waiting.
 */
export async function scanOrders(
  client: ParapetContext,
  parameters: ScanOrdersParameters,
): Promise<ScanOrdersReturnType> {
  const block = await client.publicClient.getBlock({ blockTag: "latest" });
  const blockNumber = block.number as bigint;
  const at = { blockNumber };
  const [triggerRead, delayedRead] = await Promise.all([
    parameters.triggerOrderIds.length > 0
      ? readTriggerOrders(client, { orderIds: parameters.triggerOrderIds, ...at })
      : { orders: [], gone: [] },
    parameters.delayedOrderIds.length > 0
      ? readDelayedOrders(client, { orderIds: parameters.delayedOrderIds, ...at })
      : { orders: [], gone: [] },
  ]);
  const notDue = triggerRead.orders.filter((o) => !o.due && o.expiry >= block.timestamp);
  const reduceOnly = notDue.filter((o) => o.reduceOnly);
  const marketIds = [...new Set(notDue.map((o) => o.marketId))];
  const feeds = marketIds.map((id) => client.deployment.markets.find((m) => m.marketId === id)?.feed ?? zeroAddress);
  const calls = [
    ...reduceOnly.map((o) => ({
      address: client.deployment.perpVault,
      abi: perpVaultAbi,
      functionName: "position",
      args: [o.owner, o.accountIndex, o.marketId],
    })),
    ...feeds.map((feed) => ({
      address: client.deployment.oracleAdapter,
      abi: oracleAdapterAbi,
      functionName: "priceWad",
      args: [feed],
    })),
  ];
  // As few eth_calls as the deployless limits allow, all at the same block.
  const { results } = await multicallInChunks(client, calls, { ...at, what: "order positions and prices" });
  const voidIds = new Set<bigint>();
  reduceOnly.forEach((o, i) => {
    const r = results[i];
    const size = r?.status === "success" ? (r.result as { size: bigint }).size : undefined;
    // Nothing on the other side to reduce: flat, or on the order's own side.
    if (size !== undefined && (size === 0n || size > 0n === o.sizeDeltaWad > 0n)) voidIds.add(o.orderId);
  });
  const unpriced = new Set<bigint>();
  marketIds.forEach((id, i) => {
    if (results[reduceOnly.length + i]?.status !== "success") unpriced.add(id);
  });
  const triggers = triggerRead.orders.map((order): ScannedTriggerOrder => {
    let state: TriggerOrderState;
    if (order.due) state = "due";
    else if (order.expiry < block.timestamp) state = "expired";
    else if (voidIds.has(order.orderId)) state = "void";
    else if (unpriced.has(order.marketId)) state = "unpriced";
    else state = "waiting";
    return { order, state };
  });
  return {
    blockNumber,
    blockTimestamp: block.timestamp,
    triggers,
    delayed: delayedRead.orders,
    goneTriggerIds: triggerRead.gone,
    goneDelayedIds: delayedRead.gone,
  };
}

export type OrderActionKind = "execute-trigger" | "settle-order" | "cancel-trigger" | "cancel-order";

/** One transaction the order job may send. */
export type OrderAction = {
  kind: OrderActionKind;
  orderId: bigint;
  owner: Address;
  accountIndex: bigint;
  /** DUE, SETTLEABLE, EXPIRED, VOID or MISSED. */
  reason: "DUE" | "SETTLEABLE" | "EXPIRED" | "VOID" | "MISSED";
  /** What the sender earns (token units): the order's keeper fee for an execution or a settlement, 0 for a cancel. */
  keeperFeeTokens: bigint;
};

/** The in-flight key of an action (one per order and kind). */
export function orderActionKey(action: Pick<OrderAction, "kind" | "orderId">): string {
  return `${action.kind}:${action.orderId}`;
}

/**
 * The actions a scan calls for, executions and settlements first (they earn their fee and protect positions), then
 * cleanups (`cleanup: false` leaves those out: they pay no fee, and the owner can cancel too).
 */
export function orderActions(
  scan: ScanOrdersReturnType,
  options: { cleanup?: boolean | undefined } = {},
): OrderAction[] {
  const of = (o: TriggerOrder | DelayedOrder) => ({ orderId: o.orderId, owner: o.owner, accountIndex: o.accountIndex });
  const paying: OrderAction[] = [
    ...scan.triggers
      .filter((t) => t.state === "due")
      .map(
        (t): OrderAction => ({
          kind: "execute-trigger",
          reason: "DUE",
          keeperFeeTokens: t.order.keeperFeeTokens,
          ...of(t.order),
        }),
      ),
    ...scan.delayed
      .filter((o) => o.status === "settleable")
      .map(
        (o): OrderAction => ({
          kind: "settle-order",
          reason: "SETTLEABLE",
          keeperFeeTokens: o.keeperFeeTokens,
          ...of(o),
        }),
      ),
  ];
  if (options.cleanup === false) return paying;
  return [
    ...paying,
    ...scan.triggers
      .filter((t) => t.state === "expired" || t.state === "void")
      .map(
        (t): OrderAction => ({
          kind: "cancel-trigger",
          reason: t.state === "expired" ? "EXPIRED" : "VOID",
          keeperFeeTokens: 0n,
          ...of(t.order),
        }),
      ),
    ...scan.delayed
      .filter((o) => o.status === "missed")
      .map((o): OrderAction => ({ kind: "cancel-order", reason: "MISSED", keeperFeeTokens: 0n, ...of(o) })),
  ];
}

function transactionOf(client: ParapetContext, action: OrderAction): BuiltTransaction {
  const p = { orderId: action.orderId };
  switch (action.kind) {
    case "execute-trigger":
      return buildExecuteTrigger(client, p);
    case "settle-order":
      return buildSettleOrder(client, p);
    case "cancel-trigger":
      return buildCancelTrigger(client, p);
    case "cancel-order":
      return buildCancelDelayedOrder(client, p);
  }
}

export type SendOrderActionParameters = {
  action: OrderAction;
  /** USD (WAD) per native token, to price gas. */
  nativePriceWad: bigint;
  /** Least keeper fee − gas cost (USD) for an execution or settlement (default 0). Cleanups are not checked. */
  minProfitUsd?: number | undefined;
  /** Decide and estimate, send nothing. */
  dryRun?: boolean | undefined;
};

export type SendOrderActionReturnType = {
  outcome: "sent" | "dry-run" | "skipped";
  /** Why (skipped: SIMULATION with the decoded revert, or UNPROFITABLE). */
  reason: string;
  hash?: Hex | undefined;
  /** The receipt's gas, or the estimate when nothing was sent. */
  gasUsed?: bigint | undefined;
  /** USD WAD. */
  gasCostUsd: bigint;
  /** The keeper fee the action earns (USD WAD; the collateral is a USD stablecoin). */
  rewardUsd: bigint;
};

/**
 * Simulates an order action (eth_estimateGas from the sender: the order may have moved since the scan, or the vault
 * may refuse the trade), checks fee − gas ≥ `minProfitUsd` for executions and settlements, and sends it.
 */
export async function sendOrderAction(
  client: ParapetContext,
  parameters: SendOrderActionParameters,
): Promise<SendOrderActionReturnType> {
  const { action } = parameters;
  const tx = transactionOf(client, action);
  const from: Address = client.walletClient?.account?.address ?? zeroAddress;
  const rewardUsd = tokenUnitsToWad(action.keeperFeeTokens, client.deployment.collateralDecimals);
  let gasEstimate: bigint;
  try {
    gasEstimate = await client.publicClient.estimateGas({ account: from, to: tx.to, data: tx.data });
  } catch (error) {
    let decoded = toParapetContractError(error, { functionName: tx.functionName, step: "estimateGas" });
    if (!decoded) {
      // Many nodes drop the revert data from estimateGas errors: replay it as an eth_call.
      try {
        await client.publicClient.call({ account: from, to: tx.to, data: tx.data });
      } catch (replayed) {
        decoded = toParapetContractError(replayed, { functionName: tx.functionName, step: "simulate" });
      }
    }
    const what = decoded?.errorName ?? (error instanceof Error ? error.message.split("\n")[0] : String(error));
    return { outcome: "skipped", reason: `SIMULATION: ${what}`, gasCostUsd: 0n, rewardUsd };
  }
  const gasPriceWei = await client.publicClient.getGasPrice();
  const gasCostUsd = (gasEstimate * gasPriceWei * parameters.nativePriceWad) / WAD;
  const paying = action.kind === "execute-trigger" || action.kind === "settle-order";
  const minProfitWad = BigInt(Math.round((parameters.minProfitUsd ?? 0) * 1e8)) * 10n ** 10n;
  if (paying && rewardUsd - gasCostUsd < minProfitWad) {
    return {
      outcome: "skipped",
      reason: `UNPROFITABLE: keeper fee ${usd(rewardUsd)} USD − gas ${usd(gasCostUsd)} USD < min profit ${parameters.minProfitUsd ?? 0} USD`,
      gasUsed: gasEstimate,
      gasCostUsd,
      rewardUsd,
    };
  }
  const why = paying
    ? `${action.reason}: keeper fee ${usd(rewardUsd)} USD − gas ${usd(gasCostUsd)} USD ≥ min profit ${parameters.minProfitUsd ?? 0} USD`
    : `${action.reason}: anyone may cancel it; the keeper fee returns to the account (gas ${usd(gasCostUsd)} USD)`;
  if (parameters.dryRun) return { outcome: "dry-run", reason: why, gasUsed: gasEstimate, gasCostUsd, rewardUsd };
  const written = await sendParapetTransaction(client, tx, { simulate: false });
  return {
    outcome: "sent",
    reason: why,
    hash: written.hash,
    gasUsed: written.receipt.gasUsed,
    gasCostUsd: (written.receipt.gasUsed * written.receipt.effectiveGasPrice * parameters.nativePriceWad) / WAD,
    rewardUsd,
  };
}

function usd(wad: bigint): string {
  const cents = (wad * 100n) / WAD;
  const sign = cents < 0n ? "-" : "";
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}
