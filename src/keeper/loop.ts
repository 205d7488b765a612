// The keeper loop: `keeperTick` (tick.ts) again and again on one state, until the stop signal. It survives RPC faults
// with bounded retries and backoff, stops between actions on an abort signal (never mid-send), and throws at once on
// configuration errors that no retry can fix. What a tick does, and the rules against sending twice, are in tick.ts,
// jobs/ and guards.ts.
import type { ParapetContext } from "../client.js";
import {
  ParapetDeploymentError,
  ParapetError,
  ParapetInputError,
  ParapetKeeperError,
  ParapetKeeperLockError,
  ParapetNoWalletError,
  ParapetSetupError,
  toParapetRpcError,
} from "../errors.js";
import {
  createKeeperState,
  type KeeperEvent,
  type KeeperTickParameters,
  keeperTick,
  resolveKeeperOptions,
} from "./tick.js";

export type { KeeperAction, KeeperEvent, KeeperOutcome } from "./tick.js";

export type RunKeeperParameters = KeeperTickParameters & {
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
  /** First block to scan for accounts and orders (default: the deployment's block). */
  fromBlock?: bigint | undefined;
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
    error instanceof ParapetSetupError ||
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

/**
 * Runs the keeper until `signal` aborts (or one tick with `once`). Throws ParapetKeeperError after `maxRetries`
 * failed ticks in a row, and at once on a configuration error (input, deployment, hedge setup, no wallet).
 */
export async function runKeeper(
  client: ParapetContext,
  parameters: RunKeeperParameters = {},
): Promise<RunKeeperReturnType> {
  resolveKeeperOptions(client, parameters); // a bad option (or no wallet) fails here, before the first tick
  const intervalMs = parameters.intervalMs ?? 15_000;
  const maxRetries = parameters.maxRetries ?? 5;
  const backoffMs = parameters.backoffMs ?? 1_000;
  const maxBackoffMs = parameters.maxBackoffMs ?? 30_000;
  const sleep = parameters.sleep ?? defaultSleep;
  const { signal } = parameters;
  const state = createKeeperState(client, { fromBlock: parameters.fromBlock });
  // The loop's own lines carry the number of the tick they are about, like the tick's events.
  const emit = (e: Omit<KeeperEvent, "time" | "tick">) =>
    parameters.onEvent?.({ time: new Date().toISOString(), tick: state.tick, ...e });
  let failures = 0;

  for (;;) {
    if (signal?.aborted) break;
    try {
      await keeperTick(client, state, parameters);
      failures = 0;
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
    if (parameters.once) return { ticks: state.tick, sent: state.sent, stoppedBy: "once" };
    await sleep(intervalMs, signal);
  }
  emit({ action: "stop", outcome: "ok", reason: "stop requested: finished the current tick" });
  return { ticks: state.tick, sent: state.sent, stoppedBy: "signal" };
}
