// runBacktest: replays daily history through planHedge and shouldRebalance (the same functions the SDK and the
// keeper use), with fees, price impact, gas, funding at every settlement, margin top-ups from a reserve and
// liquidation at the day's adverse extreme. Markets with hours (`input.hours`) are closed as their schedule and the
// data say: no trade or top-up while closed, the closing margin at the close before a closure, and the reopen at the
// day's Open (each trading day gives two prices, Open and Close; the close→open step is the gap). Every change to the
// book is booked in a PnlLedger as it happens (attribution.ts), so each policy's P&L comes split by cause.

import { DAY_MS } from "../data/csv.js";
import { annualiseRate, DEFAULT_FUNDING_HALF_LIFE_MS, type EwmaState, ewmaStart, ewmaStep } from "../funding/carry.js";
import { isolatedLiquidationPriceUsd, planHedge, resolveHedgePolicy, tradeCostUsd } from "../hedge/plan.js";
import { logReturns, stdDev } from "../hedge/ratio.js";
import {
  DEFAULT_RISK_AVERSION,
  DEFAULT_TRIGGERS,
  resolveRebalancePolicy,
  shouldRebalance,
} from "../hedge/rebalance.js";
import type { HedgeMarket, HedgePlan, HedgeWarning, RebalancePolicy, RebalanceTrigger } from "../hedge/types.js";
import { closedWithin, validateSchedule } from "../hours/schedule.js";
import { hedgeStepPnl, PnlLedger } from "./attribution.js";
import { DEFAULT_BACKTEST_COSTS } from "./defaults.js";
import { BacktestInputError } from "./errors.js";
import { replayExposures, resolveLpFeeAprs } from "./exposures.js";
import type {
  BacktestCosts,
  BacktestEvent,
  BacktestInput,
  BacktestMetrics,
  BacktestPolicyName,
  BacktestPolicyResult,
  BacktestResult,
  CarryEntry,
} from "./types.js";
import { BACKTEST_POLICY_NAMES } from "./types.js";

/** Half-life (time) of the funding forecast the planner sizes its funding buffer with: one week, any interval. */
const FUNDING_HALF_LIFE_MS = DEFAULT_FUNDING_HALF_LIFE_MS;
const FUNDING_Z = 1.96;
/** Opportunity rate of collateral for `closingMarginCarryUsd` (fraction per year). */
const DEFAULT_COLLATERAL_OPPORTUNITY_RATE = 0.05;
const NOON_MS = 12 * 3_600_000;

/** A closing market's calendar on the history's days. */
type MarketCalendar = {
  closingMarginRatio: number;
  reopenGapRatio: number;
  /** Day t: the market was closed since the last trading day's close, so day t's Open is a reopen. */
  gapBefore: Uint8Array;
  /** Day t: a trading day after whose close the market closes (the closing margin is in force at the close). */
  closeFollows: Uint8Array;
  /** Day t: no trading at all (a filled day: weekend, holiday). */
  closedAllDay: Uint8Array;
};

type Account = {
  marketAsset: string;
  sizeUnits: number;
  entryPriceUsd: number;
  collateralUsd: number;
  lastRebalanceMs: number;
  lastRebalancePriceUsd: number;
  /** The latest plan's collateral per unit of size and the price it was planned at (for intraday margin calls). */
  collateralPerUnitUsd: number;
  plannedPriceUsd: number;
  /** The market price the account's P&L has been attributed up to (the last close, or a liquidation's price). */
  markPriceUsd: number;
};

/** Variance of the daily changes of a series. */
function varianceOfChanges(values: readonly number[]): number {
  const n = values.length - 1;
  if (n < 2) return 0;
  let s = 0;
  for (let i = 1; i <= n; i++) s += (values[i] as number) - (values[i - 1] as number);
  const m = s / n;
  let v = 0;
  for (let i = 1; i <= n; i++) v += ((values[i] as number) - (values[i - 1] as number) - m) ** 2;
  return v / (n - 1);
}

function maxDrawdown(values: readonly number[]): number {
  let peak = Number.NEGATIVE_INFINITY;
  let worst = 0;
  for (const v of values) {
    if (v > peak) peak = v;
    if (peak > 0) worst = Math.max(worst, (peak - v) / peak);
  }
  return worst;
}

function indexOfDate(dates: readonly string[], date: string, field: string): number {
  const i = dates.indexOf(date);
  if (i < 0)
    throw new BacktestInputError({
      code: "OUT_OF_RANGE",
      summary: `${field} ${date} is not a day of the history.`,
      fix: `pass a date between ${dates[0]} and ${dates[dates.length - 1]} (YYYY-MM-DD)`,
    });
  return i;
}

