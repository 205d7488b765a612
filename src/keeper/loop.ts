// The keeper loop: each tick discovers new accounts, liquidates the profitable ones, executes due trigger orders,
// settles delayed orders and cleans up orders that can never execute, then runs the owner's rebalance policy; every
// action is reported as one event (reason, gas, outcome, hash). It survives RPC faults with bounded
// retries and backoff, stops between actions on an abort signal, and never sends the same action twice: an action
// stays "in flight" until its receipt, and an unconfirmed one is re-checked against the chain, never re-sent blindly.
import type { Address, Hex } from "viem";
import { discoverDelayedOrderIds, discoverTriggerOrderIds } from "../actions/orders.js";
import type { ParapetContext } from "../client.js";
import {
  ParapetContractError,
  ParapetDeploymentError,
  ParapetError,
  ParapetHedgeSetupError,
  ParapetInputError,
  ParapetKeeperError,
  ParapetKeeperLockError,
  ParapetNoWalletError,
  toParapetRpcError,
} from "../errors.js";
import { type RebalanceHedgeParameters, rebalanceHedge } from "../hedge/rebalancer.js";
import { wadToNumber } from "../units.js";
import { type AccountRef, accountKey, discoverAccounts } from "./accounts.js";
import { type LiquidationCandidate, liquidateProfitably, nativePriceWad, scanAccounts } from "./liquidations.js";
import { type OrderActionKind, orderActionKey, orderActions, scanOrders, sendOrderAction } from "./orders.js";
import { syncUpkeepWatchList } from "./upkeep.js";

export type KeeperAction = "tick" | "liquidate" | "watch" | OrderActionKind | "orders" | "rebalance" | "retry" | "stop";
export type KeeperOutcome = "ok" | "sent" | "noop" | "dry-run" | "skipped" | "vetoed" | "failed";

/** One line of the keeper's log. Amounts are decimal strings (USD), gas a decimal integer string. */
export type KeeperEvent = {
  /** ISO time of the event (wall clock). */
  time: string;
  tick: number;
  action: KeeperAction;
  outcome: KeeperOutcome;
  /** Why it acted or did not, in words. */
  reason: string;
  hash?: Hex | undefined;
  gasUsed?: bigint | undefined;
  /** Accounts the action was about (`owner:index`). */
  accounts?: string[] | undefined;
  /** The order an order action was about (decimal id; trigger and delayed ids are separate sequences). */
  orderIds?: string[] | undefined;
  rewardUsd?: string | undefined;
  gasCostUsd?: string | undefined;
};

export type RunKeeperParameters = {
  /** Stops the loop between actions (never during a send): SIGINT/SIGTERM in the CLI. */
  signal?: AbortSignal | undefined;
  /** Run one tick and return (scripts, tests). */
  once?: boolean | undefined;
  /** Pause between ticks (default 15 000 ms). */
  intervalMs?: number | undefined;
  /** Failed ticks in a row before giving up (default 5); each is retried after a doubling backoff. */
  maxRetries?: number | undefined;
  /** First backoff (default 1 000 ms), doubled per failure, capped at `maxBackoffMs` (default 30 000). */
  backoffMs?: number | undefined;
  maxBackoffMs?: number | undefined;
  /** How long an unconfirmed action blocks its key before the chain is re-checked (default 120 000 ms). */
  pendingTimeoutMs?: number | undefined;
  /** First block to scan for accounts (default: the deployment's block). */
  fromBlock?: bigint | undefined;
  /** Blocks per eth_getLogs request. */
  blockRange?: bigint | undefined;
  liquidation?:
    | {
        nativePriceUsd?: number | undefined;
        minProfitUsd?: number | undefined;
        maxBatch?: number | undefined;
        /** Skip the liquidation job (a rebalance-only keeper). */
        disabled?: boolean | undefined;
      }
    | undefined;
  /**
   * The order job (on by default when the deployment has TriggerOrders or DelayedOrders): execute due trigger orders
   * and settle settleable delayed orders whose keeper fee covers the gas (`minProfitUsd`, default 0), then cancel
   * expired or void trigger orders and missed delayed orders (`cleanup`, default true: no fee, the refund goes to the
   * account). At most `maxPerTick` transactions per tick (default 10).
   */
  orders?:
    | {
        disabled?: boolean | undefined;
        minProfitUsd?: number | undefined;
        cleanup?: boolean | undefined;
        maxPerTick?: number | undefined;
      }
    | undefined;
  /**
   * Also add every newly discovered account to the deployment's LiquidationUpkeep watch list (one `watch`
   * transaction per tick with new accounts), so the Automation upkeep covers them when this keeper is down.
   */
  syncUpkeep?: boolean | undefined;
  /** The owner's rebalance policy: when given, one `rebalanceHedge` pass per tick for `owner` (default: the signer). */
  rebalance?:
    | (Omit<RebalanceHedgeParameters, "owner" | "dryRun" | "lastRebalance"> & { owner?: Address | undefined })
    | undefined;
  /** Decide and log, send nothing. */
  dryRun?: boolean | undefined;
  onEvent?: ((event: KeeperEvent) => void) | undefined;
  /** Injected clock for tests (default: real timers, aborted by `signal`). */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
};

