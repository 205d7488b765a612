// The auto-deleveraging job (ADL, docs/risks.md "Pool capacity and auto-deleveraging"): when the pool's reserve
// Σ (|skew| + grossReserveRatio·min(long, short))·price exceeds its marked value (utilisation > 100 %, which no trade
// that adds exposure and no LP withdrawal can cause; a price walk or a minority-side close can), the vault lets
// anyone close a position on the crowded side at the oracle price (a winner paid in full; a loser in a healthy
// account), or a matched long/short pair by the same size. The keeper closes crowded-side positions, the most
// profitable first, then pairs, until utilisation is back at or under 100 %. It earns nothing: a public good, on by
// default.
import { zeroAddress } from "viem";
import { perpVaultAbi } from "../../abis/index.js";
import { getLiquidityVault, type Market, multicallInChunks, unwrapCallResult } from "../../actions/read.js";
import { buildDeleverage, buildDeleveragePair, writeDeleverage, writeDeleveragePair } from "../../actions/write.js";
import type { ParapetContext } from "../../client.js";
import { ParapetContractError, toParapetContractError, toParapetRpcError } from "../../errors.js";
import { fundingOwedUp, notionalUp, pnlDown, wMulUp } from "../../math/index.js";
import { tokenUnitsToWad, wadToNumber } from "../../units.js";
import { type AccountRef, accountKey } from "../accounts.js";
import { guarded, IN_FLIGHT_REASON, mayAct, maySend, PENDING_TX_REASON, releaseDone } from "../guards.js";
import type { KeeperJobContext, PinnedMarkets } from "../tick.js";

