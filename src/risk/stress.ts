// Stress scenarios (issue #5) on a neutral book. The liquidation price with projected funding they use lives below, in
// hedge/liquidationPrice.ts (the hedge planner needs it too, and risk/ sits above hedge/).
//
// The margin rules are the vault's (contracts/libraries/MarginMath.sol, docs/architecture § 3):
//   equity = collateral + Σ (size · (price − entry) − funding owed)
//   MM     = Σ (|size| · price · maintenanceMarginRatio + liquidationFee)
//   an account is liquidatable when equity < MM.
// Everything here is `number` analytics: the chain's WAD bigints are converted at the edge (`riskBookFromSnapshots`),
// a double keeps ~15–16 significant digits, far below what a stress estimate can tell apart. Nothing here moves money.
import type { Snapshot } from "../actions/read.js";
import { expectFinite, expectRatio } from "../hedge/liquidationPrice.js";
import { exposureUnits, exposureValueUsd } from "../hedge/lp.js";
import type { Exposure, HedgeMarket, HedgePlan } from "../hedge/types.js";
import { DEFAULT_REOPEN_GAPS } from "../hours/defaults.js";
import { ParapetInputError } from "../parapetError.js";
import { wadToNumber } from "../units.js";
import type {
  RiskBook,
  RiskExposure,
  RiskPosition,
  StressAccountResult,
  StressScenario,
  StressScenarioResult,
  StressSummary,
} from "./types.js";

/**
 * The worst 8-hour funding in our Binance data, per day: BTCUSDT −0.3 %/8 h on 2020-03-13 (the exchange's cap then),
 * i.e. −0.9 %/day with shorts paying (data/SOURCES.md). ETHUSDT reached −0.356 %/8 h (−1.07 %/day) on 2021-05-19
 * and +0.375 %/8 h (+1.125 %/day, the cap) on 2021-01-04: pass those through `ratesPerDay` to stress ETH harder.
 */
export const HISTORICAL_WORST_FUNDING_RATE_PER_DAY = -0.009;
/** Funding multiplier of the default funding spike. */
export const DEFAULT_FUNDING_SPIKE_MULTIPLIER = 5;
/** Equity / MM the reserve tops an account back up to is 1 + this (1.5, the default margin-call ratio). */
export const DEFAULT_TOP_UP_BUFFER = 0.5;

const HOURS_PER_DAY = 24;

// ---- conversion at the edge ------------------------------------------------------------------------------------

/** Markets of the plan's targets (by asset, or the list the planner used): margin ratios, fees, funding rates. */
export type RiskBookMarkets = Readonly<Record<string, HedgeMarket>> | readonly HedgeMarket[];
export type RiskBookFromPlanReturnType = RiskBook;

/**
 * The book a plan would open: one position per target at its planned price (entry = current price, no PnL yet), in
 * account `plan/<accountIndex>` holding the targets' `collateralUsd` (summed when targets share an account), the
 * plan's reserve, and each hedged exposure once (units from the target, price = |exposureUsd / exposureUnits|, which
 * is the exposure asset's own price for a cross hedge, and the pool's for a target with a `basis`: such an exposure is
 * `poolPriced`). A cross hedge (exposure asset ≠ market asset) carries `beta = target.ratio`. The funding rate is the
 * market's current rate, else its forecast mean / 365; a market without either (or missing) is an error, not a 0.
 *
 * @param holdings The exposures the plan was made from (`planHedge`'s first argument): each book exposure then carries
 *   its asset's as `holdings`, so scenarios revalue LP positions through their range, and a concentrated position
 *   above its range (0 units) stays in the book. Without them exposures are linear in their price.
 */
