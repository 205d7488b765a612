// Types of the backtester: aligned history in, per-policy metrics and daily series out.
import type { FundingPoint } from "../funding/carry.js";
import type { Exposure, HedgePolicy, HedgeWarning, RebalancePolicy } from "../hedge/types.js";
import type { MarketSchedule } from "../hours/schedule.js";
import type { PnlAttribution, PnlAttributionSeries } from "./attribution.js";

/** Daily bars of one asset on the history's dates (same length as `MarketHistory.dates`). */
export type AssetHistory = {
  closeUsd: readonly number[];
  highUsd: readonly number[];
  lowUsd: readonly number[];
  /**
   * The day's first price (the Open; a filled day: the close). Absent: the open is taken as the previous close, so no
   * close→open gap is replayed.
   */
  openUsd?: readonly number[] | undefined;
  /** True where the bar was forward-filled (the asset did not trade that day). */
  filled: readonly boolean[];
};

/** Prices of every asset on one calendar of dates, plus funding per market asset. */
export type MarketHistory = {
  /** `YYYY-MM-DD`, ascending, every day of the calendar. */
  dates: readonly string[];
  /** UTC midnight of each date (ms). */
  timestampsMs: readonly number[];
  assets: Readonly<Record<string, AssetHistory>>;
  /** Funding settlements by market asset, in time order (none: the market pays no funding in the backtest). */
  funding: Readonly<Record<string, readonly FundingPoint[]>>;
  /** How the series were put on one calendar and what that did, in words, for the report. */
  alignment: { method: "calendar-forward-fill" | "intersection"; notes: string[] };
};

export type BacktestPolicyName = "none" | "static" | "periodic" | "band" | "gas-aware";
export const BACKTEST_POLICY_NAMES: readonly BacktestPolicyName[] = ["none", "static", "periodic", "band", "gas-aware"];

/** Execution costs of the simulated venue and chain. */
export type BacktestCosts = {
  /** Gas of one rebalance transaction (trades + collateral moves in one multicall). */
  gasUnitsPerRebalance: number;
  /** Gas price in gwei: a constant or one value per date. */
  gasPriceGwei: number | readonly number[];
  /** Asset whose price is the native token's (default "ETH"), or a constant USD price. */
  nativePrice: { asset: string } | { usd: number };
};

export type BacktestInput = {
  history: MarketHistory;
  exposures: readonly Exposure[];
  /** Market asset → market risk parameters (fees, margin ratios, skew scale); prices come from the history. */
  markets: Readonly<
    Record<
      string,
      {
        initialMarginRatio: number;
        maintenanceMarginRatio: number;
        takerFeeRatio: number;
        makerFeeRatio: number;
        liquidationFeeUsd: number;
        skewScaleUnits: number;
        /** Penalty on liquidation as a fraction of notional (default 0.01). */
        liquidationPenaltyRatio?: number | undefined;
      }
    >
  >;
  hedgePolicy?: Partial<HedgePolicy> | undefined;
  /** Per backtest policy, overrides of the rebalance rule. */
  rebalancePolicies?: Partial<Record<BacktestPolicyName, Partial<RebalancePolicy>>> | undefined;
  policies?: readonly BacktestPolicyName[] | undefined;
  costs?: Partial<BacktestCosts> | undefined;
  /** Start and end dates (inclusive, `YYYY-MM-DD`); default the whole history (earlier days serve as lookback). */
  from?: string | undefined;
  to?: string | undefined;
  /**
   * Who refills the reserve when a top-up needs more than it holds: "owner" (default: the owner adds stablecoin from
   * outside, reported as `outsideFundingUsd`, so a long-running hedge of a rising asset is never starved) or "none"
   * (the reserve is all there is: the rule reduces the hedge to what equity + reserve support).
   */
  reserveRefill?: "owner" | "none" | undefined;
  /**
   * Market asset → trading hours, for markets that close (tradfi). Such a market is closed on the history's filled
   * days (weekends, holidays) and wherever its schedule closes between two days' noons (US equities every night):
   * nothing trades and the hedger adds no collateral while closed; the reopen is priced at the day's Open; the closing
   * margin is in force at the close before a closure; an account below maintenance at the Open is liquidated there
   * (a gap liquidation) and equity below 0 is bad debt. Markets not listed are always open.
   */
  hours?: Readonly<Record<string, BacktestMarketHours>> | undefined;
  /** Let the hedger top up a closed market's account (default false: the vault refuses while closed). */
  topUpWhileClosed?: boolean | undefined;
  /**
   * Opportunity rate of stablecoin held as collateral, fraction per year (default 0.05: a T-bill or stablecoin lending
   * yield), for `closingMarginCarryUsd`.
   */
  collateralOpportunityRatePerYear?: number | undefined;
  /**
   * Pool fee APR of the LP exposures (fraction per year, default 0): one number for every LP exposure, or one entry
   * per exposure (index-aligned; undefined: none). A position earns APR × its value / 365 each day its close is in its
   * range (a full-range one always), paid to the book as USD cash (not compounded into the position). The shipped
   * history has no fee column, so the APR is an assumption: pass the pool's observed one.
   */
  lpFeeApr?: number | readonly (number | undefined)[] | undefined;
  /** Called with (done, total) days while running, for progress bars. */
  onProgress?: ((done: number, total: number) => void) | undefined;
};

