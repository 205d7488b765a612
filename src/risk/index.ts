// Stress scenarios and the liquidation price with projected funding (docs/risks.md § Stress scenarios).

// Defined in hedge/ (the planner uses it too), exported here with the stress analytics it belongs to in the docs.
export {
  type LiquidationPriceUsdParameters,
  type LiquidationPriceUsdReturnType,
  liquidationPriceUsd,
} from "../hedge/liquidationPrice.js";
export {
  DEFAULT_FUNDING_SPIKE_MULTIPLIER,
  DEFAULT_POOL_BASIS_SHOCK,
  DEFAULT_TOP_UP_BUFFER,
  type DefaultStressScenariosParameters,
  defaultStressScenarios,
  HISTORICAL_WORST_FUNDING_RATE_PER_DAY,
  type RiskBookFromPlanReturnType,
  type RiskBookFromSnapshotsReturnType,
  type RiskBookMarkets,
  type RunStressOptions,
  type RunStressReturnType,
  riskBookFromPlan,
  riskBookFromSnapshots,
  runStress,
  scenarioName,
} from "./stress.js";
export type {
  CorrelationBreakScenario,
  FundingSpikeScenario,
  OracleOutageScenario,
  PoolBasisScenario,
  PriceShockScenario,
  RiskAccount,
  RiskBook,
  RiskExposure,
  RiskPosition,
  StressAccountResult,
  StressPortfolioResult,
  StressScenario,
  StressScenarioResult,
  StressSummary,
  WeekendGapScenario,
} from "./types.js";