export function riskBookFromPlan(
  plan: HedgePlan,
  marketsByAsset: RiskBookMarkets,
  holdings?: readonly Exposure[],
): RiskBookFromPlanReturnType {
  const markets: Readonly<Record<string, HedgeMarket>> = Array.isArray(marketsByAsset)
    ? Object.fromEntries((marketsByAsset as readonly HedgeMarket[]).map((m) => [m.asset, m]))
    : (marketsByAsset as Readonly<Record<string, HedgeMarket>>);
  const positions: RiskPosition[] = [];
  const collateralByAccount = new Map<string, number>();
  const exposures = new Map<string, RiskExposure>();
  for (const target of plan.targets) {
    const market = markets[target.marketAsset];
    if (!market) {
      throw new ParapetInputError(
        "markets",
        `no market for ${target.marketAsset}, which the plan hedges ${target.exposureAsset} in.`,
        "Pass the HedgeMarket list (or record by asset) the plan was made with.",
      );
    }
    const fundingRatePerDay =
      market.fundingRatePerDay ??
      (market.fundingForecastPerYear ? market.fundingForecastPerYear.mean / 365 : undefined);
    if (fundingRatePerDay === undefined) {
      throw new ParapetInputError(
        "markets",
        `market ${market.asset} has neither fundingRatePerDay nor fundingForecastPerYear.`,
        "Read the market's funding rate (hedgeMarketFromSnapshot) or give a forecast; a missing rate is not 0.",
      );
    }
    const account = `plan/${target.accountIndex}`;
    collateralByAccount.set(account, (collateralByAccount.get(account) ?? 0) + target.collateralUsd);
    const cross = target.exposureAsset !== target.marketAsset;
    positions.push({
      account,
      marketAsset: target.marketAsset,
      exposureAsset: target.exposureAsset,
      sizeUnits: target.sizeUnits,
      entryPriceUsd: target.priceUsd,
      priceUsd: target.priceUsd,
      maintenanceMarginRatio: market.maintenanceMarginRatio,
      liquidationFeeUsd: market.liquidationFeeUsd,
      fundingRatePerDay,
      fundingOwedUsd: 0,
      ...(cross ? { beta: target.ratio } : {}),
      exposureUnits: target.exposureUnits,
    });
    if (exposures.has(target.exposureAsset)) continue;
    const held = holdings?.filter((e) => e.asset === target.exposureAsset);
    // 0 units (a range above the price) carries no exposureUsd to read the price from: the pool's, or the market's.
    const priceUsd =
      target.exposureUnits !== 0
        ? Math.abs(target.exposureUsd / target.exposureUnits)
        : (target.basis?.poolPriceUsd ?? (cross ? undefined : target.priceUsd));
    if ((target.exposureUnits !== 0 || (held?.length ?? 0) > 0) && priceUsd !== undefined) {
      exposures.set(target.exposureAsset, {
        asset: target.exposureAsset,
        units: target.exposureUnits,
        priceUsd,
        ...(held !== undefined && held.length > 0 ? { holdings: held } : {}),
        ...(target.basis !== undefined ? { poolPriced: true } : {}),
      });
    }
  }
  return {
    positions,
    accounts: [...collateralByAccount].map(([account, collateralUsd]) => ({ account, collateralUsd })),
    exposures: [...exposures.values()],
    reserveUsd: plan.reserveUsd,
  };
}

export type RiskBookFromSnapshotsReturnType = RiskBook;

/**
 * The live book: every account of the snapshots as `<owner>/<accountIndex>` with its collateral, and its positions at
 * the oracle price with the market's current funding rate and the funding accrued so far. WAD bigints become numbers
 * here (see `wadToNumber`). Snapshots do not know what a position hedges: set `exposureAsset`, `exposureUnits` and
 * `beta` on the returned positions for correlation-break scenarios. A position whose market has no valid oracle price
 * is an error (a stress test on a stale mark would be wrong, not conservative).
 *
 * @param snapshots One snapshot per account (`getSnapshot`); markets are looked up in the account's own snapshot.
 * @param exposures The exposures the accounts hedge, for the portfolio P&L (default none).
 * @param reserveUsd Stablecoin outside the accounts for margin calls (USD, default 0: no reserve).
 */
export function riskBookFromSnapshots(
  snapshots: readonly Snapshot[],
  exposures: readonly RiskExposure[] = [],
  reserveUsd = 0,
): RiskBookFromSnapshotsReturnType {
  const positions: RiskPosition[] = [];
  const accounts: RiskBook["accounts"] = [];
  for (const snapshot of snapshots) {
    const state = snapshot.account;
    const account = `${state.owner}/${state.accountIndex}`;
    if (accounts.some((a) => a.account === account)) {
      throw new ParapetInputError("snapshots", `account ${account} appears twice.`, "Pass one snapshot per account.");
    }
    accounts.push({ account, collateralUsd: wadToNumber(state.collateralUsd) });
    for (const p of state.positions) {
      const market = snapshot.markets.find((m) => m.marketId === p.marketId);
      if (!market) {
        throw new ParapetInputError(
          "snapshots",
          `account ${account} has a position in market ${p.marketId}, which its snapshot did not read.`,
          "Take the snapshot over every market the account trades (the default).",
        );
      }
      if (
        market.priceWad === undefined ||
        market.fundingRatePerDayWad === undefined ||
        p.accruedFundingUsd === undefined
      ) {
        throw new ParapetInputError(
          "snapshots",
          `market ${market.symbol} has no valid oracle price in the snapshot${market.oracleError ? ` (${market.oracleError.summary})` : ""}.`,
          "Stress a book only on valid prices: wait for the feed, or run an oracle-outage scenario on an earlier snapshot.",
          market.oracleError,
        );
      }
      positions.push({
        account,
        marketAsset: market.symbol,
        sizeUnits: wadToNumber(p.sizeWad),
        entryPriceUsd: wadToNumber(p.entryPriceWad),
        priceUsd: wadToNumber(market.priceWad),
        maintenanceMarginRatio: wadToNumber(market.params.maintenanceMarginRatioWad),
        liquidationFeeUsd: wadToNumber(market.params.liquidationFeeUsd),
        fundingRatePerDay: wadToNumber(market.fundingRatePerDayWad),
        fundingOwedUsd: wadToNumber(p.accruedFundingUsd),
      });
    }
  }
  return { positions, accounts, exposures: [...exposures], reserveUsd };
}

