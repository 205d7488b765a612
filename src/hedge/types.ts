// Types of the hedge engine: exposures in, target positions out, and the rebalancing decision.
//
// The planner, the rule and the backtester are analytics: they work in `number` (USD, units of an asset, fractions),
// because they estimate. Nothing here moves money; the executor converts a plan to WAD/token bigint at the edge.
// Sign convention: a size or an amount is positive for a long and negative for a short.

/** What the user holds and wants to hedge. */
export type Exposure =
  /** An amount of an asset (units: coins, shares, ounces, euros); negative for a short exposure. */
  | { kind: "asset"; asset: string; amount: number; label?: string | undefined }
  /**
   * A constant-product ASSET/USD pool position (Uniswap v2 style, full range) with liquidity `liquidity`
   * (= √(x·y)): it holds `liquidity / √price` of the asset, so its delta falls as the price rises. Fees are ignored.
   * Build one from a USD value with `constantProductLp`.
   */
  | { kind: "constantProductLp"; asset: string; liquidity: number; label?: string | undefined }
  /**
   * A concentrated-liquidity ASSET/USD position (Uniswap v3 style) with liquidity `liquidity` in human units
   * (√(asset·USD)) on the price range [`lowerPriceUsd`, `upperPriceUsd`): below the range it is all asset, above it all
   * USD, inside it holds `L·(1/√P − 1/√upper)` of the asset and `L·(√P − √lower)` USD. `feesUsd`: uncollected fees
   * (their asset part in `feesAssetUnits`), counted in the value but not in the price-dependent delta. Build one
   * from a USD value with `concentratedLp`, or read it from chain with `readExposures`.
   */
  | {
      kind: "concentratedLp";
      asset: string;
      liquidity: number;
      lowerPriceUsd: number;
      upperPriceUsd: number;
      feesAssetUnits?: number | undefined;
      feesUsd?: number | undefined;
      label?: string | undefined;
    };

/** Risk numbers of one market the planner may hedge in (from the chain via `hedgeMarketFromSnapshot`, or a backtest). */
export type HedgeMarket = {
  /** The asset the market tracks (its symbol without the quote, e.g. "ETH", "SPX"). */
  asset: string;
  /** On-chain market id, when the market is on a deployment. */
  marketId?: bigint | undefined;
  /** Oracle price, USD per unit. */
  priceUsd: number;
  /** Initial margin ratio (1 / max leverage). */
  initialMarginRatio: number;
  maintenanceMarginRatio: number;
  takerFeeRatio: number;
  makerFeeRatio: number;
  /** Flat fee added to maintenance margin per position (USD). */
  liquidationFeeUsd: number;
  /** Skew scale in units of the asset: price impact of a trade is ≈ (skewBefore + skewAfter) / 2 / skewScale. */
  skewScaleUnits: number;
  /** Current skew (long − short) in units; 0 when unknown. */
  skewUnits?: number | undefined;
  /** Long + short open interest in USD, for the thin-market warning. */
  openInterestUsd?: number | undefined;
  /** Current funding rate, fraction per day (positive: longs pay). */
  fundingRatePerDay?: number | undefined;
  /**
   * Funding forecast, fraction per year (positive: longs pay), e.g. from `ewmaForecast` + `annualiseRate`, with its
   * band. Defaults to the current rate annualised.
   */
  fundingForecastPerYear?: { mean: number; lower: number; upper: number } | undefined;
  /** Funding is spiking (`detectSpikes` flagged the latest settlement). */
  fundingSpike?: boolean | undefined;
  /** Oracle health: not ok vetoes trading; warnings are passed on. */
  oracle?: { ok: boolean; reason?: string | undefined; warnings?: readonly string[] | undefined } | undefined;
  /**
   * Set while the market's hours close it (or its reopen round is pending): the rule vetoes with MARKET_CLOSED
   * (nothing trades or marks until `reopensAt`, unix seconds, when known) instead of ORACLE.
   */
  closed?: { reason: string; reopensAt: number | undefined } | undefined;
  /** Trading hours, for a market that closes (tradfi); none: always open. See `hedgeMarketHours`. */
  hours?: HedgeMarketHours | undefined;
};

/** What the planner needs of a market's hours: the margin in force over a close and the gap to survive at reopen. */
export type HedgeMarketHours = {
  /** Maintenance margin ratio in force from the closing window until the reopen (fraction, e.g. 0.16). */
  closingMaintenanceMarginRatio: number;
  /** Reopen gap the account must survive at maintenance (fraction, e.g. the worst observed, 0.1045 for SPX). */
  reopenGapRatio: number;
};