export type RunKeeperReturnType = {
  ticks: number;
  /** Transactions sent (confirmed). */
  sent: number;
  stoppedBy: "once" | "signal";
};

/** Errors a retry cannot fix: bad configuration. The loop stops on them at once. */
function isFatal(error: unknown): boolean {
  return (
    error instanceof ParapetInputError ||
    error instanceof ParapetHedgeSetupError ||
    error instanceof ParapetDeploymentError ||
    error instanceof ParapetNoWalletError ||
    error instanceof ParapetKeeperLockError
  );
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

const usd = (wad: bigint) => wadToNumber(wad).toFixed(2);

/**
 * Runs the keeper until `signal` aborts (or one tick with `once`). Throws ParapetKeeperError after `maxRetries`
 * failed ticks in a row, and at once on a configuration error (input, deployment, hedge setup, no wallet).
 */
export async function runKeeper(
  client: ParapetContext,
  parameters: RunKeeperParameters = {},
): Promise<RunKeeperReturnType> {
  const signer = client.walletClient?.account?.address;
  if (!signer && !parameters.dryRun) throw new ParapetNoWalletError();
  const intervalMs = parameters.intervalMs ?? 15_000;
  const maxRetries = parameters.maxRetries ?? 5;
  const backoffMs = parameters.backoffMs ?? 1_000;
  const maxBackoffMs = parameters.maxBackoffMs ?? 30_000;
  const pendingTimeoutMs = parameters.pendingTimeoutMs ?? 120_000;
  const sleep = parameters.sleep ?? defaultSleep;
  const { signal } = parameters;
  const emit = (e: Omit<KeeperEvent, "time" | "tick">) =>
    parameters.onEvent?.({ time: new Date().toISOString(), tick, ...e });

  const known: AccountRef[] = [];
  const knownKeys = new Set<string>();
  /** Discovered accounts not yet confirmed on the upkeep's watch list. */
  let unwatched: AccountRef[] = [];
  let nextBlock = parameters.fromBlock ?? client.deployment.blockNumber;
  /** Action key → when it was started. Removed on a receipt, or after a re-check shows nothing is pending. */
  const inFlight = new Map<string, number>();
  const lastRebalance = new Map<bigint, { timestampMs: number; priceUsd: number }>();
  const ordersOn =
    parameters.orders?.disabled !== true &&
    (client.deployment.triggerOrders !== undefined || client.deployment.delayedOrders !== undefined);
  const maxOrderActions = parameters.orders?.maxPerTick ?? 10;
  if (!Number.isSafeInteger(maxOrderActions) || maxOrderActions <= 0) {
    throw new ParapetInputError("orders.maxPerTick", `is ${maxOrderActions}.`, "Pass a positive integer.");
  }
  /** Order ids seen in the placement events and not known to be gone (ids are never reused). */
  const triggerIds = new Set<bigint>();
  const delayedIds = new Set<bigint>();
  let nextOrderBlock = parameters.fromBlock ?? client.deployment.blockNumber;
  let liveOrders = { triggers: 0, delayed: 0 };
  let tick = 0;
  let sent = 0;
  let failures = 0;

  /** True when the signer has a transaction in the mempool (pending nonce above the mined one). */
  async function signerHasPending(): Promise<boolean> {
    if (!signer) return false;
    const [mined, pending] = await Promise.all([
      client.publicClient.getTransactionCount({ address: signer, blockTag: "latest" }),
      client.publicClient.getTransactionCount({ address: signer, blockTag: "pending" }),
    ]);
    return pending > mined;
  }

  /**
   * Whether `key` may be acted on now. An in-flight key younger than the timeout waits; an older one is cleared only
   * when the signer has nothing pending (the earlier send failed or was mined: the caller re-reads the chain anyway).
   */
  async function mayAct(key: string): Promise<boolean> {
    const since = inFlight.get(key);
    if (since === undefined) return true;
    if (Date.now() - since < pendingTimeoutMs) return false;
    if (await signerHasPending()) return false;
    inFlight.delete(key);
    return true;
  }

  /**
   * Runs a sending action with its keys in flight. On success the keys are cleared (the receipt is in). On a throw
   * they stay in flight unless the signer's nonce shows nothing left: then it failed before sending (simulation,
   * estimation) and may be retried next tick. If even that check fails (RPC down) they stay: never re-send blindly.
   */
  async function guarded<T>(keys: readonly string[], action: () => Promise<T>): Promise<T> {
    if (parameters.dryRun || !signer) return action();
    const nonceBefore = await client.publicClient.getTransactionCount({ address: signer, blockTag: "pending" });
    const startedAt = Date.now();
    for (const key of keys) inFlight.set(key, startedAt);
    try {
      const result = await action();
      for (const key of keys) inFlight.delete(key);
      return result;
    } catch (error) {
      const nonceAfter = await client.publicClient
        .getTransactionCount({ address: signer, blockTag: "pending" })
        .catch(() => undefined);
      if (nonceAfter === nonceBefore) for (const key of keys) inFlight.delete(key);
      throw error;
    }
  }

  async function liquidationJob(): Promise<void> {
    const discovered = await discoverAccounts(client, { fromBlock: nextBlock, blockRange: parameters.blockRange });
    for (const account of discovered.accounts) {
      const key = accountKey(account);
      if (!knownKeys.has(key)) {
        knownKeys.add(key);
        known.push(account);
        if (parameters.syncUpkeep) unwatched.push(account);
      }
    }
    nextBlock = discovered.toBlock + 1n;
    if (unwatched.length > 0 && !signal?.aborted) await watchJob();
    const scan = await scanAccounts(client, { accounts: known });
    const due = new Set(scan.candidates.map((c) => `liquidate:${accountKey(c.account)}`));
    // A key whose account is no longer liquidatable is done, whoever liquidated it.
    for (const key of [...inFlight.keys()]) if (key.startsWith("liquidate:") && !due.has(key)) inFlight.delete(key);
    if (scan.unpriced.length > 0) {
      emit({
        action: "liquidate",
        outcome: "skipped",
        reason: `ORACLE: ${scan.unpriced.length} account(s) cannot be priced (a market's feed fails the adapter's checks)`,
        accounts: scan.unpriced.map(accountKey),
      });
    }
    const candidates: LiquidationCandidate[] = [];
    const waiting: string[] = [];
    for (const c of scan.candidates) {
      if (await mayAct(`liquidate:${accountKey(c.account)}`)) candidates.push(c);
      else waiting.push(accountKey(c.account));
    }
    if (waiting.length > 0) {
      emit({
        action: "liquidate",
        outcome: "skipped",
        reason: "IN_FLIGHT: sent earlier, not confirmed yet",
        accounts: waiting,
      });
    }
    if (candidates.length === 0) return;
    if (!parameters.dryRun && (await signerHasPending())) {
      emit({
        action: "liquidate",
        outcome: "skipped",
        reason: "PENDING_TX: the signer has an unconfirmed transaction; waiting for it before sending another",
        accounts: candidates.map((c) => accountKey(c.account)),
      });
      return;
    }
    if (signal?.aborted) return;
    const keys = candidates.map((c) => `liquidate:${accountKey(c.account)}`);
    const pass = await guarded(keys, () =>
      liquidateProfitably(client, {
        candidates,
        nativePriceUsd: parameters.liquidation?.nativePriceUsd,
        minProfitUsd: parameters.liquidation?.minProfitUsd,
        maxBatch: parameters.liquidation?.maxBatch,
        dryRun: parameters.dryRun,
      }),
    );
    for (const reason of ["UNPROFITABLE", "NOT_LIQUIDATABLE_ANY_MORE", "BATCH_FULL"] as const) {
      const accounts = pass.skipped.filter((s) => s.reason === reason).map((s) => accountKey(s.account));
      if (accounts.length > 0) emit({ action: "liquidate", outcome: "skipped", reason, accounts });
    }
    if (pass.liquidated.length === 0) return;
    if (pass.sent) sent++;
    emit({
      action: "liquidate",
      outcome: pass.sent ? "sent" : "dry-run",
      reason: `LIQUIDATABLE: reward ${usd(pass.rewardUsd)} USD − gas ${usd(pass.gasCostUsd)} USD ≥ min profit ${parameters.liquidation?.minProfitUsd ?? 0} USD`,
      hash: pass.hash,
      gasUsed: pass.gasUsed,
      accounts: pass.liquidated.map(accountKey),
      rewardUsd: usd(pass.rewardUsd),
      gasCostUsd: usd(pass.gasCostUsd),
    });
  }

  async function watchJob(): Promise<void> {
    if (!(await mayAct("watch"))) return;
    if (!parameters.dryRun && (await signerHasPending())) return;
    const synced = await guarded(["watch"], () =>
      syncUpkeepWatchList(client, { accounts: unwatched, dryRun: parameters.dryRun }),
    );
    unwatched = [];
    if (synced.added.length === 0) return;
    if (synced.written) sent++;
    emit({
      action: "watch",
      outcome: synced.written ? "sent" : "dry-run",
      reason: `UPKEEP: ${synced.added.length} new account(s) added to the LiquidationUpkeep watch list`,
      hash: synced.written?.hash,
      gasUsed: synced.written?.receipt.gasUsed,
      accounts: synced.added.map(accountKey),
    });
  }

  async function orderJob(): Promise<void> {
    const toBlock = await client.publicClient.getBlockNumber({ cacheTime: 0 });
    const range = { fromBlock: nextOrderBlock, toBlock, blockRange: parameters.blockRange };
    if (client.deployment.triggerOrders) {
      for (const id of (await discoverTriggerOrderIds(client, range)).orderIds) triggerIds.add(id);
    }
    if (client.deployment.delayedOrders) {
      for (const id of (await discoverDelayedOrderIds(client, range)).orderIds) delayedIds.add(id);
    }
    nextOrderBlock = toBlock + 1n;
    const scan = await scanOrders(client, { triggerOrderIds: [...triggerIds], delayedOrderIds: [...delayedIds] });
    for (const id of scan.goneTriggerIds) triggerIds.delete(id);
    for (const id of scan.goneDelayedIds) delayedIds.delete(id);
    liveOrders = { triggers: scan.triggers.length, delayed: scan.delayed.length };
    // A key whose order is gone is done, whoever executed, settled or cancelled it.
    const liveTriggers = new Set(scan.triggers.map((t) => t.order.orderId));
    const liveDelayed = new Set(scan.delayed.map((o) => o.orderId));
    for (const key of [...inFlight.keys()]) {
      const [kind, id] = key.split(":");
      if (id === undefined || !/^\d+$/.test(id)) continue;
      if ((kind === "execute-trigger" || kind === "cancel-trigger") && !liveTriggers.has(BigInt(id)))
        inFlight.delete(key);
      if ((kind === "settle-order" || kind === "cancel-order") && !liveDelayed.has(BigInt(id))) inFlight.delete(key);
    }
    const unpriced = scan.triggers.filter((t) => t.state === "unpriced");
    if (unpriced.length > 0) {
      emit({
        action: "orders",
        outcome: "skipped",
        reason: `ORACLE: ${unpriced.length} trigger order(s) cannot be checked: their market's feed fails the adapter's checks (nothing executes on a bad price)`,
        orderIds: unpriced.map((t) => String(t.order.orderId)),
      });
    }
    const actions = orderActions(scan, { cleanup: parameters.orders?.cleanup });
    if (actions.length > maxOrderActions) {
      emit({
        action: "orders",
        outcome: "skipped",
        reason: `MAX_PER_TICK: ${actions.length - maxOrderActions} order action(s) left for the next tick`,
        orderIds: actions.slice(maxOrderActions).map((a) => String(a.orderId)),
      });
    }
    let priceWad: bigint | undefined;
    for (const action of actions.slice(0, maxOrderActions)) {
      if (signal?.aborted) return;
      const key = orderActionKey(action);
      const about = { action: action.kind, accounts: [accountKey(action)], orderIds: [String(action.orderId)] };
      if (!(await mayAct(key))) {
        emit({ ...about, outcome: "skipped", reason: "IN_FLIGHT: sent earlier, not confirmed yet" });
        continue;
      }
      if (!parameters.dryRun && (await signerHasPending())) {
        emit({
          ...about,
          outcome: "skipped",
          reason: "PENDING_TX: the signer has an unconfirmed transaction; waiting for it before sending another",
        });
        return;
      }
      priceWad ??= await nativePriceWad(client, parameters.liquidation?.nativePriceUsd);
      const nativePrice = priceWad;
      let result: Awaited<ReturnType<typeof sendOrderAction>>;
      try {
        result = await guarded([key], () =>
          sendOrderAction(client, {
            action,
            nativePriceWad: nativePrice,
            minProfitUsd: parameters.orders?.minProfitUsd,
            dryRun: parameters.dryRun,
          }),
        );
      } catch (error) {
        // Another keeper (or the owner) got there between the simulation and the block: the order's revert is an
        // outcome of this action, not a failed tick. The key stays in flight while a mined transaction may exist.
        if (!(error instanceof ParapetContractError)) throw error;
        emit({ ...about, outcome: "failed", reason: `REVERTED: ${error.summary}` });
        continue;
      }
      if (result.outcome === "sent") sent++;
      emit({
        ...about,
        outcome: result.outcome,
        reason: result.reason,
        hash: result.hash,
        gasUsed: result.gasUsed,
        rewardUsd: usd(result.rewardUsd),
        gasCostUsd: usd(result.gasCostUsd),
      });
    }
  }

  async function rebalanceJob(): Promise<void> {
    const policy = parameters.rebalance;
    if (!policy) return;
    const owner = policy.owner ?? signer;
    if (!owner) throw new ParapetNoWalletError();
    const key = `rebalance:${owner.toLowerCase()}`;
    if (!(await mayAct(key))) {
      emit({ action: "rebalance", outcome: "skipped", reason: "IN_FLIGHT: sent earlier, not confirmed yet" });
      return;
    }
    if (!parameters.dryRun && (await signerHasPending())) {
      emit({
        action: "rebalance",
        outcome: "skipped",
        reason: "PENDING_TX: the signer has an unconfirmed transaction",
      });
      return;
    }
    if (signal?.aborted) return;
    const result = await guarded([key], () =>
      rebalanceHedge(client, { ...policy, owner, lastRebalance, dryRun: parameters.dryRun }),
    );
    const reasons = result.decisions.flatMap((d) => [
      ...d.decision.reasons.map((r) => `${d.target.marketAsset}#${d.target.accountIndex} ${r.code}: ${r.message}`),
      ...d.decision.vetoes.map((v) => `${d.target.marketAsset}#${d.target.accountIndex} veto ${v.code}: ${v.message}`),
    ]);
    if (result.status === "sent" && result.execution?.status === "sent") {
      sent++;
      const block = await client.publicClient.getBlock({ blockNumber: result.execution.receipt.blockNumber });
      for (const d of result.decisions) {
        if (d.decision.act) {
          lastRebalance.set(d.target.accountIndex, {
            timestampMs: Number(block.timestamp) * 1000,
            priceUsd: d.target.priceUsd,
          });
        }
      }
      emit({
        action: "rebalance",
        outcome: "sent",
        reason: reasons.join("; "),
        hash: result.execution.hash,
        gasUsed: result.execution.receipt.gasUsed,
      });
      return;
    }
    emit({
      action: "rebalance",
      outcome: result.status === "sent" ? "noop" : result.status,
      reason:
        reasons.length > 0
          ? reasons.join("; ")
          : `no hedge needs action (${result.decisions.length} target(s) checked)`,
    });
  }

  for (;;) {
    if (signal?.aborted) break;
    tick++;
    try {
      if (!parameters.liquidation?.disabled) await liquidationJob();
      if (ordersOn && !signal?.aborted) await orderJob();
      if (!signal?.aborted) await rebalanceJob();
      failures = 0;
      emit({
        action: "tick",
        outcome: "ok",
        reason:
          `${known.length} account(s) watched, scanned to block ${nextBlock - 1n}` +
          (ordersOn ? `; ${liveOrders.triggers} trigger and ${liveOrders.delayed} delayed order(s) live` : ""),
      });
    } catch (thrown) {
      if (isFatal(thrown)) throw thrown;
      const error = toParapetRpcError(thrown) ?? thrown;
      failures++;
      const message =
        error instanceof ParapetError ? error.summary : error instanceof Error ? error.message : String(error);
      emit({ action: "tick", outcome: "failed", reason: message.split("\n")[0] ?? message });
      if (failures > maxRetries) throw new ParapetKeeperError(failures, error);
      const delayMs = Math.min(backoffMs * 2 ** (failures - 1), maxBackoffMs);
      emit({ action: "retry", outcome: "skipped", reason: `attempt ${failures} of ${maxRetries} in ${delayMs} ms` });
      await sleep(delayMs, signal);
      continue;
    }
    if (parameters.once) return { ticks: tick, sent, stoppedBy: "once" };
    await sleep(intervalMs, signal);
  }
  emit({ action: "stop", outcome: "ok", reason: "stop requested: finished the current tick" });
  return { ticks: tick, sent, stoppedBy: "signal" };
}
