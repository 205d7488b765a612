// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultFixture} from "./VaultFixture.sol";
import {IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";
import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";

contract PerpVaultTradeTest is VaultFixture {
    // ETH: oracle 3000, skewScale 1e6 units. Buying 1 ETH from zero skew fills at 3000 · (1 + 0.5/1e6) = 3000.0015.
    uint256 internal constant FILL_BUY_1_ETH = 3000.0015e18;

    function test_trade_open_long_fillFeeAndPosition() public {
        int256 before = collateral(alice, 0);
        IPerpVaultTypes.TradeResult memory r = tradeAs(alice, 0, ETH, 1e18);
        assertEq(r.fillPrice, FILL_BUY_1_ETH, "fill");
        // taker fee 0.05 % of 3000.0015 = 1.50000075 USD
        assertEq(r.feeUsd, 1.50000075e18, "fee");
        assertEq(r.newSize, 1e18, "size");
        IPerpVaultTypes.Position memory p = vault.position(alice, 0, ETH);
        assertEq(int256(p.size), 1e18, "stored size");
        assertEq(uint256(p.entryPrice), FILL_BUY_1_ETH, "entry");
        assertEq(collateral(alice, 0), before - 1.50000075e18, "collateral pays the fee");
        IPerpVaultTypes.MarketState memory s = vault.marketState(ETH);
        assertEq(uint256(s.longSize), 1e18, "OI long");
        assertEq(uint256(s.shortSize), 0, "OI short");
        assertEq(vault.accountMarkets(alice, 0), 1, "bitmap");
    }

    function test_trade_skewReducingTradeIsMakerAndBetterPriced() public {
        tradeAs(alice, 0, ETH, 10e18); // skew +10
        IPerpVaultTypes.TradeResult memory r = tradeAs(bob, 0, ETH, -4e18); // reduces skew: maker
        // fill = 3000 · (1 + (10 + 6)/2/1e6) = 3000.024, rounded down for a sell
        assertEq(r.fillPrice, 3000.024e18, "sell fill above oracle when longs dominate");
        // maker 0.02 % of 4 · 3000.024
        assertEq(r.feeUsd, 2.4000192e18, "maker fee");
    }

    function test_trade_mixedMakerTakerFee() public {
        tradeAs(alice, 0, ETH, 2e18); // skew +2
        IPerpVaultTypes.TradeResult memory r = tradeAs(bob, 0, ETH, -5e18); // 2 maker + 3 taker
        // fill = 3000 · (1 + (2 + (−3))/2/1e6) = 2999.9985
        assertEq(r.fillPrice, 2999.9985e18, "fill");
        uint256 notionalMaker = 2 * 2999.9985e18;
        uint256 notionalTaker = 3 * 2999.9985e18;
        uint256 expected = (notionalMaker * 2) / 10_000 + (notionalTaker * 5) / 10_000;
        assertEq(r.feeUsd, expected, "maker on the reducing part, taker on the rest");
    }

    function test_trade_increase_blendsEntryPriceUpForLong() public {
        tradeAs(alice, 0, ETH, 1e18);
        setEthPrice(3_100e8);
        IPerpVaultTypes.TradeResult memory r = tradeAs(alice, 0, ETH, 1e18);
        IPerpVaultTypes.Position memory p = vault.position(alice, 0, ETH);
        uint256 expected = (FILL_BUY_1_ETH + r.fillPrice + 1) / 2; // ceil of the average
        assertEq(uint256(p.entryPrice), expected, "blended entry rounded up");
        assertEq(r.realizedPnlUsd, 0, "increase realises nothing");
    }

    function test_trade_decrease_realisesPnlAtFill() public {
        tradeAs(alice, 0, ETH, 2e18);
        setEthPrice(3_300e8);
        int256 c0 = collateral(alice, 0);
        IPerpVaultTypes.TradeResult memory r = tradeAs(alice, 0, ETH, -1e18);
        IPerpVaultTypes.Position memory p = vault.position(alice, 0, ETH);
        int256 entry = int256(uint256(p.entryPrice));
        int256 expectedPnl = int256(r.fillPrice) - entry; // 1 unit closed
        assertEq(r.realizedPnlUsd, expectedPnl, "pnl on the closed unit");
        assertEq(int256(p.size), 1e18, "remaining size");
        assertEq(collateral(alice, 0), c0 + expectedPnl - int256(r.feeUsd) - r.fundingPaidUsd, "collateral");
    }

    function test_trade_close_clearsPositionAndBitmap() public {
        tradeAs(alice, 0, ETH, 1e18);
        tradeAs(alice, 0, ETH, -1e18);
        IPerpVaultTypes.Position memory p = vault.position(alice, 0, ETH);
        assertEq(int256(p.size), 0, "size");
        assertEq(uint256(p.entryPrice), 0, "entry reset");
        assertEq(vault.accountMarkets(alice, 0), 0, "bitmap cleared");
        IPerpVaultTypes.MarketState memory s = vault.marketState(ETH);
        assertEq(uint256(s.longSize), 0, "OI");
        assertEq(s.basisSum, 0, "INV-02: basis aggregate back to zero");
    }

    function test_trade_flip_closesAndOpensAtFill() public {
        tradeAs(alice, 0, ETH, 1e18);
        IPerpVaultTypes.TradeResult memory r = tradeAs(alice, 0, ETH, -3e18);
        IPerpVaultTypes.Position memory p = vault.position(alice, 0, ETH);
        assertEq(int256(p.size), -2e18, "flipped to short 2");
        assertEq(uint256(p.entryPrice), r.fillPrice, "new entry at the fill");
        IPerpVaultTypes.MarketState memory s = vault.marketState(ETH);
        assertEq(uint256(s.longSize), 0, "no long left");
        assertEq(uint256(s.shortSize), 2e18, "short 2");
    }

    function test_trade_slippage_revertsNamingBothPrices() public {
        IPerpVaultTypes.TradeParams memory tp = params(alice, 0, ETH, 1e18);
        tp.acceptablePrice = 3000e18;
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.SlippageExceeded.selector, FILL_BUY_1_ETH, 3000e18));
        vm.prank(alice);
        vault.trade(tp);

        tp = params(alice, 0, ETH, -1e18);
        tp.acceptablePrice = 3000e18; // sell fills at 2999.9985 < 3000
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.SlippageExceeded.selector, 2999.9985e18, 3000e18));
        vm.prank(alice);
        vault.trade(tp);
    }

    function test_trade_expiredDeadline_reverts() public {
        IPerpVaultTypes.TradeParams memory tp = params(alice, 0, ETH, 1e18);
        tp.deadline = block.timestamp - 1;
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.DeadlineExpired.selector, block.timestamp - 1, block.timestamp)
        );
        vm.prank(alice);
        vault.trade(tp);
    }

    function test_trade_zeroSize_reverts() public {
        vm.expectRevert(IPerpVaultTypes.ZeroSize.selector);
        tradeAs(alice, 0, ETH, 0);
    }

    function test_trade_int256Min_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.SizeOutOfRange.selector, type(int256).min));
        tradeAs(alice, 0, ETH, type(int256).min);
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.SizeOutOfRange.selector, type(int256).max));
        tradeAs(alice, 0, ETH, type(int256).max);
    }

    function test_trade_unauthorisedCaller_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.Unauthorized.selector, bob, alice));
        vm.prank(bob);
        vault.trade(params(alice, 0, ETH, 1e18));
    }

    function test_trade_operatorMayTradeButNotWithdraw() public {
        vm.prank(alice);
        vault.setOperator(bob, true);
        vm.prank(bob);
        vault.trade(params(alice, 0, ETH, 1e18));
        assertEq(int256(vault.position(alice, 0, ETH).size), 1e18, "operator traded alice's account");
        // withdraw only ever debits the caller's own account
        int256 aliceBefore = collateral(alice, 0);
        vm.prank(bob);
        vault.withdraw(0, 1e6, bob);
        assertEq(collateral(alice, 0), aliceBefore, "alice untouched");
        vm.prank(alice);
        vault.setOperator(bob, false);
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.Unauthorized.selector, bob, alice));
        vm.prank(bob);
        vault.trade(params(alice, 0, ETH, 1e18));
    }

    function test_trade_unlistedMarket_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.MarketNotListed.selector, 7));
        tradeAs(alice, 0, 7, 1e18);
    }

    function test_trade_pausedMarket_blocksOpeningNotClosing() public {
        tradeAs(alice, 0, ETH, 2e18);
        vm.prank(guardian);
        vault.setMarketPaused(ETH, true);
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.MarketPaused.selector, ETH));
        tradeAs(alice, 0, ETH, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.MarketPaused.selector, ETH));
        tradeAs(bob, 0, ETH, -1e18);
        tradeAs(alice, 0, ETH, -1e18); // reduce
        tradeAs(alice, 0, ETH, -1e18); // close
        assertEq(int256(vault.position(alice, 0, ETH).size), 0, "closed while paused");
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.NotGuardian.selector, bob));
        vm.prank(bob);
        vault.setMarketPaused(ETH, false);
    }

    function test_trade_openInterestCap_reverts() public {
        IPerpVaultTypes.MarketParams memory mp = defaultParams(address(ethFeed), 1_000_000e18);
        mp.maxLongSize = 5e18;
        vm.prank(owner);
        vault.setMarketParams(ETH, mp);
        tradeAs(alice, 0, ETH, 5e18);
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.OpenInterestCapExceeded.selector, ETH, true, 6e18, 5e18)
        );
        tradeAs(bob, 0, ETH, 1e18);
        tradeAs(alice, 0, ETH, -1e18); // reducing is never capped
    }

    function test_trade_positionBelowMinMargin_reverts() public {
        // 0.01 ETH · 3000 · 10 % = 3 USD of margin < 10 USD minimum
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.PositionTooSmall.selector, 3e18, 10e18));
        tradeAs(alice, 0, ETH, 0.01e18);
        // a reduction that leaves dust is rejected too
        tradeAs(alice, 0, ETH, 1e18);
        vm.expectRevert();
        tradeAs(alice, 0, ETH, -0.99e18);
    }

    function test_trade_insufficientMargin_revertsWithEquityAndRequirement() public {
        fund(alice, 1, 1_000e6);
        // 4 ETH · 3000 · 10 % = 1200 USD > ~1000 USD equity
        vm.prank(alice);
        try vault.trade(params(alice, 1, ETH, 4e18)) {
            fail("expected InsufficientMargin");
        } catch (bytes memory reason) {
            assertEq(bytes4(reason), IPerpVaultTypes.InsufficientMargin.selector, "selector");
        }
        tradeAs(alice, 1, ETH, 3e18); // 900 USD: fits
    }

    function test_trade_crossMarginWithinAccount_isolationBetweenAccounts() public {
        fund(alice, 1, 5_000e6);
        tradeAs(alice, 1, ETH, 5e18);
        tradeAs(alice, 1, BTC, 0.5e18);
        IPerpVaultTypes.AccountMargin memory m1 = vault.accountMargin(alice, 1);
        assertGt(m1.initialMargin, 0, "IM over two markets");
        int256 account0Before = collateral(alice, 0);
        IPerpVaultTypes.AccountMargin memory m0Before = vault.accountMargin(alice, 0);
        setEthPrice(2_900e8);
        tradeAs(alice, 1, ETH, -5e18);
        assertEq(collateral(alice, 0), account0Before, "INV-10: account 0 untouched");
        IPerpVaultTypes.AccountMargin memory m0After = vault.accountMargin(alice, 0);
        assertEq(m0After.equity, m0Before.equity, "INV-10: equity of account 0 unchanged");
    }

    function test_trade_staleOracle_blocksTrade() public {
        vm.warp(block.timestamp + 1 days + 1);
        vm.expectRevert();
        tradeAs(alice, 0, ETH, 1e18);
    }

    function test_trade_multicall_twoTradesOneTransaction() public {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(vault.trade, (params(alice, 0, ETH, 1e18)));
        calls[1] = abi.encodeCall(vault.trade, (params(alice, 0, BTC, -0.1e18)));
        vm.prank(alice);
        vault.multicall(calls);
        assertEq(int256(vault.position(alice, 0, ETH).size), 1e18, "ETH leg");
        assertEq(int256(vault.position(alice, 0, BTC).size), -0.1e18, "BTC leg");
        assertEq(vault.accountMarkets(alice, 0), 3, "both markets in the bitmap");
    }

    function test_trade_reductionThatWouldLeaveAccountLiquidatable_reverts() public {
        fund(alice, 2, 400e6);
        tradeAs(alice, 2, ETH, 1e18); // IM 300
        setEthPrice(2_650e8); // loss ~350 → equity ~48.5 < MM 132.5+5: already liquidatable
        // halving the position still leaves equity (~47.8) below maintenance (66.25 + 5)
        vm.prank(alice);
        try vault.trade(params(alice, 2, ETH, -0.5e18)) {
            fail("expected WouldBeLiquidatable");
        } catch (bytes memory reason) {
            assertEq(bytes4(reason), IPerpVaultTypes.WouldBeLiquidatable.selector, "selector");
        }
        // a reduction that cures the account is allowed: at 2700 halving leaves ~97.8 ≥ 72.5
        setEthPrice(2_700e8);
        tradeAs(alice, 2, ETH, -0.5e18);
    }

    function test_noFreeMoney_roundTripAtConstantPriceLosesFees() public {
        fund(alice, 3, 10_000e6);
        uint256 balanceBefore = usdc.balanceOf(alice);
        IPerpVaultTypes.TradeResult memory open = tradeAs(alice, 3, ETH, 3e18);
        IPerpVaultTypes.TradeResult memory close = tradeAs(alice, 3, ETH, -3e18);
        int256 c = collateral(alice, 3);
        assertLe(c, 10_000e18 - int256(open.feeUsd + close.feeUsd), "INV-06: at most deposit minus fees");
        vm.prank(alice);
        vault.withdraw(3, uint256(c) / 1e12, alice);
        assertLe(usdc.balanceOf(alice) - balanceBefore, 10_000e6, "INV-06");
    }

    function test_solvency_tokensEqualCollateralPlusPoolAfterActivity() public {
        tradeAs(alice, 0, ETH, 10e18);
        tradeAs(bob, 0, ETH, -4e18);
        tradeAs(bob, 0, BTC, 0.3e18);
        skip(3 days);
        setEthPrice(3_250e8);
        tradeAs(alice, 0, ETH, -6e18);
        tradeAs(bob, 0, ETH, 4e18);
        vm.prank(alice);
        vault.withdraw(0, 1_000e6, alice);
        address[] memory owners = new address[](2);
        uint96[] memory indexes = new uint96[](2);
        owners[0] = alice;
        owners[1] = bob;
        assertSolvent(owners, indexes);
        int256 sum = vault.poolBalance() + collateral(alice, 0) + collateral(bob, 0);
        assertEq(int256(usdc.balanceOf(address(vault)) * 1e12), sum, "INV-01: exact, every transfer is zero-sum");
    }

    /// @dev Found by the invariant suite (INV-04): with a flat liquidation fee larger than a small position's IM, an
    /// open that passed the IM check left the account liquidatable at once. Opening now needs max(IM, MM).
    function test_trade_openNeverLeavesTheAccountLiquidatable_flatFeeAboveIm() public {
        IPerpVaultTypes.MarketParams memory p = defaultParams(address(ethFeed), 1_000_000e18);
        p.liquidationFeeUsd = 100e18;
        vm.prank(owner);
        vault.setMarketParams(ETH, p);
        address carol = address(0xCA401);
        fund(carol, 0, 100e6);
        // notional 300: IM 30, MM 15 + 100 = 115 > ~99.8 equity
        vm.prank(carol);
        try vault.trade(params(carol, 0, ETH, 0.1e18)) {
            fail("expected InsufficientMargin");
        } catch (bytes memory reason) {
            assertEq(bytes4(reason), IPerpVaultTypes.InsufficientMargin.selector, "selector");
        }
        assertFalse(vault.isLiquidatable(carol, 0), "INV-04");
    }

    /// @dev Same bug through a price move: an older position whose notional halved has MM > IM.
    function test_trade_increaseElsewhereNeverLeavesTheAccountLiquidatable() public {
        address carol = address(0xCA401);
        fund(carol, 0, 66.6e6);
        tradeAs(carol, 0, BTC, 0.0016667e18); // ~100 USD notional, IM 10
        btcFeed.updateAnswer(30_000e8); // notional 50: IM 5, MM 2.5 + 5
        assertFalse(vault.isLiquidatable(carol, 0), "healthy before");
        vm.prank(carol);
        try vault.trade(params(carol, 0, ETH, 0.0333334e18)) {
            assertFalse(vault.isLiquidatable(carol, 0), "INV-04: healthy after an accepted open");
        } catch (bytes memory reason) {
            assertEq(bytes4(reason), IPerpVaultTypes.InsufficientMargin.selector, "or rejected");
        }
    }
}
