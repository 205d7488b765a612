// One rebalancing pass on chain: read → plan → decide (the same planHedge and shouldRebalance the backtester
// replays) → one HedgeRouter transaction for the hedges that act. Used by the CLI's `rebalance` and the keeper.
import type { Address } from "viem";
import { mockV3AggregatorAbi } from "../abis/index.js";
import { getMarketSchedules } from "../actions/hours.js";
import { getAccount, getMarkets } from "../actions/read.js";
import type { WriteOptions } from "../actions/write.js";
import type { ParapetContext } from "../client.js";
import { ParapetContractError, type ParapetError, ParapetLatencyDefenceError } from "../errors.js";
import { type MarketSchedule, marketStatus } from "../hours/index.js";
import { wadToNumber } from "../units.js";
import { type ExecuteHedgeReturnType, executeHedge, hedgeStepsFromPlan } from "./execute.js";
import { hedgeMarketsFromChain } from "./fromChain.js";
import { planHedge } from "./plan.js";
import { shouldRebalance } from "./rebalance.js";
import type {
  Exposure,
  HedgePlan,
  HedgePolicy,
  HedgeTarget,
  RebalanceDecision,
  RebalancePolicy,
  RebalanceTrigger,
} from "./types.js";

const num = (wad: bigint | undefined) => (wad === undefined ? Number.NaN : wadToNumber(wad));

export type RebalanceHedgeParameters = WriteOptions & {
  owner: Address;
  exposures: readonly Exposure[];
  /**
   * USD prices of exposed assets that have no market of their own (e.g. QQQ hedged with SPX). An asset with a market
   * is always planned at its price read in this pass: a price passed here would freeze an LP's delta.
   */
  pricesUsd?: Readonly<Record<string, number>> | undefined;
  /**
   * Pool prices of the LP positions' assets (USD per unit), read fresh for each pass: the exposures are delta'd at
   * them and each target reports the basis to the oracle (see `HedgeMarketData.poolPricesUsd`).
   */
  poolPricesUsd?: Readonly<Record<string, number>> | undefined;
  /** Daily log returns by asset, for min-variance ratios and the gas-aware rule's volatility. */
  returns?: Readonly<Record<string, ArrayLike<number>>> | undefined;
  hedgePolicy?: Partial<HedgePolicy> | undefined;
  rebalancePolicy: Partial<RebalancePolicy> & { trigger: RebalanceTrigger };
  /** Per account index: chain time (ms) and market price of the last rebalance (default: now and the current price). */
  lastRebalance?: ReadonlyMap<bigint, { timestampMs: number; priceUsd: number }> | undefined;
  /** Daily volatility per market asset (default 0: the gas-aware rule then never trades for drift alone). */
  dailyVolatility?: Readonly<Record<string, number>> | undefined;
  /** Native token price for gas in USD (default: the ETH market's price). */
  nativePriceUsd?: number | undefined;
  /** Gas per rebalance transaction (default 400 000: a two-step HedgeRouter rebalance measures ≈ 383 000). */
  gasUnitsPerRebalance?: number | undefined;
  /** Stablecoin the sender can still spend on top-ups (USD; default unlimited). */
  reserveAvailableUsd?: number | undefined;
  slippageBps?: bigint | number | undefined;
  /** Decide and report, never send. */
  dryRun?: boolean | undefined;
};

export type RebalanceHedgeDecision = { target: HedgeTarget; sizeUnits: number; decision: RebalanceDecision };

export type RebalanceHedgeReturnType = {
  plan: HedgePlan;
  decisions: RebalanceHedgeDecision[];
  /** "sent": one transaction; "noop": nothing to do (or already done by a racing keeper); "dry-run"; "vetoed": the
   * simulation reverted (decision vetoes carry SIMULATION), or a leg would open in a market whose latency defence is
   * on (LATENCY: commit it with writeCommitOrder). */
  status: "sent" | "noop" | "dry-run" | "vetoed";
  execution?: ExecuteHedgeReturnType | undefined;
  simulationError?: ParapetError | undefined;
};

/** Start of the next closing window (ms) of a market with hours that is open at `t` (unix seconds). */
function closingWindowStartMs(schedule: MarketSchedule | undefined, t: bigint): number | undefined {
  if (schedule === undefined) return undefined;
  const { nextClose } = marketStatus(schedule, t);
  return nextClose === undefined ? undefined : Number(nextClose - schedule.closingWindowSeconds) * 1000;
}

/**
 * Reads the markets and every hedge account, plans, asks `shouldRebalance` for each target and sends the trades and
 * top-ups of the targets that act in one HedgeRouter transaction (simulated first; a revert becomes a SIMULATION
 * veto on every acting decision and nothing is sent). Collateral is only ever added here: releasing an excess is a
 * `withdraw` the owner signs (the router cannot withdraw).
 */
