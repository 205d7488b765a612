// The rebalance job: one rebalanceHedge pass (hedge/rebalancer.ts) for the owner's hedge with their policy, at most
// one HedgeRouter transaction. The state's `lastRebalance` carries the chain time and price of each hedge's last
// rebalance across ticks, so the periodic trigger and `maxIntervalMs` work.
import { ParapetNoWalletError } from "../../errors.js";
import { rebalanceHedge } from "../../hedge/rebalancer.js";
import { guarded, IN_FLIGHT_REASON, mayAct, maySend } from "../guards.js";
import type { KeeperJobContext } from "../tick.js";

/** One pass of the owner's rebalance policy (`options.rebalance`; nothing without it). */
export async function rebalanceJob(ctx: KeeperJobContext): Promise<void> {
  const { client, state, options, emit } = ctx;
  const policy = options.rebalance;
  if (!policy) return;
  const owner = policy.owner ?? ctx.signer;
  if (!owner) throw new ParapetNoWalletError();
  const key = `rebalance:${owner.toLowerCase()}`;
  if (!(await mayAct(ctx, key))) {
    emit({ action: "rebalance", outcome: "skipped", reason: IN_FLIGHT_REASON });
    return;
  }
  if (!(await maySend(ctx))) {
    emit({ action: "rebalance", outcome: "skipped", reason: "PENDING_TX: the signer has an unconfirmed transaction" });
    return;
  }
  if (ctx.signal?.aborted) return;
  const result = await guarded(ctx, [key], () =>
    rebalanceHedge(client, { ...policy, owner, lastRebalance: state.lastRebalance, dryRun: options.dryRun }),
  );
  const reasons = result.decisions.flatMap((d) => [
    ...d.decision.reasons.map((r) => `${d.target.marketAsset}#${d.target.accountIndex} ${r.code}: ${r.message}`),
    ...d.decision.vetoes.map((v) => `${d.target.marketAsset}#${d.target.accountIndex} veto ${v.code}: ${v.message}`),
  ]);
  if (result.status === "sent" && result.execution?.status === "sent") {
    ctx.countSent();
    const block = await client.publicClient.getBlock({ blockNumber: result.execution.receipt.blockNumber });
    for (const d of result.decisions) {
      if (d.decision.act) {
        state.lastRebalance.set(d.target.accountIndex, {
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
      reasons.length > 0 ? reasons.join("; ") : `no hedge needs action (${result.decisions.length} target(s) checked)`,
  });
}
