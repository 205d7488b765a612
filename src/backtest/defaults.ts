// Default market risk parameters of the backtester: those of the markets our deployment scripts list
// (ignition/markets.ts, ignition/modules/ParapetLocal.ts), so a backtest prices what the vault would charge.
import type { BacktestCosts, BacktestInput } from "./types.js";

/** Skew (USD) at which the premium reaches 100 %, as listed: 3 bn USD. */
export const DEFAULT_SKEW_SCALE_USD = 3_000_000_000;

/** Risk parameters of a market listed at `startPriceUsd` with the deployment's defaults. */
export function defaultBacktestMarket(_asset: string, startPriceUsd: number): BacktestInput["markets"][string] {
  return {
    initialMarginRatio: 0.1,
    maintenanceMarginRatio: 0.05,
    takerFeeRatio: 0.0005,
    makerFeeRatio: 0.0002,
    liquidationFeeUsd: 5,
    skewScaleUnits: DEFAULT_SKEW_SCALE_USD / startPriceUsd,
    liquidationPenaltyRatio: 0.01,
  };
}

/**
 * Chain costs: one rebalance = one HedgeRouter transaction (a trade ≈ 130k gas, a collateral top-up ≈ 70k, the
 * router's checks); 20 gwei paid in ETH at the day's ETH close.
 */
export const DEFAULT_BACKTEST_COSTS: BacktestCosts = {
  gasUnitsPerRebalance: 250_000,
  gasPriceGwei: 20,
  nativePrice: { asset: "ETH" },
};