/** Everything the planner reads: markets to hedge in, spot prices of every exposed asset, and return history. */
export type HedgeMarketData = {
  markets: readonly HedgeMarket[];
  /** USD price of every exposed asset (for assets with a market, the market price is used when this is missing). */
  pricesUsd: Readonly<Record<string, number>>;
  /**
   * Aligned daily log returns by asset, oldest first, all the same length (same dates). Needed for the
   * min-variance and vol-scaled methods and for cross hedges.
   */
  returns?: Readonly<Record<string, ArrayLike<number>>> | undefined;
  /**
   * Price of each asset in the pool its LP positions sit in (USD per unit), e.g. a Uniswap v3 pool's `slot0` price.
   * Exposures in an asset listed here are delta'd and valued at this price (it is what the position holds); the hedge
   * is sized and valued at the market's oracle price, and the target reports the basis between the two.
   */
  poolPricesUsd?: Readonly<Record<string, number>> | undefined;
  /**
   * Daily volatility of each exposure asset (fraction), for the gamma band; default: the sample standard deviation of
   * its `returns` over the lookback.
   */
  dailyVolatility?: Readonly<Record<string, number>> | undefined;
  /** Gas of one rebalance transaction in USD, for the gamma band (default: fees only, said in the explanation). */
  rebalanceGasUsd?: number | undefined;
};

export type HedgeRatioMethod = "one-to-one" | "min-variance" | "vol-scaled";

/**
 * A reduce-only stop-loss attached to each hedge leg (TriggerOrders, docs/orders.md): it closes the leg when the price
 * has moved `distanceRatio` against it, before the account gets near liquidation. The executor places (or updates)
 * one per leg after opening it.
 */
export type HedgeStopLossPolicy = {
  /** Distance of the trigger from the price as a fraction, in (0, 1): 0.2 puts a short's stop 20 % above the price. */
  distanceRatio: number;
  /** Keeper fee escrowed per stop, in USD (= collateral tokens; default 0). Keepers execute stops that pay for gas. */
  keeperFeeUsd?: number | undefined;
  /** Life of each stop in seconds from placement (default 30 days); the executor refreshes it on its next run. */
  expirySeconds?: number | undefined;
  /** Worst fill past the trigger in basis points (default: any fill, a stop must get out). */
  slippageBps?: number | undefined;
};

/** How to hedge. Every field has a default (`DEFAULT_HEDGE_POLICY`); pass only what you change. */
export type HedgePolicy = {
  /** Ratio method for an asset hedged in its own market (default one-to-one). */
  method: HedgeRatioMethod;
  /** Ratio method for an asset hedged through another market (default min-variance). */
  crossMethod: HedgeRatioMethod;
  /** Market asset to hedge an exposure asset with, e.g. { QQQ: "SPX" }. Without one, an asset uses its own market. */
  hedgeWith: Readonly<Record<string, string>>;
  /** Bounds on the hedge ratio (hedge notional / exposure notional), default [0.5, 1.0]. */
  ratioBounds: readonly [number, number];
  /** Days of returns for min-variance and vol-scaled ratios (default 90). */
  lookbackDays: number;
  /** Warn when a cross hedge's R² is below this (default 0.6). */
  minRSquared: number;
  /** Max leverage of a hedge account (notional / collateral), default 3; capped by the market's own. */
  maxLeverage: number;
  /** Adverse price move the hedge must survive without liquidation, as a fraction (default 0.3). */
  adverseMove: number;
  /** Days of expected funding (at the forecast's adverse band) added to the collateral (default 30). */
  fundingBufferDays: number;
  /** Stablecoin reserve for margin calls, as a fraction of the total hedge notional (default 0.25). */
  reserveRatio: number;
  /** One isolated account per hedge (default true; false puts every hedge in account `firstAccountIndex`). */
  isolatedAccounts: boolean;
  /** First account index used for hedges (default 1: account 0 is left for the user's own trading). */
  firstAccountIndex: bigint;
  /** Warn when the hedge's notional exceeds this fraction of the market's open interest (default 0.25). */
  maxShareOfOpenInterest: number;
  /** Warn when expected carry exceeds this fraction of notional per year (default 0.2). */
  maxCarryPerYear: number;
  /** Attach a reduce-only stop-loss to each hedge leg (default: none). */
  stopLoss?: HedgeStopLossPolicy | undefined;
  /**
   * Warn (`NEAR_RANGE_EDGE`) when the price is within this fraction of a concentrated position's range edge (default
   * 0.05): there the hedge is about to stop changing, pinned at its one-asset bound.
   */
  rangeEdgeWarning: number;
  /** Warn (`POOL_BASIS`) when a pool price is further than this from the market's oracle price (bps, default 50). */
  maxBasisBps: number;
  /**
   * The gas-aware rule's parameters the plan's gamma band is derived with (defaults: `DEFAULT_RISK_AVERSION` 3, one
   * day, the value of every exposure): pass the ones your `RebalancePolicy` uses so the band is the rule's.
   */
  gammaBand: { riskAversion: number; horizonDays: number; portfolioValueUsd?: number | undefined };
};

