// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {LpFlowsFixture} from "./LpFlowsFixture.sol";
import {ILiquidityVault} from "../../../contracts/interfaces/ILiquidityVault.sol";

/// @notice The LP defence (docs/risks.md "LP flows at a known price", INV-LP-01..03): requests, their delay and
/// states, settlement by anyone at the mark of its block, the cancel rules and the timeout, the fees, the bounds and
/// the owner, the ERC-4626 surface, deposits into a pool worth ≤ 0, and the O(1) request.
contract LpFlowsTest is LpFlowsFixture {
    uint256 internal constant ASSETS = 100_000e6;

    // ---------------------------------------------------------------- requests, delay, states

    function test_requestDeposit_escrowsAssetsAndKeeperFee_settlesOnlyFromSettleAfter() public {
        uint256 t0 = vm.getBlockTimestamp();
        uint256 valueBefore = lp.totalAssets();
        uint256 id = _requestDeposit(bob, ASSETS);
        ILiquidityVault.Request memory r = _request(id);
        assertEq(r.owner, bob, "owner");
        assertEq(r.receiver, bob, "receiver");
        assertTrue(r.isDeposit, "deposit");
        assertEq(uint256(r.amount), ASSETS, "amount");
        assertEq(uint256(r.keeperFeeTokens), KEEPER_FEE, "keeper fee");
        assertEq(uint256(r.feeBps), ENTRY_FEE_BPS, "entry fee fixed at the request");
        assertEq(uint256(r.cancelBefore), t0 + DELAY / 2, "cancel window: the first half of the delay");
        assertEq(uint256(r.settleAfter), t0 + DELAY, "settleAfter = now + minDelay");
        assertEq(uint256(r.expiresAt), t0 + TIMEOUT, "expiresAt = now + timeout");
        assertEq(usdc.balanceOf(address(lp)), ASSETS + KEEPER_FEE, "INV-LP-02: assets and keeper fee in escrow");
        assertEq(lp.escrowedAssets(), ASSETS + KEEPER_FEE, "INV-LP-02: escrow booked");
        assertEq(lp.balanceOf(bob), 0, "no shares before settlement");
        assertEq(lp.totalAssets(), valueBefore, "the pool is untouched by a request");

        uint8 pending = uint8(ILiquidityVault.RequestStatus.Pending);
        assertEq(uint256(_status(id)), pending, "pending");
        vm.expectRevert(_notSettleable(id, ILiquidityVault.RequestStatus.Pending, r));
        _settleAs(keeper, id);
        _warpTo(t0 + DELAY / 2);
        assertEq(uint256(_status(id)), uint8(ILiquidityVault.RequestStatus.Locked), "locked");
        _warpTo(t0 + DELAY - 1);
        vm.expectRevert(_notSettleable(id, ILiquidityVault.RequestStatus.Locked, r));
        _settleAs(keeper, id);
        _warpTo(t0 + DELAY);
        assertEq(uint256(_status(id)), uint8(ILiquidityVault.RequestStatus.Settleable), "settleable");
        _settleAs(keeper, id);
        assertEq(uint256(_status(id)), uint8(ILiquidityVault.RequestStatus.None), "gone");
    }

    function test_settleDeposit_byAnyone_atTheMarkOfItsBlock_entryFeeStaysInThePool_once() public {
        tradeAs(alice, 0, ETH, 10e18); // open interest: the mark depends on the price
        uint256 id = _requestDeposit(bob, ASSETS);
        uint256 sharesAtRequest = lp.previewDeposit(ASSETS);
        _roundAfter(DELAY, 2_950e8); // a round inside the delay: the long loses, the pool gains
        uint256 valueBefore = lp.totalAssets();
        uint256 expectedShares = lp.previewDeposit(ASSETS);
        assertLt(
            expectedShares,
            sharesAtRequest,
            "INV-LP-01: priced at the settlement block's mark, not the request's"
        );
        uint256 feeTokens = _fee(ASSETS, ENTRY_FEE_BPS);
        vm.expectEmit(true, true, false, true, address(lp));
        emit ILiquidityVault.DepositSettled(id, stranger, ASSETS, feeTokens, expectedShares, KEEPER_FEE, valueBefore);
        uint256 shares = _settleAs(stranger, id);
        assertEq(shares, expectedShares, "shares = previewDeposit at that mark");
        assertEq(lp.balanceOf(bob), shares, "minted to the receiver");
        assertEq(usdc.balanceOf(stranger), KEEPER_FEE, "anyone settles and earns the keeper fee");
        assertEq(lp.totalAssets(), valueBefore + ASSETS, "every asset is in the pool, the fee too");
        uint256 owned = lp.convertToAssets(shares);
        assertGe(owned + 2, ASSETS - feeTokens, "the depositor owns assets - fee");
        assertLt(owned, ASSETS - (feeTokens * 9) / 10, "plus at most its pro-rata share of its own fee");
        assertEq(usdc.balanceOf(address(lp)), 0, "INV-LP-02: escrow left once");
        assertEq(lp.escrowedAssets(), 0, "INV-LP-02: escrow booked out");
        vm.expectRevert(abi.encodeWithSelector(ILiquidityVault.RequestNotFound.selector, id));
        _settleAs(keeper, id);
    }

    function test_defenceOff_aRequestIsSettleableAtOnce() public {
        _setFlows(0, TIMEOUT, ENTRY_FEE_BPS, EXIT_FEE_BPS, KEEPER_FEE);
        uint256 id = _requestDeposit(bob, ASSETS);
        assertEq(uint256(_status(id)), uint8(ILiquidityVault.RequestStatus.Settleable), "no delay, no cancel window");
        assertGt(_settleAs(keeper, id), 0, "settled in the next transaction");
    }

    function test_requesterSettlesItsOwnRequest_keeperFeeComesBack() public {
        uint256 id = _requestDeposit(bob, ASSETS);
        skip(DELAY);
        _settleAs(bob, id);
        assertEq(usdc.balanceOf(bob), KEEPER_FEE, "no keeper needed: the requester settles and keeps its fee");
        assertGt(lp.balanceOf(bob), 0, "shares");
    }

    function test_cancel_pendingByItsOwnerOnly_fullRefund() public {
        uint256 id = _requestDeposit(bob, ASSETS);
        vm.expectRevert(
            abi.encodeWithSelector(
                ILiquidityVault.RequestNotCancellable.selector,
                id,
                ILiquidityVault.RequestStatus.Pending,
                stranger,
                bob
            )
        );
        vm.prank(stranger);
        lp.cancelRequest(id);
        vm.expectEmit(true, true, false, true, address(lp));
        emit ILiquidityVault.RequestCancelled(id, bob, false, ASSETS + KEEPER_FEE);
        vm.prank(bob);
        lp.cancelRequest(id);
        assertEq(usdc.balanceOf(bob), ASSETS + KEEPER_FEE, "the whole escrow back");
        assertEq(lp.escrowedAssets(), 0, "INV-LP-02");

        uint256 carolShares = lp.balanceOf(carol);
        id = _requestRedeem(carol, carolShares / 4);
        vm.prank(carol);
        lp.cancelRequest(id);
        assertEq(lp.balanceOf(carol), carolShares, "the shares back");
        assertEq(lp.escrowedShares(), 0, "INV-LP-02");
    }

    function test_cancel_lockedOrSettleable_nobody() public {
        uint256 id = _requestDeposit(bob, ASSETS);
        skip(DELAY / 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                ILiquidityVault.RequestNotCancellable.selector,
                id,
                ILiquidityVault.RequestStatus.Locked,
                bob,
                bob
            )
        );
        vm.prank(bob);
        lp.cancelRequest(id); // a last-second cancel would be the settlement option one block earlier
        skip(DELAY / 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                ILiquidityVault.RequestNotCancellable.selector,
                id,
                ILiquidityVault.RequestStatus.Settleable,
                bob,
                bob
            )
        );
        vm.prank(bob);
        lp.cancelRequest(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                ILiquidityVault.RequestNotCancellable.selector,
                id,
                ILiquidityVault.RequestStatus.Settleable,
                stranger,
                bob
            )
        );
        vm.prank(stranger);
        lp.cancelRequest(id);
    }

    function test_expired_neverSettles_anyoneCancels_fullRefund() public {
        uint256 t0 = vm.getBlockTimestamp();
        uint256 id = _requestDeposit(bob, ASSETS);
        ILiquidityVault.Request memory r = _request(id);
        _warpTo(t0 + TIMEOUT);
        assertEq(uint256(_status(id)), uint8(ILiquidityVault.RequestStatus.Expired), "expired");
        vm.expectRevert(_notSettleable(id, ILiquidityVault.RequestStatus.Expired, r));
        _settleAs(keeper, id);
        vm.expectEmit(true, true, false, true, address(lp));
        emit ILiquidityVault.RequestCancelled(id, stranger, true, ASSETS + KEEPER_FEE);
        vm.prank(stranger);
        lp.cancelRequest(id);
        assertEq(usdc.balanceOf(bob), ASSETS + KEEPER_FEE, "minus nothing");
        assertEq(usdc.balanceOf(stranger), 0, "the canceller earns nothing");
    }

    // ---------------------------------------------------------------- redemptions

    function test_redeem_escrowsShares_paysAtTheSettlementMark_exitFeeStaysWithTheLpsWhoStay() public {
        tradeAs(alice, 0, ETH, 10e18);
        uint256 shares = lp.balanceOf(carol) / 2;
        uint256 supply = lp.totalSupply();
        uint256 id = _requestRedeem(carol, shares);
        assertEq(lp.balanceOf(address(lp)), shares, "INV-LP-02: shares in escrow");
        assertEq(lp.escrowedShares(), shares, "INV-LP-02: escrow booked");
        assertEq(lp.totalSupply(), supply, "still shares until settled");
        _roundAfter(DELAY, 3_050e8); // the long wins, the pool loses: the redemption pays at this mark
        uint256 valueBefore = lp.totalAssets();
        uint256 grossTokens = lp.convertToAssets(shares);
        uint256 feeTokens = _fee(grossTokens, EXIT_FEE_BPS);
        uint256 expected = lp.previewRedeem(shares) - KEEPER_FEE;
        assertEq(expected, grossTokens - feeTokens - KEEPER_FEE, "previewRedeem is after the exit fee");
        uint256 stayerBefore = lp.convertToAssets(lp.balanceOf(lpProvider));
        vm.expectEmit(true, true, false, true, address(lp));
        emit ILiquidityVault.RedeemSettled(id, keeper, shares, expected, feeTokens, KEEPER_FEE, valueBefore);
        uint256 out = _settleAs(keeper, id);
        assertEq(out, expected, "assets after the exit and keeper fees");
        assertEq(usdc.balanceOf(carol), out, "paid to the receiver");
        assertEq(usdc.balanceOf(keeper), KEEPER_FEE, "keeper fee from the assets");
        assertEq(lp.escrowedShares(), 0, "INV-LP-02: escrow burnt once");
        assertEq(lp.balanceOf(address(lp)), 0, "INV-LP-02");
        assertEq(lp.totalAssets(), valueBefore - out - KEEPER_FEE, "the exit fee stays in the pool");
        assertGt(lp.convertToAssets(lp.balanceOf(lpProvider)), stayerBefore, "it accrues to the LPs who stay");
    }

    function test_requestRedeem_bySpender_spendsTheAllowance_ownerCancelsAndGetsTheShares() public {
        uint256 shares = 100e12;
        uint256 carolShares = lp.balanceOf(carol);
        vm.expectRevert(abi.encodeWithSignature("ERC20InsufficientAllowance(address,uint256,uint256)", bob, 0, shares));
        vm.prank(bob);
        lp.requestRedeem(shares, bob, carol);
        vm.prank(carol);
        lp.approve(bob, shares);
        vm.prank(bob);
        uint256 id = lp.requestRedeem(shares, bob, carol);
        assertEq(lp.allowance(carol, bob), 0, "allowance spent");
        ILiquidityVault.Request memory r = _request(id);
        assertEq(r.owner, carol, "the shares' owner owns the request");
        assertEq(r.receiver, bob, "bob receives");
        vm.expectRevert(
            abi.encodeWithSelector(
                ILiquidityVault.RequestNotCancellable.selector,
                id,
                ILiquidityVault.RequestStatus.Pending,
                bob,
                carol
            )
        );
        vm.prank(bob);
        lp.cancelRequest(id);
        vm.prank(carol);
        lp.cancelRequest(id);
        assertEq(lp.balanceOf(carol), carolShares, "refunds go to the owner");
    }

    function test_redeem_whenThePoolCannotPay_staysSettleable_thenExpiresWithTheSharesBack() public {
        uint256 t0 = vm.getBlockTimestamp();
        uint256 shares = lp.balanceOf(carol);
        uint256 id = _requestRedeem(carol, shares);
        fund(alice, 1, 1_000_000e6);
        tradeAs(alice, 1, ETH, 2_900e18); // 8.7M of skew: most of the pool is locked behind open interest
        skip(DELAY);
        (, uint256 free) = vault.liquidityState();
        uint256 net = lp.previewRedeem(shares);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityVault.RedeemExceedsWithdrawable.selector, id, net, free));
        _settleAs(keeper, id);
        assertEq(uint256(_status(id)), uint8(ILiquidityVault.RequestStatus.Settleable), "still settleable");
        _warpTo(t0 + TIMEOUT);
        vm.prank(stranger);
        lp.cancelRequest(id);
        assertEq(lp.balanceOf(carol), shares, "the shares back, minus nothing");
    }

    // ---------------------------------------------------------------- parameters

    function test_setFlowParams_ownerOnly_everyBoundNamed() public {
        ILiquidityVault.FlowParams memory p = ILiquidityVault.FlowParams(DELAY, TIMEOUT, 10, 10, 2e6);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityVault.NotVaultOwner.selector, stranger, owner));
        vm.prank(stranger);
        lp.setFlowParams(p);

        _expectBound(ILiquidityVault.FlowParams(30, TIMEOUT, 0, 0, 0), "minDelaySeconds", 30, 60, 1 days);
        _expectBound(ILiquidityVault.FlowParams(2 days, 3 days, 0, 0, 0), "minDelaySeconds", 2 days, 60, 1 days);
        _expectBound(
            ILiquidityVault.FlowParams(DELAY, DELAY + 59, 0, 0, 0),
            "settlementTimeoutSeconds",
            DELAY + 59,
            DELAY + 60,
            7 days
        );
        _expectBound(
            ILiquidityVault.FlowParams(DELAY, 8 days, 0, 0, 0),
            "settlementTimeoutSeconds",
            8 days,
            DELAY + 60,
            7 days
        );
        _expectBound(ILiquidityVault.FlowParams(0, 59, 0, 0, 0), "settlementTimeoutSeconds", 59, 60, 7 days);
        _expectBound(ILiquidityVault.FlowParams(DELAY, TIMEOUT, 501, 0, 0), "entryFeeBps", 501, 0, 500);
        _expectBound(ILiquidityVault.FlowParams(DELAY, TIMEOUT, 0, 501, 0), "exitFeeBps", 501, 0, 500);
        _expectBound(
            ILiquidityVault.FlowParams(DELAY, TIMEOUT, 0, 0, 1_000e6 + 1),
            "keeperFeeTokens",
            1_000e6 + 1,
            0,
            1_000e6
        );
        ILiquidityVault.FlowParams memory kept = lp.flowParams();
        assertEq(uint256(kept.entryFeeBps), ENTRY_FEE_BPS, "INV-09: unchanged after the refusals");

        vm.expectEmit(false, false, false, true, address(lp));
        emit ILiquidityVault.FlowParamsSet(p);
        vm.prank(owner);
        lp.setFlowParams(p);
        assertEq(uint256(lp.flowParams().keeperFeeTokens), 2e6, "set");
        _setFlows(0, 60, 500, 500, 1_000e6); // the extremes are accepted; 0 turns the defence off
    }

    function test_feesChangedAfterARequest_theRequestKeepsItsFee() public {
        uint256 id = _requestDeposit(bob, ASSETS);
        _setFlows(DELAY, TIMEOUT, 500, 500, 5e6);
        skip(DELAY);
        uint256 expected = lp.convertToShares(ASSETS - _fee(ASSETS, ENTRY_FEE_BPS)); // at the request's 50 bps
        assertEq(_settleAs(keeper, id), expected, "the fee and keeper fee of the request, not today's");
        assertEq(usdc.balanceOf(keeper), KEEPER_FEE, "keeper fee fixed at the request");
    }

    // ---------------------------------------------------------------- the ERC-4626 surface

    function test_defenceOn_maxIsZero_immediateFlowsRevert_previewsKeepTheirMeaning() public {
        assertEq(lp.maxDeposit(bob), 0, "maxDeposit 0 while flows go through requests");
        assertEq(lp.maxMint(bob), 0, "maxMint 0");
        assertEq(lp.maxWithdraw(carol), 0, "maxWithdraw 0");
        assertEq(lp.maxRedeem(carol), 0, "maxRedeem 0");
        usdc.mint(bob, ASSETS);
        vm.startPrank(bob);
        usdc.approve(address(lp), ASSETS);
        vm.expectRevert(abi.encodeWithSignature("ERC4626ExceededMaxDeposit(address,uint256,uint256)", bob, ASSETS, 0));
        lp.deposit(ASSETS, bob);
        vm.expectRevert(abi.encodeWithSignature("ERC4626ExceededMaxMint(address,uint256,uint256)", bob, 1e12, 0));
        lp.mint(1e12, bob);
        vm.stopPrank();
        vm.startPrank(carol);
        vm.expectRevert(abi.encodeWithSignature("ERC4626ExceededMaxWithdraw(address,uint256,uint256)", carol, 1e6, 0));
        lp.withdraw(1e6, carol, carol);
        vm.expectRevert(abi.encodeWithSignature("ERC4626ExceededMaxRedeem(address,uint256,uint256)", carol, 1e12, 0));
        lp.redeem(1e12, carol, carol);
        vm.stopPrank();
        // previews: the current mark with the fee; conversions: the current mark without it
        assertEq(lp.previewDeposit(ASSETS), lp.convertToShares(ASSETS - _fee(ASSETS, ENTRY_FEE_BPS)), "previewDeposit");
        uint256 shares = 1_000e12;
        uint256 gross = lp.convertToAssets(shares);
        assertEq(lp.previewRedeem(shares), gross - _fee(gross, EXIT_FEE_BPS), "previewRedeem");
        assertGe(lp.previewMint(shares), lp.convertToAssets(shares), "previewMint includes the entry fee");
        assertGe(lp.previewWithdraw(gross), shares, "previewWithdraw includes the exit fee");
    }

    function test_defenceOff_immediateFlowsAtTheMark_withTheFees_roundTripLosesBoth() public {
        _setFlows(0, TIMEOUT, ENTRY_FEE_BPS, EXIT_FEE_BPS, KEEPER_FEE);
        tradeAs(alice, 0, ETH, 10e18);
        assertEq(lp.maxDeposit(bob), type(uint256).max, "open");
        usdc.mint(bob, 2 * ASSETS);
        vm.startPrank(bob);
        usdc.approve(address(lp), type(uint256).max);
        uint256 expected = lp.previewDeposit(ASSETS);
        uint256 shares = lp.deposit(ASSETS, bob);
        assertEq(shares, expected, "deposit = previewDeposit");
        uint256 mintAssets = lp.previewMint(1_000e12);
        uint256 balanceBefore = usdc.balanceOf(bob);
        assertEq(lp.mint(1_000e12, bob), mintAssets, "mint = previewMint");
        assertEq(balanceBefore - usdc.balanceOf(bob), mintAssets, "paid");
        uint256 withdrawShares = lp.previewWithdraw(500e6);
        uint256 sharesBefore = lp.balanceOf(bob);
        assertEq(lp.withdraw(500e6, bob, bob), withdrawShares, "withdraw = previewWithdraw");
        assertEq(sharesBefore - lp.balanceOf(bob), withdrawShares, "burnt");
        uint256 all = lp.balanceOf(bob);
        assertEq(lp.maxRedeem(bob), all, "the whole balance is free");
        uint256 redeemAssets = lp.previewRedeem(all);
        assertEq(lp.maxWithdraw(bob), redeemAssets, "maxWithdraw = what the balance nets");
        assertEq(lp.redeem(all, bob, bob), redeemAssets, "redeem = previewRedeem");
        vm.stopPrank();
        // INV-06: at a constant price the round trip returns less than it put in, by about both fees
        uint256 endBalance = usdc.balanceOf(bob);
        assertLt(endBalance, 2 * ASSETS, "INV-06: no free money");
        uint256 fees = _fee(ASSETS, ENTRY_FEE_BPS) + _fee(ASSETS, EXIT_FEE_BPS);
        assertApproxEqAbs(2 * ASSETS - endBalance, fees, fees / 20, "both fees, about");
    }

    // ---------------------------------------------------------------- a pool worth ≤ 0

    function test_poolWorthLessThanZero_refusesDeposits_requestsWait_recoversWithThePrice() public {
        fund(alice, 1, 1_000_000e6);
        tradeAs(alice, 1, ETH, 2_000e18); // 6M notional against an 11M pool
        uint256 id = _requestDeposit(bob, ASSETS);
        uint256 later = _requestDeposit(dave, ASSETS);
        uint256 redeemId = _requestRedeem(carol, lp.balanceOf(carol));
        _roundAfter(DELAY, 9_000e8); // the long's profit (12M) exceeds the pool
        (int256 valueUsd, , ) = vault.poolMark();
        assertLt(valueUsd, 0, "the pool is worth less than nothing");
        assertEq(lp.totalAssets(), 0, "LPs see 0");
        assertEq(lp.convertToAssets(1e12), 0, "shares are worth 0");

        bytes memory refused = abi.encodeWithSelector(ILiquidityVault.PoolValueNotPositive.selector, valueUsd);
        vm.expectRevert(refused);
        _settleAs(keeper, id); // INV-LP-03: the deposit cannot settle into it
        assertEq(uint256(_status(id)), uint8(ILiquidityVault.RequestStatus.Settleable), "it waits");
        vm.expectRevert(abi.encodeWithSelector(ILiquidityVault.RedeemBelowKeeperFee.selector, redeemId, 0, KEEPER_FEE));
        _settleAs(keeper, redeemId); // and the shares are not burnt for nothing

        _setFlows(0, TIMEOUT, ENTRY_FEE_BPS, EXIT_FEE_BPS, KEEPER_FEE); // immediate flows: refused too
        assertEq(lp.maxDeposit(bob), 0, "INV-LP-03: maxDeposit 0");
        assertEq(lp.maxMint(bob), 0, "INV-LP-03: maxMint 0");
        usdc.mint(bob, ASSETS);
        vm.startPrank(bob);
        usdc.approve(address(lp), ASSETS);
        vm.expectRevert(refused);
        lp.deposit(ASSETS, bob);
        vm.expectRevert(refused);
        lp.mint(1e12, bob);
        vm.stopPrank();
        _setFlows(DELAY, TIMEOUT, ENTRY_FEE_BPS, EXIT_FEE_BPS, KEEPER_FEE);

        _roundAfter(60, 3_000e8); // the price comes back: the pool is worth something again
        assertGt(_settleAs(keeper, id), 0, "the waiting deposit settles at the recovered mark");
        skip(TIMEOUT);
        vm.prank(stranger);
        lp.cancelRequest(later); // an unsettled one expires with a full refund
        assertEq(usdc.balanceOf(dave), ASSETS + KEEPER_FEE, "refunded");
    }

    function test_emptyPool_takesItsFirstDeposit() public {
        // A pool nobody is in yet (no shares, value 0) is not "worth ≤ 0": it must take its first deposit.
        _setFlows(0, TIMEOUT, 0, 0, 0);
        uint256 providerShares = lp.balanceOf(lpProvider);
        uint256 carolShares = lp.balanceOf(carol);
        vm.prank(lpProvider);
        lp.redeem(providerShares, lpProvider, lpProvider);
        vm.prank(carol);
        lp.redeem(carolShares, carol, carol);
        assertEq(lp.totalSupply(), 0, "empty");
        assertEq(lp.maxDeposit(bob), type(uint256).max, "open");
        _setFlows(DELAY, TIMEOUT, ENTRY_FEE_BPS, EXIT_FEE_BPS, KEEPER_FEE);
        assertGt(requestAndSettleDeposit(bob, ASSETS), 0, "first shares");
    }

    // ---------------------------------------------------------------- the LP's own transaction is O(1)

    function test_requestGas_doesNotGrowWithTheNumberOfMarkets_under200k() public {
        uint256 shares = lp.balanceOf(carol) / 10;
        (uint256 coldDepositGas, uint256 coldRedeemGas) = _requestGas(shares); // the first: escrow totals from 0
        assertLe(coldDepositGas, 200_000, "the first requestDeposit under 200k");
        assertLe(coldRedeemGas, 200_000, "the first requestRedeem under 200k");
        (uint256 depositGas2, uint256 redeemGas2) = _requestGas(shares);
        _listMarketsWithOpenInterest(8); // 10 markets, each with open interest: a pool mark reads 10 prices
        (uint256 depositGas10, uint256 redeemGas10) = _requestGas(shares);
        assertLe(depositGas10, 200_000, "requestDeposit under 200k");
        assertLe(redeemGas10, 200_000, "requestRedeem under 200k");
        // The same gas at 2 and 10 markets (a few units apart: the request id and timestamps are other numbers).
        assertApproxEqAbs(depositGas10, depositGas2, 50, "requestDeposit: O(1) in the number of markets");
        assertApproxEqAbs(redeemGas10, redeemGas2, 50, "requestRedeem: O(1) in the number of markets");
    }

    // ---------------------------------------------------------------- escrow under random sequences

    /// @dev Requests, settlements, cancels and time in a random order: after every step the LP vault holds exactly
    /// the escrow of its live requests (INV-LP-02).
    function testFuzz_escrow_equalsTheLiveRequestsAfterEveryStep(uint256 seed) public {
        tradeAs(alice, 0, ETH, 10e18);
        uint256[] memory ids = new uint256[](16);
        uint256 count;
        for (uint256 step; step < 16; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            uint256 op = r % 4;
            if (op == 0) {
                ids[count++] = _requestDeposit(bob, 1_000e6 + ((r >> 8) % 100_000e6));
            } else if (op == 1) {
                ids[count++] = _requestRedeem(carol, lp.balanceOf(carol) / 20 + 1);
            } else if (op == 2) {
                skip((r >> 8) % (TIMEOUT / 2));
            } else if (count > 0) {
                uint256 id = ids[(r >> 8) % count];
                ILiquidityVault.Request memory q = _request(id);
                ILiquidityVault.RequestStatus status = _status(id);
                if (status == ILiquidityVault.RequestStatus.Settleable) _settleAs(keeper, id);
                else if (status == ILiquidityVault.RequestStatus.Expired) vm.prank(stranger);
                else if (status == ILiquidityVault.RequestStatus.Pending) vm.prank(q.owner);
                if (
                    status == ILiquidityVault.RequestStatus.Expired || status == ILiquidityVault.RequestStatus.Pending
                ) {
                    lp.cancelRequest(id);
                }
            }
            _assertEscrow(ids, count);
        }
    }

    function _assertEscrow(uint256[] memory ids, uint256 count) internal view {
        uint256 assets;
        uint256 shares;
        for (uint256 i; i < count; ++i) {
            ILiquidityVault.Request memory q = _request(ids[i]);
            if (q.owner == address(0)) continue;
            if (q.isDeposit) assets += uint256(q.amount) + q.keeperFeeTokens;
            else shares += q.amount;
        }
        assertEq(lp.escrowedAssets(), assets, "INV-LP-02: escrowedAssets = the live deposits' assets + keeper fees");
        assertEq(usdc.balanceOf(address(lp)), assets, "INV-LP-02: the LP vault holds exactly that");
        assertEq(lp.escrowedShares(), shares, "INV-LP-02: escrowedShares = the live redemptions' shares");
        assertEq(lp.balanceOf(address(lp)), shares, "INV-LP-02: the LP vault holds exactly those shares");
    }

    // ---------------------------------------------------------------- helpers

    address internal dave = address(0xDA4E);

    function _notSettleable(
        uint256 id,
        ILiquidityVault.RequestStatus status,
        ILiquidityVault.Request memory r
    ) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ILiquidityVault.RequestNotSettleable.selector,
                id,
                status,
                uint256(r.settleAfter),
                uint256(r.expiresAt)
            );
    }

    function _expectBound(
        ILiquidityVault.FlowParams memory p,
        string memory name,
        uint256 value,
        uint256 min,
        uint256 max
    ) internal {
        vm.expectRevert(abi.encodeWithSelector(ILiquidityVault.ParamOutOfBounds.selector, name, value, min, max));
        vm.prank(owner);
        lp.setFlowParams(p);
    }

    /// @dev Gas of one requestDeposit (bob) and one requestRedeem (carol), each a fresh request to a warm vault.
    function _requestGas(uint256 shares) internal returns (uint256 depositGas, uint256 redeemGas) {
        uint256 fee = KEEPER_FEE;
        usdc.mint(bob, ASSETS + fee);
        vm.prank(bob);
        usdc.approve(address(lp), ASSETS + fee);
        vm.prank(bob);
        uint256 before = gasleft();
        lp.requestDeposit(ASSETS, bob);
        depositGas = before - gasleft();
        vm.prank(carol);
        before = gasleft();
        lp.requestRedeem(shares, carol, carol);
        redeemGas = before - gasleft();
    }

    function _listMarketsWithOpenInterest(uint256 count) internal {
        for (uint256 i; i < count; ++i) {
            MockV3Aggregator feed = new MockV3Aggregator(8, 3_000e8);
            vm.startPrank(owner);
            adapter.setFeed(address(feed), 1 days, address(0), 0, 0);
            uint256 marketId = vault.listMarket(defaultParams(address(feed), 1_000_000e18));
            vm.stopPrank();
            tradeAs(bob, 0, marketId, 1e18);
        }
    }

    // ---------------------------------------------------------------- stray tokens

    /// @notice Tokens and shares sent to the LP vault directly (not through a request) go to the LPs, never into or
    /// out of a request's escrow.
    function test_sweepStray_givesDirectTransfersToTheLps_leavesTheEscrow() public {
        uint256 id = _requestDeposit(bob, ASSETS);
        usdc.mint(address(this), 1_000e6);
        usdc.transfer(address(lp), 1_000e6); // a stray transfer
        uint256 carolShares = lp.balanceOf(carol);
        vm.prank(carol);
        lp.transfer(address(lp), carolShares / 10); // stray shares
        uint256 valueBefore = lp.totalAssets();
        uint256 supplyBefore = lp.totalSupply();
        (uint256 assets, uint256 shares) = lp.sweepStray();
        assertEq(assets, 1_000e6, "the stray tokens, not the escrow");
        assertEq(shares, carolShares / 10, "the stray shares");
        assertEq(lp.totalAssets(), valueBefore + 1_000e6, "into the pool");
        assertEq(lp.totalSupply(), supplyBefore - shares, "burned");
        assertEq(lp.escrowedAssets(), ASSETS + KEEPER_FEE, "escrow untouched");
        assertEq(usdc.balanceOf(address(lp)), ASSETS + KEEPER_FEE, "only the escrow left");
        (uint256 again, uint256 againShares) = lp.sweepStray();
        assertEq(again + againShares, 0, "nothing more");
        // the request still settles in full
        _warpTo(vm.getBlockTimestamp() + DELAY);
        assertGt(_settleAs(keeper, id), 0, "settled");
    }
}
