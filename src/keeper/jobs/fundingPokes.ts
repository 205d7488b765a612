// The funding-poke job: `accrueFunding(marketId)` on markets whose price moved, so the vault's pool-capacity cache
// (one cached mark per market, refreshed only by skew-increasing trades, accrueFunding and deleverage) sees fresh
// prices: a rally in a market nobody trades is otherwise invisible to the capacity check of trades elsewhere
// (docs/risks.md "Pool capacity and auto-deleveraging"). It earns nothing; it is the keeper's public good.
import { zeroAddress } from "viem";
import type { Market } from "../../actions/read.js";
import { buildAccrueFunding, writeAccrueFunding } from "../../actions/write.js";
import { ParapetContractError, toParapetContractError, toParapetRpcError } from "../../errors.js";
import { WAD } from "../../math/index.js";
import { wadToNumber } from "../../units.js";
import { guarded, IN_FLIGHT_REASON, mayAct, maySend, PENDING_TX_REASON } from "../guards.js";
import type { KeeperJobContext, KeeperState, PinnedMarkets } from "../tick.js";

export type FundingPokeRule = {
  /** Least relative price move since the last poke (WAD fraction: 1e16 = 1 %). */
  minMoveWad: bigint;
  /** Chain seconds after which a market is poked whatever its price did. */
  maxAgeSeconds: bigint;
};

export type FundingPokeDecision = { market: Market; priceWad: bigint; reason: string };

export type FundingPokePlan = {
  /** Markets with open interest to poke now, by market id, each with its reason (MOVED or AGE). */
  due: FundingPokeDecision[];
  /** Markets with open interest whose feed fails the oracle checks: nothing can be accrued on them now. */
  unpriced: Market[];
};

const abs = (x: bigint) => (x < 0n ? -x : x);
const usd = (wad: bigint) => wadToNumber(wad).toFixed(2);
const percent = (fractionWad: bigint) => wadToNumber(fractionWad * 100n).toFixed(2);

/**
 * Which markets need a poke (pure): those with open interest (skew ≠ 0) whose oracle price moved by at least
 * `minMoveWad` since `lastPokes`' price, or whose `lastPokes` time is `maxAgeSeconds` old at `nowSeconds`. A market
 * without an entry in `lastPokes` is measured from its current price and its `lastFundingTime` (see
 * {@link KeeperState.lastPokes}).
 */
export function fundingPokePlan(
  markets: readonly Market[],
  lastPokes: KeeperState["lastPokes"],
  nowSeconds: bigint,
  rule: FundingPokeRule,
): FundingPokePlan {
  const plan: FundingPokePlan = { due: [], unpriced: [] };
  for (const market of markets) {
    if (market.skewWad === 0n) continue;
    const priceWad = market.priceWad;
    if (priceWad === undefined) {
      plan.unpriced.push(market);
      continue;
    }
    const last = lastPokes.get(market.marketId) ?? {
      priceWad,
      timestamp: market.lastFundingTime,
      source: "first-look" as const,
    };
    const moveWad = last.priceWad === 0n ? WAD : (abs(priceWad - last.priceWad) * WAD) / last.priceWad;
    const ageSeconds = nowSeconds - last.timestamp;
    const since = last.source === "poke" ? "the last poke" : "this keeper's first look";
    if (moveWad >= rule.minMoveWad) {
      const sign = priceWad >= last.priceWad ? "+" : "−";
      plan.due.push({
        market,
        priceWad,
        reason: `MOVED: ${market.symbol} ${usd(last.priceWad)} → ${usd(priceWad)} USD (${sign}${percent(moveWad)} %) since ${since}, ≥ min move ${percent(rule.minMoveWad)} %`,
      });
    } else if (ageSeconds >= rule.maxAgeSeconds) {
      const what = last.source === "poke" ? "last poked" : "last accrued";
      plan.due.push({
        market,
        priceWad,
        reason: `AGE: ${market.symbol} ${what} ${ageSeconds} s ago, ≥ max age ${rule.maxAgeSeconds} s`,
      });
    }
  }
  return plan;
}