export function runBacktest(input: BacktestInput): BacktestResult {
  const started = performance.now();
  const { history } = input;
  const hedgePolicy = resolveHedgePolicy(input.hedgePolicy);
  const costs: BacktestCosts = { ...DEFAULT_BACKTEST_COSTS, ...input.costs };
  const refillReserve = (input.reserveRefill ?? "owner") === "owner";
  const dates = history.dates;
  const n = dates.length;
  if (n < 2)
    throw new BacktestInputError({
      code: "EMPTY_SERIES",
      summary: `The history has ${n} day(s).`,
      fix: "pass at least two days of history",
    });
  if (input.exposures.length === 0)
    throw new BacktestInputError({
      code: "NO_EXPOSURE",
      summary: "No exposure to hedge.",
      fix: "pass at least one exposure (e.g. --exposure ETH=100)",
    });

  const exposureAssets = [...new Set(input.exposures.map((e) => e.asset))];
  const marketAssets = [...new Set(exposureAssets.map((a) => hedgePolicy.hedgeWith[a] ?? a))];
  for (const a of [...exposureAssets, ...marketAssets]) {
    if (history.assets[a] === undefined)
      throw new BacktestInputError({
        code: "UNKNOWN_ASSET",
        summary: `The history has no prices for ${a}.`,
        fix: `load a price file with ${a} (have ${Object.keys(history.assets).join(", ")})`,
      });
  }
  for (const a of marketAssets) {
    if (input.markets[a] === undefined)
      throw new BacktestInputError({
        code: "MISSING_MARKET",
        summary: `No risk parameters for the ${a} market.`,
        fix: `pass the ${a} market's risk parameters (defaultBacktestMarket("${a}", price))`,
      });
  }
  for (const a of Object.keys(input.hours ?? {})) {
    if (!marketAssets.includes(a))
      throw new BacktestInputError({
        code: "UNKNOWN_ASSET",
        summary: `Hours are given for ${a}, which no exposure is hedged in (markets: ${marketAssets.join(", ")}).`,
        fix: `key hours by the hedge market's asset (e.g. hedgeWith { QQQ: "SPX" } with hours { SPX: ... })`,
      });
  }
  const calendars = buildCalendars(input, marketAssets);
  const warnings: HedgeWarning[] = [];
  const seenWarnings = new Set<string>();
  const warnOnce = (w: HedgeWarning, date: string) => {
    const key = `${w.code}:${w.asset ?? ""}`;
    if (seenWarnings.has(key)) return;
    seenWarnings.add(key);
    warnings.push({ ...w, message: `first on ${date}: ${w.message}` });
  };

  // Window: by default the whole history. Days before `from` serve as the ratios' lookback; without them a
  // min-variance ratio falls back to one-to-one (NOT_ENOUGH_HISTORY) until 20 returns exist.
  const i0 = input.from !== undefined ? indexOfDate(dates, input.from, "from") : 0;
  const i1 = input.to !== undefined ? indexOfDate(dates, input.to, "to") : n - 1;
  if (i1 <= i0)
    throw new BacktestInputError({
      code: "INVERTED_WINDOW",
      summary: `to ${dates[i1]} is not after from ${dates[i0]}.`,
      fix: "pass a 'to' date after 'from'",
    });

  const close = (a: string) => (history.assets[a] as { closeUsd: readonly number[] }).closeUsd;
  const openOf = (a: string) => history.assets[a]?.openUsd ?? [Number.NaN, ...close(a).slice(0, -1)];
  const nativeAsset = "asset" in costs.nativePrice ? costs.nativePrice.asset : undefined;
  let nativeUsd: (t: number) => number;
  if ("usd" in costs.nativePrice) {
    const usd = costs.nativePrice.usd;
    nativeUsd = () => usd;
  } else if (nativeAsset !== undefined && history.assets[nativeAsset] !== undefined) {
    const series = close(nativeAsset);
    nativeUsd = (t) => series[t] as number;
  } else {
    throw new BacktestInputError({
      code: "UNKNOWN_ASSET",
      summary: `Gas is priced in ${nativeAsset}, which the history lacks.`,
      fix: `load ${nativeAsset}'s prices, or pass costs.nativePrice = { usd: <price> }`,
    });
  }
  const gasPrice = costs.gasPriceGwei;
  const gasUsdAt = (t: number) =>
    costs.gasUnitsPerRebalance * (typeof gasPrice === "number" ? gasPrice : (gasPrice[t] ?? 0)) * 1e-9 * nativeUsd(t);

  // Returns of every asset the planner may regress (index t: return from day t − 1 to t).
  const returnsByAsset: Record<string, Float64Array> = {};
  for (const a of new Set([...exposureAssets, ...marketAssets]))
    returnsByAsset[a] = Float64Array.from([Number.NaN, ...logReturns(close(a))]);

  // Funding: forecast (EWMA, as `ewmaForecast`) as of each day, and the settlements inside each day.
  const fundingByMarket: Record<
    string,
    { points: readonly { timestampMs: number; ratePerInterval: number }[]; intervalMs: number }
  > = {};
  for (const a of marketAssets) {
    const points = history.funding[a] ?? [];
    const step =
      points.length > 1
        ? (points[1] as { timestampMs: number }).timestampMs - (points[0] as { timestampMs: number }).timestampMs
        : 8 * 3_600_000;
    fundingByMarket[a] = { points, intervalMs: step };
    if (points.length === 0)
      warnings.push({
        code: "NO_FUNDING_DATA",
        asset: a,
        message: `no funding history for the ${a} market: its carry is 0 in this backtest (pass --funding ${a}=FILE)`,
      });
  }

  /** The planner's and the rule's view of a market from its backtest parameters, at a price and a skew. */
  const hedgeMarketAt = (a: string, priceUsd: number, skewUnits: number): HedgeMarket => {
    const params = input.markets[a] as BacktestInput["markets"][string];
    return {
      asset: a,
      priceUsd,
      initialMarginRatio: params.initialMarginRatio,
      maintenanceMarginRatio: params.maintenanceMarginRatio,
      takerFeeRatio: params.takerFeeRatio,
      makerFeeRatio: params.makerFeeRatio,
      liquidationFeeUsd: params.liquidationFeeUsd,
      skewScaleUnits: params.skewScaleUnits,
      skewUnits,
      ...(calendars[a] !== undefined
        ? {
            hours: {
              closingMaintenanceMarginRatio: calendars[a].closingMarginRatio,
              reopenGapRatio: calendars[a].reopenGapRatio,
            },
          }
        : {}),
    };
  };

  // ---- one plan per day, shared by every policy --------------------------------------------------------------
  const plans: HedgePlan[] = new Array(n);
  const fits: BacktestResult["fits"] = [];
  const ewma: Record<string, EwmaState & { k: number }> = {};
  for (const a of marketAssets) ewma[a] = { ...ewmaStart(), k: 0 };
  for (let t = i0; t <= i1; t++) {
    const dayEnd = (history.timestampsMs[t] as number) + DAY_MS;
    const markets: HedgeMarket[] = marketAssets.map((a) => {
      const f = fundingByMarket[a] as (typeof fundingByMarket)[string];
      const e = ewma[a] as (typeof ewma)[string];
      while (e.k < f.points.length && (f.points[e.k] as { timestampMs: number }).timestampMs < dayEnd) {
        ewmaStep(e, f.points[e.k] as { timestampMs: number; ratePerInterval: number }, FUNDING_HALF_LIFE_MS);
        e.k++;
      }
      const sd = Math.sqrt(e.variance);
      return {
        ...hedgeMarketAt(a, close(a)[t] as number, 0),
        fundingForecastPerYear: e.started
          ? {
              mean: annualiseRate(e.mean, f.intervalMs),
              lower: annualiseRate(e.mean - FUNDING_Z * sd, f.intervalMs),
              upper: annualiseRate(e.mean + FUNDING_Z * sd, f.intervalMs),
            }
          : { mean: 0, lower: 0, upper: 0 },
      };
    });
    const pricesUsd: Record<string, number> = {};
    for (const a of exposureAssets) pricesUsd[a] = close(a)[t] as number;
    const returns: Record<string, Float64Array> = {};
    const from = Math.max(1, t - hedgePolicy.lookbackDays + 1);
    for (const a of Object.keys(returnsByAsset)) returns[a] = (returnsByAsset[a] as Float64Array).subarray(from, t + 1);
    const plan = planHedge(input.exposures, { markets, pricesUsd, returns }, hedgePolicy);
    plans[t] = plan;
    for (const w of plan.warnings) warnOnce(w, dates[t] as string);
    for (const target of plan.targets) {
      if (target.marketAsset !== target.exposureAsset)
        fits.push({
          date: dates[t] as string,
          exposureAsset: target.exposureAsset,
          marketAsset: target.marketAsset,
          ratio: target.ratio,
          rSquared: target.rSquared,
        });
    }
  }

  // Daily volatility of each market for the gas-aware rule: the lookback's sample standard deviation.
  const volAt = (a: string, t: number) =>
    stdDev((returnsByAsset[a] as Float64Array).subarray(Math.max(1, t - hedgePolicy.lookbackDays + 1), t + 1)) ?? 0;
  const vols: Record<string, Float64Array> = {};
  for (const a of marketAssets) {
    const arr = new Float64Array(n);
    for (let t = i0; t <= i1; t++) arr[t] = volAt(a, t);
    vols[a] = arr;
  }

  const lpFeeAprs = resolveLpFeeAprs(input.exposures, input.lpFeeApr);
  const exposureReplay = replayExposures(input.exposures, close, lpFeeAprs, i0, i1);
  const unhedgedValueUsd = exposureReplay.valueUsd;
  const initialExposureUsd = unhedgedValueUsd[0] as number;

  // The exposure assets each market hedges other than its own: a hedge's close-to-close step is compared with their
  // return (weighted by delta notional) and the difference booked as basis.
  const crossAssets: Record<string, string[]> = {};
  for (const m of marketAssets)
    crossAssets[m] = exposureAssets.filter((x) => x !== m && (hedgePolicy.hedgeWith[x] ?? x) === m);
  /** The exposure return market `m`'s hedge is compared with on day t, or undefined when it hedges only its own asset. */
  const exposureReturnFor = (m: string, t: number): number | undefined => {
    const cross = crossAssets[m] as string[];
    if (cross.length === 0) return undefined;
    let weighted = 0;
    let weight = 0;
    for (const x of [m, ...cross]) {
      const w = exposureReplay.deltaNotionalUsd[x]?.[t - i0] ?? 0;
      const prices = close(x);
      weighted += w * ((prices[t] as number) / (prices[t - 1] as number) - 1);
      weight += w;
    }
    return weight > 0 ? weighted / weight : undefined;
  };

  const policyNames = input.policies ?? BACKTEST_POLICY_NAMES;
  const triggers: Record<BacktestPolicyName, RebalanceTrigger | undefined> = {
    none: undefined,
    static: DEFAULT_TRIGGERS.static,
    periodic: DEFAULT_TRIGGERS.periodic,
    band: DEFAULT_TRIGGERS.band,
    "gas-aware": {
      kind: "gas-aware",
      riskAversion: DEFAULT_RISK_AVERSION,
      horizonDays: 1,
      portfolioValueUsd: Math.abs(initialExposureUsd),
    },
  };

  const totalDays = (i1 - i0 + 1) * policyNames.length;
  let done = 0;
  const policies: BacktestResult["policies"] = {};
  for (const name of policyNames) {
    const overrides = input.rebalancePolicies?.[name] ?? {};
    const trigger = overrides.trigger ?? triggers[name];
    const result = simulate(name, trigger === undefined ? undefined : { ...overrides, trigger });
    policies[name] = result;
  }

  function simulate(
    name: BacktestPolicyName,
    policy: (Partial<RebalancePolicy> & { trigger: RebalanceTrigger }) | undefined,
  ): BacktestPolicyResult {
    const accounts = new Map<string, Account>();
    const resolved = resolveRebalancePolicy(policy ?? { trigger: { kind: "static" } });
    const events: BacktestEvent[] = [];
    const carryLedger: CarryEntry[] = [];
    const valueUsd: number[] = [];
    const carryCumulativeUsd: number[] = [];
    const marginRatio: number[] = [];
    const hedgeRatio: number[] = [];
    const fundingCursor: Record<string, number> = {};
    for (const a of marketAssets) fundingCursor[a] = 0;
    const plan0 = plans[i0] as HedgePlan;
    let wallet = policy === undefined ? 0 : plan0.totalCapitalUsd;
    const startingCash = wallet;
    let outsideUsd = 0;
    let carry = 0;
    let fees = 0;
    let gas = 0;
    let rebalances = 0;
    let reserveDrawn = 0;
    let liquidations = 0;
    let gapLiquidations = 0;
    let gapBadDebt = 0;
    let closingLiquidations = 0;
    let closingMarginCarry = 0;
    let extraCollateralSum = 0;
    let extraCollateralDays = 0;
    const rateOfCollateral = input.collateralOpportunityRatePerYear ?? DEFAULT_COLLATERAL_OPPORTUNITY_RATE;
    const topUpWhileClosed = input.topUpWhileClosed ?? false;
    const pnl = new PnlLedger();
    /** Moves an account's mark to `priceUsd`, booking its P&L (all price P&L: used within the day). */
    const markTo = (acc: Account, priceUsd: number) => {
      pnl.add("hedgePricePnl", acc.sizeUnits * (priceUsd - acc.markPriceUsd));
      acc.markPriceUsd = priceUsd;
    };
    /** Books a liquidation that leaves `leftUsd` in the account, against its equity at its mark. */
    const bookLiquidation = (acc: Account, leftUsd: number) => {
      pnl.add("liquidations", leftUsd - (acc.collateralUsd + acc.sizeUnits * (acc.markPriceUsd - acc.entryPriceUsd)));
    };

    /** In the closing window before a closure, an account below the closing margin is liquidated at the close. */
    function closingWindowCheck(acc: Account, t: number, date: string, price: number, mmRatio: number) {
      if (calendars[acc.marketAsset]?.closeFollows[t] !== 1 || acc.sizeUnits === 0) return;
      const params = input.markets[acc.marketAsset] as BacktestInput["markets"][string];
      const equity = acc.collateralUsd + acc.sizeUnits * (price - acc.entryPriceUsd);
      const mm = Math.abs(acc.sizeUnits) * price * mmRatio + params.liquidationFeeUsd;
      if (equity >= mm) return;
      const penaltyUsd =
        Math.abs(acc.sizeUnits) * price * (params.liquidationPenaltyRatio ?? 0.01) + params.liquidationFeeUsd;
      const left = Math.max(0, equity - penaltyUsd);
      bookLiquidation(acc, left);
      events.push({
        dayIndex: t - i0,
        date,
        kind: "liquidation",
        marketAsset: acc.marketAsset,
        reasons: [
          "CLOSING_MARGIN",
          `equity ${equity.toFixed(2)} < closing margin ${mm.toFixed(2)} (${(mmRatio * 100).toFixed(2)} %) at the close`,
        ],
        sizeDeltaUnits: -acc.sizeUnits,
        collateralDeltaUsd: left - acc.collateralUsd,
        costUsd: penaltyUsd,
      });
      liquidations++;
      closingLiquidations++;
      acc.sizeUnits = 0;
      acc.entryPriceUsd = 0;
      acc.collateralUsd = left;
    }

    for (let t = i0; t <= i1; t++) {
      const date = dates[t] as string;
      const dayStart = history.timestampsMs[t] as number;
      if (t > i0) {
        pnl.add("exposurePricePnl", exposureReplay.pricePnlUsd[t - i0] as number);
        pnl.add("impermanentLoss", exposureReplay.impermanentLossUsd[t - i0] as number);
        pnl.add("lpFeesEarned", exposureReplay.lpFeesUsd[t - i0] as number);
      }
      if (policy !== undefined && t > i0) {
        for (const acc of accounts.values()) {
          const a = acc.marketAsset;
          const prices = close(a);
          const prev = prices[t - 1] as number;
          const now = prices[t] as number;
          const calendar = calendars[a];
          // Reopen after a closure: the first round is the day's Open, and keepers liquidate on it before anything
          // else (no top-up was possible while closed). Maintenance is the market's own again at the reopen.
          if (calendar?.gapBefore[t] === 1 && acc.sizeUnits !== 0) {
            const params = input.markets[a] as BacktestInput["markets"][string];
            const openPrice = openOf(a)[t] as number;
            const equity = acc.collateralUsd + acc.sizeUnits * (openPrice - acc.entryPriceUsd);
            const mm = Math.abs(acc.sizeUnits) * openPrice * params.maintenanceMarginRatio + params.liquidationFeeUsd;
            if (equity < mm) {
              const penaltyUsd =
                Math.abs(acc.sizeUnits) * openPrice * (params.liquidationPenaltyRatio ?? 0.01) +
                params.liquidationFeeUsd;
              const badDebtUsd = Math.max(0, -equity);
              const left = Math.max(0, equity - penaltyUsd);
              markTo(acc, openPrice);
              bookLiquidation(acc, left);
              events.push({
                dayIndex: t - i0,
                date,
                kind: "liquidation",
                marketAsset: a,
                reasons: [
                  "REOPEN_GAP",
                  `open ${openPrice} after close ${prev} (${(((openPrice - prev) / prev) * 100).toFixed(2)} %): equity ${equity.toFixed(2)} < maintenance ${mm.toFixed(2)}${badDebtUsd > 0 ? `, bad debt ${badDebtUsd.toFixed(2)}` : ""}`,
                ],
                sizeDeltaUnits: -acc.sizeUnits,
                collateralDeltaUsd: left - acc.collateralUsd,
                costUsd: penaltyUsd,
              });
              liquidations++;
              gapLiquidations++;
              gapBadDebt += badDebtUsd;
              acc.sizeUnits = 0;
              acc.entryPriceUsd = 0;
              acc.collateralUsd = left;
            }
          }
          const f = fundingByMarket[a] as (typeof fundingByMarket)[string];
          let k = fundingCursor[a] as number;
          while (k < f.points.length && (f.points[k] as { timestampMs: number }).timestampMs < dayStart) k++;
          // Settlements inside the day at a price interpolated between the closes (the intraday path is unknown).
          while (k < f.points.length && (f.points[k] as { timestampMs: number }).timestampMs < dayStart + DAY_MS) {
            const p = f.points[k] as { timestampMs: number; ratePerInterval: number };
            if (acc.sizeUnits !== 0) {
              const priceUsd = prev + ((now - prev) * (p.timestampMs - dayStart)) / DAY_MS;
              const paidUsd = acc.sizeUnits * priceUsd * p.ratePerInterval;
              acc.collateralUsd -= paidUsd;
              carry += paidUsd;
              pnl.add("fundingCarry", -paidUsd);
              carryLedger.push({
                timestampMs: p.timestampMs,
                marketAsset: a,
                sizeUnits: acc.sizeUnits,
                priceUsd,
                ratePerInterval: p.ratePerInterval,
                paidUsd,
              });
            }
            k++;
          }
          fundingCursor[a] = k;

          // The day's adverse extreme (a short fears the high, a long the low). The keeper watches margin all day:
          // when the extreme crosses the margin-call level it tops up there from the reserve (gas paid); only what
          // the reserve cannot cover is left to liquidation at the extreme.
          // A closed day: the vault refuses top-ups and liquidations (the top-up only when the caller allows it).
          const closedToday = calendar?.closedAllDay[t] === 1;
          if (acc.sizeUnits !== 0 && (!closedToday || topUpWhileClosed)) {
            const bars = history.assets[a] as { highUsd: readonly number[]; lowUsd: readonly number[] };
            const extreme = acc.sizeUnits < 0 ? (bars.highUsd[t] as number) : (bars.lowUsd[t] as number);
            const params = input.markets[a] as BacktestInput["markets"][string];
            let equity = acc.collateralUsd + acc.sizeUnits * (extreme - acc.entryPriceUsd);
            const mm = Math.abs(acc.sizeUnits) * extreme * params.maintenanceMarginRatio + params.liquidationFeeUsd;
            const wanted = acc.collateralPerUnitUsd * Math.abs(acc.sizeUnits) * (extreme / acc.plannedPriceUsd);
            if (equity < resolved.collateralCallFraction * wanted || equity < resolved.marginCallRatio * mm) {
              const available = refillReserve ? Number.POSITIVE_INFINITY : Math.max(0, wallet);
              const topUp = Math.min(available, wanted - equity);
              if (topUp > 0) {
                if (wallet < topUp) {
                  outsideUsd += topUp - wallet;
                  wallet = topUp;
                }
                wallet -= topUp;
                acc.collateralUsd += topUp;
                equity += topUp;
                reserveDrawn += topUp;
                const gasUsd = gasUsdAt(t);
                wallet -= gasUsd;
                pnl.add("gas", -gasUsd);
                gas += gasUsd;
                rebalances++;
                events.push({
                  dayIndex: t - i0,
                  date,
                  kind: "margin",
                  marketAsset: a,
                  reasons: ["MARGIN"],
                  sizeDeltaUnits: 0,
                  collateralDeltaUsd: topUp,
                  costUsd: gasUsd,
                });
              }
            }
            if (equity < mm && !closedToday) {
              const liqPrice = isolatedLiquidationPriceUsd({
                sizeUnits: acc.sizeUnits,
                entryPriceUsd: acc.entryPriceUsd,
                collateralUsd: acc.collateralUsd,
                maintenanceMarginRatio: params.maintenanceMarginRatio,
                liquidationFeeUsd: params.liquidationFeeUsd,
              });
              const penaltyUsd =
                Math.abs(acc.sizeUnits) * liqPrice * (params.liquidationPenaltyRatio ?? 0.01) +
                params.liquidationFeeUsd;
              const left = Math.max(0, acc.collateralUsd + acc.sizeUnits * (liqPrice - acc.entryPriceUsd) - penaltyUsd);
              markTo(acc, liqPrice);
              bookLiquidation(acc, left);
              events.push({
                dayIndex: t - i0,
                date,
                kind: "liquidation",
                marketAsset: a,
                reasons: [
                  `${acc.sizeUnits < 0 ? "high" : "low"} ${extreme} crossed the liquidation price ${liqPrice.toFixed(4)}`,
                ],
                sizeDeltaUnits: -acc.sizeUnits,
                collateralDeltaUsd: left - acc.collateralUsd,
                costUsd: penaltyUsd,
              });
              liquidations++;
              acc.sizeUnits = 0;
              acc.entryPriceUsd = 0;
              acc.collateralUsd = left;
            }
          }
        }
      }

      // Close: mark every hedge (the step since its last mark is compared with the exposure's return over the day, the
      // rest is basis; a liquidated account has no size left to mark), then re-plan, decide, act.
      for (const acc of accounts.values()) {
        const step = hedgeStepPnl(
          acc.sizeUnits,
          acc.markPriceUsd,
          close(acc.marketAsset)[t] as number,
          exposureReturnFor(acc.marketAsset, t),
        );
        pnl.add("hedgePricePnl", step.pricePnlUsd);
        pnl.add("basis", step.basisUsd);
        acc.markPriceUsd = close(acc.marketAsset)[t] as number;
      }
      const plan = plans[t] as HedgePlan;
      if (policy !== undefined) {
        const targets = new Map(plan.targets.map((x) => [x.marketAsset, x]));
        for (const a of marketAssets) {
          const target = targets.get(a);
          if (target === undefined) continue;
          let acc = accounts.get(a);
          if (acc === undefined) {
            acc = {
              marketAsset: a,
              sizeUnits: 0,
              entryPriceUsd: 0,
              collateralUsd: 0,
              lastRebalanceMs: dayStart,
              lastRebalancePriceUsd: target.priceUsd,
              collateralPerUnitUsd: 0,
              plannedPriceUsd: target.priceUsd,
              markPriceUsd: close(a)[t] as number,
            };
            accounts.set(a, acc);
          }
          if (target.sizeUnits !== 0) {
            acc.collateralPerUnitUsd = target.collateralUsd / Math.abs(target.sizeUnits);
            acc.plannedPriceUsd = target.priceUsd;
          }
          const params = input.markets[a] as BacktestInput["markets"][string];
          const price = close(a)[t] as number;
          const calendar = calendars[a];
          const closedToday = calendar?.closedAllDay[t] === 1;
          if (closedToday && !topUpWhileClosed) continue;
          // Before a closure the closing margin is in force at the close (the rule tops up against it).
          const mmRatio =
            calendar?.closeFollows[t] === 1
              ? Math.max(params.maintenanceMarginRatio, calendar.closingMarginRatio)
              : params.maintenanceMarginRatio;
          // The hedge is assumed to be the market's whole skew: its own trades pay its own impact.
          const market = hedgeMarketAt(a, price, acc.sizeUnits);
          const equityUsd = acc.collateralUsd + acc.sizeUnits * (price - acc.entryPriceUsd);
          const nowMs = dayStart + DAY_MS;
          const decision = shouldRebalance(
            {
              target,
              sizeUnits: acc.sizeUnits,
              equityUsd,
              maintenanceMarginUsd:
                acc.sizeUnits !== 0 ? Math.abs(acc.sizeUnits) * price * mmRatio + params.liquidationFeeUsd : 0,
              priceUsd: price,
              lastRebalancePriceUsd: acc.lastRebalancePriceUsd,
              nowMs,
              lastRebalanceMs: acc.lastRebalanceMs,
              dailyVolatility: (vols[a] as Float64Array)[t] as number,
              market,
              costs: {
                gasUnitsPerRebalance: costs.gasUnitsPerRebalance,
                gasPriceGwei: typeof gasPrice === "number" ? gasPrice : (gasPrice[t] ?? 0),
                nativePriceUsd: nativeUsd(t),
              },
              reserveAvailableUsd: refillReserve ? Number.POSITIVE_INFINITY : Math.max(0, wallet),
            },
            policy,
          );
          if (!decision.act) {
            closingWindowCheck(acc, t, date, price, mmRatio);
            continue;
          }
          let costUsd = 0;
          // While closed (allowed top-ups only): no trade, and collateral only goes in.
          const delta = closedToday ? 0 : decision.sizeDeltaUnits;
          if (closedToday && decision.collateralDeltaUsd <= 0) continue;
          if (delta !== 0) {
            const s0 = acc.sizeUnits;
            const s1 = s0 + delta;
            const { feeUsd, impactUsd } = tradeCostUsd(market, delta, s0, price);
            const fill = price * (1 + (s0 + s1) / 2 / params.skewScaleUnits);
            if (s0 === 0 || Math.sign(s0) === Math.sign(delta)) {
              acc.entryPriceUsd = (Math.abs(s0) * acc.entryPriceUsd + Math.abs(delta) * fill) / Math.abs(s1);
            } else {
              const closed = Math.min(Math.abs(delta), Math.abs(s0));
              acc.collateralUsd += closed * Math.sign(s0) * (fill - acc.entryPriceUsd);
              if (Math.abs(delta) > Math.abs(s0)) acc.entryPriceUsd = fill;
              else if (s1 === 0) acc.entryPriceUsd = 0;
            }
            acc.sizeUnits = s1;
            acc.collateralUsd -= feeUsd;
            pnl.add("tradingFees", -feeUsd);
            // impactUsd = Δsize × (fill − price): what the fill cost against the oracle price.
            pnl.add("fillSlippage", -impactUsd);
            costUsd += feeUsd + impactUsd;
            fees += feeUsd + impactUsd;
          }
          const moveUsd = decision.collateralDeltaUsd;
          if (moveUsd > 0) {
            if (wallet < moveUsd) {
              outsideUsd += moveUsd - wallet;
              wallet = moveUsd;
            }
            if (t > i0) reserveDrawn += moveUsd;
          }
          wallet -= moveUsd;
          acc.collateralUsd += moveUsd;
          const gasUsd = gasUsdAt(t);
          wallet -= gasUsd;
          pnl.add("gas", -gasUsd);
          gas += gasUsd;
          costUsd += gasUsd;
          acc.lastRebalanceMs = nowMs;
          acc.lastRebalancePriceUsd = price;
          const codes = decision.reasons.map((r) => r.code);
          if (t > i0) rebalances++;
          events.push({
            dayIndex: t - i0,
            date,
            kind: t === i0 ? "open" : codes.every((c) => c === "MARGIN") ? "margin" : "rebalance",
            marketAsset: a,
            reasons: codes,
            sizeDeltaUnits: delta,
            collateralDeltaUsd: moveUsd,
            costUsd,
          });
          closingWindowCheck(acc, t, date, price, mmRatio);
        }
      }

      // Mark the portfolio at the close.
      let value = (unhedgedValueUsd[t - i0] as number) + wallet - outsideUsd - startingCash;
      let minMargin = Number.NaN;
      let hedgeUsd = 0;
      for (const acc of accounts.values()) {
        const params = input.markets[acc.marketAsset] as BacktestInput["markets"][string];
        const price = close(acc.marketAsset)[t] as number;
        const equity = acc.collateralUsd + acc.sizeUnits * (price - acc.entryPriceUsd);
        value += equity;
        if (acc.sizeUnits !== 0) {
          const ratio =
            equity / (Math.abs(acc.sizeUnits) * price * params.maintenanceMarginRatio + params.liquidationFeeUsd);
          minMargin = Number.isNaN(minMargin) ? ratio : Math.min(minMargin, ratio);
          hedgeUsd += Math.abs(acc.sizeUnits) * price;
        }
      }
      // The closing margin's carry: the plan's extra collateral for the hours, held while a hedge is open.
      for (const target of plan.targets) {
        const acc = accounts.get(target.marketAsset);
        if (calendars[target.marketAsset] === undefined || acc === undefined || acc.sizeUnits === 0) continue;
        const extra = target.closingMarginExtraUsd ?? 0;
        closingMarginCarry += (extra * rateOfCollateral) / 365;
        extraCollateralSum += extra;
        extraCollateralDays++;
      }
      valueUsd.push(value);
      pnl.closeDay();
      carryCumulativeUsd.push(carry);
      marginRatio.push(minMargin);
      const exposureNotional = plan.targets.reduce((s, x) => s + Math.abs(x.exposureUsd), 0);
      hedgeRatio.push(exposureNotional > 0 ? hedgeUsd / exposureNotional : 0);
      done++;
      if (input.onProgress !== undefined && (done % 64 === 0 || done === totalDays)) input.onProgress(done, totalDays);
    }

    const unhedgedVariance = varianceOfChanges(unhedgedValueUsd);
    const metrics: BacktestMetrics = {
      varianceReduction: unhedgedVariance > 0 ? 1 - varianceOfChanges(valueUsd) / unhedgedVariance : 0,
      carryUsd: carry,
      feesUsd: fees,
      gasUsd: gas,
      rebalances,
      reserveDrawnUsd: reserveDrawn,
      liquidations,
      maxDrawdown: maxDrawdown(valueUsd.map((v) => v + startingCash)),
      gapLiquidations,
      gapBadDebtUsd: gapBadDebt,
      closingLiquidations,
      closingMarginCarryUsd: closingMarginCarry,
      closingMarginExtraCollateralUsd: extraCollateralDays > 0 ? extraCollateralSum / extraCollateralDays : 0,
    };
    return {
      name,
      metrics,
      series: { valueUsd, carryCumulativeUsd, marginRatio, hedgeRatio, attribution: pnl.series },
      attribution: pnl.totals(),
      events,
      carryLedger,
      outsideFundingUsd: outsideUsd,
    };
  }

  return {
    dates: dates.slice(i0, i1 + 1),
    unhedgedValueUsd,
    policies,
    fits,
    warnings,
    settings: {
      from: dates[i0],
      to: dates[i1],
      exposures: input.exposures,
      hedgePolicy: { ...hedgePolicy, firstAccountIndex: hedgePolicy.firstAccountIndex.toString() },
      costs,
      reserveRefill: refillReserve ? "owner" : "none",
      markets: input.markets,
      hours: Object.fromEntries(
        Object.entries(calendars).map(([a, c]) => [
          a,
          { closingMaintenanceMarginRatio: c.closingMarginRatio, reopenGapRatio: c.reopenGapRatio },
        ]),
      ),
      topUpWhileClosed: input.topUpWhileClosed ?? false,
      collateralOpportunityRatePerYear: input.collateralOpportunityRatePerYear ?? DEFAULT_COLLATERAL_OPPORTUNITY_RATE,
      lpFeeAprs,
      alignment: history.alignment,
    },
    elapsedMs: performance.now() - started,
  };
}