// ---- scenarios ------------------------------------------------------------------------------------------------

export type DefaultStressScenariosParameters = {
  /** Price shocks applied to every asset together, both ways (default 0.1, 0.3, 0.5). */
  priceShocks?: readonly number[] | undefined;
  /** Also shock each asset alone (default false). */
  perAsset?: boolean | undefined;
  /** Funding spike: multiplier and days (default ×5 for 7 days), and the historical-worst rate for as many days. */
  fundingMultiplier?: number | undefined;
  fundingDays?: number | undefined;
  /** Oracle outage hours and the gap when it returns, applied both ways (default 24 h, 10 %). */
  outageHours?: number | undefined;
  outageGap?: number | undefined;
  /** Move of the side that breaks away in a correlation break (default 0.2). */
  correlationShock?: number | undefined;
  /**
   * Worst reopen |gap| per market asset that closes (default: `DEFAULT_REOPEN_GAPS`, the worst in data/tradfi
   * 2019–2026: SPX 10.45 %, XAU 6.61 %, EURUSD 1.84 %). Pass {} to leave the weekend-gap scenarios out.
   */
  reopenGaps?: Readonly<Record<string, number>> | undefined;
  /** Hours a weekend-gap scenario's markets are closed, for funding (default 0: no funding charged). */
  gapClosedHours?: number | undefined;
  /** Divergence of a pool-basis scenario: the pool alone, or the oracle alone, moves by this, both ways (default 0.05). */
  poolBasisShock?: number | undefined;
};

/** Default divergence of the pool-basis scenarios (fraction). */
export const DEFAULT_POOL_BASIS_SHOCK = 0.05;

/**
 * The standard set: every asset moving together by ±10/30/50 % (and each alone if `perAsset`), funding ×5 for 7 days,
 * the historical-worst funding (−0.9 %/day, shorts pay) and its mirror (+0.9 %/day, longs pay) for 7 days, a 24 h
 * oracle outage returning 10 % lower and 10 % higher, and for every cross-hedged exposure two correlation breaks: the
 * exposure moves 20 % against its holder while the hedge market stands still, and the hedge market moves 20 % against
 * the hedge while the exposure stands still. When the book holds markets that close (`reopenGaps`), two weekend
 * gaps: every such market reopens at its worst historical |gap| against the positions in it, and the mirror. For every
 * exposure with a concentrated position or a pool price, pool-basis scenarios: the pool moves ±`poolBasisShock` (5 %)
 * with the oracle flat, the oracle (of the markets hedging it) ±5 % with the pool flat, and, while a range holds the
 * price, the pool moves 5 % past the nearest lower edge and past the nearest upper edge (out of range, oracle flat).
 */
