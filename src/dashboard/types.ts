// The dashboard's state as the server sends it (GET /api/state, each Server-Sent Event): JSON-ready. Exact amounts are
// decimal strings (`…Wad`: WAD as an integer string; `…Usd`/`…Units` strings: the exact decimal); `number` fields are
// human units for display (USD, units, fractions: 0.123 = 12.3 %), never fed back into money maths.
import type { Address } from "viem";

export type DashboardSeverity = "critical" | "warning" | "info";

export type DashboardAlertCode =
  /** equity < maintenance margin at valid prices: liquidatable now. */
  | "LIQUIDATABLE"
  /** equity / maintenance margin below the margin-call ratio (default 2, the rebalance rule's `marginCallRatio`). */
  | "MARGIN_CALL"
  /** The account cannot be valued: a market it holds has no valid price. */
  | "ACCOUNT_UNPRICED"
  /** `checkMarketOracles` verdict fail: trading that market reverts. */
  | "ORACLE_FAIL"
  /** A `checkMarketOracles` warning: heartbeat due soon, near a bound, deviation rising. */
  | "ORACLE_WARN"
  /** |funding rate| at or above a share of the market's cap. */
  | "FUNDING_SPIKE"
  /** Funding outside the forecast band of the rates seen since the dashboard started. */
  | "FUNDING_OUTSIDE_BAND"
  /** The RPC did not answer: the numbers are from the last good block. */
  | "RPC_UNREACHABLE";

export type DashboardAlert = {
  /** Stable while the condition holds: `code:subject`. */
  id: string;
  severity: DashboardSeverity;
  code: DashboardAlertCode;
  /** `owner:accountIndex`, for an account's alert. */
  account?: string | undefined;
  /** Market symbol, for a market's alert. */
  market?: string | undefined;
  message: string;
};

export type DashboardOracle = {
  verdict: "ok" | "warn" | "fail" | "closed";
  message: string;
  reasons: { code: string; severity: "fail" | "warn"; message: string }[];
};

export type DashboardMarket = {
  marketId: string;
  symbol: string;
  priceWad: string | null;
  priceUsd: number | null;
  /** Fraction per day, positive: longs pay (as if accrued now; the stored rate when the oracle fails). */
  fundingRatePerDay: number;
  fundingRatePerDayWad: string;
  maxFundingRatePerDay: number;
  /** EWMA band of the rates seen since start (`ewmaForecast`), once there are enough of them. */
  fundingForecast: { mean: number; lower: number; upper: number; points: number } | null;
  longOpenInterestUnits: number;
  shortOpenInterestUnits: number;
  skewUnits: number;
  openingPaused: boolean;
  oracle: DashboardOracle;
  hours: { status: string; nextClose: number | null; nextOpen: number | null } | null;
};

export type DashboardPosition = {
  marketId: string;
  symbol: string;
  sizeWad: string;
  sizeUnits: number;
  entryPriceUsd: number;
  priceUsd: number | null;
  unrealizedPnlUsd: number | null;
  /** Funding owed since the last settlement (USD, positive: the position pays). */
  accruedFundingUsd: number | null;
  /** The vault's `liquidationPrice` (0: none; null: unknown). */
  liquidationPriceWad: string | null;
  liquidationPriceUsd: number | null;
  /** |price − liquidation price| / price. */
  liquidationDistance: number | null;
  /** With one day of funding at the current rate projected (`liquidationPriceUsd`); single-position accounts only. */
  liquidationPriceWithFundingUsd: number | null;
};

