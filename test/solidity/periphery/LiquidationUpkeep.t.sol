// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultFixture} from "../vault/VaultFixture.sol";
import {IPerpVault, IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";
import {LiquidationUpkeep} from "../../../contracts/periphery/LiquidationUpkeep.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

contract LiquidationUpkeepTest is VaultFixture {
    LiquidationUpkeep internal upkeep;
    address internal carol = address(0xCA401);

    function setUp() public override {
        super.setUp();
        upkeep = new LiquidationUpkeep(IPerpVault(address(vault)), owner);
        // alice: a thin long (400 USD on 1 ETH at 3000); bob: a well-funded long; carol: a thin short.
        fund(alice, 1, 400e6);
        tradeAs(alice, 1, ETH, 1e18);
        tradeAs(bob, 0, ETH, 1e18);
        fund(carol, 0, 400e6);
        tradeAs(carol, 0, ETH, -1e18);
        IPerpVaultTypes.AccountRef[] memory refs = new IPerpVaultTypes.AccountRef[](4);
        refs[0] = IPerpVaultTypes.AccountRef(alice, 1);
        refs[1] = IPerpVaultTypes.AccountRef(bob, 0);
        refs[2] = IPerpVaultTypes.AccountRef(carol, 0);
        refs[3] = IPerpVaultTypes.AccountRef(alice, 1); // a duplicate is skipped
        upkeep.watch(refs);
    }

    function _page(uint256 start, uint256 count) internal pure returns (bytes memory) {
        return abi.encode(start, count);
    }

    /// @dev performData is the due accounts' watch-list indexes, 4 bytes each.
    function _due(bytes memory performData) internal view returns (IPerpVaultTypes.AccountRef[] memory due) {
        due = new IPerpVaultTypes.AccountRef[](performData.length / 4);
        for (uint256 i; i < due.length; ++i) {
            uint32 index =
                (uint32(uint8(performData[4 * i])) << 24) |
                    (uint32(uint8(performData[4 * i + 1])) << 16) |
                    (uint32(uint8(performData[4 * i + 2])) << 8) |
                    uint32(uint8(performData[4 * i + 3]));
            due[i] = upkeep.watchedAt(index);
        }
    }

    function test_watch_skipsDuplicates() public view {
        assertEq(upkeep.watchedCount(), 3, "three distinct accounts");
    }

    function test_checkUpkeep_nothingDueWhileHealthy() public view {
        (bool needed, bytes memory data) = upkeep.checkUpkeep(_page(0, 10));
        assertFalse(needed, "healthy book");
        assertEq(_due(data).length, 0, "no accounts");
    }

    function test_checkUpkeep_findsExactlyTheDueAccounts_performLiquidatesThem() public {
        setEthPrice(2_650e8); // alice's long is under maintenance; bob's is not; carol's short gains
        (bool needed, bytes memory data) = upkeep.checkUpkeep(_page(0, 10));
        assertTrue(needed, "alice is due");
        IPerpVaultTypes.AccountRef[] memory due = _due(data);
        assertEq(due.length, 1, "exactly one");
        assertEq(due[0].owner, alice, "alice");
        assertEq(uint256(due[0].accountIndex), 1, "account 1");
        uint256 before = usdc.balanceOf(address(upkeep));
        upkeep.performUpkeep(data);
        assertFalse(vault.isLiquidatable(alice, 1), "liquidated");
        assertTrue(vault.position(alice, 1, ETH).size < 1e18, "reduced (partially: back above maintenance)");
        assertGt(usdc.balanceOf(address(upkeep)), before, "the keeper reward is collected here");
        // Nothing is due any more: a replay of the same performData is refused.
        vm.expectRevert(LiquidationUpkeep.NoDueWork.selector);
        upkeep.performUpkeep(data);
    }

    function test_checkUpkeep_pagesOverTheWatchList() public {
        setEthPrice(3_450e8); // carol's short is under maintenance (watch index 2)
        (bool first, ) = upkeep.checkUpkeep(_page(0, 2));
        assertFalse(first, "page 0..1 has nothing due");
        (bool second, bytes memory data) = upkeep.checkUpkeep(_page(2, 2));
        assertTrue(second, "page 2.. has carol");
        assertEq(_due(data)[0].owner, carol, "carol");
        (bool beyond, ) = upkeep.checkUpkeep(_page(10, 5));
        assertFalse(beyond, "a page past the end is empty");
    }

    function test_performUpkeep_revalidates_afterThePriceRecovers() public {
        setEthPrice(2_600e8);
        (, bytes memory data) = upkeep.checkUpkeep(_page(0, 10));
        setEthPrice(3_000e8); // recovered before the transaction landed
        vm.expectRevert(LiquidationUpkeep.NoDueWork.selector);
        upkeep.performUpkeep(data);
        assertEq(vault.position(alice, 1, ETH).size, 1e18, "untouched");
    }

    function test_checkUpkeep_neverReportsOnAStalePrice() public {
        setEthPrice(2_600e8);
        vm.warp(vm.getBlockTimestamp() + 1 days + 1); // the ETH feed is now stale
        (bool needed, ) = upkeep.checkUpkeep(_page(0, 10));
        assertFalse(needed, "no report on a bad price");
    }

    function test_checkUpkeep_rejectsBadCheckData() public {
        vm.expectRevert(LiquidationUpkeep.BadCheckData.selector);
        upkeep.checkUpkeep("");
        vm.expectRevert(LiquidationUpkeep.BadCheckData.selector);
        upkeep.checkUpkeep(_page(0, 0));
    }

    function test_sweep_onlyOwner() public {
        setEthPrice(2_650e8); // alice keeps positive equity, so the keeper is paid
        (, bytes memory data) = upkeep.checkUpkeep(_page(0, 10));
        upkeep.performUpkeep(data);
        uint256 reward = usdc.balanceOf(address(upkeep));
        assertGt(reward, 0, "a reward to sweep");
        vm.expectRevert();
        upkeep.sweep(IERC20(address(usdc)), keeper, reward);
        vm.prank(owner);
        upkeep.sweep(IERC20(address(usdc)), keeper, reward);
        assertEq(usdc.balanceOf(keeper), reward, "swept");
    }

    /// @dev `count` thin 1 ETH longs (600 USDC each) of distinct owners, watched; returns their first watch index.
    function _crowd(uint256 count) internal returns (uint256 first) {
        first = upkeep.watchedCount();
        addPoolLiquidity(count * 3_000e6);
        usdc.mint(address(this), count * 600e6);
        usdc.approve(address(vault), type(uint256).max);
        IPerpVaultTypes.AccountRef[] memory refs = new IPerpVaultTypes.AccountRef[](count);
        for (uint256 i; i < count; ++i) {
            address who = address(uint160(0x200000 + i));
            vault.deposit(who, 0, 600e6);
            vm.prank(who);
            vault.trade(params(who, 0, ETH, 1e18));
            refs[i] = IPerpVaultTypes.AccountRef(who, 0);
        }
        upkeep.watch(refs);
    }

    /// @notice At Automation's scale: 1,200 watched accounts, all liquidatable after a gap. One check of the whole
    /// list within the 10,000,000 check gas limit reports `maxBatch` accounts (performData 4 bytes each, within the
    /// 1,000-byte perform data limit); each performUpkeep of them fits the 5,000,000 perform gas limit; repeating
    /// check → perform clears everyone.
    function test_atScale_checkWithinTheCheckGasLimit_performWithinThePerformGasLimit() public {
        uint256 first = _crowd(1_200);
        setEthPrice(2_000e8);
        uint256 total = upkeep.watchedCount();
        bytes memory page = _page(0, total);
        uint256 performs;
        uint256 maxPerformGas;
        for (;;) {
            uint256 gasBefore = gasleft();
            (bool needed, bytes memory data) = upkeep.checkUpkeep{gas: 10_000_000}(page);
            assertLt(gasBefore - gasleft(), 10_000_000, "check within the check gas limit");
            if (!needed) break;
            assertLe(data.length, 4 * upkeep.maxBatch(), "at most maxBatch accounts");
            assertLe(data.length, 1_000, "within the smallest perform data limit");
            gasBefore = gasleft();
            upkeep.performUpkeep{gas: 5_000_000}(data);
            uint256 used = gasBefore - gasleft();
            if (used > maxPerformGas) maxPerformGas = used;
            ++performs;
            assertLt(performs, 100, "terminates");
        }
        for (uint256 i = first; i < total; ++i) {
            IPerpVaultTypes.AccountRef memory a = upkeep.watchedAt(i);
            assertFalse(vault.isLiquidatable(a.owner, a.accountIndex), "everyone cleared");
        }
        assertEq(performs, 1_201 / upkeep.maxBatch() + 1, "one perform per maxBatch accounts (alice included)");
        assertLt(maxPerformGas, 5_000_000, "each perform within the perform gas limit");
    }

    /// @notice When the check gas runs short the check stops early and reports what it found; the accounts it did not
    /// reach are reported once those are liquidated.
    function test_checkUpkeep_stopsBeforeItsGasRunsOut() public {
        _crowd(300);
        setEthPrice(2_000e8);
        vm.prank(owner);
        upkeep.setMaxBatch(250);
        (bool needed, bytes memory data) = upkeep.checkUpkeep{gas: 1_000_000}(_page(0, 400));
        assertTrue(needed, "found some within 1M gas");
        assertGt(data.length, 0, "some");
        assertLt(data.length / 4, 250, "not all of them: it stopped on gas");
    }

    function test_performUpkeep_rejectsMalformedData() public {
        vm.expectRevert(abi.encodeWithSelector(LiquidationUpkeep.BadPerformData.selector, 3));
        upkeep.performUpkeep(hex"000000");
        vm.expectRevert(abi.encodeWithSelector(LiquidationUpkeep.BadPerformData.selector, 4));
        upkeep.performUpkeep(hex"00000063"); // index 99: not watched
    }

    function test_setMaxBatch_boundsAndOwner() public {
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", address(this)));
        upkeep.setMaxBatch(50);
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(LiquidationUpkeep.MaxBatchOutOfBounds.selector, 0, 250));
        upkeep.setMaxBatch(0);
        vm.expectRevert(abi.encodeWithSelector(LiquidationUpkeep.MaxBatchOutOfBounds.selector, 251, 250));
        upkeep.setMaxBatch(251);
        upkeep.setMaxBatch(140);
        vm.stopPrank();
        assertEq(upkeep.maxBatch(), 140, "set");
    }
}
