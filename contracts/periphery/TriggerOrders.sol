// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

import {IPerpVault, IPerpVaultTypes} from "../interfaces/IPerpVault.sol";
import {ITriggerOrders} from "../interfaces/ITriggerOrders.sol";
import {AccountOrders} from "./AccountOrders.sol";

/// @title TriggerOrders
/// @notice Stop-loss / take-profit orders executed by any keeper; see {ITriggerOrders} and docs/orders.md.
/// @dev Holds exactly the escrowed keeper fees. An order is two storage slots (the placement gas target is 120,000):
/// slot A `owner | accountIndex | fee`, slot B `size | trigger | acceptable | expiry | market | flags`, with sizes
/// and prices in ticks of 1e-8 and the fee in units of 1e-6 tokens (whole token units for tokens of ≤ 6 decimals).
contract TriggerOrders is ITriggerOrders, AccountOrders {
    uint8 internal constant CANCELLED = 0;
    uint8 internal constant EXPIRED = 1;
    uint8 internal constant VOID = 2;

    /// @dev 1e-8 units and 1e-8 USD, as WAD.
    uint256 internal constant TICK = 1e10;
    /// @dev Stored acceptable price meaning "no bound" for a buy.
    uint64 internal constant NO_BOUND = type(uint64).max;

    /// @dev Token units per stored fee unit: 10^(decimals − 6), at least 1.
    uint256 internal immutable FEE_UNIT;

    struct PackedOrder {
        // slot A
        address owner;
        uint32 accountIndex;
        uint64 keeperFeeUnits;
        // slot B
        int64 sizeTicks;
        uint64 triggerTicks;
        uint64 acceptableTicks;
        uint40 expiry;
        uint8 marketId;
        bool triggerAbove;
        bool reduceOnly;
    }

    mapping(uint256 orderId => PackedOrder) internal _orders;

    constructor(IPerpVault vault_) AccountOrders(vault_) {
        uint8 decimals = IERC20Metadata(address(collateralToken)).decimals();
        FEE_UNIT = decimals > 6 ? 10 ** (decimals - 6) : 1;
    }

    // ================================================================ owner / operator

    /// @inheritdoc ITriggerOrders
    function placeTrigger(
        address owner,
        uint96 accountIndex,
        OrderParams calldata params,
        uint256 keeperFee
    ) external override nonReentrant returns (uint256 orderId) {
        _authorizePlacement(owner);
        if (accountIndex > type(uint32).max) revert ValueTooLarge("accountIndex", accountIndex, type(uint32).max);
        if (keeperFee % FEE_UNIT != 0) revert NotOnTick("keeperFee", int256(keeperFee), FEE_UNIT);
        if (keeperFee / FEE_UNIT > type(uint64).max) {
            revert ValueTooLarge("keeperFee", keeperFee, uint256(type(uint64).max) * FEE_UNIT);
        }
        PackedOrder memory o = _pack(params);
        o.owner = owner;
        o.accountIndex = uint32(accountIndex);
        o.keeperFeeUnits = uint64(keeperFee / FEE_UNIT);
        orderId = nextOrderId++;
        _orders[orderId] = o;
        _escrowFee(keeperFee);
        emit TriggerPlaced(orderId, owner, accountIndex, msg.sender, _unpack(o));
    }

    /// @inheritdoc ITriggerOrders
    function updateTrigger(uint256 orderId, OrderParams calldata params) external override nonReentrant {
        PackedOrder storage s = _live(orderId);
        if (!_isAuthorized(s.owner)) revert NotAuthorized(msg.sender, s.owner);
        PackedOrder memory o = _pack(params);
        o.owner = s.owner;
        o.accountIndex = s.accountIndex;
        o.keeperFeeUnits = s.keeperFeeUnits;
        _orders[orderId] = o;
        emit TriggerUpdated(orderId, msg.sender, _unpack(o));
    }

    /// @inheritdoc ITriggerOrders
    function cancelTrigger(uint256 orderId) external override nonReentrant {
        Order memory o = _unpack(_live(orderId));
        uint8 reason = CANCELLED;
        if (!_isAuthorized(o.owner)) {
            if (block.timestamp > o.expiry) reason = EXPIRED;
            else if (o.reduceOnly && _reducible(o.owner, o.accountIndex, o.marketId, o.sizeDelta) == 0) reason = VOID;
            else revert OrderStillLive(orderId);
        }
        delete _orders[orderId];
        _refundFee(o.owner, o.accountIndex, o.keeperFee);
        emit TriggerCancelled(orderId, msg.sender, reason, o.keeperFee);
    }

    // ================================================================ keepers

    /// @inheritdoc ITriggerOrders
    function executeTrigger(uint256 orderId) external override nonReentrant returns (int256 sizeDelta) {
        Order memory o = _unpack(_live(orderId));
        if (block.timestamp > o.expiry) revert OrderExpired(orderId, o.expiry, block.timestamp);
        // Reverts with the adapter's error (stale, incomplete round, sequencer down, ...): never fire on a bad price.
        uint256 priceWad = ORACLE.priceWad(vault.marketFeed(o.marketId));
        if (!_crossed(o, priceWad)) revert NotDue(orderId, priceWad, o.triggerPriceWad, o.triggerAbove);
        sizeDelta = o.sizeDelta;
        if (o.reduceOnly) {
            sizeDelta = _reducible(o.owner, o.accountIndex, o.marketId, o.sizeDelta);
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
                acceptablePrice: o.acceptablePrice,
                deadline: o.expiry
            })
        );
        _payKeeper(o.keeperFee);
        emit TriggerExecuted(orderId, msg.sender, sizeDelta, priceWad, r.fillPrice, o.keeperFee);
    }

    // ================================================================ views

    /// @inheritdoc ITriggerOrders
    function orderStatus(uint256 orderId) external view override returns (Order memory o, bool due) {
        o = _unpack(_orders[orderId]);
        if (o.owner == address(0) || block.timestamp > o.expiry) return (o, false);
        if (o.reduceOnly && _reducible(o.owner, o.accountIndex, o.marketId, o.sizeDelta) == 0) return (o, false);
        try ORACLE.priceWad(vault.marketFeed(o.marketId)) returns (uint256 priceWad) {
            due = _crossed(o, priceWad);
        } catch {}
    }

    /// @inheritdoc ITriggerOrders
    function order(uint256 orderId) external view override returns (Order memory) {
        return _unpack(_orders[orderId]);
    }

    // ================================================================ internal

    function _live(uint256 orderId) internal view returns (PackedOrder storage s) {
        s = _orders[orderId];
        if (s.owner == address(0)) revert OrderNotFound(orderId);
    }

    /// @dev Validates and narrows the caller's fields; the account and fee are filled in by the caller.
    function _pack(OrderParams calldata p) internal view returns (PackedOrder memory o) {
        if (p.sizeDelta == 0) revert ZeroSize();
        if (p.expiry < block.timestamp) revert ExpiryInPast(p.expiry, block.timestamp);
        if (p.marketId >= vault.marketCount()) revert IPerpVaultTypes.MarketNotListed(p.marketId);
        if (p.sizeDelta % int256(TICK) != 0) revert NotOnTick("sizeDelta", p.sizeDelta, TICK);
        int256 sizeTicks = p.sizeDelta / int256(TICK);
        if (sizeTicks > type(int64).max || sizeTicks < -type(int64).max) {
            revert ValueTooLarge("sizeDelta", uint256(sizeTicks < 0 ? -p.sizeDelta : p.sizeDelta), 2 ** 63 * TICK);
        }
        o.sizeTicks = int64(sizeTicks);
        // Due when price ≥ trigger: round the trigger up; due when ≤: down. Never fires before the price asked.
        o.triggerTicks = _toTicks("triggerPriceWad", p.triggerPriceWad, p.triggerAbove);
        // A buy's bound rounds down, a sell's up: never looser than asked. A buy's "no bound" stays no bound.
        o.acceptableTicks =
            p.sizeDelta > 0 && p.acceptablePrice >= uint256(NO_BOUND) * TICK
                ? NO_BOUND
                : _toTicks("acceptablePrice", p.acceptablePrice, p.sizeDelta < 0);
        o.expiry = p.expiry > type(uint40).max ? type(uint40).max : uint40(p.expiry);
        o.marketId = uint8(p.marketId); // marketCount ≤ MAX_MARKETS = 128
        o.triggerAbove = p.triggerAbove;
        o.reduceOnly = p.reduceOnly;
    }

    function _toTicks(string memory name, uint256 valueWad, bool roundUp) internal pure returns (uint64) {
        uint256 ticks = valueWad / TICK;
        if (roundUp && ticks * TICK != valueWad) ++ticks;
        if (ticks >= NO_BOUND) revert ValueTooLarge(name, valueWad, uint256(NO_BOUND - 1) * TICK);
        return uint64(ticks);
    }

    function _unpack(PackedOrder memory s) internal view returns (Order memory o) {
        o.owner = s.owner;
        o.accountIndex = s.accountIndex;
        o.marketId = s.marketId;
        o.sizeDelta = int256(s.sizeTicks) * int256(TICK);
        o.triggerPriceWad = uint256(s.triggerTicks) * TICK;
        o.triggerAbove = s.triggerAbove;
        o.acceptablePrice = s.acceptableTicks == NO_BOUND ? type(uint256).max : uint256(s.acceptableTicks) * TICK;
        o.expiry = s.expiry;
        o.reduceOnly = s.reduceOnly;
        o.keeperFee = uint256(s.keeperFeeUnits) * FEE_UNIT;
    }

    function _crossed(Order memory o, uint256 priceWad) internal pure returns (bool) {
        return o.triggerAbove ? priceWad >= o.triggerPriceWad : priceWad <= o.triggerPriceWad;
    }
}
