// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MulDiv} from "./libraries/MulDiv.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";
import {VaultModule} from "./VaultModule.sol";
import {FundingMath} from "./libraries/FundingMath.sol";
import {LiquidationMath} from "./libraries/LiquidationMath.sol";
import {Market} from "./libraries/Market.sol";
import {MarketHours} from "./libraries/MarketHours.sol";
import {MarginMath} from "./libraries/MarginMath.sol";
import {SignedWad} from "./libraries/SignedWad.sol";

/// @title LiquidationModule
/// @notice Liquidation and auto-deleveraging of {PerpVault}, run by `delegatecall` on the vault's storage (the vault
/// alone would exceed the 24,576-byte code limit). The vault deploys it in its constructor and forwards `liquidate`,
/// `liquidateBatch`, `deleverage` and `deleveragePair` to it under its reentrancy guard; see {IPerpVault-liquidate}
/// for the behaviour. Positions close through the same {Market-applyPositionChange} and {Market-refreshMark} as trades.
contract LiquidationModule is VaultModule {
    uint256 private constant CLOSING_BIT = 1 << 255;

    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;
    using Market for Market.Data;

    constructor(IERC20 collateralToken_, IOracleAdapter oracle_) VaultModule(collateralToken_, oracle_) {}

    /// @dev One position of an account under liquidation, priced and accrued.
    struct Leg {
        Market.Touch t;
        int256 size;
        uint256 entryPrice;
        int256 fundingEntry;
        int256 closeSize;
    }

    /// @dev The account-level numbers of a liquidation.
    struct Health {
        int256 equity;
        uint256 notional;
        uint256 mmVariable;
        uint256 mmFlat;
    }

    function liquidate(
        address owner,
        uint96 accountIndex
    ) external onlyDelegated returns (LiquidationResult memory result) {
        (, result) = _liquidate(owner, accountIndex, true, new uint256[](0));
        _payKeeper(result.keeperRewardUsd);
    }

    /// @dev One price read and accrual per market for the whole batch (`prices`, 0 = not read yet: within one
    /// block an accrual is a no-op after the first) and one reward transfer at the end: with both, a batch costs far
    /// less per account than single liquidations (docs/benchmarks.md).
    function liquidateBatch(AccountRef[] calldata accounts) external onlyDelegated returns (uint256 liquidated) {
        uint256[] memory prices = new uint256[](_marketCount);
        uint256 rewardUsd;
        // Each account's legs, touches and results are dead once its reward is summed: give their memory back, or
        // memory's quadratic expansion cost grows with the batch (crashGasPerAccount 37,688 → 33,047 at ~300 a batch).
        uint256 freeMemory;
        assembly ("memory-safe") {
            freeMemory := mload(0x40)
        }
        for (uint256 i; i < accounts.length; ++i) {
            (bool done, LiquidationResult memory r) = _liquidate(
                accounts[i].owner,
                accounts[i].accountIndex,
                false,
                prices
            );
            if (done) {
                ++liquidated;
                rewardUsd += r.keeperRewardUsd;
            }
            assembly ("memory-safe") {
                mstore(0x40, freeMemory)
            }
        }
        _payKeeper(rewardUsd);
    }

    function deleverage(
        address owner,
        uint96 accountIndex,
        uint256 marketId
    ) external onlyDelegated returns (int256 accountDelta) {
        (Market.Data storage m, Market.Touch memory t, , ) = _adlMark(marketId);
        Leg memory leg = _adlLeg(owner, accountIndex, t);
        int256 skew = m.skew();
        int256 positionValue = _legValue(leg);
        // Only the crowded side: closing it lowers |skew| and the pool's exposure. A winner is paid in full; a loser
        // realises its loss at the oracle price, so its account must be healthy (else it is liquidated, penalty and
        // bad debt booked): equity unchanged and less margin needed keep it so.
        if (leg.size > 0 ? skew <= 0 : skew >= 0) revert NotDeleveragable(leg.size, skew, positionValue);
        if (positionValue <= 0) _requireHealthy(owner, accountIndex);
        leg.closeSize = leg.size;
        accountDelta = _deleverageLeg(owner, accountIndex, leg);
    }

    function deleveragePair(
        AccountRef calldata longAccount,
        AccountRef calldata shortAccount,
        uint256 marketId
    ) external onlyDelegated returns (uint256 closedSize) {
        (Market.Data storage m, Market.Touch memory t, int256 value, uint256 reservedUsd) = _adlMark(marketId);
        uint256 grossPpm = m.risk.grossReserveRatioPpm;
        if (grossPpm == 0) revert NoGrossReserve(marketId);
        Leg memory long_ = _adlLeg(longAccount.owner, longAccount.accountIndex, t);
        Leg memory short_ = _adlLeg(shortAccount.owner, shortAccount.accountIndex, t);
        if (long_.size <= 0 || short_.size >= 0) revert NotAPair(long_.size, short_.size);
        closedSize = Math.min(uint256(long_.size), uint256(-short_.size));
        if (value > 0) {
            // Close no more than brings the reserve back to the value: each unit of a pair frees
            // grossReserveRatio·price of reserve (|skew| does not move); one micro-USD more for the reserve's rounding.
            uint256 excess = reservedUsd - uint256(value) + Market.MICRO_USD;
            uint256 needed = MulDiv.up(excess, 1e6 * WAD, grossPpm * t.priceWad);
            if (
                needed < closedSize && !_leavesDust(m, long_.size, needed, t) && !_leavesDust(m, short_.size, needed, t)
            ) {
                closedSize = needed;
            }
        }
        // Each side realises its PnL at the oracle price: a losing one needs a healthy account, as in {deleverage}.
        if (_legValue(long_) <= 0) _requireHealthy(longAccount.owner, longAccount.accountIndex);
        if (_legValue(short_) <= 0) _requireHealthy(shortAccount.owner, shortAccount.accountIndex);
        long_.closeSize = closedSize.toInt256();
        short_.closeSize = -closedSize.toInt256();
        _deleverageLeg(longAccount.owner, longAccount.accountIndex, long_);
        _deleverageLeg(shortAccount.owner, shortAccount.accountIndex, short_);
    }

    /// @dev ADL's precondition, at a fresh mark of every market: the market touched at the oracle price (reverting on
    /// an invalid one) and the pool's reserve above its value (or the value ≤ 0).
    function _adlMark(
        uint256 marketId
    ) internal returns (Market.Data storage m, Market.Touch memory t, int256 value, uint256 reservedUsd) {
        m = _listedMarket(marketId);
        t = m.touch(_pool, marketId, oracle.priceWad(m.feed.feed), true);
        (value, reservedUsd, ) = _markPool(marketId, t.priceWad);
        if (value > 0 && reservedUsd <= uint256(value)) revert DeleverageNotAllowed(reservedUsd, value);
    }

    function _adlLeg(address owner, uint96 accountIndex, Market.Touch memory t) internal view returns (Leg memory leg) {
        leg.t = t;
        (leg.size, leg.entryPrice, leg.fundingEntry) = _unpack(_positions[owner][accountIndex][t.marketId]);
        if (leg.size == 0) revert NoPosition(owner, accountIndex, t.marketId);
    }

    /// @dev The position's value at the touch: PnL − funding owed.
    function _legValue(Leg memory leg) internal pure returns (int256) {
        return
            MarginMath.pnlDown(leg.size, leg.entryPrice, leg.t.priceWad) -
            FundingMath.fundingOwedUp(leg.size, leg.fundingEntry, leg.t.fundingIndex);
    }

    /// @dev Whether closing `closed` of `size` leaves a position below the market's minimum margin (the liquidation
    /// dust rule): then ADL closes the pair's whole overlap instead.
    function _leavesDust(
        Market.Data storage m,
        int256 size,
        uint256 closed,
        Market.Touch memory t
    ) internal view returns (bool) {
        int256 remaining = size > 0 ? size - closed.toInt256() : size + closed.toInt256();
        (, uint256 im, ) = m.positionMargins(remaining, 0, 0, t.priceWad, 0, t.closing);
        return im < m.risk.minPositionMarginMicroUsd * Market.MICRO_USD;
    }

    /// @dev Reverts `AccountLiquidatable` unless the account's equity is at least its maintenance margin (every
    /// market touched at the oracle price, the closing margin where in force).
    function _requireHealthy(address owner, uint96 accountIndex) internal {
        Account storage account = _accounts[owner][accountIndex];
        (, Health memory h) = _loadLegs(
            owner,
            accountIndex,
            account.marketBitmap,
            account.collateral,
            new uint256[](0)
        );
        uint256 maintenanceMargin = h.mmVariable + h.mmFlat;
        if (h.equity < maintenanceMargin.toInt256()) {
            revert AccountLiquidatable(owner, accountIndex, h.equity, maintenanceMargin);
        }
    }

    /// @dev Closes `leg.closeSize` at the oracle price with no fee or penalty: the account's equity is unchanged.
    function _deleverageLeg(address owner, uint96 accountIndex, Leg memory leg) internal returns (int256 accountDelta) {
        int256 fundingPaid = FundingMath.fundingOwedUp(leg.size, leg.fundingEntry, leg.t.fundingIndex);
        accountDelta = _closeLeg(owner, accountIndex, leg);
        Account storage account = _accounts[owner][accountIndex];
        int256 collateralAfter = account.collateral + accountDelta;
        account.collateral = collateralAfter.toInt128();
        if (leg.closeSize == leg.size) {
            account.marketBitmap = uint128(_updatedBitmap(account.marketBitmap, leg.t.marketId, false));
        }
        emit Deleveraged(
            owner,
            accountIndex,
            leg.t.marketId,
            msg.sender,
            leg.closeSize,
            leg.t.priceWad,
            accountDelta + fundingPaid,
            fundingPaid,
            collateralAfter
        );
    }

    /// @dev Rewards are booked in whole token units (see {_chargePenalty}), so this transfers them exactly.
    function _payKeeper(uint256 rewardUsd) internal {
        if (rewardUsd != 0) collateralToken.safeTransfer(msg.sender, rewardUsd / TOKEN_TO_WAD);
    }

    function _liquidate(
        address owner,
        uint96 accountIndex,
        bool revertIfHealthy,
        uint256[] memory prices
    ) internal returns (bool liquidated, LiquidationResult memory r) {
        Account storage account = _accounts[owner][accountIndex];
        uint256 bitmap = account.marketBitmap;
        int256 collateral = account.collateral;
        if (bitmap == 0) {
            if (revertIfHealthy) revert NotLiquidatable(collateral, 0);
            return (false, r);
        }
        (Leg[] memory legs, Health memory h) = _loadLegs(owner, accountIndex, bitmap, collateral, prices);
        uint256 maintenanceMargin = h.mmVariable + h.mmFlat;
        if (h.equity >= maintenanceMargin.toInt256()) {
            if (revertIfHealthy) revert NotLiquidatable(h.equity, maintenanceMargin);
            return (false, r);
        }
        LiquidationParams memory lp = _liquidationParamsWad();
        r.closedFraction = _chooseFraction(legs, h, lp);

        for (uint256 i; i < legs.length; ++i) {
            Leg memory leg = legs[i];
            if (r.closedFraction == WAD) leg.closeSize = leg.size;
            r.closedNotionalUsd += MarginMath.notionalUp(leg.closeSize, leg.t.priceWad);
            collateral += _closeLeg(owner, accountIndex, leg);
            if (leg.size == leg.closeSize) bitmap = _updatedBitmap(bitmap, leg.t.marketId, false);
        }

        collateral = _chargePenalty(owner, accountIndex, collateral, r, lp);
        account.collateral = collateral.toInt128();
        account.marketBitmap = uint128(bitmap);
        emit Liquidated(owner, accountIndex, msg.sender, r, collateral);
        return (true, r);
    }

    /// @dev Reads every position once, touches its market (funding accrued first, in the same transaction) and sums
    /// the account's equity, notional and maintenance margin. A market already in `prices` (when the batch passes a
    /// cache) was read and accrued earlier in this transaction. Reverts with the oracle's error on an invalid price.
    function _loadLegs(
        address owner,
        uint96 accountIndex,
        uint256 bitmap,
        int256 collateral,
        uint256[] memory prices
    ) internal returns (Leg[] memory legs, Health memory h) {
        legs = new Leg[](_popCount(bitmap));
        h.equity = collateral;
        for (uint256 i; bitmap != 0; ++i) {
            uint256 marketId = _lowestBit(bitmap);
            bitmap &= bitmap - 1;
            Market.Data storage m = _markets[marketId];
            Leg memory leg = legs[i];
            // The batch's cache holds the price with the closing flag in its top bit (prices are far below 2^255).
            uint256 cached = prices.length == 0 ? 0 : prices[marketId];
            if (cached == 0) {
                (uint256 p, uint256 flags, ) = oracle.priceWadAndStatus(m.feed.feed);
                cached = flags & MarketHours.CLOSING != 0 ? p | CLOSING_BIT : p;
                if (prices.length != 0) prices[marketId] = cached;
            }
            uint256 priceWad = cached & ~CLOSING_BIT;
            leg.t = m.touch(_pool, marketId, priceWad, true);
            leg.t.closing = cached & CLOSING_BIT != 0;
            (leg.size, leg.entryPrice, leg.fundingEntry) = _unpack(_positions[owner][accountIndex][marketId]);
            (int256 value, , uint256 mm) = m.positionMargins(
                leg.size,
                leg.entryPrice,
                leg.fundingEntry,
                priceWad,
                leg.t.fundingIndex,
                leg.t.closing
            );
            uint256 flat = m.risk.liquidationFeeMicroUsd * Market.MICRO_USD;
            h.equity += value;
            h.notional += MarginMath.notionalUp(leg.size, priceWad);
            h.mmVariable += mm - flat;
            h.mmFlat += flat;
        }
    }

    /// @dev The fraction to close: partial when closing the same fraction of every position restores
    /// equity ≥ (1 + buffer)·MM after the penalty and leaves no position below its minimum margin; else everything.
    /// Sets each leg's `closeSize` (rounded away from zero: a partial liquidation never closes too little).
    function _chooseFraction(
        Leg[] memory legs,
        Health memory h,
        LiquidationParams memory lp
    ) internal view returns (uint256 fraction) {
        fraction = LiquidationMath.partialFraction(
            h.equity,
            h.notional,
            h.mmVariable,
            h.mmFlat,
            lp.penaltyRatio,
            lp.partialBuffer
        );
        if (fraction >= WAD || fraction == 0) return WAD;
        uint256 closedNotional;
        uint256 maintenanceAfter;
        for (uint256 i; i < legs.length; ++i) {
            Leg memory leg = legs[i];
            leg.closeSize = SignedWad.mulDivUp(SignedMath.abs(leg.size).toInt256(), int256(fraction), WAD);
            if (leg.size < 0) leg.closeSize = -leg.closeSize;
            int256 remaining = leg.size - leg.closeSize;
            if (remaining == 0 || (remaining > 0) != (leg.size > 0)) return WAD;
            Market.Data storage m = _markets[leg.t.marketId];
            (, uint256 im, uint256 mm) = m.positionMargins(remaining, 0, 0, leg.t.priceWad, 0, leg.t.closing);
            // dust rule: no remainder below the minimum position margin survives
            if (im < m.risk.minPositionMarginMicroUsd * Market.MICRO_USD) return WAD;
            closedNotional += MarginMath.notionalUp(leg.closeSize, leg.t.priceWad);
            maintenanceAfter += mm;
        }
        uint256 penalty = LiquidationMath.penaltyUsd(
            closedNotional,
            lp.penaltyRatio,
            LiquidationMath.keeperRewardUsd(closedNotional, lp.keeperFeeRatio, lp.minKeeperFeeUsd, lp.maxKeeperFeeUsd)
        );
        // Closing at the oracle price moves no equity; only the penalty does.
        if (h.equity - penalty.toInt256() < maintenanceAfter.toInt256()) return WAD;
    }

    /// @dev Closes `leg.closeSize` at the oracle price, settles the position's funding and applies the change to the
    /// market through {Market} (books, then the capacity mark); returns the change of the account's collateral
    /// (realised PnL − funding).
    function _closeLeg(address owner, uint96 accountIndex, Leg memory leg) internal returns (int256 accountDelta) {
        Market.Data storage m = _markets[leg.t.marketId];
        Market.PositionChange memory c;
        c.size0 = leg.size;
        c.entry0 = leg.entryPrice;
        c.fundingEntry0 = leg.fundingEntry;
        c.size1 = leg.size - leg.closeSize;
        c.entry1 = c.size1 == 0 ? 0 : leg.entryPrice;
        c.fundingEntry1 = _storePosition(
            _positions[owner][accountIndex][leg.t.marketId],
            c.size1,
            c.entry1,
            leg.t.fundingIndex
        );
        accountDelta =
            MarginMath.pnlDown(leg.closeSize, leg.entryPrice, leg.t.priceWad) -
            FundingMath.fundingOwedUp(leg.size, leg.fundingEntry, leg.t.fundingIndex);
        c.accountDelta = accountDelta;
        m.applyPositionChange(leg.t, c);
        m.refreshMark(_pool, leg.t);
    }

    /// @dev Charges the penalty and books the keeper reward, splits the rest of the penalty between insurance and
    /// pool, and after a full liquidation covers a deficit from insurance, then pool. (What the fund holds above its
    /// cap anyone releases to the LPs: `releaseInsuranceExcess`; kept off this path, which reads one slot for all
    /// of it.)
    /// The reward is `clamp(closedNotional · keeperFeeRatio, min, max)` in whole token units, whatever the account
    /// holds, so clearing an account in bad debt always pays a keeper. The penalty (≥ the reward) pays it first; a
    /// partial liquidation always has the equity for the whole penalty (its fraction is chosen so), while a full one
    /// takes at most the positive collateral, and the part of the reward it could not pay joins the account's deficit:
    /// bad debt, paid by insurance, then the pool.
    function _chargePenalty(
        address owner,
        uint96 accountIndex,
        int256 collateral,
        LiquidationResult memory r,
        LiquidationParams memory lp
    ) internal returns (int256) {
        uint256 reward = LiquidationMath.keeperRewardUsd(
            r.closedNotionalUsd,
            lp.keeperFeeRatio,
            lp.minKeeperFeeUsd,
            lp.maxKeeperFeeUsd
        );
        r.keeperRewardUsd = (reward / TOKEN_TO_WAD) * TOKEN_TO_WAD; // the sub-token dust stays with the penalty
        uint256 penalty = LiquidationMath.penaltyUsd(r.closedNotionalUsd, lp.penaltyRatio, r.keeperRewardUsd);
        bool full = r.closedFraction == WAD;
        r.penaltyUsd = full ? Math.min(penalty, collateral > 0 ? uint256(collateral) : 0) : penalty;
        uint256 rewardFromPenalty = Math.min(r.keeperRewardUsd, r.penaltyUsd);
        uint256 rest = r.penaltyUsd - rewardFromPenalty;
        uint256 fundBefore = _liquidation.insuranceFundUsd;
        r.insuranceUsd = MulDiv.down(rest, lp.insuranceShare, WAD);
        collateral -= (r.penaltyUsd + r.keeperRewardUsd - rewardFromPenalty).toInt256();

        int256 toPool = (rest - r.insuranceUsd).toInt256();
        uint256 insurance = fundBefore + r.insuranceUsd;
        if (full && collateral < 0) {
            // Bad debt: never a negative balance, never a revert.
            uint256 deficit = uint256(-collateral);
            uint256 fromInsurance = Math.min(deficit, insurance);
            insurance -= fromInsurance;
            toPool -= (deficit - fromInsurance).toInt256();
            r.badDebtUsd = deficit;
            _badDebtTotalUsd += deficit.toUint128();
            _badDebtPaidByPoolUsd += (deficit - fromInsurance).toUint128();
            collateral = 0;
            emit BadDebt(owner, accountIndex, deficit, fromInsurance, deficit - fromInsurance);
        }
        if (toPool != 0) _pool.valueUsd = (_pool.valueUsd + toPool).toInt128();
        if (insurance != fundBefore) _liquidation.insuranceFundUsd = insurance.toUint96();
        return collateral;
    }
}
