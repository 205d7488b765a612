// shouldRebalance: the pure rule that decides whether a hedge is worth touching now, and what to do.
import { DAY_MS } from "../data/csv.js";
import { breakEvenDriftUsd, DEFAULT_TRADE_TO_BAND_FRACTION } from "./band.js";
import { HedgeInputError } from "./errors.js";
import { tradeCostUsd } from "./plan.js";
import type {
  HedgeState,
  RebalanceDecision,
  RebalancePolicy,
  RebalanceReason,
  RebalanceTrigger,
  RebalanceVeto,
} from "./types.js";

export const DEFAULT_REBALANCE_POLICY: Omit<RebalancePolicy, "trigger"> = {
  marginCallRatio: 2,
  collateralCallFraction: 0.75,
  minDrift: 0.001,
  excessCollateralBand: 0.5,
};

/** Default triggers of the named policies (the backtester's columns). */
export const DEFAULT_TRIGGERS = {
  static: { kind: "static" },
  periodic: { kind: "periodic", intervalMs: DAY_MS },
  band: { kind: "band", band: 0.1 },
} as const satisfies Record<string, RebalanceTrigger>;

/** Lead time of the closing-margin check before a closing window: a hedger's working day of notice. */
export const DEFAULT_CLOSING_LEAD_MS = 6 * 3_600_000;

export { DEFAULT_RISK_AVERSION } from "./band.js";

export function resolveRebalancePolicy(
  policy: Partial<RebalancePolicy> & { trigger: RebalanceTrigger },
): RebalancePolicy {
  const p: RebalancePolicy = { ...DEFAULT_REBALANCE_POLICY, ...policy };
  const t = p.trigger;
  if (t.kind === "periodic" && !(t.intervalMs > 0))
    throw new HedgeInputError({ field: "trigger.intervalMs", value: t.intervalMs, fix: "pass an interval > 0 ms" });
  if (t.kind === "band" && !(t.band > 0))
    throw new HedgeInputError({ field: "trigger.band", value: t.band, fix: "pass a band > 0" });
  if (t.kind === "gas-aware" && !(t.riskAversion > 0 && t.horizonDays > 0 && t.portfolioValueUsd > 0))
    throw new HedgeInputError({
      field: "trigger",
      value: JSON.stringify(t),
      fix: "pass riskAversion, horizonDays and portfolioValueUsd > 0",
    });
  return p;
}

/**
 * Decides whether to act on one hedge, with named reasons and vetoes and the numbers behind them.
 *
 * Reasons: `MARGIN` (equity / maintenance below `marginCallRatio`, or equity below `collateralCallFraction` of the
 * target's collateral: top up from the reserve, or reduce to what equity + reserve support), `CLOSING_MARGIN` (a
 * market with hours whose closing window starts within `closingLeadMs`, or has started, and equity below the closing
 * maintenance margin: top up to the target before the window, when the vault would start to liquidate), `DELTA_BAND` (the
 * trigger's band; for `gas-aware`, the risk removed λ·D²·σ²·h exceeds gas + fees + impact; an unopened hedge is
 * always outside its band), `TIME` (periodic, or `maxIntervalMs`), `PRICE_MOVE`.
 * Vetoes: `ORACLE` (bad oracle: never act), `SIMULATION` (the transaction would revert), `GAS_CAP` (gas above the
 * cap; a margin call overrides it).
 * When acting, the trade goes to the target size and the account's collateral to the target's collateral (a
 * negative `collateralDeltaUsd` frees the excess to the reserve).
 */
