// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MulDiv} from "./MulDiv.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {SignedWad} from "./SignedWad.sol";

/// @title MarginMath
/// @notice PnL, notional, margin requirements and average entry price (docs/units.md § Margin). USD amounts WAD.
library MarginMath {
    uint256 internal constant WAD = 1e18;

    /// @notice Unrealised PnL `size · (price − entry)`, rounded down (against the trader).
    function pnlDown(int256 size, uint256 entryPriceWad, uint256 priceWad) internal pure returns (int256) {
        return SignedWad.mulDivDown(size, int256(priceWad) - int256(entryPriceWad), WAD);
    }

    /// @notice `|size| · price`, rounded up.
    function notionalUp(int256 size, uint256 priceWad) internal pure returns (uint256) {
        return MulDiv.up(SignedMath.abs(size), priceWad, WAD);
    }

    /// @notice Initial margin of one position: `|size| · price · initialMarginRatio`, rounded up.
    function initialMarginUp(
        int256 size,
        uint256 priceWad,
        uint256 initialMarginRatio
    ) internal pure returns (uint256) {
        return MulDiv.up(notionalUp(size, priceWad), initialMarginRatio, WAD);
    }

    /// @notice Maintenance margin of one position: `|size| · price · maintenanceMarginRatio + liquidationFeeUsd`,
    /// rounded up; zero for a zero size.
    function maintenanceMarginUp(
        int256 size,
        uint256 priceWad,
        uint256 maintenanceMarginRatio,
        uint256 liquidationFeeUsd
    ) internal pure returns (uint256) {
        if (size == 0) return 0;
        return MulDiv.up(notionalUp(size, priceWad), maintenanceMarginRatio, WAD) + liquidationFeeUsd;
    }

    /// @notice Size-weighted average of the old entry and the fill, rounded against the trader: up for a long,
    /// down for a short. `size0` and `sizeDelta` have the same sign (an increase).
    function blendedEntryPrice(
        int256 size0,
        uint256 entryPrice0,
        int256 sizeDelta,
        uint256 fillPriceWad
    ) internal pure returns (uint256) {
        uint256 abs0 = SignedMath.abs(size0);
        uint256 absDelta = SignedMath.abs(sizeDelta);
        if (abs0 == 0) return fillPriceWad;
        uint256 weighted = abs0 * entryPrice0 + absDelta * fillPriceWad;
        return sizeDelta > 0 ? MulDiv.up(weighted, 1, abs0 + absDelta) : MulDiv.down(weighted, 1, abs0 + absDelta);
    }
}
