// The auto-deleveraging job (ADL, docs/risks.md "Pool capacity and auto-deleveraging"): when prices push the pool's
// reserved exposure Σ|skew|·price above its marked value (utilisation > 100 %, which no trade or LP withdrawal can
// cause), the vault lets anyone close a winning position on the crowded side at the oracle price, paid in full. The
// keeper closes the most profitable ones first until utilisation is back at or under 100 %. It earns nothing: a
// public good, on by default.
import { zeroAddress } from "viem";
import { perpVaultAbi } from "../../abis/index.js";
import { getLiquidityVault, type Market, multicallInChunks, unwrapCallResult } from "../../actions/read.js";
import { buildDeleverage, writeDeleverage } from "../../actions/write.js";
import type { ParapetContext } from "../../client.js";
import { ParapetContractError, toParapetContractError, toParapetRpcError } from "../../errors.js";
import { fundingOwedUp, notionalUp, pnlDown } from "../../math/index.js";
import { tokenUnitsToWad, wadToNumber } from "../../units.js";
import { type AccountRef, accountKey } from "../accounts.js";
import { guarded, IN_FLIGHT_REASON, mayAct, maySend, PENDING_TX_REASON, releaseDone } from "../guards.js";
import type { KeeperJobContext, PinnedMarkets } from "../tick.js";

/** A position the vault may deleverage: on its market's crowded side, worth more than 0 (pnl − funding owed). */
export type DeleverageCandidate = {
  account: AccountRef;
  marketId: bigint;
  /** Units, WAD, signed like the skew. */
  sizeWad: bigint;
  /** pnlDown − fundingOwedUp at the read price and funding index (USD WAD), > 0. */
  valueUsd: bigint;
};

export type PositionRead = {
  account: AccountRef;
  marketId: bigint;
  sizeWad: bigint;
  entryPriceWad: bigint;
  fundingIndexEntryWad: bigint;
};

const usd = (wad: bigint) => wadToNumber(wad).toFixed(2);

/** Σ |skew|·price (USD WAD, rounded up as the vault does); undefined when a market with open interest is unpriced. */
export function reservedUsd(markets: readonly Market[]): bigint | undefined {
  let total = 0n;
  for (const m of markets) {
    if (m.skewWad === 0n) continue;
    if (m.priceWad === undefined) return undefined;
    total += notionalUp(m.skewWad, m.priceWad);
  }
  return total;
}

/** Utilisation `reserved / value` as a percentage text ("118.75"); "∞" when the pool's value is 0 or less. */
export function utilisationPercent(reserved: bigint, valueUsd: bigint): string {
  if (valueUsd <= 0n) return "∞";
  return (Number((reserved * 1_000_000n) / valueUsd) / 1e4).toFixed(2);
}

/**
 * The crowded-side winners among `positions` (pure), most profitable first: value = pnlDown(size, entry, price) −
 * fundingOwedUp(size, indexEntry, indexNow), the same numbers the vault's `deleverage` checks. Ties by account key.
 */
export function rankDeleverageCandidates(
  markets: readonly Market[],
  positions: readonly PositionRead[],
): DeleverageCandidate[] {
  const byId = new Map(markets.map((m) => [m.marketId, m]));
  const out: DeleverageCandidate[] = [];
  for (const p of positions) {
    const m = byId.get(p.marketId);
    if (!m || m.priceWad === undefined || m.fundingIndexWad === undefined || p.sizeWad === 0n) continue;
    if (m.skewWad === 0n || p.sizeWad > 0n !== m.skewWad > 0n) continue;
    const valueUsd =
      pnlDown(p.sizeWad, p.entryPriceWad, m.priceWad) -
      fundingOwedUp(p.sizeWad, p.fundingIndexEntryWad, m.fundingIndexWad);
    if (valueUsd > 0n) out.push({ account: p.account, marketId: p.marketId, sizeWad: p.sizeWad, valueUsd });
  }
  const key = (c: DeleverageCandidate) => `${accountKey(c.account)}:${c.marketId}`;
  return out.sort((a, b) =>
    a.valueUsd === b.valueUsd ? (key(a) < key(b) ? -1 : 1) : a.valueUsd > b.valueUsd ? -1 : 1,
  );
}

