import { expect } from "chai";
import { parseUnits } from "viem";
import {
  accrue,
  basisContribution,
  blendedEntryPrice,
  fillPrice,
  fundingOwedUp,
  initialMarginUp,
  liquidationPrice,
  maintenanceMarginUp,
  mulDivDown,
  mulDivUp,
  notionalUp,
  ParapetMathError,
  type ParapetMathErrorCode,
  PRICE_TICK,
  packPosition,
  pnlDown,
  positionMargins,
  proportionalSkew,
  rateIntegral,
  roundEntryPrice,
  tradeFeeUp,
  tradersNetUsd,
  unpackPosition,
  WAD,
  wMulDown,
  wMulUp,
} from "../../src/index.js";

// Hand-checked values, mostly the ones of test/solidity/libraries/*.t.sol, and the typed errors. Exact equality with
// Solidity on random vectors is test/ts/math-parity.test.ts.

/** Decimal string → WAD bigint. */
const e18 = (x: string) => parseUnits(x, 18);
const DAY = 86_400n;
const MAX_U = (1n << 256n) - 1n;
const MAX_I = (1n << 255n) - 1n;
const MIN_I = -(1n << 255n);

/** Calls `f`, requires a ParapetMathError with `code` (and `argument`), and returns it. */
function expectMathError(f: () => unknown, code: ParapetMathErrorCode, argument?: string): ParapetMathError {
  try {
    f();
  } catch (error) {
    expect(error).to.be.instanceOf(ParapetMathError);
    if (!(error instanceof ParapetMathError)) throw error;
    expect(error.code).to.equal(code);
    if (argument !== undefined) expect(error.argument).to.equal(argument);
    expect(error.fix).to.not.equal("");
    return error;
  }
  throw new Error(`expected a ParapetMathError ${code}, nothing was thrown`);
}

/** Bypasses the bigint parameter types, as a JavaScript caller (or an `any`) would. */
const loose = (x: unknown) => x as bigint;

describe("math: SignedWad", () => {
  it("multiplies exactly when the result is whole", () => {
    expect(mulDivDown(e18("3"), e18("2"), WAD)).to.equal(e18("6"));
    expect(mulDivDown(-e18("3"), -e18("2"), WAD)).to.equal(e18("6"));
    expect(mulDivDown(-e18("3"), e18("2"), WAD)).to.equal(-e18("6"));
    expect(mulDivDown(0n, -5n, 3n)).to.equal(0n);
    expect(mulDivUp(-5n, 0n, 3n)).to.equal(0n);
  });

  it("rounds down towards −∞ and up towards +∞", () => {
    expect([
      mulDivDown(7n, 1n, 2n),
      mulDivDown(-7n, 1n, 2n),
      mulDivDown(1n, 1n, 3n),
      mulDivDown(-1n, 1n, 3n),
    ]).to.deep.equal([3n, -4n, 0n, -1n]);
    expect(mulDivDown(1n, -1n, MAX_U)).to.equal(-1n);
    expect([mulDivUp(7n, 1n, 2n), mulDivUp(-7n, 1n, 2n), mulDivUp(1n, 1n, 3n), mulDivUp(-1n, 1n, 3n)]).to.deep.equal([
      4n,
      -3n,
      1n,
      0n,
    ]);
    expect(mulDivUp(1n, 1n, MAX_U)).to.equal(1n);
  });

  it("wMul rounds the smallest units", () => {
    expect(wMulDown(1n, 1n)).to.equal(0n);
    expect(wMulDown(-1n, 1n)).to.equal(-1n);
    expect(wMulDown(-e18("1.5"), e18("0.5") + 1n)).to.equal(-e18("0.75") - 2n);
    expect(wMulUp(1n, 1n)).to.equal(1n);
    expect(wMulUp(-1n, 1n)).to.equal(0n);
    expect(wMulUp(e18("1.5"), e18("0.5") + 1n)).to.equal(e18("0.75") + 2n);
  });

  it("reaches type(int256).min through a 512-bit intermediate", () => {
    expect(mulDivDown(MIN_I, 1n, 1n)).to.equal(MIN_I);
    expect(mulDivUp(MIN_I, 1n, 1n)).to.equal(MIN_I);
    expect(mulDivDown(MIN_I, 2n, 2n)).to.equal(MIN_I);
    expect(mulDivDown(MIN_I / 2n, 2n, 1n)).to.equal(MIN_I);
    expect(mulDivUp(MAX_I, -1n, 1n)).to.equal(MIN_I + 1n);
  });

  it("throws what the contract reverts with", () => {
    const signed = expectMathError(() => mulDivDown(MIN_I, -1n, 1n), "SIGNED_WAD_OVERFLOW");
    expect(signed.solidityError).to.equal("SignedWadOverflow()");
    expectMathError(() => mulDivUp(MAX_I, 2n, 1n), "SIGNED_WAD_OVERFLOW");
    expect(expectMathError(() => mulDivDown(MAX_I, MAX_I, 1n), "ARITHMETIC_OVERFLOW").solidityError).to.equal(
      "Panic(0x11)",
    );
    expect(expectMathError(() => mulDivDown(1n, 1n, 0n), "DIVISION_BY_ZERO").solidityError).to.equal("Panic(0x12)");
    expectMathError(() => mulDivUp(MAX_I, MAX_I, 0n), "DIVISION_BY_ZERO");
  });
});

