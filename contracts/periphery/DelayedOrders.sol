// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IDelayedOrders} from "../interfaces/IDelayedOrders.sol";
import {IPerpVault, IPerpVaultTypes} from "../interfaces/IPerpVault.sol";
import {AccountOrders} from "./AccountOrders.sol";

/// @title DelayedOrders
/// @notice Commit now, settle at the first oracle round after a minimum delay; see {IDelayedOrders} and
/// docs/risks.md. The vault lets only this contract open in a market whose latency defence is on.
/// @dev "First round" is read from the market's own Chainlink feed: the latest round must be at or after
/// `settleAfter` and the round before it strictly before. The vault then fills at that same latest answer (through
/// the oracle adapter, with all its checks), so the price is the one no committer could know.
contract DelayedOrders is IDelayedOrders, AccountOrders {
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @dev Where the market's defence is off: settle at any round after this block, within a day.
    uint256 internal constant DEFAULT_DELAY = 1;
    uint256 internal constant DEFAULT_TIMEOUT = 1 days;

    mapping(uint256 orderId => DelayedOrder) internal _orders;

    constructor(IPerpVault vault_) AccountOrders(vault_) {}

    /// @inheritdoc IDelayedOrders
    function commitOrder(
        address owner,
        uint96 accountIndex,
        CommitParams calldata p,
        uint256 keeperFee
    ) external override nonReentrant returns (uint256 orderId) {
        _authorizePlacement(owner);
        if (p.sizeDelta == 0) revert ZeroSize();
        if (p.marketId >= vault.marketCount()) revert IPerpVaultTypes.MarketNotListed(p.marketId);
        IPerpVaultTypes.LatencyParams memory latency = vault.latencyParams(p.marketId);
        (uint256 delay, uint256 timeout) = latency.minSettlementDelay == 0
            ? (DEFAULT_DELAY, DEFAULT_TIMEOUT)
            : (uint256(latency.minSettlementDelay), uint256(latency.settlementTimeout));
        DelayedOrder memory o = DelayedOrder({
            owner: owner,
            accountIndex: accountIndex,
            sizeDelta: p.sizeDelta.toInt96(),
            settleAfter: uint40(block.timestamp + delay),
            settleBefore: uint40(block.timestamp + timeout),
            marketId: uint16(p.marketId),
            reduceOnly: p.reduceOnly,
            // "No bound" (type(uint256).max for a buy) is kept as type(uint128).max and widened back at settlement.
            acceptablePrice: p.acceptablePrice > type(uint128).max ? type(uint128).max : uint128(p.acceptablePrice),
            keeperFee: keeperFee.toUint128()
        });
        orderId = nextOrderId++;
        _orders[orderId] = o;
        _escrowFee(keeperFee);
        emit OrderCommitted(orderId, owner, accountIndex, msg.sender, o);
    }

    /// @inheritdoc IDelayedOrders
    function settleOrder(uint256 orderId) external override nonReentrant returns (int256 sizeDelta) {
        DelayedOrder memory o = _live(orderId);
        (Status status, uint80 roundId, uint256 updatedAt) = _status(o);
        if (status == Status.Pending) revert SettlementNotReady(orderId, o.settleAfter, updatedAt);
        if (status == Status.Missed) revert SettlementMissed(orderId);
        sizeDelta = o.sizeDelta;
        if (o.reduceOnly) {
            sizeDelta = _reducible(o.owner, o.accountIndex, o.marketId, o.sizeDelta);
            if (sizeDelta == 0) {
                revert NothingToReduce(orderId, vault.position(o.owner, o.accountIndex, o.marketId).size, o.sizeDelta);
            }
        }
        delete _orders[orderId]; // before any external call that moves value: no second settlement
        IPerpVaultTypes.TradeResult memory r = vault.trade(
            IPerpVaultTypes.TradeParams({
                owner: o.owner,
                accountIndex: o.accountIndex,
                marketId: o.marketId,
                sizeDelta: sizeDelta,
                acceptablePrice: o.acceptablePrice == type(uint128).max ? type(uint256).max : o.acceptablePrice,
                deadline: block.timestamp
            })
        );
        _payKeeper(o.keeperFee);
        emit OrderSettled(orderId, msg.sender, sizeDelta, roundId, r.fillPrice, r.feeUsd, o.keeperFee);
    }

    /// @inheritdoc IDelayedOrders
    function cancelOrder(uint256 orderId) external override nonReentrant {
        DelayedOrder memory o = _live(orderId);
        (Status status, , ) = _status(o);
        if (status == Status.Settleable) revert CannotCancelSettleable(orderId);
        if (status == Status.Pending && !_isAuthorized(o.owner)) revert OrderStillPending(orderId);
        delete _orders[orderId];
        _refundFee(o.owner, o.accountIndex, o.keeperFee);
        emit OrderCancelled(orderId, msg.sender, status == Status.Missed, o.keeperFee);
    }

    // ================================================================ views

    /// @inheritdoc IDelayedOrders
    function orderStatus(uint256 orderId) external view override returns (DelayedOrder memory o, Status status) {
        o = _orders[orderId];
        if (o.owner == address(0)) return (o, Status.None);
        (status, , ) = _status(o);
    }

    /// @inheritdoc IDelayedOrders
    function order(uint256 orderId) external view override returns (DelayedOrder memory) {
        return _orders[orderId];
    }

    // ================================================================ internal

    function _live(uint256 orderId) internal view returns (DelayedOrder memory o) {
        o = _orders[orderId];
        if (o.owner == address(0)) revert OrderNotFound(orderId);
    }

    /// @dev Pending, Settleable or Missed from the feed's latest round and the one before it. A feed whose previous
    /// round cannot be read (the first round of a new aggregator phase) counts the latest as the first.
    function _status(DelayedOrder memory o) internal view returns (Status, uint80 roundId, uint256 updatedAt) {
        if (block.timestamp > o.settleBefore) return (Status.Missed, 0, 0);
        AggregatorV3Interface feed = AggregatorV3Interface(vault.marketFeed(o.marketId));
        (roundId, , , updatedAt, ) = feed.latestRoundData();
        if (updatedAt < o.settleAfter) return (Status.Pending, roundId, updatedAt);
        if (roundId != 0) {
            try feed.getRoundData(roundId - 1) returns (uint80, int256, uint256, uint256 previousUpdatedAt, uint80) {
                if (previousUpdatedAt >= o.settleAfter) return (Status.Missed, roundId, updatedAt);
            } catch {}
        }
        return (Status.Settleable, roundId, updatedAt);
    }
}
