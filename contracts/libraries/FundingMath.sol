// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MulDiv} from "./MulDiv.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {SignedWad} from "./SignedWad.sol";

/// @title FundingMath
/// @notice The velocity funding model (docs/units.md § Funding). Rates are WAD per day, the index is USD (WAD) per
/// unit of the asset, sizes and skew are units (WAD). A positive rate means longs pay shorts.
/// @dev The rate moves linearly at `skew/skewScale · maxVelocity` per day and stops at ±maxRate; the index grows
/// by the exact integral of that piecewise-linear rate (not the average of the end points), so accruing over one
/// interval or over many sub-intervals gives the same index up to rounding.
library FundingMath {
    using SignedWad for int256;

    uint256 internal constant WAD = 1e18;
    uint256 internal constant SECONDS_PER_DAY = 1 days;

    /// @notice Proportional skew `clamp(skew / skewScale, −1, 1)` in WAD, rounded towards zero.
    function proportionalSkew(int256 skew, uint256 skewScale) internal pure returns (int256) {
        int256 p = (skew * int256(WAD)) / int256(skewScale);
        if (p > int256(WAD)) return int256(WAD);
        if (p < -int256(WAD)) return -int256(WAD);
        return p;
    }

    /// @notice The funding rate and the index increment after `elapsed` seconds.
    /// @param rate0 Rate at the start of the interval (WAD per day), already within ±maxRate.
    /// @param skew long − short size (units, WAD), constant over the interval.
    /// @param skewScale Skew (units, WAD) at which the velocity is at its maximum.
    /// @param maxVelocity Max change of the rate per day (WAD per day per day).
    /// @param maxRate Bound on |rate| (WAD per day).
    /// @param elapsed Seconds since the last accrual.
    /// @param priceWad Oracle price (USD WAD per unit) used to turn the rate into USD per unit.
    /// @return rate1 The rate at the end of the interval (WAD per day).
    /// @return indexDelta USD (WAD) per unit owed by a long over the interval, rounded towards zero.
    function accrue(
        int256 rate0,
        int256 skew,
        uint256 skewScale,
        uint256 maxVelocity,
        uint256 maxRate,
        uint256 elapsed,
        uint256 priceWad
    ) internal pure returns (int256 rate1, int256 indexDelta) {
        if (elapsed == 0) return (rate0, 0);
        // slope: WAD per day per day; rate change over `elapsed`: slope · elapsed / 1 day.
        int256 slope = _mulDivTowardsZero(proportionalSkew(skew, skewScale), int256(maxVelocity), WAD);
        int256 integral;
        (rate1, integral) = rateIntegral(rate0, slope, int256(maxRate), int256(elapsed));
        // USD per unit = rate-seconds / 1 day · price; truncated towards zero (longs and shorts share the index).
        indexDelta = _mulDivTowardsZero(integral, int256(priceWad), WAD * SECONDS_PER_DAY);
    }

    /// @notice The rate after `elapsed` seconds and its integral over them ((WAD per day) · seconds), for a rate
    /// starting at `rate0` and moving at `slope` per day until it reaches ±`cap`, where it stays.
    function rateIntegral(
        int256 rate0,
        int256 slope,
        int256 cap,
        int256 elapsed
    ) internal pure returns (int256 rate1, int256 integral) {
        int256 unclamped = rate0 + (slope * elapsed) / int256(SECONDS_PER_DAY);
        if (unclamped <= cap && unclamped >= -cap) {
            return (unclamped, ((rate0 + unclamped) * elapsed) / 2);
        }
        rate1 = unclamped > cap ? cap : -cap;
        // The rate reaches the bound after t_b = (bound − rate0) / slope days. Closed form of
        // (rate0 + bound)/2 · t_b + bound · (elapsed − t_b), with no rounding of t_b to whole seconds:
        // bound · elapsed − (bound − rate0)² · 1 day / (2 · slope).
        if (slope == 0) return (rate1, rate1 * elapsed);
        int256 gap = rate1 - rate0;
        integral = rate1 * elapsed - (gap * gap * int256(SECONDS_PER_DAY)) / (2 * slope);
    }

    /// @notice Funding a position owes between two index values (USD WAD, positive = pays), rounded up against it.
    function fundingOwedUp(int256 size, int256 indexEntry, int256 indexNow) internal pure returns (int256) {
        return size.mulDivUp(indexNow - indexEntry, WAD);
    }

    /// @dev Truncation towards zero keeps the model symmetric: a skew of −s moves the rate exactly as +s does.
    function _mulDivTowardsZero(int256 a, int256 b, uint256 d) private pure returns (int256) {
        int256 magnitude = int256(MulDiv.down(SignedMath.abs(a), SignedMath.abs(b), d));
        return (a < 0) != (b < 0) ? -magnitude : magnitude;
    }
}