describe("math: FundingMath", () => {
  it("proportionalSkew: halves, clamps, truncates towards zero", () => {
    expect(proportionalSkew(e18("500000"), e18("1000000"))).to.equal(e18("0.5"));
    expect(proportionalSkew(-e18("500000"), e18("1000000"))).to.equal(-e18("0.5"));
    expect(proportionalSkew(3n * 10n ** 36n, WAD)).to.equal(WAD);
    expect(proportionalSkew(-3n * 10n ** 36n, WAD)).to.equal(-WAD);
    expect(proportionalSkew(WAD, WAD)).to.equal(WAD);
    expect(proportionalSkew(WAD, 3n * WAD)).to.equal(333_333_333_333_333_333n);
    expect(proportionalSkew(-WAD, 3n * WAD)).to.equal(-333_333_333_333_333_333n);
    expect(proportionalSkew(1n, 10n ** 36n)).to.equal(0n);
    expect(proportionalSkew(-1n, 10n ** 36n)).to.equal(0n);
  });

  it("accrue: rate0 = 0, skew = skewScale/2, velocity 0.1/day, 1 day → rate 0.05, index += 0.025 · price", () => {
    const price = e18("2000");
    const { rate1, indexDelta } = accrue(0n, e18("500000"), e18("1000000"), e18("0.1"), e18("0.1"), DAY, price);
    expect(rate1).to.equal(e18("0.05"));
    expect(indexDelta).to.equal((price * 25n) / 1000n); // 50 USD per unit
    expect(accrue(0n, -e18("500000"), e18("1000000"), e18("0.1"), e18("0.1"), DAY, price)).to.deep.equal({
      rate1: -e18("0.05"),
      indexDelta: -e18("50"),
    });
  });

  it("accrue: the cap is hit mid-interval (exact integral, no whole-second hit time)", () => {
    // 0.02 → cap 0.05 at slope 0.1/day: hit after 0.3 day; ∫ = 0.3·0.035 + 0.7·0.05 = 0.0455 rate-days.
    expect(rateIntegral(e18("0.02"), e18("0.1"), e18("0.05"), DAY)).to.deep.equal({
      rate1: e18("0.05"),
      integral: e18("3931.2"),
    });
    const up = accrue(e18("0.02"), e18("1000000"), e18("1000000"), e18("0.1"), e18("0.05"), DAY, e18("2000"));
    expect(up).to.deep.equal({ rate1: e18("0.05"), indexDelta: e18("91") });
    const down = accrue(-e18("0.02"), -e18("1000000"), e18("1000000"), e18("0.1"), e18("0.05"), DAY, e18("2000"));
    expect(down).to.deep.equal({ rate1: -e18("0.05"), indexDelta: -e18("91") });
    // Hit at 12 342.857… s: exact index 9 285 714 285 714 285.7 wei, truncated.
    const fractional = accrue(0n, WAD, WAD, e18("0.07"), e18("0.01"), DAY, WAD);
    expect(fractional.rate1).to.equal(e18("0.01"));
    expect(fractional.indexDelta).to.be.oneOf([9_285_714_285_714_284n, 9_285_714_285_714_285n]);
  });

  it("accrue: crossing zero, leaving the cap, staying at the cap, cap to cap over a year", () => {
    const price = e18("2000");
    expect(accrue(-e18("0.02"), e18("400"), e18("1000"), e18("0.1"), e18("0.1"), DAY, price)).to.deep.equal({
      rate1: e18("0.02"),
      indexDelta: 0n,
    });
    expect(accrue(e18("0.05"), -e18("1000"), e18("1000"), e18("0.1"), e18("0.05"), DAY / 2n, price)).to.deep.equal({
      rate1: 0n,
      indexDelta: e18("25"),
    });
    expect(accrue(e18("0.05"), e18("1000"), e18("1000"), e18("0.1"), e18("0.05"), 2n * DAY, price)).to.deep.equal({
      rate1: e18("0.05"),
      indexDelta: e18("200"),
    });
    expect(rateIntegral(-e18("0.1"), WAD, e18("0.1"), DAY)).to.deep.equal({ rate1: e18("0.1"), integral: e18("6912") });
    // −0.1 → +0.1 in 0.2 day, then 0.1 for 364.8 days: 36.48 rate-days at 1e30.
    expect(accrue(-e18("0.1"), 10n ** 36n, WAD, WAD, e18("0.1"), 365n * DAY, 10n ** 30n)).to.deep.equal({
      rate1: e18("0.1"),
      indexDelta: 3648n * 10n ** 28n,
    });
    expect(accrue(e18("0.1"), -(10n ** 36n), WAD, WAD, e18("0.1"), 365n * DAY, 10n ** 30n)).to.deep.equal({
      rate1: -e18("0.1"),
      indexDelta: -3648n * 10n ** 28n,
    });
  });

  it("accrue: zero elapsed, zero velocity, truncation towards zero, skew below resolution", () => {
    expect(accrue(e18("0.03"), 10n ** 36n, WAD, WAD, e18("0.1"), 0n, 10n ** 30n)).to.deep.equal({
      rate1: e18("0.03"),
      indexDelta: 0n,
    });
    expect(accrue(e18("0.03"), 10n ** 36n, WAD, 0n, e18("0.1"), DAY / 2n, e18("2000"))).to.deep.equal({
      rate1: e18("0.03"),
      indexDelta: e18("30"),
    });
    expect(accrue(e18("0.01"), 0n, WAD, 0n, e18("0.1"), 1n, 10n ** 6n).indexDelta).to.equal(0n);
    expect(accrue(-e18("0.01"), 0n, WAD, 0n, e18("0.1"), 1n, 10n ** 6n).indexDelta).to.equal(0n);
    expect(accrue(e18("0.01"), 1n, 10n ** 36n, WAD, e18("0.1"), 365n * DAY, WAD).rate1).to.equal(e18("0.01"));
  });

  it("fundingOwedUp: longs pay, shorts receive, rounded up against the position", () => {
    expect(fundingOwedUp(e18("2"), e18("100"), e18("101.5"))).to.equal(e18("3"));
    expect(fundingOwedUp(-e18("2"), e18("100"), e18("101.5"))).to.equal(-e18("3"));
    expect(fundingOwedUp(e18("2"), e18("101.5"), e18("100"))).to.equal(-e18("3"));
    expect(fundingOwedUp(1n, 0n, 1n)).to.equal(1n);
    expect(fundingOwedUp(-1n, 0n, 1n)).to.equal(0n);
    expect(fundingOwedUp(0n, 0n, 10n ** 30n)).to.equal(0n);
  });

  it("reverts where Solidity does, and only there", () => {
    expectMathError(() => proportionalSkew(1n, 0n), "DIVISION_BY_ZERO");
    expectMathError(() => proportionalSkew(MAX_I, WAD), "ARITHMETIC_OVERFLOW");
    // accrue returns before touching skewScale when no time passed, as the contract does.
    expect(accrue(5n, 1n, 0n, WAD, WAD, 0n, WAD)).to.deep.equal({ rate1: 5n, indexDelta: 0n });
    expectMathError(() => accrue(5n, 1n, 0n, WAD, WAD, 1n, WAD), "DIVISION_BY_ZERO");
    expectMathError(() => fundingOwedUp(1n, MIN_I, 1n), "ARITHMETIC_OVERFLOW");
    expectMathError(() => rateIntegral(0n, MAX_I, WAD, 2n), "ARITHMETIC_OVERFLOW");
  });
});

