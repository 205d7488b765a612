// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {PricingMath} from "../../../contracts/libraries/PricingMath.sol";
import {NaiveU512} from "./SignedWad.t.sol";

/// @notice Exposes the internal PricingMath functions.
contract PricingMathHarness {
    function fillPrice(
        uint256 oraclePriceWad,
        int256 skewBefore,
        int256 sizeDelta,
        uint256 skewScale
    ) external pure returns (int256) {
        return PricingMath.fillPrice(oraclePriceWad, skewBefore, sizeDelta, skewScale);
    }

    function tradeFeeUp(
        int256 skewBefore,
        int256 sizeDelta,
        uint256 fillPriceWad,
        uint256 takerFeeRatio,
        uint256 makerFeeRatio
    ) external pure returns (uint256) {
        return PricingMath.tradeFeeUp(skewBefore, sizeDelta, fillPriceWad, takerFeeRatio, makerFeeRatio);
    }
}

contract PricingMathTest is Test {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant MAX_SIZE = 1e36;
    uint256 internal constant MIN_PRICE = 1e6;
    uint256 internal constant MAX_PRICE = 1e30;
    uint256 internal constant MIN_SKEW_SCALE = 1e18;
    uint256 internal constant MAX_SKEW_SCALE = 1e36;
    /// @dev Fee ratios are fuzzed up to 100 %, well beyond what a market would configure.
    uint256 internal constant MAX_FEE_RATIO = 1e18;

    PricingMathHarness internal h;

    function setUp() public {
        h = new PricingMathHarness();
    }

    // ------------------------------------------------------------------ naive references

    function _abs(int256 x) internal pure returns (uint256) {
        return x < 0 ? uint256(-x) : uint256(x);
    }

    /// @dev Exact fill price = oracle + num/den with num = oracle·(skewBefore + skewAfter), den = 2·skewScale.
    function _premiumFraction(
        uint256 oracle,
        int256 skewBefore,
        int256 sizeDelta,
        uint256 skewScale
    ) internal pure returns (int256 num, int256 den) {
        int256 skewAfter = skewBefore + sizeDelta;
        num = int256(oracle) * (skewBefore + skewAfter);
        den = 2 * int256(skewScale);
    }

    /// @dev floor / ceil of num/den (den > 0) from truncating division and a remainder check.
    function _floorDiv(int256 num, int256 den) internal pure returns (int256 q) {
        q = num / den;
        if (num % den != 0 && num < 0) q -= 1;
    }

    function _ceilDiv(int256 num, int256 den) internal pure returns (int256 q) {
        q = num / den;
        if (num % den != 0 && num > 0) q += 1;
    }

    /// @dev The part of |sizeDelta| that reduces |skew|: (|s| + |d| − |s + d|)/2, which is 0 when both have the
    /// same sign and min(|s|, |d|) otherwise.
    function _makerSize(int256 skewBefore, int256 sizeDelta) internal pure returns (uint256) {
        return (_abs(skewBefore) + _abs(sizeDelta) - _abs(skewBefore + sizeDelta)) / 2;
    }

    /// @dev Exact fee · WAD² as a 512-bit value: makerSize·price·makerRatio + takerSize·price·takerRatio.
    function _exactFeeTimesWad2(
        uint256 makerSize,
        uint256 takerSize,
        uint256 price,
        uint256 takerRatio,
        uint256 makerRatio
    ) internal pure returns (uint256 hi, uint256 lo) {
        (uint256 mHi, uint256 mLo) = NaiveU512.mul(makerSize * price, makerRatio);
        (uint256 tHi, uint256 tLo) = NaiveU512.mul(takerSize * price, takerRatio);
        return NaiveU512.add(mHi, mLo, tHi, tLo);
    }

    function _fuzzTrade(
        uint256 oracle,
        int256 skewBefore,
        int256 sizeDelta,
        uint256 skewScale
    ) internal pure returns (uint256, int256, int256, uint256) {
        return (
            bound(oracle, MIN_PRICE, MAX_PRICE),
            bound(skewBefore, -int256(MAX_SIZE), int256(MAX_SIZE)),
            bound(sizeDelta, -int256(MAX_SIZE), int256(MAX_SIZE)),
            bound(skewScale, MIN_SKEW_SCALE, MAX_SKEW_SCALE)
        );
    }

    // ------------------------------------------------------------------ fillPrice: hand-checked

    function test_fillPrice_buyFromZeroSkew() public view {
        // 2000 · (1 + (0 + 10 000)/2/1 000 000) = 2000 · 1.005 = 2010
        assertEq(h.fillPrice(2_000e18, 0, 10_000e18, 1_000_000e18), 2_010e18, "buy");
    }

    function test_fillPrice_sellBackToZeroSkew() public view {
        // skew 10 000 → 0: 2000 · (1 + (10 000 + 0)/2/1 000 000) = 2010, the same price the buyer paid.
        assertEq(h.fillPrice(2_000e18, 10_000e18, -10_000e18, 1_000_000e18), 2_010e18, "sell");
    }

    function test_fillPrice_sellIntoNegativeSkew() public view {
        // skew −10 000 → −30 000: 2000 · (1 − 40 000/2/1 000 000) = 2000 · 0.98 = 1960
        assertEq(h.fillPrice(2_000e18, -10_000e18, -20_000e18, 1_000_000e18), 1_960e18, "sell");
    }

    function test_fillPrice_roundsAgainstTheTrader() public view {
        // oracle 3 wei, 1-wei trade, scale 1e18: premium 3·1/2e18 ≈ 1.5e-18 wei.
        assertEq(h.fillPrice(3, 0, 1, 1e18), 4, "buy rounds up");
        assertEq(h.fillPrice(3, 0, -1, 1e18), 2, "sell rounds down");
        // sizeDelta 0: the quote at the current skew, rounded down.
        assertEq(h.fillPrice(3, 1, 0, 1e18), 3, "zero size, positive skew, rounds down");
        assertEq(h.fillPrice(3, -1, 0, 1e18), 2, "zero size, negative skew, rounds down");
    }

    function test_fillPrice_bounds() public view {
        // Max price, max size, min scale: 1e30 · (1 + 1e36/2/1e18) = 1e30 · (1 + 5e17).
        assertEq(h.fillPrice(1e30, 0, 1e36, 1e18), 1e30 + 5e47, "largest premium");
        // The opposite side goes very negative: the caller rejects a fill ≤ 0.
        assertEq(h.fillPrice(1e30, 0, -1e36, 1e18), 1e30 - 5e47, "negative fill");
    }

    // ------------------------------------------------------------------ fillPrice: fuzz

    function testFuzz_fillPrice_matchesNaive(
        uint256 oracle,
        int256 skewBefore,
        int256 sizeDelta,
        uint256 skewScale
    ) public view {
        (oracle, skewBefore, sizeDelta, skewScale) = _fuzzTrade(oracle, skewBefore, sizeDelta, skewScale);
        (int256 num, int256 den) = _premiumFraction(oracle, skewBefore, sizeDelta, skewScale);
        int256 premium = sizeDelta > 0 ? _ceilDiv(num, den) : _floorDiv(num, den);
        assertEq(h.fillPrice(oracle, skewBefore, sizeDelta, skewScale), int256(oracle) + premium, "fill");
    }

    function testFuzz_fillPrice_roundsAgainstTheTrader(
        uint256 oracle,
        int256 skewBefore,
        int256 sizeDelta,
        uint256 skewScale
    ) public view {
        (oracle, skewBefore, sizeDelta, skewScale) = _fuzzTrade(oracle, skewBefore, sizeDelta, skewScale);
        (int256 num, int256 den) = _premiumFraction(oracle, skewBefore, sizeDelta, skewScale);
        int256 fill = h.fillPrice(oracle, skewBefore, sizeDelta, skewScale);
        // (fill − oracle)·den vs num: the rounding error, in units of 1/den wei.
        int256 err = (fill - int256(oracle)) * den - num;
        if (sizeDelta > 0) {
            assertGe(err, 0, "buy fill >= exact");
        } else {
            assertLe(err, 0, "sell fill <= exact");
        }
        assertLt(_abs(err), uint256(den), "within 1 wei");
    }

    /// @dev Mirrored skew and trade give mirrored premia, exactly.
    function testFuzz_fillPrice_mirrorSymmetric(
        uint256 oracle,
        int256 skewBefore,
        int256 sizeDelta,
        uint256 skewScale
    ) public view {
        (oracle, skewBefore, sizeDelta, skewScale) = _fuzzTrade(oracle, skewBefore, sizeDelta, skewScale);
        int256 premium = h.fillPrice(oracle, skewBefore, sizeDelta, skewScale) - int256(oracle);
        int256 mirrored = h.fillPrice(oracle, -skewBefore, -sizeDelta, skewScale) - int256(oracle);
        // Exact premia are p and −p; one side is a buy (rounds up), the other a sell (rounds down), and
        // ceil(p) = −floor(−p). With sizeDelta == 0 both round down, so only that case is excluded.
        if (sizeDelta != 0) assertEq(premium, -mirrored, "mirrored premium");
    }

    /// @dev Splitting a buy in two never makes it cheaper than the exact cost of the single order: the linear
    /// premium makes the exact costs equal, and each piece rounds against the trader. (Ranges reduced so that the
    /// cost times 2·skewScale fits in int256: scale ≤ 1e22, |skew| ≤ scale, pieces ≤ scale/2.)
    function testFuzz_fillPrice_splitBuyNotCheaper(
        uint256 oracle,
        int256 skewBefore,
        uint256 a,
        uint256 b,
        uint256 skewScale
    ) public view {
        oracle = bound(oracle, MIN_PRICE, MAX_PRICE);
        skewScale = bound(skewScale, MIN_SKEW_SCALE, 1e22);
        skewBefore = bound(skewBefore, -int256(skewScale), int256(skewScale));
        int256 sa = int256(bound(a, 1, skewScale / 2));
        int256 sb = int256(bound(b, 1, skewScale / 2));
        int256 fillA = h.fillPrice(oracle, skewBefore, sa, skewScale);
        int256 fillB = h.fillPrice(oracle, skewBefore + sa, sb, skewScale);
        // Exact single cost · den: n·(oracle·den + oracle·(2·skewBefore + n)).
        int256 den = 2 * int256(skewScale);
        int256 n = sa + sb;
        int256 exactCostTimesDen = n * (int256(oracle) * den + int256(oracle) * (2 * skewBefore + n));
        int256 splitCostTimesDen = (sa * fillA + sb * fillB) * den;
        assertGe(splitCostTimesDen, exactCostTimesDen, "split buy >= exact single cost");
        // ... and by less than 1 wei of price on each unit bought.
        assertLt(splitCostTimesDen - exactCostTimesDen, n * den, "within 1 wei per unit");
    }

    // ------------------------------------------------------------------ tradeFeeUp: hand-checked

    function test_tradeFeeUp_makerAndTakerParts() public view {
        // skew +100, sell 150 at 10 USD: 100 reduces the skew (maker 2 bps), 50 flips it (taker 10 bps).
        // 100·10·0.0002 + 50·10·0.001 = 0.2 + 0.5 = 0.7 USD
        assertEq(h.tradeFeeUp(100e18, -150e18, 10e18, 0.001e18, 0.0002e18), 0.7e18, "maker + taker");
        // mirror: skew −100, buy 150
        assertEq(h.tradeFeeUp(-100e18, 150e18, 10e18, 0.001e18, 0.0002e18), 0.7e18, "mirror");
    }

    function test_tradeFeeUp_allMaker() public view {
        // skew +100, sell 40: all maker: 40·10·0.0002 = 0.08
        assertEq(h.tradeFeeUp(100e18, -40e18, 10e18, 0.001e18, 0.0002e18), 0.08e18, "maker");
    }

    function test_tradeFeeUp_allTaker() public view {
        // same direction as the skew: 40·10·0.001 = 0.4
        assertEq(h.tradeFeeUp(100e18, 40e18, 10e18, 0.001e18, 0.0002e18), 0.4e18, "same side");
        // from zero skew
        assertEq(h.tradeFeeUp(0, -40e18, 10e18, 0.001e18, 0.0002e18), 0.4e18, "zero skew");
    }

    function test_tradeFeeUp_roundsUp() public view {
        // 1 wei at 1 wei: notional 1e-36 → 1 wei, then 1 wei · 10 bps → 1 wei.
        assertEq(h.tradeFeeUp(0, 1, 1, 0.001e18, 0.0002e18), 1, "dust taker");
        // Both parts round up separately: 1 maker wei + 1 taker wei.
        assertEq(h.tradeFeeUp(1, -2, 1, 0.001e18, 0.0002e18), 2, "dust maker + taker");
        // A zero ratio charges nothing.
        assertEq(h.tradeFeeUp(0, 1, 1, 0, 0), 0, "zero ratio");
        assertEq(h.tradeFeeUp(5e18, 0, 1e18, 0.001e18, 0.0002e18), 0, "zero size");
    }

    function test_tradeFeeUp_bounds() public view {
        // 1e36 units at 1e30 at 100 %: 1e36·1e30/1e18 = 1e48 USD wei.
        assertEq(h.tradeFeeUp(0, 1e36, 1e30, 1e18, 0), 1e48, "taker at bounds");
        assertEq(h.tradeFeeUp(1e36, -1e36, 1e30, 0, 1e18), 1e48, "maker at bounds");
    }

    // ------------------------------------------------------------------ tradeFeeUp: fuzz

    function _fuzzFee(
        int256 skewBefore,
        int256 sizeDelta,
        uint256 price,
        uint256 takerRatio,
        uint256 makerRatio
    ) internal pure returns (int256, int256, uint256, uint256, uint256) {
        return (
            bound(skewBefore, -int256(MAX_SIZE), int256(MAX_SIZE)),
            bound(sizeDelta, -int256(MAX_SIZE), int256(MAX_SIZE)),
            bound(price, 1, 2 * MAX_PRICE), // a fill may sit above the oracle bound
            bound(takerRatio, 0, MAX_FEE_RATIO),
            bound(makerRatio, 0, MAX_FEE_RATIO)
        );
    }

    /// @dev Reference written differently: maker size from |s| + |d| − |s + d|, ceilings as (x + d − 1)/d.
    function testFuzz_tradeFeeUp_matchesNaive(
        int256 skewBefore,
        int256 sizeDelta,
        uint256 price,
        uint256 takerRatio,
        uint256 makerRatio
    ) public view {
        (skewBefore, sizeDelta, price, takerRatio, makerRatio) = _fuzzFee(
            skewBefore,
            sizeDelta,
            price,
            takerRatio,
            makerRatio
        );
        uint256 maker = _makerSize(skewBefore, sizeDelta);
        uint256 taker = _abs(sizeDelta) - maker;
        uint256 expected =
            (((maker * price + WAD - 1) / WAD) * makerRatio + WAD - 1) / WAD +
                (((taker * price + WAD - 1) / WAD) * takerRatio + WAD - 1) / WAD;
        assertEq(h.tradeFeeUp(skewBefore, sizeDelta, price, takerRatio, makerRatio), expected, "fee");
    }

    /// @dev fee ≥ exact, and fee < exact + 4 (each of the two parts is rounded up twice: < 1 + ratio/WAD + 1 wei).
    function testFuzz_tradeFeeUp_atLeastExact(
        int256 skewBefore,
        int256 sizeDelta,
        uint256 price,
        uint256 takerRatio,
        uint256 makerRatio
    ) public view {
        (skewBefore, sizeDelta, price, takerRatio, makerRatio) = _fuzzFee(
            skewBefore,
            sizeDelta,
            price,
            takerRatio,
            makerRatio
        );
        uint256 maker = _makerSize(skewBefore, sizeDelta);
        uint256 taker = _abs(sizeDelta) - maker;
        uint256 fee = h.tradeFeeUp(skewBefore, sizeDelta, price, takerRatio, makerRatio);
        (uint256 eHi, uint256 eLo) = _exactFeeTimesWad2(maker, taker, price, takerRatio, makerRatio);
        (uint256 fHi, uint256 fLo) = NaiveU512.mul(fee, WAD * WAD);
        assertFalse(NaiveU512.lt(fHi, fLo, eHi, eLo), "fee >= exact");
        (uint256 capHi, uint256 capLo) = NaiveU512.add(eHi, eLo, 0, 4 * WAD * WAD);
        assertTrue(NaiveU512.lt(fHi, fLo, capHi, capLo), "fee < exact + 4 wei");
    }

    /// @dev With maker ≤ taker, reducing the skew is never more expensive than an all-taker trade of the same size.
    function testFuzz_tradeFeeUp_makerDiscountNeverCostsMore(
        int256 skewBefore,
        int256 sizeDelta,
        uint256 price,
        uint256 takerRatio,
        uint256 makerRatio
    ) public view {
        (skewBefore, sizeDelta, price, takerRatio, makerRatio) = _fuzzFee(
            skewBefore,
            sizeDelta,
            price,
            takerRatio,
            makerRatio
        );
        makerRatio = bound(makerRatio, 0, takerRatio);
        uint256 fee = h.tradeFeeUp(skewBefore, sizeDelta, price, takerRatio, makerRatio);
        uint256 allTaker = h.tradeFeeUp(0, sizeDelta, price, takerRatio, makerRatio);
        // The split rounds up in four places instead of two: ceil(m·p) + ceil(t·p) ≤ ceil((m + t)·p) + 1, and the
        // two ratio ceilings add < 2 more, so fee < allTaker + 3.
        assertLe(fee, allTaker + 2, "maker part never more expensive");
    }
}
