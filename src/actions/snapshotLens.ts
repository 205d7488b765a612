// The deployless SnapshotReader lens (contracts/lens/SnapshotReader.sol): what one chunk of a snapshot costs against
// the EVM's limits on deployless calls, how its inputs are encoded and how its packed words decode. Domain objects
// are built from these records in src/actions/read.ts.
import { type Address, encodeDeployData, type Hex, zeroAddress } from "viem";
import { snapshotReaderAbi, snapshotReaderBytecode } from "../abis/index.js";
import { ParapetReadError } from "../errors.js";
import type { ReadCost } from "./deployless.js";
import { words } from "./deployless.js";

const WORD = 32;
/** Words per market, per position, of the account's margins, of the LP vault, and the header (SnapshotReader). */
const MARKET_WORDS = 8;
const POSITION_WORDS = 2;
const ACCOUNT_WORDS = 3;
const LIQUIDITY_WORDS = 2;
const HEADER_WORDS = 1;
/** The lens' static constructor arguments (the market-id array's offset among them) and the array's length word. */
const ARGUMENT_WORDS = 8 + 1;

/**
 * Gas of one chunk, measured on the in-process chain (test/ts/sdk-snapshot.test.ts asserts the bound and the
 * growth): per market, `marketParams`, `marketState` and three guarded price reads (`priceWad`, `currentFunding`,
 * `quote`) ≈ 50k; per position, its slot and its share of `accountMargin` (one more price read) ≈ 25k; the account
 * and the LP vault's pool mark (a price read per market with open interest, twice) are in the per-market part.
 * Rounded up by about half: sizing must never under-count.
 */
export const SNAPSHOT_GAS_FIXED = 150_000;
export const SNAPSHOT_GAS_PER_MARKET = 80_000;
export const SNAPSHOT_GAS_PER_POSITION = 40_000;

/** Error refs (SnapshotReader): 0 no error, k entry k of the error table, 255 reverted but data not returned. */
const ERROR_NOT_RETURNED = 255;
const PRICE_FAILED = 1;
const FUNDING_FAILED = 2;
const QUOTE_FAILED = 4;
const FLAG_ACCOUNT = 1;
const FLAG_LIQUIDITY = 2;
const FLAG_MARGIN_FAILED = 4;
const FLAG_LIQUIDITY_STATE_FAILED = 8;
const FLAG_TOTAL_ASSETS_FAILED = 16;

/** What one snapshot chunk reads besides its markets. */
export type SnapshotLensShape = { withAccount: boolean; withLiquidity: boolean };

/**
 * What one chunk costs, per market: every market may hold a position of the account (positions are only known
 * once read), so a market with the account counts its two position words and its position's gas.
 */
export function snapshotReadCost(shape: SnapshotLensShape): ReadCost {
  const fixedWords = HEADER_WORDS + (shape.withAccount ? ACCOUNT_WORDS : 0) + (shape.withLiquidity ? LIQUIDITY_WORDS : 0);
  const wordsPerMarket = MARKET_WORDS + (shape.withAccount ? POSITION_WORDS : 0);
  return {
    initcodeBytes: { fixed: (snapshotReaderBytecode.length - 2) / 2 + ARGUMENT_WORDS * WORD, perItem: WORD },
    returnedBytes: { fixed: fixedWords * WORD, perItem: wordsPerMarket * WORD },
    gas: {
      fixed: SNAPSHOT_GAS_FIXED,
      perItem: SNAPSHOT_GAS_PER_MARKET + (shape.withAccount ? SNAPSHOT_GAS_PER_POSITION : 0),
    },
  };
}

export type SnapshotLensInput = {
  perpVault: Address;
  /** Read the LP vault when given. */
  liquidityVault?: Address | undefined;
  marketIds: readonly bigint[];
  account?: { owner: Address; accountIndex: bigint } | undefined;
  quoteSizeWad: bigint;
  /** The returned-data budget the lens fills with revert data (the node's EIP-170 limit). */
  maxReturnedBytes: number;
};

/** The lens' creation code with its constructor arguments: the `data` of the deployless eth_call. */
export function encodeSnapshotLens(input: SnapshotLensInput): Hex {
  return encodeDeployData({
    abi: snapshotReaderAbi,
    bytecode: snapshotReaderBytecode,
    args: [
      input.perpVault,
      input.liquidityVault ?? zeroAddress,
      [...input.marketIds],
      input.account?.owner ?? zeroAddress,
      input.account?.accountIndex ?? 0n,
      input.account !== undefined,
      input.quoteSizeWad,
      BigInt(input.maxReturnedBytes),
    ],
  });
}

/** A reverted read inside the lens: its revert data, or undefined when the returned data had no room left for it. */
export type LensRevert = { data: Hex | undefined };

