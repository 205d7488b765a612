export {
  emptyAttribution,
  exposureStepPnl,
  hedgeStepPnl,
  PNL_TERMS,
  type PnlAttribution,
  type PnlAttributionSeries,
  PnlLedger,
  type PnlTerm,
} from "./attribution.js";
export { DEFAULT_BACKTEST_COSTS, DEFAULT_SKEW_SCALE_USD, defaultBacktestMarket } from "./defaults.js";
export { runBacktest } from "./engine.js";
export { BacktestInputError, type BacktestInputErrorCode, type BacktestInputErrorParameters } from "./errors.js";
export { type ExposureReplay, lpFeeUsd, replayExposures, resolveLpFeeAprs } from "./exposures.js";
export {
  type AssetCoverage,
  type BuildMarketHistoryParameters,
  type BuildMarketHistoryReturnType,
  buildMarketHistory,
  dailyLogReturns,
  type FundingSeries,
  type PriceSeries,
  resolveWindow,
} from "./history.js";
export {
  attributionChart,
  attributionRows,
  renderBacktestReport,
  type StackedBand,
  type StackedChartOptions,
  stackedChart,
} from "./report.js";
export type * from "./types.js";
export { BACKTEST_POLICY_NAMES } from "./types.js";
