// The demo's cast and book: which data series feeds which market, the hedger's exposures, the other traders'
// positions and the demo window. Plain data, so the script, the test and docs/demo.md agree on one place.
import type { Exposure } from "../../src/index.js";

/** Demo markets (ParapetLocal's, in market-id order) and the data series that feeds each mock feed. */
export const DEMO_FEEDS: readonly {
  symbol: string;
  /** Asset name in the loaded history. */
  dataAsset: string;
  /** Feed answer = close × this (SPX: SPY × 10, see `proxy`). */
  multiplier: number;
  /** How honest the mapping is, for the summary and the report. */
  proxy: string;
}[] = [
  { symbol: "ETH", dataAsset: "ETH", multiplier: 1, proxy: "Coinbase ETH/USD daily close" },
  { symbol: "BTC", dataAsset: "BTC", multiplier: 1, proxy: "Coinbase BTC/USD daily close" },
  {
    symbol: "XAU",
    dataAsset: "GOLD",
    multiplier: 1,
    proxy: "COMEX gold front-month future (GC=F), not spot XAU: close to spot, with roll jumps",
  },
  { symbol: "EURUSD", dataAsset: "EURUSD", multiplier: 1, proxy: "EUR/USD spot (Yahoo EURUSD=X)" },
  {
    symbol: "SPX",
    dataAsset: "SPY",
    multiplier: 10,
    proxy:
      "SPY ETF adjusted close × 10, standing in for the S&P 500 index (SPY ≈ 1/10 of the index; adjusted closes include dividends, so the level drifts from the printed index)",
  },
];

/** Price files (repo-relative) the demo loads; tradfi files are forward-filled on weekends and holidays. */
export const DEMO_PRICE_FILES: readonly string[] = [
  "data/prices/coinbase_btc_eth_daily_2020-2025.csv",
  "GOLD=data/tradfi/gold_futures_daily_2019-2026.csv",
  "EURUSD=data/tradfi/eurusd_daily_2019-2026.csv",
  "SPY=data/tradfi/spy_daily_2019-2026.csv",
];

/**
 * Setup day (hedges opened at its closes). The 90 days after it end on 2025-10-24, the last full day of the crypto
 * file: the most recent window every series covers. It holds the early-August ETH drop that liquidates the reckless
 * trader (day 6) and the August rally that takes the ETH position out of its range and back.
 */
export const DEMO_FROM = "2025-07-26";
export const DEMO_DAYS = 90;
/**
 * The stale-feed day of the full demo: the EUR/USD feed is not updated that day (a Tuesday: FX trades continuously
 * from Sunday 22:00 to Friday 22:00 UTC, so a missed round is a stale feed). Gold has a daily break (22:00–23:00 UTC):
 * a gold round missed after it is a reopen round still pending, not a stale feed.
 */
export const DEMO_STALE_FEED = { day: 45, symbol: "EURUSD" } as const;

/**
 * The hedger's Uniswap v3 position: $600k of ETH/USDC at the day-0 close on ±20 % of it, in the 0.3 % pool, minted
 * through the real NonfungiblePositionManager. The window's late-August high (4,831) takes it above its range: all
 * USDC, nothing to hedge, until ETH comes back.
 */
export const UNISWAP_POSITION = { valueUsd: 600_000, lowerRatio: 0.8, upperRatio: 1.2, fee: 3000 } as const;
/** The other LPs of the pool: full-range liquidity worth this much at day 0 (the pool's depth the arbitrage meets). */
export const POOL_BACKGROUND_USD = 20_000_000;
/**
 * The arbitrageur's inventory (WETH and USDC): each day it swaps through the real SwapRouter until the pool's price
 * is the feed's close, paying the pool's fee. Its swaps are the only volume, so the position's fees are a floor.
 */
export const ARBITRAGEUR = { weth: 3_000, usdc: 20_000_000 } as const;

/** The rest of the hedger's book: BTC, gold, a EUR receivable and an S&P 500 portfolio (the ETH side is on chain). */
export function demoOtherExposures(): Exposure[] {
  return [
    { kind: "asset", asset: "BTC", amount: 3, label: "3 BTC treasury" },
    { kind: "asset", asset: "XAU", amount: 100, label: "100 oz gold" },
    { kind: "asset", asset: "EURUSD", amount: 300_000, label: "€300k receivable" },
    { kind: "asset", asset: "SPX", amount: 50, label: "S&P 500 portfolio, 50 index units" },
  ];
}

/**
 * Other traders' open interest (one market maker's cross-margined account, USD notional at day-0 prices, long > 0).
 * Longer than the hedger's shorts in ETH and BTC (the hedger receives funding there) and shorter in XAU, EURUSD and
 * SPX (it pays), so the carry column has both signs.
 */
export const COUNTERPARTY_NOTIONAL_USD: Readonly<Record<string, number>> = {
  ETH: 600_000,
  BTC: 600_000,
  XAU: 150_000,
  EURUSD: 150_000,
  SPX: 150_000,
};
export const COUNTERPARTY_COLLATERAL_USD = 1_200_000;

/**
 * The reckless trader: 9.5× long ETH at the day-0 close with 20k USDC. Its liquidation price is ≈ 5.7 % below entry
 * (equity = maintenance margin 5 % + 5 USD), which ETH's early-August drop crosses.
 */
export const RECKLESS = { symbol: "ETH", collateralUsd: 20_000, leverage: 9.5 } as const;

/**
 * The careful trader: the same 20k USDC, 7× long ETH at the day-0 close, with a reduce-only stop-loss 4 % below
 * entry placed through TriggerOrders (2 USDC keeper fee). The keeper executes it in the early-August drop, before the
 * position could be liquidated (≈ 9 % below entry at 7×).
 */
export const CAREFUL = {
  symbol: "ETH",
  collateralUsd: 20_000,
  leverage: 7,
  stopBelowRatio: 0.04,
  keeperFeeUsd: 2,
} as const;

/** USDC in the LP vault: the counterparty of every trade. */
export const LP_DEPOSIT_USD = 10_000_000;
