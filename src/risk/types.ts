// Types of the stress tests: a neutral book (from a hedge plan or from live snapshots), scenarios as data, results.
//
// Analytics in `number` (USD, units, fractions), like the hedge engine: a stress test estimates, it moves nothing.
// Sign convention: a size or an amount is positive for a long and negative for a short; a funding rate is positive
// when longs pay.
import type { Exposure } from "../hedge/types.js";

/** One position of the book, in an account that holds collateral for it (cross margin inside the account). */
export type RiskPosition = {
  /** The account the position is in, e.g. "0xabc…/1" (owner/index) or "plan/1". */
  account: string;
  /** Asset of the market the position is in (e.g. "SPX"). */
  marketAsset: string;
  /** Asset this position hedges, when it is a hedge (e.g. "QQQ" for a cross hedge in SPX). */
  exposureAsset?: string | undefined;
  /** Units of the market asset, negative for a short. */
  sizeUnits: number;
  /** Entry price (USD per unit): PnL is `sizeUnits · (price − entryPriceUsd)`. */
  entryPriceUsd: number;
  /** Current oracle price (USD per unit): every shock moves from here. */
  priceUsd: number;
  /** The market's maintenance margin ratio (fraction of notional). */
  maintenanceMarginRatio: number;
  /** The market's flat liquidation fee, added to maintenance margin once per position (USD). */
  liquidationFeeUsd: number;
  /** Current funding rate, fraction per day (positive: longs pay). */
  fundingRatePerDay: number;
  /** Funding accrued and not yet settled (USD, positive: the position pays). Default 0. */
  fundingOwedUsd?: number | undefined;
  /** Hedge ratio of a cross hedge (hedge notional / exposure notional); set only when exposure ≠ market asset. */
  beta?: number | undefined;
  /** Units of the exposure asset this position hedges. */
  exposureUnits?: number | undefined;
};

export type RiskAccount = {
  account: string;
  /** Collateral in the account (USD). */
  collateralUsd: number;
};

/** An exposure the book hedges (units held outside the accounts), for the portfolio P&L. */
export type RiskExposure = {
  asset: string;
  /** Units held (the delta), negative for a short exposure. */
  units: number;
  /** USD per unit the exposure is valued at: its pool's price when `poolPriced`, else the asset's own price. */
  priceUsd: number;
  /**
   * The hedge engine's exposures behind `units` (every one in this asset, e.g. a concentratedLp and spot): a scenario
   * then revalues them at the moved price (`exposureValueUsd`) instead of `units × Δprice`, because an LP's value is
   * not linear in the price (all asset below its range, all USD above it). Their delta at `priceUsd` must be `units`.
   */
  holdings?: readonly Exposure[] | undefined;
  /**
   * `priceUsd` is the price of the pool the holdings sit in, which can drift from the oracle that marks the hedge:
   * `defaultStressScenarios` then adds pool-basis scenarios for the asset.
   */
  poolPriced?: boolean | undefined;
};

/** The book a stress test runs on. Build it with `riskBookFromPlan` or `riskBookFromSnapshots`. */
export type RiskBook = {
  positions: RiskPosition[];
  accounts: RiskAccount[];
  exposures: RiskExposure[];
  /** Stablecoin held outside the accounts for margin calls (USD). */
  reserveUsd: number;
};

// ---- scenarios -------------------------------------------------------------------------------------------------

/** Instantaneous price moves, fraction per asset (−0.3: the price falls 30 %). Assets not listed do not move. */
export type PriceShockScenario = {
  kind: "price-shock";
  name?: string | undefined;
  shocks: Readonly<Record<string, number>>;
};

/**
 * Funding at a stressed rate for `days`, prices unchanged. The rate of a market is `ratesPerDay[asset]` when given,
 * else its current rate × `multiplier` (default 5).
 */
export type FundingSpikeScenario = {
  kind: "funding-spike";
  name?: string | undefined;
  days: number;
  multiplier?: number | undefined;
  ratesPerDay?: Readonly<Record<string, number>> | undefined;
};

/**
 * The oracle is down for `hours`: no trade, no liquidation and no top-up. Funding keeps accruing at the current rate
 * and is charged at the price the oracle returns with (the vault accrues `rate · Δt · oraclePrice` at its next read).
 * When the oracle returns, prices have moved by `priceMoveDuringOutage` (a fraction for every asset, or per asset;
 * default 0) and a keeper can liquidate before the owner can act.
 */
export type OracleOutageScenario = {
  kind: "oracle-outage";
  name?: string | undefined;
  hours: number;
  priceMoveDuringOutage?: number | Readonly<Record<string, number>> | undefined;
};

/**
 * The cross hedges stop tracking: every exposure asset hedged through another market moves by `exposureShock`, the
 * hedge markets by `hedgeShock` (e.g. −0.2 and 0: the exposure falls, the hedge does not pay). `exposureAssets`
 * restricts it to some exposures (default: every exposure with a beta hedge).
 */
