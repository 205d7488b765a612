// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "./Vm.sol";

/// @notice Minimal test base: the cheatcode handle, assertions that revert with both values, and `bound`.
abstract contract Test {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    error AssertionFailed(string message);
    error AssertionFailedUint(string message, uint256 left, uint256 right);
    error AssertionFailedInt(string message, int256 left, int256 right);
    error AssertionFailedAddress(string message, address left, address right);

    /// @dev Invariant tests call this to restrict fuzzed senders; the default allows all.
    bool public IS_TEST = true;

    function fail(string memory message) internal pure {
        revert AssertionFailed(message);
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert AssertionFailed(message);
    }

    function assertTrue(bool condition) internal pure {
        assertTrue(condition, "expected true");
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) revert AssertionFailed(message);
    }

    function assertFalse(bool condition) internal pure {
        assertFalse(condition, "expected false");
    }

    function assertEq(bytes memory left, bytes memory right, string memory message) internal pure {
        if (keccak256(left) != keccak256(right)) revert AssertionFailed(message);
    }

    function assertEq(bytes memory left, bytes memory right) internal pure {
        assertEq(left, right, "bytes not equal");
    }

    function assertEq(uint256 left, uint256 right, string memory message) internal pure {
        if (left != right) revert AssertionFailedUint(message, left, right);
    }

    function assertEq(uint256 left, uint256 right) internal pure {
        assertEq(left, right, "not equal");
    }

    function assertEq(int256 left, int256 right, string memory message) internal pure {
        if (left != right) revert AssertionFailedInt(message, left, right);
    }

    function assertEq(int256 left, int256 right) internal pure {
        assertEq(left, right, "not equal");
    }

    function assertEq(address left, address right, string memory message) internal pure {
        if (left != right) revert AssertionFailedAddress(message, left, right);
    }

    function assertEq(address left, address right) internal pure {
        assertEq(left, right, "not equal");
    }

    function assertEq(bool left, bool right, string memory message) internal pure {
        if (left != right) revert AssertionFailed(message);
    }

    function assertEq(bytes32 left, bytes32 right, string memory message) internal pure {
        if (left != right) revert AssertionFailedUint(message, uint256(left), uint256(right));
    }

    function assertLe(uint256 left, uint256 right, string memory message) internal pure {
        if (left > right) revert AssertionFailedUint(message, left, right);
    }

    function assertLe(int256 left, int256 right, string memory message) internal pure {
        if (left > right) revert AssertionFailedInt(message, left, right);
    }

    function assertGe(uint256 left, uint256 right, string memory message) internal pure {
        if (left < right) revert AssertionFailedUint(message, left, right);
    }

    function assertGe(int256 left, int256 right, string memory message) internal pure {
        if (left < right) revert AssertionFailedInt(message, left, right);
    }

    function assertLt(uint256 left, uint256 right, string memory message) internal pure {
        if (left >= right) revert AssertionFailedUint(message, left, right);
    }

    function assertLt(int256 left, int256 right, string memory message) internal pure {
        if (left >= right) revert AssertionFailedInt(message, left, right);
    }

    function assertGt(uint256 left, uint256 right, string memory message) internal pure {
        if (left <= right) revert AssertionFailedUint(message, left, right);
    }

    function assertGt(int256 left, int256 right, string memory message) internal pure {
        if (left <= right) revert AssertionFailedInt(message, left, right);
    }

    function assertApproxEqAbs(uint256 left, uint256 right, uint256 maxDelta, string memory message) internal pure {
        uint256 delta = left > right ? left - right : right - left;
        if (delta > maxDelta) revert AssertionFailedUint(message, left, right);
    }

    function assertApproxEqAbs(int256 left, int256 right, uint256 maxDelta, string memory message) internal pure {
        uint256 delta = left > right ? uint256(left - right) : uint256(right - left);
        if (delta > maxDelta) revert AssertionFailedInt(message, left, right);
    }

    /// @dev Maps `x` into [min, max] without rejecting inputs (as forge-std's `bound`).
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 size = max - min + 1;
        if (size == 0) return x; // full range
        return min + (x % size);
    }

    function bound(int256 x, int256 min, int256 max) internal pure returns (int256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        // Shift to unsigned space, bound there, shift back.
        uint256 ux = uint256(x) ^ (1 << 255);
        uint256 umin = uint256(min) ^ (1 << 255);
        uint256 umax = uint256(max) ^ (1 << 255);
        return int256(bound(ux, umin, umax) ^ (1 << 255));
    }
}