export function defaultStressScenarios(
  book: RiskBook,
  parameters: DefaultStressScenariosParameters = {},
): StressScenario[] {
  const assets = bookAssets(book);
  const scenarios: StressScenario[] = [];
  const pct = (f: number) => `${f > 0 ? "+" : ""}${round(f * 100)} %`;
  for (const size of parameters.priceShocks ?? [0.1, 0.3, 0.5]) {
    for (const f of [-size, size]) {
      scenarios.push({
        kind: "price-shock",
        name: `all assets ${pct(f)}`,
        shocks: Object.fromEntries(assets.map((a) => [a, f])),
      });
      if (parameters.perAsset && assets.length > 1) {
        for (const a of assets) scenarios.push({ kind: "price-shock", name: `${a} ${pct(f)}`, shocks: { [a]: f } });
      }
    }
  }
  const days = parameters.fundingDays ?? 7;
  const multiplier = parameters.fundingMultiplier ?? DEFAULT_FUNDING_SPIKE_MULTIPLIER;
  const marketAssets = [...new Set(book.positions.map((p) => p.marketAsset))];
  scenarios.push({ kind: "funding-spike", name: `funding ×${multiplier} for ${days} d`, days, multiplier });
  for (const rate of [HISTORICAL_WORST_FUNDING_RATE_PER_DAY, -HISTORICAL_WORST_FUNDING_RATE_PER_DAY]) {
    scenarios.push({
      kind: "funding-spike",
      name: `funding ${pct(rate)}/day for ${days} d (historical worst, ${rate < 0 ? "shorts" : "longs"} pay)`,
      days,
      ratesPerDay: Object.fromEntries(marketAssets.map((a) => [a, rate])),
    });
  }
  const hours = parameters.outageHours ?? 24;
  const gap = parameters.outageGap ?? 0.1;
  for (const move of [-gap, gap]) {
    scenarios.push({
      kind: "oracle-outage",
      name: `oracle outage ${hours} h, returns ${pct(move)}`,
      hours,
      priceMoveDuringOutage: move,
    });
  }
  const shock = parameters.correlationShock ?? 0.2;
  const crossExposures = new Map<string, RiskPosition>();
  for (const p of book.positions) {
    if (p.beta !== undefined && p.exposureAsset !== undefined && p.exposureAsset !== p.marketAsset) {
      if (!crossExposures.has(p.exposureAsset)) crossExposures.set(p.exposureAsset, p);
    }
  }
  for (const [exposureAsset, hedge] of crossExposures) {
    const exposureUnits =
      book.exposures.find((x) => x.asset === exposureAsset)?.units ?? hedge.exposureUnits ?? -hedge.sizeUnits;
    const exposureShock = -Math.sign(exposureUnits) * shock;
    const hedgeShock = -Math.sign(hedge.sizeUnits) * shock;
    scenarios.push({
      kind: "correlation-break",
      name: `correlation break: ${exposureAsset} ${pct(exposureShock)}, ${hedge.marketAsset} flat`,
      exposureShock,
      hedgeShock: 0,
      exposureAssets: [exposureAsset],
    });
    scenarios.push({
      kind: "correlation-break",
      name: `correlation break: ${exposureAsset} flat, ${hedge.marketAsset} ${pct(hedgeShock)}`,
      exposureShock: 0,
      hedgeShock,
      exposureAssets: [exposureAsset],
    });
  }
  const reopenGaps =
    parameters.reopenGaps ??
    Object.fromEntries(Object.entries(DEFAULT_REOPEN_GAPS).map(([a, g]) => [a, g.worstRatio] as const));
  // Against the positions: a market the book is net short in gaps up, one it is net long in gaps down.
  const against: Record<string, number> = {};
  for (const a of marketAssets) {
    const gap = reopenGaps[a];
    if (gap === undefined || gap === 0) continue;
    const net = book.positions.filter((p) => p.marketAsset === a).reduce((x, p) => x + p.sizeUnits, 0);
    against[a] = (net > 0 ? -1 : 1) * Math.abs(gap);
  }
  if (Object.keys(against).length > 0) {
    const closedHours = parameters.gapClosedHours ?? 0;
    const list = (g: Record<string, number>) =>
      Object.entries(g)
        .map(([a, f]) => `${a} ${f > 0 ? "+" : ""}${(f * 100).toFixed(2)} %`)
        .join(", ");
    const mirror = Object.fromEntries(Object.entries(against).map(([a, f]) => [a, -f]));
    scenarios.push({
      kind: "weekend-gap",
      name: `weekend gap, worst reopen against the hedges: ${list(against)}`,
      gaps: against,
      closedHours,
    });
    scenarios.push({ kind: "weekend-gap", name: `weekend gap, mirror: ${list(mirror)}`, gaps: mirror, closedHours });
  }
  scenarios.push(...poolBasisScenarios(book, parameters.poolBasisShock ?? DEFAULT_POOL_BASIS_SHOCK));
  return scenarios;
}

type ConcentratedLp = Extract<Exposure, { kind: "concentratedLp" }>;

/** The default pool-basis scenarios of each exposure priced by a pool or holding a concentrated position. */
function poolBasisScenarios(book: RiskBook, shock: number): StressScenario[] {
  expectNonNegative("poolBasisShock", shock);
  const scenarios: StressScenario[] = [];
  const pct = (f: number) => `${f > 0 ? "+" : ""}${round(f * 100)} %`;
  for (const x of book.exposures) {
    const ranges = (x.holdings ?? []).filter((e): e is ConcentratedLp => e.kind === "concentratedLp");
    if (!x.poolPriced && ranges.length === 0) continue;
    const markets = [...new Set(book.positions.filter((p) => p.exposureAsset === x.asset).map((p) => p.marketAsset))];
    const oracles = markets.length > 0 ? `${markets.join(", ")} oracle` : "oracle";
    for (const f of [-shock, shock])
      scenarios.push({
        kind: "pool-basis",
        name: `pool basis: ${x.asset} pool ${pct(f)}, ${oracles} flat`,
        poolShocks: { [x.asset]: f },
      });
    if (markets.length > 0)
      for (const f of [-shock, shock])
        scenarios.push({
          kind: "pool-basis",
          name: `pool basis: ${x.asset} pool flat, ${markets.map((m) => `${m} oracle ${pct(f)}`).join(", ")}`,
          oracleShocks: Object.fromEntries(markets.map((m) => [m, f])),
        });
    // Out of range: past the first edge the pool crosses each way, among the ranges that hold the price now.
    const inRange = ranges.filter((r) => x.priceUsd >= r.lowerPriceUsd && x.priceUsd < r.upperPriceUsd);
    if (inRange.length === 0) continue;
    const lower = Math.max(...inRange.map((r) => r.lowerPriceUsd));
    const upper = Math.min(...inRange.map((r) => r.upperPriceUsd));
    for (const [edge, side, target] of [
      [lower, "below", lower * (1 - shock)],
      [upper, "above", upper * (1 + shock)],
    ] as const) {
      const f = target / x.priceUsd - 1;
      scenarios.push({
        kind: "pool-basis",
        name: `pool basis: ${x.asset} pool ${f > 0 ? "+" : ""}${(f * 100).toFixed(2)} % to ${round(target)} (${round(shock * 100)} % ${side} the range edge ${edge}), ${oracles} flat`,
        poolShocks: { [x.asset]: f },
      });
    }
  }
  return scenarios;
}

