// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MulDiv} from "./MulDiv.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IPerpVaultTypes} from "../interfaces/IPerpVault.sol";
import {FundingMath} from "./FundingMath.sol";
import {MarginMath} from "./MarginMath.sol";
import {PositionMath} from "./PositionMath.sol";
import {SignedWad} from "./SignedWad.sol";

/// @title Market
/// @notice One market's storage and every transition of it, like Uniswap v4's `Pool`: funding accrual, the change a
/// position makes to the books (shared by trades, liquidations and ADL), the margins of a position, and the market's
/// share of the pool's capacity mark. The vault and its modules change market state only through this library.
/// @dev The pool's capacity check (INV-11) is O(1) in the number of markets: `Pool` holds Σ over markets of each
/// market's value and reserve **as of its last mark**. A market's contribution is always the function
/// {markedContribution} of its stored state, its stored funding index and its stored mark price: every change of any
/// of them goes through this library and moves the totals by the change of the contribution ({touch} for the funding
/// index, {refreshMark} for the rest), so the contribution is recomputed (never stored) and the totals stay exact. A
/// market is re-marked at the oracle price by every path that changes its books (a trade in any direction, a
/// liquidation, ADL) and by `accrueFunding` and parameter changes.
library Market {
    using SafeCast for uint256;
    using SafeCast for int256;

    uint256 internal constant WAD = 1e18;
    /// @dev Ratios are stored in parts per million (1 ppm = 1e12 WAD), USD amounts of parameters in micro-USD (1e-6
    /// USD = 1e12 WAD): the setters refuse values off those ticks, so what is read back is what was set.
    uint256 internal constant PPM = 1e12;
    uint256 internal constant MICRO_USD = 1e12;
    /// @dev The mark price is stored in ticks of 1e-10 USD (like entry prices), rounded up.
    uint256 internal constant MARK_PRICE_TICK = 1e8;

    /// @dev Slot 0: what every read of the market needs.
    struct Feed {
        address feed;
        uint96 skewScale;
    }

    /// @dev Slot 1: every ratio and USD amount a trade, a reduction, a liquidation and the funding accrual use.
    struct Risk {
        uint24 initialMarginRatioPpm;
        uint24 maintenanceMarginRatioPpm;
        uint16 takerFeeRatioPpm;
        uint16 makerFeeRatioPpm;
        uint24 maxFundingRatePerDayPpm;
        uint24 maxFundingVelocityPerDayPpm;
        uint24 grossReserveRatioPpm;
        uint40 minPositionMarginMicroUsd;
        uint40 liquidationFeeMicroUsd;
        /// @dev The maintenance margin ratio in force from a closing market's closing window until its reopen (0:
        /// the normal one); set apart from the other parameters (`setClosingMargin`).
        uint24 closingMaintenanceMarginRatioPpm;
    }

    /// @dev Slot 2: read only when a side grows.
    struct Caps {
        uint96 maxLongSize;
        uint96 maxShortSize;
    }

    /// @dev {IPerpVaultTypes-MarketState} as stored (three slots), with the latency switch in the first slot's spare
    /// bits (every trade reads that slot, so an undefended market pays nothing for the switch) and the price of the
    /// market's last capacity mark next to the open interest it multiplies.
    struct State {
        int128 fundingIndex;
        int64 fundingRatePerDay;
        uint40 lastFundingTime;
        bool openingPaused;
        bool latencyDefended;
        uint96 longSize;
        uint96 shortSize;
        uint64 markPriceTicks;
        int128 basisSum;
        int128 poolRealizedUsd;
    }

    struct Data {
        Feed feed;
        Risk risk;
        Caps caps;
        State state;
        IPerpVaultTypes.LatencyParams latency;
    }

    /// @notice The pool's capacity totals, one slot: the LP base plus every market's value as of its last mark (USD
    /// WAD), every market's reserve as of its last mark (micro-USD, each rounded up) and `maxUtilization` (ppm).
    struct Pool {
        int128 valueUsd;
        uint96 reservedMicroUsd;
        uint32 maxUtilizationPpm;
    }

    /// @notice A market as read by one path: its price, the funding after accrual, and its contribution to the pool
    /// totals before the path changes it (to be replaced by {refreshMark}).
    struct Touch {
        uint256 marketId;
        uint256 priceWad;
        /// @dev In its closing window (or reopen delay): the closing margin applies.
        bool closing;
        int256 fundingRate;
        int256 fundingIndex;
        int256 oldValueUsd;
        uint256 oldReservedMicroUsd;
        /// @dev The market's books as {touch} read them, moved by {applyPositionChange} and stored by {refreshMark}:
        /// via-IR keeps no slot value across internal calls, so each slot is read once and written once per change.
        uint256 longSize;
        uint256 shortSize;
        int256 basisSum;
        int256 poolRealizedUsd;
        bool openingPaused;
        bool latencyDefended;
    }

    /// @notice One position's change, as every path applies it: sizes, stored entries before and after, and what
    /// moved between the account and the pool.
    struct PositionChange {
        int256 size0;
        uint256 entry0;
        int256 fundingEntry0;
        int256 size1;
        uint256 entry1;
        int256 fundingEntry1;
        /// @dev realised PnL − funding − fees (USD WAD): the account's gain, the pool's loss.
        int256 accountDelta;
        /// @dev Enforce the open-interest cap on the side that grows (trades that add exposure).
        bool checkCaps;
    }

    // ---------------------------------------------------------------------------------------------- parameters

    function skew(Data storage m) internal view returns (int256) {
        return int256(uint256(m.state.longSize)) - int256(uint256(m.state.shortSize));
    }

    /// @notice The stored parameters as the interface's WAD struct.
    function params(Data storage m) internal view returns (IPerpVaultTypes.MarketParams memory p) {
        Risk memory r = m.risk;
        p.feed = m.feed.feed;
        p.skewScale = m.feed.skewScale;
        p.initialMarginRatio = uint64(r.initialMarginRatioPpm * PPM);
        p.maintenanceMarginRatio = uint64(r.maintenanceMarginRatioPpm * PPM);
        p.takerFeeRatio = uint64(r.takerFeeRatioPpm * PPM);
        p.makerFeeRatio = uint64(r.makerFeeRatioPpm * PPM);
        p.maxLongSize = m.caps.maxLongSize;
        p.maxShortSize = m.caps.maxShortSize;
        p.maxFundingRatePerDay = uint64(r.maxFundingRatePerDayPpm * PPM);
        p.maxFundingVelocityPerDay = uint64(r.maxFundingVelocityPerDayPpm * PPM);
        p.minPositionMarginUsd = uint96(r.minPositionMarginMicroUsd * MICRO_USD);
        p.liquidationFeeUsd = uint96(r.liquidationFeeMicroUsd * MICRO_USD);
        p.grossReserveRatio = uint64(r.grossReserveRatioPpm * PPM);
    }

    /// @notice Stores `p` (already within the vault's bounds); reverts `ParamNotOnTick` for a ratio that is not a
    /// whole ppm or a USD amount that is not a whole micro-USD.
    function setParams(Data storage m, IPerpVaultTypes.MarketParams memory p) internal {
        m.feed = Feed(p.feed, p.skewScale);
        m.risk = Risk({
            initialMarginRatioPpm: _ppm("initialMarginRatio", p.initialMarginRatio).toUint24(),
            maintenanceMarginRatioPpm: _ppm("maintenanceMarginRatio", p.maintenanceMarginRatio).toUint24(),
            takerFeeRatioPpm: _ppm("takerFeeRatio", p.takerFeeRatio).toUint16(),
            makerFeeRatioPpm: _ppm("makerFeeRatio", p.makerFeeRatio).toUint16(),
            maxFundingRatePerDayPpm: _ppm("maxFundingRatePerDay", p.maxFundingRatePerDay).toUint24(),
            maxFundingVelocityPerDayPpm: _ppm("maxFundingVelocityPerDay", p.maxFundingVelocityPerDay).toUint24(),
            grossReserveRatioPpm: _ppm("grossReserveRatio", p.grossReserveRatio).toUint24(),
            minPositionMarginMicroUsd: _micro("minPositionMarginUsd", p.minPositionMarginUsd).toUint40(),
            liquidationFeeMicroUsd: _micro("liquidationFeeUsd", p.liquidationFeeUsd).toUint40(),
            closingMaintenanceMarginRatioPpm: m.risk.closingMaintenanceMarginRatioPpm
        });
        m.caps = Caps(p.maxLongSize, p.maxShortSize);
    }

    function _ppm(string memory name, uint256 value) private pure returns (uint256) {
        if (value % PPM != 0) revert IPerpVaultTypes.ParamNotOnTick(name, value, PPM);
        return value / PPM;
    }

    function _micro(string memory name, uint256 value) private pure returns (uint256) {
        if (value % MICRO_USD != 0) revert IPerpVaultTypes.ParamNotOnTick(name, value, MICRO_USD);
        return value / MICRO_USD;
    }

    // ---------------------------------------------------------------------------------------------- funding

    /// @notice Accrues funding to now at `priceWad` (O(1); a no-op when already accrued this block) and returns the
    /// touch every path then completes with {refreshMark}. The accrual moves what traders owe, so the market's value
    /// in the pool totals is updated with it (at its stored mark price): the totals are exact after a touch alone,
    /// and the touch carries the contribution {refreshMark} replaces.
    function touch(
        Data storage m,
        Pool storage pool,
        uint256 marketId,
        uint256 priceWad,
        bool emitEvent
    ) internal returns (Touch memory t) {
        t.marketId = marketId;
        t.priceWad = priceWad;
        State storage s = m.state;
        uint256 last;
        uint256 markPrice;
        {
            State memory loaded = s; // three SLOADs, once
            t.fundingRate = loaded.fundingRatePerDay;
            t.fundingIndex = loaded.fundingIndex;
            last = loaded.lastFundingTime;
            t.openingPaused = loaded.openingPaused;
            t.latencyDefended = loaded.latencyDefended;
            t.longSize = loaded.longSize;
            t.shortSize = loaded.shortSize;
            t.basisSum = loaded.basisSum;
            t.poolRealizedUsd = loaded.poolRealizedUsd;
            markPrice = uint256(loaded.markPriceTicks) * MARK_PRICE_TICK;
        }
        uint256 gross = m.risk.grossReserveRatioPpm;
        (t.oldValueUsd, t.oldReservedMicroUsd) = _contribution(t, gross, markPrice, t.fundingIndex);
        if (last == block.timestamp) return t;
        int256 indexDelta;
        int256 skew_ = int256(t.longSize) - int256(t.shortSize);
        (t.fundingRate, indexDelta) = _accrue(m, t.fundingRate, skew_, priceWad, block.timestamp - last);
        int256 indexBefore = t.fundingIndex;
        t.fundingIndex += indexDelta;
        // The funding slot in one write: every value cast before the first store.
        (int128 index128, int64 rate64) = (t.fundingIndex.toInt128(), t.fundingRate.toInt64());
        s.fundingIndex = index128;
        s.fundingRatePerDay = rate64;
        s.lastFundingTime = uint40(block.timestamp);
        if (indexDelta != 0) {
            // Only the index term of the market's value moved (see _contribution): the same roundings, so the
            // value equals a recomputation at the new index to the wei.
            int256 moved =
                SignedWad.mulDivDown(skew_, t.fundingIndex, WAD) - SignedWad.mulDivDown(skew_, indexBefore, WAD);
            if (moved != 0) {
                pool.valueUsd = (pool.valueUsd + moved).toInt128();
                t.oldValueUsd += moved;
            }
        }
        if (emitEvent) emit IPerpVaultTypes.FundingAccrued(marketId, t.fundingRate, t.fundingIndex, priceWad);
    }

    function pendingFunding(
        Data storage m,
        uint256 priceWad,
        uint256 elapsed
    ) internal view returns (int256 rate, int256 indexDelta) {
        return _accrue(m, m.state.fundingRatePerDay, skew(m), priceWad, elapsed);
    }

    function _accrue(
        Data storage m,
        int256 ratePerDay,
        int256 skew_,
        uint256 priceWad,
        uint256 elapsed
    ) private view returns (int256 rate, int256 indexDelta) {
        return
            FundingMath.accrue(
                ratePerDay,
                skew_,
                m.feed.skewScale,
                m.risk.maxFundingVelocityPerDayPpm * PPM,
                m.risk.maxFundingRatePerDayPpm * PPM,
                elapsed,
                priceWad
            );
    }

    /// @notice The funding rate and index as if accrued now at `priceWad`, without writing.
    function indexNow(Data storage m, uint256 priceWad) internal view returns (int256 rate, int256 index) {
        (int256 r, int256 delta) = pendingFunding(m, priceWad, block.timestamp - m.state.lastFundingTime);
        return (r, m.state.fundingIndex + delta);
    }

    // ---------------------------------------------------------------------------------------------- positions

    /// @notice The books' side of a position change, for trades, liquidations and ADL alike: open interest (with the
    /// cap on the side that grows when `c.checkCaps`), the basis aggregate and the pool's realised PnL. Moves the
    /// touch's books in memory: {refreshMark} stores them.
    function applyPositionChange(Data storage m, Touch memory t, PositionChange memory c) internal view {
        uint256 marketId = t.marketId;
        uint256 longSize = t.longSize;
        uint256 shortSize = t.shortSize;
        if (c.size0 > 0) longSize -= uint256(c.size0);
        else shortSize -= uint256(-c.size0);
        if (c.size1 > 0) {
            longSize += uint256(c.size1);
            if (c.checkCaps && longSize > m.caps.maxLongSize) {
                revert IPerpVaultTypes.OpenInterestCapExceeded(marketId, true, longSize, m.caps.maxLongSize);
            }
        } else {
            shortSize += uint256(-c.size1);
            if (c.checkCaps && shortSize > m.caps.maxShortSize) {
                revert IPerpVaultTypes.OpenInterestCapExceeded(marketId, false, shortSize, m.caps.maxShortSize);
            }
        }
        t.longSize = longSize; // ≤ the cap ≤ MAX_OPEN_INTEREST < 2^96 on growth; smaller otherwise
        t.shortSize = shortSize;
        // Σ of per-position contributions, each rounded the same way every time, so the pool marks trader PnL net
        // of funding (Σ size·(price − index) − basisSum) without a loop over positions.
        t.basisSum = int256(
            (t.basisSum +
                PositionMath.basisContribution(c.size1, c.entry1, c.fundingEntry1) -
                PositionMath.basisContribution(c.size0, c.entry0, c.fundingEntry0)).toInt128()
        );
        t.poolRealizedUsd = int256((t.poolRealizedUsd - c.accountDelta).toInt128());
    }

    /// @notice PnL minus funding owed, initial and maintenance margin of one position at `priceWad` and funding
    /// index `index` (USD WAD): the one definition of a position's margins (trades, withdrawals, views, liquidation).
    /// `closing`: the market is in its closing window or reopen delay, so the closing margin ratio applies.
    function positionMargins(
        Data storage m,
        int256 size,
        uint256 entryPriceWad,
        int256 fundingIndexEntryWad,
        uint256 priceWad,
        int256 index,
        bool closing
    ) internal view returns (int256 value, uint256 initialMargin, uint256 maintenanceMargin) {
        Risk memory r = m.risk;
        value =
            MarginMath.pnlDown(size, entryPriceWad, priceWad) -
            FundingMath.fundingOwedUp(size, fundingIndexEntryWad, index);
        uint256 notional = MarginMath.notionalUp(size, priceWad);
        initialMargin = MulDiv.up(notional, r.initialMarginRatioPpm * PPM, WAD);
        maintenanceMargin =
            MulDiv.up(notional, _maintenanceRatioPpm(r, closing) * PPM, WAD) + r.liquidationFeeMicroUsd * MICRO_USD;
    }

    /// @notice The maintenance margin ratio in force (ppm): the closing one while `closing`, when it is higher.
    function maintenanceRatioPpm(Data storage m, bool closing) internal view returns (uint256) {
        return _maintenanceRatioPpm(m.risk, closing);
    }

    function _maintenanceRatioPpm(Risk memory r, bool closing) private pure returns (uint256) {
        uint256 ratio = r.maintenanceMarginRatioPpm;
        if (closing && r.closingMaintenanceMarginRatioPpm > ratio) ratio = r.closingMaintenanceMarginRatioPpm;
        return ratio;
    }

    // ---------------------------------------------------------------------------------------------- capacity mark

    /// @notice Re-marks the market at the touch's price and funding index, replacing its contribution to the pool
    /// totals, and stores the touch's books with the new mark price (the funding slot is {touch}'s); returns the
    /// totals (USD WAD) for the capacity check: value, reserve, and whether this market's reserve grew. The touch then
    /// carries the contribution just stored, so a second change under the same touch (the two legs of a pair ADL)
    /// replaces this one, not the one before the first.
    function refreshMark(
        Data storage m,
        Pool storage pool,
        Touch memory t
    ) internal returns (int256 valueUsd, uint256 reservedUsd, bool reserveGrew) {
        uint256 ticks = Math.ceilDiv(t.priceWad, MARK_PRICE_TICK);
        // The gross reserve ratio is read here, not carried: a parameter change re-marks under the new one.
        (int256 value, uint256 reservedMicro) = _contribution(
            t,
            m.risk.grossReserveRatioPpm,
            ticks * MARK_PRICE_TICK,
            t.fundingIndex
        );
        Pool memory p = pool;
        valueUsd = p.valueUsd + value - t.oldValueUsd;
        uint256 totalMicro = p.reservedMicroUsd + reservedMicro - t.oldReservedMicroUsd;
        (int128 value128, uint96 reserved96, uint64 ticks64) = (
            valueUsd.toInt128(),
            totalMicro.toUint96(),
            ticks.toUint64()
        );
        // Whole slots from values already cast: one SSTORE each.
        State storage s = m.state;
        s.longSize = uint96(t.longSize);
        s.shortSize = uint96(t.shortSize);
        s.markPriceTicks = ticks64;
        s.basisSum = int128(t.basisSum);
        s.poolRealizedUsd = int128(t.poolRealizedUsd);
        pool.valueUsd = value128;
        pool.reservedMicroUsd = reserved96;
        reservedUsd = totalMicro * MICRO_USD;
        reserveGrew = reservedMicro > t.oldReservedMicroUsd;
        t.oldValueUsd = value;
        t.oldReservedMicroUsd = reservedMicro;
    }

    /// @notice The market's value to the pool (realised PnL − what traders are owed, net of funding) and its reserve
    /// `|skew|·price + grossReserveRatio · min(long, short)·price` (micro-USD, rounded up) at `priceWad` and `index`.
    function contribution(
        Data storage m,
        uint256 priceWad,
        int256 index
    ) internal view returns (int256 valueUsd, uint256 reservedUsd) {
        State storage s = m.state;
        uint256 reservedMicro;
        (valueUsd, reservedMicro) = _contributionOf(
            s.longSize,
            s.shortSize,
            s.basisSum,
            s.poolRealizedUsd,
            m.risk.grossReserveRatioPpm,
            priceWad,
            index
        );
        reservedUsd = reservedMicro * MICRO_USD;
    }

    /// @notice The contribution the pool totals hold for this market: at its stored mark price and funding index.
    function markedContribution(Data storage m) internal view returns (int256 valueUsd, uint256 reservedUsd) {
        return contribution(m, uint256(m.state.markPriceTicks) * MARK_PRICE_TICK, m.state.fundingIndex);
    }

    /// @dev {contribution} of the books a touch carries.
    function _contribution(
        Touch memory t,
        uint256 grossReserveRatioPpm,
        uint256 priceWad,
        int256 index
    ) private pure returns (int256 valueUsd, uint256 reservedMicroUsd) {
        return
            _contributionOf(
                t.longSize,
                t.shortSize,
                t.basisSum,
                t.poolRealizedUsd,
                grossReserveRatioPpm,
                priceWad,
                index
            );
    }

    function _contributionOf(
        uint256 longSize,
        uint256 shortSize,
        int256 basisSum,
        int256 poolRealizedUsd,
        uint256 grossReserveRatioPpm,
        uint256 priceWad,
        int256 index
    ) private pure returns (int256 valueUsd, uint256 reservedMicroUsd) {
        int256 skew_ = int256(longSize) - int256(shortSize);
        valueUsd = poolRealizedUsd - PositionMath.tradersNetUsd(skew_, priceWad, index, basisSum);
        if (longSize == 0 && shortSize == 0) return (valueUsd, 0);
        uint256 reserved = MarginMath.notionalUp(skew_, priceWad);
        uint256 gross = grossReserveRatioPpm;
        if (gross != 0) {
            uint256 hedged = longSize < shortSize ? longSize : shortSize;
            reserved += MulDiv.up(hedged * priceWad, gross, 1e24); // /WAD /1e6 (ppm)
        }
        reservedMicroUsd = Math.ceilDiv(reserved, MICRO_USD);
    }
}
