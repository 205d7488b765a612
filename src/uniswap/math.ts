// Uniswap v3's concentrated-liquidity maths in bigint, ported from its published libraries with the same rounding:
// TickMath.getSqrtRatioAtTick, FullMath.mulDiv(RoundingUp), SqrtPriceMath.getAmount{0,1}Delta, Tick.getFeeGrowthInside
// and the fee accounting of NonfungiblePositionManager. What a position holds is what burning its liquidity returns
// (amounts rounded down, as `decreaseLiquidity` pays), plus the fees `collect` would pay. Test vectors compare these
// with the real pool and position manager to the wei (test/ts/uniswap-exposures.test.ts).

import { ParapetInputError } from "../parapetError.js";

export const Q96 = 1n << 96n;
export const Q128 = 1n << 128n;
const MAX_UINT256 = (1n << 256n) - 1n;
const MAX_UINT128 = (1n << 128n) - 1n;
export const MIN_TICK = -887272;
export const MAX_TICK = 887272;
export const MIN_SQRT_RATIO = 4295128739n;
export const MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342n;

/** A tick outside [MIN_TICK, MAX_TICK] (Uniswap's `T` revert), named with the bounds. */
export class TickOutOfRangeError extends ParapetInputError {
  override name = "TickOutOfRangeError";
  constructor(readonly tick: number) {
    super(
      "tick",
      `${tick} is outside Uniswap v3's range [${MIN_TICK}, ${MAX_TICK}].`,
      "Pass an integer tick within it.",
    );
  }
}

// The constants of TickMath.getSqrtRatioAtTick: 2^128 / √1.0001^(2^i), one per bit of |tick|.
const TICK_FACTORS: readonly bigint[] = [
  0xfff97272373d413259a46990580e213an,
  0xfff2e50f5f656932ef12357cf3c7fdccn,
  0xffe5caca7e10e4e61c3624eaa0941cd0n,
  0xffcb9843d60f6159c9db58835c926644n,
  0xff973b41fa98c081472e6896dfb254c0n,
  0xff2ea16466c96a3843ec78b326b52861n,
  0xfe5dee046a99a2a811c461f1969c3053n,
  0xfcbe86c7900a88aedcffc83b479aa3a4n,
  0xf987a7253ac413176f2b074cf7815e54n,
  0xf3392b0822b70005940c7a398e4b70f3n,
  0xe7159475a2c29b7443b29c7fa6e889d9n,
  0xd097f3bdfd2022b8845ad8f792aa5825n,
  0xa9f746462d870fdf8a65dc1f90e061e5n,
  0x70d869a156d2a1b890bb3df62baf32f7n,
  0x31be135f97d08fd981231505542fcfa6n,
  0x9aa508b5b7a84e1c677de54f3e99bc9n,
  0x5d6af8dedb81196699c329225ee604n,
  0x2216e584f5fa1ea926041bedfe98n,
  0x48a170391f7dc42444e8fa2n,
];

/** √(1.0001^tick) · 2^96, rounded up as TickMath does. */
export function getSqrtRatioAtTick(tick: number): bigint {
  if (!Number.isInteger(tick) || tick < MIN_TICK || tick > MAX_TICK) throw new TickOutOfRangeError(tick);
  const absTick = BigInt(Math.abs(tick));
  let ratio = (absTick & 1n) !== 0n ? 0xfffcb933bd6fad37aa2d162d1a594001n : 0x100000000000000000000000000000000n;
  for (let i = 1; i < 20; i++) {
    if ((absTick & (1n << BigInt(i))) !== 0n) ratio = (ratio * (TICK_FACTORS[i - 1] as bigint)) >> 128n;
  }
  if (tick > 0) ratio = MAX_UINT256 / ratio;
  // Q128.128 → Q64.96, rounded up so that getTickAtSqrtRatio(getSqrtRatioAtTick(t)) = t.
  return (ratio >> 32n) + (ratio % (1n << 32n) === 0n ? 0n : 1n);
}

/** ⌊a·b / d⌋ (FullMath.mulDiv; bigint has no overflow, so only the uint256 result bound is checked). */
export function mulDiv(a: bigint, b: bigint, d: bigint): bigint {
  const r = (a * b) / d;
  if (r > MAX_UINT256) throw new RangeError("mulDiv overflows uint256");
  return r;
}