export function shouldRebalance(
  state: HedgeState,
  policyInput: Partial<RebalancePolicy> & { trigger: RebalanceTrigger },
): RebalanceDecision {
  const policy = resolveRebalancePolicy(policyInput);
  const { target, market, costs } = state;
  const price = state.priceUsd;
  const driftUnits = target.sizeUnits - state.sizeUnits;
  const driftUsd = Math.abs(driftUnits) * price;
  const driftFraction =
    target.sizeUnits !== 0 ? Math.abs(driftUnits / target.sizeUnits) : state.sizeUnits !== 0 ? 1 : 0;
  const hasPosition = state.sizeUnits !== 0;
  const marginRatio =
    hasPosition && state.maintenanceMarginUsd > 0
      ? state.equityUsd / state.maintenanceMarginUsd
      : Number.POSITIVE_INFINITY;
  const priceMove = state.lastRebalancePriceUsd > 0 ? price / state.lastRebalancePriceUsd - 1 : 0;
  const elapsedMs = state.nowMs - state.lastRebalanceMs;

  const gasUsd = costs.gasUnitsPerRebalance * costs.gasPriceGwei * 1e-9 * costs.nativePriceUsd;
  const trade = tradeCostUsd(market, driftUnits, market.skewUnits ?? 0, price);
  const feesUsd = trade.feeUsd;
  const impactUsd = trade.impactUsd;
  const costUsd = gasUsd + feesUsd + Math.max(0, impactUsd);

  let riskRemovedUsd = 0;
  let breakEvenDrift = Number.NaN;
  const trigger = policy.trigger;
  if (trigger.kind === "gas-aware") {
    // λ·D²·σ²·h > gas + D·(fee + impact per USD): the quadratic's positive root is the break-even drift.
    const a = (trigger.riskAversion / trigger.portfolioValueUsd) * state.dailyVolatility ** 2 * trigger.horizonDays;
    riskRemovedUsd = a * driftUsd * driftUsd;
    const c = driftUsd > 0 ? (feesUsd + Math.max(0, impactUsd)) / driftUsd : market.takerFeeRatio;
    breakEvenDrift = breakEvenDriftUsd(a, c, gasUsd);
  }

  const reasons: RebalanceReason[] = [];
  const vetoes: RebalanceVeto[] = [];
  const tradeWorthy = driftFraction > policy.minDrift;

  // The target's collateral per unit, applied to the size held now (a hedge already reduced is not "short" of margin).
  const perUnit = target.sizeUnits !== 0 ? target.collateralUsd / Math.abs(target.sizeUnits) : 0;
  const heldCollateralUsd = perUnit * Math.abs(state.sizeUnits);
  const belowCollateralCall = hasPosition && state.equityUsd < policy.collateralCallFraction * heldCollateralUsd;
  if (hasPosition && (marginRatio < policy.marginCallRatio || belowCollateralCall)) {
    reasons.push({
      code: "MARGIN",
      message:
        marginRatio < policy.marginCallRatio
          ? `equity / maintenance ${marginRatio.toFixed(3)} < ${policy.marginCallRatio}`
          : `equity ${state.equityUsd.toFixed(2)} USD < ${policy.collateralCallFraction} × planned collateral ${heldCollateralUsd.toFixed(2)} USD`,
    });
  }
  const windowStartMs = state.closingWindowStartsAtMs;
  if (hasPosition && market.hours !== undefined && windowStartMs !== undefined) {
    const leadMs = policy.closingLeadMs ?? DEFAULT_CLOSING_LEAD_MS;
    // The vault's maintenance in force from the window: max(MM, closing MM) of the notional, plus the flat fee.
    const closingRatio = Math.max(market.maintenanceMarginRatio, market.hours.closingMaintenanceMarginRatio);
    const closingMarginUsd = closingRatio * Math.abs(state.sizeUnits) * price + market.liquidationFeeUsd;
    if (state.nowMs >= windowStartMs - leadMs && state.equityUsd < closingMarginUsd)
      reasons.push({
        code: "CLOSING_MARGIN",
        atMs: windowStartMs,
        message: `equity ${state.equityUsd.toFixed(2)} USD < closing maintenance ${closingMarginUsd.toFixed(2)} USD (${(closingRatio * 100).toFixed(2)} %) in force from the closing window at ${new Date(windowStartMs).toISOString()}: top up before it`,
      });
  }
  if (!hasPosition && target.sizeUnits !== 0) {
    reasons.push({ code: "DELTA_BAND", message: "no hedge is on: open it" });
  } else if (tradeWorthy) {
    if (trigger.kind === "band" && driftFraction > trigger.band) {
      reasons.push({
        code: "DELTA_BAND",
        message: `drift ${(driftFraction * 100).toFixed(2)} % > band ${(trigger.band * 100).toFixed(2)} %`,
      });
    } else if (trigger.kind === "gas-aware" && riskRemovedUsd > costUsd) {
      reasons.push({
        code: "DELTA_BAND",
        message: `risk removed ${riskRemovedUsd.toFixed(2)} USD > cost ${costUsd.toFixed(2)} USD (drift ${driftUsd.toFixed(2)} USD > break-even ${breakEvenDrift.toFixed(2)} USD)`,
      });
    }
  }
  if (tradeWorthy && hasPosition) {
    if (trigger.kind === "periodic" && elapsedMs >= trigger.intervalMs)
      reasons.push({
        code: "TIME",
        message: `${(elapsedMs / DAY_MS).toFixed(2)} days since the last rebalance ≥ the period`,
      });
    else if (policy.maxIntervalMs !== undefined && elapsedMs >= policy.maxIntervalMs)
      reasons.push({
        code: "TIME",
        message: `${(elapsedMs / DAY_MS).toFixed(2)} days since the last rebalance ≥ the maximum interval`,
      });
    if (policy.priceMove !== undefined && Math.abs(priceMove) >= policy.priceMove)
      reasons.push({
        code: "PRICE_MOVE",
        message: `price moved ${(priceMove * 100).toFixed(2)} % since the last rebalance`,
      });
  }

  const closed = market.closed;
  if (closed !== undefined) {
    const until =
      closed.reopensAt !== undefined
        ? `until ${new Date(closed.reopensAt * 1000).toISOString()}`
        : "until its reopen round";
    vetoes.push({
      code: "MARKET_CLOSED",
      message: `the market is closed (${closed.reason}) ${until}: nothing trades or marks; the closing margin was for this, and the rule acts again at the reopen`,
    });
  } else if (state.oracle !== undefined && !state.oracle.ok)
    vetoes.push({
      code: "ORACLE",
      message: `oracle invalid (${state.oracle.reason ?? "failed its checks"}): never trade on a bad price`,
    });
  if (costs.simulation !== undefined && !costs.simulation.ok)
    vetoes.push({
      code: "SIMULATION",
      message: `the transaction would revert: ${costs.simulation.error ?? "simulation failed"}`,
    });
  if (policy.gasCapGwei !== undefined && costs.gasPriceGwei > policy.gasCapGwei)
    vetoes.push({ code: "GAS_CAP", message: `gas ${costs.gasPriceGwei} gwei > cap ${policy.gasCapGwei} gwei` });

  // A closing-margin call is a margin call: it overrides the gas cap and fixes collateral without trading.
  const marginCall = reasons.some((r) => r.code === "MARGIN" || r.code === "CLOSING_MARGIN");
  const hardVeto = vetoes.some((v) => v.code !== "GAS_CAP");
  const gasVeto = vetoes.some((v) => v.code === "GAS_CAP");
  const act = reasons.length > 0 && !hardVeto && (!gasVeto || marginCall);
  // A margin call alone (gas-capped or inside the band) fixes collateral without trading unless it must reduce.
  const resize =
    act && reasons.some((r) => r.code !== "MARGIN" && r.code !== "CLOSING_MARGIN") && !(gasVeto && marginCall);

  let sizeDeltaUnits = resize ? driftUnits : 0;
  // The drift alone (no margin call, no time or price rule): stop inside the band rather than at the target.
  const keep = trigger.kind === "gas-aware" ? (trigger.tradeToBandFraction ?? DEFAULT_TRADE_TO_BAND_FRACTION) : 0;
  if (
    resize &&
    keep > 0 &&
    hasPosition &&
    target.sizeUnits !== 0 &&
    reasons.every((r) => r.code === "DELTA_BAND") &&
    Number.isFinite(breakEvenDrift) &&
    driftUsd > keep * breakEvenDrift
  )
    sizeDeltaUnits = driftUnits * (1 - (keep * breakEvenDrift) / driftUsd);
  let collateralDeltaUsd = 0;
  if (act) {
    const newSize = state.sizeUnits + sizeDeltaUnits;
    // Collateral scales with |size|: the target's collateral per unit, applied to the size we will hold.
    let wanted = perUnit * Math.abs(newSize);
    // Top up to the target; free only a large excess (moving collateral back and forth costs gas).
    if (state.equityUsd < wanted) collateralDeltaUsd = wanted - state.equityUsd;
    else if (state.equityUsd > wanted * (1 + policy.excessCollateralBand) || newSize === 0)
      collateralDeltaUsd = wanted - state.equityUsd;
    if (collateralDeltaUsd > state.reserveAvailableUsd) {
      // Not enough reserve: hold the size that equity + reserve support at the target's collateral per unit.
      const affordable = perUnit > 0 ? (state.equityUsd + state.reserveAvailableUsd) / perUnit : 0;
      const reduced = Math.sign(newSize) * Math.min(Math.abs(newSize), Math.max(0, affordable));
      sizeDeltaUnits = reduced - state.sizeUnits;
      wanted = perUnit * Math.abs(reduced);
      collateralDeltaUsd = Math.min(state.reserveAvailableUsd, wanted - state.equityUsd);
    }
  }
  return {
    act,
    reasons,
    vetoes,
    sizeDeltaUnits,
    collateralDeltaUsd,
    numbers: {
      driftUnits,
      driftUsd,
      driftFraction,
      marginRatio,
      priceMove,
      elapsedMs,
      riskRemovedUsd,
      costUsd,
      gasUsd,
      feesUsd,
      impactUsd,
      breakEvenDriftUsd: breakEvenDrift,
    },
  };
}
