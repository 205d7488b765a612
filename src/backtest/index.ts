export { DEFAULT_BACKTEST_COSTS, DEFAULT_SKEW_SCALE_USD, defaultBacktestMarket } from "./defaults.js";
export { runBacktest } from "./engine.js";
export { BacktestInputError, type BacktestInputErrorParameters } from "./errors.js";
export type * from "./types.js";
export { BACKTEST_POLICY_NAMES } from "./types.js";
