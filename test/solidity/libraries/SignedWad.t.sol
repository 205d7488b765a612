// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {SignedWad} from "../../../contracts/libraries/SignedWad.sol";

/// @notice Deliberately naive 512-bit unsigned arithmetic used as an independent reference by the library tests
/// (SignedWad, PricingMath, MarginMath). Schoolbook multiplication on 128-bit limbs and bit-by-bit long division:
/// slow, but shares no code or trick with OpenZeppelin's `Math.mulDiv`.
library NaiveU512 {
    uint256 private constant LIMB = (1 << 128) - 1;

    /// @dev a · b as (hi, lo) = hi · 2²⁵⁶ + lo.
    function mul(uint256 a, uint256 b) internal pure returns (uint256 hi, uint256 lo) {
        uint256 a1 = a >> 128;
        uint256 a0 = a & LIMB;
        uint256 b1 = b >> 128;
        uint256 b0 = b & LIMB;
        // Each partial product of two 128-bit limbs fits in 256 bits.
        uint256 p00 = a0 * b0;
        uint256 p01 = a0 * b1;
        uint256 p10 = a1 * b0;
        uint256 p11 = a1 * b1;
        unchecked {
            uint256 mid = p01 + p10; // weight 2¹²⁸
            uint256 midCarry = mid < p01 ? 1 : 0; // weight 2²⁵⁶ · 2¹²⁸
            lo = p00 + (mid << 128);
            uint256 loCarry = lo < p00 ? 1 : 0;
            hi = p11 + (mid >> 128) + (midCarry << 128) + loCarry;
        }
    }

    function add(uint256 aHi, uint256 aLo, uint256 bHi, uint256 bLo) internal pure returns (uint256 hi, uint256 lo) {
        unchecked {
            lo = aLo + bLo;
            hi = aHi + bHi + (lo < aLo ? 1 : 0);
        }
        require(hi >= aHi, "NaiveU512: add overflow");
    }

    /// @dev a < b for 512-bit values.
    function lt(uint256 aHi, uint256 aLo, uint256 bHi, uint256 bLo) internal pure returns (bool) {
        return aHi < bHi || (aHi == bHi && aLo < bLo);
    }

    /// @dev (hi, lo) / d by shift-and-subtract, one bit at a time: quotient (qHi, qLo) and remainder.
    function divRem(uint256 hi, uint256 lo, uint256 d) internal pure returns (uint256 qHi, uint256 qLo, uint256 r) {
        require(d != 0, "NaiveU512: division by zero");
        for (uint256 i = hi == 0 ? 256 : 512; i > 0;) {
            unchecked {
                --i;
                uint256 bit = i >= 256 ? (hi >> (i - 256)) & 1 : (lo >> i) & 1;
                bool carry = (r >> 255) == 1; // the shifted remainder would be ≥ 2²⁵⁶ > d
                r = (r << 1) | bit;
                if (carry || r >= d) {
                    r -= d; // wraps back to the true value (< d) when `carry`
                    if (i >= 256) qHi |= 1 << (i - 256);
                    else qLo |= 1 << i;
                }
            }
        }
    }

    /// @dev floor(a · b / d) and whether the remainder is non-zero; reverts when the quotient needs > 256 bits.
    function mulDivFloor(uint256 a, uint256 b, uint256 d) internal pure returns (uint256 q, bool inexact) {
        (uint256 hi, uint256 lo) = mul(a, b);
        (uint256 qHi, uint256 qLo, uint256 r) = divRem(hi, lo, d);
        require(qHi == 0, "NaiveU512: quotient overflow");
        return (qLo, r != 0);
    }
}

/// @notice Exposes the internal SignedWad functions so that reverts can be observed with try/catch.
contract SignedWadHarness {
    function mulDivDown(int256 a, int256 b, uint256 d) external pure returns (int256) {
        return SignedWad.mulDivDown(a, b, d);
    }

    function mulDivUp(int256 a, int256 b, uint256 d) external pure returns (int256) {
        return SignedWad.mulDivUp(a, b, d);
    }

    function wMulDown(int256 a, int256 b) external pure returns (int256) {
        return SignedWad.wMulDown(a, b);
    }

    function wMulUp(int256 a, int256 b) external pure returns (int256) {
        return SignedWad.wMulUp(a, b);
    }
}