/** A closing market's hours in the backtest: the schedule (closing margin included) and the gap the planner sizes for. */
export type BacktestMarketHours = {
  schedule: MarketSchedule;
  /** Reopen gap the planner sizes collateral for (fraction; e.g. `DEFAULT_REOPEN_GAPS.SPX.worstRatio`). */
  reopenGapRatio: number;
};

export type BacktestMetrics = {
  /** 1 − Var(daily Δ hedged value) / Var(daily Δ unhedged value). */
  varianceReduction: number;
  /** Funding paid by the hedges (USD, negative: received). */
  carryUsd: number;
  /** Trading fees + price impact (USD). */
  feesUsd: number;
  gasUsd: number;
  rebalances: number;
  /** Stablecoin moved from the reserve into hedge accounts (USD, gross). */
  reserveDrawnUsd: number;
  liquidations: number;
  /** Largest peak-to-trough fall of the portfolio value, as a fraction of the peak. */
  maxDrawdown: number;
  /** Liquidations at a reopen: equity below maintenance at the day's Open after a closure (also in `liquidations`). */
  gapLiquidations: number;
  /** Loss beyond the collateral in gap liquidations: −equity at the Open where it was negative (USD). */
  gapBadDebtUsd: number;
  /** Liquidations at a close: equity below the closing margin in the closing window (also in `liquidations`). */
  closingLiquidations: number;
  /**
   * What the closing margin cost: Σ over days holding a hedge in a closing market of the planner's extra collateral
   * for the hours (`HedgeTarget.closingMarginExtraUsd`) × the opportunity rate / 365 (USD).
   */
  closingMarginCarryUsd: number;
  /** Average of that extra collateral over the days a hedge in a closing market was held (USD). */
  closingMarginExtraCollateralUsd: number;
};

export type BacktestEvent = {
  dayIndex: number;
  date: string;
  kind: "open" | "rebalance" | "margin" | "liquidation";
  marketAsset: string;
  /**
   * Reason codes (DELTA_BAND, MARGIN, TIME, PRICE_MOVE) or the liquidation's cause (a gap liquidation's first reason
   * is REOPEN_GAP, a closing-window one's CLOSING_MARGIN).
   */
  reasons: string[];
  sizeDeltaUnits: number;
  collateralDeltaUsd: number;
  costUsd: number;
};

/** One funding settlement applied to a hedge: the carry ledger that `carryUsd` sums. */
export type CarryEntry = {
  timestampMs: number;
  marketAsset: string;
  sizeUnits: number;
  priceUsd: number;
  ratePerInterval: number;
  /** size · price · rate (USD; positive: paid). */
  paidUsd: number;
};

export type BacktestPolicyResult = {
  name: BacktestPolicyName;
  metrics: BacktestMetrics;
  /** Daily series on `BacktestResult.dates`. */
  series: {
    /** Portfolio value: exposures + hedge equity + reserve − outside money added (USD). */
    valueUsd: number[];
    /** Cumulative funding paid (USD). */
    carryCumulativeUsd: number[];
    /** Lowest equity / maintenance margin over the hedge accounts (NaN: no position). */
    marginRatio: number[];
    /** Hedge notional / exposure notional. */
    hedgeRatio: number[];
    /** The cumulative P&L attribution at each close (its `total` = `valueUsd` − `unhedgedValueUsd[0]`). */
    attribution: PnlAttributionSeries;
  };
  /**
   * The book's P&L over the window by cause; `total` = the last `valueUsd` − the exposures' value at the start (before
   * the hedge's opening costs).
   */
  attribution: PnlAttribution;
  events: BacktestEvent[];
  carryLedger: CarryEntry[];
  /** Stablecoin the owner added from outside when the reserve ran dry (USD; subtracted from `valueUsd`). */
  outsideFundingUsd: number;
};

export type BacktestResult = {
  dates: string[];
  /** Portfolio value without any hedge: the exposures plus the LP fees they earned since the start (USD). */
  unhedgedValueUsd: number[];
  policies: Partial<Record<BacktestPolicyName, BacktestPolicyResult>>;
  /** Rolling fit of each cross hedge at each re-plan: date, exposure asset, ratio and R². */
  fits: { date: string; exposureAsset: string; marketAsset: string; ratio: number; rSquared: number | undefined }[];
  warnings: HedgeWarning[];
  /** The settings used, after defaults (for the report and the JSON output). */
  settings: Record<string, unknown>;
  elapsedMs: number;
};