/** A position the vault may deleverage: on its market's crowded side (a loser only in a healthy account). */
export type DeleverageCandidate = {
  account: AccountRef;
  marketId: bigint;
  /** Units, WAD, signed like the skew. */
  sizeWad: bigint;
  /** pnlDown − fundingOwedUp at the read price and funding index (USD WAD). */
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

/** One market's reserve `|skew|·price + grossReserveRatio·min(long, short)·price` (USD WAD, rounded up). */
export function marketReserveUsd(longWad: bigint, shortWad: bigint, priceWad: bigint, grossRatioWad: bigint): bigint {
  const skew = longWad - shortWad;
  const hedged = longWad < shortWad ? longWad : shortWad;
  const gross = hedged === 0n || grossRatioWad === 0n ? 0n : wMulUp(grossRatioWad, notionalUp(hedged, priceWad));
  return notionalUp(skew, priceWad) + gross;
}

/**
 * Σ over markets of {@link marketReserveUsd} (a hair above the vault's, which rounds each market once: the keeper
 * never under-reads utilisation; the simulation of each call has the last word); undefined when a market with a
 * reserve is unpriced.
 */
export function reservedUsd(markets: readonly Market[]): bigint | undefined {
  let total = 0n;
  for (const m of markets) {
    const gross = m.params.grossReserveRatioWad !== 0n && m.longSizeWad !== 0n && m.shortSizeWad !== 0n;
    if (m.skewWad === 0n && !gross) continue;
    if (m.priceWad === undefined) return undefined;
    total += marketReserveUsd(m.longSizeWad, m.shortSizeWad, m.priceWad, m.params.grossReserveRatioWad);
  }
  return total;
}

/** Utilisation `reserved / value` as a percentage text ("118.75"); "∞" when the pool's value is 0 or less. */
export function utilisationPercent(reserved: bigint, valueUsd: bigint): string {
  if (valueUsd <= 0n) return "∞";
  return (Number((reserved * 1_000_000n) / valueUsd) / 1e4).toFixed(2);
}

const positionValue = (m: Market, p: PositionRead) =>
  m.priceWad === undefined || m.fundingIndexWad === undefined
    ? undefined
    : pnlDown(p.sizeWad, p.entryPriceWad, m.priceWad) -
      fundingOwedUp(p.sizeWad, p.fundingIndexEntryWad, m.fundingIndexWad);

/**
 * The crowded-side positions among `positions` (pure), most profitable first (winners, then the smallest losses):
 * value = pnlDown(size, entry, price) − fundingOwedUp(size, indexEntry, indexNow), the same numbers the vault's
 * `deleverage` uses. Ties by account key.
 */
export function rankDeleverageCandidates(
  markets: readonly Market[],
  positions: readonly PositionRead[],
): DeleverageCandidate[] {
  const byId = new Map(markets.map((m) => [m.marketId, m]));
  const out: DeleverageCandidate[] = [];
  for (const p of positions) {
    const m = byId.get(p.marketId);
    if (!m || p.sizeWad === 0n || m.skewWad === 0n || p.sizeWad > 0n !== m.skewWad > 0n) continue;
    const valueUsd = positionValue(m, p);
    if (valueUsd !== undefined) out.push({ account: p.account, marketId: p.marketId, sizeWad: p.sizeWad, valueUsd });
  }
  return out.sort(byValueDescending);
}

const candidateKey = (c: DeleverageCandidate) => `${accountKey(c.account)}:${c.marketId}`;
const byValueDescending = (a: DeleverageCandidate, b: DeleverageCandidate) =>
  a.valueUsd === b.valueUsd ? (candidateKey(a) < candidateKey(b) ? -1 : 1) : a.valueUsd > b.valueUsd ? -1 : 1;

/** A long and a short of one market to close by `sizeWad` each (`deleveragePair`). */
export type DeleveragePair = {
  marketId: bigint;
  long: DeleverageCandidate;
  short: DeleverageCandidate;
  sizeWad: bigint;
};

/**
 * Matched pairs (pure) in markets with a gross reserve, each side ranked by value ascending (the largest losses,
 * closest to bad debt, first) and matched greedily by size: every unit closed frees grossReserveRatio·price of
 * reserve whichever pair it is, so the order only decides whose hedges close first.
 */
export function rankDeleveragePairs(markets: readonly Market[], positions: readonly PositionRead[]): DeleveragePair[] {
  const out: DeleveragePair[] = [];
  for (const m of markets) {
    if (m.params.grossReserveRatioWad === 0n) continue;
    const side = (long: boolean) =>
      positions
        .filter((p) => p.marketId === m.marketId && p.sizeWad !== 0n && p.sizeWad > 0n === long)
        .flatMap((p) => {
          const valueUsd = positionValue(m, p);
          return valueUsd === undefined
            ? []
            : [{ account: p.account, marketId: p.marketId, sizeWad: p.sizeWad, valueUsd }];
        })
        .sort((a, b) => byValueDescending(b, a));
    const longs = side(true);
    const shorts = side(false);
    let i = 0;
    let j = 0;
    let longLeft = longs[0]?.sizeWad ?? 0n;
    let shortLeft = -(shorts[0]?.sizeWad ?? 0n);
    for (let long = longs[0], short = shorts[0]; long && short; ) {
      const size = longLeft < shortLeft ? longLeft : shortLeft;
      out.push({ marketId: m.marketId, long, short, sizeWad: size });
      longLeft -= size;
      shortLeft -= size;
      if (longLeft === 0n) {
        long = longs[++i];
        longLeft = long?.sizeWad ?? 0n;
      }
      if (shortLeft === 0n) {
        short = shorts[++j];
        shortLeft = -(short?.sizeWad ?? 0n);
      }
    }
  }
  return out;
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
    const unpriced = markets.filter((m) => (m.longSizeWad !== 0n || m.shortSizeWad !== 0n) && m.priceWad === undefined);
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

  const open = markets.filter((m) => m.longSizeWad !== 0n || m.shortSizeWad !== 0n);
  const positions = await readPositions(
    client,
    state.accounts,
    open.map((m) => m.marketId),
    pinned.blockNumber,
    state.marketBitmaps,
  );
  const candidates = rankDeleverageCandidates(markets, positions);
  const pairs = rankDeleveragePairs(markets, positions);
  const liveKeys = new Set([
    ...candidates.map(deleverageKey),
    ...pairs.map((p) => `${deleverageKey(p.long)}:${deleverageKey(p.short)}`),
  ]);
  // A key whose position is no longer a candidate is done, whoever closed it.
  releaseDone(ctx, "deleverage:", (key) => liveKeys.has(key));

  // The keeper's own model of the pool as positions close: a close at the oracle price moves value from the pool's
  // unrealised to its realised side (value unchanged) and lowers its market's open interest, so its reserve.
  const books = new Map(
    open.map((m) => [
      m.marketId,
      { long: m.longSizeWad, short: m.shortSizeWad, price: m.priceWad ?? 0n, gross: m.params.grossReserveRatioWad },
    ]),
  );
  const reserveOf = (b: { long: bigint; short: bigint; price: bigint; gross: bigint }) =>
    marketReserveUsd(b.long, b.short, b.price, b.gross);
  let total = reserved;
  const close = (marketId: bigint, longWad: bigint, shortWad: bigint) => {
    const b = books.get(marketId);
    if (!b) return;
    const before = reserveOf(b);
    b.long -= longWad;
    b.short -= shortWad;
    total = total - before + reserveOf(b);
  };
  const over = () => total > valueUsd;
  const symbolOf = (marketId: bigint) => markets.find((m) => m.marketId === marketId)?.symbol ?? String(marketId);
  const utilisation = () =>
    `reserved ${usd(total)} USD > pool value ${usd(valueUsd)} USD (${utilisationPercent(total, valueUsd)} %)`;
  let waiting = false;

  /** Simulates and sends one ADL call; "stop" when the vault's own mark says ≤ 100 % or nothing more may be sent. */
  const act = async (
    key: string,
    about: { action: "deleverage"; accounts: string[]; marketIds: string[] },
    reason: string,
    tx: ReturnType<typeof buildDeleverage>,
    write: () => Promise<Awaited<ReturnType<typeof writeDeleverage>>>,
  ): Promise<"done" | "skipped" | "stop"> => {
    if (!(await mayAct(ctx, key))) {
      waiting = true;
      emit({ ...about, outcome: "skipped", reason: IN_FLIGHT_REASON });
      return "skipped";
    }
    if (!(await maySend(ctx))) {
      emit({ ...about, outcome: "skipped", reason: PENDING_TX_REASON });
      return "stop";
    }
    const from = ctx.signer ?? zeroAddress;
    try {
      await client.publicClient.call({ account: from, to: tx.to, data: tx.data });
    } catch (error) {
      if (toParapetRpcError(error)) throw error; // the node did not answer: a failed tick, retried
      const decoded = toParapetContractError(error, { functionName: tx.functionName, step: "simulate" });
      emit({ ...about, outcome: "skipped", reason: `SIMULATION: ${decoded?.summary ?? String(error)}` });
      // The vault's own mark says the pool is back at or under 100 %: nothing more may be deleveraged.
      return decoded?.errorName === "DeleverageNotAllowed" ? "stop" : "skipped";
    }
    if (options.dryRun) {
      const gasUsed = await client.publicClient.estimateGas({ account: from, to: tx.to, data: tx.data });
      emit({ ...about, outcome: "dry-run", reason, gasUsed });
      return "done";
    }
    let written: Awaited<ReturnType<typeof writeDeleverage>>;
    try {
      written = await guarded(ctx, [key], write);
    } catch (error) {
      // Closed or changed by someone else between the simulation and the block: an outcome, not a failed tick.
      if (!(error instanceof ParapetContractError)) throw error;
      emit({ ...about, outcome: "failed", reason: `REVERTED: ${error.summary}` });
      return "skipped";
    }
    ctx.countSent();
    emit({ ...about, outcome: "sent", reason, hash: written.hash, gasUsed: written.receipt.gasUsed });
    return "done";
  };

  for (const c of candidates) {
    if (!over() || ctx.signal?.aborted) return;
    const b = books.get(c.marketId);
    // An earlier close flipped or emptied this market's skew: the position is no longer on the crowded side.
    if (!b || b.long === b.short || b.long > b.short !== c.sizeWad > 0n) continue;
    const about = { action: "deleverage" as const, accounts: [accountKey(c.account)], marketIds: [String(c.marketId)] };
    const side = c.valueUsd > 0n ? "a crowded-side winner" : "a crowded-side loser";
    const reason = `UTILISATION: ${utilisation()}; ${symbolOf(c.marketId)} position worth ${usd(c.valueUsd)} USD, ${side}`;
    const target = { owner: c.account.owner, accountIndex: c.account.accountIndex, marketId: c.marketId };
    const outcome = await act(deleverageKey(c), about, reason, buildDeleverage(client, target), () =>
      writeDeleverage(client, { ...target, simulate: false }),
    );
    if (outcome === "stop") return;
    if (outcome === "done") close(c.marketId, c.sizeWad > 0n ? c.sizeWad : 0n, c.sizeWad < 0n ? -c.sizeWad : 0n);
  }
  // Balanced books (or what the crowded side could not bring down): matched pairs free the gross term.
  const closedOf = new Map<string, bigint>();
  for (const p of pairs) {
    if (!over() || ctx.signal?.aborted) return;
    const used = (c: DeleverageCandidate) => closedOf.get(candidateKey(c)) ?? 0n;
    let size = p.sizeWad;
    for (const left of [abs(p.long.sizeWad) - used(p.long), abs(p.short.sizeWad) - used(p.short)]) {
      if (left < size) size = left;
    }
    if (size <= 0n) continue;
    const accounts = [accountKey(p.long.account), accountKey(p.short.account)];
    const about = { action: "deleverage" as const, accounts, marketIds: [String(p.marketId)] };
    const reason = `UTILISATION: ${utilisation()}; ${symbolOf(p.marketId)} pair (long worth ${usd(p.long.valueUsd)} USD, short worth ${usd(p.short.valueUsd)} USD): the gross reserve of a balanced book`;
    const target = { long: p.long.account, short: p.short.account, marketId: p.marketId };
    const outcome = await act(
      `${deleverageKey(p.long)}:${deleverageKey(p.short)}`,
      about,
      reason,
      buildDeleveragePair(client, target),
      () => writeDeleveragePair(client, { ...target, simulate: false }),
    );
    if (outcome === "stop") return;
    if (outcome === "done") {
      closedOf.set(candidateKey(p.long), used(p.long) + size);
      closedOf.set(candidateKey(p.short), used(p.short) + size);
      close(p.marketId, size, size);
    }
  }
  // An in-flight deleverage may be what is missing: the next tick re-reads the chain.
  if (over() && !waiting) {
    emit({
      action: "deleverage",
      outcome: "skipped",
      reason: `NO_CANDIDATE: utilisation still ${utilisationPercent(total, valueUsd)} % and no further crowded-side position or pair among the ${state.accounts.length} known account(s)`,
    });
  }
}

const abs = (x: bigint) => (x < 0n ? -x : x);
