// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultFixture} from "../vault/VaultFixture.sol";
import {Vm} from "../utils/Vm.sol";
import {HedgeRouter} from "../../../contracts/periphery/HedgeRouter.sol";
import {IHedgeRouter} from "../../../contracts/interfaces/IHedgeRouter.sol";
import {IPerpVault, IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";

contract HedgeRouterTest is VaultFixture {
    // USDC has 6 decimals: one token unit is 1e12 USD WAD in the vault.
    uint256 internal constant TOKEN_TO_WAD = 1e12;
    // Selling 2 ETH from zero skew: fill 3000 · (1 − 1/1e6) = 2999.997, taker fee 0.05 % · 2 · 2999.997.
    uint256 internal constant FILL_SELL_2_ETH = 2999.997e18;
    uint256 internal constant FEE_SELL_2_ETH = 2.999997e18;

    HedgeRouter internal router;
    address internal keeperA = address(0x4A);
    address internal keeperB = address(0x4B);

    function setUp() public override {
        super.setUp();
        router = new HedgeRouter(IPerpVault(address(vault)));
        vm.prank(alice);
        vault.setOperator(address(router), true);
        _wallet(alice, 1_000_000e6);
    }

    // ---------------------------------------------------------------- helpers

    function _wallet(address who, uint256 amount) internal {
        usdc.mint(who, amount);
        vm.prank(who);
        usdc.approve(address(router), type(uint256).max);
    }

    function _step(
        uint96 accountIndex,
        uint256 marketId,
        int256 targetSize,
        uint256 minCollateralUsd
    ) internal pure returns (IHedgeRouter.Step memory) {
        return
            IHedgeRouter.Step({
                accountIndex: accountIndex,
                marketId: marketId,
                targetSize: targetSize,
                acceptablePrice: 0, // replaced by _bound
                minCollateralUsd: minCollateralUsd,
                maxDeposit: type(uint256).max
            });
    }

    /// @dev Widest price bound on the side of the trade the step will make from `currentSize`.
    function _bounded(IHedgeRouter.Step memory s, int256 currentSize) internal pure returns (IHedgeRouter.Step memory) {
        s.acceptablePrice = s.targetSize > currentSize ? type(uint256).max : 0;
        return s;
    }

    function _one(IHedgeRouter.Step memory s) internal pure returns (IHedgeRouter.Step[] memory steps) {
        steps = new IHedgeRouter.Step[](1);
        steps[0] = s;
    }

    function _run(address caller, IHedgeRouter.Step[] memory steps) internal {
        vm.prank(caller);
        router.rebalance(alice, steps, vm.getBlockTimestamp());
    }

    function _size(uint96 accountIndex, uint256 marketId) internal view returns (int256) {
        return int256(vault.position(alice, accountIndex, marketId).size);
    }

    /// @dev Moves account (alice, 1) to a short of 2 ETH at a 2,000 USD floor.
    function _openShort2Eth() internal {
        _run(alice, _one(_bounded(_step(1, ETH, -2e18, 2_000e18), 0)));
    }

    function _count(Vm.Log[] memory logs, address emitter, bytes32 topic0) internal pure returns (uint256 n) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == emitter && logs[i].topics.length > 0 && logs[i].topics[0] == topic0) ++n;
        }
    }

    /// @dev 0 for sizes under the market's minimum position (10 USD of margin at 10 %: 1/30 ETH).
    function _tradable(int256 size) internal pure returns (int256) {
        return size > -0.05e18 && size < 0.05e18 ? int256(0) : size;
    }

    /// @dev Calls as `caller` and checks the revert's selector (for errors whose exact arguments are not the point).
    function _expectError(address caller, bytes memory data, bytes4 selector) internal {
        vm.prank(caller);
        (bool ok, bytes memory ret) = address(router).call(data);
        assertFalse(ok, "expected a revert");
        assertEq(bytes32(bytes4(ret)), bytes32(selector), "revert selector");
    }

    // ---------------------------------------------------------------- open, resize, close, flip

    function test_rebalance_openFromFlat_depositsExactShortfallsAndTrades() public {
        uint256 walletBefore = usdc.balanceOf(alice);
        vm.recordLogs();
        _openShort2Eth();
        Vm.Log[] memory logs = vm.getRecordedLogs();

        assertEq(_size(1, ETH), -2e18, "size at target");
        // One top-up before the trade: 2,000 USDC plus the quoted fee, to the token unit (2.999997 USDC).
        uint256 deposited = 2_000e6 + FEE_SELL_2_ETH / TOKEN_TO_WAD;
        assertEq(walletBefore - usdc.balanceOf(alice), deposited, "pulled exactly the shortfalls");
        assertEq(collateral(alice, 1), 2_000e18, "collateral back at the floor after the fee");
        assertEq(usdc.balanceOf(address(router)), 0, "no tokens left in the router");
        assertEq(_count(logs, address(vault), IPerpVaultTypes.Traded.selector), 1, "one trade");
        assertEq(_count(logs, address(vault), IPerpVaultTypes.Deposited.selector), 1, "the fee was pre-funded");
        assertEq(_count(logs, address(router), IHedgeRouter.StepExecuted.selector), 1, "one step event");
        IPerpVaultTypes.Position memory p = vault.position(alice, 1, ETH);
        assertEq(uint256(p.entryPrice), FILL_SELL_2_ETH, "filled at the skew price");
    }

    function test_rebalance_emitsWhatTheStepDid() public {
        vm.expectEmit();
        emit IHedgeRouter.StepExecuted(alice, 1, ETH, alice, -2e18, 2_000e6 + 2_999_997, -2e18, 2_000e18);
        _openShort2Eth();
    }

    function test_rebalance_shortfallRoundsUpToTheTokenUnit() public {
        // A floor one wei above 1,000 USD needs 1,000.000001 USDC: the account ends less than one token unit above.
        _run(alice, _one(_step(1, ETH, 0, 1_000e18 + 1)));
        assertEq(collateral(alice, 1), int256(1_000e18 + TOKEN_TO_WAD), "ceil(shortfall / 1e12) tokens");
        assertEq(usdc.balanceOf(address(router)), 0, "no tokens left in the router");
        // Already above the floor: nothing more.
        _run(alice, _one(_step(1, ETH, 0, 1_000e18 + TOKEN_TO_WAD)));
        assertEq(collateral(alice, 1), int256(1_000e18 + TOKEN_TO_WAD), "no second deposit");
    }

    function test_rebalance_resize() public {
        _openShort2Eth();
        _run(alice, _one(_bounded(_step(1, ETH, -3e18, 2_000e18), -2e18)));
        assertEq(_size(1, ETH), -3e18, "increased the short by 1");
        assertGe(collateral(alice, 1), 2_000e18, "floor kept after the fee");
        _run(alice, _one(_bounded(_step(1, ETH, -1e18, 2_000e18), -3e18)));
        assertEq(_size(1, ETH), -1e18, "reduced by 2");
    }

    function test_rebalance_closeWithTargetZero() public {
        _openShort2Eth();
        _run(alice, _one(_bounded(_step(1, ETH, 0, 0), -2e18)));
        assertEq(_size(1, ETH), 0, "closed");
        assertEq(vault.accountMarkets(alice, 1), 0, "no market left");
    }

    function test_rebalance_flip() public {
        _openShort2Eth();
        vm.recordLogs();
        _run(alice, _one(_bounded(_step(1, ETH, 1e18, 2_000e18), -2e18)));
        assertEq(_size(1, ETH), 1e18, "flipped to a long of 1");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(_count(logs, address(vault), IPerpVaultTypes.Traded.selector), 1, "one trade of +3");
    }

    function test_rebalance_topUpAfterTheTradeCoversARealisedLoss() public {
        _openShort2Eth();
        setEthPrice(3_300e8); // the short lost ~600 USD, unrealised
        _run(alice, _one(_bounded(_step(1, ETH, -1e18, 2_000e18), -2e18)));
        assertEq(_size(1, ETH), -1e18, "reduced");
        // Closing 1 ETH realised ~300 USD of loss (and a fee): the second top-up restored the floor.
        assertGe(collateral(alice, 1), 2_000e18, "floor restored");
        assertLt(collateral(alice, 1), 2_000e18 + int256(TOKEN_TO_WAD), "to the token unit");
    }

    // ---------------------------------------------------------------- idempotency

    function test_rebalance_sameStepsTwice_secondIsANoop() public {
        IHedgeRouter.Step[] memory steps = new IHedgeRouter.Step[](2);
        steps[0] = _bounded(_step(1, ETH, -2e18, 2_000e18), 0);
        steps[1] = _bounded(_step(2, BTC, -0.1e18, 2_000e18), 0);
        _run(alice, steps);
        uint256 wallet = usdc.balanceOf(alice);
        int256 c1 = collateral(alice, 1);
        int256 c2 = collateral(alice, 2);

        vm.recordLogs();
        _run(alice, steps);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(_count(logs, address(vault), IPerpVaultTypes.Traded.selector), 0, "no trade");
        assertEq(_count(logs, address(vault), IPerpVaultTypes.Deposited.selector), 0, "no deposit");
        assertEq(_count(logs, address(router), IHedgeRouter.StepExecuted.selector), 2, "steps still reported");
        assertEq(usdc.balanceOf(alice), wallet, "nothing pulled");
        assertEq(collateral(alice, 1), c1, "collateral 1 unchanged");
        assertEq(collateral(alice, 2), c2, "collateral 2 unchanged");
        assertEq(_size(1, ETH), -2e18, "ETH size not doubled");
        assertEq(_size(2, BTC), -0.1e18, "BTC size not doubled");
    }

    function test_rebalance_racingOperators_neverDoubleTheHedge() public {
        vm.startPrank(alice);
        vault.setOperator(keeperA, true);
        vault.setOperator(keeperB, true);
        vm.stopPrank();
        _wallet(keeperA, 10_000e6);
        _wallet(keeperB, 10_000e6);
        IHedgeRouter.Step[] memory plan = _one(_bounded(_step(1, ETH, -2e18, 2_000e18), 0));

        // Both keepers built the same plan from the same (flat) state; A lands first.
        _run(keeperA, plan);
        _run(keeperB, plan);

        assertEq(_size(1, ETH), -2e18, "target, not twice the target");
        assertEq(collateral(alice, 1), 2_000e18, "floor, not twice the floor");
        assertEq(usdc.balanceOf(keeperA), 10_000e6 - 2_000e6 - 2_999_997, "A paid the top-ups");
        assertEq(usdc.balanceOf(keeperB), 10_000e6, "B paid nothing");
        assertEq(usdc.balanceOf(alice), 1_000_000e6, "the owner's wallet is never pulled by a keeper's call");
    }

    function test_fuzz_rebalance_idempotent(int256 targetSize, uint256 floorUsd, uint256 secondTarget) public {
        targetSize = _tradable(bound(targetSize, -20e18, 20e18));
        floorUsd = bound(floorUsd, 0, 50_000e18);
        // Enough margin for any target: 20 ETH · 3000 · 10 % = 6,000 USD.
        if (targetSize != 0 && floorUsd < 7_000e18) floorUsd += 7_000e18;
        IHedgeRouter.Step[] memory steps = _one(_bounded(_step(1, ETH, targetSize, floorUsd), 0));
        _run(alice, steps);
        assertEq(_size(1, ETH), targetSize, "at target");
        assertGe(collateral(alice, 1), int256(floorUsd), "at or above the floor");
        assertLt(collateral(alice, 1), int256(floorUsd + TOKEN_TO_WAD), "less than a token unit above");
        uint256 wallet = usdc.balanceOf(alice);
        _run(alice, steps);
        assertEq(_size(1, ETH), targetSize, "second run: same size");
        assertEq(usdc.balanceOf(alice), wallet, "second run: nothing pulled");
        assertEq(usdc.balanceOf(address(router)), 0, "no tokens left in the router");

        // Any other target from there lands exactly.
        int256 next = _tradable(int256(secondTarget % 41e18) - 20e18);
        _run(alice, _one(_bounded(_step(1, ETH, next, 7_000e18), targetSize)));
        assertEq(_size(1, ETH), next, "second target");
        assertEq(usdc.balanceOf(address(router)), 0, "still no tokens in the router");
    }

    // ---------------------------------------------------------------- several accounts and markets

    function test_rebalance_severalAccountsAndMarketsInOneCall() public {
        IHedgeRouter.Step[] memory steps = new IHedgeRouter.Step[](3);
        steps[0] = _bounded(_step(1, ETH, -2e18, 2_000e18), 0);
        steps[1] = _bounded(_step(2, BTC, -0.1e18, 3_000e18), 0);
        // A second market in account 1 (cross margin inside the account): the floor is already met.
        steps[2] = _bounded(_step(1, BTC, 0.05e18, 1_000e18), 0);
        vm.recordLogs();
        _run(alice, steps);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(_size(1, ETH), -2e18, "ETH");
        assertEq(_size(2, BTC), -0.1e18, "BTC in account 2");
        assertEq(_size(1, BTC), 0.05e18, "BTC in account 1");
        assertGe(collateral(alice, 1), 1_000e18, "account 1 floor");
        assertGe(collateral(alice, 2), 3_000e18, "account 2 floor");
        assertEq(_count(logs, address(vault), IPerpVaultTypes.Traded.selector), 3, "three trades");
        assertEq(_count(logs, address(router), IHedgeRouter.StepExecuted.selector), 3, "three step events");
        assertEq(usdc.balanceOf(address(router)), 0, "no tokens left in the router");
        assertEq(collateral(alice, 0), 100_000e18, "account 0 untouched");
    }

    // ---------------------------------------------------------------- failures

    function test_rebalance_revertsForAStranger() public {
        IHedgeRouter.Step[] memory steps = _one(_bounded(_step(1, ETH, -2e18, 2_000e18), 0));
        uint256 deadline = vm.getBlockTimestamp();
        vm.expectRevert(abi.encodeWithSelector(IHedgeRouter.NotAuthorized.selector, bob, alice));
        vm.prank(bob);
        router.rebalance(alice, steps, deadline);
    }

    function test_rebalance_revertsForARevokedOperator() public {
        vm.prank(alice);
        vault.setOperator(keeperA, true);
        _wallet(keeperA, 10_000e6);
        vm.prank(alice);
        vault.setOperator(keeperA, false);
        IHedgeRouter.Step[] memory steps = _one(_bounded(_step(1, ETH, -2e18, 2_000e18), 0));
        uint256 deadline = vm.getBlockTimestamp();
        vm.expectRevert(abi.encodeWithSelector(IHedgeRouter.NotAuthorized.selector, keeperA, alice));
        vm.prank(keeperA);
        router.rebalance(alice, steps, deadline);
    }

    function test_rebalance_revertsWhenTheRouterIsNotAnOperator() public {
        vm.prank(alice);
        vault.setOperator(address(router), false);
        IHedgeRouter.Step[] memory steps = _one(_step(1, ETH, 0, 1_000e18)); // even a pure top-up: checked up front
        uint256 deadline = vm.getBlockTimestamp();
        vm.expectRevert(abi.encodeWithSelector(IHedgeRouter.RouterNotOperator.selector, alice));
        vm.prank(alice);
        router.rebalance(alice, steps, deadline);
    }

    function test_rebalance_revertsWithoutSteps() public {
        IHedgeRouter.Step[] memory steps = new IHedgeRouter.Step[](0);
        uint256 deadline = vm.getBlockTimestamp();
        vm.expectRevert(IHedgeRouter.NoSteps.selector);
        vm.prank(alice);
        router.rebalance(alice, steps, deadline);
    }

    function test_rebalance_depositCap_pureTopUp() public {
        IHedgeRouter.Step memory s = _step(1, ETH, 0, 2_000e18); // a pure top-up
        s.maxDeposit = 2_000e6 - 1;
        IHedgeRouter.Step[] memory steps = _one(s);
        uint256 deadline = vm.getBlockTimestamp();
        vm.expectRevert(abi.encodeWithSelector(IHedgeRouter.DepositCapExceeded.selector, 2_000e6, 2_000e6 - 1));
        vm.prank(alice);
        router.rebalance(alice, steps, deadline);
    }

    function test_rebalance_depositCap_includesTheQuotedFee() public {
        IHedgeRouter.Step memory s = _bounded(_step(1, ETH, -2e18, 2_000e18), 0);
        s.maxDeposit = 2_000e6; // the floor, not the fee on top
        IHedgeRouter.Step[] memory steps = _one(s);
        uint256 deadline = vm.getBlockTimestamp();
        vm.expectRevert(abi.encodeWithSelector(IHedgeRouter.DepositCapExceeded.selector, 2_000e6 + 2_999_997, 2_000e6));
        vm.prank(alice);
        router.rebalance(alice, steps, deadline);
        // The exact need passes.
        steps[0].maxDeposit = 2_000e6 + 2_999_997;
        _run(alice, steps);
        assertEq(_size(1, ETH), -2e18, "at target with the exact cap");
    }

    function test_rebalance_depositCap_countsBothTopUps() public {
        _openShort2Eth();
        setEthPrice(3_300e8);
        // Reducing to −1 realises ~300 USD of loss: the fee before the trade plus the loss after it exceed 100 USDC.
        IHedgeRouter.Step memory s = _bounded(_step(1, ETH, -1e18, 2_000e18), -2e18);
        s.maxDeposit = 100e6;
        _expectError(
            alice,
            abi.encodeCall(router.rebalance, (alice, _one(s), vm.getBlockTimestamp())),
            IHedgeRouter.DepositCapExceeded.selector
        );
        s.maxDeposit = 400e6;
        _run(alice, _one(s));
        assertEq(_size(1, ETH), -1e18, "reduced within the larger cap");
    }

    function test_rebalance_deadlineExpired() public {
        IHedgeRouter.Step[] memory steps = _one(_bounded(_step(1, ETH, -2e18, 2_000e18), 0));
        uint256 deadline = vm.getBlockTimestamp() - 1;
        vm.expectRevert(
            abi.encodeWithSelector(IHedgeRouter.DeadlineExpired.selector, deadline, vm.getBlockTimestamp())
        );
        vm.prank(alice);
        router.rebalance(alice, steps, deadline);
    }

    function test_rebalance_acceptablePriceReachesTheVault() public {
        IHedgeRouter.Step memory s = _step(1, ETH, -2e18, 2_000e18);
        s.acceptablePrice = 3_000e18; // a sell must fill at ≥ 3000; it fills at 2999.997
        IHedgeRouter.Step[] memory steps = _one(s);
        uint256 deadline = vm.getBlockTimestamp();
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.SlippageExceeded.selector, FILL_SELL_2_ETH, 3_000e18));
        vm.prank(alice);
        router.rebalance(alice, steps, deadline);
        // The whole call reverted: no deposit stayed behind.
        assertEq(collateral(alice, 1), 0, "atomic");
        steps[0].acceptablePrice = FILL_SELL_2_ETH;
        _run(alice, steps);
        assertEq(_size(1, ETH), -2e18, "filled at exactly the acceptable price");
    }

    function test_rebalance_vaultMarginErrorBubblesUp() public {
        // 20 ETH short needs 6,000 USD of initial margin; a 1,000 USD floor is not enough.
        _expectError(
            alice,
            abi.encodeCall(router.rebalance, (alice, _one(_step(1, ETH, -20e18, 1_000e18)), vm.getBlockTimestamp())),
            IPerpVaultTypes.InsufficientMargin.selector
        );
    }

    function test_rebalance_revertsWhenTheCallerHasNotApproved() public {
        vm.prank(alice);
        vault.setOperator(keeperA, true);
        usdc.mint(keeperA, 10_000e6); // no approval
        _expectError(
            keeperA,
            abi.encodeCall(router.rebalance, (alice, _one(_step(1, ETH, 0, 1_000e18)), vm.getBlockTimestamp())),
            bytes4(keccak256("ERC20InsufficientAllowance(address,uint256,uint256)"))
        );
    }

    function test_constructor_readsTheVaultToken() public view {
        assertEq(address(router.vault()), address(vault), "vault");
        assertEq(address(router.collateralToken()), address(usdc), "token");
        assertEq(usdc.allowance(address(router), address(vault)), type(uint256).max, "vault approved once");
    }
}