/**
 * Every position of `accounts` in `marketIds` at `blockNumber`, in deployless multicalls sized from the EVM's limits
 * (≈ 108 reads per call). With `marketBitmaps` (the last scan's), only the positions that exist are read.
 */
export async function readPositions(
  client: ParapetContext,
  accounts: readonly AccountRef[],
  marketIds: readonly bigint[],
  blockNumber?: bigint | undefined,
  marketBitmaps?: ReadonlyMap<string, bigint> | undefined,
): Promise<PositionRead[]> {
  const held = (account: AccountRef, marketId: bigint) => {
    const bitmap = marketBitmaps?.get(accountKey(account));
    return bitmap === undefined || ((bitmap >> marketId) & 1n) === 1n;
  };
  const pairs = accounts.flatMap((account) =>
    marketIds.filter((marketId) => held(account, marketId)).map((marketId) => ({ account, marketId })),
  );
  const { results } = await multicallInChunks(
    client,
    pairs.map(({ account, marketId }) => ({
      address: client.deployment.perpVault,
      abi: perpVaultAbi,
      functionName: "position",
      args: [account.owner, account.accountIndex, marketId],
    })),
    { blockNumber, what: "ADL positions", gasPerCall: 10_000 },
  );
  return pairs.map(({ account, marketId }, j) => {
    const p = unwrapCallResult<{ size: bigint; entryPrice: bigint; fundingIndexEntry: bigint }>(results[j], "position");
    return {
      account,
      marketId,
      sizeWad: p.size,
      entryPriceWad: p.entryPrice,
      fundingIndexEntryWad: p.fundingIndexEntry,
    };
  });
}

const deleverageKey = (c: Pick<DeleverageCandidate, "account" | "marketId">) =>
  `deleverage:${accountKey(c.account)}:${c.marketId}`;

/**
 * One ADL pass at `pinned`'s block: nothing while utilisation ≤ 100 %; above it, the ranked candidates one transaction
 * each, each simulated first, until the pool's reserve (updated as each closes) is back at or under its value.
 */
