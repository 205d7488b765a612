// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultFixture} from "./VaultFixture.sol";
import {IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";
import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";

/// @notice INV-11 (pool capacity) and auto-deleveraging: the pool is every trader's counterparty, so what adds to
/// its net exposure must fit its marked value, and once prices push the exposure past the value, the crowded side's
/// winners can be closed (and paid in full) before the pool runs dry.
contract PoolSolvencyTest is VaultFixture {
    address internal carol = address(0xCA401);

    // ================================================================ trade-time capacity

    /// @dev Regression (found by the invariant campaign): the LP could leave while no position was open, a trader
    /// then opened against the empty pool, won, and a flat account could no longer withdraw its collateral.
    function test_regression_traderCannotOpenAgainstAnEmptyPool_soFlatAccountsCanAlwaysExit() public {
        uint256 all = lp.maxWithdraw(lpProvider);
        assertEq(all, 10_000_000e6, "no open interest: the whole pool can leave");
        vm.prank(lpProvider);
        lp.withdraw(all, lpProvider, lpProvider);

        vm.prank(alice);
        try vault.trade(params(alice, 0, ETH, 50e18)) {
            fail("opened against an empty pool");
        } catch (bytes memory reason) {
            assertEq(bytes4(reason), IPerpVaultTypes.UtilizationTooHigh.selector, "UtilizationTooHigh");
        }
        // What the finding needed to strand bob: a price move and alice's exit. Bob exits in full.
        setEthPrice(3_900e8);
        vm.prank(bob);
        vault.withdraw(0, 100_000e6, bob);
        assertEq(usdc.balanceOf(bob), 100_000e6, "flat account exits in full");
    }

    /// @dev Property: a trade that adds to |skew| succeeds only when Σ|skew|·price ≤ maxUtilization · pool value
    /// afterwards, and a rejection names numbers that break exactly that rule.
    function testFuzz_trade_addingSkewSucceedsExactlyWhenItFitsThePool(uint256 sizeSeed, bool isLong) public {
        fund(alice, 1, 10_000_000e6);
        int256 size = int256(bound(sizeSeed, 1e18, 4_000e18));
        if (!isLong) size = -size;
        vm.prank(alice);
        try vault.trade(params(alice, 1, ETH, size)) {
            (uint256 reservedUsd, uint256 valueUsd) = _reservedAndValue();
            assertLe(reservedUsd, (valueUsd * 0.8e18) / WAD + 1e12, "accepted trade fits the pool");
        } catch (bytes memory reason) {
            assertEq(bytes4(reason), IPerpVaultTypes.UtilizationTooHigh.selector, "only the capacity rule rejects");
            (uint256 reservedUsd, uint256 maxReservedUsd) = abi.decode(_args(reason), (uint256, uint256));
            assertGt(reservedUsd, maxReservedUsd, "rejection: reserved > max");
            // the pool books reserves in whole micro-USD, rounded up (docs/units.md)
            uint256 exact = (uint256(size > 0 ? size : -size) * 3_000e18) / WAD;
            assertEq(reservedUsd, ((exact + 1e12 - 1) / 1e12) * 1e12, "reserved = |skew| * price");
        }
    }

    /// @dev Above the utilisation bound (after a price move) nobody can add to the skew, but reducing it, closing
    /// (even a close that adds to |skew|) and withdrawing free collateral stay open: exits are never blocked.
    function test_trade_aboveUtilizationOnlyRiskReducingTradesPass() public {
        fund(alice, 0, 1_000_000e6);
        fund(bob, 0, 1_000_000e6);
        tradeAs(bob, 0, ETH, -100e18); // a short that will close against the skew later
        tradeAs(alice, 0, ETH, 2_600e18);
        setEthPrice(4_200e8); // longs win 1,200 · 2,500 net: the pool value falls under reserved / 0.8
        (uint256 reservedUsd, uint256 valueUsd) = _reservedAndValue();
        assertGt(reservedUsd, (valueUsd * 0.8e18) / WAD, "utilisation above the bound");

        _expectError(
            alice,
            abi.encodeCall(vault.trade, (params(alice, 0, ETH, 1e18))),
            IPerpVaultTypes.UtilizationTooHigh.selector
        );

        tradeAs(bob, 0, ETH, 100e18); // closing the short adds to |skew|: still allowed
        assertEq(int256(vault.position(bob, 0, ETH).size), 0, "short closed");
        fund(carol, 0, 1_000_000e6);
        tradeAs(carol, 0, ETH, -50e18); // a new short reduces |skew|: allowed
        tradeAs(alice, 0, ETH, -600e18); // a reduction: allowed
        assertEq(int256(vault.position(alice, 0, ETH).size), 2_000e18, "reduced");
    }

    /// @dev The check is O(1) in the number of markets: the traded market is marked now, the others as of their
    /// last refresh. A BTC rally the cache has not seen lets an ETH open through; after a keeper's
    /// `accrueFunding(BTC)` poke the same open is refused.
    function test_capacity_otherMarketsCountAsOfTheirLastRefresh_pokeAndReductionsRefresh() public {
        fund(bob, 0, 2_000_000e6);
        tradeAs(bob, 0, BTC, 100e18); // 6 M USD of skew against a 10 M pool
        btcFeed.updateAnswer(75_000e8); // true: reserved 7.5 M, value ≈ 8.5 M, utilisation ≈ 88 %
        fund(alice, 0, 1_000_000e6);
        uint256 snap = vm.snapshotState();

        tradeAs(alice, 0, ETH, 100e18); // stale BTC mark (6 M of 10 M): accepted
        assertEq(int256(vault.position(alice, 0, ETH).size), 100e18, "accepted against the stale mark");

        vm.revertToState(snap);
        vault.accrueFunding(BTC); // anyone: re-marks BTC at 75,000
        _expectError(
            alice,
            abi.encodeCall(vault.trade, (params(alice, 0, ETH, 100e18))),
            IPerpVaultTypes.UtilizationTooHigh.selector
        );
        // A reduction re-marks its market too (every change of |skew| does, INV-11): the freed capacity counts at once.
        tradeAs(bob, 0, BTC, -60e18);
        tradeAs(alice, 0, ETH, 100e18);
        assertEq(int256(vault.position(alice, 0, ETH).size), 100e18, "accepted after the reduction re-marked BTC");
    }

    // ================================================================ auto-deleveraging

    function test_deleverage_belowFullUtilization_reverts() public {
        fund(alice, 0, 1_000_000e6);
        tradeAs(alice, 0, ETH, 2_600e18);
        setEthPrice(3_300e8);
        (uint256 reservedUsd, uint256 valueUsd) = _reservedAndValue();
        assertLt(reservedUsd, valueUsd, "utilisation below 100 %");
        _expectError(
            keeper,
            abi.encodeCall(vault.deleverage, (alice, 0, ETH)),
            IPerpVaultTypes.DeleverageNotAllowed.selector
        );
    }

    /// @dev A crowded-side winner is closed at the oracle price, paid exactly its equity in that market (PnL −
    /// funding, no fee, no penalty), and the pool's marked value does not move.
    function test_deleverage_closesCrowdedWinnerAtOraclePriceAndPaysInFull() public {
        fund(alice, 0, 1_000_000e6);
        tradeAs(alice, 0, ETH, 2_600e18);
        skip(6 hours); // some funding to settle
        setEthPrice(4_800e8);
        (uint256 reservedUsd, uint256 valueUsd) = _reservedAndValue();
        assertGt(reservedUsd, valueUsd, "utilisation above 100 %");
        int256 equityBefore = vault.accountMargin(alice, 0).equity;
        uint256 lpValueBefore = lp.totalAssets();

        vm.prank(keeper);
        int256 paid = vault.deleverage(alice, 0, ETH);

        assertEq(collateral(alice, 0), equityBefore, "collateral after = equity before: paid in full");
        assertGt(paid, 0, "a winner");
        assertEq(int256(vault.position(alice, 0, ETH).size), 0, "closed");
        assertEq(vault.accountMarkets(alice, 0), 0, "bitmap cleared");
        assertEq(uint256(vault.marketState(ETH).longSize), 0, "books updated");
        assertApproxEqAbs(lp.totalAssets(), lpValueBefore, 1, "the pool's mark does not move");
        uint256 all = uint256(collateral(alice, 0)) / 1e12;
        vm.prank(alice);
        vault.withdraw(0, all, alice);
    }

    /// @dev The minority side and flat accounts are never deleveraged; a crowded-side loser is, at the oracle price
    /// with its equity unchanged, when its account is healthy (a liquidatable one is liquidated instead).
    function test_deleverage_minorityAndFlatRevert_crowdedLoserOnlyWhenHealthy() public {
        fund(alice, 0, 1_000_000e6);
        fund(bob, 0, 1_000_000e6);
        fund(carol, 0, 1_000_000e6);
        tradeAs(bob, 0, ETH, -100e18); // minority side
        setEthPrice(4_000e8);
        tradeAs(carol, 0, ETH, 100e18); // crowded side, but bought high: a loser after the move back
        setEthPrice(3_000e8);
        tradeAs(alice, 0, ETH, 2_600e18);
        setEthPrice(3_900e8);
        (uint256 reservedUsd, uint256 valueUsd) = _reservedAndValue();
        assertGt(reservedUsd, valueUsd, "ADL allowed");

        bytes4 notDeleveragable = IPerpVaultTypes.NotDeleveragable.selector;
        _expectError(keeper, abi.encodeCall(vault.deleverage, (bob, 0, ETH)), notDeleveragable); // minority side
        _expectError(keeper, abi.encodeCall(vault.deleverage, (alice, 0, BTC)), IPerpVaultTypes.NoPosition.selector);
        _expectError(keeper, abi.encodeCall(vault.deleverage, (alice, 0, 7)), IPerpVaultTypes.MarketNotListed.selector);

        int256 carolEquity = vault.accountMargin(carol, 0).equity;
        vm.prank(keeper);
        int256 realized = vault.deleverage(carol, 0, ETH);
        assertLt(realized, 0, "a loser realises its loss");
        assertEq(collateral(carol, 0), carolEquity, "equity unchanged to the wei");
        vm.prank(keeper);
        vault.deleverage(alice, 0, ETH);
    }

    function test_deleverage_crowdedLoserInALiquidatableAccount_reverts_liquidateFirst() public {
        fund(alice, 0, 1_000_000e6);
        fund(carol, 0, 45_000e6);
        setEthPrice(4_000e8);
        tradeAs(carol, 0, ETH, 100e18); // 400k notional on 45k
        setEthPrice(3_000e8);
        tradeAs(alice, 0, ETH, 2_500e18);
        setEthPrice(3_650e8); // carol: −35k, below maintenance; the crowd as a whole wins
        (uint256 reservedUsd, uint256 valueUsd) = _reservedAndValue();
        assertGt(reservedUsd, valueUsd, "ADL allowed");
        assertTrue(vault.isLiquidatable(carol, 0), "carol liquidatable");
        vm.prank(keeper);
        (bool ok, bytes memory reason) = address(vault).call(abi.encodeCall(vault.deleverage, (carol, 0, ETH)));
        assertFalse(ok, "refused");
        assertEq(bytes4(reason), IPerpVaultTypes.AccountLiquidatable.selector, "named error");
        (address who, uint96 index, int256 equity, uint256 mm) = abi.decode(
            _args(reason),
            (address, uint96, int256, uint256)
        );
        assertEq(who, carol, "names the account");
        assertEq(uint256(index), 0, "and its index");
        assertLt(equity, int256(mm), "equity below maintenance");
        vm.prank(keeper);
        vault.liquidate(carol, 0);
    }

    // ================================================================ ADL of matched pairs

    /// @dev A balanced book after a price walk: no crowded side, the gross term above the pool. A pair closes by just
    /// what brings the reserve back to the value, at the oracle price, both equities unchanged, |skew| unchanged.
    function test_deleveragePair_balancedBookAboveThePool_closesJustEnough_equitiesUnchanged() public {
        _setGross(ETH, 0.3e18);
        fund(alice, 0, 3_000_000e6);
        fund(bob, 0, 30_000_000e6);
        for (uint256 i; i < 14; ++i) {
            tradeAs(alice, 0, ETH, 500e18);
            tradeAs(bob, 0, ETH, -500e18);
        }
        _expectError(
            keeper,
            abi.encodeCall(vault.deleveragePair, (_ref(alice), _ref(bob), ETH)),
            IPerpVaultTypes.DeleverageNotAllowed.selector
        );
        setEthPrice(5_000e8);
        vault.accrueFunding(ETH);
        (int256 value, uint256 reserved, ) = vault.poolMark();
        assertGt(reserved, uint256(value), "the walk took the gross reserve above the pool");
        _expectError(
            keeper,
            abi.encodeCall(vault.deleverage, (alice, 0, ETH)),
            IPerpVaultTypes.NotDeleveragable.selector
        );
        int256 aliceEquity = vault.accountMargin(alice, 0).equity;
        int256 bobEquity = vault.accountMargin(bob, 0).equity;
        vm.prank(keeper);
        uint256 closed = vault.deleveragePair(_ref(alice), _ref(bob), ETH);

        (int256 value1, uint256 reserved1, ) = vault.poolMark();
        assertLe(reserved1, uint256(value1), "the reserve is back within the pool");
        // Just enough: a wei of size less would have freed less than the excess (plus the micro-USD of rounding).
        uint256 freedPerUnit = (0.3e18 * 5_000e18) / 1e18;
        assertLt(((closed - 1) * freedPerUnit) / 1e18, reserved - uint256(value) + 1e12, "no more than needed");
        assertLt(closed, 7_000e18, "a part of the pair");
        assertEq(int256(vault.position(alice, 0, ETH).size), 7_000e18 - int256(closed), "long reduced");
        assertEq(int256(vault.position(bob, 0, ETH).size), -7_000e18 + int256(closed), "short reduced by the same");
        assertEq(vault.accountMargin(alice, 0).equity, aliceEquity, "winner's equity unchanged to the wei");
        assertEq(vault.accountMargin(bob, 0).equity, bobEquity, "loser's equity unchanged to the wei");
        assertApproxEqAbs(value1, value, 2, "the pool's value does not move");
        IPerpVaultTypes.MarketState memory st = vault.marketState(ETH);
        assertEq(uint256(st.longSize), uint256(st.shortSize), "|skew| unchanged (balanced)");
        _expectError(
            keeper,
            abi.encodeCall(vault.deleveragePair, (_ref(alice), _ref(bob), ETH)),
            IPerpVaultTypes.DeleverageNotAllowed.selector
        );
    }

    function test_deleveragePair_rejections_named() public {
        _setGross(ETH, 0.3e18);
        fund(alice, 0, 3_000_000e6);
        fund(bob, 0, 30_000_000e6);
        fund(carol, 0, 1_000_000e6);
        for (uint256 i; i < 14; ++i) {
            tradeAs(alice, 0, ETH, 500e18);
            tradeAs(bob, 0, ETH, -500e18);
        }
        tradeAs(carol, 0, ETH, 10e18);
        setEthPrice(5_000e8);
        bytes4 notAPair = IPerpVaultTypes.NotAPair.selector;
        _expectError(keeper, abi.encodeCall(vault.deleveragePair, (_ref(alice), _ref(carol), ETH)), notAPair);
        _expectError(keeper, abi.encodeCall(vault.deleveragePair, (_ref(bob), _ref(alice), ETH)), notAPair);
        _expectError(
            keeper,
            abi.encodeCall(vault.deleveragePair, (_ref(alice), _ref(bob), BTC)),
            IPerpVaultTypes.NoGrossReserve.selector
        );
        _expectError(
            keeper,
            abi.encodeCall(vault.deleveragePair, (_ref(alice), IPerpVaultTypes.AccountRef(lpProvider, 0), ETH)),
            IPerpVaultTypes.NoPosition.selector
        );
    }

    /// @dev A minority-side close raises |skew| unchecked (a reduction is never blocked); with the crowd losing, ADL
    /// of healthy crowded-side losers brings the reserve back under the pool (before issue #15's fix nothing could).
    function test_minorityClose_crowdLosing_keeperDeleveragesHealthyLosers() public {
        fund(alice, 0, 3_000_000e6);
        fund(bob, 0, 3_000_000e6);
        for (uint256 i; i < 10; ++i) {
            tradeAs(alice, 0, ETH, 500e18);
            tradeAs(bob, 0, ETH, -480e18);
        }
        setEthPrice(2_800e8); // the crowd (long) loses
        tradeAs(bob, 0, ETH, 4_800e18); // the minority closes: |skew| 200 -> 5,000 ETH, unchecked
        vault.accrueFunding(ETH);
        (int256 value, uint256 reserved, ) = vault.poolMark();
        assertGt(reserved, uint256(value), "the close took the reserve above the pool");
        assertLt(vault.accountMargin(alice, 0).equity - collateral(alice, 0), 0, "alice loses");
        vm.prank(keeper);
        vault.deleverage(alice, 0, ETH);
        (value, reserved, ) = vault.poolMark();
        assertLe(reserved, uint256(value), "back within the pool");
    }

    function _setGross(uint256 marketId, uint64 ratio) internal {
        IPerpVaultTypes.MarketParams memory p = vault.marketParams(marketId);
        p.grossReserveRatio = ratio;
        vm.prank(owner);
        vault.setMarketParams(marketId, p);
    }

    function _ref(address who) internal pure returns (IPerpVaultTypes.AccountRef memory) {
        return IPerpVaultTypes.AccountRef(who, 0);
    }

    function test_deleverage_stalePrice_neverDeleverages() public {
        fund(alice, 0, 1_000_000e6);
        tradeAs(alice, 0, ETH, 2_600e18);
        setEthPrice(4_800e8);
        vm.warp(vm.getBlockTimestamp() + 1 days + 1);
        _expectError(keeper, abi.encodeCall(vault.deleverage, (alice, 0, ETH)), IOracleAdapter.StalePrice.selector);
        assertEq(int256(vault.position(alice, 0, ETH).size), 2_600e18, "untouched");
    }

    /// @dev Prices rise 20 % eight times (×4.3). With a keeper deleveraging after each step every winner is paid in
    /// full and every account and the LP exit; the counterfactual without ADL strands a winner's collateral.
    function test_scenario_priceWalkWithDeleveragingPaysEveryWinner() public {
        address[3] memory traders = [alice, bob, carol];
        int256[3] memory sizes = [int256(1_000e18), int256(800e18), int256(800e18)];
        for (uint256 i; i < 3; ++i) {
            fund(traders[i], 0, 1_000_000e6);
            tradeAs(traders[i], 0, ETH, sizes[i]);
        }
        uint256 snap = vm.snapshotState();

        uint256 deleveraged = _walk(traders, true);
        assertGt(deleveraged, 0, "the keeper had work");
        assertTrue(_everyoneExits(traders), "with ADL: every trader and the LP exit in full");

        vm.revertToState(snap);
        _walk(traders, false);
        assertFalse(_everyoneExits(traders), "without ADL: a winner's collateral is stranded");
    }

    // ================================================================ helpers

    function _walk(address[3] memory traders, bool withKeeper) internal returns (uint256 deleveraged) {
        int256 price = 3_000e8;
        for (uint256 step; step < 8; ++step) {
            price = (price * 12) / 10;
            skip(1 hours);
            setEthPrice(price);
            if (!withKeeper) continue;
            for (uint256 i; i < 3; ++i) {
                vm.prank(keeper);
                try vault.deleverage(traders[i], 0, ETH) {
                    ++deleveraged;
                } catch {}
            }
            (uint256 reservedUsd, uint256 valueUsd) = _reservedAndValue();
            assertLe(reservedUsd, valueUsd, "after the keeper's pass: utilisation <= 100 %");
        }
    }

    function _everyoneExits(address[3] memory traders) internal returns (bool ok) {
        ok = true;
        for (uint256 i; i < 3; ++i) {
            int256 size = vault.position(traders[i], 0, ETH).size;
            if (size != 0) tradeAs(traders[i], 0, ETH, -size);
            int256 c = collateral(traders[i], 0);
            if (c <= 0) continue;
            vm.prank(traders[i]);
            try vault.withdraw(0, uint256(c) / 1e12, traders[i]) {} catch {
                ok = false;
            }
        }
        uint256 shares = lp.balanceOf(lpProvider);
        uint256 redeemable = lp.maxRedeem(lpProvider);
        if (redeemable == 0) return false;
        vm.prank(lpProvider);
        try lp.redeem(redeemable, lpProvider, lpProvider) {} catch {
            ok = false;
        }
        if (redeemable != shares) ok = false; // the LP's whole balance, not all but a few shares
    }

    /// @dev Σ|skew|·price at the oracle price and the pool's marked value, both USD WAD.
    function _reservedAndValue() internal view returns (uint256 reservedUsd, uint256 valueUsd) {
        for (uint256 m; m < 2; ++m) {
            IPerpVaultTypes.MarketState memory s = vault.marketState(m);
            int256 skew = int256(uint256(s.longSize)) - int256(uint256(s.shortSize));
            uint256 answer = uint256((m == ETH ? ethFeed : btcFeed).latestAnswer());
            reservedUsd += (uint256(skew >= 0 ? skew : -skew) * answer * 1e10 + WAD - 1) / WAD;
        }
        valueUsd = lp.totalAssets() * 1e12;
    }

    /// @dev Calls the vault as `caller` and requires a revert with `selector` (whatever the arguments).
    function _expectError(address caller, bytes memory data, bytes4 selector) internal {
        vm.prank(caller);
        (bool ok, bytes memory reason) = address(vault).call(data);
        assertFalse(ok, "expected a revert");
        assertEq(bytes4(reason), selector, "revert selector");
    }

    function _args(bytes memory reason) internal pure returns (bytes memory args) {
        args = new bytes(reason.length - 4);
        for (uint256 i; i < args.length; ++i) args[i] = reason[i + 4];
    }
}
