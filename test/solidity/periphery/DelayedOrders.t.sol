// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OrdersFixture} from "./OrdersFixture.sol";
import {VaultFixture} from "../vault/VaultFixture.sol";
import {AdminModule} from "../../../contracts/AdminModule.sol";
import {VaultModule} from "../../../contracts/VaultModule.sol";
import {IAccountOrders} from "../../../contracts/interfaces/IAccountOrders.sol";
import {IDelayedOrders} from "../../../contracts/interfaces/IDelayedOrders.sol";
import {IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";

/// @notice The latency defence: the vault's per-market switch and surcharge, and DelayedOrders' commit → first round
/// after the delay → settle, with its cancel rules.
contract DelayedOrdersTest is OrdersFixture {
    function setUp() public override {
        super.setUp();
        tradeAs(alice, 0, ETH, 1e18); // alice: long 1 ETH, opened before the defence is on
        _defend(ETH);
    }

    // ---------------------------------------------------------------- vault: the per-market switch

    function test_defendedMarket_refusesDirectOpens_otherMarketsUnaffected() public {
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.ImmediateOpenDisabled.selector, ETH));
        tradeAs(bob, 0, ETH, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.ImmediateOpenDisabled.selector, ETH));
        tradeAs(alice, 0, ETH, 0.5e18); // an increase is an open too
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.ImmediateOpenDisabled.selector, ETH));
        tradeAs(alice, 0, ETH, -2e18); // so is a flip
        tradeAs(bob, 0, BTC, 0.1e18); // the defence is per market
        assertEq(int256(vault.position(bob, 0, BTC).size), 0.1e18, "BTC opens directly");
    }

    function test_defendedMarket_immediateReductionPaysTheSurcharge() public {
        (uint256 fill, uint256 normalFeeUsd) = vault.quote(ETH, -0.5e18);
        IPerpVaultTypes.TradeResult memory r = tradeAs(alice, 0, ETH, -0.5e18);
        assertEq(r.fillPrice, fill, "same fill");
        // 0.5 ETH × fill × 0.5 %, rounded up, on top of the maker/taker fee
        uint256 surchargeUsd = (((0.5e18 * fill) / WAD) * IMMEDIATE_FEE + WAD - 1) / WAD;
        assertApproxEqAbs(r.feeUsd, normalFeeUsd + surchargeUsd, 1, "fee = normal + immediateFeeRatio");
        assertEq(_size(alice, 0), 0.5e18, "reduced");
    }

    function test_defenceOff_directOpensWorkAgain() public {
        vm.prank(owner);
        vault.setLatencyParams(ETH, IPerpVaultTypes.LatencyParams(0, 0, 0));
        tradeAs(bob, 0, ETH, 1e18);
        assertEq(int256(vault.position(bob, 0, ETH).size), 1e18, "opened");
    }

    function test_setLatencyParams_boundsOwnerAndOrder() public {
        IPerpVaultTypes.LatencyParams memory p = IPerpVaultTypes.LatencyParams(DELAY, TIMEOUT, IMMEDIATE_FEE);
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", stranger));
        vm.prank(stranger);
        vault.setLatencyParams(ETH, p);
        p.minSettlementDelay = 2 hours;
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamOutOfBounds.selector, "minSettlementDelay", 2 hours, 0, 1 hours)
        );
        vm.prank(owner);
        vault.setLatencyParams(ETH, p);
        p = IPerpVaultTypes.LatencyParams(DELAY, 30, IMMEDIATE_FEE); // the timeout must leave a minute after the delay
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamOutOfBounds.selector, "settlementTimeout", 30, 65, 1 days)
        );
        vm.prank(owner);
        vault.setLatencyParams(ETH, p);
        p = IPerpVaultTypes.LatencyParams(DELAY, TIMEOUT, 0.06e18);
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamOutOfBounds.selector, "immediateFeeRatio", 0.06e18, 0, 0.05e18)
        );
        vm.prank(owner);
        vault.setLatencyParams(ETH, p);
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.MarketNotListed.selector, 9));
        vm.prank(owner);
        vault.setLatencyParams(9, IPerpVaultTypes.LatencyParams(0, 0, 0));
        (uint32 delay, uint32 timeout, uint64 immediateFee) = _latency(ETH);
        assertEq(uint256(delay), DELAY, "unchanged delay");
        assertEq(uint256(timeout), TIMEOUT, "unchanged timeout");
        assertEq(uint256(immediateFee), IMMEDIATE_FEE, "unchanged fee");
    }

    function test_setDelayedOrders_onceAndNeededFirst() public {
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.DelayedOrdersAlreadySet.selector, address(delayed)));
        vm.prank(owner);
        vault.setDelayedOrders(stranger);
        assertEq(vault.delayedOrders(), address(delayed), "set once");
        // A fresh vault cannot turn the defence on before it knows who may open.
        setUp_freshVaultRefusesDefenceWithoutDelayedOrders();
    }

    function setUp_freshVaultRefusesDefenceWithoutDelayedOrders() internal {
        VaultFixture.setUp(); // a new vault, no DelayedOrders registered
        vm.expectRevert(IPerpVaultTypes.ZeroAddress.selector);
        vm.prank(owner);
        vault.setLatencyParams(ETH, IPerpVaultTypes.LatencyParams(DELAY, TIMEOUT, IMMEDIATE_FEE));
    }

    function test_adminModule_refusesDirectCalls() public {
        AdminModule module = AdminModule(vault.adminModule());
        vm.expectRevert(VaultModule.NotDelegated.selector);
        module.setGuardian(stranger);
    }

    // ---------------------------------------------------------------- commit → settle

    function test_settlesAtTheFirstRoundAfterTheDelay_paysTheKeeper_once() public {
        uint256 id = _commit(bob, bob, 2e18, false, FEE);
        assertEq(usdc.balanceOf(address(delayed)), FEE, "fee escrowed");
        assertEq(uint8(_status(id)), uint8(IDelayedOrders.Status.Pending), "pending");
        uint256 settleAfter = delayed.order(id).settleAfter;
        assertEq(settleAfter, vm.getBlockTimestamp() + DELAY, "settleAfter = commit + delay");

        vm.expectRevert(
            abi.encodeWithSelector(IDelayedOrders.SettlementNotReady.selector, id, settleAfter, vm.getBlockTimestamp())
        );
        delayed.settleOrder(id);
        _roundAfter(2, 3_010e8); // a round inside the delay: known to the committer, not eligible
        assertEq(uint8(_status(id)), uint8(IDelayedOrders.Status.Pending), "still pending");

        _roundAfter(3, 3_020e8); // the first round at settleAfter
        assertEq(uint8(_status(id)), uint8(IDelayedOrders.Status.Settleable), "settleable");
        (uint256 expectedFill, ) = vault.quote(ETH, 2e18);
        vm.prank(keeper);
        int256 settled = delayed.settleOrder(id);
        assertEq(settled, 2e18, "opened 2 ETH");
        (, uint128 entryPrice, ) = _position(bob);
        assertEq(uint256(entryPrice), expectedFill, "filled at the settlement round's price");
        assertEq(usdc.balanceOf(keeper), FEE, "keeper paid");
        vm.expectRevert(abi.encodeWithSelector(IAccountOrders.OrderNotFound.selector, id));
        vm.prank(keeper);
        delayed.settleOrder(id);
        assertEq(usdc.balanceOf(keeper), FEE, "paid once");
    }

    function test_settlement_noSurcharge_normalFeeOnly() public {
        uint256 id = _commit(bob, bob, 1e18, false, 0);
        _roundAfter(DELAY, 3_000e8);
        (, uint256 normalFeeUsd) = vault.quote(ETH, 1e18);
        vm.recordLogs();
        delayed.settleOrder(id);
        int256 collateralAfter = collateral(bob, 0);
        assertEq(collateralAfter, int256(100_000e18) - int256(normalFeeUsd), "only the maker/taker fee");
    }

    function test_missedRound_neverSettles_anyoneCancels_feeBackToTheAccount() public {
        uint256 id = _commit(bob, bob, 1e18, false, FEE);
        _roundAfter(DELAY, 3_020e8); // eligible ...
        _roundAfter(1, 3_050e8); // ... but a second round lands first: settling now would pick among rounds
        assertEq(uint8(_status(id)), uint8(IDelayedOrders.Status.Missed), "missed");
        vm.expectRevert(abi.encodeWithSelector(IDelayedOrders.SettlementMissed.selector, id));
        delayed.settleOrder(id);
        int256 before = collateral(bob, 0);
        vm.prank(stranger);
        delayed.cancelOrder(id);
        assertEq(collateral(bob, 0), before + int256(FEE * TOKEN_TO_WAD), "fee back in the account");
        assertEq(usdc.balanceOf(address(delayed)), 0, "nothing left in escrow");
        assertEq(_size(bob, 0), 0, "never traded");
    }

    function test_timeout_missed_evenWithoutANewRound() public {
        uint256 id = _commit(bob, bob, 1e18, false, FEE);
        vm.warp(vm.getBlockTimestamp() + TIMEOUT + 1);
        assertEq(uint8(_status(id)), uint8(IDelayedOrders.Status.Missed), "timed out");
        vm.prank(stranger);
        delayed.cancelOrder(id);
        assertEq(delayed.order(id).owner, address(0), "gone");
    }

    function test_cancelRules_pendingOwnerOnly_settleableNobody() public {
        uint256 id = _commit(bob, bob, 1e18, false, FEE);
        vm.expectRevert(abi.encodeWithSelector(IDelayedOrders.OrderStillPending.selector, id));
        vm.prank(stranger);
        delayed.cancelOrder(id);
        _roundAfter(DELAY, 2_900e8); // the price is known now: cancelling would be a free option
        vm.expectRevert(abi.encodeWithSelector(IDelayedOrders.CannotCancelSettleable.selector, id));
        vm.prank(bob);
        delayed.cancelOrder(id);
        delayed.settleOrder(id); // anyone (here the test contract) settles
        assertEq(_size(bob, 0), 1e18, "settled");
    }

    function test_operatorCommits_ownerCancels_feeReturnsToTheAccount() public {
        vm.prank(operatorEve);
        usdc.approve(address(delayed), FEE);
        uint256 id = _commit(operatorEve, alice, -1e18, true, FEE);
        assertEq(usdc.balanceOf(operatorEve), 1_000e6 - FEE, "the placer paid the fee");
        int256 before = collateral(alice, 0);
        vm.prank(alice);
        delayed.cancelOrder(id);
        assertEq(collateral(alice, 0), before + int256(FEE * TOKEN_TO_WAD), "refund into the account");
    }

    function test_commit_rejectsStrangersBadParamsAndMissingRights() public {
        vm.expectRevert(abi.encodeWithSelector(IAccountOrders.NotAuthorized.selector, stranger, bob));
        _commit(stranger, bob, 1e18, false, 0);
        vm.expectRevert(IAccountOrders.ZeroSize.selector);
        _commit(bob, bob, 0, false, 0);
        vm.prank(bob);
        vault.setOperator(address(delayed), false);
        vm.expectRevert(abi.encodeWithSelector(IAccountOrders.NotOperatorOfOwner.selector, bob));
        _commit(bob, bob, 1e18, false, 0);
    }

    function test_reduceOnly_clampsAtSettlement_voidWhenFlat() public {
        uint256 id = _commit(alice, alice, -5e18, true, 0); // larger than the 1 ETH long
        _roundAfter(DELAY, 3_000e8);
        assertEq(delayed.settleOrder(id), -1e18, "clamped to the position");
        assertEq(_size(alice, 0), 0, "flat, never short");
        id = _commit(alice, alice, -1e18, true, 0);
        _roundAfter(DELAY, 3_000e8);
        vm.expectRevert(abi.encodeWithSelector(IAccountOrders.NothingToReduce.selector, id, 0, -1e18));
        delayed.settleOrder(id);
    }

    function test_slippage_keepsTheOrderUntilMissed() public {
        vm.prank(bob);
        uint256 id = delayed.commitOrder(
            bob,
            0,
            IDelayedOrders.CommitParams({marketId: ETH, sizeDelta: 1e18, acceptablePrice: 3_001e18, reduceOnly: false}),
            0
        );
        _roundAfter(DELAY, 3_030e8);
        vm.expectRevert(); // the vault's SlippageExceeded
        delayed.settleOrder(id);
        assertEq(uint8(_status(id)), uint8(IDelayedOrders.Status.Settleable), "still there");
    }

    function test_undefendedMarket_settlesAtTheNextRound() public {
        vm.prank(owner);
        vault.setLatencyParams(ETH, IPerpVaultTypes.LatencyParams(0, 0, 0));
        uint256 id = _commit(bob, bob, 1e18, false, 0);
        assertEq(delayed.order(id).settleAfter, vm.getBlockTimestamp() + 1, "one second");
        _roundAfter(1, 3_000e8);
        delayed.settleOrder(id);
        assertEq(_size(bob, 0), 1e18, "opened");
    }

    // ---------------------------------------------------------------- helpers

    function _latency(uint256 marketId) internal view returns (uint32, uint32, uint64) {
        IPerpVaultTypes.LatencyParams memory p = vault.latencyParams(marketId);
        return (p.minSettlementDelay, p.settlementTimeout, p.immediateFeeRatio);
    }

    function _position(address who) internal view returns (int128, uint128, int128) {
        IPerpVaultTypes.Position memory p = vault.position(who, 0, ETH);
        return (p.size, p.entryPrice, p.fundingIndexEntry);
    }
}