export type LensMarket = {
  feed: Address;
  skewScaleWad: bigint;
  initialMarginRatioWad: bigint;
  maintenanceMarginRatioWad: bigint;
  takerFeeRatioWad: bigint;
  makerFeeRatioWad: bigint;
  maxLongSizeWad: bigint;
  maxShortSizeWad: bigint;
  maxFundingRatePerDayWad: bigint;
  maxFundingVelocityPerDayWad: bigint;
  minPositionMarginUsd: bigint;
  liquidationFeeUsd: bigint;
  storedFundingIndexWad: bigint;
  storedFundingRatePerDayWad: bigint;
  lastFundingTime: bigint;
  openingPaused: boolean;
  longSizeWad: bigint;
  shortSizeWad: bigint;
  /** Undefined when that read reverted (`revert` then says why). */
  fundingRatePerDayWad: bigint | undefined;
  fundingIndexWad: bigint | undefined;
  priceWad: bigint | undefined;
  quoteFillPriceWad: bigint | undefined;
  quoteFeeUsd: bigint | undefined;
  /** The first reverted read of `priceWad`, `currentFunding`, `quote`, and its revert. */
  failed: { functionName: "priceWad" | "currentFunding" | "quote"; revert: LensRevert } | undefined;
};

export type LensPosition = {
  /** Index of its market in the chunk's input. */
  marketIndex: number;
  sizeWad: bigint;
  entryPriceWad: bigint;
  fundingIndexEntryWad: bigint;
  /** Undefined when `accountMargin` or the market's price reverted. */
  liquidationPriceWad: bigint | undefined;
};

export type LensAccount = {
  collateralUsd: bigint;
  marketBitmap: bigint;
  /** Undefined when `accountMargin` reverted (`revert` then says why). */
  margin: { equityUsd: bigint; initialMarginUsd: bigint; maintenanceMarginUsd: bigint; notionalUsd: bigint } | undefined;
  revert: LensRevert | undefined;
  positions: LensPosition[];
};

export type LensLiquidity = {
  shareDecimals: number;
  totalSupply: bigint;
  /** Undefined when that read reverted (`failed` then says which and why). */
  totalAssets: bigint | undefined;
  valueTokens: bigint | undefined;
  withdrawableTokens: bigint | undefined;
  failed: { functionName: "liquidityState" | "totalAssets"; revert: LensRevert } | undefined;
};

export type LensSnapshot = {
  blockNumber: bigint;
  markets: LensMarket[];
  account: LensAccount | undefined;
  liquidity: LensLiquidity | undefined;
};

const bits = (w: bigint, from: number, width: number) => (w >> BigInt(from)) & ((1n << BigInt(width)) - 1n);
const signed = (w: bigint, from: number, width: number) => BigInt.asIntN(width, bits(w, from, width));
const TICK = 10n ** 8n;

