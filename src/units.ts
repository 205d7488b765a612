// Conversions between human decimal strings, token units and WAD. Bigint only: a JS `number` cannot hold money
// exactly (0.1 + 0.2 ≠ 0.3, and amounts above 2^53 lose digits), so it is refused, not rounded.
import { formatUnits } from "viem";
import { ParapetInputError } from "./errors.js";

export const WAD_DECIMALS = 18;
const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/** A human amount: a decimal string ("1.5") or a bigint already in base units is not accepted here. */
export type DecimalString = string;

function assertDecimals(decimals: unknown, argument = "decimals"): asserts decimals is number {
  if (typeof decimals !== "number" || !Number.isInteger(decimals) || decimals < 0 || decimals > 36) {
    throw new ParapetInputError(
      argument,
      `expected an integer in [0, 36], got ${String(decimals)}.`,
      "Pass the token's decimals() (e.g. 6 for USDC, 18 for WAD).",
    );
  }
}

export type ParseDecimalOptions = {
  /** Name of the parameter, for the error message. */
  argument?: string;
  /** Allow a leading minus (sizes); amounts are non-negative. */
  allowNegative?: boolean;
  /** Refuse zero (e.g. a deposit amount). */
  allowZero?: boolean;
};

/**
 * Parses a decimal string into a bigint with `decimals` decimals, exactly. Throws {@link ParapetInputError} for a
 * number/NaN, malformed text, a minus where not allowed, zero where not allowed, or more decimals than fit.
 */
export function parseDecimal(value: DecimalString, decimals: number, options: ParseDecimalOptions = {}): bigint {
  const { argument = "amount", allowNegative = false, allowZero = true } = options;
  assertDecimals(decimals);
  if (typeof value === "number") {
    throw new ParapetInputError(
      argument,
      `got the JS number ${String(value)}; numbers are floats and cannot hold money exactly.`,
      `Pass a decimal string (e.g. "${Number.isFinite(value) ? String(value) : "1.5"}") or a bigint in base units.`,
    );
  }
  if (typeof value !== "string") {
    throw new ParapetInputError(argument, `expected a decimal string, got ${typeof value}.`, 'Pass e.g. "1.5".');
  }
  const match = DECIMAL_RE.exec(value.trim());
  if (!match) {
    throw new ParapetInputError(
      argument,
      `"${value}" is not a plain decimal number.`,
      'Use digits with an optional "." and no exponent, grouping or units, e.g. "1234.56".',
    );
  }
  const [, minus, whole = "0", fraction = ""] = match;
  if (fraction.length > decimals) {
    throw new ParapetInputError(
      argument,
      `"${value}" has ${fraction.length} decimals; at most ${decimals} fit.`,
      `Round the amount to ${decimals} decimals yourself (the SDK never rounds money silently).`,
    );
  }
  const magnitude = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
  const result = minus ? -magnitude : magnitude;
  assertBigintAmount(result, { argument, allowNegative, allowZero });
  return result;
}

/** Checks a bigint amount: a bigint (not a number), sign and zero rules. Returns it for chaining. */
export function assertBigintAmount(value: unknown, options: ParseDecimalOptions = {}): bigint {
  const { argument = "amount", allowNegative = false, allowZero = true } = options;
  if (typeof value !== "bigint") {
    throw new ParapetInputError(
      argument,
      `expected a bigint, got ${typeof value === "number" ? `the JS number ${String(value)}` : typeof value}.`,
      "Pass a bigint in base units (e.g. 1_500_000n for 1.5 USDC) or use the *FromDecimal helpers with a string.",
    );
  }
  if (!allowNegative && value < 0n) {
    throw new ParapetInputError(argument, `${value} is negative.`, "Pass a non-negative amount.");
  }
  if (!allowZero && value === 0n) {
    throw new ParapetInputError(argument, "is zero.", "Pass a non-zero amount.");
  }
  return value;
}

/** "1.5" → 1.5e18. Sizes may be negative with `allowNegative`. */
export function toWad(value: DecimalString, options: ParseDecimalOptions = {}): bigint {
  return parseDecimal(value, WAD_DECIMALS, options);
}

