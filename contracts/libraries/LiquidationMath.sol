// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MulDiv} from "./MulDiv.sol";
import {SignedWad} from "./SignedWad.sol";

/// @title LiquidationMath
/// @notice Keeper reward, liquidation penalty and the partial-liquidation fraction (docs/units.md § Liquidation).
/// USD amounts and ratios are WAD.
library LiquidationMath {
    uint256 internal constant WAD = 1e18;

    /// @notice `clamp(closedNotional · keeperFeeRatio, minKeeperFee, maxKeeperFee)`, the product rounded down.
    function keeperRewardUsd(
        uint256 closedNotionalUsd,
        uint256 keeperFeeRatio,
        uint256 minKeeperFeeUsd,
        uint256 maxKeeperFeeUsd
    ) internal pure returns (uint256) {
        uint256 reward = MulDiv.down(closedNotionalUsd, keeperFeeRatio, WAD);
        if (reward < minKeeperFeeUsd) return minKeeperFeeUsd;
        if (reward > maxKeeperFeeUsd) return maxKeeperFeeUsd;
        return reward;
    }

    /// @notice `max(closedNotional · penaltyRatio (rounded up), keeperReward)`: the penalty always covers the reward,
    /// so liquidating one's own account never pays.
    function penaltyUsd(
        uint256 closedNotionalUsd,
        uint256 penaltyRatio,
        uint256 keeperRewardUsd_
    ) internal pure returns (uint256) {
        uint256 penalty = MulDiv.up(closedNotionalUsd, penaltyRatio, WAD);
        return penalty > keeperRewardUsd_ ? penalty : keeperRewardUsd_;
    }

    /// @notice Smallest fraction f (WAD, rounded up) of every position to close at the oracle price so that
    /// `equity − penaltyRatio·f·notional ≥ (1 + buffer) · ((1 − f)·mmVariable + mmFlat)`; `WAD` means close all.
    /// @param equityUsd Account equity (signed) with funding accrued.
    /// @param notionalUsd Σ |size|·price over the account's positions.
    /// @param mmVariableUsd Σ |size|·price·maintenanceMarginRatio.
    /// @param mmFlatUsd Σ liquidationFeeUsd (stays while a position stays open).
    function partialFraction(
        int256 equityUsd,
        uint256 notionalUsd,
        uint256 mmVariableUsd,
        uint256 mmFlatUsd,
        uint256 penaltyRatio,
        uint256 bufferRatio
    ) internal pure returns (uint256) {
        if (equityUsd <= 0) return WAD;
        uint256 scale = WAD + bufferRatio;
        // f · ((1+b)·Mv − p·N) ≥ (1+b)·(Mv + F) − E
        uint256 lhsPerFraction = MulDiv.down(mmVariableUsd, scale, WAD);
        uint256 penaltyPerFraction = MulDiv.up(notionalUsd, penaltyRatio, WAD);
        if (lhsPerFraction <= penaltyPerFraction) return WAD;
        uint256 target = MulDiv.up(mmVariableUsd + mmFlatUsd, scale, WAD);
        if (target <= uint256(equityUsd)) return 0;
        uint256 fraction = MulDiv.up(target - uint256(equityUsd), WAD, lhsPerFraction - penaltyPerFraction);
        return fraction >= WAD ? WAD : fraction;
    }

    /// @notice The price of one position's market (USD WAD) at which its account's equity would equal its maintenance
    /// margin, everything else as now; 0 when no positive price does. `equity(P) − MM(P)` is linear in P with slope
    /// `size − |size|·mmr` (funding held at its current value), so `P* = P + (MM − equity) / slope`, rounded towards
    /// the current price: the warning comes early, never late.
    /// @param sizeWad The position's signed size (units, WAD), non-zero.
    /// @param priceWad The market's current oracle price (USD WAD).
    /// @param equityUsd The account's equity at current prices (USD WAD, signed).
    /// @param maintenanceMarginUsd The account's maintenance margin at current prices (USD WAD).
    /// @param maintenanceMarginRatio The market's maintenance margin ratio (WAD, < 1e18).
    function liquidationPrice(
        int256 sizeWad,
        uint256 priceWad,
        int256 equityUsd,
        uint256 maintenanceMarginUsd,
        uint256 maintenanceMarginRatio
    ) internal pure returns (uint256) {
        int256 mmr = int256(maintenanceMarginRatio);
        int256 slope =
            sizeWad > 0
                ? SignedWad.mulDivDown(sizeWad, int256(WAD) - mmr, WAD)
                : SignedWad.mulDivUp(sizeWad, int256(WAD) + mmr, WAD);
        if (slope == 0) return 0;
        int256 gap = int256(maintenanceMarginUsd) - equityUsd;
        int256 move =
            sizeWad > 0
                ? SignedWad.mulDivUp(gap, int256(WAD), uint256(slope))
                : -SignedWad.mulDivUp(gap, int256(WAD), uint256(-slope));
        int256 price = int256(priceWad) + move;
        return price <= 0 ? 0 : uint256(price);
    }
}
