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

    function _due(bytes memory performData) internal pure returns (IPerpVaultTypes.AccountRef[] memory) {
        return abi.decode(performData, (IPerpVaultTypes.AccountRef[]));
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
}
