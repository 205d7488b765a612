export { breakEvenDriftUsd, DEFAULT_TRADE_TO_BAND_FRACTION, gammaBand } from "./band.js";
export { HedgeInputError, type HedgeInputErrorParameters } from "./errors.js";
export * from "./execute.js";
export { hedgeMarketHoursFromChain, hedgeMarketsFromChain, marketAsset } from "./fromChain.js";
export {
  concentratedAmounts,
  concentratedGamma,
  concentratedLp,
  concentratedValueUsd,
  constantProductLp,
  exposureGamma,
  exposureUnits,
  exposureValueUsd,
  lpAssetUnits,
  lpValueUsd,
} from "./lp.js";
export {
  closeMaintenanceRatio,
  DEFAULT_HEDGE_POLICY,
  hedgeMarketHours,
  isolatedLiquidationPriceUsd,
  MIN_RATIO_OBSERVATIONS,
  planHedge,
  resolveHedgePolicy,
  tradeCostUsd,
} from "./plan.js";
export { logReturns, type MinVarianceFit, minVarianceFit, stdDev } from "./ratio.js";
export {
  DEFAULT_REBALANCE_POLICY,
  DEFAULT_RISK_AVERSION,
  DEFAULT_TRIGGERS,
  resolveRebalancePolicy,
  shouldRebalance,
} from "./rebalance.js";
export {
  type RebalanceHedgeDecision,
  type RebalanceHedgeParameters,
  type RebalanceHedgeReturnType,
  rebalanceHedge,
} from "./rebalancer.js";
export type * from "./types.js";