/** ⌈a·b / d⌉ (FullMath.mulDivRoundingUp). */
export function mulDivRoundingUp(a: bigint, b: bigint, d: bigint): bigint {
  const p = a * b;
  return p / d + (p % d === 0n ? 0n : 1n);
}

function divRoundingUp(a: bigint, b: bigint): bigint {
  return a / b + (a % b === 0n ? 0n : 1n);
}

function sorted(a: bigint, b: bigint): [bigint, bigint] {
  return a > b ? [b, a] : [a, b];
}

/** token0 between two prices for `liquidity` (SqrtPriceMath.getAmount0Delta, unsigned form). */
export function getAmount0Delta(sqrtA: bigint, sqrtB: bigint, liquidity: bigint, roundUp: boolean): bigint {
  const [lo, hi] = sorted(sqrtA, sqrtB);
  if (lo <= 0n) throw new RangeError("sqrt price must be positive");
  const numerator1 = liquidity << 96n;
  const numerator2 = hi - lo;
  return roundUp
    ? divRoundingUp(mulDivRoundingUp(numerator1, numerator2, hi), lo)
    : mulDiv(numerator1, numerator2, hi) / lo;
}

/** token1 between two prices for `liquidity` (SqrtPriceMath.getAmount1Delta, unsigned form). */
export function getAmount1Delta(sqrtA: bigint, sqrtB: bigint, liquidity: bigint, roundUp: boolean): bigint {
  const [lo, hi] = sorted(sqrtA, sqrtB);
  return roundUp ? mulDivRoundingUp(liquidity, hi - lo, Q96) : mulDiv(liquidity, hi - lo, Q96);
}

/**
 * What burning `liquidity` on [tickLower, tickUpper) returns at the pool's price and tick (Pool._modifyPosition with
 * a negative delta: rounded down). The pool decides the side by its tick, not its price, so both are needed: at a
 * price exactly on a tick boundary the two can disagree about "in range".
 */
export function amountsForLiquidity(
  sqrtPriceX96: bigint,
  tick: number,
  tickLower: number,
  tickUpper: number,
  liquidity: bigint,
): { amount0: bigint; amount1: bigint } {
  const sqrtLower = getSqrtRatioAtTick(tickLower);
  const sqrtUpper = getSqrtRatioAtTick(tickUpper);
  if (tick < tickLower) return { amount0: getAmount0Delta(sqrtLower, sqrtUpper, liquidity, false), amount1: 0n };
  if (tick < tickUpper)
    return {
      amount0: getAmount0Delta(sqrtPriceX96, sqrtUpper, liquidity, false),
      amount1: getAmount1Delta(sqrtLower, sqrtPriceX96, liquidity, false),
    };
  return { amount0: 0n, amount1: getAmount1Delta(sqrtLower, sqrtUpper, liquidity, false) };
}

/** uint256 subtraction as Solidity 0.7 does it (wrapping): fee growth counters overflow by design. */
function sub256(a: bigint, b: bigint): bigint {
  return (a - b) & MAX_UINT256;
}

export type FeeGrowth = { feeGrowth0X128: bigint; feeGrowth1X128: bigint };

/** Tick.getFeeGrowthInside: fee growth per unit of liquidity inside [tickLower, tickUpper) at `tickCurrent`. */
export function feeGrowthInside(
  tickLower: number,
  tickUpper: number,
  tickCurrent: number,
  global: FeeGrowth,
  lowerOutside: FeeGrowth,
  upperOutside: FeeGrowth,
): FeeGrowth {
  const below =
    tickCurrent >= tickLower
      ? lowerOutside
      : {
          feeGrowth0X128: sub256(global.feeGrowth0X128, lowerOutside.feeGrowth0X128),
          feeGrowth1X128: sub256(global.feeGrowth1X128, lowerOutside.feeGrowth1X128),
        };
  const above =
    tickCurrent < tickUpper
      ? upperOutside
      : {
          feeGrowth0X128: sub256(global.feeGrowth0X128, upperOutside.feeGrowth0X128),
          feeGrowth1X128: sub256(global.feeGrowth1X128, upperOutside.feeGrowth1X128),
        };
  return {
    feeGrowth0X128: sub256(sub256(global.feeGrowth0X128, below.feeGrowth0X128), above.feeGrowth0X128),
    feeGrowth1X128: sub256(sub256(global.feeGrowth1X128, below.feeGrowth1X128), above.feeGrowth1X128),
  };
}

