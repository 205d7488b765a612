// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccountOrders} from "./IAccountOrders.sol";

/// @title ITriggerOrders
/// @notice Stop-loss and take-profit orders on Parapet accounts, executed by anyone when due (docs/orders.md). The
/// contract trades as the owner's operator, so the owner must `setOperator(this, true)` on the vault before placing.
/// @dev Sharp edges:
/// - The keeper fee is escrowed in collateral tokens, pulled from whoever places the order ({IAccountOrders}).
/// - Reduce-only is enforced against the position at execution, not at placement: the size is clamped to the
///   current position, and an order with nothing on the other side to reduce is void.
/// - A fully liquidated account is flat, so its reduce-only orders are void. If the owner reopens on the same side
///   before anyone voids them, the orders apply to the new position.
/// - An order is stored in two slots: sizes and prices are kept in ticks of 1e-8 (Chainlink's USD precision). A size
///   must be a whole number of ticks (`NotOnTick`); prices are rounded the safe way (a trigger never fires before
///   the price asked; an acceptable price is never looser than asked).
/// - In a market with the latency defence on, an execution is an immediate trade: it may only reduce and pays the
///   market's `immediateFeeRatio` (docs/risks.md).
interface ITriggerOrders is IAccountOrders {
    /// @notice What an order asks for. Prices USD WAD per unit, sizes units WAD.
    /// @param marketId Market to trade.
    /// @param sizeDelta Signed size to trade when due (> 0 buys, < 0 sells), a multiple of 1e10 (1e-8 units).
    /// Reduce-only clamps it to the position.
    /// @param triggerPriceWad The oracle price that makes the order due.
    /// @param triggerAbove Due when the oracle price is ≥ the trigger (a short's stop, a long's take-profit);
    /// otherwise when it is ≤ the trigger (a long's stop, a short's take-profit).
    /// @param acceptablePrice Worst fill price, as in the vault's `trade` (0 for a sell or type(uint256).max for a
    /// buy: any fill).
    /// @param expiry Last timestamp at which the order may execute.
    /// @param reduceOnly Never open, increase or flip (the default for hedges).
    struct OrderParams {
        uint256 marketId;
        int256 sizeDelta;
        uint256 triggerPriceWad;
        bool triggerAbove;
        uint256 acceptablePrice;
        uint256 expiry;
        bool reduceOnly;
    }

    /// @notice A stored order, widened back to WAD. `owner == address(0)`: no such order (never placed, or gone).
    /// `keeperFee` is in token units.
    struct Order {
        address owner;
        uint96 accountIndex;
        uint256 marketId;
        int256 sizeDelta;
        uint256 triggerPriceWad;
        bool triggerAbove;
        uint256 acceptablePrice;
        uint256 expiry;
        bool reduceOnly;
        uint256 keeperFee;
    }

    error OrderExpired(uint256 orderId, uint256 expiry, uint256 blockTimestamp);
    error ExpiryInPast(uint256 expiry, uint256 blockTimestamp);
    error NotDue(uint256 orderId, uint256 priceWad, uint256 triggerPriceWad, bool triggerAbove);
    /// @notice Anyone but the owner or an operator may only cancel an order that is expired or void.
    error OrderStillLive(uint256 orderId);
    /// @notice `value` must be a multiple of `tick` (sizes are stored in ticks of 1e-8 units).
    error NotOnTick(string name, int256 value, uint256 tick);

    event TriggerPlaced(
        uint256 indexed orderId,
        address indexed owner,
        uint96 indexed accountIndex,
        address placer,
        Order order
    );
    event TriggerUpdated(uint256 indexed orderId, address indexed by, Order order);
    /// @param reason 0 cancelled by owner/operator, 1 expired, 2 void (nothing to reduce).
    event TriggerCancelled(uint256 indexed orderId, address indexed by, uint8 reason, uint256 keeperFeeRefunded);
    event TriggerExecuted(
        uint256 indexed orderId,
        address indexed keeper,
        int256 sizeDelta,
        uint256 priceWad,
        uint256 fillPrice,
        uint256 keeperFee
    );

    /// @notice Places an order for account `(owner, accountIndex)` and escrows `keeperFee` tokens (token units)
    /// pulled from the caller. Owner or operator; this contract must be the owner's operator. Returns the order id.
    function placeTrigger(
        address owner,
        uint96 accountIndex,
        OrderParams calldata params,
        uint256 keeperFee
    ) external returns (uint256 orderId);

    /// @notice Replaces every field of a live order but its account and keeper fee. Owner or operator.
    function updateTrigger(uint256 orderId, OrderParams calldata params) external;

    /// @notice Deletes an order and returns its keeper fee to the account's collateral. The owner or an operator
    /// at any time; anyone once the order is expired or void (reduce-only with nothing to reduce).
    function cancelTrigger(uint256 orderId) external;

    /// @notice Executes a due order: the oracle price (valid, else the adapter's error) crossed the trigger, the
    /// order is not expired, and for reduce-only there is a position on the other side (clamped to it). Trades
    /// through the vault (its fees, fill price, slippage and margin checks) and pays the keeper fee to the caller.
    /// Anyone. The order is deleted, so a second execution reverts `OrderNotFound`.
    function executeTrigger(uint256 orderId) external returns (int256 sizeDelta);

    /// @notice The order and whether `executeTrigger` would pass this contract's own checks now (the vault may
    /// still refuse the trade). `due` is false on an invalid oracle price.
    function orderStatus(uint256 orderId) external view returns (Order memory order, bool due);

    function order(uint256 orderId) external view returns (Order memory);
}
