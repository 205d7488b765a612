// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccountOrders} from "./IAccountOrders.sol";

/// @title IDelayedOrders
/// @notice The latency defence's order path (docs/risks.md, "Latency arbitrage"): an order commits now and settles at
/// the first oracle round published at least `minSettlementDelay` after the commitment, so nobody knows the price it
/// will get when deciding to trade. In a market with the defence on, this contract is the only way to open or
/// increase. Anyone may settle (and earns the keeper fee), including the owner, so an exit never depends on one
/// keeper; an order whose round passed unsettled, or whose timeout passed, can only be cancelled.
/// @dev States of a live order, from the market feed's rounds (`settleAfter = committedAt + delay`):
/// - Pending: no round at or after `settleAfter` yet. The owner or an operator may cancel.
/// - Settleable: the latest round is the first one at or after `settleAfter`. Anyone may settle; nobody may cancel
///   (the price is known now: cancelling would be a free option against the LP vault).
/// - Missed: a later round was published before anyone settled, or the timeout passed. It can never settle (that
///   would let the settler pick among rounds); anyone may cancel, which returns the keeper fee to the account.
interface IDelayedOrders is IAccountOrders {
    enum Status {
        None,
        Pending,
        Settleable,
        Missed
    }

    /// @notice What a commitment asks for. Prices USD WAD per unit, sizes units WAD.
    /// @param acceptablePrice Worst fill price, as in the vault's `trade`; a settlement beyond it reverts and the
    /// order becomes Missed at the next round.
    /// @param reduceOnly Clamp to the position at settlement; void (`NothingToReduce`) if nothing is left to reduce.
    struct CommitParams {
        uint256 marketId;
        int256 sizeDelta;
        uint256 acceptablePrice;
        bool reduceOnly;
    }

    /// @notice A stored order. `owner == address(0)`: no such order. `keeperFee` in token units.
    struct DelayedOrder {
        address owner;
        uint96 accountIndex;
        int96 sizeDelta;
        uint40 settleAfter;
        uint40 settleBefore;
        uint16 marketId;
        bool reduceOnly;
        uint128 acceptablePrice;
        uint128 keeperFee;
    }

    error SettlementNotReady(uint256 orderId, uint256 settleAfter, uint256 latestRoundUpdatedAt);
    error SettlementMissed(uint256 orderId);
    error CannotCancelSettleable(uint256 orderId);
    error OrderStillPending(uint256 orderId);

    event OrderCommitted(
        uint256 indexed orderId,
        address indexed owner,
        uint96 indexed accountIndex,
        address placer,
        DelayedOrder order
    );
    event OrderSettled(
        uint256 indexed orderId,
        address indexed keeper,
        int256 sizeDelta,
        uint80 roundId,
        uint256 fillPrice,
        uint256 feeUsd,
        uint256 keeperFee
    );
    /// @param missed True when the order could no longer settle (its round passed or it timed out).
    event OrderCancelled(uint256 indexed orderId, address indexed by, bool missed, uint256 keeperFeeRefunded);

    /// @notice Commits an order for account `(owner, accountIndex)` and escrows `keeperFee` tokens (token units)
    /// pulled from the caller. Owner or operator; this contract must be the owner's operator. The delay and timeout
    /// are the market's `latencyParams` now (a market without the defence settles at the first round after this
    /// block, within a day).
    function commitOrder(
        address owner,
        uint96 accountIndex,
        CommitParams calldata params,
        uint256 keeperFee
    ) external returns (uint256 orderId);

    /// @notice Settles a Settleable order at the latest oracle round through the vault (its fees, fill price,
    /// slippage and margin checks, no immediate-exit surcharge) and pays the keeper fee to the caller. Anyone.
    function settleOrder(uint256 orderId) external returns (int256 sizeDelta);

    /// @notice Deletes an order and returns its keeper fee to the account: the owner or an operator while it is
    /// Pending or Missed, anyone once it is Missed; nobody while it is Settleable.
    function cancelOrder(uint256 orderId) external;

    /// @notice The order, its state now and the timestamp from which a round may settle it.
    function orderStatus(uint256 orderId) external view returns (DelayedOrder memory order, Status status);

    function order(uint256 orderId) external view returns (DelayedOrder memory);
}
