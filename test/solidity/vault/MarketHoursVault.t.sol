// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultFixture} from "./VaultFixture.sol";
import {IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";
import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {MarketHours} from "../../../contracts/libraries/MarketHours.sol";

/// @notice A market that closes (BTC's feed given FX hours here: Sunday 22:00 → Friday 21:00 UTC, a 2 h closing window,
/// a 5 min reopen delay) against an always-open one (ETH): every operation in every state, with its named error or
/// success and no funds moved on a refusal; the closing margin; a gap at reopen with the keeper liquidating at the
/// first round and the bad debt recorded. The rules are in docs/risks.md (markets that close).
contract MarketHoursVaultTest is VaultFixture {
    uint16 internal constant SUN_22 = 22 * 60;
    uint16 internal constant FRI_21 = 5 * 1440 + 21 * 60;
    uint32 internal constant WINDOW = 2 hours;
    uint32 internal constant DELAY = 5 minutes;
    uint256 internal constant CLOSING_MM = 0.2e18;

    address internal carol = address(0xCA401);
    address internal dave = address(0xDA7E);

    uint256 internal week; // a Sunday 00:00 UTC after the fixture's start
    uint256 internal wed;
    uint256 internal friWindow; // 1 h 30 before the close
    uint256 internal friClose;
    uint256 internal sat;
    uint256 internal reopen;

    function setUp() public override {
        super.setUp();
        uint256 t = vm.getBlockTimestamp();
        week = t - MarketHours.secondOfWeek(t) + 7 days;
        wed = week + 3 days + 12 hours;
        friWindow = week + 5 days + 19 hours + 30 minutes;
        friClose = week + 5 days + 21 hours;
        sat = week + 6 days + 12 hours;
        reopen = week + 7 days + 22 hours;
        IOracleAdapter.MarketHoursParams memory h;
        h.sessions = new IOracleAdapter.Session[](1);
        h.sessions[0] = IOracleAdapter.Session(SUN_22, FRI_21);
        h.closures = new IOracleAdapter.Closure[](0);
        h.closingWindowSeconds = WINDOW;
        h.reopenDelaySeconds = DELAY;
        vm.startPrank(owner);
        adapter.setMarketHours(address(btcFeed), h);
        vault.setClosingMargin(BTC, CLOSING_MM);
        vm.stopPrank();
        _warpWithRounds(wed);
    }

    /// @dev To `t`, with a round on both feeds at `t` (the closing market's feed publishes only while open).
    function _warpWithRounds(uint256 t) internal {
        vm.warp(t);
        ethFeed.updateAnswer(ethFeed.latestAnswer());
        btcFeed.updateAnswer(btcFeed.latestAnswer());
    }

    /// @dev To `t` with a round on the always-open feed only (the closing market's feed is quiet).
    function _warpQuiet(uint256 t) internal {
        vm.warp(t);
        ethFeed.updateAnswer(ethFeed.latestAnswer());
    }

    function _closed() internal view returns (bytes memory) {
        return abi.encodeWithSelector(IOracleAdapter.MarketClosed.selector, address(btcFeed), reopen);
    }

    /// @dev Asserts the call reverted with `InsufficientMargin` and returns its arguments.
    function _insufficientMargin(bool ok, bytes memory ret) internal pure returns (int256 equity, uint256 required) {
        assertFalse(ok, "expected a revert");
        bytes4 selector;
        assembly ("memory-safe") {
            selector := mload(add(ret, 32))
        }
        assertTrue(selector == IPerpVaultTypes.InsufficientMargin.selector, "InsufficientMargin");
        bytes memory args = new bytes(ret.length - 4);
        for (uint256 i; i < args.length; ++i) args[i] = ret[i + 4];
        (equity, required) = abi.decode(args, (int256, uint256));
    }

    // ------------------------------------------------------------------ the setter

    function test_setClosingMargin_boundsOnTickOwnerOnly() public {
        assertEq(vault.closingMarginRatio(BTC), CLOSING_MM);
        vm.prank(alice);
        vm.expectRevert();
        vault.setClosingMargin(BTC, 0.3e18);
        vm.startPrank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpVaultTypes.ParamOutOfBounds.selector,
                "closingMaintenanceMarginRatio",
                0.04e18,
                0.05e18,
                0.5e18
            )
        );
        vault.setClosingMargin(BTC, 0.04e18);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpVaultTypes.ParamOutOfBounds.selector,
                "closingMaintenanceMarginRatio",
                0.5e18 + 1e12,
                0.05e18,
                0.5e18
            )
        );
        vault.setClosingMargin(BTC, 0.5e18 + 1e12);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpVaultTypes.ParamNotOnTick.selector,
                "closingMaintenanceMarginRatio",
                0.2e18 + 1,
                1e12
            )
        );
        vault.setClosingMargin(BTC, 0.2e18 + 1);
        vm.expectEmit(true, false, false, true, address(vault));
        emit IPerpVaultTypes.ClosingMarginSet(BTC, 0);
        vault.setClosingMargin(BTC, 0);
        assertEq(vault.closingMarginRatio(BTC), 0);
        // setMarketParams keeps it (it is set apart from the listing parameters).
        vault.setClosingMargin(BTC, CLOSING_MM);
        vault.setMarketParams(BTC, defaultParams(address(btcFeed), 60_000e18));
        assertEq(vault.closingMarginRatio(BTC), CLOSING_MM);
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ open: as an always-open market

    function test_open_tradesAndWithdrawalsAtTheNormalMargin() public {
        fund(carol, 1, 1_000e6);
        // 0.15 BTC = 9,000 USD: IM 900, MM 455, closing MM 1,805; 1,000 USDC meets IM only.
        tradeAs(carol, 1, BTC, 0.15e18);
        assertFalse(vault.isLiquidatable(carol, 1));
        vm.prank(carol);
        vault.withdraw(1, 50e6, carol);
    }

    // ------------------------------------------------------------------ the closing window

    function test_closingWindow_closingMarginForIncreasesWithdrawalsAndLiquidation_reductionsPass() public {
        fund(carol, 1, 1_000e6);
        tradeAs(carol, 1, BTC, 0.15e18); // healthy under the normal margin
        fund(dave, 1, 3_000e6);
        tradeAs(dave, 1, BTC, 0.15e18);
        _warpWithRounds(friWindow);

        // Carol (equity ≈ 995 < closing MM 1,805) is liquidatable from the window's start.
        assertTrue(vault.isLiquidatable(carol, 1));
        IPerpVaultTypes.AccountMargin memory m = vault.accountMargin(carol, 1);
        assertApproxEqAbs(
            m.maintenanceMargin,
            (m.notional * CLOSING_MM) / 1e18 + 5e18,
            1,
            "closing MM + liquidation fee"
        );

        // An increase needs max(IM, closing MM).
        fund(bob, 2, 1_500e6);
        vm.prank(bob);
        (bool ok, bytes memory ret) = address(vault).call(abi.encodeCall(vault.trade, (params(bob, 2, BTC, 0.15e18))));
        (, uint256 required) = _insufficientMargin(ok, ret);
        assertApproxEqAbs(required, 1_805e18, 1e18, "the closing margin is required");
        // A withdrawal too: Dave's 3,000 can go down to ≈ 1,805, not 1,000.
        vm.prank(dave);
        (ok, ret) = address(vault).call(abi.encodeCall(vault.withdraw, (1, 2_000e6, dave)));
        (, required) = _insufficientMargin(ok, ret);
        assertApproxEqAbs(required, 1_805e18, 1e18, "withdrawals keep the closing margin");
        vm.prank(dave);
        vault.withdraw(1, 1_000e6, dave);
        // The always-open market is not affected.
        fund(bob, 3, 1_000e6);
        tradeAs(bob, 3, ETH, 3e18); // 9,000 USD at the normal 10 % IM

        // Reducing is how Carol meets the closing margin: 0.15 → 0.05 BTC (closing MM ≈ 605).
        tradeAs(carol, 1, BTC, -0.1e18);
        assertFalse(vault.isLiquidatable(carol, 1));
        // Another account below it is liquidated by a keeper in the window.
        fund(alice, 4, 1_000e6);
        _warpWithRounds(wed + 7 days); // next week, open again
        tradeAs(alice, 4, BTC, 0.15e18);
        _warpWithRounds(friWindow + 7 days);
        vm.prank(keeper);
        IPerpVaultTypes.LiquidationResult memory r = vault.liquidate(alice, 4);
        assertGt(r.closedFraction, 0, "liquidated in the window");
    }

    // ------------------------------------------------------------------ closed

    function test_closed_everyOperationOnTheMarketRefused_noFundsMoved_flatExitsAndOtherMarketsWork() public {
        fund(carol, 1, 2_000e6);
        tradeAs(carol, 1, BTC, 0.05e18);
        fund(carol, 2, 1_000e6); // flat account
        fund(dave, 1, 1_000e6); // ETH only
        _warpWithRounds(friClose - 1 minutes); // the last round before the close
        _warpQuiet(sat);

        uint256 vaultTokens = usdc.balanceOf(address(vault));
        int256 carolCollateral = collateral(carol, 1);
        int256 pool = vault.poolBalance();

        vm.startPrank(carol);
        vm.expectRevert(_closed());
        vault.trade(params(carol, 1, BTC, 0.01e18)); // increase
        vm.expectRevert(_closed());
        vault.trade(params(carol, 1, BTC, -0.01e18)); // reduce
        vm.expectRevert(_closed());
        vault.trade(params(carol, 1, BTC, -0.05e18)); // close
        vm.expectRevert(_closed());
        vault.withdraw(1, 1e6, carol); // an account holding the closed market
        vm.stopPrank();
        vm.prank(keeper);
        vm.expectRevert(_closed());
        vault.liquidate(carol, 1);
        vm.expectRevert(_closed());
        vault.accrueFunding(BTC);
        // LP flows wait: the pool's mark needs the closed market's price.
        usdc.mint(lpProvider, 1_000e6);
        vm.startPrank(lpProvider);
        vm.expectRevert(_closed());
        lp.deposit(1_000e6, lpProvider);
        vm.expectRevert(_closed());
        lp.redeem(1e12, lpProvider, lpProvider);
        vm.stopPrank();

        assertEq(usdc.balanceOf(address(vault)), vaultTokens, "no tokens moved");
        assertEq(collateral(carol, 1), carolCollateral);
        assertEq(vault.poolBalance(), pool);

        // A flat account always exits; the always-open market trades.
        vm.prank(carol);
        vault.withdraw(2, 1_000e6, carol);
        tradeAs(dave, 1, ETH, 1e18);
        tradeAs(dave, 1, ETH, -1e18);
    }

    // ------------------------------------------------------------------ reopen

    function test_reopen_roundPending_thenDelayOnlyReductionsAndLiquidations_thenOpen() public {
        fund(carol, 1, 2_000e6);
        tradeAs(carol, 1, BTC, 0.05e18);
        uint256 lastRound = friClose - 1 minutes;
        _warpWithRounds(lastRound);
        _warpQuiet(reopen + 10);
        vm.prank(carol);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.ReopenRoundPending.selector, address(btcFeed), lastRound, reopen)
        );
        vault.trade(params(carol, 1, BTC, -0.01e18));

        _warpWithRounds(reopen + 20); // the reopen round
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.MarketReopening.selector, BTC, reopen + DELAY));
        vault.trade(params(carol, 1, BTC, 0.01e18));
        fund(bob, 2, 2_000e6);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.MarketReopening.selector, BTC, reopen + DELAY));
        vault.trade(params(bob, 2, BTC, -0.01e18)); // a new short is new exposure too
        tradeAs(carol, 1, BTC, -0.01e18); // a reduction passes

        _warpWithRounds(reopen + DELAY);
        tradeAs(carol, 1, BTC, 0.01e18);
        tradeAs(bob, 2, BTC, -0.01e18);
    }

    /// @dev The gap the closing margin is for. Without it (ratio 0), a 10x long held into the close reopens 50 % lower
    /// in bad debt: the keeper liquidates it at the first round, before anyone can add exposure, and the loss is
    /// recorded. With it, a position that met the closing margin at the close survives a 15 % gap.
    function test_gapAtReopen_keeperLiquidatesAtTheFirstRound_badDebtRecorded_closingMarginSurvives() public {
        vm.prank(owner);
        vault.setClosingMargin(BTC, 0);
        fund(carol, 1, 1_000e6);
        tradeAs(carol, 1, BTC, 0.15e18); // 9,000 USD on 1,000
        fund(dave, 1, 2_000e6);
        tradeAs(dave, 1, BTC, 0.05e18); // 3,000 USD on 2,000
        _warpWithRounds(friClose - 1 minutes);
        assertFalse(vault.isLiquidatable(carol, 1), "healthy at the close");
        _warpQuiet(reopen + 20);
        btcFeed.updateAnswer(30_000e8); // the reopen round: −50 %

        vm.prank(owner);
        vault.setClosingMargin(BTC, CLOSING_MM);
        (uint256 totalBefore, ) = vault.badDebtUsd();
        vm.prank(keeper);
        IPerpVaultTypes.LiquidationResult memory r = vault.liquidate(carol, 1);
        assertEq(r.closedFraction, 1e18);
        assertGt(r.badDebtUsd, 3_000e18, "about 4,500 loss on 1,000 of collateral");
        (uint256 totalAfter, ) = vault.badDebtUsd();
        assertEq(totalAfter - totalBefore, r.badDebtUsd, "recorded");
        assertFalse(vault.isLiquidatable(dave, 1), "2,000 on 3,000 notional survives the 50 % gap");

        // With the closing margin from the window on, a position that meets it at the close survives a 15 % gap.
        _warpWithRounds(reopen + 1 days);
        btcFeed.updateAnswer(60_000e8);
        fund(alice, 5, 2_000e6);
        tradeAs(alice, 5, BTC, 0.15e18); // 9,000 USD on 2,000 (22 %: above the 20 % closing margin)
        _warpWithRounds(friWindow + 7 days);
        assertFalse(vault.isLiquidatable(alice, 5), "meets the closing margin");
        _warpQuiet(reopen + 7 days + 20);
        btcFeed.updateAnswer(51_000e8); // −15 %
        assertFalse(vault.isLiquidatable(alice, 5), "survives the gap");
    }
}
