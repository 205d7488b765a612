export { DEFAULT_BACKTEST_COSTS, DEFAULT_SKEW_SCALE_USD, defaultBacktestMarket } from "./defaults.js";
export { runBacktest } from "./engine.js";
export { BacktestInputError, type BacktestInputErrorCode, type BacktestInputErrorParameters } from "./errors.js";
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
export { renderBacktestReport } from "./report.js";
export type * from "./types.js";
export { BACKTEST_POLICY_NAMES } from "./types.js";