// ---- running ---------------------------------------------------------------------------------------------------

export type RunStressOptions = {
  /** Top accounts up from the reserve when a scenario allows it (never during an oracle outage). Default true. */
  topUpFromReserve?: boolean | undefined;
  /** Top an account up to maintenance margin × (1 + buffer) (default 0.5, the default margin-call ratio 1.5). */
  topUpBuffer?: number | undefined;
};
export type RunStressReturnType = { results: StressScenarioResult[]; summary: StressSummary };

/** What a scenario does to the book: the price move per asset, the funding it charges, whether top-ups happen. */
type ScenarioEffect = {
  shock: (asset: string) => number;
  /** The move of an exposure's own price (its pool's when pool-priced), when it is not `shock`'s (pool-basis). */
  exposureShock?: ((asset: string) => number) | undefined;
  fundingDays: number;
  fundingRatePerDay: (position: RiskPosition) => number;
  topUpAllowed: boolean;
  notes: string[];
};

function scenarioEffect(book: RiskBook, scenario: StressScenario): ScenarioEffect {
  switch (scenario.kind) {
    case "price-shock":
      return {
        shock: (a) => scenario.shocks[a] ?? 0,
        fundingDays: 0,
        fundingRatePerDay: () => 0,
        topUpAllowed: true,
        notes: ["instantaneous move from the current prices; no funding accrues"],
      };
    case "funding-spike": {
      expectNonNegative("days", scenario.days);
      const multiplier = scenario.multiplier ?? DEFAULT_FUNDING_SPIKE_MULTIPLIER;
      return {
        shock: () => 0,
        fundingDays: scenario.days,
        fundingRatePerDay: (p) => scenario.ratesPerDay?.[p.marketAsset] ?? p.fundingRatePerDay * multiplier,
        topUpAllowed: true,
        notes: [
          scenario.ratesPerDay
            ? `funding at the given rates for ${scenario.days} d (current rate × ${multiplier} elsewhere), prices unchanged`
            : `funding at ${multiplier} × the current rate for ${scenario.days} d, prices unchanged`,
        ],
      };
    }
    case "oracle-outage": {
      expectNonNegative("hours", scenario.hours);
      const move = scenario.priceMoveDuringOutage ?? 0;
      return {
        shock: (a) => (typeof move === "number" ? move : (move[a] ?? 0)),
        fundingDays: scenario.hours / HOURS_PER_DAY,
        fundingRatePerDay: (p) => p.fundingRatePerDay,
        topUpAllowed: false,
        notes: [
          `no trade and no top-up possible during the ${scenario.hours} h outage`,
          "funding accrues at the current rate and is charged at the price the oracle returns with",
          "an account below maintenance margin on return is liquidated before its owner can act",
        ],
      };
    }
    case "weekend-gap": {
      const closedHours = scenario.closedHours ?? 0;
      expectNonNegative("closedHours", closedHours);
      // A cross-hedged exposure (QQQ hedged in SPX) is priced by the same closed market: it gaps with its hedge.
      const hedgeMarketOf = new Map<string, string>();
      for (const p of book.positions)
        if (p.exposureAsset !== undefined && p.exposureAsset !== p.marketAsset)
          hedgeMarketOf.set(p.exposureAsset, p.marketAsset);
      return {
        shock: (a) => scenario.gaps[a] ?? scenario.gaps[hedgeMarketOf.get(a) ?? ""] ?? 0,
        fundingDays: closedHours / HOURS_PER_DAY,
        fundingRatePerDay: (p) => (scenario.gaps[p.marketAsset] !== undefined ? p.fundingRatePerDay : 0),
        topUpAllowed: false,
        notes: [
          "the market was closed: no trade and no top-up before the reopen",
          "keepers liquidate on the reopen round at the market's own maintenance margin, before the owner can act",
          "exposures hedged through a closed market gap with it; markets not listed (crypto) do not move",
          ...(closedHours > 0 ? [`funding accrues at the current rate for the ${closedHours} h closed`] : []),
        ],
      };
    }
    case "pool-basis": {
      const pool = scenario.poolShocks ?? {};
      const oracle = scenario.oracleShocks ?? {};
      const moved = (g: Readonly<Record<string, number>>) =>
        Object.entries(g)
          .map(([a, f]) => `${a} ${f > 0 ? "+" : ""}${round(f * 100)} %`)
          .join(", ") || "none";
      return {
        shock: (a) => oracle[a] ?? 0,
        exposureShock: (a) => pool[a] ?? 0,
        fundingDays: 0,
        fundingRatePerDay: () => 0,
        topUpAllowed: true,
        notes: [
          `pools move (${moved(pool)}) apart from the oracles that mark the hedges (${moved(oracle)}): the exposures are revalued at the pool price, the hedges at the oracle price`,
          "a position's value follows its range: all asset below it, all USD above it (linear for an exposure without holdings)",
        ],
      };
    }
    case "correlation-break": {
      const selected = new Set(
        scenario.exposureAssets ??
          book.positions
            .filter((p) => p.beta !== undefined && p.exposureAsset !== undefined)
            .map((p) => p.exposureAsset),
      );
      const shocks: Record<string, number> = {};
      for (const p of book.positions) {
        if (p.exposureAsset !== undefined && p.exposureAsset !== p.marketAsset && selected.has(p.exposureAsset)) {
          shocks[p.marketAsset] = scenario.hedgeShock;
        }
      }
      // An asset that is both an exposure and a hedge market takes the exposure's move.
      for (const a of selected) if (a !== undefined) shocks[a] = scenario.exposureShock;
      return {
        shock: (a) => shocks[a] ?? 0,
        fundingDays: 0,
        fundingRatePerDay: () => 0,
        topUpAllowed: true,
        notes: [
          `exposures ${[...selected].join(", ")} move ${round(scenario.exposureShock * 100)} %, their hedge markets ${round(scenario.hedgeShock * 100)} %`,
        ],
      };
    }
  }
}

