// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultFixture} from "../vault/VaultFixture.sol";
import {DelayedOrders} from "../../../contracts/periphery/DelayedOrders.sol";
import {IDelayedOrders} from "../../../contracts/interfaces/IDelayedOrders.sol";
import {IPerpVault, IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";

/// @notice The vault fixture plus a DelayedOrders contract registered with the vault, and helpers to turn a market's
/// latency defence on and to commit and settle delayed orders.
abstract contract OrdersFixture is VaultFixture {
    // USDC has 6 decimals: one token unit is 1e12 USD WAD in the vault.
    uint256 internal constant TOKEN_TO_WAD = 1e12;
    uint256 internal constant FEE = 2e6; // 2 USDC keeper fee
    uint32 internal constant DELAY = 5; // seconds
    uint32 internal constant TIMEOUT = 1 hours;
    uint64 internal constant IMMEDIATE_FEE = 0.005e18; // 0.5 %: a common Chainlink deviation threshold

    DelayedOrders internal delayed;
    address internal operatorEve = address(0xE7E);
    address internal stranger = address(0x5757);

    function setUp() public virtual override {
        super.setUp();
        delayed = new DelayedOrders(IPerpVault(address(vault)));
        vm.prank(owner);
        vault.setDelayedOrders(address(delayed));
        _authorize(alice, address(delayed));
        _authorize(bob, address(delayed));
        vm.prank(alice);
        vault.setOperator(operatorEve, true);
        usdc.mint(operatorEve, 1_000e6);
    }

    /// @dev `who` makes `orders` its operator, approves it for keeper fees and holds 1,000 USDC for them.
    function _authorize(address who, address orders) internal {
        usdc.mint(who, 1_000e6);
        vm.startPrank(who);
        vault.setOperator(orders, true);
        usdc.approve(orders, type(uint256).max);
        vm.stopPrank();
    }

    function _defend(uint256 marketId) internal {
        vm.prank(owner);
        vault.setLatencyParams(
            marketId,
            IPerpVaultTypes.LatencyParams({
                minSettlementDelay: DELAY,
                settlementTimeout: TIMEOUT,
                immediateFeeRatio: IMMEDIATE_FEE
            })
        );
    }

    function _commit(
        address caller,
        address who,
        int256 sizeDelta,
        bool reduceOnly,
        uint256 fee
    ) internal returns (uint256 id) {
        vm.prank(caller);
        id = delayed.commitOrder(
            who,
            0,
            IDelayedOrders.CommitParams({
                marketId: ETH,
                sizeDelta: sizeDelta,
                acceptablePrice: sizeDelta > 0 ? type(uint256).max : 0,
                reduceOnly: reduceOnly
            }),
            fee
        );
    }

    /// @dev Publishes an ETH round at `answer8` after `secondsForward` (BTC refreshed too, so nothing goes stale).
    function _roundAfter(uint256 secondsForward, int256 answer8) internal {
        vm.warp(vm.getBlockTimestamp() + secondsForward);
        btcFeed.updateAnswer(btcFeed.latestAnswer());
        ethFeed.updateAnswer(answer8);
    }

    function _status(uint256 id) internal view returns (IDelayedOrders.Status status) {
        (, status) = delayed.orderStatus(id);
    }

    function _size(address who, uint96 accountIndex) internal view returns (int256) {
        return int256(vault.position(who, accountIndex, ETH).size);
    }
}
