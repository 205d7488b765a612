// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultFixture} from "./VaultFixture.sol";
import {ILiquidityVault} from "../../../contracts/interfaces/ILiquidityVault.sol";

/// @notice The vault fixture with the LP defence on at the deployment defaults (ignition: `lpFlows`), a second LP
/// (`carol`, 1M USDC deposited before the defence was turned on) and helpers to request, settle and move prices.
abstract contract LpFlowsFixture is VaultFixture {
    uint32 internal constant DELAY = 10 minutes;
    uint32 internal constant TIMEOUT = 1 hours;
    uint16 internal constant ENTRY_FEE_BPS = 50;
    uint16 internal constant EXIT_FEE_BPS = 40;
    uint96 internal constant KEEPER_FEE = 1e6; // 1 USDC
    uint256 internal constant CAROL_DEPOSIT = 1_000_000e6;

    address internal carol = address(0xCA401);
    address internal stranger = address(0x5757);

    function setUp() public virtual override {
        super.setUp();
        usdc.mint(carol, CAROL_DEPOSIT);
        vm.startPrank(carol);
        usdc.approve(address(lp), type(uint256).max);
        lp.deposit(CAROL_DEPOSIT, carol);
        vm.stopPrank();
        _setFlows(DELAY, TIMEOUT, ENTRY_FEE_BPS, EXIT_FEE_BPS, KEEPER_FEE);
    }

    function _setFlows(uint32 delay, uint32 timeout, uint16 entryBps, uint16 exitBps, uint96 keeperFee) internal {
        vm.prank(owner);
        lp.setFlowParams(ILiquidityVault.FlowParams(delay, timeout, entryBps, exitBps, keeperFee));
    }

    /// @dev `who` gets `assets` + the keeper fee, approves the LP vault and requests a deposit for itself.
    function _requestDeposit(address who, uint256 assets) internal returns (uint256 id) {
        uint256 fee = lp.flowParams().keeperFeeTokens;
        usdc.mint(who, assets + fee);
        vm.startPrank(who);
        usdc.approve(address(lp), assets + fee);
        id = lp.requestDeposit(assets, who);
        vm.stopPrank();
    }

    function _requestRedeem(address who, uint256 shares) internal returns (uint256 id) {
        vm.prank(who);
        id = lp.requestRedeem(shares, who, who);
    }

    function _settleAs(address who, uint256 id) internal returns (uint256 amountOut) {
        vm.prank(who);
        amountOut = lp.settleRequest(id);
    }

    function _status(uint256 id) internal view returns (ILiquidityVault.RequestStatus status) {
        (, status) = lp.requestStatus(id);
    }

    function _request(uint256 id) internal view returns (ILiquidityVault.Request memory r) {
        (r, ) = lp.requestStatus(id);
    }

    /// @dev Publishes an ETH round at `answer8` after `secondsForward` (BTC refreshed too, so nothing goes stale).
    function _roundAfter(uint256 secondsForward, int256 answer8) internal {
        vm.warp(vm.getBlockTimestamp() + secondsForward);
        btcFeed.updateAnswer(btcFeed.latestAnswer());
        ethFeed.updateAnswer(answer8);
    }

    /// @dev Warps to `timestamp` and refreshes both feeds at their prices.
    function _warpTo(uint256 timestamp) internal {
        uint256 nowTs = vm.getBlockTimestamp();
        if (timestamp > nowTs) skip(timestamp - nowTs);
    }

    function _moved(int256 answer8, uint256 bps, bool up) internal pure returns (int256) {
        return up ? (answer8 * int256(10_000 + bps)) / 10_000 : (answer8 * int256(10_000 - bps)) / 10_000;
    }

    /// @dev Fee rounded up, as the vault charges it.
    function _fee(uint256 grossTokens, uint256 bps) internal pure returns (uint256) {
        return (grossTokens * bps + 9_999) / 10_000;
    }
}