/**
 * Runs each scenario on the book, from the current prices. Per account: equity before and after, price PnL, funding
 * paid, maintenance margin at the shocked prices, equity / MM, reserve used and whether it is liquidated (equity < MM
 * after top-ups). Per scenario: the portfolio P&L (exposures + hedges − funding). And a summary.
 *
 * Top-ups, when allowed: the scenario's end state is compared with maintenance margin as if the owner had watched
 * the move (no intraday path). First, accounts below MM are brought back to MM, the smallest shortfall first, and only
 * when the reserve left can cover the whole shortfall (a partial top-up would not save the account); then every
 * account below MM × (1 + buffer) is topped up towards it, in book order, while the reserve lasts. No top-up in an
 * oracle outage. One reserve is shared by the accounts of a scenario; each scenario starts from the full reserve.
 */
export function runStress(
  book: RiskBook,
  scenarios: readonly StressScenario[],
  options: RunStressOptions = {},
): RunStressReturnType {
  validateBook(book);
  const topUpFromReserve = options.topUpFromReserve ?? true;
  const buffer = options.topUpBuffer ?? DEFAULT_TOP_UP_BUFFER;
  expectNonNegative("topUpBuffer", buffer);
  const results = scenarios.map((scenario) =>
    runScenario(book, scenario, scenarioEffect(book, scenario), topUpFromReserve, buffer),
  );
  return { results, summary: summarise(results) };
}

