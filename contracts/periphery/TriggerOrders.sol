// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";
import {IPerpVault, IPerpVaultTypes} from "../interfaces/IPerpVault.sol";
import {ITriggerOrders} from "../interfaces/ITriggerOrders.sol";

/// @dev The vault's public immutable getters, not part of {IPerpVault}.
interface IPerpVaultImmutables {
    function collateralToken() external view returns (IERC20);

    function oracle() external view returns (IOracleAdapter);
}

/// @title TriggerOrders
/// @notice Stop-loss / take-profit orders executed by any keeper; see {ITriggerOrders} and docs/design-orders.md.
/// @dev Holds exactly the escrowed keeper fees. The vault is approved for the maximum once, in the constructor, to
/// deposit refunds into accounts.
contract TriggerOrders is ITriggerOrders, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;

    uint8 internal constant CANCELLED = 0;
    uint8 internal constant EXPIRED = 1;
    uint8 internal constant VOID = 2;

    /// @inheritdoc ITriggerOrders
    IPerpVault public immutable override vault;
    /// @inheritdoc ITriggerOrders
    IERC20 public immutable override collateralToken;
    IOracleAdapter internal immutable ORACLE;

    /// @inheritdoc ITriggerOrders
    uint256 public override nextOrderId = 1;
    mapping(uint256 orderId => Order) internal _orders;

    constructor(IPerpVault vault_) {
        if (address(vault_) == address(0)) revert ZeroAddress();
        IERC20 token = IPerpVaultImmutables(address(vault_)).collateralToken();
        ORACLE = IPerpVaultImmutables(address(vault_)).oracle();
        vault = vault_;
        collateralToken = token;
        token.forceApprove(address(vault_), type(uint256).max);
    }

    // ================================================================ owner / operator

    /// @inheritdoc ITriggerOrders
    function placeTrigger(
        address owner,
        uint96 accountIndex,
        OrderParams calldata params,
        uint256 keeperFee
    ) external override nonReentrant returns (uint256 orderId) {
        _authorize(owner);
        if (!vault.isOperator(owner, address(this))) revert NotOperatorOfOwner(owner);
        if (keeperFee > type(uint88).max) revert ValueTooLarge("keeperFee", keeperFee, type(uint88).max);
        Order memory o = _pack(params);
        o.owner = owner;
        o.accountIndex = accountIndex;
        o.keeperFee = uint88(keeperFee);
        orderId = nextOrderId++;
        _orders[orderId] = o;
        // Exact-amount escrow: a fee-on-transfer token would leave the refund short, so it is not supported.
        if (keeperFee != 0) collateralToken.safeTransferFrom(msg.sender, address(this), keeperFee);
        emit TriggerPlaced(orderId, owner, accountIndex, msg.sender, o);
    }

    /// @inheritdoc ITriggerOrders
    function updateTrigger(uint256 orderId, OrderParams calldata params) external override nonReentrant {
        Order storage s = _live(orderId);
        _authorize(s.owner);
        Order memory o = _pack(params);
        o.owner = s.owner;
        o.accountIndex = s.accountIndex;
        o.keeperFee = s.keeperFee;
        _orders[orderId] = o;
        emit TriggerUpdated(orderId, msg.sender, o);
    }

    /// @inheritdoc ITriggerOrders
    function cancelTrigger(uint256 orderId) external override nonReentrant {
        Order memory o = _live(orderId);
        uint8 reason = CANCELLED;
        if (msg.sender != o.owner && !vault.isOperator(o.owner, msg.sender)) {
            if (block.timestamp > o.expiry) reason = EXPIRED;
            else if (o.reduceOnly && _reducible(o) == 0) reason = VOID;
            else revert OrderStillLive(orderId);
        }
        delete _orders[orderId];
        if (o.keeperFee != 0) vault.deposit(o.owner, o.accountIndex, o.keeperFee);
        emit TriggerCancelled(orderId, msg.sender, reason, o.keeperFee);
    }

    // ================================================================ keepers

    /// @inheritdoc ITriggerOrders
    function executeTrigger(uint256 orderId) external override nonReentrant returns (int256 sizeDelta) {
        Order memory o = _live(orderId);
        if (block.timestamp > o.expiry) revert OrderExpired(orderId, o.expiry, block.timestamp);
        // Reverts with the adapter's error (stale, incomplete round, sequencer down, ...): never fire on a bad price.
        uint256 priceWad = ORACLE.priceWad(vault.marketParams(o.marketId).feed);
        if (!_crossed(o, priceWad)) revert NotDue(orderId, priceWad, o.triggerPriceWad, o.triggerAbove);
        sizeDelta = o.sizeDelta;
        if (o.reduceOnly) {
            sizeDelta = _reducible(o);
            if (sizeDelta == 0) {
                revert NothingToReduce(orderId, vault.position(o.owner, o.accountIndex, o.marketId).size, o.sizeDelta);
            }
        }
        delete _orders[orderId]; // before any external call that moves value: no second execution
        IPerpVaultTypes.TradeResult memory r = vault.trade(
            IPerpVaultTypes.TradeParams({
                owner: o.owner,
                accountIndex: o.accountIndex,
                marketId: o.marketId,
                sizeDelta: sizeDelta,
                acceptablePrice: o.acceptablePrice == type(uint128).max ? type(uint256).max : o.acceptablePrice,
                deadline: o.expiry
            })
        );
        if (o.keeperFee != 0) collateralToken.safeTransfer(msg.sender, o.keeperFee);
        emit TriggerExecuted(orderId, msg.sender, sizeDelta, priceWad, r.fillPrice, o.keeperFee);
    }

    // ================================================================ views

    /// @inheritdoc ITriggerOrders
    function orderStatus(uint256 orderId) external view override returns (Order memory o, bool due) {
        o = _orders[orderId];
        if (o.owner == address(0) || block.timestamp > o.expiry) return (o, false);
        if (o.reduceOnly && _reducible(o) == 0) return (o, false);
        try ORACLE.priceWad(vault.marketParams(o.marketId).feed) returns (uint256 priceWad) {
            due = _crossed(o, priceWad);
        } catch {}
    }

    /// @inheritdoc ITriggerOrders
    function order(uint256 orderId) external view override returns (Order memory) {
        return _orders[orderId];
    }

    // ================================================================ internal

    function _authorize(address owner) internal view {
        if (msg.sender != owner && !vault.isOperator(owner, msg.sender)) revert NotAuthorized(msg.sender, owner);
    }

    function _live(uint256 orderId) internal view returns (Order storage s) {
        s = _orders[orderId];
        if (s.owner == address(0)) revert OrderNotFound(orderId);
    }

    /// @dev Validates and narrows the caller's fields; the account and fee are filled in by the caller.
    function _pack(OrderParams calldata p) internal view returns (Order memory o) {
        if (p.sizeDelta == 0) revert ZeroSize();
        if (p.expiry < block.timestamp) revert ExpiryInPast(p.expiry, block.timestamp);
        if (p.marketId >= vault.marketCount()) revert IPerpVaultTypes.MarketNotListed(p.marketId);
        o.marketId = uint16(p.marketId); // marketCount is far below 2^16
        o.sizeDelta = p.sizeDelta.toInt96();
        o.triggerPriceWad = p.triggerPriceWad.toUint128();
        // "No bound" (type(uint256).max for a buy) is kept as type(uint128).max and widened back on execution.
        o.acceptablePrice = p.acceptablePrice > type(uint128).max ? type(uint128).max : uint128(p.acceptablePrice);
        o.expiry = p.expiry.toUint40();
        o.triggerAbove = p.triggerAbove;
        o.reduceOnly = p.reduceOnly;
    }

    function _crossed(Order memory o, uint256 priceWad) internal pure returns (bool) {
        return o.triggerAbove ? priceWad >= o.triggerPriceWad : priceWad <= o.triggerPriceWad;
    }

    /// @dev The reduce-only size now: the order's size clamped to the position on the other side, 0 when the
    /// position is flat or on the order's own side (a reduce-only order never opens, increases or flips).
    function _reducible(Order memory o) internal view returns (int256) {
        int256 size = vault.position(o.owner, o.accountIndex, o.marketId).size;
        int256 delta = o.sizeDelta;
        if (size == 0 || (size > 0) == (delta > 0)) return 0;
        // Opposite signs: close at most the whole position.
        return delta > 0 ? (delta > -size ? -size : delta) : (-delta > size ? -size : delta);
    }
}
