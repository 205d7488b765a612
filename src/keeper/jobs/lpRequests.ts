// The LP request job (docs/keeper.md "LP requests"): discovers the LP vault's deposit and redemption requests from
// their `RequestCreated` events incrementally, reads them at one block, settles the settleable ones whose keeper fee
// covers the gas (a settlement marks every market of the pool: its gas grows with the market count), and cancels the
// expired ones (anyone may; the whole escrow goes back to the requester, the canceller earns nothing). At most
// `lpRequests.maxPerTick` transactions per tick, settlements first.
import { type Address, type Hex, zeroAddress } from "viem";
import {
  buildLpCancel,
  buildLpSettle,
  discoverLpRequestIds,
  type LpRequest,
  readLpRequests,
} from "../../actions/lp.js";
import { sendParapetTransaction } from "../../actions/write.js";
import type { ParapetContext } from "../../client.js";
import { ParapetContractError, toParapetContractError } from "../../errors.js";
import { tokenUnitsToWad, wadToNumber } from "../../units.js";
import { guarded, IN_FLIGHT_REASON, mayAct, maySend, PENDING_TX_REASON } from "../guards.js";
import { nativePriceWad } from "../liquidations.js";
import type { KeeperJobContext } from "../tick.js";

const WAD = 10n ** 18n;

export type LpRequestActionKind = "settle-lp" | "cancel-lp";

/** One transaction the LP request job may send. */
export type LpRequestAction = {
  kind: LpRequestActionKind;
  requestId: bigint;
  owner: Address;
  /** SETTLEABLE (from settleAfter until expiresAt) or EXPIRED (anyone may cancel). */
  reason: "SETTLEABLE" | "EXPIRED";
  /** What the sender earns (token units): the request's keeper fee for a settlement, 0 for a cancel. */
  keeperFeeTokens: bigint;
};

/** The in-flight key of an action (one per request and kind). */
export function lpRequestActionKey(action: Pick<LpRequestAction, "kind" | "requestId">): string {
  return `${action.kind}:${action.requestId}`;
}

/**
 * The actions live requests call for: settlements first (they earn their fee and are what the requester waits for),
 * then cancellations of expired requests (`cleanup: false` leaves those out: they pay nothing, and anyone, the
 * requester too, can send them). Pending and locked requests need nothing yet.
 */
export function lpRequestActions(
  requests: readonly LpRequest[],
  options: { cleanup?: boolean | undefined } = {},
): LpRequestAction[] {
  const of = (r: LpRequest) => ({ requestId: r.requestId, owner: r.owner });
  const settle = requests
    .filter((r) => r.status === "settleable")
    .map(
      (r): LpRequestAction => ({
        kind: "settle-lp",
        reason: "SETTLEABLE",
        keeperFeeTokens: r.keeperFeeTokens,
        ...of(r),
      }),
    );
  if (options.cleanup === false) return settle;
  const cancel = requests
    .filter((r) => r.status === "expired")
    .map((r): LpRequestAction => ({ kind: "cancel-lp", reason: "EXPIRED", keeperFeeTokens: 0n, ...of(r) }));
  return [...settle, ...cancel];
}

export type SendLpRequestActionParameters = {
  action: LpRequestAction;
  /** USD (WAD) per native token, to price gas. */
  nativePriceWad: bigint;
  /** Least keeper fee − gas cost (USD) for a settlement (default 0). Cancellations are not checked. */
  minProfitUsd?: number | undefined;
  dryRun?: boolean | undefined;
};

