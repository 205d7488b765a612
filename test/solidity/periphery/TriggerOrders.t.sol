// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OrdersFixture} from "./OrdersFixture.sol";
import {TriggerOrders} from "../../../contracts/periphery/TriggerOrders.sol";
import {IAccountOrders} from "../../../contracts/interfaces/IAccountOrders.sol";
import {ITriggerOrders} from "../../../contracts/interfaces/ITriggerOrders.sol";
import {IPerpVault, IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";
import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";

contract TriggerOrdersTest is OrdersFixture {
    /// @dev Shown by `npx hardhat test solidity ... -vvv` traces: the measured execution gas.
    event GasMeasured(string call, uint256 gasUsed);

    TriggerOrders internal orders;

    function setUp() public override {
        super.setUp();
        orders = new TriggerOrders(IPerpVault(address(vault)));
        vm.startPrank(alice);
        vault.setOperator(address(orders), true);
        usdc.approve(address(orders), type(uint256).max);
        vm.stopPrank();
        vm.prank(operatorEve);
        usdc.approve(address(orders), type(uint256).max);
        tradeAs(alice, 0, ETH, 1e18); // alice: long 1 ETH at ~3000 on 100k USDC
    }

    // ---------------------------------------------------------------- helpers

    /// @dev A reduce-only stop-loss on alice's long: sell `size` when ETH ≤ `triggerPriceWad`, any fill, 1 day.
    function _stop(int256 size, uint256 triggerPriceWad) internal view returns (ITriggerOrders.OrderParams memory) {
        return
            ITriggerOrders.OrderParams({
                marketId: ETH,
                sizeDelta: size,
                triggerPriceWad: triggerPriceWad,
                triggerAbove: false,
                acceptablePrice: 0,
                expiry: vm.getBlockTimestamp() + 1 days,
                reduceOnly: true
            });
    }

    function _place(address caller, ITriggerOrders.OrderParams memory p) internal returns (uint256) {
        vm.prank(caller);
        return orders.placeTrigger(alice, 0, p, FEE);
    }

    // ---------------------------------------------------------------- place / update / cancel

    function test_placeTrigger_byOwner_storesAndEscrowsTheFee() public {
        uint256 id = _place(alice, _stop(-1e18, 2_900e18));
        ITriggerOrders.Order memory o = orders.order(id);
        assertEq(o.owner, alice, "owner");
        assertEq(int256(o.sizeDelta), -1e18, "size");
        assertEq(uint256(o.triggerPriceWad), 2_900e18, "trigger");
        assertEq(uint256(o.keeperFee), FEE, "fee");
        assertEq(usdc.balanceOf(address(orders)), FEE, "escrowed here");
        assertEq(orders.nextOrderId(), id + 1, "ids increase");
    }

    function test_placeTrigger_rejectsStrangersAndMissingOperatorRights() public {
        ITriggerOrders.OrderParams memory p = _stop(-1e18, 2_900e18);
        vm.expectRevert(abi.encodeWithSelector(IAccountOrders.NotAuthorized.selector, stranger, alice));
        _place(stranger, p);
        vm.prank(alice);
        vault.setOperator(address(orders), false);
        vm.expectRevert(abi.encodeWithSelector(IAccountOrders.NotOperatorOfOwner.selector, alice));
        _place(alice, p);
    }

    function test_placeTrigger_rejectsBadParams() public {
        ITriggerOrders.OrderParams memory p = _stop(0, 2_900e18);
        vm.expectRevert(IAccountOrders.ZeroSize.selector);
        _place(alice, p);
        p = _stop(-1e18, 2_900e18);
        p.expiry = vm.getBlockTimestamp() - 1;
        vm.expectRevert(abi.encodeWithSelector(ITriggerOrders.ExpiryInPast.selector, p.expiry, vm.getBlockTimestamp()));
        _place(alice, p);
        p = _stop(-1e18, 2_900e18);
        p.marketId = 7;
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.MarketNotListed.selector, 7));
        _place(alice, p);
    }

    function test_operatorPlaces_ownerCancels_feeReturnsToTheAccount() public {
        uint256 id = _place(operatorEve, _stop(-1e18, 2_900e18));
        assertEq(usdc.balanceOf(operatorEve), 1_000e6 - FEE, "the placer paid the fee");
        int256 before = collateral(alice, 0);
        vm.prank(alice);
        orders.cancelTrigger(id);
        assertEq(collateral(alice, 0), before + int256(FEE * TOKEN_TO_WAD), "refund into the account");
        assertEq(usdc.balanceOf(address(orders)), 0, "nothing left in escrow");
        vm.expectRevert(abi.encodeWithSelector(IAccountOrders.OrderNotFound.selector, id));
        orders.executeTrigger(id);
    }

    function test_updateTrigger_byOperator_notByStranger() public {
        uint256 id = _place(alice, _stop(-1e18, 2_900e18));
        vm.prank(operatorEve);
        orders.updateTrigger(id, _stop(-0.5e18, 2_800e18));
        ITriggerOrders.Order memory o = orders.order(id);
        assertEq(int256(o.sizeDelta), -0.5e18, "new size");
        assertEq(uint256(o.triggerPriceWad), 2_800e18, "new trigger");
        assertEq(uint256(o.keeperFee), FEE, "fee kept");
        assertEq(o.owner, alice, "account kept");
        vm.expectRevert(abi.encodeWithSelector(IAccountOrders.NotAuthorized.selector, stranger, alice));
        vm.prank(stranger);
        orders.updateTrigger(id, _stop(-1e18, 1e18));
    }

    function test_cancelTrigger_strangerCannotCancelALiveOrder() public {
        uint256 id = _place(alice, _stop(-1e18, 2_900e18));
        vm.expectRevert(abi.encodeWithSelector(ITriggerOrders.OrderStillLive.selector, id));
        vm.prank(stranger);
        orders.cancelTrigger(id);
    }

    // ---------------------------------------------------------------- execute

    function test_executeTrigger_whenDue_paysTheKeeper_andDoubleExecutionFails() public {
        uint256 id = _place(alice, _stop(-1e18, 2_900e18));
        setEthPrice(2_950e8);
        vm.expectRevert(abi.encodeWithSelector(ITriggerOrders.NotDue.selector, id, 2_950e18, 2_900e18, false));
        orders.executeTrigger(id);
        (, bool due) = orders.orderStatus(id);
        assertFalse(due, "not due above the trigger");

        setEthPrice(2_890e8);
        (, due) = orders.orderStatus(id);
        assertTrue(due, "due at the trigger");
        vm.prank(keeper);
        int256 executed = orders.executeTrigger(id);
        assertEq(executed, -1e18, "sold 1 ETH");
        assertEq(_size(alice, 0), 0, "closed");
        assertEq(usdc.balanceOf(keeper), FEE, "keeper paid");
        vm.expectRevert(abi.encodeWithSelector(IAccountOrders.OrderNotFound.selector, id));
        vm.prank(keeper);
        orders.executeTrigger(id);
        assertEq(usdc.balanceOf(keeper), FEE, "paid once");
    }

    function test_executeTrigger_dueButStaleOracle_notExecuted() public {
        uint256 id = _place(alice, _stop(-1e18, 2_900e18));
        ITriggerOrders.OrderParams memory p = _stop(-1e18, 2_900e18);
        p.expiry = vm.getBlockTimestamp() + 3 days;
        vm.prank(alice);
        orders.updateTrigger(id, p);
        setEthPrice(2_800e8);
        uint256 updatedAt = vm.getBlockTimestamp();
        vm.warp(updatedAt + 1 days + 1); // the ETH feed is stale (1-day heartbeat)
        (, bool due) = orders.orderStatus(id);
        assertFalse(due, "never due on a bad price");
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.StalePrice.selector,
                address(ethFeed),
                updatedAt,
                1 days,
                updatedAt + 1 days + 1
            )
        );
        vm.prank(keeper);
        orders.executeTrigger(id);
        assertEq(_size(alice, 0), 1e18, "untouched");
    }

    function test_executeTrigger_expired_thenAnyoneReturnsTheFee() public {
        uint256 id = _place(alice, _stop(-1e18, 2_900e18));
        uint256 expiry = orders.order(id).expiry;
        skip(1 days + 1); // feeds refreshed, order expired
        setEthPrice(2_800e8);
        vm.expectRevert(
            abi.encodeWithSelector(ITriggerOrders.OrderExpired.selector, id, expiry, vm.getBlockTimestamp())
        );
        orders.executeTrigger(id);
        int256 before = collateral(alice, 0);
        vm.prank(stranger);
        orders.cancelTrigger(id);
        assertEq(collateral(alice, 0), before + int256(FEE * TOKEN_TO_WAD), "fee back in the account");
        assertEq(_size(alice, 0), 1e18, "untouched");
    }

    function test_executeTrigger_slippage_keepsTheOrder() public {
        ITriggerOrders.OrderParams memory p = _stop(-1e18, 2_900e18);
        p.acceptablePrice = 2_895e18;
        uint256 id = _place(alice, p);
        setEthPrice(2_890e8);
        vm.expectRevert(); // the vault's SlippageExceeded
        orders.executeTrigger(id);
        assertEq(orders.order(id).owner, alice, "still live");
    }

    function test_reduceOnly_clampsToThePosition_neverFlips() public {
        uint256 id = _place(alice, _stop(-3e18, 2_900e18)); // larger than the 1 ETH long
        setEthPrice(2_890e8);
        int256 executed = orders.executeTrigger(id);
        assertEq(executed, -1e18, "clamped to the position");
        assertEq(_size(alice, 0), 0, "flat, not short");
    }

    function test_reduceOnly_positionFlippedSincePlacement_isVoid() public {
        uint256 id = _place(alice, _stop(-1e18, 2_900e18));
        tradeAs(alice, 0, ETH, -3e18); // now short 2 ETH: selling would increase exposure
        setEthPrice(2_890e8);
        vm.expectRevert(abi.encodeWithSelector(IAccountOrders.NothingToReduce.selector, id, -2e18, -1e18));
        orders.executeTrigger(id);
        vm.prank(stranger);
        orders.cancelTrigger(id); // void: anyone may return the fee
        assertEq(orders.order(id).owner, address(0), "gone");
        assertEq(_size(alice, 0), -2e18, "untouched");
    }

    function test_notReduceOnly_canOpen() public {
        ITriggerOrders.OrderParams memory p = _stop(1e18, 3_100e18); // buy 1 ETH on a breakout above 3100
        p.triggerAbove = true;
        p.reduceOnly = false;
        p.acceptablePrice = type(uint256).max;
        uint256 id = _place(alice, p);
        setEthPrice(3_150e8);
        orders.executeTrigger(id);
        assertEq(_size(alice, 0), 2e18, "increased");
    }

    function test_orderVoidAfterLiquidation() public {
        fund(alice, 1, 400e6);
        tradeAs(alice, 1, ETH, 1e18); // thin long
        ITriggerOrders.OrderParams memory p = _stop(-1e18, 2_400e18);
        vm.prank(alice);
        uint256 id = orders.placeTrigger(alice, 1, p, FEE);
        setEthPrice(2_300e8); // under water: fully liquidated before the stop is executed
        vault.liquidate(alice, 1);
        assertEq(_size(alice, 1), 0, "liquidated flat");
        (, bool due) = orders.orderStatus(id);
        assertFalse(due, "void, not due");
        vm.expectRevert(abi.encodeWithSelector(IAccountOrders.NothingToReduce.selector, id, 0, -1e18));
        orders.executeTrigger(id);
        vm.prank(stranger);
        orders.cancelTrigger(id);
        assertEq(usdc.balanceOf(address(orders)), 0, "fee returned to the account");
    }

    function test_executeTrigger_ownerRevokedTheContract_failsUntilCancelled() public {
        uint256 id = _place(alice, _stop(-1e18, 2_900e18));
        vm.prank(alice);
        vault.setOperator(address(orders), false);
        setEthPrice(2_890e8);
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.Unauthorized.selector, address(orders), alice));
        orders.executeTrigger(id);
        assertEq(orders.order(id).owner, alice, "still live: the owner decides");
        vm.prank(alice);
        orders.cancelTrigger(id);
        assertEq(usdc.balanceOf(address(orders)), 0, "fee returned");
    }

    function test_takeProfitOnAShort_buysBackWhenThePriceFalls() public {
        tradeAs(bob, 0, ETH, -2e18);
        vm.startPrank(bob);
        vault.setOperator(address(orders), true);
        usdc.mint(bob, FEE);
        usdc.approve(address(orders), FEE);
        ITriggerOrders.OrderParams memory p = _stop(2e18, 2_700e18); // buy back 2 ETH at ≤ 2700
        p.acceptablePrice = 2_720e18;
        uint256 id = orders.placeTrigger(bob, 0, p, FEE);
        vm.stopPrank();
        setEthPrice(2_690e8);
        vm.prank(keeper);
        assertEq(orders.executeTrigger(id), 2e18, "bought back");
        assertEq(_size(bob, 0), 0, "flat");
    }

    /// @dev INV-ORD-02: whatever the position became since placement, a reduce-only order never increases |size|
    /// and never flips it.
    function testFuzz_reduceOnly_neverIncreasesNorFlips(int256 positionSeed, int256 orderSeed, bool stopIsBuy) public {
        int256 position = (bound(positionSeed, -5e18, 5e18) / 1e10) * 1e10;
        int256 orderSize = (bound(orderSeed, 0.01e18, 10e18) / 1e10) * 1e10;
        if (!stopIsBuy) orderSize = -orderSize;
        int256 current = _size(alice, 0); // 1 ETH long from setUp
        if (position != current) {
            int256 delta = position - current;
            // stay clear of the dust rule: leave either nothing or at least 0.05 ETH
            vm.assume(position == 0 || position > 0.05e18 || position < -0.05e18);
            tradeAs(alice, 0, ETH, delta);
        }
        ITriggerOrders.OrderParams memory p = _stop(orderSize, 3_000e18);
        p.triggerAbove = true; // due at the current price
        p.acceptablePrice = orderSize > 0 ? type(uint256).max : 0;
        uint256 id = _place(alice, p);
        int256 size0 = _size(alice, 0);
        try orders.executeTrigger(id) {} catch {}
        int256 size1 = _size(alice, 0);
        assertLe(size1 < 0 ? -size1 : size1, size0 < 0 ? -size0 : size0, "never increases");
        assertTrue(size1 == 0 || (size1 > 0) == (size0 > 0), "never flips");
    }

    // ---------------------------------------------------------------- two-slot storage: ticks and rounding

    function test_placeTrigger_sizeOffTheTick_reverts_pricesRoundTheSafeWay() public {
        ITriggerOrders.OrderParams memory p = _stop(-1e18 - 1, 2_900e18);
        vm.expectRevert(abi.encodeWithSelector(ITriggerOrders.NotOnTick.selector, "sizeDelta", -1e18 - 1, 1e10));
        _place(alice, p);
        // A stop below 2,900.000000005: rounded down, so it never fires above the price asked.
        p = _stop(-1e18, 2_900e18 + 5e9);
        p.acceptablePrice = 2_800e18 + 1; // a sell's floor rounds up: never looser
        uint256 id = _place(alice, p);
        ITriggerOrders.Order memory o = orders.order(id);
        assertEq(o.triggerPriceWad, 2_900e18, "trigger rounded towards not firing early");
        assertEq(o.acceptablePrice, 2_800e18 + 1e10, "sell floor rounded up");
        // A take-profit above 3,100.000000005 rounds up; a buy's "any price" stays unbounded.
        p = _stop(1e18, 3_100e18 + 5e9);
        p.triggerAbove = true;
        p.reduceOnly = false;
        p.acceptablePrice = type(uint256).max;
        o = orders.order(_place(alice, p));
        assertEq(o.triggerPriceWad, 3_100e18 + 1e10, "trigger above rounded up");
        assertEq(o.acceptablePrice, type(uint256).max, "no bound kept");
    }

    function test_placeTrigger_narrowedFieldsOutOfRange_revertClearly() public {
        ITriggerOrders.OrderParams memory p = _stop(-1e18, 2_900e18);
        vm.expectRevert(
            abi.encodeWithSelector(IAccountOrders.ValueTooLarge.selector, "accountIndex", 2 ** 32, type(uint32).max)
        );
        vm.prank(alice);
        orders.placeTrigger(alice, uint96(2 ** 32), p, FEE);
        p.triggerPriceWad = 2 ** 64 * 1e10;
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccountOrders.ValueTooLarge.selector,
                "triggerPriceWad",
                p.triggerPriceWad,
                (2 ** 64 - 2) * 1e10
            )
        );
        _place(alice, p);
    }

    function test_defendedMarket_stopIsAnImmediateExit_openTriggersRefused() public {
        _defend(ETH);
        uint256 stopId = _place(alice, _stop(-1e18, 2_900e18));
        ITriggerOrders.OrderParams memory p = _stop(1e18, 2_900e18); // buy the dip: an open
        p.reduceOnly = false;
        p.acceptablePrice = type(uint256).max;
        uint256 openId = _place(alice, p);
        setEthPrice(2_890e8);
        (, uint256 normalFeeUsd) = vault.quote(ETH, -1e18);
        int256 before = collateral(alice, 0);
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.ImmediateOpenDisabled.selector, ETH));
        orders.executeTrigger(openId);
        vm.recordLogs();
        orders.executeTrigger(stopId);
        assertEq(_size(alice, 0), 0, "the stop closed the long");
        // realised PnL and funding aside, the fee paid is the normal fee + 0.5 % of ~2,890 USD
        int256 paidUsd = before - collateral(alice, 0);
        assertGt(paidUsd, int256(normalFeeUsd + 14e18), "surcharge paid (the exit cannot be used against the LP)");
    }

    // ---------------------------------------------------------------- gas

    /// @dev Execution gas of the calls (gasleft deltas, without the intrinsic 21,000 + calldata and without the SSTORE
    /// refund), the first calls of the test so storage is cold as in a transaction. Targets: 120,000 and 150,000 per
    /// transaction.
    function test_gas_placeAndExecute() public {
        ITriggerOrders.OrderParams memory p = _stop(-1e18, 2_900e18);
        vm.prank(alice);
        uint256 g = gasleft();
        uint256 id = orders.placeTrigger(alice, 0, p, FEE);
        uint256 placeGas = g - gasleft();
        setEthPrice(2_890e8);
        vm.prank(keeper);
        g = gasleft();
        orders.executeTrigger(id);
        uint256 executeGas = g - gasleft();
        emit GasMeasured("placeTrigger", placeGas);
        emit GasMeasured("executeTrigger", executeGas);
        // Per-transaction figures (receipts) are in `npm run bench -- --json` (placeTrigger, executeTrigger); here the
        // execution gas only, as a regression bound: 2 new slots + the fee escrow (its first, zero → non-zero write
        // included) and the trade.
        assertLe(placeGas + 21_000 + 3_000, 140_000, "placeTrigger: the first order, escrow slot created");
        assertLe(executeGas + 21_000 + 1_000, 150_000, "executeTrigger within its target");
    }
}
