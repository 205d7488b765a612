// Parameters and amounts of the gas benchmark (scripts/bench.ts). The markets it lists and their parameters are the
// local deployment's (ignition/markets.ts), re-exported here for the benchmark and the tests.
import { units, usdc } from "../../ignition/markets.js";

export {
  ETH_MARKET,
  FEED_DECIMALS,
  FEED_HEARTBEAT,
  feedAnswer,
  MARKETS,
  type MarketSpec,
  marketParams,
  priceWad,
  TOKEN_DECIMALS,
  units,
  usdc,
  WAD,
} from "../../ignition/markets.js";

/**
 * Standing open interest in every market before anything is measured (a market maker's two accounts, one per side),
 * so that measured trades meet a warm market (non-zero OI, funding rate and index) and the LP operations mark all
 * five markets.
 */
export const BACKGROUND_POSITIONS: readonly { accountIndex: bigint; sizes: readonly string[] }[] = [
  { accountIndex: 0n, sizes: ["20", "-1", "50", "-100000", "10"] },
  { accountIndex: 1n, sizes: ["-5", "0.4", "-20", "40000", "-4"] },
];
export const BACKGROUND_COLLATERAL = usdc("500000");

export const LP_DEPOSIT = usdc("10000000");

/** The measured trader flow (ETH market). */
export const TRADER_DEPOSIT = usdc("1100");
export const TRADER_WITHDRAW = usdc("100"); // leaves 1,000 USDC for the open
export const OPEN_SIZE = units("1");
export const INCREASE_SIZE = units("0.5");
export const DECREASE_SIZE = units("-0.75");
export const CLOSE_SIZE = units("-0.75");

/** The measured LP flow (a second LP, while OI is open in all five markets). */
export const LP2_DEPOSIT = usdc("100000");
export const LP2_WITHDRAW = usdc("50000");

/** 1,000 accounts (one owner, account indexes 0..999) holding ETH positions before `openAt1000Positions`. */
export const CROWD_ACCOUNTS = 1000;
export const CROWD_COLLATERAL = usdc("200");
/** Accounts per multicall transaction (deposit + trade each): well under the 2^24 transaction gas cap. */
export const CROWD_BATCH = 40;
/**
 * Pairs of opposite sizes of 0.05..0.5 ETH: the crowd adds no skew, so `openAt1000Positions` meets the same skew as
 * `open` (long-heavy: the measured long adds to it and pays the pool-capacity check in both).
 */
export function crowdSize(i: number): bigint {
  const magnitude = units("0.05") * BigInt((Math.floor(i / 2) % 10) + 1);
  return i % 2 === 0 ? magnitude : -magnitude;
}

/**
 * The measured liquidations (ETH market). Each liquidated account holds 400 USDC and goes long 1 ETH at 3,000
 * (≈1.5 USDC taker fee): equity ≈ 398.5 + (price − 3,000), maintenance margin 5 % · price + 5 USD.
 * At 2,700: equity ≈ 98.5 < MM 140; closing ≈46 % restores 1.1 · MM and leaves ≈0.54 ETH (margin ≫ 10 USD): partial.
 * At 2,620: equity ≈ 18.5 < MM 136; no fraction < 100 % restores 1.1 · MM: full; the 1 % penalty (26.2) takes the
 * rest of the collateral, with no bad debt.
 */
export const LIQ_COLLATERAL = usdc("400");
export const LIQ_SIZE = units("1");
export const LIQ_OPEN_PRICE = "3000";
export const LIQ_PARTIAL_PRICE = "2700";
export const LIQ_FULL_PRICE = "2620";
/** Accounts liquidated by the one `liquidateBatch` call. */
export const LIQ_BATCH = 10;
/** The keeper's token balance before it is paid (non-zero, so its balance slot is not created by the reward). */
export const KEEPER_BALANCE = usdc("1000");
