// The deployless SnapshotReader lens (contracts/lens/SnapshotReader.sol): what one chunk of a snapshot costs against
// the EVM's limits on deployless calls, how its inputs are encoded and how its packed words decode. Domain objects
// are built from these records in src/actions/read.ts.
import { type Address, encodeDeployData, getAddress, type Hex, zeroAddress } from "viem";
import { snapshotReaderAbi, snapshotReaderBytecode } from "../abis/index.js";
import { ParapetReadError } from "../errors.js";
import type { RawMarketHours } from "../oracle/evaluate.js";
import type { ReadCost, ReadLimits } from "./deployless.js";
import { words } from "./deployless.js";

const WORD = 32;
/** Words per market, per position, of the account's margins, of the LP vault, and the header (SnapshotReader). */
const MARKET_WORDS = 9;
const POSITION_WORDS = 2;
const ACCOUNT_WORDS = 3;
const LIQUIDITY_WORDS = 2;
const HEADER_WORDS = 1;
/** The lens' static constructor arguments (the market-id array's offset among them, the account tuple's five words)
 * and the array's length word. */
const ARGUMENT_WORDS = 2 + 1 + 5 + 2 + 1;

/**
 * Gas of one chunk, fitted to estimateGas on the in-process chain (64 markets, every feed and slot cold at the start
 * of the call; test/ts/sdk-snapshot.test.ts checks that the model bounds the measured gas) and rounded up by 10–20 %:
 * sizing must never under-count (a node that refuses anyway gets the chunk in halves). What a creation returns is
 * its code, 200 gas per returned byte (6,400 a word), counted with the words in {@link snapshotReadCost}.
 * - fixed: the creation (21,000 + 32,000), its calldata (the ≈9 KB lens): 390k measured.
 * - per market: `marketParams`, `marketState`, three guarded price reads (`priceWad`, `currentFunding`, `quote`)
 *   and the adapter's `marketStatus` (its hours): 64.5k measured before the hours, plus its 9 words.
 * - per position of a market in the chunk: its slot and its liquidation price: 9.8k, plus its 2 words.
 * - `accountMargin` (the chunk that reads the margins) reads every market of the account: 17.3k for a market the
 *   chunk has read (warm), 45.6k for one it has not (cold); the LP vault's pool marks (`liquidityState`,
 *   `totalAssets`) read every market with open interest: 19.8k warm, 45.4k cold, and warm after `accountMargin`.
 */
const GAS = {
  fixed: 450_000,
  market: 80_000,
  position: 12_000,
  marginWarm: 21_000,
  marginCold: 52_000,
  poolWarm: 23_000,
  poolCold: 52_000,
} as const;
/** EIP-170 code deposit: what the creation returns costs 200 gas a byte. */
export const CODE_DEPOSIT_GAS_PER_BYTE = 200;

/** Error refs (SnapshotReader): 0 no error, k entry k of the error table, 255 reverted but data not returned. */
const ERROR_NOT_RETURNED = 255;
/** Market status bits. */
const PRICE_FAILED = 1;
const FUNDING_FAILED = 2;
const QUOTE_FAILED = 4;
/** Header flags. */
const FLAG_ACCOUNT = 1;
const FLAG_LIQUIDITY = 2;
const FLAG_MARGIN_FAILED = 4;
const FLAG_LIQUIDITY_STATE_FAILED = 8;
const FLAG_TOTAL_ASSETS_FAILED = 16;
const FLAG_POSITIONS = 32;

/** What one snapshot chunk reads besides its markets. */
export type SnapshotLensShape = {
  /** Reads the account's positions in its markets. */
  withPositions: boolean;
  /** Reads `accountMargin` (the first chunk of a snapshot; the others are given its margins). */
  withMargins: boolean;
  withLiquidity: boolean;
  /** Markets the vault lists (`accountMargin` and the pool mark read every one the account holds or with skew). */
  vaultMarkets: number;
};

