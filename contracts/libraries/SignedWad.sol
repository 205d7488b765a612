// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MulDiv} from "./MulDiv.sol";

/// @title SignedWad
/// @notice Signed `a * b / d` with an explicit rounding direction: `Down` rounds towards −∞, `Up` towards +∞.
/// @dev The product never overflows in between: {MulDiv} falls back to 512 bits when it would.
library SignedWad {
    uint256 internal constant WAD = 1e18;

    error SignedWadOverflow();

    /// @notice floor(a * b / d) for d > 0.
    function mulDivDown(int256 a, int256 b, uint256 d) internal pure returns (int256 q) {
        unchecked {
            int256 p = a * b;
            // The product fits in int256 (every product the vault forms does): one signed division, floored.
            if (!(a == -1 && b == type(int256).min) && (a == 0 || p / a == b)) {
                if (d <= uint256(type(int256).max)) {
                    q = p / int256(d);
                    if (p < 0 && p % int256(d) != 0) --q;
                    return q;
                }
            }
        }
        (uint256 x, uint256 y, bool negative) = _split(a, b);
        return _signed(negative ? MulDiv.up(x, y, d) : MulDiv.down(x, y, d), negative);
    }

    /// @notice ceil(a * b / d) for d > 0.
    function mulDivUp(int256 a, int256 b, uint256 d) internal pure returns (int256 q) {
        unchecked {
            int256 p = a * b;
            if (!(a == -1 && b == type(int256).min) && (a == 0 || p / a == b)) {
                if (d <= uint256(type(int256).max)) {
                    q = p / int256(d);
                    if (p > 0 && p % int256(d) != 0) ++q;
                    return q;
                }
            }
        }
        (uint256 x, uint256 y, bool negative) = _split(a, b);
        return _signed(negative ? MulDiv.down(x, y, d) : MulDiv.up(x, y, d), negative);
    }

    /// @notice floor(a * b / WAD).
    function wMulDown(int256 a, int256 b) internal pure returns (int256) {
        return mulDivDown(a, b, WAD);
    }

    /// @notice ceil(a * b / WAD).
    function wMulUp(int256 a, int256 b) internal pure returns (int256) {
        return mulDivUp(a, b, WAD);
    }

    /// @dev |a|, |b| and the sign of the product. In two's complement −type(int256).min wraps to itself, and its
    /// uint256 is 2^255: the right magnitude.
    function _split(int256 a, int256 b) private pure returns (uint256 x, uint256 y, bool negative) {
        unchecked {
            x = a < 0 ? uint256(-a) : uint256(a);
            y = b < 0 ? uint256(-b) : uint256(b);
            negative = (a ^ b) < 0 && x != 0 && y != 0;
        }
    }

    function _signed(uint256 q, bool negative) private pure returns (int256) {
        if (negative) {
            if (q > uint256(type(int256).max) + 1) revert SignedWadOverflow();
            unchecked {
                return -int256(q); // q = 2^255 gives type(int256).min
            }
        }
        if (q > uint256(type(int256).max)) revert SignedWadOverflow();
        return int256(q);
    }
}