describe("math: PricingMath", () => {
  it("fillPrice: premium on the average skew, against the trader", () => {
    expect(fillPrice(e18("2000"), 0n, e18("10000"), e18("1000000"))).to.equal(e18("2010"));
    expect(fillPrice(e18("2000"), e18("10000"), -e18("10000"), e18("1000000"))).to.equal(e18("2010"));
    expect(fillPrice(e18("2000"), -e18("10000"), -e18("20000"), e18("1000000"))).to.equal(e18("1960"));
    expect([fillPrice(3n, 0n, 1n, WAD), fillPrice(3n, 0n, -1n, WAD)]).to.deep.equal([4n, 2n]);
    expect([fillPrice(3n, 1n, 0n, WAD), fillPrice(3n, -1n, 0n, WAD)]).to.deep.equal([3n, 2n]);
    expect(fillPrice(10n ** 30n, 0n, 10n ** 36n, WAD)).to.equal(10n ** 30n + 5n * 10n ** 47n);
    expect(fillPrice(10n ** 30n, 0n, -(10n ** 36n), WAD)).to.equal(10n ** 30n - 5n * 10n ** 47n);
    expectMathError(() => fillPrice(WAD, 0n, 1n, 0n), "DIVISION_BY_ZERO");
    expectMathError(() => fillPrice(WAD, 0n, 1n, MAX_U), "ARITHMETIC_OVERFLOW"); // 2 · skewScale
  });

  it("tradeFeeUp: maker ratio on the part that reduces |skew|, taker on the rest, rounded up", () => {
    const fee = (skew: bigint, delta: bigint) => tradeFeeUp(skew, delta, e18("10"), e18("0.001"), e18("0.0002"));
    expect(fee(e18("100"), -e18("150"))).to.equal(e18("0.7"));
    expect(fee(-e18("100"), e18("150"))).to.equal(e18("0.7"));
    expect(fee(e18("100"), -e18("40"))).to.equal(e18("0.08"));
    expect(fee(e18("100"), e18("40"))).to.equal(e18("0.4"));
    expect(fee(0n, -e18("40"))).to.equal(e18("0.4"));
    expect(tradeFeeUp(0n, 1n, 1n, e18("0.001"), e18("0.0002"))).to.equal(1n);
    expect(tradeFeeUp(1n, -2n, 1n, e18("0.001"), e18("0.0002"))).to.equal(2n);
    expect(tradeFeeUp(0n, 1n, 1n, 0n, 0n)).to.equal(0n);
    expect(tradeFeeUp(e18("5"), 0n, WAD, e18("0.001"), e18("0.0002"))).to.equal(0n);
    expect(tradeFeeUp(0n, 10n ** 36n, 10n ** 30n, WAD, 0n)).to.equal(10n ** 48n);
    expect(tradeFeeUp(10n ** 36n, -(10n ** 36n), 10n ** 30n, 0n, WAD)).to.equal(10n ** 48n);
  });
});

