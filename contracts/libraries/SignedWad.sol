// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

/// @title SignedWad
/// @notice Signed `a * b / d` with an explicit rounding direction: `Down` rounds towards −∞, `Up` towards +∞.
/// @dev The product is computed in 512 bits by OpenZeppelin's `Math.mulDiv`, so it never overflows in between.
library SignedWad {
    uint256 internal constant WAD = 1e18;

    error SignedWadOverflow();

    /// @notice floor(a * b / d) for d > 0.
    function mulDivDown(int256 a, int256 b, uint256 d) internal pure returns (int256) {
        bool negative = (a < 0) != (b < 0);
        uint256 q = Math.mulDiv(
            SignedMath.abs(a),
            SignedMath.abs(b),
            d,
            negative ? Math.Rounding.Ceil : Math.Rounding.Floor
        );
        return _signed(q, negative);
    }

    /// @notice ceil(a * b / d) for d > 0.
    function mulDivUp(int256 a, int256 b, uint256 d) internal pure returns (int256) {
        bool negative = (a < 0) != (b < 0);
        uint256 q = Math.mulDiv(
            SignedMath.abs(a),
            SignedMath.abs(b),
            d,
            negative ? Math.Rounding.Floor : Math.Rounding.Ceil
        );
        return _signed(q, negative);
    }

    /// @notice floor(a * b / WAD).
    function wMulDown(int256 a, int256 b) internal pure returns (int256) {
        return mulDivDown(a, b, WAD);
    }

    /// @notice ceil(a * b / WAD).
    function wMulUp(int256 a, int256 b) internal pure returns (int256) {
        return mulDivUp(a, b, WAD);
    }

    function _signed(uint256 q, bool negative) private pure returns (int256) {
        if (negative) {
            if (q > uint256(type(int256).max) + 1) revert SignedWadOverflow();
            return q == uint256(type(int256).max) + 1 ? type(int256).min : -int256(q);
        }
        if (q > uint256(type(int256).max)) revert SignedWadOverflow();
        return int256(q);
    }
}
