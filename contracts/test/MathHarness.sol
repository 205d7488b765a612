// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FundingMath} from "../libraries/FundingMath.sol";
import {MarginMath} from "../libraries/MarginMath.sol";
import {PackedPosition, PositionMath} from "../libraries/PositionMath.sol";
import {PricingMath} from "../libraries/PricingMath.sol";
import {SignedWad} from "../libraries/SignedWad.sol";

/// @title MathHarness
/// @notice Test only: every math library function, and PerpVault's pure position helpers, as external functions, plus
/// `tryBatch` to run many of them in one `eth_call`. The SDK's parity test (test/ts/math-parity.test.ts) runs the same
/// vectors through these and through `src/math/`.
contract MathHarness {
    /// @notice Runs each call against this contract and returns, per call, whether it succeeded and its return data
    /// (or revert data), so that one eth_call covers a whole batch of vectors, reverts included.
    function tryBatch(bytes[] calldata calls) external view returns (bool[] memory ok, bytes[] memory results) {
        ok = new bool[](calls.length);
        results = new bytes[](calls.length);
        for (uint256 i; i < calls.length; ++i) {
            (ok[i], results[i]) = address(this).staticcall(calls[i]);
        }
    }

    // ================================================================ SignedWad

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

    // ================================================================ FundingMath

    function proportionalSkew(int256 skew, uint256 skewScale) external pure returns (int256) {
        return FundingMath.proportionalSkew(skew, skewScale);
    }

    function accrue(
        int256 rate0,
        int256 skew,
        uint256 skewScale,
        uint256 maxVelocity,
        uint256 maxRate,
        uint256 elapsed,
        uint256 priceWad
    ) external pure returns (int256 rate1, int256 indexDelta) {
        return FundingMath.accrue(rate0, skew, skewScale, maxVelocity, maxRate, elapsed, priceWad);
    }

    function rateIntegral(
        int256 rate0,
        int256 slope,
        int256 cap,
        int256 elapsed
    ) external pure returns (int256 rate1, int256 integral) {
        return FundingMath.rateIntegral(rate0, slope, cap, elapsed);
    }

    function fundingOwedUp(int256 size, int256 indexEntry, int256 indexNow) external pure returns (int256) {
        return FundingMath.fundingOwedUp(size, indexEntry, indexNow);
    }

    // ================================================================ PricingMath

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

    // ================================================================ MarginMath

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

    // ================================================================ PositionMath (the vault's position helpers)

    function roundEntryPrice(int256 size, uint256 entryPriceWad) external pure returns (uint256) {
        return PositionMath.roundEntryPrice(size, entryPriceWad);
    }

    /// @dev {PositionMath-pack}: the slot the vault's `_storePosition` writes, and the stored index entry.
    function storePosition(
        int256 size,
        uint256 entryPriceWad,
        int256 fundingIndexWad
    ) external pure returns (PackedPosition memory pos, int256 fundingIndexEntryWad) {
        return PositionMath.pack(size, entryPriceWad, fundingIndexWad);
    }

    function unpack(
        PackedPosition memory p
    ) external pure returns (int256 size, uint256 entryPriceWad, int256 fundingIndexEntryWad) {
        return PositionMath.unpack(p);
    }

    function basisContribution(
        int256 size,
        uint256 entryPriceWad,
        int256 fundingIndexEntryWad
    ) external pure returns (int256) {
        return PositionMath.basisContribution(size, entryPriceWad, fundingIndexEntryWad);
    }

    /// @dev The arithmetic of PerpVault._positionMargins, with the stored position, the price, the current index and
    /// the market parameters passed in instead of read from storage and the oracle.
    function positionMargins(
        int256 size,
        uint256 entryPriceWad,
        int256 fundingIndexEntryWad,
        uint256 priceWad,
        int256 index,
        uint256 initialMarginRatio,
        uint256 maintenanceMarginRatio,
        uint256 liquidationFeeUsd
    ) external pure returns (int256 value, uint256 initialMargin, uint256 maintenanceMargin) {
        value =
            MarginMath.pnlDown(size, entryPriceWad, priceWad) -
            FundingMath.fundingOwedUp(size, fundingIndexEntryWad, index);
        initialMargin = MarginMath.initialMarginUp(size, priceWad, initialMarginRatio);
        maintenanceMargin = MarginMath.maintenanceMarginUp(size, priceWad, maintenanceMarginRatio, liquidationFeeUsd);
    }

    /// @dev {PositionMath-tradersNetUsd}: the per-market term of PerpVault._poolMark.
    function tradersNet(int256 skew, uint256 priceWad, int256 index, int256 basisSum) external pure returns (int256) {
        return PositionMath.tradersNetUsd(skew, priceWad, index, basisSum);
    }
}