/**
 * What one chunk costs, per market: every market may hold a position of the account (positions are only known
 * once read), and `accountMargin` and the pool mark read the markets outside the chunk cold, inside it warm.
 * Returned bytes and gas count the chunk's words only; the error table takes what is left
 * ({@link errorRoomBytes}).
 */
export function snapshotReadCost(shape: SnapshotLensShape): ReadCost {
  const fixedWords =
    HEADER_WORDS + (shape.withMargins ? ACCOUNT_WORDS : 0) + (shape.withLiquidity ? LIQUIDITY_WORDS : 0);
  const wordsPerMarket = MARKET_WORDS + (shape.withPositions ? POSITION_WORDS : 0);
  const deposit = WORD * CODE_DEPOSIT_GAS_PER_BYTE;
  // A market outside the chunk: cold for whichever of `accountMargin` and the pool marks reads it first.
  const cold = shape.withMargins
    ? GAS.marginCold + (shape.withLiquidity ? GAS.poolWarm : 0)
    : shape.withLiquidity
      ? GAS.poolCold
      : 0;
  const warm = (shape.withMargins ? GAS.marginWarm : 0) + (shape.withLiquidity ? GAS.poolWarm : 0);
  return {
    initcodeBytes: { fixed: (snapshotReaderBytecode.length - 2) / 2 + ARGUMENT_WORDS * WORD, perItem: WORD },
    returnedBytes: { fixed: fixedWords * WORD, perItem: wordsPerMarket * WORD },
    gas: {
      fixed: GAS.fixed + fixedWords * deposit + shape.vaultMarkets * cold,
      perItem: GAS.market + (shape.withPositions ? GAS.position : 0) + wordsPerMarket * deposit + warm - cold,
    },
  };
}

/**
 * Bytes of revert data a chunk of `markets` markets may return on top of its words: what is left of the returned
 * bytes limit and of the gas (at 200 gas a byte), so that a chunk full of errors still fits the limits.
 */
export function errorRoomBytes(cost: ReadCost, markets: number, limits: ReadLimits): number {
  const bytes = limits.maxReturnedBytes - cost.returnedBytes.fixed - cost.returnedBytes.perItem * markets;
  const gas = limits.maxGas - cost.gas.fixed - cost.gas.perItem * markets;
  return Math.max(0, Math.min(bytes, Math.floor(gas / CODE_DEPOSIT_GAS_PER_BYTE)));
}

/** The account of a chunk: its positions, with margins read here or given (read by the snapshot's first chunk). */
export type LensAccountInput = {
  owner: Address;
  accountIndex: bigint;
  margin: "read" | "unavailable" | { equityUsd: bigint; maintenanceMarginUsd: bigint };
};

export type SnapshotLensInput = {
  perpVault: Address;
  /** Read the LP vault when given. */
  liquidityVault?: Address | undefined;
  marketIds: readonly bigint[];
  account?: LensAccountInput | undefined;
  quoteSizeWad: bigint;
  /** Bytes the lens may return in all (its words plus as many errors as fit). */
  maxReturnedBytes: number;
};

/** SnapshotReader.AccountInput.margin values. */
const MARGIN_NONE = 0;
const MARGIN_READ = 1;
const MARGIN_GIVEN = 2;
const MARGIN_UNAVAILABLE = 3;