function runScenario(
  book: RiskBook,
  scenario: StressScenario,
  effect: ScenarioEffect,
  topUpFromReserve: boolean,
  buffer: number,
): StressScenarioResult {
  const name = scenario.name ?? scenarioName(scenario);
  const topUpAllowed = topUpFromReserve && effect.topUpAllowed;
  const shockedPrice = (asset: string, priceUsd: number) => priceUsd * (1 + effect.shock(asset));

  const accounts: StressAccountResult[] = book.accounts.map(({ account, collateralUsd }) => {
    let equityBeforeUsd = collateralUsd;
    let mmBefore = 0;
    let mmAfter = 0;
    let pnlUsd = 0;
    let fundingPaidUsd = 0;
    for (const p of book.positions) {
      if (p.account !== account) continue;
      const after = shockedPrice(p.marketAsset, p.priceUsd);
      equityBeforeUsd += p.sizeUnits * (p.priceUsd - p.entryPriceUsd) - (p.fundingOwedUsd ?? 0);
      mmBefore += Math.abs(p.sizeUnits) * p.priceUsd * p.maintenanceMarginRatio + p.liquidationFeeUsd;
      mmAfter += Math.abs(p.sizeUnits) * after * p.maintenanceMarginRatio + p.liquidationFeeUsd;
      pnlUsd += p.sizeUnits * (after - p.priceUsd);
      fundingPaidUsd += p.sizeUnits * after * effect.fundingRatePerDay(p) * effect.fundingDays;
    }
    const equityAfterShockUsd = equityBeforeUsd + pnlUsd - fundingPaidUsd;
    return {
      account,
      equityBeforeUsd,
      maintenanceMarginBeforeUsd: mmBefore,
      marginRatioBefore: marginRatio(equityBeforeUsd, mmBefore),
      pnlUsd,
      fundingPaidUsd,
      equityAfterShockUsd,
      topUpAllowed,
      reserveUsedUsd: 0,
      equityAfterUsd: equityAfterShockUsd,
      maintenanceMarginAfterUsd: mmAfter,
      marginRatioAfter: marginRatio(equityAfterShockUsd, mmAfter),
      liquidated: false,
      shortfallUsd: 0,
    };
  });

  let reserveLeftUsd = book.reserveUsd;
  if (topUpAllowed) {
    const topUp = (a: StressAccountResult, amountUsd: number) => {
      a.reserveUsedUsd += amountUsd;
      a.equityAfterUsd += amountUsd;
      reserveLeftUsd -= amountUsd;
    };
    const below = accounts
      .filter((a) => a.equityAfterUsd < a.maintenanceMarginAfterUsd)
      .sort(
        (x, y) => x.maintenanceMarginAfterUsd - x.equityAfterUsd - (y.maintenanceMarginAfterUsd - y.equityAfterUsd),
      );
    for (const a of below) {
      const need = a.maintenanceMarginAfterUsd - a.equityAfterUsd;
      if (need <= reserveLeftUsd) topUp(a, need);
    }
    for (const a of accounts) {
      if (a.equityAfterUsd < a.maintenanceMarginAfterUsd || a.maintenanceMarginAfterUsd === 0) continue;
      const want = a.maintenanceMarginAfterUsd * (1 + buffer) - a.equityAfterUsd;
      if (want > 0 && reserveLeftUsd > 0) topUp(a, Math.min(want, reserveLeftUsd));
    }
  }
  for (const a of accounts) {
    a.marginRatioAfter = marginRatio(a.equityAfterUsd, a.maintenanceMarginAfterUsd);
    a.liquidated = a.equityAfterUsd < a.maintenanceMarginAfterUsd;
    a.shortfallUsd = a.liquidated ? a.maintenanceMarginAfterUsd - a.equityAfterUsd : 0;
  }

  const pricesAfterUsd: Record<string, number> = {};
  for (const p of book.positions) pricesAfterUsd[p.marketAsset] = shockedPrice(p.marketAsset, p.priceUsd);
  const poolPricesAfterUsd: Record<string, number> = {};
  const exposureShock = effect.exposureShock ?? effect.shock;
  let exposurePnlUsd = 0;
  for (const x of book.exposures) {
    const shock = exposureShock(x.asset);
    (x.poolPriced ? poolPricesAfterUsd : pricesAfterUsd)[x.asset] = x.priceUsd * (1 + shock);
    exposurePnlUsd += exposurePnl(x, shock);
  }
  const hedgePnlUsd = accounts.reduce((sum, a) => sum + a.pnlUsd, 0);
  const fundingPaidUsd = accounts.reduce((sum, a) => sum + a.fundingPaidUsd, 0);
  const liquidatedAccounts = accounts.filter((a) => a.liquidated).map((a) => a.account);
  const notes = [...effect.notes];
  if (!topUpFromReserve) notes.push("top-ups from the reserve disabled");
  if (liquidatedAccounts.length > 0 && topUpAllowed) {
    notes.push(`the reserve left (${round(reserveLeftUsd)} USD) could not cover every shortfall`);
  }
  return {
    name,
    scenario,
    pricesAfterUsd,
    ...(Object.keys(poolPricesAfterUsd).length > 0 ? { poolPricesAfterUsd } : {}),
    accounts,
    portfolio: {
      exposurePnlUsd,
      hedgePnlUsd,
      fundingPaidUsd,
      totalPnlUsd: exposurePnlUsd + hedgePnlUsd - fundingPaidUsd,
    },
    reserveUsedUsd: book.reserveUsd - reserveLeftUsd,
    reserveLeftUsd,
    liquidatedAccounts,
    anyLiquidated: liquidatedAccounts.length > 0,
    notes,
  };
}

function summarise(results: readonly StressScenarioResult[]): StressSummary {
  let worst: StressScenarioResult | undefined;
  let lowest: StressSummary["lowestMarginRatio"];
  for (const r of results) {
    if (!worst || r.portfolio.totalPnlUsd < worst.portfolio.totalPnlUsd) worst = r;
    for (const a of r.accounts) {
      if (!lowest || a.marginRatioAfter < lowest.marginRatio) {
        lowest = { scenario: r.name, account: a.account, marginRatio: a.marginRatioAfter };
      }
    }
  }
  const liquidatingScenarios = results.filter((r) => r.anyLiquidated).map((r) => r.name);
  return {
    worstScenario: worst?.name,
    worstPortfolioPnlUsd: worst?.portfolio.totalPnlUsd ?? 0,
    anyLiquidation: liquidatingScenarios.length > 0,
    liquidatingScenarios,
    maxReserveUsedUsd: Math.max(0, ...results.map((r) => r.reserveUsedUsd)),
    lowestMarginRatio: lowest,
  };
}