/**
 * The fees `collect` would pay a position manager position now: what it already owes plus the growth since its last
 * update times its liquidity (NonfungiblePositionManager: `uint128(FullMath.mulDiv(Δgrowth, liquidity, Q128))`,
 * truncated to 128 bits as its casts do).
 */
export function uncollectedFees(
  liquidity: bigint,
  inside: FeeGrowth,
  insideLast: FeeGrowth,
  tokensOwed0: bigint,
  tokensOwed1: bigint,
): { fees0: bigint; fees1: bigint } {
  const grown0 = mulDiv(sub256(inside.feeGrowth0X128, insideLast.feeGrowth0X128), liquidity, Q128) & MAX_UINT128;
  const grown1 = mulDiv(sub256(inside.feeGrowth1X128, insideLast.feeGrowth1X128), liquidity, Q128) & MAX_UINT128;
  return { fees0: (tokensOwed0 + grown0) & MAX_UINT128, fees1: (tokensOwed1 + grown1) & MAX_UINT128 };
}

/**
 * d(amount0)/d(price) of `liquidity` on the range at the pool's price, in raw units: token0 per (token1 per token0),
 * as the exact rational −L / (2·P^{3/2}) with P = (sqrtPriceX96 / 2^96)², i.e. −L·2^288 / (2·sqrtPriceX96³), rounded
 * toward zero; 0 outside the range (the position no longer trades). amount1's derivative is −P times this.
 */
export function gamma0(
  sqrtPriceX96: bigint,
  tick: number,
  tickLower: number,
  tickUpper: number,
  liquidity: bigint,
): bigint {
  if (tick < tickLower || tick >= tickUpper) return 0n;
  return -((liquidity << 288n) / (2n * sqrtPriceX96 ** 3n));
}

/** The pool price as a number: token1 per token0 in whole tokens (decimals applied). */
export function priceFromSqrtX96(sqrtPriceX96: bigint, decimals0: number, decimals1: number): number {
  // Split the integer part to keep the mantissa: sqrtPriceX96 < 2^160.
  const s = Number(sqrtPriceX96) / 2 ** 96;
  return s * s * 10 ** (decimals0 - decimals1);
}

/** The price of tick `t`: token1 per token0 in whole tokens. */
export function priceAtTick(tick: number, decimals0: number, decimals1: number): number {
  return 1.0001 ** tick * 10 ** (decimals0 - decimals1);
}

/** ⌊√n⌋ for n ≥ 0 (Newton's method on bigint). */
export function sqrtBigint(n: bigint): bigint {
  if (n < 0n) throw new RangeError("square root of a negative number");
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x && x * x <= n && (x + 1n) * (x + 1n) > n) return x;
    x = y;
  }
}

/** The greatest tick whose sqrt ratio is ≤ `sqrtPriceX96` (TickMath.getTickAtSqrtRatio's result, found exactly). */
export function getTickAtSqrtRatio(sqrtPriceX96: bigint): number {
  if (sqrtPriceX96 < MIN_SQRT_RATIO || sqrtPriceX96 >= MAX_SQRT_RATIO)
    throw new RangeError(`sqrtPriceX96 ${sqrtPriceX96} is outside [MIN_SQRT_RATIO, MAX_SQRT_RATIO)`);
  const s = Number(sqrtPriceX96) / 2 ** 96;
  let tick = Math.min(MAX_TICK, Math.max(MIN_TICK, Math.floor((2 * Math.log(s)) / Math.log(1.0001))));
  while (tick < MAX_TICK && getSqrtRatioAtTick(tick + 1) <= sqrtPriceX96) tick++;
  while (tick > MIN_TICK && getSqrtRatioAtTick(tick) > sqrtPriceX96) tick--;
  return tick;
}

/** √(num/den) · 2^96, rounded down: the sqrtPriceX96 of a raw price given as a fraction (token1 units per token0 unit). */
export function sqrtPriceX96FromRatio(num: bigint, den: bigint): bigint {
  return sqrtBigint((num << 192n) / den);
}
