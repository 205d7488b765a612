// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedWad} from "./SignedWad.sol";

/// @notice A position packed in one storage slot: size in units (WAD), entry price and funding index entry in
/// ticks of 1e-10 USD (`PositionMath.PRICE_TICK` WAD wei).
struct PackedPosition {
    int96 size;
    uint80 entryPriceTicks;
    int80 fundingIndexEntryTicks;
}

/// @title PositionMath
/// @notice Packing of a position into one slot, the rounding of its stored prices, and the pool's per-market
/// aggregate (docs/units.md § Units, § Pool). The vault, the SDK port (`src/math/position.ts`) and the parity
/// harness all use these, so the rounding exists once.
library PositionMath {
    using SafeCast for uint256;
    using SafeCast for int256;

    uint256 internal constant WAD = 1e18;
    /// @dev 1e-10 USD in WAD: the resolution of stored entry prices and funding index entries.
    uint256 internal constant PRICE_TICK = 1e8;

    /// @notice The entry price as stored: in whole ticks, rounded against the trader (up for a long, down otherwise).
    function roundEntryPrice(int256 size, uint256 entryPriceWad) internal pure returns (uint256) {
        uint256 ticks = size > 0 ? Math.ceilDiv(entryPriceWad, PRICE_TICK) : entryPriceWad / PRICE_TICK;
        return ticks * PRICE_TICK;
    }

    /// @notice Packs a position; a zero size packs to the empty slot. The funding index entry is rounded down for a
    /// long and up for a short, so the funding owed is never understated. Returns the stored index entry (WAD).
    function pack(
        int256 size,
        uint256 entryPriceWad,
        int256 fundingIndexWad
    ) internal pure returns (PackedPosition memory p, int256 fundingIndexEntryWad) {
        if (size == 0) return (p, 0);
        int256 tick = int256(PRICE_TICK);
        int256 indexTicks = fundingIndexWad / tick; // truncates towards zero
        if (size > 0 && fundingIndexWad < 0 && indexTicks * tick != fundingIndexWad) indexTicks -= 1; // floor
        if (size < 0 && fundingIndexWad > 0 && indexTicks * tick != fundingIndexWad) indexTicks += 1; // ceil
        p.size = size.toInt96();
        p.entryPriceTicks = (roundEntryPrice(size, entryPriceWad) / PRICE_TICK).toUint80();
        p.fundingIndexEntryTicks = indexTicks.toInt80();
        fundingIndexEntryWad = indexTicks * tick;
    }

    /// @notice Size (units, WAD), entry price (USD WAD) and funding index entry (USD WAD per unit) of a packed slot.
    function unpack(
        PackedPosition memory p
    ) internal pure returns (int256 size, uint256 entryPriceWad, int256 fundingIndexEntryWad) {
        return (p.size, uint256(p.entryPriceTicks) * PRICE_TICK, int256(p.fundingIndexEntryTicks) * int256(PRICE_TICK));
    }

    /// @notice floor(size · entryPrice) − ceil(size · fundingIndexEntry), USD WAD: one position's share of a market's
    /// `basisSum`; both roundings make the pool's mark of what traders are owed conservative.
    function basisContribution(
        int256 size,
        uint256 entryPriceWad,
        int256 fundingIndexEntryWad
    ) internal pure returns (int256) {
        if (size == 0) return 0;
        return
            SignedWad.mulDivDown(size, int256(entryPriceWad), WAD) -
            SignedWad.mulDivUp(size, fundingIndexEntryWad, WAD);
    }

    /// @notice Traders' unrealised PnL net of funding in one market, `skew · (price − index) − basisSum` (USD WAD),
    /// rounded in the traders' favour so the pool's mark never flatters the pool.
    function tradersNetUsd(
        int256 skew,
        uint256 priceWad,
        int256 index,
        int256 basisSum
    ) internal pure returns (int256) {
        return SignedWad.mulDivUp(skew, int256(priceWad), WAD) - SignedWad.mulDivDown(skew, index, WAD) - basisSum;
    }
}
