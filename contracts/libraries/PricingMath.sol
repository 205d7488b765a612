// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MulDiv} from "./MulDiv.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {SignedWad} from "./SignedWad.sol";

/// @title PricingMath
/// @notice Skew-based fill price and maker/taker fees (docs/units.md § Pricing). Prices USD WAD per unit, sizes units.
library PricingMath {
    uint256 internal constant WAD = 1e18;

    /// @notice `oracle · (1 + (skewBefore + skewAfter) / 2 / skewScale)`, rounded against the trader: up for a buy
    /// (`sizeDelta > 0`), down for a sell. May be ≤ 0 for absurd skews; the caller rejects that.
    function fillPrice(
        uint256 oraclePriceWad,
        int256 skewBefore,
        int256 sizeDelta,
        uint256 skewScale
    ) internal pure returns (int256) {
        int256 skewSum = 2 * skewBefore + sizeDelta;
        int256 premium =
            sizeDelta > 0
                ? SignedWad.mulDivUp(int256(oraclePriceWad), skewSum, 2 * skewScale)
                : SignedWad.mulDivDown(int256(oraclePriceWad), skewSum, 2 * skewScale);
        return int256(oraclePriceWad) + premium;
    }

    /// @notice Fee in USD (WAD), rounded up: the maker ratio on the part of `sizeDelta` that reduces |skew|, the
    /// taker ratio on the rest, both on notional at the fill price.
    function tradeFeeUp(
        int256 skewBefore,
        int256 sizeDelta,
        uint256 fillPriceWad,
        uint256 takerFeeRatio,
        uint256 makerFeeRatio
    ) internal pure returns (uint256 feeUsd) {
        uint256 absDelta = SignedMath.abs(sizeDelta);
        uint256 makerSize;
        if ((skewBefore > 0 && sizeDelta < 0) || (skewBefore < 0 && sizeDelta > 0)) {
            makerSize = Math.min(absDelta, SignedMath.abs(skewBefore));
        }
        uint256 takerSize = absDelta - makerSize;
        if (makerSize != 0) feeUsd = _feeUp(makerSize, fillPriceWad, makerFeeRatio);
        if (takerSize != 0) feeUsd += _feeUp(takerSize, fillPriceWad, takerFeeRatio);
    }

    /// @notice Surcharge in USD (WAD), rounded up, of an immediate trade in a market with the latency defence on:
    /// `immediateFeeRatio` on the notional at the fill price.
    function immediateFeeUp(
        int256 sizeDelta,
        uint256 fillPriceWad,
        uint256 immediateFeeRatio
    ) internal pure returns (uint256) {
        return _feeUp(SignedMath.abs(sizeDelta), fillPriceWad, immediateFeeRatio);
    }

    function _feeUp(uint256 size, uint256 priceWad, uint256 ratio) private pure returns (uint256) {
        return MulDiv.up(MulDiv.up(size, priceWad, WAD), ratio, WAD);
    }
}
