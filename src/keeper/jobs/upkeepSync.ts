// The upkeep-sync job: adds newly discovered accounts to the deployment's LiquidationUpkeep watch list (one `watch`
// transaction per tick with new accounts), so the Chainlink Automation backstop covers every account this keeper
// knows even while the keeper is down. Read and send: syncUpkeepWatchList (upkeep.ts).
import { accountKey } from "../accounts.js";
import { guarded, mayAct, maySend } from "../guards.js";
import type { KeeperJobContext } from "../tick.js";
import { syncUpkeepWatchList } from "../upkeep.js";

/** Watches `state.unwatched` on the upkeep; the list is cleared once the sync went through (or found them watched). */
export async function upkeepSyncJob(ctx: KeeperJobContext): Promise<void> {
  const { state, options } = ctx;
  if (!(await mayAct(ctx, "watch"))) return;
  if (!(await maySend(ctx))) return;
  const synced = await guarded(ctx, ["watch"], () =>
    syncUpkeepWatchList(ctx.client, { accounts: state.unwatched, dryRun: options.dryRun }),
  );
  state.unwatched = [];
  if (synced.added.length === 0) return;
  if (synced.written) ctx.countSent();
  ctx.emit({
    action: "watch",
    outcome: synced.written ? "sent" : "dry-run",
    reason: `UPKEEP: ${synced.added.length} new account(s) added to the LiquidationUpkeep watch list`,
    hash: synced.written?.hash,
    gasUsed: synced.written?.receipt.gasUsed,
    accounts: synced.added.map(accountKey),
  });
}