export async function rebalanceHedge(
  client: ParapetContext,
  parameters: RebalanceHedgeParameters,
): Promise<RebalanceHedgeReturnType> {
  const { owner } = parameters;
  const markets = await getMarkets(client, {});
  const schedules = await getMarketSchedules(client, {});
  const hedgeMarkets = hedgeMarketsFromChain(markets, undefined, schedules);
  // A market whose oracle fails the vault's checks has no guarded price. Plan it at the feed's raw last answer so
  // the pass can report the target; the rule's ORACLE veto then keeps anything from being sent for it.
  await Promise.all(
    hedgeMarkets.map(async (m, i) => {
      if (m.priceUsd > 0) return;
      const feed = (markets[i] as (typeof markets)[number]).params.feed;
      const [round, decimals] = await Promise.all([
        client.publicClient.readContract({ address: feed, abi: mockV3AggregatorAbi, functionName: "latestRoundData" }),
        client.publicClient.readContract({ address: feed, abi: mockV3AggregatorAbi, functionName: "decimals" }),
      ]);
      m.priceUsd = Number(round[1]) / 10 ** decimals;
    }),
  );
  // Every pass re-plans at this pass's prices, so an LP's delta (and a concentrated one's range) follows the price.
  const marketPrices = Object.fromEntries(hedgeMarkets.filter((m) => m.priceUsd > 0).map((m) => [m.asset, m.priceUsd]));
  const plan = planHedge(
    parameters.exposures,
    {
      markets: hedgeMarkets,
      pricesUsd: { ...parameters.pricesUsd, ...marketPrices },
      poolPricesUsd: parameters.poolPricesUsd,
      returns: parameters.returns,
      dailyVolatility: parameters.dailyVolatility,
    },
    parameters.hedgePolicy,
  );
  const [gasPriceWei, block] = await Promise.all([client.publicClient.getGasPrice(), client.publicClient.getBlock()]);
  const nativePriceUsd = parameters.nativePriceUsd ?? hedgeMarkets.find((m) => m.asset === "ETH")?.priceUsd ?? 0;
  const nowMs = Number(block.timestamp) * 1000; // chain time: the rule's clock is the vault's
  const accounts = await Promise.all(
    plan.targets.map((t) => getAccount(client, { owner, accountIndex: t.accountIndex })),
  );

  const decisions: RebalanceHedgeDecision[] = plan.targets.map((target, i) => {
    const account = accounts[i] as (typeof accounts)[number];
    const market = hedgeMarkets.find((m) => m.marketId === target.marketId) as (typeof hedgeMarkets)[number];
    const position = account.positions.find((p) => p.marketId === target.marketId);
    const sizeUnits = num(position?.sizeWad ?? 0n);
    const last = parameters.lastRebalance?.get(target.accountIndex);
    const decision = shouldRebalance(
      {
        target,
        sizeUnits,
        equityUsd: account.equityUsd !== undefined ? num(account.equityUsd) : num(account.collateralUsd),
        maintenanceMarginUsd: account.maintenanceMarginUsd !== undefined ? num(account.maintenanceMarginUsd) : 0,
        priceUsd: market.priceUsd,
        lastRebalancePriceUsd: last?.priceUsd ?? market.priceUsd,
        nowMs,
        lastRebalanceMs: last?.timestampMs ?? nowMs,
        dailyVolatility: parameters.dailyVolatility?.[market.asset] ?? 0,
        oracle: market.oracle,
        market,
        costs: {
          gasUnitsPerRebalance: parameters.gasUnitsPerRebalance ?? 400_000,
          gasPriceGwei: Number(gasPriceWei) / 1e9,
          nativePriceUsd,
        },
        reserveAvailableUsd: parameters.reserveAvailableUsd ?? Number.POSITIVE_INFINITY,
        closingWindowStartsAtMs: closingWindowStartMs(
          target.marketId === undefined ? undefined : schedules.get(target.marketId),
          BigInt(nowMs / 1000),
        ),
      },
      parameters.rebalancePolicy,
    );
    return { target, sizeUnits, decision };
  });

  const acting = decisions.filter((d) => d.decision.act);
  if (acting.length === 0) return { plan, decisions, status: "noop" };
  // The router takes targets: the size after the decided trade and a collateral floor of what the account holds
  // plus the decided top-up.
  const stepPlan: HedgePlan = {
    ...plan,
    targets: acting.map(({ target, sizeUnits, decision }, i) => {
      const account = accounts[plan.targets.indexOf(target)] ?? accounts[i];
      const collateralUsd = num(account?.collateralUsd) + Math.max(0, decision.collateralDeltaUsd);
      return { ...target, sizeUnits: sizeUnits + decision.sizeDeltaUnits, collateralUsd: Math.max(0, collateralUsd) };
    }),
  };
  const steps = hedgeStepsFromPlan(stepPlan, {
    slippageBps: parameters.slippageBps ?? 50,
    tokenDecimals: client.deployment.collateralDecimals,
  });
  if (parameters.dryRun) return { plan, decisions, status: "dry-run" };
  try {
    const execution = await executeHedge(client, { ...parameters, owner, steps });
    return { plan, decisions, status: execution.status, execution };
  } catch (error) {
    if (error instanceof ParapetLatencyDefenceError) {
      // Opening in a defended market needs a delayed order: the pass reports it and sends nothing.
      const defended = new Set(error.legs.map((l) => `${l.accountIndex}:${l.marketId}`));
      for (const { target, decision } of acting) {
        if (defended.has(`${target.accountIndex}:${target.marketId}`)) {
          decision.vetoes.push({ code: "LATENCY", message: `${error.summary} Fix: ${error.fix}` });
        }
        decision.act = false;
      }
      return { plan, decisions, status: "vetoed", simulationError: error };
    }
    if (!(error instanceof ParapetContractError)) throw error;
    for (const { decision } of acting) {
      decision.vetoes.push({ code: "SIMULATION", message: `the transaction would revert: ${error.summary}` });
      decision.act = false;
    }
    return { plan, decisions, status: "vetoed", simulationError: error };
  }
}
