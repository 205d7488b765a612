// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OrdersFixture} from "./OrdersFixture.sol";
import {IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";

/// @notice Issue #7's latency attack: a trader who sees the next Chainlink answer coming (the feed moves by its
/// deviation threshold, 0.5 %) opens at the current answer and closes after the round. With the market's latency
/// defence on (docs/risks.md) the open can only be a delayed order, which settles at the first round after the delay:
/// the attacker ends with less than they started, after fees. The attacker's wealth counts the account and the
/// wallet (keeper fees), and they settle their own orders with no keeper fee, the cheapest way to try.
contract LatencyAttackTest is OrdersFixture {
    uint256 internal constant DEVIATION_BPS = 50; // 0.5 %, the feed's deviation threshold
    int256 internal constant ATTACK_SIZE = 10e18; // 10 ETH ≈ 30,000 USD notional
    int256 internal constant P0 = 3_000e8;

    function setUp() public override {
        super.setUp();
        _defend(ETH);
    }

    function _moved(uint256 bps, bool up) internal pure returns (int256) {
        return up ? (P0 * int256(10_000 + bps)) / 10_000 : (P0 * int256(10_000 - bps)) / 10_000;
    }

    function _wealthUsd(address who) internal view returns (int256) {
        return collateral(who, 0) + int256(usdc.balanceOf(who) * TOKEN_TO_WAD);
    }

    /// @dev The naive attack is simply refused: no immediate open in a defended market.
    function test_latencyAttack_directOpenIsRefused() public {
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.ImmediateOpenDisabled.selector, ETH));
        tradeAs(bob, 0, ETH, ATTACK_SIZE);
    }

    /// @dev Through the defence: commit the open at P0 knowing the next round is +0.5 %; it settles at the first round
    /// after the delay, i.e. at the new answer; closing immediately pays the surcharge, closing delayed pays the
    /// fees again. Both leave the attacker with less.
    function test_latencyAttack_throughDelayedOrders_attackerEndsWithLess() public {
        int256 start = _wealthUsd(bob);
        uint256 id = _commit(bob, bob, ATTACK_SIZE, false, 0);
        _roundAfter(1, _moved(DEVIATION_BPS, true)); // the round the attacker saw coming: inside the delay
        _roundAfter(DELAY, _moved(DEVIATION_BPS, true)); // the first round after the delay (heartbeat, same price)
        vm.prank(bob);
        delayed.settleOrder(id);
        uint256 snapshot = vm.snapshotState();

        tradeAs(bob, 0, ETH, -ATTACK_SIZE); // immediate close: surcharge
        assertEq(_size(bob, 0), 0, "closed");
        assertLt(_wealthUsd(bob), start, "immediate close: the attacker ends with less after fees");

        vm.revertToState(snapshot);
        id = _commit(bob, bob, -ATTACK_SIZE, true, 0); // delayed close
        _roundAfter(DELAY, _moved(DEVIATION_BPS, true));
        vm.prank(bob);
        delayed.settleOrder(id);
        assertEq(_size(bob, 0), 0, "closed");
        assertLt(_wealthUsd(bob), start, "delayed close: the attacker ends with less after fees");
    }

    /// @dev The same attack in a market without the defence, as the control: it pays, which is what the defence is for.
    function test_control_undefendedMarket_attackProfits() public {
        vm.prank(owner);
        vault.setLatencyParams(ETH, IPerpVaultTypes.LatencyParams(0, 0, 0));
        int256 start = _wealthUsd(bob);
        tradeAs(bob, 0, ETH, ATTACK_SIZE); // at the stale answer
        _roundAfter(1, _moved(DEVIATION_BPS, true));
        tradeAs(bob, 0, ETH, -ATTACK_SIZE);
        // 10 ETH × 15 USD = 150 USD gross, minus ~21 USD of fees and a negligible skew premium.
        assertGt(_wealthUsd(bob) - start, 100e18, "the gap the defence closes");
    }

    /// @dev Holding a delayed-opened position and running from a known drop with an immediate exit costs at least
    /// what the drop would have: the surcharge (≥ the deviation threshold) prices the stale answer's edge.
    function testFuzz_immediateExitBeforeAKnownMove_neverBeatsTheMove(
        uint256 moveBps,
        bool up,
        uint256 sizeSeed
    ) public {
        moveBps = bound(moveBps, 1, DEVIATION_BPS); // within the threshold: a bigger move forces a round
        int256 size = (int256(bound(sizeSeed, 0.1e18, 20e18)) / 1e10) * 1e10; // above the minimum position margin
        if (!up) size = -size;
        uint256 id = _commit(bob, bob, size, false, 0);
        _roundAfter(DELAY, P0);
        delayed.settleOrder(id);
        int256 start = _wealthUsd(bob);
        uint256 snapshot = vm.snapshotState();
        // Exit now at P0, knowing the next answer moves against the position by moveBps.
        tradeAs(bob, 0, ETH, -size);
        int256 exitNow = _wealthUsd(bob) - start;
        vm.revertToState(snapshot);
        // Ride the move, then exit through a delayed order at the next round (the price the attacker avoided).
        _roundAfter(1, _moved(moveBps, !up));
        id = _commit(bob, bob, -size, true, 0);
        _roundAfter(DELAY, _moved(moveBps, !up));
        delayed.settleOrder(id);
        int256 rideMove = _wealthUsd(bob) - start;
        // Running from the move is never better than taking it: the surcharge (0.5 % of notional) covers any move up
        // to the threshold. The one thing the exit saves is the fee on the move itself (riding pays its exit fee on
        // the moved notional): at most taker fee × move × notional, a rounding-sized amount.
        uint256 notionalUsd = (uint256(size > 0 ? size : -size) * 3_000);
        uint256 feeOnTheMoveUsd = (notionalUsd * 5 * moveBps) / 10_000 / 10_000 + 1e6;
        assertLe(exitNow, rideMove + int256(feeOnTheMoveUsd), "the immediate exit extracts nothing from the LP");
    }
}