export type CorrelationBreakScenario = {
  kind: "correlation-break";
  name?: string | undefined;
  exposureShock: number;
  hedgeShock: number;
  exposureAssets?: readonly string[] | undefined;
};

/**
 * Markets that close (tradfi) reopen at a gap: each market asset in `gaps` opens moved by that fraction (e.g. SPX
 * +0.1045), with no trade and no top-up possible while it was closed, and keepers liquidate on the reopen round at the
 * market's own maintenance margin. An exposure hedged through a gapping market (a cross hedge) gaps with it; assets not
 * listed (crypto) do not move. Funding accrues at the current rate for `closedHours` (default 0) and is charged at the
 * reopen price. Build the worst historical moves with `defaultStressScenarios` (DEFAULT_REOPEN_GAPS).
 */
export type WeekendGapScenario = {
  kind: "weekend-gap";
  name?: string | undefined;
  gaps: Readonly<Record<string, number>>;
  closedHours?: number | undefined;
};

/**
 * The pool that prices an exposure (a Uniswap position holds its amounts at the pool's price) and the oracle that marks
 * its hedge diverge: each exposure asset in `poolShocks` moves by that fraction in its pool only, each market asset in
 * `oracleShocks` in its oracle only (e.g. { ETH: -0.05 } and {}: the pool falls 5 %, the hedge does not pay). Exposures
 * are revalued through their holdings, so a pool move past a range edge leaves the position all asset (below) or all
 * USD (above). Prices move instantly, no funding accrues, top-ups are allowed. Generated by `defaultStressScenarios`
 * for exposures with a concentrated position or a pool price.
 */
export type PoolBasisScenario = {
  kind: "pool-basis";
  name?: string | undefined;
  poolShocks?: Readonly<Record<string, number>> | undefined;
  oracleShocks?: Readonly<Record<string, number>> | undefined;
};

export type StressScenario =
  | PriceShockScenario
  | FundingSpikeScenario
  | OracleOutageScenario
  | CorrelationBreakScenario
  | WeekendGapScenario
  | PoolBasisScenario;

// ---- results ---------------------------------------------------------------------------------------------------

export type StressAccountResult = {
  account: string;
  /** Before the scenario: equity = collateral + Σ (pnl − funding owed), maintenance margin, and their ratio. */
  equityBeforeUsd: number;
  maintenanceMarginBeforeUsd: number;
  marginRatioBefore: number;
  /** Price PnL of the account's positions over the scenario (USD). */
  pnlUsd: number;
  /** Funding the account pays over the scenario (USD, negative: received). */
  fundingPaidUsd: number;
  /** Equity after the scenario and before any top-up. */
  equityAfterShockUsd: number;
  /** Whether the scenario allowed a top-up (false during an oracle outage, or when `topUpFromReserve` is off). */
  topUpAllowed: boolean;
  /** Taken from the reserve for this account (USD). */
  reserveUsedUsd: number;
  /** After the scenario and the top-up: equity, maintenance margin at the shocked prices, equity / MM. */
  equityAfterUsd: number;
  maintenanceMarginAfterUsd: number;
  /** equity / maintenance margin (Infinity for an account without positions). */
  marginRatioAfter: number;
  /** Equity below maintenance margin after top-ups: a keeper can liquidate the account. */
  liquidated: boolean;
  /** Maintenance margin − equity when liquidated (what was missing), else 0. */
  shortfallUsd: number;
};

export type StressPortfolioResult = {
  /** P&L of the hedged exposures (USD). */
  exposurePnlUsd: number;
  /** Price P&L of every position (USD). */
  hedgePnlUsd: number;
  /** Funding paid by every position (USD, negative: received). */
  fundingPaidUsd: number;
  /** exposures + hedges − funding. Liquidation penalties are not included. */
  totalPnlUsd: number;
};

export type StressScenarioResult = {
  name: string;
  scenario: StressScenario;
  /** Prices after the scenario, per asset (every asset of the book; a pool-priced exposure's pool price is in `poolPricesAfterUsd`). */
  pricesAfterUsd: Record<string, number>;
  /** Pool prices after the scenario, per pool-priced exposure asset (`RiskExposure.poolPriced`). */
  poolPricesAfterUsd?: Record<string, number> | undefined;
  accounts: StressAccountResult[];
  portfolio: StressPortfolioResult;
  reserveUsedUsd: number;
  reserveLeftUsd: number;
  liquidatedAccounts: string[];
  anyLiquidated: boolean;
  /** What the scenario assumed, in words (e.g. "no top-up possible during the 24 h outage"). */
  notes: string[];
};

export type StressSummary = {
  /** Scenario with the lowest portfolio P&L. */
  worstScenario: string | undefined;
  worstPortfolioPnlUsd: number;
  anyLiquidation: boolean;
  /** Scenarios in which at least one account is liquidated. */
  liquidatingScenarios: string[];
  maxReserveUsedUsd: number;
  /** Lowest equity / MM over every scenario and account, after top-ups. */
  lowestMarginRatio: { scenario: string; account: string; marginRatio: number } | undefined;
};