/** 1.5e18 → "1.5". */
export function fromWad(wad: bigint): DecimalString {
  assertBigintAmount(wad, { argument: "wad", allowNegative: true });
  return formatUnits(wad, WAD_DECIMALS);
}

/** "1.5" with 6 decimals → 1_500_000n. */
export function toTokenUnits(value: DecimalString, decimals: number, options: ParseDecimalOptions = {}): bigint {
  return parseDecimal(value, decimals, options);
}

/** 1_500_000n with 6 decimals → "1.5". */
export function fromTokenUnits(amount: bigint, decimals: number): DecimalString {
  assertDecimals(decimals);
  assertBigintAmount(amount, { argument: "amount", allowNegative: true });
  return formatUnits(amount, decimals);
}

/** Token units → WAD (exact: decimals ≤ 18). */
export function tokenUnitsToWad(amount: bigint, decimals: number): bigint {
  assertDecimals(decimals);
  assertBigintAmount(amount, { argument: "amount", allowNegative: true });
  if (decimals > 18) throw new ParapetInputError("decimals", `${decimals} > 18.`, "Use a token with ≤ 18 decimals.");
  return amount * 10n ** BigInt(18 - decimals);
}

/** WAD → token units, rounded down (what the vault pays out: the dust stays in the account). */
export function wadToTokenUnitsDown(wad: bigint, decimals: number): bigint {
  assertDecimals(decimals);
  assertBigintAmount(wad, { argument: "wad", allowNegative: true });
  if (decimals > 18) throw new ParapetInputError("decimals", `${decimals} > 18.`, "Use a token with ≤ 18 decimals.");
  const scale = 10n ** BigInt(18 - decimals);
  const q = wad / scale;
  return wad < 0n && q * scale !== wad ? q - 1n : q; // floor, also for negatives
}

const BPS = 10_000n;

export type AcceptablePriceParameters = {
  /** Reference price (USD WAD per unit), e.g. a quote's fill price or the oracle price. */
  priceWad: bigint;
  /** Signed size change (units, WAD): > 0 buys, < 0 sells. */
  sizeDelta: bigint;
  /** Tolerated slippage in basis points (bigint or integer number of bps, 0..10000). */
  slippageBps: bigint | number;
};

/**
 * Worst fill price for a trade: a buy accepts up to price·(1 + s) (rounded up), a sell down to price·(1 − s)
 * (rounded down); rounding widens the bound by at most 1 wei so an exact quote always passes.
 */
export function acceptablePrice({ priceWad, sizeDelta, slippageBps }: AcceptablePriceParameters): bigint {
  assertBigintAmount(priceWad, { argument: "priceWad", allowZero: false });
  assertBigintAmount(sizeDelta, { argument: "sizeDelta", allowNegative: true, allowZero: false });
  if (typeof slippageBps === "number" && !Number.isSafeInteger(slippageBps)) {
    throw new ParapetInputError(
      "slippageBps",
      `${slippageBps} is not an integer number of basis points.`,
      "Pass whole basis points, e.g. 50 for 0.5 %.",
    );
  }
  const s = BigInt(slippageBps);
  if (s < 0n || s > BPS) {
    throw new ParapetInputError("slippageBps", `${s} is outside [0, 10000].`, "Pass basis points, e.g. 50 for 0.5 %.");
  }
  if (sizeDelta > 0n) return (priceWad * (BPS + s) + BPS - 1n) / BPS;
  return (priceWad * (BPS - s)) / BPS;
}

/** A WAD bigint (1e18 = 1) as a number, rounded to the nearest double: analytics only, never for money movement. */
export function wadToNumber(valueWad: bigint): number {
  return Number(fromWad(valueWad));
}

/**
 * An integer amount of a `decimals`-place unit (token units, WAD) as a person reads it: exact, thousands separated,
 * no trailing zeros, e.g. 14411384086 at 6 decimals → "14,411.384086"; 3936.1e18 at 18 → "3,936.1".
 */
export function formatAmount(amount: bigint, decimals: number): string {
  const [whole = "0", fraction] = formatUnits(amount, decimals).split(".");
  const negative = whole.startsWith("-");
  const grouped = (negative ? whole.slice(1) : whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}${fraction ? `.${fraction}` : ""}`;
}