/** The lens' creation code with its constructor arguments: the `data` of the deployless eth_call. */
export function encodeSnapshotLens(input: SnapshotLensInput): Hex {
  const a = input.account;
  const margin = a?.margin;
  return encodeDeployData({
    abi: snapshotReaderAbi,
    bytecode: snapshotReaderBytecode,
    args: [
      input.perpVault,
      input.liquidityVault ?? zeroAddress,
      [...input.marketIds],
      {
        owner: a?.owner ?? zeroAddress,
        accountIndex: a?.accountIndex ?? 0n,
        margin:
          margin === undefined
            ? MARGIN_NONE
            : margin === "read"
              ? MARGIN_READ
              : margin === "unavailable"
                ? MARGIN_UNAVAILABLE
                : MARGIN_GIVEN,
        equityUsd: typeof margin === "object" ? margin.equityUsd : 0n,
        maintenanceMarginUsd: typeof margin === "object" ? margin.maintenanceMarginUsd : 0n,
      },
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
  /** Share of the hedged open interest min(long, short)·price the pool reserves (WAD). */
  grossReserveRatioWad: bigint;
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
  /** The adapter's `marketStatus(feed, block.timestamp)`. */
  hours: RawMarketHours;
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

/** The account's margins, when the chunk read them. */
export type LensMargins = {
  collateralUsd: bigint;
  marketBitmap: bigint;
  /** Undefined when `accountMargin` reverted (`revert` then says why). */
  margin:
    | { equityUsd: bigint; initialMarginUsd: bigint; maintenanceMarginUsd: bigint; notionalUsd: bigint }
    | undefined;
  revert: LensRevert | undefined;
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
  blockTimestamp: bigint;
  markets: LensMarket[];
  margins: LensMargins | undefined;
  /** The account's positions in the chunk's markets, when it read the account. */
  positions: LensPosition[] | undefined;
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
  const rawMargins = flags & FLAG_ACCOUNT ? Array.from({ length: ACCOUNT_WORDS }, next) : undefined;
  const rawPositions =
    flags & FLAG_POSITIONS
      ? Array.from({ length: positionCount }, () => Array.from({ length: POSITION_WORDS }, next))
      : undefined;
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

  const markets = rawMarkets.map(
    ([p0 = 0n, p1 = 0n, p2 = 0n, p3 = 0n, s0 = 0n, s1 = 0n, c0 = 0n, q0 = 0n, h0 = 0n]) => {
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
        feed: getAddress(`0x${bits(p0, 96, 160).toString(16).padStart(40, "0")}`),
        skewScaleWad: bits(p0, 0, 96),
        initialMarginRatioWad: bits(p1, 192, 64),
        maintenanceMarginRatioWad: bits(p1, 128, 64),
        takerFeeRatioWad: bits(p1, 64, 64),
        makerFeeRatioWad: bits(p1, 0, 64),
        maxLongSizeWad: bits(p2, 160, 96),
        maxShortSizeWad: bits(p2, 64, 96),
        maxFundingRatePerDayWad: bits(p2, 0, 64),
        maxFundingVelocityPerDayWad: bits(p3, 192, 64),
        grossReserveRatioWad: bits(p3, 160, 32) * 10n ** 12n,
        minPositionMarginUsd: bits(p3, 80, 80),
        liquidationFeeUsd: bits(p3, 0, 80),
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
        hours: {
          scheduled: bits(h0, 201, 1) === 1n,
          open: bits(h0, 200, 1) === 1n,
          flags: bits(h0, 192, 8),
          lastOpen: bits(h0, 128, 64),
          nextClose: bits(h0, 64, 64),
          nextOpen: bits(h0, 0, 64),
        },
      };
      return market;
    },
  );

  let margins: LensMargins | undefined;
  if (rawMargins) {
    const [a0 = 0n, a1 = 0n, a2 = 0n] = rawMargins;
    const marginOk = (flags & FLAG_MARGIN_FAILED) === 0;
    margins = {
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
    };
  }
  const positions = rawPositions?.map(([q = 0n, l = 0n]) => {
    const marketIndex = Number(bits(l, 240, 8));
    if (marketIndex >= n) throw malformed(`has a position in market ${marketIndex} of ${n}`);
    return {
      marketIndex,
      sizeWad: signed(q, 160, 96),
      entryPriceWad: bits(q, 80, 80) * TICK,
      fundingIndexEntryWad: signed(q, 0, 80) * TICK,
      liquidationPriceWad: bits(l, 255, 1) === 1n ? undefined : bits(l, 0, 240),
    };
  });

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
  return {
    blockNumber: bits(header, 80, 64),
    blockTimestamp: bits(header, 144, 64),
    markets,
    margins,
    positions,
    liquidity,
  };
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