contract SignedWadTest is Test {
    uint256 internal constant WAD = 1e18;
    int256 internal constant MIN = type(int256).min;
    int256 internal constant MAX = type(int256).max;
    /// @dev |a|, |b| below this bound keep a · b inside int256, so the naive reference can use plain `*`, `/`, `%`.
    int256 internal constant SMALL = int256(uint256(type(uint128).max) >> 1);

    bytes internal constant PANIC_OVERFLOW = abi.encodeWithSignature("Panic(uint256)", 0x11);
    bytes internal constant PANIC_DIV_ZERO = abi.encodeWithSignature("Panic(uint256)", 0x12);

    SignedWadHarness internal h;

    function setUp() public {
        h = new SignedWadHarness();
    }

    // ------------------------------------------------------------------ naive references

    /// @dev floor(p / d) from Solidity's truncating division and a remainder check.
    function _floorDiv(int256 p, int256 d) internal pure returns (int256 q) {
        q = p / d;
        if (p % d != 0 && ((p < 0) != (d < 0))) q -= 1;
    }

    /// @dev ceil(p / d) from Solidity's truncating division and a remainder check.
    function _ceilDiv(int256 p, int256 d) internal pure returns (int256 q) {
        q = p / d;
        if (p % d != 0 && ((p < 0) == (d < 0))) q += 1;
    }

    function _abs(int256 x) internal pure returns (uint256) {
        if (x == MIN) return uint256(MAX) + 1;
        return x < 0 ? uint256(-x) : uint256(x);
    }

    /// @dev Spreads a fuzzed value over magnitudes: an arithmetic right shift by 0..255 bits.
    function _spread(int256 x, uint256 shift) internal pure returns (int256) {
        return x >> (shift % 256);
    }

    /// @dev Expected outcome of a signed floor/ceil mulDiv, from the naive 512-bit reference: either a value or the
    /// exact revert data (Panic 0x11 when the magnitude needs more than 256 bits, SignedWadOverflow when it fits in
    /// uint256 but not in int256).
    function _expected(
        int256 a,
        int256 b,
        uint256 d,
        bool roundUp
    ) internal pure returns (bool ok, int256 value, bytes memory err) {
        bool negative = (a < 0) != (b < 0);
        (uint256 hi, uint256 lo) = NaiveU512.mul(_abs(a), _abs(b));
        (uint256 qHi, uint256 qLo, uint256 r) = NaiveU512.divRem(hi, lo, d);
        // floor of a negative value / ceil of a positive one: the magnitude goes up when inexact.
        bool bump = r != 0 && (negative != roundUp);
        if (bump) {
            unchecked {
                qLo += 1;
            }
            if (qLo == 0) qHi += 1;
        }
        if (qHi != 0) return (false, 0, PANIC_OVERFLOW);
        uint256 limit = negative ? uint256(MAX) + 1 : uint256(MAX);
        if (qLo > limit) return (false, 0, abi.encodeWithSelector(SignedWad.SignedWadOverflow.selector));
        if (!negative) return (true, int256(qLo), "");
        return (true, qLo == uint256(MAX) + 1 ? MIN : -int256(qLo), "");
    }

    function _checkAgainst512(int256 a, int256 b, uint256 d, bool roundUp) internal view {
        (bool ok, int256 value, bytes memory err) = _expected(a, b, d, roundUp);
        (bool success, bytes memory ret) = address(h).staticcall(
            roundUp ? abi.encodeCall(h.mulDivUp, (a, b, d)) : abi.encodeCall(h.mulDivDown, (a, b, d))
        );
        if (success) {
            assertTrue(ok, "expected a revert");
            assertEq(abi.decode(ret, (int256)), value, roundUp ? "mulDivUp != naive" : "mulDivDown != naive");
        } else {
            assertFalse(ok, "unexpected revert");
            assertEq(keccak256(ret), keccak256(err), "wrong revert reason");
        }
    }

    // ------------------------------------------------------------------ unit tests

    /// @dev The reference itself, on values checkable by hand.
    function test_naiveU512_selfCheck() public pure {
        (uint256 hi, uint256 lo) = NaiveU512.mul(1 << 255, 4);
        assertEq(hi, 2, "2^257 hi");
        assertEq(lo, 0, "2^257 lo");
        (hi, lo) = NaiveU512.mul(type(uint256).max, type(uint256).max); // (2^256 - 1)^2 = (2^256 - 2) * 2^256 + 1
        assertEq(hi, type(uint256).max - 1, "max^2 hi");
        assertEq(lo, 1, "max^2 lo");
        (uint256 qHi, uint256 qLo, uint256 r) = NaiveU512.divRem(hi, lo, type(uint256).max);
        assertEq(qHi, 0, "max^2 / max hi");
        assertEq(qLo, type(uint256).max, "max^2 / max lo");
        assertEq(r, 0, "max^2 % max");
        // (2^256 - 1)^2 / 3 = (2^256 - 1) / 3 · (2^256 - 1) exactly, since 2^256 - 1 = 3 · 0x5555…55.
        (qHi, qLo, r) = NaiveU512.divRem(hi, lo, 3);
        (uint256 backHi, uint256 backLo) = NaiveU512.mul(type(uint256).max / 3, type(uint256).max);
        assertEq(backHi, qHi, "max^2 / 3 (hi)");
        assertEq(backLo, qLo, "max^2 / 3 (lo)");
        assertEq(r, 0, "exact");
        (uint256 q, bool inexact) = NaiveU512.mulDivFloor(7, 3, 2);
        assertEq(q, 10, "21 / 2");
        assertTrue(inexact, "21 % 2");
    }

    function test_mulDivDown_exactPositive() public view {
        assertEq(h.mulDivDown(3e18, 2e18, WAD), 6e18, "3 * 2");
        assertEq(h.mulDivDown(-3e18, -2e18, WAD), 6e18, "-3 * -2");
    }

    function test_mulDivDown_exactNegative() public view {
        assertEq(h.mulDivDown(-3e18, 2e18, WAD), -6e18, "-3 * 2");
        assertEq(h.mulDivDown(3e18, -2e18, WAD), -6e18, "3 * -2");
    }

    function test_mulDivDown_roundsTowardsNegativeInfinity() public view {
        assertEq(h.mulDivDown(7, 1, 2), 3, "3.5 -> 3");
        assertEq(h.mulDivDown(-7, 1, 2), -4, "-3.5 -> -4");
        assertEq(h.mulDivDown(1, 1, 3), 0, "0.33 -> 0");
        assertEq(h.mulDivDown(-1, 1, 3), -1, "-0.33 -> -1");
        assertEq(h.mulDivDown(1, -1, type(uint256).max), -1, "-tiny -> -1");
    }

    function test_mulDivUp_roundsTowardsPositiveInfinity() public view {
        assertEq(h.mulDivUp(7, 1, 2), 4, "3.5 -> 4");
        assertEq(h.mulDivUp(-7, 1, 2), -3, "-3.5 -> -3");
        assertEq(h.mulDivUp(1, 1, 3), 1, "0.33 -> 1");
        assertEq(h.mulDivUp(-1, 1, 3), 0, "-0.33 -> 0");
        assertEq(h.mulDivUp(1, 1, type(uint256).max), 1, "tiny -> 1");
    }

    function test_mulDivDown_zeroOperand() public view {
        assertEq(h.mulDivDown(0, -5, 3), 0, "0 * -5");
        assertEq(h.mulDivDown(-5, 0, 3), 0, "-5 * 0");
        assertEq(h.mulDivUp(-5, 0, 3), 0, "up -5 * 0");
    }

    function test_wMulDown_smallestUnits() public view {
        assertEq(h.wMulDown(1, 1), 0, "1e-36 -> 0");
        assertEq(h.wMulDown(-1, 1), -1, "-1e-36 -> -1e-18");
        assertEq(h.wMulDown(-1.5e18, 1e18), -1.5e18, "exact");
        assertEq(h.wMulDown(-1.5e18, 0.5e18 + 1), -0.75e18 - 2, "-0.75e18 - 1.5 -> -0.75e18 - 2");
    }

    function test_wMulUp_smallestUnits() public view {
        assertEq(h.wMulUp(1, 1), 1, "1e-36 -> 1e-18");
        assertEq(h.wMulUp(-1, 1), 0, "-1e-36 -> 0");
        assertEq(h.wMulUp(1.5e18, 0.5e18 + 1), 0.75e18 + 2, "0.75e18 + 1.5 -> 0.75e18 + 2");
    }

    function test_mulDivDown_int256MinResult() public view {
        assertEq(h.mulDivDown(MIN, 1, 1), MIN, "min * 1");
        assertEq(h.mulDivUp(MIN, 1, 1), MIN, "up min * 1");
        assertEq(h.mulDivDown(MIN, 2, 2), MIN, "min * 2 / 2 (512-bit intermediate)");
        assertEq(h.mulDivDown(MIN / 2, 2, 1), MIN, "-2^254 * 2");
        assertEq(h.mulDivUp(MAX, -1, 1), MIN + 1, "max * -1");
    }

    function test_mulDivDown_revertsOnSignedOverflow() public {
        // |min| = 2^255 fits in uint256 but a positive 2^255 does not fit in int256.
        vm.expectRevert(SignedWad.SignedWadOverflow.selector);
        h.mulDivDown(MIN, -1, 1);
    }

    function test_mulDivUp_revertsOnSignedOverflow() public {
        vm.expectRevert(SignedWad.SignedWadOverflow.selector);
        h.mulDivUp(MAX, 2, 1);
    }

    function test_mulDivDown_revertsOnUint256Overflow() public {
        vm.expectRevert(PANIC_OVERFLOW);
        h.mulDivDown(MAX, MAX, 1);
    }

    function test_mulDivDown_revertsOnZeroDenominator() public {
        vm.expectRevert(PANIC_DIV_ZERO);
        h.mulDivDown(1, 1, 0);
    }

    function test_mulDivUp_revertsOnZeroDenominator() public {
        vm.expectRevert(PANIC_DIV_ZERO);
        h.mulDivUp(MAX, MAX, 0);
    }

    // ------------------------------------------------------------------ fuzz: small range, plain int reference

    function testFuzz_mulDivDown_matchesNaiveSmall(int256 a, int256 b, uint256 d) public view {
        a = bound(a, -SMALL, SMALL);
        b = bound(b, -SMALL, SMALL);
        d = bound(d, 1, uint256(MAX));
        int256 expected = _floorDiv(a * b, int256(d));
        assertEq(h.mulDivDown(a, b, d), expected, "floor");
    }

    function testFuzz_mulDivUp_matchesNaiveSmall(int256 a, int256 b, uint256 d) public view {
        a = bound(a, -SMALL, SMALL);
        b = bound(b, -SMALL, SMALL);
        d = bound(d, 1, uint256(MAX));
        int256 expected = _ceilDiv(a * b, int256(d));
        assertEq(h.mulDivUp(a, b, d), expected, "ceil");
    }

    function testFuzz_wMulDown_matchesNaiveSmall(int256 a, int256 b) public view {
        a = bound(a, -SMALL, SMALL);
        b = bound(b, -SMALL, SMALL);
        int256 p = a * b;
        int256 got = h.wMulDown(a, b);
        assertEq(got, _floorDiv(p, int256(WAD)), "floor");
        // got ≤ p / WAD < got + 1
        assertLe(got * int256(WAD), p, "down <= exact");
        assertGt((got + 1) * int256(WAD), p, "down > exact - 1");
    }

    function testFuzz_wMulUp_matchesNaiveSmall(int256 a, int256 b) public view {
        a = bound(a, -SMALL, SMALL);
        b = bound(b, -SMALL, SMALL);
        int256 p = a * b;
        int256 got = h.wMulUp(a, b);
        assertEq(got, _ceilDiv(p, int256(WAD)), "ceil");
        assertGe(got * int256(WAD), p, "up >= exact");
        assertLt((got - 1) * int256(WAD), p, "up < exact + 1");
    }

    // ------------------------------------------------------------------ fuzz: full range, naive 512-bit reference

    function testFuzz_mulDivDown_matchesNaive512(
        int256 a,
        int256 b,
        uint256 d,
        uint256 shiftA,
        uint256 shiftB,
        uint256 shiftD
    ) public view {
        a = _spread(a, shiftA);
        b = _spread(b, shiftB);
        d = d >> (shiftD % 256);
        if (d == 0) d = 1;
        _checkAgainst512(a, b, d, false);
    }

    function testFuzz_mulDivUp_matchesNaive512(
        int256 a,
        int256 b,
        uint256 d,
        uint256 shiftA,
        uint256 shiftB,
        uint256 shiftD
    ) public view {
        a = _spread(a, shiftA);
        b = _spread(b, shiftB);
        d = d >> (shiftD % 256);
        if (d == 0) d = 1;
        _checkAgainst512(a, b, d, true);
    }

    /// @dev Large operands whose quotient still fits: d ≥ |a|, so |a·b/d| ≤ |b|.
    function testFuzz_mulDivDown_largeOperandsFit(int256 a, int256 b, uint256 d) public view {
        d = bound(d, _abs(a) == 0 ? 1 : _abs(a), type(uint256).max);
        _checkAgainst512(a, b, d, false);
        _checkAgainst512(a, b, d, true);
    }

    // ------------------------------------------------------------------ fuzz: properties

    function testFuzz_mulDivUp_isDownPlusOneIffInexact(int256 a, int256 b, uint256 d) public view {
        a = bound(a, -int256(1e38), int256(1e38));
        b = bound(b, -int256(1e38), int256(1e38));
        d = bound(d, 1, 1e60);
        int256 down = h.mulDivDown(a, b, d);
        int256 up = h.mulDivUp(a, b, d);
        bool exact = mulmod(_abs(a), _abs(b), d) == 0;
        assertEq(up - down, exact ? int256(0) : int256(1), "up - down");
    }

    function testFuzz_mulDivUp_isNegatedDownOfNegation(int256 a, int256 b, uint256 d) public view {
        a = bound(a, -int256(1e38), int256(1e38));
        b = bound(b, -int256(1e38), int256(1e38));
        d = bound(d, 1, 1e60);
        assertEq(h.mulDivUp(a, b, d), -h.mulDivDown(-a, b, d), "ceil(x) == -floor(-x)");
    }
}