/** Decodes one SnapshotReader result (layout in its NatSpec); `marketCount` is the chunk's input length. */
export function decodeSnapshotLens(data: Hex, marketCount: number): LensSnapshot {
  const w = words(data);
  let at = 0;
  const next = (): bigint => {
    const word = w[at++];
    if (word === undefined) throw malformed(`ends at word ${at - 1}`);
    return word;
  };
  const header = next();
  const n = Number(bits(header, 0, 16));
  const positionCount = Number(bits(header, 16, 16));
  const entryCount = Number(bits(header, 32, 16));
  const flags = Number(bits(header, 48, 8));
  const accountRef = Number(bits(header, 56, 8));
  const liquidityRef = Number(bits(header, 64, 8));
  if (n !== marketCount) throw malformed(`has ${n} markets for ${marketCount} requested`);

  const rawMarkets = Array.from({ length: n }, () => Array.from({ length: MARKET_WORDS }, next));
  let rawAccount: { words: bigint[]; positions: bigint[][] } | undefined;
  if (flags & FLAG_ACCOUNT) {
    const accountWords = Array.from({ length: ACCOUNT_WORDS }, next);
    const positions = Array.from({ length: positionCount }, () => Array.from({ length: POSITION_WORDS }, next));
    rawAccount = { words: accountWords, positions };
  }
  const rawLiquidity = flags & FLAG_LIQUIDITY ? Array.from({ length: LIQUIDITY_WORDS }, next) : undefined;
  const entries: Hex[] = [];
  for (let k = 0; k < entryCount; k++) {
    const length = Number(next());
    const dataWords = Array.from({ length: Math.ceil(length / WORD) }, next);
    const hex = dataWords.map((x) => x.toString(16).padStart(64, "0")).join("");
    entries.push(`0x${hex.slice(0, length * 2)}`);
  }
  if (at !== w.length) throw malformed(`has ${w.length - at} word(s) past its error table`);
  const revertOf = (ref: number): LensRevert => {
    if (ref === ERROR_NOT_RETURNED) return { data: undefined };
    const data = entries[ref - 1];
    if (data === undefined) throw malformed(`refers to error entry ${ref} of ${entries.length}`);
    return { data };
  };

  const markets = rawMarkets.map(([p0 = 0n, p1 = 0n, p2 = 0n, p3 = 0n, s0 = 0n, s1 = 0n, c0 = 0n, q0 = 0n]) => {
    const status = Number(bits(s0, 248, 8));
    const ref = Number(bits(s0, 240, 8));
    const failedName =
      status & PRICE_FAILED
        ? "priceWad"
        : status & FUNDING_FAILED
          ? "currentFunding"
          : status & QUOTE_FAILED
            ? "quote"
            : undefined;
    const fundingOk = (status & FUNDING_FAILED) === 0;
    const quoteOk = (status & QUOTE_FAILED) === 0;
    const market: LensMarket = {
      feed: `0x${bits(p0, 96, 160).toString(16).padStart(40, "0")}` as Address,
      skewScaleWad: bits(p0, 0, 96),
      initialMarginRatioWad: bits(p1, 192, 64),
      maintenanceMarginRatioWad: bits(p1, 128, 64),
      takerFeeRatioWad: bits(p1, 64, 64),
      makerFeeRatioWad: bits(p1, 0, 64),
      maxLongSizeWad: bits(p2, 160, 96),
      maxShortSizeWad: bits(p2, 64, 96),
      maxFundingRatePerDayWad: bits(p2, 0, 64),
      maxFundingVelocityPerDayWad: bits(p3, 192, 64),
      minPositionMarginUsd: bits(p3, 96, 96),
      liquidationFeeUsd: bits(p3, 0, 96),
      storedFundingIndexWad: signed(s0, 0, 128),
      storedFundingRatePerDayWad: signed(s0, 128, 64),
      lastFundingTime: bits(s0, 192, 40),
      openingPaused: bits(s0, 232, 1) === 1n,
      longSizeWad: bits(s1, 160, 96),
      shortSizeWad: bits(s1, 64, 96),
      fundingRatePerDayWad: fundingOk ? signed(s1, 0, 64) : undefined,
      fundingIndexWad: fundingOk ? signed(c0, 128, 128) : undefined,
      priceWad: status & PRICE_FAILED ? undefined : bits(c0, 0, 128),
      quoteFillPriceWad: quoteOk ? bits(q0, 128, 128) : undefined,
      quoteFeeUsd: quoteOk ? bits(q0, 0, 128) : undefined,
      failed: failedName === undefined ? undefined : { functionName: failedName, revert: revertOf(ref) },
    };
    return market;
  });

  let account: LensAccount | undefined;
  if (rawAccount) {
    const [a0 = 0n, a1 = 0n, a2 = 0n] = rawAccount.words;
    const marginOk = (flags & FLAG_MARGIN_FAILED) === 0;
    account = {
      collateralUsd: signed(a0, 128, 128),
      marketBitmap: bits(a2, 0, 128),
      margin: marginOk
        ? {
            equityUsd: signed(a0, 0, 128),
            initialMarginUsd: bits(a1, 128, 128),
            maintenanceMarginUsd: bits(a1, 0, 128),
            notionalUsd: bits(a2, 128, 128),
          }
        : undefined,
      revert: marginOk ? undefined : revertOf(accountRef),
      positions: rawAccount.positions.map(([q = 0n, l = 0n]) => {
        const marketIndex = Number(bits(l, 240, 8));
        if (marketIndex >= n) throw malformed(`has a position in market ${marketIndex} of ${n}`);
        return {
          marketIndex,
          sizeWad: signed(q, 160, 96),
          entryPriceWad: bits(q, 80, 80) * TICK,
          fundingIndexEntryWad: signed(q, 0, 80) * TICK,
          liquidationPriceWad: bits(l, 255, 1) === 1n ? undefined : bits(l, 0, 240),
        };
      }),
    };
  }

  let liquidity: LensLiquidity | undefined;
  if (rawLiquidity) {
    const [l0 = 0n, l1 = 0n] = rawLiquidity;
    const stateOk = (flags & FLAG_LIQUIDITY_STATE_FAILED) === 0;
    const assetsOk = (flags & FLAG_TOTAL_ASSETS_FAILED) === 0;
    const failedName = !stateOk ? "liquidityState" : !assetsOk ? "totalAssets" : undefined;
    liquidity = {
      shareDecimals: Number(bits(header, 72, 8)),
      totalSupply: bits(l0, 0, 128),
      totalAssets: assetsOk ? bits(l0, 128, 128) : undefined,
      valueTokens: stateOk ? bits(l1, 128, 128) : undefined,
      withdrawableTokens: stateOk ? bits(l1, 0, 128) : undefined,
      failed: failedName === undefined ? undefined : { functionName: failedName, revert: revertOf(liquidityRef) },
    };
  }
  return { blockNumber: bits(header, 80, 64), markets, account, liquidity };
}

function malformed(what: string): ParapetReadError {
  return new ParapetReadError({
    code: "READ_FAILED",
    what: "snapshot",
    items: 0,
    summary: `The SnapshotReader result ${what}.`,
    fix: "Check that the SDK's generated lens matches this version (npm run abis).",
  });
}
