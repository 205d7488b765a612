// What an owner holds on chain, as exposures to hedge: native and ERC-20 balances and Uniswap v3 positions (by id or
// every position NFT the owner holds), read at one block in ONE deployless eth_call (contracts/lens/
// UniswapV3PositionsReader.sol) for up to 40 positions; more are read in further calls pinned to the same block.
// Amounts, uncollected fees and gamma are exact bigint (./math.ts, Uniswap's rounding); each position also becomes
// the planner's `concentratedLp` exposure when one side is a USD stablecoin.
import { type Address, encodeDeployData, getAddress, type Hex, hexToString, zeroAddress } from "viem";
import { uniswapV3PositionsReaderAbi, uniswapV3PositionsReaderBytecode } from "../abis/index.js";
import { deploylessCall, itemsPerRead, type ReadCost, type ReadLimits, words } from "../actions/deployless.js";
import type { ParapetContext } from "../client.js";
import { ParapetInputError } from "../errors.js";
import { exposureGamma } from "../hedge/lp.js";
import type { Exposure } from "../hedge/types.js";
import {
  amountsForLiquidity,
  feeGrowthInside,
  gamma0,
  priceAtTick,
  priceFromSqrtX96,
  uncollectedFees,
} from "./math.js";

/** The lens's layout (contracts/lens/UniswapV3PositionsReader.sol). */
const HEADER_WORDS = 4;
const WORDS_PER_TOKEN = 3;
const WORDS_PER_POSITION = 19;

/**
 * What one read costs: the lens's creation code plus 32 bytes per id or token; 608 returned bytes per position; gas
 * per position measured (docs/benchmarks.md, `exposureRead*`) with room: ~13 cold calls each.
 */
export const EXPOSURE_READ_COST: ReadCost = {
  initcodeBytes: { fixed: (uniswapV3PositionsReaderBytecode.length - 2) / 2 + 8 * 32, perItem: 32 },
  returnedBytes: { fixed: HEADER_WORDS * 32 + 64 * WORDS_PER_TOKEN * 32, perItem: WORDS_PER_POSITION * 32 },
  gas: { fixed: 300_000, perItem: 150_000 },
};

/** Symbols read as USD (the quote of the planner's LP exposures); add yours with `usdSymbols`. */
export const DEFAULT_USD_SYMBOLS: readonly string[] = [
  "USDC",
  "USDT",
  "DAI",
  "USDC.e",
  "USDbC",
  "USDS",
  "FRAX",
  "PYUSD",
];
/** Wrapped natives read as their asset; override or extend with `assets`. */
export const DEFAULT_ASSET_OF_SYMBOL: Readonly<Record<string, string>> = { WETH: "ETH", WBTC: "BTC", cbBTC: "BTC" };

export type ExposureSources = {
  /** Read the owner's native balance as `nativeAsset` (default true, "ETH"). */
  native?: boolean | undefined;
  nativeAsset?: string | undefined;
  /** ERC-20 tokens whose balance to read. */
  tokens?: readonly Address[] | undefined;
  /** Uniswap v3 positions: by id, and (default) every position NFT the owner holds. */
  uniswapV3?:
    | {
        positionManager: Address;
        tokenIds?: readonly bigint[] | undefined;
        /** Read every position NFT the owner holds (default true; false: only `tokenIds`). */
        owned?: boolean | undefined;
      }
    | undefined;
};

export type ReadExposuresParameters = {
  owner: Address;
  sources: ExposureSources;
  /** Token address or symbol → the asset it is (e.g. { WETH: "ETH" }, the default for wrapped natives). */
  assets?: Readonly<Record<string, string>> | undefined;
  /** Symbols counted as USD (default {@link DEFAULT_USD_SYMBOLS}). */
  usdSymbols?: readonly string[] | undefined;
  blockNumber?: bigint | undefined;
  limits?: ReadLimits | undefined;
};

export type TokenInfo = { address: Address; symbol: string; decimals: number; asset: string };

export type TokenBalance = TokenInfo & {
  /** Base units. */
  amount: bigint;
  /** Whole tokens. */
  units: number;
};