export type DashboardAccount = {
  /** `owner:accountIndex`, the key of the account in the query parameters and the page. */
  key: string;
  owner: Address;
  accountIndex: string;
  collateralWad: string | null;
  collateralUsd: number | null;
  equityWad: string | null;
  equityUsd: number | null;
  maintenanceMarginWad: string | null;
  maintenanceMarginUsd: number | null;
  initialMarginUsd: number | null;
  notionalUsd: number | null;
  /** equity / maintenance margin; null without positions or without a price. */
  marginRatio: number | null;
  /** equity − maintenance margin (USD). */
  distanceToLiquidationUsd: number | null;
  /** Funding settled at the account's trades since the history's first block (USD, positive: paid). */
  fundingPaidUsd: number;
  /** The carry: that plus what the open positions owe now (USD, positive: paid; null: a position unpriced). */
  fundingCarryUsd: number | null;
  liquidatable: boolean;
  oracleError: string | null;
  positions: DashboardPosition[];
};

export type DashboardTriggerOrder = {
  orderId: string;
  account: string;
  symbol: string;
  kind: "stop" | "take-profit";
  sizeUnits: number;
  triggerPriceUsd: number;
  triggerAbove: boolean;
  expiry: number;
  due: boolean;
};

export type DashboardDelayedOrder = {
  orderId: string;
  account: string;
  symbol: string;
  sizeUnits: number;
  settleAfter: number;
  settleBefore: number;
  status: "pending" | "settleable" | "missed";
};

export type DashboardAction = {
  blockNumber: string;
  logIndex: number;
  transactionHash: string;
  /** The event: Liquidated, Deleveraged (ADL), BadDebt, FundingAccrued, TriggerExecuted, OrderSettled, … */
  event: string;
  account: string | null;
  symbol: string | null;
  message: string;
};

export type DashboardLiquidity = {
  totalAssetsUsd: number | null;
  valueUsd: number | null;
  withdrawableUsd: number | null;
  /** Share of the pool's value locked behind open interest (0..1). */
  utilization: number | null;
  sharePriceUsd: number | null;
  insuranceFundUsd: number | null;
  insuranceFundWad: string | null;
  badDebtUsd: number | null;
  oracleError: string | null;
};

export type DashboardHedge = {
  /** Unix seconds of the block the comparison starts from (the dashboard's first). */
  since: number;
  exposures: {
    asset: string;
    /** Units of the asset held now (an LP position's delta at the price). */
    amount: number;
    label?: string | undefined;
    symbol: string;
    startPriceUsd: number | null;
    priceUsd: number | null;
    pnlUsd: number | null;
  }[];
  /** Σ of each exposure's value now − its value at the start price (for an LP, its curvature included). */
  exposurePnlUsd: number | null;
  /** Σ over the watched accounts of equity − equity at start (deposits and withdrawals count as P&L). */
  hedgePnlUsd: number | null;
  netPnlUsd: number | null;
  /** −hedge P&L / exposure P&L: 1 = the hedge offset the exposure exactly. */
  effectiveness: number | null;
};

export type DashboardState = {
  chainId: number;
  /** "live": this block's numbers; "stale": the RPC failed since (see `error`); "starting": no read yet. */
  status: "live" | "stale" | "starting";
  blockNumber: string | null;
  /** Unix seconds of that block. */
  blockTimestamp: number | null;
  /** Server time (ms) of the last successful refresh. */
  readAt: number | null;
  error: { message: string; since: number; lastGoodBlock: string | null; lastGoodAt: number | null } | null;
  /** eth_call / eth_getLogs requests of the last refresh and its duration. */
  rpc: { ethCalls: number; getLogs: number; refreshMs: number } | null;
  thresholds: { marginCallRatio: number; fundingSpikeShareOfCap: number };
  markets: DashboardMarket[];
  sequencer: { up: boolean; message: string } | null;
  accounts: DashboardAccount[];
  orders: { trigger: DashboardTriggerOrder[]; delayed: DashboardDelayedOrder[] };
  keeperActions: DashboardAction[];
  liquidity: DashboardLiquidity | null;
  hedge: DashboardHedge | null;
  alerts: DashboardAlert[];
};

/** One point of the charts' history (GET /api/history): block time and the plotted numbers. */
export type DashboardHistoryPoint = {
  t: number;
  prices: Record<string, number | null>;
  funding: Record<string, number>;
  marginRatios: Record<string, number | null>;
};
