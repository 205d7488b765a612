// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title MulDiv
/// @notice `x · y / d` rounded down or up, exact. When `x · y` fits in 256 bits (every product the vault forms from its
/// bounded sizes, prices and ratios) it is one multiplication and one division; otherwise OpenZeppelin's 512-bit
/// `Math.mulDiv`. Same results either way (`test/solidity/libraries/MulDiv.t.sol`); a trade forms some thirty such
/// products, and the 512-bit path costs several hundred gas each.
library MulDiv {
    /// @notice floor(x · y / d); reverts on d = 0 or a quotient above 2^256 − 1.
    function down(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        unchecked {
            if (y == 0 || x <= type(uint256).max / y) {
                if (d == 0) Math.mulDiv(x, y, d); // OpenZeppelin's division-by-zero panic
                return (x * y) / d;
            }
        }
        return Math.mulDiv(x, y, d);
    }

    /// @notice ceil(x · y / d); reverts on d = 0 or a quotient above 2^256 − 1.
    function up(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        unchecked {
            if (y == 0 || x <= type(uint256).max / y) {
                if (d == 0) Math.mulDiv(x, y, d);
                uint256 p = x * y;
                return p / d + (p % d == 0 ? 0 : 1);
            }
        }
        return Math.mulDiv(x, y, d, Math.Rounding.Ceil);
    }
}