export type HedgeWarningCode =
  | "LOW_R_SQUARED"
  | "RATIO_CLAMPED"
  | "FUNDING_SPIKE"
  | "HIGH_CARRY"
  | "THIN_OPEN_INTEREST"
  | "ORACLE_WARNING"
  | "ORACLE_INVALID"
  | "NO_MARKET"
  | "NOT_ENOUGH_HISTORY"
  | "NO_FUNDING_DATA"
  | "LEVERAGE_CAPPED"
  | "STOP_BEYOND_LIQUIDATION"
  | "NEAR_RANGE_EDGE"
  | "OUT_OF_RANGE"
  | "POOL_BASIS";

export type HedgeWarning = {
  code: HedgeWarningCode;
  message: string;
  /** The exposure asset the warning is about. */
  asset?: string | undefined;
};

/** A hedge leg's stop-loss: closes the whole leg when the oracle price reaches the trigger. */
export type HedgeTargetStopLoss = {
  /** USD per unit. A short's stop is above the price (`triggerAbove`), a long's below. */
  triggerPriceUsd: number;
  triggerAbove: boolean;
  keeperFeeUsd: number;
  expirySeconds: number;
  /** Worst fill past the trigger (bps); undefined: any fill. */
  slippageBps?: number | undefined;
};

/**
 * A concentrated position's range as the hedge sees it, at the plan's price. Sizes follow the target's sign
 * convention and ratio: the hedge of every exposure of the asset (netted) if the price stood at that edge.
 */
export type HedgeTargetRange = {
  label?: string | undefined;
  lowerPriceUsd: number;
  upperPriceUsd: number;
  /** Uniswap's convention: active on [lower, upper); below it the position is all asset, from upper up all USD. */
  status: "below" | "in" | "above";
  /** (price − lower) / price and (upper − price) / price: negative once the price is past that edge. */
  distanceToLower: number;
  distanceToUpper: number;
  /** This position's asset at each edge: L·(1/√lower − 1/√upper) (+ fees in the asset) at the lower, the fees at the upper. */
  assetUnitsAtLower: number;
  assetUnitsAtUpper: number;
  /** The target's hedge (market units) with the price at each edge. */
  hedgeUnitsAtLower: number;
  hedgeUnitsAtUpper: number;
  /** This position's gamma at the price (asset units per USD; 0 out of range). */
  gammaUnitsPerUsd: number;
};

/**
 * The rebalancing band a target's gamma calls for, from the gas-aware rule's break-even: the hedge drifts by
 * r·|Γ|·ΔP units, ≈ r·|Γ|·P·σ·√h over h days, and acting pays when the drift's USD value D exceeds
 * D* = (c + √(c² + 4·a·gas)) / 2a, a = λσ²h, c = the taker fee per USD.
 */
export type HedgeTargetGammaBand = {
  /** Σ d(delta)/d(price) of the asset's exposures (units of the asset per USD). */
  gammaUnitsPerUsd: number;
  /** Daily volatility of the exposure asset used (fraction). */
  dailyVolatility: number;
  horizonDays: number;
  /** Expected |drift| of the hedge over the horizon: r·|Γ|·P·σ·√h (market units). */
  expectedDriftUnits: number;
  /** D* (USD), and the same as market units and as a fraction of the target size. */
  breakEvenDriftUsd: number;
  bandUnits: number;
  bandFraction: number;
  /** Days until the expected drift reaches the band: (D* / (r·|Γ|·P²·σ))² (Infinity without gamma). */
  expectedDaysToBand: number;
  /** Gas per rebalance the band includes (USD; 0 when the market data did not give it). */
  gasUsd: number;
};

/** Pool price against the market's oracle price, for an exposure whose asset has a pool price and its own market. */
export type HedgeTargetBasis = {
  poolPriceUsd: number;
  oraclePriceUsd: number;
  /** pool − oracle (USD per unit) and (pool / oracle − 1) in bps. */
  basisUsd: number;
  basisBps: number;
  /** The exposure at the pool price minus at the oracle price: units × basisUsd (what the book loses if the pool converges). */
  exposureBasisUsd: number;
};

