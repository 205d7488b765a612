// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultFixture} from "./VaultFixture.sol";
import {IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";
import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {LiquidationModule} from "../../../contracts/LiquidationModule.sol";
import {VaultModule} from "../../../contracts/VaultModule.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @dev An account owner whose fallback reverts: liquidation must never need to pay it.
contract RevertingOwner {
    error NoThanks();

    fallback() external payable {
        revert NoThanks();
    }

    function approveAndDeposit(IERC20 token, address vault, uint256 amount) external {
        token.approve(vault, amount);
        (bool ok, ) = vault.call(abi.encodeWithSignature("deposit(address,uint96,uint256)", address(this), 0, amount));
        require(ok, "deposit");
    }

    function call(address target, bytes calldata data) external {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}

contract LiquidationTest is VaultFixture {
    uint96 internal constant ACC = 1;

    /// @dev 400 USDC, long 1 ETH at 3000.0015 (IM 300, MM 150 + 5). Liquidatable below ≈ 2743.69.
    function _openThinLong(address who) internal {
        fund(who, ACC, 400e6);
        tradeAs(who, ACC, ETH, 1e18);
    }

    function _expectedLiquidationPrice() internal view returns (uint256) {
        // equity(P) = c + (P − e); MM(P) = 0.05·P + 5  ⇒  P* = (e + 5 − c) / 0.95
        int256 c = collateral(alice, ACC);
        uint256 e = uint256(vault.position(alice, ACC, ETH).entryPrice);
        return ((e + 5e18 - uint256(c)) * 1e18) / 0.95e18;
    }

    function test_liquidate_healthyAccount_revertsWithEquityAndMargin() public {
        _openThinLong(alice);
        IPerpVaultTypes.AccountMargin memory m = vault.accountMargin(alice, ACC);
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.NotLiquidatable.selector, m.equity, m.maintenanceMargin)
        );
        vm.prank(keeper);
        vault.liquidate(alice, ACC);
    }

    function test_liquidate_accountWithoutPositions_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.NotLiquidatable.selector, int256(100_000e18), 0));
        vault.liquidate(alice, 0);
    }

    function test_liquidate_stalePrice_neverLiquidates() public {
        _openThinLong(alice);
        setEthPrice(2_000e8);
        assertTrue(vault.isLiquidatable(alice, ACC), "underwater");
        vm.warp(block.timestamp + 1 days + 1);
        vm.expectRevert(); // the oracle's StalePrice
        vault.liquidate(alice, ACC);
        assertEq(int256(vault.position(alice, ACC, ETH).size), 1e18, "untouched");
    }

    function test_liquidationPrice_matchesClosedFormAndTheBoundary() public {
        _openThinLong(alice);
        uint256 p = vault.liquidationPrice(alice, ACC, ETH);
        assertApproxEqAbs(p, _expectedLiquidationPrice(), 1e10, "closed form");
        setEthPrice(int256((p + 0.05e18) / 1e10));
        assertFalse(vault.isLiquidatable(alice, ACC), "just above: healthy");
        setEthPrice(int256((p - 0.05e18) / 1e10));
        assertTrue(vault.isLiquidatable(alice, ACC), "just below: liquidatable");
    }

    function test_liquidate_partialRestoresBufferAndLeavesAHealthyRemainder() public {
        _openThinLong(alice);
        setEthPrice(2_700e8);
        uint256 keeperBefore = usdc.balanceOf(keeper);
        vm.prank(keeper);
        IPerpVaultTypes.LiquidationResult memory r = vault.liquidate(alice, ACC);
        assertLt(r.closedFraction, 1e18, "partial");
        assertGt(r.closedFraction, 0.4e18, "closes about 46 %");
        int256 remaining = vault.position(alice, ACC, ETH).size;
        assertGt(remaining, 0, "position survives");
        IPerpVaultTypes.AccountMargin memory m = vault.accountMargin(alice, ACC);
        assertGe(m.equity, int256(m.maintenanceMargin), "healthy after");
        assertFalse(vault.isLiquidatable(alice, ACC), "not liquidatable again");
        assertEq(usdc.balanceOf(keeper) - keeperBefore, r.keeperRewardUsd / 1e12, "keeper paid in tokens");
        assertEq(r.keeperRewardUsd, 5e18, "min keeper fee (0.2 % of 1,233 USD < 5 USD)");
        assertGe(r.penaltyUsd, r.keeperRewardUsd, "penalty covers the reward");
        assertEq(r.badDebtUsd, 0, "no bad debt");
    }

    function test_liquidate_full_closesEverythingAndSplitsThePenalty() public {
        _openThinLong(alice);
        setEthPrice(2_620e8);
        uint256 insuranceBefore = vault.insuranceFundUsd();
        vm.prank(keeper);
        IPerpVaultTypes.LiquidationResult memory r = vault.liquidate(alice, ACC);
        assertEq(r.closedFraction, 1e18, "full");
        assertEq(int256(vault.position(alice, ACC, ETH).size), 0, "closed");
        assertEq(vault.accountMarkets(alice, ACC), 0, "bitmap cleared");
        assertEq(r.closedNotionalUsd, 2_620e18, "closed at the oracle price");
        assertEq(r.keeperRewardUsd, 5.24e18, "0.2 % of notional");
        assertEq(vault.insuranceFundUsd() - insuranceBefore, r.insuranceUsd, "insurance share booked");
        assertEq(r.insuranceUsd, (r.penaltyUsd - r.keeperRewardUsd) / 2, "50 % of the rest");
        assertGe(collateral(alice, ACC), 0, "INV-05: never negative");
        IPerpVaultTypes.MarketState memory s = vault.marketState(ETH);
        assertEq(uint256(s.longSize), 0, "OI released");
    }

    /// @notice INV-05: a deficit is recorded and paid by insurance, then the pool; the keeper who clears an account in
    /// bad debt is still paid its bounded reward (the minimum keeper fee here), and that reward is part of the deficit.
    function test_liquidate_badDebt_paidByInsuranceThenPool() public {
        _openThinLong(alice);
        // insurance holds 100 USD; a 1/3 gap leaves ≈ 601.5 USD of trader loss the account cannot pay
        usdc.mint(address(this), 100e6);
        usdc.approve(address(vault), 100e6);
        vault.depositInsurance(100e6);
        assertEq(vault.insuranceFundUsd(), 100e18, "funded");
        int256 poolBefore = vault.poolBalance();
        int256 collateralBefore = collateral(alice, ACC);
        uint256 keeperBefore = usdc.balanceOf(keeper);
        setEthPrice(2_000e8);
        int256 equity = vault.accountMargin(alice, ACC).equity;
        assertLt(equity, 0, "underwater");
        vm.prank(keeper);
        IPerpVaultTypes.LiquidationResult memory r = vault.liquidate(alice, ACC);
        assertEq(r.keeperRewardUsd, 5e18, "the bounded reward: 0.2 % of 2,000 USD is below the 5 USD minimum");
        assertEq(usdc.balanceOf(keeper) - keeperBefore, 5e6, "paid in tokens although the account had nothing");
        assertEq(r.penaltyUsd, 0, "no penalty from an empty account");
        assertEq(r.badDebtUsd, uint256(-equity) + r.keeperRewardUsd, "the deficit: the unpaid loss plus the reward");
        assertEq(vault.insuranceFundUsd(), 0, "insurance exhausted first");
        (uint256 total, uint256 byPool) = vault.badDebtUsd();
        assertEq(total, r.badDebtUsd, "recorded");
        assertEq(byPool, r.badDebtUsd - 100e18, "the pool paid the rest");
        assertEq(collateral(alice, ACC), 0, "no negative balance");
        // the pool realised the trader's whole loss and paid what insurance could not, and the reward: net, it gained
        // what the account and the insurance fund held, less the keeper's reward
        assertEq(vault.poolBalance() - poolBefore, collateralBefore + 100e18 - int256(r.keeperRewardUsd), "pool's net");
        _assertSolventExact();
    }

    /// @notice An account whose collateral covers part of the reward: the penalty takes all of it, the rest of the
    /// reward is bad debt, and the keeper gets the whole reward.
    function test_liquidate_collateralBelowTheReward_restOfTheRewardIsBadDebt() public {
        fund(alice, ACC, 400e6);
        tradeAs(alice, ACC, ETH, 1e18);
        // equity(P) = c + P − e: pick the price at which equity is 2 USD
        int256 c = collateral(alice, ACC);
        uint256 e = uint256(vault.position(alice, ACC, ETH).entryPrice);
        uint256 price = uint256(int256(e) - c + 2e18);
        setEthPrice(int256(price / 1e10));
        IPerpVaultTypes.AccountMargin memory m = vault.accountMargin(alice, ACC);
        assertGt(m.equity, 0, "a little equity");
        assertLt(m.equity, 5e18, "less than the reward");
        uint256 keeperBefore = usdc.balanceOf(keeper);
        vm.prank(keeper);
        IPerpVaultTypes.LiquidationResult memory r = vault.liquidate(alice, ACC);
        assertEq(r.closedFraction, 1e18, "full");
        // 0.2 % of the closed notional (above the 5 USD minimum here), in whole token units
        assertEq(r.keeperRewardUsd, ((r.closedNotionalUsd * 0.002e18) / 1e18 / 1e12) * 1e12, "the whole reward");
        assertEq(usdc.balanceOf(keeper) - keeperBefore, r.keeperRewardUsd / 1e12, "paid");
        assertEq(r.penaltyUsd, uint256(m.equity), "the penalty took what the account had");
        assertEq(r.badDebtUsd, r.keeperRewardUsd - uint256(m.equity), "the reward's unpaid part");
        assertEq(collateral(alice, ACC), 0, "nothing left, never negative");
        _assertSolventExact();
    }

    function test_liquidateBatch_skipsHealthyAccounts() public {
        _openThinLong(alice);
        _openThinLong(bob);
        fund(lpProvider, 9, 10_000e6);
        tradeAs(lpProvider, 9, ETH, 1e18); // well collateralised
        setEthPrice(2_620e8);
        IPerpVaultTypes.AccountRef[] memory refs = new IPerpVaultTypes.AccountRef[](4);
        refs[0] = IPerpVaultTypes.AccountRef(alice, ACC);
        refs[1] = IPerpVaultTypes.AccountRef(lpProvider, 9);
        refs[2] = IPerpVaultTypes.AccountRef(bob, ACC);
        refs[3] = IPerpVaultTypes.AccountRef(bob, 42); // no positions at all
        vm.prank(keeper);
        uint256 n = vault.liquidateBatch(refs);
        assertEq(n, 2, "two liquidated");
        assertEq(int256(vault.position(lpProvider, 9, ETH).size), 1e18, "healthy account untouched");
        assertEq(int256(vault.position(alice, ACC, ETH).size), 0, "alice closed");
        assertEq(int256(vault.position(bob, ACC, ETH).size), 0, "bob closed");
    }

    function test_liquidate_ownerIsAContractThatRevertsOnReceipt() public {
        RevertingOwner owner_ = new RevertingOwner();
        usdc.mint(address(owner_), 400e6);
        owner_.approveAndDeposit(usdc, address(vault), 400e6);
        owner_.call(address(vault), abi.encodeCall(vault.trade, (params(address(owner_), 0, ETH, 1e18))));
        setEthPrice(2_620e8);
        vm.prank(keeper);
        vault.liquidate(address(owner_), 0);
        assertEq(int256(vault.position(address(owner_), 0, ETH).size), 0, "liquidated without paying the owner");
    }

    function test_liquidate_moduleCannotBeCalledDirectly() public {
        LiquidationModule module = LiquidationModule(vault.liquidationModule());
        vm.expectRevert(VaultModule.NotDelegated.selector);
        module.liquidate(alice, ACC);
    }

    function test_setLiquidationParams_boundsAndOwner() public {
        IPerpVaultTypes.LiquidationParams memory p = IPerpVaultTypes.LiquidationParams({
            keeperFeeRatio: 0.002e18,
            penaltyRatio: 0.001e18, // below the keeper ratio: self-liquidation could pay
            insuranceShare: 0.5e18,
            partialBuffer: 0.1e18,
            minKeeperFeeUsd: 5e18,
            maxKeeperFeeUsd: 500e18
        });
        vm.startPrank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpVaultTypes.ParamOutOfBounds.selector,
                "penaltyRatio",
                0.001e18,
                0.002e18,
                0.05e18
            )
        );
        vault.setLiquidationParams(p);
        p.penaltyRatio = 0.01e18;
        p.minKeeperFeeUsd = 600e18;
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamOutOfBounds.selector, "minKeeperFeeUsd", 600e18, 0, 500e18)
        );
        vault.setLiquidationParams(p);
        p.minKeeperFeeUsd = 5e18;
        p.partialBuffer = 0;
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamOutOfBounds.selector, "partialBuffer", 0, 0.01e18, 1e18)
        );
        vault.setLiquidationParams(p);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", alice));
        vm.prank(alice);
        vault.setLiquidationParams(p);
    }

    /// @notice INV-05 / INV-06: an owner liquidating its own account from a second address never ends with more than
    /// the account was worth (equity at the oracle price) before, while the account pays its own penalty. An account
    /// in bad debt cannot pay: the keeper's bounded reward then comes from insurance and the pool, and the owner who
    /// collects it still ends with less than it deposited.
    function testFuzz_liquidate_selfLiquidationNeverProfits(uint256 priceSeed, uint256 sizeSeed) public {
        uint256 size = bound(sizeSeed, 0.5e18, 3e18);
        uint256 deposit = (400e6 * (size / 1e17)) / 10 + 50e6;
        fund(alice, ACC, deposit);
        tradeAs(alice, ACC, ETH, int256(size));
        uint256 p = vault.liquidationPrice(alice, ACC, ETH);
        uint256 price = bound(priceSeed, p / 2, p - 1e16);
        setEthPrice(int256(price / 1e10));
        if (!vault.isLiquidatable(alice, ACC)) return; // rounding of the price to 8 decimals
        int256 worthBefore = vault.accountMargin(alice, ACC).equity;
        address alter = address(0xA17E);
        uint256 alterBefore = usdc.balanceOf(alter);
        vm.prank(alter);
        IPerpVaultTypes.LiquidationResult memory r = vault.liquidate(alice, ACC);
        int256 worthAfter = vault.accountMargin(alice, ACC).equity;
        if (worthAfter < 0) worthAfter = 0; // a debt the system absorbed is not the owner's gain
        int256 reward = int256((usdc.balanceOf(alter) - alterBefore) * 1e12);
        if (r.badDebtUsd == 0) {
            int256 floorBefore = worthBefore < 0 ? int256(0) : worthBefore;
            assertLe(worthAfter + reward, floorBefore, "self-liquidation never profits while the account pays");
        } else {
            assertLe(uint256(reward), uint256(liquidationParamsOf().maxKeeperFeeUsd), "bounded reward");
            assertLt(worthAfter + reward, int256(deposit * 1e12), "never more than the owner put in");
        }
        _assertSolventExact();
    }

    function liquidationParamsOf() internal view returns (IPerpVaultTypes.LiquidationParams memory p) {
        (
            p.keeperFeeRatio,
            p.penaltyRatio,
            p.insuranceShare,
            p.partialBuffer,
            p.minKeeperFeeUsd,
            p.maxKeeperFeeUsd
        ) = vault.liquidationParams();
    }

    /// @notice INV-05: liquidation succeeds exactly when equity < maintenance margin.
    function testFuzz_liquidate_exactlyWhenBelowMaintenance(uint256 priceSeed) public {
        _openThinLong(alice);
        uint256 price = bound(priceSeed, 2_000e8, 3_500e8);
        setEthPrice(int256(price));
        IPerpVaultTypes.AccountMargin memory m = vault.accountMargin(alice, ACC);
        bool below = m.equity < int256(m.maintenanceMargin);
        assertEq(vault.isLiquidatable(alice, ACC), below, "view agrees");
        if (below) {
            vault.liquidate(alice, ACC);
            assertGe(collateral(alice, ACC), 0, "never negative after a full close");
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(IPerpVaultTypes.NotLiquidatable.selector, m.equity, m.maintenanceMargin)
            );
            vault.liquidate(alice, ACC);
        }
        _assertSolventExact();
    }

    function _assertSolventExact() internal view {
        address[5] memory owners = [alice, bob, lpProvider, keeper, address(this)];
        int256 sum = vault.poolBalance() + int256(vault.insuranceFundUsd());
        for (uint256 i; i < owners.length; ++i) {
            for (uint96 idx; idx < 10; ++idx) sum += vault.collateralOf(owners[i], idx);
        }
        sum += vault.collateralOf(alice, 42);
        assertEq(int256(usdc.balanceOf(address(vault)) * 1e12), sum, "INV-01: tokens = collateral + pool + insurance");
    }

    /// @notice What the insurance fund holds above its cap (owner-set) anyone may release to the LPs; penalties keep
    /// their insurance share (a liquidation reads one slot for the parameters and the fund).
    function test_insuranceCap_excessReleasedToTheLps() public {
        usdc.mint(address(this), 1_000e6);
        usdc.approve(address(vault), 1_000e6);
        vault.depositInsurance(1_000e6);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", alice));
        vault.setInsuranceCap(0);
        assertEq(vault.releaseInsuranceExcess(), 0, "no cap yet: nothing to release");
        vm.prank(owner);
        vault.setInsuranceCap(600e18);
        assertEq(vault.insuranceCapUsd(), 600e18, "cap");
        _openThinLong(alice);
        setEthPrice(2_620e8);
        vm.prank(keeper);
        IPerpVaultTypes.LiquidationResult memory r = vault.liquidate(alice, ACC);
        assertEq(vault.insuranceFundUsd(), 1_000e18 + r.insuranceUsd, "the penalty's share");
        int256 poolBefore = vault.poolBalance();
        uint256 released = vault.releaseInsuranceExcess();
        assertEq(released, 400e18 + r.insuranceUsd, "the excess");
        assertEq(vault.insuranceFundUsd(), 600e18, "at its cap");
        assertEq(vault.poolBalance() - poolBefore, int256(released), "to the LPs");
        assertEq(vault.releaseInsuranceExcess(), 0, "nothing more");
        _assertSolventExact();
    }
}
