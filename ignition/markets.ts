// The markets a local deployment lists (ParapetLocal, MockFeeds) and the tests and the gas benchmark deploy: symbols,
// listing prices, the mock feeds' decimals and heartbeat, and the risk parameters, all inside PerpVault's bounds. Kept
// here, below both ignition/modules and scripts/, so that neither reads the other's files.
import { parseUnits } from "viem";

export const WAD = 10n ** 18n;
export const FEED_DECIMALS = 8;
/** USDC-like collateral. */
export const TOKEN_DECIMALS = 6;
export const FEED_HEARTBEAT = 86_400;

/** Skew (in USD at the listing price) at which the premium is 100 %: 3 bn USD, i.e. 1e6 ETH (1e24) for ETH. */
const SKEW_SCALE_USD = 3_000_000_000n * WAD;
/** Open-interest cap per side (USD at the listing price): generous. */
const OI_CAP_USD = 1_000_000_000n * WAD;

export interface MarketSpec {
  symbol: string;
  /** Human price, fed to the 8-decimal mock feed. */
  price: string;
}

export const MARKETS: readonly MarketSpec[] = [
  { symbol: "ETH", price: "3000" },
  { symbol: "BTC", price: "60000" },
  { symbol: "XAU", price: "2300" },
  { symbol: "EURUSD", price: "1.08" },
  { symbol: "SPX", price: "5000" },
];

export const ETH_MARKET = 0n;

export function feedAnswer(price: string): bigint {
  return parseUnits(price, FEED_DECIMALS);
}

export function priceWad(price: string): bigint {
  return parseUnits(price, 18);
}

export function usdc(amount: string): bigint {
  return parseUnits(amount, TOKEN_DECIMALS);
}

export function units(amount: string): bigint {
  return parseUnits(amount, 18);
}

/** MarketParams of {IPerpVault} for a market listed at `price`. */
export function marketParams(feed: `0x${string}`, price: string) {
  const p = priceWad(price);
  return {
    feed,
    initialMarginRatio: units("0.1"),
    maintenanceMarginRatio: units("0.05"),
    takerFeeRatio: units("0.0005"),
    makerFeeRatio: units("0.0002"),
    maxFundingRatePerDay: units("0.01"),
    skewScale: (SKEW_SCALE_USD * WAD) / p,
    maxFundingVelocityPerDay: units("0.03"),
    maxLongSize: (OI_CAP_USD * WAD) / p,
    maxShortSize: (OI_CAP_USD * WAD) / p,
    minPositionMarginUsd: units("10"),
    liquidationFeeUsd: units("5"),
    grossReserveRatio: units("0.1"),
  };
}