export type SendLpRequestActionReturnType = {
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
 * Simulates an LP request action (eth_estimateGas from the sender: a settlement can revert on a pool worth ≤ 0, a
 * redemption the pool cannot pay, an invalid price, or someone settling first), checks fee − gas ≥ `minProfitUsd`
 * for a settlement, and sends it.
 */
export async function sendLpRequestAction(
  client: ParapetContext,
  parameters: SendLpRequestActionParameters,
): Promise<SendLpRequestActionReturnType> {
  const { action } = parameters;
  const tx =
    action.kind === "settle-lp"
      ? buildLpSettle(client, { requestId: action.requestId })
      : buildLpCancel(client, { requestId: action.requestId });
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
  const settling = action.kind === "settle-lp";
  const minProfit = parameters.minProfitUsd ?? 0;
  const minProfitWad = BigInt(Math.round(minProfit * 1e8)) * 10n ** 10n;
  const usd = (wad: bigint) => wadToNumber(wad).toFixed(2);
  if (settling && rewardUsd - gasCostUsd < minProfitWad) {
    return {
      outcome: "skipped",
      reason: `UNPROFITABLE: keeper fee ${usd(rewardUsd)} USD − gas ${usd(gasCostUsd)} USD < min profit ${minProfit} USD`,
      gasUsed: gasEstimate,
      gasCostUsd,
      rewardUsd,
    };
  }
  const why = settling
    ? `SETTLEABLE: keeper fee ${usd(rewardUsd)} USD − gas ${usd(gasCostUsd)} USD ≥ min profit ${minProfit} USD`
    : `EXPIRED: anyone may cancel it; the whole escrow returns to the requester (gas ${usd(gasCostUsd)} USD)`;
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

/** One pass of the LP request job. */
export async function lpRequestJob(ctx: KeeperJobContext): Promise<void> {
  const { client, state, options, emit } = ctx;
  const toBlock = await client.publicClient.getBlockNumber({ cacheTime: 0 });
  const found = await discoverLpRequestIds(client, {
    fromBlock: state.nextLpRequestBlock,
    toBlock,
    blockRange: options.blockRange,
  });
  for (const id of found.requestIds) state.lpRequestIds.add(id);
  state.nextLpRequestBlock = toBlock + 1n;
  const { requests, gone } =
    state.lpRequestIds.size > 0
      ? await readLpRequests(client, { requestIds: [...state.lpRequestIds], blockNumber: toBlock })
      : { requests: [], gone: [] };
  for (const id of gone) state.lpRequestIds.delete(id);
  state.liveLpRequests = requests.length;
  // A key whose request is gone is done, whoever settled or cancelled it.
  const live = new Set(requests.map((r) => r.requestId));
  for (const key of [...state.inFlight.keys()]) {
    const [kind, id] = key.split(":");
    if ((kind === "settle-lp" || kind === "cancel-lp") && id !== undefined && !live.has(BigInt(id))) {
      state.inFlight.delete(key);
    }
  }
  const { maxPerTick } = options.lpRequests;
  const actions = lpRequestActions(requests, { cleanup: options.lpRequests.cleanup });
  if (actions.length > maxPerTick) {
    emit({
      action: "lp-requests",
      outcome: "skipped",
      reason: `MAX_PER_TICK: ${actions.length - maxPerTick} LP request action(s) left for the next tick`,
      lpRequestIds: actions.slice(maxPerTick).map((a) => String(a.requestId)),
    });
  }
  let priceWad: bigint | undefined;
  for (const action of actions.slice(0, maxPerTick)) {
    if (ctx.signal?.aborted) return;
    const key = lpRequestActionKey(action);
    const about = { action: action.kind, lpRequestIds: [String(action.requestId)] };
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
    let result: SendLpRequestActionReturnType;
    try {
      result = await guarded(ctx, [key], () =>
        sendLpRequestAction(client, {
          action,
          nativePriceWad: nativePrice,
          minProfitUsd: options.lpRequests.minProfitUsd,
          dryRun: options.dryRun,
        }),
      );
    } catch (error) {
      // Someone (the requester, another keeper) settled or cancelled it between the simulation and the block.
      if (!(error instanceof ParapetContractError)) throw error;
      emit({ ...about, outcome: "failed", reason: `REVERTED: ${error.summary}` });
      continue;
    }
    if (result.outcome === "sent") ctx.countSent();
    const usd = (wad: bigint) => wadToNumber(wad).toFixed(2);
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