export async function adlJob(ctx: KeeperJobContext, pinned: PinnedMarkets): Promise<void> {
  const { client, state, options, emit } = ctx;
  const markets = pinned.markets;
  const reserved = reservedUsd(markets);
  if (reserved === undefined) {
    const unpriced = markets.filter((m) => m.skewWad !== 0n && m.priceWad === undefined);
    emit({
      action: "deleverage",
      outcome: "skipped",
      reason: `ORACLE: the pool cannot be marked (${unpriced.map((m) => m.symbol).join(", ")} unpriced): utilisation unknown, and the vault's deleverage would revert too`,
      marketIds: unpriced.map((m) => String(m.marketId)),
    });
    return;
  }
  if (reserved === 0n) return;
  const pool = await getLiquidityVault(client, { blockNumber: pinned.blockNumber });
  if (pool.valueTokens === undefined) {
    emit({
      action: "deleverage",
      outcome: "skipped",
      reason: `ORACLE: the pool cannot be marked (${pool.oracleError?.errorName ?? "liquidityState reverted"})`,
    });
    return;
  }
  // valueTokens is floored to token units: a value a hair below the vault's, so the keeper never under-reads the
  // utilisation; the simulation of each deleverage has the last word.
  const valueUsd = tokenUnitsToWad(pool.valueTokens, client.deployment.collateralDecimals);
  if (reserved <= valueUsd) return;

  const crowded = markets.filter((m) => m.skewWad !== 0n);
  const positions = await readPositions(
    client,
    state.accounts,
    crowded.map((m) => m.marketId),
    pinned.blockNumber,
    state.marketBitmaps,
  );
  const candidates = rankDeleverageCandidates(markets, positions);
  const candidateKeys = new Set(candidates.map(deleverageKey));
  // A key whose position is no longer a crowded-side winner is done, whoever closed it.
  releaseDone(ctx, "deleverage:", (key) => candidateKeys.has(key));

  // The keeper's own model of the pool as positions close: a close at the oracle price moves value from the pool's
  // unrealised to its realised side (value unchanged) and lowers its market's |skew|.
  const skew = new Map(crowded.map((m) => [m.marketId, m.skewWad]));
  const priceOf = new Map(crowded.map((m) => [m.marketId, m.priceWad ?? 0n]));
  let total = reserved;
  const over = () => total > valueUsd;
  let waiting = false;
  for (const c of candidates) {
    if (!over()) return;
    if (ctx.signal?.aborted) return;
    const s = skew.get(c.marketId) ?? 0n;
    // An earlier close flipped or emptied this market's skew: the position is no longer on the crowded side.
    if (s === 0n || s > 0n !== c.sizeWad > 0n) continue;
    const key = deleverageKey(c);
    const market = crowded.find((m) => m.marketId === c.marketId);
    const about = { action: "deleverage" as const, accounts: [accountKey(c.account)], marketIds: [String(c.marketId)] };
    if (!(await mayAct(ctx, key))) {
      waiting = true;
      emit({ ...about, outcome: "skipped", reason: IN_FLIGHT_REASON });
      continue;
    }
    if (!(await maySend(ctx))) {
      emit({ ...about, outcome: "skipped", reason: PENDING_TX_REASON });
      return;
    }
    const reason = `UTILISATION: reserved ${usd(total)} USD > pool value ${usd(valueUsd)} USD (${utilisationPercent(total, valueUsd)} %); ${market?.symbol ?? c.marketId} position worth ${usd(c.valueUsd)} USD, the crowded side's most profitable`;
    const tx = buildDeleverage(client, {
      owner: c.account.owner,
      accountIndex: c.account.accountIndex,
      marketId: c.marketId,
    });
    const from = ctx.signer ?? zeroAddress;
    try {
      await client.publicClient.call({ account: from, to: tx.to, data: tx.data });
    } catch (error) {
      if (toParapetRpcError(error)) throw error; // the node did not answer: a failed tick, retried
      const decoded = toParapetContractError(error, { functionName: tx.functionName, step: "simulate" });
      emit({ ...about, outcome: "skipped", reason: `SIMULATION: ${decoded?.summary ?? String(error)}` });
      // The vault's own mark says the pool is back at or under 100 %: nothing more may be deleveraged.
      if (decoded?.errorName === "DeleverageNotAllowed") return;
      continue;
    }
    if (options.dryRun) {
      const gasUsed = await client.publicClient.estimateGas({ account: from, to: tx.to, data: tx.data });
      emit({ ...about, outcome: "dry-run", reason, gasUsed });
    } else {
      let written: Awaited<ReturnType<typeof writeDeleverage>>;
      try {
        written = await guarded(ctx, [key], () =>
          writeDeleverage(client, {
            owner: c.account.owner,
            accountIndex: c.account.accountIndex,
            marketId: c.marketId,
            simulate: false, // just simulated above
          }),
        );
      } catch (error) {
        // Closed or changed by someone else between the simulation and the block: an outcome, not a failed tick.
        if (!(error instanceof ParapetContractError)) throw error;
        emit({ ...about, outcome: "failed", reason: `REVERTED: ${error.summary}` });
        continue;
      }
      ctx.countSent();
      emit({ ...about, outcome: "sent", reason, hash: written.hash, gasUsed: written.receipt.gasUsed });
    }
    const price = priceOf.get(c.marketId) ?? 0n;
    const after = s - c.sizeWad;
    total = total - notionalUp(s, price) + notionalUp(after, price);
    skew.set(c.marketId, after);
  }
  // An in-flight deleverage may be what is missing: the next tick re-reads the chain.
  if (over() && !waiting) {
    emit({
      action: "deleverage",
      outcome: "skipped",
      reason: `NO_CANDIDATE: utilisation still ${utilisationPercent(total, valueUsd)} % and no further crowded-side winner among the ${state.accounts.length} known account(s)`,
    });
  }
}