export type UniswapV3PositionExposure = {
  tokenId: bigint;
  /** The NFT's holder. */
  owner: Address;
  pool: Address;
  token0: TokenInfo;
  token1: TokenInfo;
  fee: number;
  tickLower: number;
  tickUpper: number;
  liquidity: bigint;
  sqrtPriceX96: bigint;
  tick: number;
  /** The pool's tick is in [tickLower, tickUpper): the position trades (and earns fees). */
  inRange: boolean;
  /** What `decreaseLiquidity` of all the liquidity would pay now (base units, rounded down as the pool does). */
  amount0: bigint;
  amount1: bigint;
  /** What `collect` would pay on top: fees owed and accrued since the last update (base units). */
  fees0: bigint;
  fees1: bigint;
  /** d(amount0)/d(price) in raw units (token0 per token1-per-token0), exact; 0 out of range (see math.ts gamma0). */
  gamma0Raw: bigint;
  /** The pool's price, whole token1 per token0, and the range's edges in the same unit. */
  price: number;
  lowerPrice: number;
  upperPrice: number;
  /** The planner's exposure when one side is USD (its asset priced in USD); undefined for a pair of two assets. */
  exposure: Extract<Exposure, { kind: "concentratedLp" }> | undefined;
};

/** Per asset, what the owner holds: amount (units), delta (units per unit price move), gamma (units per USD). */
export type AssetExposure = {
  asset: string;
  /** Units held: balances plus positions' amounts and fees. */
  units: number;
  /** Delta in units: the same as `units` (a unit of the asset moves one-for-one), positions at their current amounts. */
  delta: number;
  /** Σ of positions' gamma in units per USD of the asset's price (0 for balances). */
  gamma: number;
};

export type ReadExposuresReturnType = {
  blockNumber: bigint;
  balances: TokenBalance[];
  positions: UniswapV3PositionExposure[];
  byAsset: AssetExposure[];
  /** What to hand the planner: balances as `asset` exposures (USD ones left out), positions as `concentratedLp`. */
  exposures: Exposure[];
  /** Each position pool's price of its asset in USD (for the basis against the oracle). */
  poolPricesUsd: Record<string, number>;
  /** eth_calls made. */
  requests: number;
};

function symbolOf(word: bigint): string {
  if (word === 0n) return "";
  return hexToString(`0x${word.toString(16).padStart(64, "0")}` as Hex).replace(/\0+$/, "");
}

function int24(x: bigint): number {
  const v = Number(x & 0xffffffn);
  return v >= 0x800000 ? v - 0x1000000 : v;
}

const ADDRESS_MASK = (1n << 160n) - 1n;

type LensRead = {
  ownedTotal: bigint;
  native: bigint;
  blockNumber: bigint;
  tokens: { balance: bigint; decimals: number; ok: boolean; symbol: string }[];
  positions: bigint[][];
};

function decode(data: Hex, tokenCount: number): LensRead {
  const w = words(data);
  const head = w[0] ?? 0n;
  const n = Number(head >> 128n);
  if (
    Number(head & ((1n << 128n) - 1n)) !== tokenCount ||
    w.length !== HEADER_WORDS + tokenCount * WORDS_PER_TOKEN + n * WORDS_PER_POSITION
  )
    throw new Error("UniswapV3PositionsReader returned an unexpected layout");
  const tokens = [];
  let i = HEADER_WORDS;
  for (let t = 0; t < tokenCount; t++, i += WORDS_PER_TOKEN) {
    const meta = w[i + 1] as bigint;
    tokens.push({
      balance: w[i] as bigint,
      decimals: Number(meta >> 8n),
      ok: (meta & 1n) === 0n,
      symbol: symbolOf(w[i + 2] as bigint),
    });
  }
  const positions = [];
  for (let p = 0; p < n; p++, i += WORDS_PER_POSITION) positions.push(w.slice(i, i + WORDS_PER_POSITION));
  return { ownedTotal: w[1] as bigint, native: w[2] as bigint, blockNumber: w[3] as bigint, tokens, positions };
}

/**
 * Reads what `owner` holds from `sources` at one block and returns it per asset, with every Uniswap v3 position's
 * exact amounts, uncollected fees and gamma, and the exposures the planner takes. One eth_call for up to 40 positions
 * (`requests` says how many were made). A position id that does not exist is a ParapetInputError naming it.
 */