describe("math: MarginMath", () => {
  it("pnlDown: size · (price − entry), rounded down", () => {
    expect(pnlDown(e18("2"), e18("100"), e18("105"))).to.equal(e18("10"));
    expect(pnlDown(-e18("2"), e18("100"), e18("105"))).to.equal(-e18("10"));
    expect(pnlDown(e18("2"), e18("105"), e18("100"))).to.equal(-e18("10"));
    expect([
      pnlDown(1n, 100n, 101n),
      pnlDown(1n, 101n, 100n),
      pnlDown(-1n, 100n, 101n),
      pnlDown(-1n, 101n, 100n),
    ]).to.deep.equal([0n, -1n, -1n, 0n]);
    expect(pnlDown(10n ** 36n, 10n ** 6n, 10n ** 30n)).to.equal((10n ** 36n * (10n ** 30n - 10n ** 6n)) / WAD);
  });

  it("notional, initial and maintenance margin, rounded up", () => {
    expect(notionalUp(-e18("2"), e18("1500"))).to.equal(e18("3000"));
    expect(notionalUp(1n, 1n)).to.equal(1n);
    expect(notionalUp(-(10n ** 36n), 10n ** 30n)).to.equal(10n ** 48n);
    expect(initialMarginUp(e18("2"), e18("1500"), e18("0.1"))).to.equal(e18("300"));
    expect(initialMarginUp(1n, 1n, e18("0.1"))).to.equal(1n);
    expect(initialMarginUp(0n, 10n ** 30n, e18("0.1"))).to.equal(0n);
    expect(maintenanceMarginUp(-e18("2"), e18("1500"), e18("0.05"), e18("10"))).to.equal(e18("160"));
    expect(maintenanceMarginUp(1n, 1n, e18("0.05"), 0n)).to.equal(1n);
    expect(maintenanceMarginUp(0n, e18("1500"), e18("0.05"), e18("10"))).to.equal(0n); // no fee without a position
  });

  it("blendedEntryPrice: size-weighted, against the trader", () => {
    expect(blendedEntryPrice(WAD, e18("100"), e18("3"), e18("200"))).to.equal(e18("175"));
    expect(blendedEntryPrice(-WAD, e18("100"), -e18("3"), e18("200"))).to.equal(e18("175"));
    expect(blendedEntryPrice(1n, 100n, 2n, 101n)).to.equal(101n);
    expect(blendedEntryPrice(-1n, 100n, -2n, 101n)).to.equal(100n);
    expect(blendedEntryPrice(0n, e18("999"), -e18("5"), e18("123"))).to.equal(e18("123"));
    expect(blendedEntryPrice(-(10n ** 36n), 10n ** 30n, -1n, 10n ** 6n)).to.equal(10n ** 30n - 1n);
    expect(blendedEntryPrice(10n ** 36n, 10n ** 6n, 1n, 10n ** 30n)).to.equal(10n ** 6n + 1n);
  });
});

