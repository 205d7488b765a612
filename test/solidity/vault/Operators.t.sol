// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultFixture} from "./VaultFixture.sol";
import {IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";

/// @notice What an operator may cost its owner: it trades the owner's accounts (never withdraws), and its fills stay
/// within the owner's slippage bound from the oracle price, so it cannot churn the account through the skew premium
/// at any price (docs/risks.md, "Operators").
contract OperatorsTest is VaultFixture {
    address internal bot = address(0xB07);

    function setUp() public override {
        super.setUp();
        fund(alice, 3, 1_000_000e6);
        vm.prank(alice);
        vault.setOperator(bot, true);
    }

    function test_setOperator_defaultBoundIsOnePercent() public view {
        assertTrue(vault.isOperator(alice, bot), "allowed");
        assertEq(vault.operatorSlippageBps(alice, bot), 100, "1 % by default");
        assertEq(vault.operatorSlippageBps(alice, address(0xDEAD)), 0, "not an operator");
    }

    /// @notice A fill further from the oracle than the bound is refused for the operator, allowed for the owner.
    function test_operatorFill_beyondTheBound_reverts_ownerMayStill() public {
        // 1 M ETH skew scale: 20,000 ETH pushes the fill ≈ 1 % above the oracle
        addPoolLiquidity(100_000_000e6);
        fund(alice, 3, 10_000_000e6);
        vm.prank(bot);
        (bool ok, bytes memory reason) = address(vault).call(
            abi.encodeCall(vault.trade, (params(alice, 3, ETH, 25_000e18)))
        );
        assertFalse(ok, "refused");
        assertEq(bytes4(reason), IPerpVaultTypes.OperatorSlippageExceeded.selector, "OperatorSlippageExceeded");
        (uint256 fill, uint256 oraclePrice, uint256 bound) = abi.decode(_args(reason), (uint256, uint256, uint256));
        assertGt((fill - oraclePrice) * 10_000, oraclePrice * bound, "the named fill is beyond the named bound");
        assertEq(bound, 100, "the bound");
        // within the bound: fine
        vm.prank(bot);
        vault.trade(params(alice, 3, ETH, 1e18));
        // the owner is not bound
        tradeAs(alice, 3, ETH, 25_000e18);
    }

    function test_setOperatorSlippage_boundsAndOnlyForAnOperator() public {
        vm.startPrank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamOutOfBounds.selector, "maxSlippageBps", 0, 1, 10_000)
        );
        vault.setOperatorSlippage(bot, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamOutOfBounds.selector, "maxSlippageBps", 10_001, 1, 10_000)
        );
        vault.setOperatorSlippage(bot, 10_001);
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.Unauthorized.selector, address(0xDEAD), alice));
        vault.setOperatorSlippage(address(0xDEAD), 50);
        vault.setOperatorSlippage(bot, 3);
        vm.stopPrank();
        assertEq(vault.operatorSlippageBps(alice, bot), 3, "set");
        // revoking clears the bound; re-allowing restores the default
        vm.prank(alice);
        vault.setOperator(bot, false);
        assertEq(vault.operatorSlippageBps(alice, bot), 0, "revoked");
        vm.prank(bot);
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.Unauthorized.selector, bot, alice));
        vault.trade(params(alice, 3, ETH, 1e18));
    }

    /// @notice An operator churning an account (open, close, again) pays only fees and a bounded premium per trade.
    function testFuzz_operatorChurnCostsAtMostFeesAndTheBound(uint256 sizeSeed, uint256 rounds) public {
        addPoolLiquidity(100_000_000e6);
        int256 size = int256(bound(sizeSeed, 1e18, 20_000e18));
        rounds = bound(rounds, 1, 5);
        int256 before = vault.accountMargin(alice, 3).equity;
        uint256 notional;
        for (uint256 i; i < rounds; ++i) {
            vm.prank(bot);
            (bool ok, ) = address(vault).call(abi.encodeCall(vault.trade, (params(alice, 3, ETH, size))));
            if (!ok) return; // beyond the bound or the margin: nothing happened
            vm.prank(bot);
            vault.trade(params(alice, 3, ETH, -size));
            notional += 2 * uint256(size) * 3_000;
        }
        int256 lost = before - vault.accountMargin(alice, 3).equity;
        // per side: taker fee 0.05 % + premium ≤ 1 %, on the notional at ≈ the oracle price (+1 % for the premium)
        assertLe(uint256(lost), (notional * (5 + 100 + 2)) / 10_000, "bounded by fees and the slippage bound");
    }

    function _args(bytes memory reason) internal pure returns (bytes memory args) {
        args = new bytes(reason.length - 4);
        for (uint256 i; i < args.length; ++i) args[i] = reason[i + 4];
    }
}
