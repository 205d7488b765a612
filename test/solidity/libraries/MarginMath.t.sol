// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {MarginMath} from "../../../contracts/libraries/MarginMath.sol";
import {NaiveU512} from "./SignedWad.t.sol";

/// @notice Exposes the internal MarginMath functions.
contract MarginMathHarness {
    function pnlDown(int256 size, uint256 entryPriceWad, uint256 priceWad) external pure returns (int256) {
        return MarginMath.pnlDown(size, entryPriceWad, priceWad);
    }

    function notionalUp(int256 size, uint256 priceWad) external pure returns (uint256) {
        return MarginMath.notionalUp(size, priceWad);
    }

    function initialMarginUp(
        int256 size,
        uint256 priceWad,
        uint256 initialMarginRatio
    ) external pure returns (uint256) {
        return MarginMath.initialMarginUp(size, priceWad, initialMarginRatio);
    }

    function maintenanceMarginUp(
        int256 size,
        uint256 priceWad,
        uint256 maintenanceMarginRatio,
        uint256 liquidationFeeUsd
    ) external pure returns (uint256) {
        return MarginMath.maintenanceMarginUp(size, priceWad, maintenanceMarginRatio, liquidationFeeUsd);
    }

    function blendedEntryPrice(
        int256 size0,
        uint256 entryPrice0,
        int256 sizeDelta,
        uint256 fillPriceWad
    ) external pure returns (uint256) {
        return MarginMath.blendedEntryPrice(size0, entryPrice0, sizeDelta, fillPriceWad);
    }
}