/** One hedge position the planner wants, with the reasons for it. */
export type HedgeTarget = {
  /** Exposure asset hedged (e.g. "QQQ") and market asset used (e.g. "SPX"). */
  exposureAsset: string;
  marketAsset: string;
  marketId?: bigint | undefined;
  accountIndex: bigint;
  method: HedgeRatioMethod;
  /** Hedge ratio applied (after bounds). */
  ratio: number;
  /** Ratio before the bounds. */
  rawRatio: number;
  /** Min-variance fit quality (R²) when a regression was run. */
  rSquared?: number | undefined;
  /** Exposure being hedged: units of the exposure asset and USD. */
  exposureUnits: number;
  exposureUsd: number;
  /** Target position in the market: units (negative: short) and USD notional (absolute). */
  sizeUnits: number;
  notionalUsd: number;
  /** Collateral the account should hold (USD) and the resulting leverage (notional / collateral). */
  collateralUsd: number;
  leverage: number;
  priceUsd: number;
  /** Price at which the account would be liquidated (0: none), at the planned collateral. */
  liquidationPriceUsd: number;
  /** Distance to liquidation as a fraction of the price (|liq − price| / price). */
  liquidationDistance: number;
  /** Expected funding paid per year in USD (negative: received), and its band. */
  expectedCarryPerYearUsd: number;
  carryPerYearBandUsd: readonly [number, number];
  /** Fee and price impact of opening from flat (USD). */
  openCostUsd: number;
  /** Collateral the market's hours add over an always-open market (closing margin and reopen gap; 0: none). */
  closingMarginExtraUsd?: number | undefined;
  /** The leg's reduce-only stop-loss, when the policy asks for one. */
  stopLoss?: HedgeTargetStopLoss | undefined;
  /** One per concentrated position in the exposure asset. */
  ranges?: HedgeTargetRange[] | undefined;
  /** When the exposures have gamma and the asset's volatility is known. */
  gammaBand?: HedgeTargetGammaBand | undefined;
  /** When the asset has a pool price and is hedged in its own market. */
  basis?: HedgeTargetBasis | undefined;
  warnings: HedgeWarning[];
  /** One line per step: the method, the ratio, the sizing of the collateral. */
  explanation: string[];
};

export type HedgePlan = {
  targets: HedgeTarget[];
  /** Stablecoin to keep outside the accounts for margin calls (USD). */
  reserveUsd: number;
  /** Σ collateral + reserve: the stablecoin the plan needs. */
  totalCapitalUsd: number;
  totalNotionalUsd: number;
  expectedCarryPerYearUsd: number;
  /** Exposures the plan could not hedge (no market, no data), with why. */
  unhedged: { exposureAsset: string; warning: HedgeWarning }[];
  warnings: HedgeWarning[];
  policy: HedgePolicy;
};

// ---- rebalancing -----------------------------------------------------------------------------------------------

export type RebalanceReasonCode = "DELTA_BAND" | "MARGIN" | "CLOSING_MARGIN" | "TIME" | "PRICE_MOVE";
export type RebalanceVetoCode = "ORACLE" | "MARKET_CLOSED" | "GAS_CAP" | "SIMULATION" | "LATENCY";

/** The live state of one hedge, for `shouldRebalance`. */
export type HedgeState = {
  target: HedgeTarget;
  /** Current position in the market (units, negative: short). */
  sizeUnits: number;
  /** Account equity and maintenance margin now (USD). */
  equityUsd: number;
  maintenanceMarginUsd: number;
  /** Market price now and at the last rebalance (USD per unit). */
  priceUsd: number;
  lastRebalancePriceUsd: number;
  /** Time now and of the last rebalance (ms). */
  nowMs: number;
  lastRebalanceMs: number;
  /** Daily volatility of the market's returns (fraction), for the gas-aware rule. */
  dailyVolatility: number;
  /** The market's oracle: not ok vetoes. */
  oracle?: { ok: boolean; reason?: string | undefined } | undefined;
  /** The market (fees, skew, margin ratios) for the cost of acting. */
  market: HedgeMarket;
  costs: RebalanceCosts;
  /** Stablecoin the reserve can still give to this hedge (USD; Infinity when the owner refills it). */
  reserveAvailableUsd: number;
  /**
   * When the market's next closing window starts (ms: next close − closing window, from its schedule, e.g.
   * `marketStatus(schedule, t)`); with `market.hours` the rule tops up ahead of it (`CLOSING_MARGIN`). Unset: the
   * market never closes, or the caller does not know.
   */
  closingWindowStartsAtMs?: number | undefined;
};