export async function readExposures(
  client: Pick<ParapetContext, "publicClient">,
  parameters: ReadExposuresParameters,
): Promise<ReadExposuresReturnType> {
  const { owner, sources } = parameters;
  const tokens = [...(sources.tokens ?? [])];
  const uni = sources.uniswapV3;
  const ids = [...(uni?.tokenIds ?? [])];
  const readOwned = uni !== undefined && uni.owned !== false;
  const perRead = itemsPerRead(EXPOSURE_READ_COST, parameters.limits, "exposure read");
  let requests = 0;
  const call = async (
    callIds: readonly bigint[],
    ownedFrom: number,
    ownedMax: number,
    callTokens: readonly Address[],
    blockNumber: bigint | undefined,
  ) => {
    const data = encodeDeployData({
      abi: uniswapV3PositionsReaderAbi,
      bytecode: uniswapV3PositionsReaderBytecode,
      args: [
        uni?.positionManager ?? zeroAddress,
        owner,
        [...callIds],
        BigInt(ownedFrom),
        BigInt(ownedMax),
        [...callTokens],
      ],
    });
    requests++;
    return decode(
      await deploylessCall(client as ParapetContext, {
        data,
        blockNumber,
        what: "exposure read",
        items: callIds.length + ownedMax,
      }),
      callTokens.length,
    );
  };
  // First call: the tokens, the ids that fit, and owned positions in the room left.
  const firstIds = ids.slice(0, perRead);
  const first = await call(firstIds, 0, readOwned ? perRead - firstIds.length : 0, tokens, parameters.blockNumber);
  const blockNumber = first.blockNumber;
  const rawPositions = [...first.positions];
  for (let from = firstIds.length; from < ids.length; from += perRead)
    rawPositions.push(...(await call(ids.slice(from, from + perRead), 0, 0, [], blockNumber)).positions);
  if (readOwned) {
    const total = Number(first.ownedTotal);
    for (let from = Math.max(0, perRead - firstIds.length); from < total; from += perRead)
      rawPositions.push(...(await call([], from, perRead, [], blockNumber)).positions);
  }

  const usd = new Set((parameters.usdSymbols ?? DEFAULT_USD_SYMBOLS).map((s) => s.toUpperCase()));
  const assetOf = (address: Address, symbol: string): string => {
    const a = parameters.assets;
    return (
      a?.[address] ??
      a?.[address.toLowerCase()] ??
      a?.[symbol] ??
      DEFAULT_ASSET_OF_SYMBOL[symbol] ??
      (usd.has(symbol.toUpperCase()) ? "USD" : symbol)
    );
  };

  const balances: TokenBalance[] = [];
  if (sources.native !== false) {
    const asset = sources.nativeAsset ?? "ETH";
    balances.push({
      address: zeroAddress,
      symbol: asset,
      decimals: 18,
      asset,
      amount: first.native,
      units: Number(first.native) / 1e18,
    });
  }
  for (const [i, t] of first.tokens.entries()) {
    const address = getAddress(tokens[i] as Address);
    if (!t.ok)
      throw new ParapetInputError(
        `sources.tokens[${i}]`,
        `${address} has no decimals() at block ${blockNumber}.`,
        "Pass ERC-20 token addresses only.",
      );
    balances.push({
      address,
      symbol: t.symbol,
      decimals: t.decimals,
      asset: assetOf(address, t.symbol),
      amount: t.balance,
      units: Number(t.balance) / 10 ** t.decimals,
    });
  }

  const positions = rawPositions.map((w): UniswapV3PositionExposure => {
    const tokenId = w[0] as bigint;
    if ((w[1] as bigint) >> 160n !== 0n)
      throw new ParapetInputError(
        `sources.uniswapV3.tokenIds`,
        `position ${tokenId} does not exist at block ${blockNumber} (burned or never minted).`,
        "Pass the ids of live positions, or omit tokenIds to read every position the owner holds.",
      );
    const at = (j: number) => w[j] as bigint;
    const d0 = Number(at(16) & 0xffn);
    const d1 = Number((at(16) >> 8n) & 0xffn);
    const token0Address = getAddress(`0x${(at(2) & ADDRESS_MASK).toString(16).padStart(40, "0")}`);
    const token1Address = getAddress(`0x${(at(3) & ADDRESS_MASK).toString(16).padStart(40, "0")}`);
    const s0 = symbolOf(at(17));
    const s1 = symbolOf(at(18));
    const token0 = { address: token0Address, symbol: s0, decimals: d0, asset: assetOf(token0Address, s0) };
    const token1 = { address: token1Address, symbol: s1, decimals: d1, asset: assetOf(token1Address, s1) };
    const tickLower = int24(at(3) >> 160n);
    const tickUpper = int24(at(3) >> 184n);
    const liquidity = at(4);
    const tick = int24(at(8) >> 160n);
    const sqrtPriceX96 = at(9);
    const { amount0, amount1 } = amountsForLiquidity(sqrtPriceX96, tick, tickLower, tickUpper, liquidity);
    const inside = feeGrowthInside(
      tickLower,
      tickUpper,
      tick,
      { feeGrowth0X128: at(10), feeGrowth1X128: at(11) },
      { feeGrowth0X128: at(12), feeGrowth1X128: at(13) },
      { feeGrowth0X128: at(14), feeGrowth1X128: at(15) },
    );
    const { fees0, fees1 } = uncollectedFees(
      liquidity,
      inside,
      { feeGrowth0X128: at(5), feeGrowth1X128: at(6) },
      at(7) >> 128n,
      at(7) & ((1n << 128n) - 1n),
    );
    const price = priceFromSqrtX96(sqrtPriceX96, d0, d1);
    const lowerPrice = priceAtTick(tickLower, d0, d1);
    const upperPrice = priceAtTick(tickUpper, d0, d1);
    // Human liquidity √(units0·units1): the same L in either orientation of the pair.
    const humanL = Number(liquidity) / 10 ** ((d0 + d1) / 2);
    let exposure: UniswapV3PositionExposure["exposure"];
    if (token1.asset === "USD" && token0.asset !== "USD") {
      exposure = {
        kind: "concentratedLp",
        asset: token0.asset,
        liquidity: humanL,
        lowerPriceUsd: lowerPrice,
        upperPriceUsd: upperPrice,
        feesAssetUnits: Number(fees0) / 10 ** d0,
        feesUsd: Number(fees1) / 10 ** d1,
        label: `Uniswap v3 #${tokenId}`,
      };
    } else if (token0.asset === "USD" && token1.asset !== "USD") {
      exposure = {
        kind: "concentratedLp",
        asset: token1.asset,
        liquidity: humanL,
        lowerPriceUsd: 1 / upperPrice,
        upperPriceUsd: 1 / lowerPrice,
        feesAssetUnits: Number(fees1) / 10 ** d1,
        feesUsd: Number(fees0) / 10 ** d0,
        label: `Uniswap v3 #${tokenId}`,
      };
    }
    return {
      tokenId,
      owner: getAddress(`0x${(at(1) & ADDRESS_MASK).toString(16).padStart(40, "0")}`),
      pool: getAddress(`0x${(at(8) & ADDRESS_MASK).toString(16).padStart(40, "0")}`),
      token0,
      token1,
      fee: Number(at(2) >> 160n),
      tickLower,
      tickUpper,
      liquidity,
      sqrtPriceX96,
      tick,
      inRange: tick >= tickLower && tick < tickUpper,
      amount0,
      amount1,
      fees0,
      fees1,
      gamma0Raw: gamma0(sqrtPriceX96, tick, tickLower, tickUpper, liquidity),
      price,
      lowerPrice,
      upperPrice,
      exposure,
    };
  });

  const byAssetMap = new Map<string, AssetExposure>();
  const add = (asset: string, units: number, gamma: number) => {
    if (asset === "USD") return;
    const e = byAssetMap.get(asset) ?? { asset, units: 0, delta: 0, gamma: 0 };
    e.units += units;
    e.delta += units;
    e.gamma += gamma;
    byAssetMap.set(asset, e);
  };
  const exposures: Exposure[] = [];
  const poolPricesUsd: Record<string, number> = {};
  for (const b of balances) {
    add(b.asset, b.units, 0);
    if (b.asset !== "USD" && b.amount !== 0n)
      exposures.push({ kind: "asset", asset: b.asset, amount: b.units, label: b.symbol });
  }
  for (const p of positions) {
    const units0 = Number(p.amount0 + p.fees0) / 10 ** p.token0.decimals;
    const units1 = Number(p.amount1 + p.fees1) / 10 ** p.token1.decimals;
    if (p.exposure !== undefined) {
      const assetIs0 = p.exposure.asset === p.token0.asset;
      const poolPriceUsd = assetIs0 ? p.price : 1 / p.price;
      poolPricesUsd[p.exposure.asset] = poolPriceUsd;
      add(p.exposure.asset, assetIs0 ? units0 : units1, exposureGamma(p.exposure, poolPriceUsd));
      exposures.push(p.exposure);
    } else {
      // Two assets (or two stablecoins): each side is held as an amount; gamma has no USD price to be taken against.
      add(p.token0.asset, units0, 0);
      add(p.token1.asset, units1, 0);
      for (const [asset, amount, symbol] of [
        [p.token0.asset, units0, p.token0.symbol],
        [p.token1.asset, units1, p.token1.symbol],
      ] as const) {
        if (asset !== "USD" && amount !== 0)
          exposures.push({ kind: "asset", asset, amount, label: `Uniswap v3 #${p.tokenId} ${symbol}` });
      }
    }
  }
  return { blockNumber, balances, positions, byAsset: [...byAssetMap.values()], exposures, poolPricesUsd, requests };
}
