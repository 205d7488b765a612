// The rules that keep the keeper from sending the same action twice (docs/keeper.md "Never the same action twice"),
// shared by every job. An action has a key (`liquidate:<owner>:<index>`, `poke:<marketId>`, `execute-trigger:<id>`,
// …); a key is in flight from just before its send until its receipt, and an unconfirmed key is re-checked against
// the signer's nonces, never re-sent blindly.
import type { KeeperJobContext } from "./tick.js";

/** The reason a job logs for a key that is still in flight. */
export const IN_FLIGHT_REASON = "IN_FLIGHT: sent earlier, not confirmed yet";
/** The reason a job logs when the signer has a pending transaction (nothing is sent on top of it). */
export const PENDING_TX_REASON =
  "PENDING_TX: the signer has an unconfirmed transaction; waiting for it before sending another";

type GuardContext = Pick<KeeperJobContext, "client" | "signer" | "state" | "options">;

/** True when the signer has a transaction in the mempool (pending nonce above the mined one). */
export async function signerHasPending(ctx: GuardContext): Promise<boolean> {
  const { signer } = ctx;
  if (!signer) return false;
  const [mined, pending] = await Promise.all([
    ctx.client.publicClient.getTransactionCount({ address: signer, blockTag: "latest" }),
    ctx.client.publicClient.getTransactionCount({ address: signer, blockTag: "pending" }),
  ]);
  return pending > mined;
}

/** True when a send may start now: always on a dry run, else only while the signer has nothing pending. */
export async function maySend(ctx: GuardContext): Promise<boolean> {
  return ctx.options.dryRun || !(await signerHasPending(ctx));
}

/**
 * Whether `key` may be acted on now. An in-flight key younger than the timeout waits; an older one is cleared only
 * when the signer has nothing pending (the earlier send failed or was mined: the caller re-reads the chain anyway).
 */
export async function mayAct(ctx: GuardContext, key: string): Promise<boolean> {
  const since = ctx.state.inFlight.get(key);
  if (since === undefined) return true;
  if (Date.now() - since < ctx.options.pendingTimeoutMs) return false;
  if (await signerHasPending(ctx)) return false;
  ctx.state.inFlight.delete(key);
  return true;
}

/**
 * Runs a sending action with its keys in flight. On success the keys are cleared (the receipt is in). On a throw
 * they stay in flight unless the signer's nonce shows nothing left: then it failed before sending (simulation,
 * estimation) and may be retried next tick. If even that check fails (RPC down) they stay: never re-send blindly.
 */
export async function guarded<T>(ctx: GuardContext, keys: readonly string[], action: () => Promise<T>): Promise<T> {
  const { signer, state } = ctx;
  if (ctx.options.dryRun || !signer) return action();
  const { publicClient } = ctx.client;
  const nonceBefore = await publicClient.getTransactionCount({ address: signer, blockTag: "pending" });
  const startedAt = Date.now();
  for (const key of keys) state.inFlight.set(key, startedAt);
  try {
    const result = await action();
    for (const key of keys) state.inFlight.delete(key);
    return result;
  } catch (error) {
    const nonceAfter = await publicClient
      .getTransactionCount({ address: signer, blockTag: "pending" })
      .catch(() => undefined);
    if (nonceAfter === nonceBefore) for (const key of keys) state.inFlight.delete(key);
    throw error;
  }
}

/** Forgets the in-flight keys with `prefix` that `stillDue` rejects: their action is done, whoever did it. */
export function releaseDone(ctx: Pick<KeeperJobContext, "state">, prefix: string, stillDue: (key: string) => boolean) {
  for (const key of [...ctx.state.inFlight.keys()]) {
    if (key.startsWith(prefix) && !stillDue(key)) ctx.state.inFlight.delete(key);
  }
}
