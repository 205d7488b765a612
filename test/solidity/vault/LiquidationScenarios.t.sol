// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultFixture} from "./VaultFixture.sol";
import {IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";

/// @notice The issue's scenarios, each named after what it proves.
contract LiquidationScenariosTest is VaultFixture {
    function _solventExact(address[] memory owners, uint96 maxIndex) internal view {
        int256 sum = vault.poolBalance() + int256(vault.insuranceFundUsd());
        for (uint256 i; i < owners.length; ++i) {
            for (uint96 idx; idx <= maxIndex; ++idx) sum += vault.collateralOf(owners[i], idx);
        }
        assertEq(int256(usdc.balanceOf(address(vault)) * 1e12), sum, "INV-01");
    }

    function _value(address who, uint96 idx) internal view returns (int256) {
        return vault.accountMargin(who, idx).equity;
    }

    /// @dev Owner and its second address together end with less than the account was worth.
    function test_scenario_selfLiquidationWithTwoAddressesLoses() public {
        fund(alice, 1, 400e6);
        tradeAs(alice, 1, ETH, 1e18);
        setEthPrice(2_700e8);
        int256 worthBefore = _value(alice, 1);
        address second = address(0x5EC0);
        vm.prank(second);
        IPerpVaultTypes.LiquidationResult memory r = vault.liquidate(alice, 1);
        int256 reward = int256(usdc.balanceOf(second) * 1e12);
        assertEq(reward, int256(r.keeperRewardUsd), "reward");
        assertLt(_value(alice, 1) + reward, worthBefore, "strictly less: the penalty exceeds the reward");
    }

    /// @dev A long and a short of the same owner group at 10x, with keepers acting as the price walks 1 % per step:
    /// the losing side is liquidated before it can go underwater, so the pair pays fees and a penalty and extracts
    /// nothing from the pool. (A single gap larger than the margin does create bad debt: see the 50 % gap scenario
    /// and docs/risks.md.)
    function test_scenario_colludingPairAtMaxLeverageLosesWhenKeepersAct() public {
        fund(alice, 1, 1_000e6);
        fund(bob, 1, 1_000e6);
        uint256 snapStart = vm.snapshotState();
        tradeAs(alice, 1, ETH, 3.3e18); // ~9,900 notional at 10x max leverage
        tradeAs(bob, 1, ETH, -3.3e18);
        int256 price = 3_000e8;
        for (uint256 step; step < 40; ++step) {
            price = (price * 99) / 100;
            setEthPrice(price);
            if (vault.isLiquidatable(alice, 1)) {
                vm.prank(keeper);
                vault.liquidate(alice, 1);
            }
        }
        (uint256 badDebt, ) = vault.badDebtUsd();
        assertEq(badDebt, 0, "no bad debt on a walked path");
        int256 pairEnd = _value(alice, 1) + _value(bob, 1);
        // Counterfactual: bob's short alone on the same path. The colluding long can only cost the pair.
        vm.revertToState(snapStart);
        tradeAs(bob, 1, ETH, -3.3e18);
        price = 3_000e8;
        for (uint256 step; step < 40; ++step) {
            price = (price * 99) / 100;
            setEthPrice(price);
        }
        int256 bobAlone = _value(bob, 1);
        assertLt(pairEnd - 2_000e18, bobAlone - 1_000e18, "adding the colluding long never pays");
    }

    /// @dev One oracle round halves the price with 20 accounts at 5x: every one is liquidated in one batch, bad debt
    /// is recorded and paid, no balance goes negative, nothing reverts, tokens still equal the books.
    function test_scenario_fiftyPercentGapManyAccountsUnderwater() public {
        address[] memory owners = new address[](22);
        owners[20] = alice;
        owners[21] = bob;
        IPerpVaultTypes.AccountRef[] memory refs = new IPerpVaultTypes.AccountRef[](20);
        for (uint256 i; i < 20; ++i) {
            owners[i] = address(uint160(0x10000 + i));
            fund(owners[i], 0, 600e6);
            tradeAs(owners[i], 0, ETH, 1e18); // 5x
            refs[i] = IPerpVaultTypes.AccountRef(owners[i], 0);
        }
        setEthPrice(1_500e8);
        vm.prank(keeper);
        uint256 n = vault.liquidateBatch(refs);
        assertEq(n, 20, "all liquidated");
        (uint256 badDebt, uint256 byPool) = vault.badDebtUsd();
        assertGt(badDebt, 20 * 800e18, "each account is ~900 USD short");
        assertEq(byPool, badDebt, "no insurance: the pool paid all");
        for (uint256 i; i < 20; ++i) assertEq(vault.collateralOf(owners[i], 0), 0, "no negative balance");
        assertEq(uint256(vault.marketState(ETH).longSize), 0, "OI released");
        _solventExact(owners, 0);
    }

    /// @dev The insurance fund covers what it can; the LP vault pays the rest, and its share price shows it.
    function test_scenario_insuranceExhaustedSoTheLpVaultPays() public {
        usdc.mint(address(this), 50e6);
        usdc.approve(address(vault), 50e6);
        vault.depositInsurance(50e6);
        fund(alice, 1, 400e6);
        tradeAs(alice, 1, ETH, 1e18);
        uint256 lpValueBefore = lp.totalAssets();
        int256 accountCollateral = collateral(alice, 1);
        setEthPrice(2_000e8);
        vm.prank(keeper);
        IPerpVaultTypes.LiquidationResult memory r = vault.liquidate(alice, 1);
        assertEq(vault.insuranceFundUsd(), 0, "insurance exhausted");
        (, uint256 byPool) = vault.badDebtUsd();
        assertEq(byPool, r.badDebtUsd - 50e18, "pool paid the remainder");
        // LPs end with what they had plus exactly what the account and the insurance fund held (the 1,000 USD loss
        // minus the ~551.5 USD of bad debt the pool paid), less the keeper's bounded reward (part of the bad debt:
        // the account had nothing to pay it from), within token rounding and the entry premium.
        assertEq(r.keeperRewardUsd, 5e18, "the keeper was paid");
        uint256 expected = lpValueBefore + uint256(accountCollateral) / 1e12 + 50e6 - r.keeperRewardUsd / 1e12;
        assertApproxEqAbs(lp.totalAssets(), expected, 0.01e6, "LPs absorb the rest of the deficit");
    }

    /// @dev Accruing funding every block versus once over the same period moves the account's withdrawable
    /// collateral by at most 1 token wei (6-decimal token): accrual is the exact integral, path independent up to
    /// rounding of each step.
    function test_scenario_settleEveryBlockVersusOnce() public {
        addPoolLiquidity(50_000_000e6);
        fund(alice, 5, 5_000_000e6);
        tradeAs(alice, 5, ETH, 10_000e18); // a 1 % skew: funding moves
        uint256 snap = vm.snapshotState();
        // Time is tracked in locals: under via-IR, `block.timestamp` may be read once per call, so
        // `vm.warp(block.timestamp + 12)` in a loop would not advance.
        uint256 t = block.timestamp;
        uint256 n = block.number;
        for (uint256 i; i < 300; ++i) {
            t += 12;
            vm.warp(t);
            vm.roll(++n);
            ethFeed.updateAnswer(3_000e8);
            vault.accrueFunding(ETH);
        }
        tradeAs(alice, 5, ETH, -10_000e18);
        int256 everyBlock = collateral(alice, 5);
        vm.revertToState(snap);
        vm.warp(t);
        vm.roll(n);
        ethFeed.updateAnswer(3_000e8);
        tradeAs(alice, 5, ETH, -10_000e18);
        int256 once = collateral(alice, 5);
        assertApproxEqAbs(everyBlock / 1e12, once / 1e12, 1, "at most 1 token wei apart");
        assertApproxEqAbs(everyBlock, once, 1e12, "and below one token unit in WAD");
    }

    /// @dev A position idle for a year is liquidated exactly as if funding had been accrued first.
    function test_scenario_idleForAYearThenLiquidatedSameAsAccruingFirst() public {
        addPoolLiquidity(500_000_000e6);
        fund(alice, 6, 2_000e6);
        tradeAs(alice, 6, ETH, 5e18);
        fund(alice, 5, 50_000_000e6);
        tradeAs(alice, 5, ETH, 100_000e18); // pushes funding to its cap: longs pay 1 %/day
        vm.warp(block.timestamp + 365 days);
        ethFeed.updateAnswer(3_000e8);
        btcFeed.updateAnswer(60_000e8);
        assertTrue(vault.isLiquidatable(alice, 6), "a year of funding ate the margin");
        uint256 snap = vm.snapshotState();
        vm.prank(keeper);
        IPerpVaultTypes.LiquidationResult memory direct = vault.liquidate(alice, 6);
        int256 collateralDirect = collateral(alice, 6);
        vm.revertToState(snap);
        vault.accrueFunding(ETH);
        vm.prank(keeper);
        IPerpVaultTypes.LiquidationResult memory accruedFirst = vault.liquidate(alice, 6);
        assertEq(collateral(alice, 6), collateralDirect, "same collateral");
        assertEq(direct.closedFraction, accruedFirst.closedFraction, "same fraction");
        assertEq(direct.penaltyUsd, accruedFirst.penaltyUsd, "same penalty");
        assertEq(direct.badDebtUsd, accruedFirst.badDebtUsd, "same bad debt");
    }

    /// @dev 1,000 underwater accounts, liquidated in batches of 100 that each fit well inside a 30M-gas block.
    function test_scenario_thousandAccountsLiquidatedInBatchesUnderTheBlockGasLimit() public {
        uint256 count = 1_000;
        usdc.mint(address(this), count * 600e6);
        usdc.approve(address(vault), type(uint256).max);
        for (uint256 i; i < count; ++i) {
            address who = address(uint160(0x100000 + i));
            vault.deposit(who, 0, 600e6);
            vm.prank(who);
            vault.trade(params(who, 0, ETH, 1e18));
        }
        setEthPrice(2_000e8);
        uint256 liquidated;
        uint256 maxBatchGas;
        for (uint256 b; b < count / 100; ++b) {
            IPerpVaultTypes.AccountRef[] memory refs = new IPerpVaultTypes.AccountRef[](100);
            for (uint256 j; j < 100; ++j) {
                refs[j] = IPerpVaultTypes.AccountRef(address(uint160(0x100000 + b * 100 + j)), 0);
            }
            uint256 gasBefore = gasleft();
            vm.prank(keeper);
            liquidated += vault.liquidateBatch(refs);
            uint256 used = gasBefore - gasleft();
            if (used > maxBatchGas) maxBatchGas = used;
        }
        assertEq(liquidated, count, "every account liquidated");
        assertLt(maxBatchGas, 30_000_000, "a batch of 100 fits a 30M block");
        assertEq(uint256(vault.marketState(ETH).longSize), 0, "OI released");
    }
}