/** Pokes the markets {@link fundingPokePlan} picks, one `accrueFunding` transaction each, at `markets`' block. */
export async function fundingPokeJob(ctx: KeeperJobContext, pinned: PinnedMarkets): Promise<void> {
  const { client, state, options, emit } = ctx;
  const plan = fundingPokePlan(pinned.markets, state.lastPokes, pinned.timestamp, options.fundingPokes);
  // Remember the first look at every priced market with open interest: later moves are measured from it.
  for (const m of pinned.markets) {
    if (m.skewWad !== 0n && m.priceWad !== undefined && !state.lastPokes.has(m.marketId)) {
      state.lastPokes.set(m.marketId, { priceWad: m.priceWad, timestamp: m.lastFundingTime, source: "first-look" });
    }
  }
  if (plan.unpriced.length > 0) {
    const which = plan.unpriced.map((m) => `${m.symbol}: ${m.oracleError?.errorName ?? "no valid price"}`);
    emit({
      action: "poke",
      outcome: "skipped",
      reason: `ORACLE: ${plan.unpriced.length} market(s) with open interest cannot be priced (${which.join(", ")}): not poked`,
      marketIds: plan.unpriced.map((m) => String(m.marketId)),
    });
  }
  for (const { market, priceWad, reason } of plan.due) {
    if (ctx.signal?.aborted) return;
    const key = `poke:${market.marketId}`;
    const about = { action: "poke" as const, marketIds: [String(market.marketId)] };
    if (!(await mayAct(ctx, key))) {
      emit({ ...about, outcome: "skipped", reason: IN_FLIGHT_REASON });
      continue;
    }
    if (!(await maySend(ctx))) {
      emit({ ...about, outcome: "skipped", reason: PENDING_TX_REASON });
      return;
    }
    if (options.dryRun) {
      const tx = buildAccrueFunding(client, { marketId: market.marketId });
      try {
        const gasUsed = await client.publicClient.estimateGas({
          account: ctx.signer ?? zeroAddress,
          to: tx.to,
          data: tx.data,
        });
        emit({ ...about, outcome: "dry-run", reason, gasUsed });
      } catch (error) {
        if (toParapetRpcError(error)) throw error; // the node did not answer: a failed tick, retried
        const decoded = toParapetContractError(error, { functionName: tx.functionName, step: "estimateGas" });
        emit({ ...about, outcome: "skipped", reason: `SIMULATION: ${decoded?.summary ?? String(error)}` });
      }
      continue;
    }
    let written: Awaited<ReturnType<typeof writeAccrueFunding>>;
    try {
      written = await guarded(ctx, [key], () => writeAccrueFunding(client, { marketId: market.marketId }));
    } catch (error) {
      // The feed failed between the read and the send (simulation), or the transaction reverted in its block: an
      // outcome of this poke, not a failed tick.
      if (!(error instanceof ParapetContractError)) throw error;
      const what = error.step === "receipt" ? "REVERTED" : "SIMULATION";
      emit({ ...about, outcome: error.step === "receipt" ? "failed" : "skipped", reason: `${what}: ${error.summary}` });
      continue;
    }
    ctx.countSent();
    const accrued = written.events.find((e) => e.eventName === "FundingAccrued");
    const block = await client.publicClient.getBlock({ blockNumber: written.receipt.blockNumber });
    state.lastPokes.set(market.marketId, {
      priceWad: accrued?.eventName === "FundingAccrued" ? accrued.args.priceWad : priceWad,
      timestamp: block.timestamp,
      source: "poke",
    });
    emit({ ...about, outcome: "sent", reason, hash: written.hash, gasUsed: written.receipt.gasUsed });
  }
}