describe("math: PerpVault position helpers", () => {
  it("rounds the stored entry price to a tick against the trader", () => {
    expect(PRICE_TICK).to.equal(10n ** 8n);
    expect(roundEntryPrice(WAD, e18("2000") + 1n)).to.equal(e18("2000") + PRICE_TICK);
    expect(roundEntryPrice(-WAD, e18("2000") + 1n)).to.equal(e18("2000"));
    expect(roundEntryPrice(WAD, e18("2000"))).to.equal(e18("2000"));
  });

  it("packs a position: index entry floored for a long, ceiled for a short, zeros when flat", () => {
    const long = packPosition(WAD, e18("2000") + 1n, -150_000_000n);
    expect(long).to.deep.equal({
      size: WAD,
      entryPriceTicks: 20_000_000_000_001n,
      fundingIndexEntryTicks: -2n,
      entryPriceWad: e18("2000") + PRICE_TICK,
      fundingIndexEntryWad: -200_000_000n,
    });
    const short = packPosition(-WAD, e18("2000") + 1n, 150_000_000n);
    expect([short.entryPriceWad, short.fundingIndexEntryWad]).to.deep.equal([e18("2000"), 200_000_000n]);
    expect(packPosition(WAD, e18("2000"), 150_000_000n).fundingIndexEntryWad).to.equal(100_000_000n); // truncation
    expect(packPosition(0n, e18("2000"), 123n)).to.deep.equal({
      size: 0n,
      entryPriceTicks: 0n,
      fundingIndexEntryTicks: 0n,
      entryPriceWad: 0n,
      fundingIndexEntryWad: 0n,
    });
    expect(unpackPosition(long)).to.deep.equal({
      size: WAD,
      entryPriceWad: e18("2000") + PRICE_TICK,
      fundingIndexEntryWad: -200_000_000n,
    });
    const tooBig = expectMathError(() => packPosition(WAD, (1n << 80n) * PRICE_TICK, 0n), "SAFECAST_OVERFLOW");
    expect(tooBig.solidityError).to.equal(`SafeCastOverflowedUintDowncast(80, ${1n << 80n})`);
    expectMathError(() => packPosition(WAD, WAD, (1n << 79n) * PRICE_TICK), "SAFECAST_OVERFLOW");
    expectMathError(
      () => unpackPosition({ size: 1n << 95n, entryPriceTicks: 0n, fundingIndexEntryTicks: 0n }),
      "OUT_OF_RANGE",
      "size",
    );
  });

  it("basis contribution, position margins and traders' net agree on one position", () => {
    expect(basisContribution(1n, e18("1.5"), e18("0.5"))).to.equal(0n); // ⌊1.5⌋ − ⌈0.5⌉
    expect(basisContribution(-1n, e18("1.5"), e18("0.5"))).to.equal(-2n); // ⌊−1.5⌋ − ⌈−0.5⌉
    expect(basisContribution(0n, e18("1.5"), e18("0.5"))).to.equal(0n);
    // 2 long at 1500, index 10 → 11.5, price 1600: PnL 200, funding 3, IM 10 % = 320, MM 5 % + 10 = 170.
    const margins = positionMargins({
      size: e18("2"),
      entryPriceWad: e18("1500"),
      fundingIndexEntryWad: e18("10"),
      priceWad: e18("1600"),
      fundingIndexWad: e18("11.5"),
      initialMarginRatio: e18("0.1"),
      maintenanceMarginRatio: e18("0.05"),
      liquidationFeeUsd: e18("10"),
    });
    expect(margins).to.deep.equal({ value: e18("197"), initialMargin: e18("320"), maintenanceMargin: e18("170") });
    const basis = basisContribution(e18("2"), e18("1500"), e18("10"));
    expect(basis).to.equal(e18("2980"));
    // The pool's mark of the same single position: what the trader's position is worth.
    expect(tradersNetUsd(e18("2"), e18("1600"), e18("11.5"), basis)).to.equal(e18("197"));
  });
});

