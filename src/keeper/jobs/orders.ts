// The order job: discovers trigger and delayed orders incrementally, reads them at one block (scanOrders), and sends
// at most `orders.maxPerTick` actions (orderActions → sendOrderAction, orders.ts), executions and settlements first.
import { discoverDelayedOrderIds, discoverTriggerOrderIds } from "../../actions/orders.js";
import { ParapetContractError } from "../../errors.js";
import { wadToNumber } from "../../units.js";
import { accountKey } from "../accounts.js";
import { guarded, IN_FLIGHT_REASON, mayAct, maySend, PENDING_TX_REASON } from "../guards.js";
import { nativePriceWad } from "../liquidations.js";
import { orderActionKey, orderActions, scanOrders, sendOrderAction } from "../orders.js";
import type { KeeperJobContext } from "../tick.js";

const usd = (wad: bigint) => wadToNumber(wad).toFixed(2);

/** One pass of the order job (docs/keeper.md "Orders"). */
export async function orderJob(ctx: KeeperJobContext): Promise<void> {
  const { client, state, options, emit } = ctx;
  const toBlock = await client.publicClient.getBlockNumber({ cacheTime: 0 });
  const range = { fromBlock: state.nextOrderBlock, toBlock, blockRange: options.blockRange };
  if (client.deployment.triggerOrders) {
    for (const id of (await discoverTriggerOrderIds(client, range)).orderIds) state.triggerOrderIds.add(id);
  }
  if (client.deployment.delayedOrders) {
    for (const id of (await discoverDelayedOrderIds(client, range)).orderIds) state.delayedOrderIds.add(id);
  }
  state.nextOrderBlock = toBlock + 1n;
  const scan = await scanOrders(client, {
    triggerOrderIds: [...state.triggerOrderIds],
    delayedOrderIds: [...state.delayedOrderIds],
  });
  for (const id of scan.goneTriggerIds) state.triggerOrderIds.delete(id);
  for (const id of scan.goneDelayedIds) state.delayedOrderIds.delete(id);
  state.liveOrders = { triggers: scan.triggers.length, delayed: scan.delayed.length };
  // A key whose order is gone is done, whoever executed, settled or cancelled it.
  const liveTriggers = new Set(scan.triggers.map((t) => t.order.orderId));
  const liveDelayed = new Set(scan.delayed.map((o) => o.orderId));
  for (const key of [...state.inFlight.keys()]) {
    const [kind, id] = key.split(":");
    if (id === undefined || !/^\d+$/.test(id)) continue;
    if ((kind === "execute-trigger" || kind === "cancel-trigger") && !liveTriggers.has(BigInt(id)))
      state.inFlight.delete(key);
    if ((kind === "settle-order" || kind === "cancel-order") && !liveDelayed.has(BigInt(id)))
      state.inFlight.delete(key);
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
  const maxPerTick = options.orders.maxPerTick;
  const actions = orderActions(scan, { cleanup: options.orders.cleanup });
  if (actions.length > maxPerTick) {
    emit({
      action: "orders",
      outcome: "skipped",
      reason: `MAX_PER_TICK: ${actions.length - maxPerTick} order action(s) left for the next tick`,
      orderIds: actions.slice(maxPerTick).map((a) => String(a.orderId)),
    });
  }
  let priceWad: bigint | undefined;
  for (const action of actions.slice(0, maxPerTick)) {
    if (ctx.signal?.aborted) return;
    const key = orderActionKey(action);
    const about = { action: action.kind, accounts: [accountKey(action)], orderIds: [String(action.orderId)] };
    if (!(await mayAct(ctx, key))) {
      emit({ ...about, outcome: "skipped", reason: IN_FLIGHT_REASON });
      continue;
    }
    if (!(await maySend(ctx))) {
      emit({ ...about, outcome: "skipped", reason: PENDING_TX_REASON });
      return;
    }
    priceWad ??= await nativePriceWad(client, options.liquidation.nativePriceUsd);
    const nativePrice = priceWad;
    let result: Awaited<ReturnType<typeof sendOrderAction>>;
    try {
      result = await guarded(ctx, [key], () =>
        sendOrderAction(client, {
          action,
          nativePriceWad: nativePrice,
          minProfitUsd: options.orders.minProfitUsd,
          dryRun: options.dryRun,
        }),
      );
    } catch (error) {
      // Another keeper (or the owner) got there between the simulation and the block: the order's revert is an
      // outcome of this action, not a failed tick. The key stays in flight while a mined transaction may exist.
      if (!(error instanceof ParapetContractError)) throw error;
      emit({ ...about, outcome: "failed", reason: `REVERTED: ${error.summary}` });
      continue;
    }
    if (result.outcome === "sent") ctx.countSent();
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
