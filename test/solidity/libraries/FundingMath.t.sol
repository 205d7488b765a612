// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {FundingMath} from "../../../contracts/libraries/FundingMath.sol";

/// @notice Exposes the internal FundingMath functions.
contract FundingMathHarness {
    function proportionalSkew(int256 skew, uint256 skewScale) external pure returns (int256) {
        return FundingMath.proportionalSkew(skew, skewScale);
    }

    function accrue(
        int256 rate0,
        int256 skew,
        uint256 skewScale,
        uint256 maxVelocity,
        uint256 maxRate,
        uint256 elapsed,
        uint256 priceWad
    ) external pure returns (int256 rate1, int256 indexDelta) {
        return FundingMath.accrue(rate0, skew, skewScale, maxVelocity, maxRate, elapsed, priceWad);
    }

    function rateIntegral(
        int256 rate0,
        int256 slope,
        int256 cap,
        int256 elapsed
    ) external pure returns (int256 rate1, int256 integral) {
        return FundingMath.rateIntegral(rate0, slope, cap, elapsed);
    }

    function fundingOwedUp(int256 size, int256 indexEntry, int256 indexNow) external pure returns (int256) {
        return FundingMath.fundingOwedUp(size, indexEntry, indexNow);
    }
}

/// @notice FundingMath against a naive reference.
/// @dev The reference keeps the model's documented quantisation of the *slope* (proportional skew and slope both
/// truncated towards zero, see `_refSlope`), and otherwise works in exact rational arithmetic: the integral is the
/// closed form `r0·T + s·T²/(2·day)` before the cap and `b·T − (b − r0)²·day/(2·s)` once the cap b is reached at the
/// exact (fractional) time τ = (b − r0)·day/s. The library uses the same closed form after the cap but truncates the
/// rate change to a wei and each division, so it is compared within the bound derived in `_integralTolerance` (which
/// still allows for the earlier whole-second τ; it is an upper bound, not the library's exact error).
contract FundingMathTest is Test {
    uint256 internal constant WAD = 1e18;
    int256 internal constant IWAD = 1e18;
    uint256 internal constant DAY = 1 days;
    int256 internal constant IDAY = 1 days;

    // Parameter bounds the vault allows.
    uint256 internal constant MAX_SIZE = 1e36;
    uint256 internal constant MIN_PRICE = 1e6;
    uint256 internal constant MAX_PRICE = 1e30;
    uint256 internal constant MIN_SKEW_SCALE = 1e18;
    uint256 internal constant MAX_SKEW_SCALE = 1e36;
    uint256 internal constant MAX_RATE = 0.1e18;
    uint256 internal constant MAX_VELOCITY = 1e18;
    uint256 internal constant MAX_ELAPSED = 365 days;

    FundingMathHarness internal h;

    struct Params {
        int256 rate0;
        int256 skew;
        uint256 skewScale;
        uint256 maxVelocity;
        uint256 maxRate;
        uint256 elapsed;
        uint256 price;
    }

    /// @dev The exact outcome for a given (quantised) slope: rate1 = rateNum / IDAY when not capped, the integral
    /// (rate-seconds) = iNum / iDen.
    struct Exact {
        bool capped;
        int256 bound;
        int256 rateNum;
        int256 iNum;
        int256 iDen;
    }

    function setUp() public {
        h = new FundingMathHarness();
    }

    // ------------------------------------------------------------------ naive reference

    function _abs(int256 x) internal pure returns (uint256) {
        return x < 0 ? uint256(-x) : uint256(x);
    }

    function _sign(int256 x) internal pure returns (int256) {
        return
            x > 0
                ? int256(1)
                : x < 0
                    ? int256(-1)
                    : int256(0);
    }

    /// @dev clamp(skew/skewScale, −1, 1)·maxVelocity per day, each step truncated towards zero, computed on
    /// magnitudes with unsigned division and the sign put back at the end.
    function _refSlope(int256 skew, uint256 skewScale, uint256 maxVelocity) internal pure returns (int256) {
        uint256 m = _abs(skew);
        uint256 p = m >= skewScale ? WAD : (m * WAD) / skewScale;
        int256 slopeMag = int256((p * maxVelocity) / WAD);
        return skew < 0 ? -slopeMag : slopeMag;
    }

    /// @dev Exact rate path for a slope `s` (WAD per day per day) from `r0`, bounded by ±cap, over `T` seconds.
    function _exact(int256 r0, int256 s, int256 cap, int256 T) internal pure returns (Exact memory e) {
        if (s == 0) {
            e.rateNum = r0 * IDAY;
            e.iNum = r0 * T;
            e.iDen = 1;
            return e;
        }
        e.bound = s > 0 ? cap : -cap;
        uint256 distance = _abs(e.bound - r0); // rate wei left to the bound the rate moves towards
        // The cap is reached strictly before T iff |s|·T/day > distance.
        e.capped = _abs(s) * uint256(T) > distance * DAY;
        if (!e.capped) {
            e.rateNum = r0 * IDAY + s * T;
            // ∫₀ᵀ (r0 + s·t/day) dt = r0·T + s·T²/(2·day)
            e.iNum = 2 * IDAY * r0 * T + s * T * T;
            e.iDen = 2 * IDAY;
        } else {
            e.rateNum = e.bound * IDAY;
            // b·T − (b − r0)²·day/(2·s), over the positive denominator 2·|s|
            int256 d = e.bound - r0;
            e.iNum = 2 * int256(_abs(s)) * e.bound * T - _sign(s) * d * d * IDAY;
            e.iDen = 2 * int256(_abs(s));
        }
    }

    /// @dev Bound on |library integral − exact integral| in rate-seconds, for a library result moving the rate by
    /// `delta` over `T` seconds:
    /// - the rate change is truncated to a wei, so the rate path is off by < 1 wei for up to T seconds, and the
    ///   trapezoid is truncated: < T/2 + 1 (also covers the boundary case where the truncated rate lands exactly on
    ///   the cap while the exact one went past it: the two paths are < 1 wei apart, a triangle of area < T/2);
    /// - when the cap is hit, the hit time τ is truncated to a whole second, so the library's ramp reaches the cap
    ///   up to 1 s early: the area between the two ramps is < |b − r0|/2 · 1 s = |delta|/2, plus 1 for truncation.
    function _integralTolerance(int256 delta, uint256 T) internal pure returns (uint256) {
        return (T + _abs(delta)) / 2 + 2;
    }

    /// @dev Not capped: rate1 − rate0 is the exact change s·T/day (= rateNum/day − rate0) truncated towards zero.
    function _checkUncappedRate(int256 rate0, int256 rate1, int256 rateNum) internal pure {
        int256 deltaTimesDay = rateNum - rate0 * IDAY; // = s·T
        int256 delta = rate1 - rate0;
        assertTrue(delta == 0 || _sign(delta) == _sign(deltaTimesDay), "rate moves with the skew");
        assertLe(_abs(delta) * DAY, _abs(deltaTimesDay), "rate change truncated towards zero");
        assertGt((_abs(delta) + 1) * DAY, _abs(deltaTimesDay), "rate change within 1 wei");
    }

    function _checkWithin(int256 got, int256 num, int256 den, uint256 tol, string memory message) internal pure {
        // |got − num/den| ≤ tol, all multiplied by den > 0.
        int256 diff = got * den - num;
        assertLe(_abs(diff), tol * uint256(den), message);
    }

    function _fuzzParams(
        int256 rate0,
        int256 skew,
        uint256 skewScale,
        uint256 maxVelocity,
        uint256 maxRate,
        uint256 elapsed,
        uint256 price
    ) internal pure returns (Params memory p) {
        p.maxRate = bound(maxRate, 0, MAX_RATE);
        p.rate0 = bound(rate0, -int256(p.maxRate), int256(p.maxRate));
        p.skewScale = bound(skewScale, MIN_SKEW_SCALE, MAX_SKEW_SCALE);
        // Half the runs within twice the scale (around the clamp), the other half anywhere up to ±2·MAX_SIZE
        // (a full long side against a full short side), mostly clamped.
        int256 skewBound = int256(skew & 1 == 0 ? 2 * p.skewScale : 2 * MAX_SIZE);
        p.skew = bound(skew, -skewBound, skewBound);
        p.maxVelocity = bound(maxVelocity, 0, MAX_VELOCITY);
        p.elapsed = bound(elapsed, 0, MAX_ELAPSED);
        p.price = bound(price, MIN_PRICE, MAX_PRICE);
    }

    function _accrue(Params memory p) internal view returns (int256 rate1, int256 indexDelta) {
        return h.accrue(p.rate0, p.skew, p.skewScale, p.maxVelocity, p.maxRate, p.elapsed, p.price);
    }

    // ------------------------------------------------------------------ proportionalSkew

    function test_proportionalSkew_half() public view {
        assertEq(h.proportionalSkew(500_000e18, 1_000_000e18), 0.5e18, "+1/2");
        assertEq(h.proportionalSkew(-500_000e18, 1_000_000e18), -0.5e18, "-1/2");
    }

    function test_proportionalSkew_clampedBeyondScale() public view {
        assertEq(h.proportionalSkew(3e36, 1e18), 1e18, "clamped to +1");
        assertEq(h.proportionalSkew(-3e36, 1e18), -1e18, "clamped to -1");
        assertEq(h.proportionalSkew(1e18, 1e18), 1e18, "exactly +1");
    }

    function test_proportionalSkew_truncatesTowardsZero() public view {
        // 1/3 = 0.333…: +0.333…333 and −0.333…333 (not −0.333…334).
        assertEq(h.proportionalSkew(1e18, 3e18), 333_333_333_333_333_333, "+1/3");
        assertEq(h.proportionalSkew(-1e18, 3e18), -333_333_333_333_333_333, "-1/3");
        // below 1e-18: zero on both sides.
        assertEq(h.proportionalSkew(1, 1e36), 0, "+tiny");
        assertEq(h.proportionalSkew(-1, 1e36), 0, "-tiny");
    }

    function testFuzz_proportionalSkew_matchesNaive(int256 skew, uint256 skewScale) public view {
        skewScale = bound(skewScale, MIN_SKEW_SCALE, MAX_SKEW_SCALE);
        skew = bound(skew, -int256(4 * MAX_SIZE), int256(4 * MAX_SIZE));
        int256 got = h.proportionalSkew(skew, skewScale);
        int256 expected = _refSlope(skew, skewScale, WAD); // velocity 1: the proportional skew itself
        assertEq(got, expected, "proportional skew");
        assertEq(h.proportionalSkew(-skew, skewScale), -got, "odd function");
    }

    // ------------------------------------------------------------------ accrue: hand-checked

    function test_accrue_halfSkewOneDay() public view {
        // slope = 0.5 · 0.1 = 0.05 per day; after 1 day rate1 = 0.05;
        // ∫ = (0 + 0.05)/2 · 1 day = 0.025 rate-days ⇒ index += 0.025 · 2000 = 50 USD per unit.
        (int256 rate1, int256 indexDelta) = h.accrue(0, 500_000e18, 1_000_000e18, 0.1e18, 0.1e18, 1 days, 2_000e18);
        assertEq(rate1, 0.05e18, "rate1");
        assertEq(indexDelta, 50e18, "indexDelta");
    }

    function test_accrue_halfSkewOneDayNegative() public view {
        (int256 rate1, int256 indexDelta) = h.accrue(0, -500_000e18, 1_000_000e18, 0.1e18, 0.1e18, 1 days, 2_000e18);
        assertEq(rate1, -0.05e18, "rate1");
        assertEq(indexDelta, -50e18, "indexDelta");
    }

    function test_accrue_capHitMidInterval() public view {
        // rate0 = 0.02, full skew ⇒ slope = 0.1 per day, cap 0.05, 1 day, price 2000.
        // The cap is hit after (0.05 − 0.02)/0.1 = 0.3 day = 25 920 s (a whole second: no quantisation).
        // ∫ = 0.3 · (0.02 + 0.05)/2 + 0.7 · 0.05 = 0.0105 + 0.035 = 0.0455 rate-days
        //   = 907.2e18 + 3024e18 = 3931.2e18 rate-seconds
        // index += 0.0455 · 2000 = 91 USD per unit.
        (int256 r, int256 integral) = h.rateIntegral(0.02e18, 0.1e18, 0.05e18, 1 days);
        assertEq(r, 0.05e18, "rateIntegral rate1");
        assertEq(integral, 3_931.2e18, "rate-seconds");
        (int256 rate1, int256 indexDelta) = h.accrue(
            0.02e18,
            1_000_000e18,
            1_000_000e18,
            0.1e18,
            0.05e18,
            1 days,
            2_000e18
        );
        assertEq(rate1, 0.05e18, "rate1");
        assertEq(indexDelta, 91e18, "indexDelta");
    }

    function test_accrue_capHitMidIntervalNegative() public view {
        // The mirror image of test_accrue_capHitMidInterval.
        (int256 rate1, int256 indexDelta) = h.accrue(
            -0.02e18,
            -1_000_000e18,
            1_000_000e18,
            0.1e18,
            0.05e18,
            1 days,
            2_000e18
        );
        assertEq(rate1, -0.05e18, "rate1");
        assertEq(indexDelta, -91e18, "indexDelta");
    }

    function test_accrue_capHitAtFractionalSecond() public view {
        // rate0 = 0, slope 0.07 per day, cap 0.01, 1 day, price 1 USD.
        // Exact: τ = 0.01/0.07 day = 12 342.857… s; ∫ = 0.01·1 − 0.01²/(2·0.07) = 0.009285714285714285… rate-days
        //   ⇒ exact index 0.009285714285714285 7… USD = 9 285 714 285 714 285.7 wei.
        // The library uses the closed form bound·T − (bound − rate0)²·day/(2·slope), with no rounding of τ to whole
        // seconds (an earlier version did, and overshot by 4.96e10 wei here): only the final truncation remains.
        (int256 rate1, int256 indexDelta) = h.accrue(0, 1e18, 1e18, 0.07e18, 0.01e18, 1 days, 1e18);
        assertEq(rate1, 0.01e18, "rate1");
        int256 exactFloor = 9_285_714_285_714_285;
        assertApproxEqAbs(indexDelta, exactFloor, 1, "exact integral, truncated");
    }

    function test_accrue_crossesZero() public view {
        // rate0 = −0.02, skew 0.4·scale ⇒ slope 0.04 per day; after 1 day rate1 = +0.02 and ∫ = 0.
        (int256 rate1, int256 indexDelta) = h.accrue(-0.02e18, 400e18, 1_000e18, 0.1e18, 0.1e18, 1 days, 2_000e18);
        assertEq(rate1, 0.02e18, "rate1");
        assertEq(indexDelta, 0, "indexDelta");
    }

    function test_accrue_leavesCap() public view {
        // rate0 = cap = 0.05, skew −scale ⇒ slope −0.1 per day; after 0.5 day rate1 = 0;
        // ∫ = 0.5 · 0.05/2 = 0.0125 rate-days ⇒ index += 0.0125 · 2000 = 25.
        (int256 rate1, int256 indexDelta) = h.accrue(0.05e18, -1_000e18, 1_000e18, 0.1e18, 0.05e18, 12 hours, 2_000e18);
        assertEq(rate1, 0, "rate1");
        assertEq(indexDelta, 25e18, "indexDelta");
    }

    function test_accrue_atCapStaysAtCap() public view {
        // At the cap with the skew pushing further: constant 0.05 for 2 days ⇒ 0.1 · 2000 = 200.
        (int256 rate1, int256 indexDelta) = h.accrue(0.05e18, 1_000e18, 1_000e18, 0.1e18, 0.05e18, 2 days, 2_000e18);
        assertEq(rate1, 0.05e18, "rate1");
        assertEq(indexDelta, 200e18, "indexDelta");
    }

    function test_rateIntegral_crossesFromCapToCap() public view {
        // −0.1 → +0.1 at slope 1 per day takes 0.2 day = 17 280 s; ∫ = 0·17 280 + 0.1e18·69 120 = 6912e18.
        (int256 rate1, int256 integral) = h.rateIntegral(-0.1e18, 1e18, 0.1e18, 1 days);
        assertEq(rate1, 0.1e18, "rate1");
        assertEq(integral, 6_912e18, "integral");
    }

    function test_accrue_zeroElapsed() public view {
        (int256 rate1, int256 indexDelta) = h.accrue(0.03e18, 1e36, 1e18, 1e18, 0.1e18, 0, 1e30);
        assertEq(rate1, 0.03e18, "rate1");
        assertEq(indexDelta, 0, "indexDelta");
    }

    function test_accrue_zeroVelocityKeepsRate() public view {
        // 0.03 per day for 12 hours at 2000 ⇒ 0.015 · 2000 = 30.
        (int256 rate1, int256 indexDelta) = h.accrue(0.03e18, 1e36, 1e18, 0, 0.1e18, 12 hours, 2_000e18);
        assertEq(rate1, 0.03e18, "rate1");
        assertEq(indexDelta, 30e18, "indexDelta");
    }

    function test_accrue_extremeBounds() public view {
        // |skew| 1e36 ≫ scale 1e18, max velocity 1 per day, max rate 0.1, a year, price 1e30, from the opposite cap:
        // −0.1 → +0.1 in 0.2 day, then 0.1 for 364.8 days ⇒ ∫ = 36.48 rate-days ⇒ index += 36.48e30.
        (int256 rate1, int256 indexDelta) = h.accrue(-0.1e18, 1e36, 1e18, 1e18, 0.1e18, 365 days, 1e30);
        assertEq(rate1, 0.1e18, "rate1");
        assertEq(indexDelta, 36.48e30, "indexDelta");
        (rate1, indexDelta) = h.accrue(0.1e18, -1e36, 1e18, 1e18, 0.1e18, 365 days, 1e30);
        assertEq(rate1, -0.1e18, "rate1 (mirror)");
        assertEq(indexDelta, -36.48e30, "indexDelta (mirror)");
    }

    function test_accrue_tinyPriceTruncatesTowardsZero() public view {
        // 0.01 per day for 1 s at 1e-12 USD: 0.01e18 · 1e6 / (1e18 · 86 400) = 0.1157 wei ⇒ 0, on both sides.
        (, int256 up) = h.accrue(0.01e18, 0, 1e18, 0, 0.1e18, 1, 1e6);
        (, int256 down) = h.accrue(-0.01e18, 0, 1e18, 0, 0.1e18, 1, 1e6);
        assertEq(up, 0, "positive truncated to 0");
        assertEq(down, 0, "negative truncated to 0, not -1");
    }

    function test_accrue_smallSkewBelowResolutionHasNoVelocity() public view {
        // skew/scale < 1e-18 truncates to 0: the rate does not move.
        (int256 rate1, ) = h.accrue(0.01e18, 1, 1e36, 1e18, 0.1e18, 365 days, 1e18);
        assertEq(rate1, 0.01e18, "rate1");
    }

    // ------------------------------------------------------------------ accrue: fuzz against the exact reference

    function testFuzz_accrue_matchesExactIntegral(
        int256 rate0,
        int256 skew,
        uint256 skewScale,
        uint256 maxVelocity,
        uint256 maxRate,
        uint256 elapsed,
        uint256 price
    ) public view {
        Params memory p = _fuzzParams(rate0, skew, skewScale, maxVelocity, maxRate, elapsed, price);
        (int256 rate1, int256 indexDelta) = _accrue(p);
        int256 s = _refSlope(p.skew, p.skewScale, p.maxVelocity);
        Exact memory e = _exact(p.rate0, s, int256(p.maxRate), int256(p.elapsed));

        // rate1: exactly the bound when capped, otherwise the exact rate with its change truncated towards zero.
        if (e.capped) assertEq(rate1, e.bound, "capped rate1");
        else _checkUncappedRate(p.rate0, rate1, e.rateNum);
        assertLe(_abs(rate1), p.maxRate, "|rate1| <= maxRate");

        // index: exact ∫·price/(WAD·day) within the integral tolerance scaled by the price, plus 1 for truncation.
        uint256 tolInt = _integralTolerance(rate1 - p.rate0, p.elapsed);
        int256 den = e.iDen * IWAD * IDAY;
        uint256 tolIdx = (tolInt * p.price) / (WAD * DAY) + 2;
        _checkWithin(indexDelta, e.iNum * int256(p.price), den, tolIdx, "indexDelta vs exact");
    }

    function testFuzz_rateIntegral_matchesExactIntegral(
        int256 rate0,
        int256 slope,
        uint256 cap,
        uint256 elapsed
    ) public view {
        cap = bound(cap, 0, MAX_RATE);
        rate0 = bound(rate0, -int256(cap), int256(cap));
        slope = bound(slope, -int256(MAX_VELOCITY), int256(MAX_VELOCITY));
        elapsed = bound(elapsed, 0, MAX_ELAPSED);
        (int256 rate1, int256 integral) = h.rateIntegral(rate0, slope, int256(cap), int256(elapsed));
        Exact memory e = _exact(rate0, slope, int256(cap), int256(elapsed));
        if (e.capped) assertEq(rate1, e.bound, "capped rate1");
        else _checkUncappedRate(rate0, rate1, e.rateNum);
        _checkWithin(integral, e.iNum, e.iDen, _integralTolerance(rate1 - rate0, elapsed), "integral vs exact");
    }

    function testFuzz_accrue_zeroVelocityKeepsRate(
        int256 rate0,
        int256 skew,
        uint256 skewScale,
        uint256 maxRate,
        uint256 elapsed,
        uint256 price
    ) public view {
        Params memory p = _fuzzParams(rate0, skew, skewScale, 0, maxRate, elapsed, price);
        (int256 rate1, int256 indexDelta) = _accrue(p);
        assertEq(rate1, p.rate0, "rate constant");
        // rate0·elapsed·price / (1 day · WAD), Solidity's `/` truncating towards zero.
        int256 expected = (p.rate0 * int256(p.elapsed) * int256(p.price)) / (IDAY * IWAD);
        assertEq(indexDelta, expected, "indexDelta = rate0 * elapsed * price / (day * WAD)");
    }

    function testFuzz_accrue_rateNeverExceedsMaxRate(
        uint256 seed,
        uint256 skewScale,
        uint256 maxVelocity,
        uint256 maxRate
    ) public view {
        maxRate = bound(maxRate, 0, MAX_RATE);
        skewScale = bound(skewScale, MIN_SKEW_SCALE, MAX_SKEW_SCALE);
        maxVelocity = bound(maxVelocity, 0, MAX_VELOCITY);
        int256 rate = 0;
        for (uint256 i = 0; i < 8; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            int256 skew = bound(int256(r), -int256(2 * skewScale), int256(2 * skewScale));
            uint256 elapsed = bound(r >> 128, 0, MAX_ELAPSED / 8);
            (rate, ) = h.accrue(rate, skew, skewScale, maxVelocity, maxRate, elapsed, 1e18);
            assertLe(_abs(rate), maxRate, "|rate| <= maxRate");
        }
    }

    // ------------------------------------------------------------------ accrue: path independence

    /// @dev No cap anywhere on the path. Tolerance on the integral, in rate-seconds: the single accrual is within
    /// T/2 + 1 of exact; the first piece within T1/2 + 1; the second piece starts from a rate that is < 1 wei off,
    /// which shifts its whole path by < 1 wei (< T2), and is itself within T2/2 + 1. Total < 2T + 3, scaled by
    /// price/(WAD·day), plus 3 wei for the three truncations of the index. (At price 1e30 and T = 1 year this is
    /// ≈ 7.3e14 wei on an index move of up to 3.65e31: relative 2e-17.) The final rates differ by at most 1 wei
    /// (trunc(a) + trunc(b) vs trunc(a + b)).
    function testFuzz_accrue_pathIndependentWithoutCap(
        int256 rate0,
        int256 skew,
        uint256 skewScale,
        uint256 maxVelocity,
        uint256 elapsed,
        uint256 split,
        uint256 price
    ) public view {
        Params memory p;
        p.maxRate = MAX_RATE;
        p.elapsed = bound(elapsed, 1, MAX_ELAPSED);
        p.rate0 = bound(rate0, -int256(MAX_RATE / 2), int256(MAX_RATE / 2));
        p.skewScale = bound(skewScale, MIN_SKEW_SCALE, MAX_SKEW_SCALE);
        p.skew = bound(skew, -int256(2 * p.skewScale), int256(2 * p.skewScale));
        // |slope|·T/day ≤ maxRate − |rate0|: the rate cannot reach the cap within T.
        uint256 maxV = ((MAX_RATE - _abs(p.rate0)) * DAY) / p.elapsed;
        p.maxVelocity = bound(maxVelocity, 0, maxV < MAX_VELOCITY ? maxV : MAX_VELOCITY);
        p.price = bound(price, MIN_PRICE, MAX_PRICE);
        uint256 t = bound(split, 0, p.elapsed);

        (int256 rateOnce, int256 indexOnce) = _accrue(p);
        (int256 rateTwice, int256 indexTwice) = _accrueInTwo(p, t);
        assertApproxEqAbs(rateTwice, rateOnce, 1, "final rate");
        uint256 tol = ((2 * p.elapsed + 3) * p.price + WAD * DAY - 1) / (WAD * DAY) + 3;
        assertApproxEqAbs(indexTwice, indexOnce, tol, "index");
    }

    /// @dev Any path, including one that reaches the cap. On top of the no-cap terms, every accrual that reaches the
    /// cap starts its plateau up to 1 s early (τ truncated to a second), costing up to |Δrate|/2 rate-seconds; the
    /// ramps of the two pieces together cover the same rate range as the single one, so these terms add up to at
    /// most |Δ| + 1 ≤ 2·maxRate + 1 on each side. Integral tolerance: 2T + 2·maxRate + 6 rate-seconds, i.e. the
    /// funding of about two seconds at the maximum rate plus ~2 wei of rate over the interval, scaled by
    /// price/(WAD·day), plus 3 wei of index truncation.
    function testFuzz_accrue_pathIndependentWithinTolerance(
        int256 rate0,
        int256 skew,
        uint256 skewScale,
        uint256 maxVelocity,
        uint256 maxRate,
        uint256 elapsed,
        uint256 split,
        uint256 price
    ) public view {
        Params memory p = _fuzzParams(rate0, skew, skewScale, maxVelocity, maxRate, elapsed, price);
        uint256 t = bound(split, 0, p.elapsed);
        (int256 rateOnce, int256 indexOnce) = _accrue(p);
        (int256 rateTwice, int256 indexTwice) = _accrueInTwo(p, t);
        assertApproxEqAbs(rateTwice, rateOnce, 1, "final rate");
        uint256 tolInt = 2 * p.elapsed + 2 * p.maxRate + 6;
        uint256 tol = (tolInt * p.price + WAD * DAY - 1) / (WAD * DAY) + 3;
        assertApproxEqAbs(indexTwice, indexOnce, tol, "index");
    }

    function _accrueInTwo(Params memory p, uint256 t) internal view returns (int256 rate, int256 index) {
        int256 d1;
        int256 d2;
        (rate, d1) = h.accrue(p.rate0, p.skew, p.skewScale, p.maxVelocity, p.maxRate, t, p.price);
        (rate, d2) = h.accrue(rate, p.skew, p.skewScale, p.maxVelocity, p.maxRate, p.elapsed - t, p.price);
        index = d1 + d2;
    }

    // ------------------------------------------------------------------ accrue: symmetry

    /// @dev Mirroring the whole state (rate0 → −rate0, skew → −skew) mirrors the result exactly.
    function testFuzz_accrue_mirrorSymmetric(
        int256 rate0,
        int256 skew,
        uint256 skewScale,
        uint256 maxVelocity,
        uint256 maxRate,
        uint256 elapsed,
        uint256 price
    ) public view {
        Params memory p = _fuzzParams(rate0, skew, skewScale, maxVelocity, maxRate, elapsed, price);
        (int256 rate1, int256 indexDelta) = _accrue(p);
        p.rate0 = -p.rate0;
        p.skew = -p.skew;
        (int256 rate1m, int256 indexDeltam) = _accrue(p);
        assertEq(rate1m, -rate1, "rate1 mirrored");
        assertEq(indexDeltam, -indexDelta, "indexDelta mirrored");
    }

    /// @dev From the same rate0, skew s and −s move the rate by deltas of opposite sign and equal magnitude
    /// (as long as neither side reaches the cap).
    function testFuzz_accrue_oppositeSkewOppositeDelta(
        int256 rate0,
        int256 skew,
        uint256 skewScale,
        uint256 maxVelocity,
        uint256 elapsed
    ) public view {
        uint256 T = bound(elapsed, 1, MAX_ELAPSED);
        rate0 = bound(rate0, -int256(MAX_RATE / 2), int256(MAX_RATE / 2));
        skewScale = bound(skewScale, MIN_SKEW_SCALE, MAX_SKEW_SCALE);
        skew = bound(skew, -int256(2 * skewScale), int256(2 * skewScale));
        uint256 maxV = ((MAX_RATE - _abs(rate0)) * DAY) / T;
        maxVelocity = bound(maxVelocity, 0, maxV < MAX_VELOCITY ? maxV : MAX_VELOCITY);
        (int256 up, ) = h.accrue(rate0, skew, skewScale, maxVelocity, MAX_RATE, T, 1e18);
        (int256 down, ) = h.accrue(rate0, -skew, skewScale, maxVelocity, MAX_RATE, T, 1e18);
        int256 dUp = up - rate0;
        int256 dDown = down - rate0;
        assertEq(dUp, -dDown, "equal magnitude, opposite sign");
        assertTrue(dUp == 0 || _sign(dUp) == _sign(skew), "moves with the skew");
    }

    /// @dev Over one day from rate0 = 0 with a wide cap, rate1 is the quantised slope, within 2 wei/day of the exact
    /// skew/scale · velocity (one wei from each truncation).
    function testFuzz_accrue_slopeMatchesExactVelocity(
        int256 skew,
        uint256 skewScale,
        uint256 maxVelocity
    ) public view {
        skewScale = bound(skewScale, MIN_SKEW_SCALE, MAX_SKEW_SCALE);
        skew = bound(skew, -int256(skewScale), int256(skewScale));
        maxVelocity = bound(maxVelocity, 0, MAX_RATE); // reaches at most maxRate in a day
        (int256 rate1, ) = h.accrue(0, skew, skewScale, maxVelocity, MAX_RATE, 1 days, 1e18);
        assertEq(rate1, _refSlope(skew, skewScale, maxVelocity), "quantised slope");
        // exact: skew·v/scale; |rate1·scale − skew·v| < 2·scale
        int256 diff = rate1 * int256(skewScale) - skew * int256(maxVelocity);
        assertLt(_abs(diff), 2 * skewScale, "within 2 wei of exact");
        assertLe(_abs(rate1 * int256(skewScale)), _abs(skew * int256(maxVelocity)), "towards zero");
    }

    // ------------------------------------------------------------------ fundingOwedUp

    function test_fundingOwedUp_longPaysShortReceives() public view {
        // index 100 → 101.5: a 2-unit long owes 3 USD, a 2-unit short is owed 3 USD.
        assertEq(h.fundingOwedUp(2e18, 100e18, 101.5e18), 3e18, "long pays");
        assertEq(h.fundingOwedUp(-2e18, 100e18, 101.5e18), -3e18, "short receives");
        assertEq(h.fundingOwedUp(2e18, 101.5e18, 100e18), -3e18, "long receives when the index falls");
    }

    function test_fundingOwedUp_roundsUpAgainstThePosition() public view {
        // 1 wei · 1 wei = 1e-36 USD: a payer pays 1 wei, a receiver receives nothing.
        assertEq(h.fundingOwedUp(1, 0, 1), 1, "payer rounds up");
        assertEq(h.fundingOwedUp(-1, 0, 1), 0, "receiver rounds towards +inf (gets 0)");
        assertEq(h.fundingOwedUp(0, 0, 1e30), 0, "no position");
    }

    function testFuzz_fundingOwedUp_matchesNaiveCeil(int256 size, int256 indexEntry, int256 indexNow) public view {
        size = bound(size, -int256(MAX_SIZE), int256(MAX_SIZE));
        indexEntry = bound(indexEntry, -1e36, 1e36);
        indexNow = bound(indexNow, -1e36, 1e36);
        int256 product = size * (indexNow - indexEntry);
        int256 q = product / IWAD;
        if (product % IWAD != 0 && product > 0) q += 1; // ceil via truncation + remainder
        int256 owed = h.fundingOwedUp(size, indexEntry, indexNow);
        assertEq(owed, q, "ceil");
        assertGe(owed * IWAD, product, "owed >= exact");
        assertLt((owed - 1) * IWAD, product, "owed < exact + 1");
    }

    /// @dev A long and a short of equal size never net a payout from the vault: ceil(x) + ceil(−x) ≥ 0.
    function testFuzz_fundingOwedUp_longAndShortNeverNetNegative(
        int256 size,
        int256 indexEntry,
        int256 indexNow
    ) public view {
        size = bound(size, 0, int256(MAX_SIZE));
        indexEntry = bound(indexEntry, -1e36, 1e36);
        indexNow = bound(indexNow, -1e36, 1e36);
        int256 sum = h.fundingOwedUp(size, indexEntry, indexNow) + h.fundingOwedUp(-size, indexEntry, indexNow);
        assertGe(sum, 0, "long + short owed >= 0");
        assertLe(sum, 1, "by at most 1 wei");
    }
}