/**
 * Each closing market's calendar on the history's days. Closed between two days when either is a filled day (the data
 * has no bar: weekend, holiday) or the schedule closes between their noons UTC (US equities: every night). Daily bars
 * carry no times, so noon stands for "inside the day": the closes and opens of the shipped schedules are not at noon.
 */
function buildCalendars(input: BacktestInput, marketAssets: readonly string[]): Record<string, MarketCalendar> {
  const { history } = input;
  const out: Record<string, MarketCalendar> = {};
  const n = history.dates.length;
  for (const a of marketAssets) {
    const hours = input.hours?.[a];
    if (hours === undefined) continue;
    validateSchedule(hours.schedule);
    const filled = (history.assets[a] as { filled: readonly boolean[] }).filled;
    const noon = (t: number) => BigInt(((history.timestampsMs[t] as number) + NOON_MS) / 1000);
    const closedAfter = (t: number) =>
      filled[t] === true ||
      filled[t + 1] === true ||
      closedWithin(hours.schedule, noon(t), t + 1 < n ? noon(t + 1) : noon(t) + 86_400n);
    const gapBefore = new Uint8Array(n);
    const closeFollows = new Uint8Array(n);
    const closedAllDay = new Uint8Array(n);
    for (let t = 0; t < n; t++) {
      closedAllDay[t] = filled[t] === true ? 1 : 0;
      if (filled[t] === true) continue;
      const after = closedAfter(t);
      closeFollows[t] = after ? 1 : 0;
      if (t + 1 < n && after && filled[t + 1] !== true) gapBefore[t + 1] = 1;
    }
    // A trading day after filled days reopens too.
    for (let t = 1; t < n; t++) if (filled[t] !== true && filled[t - 1] === true) gapBefore[t] = 1;
    out[a] = {
      closingMarginRatio: Number(hours.schedule.closingMaintenanceMarginRatio) / 1e18,
      reopenGapRatio: hours.reopenGapRatio,
      gapBefore,
      closeFollows,
      closedAllDay,
    };
  }
  return out;
}