describe("math: liquidationPrice", () => {
  const market = { maintenanceMarginRatio: e18("0.05"), liquidationFeeUsd: e18("5") };
  const equityMinusMargin = (collateral: bigint, size: bigint, entry: bigint, price: bigint) => {
    const m = positionMargins({
      size,
      entryPriceWad: entry,
      fundingIndexEntryWad: 0n,
      priceWad: price,
      fundingIndexWad: 0n,
      initialMarginRatio: e18("0.1"),
      ...market,
    });
    return collateral + m.value - m.maintenanceMargin;
  };

  it("long: (s·e + L + F − C) / (s·(1 − m)), rounded up (towards the current price)", () => {
    // 1 unit at 2000 with 200 of collateral: (2000 + 5 − 200) / 0.95 = 1900, plus 2.1 wei of rounding allowance.
    const p = liquidationPrice({
      collateral: e18("200"),
      size: WAD,
      entryPriceWad: e18("2000"),
      fundingOwedUsd: 0n,
      ...market,
    });
    expect(p).to.equal(e18("1900") + 3n);
    if (p === null) throw new Error("unreachable");
    expect(equityMinusMargin(e18("200"), WAD, e18("2000"), p) >= 0n, "safe at the result").to.equal(true);
    // The contract's own edge is 1900 exactly (equity = margin there): 3 wei below the result.
    expect(equityMinusMargin(e18("200"), WAD, e18("2000"), e18("1900"))).to.equal(0n);
    expect(equityMinusMargin(e18("200"), WAD, e18("2000"), e18("1900") - 1n) < 0n, "liquidatable below").to.equal(true);
    // Funding owed lowers the equity like lost collateral: 10 owed = 190 of collateral.
    const owing = liquidationPrice({
      collateral: e18("200"),
      size: WAD,
      entryPriceWad: e18("2000"),
      fundingOwedUsd: e18("10"),
      ...market,
    });
    const poorer = liquidationPrice({
      collateral: e18("190"),
      size: WAD,
      entryPriceWad: e18("2000"),
      fundingOwedUsd: 0n,
      ...market,
    });
    expect(owing).to.equal(poorer);
    // Over-collateralised: no positive price liquidates it.
    expect(
      liquidationPrice({
        collateral: e18("2100"),
        size: WAD,
        entryPriceWad: e18("2000"),
        fundingOwedUsd: 0n,
        ...market,
      }),
    ).to.equal(0n);
  });

  it("short: (C + |s|·e − F − L) / (|s|·(1 + m)), rounded down (towards the current price)", () => {
    // (200 + 2000 − 5) / 1.05 = 2090.476190476190476190…, minus 1.9 wei of allowance.
    const p = liquidationPrice({
      collateral: e18("200"),
      size: -WAD,
      entryPriceWad: e18("2000"),
      fundingOwedUsd: 0n,
      ...market,
    });
    expect(p).to.equal(2_090_476_190_476_190_476_188n);
    if (p === null) throw new Error("unreachable");
    expect(equityMinusMargin(e18("200"), -WAD, e18("2000"), p) >= 0n, "safe at the result").to.equal(true);
    expect(equityMinusMargin(e18("200"), -WAD, e18("2000"), p + 4n) < 0n, "liquidatable 4 wei above").to.equal(true);
    // Under water at any price: no safe price.
    expect(
      liquidationPrice({
        collateral: -e18("2100"),
        size: -WAD,
        entryPriceWad: e18("2000"),
        fundingOwedUsd: 0n,
        ...market,
      }),
    ).to.equal(null);
  });

  it("rejects a flat position and a maintenance ratio of 100 % or more", () => {
    const base = { collateral: e18("200"), size: WAD, entryPriceWad: e18("2000"), fundingOwedUsd: 0n, ...market };
    expectMathError(() => liquidationPrice({ ...base, size: 0n }), "OUT_OF_RANGE", "size");
    expectMathError(
      () => liquidationPrice({ ...base, maintenanceMarginRatio: WAD }),
      "OUT_OF_RANGE",
      "maintenanceMarginRatio",
    );
  });
});