/** A readable name for a scenario without one. */
export function scenarioName(scenario: StressScenario): string {
  switch (scenario.kind) {
    case "price-shock":
      return `price shock ${Object.entries(scenario.shocks)
        .map(([a, f]) => `${a} ${f > 0 ? "+" : ""}${round(f * 100)} %`)
        .join(", ")}`;
    case "funding-spike":
      return scenario.ratesPerDay
        ? `funding at given rates for ${scenario.days} d`
        : `funding ×${scenario.multiplier ?? DEFAULT_FUNDING_SPIKE_MULTIPLIER} for ${scenario.days} d`;
    case "oracle-outage": {
      const move = scenario.priceMoveDuringOutage;
      return `oracle outage ${scenario.hours} h${typeof move === "number" && move !== 0 ? `, returns ${move > 0 ? "+" : ""}${round(move * 100)} %` : ""}`;
    }
    case "correlation-break":
      return `correlation break: exposures ${round(scenario.exposureShock * 100)} %, hedges ${round(scenario.hedgeShock * 100)} %`;
    case "weekend-gap":
      return `weekend gap ${Object.entries(scenario.gaps)
        .map(([a, f]) => `${a} ${f > 0 ? "+" : ""}${round(f * 100)} %`)
        .join(", ")}`;
    case "pool-basis": {
      const list = (g: Readonly<Record<string, number>> | undefined, where: string) =>
        Object.entries(g ?? {}).map(([a, f]) => `${a} ${where} ${f > 0 ? "+" : ""}${round(f * 100)} %`);
      return `pool basis: ${[...list(scenario.poolShocks, "pool"), ...list(scenario.oracleShocks, "oracle")].join(", ") || "no move"}`;
    }
  }
}

// ---- helpers ---------------------------------------------------------------------------------------------------

/** An exposure's P&L when its price moves by `shock`: through its holdings when it has them (an LP is not linear). */
function exposurePnl(x: RiskExposure, shock: number): number {
  if (x.holdings === undefined) return x.units * x.priceUsd * shock;
  const after = x.priceUsd * (1 + shock);
  return x.holdings.reduce((sum, e) => sum + exposureValueUsd(e, after) - exposureValueUsd(e, x.priceUsd), 0);
}

function marginRatio(equityUsd: number, maintenanceMarginUsd: number): number {
  return maintenanceMarginUsd === 0 ? Number.POSITIVE_INFINITY : equityUsd / maintenanceMarginUsd;
}

function bookAssets(book: RiskBook): string[] {
  return [...new Set([...book.positions.map((p) => p.marketAsset), ...book.exposures.map((x) => x.asset)])];
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function validateBook(book: RiskBook): void {
  expectNonNegative("reserveUsd", book.reserveUsd);
  const accounts = new Set<string>();
  for (const a of book.accounts) {
    expectFinite(`collateralUsd of ${a.account}`, a.collateralUsd);
    if (accounts.has(a.account)) {
      throw new ParapetInputError("book", `account ${a.account} is listed twice.`, "List each account once.");
    }
    accounts.add(a.account);
  }
  for (const p of book.positions) {
    if (!accounts.has(p.account)) {
      throw new ParapetInputError(
        "book",
        `position in ${p.marketAsset} belongs to account ${p.account}, which has no collateral entry.`,
        "Add the account to book.accounts with its collateralUsd (a missing collateral is not 0).",
      );
    }
    expectFinite("sizeUnits", p.sizeUnits);
    expectNonNegative("entryPriceUsd", p.entryPriceUsd);
    expectNonNegative("priceUsd", p.priceUsd);
    expectRatio("maintenanceMarginRatio", p.maintenanceMarginRatio);
    expectNonNegative("liquidationFeeUsd", p.liquidationFeeUsd);
    expectFinite("fundingRatePerDay", p.fundingRatePerDay);
  }
  for (const x of book.exposures) {
    expectFinite(`units of ${x.asset}`, x.units);
    expectNonNegative(`priceUsd of ${x.asset}`, x.priceUsd);
    if (x.holdings === undefined) continue;
    // Holdings from another plan (or price) would value a different exposure than the one hedged.
    const heldUnits = x.holdings.reduce(
      (u, e) => u + (e.asset === x.asset ? exposureUnits(e, x.priceUsd) : Number.NaN),
      0,
    );
    if (!(Math.abs(heldUnits - x.units) <= 1e-9 * Math.max(1, Math.abs(x.units)))) {
      throw new ParapetInputError(
        "book",
        `the holdings of ${x.asset} hold ${heldUnits} units at ${x.priceUsd} USD, the exposure ${x.units}.`,
        `Pass as holdings the exposures in ${x.asset} the plan was made from (planHedge's first argument), at the plan's price.`,
      );
    }
  }
}

function expectNonNegative(argument: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new ParapetInputError(argument, `${value} is not a finite number ≥ 0.`, "Pass a finite number ≥ 0.");
  }
}
