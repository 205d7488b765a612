// The liquidation job: a thin adapter from the tick to discoverAccounts (accounts.ts), scanAccounts and
// liquidateProfitably (liquidations.ts), which do the work. It adds only what a loop needs: the state it carries
// between ticks, the in-flight and pending-transaction guards, and the log lines. Replacing the scan or the batching
// means changing those functions, not this file.
import { getMarkets } from "../../actions/read.js";
import { wadToNumber } from "../../units.js";
import { accountKey, discoverAccounts } from "../accounts.js";
import { guarded, IN_FLIGHT_REASON, mayAct, maySend, PENDING_TX_REASON, releaseDone } from "../guards.js";
import { type LiquidationCandidate, liquidateProfitably, scanAccounts } from "../liquidations.js";
import type { KeeperJobContext } from "../tick.js";

const usd = (wad: bigint) => wadToNumber(wad).toFixed(2);
const liquidationKey = (c: LiquidationCandidate) => `liquidate:${accountKey(c.account)}`;

/**
 * Adds the accounts of new Deposited events to the state (from the last scanned block + 1). An account cannot hold a
 * position without a deposit, so this covers every account that can become liquidatable or deleveraged. The scanned
 * block advances only after a discovery succeeded, so an RPC failure mid-scan loses no account.
 */
export async function discoverKeeperAccounts(ctx: KeeperJobContext): Promise<void> {
  const { state } = ctx;
  const discovered = await discoverAccounts(ctx.client, {
    fromBlock: state.nextAccountBlock,
    blockRange: ctx.options.blockRange,
  });
  for (const account of discovered.accounts) {
    const key = accountKey(account);
    if (state.accountKeys.has(key)) continue;
    state.accountKeys.add(key);
    state.accounts.push(account);
    if (ctx.options.syncUpkeep) state.unwatched.push(account);
  }
  state.nextAccountBlock = discovered.toBlock + 1n;
}

/**
 * Scans the known accounts and liquidates the profitable ones (see liquidateProfitably): as many gas-sized
 * `liquidateBatch` transactions as the crash needs, worst shortfall first, sent back to back; one log line each.
 */
export async function liquidationJob(ctx: KeeperJobContext): Promise<void> {
  const { client, state, options, emit } = ctx;
  const scan = await scanAccounts(client, { accounts: state.accounts });
  for (const h of scan.health) state.marketBitmaps.set(accountKey(h.account), h.marketBitmap);
  const due = new Set(scan.candidates.map(liquidationKey));
  // A key whose account is no longer liquidatable is done, whoever liquidated it.
  releaseDone(ctx, "liquidate:", (key) => due.has(key));
  if (scan.unpriced.length > 0) {
    // A market closed by its hours is not an oracle fault: its accounts wait for the reopen round, when the scan
    // prices them again and they are liquidated before anyone may add exposure (the vault's reopen delay).
    const closed = (await getMarkets(client)).filter((m) => m.closed !== undefined);
    const closedBits = closed.reduce((bits, m) => bits | (1n << m.marketId), 0n);
    // One pass (a weekend can leave every account of a closed market unpriced: 10,000 of them).
    const inClosed: typeof scan.unpriced = [];
    const faulty: typeof scan.unpriced = [];
    for (const a of scan.unpriced) {
      if (((state.marketBitmaps.get(accountKey(a)) ?? 0n) & closedBits) !== 0n) inClosed.push(a);
      else faulty.push(a);
    }
    if (inClosed.length > 0) {
      const when = closed
        .map((m) =>
          m.closed?.reason === "MARKET_CLOSED"
            ? `${m.symbol} reopens ${new Date(Number(m.closed.reopensAt) * 1000).toISOString()}`
            : `${m.symbol} awaits its reopen round`,
        )
        .join(", ");
      emit({
        action: "liquidate",
        outcome: "skipped",
        reason: `MARKET_CLOSED: ${inClosed.length} account(s) hold a market closed by its hours (${when}): liquidated at the first round after the reopen`,
        accounts: inClosed.map(accountKey),
      });
    }
    if (faulty.length > 0) {
      emit({
        action: "liquidate",
        outcome: "skipped",
        reason: `ORACLE: ${faulty.length} account(s) cannot be priced (a market's feed fails the adapter's checks)`,
        accounts: faulty.map(accountKey),
      });
    }
  }
  const candidates: LiquidationCandidate[] = [];
  const waiting: string[] = [];
  for (const c of scan.candidates) {
    if (await mayAct(ctx, liquidationKey(c))) candidates.push(c);
    else waiting.push(accountKey(c.account));
  }
  if (waiting.length > 0) {
    emit({ action: "liquidate", outcome: "skipped", reason: IN_FLIGHT_REASON, accounts: waiting });
  }
  if (candidates.length === 0) return;
  if (!(await maySend(ctx))) {
    emit({
      action: "liquidate",
      outcome: "skipped",
      reason: PENDING_TX_REASON,
      accounts: candidates.map((c) => accountKey(c.account)),
    });
    return;
  }
  if (ctx.signal?.aborted) return;
  const minProfitUsd = options.liquidation.minProfitUsd ?? 0;
  const pass = await guarded(ctx, candidates.map(liquidationKey), () =>
    liquidateProfitably(client, {
      candidates,
      nativePriceUsd: options.liquidation.nativePriceUsd,
      minProfitUsd,
      maxBatch: options.liquidation.maxBatch,
      maxTransactions: options.liquidation.maxTransactions,
      dryRun: options.dryRun,
    }),
  );
  for (const reason of ["UNPROFITABLE", "NOT_LIQUIDATABLE_ANY_MORE", "REVERTED", "MAX_TRANSACTIONS"] as const) {
    const skipped = pass.skipped.filter((s) => s.reason === reason);
    if (skipped.length === 0) continue;
    const detail = skipped[0]?.detail;
    emit({
      action: "liquidate",
      outcome: "skipped",
      reason: detail ? `${reason}: ${detail}` : reason,
      accounts: skipped.map((s) => accountKey(s.account)),
    });
  }
  const total = pass.transactions.length;
  for (const [i, t] of pass.transactions.entries()) {
    if (t.hash !== undefined) ctx.countSent();
    const badDebt = t.badDebtUsd > 0n ? `, bad debt ${usd(t.badDebtUsd)} USD recorded` : "";
    emit({
      action: "liquidate",
      outcome: t.reverted ? "failed" : t.hash !== undefined ? "sent" : "dry-run",
      reason: t.reverted
        ? `REVERTED: batch ${i + 1}/${total} was mined but reverted (a price turned invalid since the simulation); its accounts are re-scanned next tick`
        : `LIQUIDATABLE: batch ${i + 1}/${total}, ${t.liquidated.length} account(s), reward ${usd(t.rewardUsd)} USD − gas ${usd(t.gasCostUsd)} USD ≥ min profit ${minProfitUsd} USD${badDebt}`,
      hash: t.hash,
      gasUsed: t.gasUsed,
      accounts: t.liquidated.map(accountKey),
      rewardUsd: usd(t.rewardUsd),
      gasCostUsd: usd(t.gasCostUsd),
    });
  }
  // A send that failed part-way: what went out is mined and logged above; the tick fails and is retried.
  if (pass.error !== undefined) throw pass.error;
}