contract MarginMathTest is Test {
    uint256 internal constant WAD = 1e18;
    int256 internal constant IWAD = 1e18;
    uint256 internal constant MAX_SIZE = 1e36;
    uint256 internal constant MIN_PRICE = 1e6;
    uint256 internal constant MAX_PRICE = 1e30;
    /// @dev Margin ratios fuzzed up to 100 %; liquidation fees up to 1e30 USD (WAD).
    uint256 internal constant MAX_RATIO = 1e18;
    uint256 internal constant MAX_LIQ_FEE = 1e30;

    MarginMathHarness internal h;

    function setUp() public {
        h = new MarginMathHarness();
    }

    // ------------------------------------------------------------------ naive references

    function _abs(int256 x) internal pure returns (uint256) {
        return x < 0 ? uint256(-x) : uint256(x);
    }

    /// @dev floor(num / den), den > 0, from truncating division and a remainder check.
    function _floorDiv(int256 num, int256 den) internal pure returns (int256 q) {
        q = num / den;
        if (num % den != 0 && num < 0) q -= 1;
    }

    /// @dev ceil(num / den) for unsigned values, from truncating division and a remainder check.
    function _ceilDiv(uint256 num, uint256 den) internal pure returns (uint256 q) {
        q = num / den;
        if (num % den != 0) q += 1;
    }

    /// @dev |size|·price·ratio ≤ margin·WAD² < |size|·price·ratio + 2·WAD² (two roundings up, each < 1 wei after
    /// scaling since ratio ≤ WAD), in 512-bit arithmetic.
    function _checkMarginAgainstExact(uint256 margin, uint256 absSize, uint256 price, uint256 ratio) internal pure {
        (uint256 eHi, uint256 eLo) = NaiveU512.mul(absSize * price, ratio);
        (uint256 mHi, uint256 mLo) = NaiveU512.mul(margin, WAD * WAD);
        assertFalse(NaiveU512.lt(mHi, mLo, eHi, eLo), "margin >= exact");
        (uint256 capHi, uint256 capLo) = NaiveU512.add(eHi, eLo, 0, 2 * WAD * WAD);
        assertTrue(NaiveU512.lt(mHi, mLo, capHi, capLo), "margin < exact + 2 wei");
    }

    // ------------------------------------------------------------------ pnlDown

    function test_pnlDown_longAndShort() public view {
        // 2 units, 100 → 105: long +10, short −10.
        assertEq(h.pnlDown(2e18, 100e18, 105e18), 10e18, "long gains");
        assertEq(h.pnlDown(-2e18, 100e18, 105e18), -10e18, "short loses");
        assertEq(h.pnlDown(2e18, 105e18, 100e18), -10e18, "long loses");
        assertEq(h.pnlDown(-2e18, 105e18, 100e18), 10e18, "short gains");
    }

    function test_pnlDown_roundsDown() public view {
        // 1 wei of size · 1 wei of price = 1e-36 USD.
        assertEq(h.pnlDown(1, 100, 101), 0, "tiny gain -> 0");
        assertEq(h.pnlDown(1, 101, 100), -1, "tiny loss -> -1 wei");
        assertEq(h.pnlDown(-1, 100, 101), -1, "short tiny loss -> -1 wei");
        assertEq(h.pnlDown(-1, 101, 100), 0, "short tiny gain -> 0");
    }

    function test_pnlDown_bounds() public view {
        assertEq(h.pnlDown(1e36, 1e6, 1e30), (int256(1e36) * int256(1e30 - 1e6)) / IWAD, "max gain");
        assertEq(h.pnlDown(-1e36, 1e6, 1e30), (-int256(1e36) * int256(1e30 - 1e6)) / IWAD, "max loss");
    }

    function testFuzz_pnlDown_matchesNaiveFloor(int256 size, uint256 entry, uint256 price) public view {
        size = bound(size, -int256(MAX_SIZE), int256(MAX_SIZE));
        entry = bound(entry, MIN_PRICE, MAX_PRICE);
        price = bound(price, MIN_PRICE, MAX_PRICE);
        int256 exactTimesWad = size * (int256(price) - int256(entry));
        int256 pnl = h.pnlDown(size, entry, price);
        assertEq(pnl, _floorDiv(exactTimesWad, IWAD), "floor");
        assertLe(pnl * IWAD, exactTimesWad, "pnl <= exact");
        assertGt((pnl + 1) * IWAD, exactTimesWad, "pnl > exact - 1");
    }

    /// @dev A long and a short of the same size never gain together: floor(x) + floor(−x) ≤ 0.
    function testFuzz_pnlDown_longPlusShortNeverPositive(uint256 size, uint256 entry, uint256 price) public view {
        int256 s = int256(bound(size, 0, MAX_SIZE));
        entry = bound(entry, MIN_PRICE, MAX_PRICE);
        price = bound(price, MIN_PRICE, MAX_PRICE);
        int256 sum = h.pnlDown(s, entry, price) + h.pnlDown(-s, entry, price);
        assertLe(sum, 0, "long + short pnl <= 0");
        assertGe(sum, -1, "by at most 1 wei");
    }

    // ------------------------------------------------------------------ notionalUp

    function test_notionalUp_values() public view {
        assertEq(h.notionalUp(2e18, 1_500e18), 3_000e18, "long");
        assertEq(h.notionalUp(-2e18, 1_500e18), 3_000e18, "short uses |size|");
        assertEq(h.notionalUp(1, 1), 1, "1e-36 rounds up to 1 wei");
        assertEq(h.notionalUp(0, 1e30), 0, "no size");
        assertEq(h.notionalUp(-1e36, 1e30), 1e48, "bounds");
    }

    function testFuzz_notionalUp_matchesNaiveCeil(int256 size, uint256 price) public view {
        size = bound(size, -int256(MAX_SIZE), int256(MAX_SIZE));
        price = bound(price, MIN_PRICE, MAX_PRICE);
        uint256 exactTimesWad = _abs(size) * price;
        uint256 n = h.notionalUp(size, price);
        assertEq(n, _ceilDiv(exactTimesWad, WAD), "ceil");
        assertGe(n * WAD, exactTimesWad, "notional >= exact");
        assertLt(n * WAD, exactTimesWad + WAD, "notional < exact + 1");
    }

    // ------------------------------------------------------------------ initialMarginUp

    function test_initialMarginUp_values() public view {
        // 2 units at 1500 at 10 %: 300.
        assertEq(h.initialMarginUp(2e18, 1_500e18, 0.1e18), 300e18, "10%");
        assertEq(h.initialMarginUp(-2e18, 1_500e18, 0.1e18), 300e18, "short");
        // 1 wei at 1 wei at 10 %: notional 1 wei (up), margin 0.1 wei → 1 wei (up).
        assertEq(h.initialMarginUp(1, 1, 0.1e18), 1, "dust rounds up");
        assertEq(h.initialMarginUp(0, 1e30, 0.1e18), 0, "no size");
    }

    function testFuzz_initialMarginUp_atLeastExact(int256 size, uint256 price, uint256 ratio) public view {
        size = bound(size, -int256(MAX_SIZE), int256(MAX_SIZE));
        price = bound(price, MIN_PRICE, MAX_PRICE);
        ratio = bound(ratio, 0, MAX_RATIO);
        uint256 margin = h.initialMarginUp(size, price, ratio);
        _checkMarginAgainstExact(margin, _abs(size), price, ratio);
        // Reference written differently: ceilings as (x + d − 1)/d.
        assertEq(margin, (((_abs(size) * price + WAD - 1) / WAD) * ratio + WAD - 1) / WAD, "naive two-step ceil");
    }

    // ------------------------------------------------------------------ maintenanceMarginUp

    function test_maintenanceMarginUp_values() public view {
        // 2 units at 1500 at 5 % + 10 USD fee: 150 + 10.
        assertEq(h.maintenanceMarginUp(2e18, 1_500e18, 0.05e18, 10e18), 160e18, "5% + fee");
        assertEq(h.maintenanceMarginUp(-2e18, 1_500e18, 0.05e18, 10e18), 160e18, "short");
        assertEq(h.maintenanceMarginUp(1, 1, 0.05e18, 0), 1, "dust rounds up");
    }

    function test_maintenanceMarginUp_zeroSizeIsZero() public view {
        // No liquidation fee without a position.
        assertEq(h.maintenanceMarginUp(0, 1_500e18, 0.05e18, 10e18), 0, "zero size");
    }

    function testFuzz_maintenanceMarginUp_atLeastExact(
        int256 size,
        uint256 price,
        uint256 ratio,
        uint256 liqFee
    ) public view {
        size = bound(size, -int256(MAX_SIZE), int256(MAX_SIZE));
        price = bound(price, MIN_PRICE, MAX_PRICE);
        ratio = bound(ratio, 0, MAX_RATIO);
        liqFee = bound(liqFee, 0, MAX_LIQ_FEE);
        uint256 margin = h.maintenanceMarginUp(size, price, ratio, liqFee);
        if (size == 0) {
            assertEq(margin, 0, "zero size");
            return;
        }
        assertGe(margin, liqFee, "includes the liquidation fee");
        _checkMarginAgainstExact(margin - liqFee, _abs(size), price, ratio);
        assertEq(margin - liqFee, _ceilDiv(_ceilDiv(_abs(size) * price, WAD) * ratio, WAD), "naive two-step ceil");
    }

    /// @dev With maintenance ratio ≤ initial ratio and no liquidation fee, maintenance ≤ initial.
    function testFuzz_maintenanceMarginUp_notAboveInitial(
        int256 size,
        uint256 price,
        uint256 imr,
        uint256 mmr
    ) public view {
        size = bound(size, -int256(MAX_SIZE), int256(MAX_SIZE));
        price = bound(price, MIN_PRICE, MAX_PRICE);
        imr = bound(imr, 0, MAX_RATIO);
        mmr = bound(mmr, 0, imr);
        assertLe(h.maintenanceMarginUp(size, price, mmr, 0), h.initialMarginUp(size, price, imr), "mm <= im");
    }

    // ------------------------------------------------------------------ blendedEntryPrice

    function test_blendedEntryPrice_weightedAverage() public view {
        // 1 @ 100 + 3 @ 200 = 700 / 4 = 175.
        assertEq(h.blendedEntryPrice(1e18, 100e18, 3e18, 200e18), 175e18, "long");
        assertEq(h.blendedEntryPrice(-1e18, 100e18, -3e18, 200e18), 175e18, "short");
    }

    function test_blendedEntryPrice_roundsAgainstTheTrader() public view {
        // 1 wei @ 100 + 2 wei @ 101 = 302 / 3 = 100.67: a long gets 101 (higher entry), a short 100 (lower entry).
        assertEq(h.blendedEntryPrice(1, 100, 2, 101), 101, "long rounds up");
        assertEq(h.blendedEntryPrice(-1, 100, -2, 101), 100, "short rounds down");
    }

    function test_blendedEntryPrice_fromFlatIsFill() public view {
        assertEq(h.blendedEntryPrice(0, 0, 5e18, 123e18), 123e18, "long from flat");
        assertEq(h.blendedEntryPrice(0, 999e18, -5e18, 123e18), 123e18, "short from flat ignores the old entry");
    }

    function test_blendedEntryPrice_bounds() public view {
        // 1e36 @ 1e6 + 1e36 @ 1e30: (1e6 + 1e30)/2 exactly.
        assertEq(h.blendedEntryPrice(1e36, 1e6, 1e36, 1e30), (1e30 + 1e6) / 2, "long");
        assertEq(h.blendedEntryPrice(-1e36, 1e30, -1, 1e6), 1e30 - 1, "short: 1 wei at the low price pulls it down");
        assertEq(h.blendedEntryPrice(1e36, 1e6, 1, 1e30), 1e6 + 1, "long: 1 wei at the high price pulls it up");
    }

    function testFuzz_blendedEntryPrice_matchesNaive(
        uint256 size0,
        uint256 entry0,
        uint256 sizeDelta,
        uint256 fill,
        bool isLong
    ) public view {
        uint256 a0 = bound(size0, 0, MAX_SIZE);
        uint256 ad = bound(sizeDelta, 1, MAX_SIZE);
        entry0 = bound(entry0, MIN_PRICE, MAX_PRICE);
        fill = bound(fill, MIN_PRICE, MAX_PRICE);
        int256 s0 = isLong ? int256(a0) : -int256(a0);
        int256 sd = isLong ? int256(ad) : -int256(ad);
        uint256 got = h.blendedEntryPrice(s0, entry0, sd, fill);

        // exact = (a0·entry0 + ad·fill) / (a0 + ad)
        uint256 num = a0 * entry0 + ad * fill;
        uint256 den = a0 + ad;
        uint256 q = num / den;
        bool inexact = num % den != 0;
        uint256 expected = isLong && inexact ? q + 1 : q;
        assertEq(got, expected, "naive rounded average");
        if (isLong) {
            assertGe(got * den, num, "long entry >= exact");
            assertLt((got - 1) * den, num, "long entry < exact + 1");
        } else {
            assertLe(got * den, num, "short entry <= exact");
            assertGt((got + 1) * den, num, "short entry > exact - 1");
        }
        _checkBetween(got, a0 == 0 ? fill : entry0, fill);
    }

    /// @dev The blended price always lies between the two prices.
    function _checkBetween(uint256 got, uint256 p0, uint256 p1) internal pure {
        assertGe(got, p0 < p1 ? p0 : p1, ">= min price");
        assertLe(got, p0 < p1 ? p1 : p0, "<= max price");
    }
}