describe("math: typed input errors", () => {
  it("rejects a float, NaN, a number, a string and undefined, naming the function and the argument", () => {
    const float = expectMathError(() => mulDivDown(loose(1.5), 1n, 1n), "NOT_A_BIGINT", "a");
    expect(float.message).to.contain("SignedWad.mulDivDown").and.contain('"a"').and.contain("number 1.5");
    expect(float.message).to.contain("bigint").and.contain("parseUnits");
    expect(float.name).to.equal("ParapetMathError");
    expect(float).to.be.instanceOf(Error);
    expectMathError(() => accrue(0n, 0n, WAD, 0n, 0n, loose(Number.NaN), WAD), "NOT_A_BIGINT", "elapsed");
    expectMathError(() => notionalUp(1n, loose(2000)), "NOT_A_BIGINT", "priceWad"); // even a whole number
    expectMathError(() => fillPrice(loose("2000"), 0n, 1n, WAD), "NOT_A_BIGINT", "oraclePriceWad");
    expectMathError(() => pnlDown(loose(undefined), 1n, 1n), "NOT_A_BIGINT", "size");
    const position = { collateral: 0n, entryPriceWad: 1n, fundingOwedUsd: 0n, maintenanceMarginRatio: 1n };
    expectMathError(
      () => liquidationPrice({ ...position, size: loose(1e18), liquidationFeeUsd: 0n }),
      "NOT_A_BIGINT",
      "size",
    );
    const margins = { size: 1n, entryPriceWad: 1n, fundingIndexEntryWad: 0n, priceWad: 1n, initialMarginRatio: 0n };
    expectMathError(
      () =>
        positionMargins({ ...margins, fundingIndexWad: loose(0.5), maintenanceMarginRatio: 0n, liquidationFeeUsd: 0n }),
      "NOT_A_BIGINT",
      "fundingIndexWad",
    );
  });

  it("rejects bigints the contract could not receive (outside uint256 / int256)", () => {
    const negative = expectMathError(() => mulDivDown(1n, 1n, -1n), "OUT_OF_RANGE", "d");
    expect(negative.message).to.contain("uint256");
    expectMathError(() => wMulUp(1n << 255n, 1n), "OUT_OF_RANGE", "a");
    expectMathError(() => tradeFeeUp(0n, 1n, MAX_U + 1n, 0n, 0n), "OUT_OF_RANGE", "fillPriceWad");
  });
});