/** The chain's cost of acting (USD per transaction from gas units × gas price × native price). */
export type RebalanceCosts = {
  gasUnitsPerRebalance: number;
  gasPriceGwei: number;
  nativePriceUsd: number;
  /** Result of simulating the transaction, when the executor has run one: a failure vetoes. */
  simulation?: { ok: boolean; error?: string | undefined } | undefined;
};

export type RebalanceTrigger =
  /** Rebalance only for margin (a static hedge). */
  | { kind: "static" }
  /** Rebalance every `intervalMs`. */
  | { kind: "periodic"; intervalMs: number }
  /** Rebalance when the position is off target by more than `band` (fraction of the target size). */
  | { kind: "band"; band: number }
  /**
   * Rebalance when the risk removed is worth more than it costs: λ·D²·σ²·h > gas + D·(fee + impact), with D the
   * USD drift from target, σ the daily volatility, h the horizon in days until the next check and λ =
   * riskAversion / portfolio value (per USD).
   */
  | {
      kind: "gas-aware";
      riskAversion: number;
      horizonDays: number;
      portfolioValueUsd: number;
      /**
       * When the drift alone calls for a trade, leave this fraction of the break-even drift in place instead of
       * trading all the way to target (default `DEFAULT_TRADE_TO_BAND_FRACTION`, 0.7; 0: to target). Fees are
       * proportional to the size traded, so stopping inside the band trades less on a path that comes back, for
       * little more risk. A zero target (out of range, or closing) is always reached in full.
       */
      tradeToBandFraction?: number | undefined;
    };

export type RebalancePolicy = {
  trigger: RebalanceTrigger;
  /** Act when equity / maintenance margin falls below this (default 2): top up from the reserve, or reduce. */
  marginCallRatio: number;
  /**
   * Also act when equity falls below this fraction of the target's collateral (default 0.75): the buffer for the
   * policy's adverse move is a quarter spent, so a gap before the next check could reach maintenance.
   */
  collateralCallFraction: number;
  /** Also rebalance when the price moved more than this fraction since the last rebalance (default: off). */
  priceMove?: number | undefined;
  /** Also rebalance after this long without one (default: off, except the periodic trigger). */
  maxIntervalMs?: number | undefined;
  /**
   * How long before a closing window the rule checks the closing maintenance margin and tops up to the target if
   * equity is below it (ms; default `DEFAULT_CLOSING_LEAD_MS`, 6 h). Inside the window the check holds too.
   */
  closingLeadMs?: number | undefined;
  /** Never send with gas above this (gwei), except for margin calls. Default: no cap. */
  gasCapGwei?: number | undefined;
  /** Ignore drifts smaller than this fraction of target (default 0.001): rounding, not risk. */
  minDrift: number;
  /**
   * When acting, free collateral above (1 + this) × the target's (default 0.5) back to the reserve; below it, leave
   * it in the account (moving it costs gas and would be drawn again on the next adverse move).
   */
  excessCollateralBand: number;
};

export type RebalanceReason = {
  code: RebalanceReasonCode;
  message: string;
  /** `CLOSING_MARGIN`: when the closing window (and its margin) starts (ms). */
  atMs?: number | undefined;
};
export type RebalanceVeto = { code: RebalanceVetoCode; message: string };

export type RebalanceDecision = {
  /** Act now: there is a reason and no veto that applies to it. */
  act: boolean;
  reasons: RebalanceReason[];
  vetoes: RebalanceVeto[];
  /** Trade to make (units, to reach the target size) and collateral to add (USD, > 0) or free (< 0). */
  sizeDeltaUnits: number;
  collateralDeltaUsd: number;
  /** The numbers behind the decision. */
  numbers: {
    driftUnits: number;
    driftUsd: number;
    /** |drift| / |target|. */
    driftFraction: number;
    marginRatio: number;
    priceMove: number;
    elapsedMs: number;
    /** Risk removed by acting (λ·D²·σ²·h, USD) and its cost (gas + fees + impact, USD). */
    riskRemovedUsd: number;
    costUsd: number;
    gasUsd: number;
    feesUsd: number;
    impactUsd: number;
    /** Gas-aware band: the drift (USD) at which acting breaks even. */
    breakEvenDriftUsd: number;
  };
};
