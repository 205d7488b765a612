// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultFixture} from "./VaultFixture.sol";
import {IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";

/// @notice INV-07 with the gross reserve at the floor of docs/invariants.md#inv-07, and a keeper after every round:
/// the reserve (`|skew|·price + grossReserveRatio·min(long, short)·price`) is checked only when a trade adds to it or
/// an LP withdraws. A price walk raises the gross term with the price while the pool's value stays (a balanced book
/// pays the pool nothing) and single-position ADL cannot bring it down (no crowded side). With ADL of matched pairs
/// (`deleveragePair`) the keeper brings the reserve back within the pool after every round, and the gap the floor is
/// sized for leaves every flat account whole; without it (the counterfactual: the state of main before the fix) the
/// same gap leaves a debt larger than the pool and the flat accounts short.
contract GrossReserveWalkTest is VaultFixture {
    address internal carol = address(0xCA401);

    function setUp() public override {
        super.setUp();
        IPerpVaultTypes.MarketParams memory p = vault.marketParams(ETH);
        // The floor for these parameters (g = 0.3, funding 0.01/day over a 1-day keeper interval, keeper fee ratio
        // 0.2 %, maintenance margin 5 %): 0.3 + (0.01 + 0.002)·1.3 − 0.05 = 0.2656. Use more: 0.3.
        p.grossReserveRatio = 0.3e18;
        vm.prank(owner);
        vault.setMarketParams(ETH, p);
        fund(carol, 0, 100_000e6); // a flat account
    }

    /// @dev The keeper of the model: poke, liquidate, then ADL until the reserve is within the pool's value. A
    /// balanced book has no crowded side (`NotDeleveragable`), so only pairs bring it back (`withPairs`).
    function _keeperPass(bool withPairs) internal {
        vault.accrueFunding(ETH);
        vault.accrueFunding(BTC);
        assertFalse(vault.isLiquidatable(alice, 0), "alice healthy");
        assertFalse(vault.isLiquidatable(bob, 0), "bob healthy");
        (int256 value, uint256 reserved, ) = vault.poolMark();
        if (reserved <= uint256(value)) return;
        vm.expectRevert();
        vault.deleverage(alice, 0, ETH);
        if (!withPairs) return;
        vm.prank(keeper);
        vault.deleveragePair(IPerpVaultTypes.AccountRef(alice, 0), IPerpVaultTypes.AccountRef(bob, 0), ETH);
        (value, reserved, ) = vault.poolMark();
        assertLe(reserved, uint256(value), "INV-07's precondition: the reserve is back within the pool after the pass");
    }

    /// @dev The balanced book and the walk: 7,000 ETH a side at ~3,000 USD (gross reserve 0.3 · 21M = 6.3M ≤ 0.8 ·
    /// 10M), then four steps of +25 % with a keeper pass after each.
    function _walk(bool withPairs) internal {
        fund(alice, 0, 2_500_000e6);
        fund(bob, 0, 33_300_000e6); // enough to stay above maintenance through the walk below
        for (uint256 i; i < 14; ++i) {
            tradeAs(alice, 0, ETH, 500e18);
            tradeAs(bob, 0, ETH, -500e18);
        }
        (int256 value0, uint256 reserved0, ) = vault.poolMark();
        assertLe(reserved0, (uint256(value0) * 8) / 10, "admitted within maxUtilization");
        int256[4] memory walk = [int256(3_750e8), 468_750_000_000, 585_937_500_000, 732_421_875_000];
        for (uint256 i; i < walk.length; ++i) {
            setEthPrice(walk[i]);
            _keeperPass(withPairs);
        }
        // One gap of +30 % (the step the floor is sized for); the keeper liquidates the short at once.
        setEthPrice(952_148_437_500);
        vault.accrueFunding(ETH);
        vm.prank(keeper);
        vault.liquidate(bob, 0);
        // The winner closes what is left: it is now a flat account too, owed its collateral plus its profit.
        int256 left = vault.position(alice, 0, ETH).size;
        if (left != 0) tradeAs(alice, 0, ETH, -left);
    }

    /// INV-07: with pair ADL after every round, a flat account exits in full after the gap (both of them, for real).
    function test_priceWalkOnABalancedBook_pairAdlEachRound_thenAGapWithinTheFloor_flatAccountsExitInFull() public {
        _walk(true);
        int256 owedToFlat = vault.collateralOf(alice, 0) + vault.collateralOf(carol, 0);
        int256 held = int256(usdc.balanceOf(address(vault)) * 1e12);
        assertGe(held, owedToFlat, "INV-07: the vault holds what every flat account is owed");
        (uint256 badDebt, uint256 paidByPool) = vault.badDebtUsd();
        (int256 value, , ) = vault.poolMark();
        assertGe(value, 0, "the pool paid the gap's bad debt and is still worth something");
        assertLt(paidByPool, 10_000_000e18, "less than the pool");
        assertLe(paidByPool, badDebt, "bad debt paid by insurance first");
        uint256 aliceAll = uint256(vault.collateralOf(alice, 0)) / 1e12;
        vm.prank(alice);
        vault.withdraw(0, aliceAll, alice);
        vm.prank(carol);
        vault.withdraw(0, 100_000e6, carol);
        assertEq(usdc.balanceOf(carol), 100_000e6, "the bystander exits in full");
        assertEq(usdc.balanceOf(alice), aliceAll, "the winner exits in full");
    }

    /// INV-11 across the two legs of a pair: the first leg moves |skew| and the reserve, the second must replace the
    /// market's contribution as the first left it (both legs share one touch), so the O(1) totals stay exact.
    function test_deleveragePair_keepsCapacityTotalsExact() public {
        fund(alice, 0, 2_500_000e6);
        fund(bob, 0, 33_300_000e6);
        for (uint256 i; i < 14; ++i) {
            tradeAs(alice, 0, ETH, 500e18);
            tradeAs(bob, 0, ETH, -500e18);
        }
        tradeAs(alice, 0, ETH, 100e18); // not quite balanced: each leg moves |skew|
        int256[4] memory walk = [int256(3_750e8), 468_750_000_000, 585_937_500_000, 732_421_875_000];
        bool paired;
        for (uint256 i; i < walk.length && !paired; ++i) {
            setEthPrice(walk[i]);
            vault.accrueFunding(ETH);
            vault.accrueFunding(BTC);
            (int256 value, uint256 reserved, ) = vault.poolMark();
            if (reserved <= uint256(value)) continue;
            vm.prank(keeper);
            vault.deleveragePair(IPerpVaultTypes.AccountRef(alice, 0), IPerpVaultTypes.AccountRef(bob, 0), ETH);
            paired = true;
        }
        assertTrue(paired, "the walk made pair ADL allowed");
        vault.accrueFunding(ETH);
        vault.accrueFunding(BTC);
        (int256 cachedValue, uint256 cachedReserved) = vault.capacityMark();
        (int256 freshValue, uint256 freshReserved, ) = vault.poolMark();
        assertEq(cachedValue, freshValue, "INV-11: cached value = fresh value after a pair");
        assertEq(cachedReserved, freshReserved, "INV-11: cached reserve = fresh reserve after a pair");
    }

    /// The counterfactual (main before `deleveragePair`): nothing brings the reserve back, and the same gap leaves
    /// 12.2M of bad debt on a 10M pool and the flat accounts short.
    function test_counterfactual_withoutPairAdl_theSameGapLeavesFlatAccountsShort() public {
        _walk(false);
        int256 owedToFlat = vault.collateralOf(alice, 0) + vault.collateralOf(carol, 0);
        int256 held = int256(usdc.balanceOf(address(vault)) * 1e12);
        (uint256 badDebt, uint256 paidByPool) = vault.badDebtUsd();
        assertLt(held, owedToFlat, "flat accounts are owed more than the vault holds");
        assertGt(paidByPool, 9_000_000e18, "the pool paid most of the bad debt");
        assertGt(badDebt, 12_000_000e18, "about 12.2M of bad debt from one gap within the floor");
    }
}
