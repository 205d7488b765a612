// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LpFlowsFixture} from "./LpFlowsFixture.sol";
import {ILiquidityVault} from "../../../contracts/interfaces/ILiquidityVault.sol";

/// @notice Issue #15's LP timing attack (docs/risks.md "LP flows at a known price"): an LP who sees the next
/// Chainlink round coming deposits before a round that makes traders lose (the pool gains) or withdraws before one
/// that makes them win (the pool loses). With the defence on (a request settles at the pool mark of a block at least
/// `minDelay` later, and pays the entry or exit fee), the known round lands before the settlement, so the attacker
/// ends with no more than staying out (deposit) or staying in (withdrawal) would give, after fees (INV-LP-01). The
/// controls without the defence profit. The attacker settles its own requests (its keeper fee comes back): the
/// cheapest way to try. The crowd: a long of 1,000 ETH (3M notional) against an 11M pool.
contract LpLatencyAttackTest is LpFlowsFixture {
    int256 internal constant P0 = 3_000e8;
    uint256 internal constant ATTACK_ASSETS = 1_000_000e6;
    /// @dev The feed's deviation threshold (0.5 %): a round that is not a gap moves the price by at most this.
    uint256 internal constant DEVIATION_BPS = 50;

    address internal dave = address(0xDA4E);

    function setUp() public override {
        super.setUp();
        fund(alice, 1, 1_000_000e6);
        tradeAs(alice, 1, ETH, 1_000e18);
    }

    // ---------------------------------------------------------------- deposit before a favourable round

    function test_depositBeforeAFavourableRound_endsWithLessThanStayingOut() public {
        uint256 start = ATTACK_ASSETS + KEEPER_FEE;
        uint256 t0 = vm.getBlockTimestamp();
        uint256 id = _requestDeposit(dave, ATTACK_ASSETS); // at P0, seeing a −2 % round coming
        _roundAt(t0 + 12, _moved(P0, 200, false)); // it lands in the next block: the crowd loses 60k, the pool gains
        _warpTo(t0 + DELAY);
        uint256 shares = _settleAs(dave, id); // priced after the round: the gain is already in the share price
        uint256 exitId = _requestRedeem(dave, shares);
        _warpTo(t0 + 2 * DELAY);
        _settleAs(dave, exitId);
        assertLt(usdc.balanceOf(dave), start, "INV-LP-01: the round trip only pays the entry and exit fees");
    }

    function test_control_withoutTheDefence_depositBeforeAFavourableRoundProfits() public {
        _setFlows(0, TIMEOUT, 0, 0, 0);
        usdc.mint(dave, ATTACK_ASSETS);
        vm.startPrank(dave);
        usdc.approve(address(lp), ATTACK_ASSETS);
        uint256 shares = lp.deposit(ATTACK_ASSETS, dave); // at P0, before the round
        vm.stopPrank();
        _roundAt(vm.getBlockTimestamp() + 12, _moved(P0, 200, false));
        vm.prank(dave);
        lp.redeem(shares, dave, dave);
        // 1M of a 12M pool that gains 60k: ≈ 5,000 USDC taken from the LPs who were in.
        assertGt(usdc.balanceOf(dave), ATTACK_ASSETS + 4_500e6, "the gap the defence closes");
    }

    // ---------------------------------------------------------------- withdrawal before an unfavourable round

    function test_withdrawalBeforeAnUnfavourableRound_endsWithNoMoreThanStayingIn() public {
        uint256 shares = lp.balanceOf(carol);
        uint256 t0 = vm.getBlockTimestamp();
        int256 next = _moved(P0, 200, true); // +2 %: the crowd wins 60k, the pool loses it
        uint256 stayValue = _stayValueAt(shares, t0 + 12, next, t0 + DELAY);
        uint256 id = _requestRedeem(carol, shares);
        _roundAt(t0 + 12, next);
        _warpTo(t0 + DELAY);
        uint256 out = _settleAs(carol, id);
        assertLe(out + KEEPER_FEE, stayValue, "INV-LP-01: leaving before a known loss takes it along, plus the fee");
    }

    function test_control_withoutTheDefence_withdrawalBeforeAnUnfavourableRoundProfits() public {
        uint256 shares = lp.balanceOf(carol);
        uint256 t0 = vm.getBlockTimestamp();
        int256 next = _moved(P0, 200, true);
        uint256 stayValue = _stayValueAt(shares, t0 + 12, next, t0 + 12);
        _setFlows(0, TIMEOUT, 0, 0, 0);
        vm.prank(carol);
        uint256 out = lp.redeem(shares, carol, carol); // at P0, before the round
        // 1/11 of a 60k loss left to the LPs who stay: ≈ 5,450 USDC.
        assertGt(out, stayValue + 5_000e6, "the gap the defence closes");
    }

    /// @dev Why the delay and not only a fee: a fee sized for a deviation round (the threshold) does not cover a gap.
    function test_control_feesWithoutTheDelay_aGapStillPays() public {
        uint256 shares = lp.balanceOf(carol);
        uint256 t0 = vm.getBlockTimestamp();
        int256 gap = _moved(P0, 500, true); // a 5 % gap (10 × the threshold)
        uint256 stayValue = _stayValueAt(shares, t0 + 12, gap, t0 + 12);
        _setFlows(0, TIMEOUT, ENTRY_FEE_BPS, EXIT_FEE_BPS, KEEPER_FEE);
        vm.prank(carol);
        uint256 out = lp.redeem(shares, carol, carol);
        assertGt(out, stayValue, "the exit fee alone is less than a gap's loss");
    }

    /// @dev The owner sees an unfavourable round in flight just before settleAfter and tries to back out: refused
    /// (Locked), so the known round cannot be dodged with a cancel either.
    function test_lastMinuteCancel_onAKnownRound_isRefused() public {
        uint256 t0 = vm.getBlockTimestamp();
        uint256 id = _requestDeposit(dave, ATTACK_ASSETS);
        _warpTo(t0 + DELAY - 12);
        vm.expectRevert(
            abi.encodeWithSelector(
                ILiquidityVault.RequestNotCancellable.selector,
                id,
                ILiquidityVault.RequestStatus.Locked,
                dave,
                dave
            )
        );
        vm.prank(dave);
        lp.cancelRequest(id);
    }

    // ---------------------------------------------------------------- fuzz: round sizes and delays

    /// @dev Any round (gaps up to 30 %, either way) that the requester knew of and that lands before `settleAfter`,
    /// at any delay the bounds allow: entering never gives more than staying out, leaving never more than staying in.
    function testFuzz_aKnownRoundInsideTheDelay_neverBeatsStaying(
        uint256 moveSeed,
        bool up,
        uint256 delaySeed,
        uint256 landSeed,
        bool deposit
    ) public {
        uint256 moveBps = bound(moveSeed, 1, 3_000);
        uint32 delay = uint32(bound(delaySeed, 1 minutes, 1 days));
        _setFlows(delay, delay + 1 hours, ENTRY_FEE_BPS, EXIT_FEE_BPS, KEEPER_FEE);
        uint256 t0 = vm.getBlockTimestamp();
        uint256 landAt = t0 + bound(landSeed, 1, delay);
        int256 next = _moved(P0, moveBps, up);
        if (deposit) {
            uint256 id = _requestDeposit(dave, ATTACK_ASSETS);
            _roundAt(landAt, next);
            _warpTo(t0 + delay);
            uint256 shares = _settleAs(dave, id);
            assertLe(lp.convertToAssets(shares), ATTACK_ASSETS, "INV-LP-01: entering never beats staying out");
        } else {
            uint256 shares = lp.balanceOf(carol);
            uint256 stayValue = _stayValueAt(shares, landAt, next, t0 + delay);
            uint256 id = _requestRedeem(carol, shares);
            _roundAt(landAt, next);
            _warpTo(t0 + delay);
            uint256 out = _settleAs(carol, id);
            assertLe(out + KEEPER_FEE, stayValue, "INV-LP-01: leaving never beats staying in");
        }
    }

    /// @dev The residual option: at `settleAfter` a deviation round (≤ the 0.5 % threshold) is in flight, and the
    /// requester settles first, at the mark before it. What that saves is at most threshold × utilisation of the
    /// requester's stake; the default fees (entry 50 bps = threshold × 100 %, exit 40 bps = threshold × the 80 %
    /// utilisation cap a redemption must keep) are more, at any open interest up to the cap.
    function testFuzz_residualOption_settlingFirstBeforeARoundAtSettleAfter_isWorthLessThanTheFee(
        uint256 moveSeed,
        uint256 skewSeed,
        bool deposit
    ) public {
        uint256 moveBps = bound(moveSeed, 1, DEVIATION_BPS);
        // More crowd, up to what still lets carol's 1M leave under the 80 % cap: 2,600 ETH long in all.
        uint256 extra = bound(skewSeed, 0, 1_600) * 1e18;
        if (extra != 0) {
            fund(alice, 2, 600_000e6);
            tradeAs(alice, 2, ETH, int256(extra));
        }
        uint256 t0 = vm.getBlockTimestamp();
        if (deposit) {
            uint256 id = _requestDeposit(dave, ATTACK_ASSETS);
            _warpTo(t0 + DELAY);
            uint256 shares = _settleAs(dave, id); // first, before the round in flight
            _roundAt(t0 + DELAY + 1, _moved(P0, moveBps, false)); // the round: the crowd loses, the pool gains
            assertLe(lp.convertToAssets(shares), ATTACK_ASSETS, "INV-LP-01: the option is worth less than the fee");
        } else {
            uint256 shares = lp.balanceOf(carol);
            uint256 id = _requestRedeem(carol, shares);
            _warpTo(t0 + DELAY);
            int256 next = _moved(P0, moveBps, true); // the crowd wins, the pool loses
            uint256 stayValue = _stayValueAt(shares, t0 + DELAY + 1, next, t0 + DELAY + 1);
            uint256 out = _settleAs(carol, id); // first, before the round in flight
            _roundAt(t0 + DELAY + 1, next);
            assertLe(out + KEEPER_FEE, stayValue, "INV-LP-01: the option is worth less than the fee");
        }
    }

    // ---------------------------------------------------------------- helpers

    /// @dev An ETH round at `answer8` at `timestamp` (BTC refreshed too).
    function _roundAt(uint256 timestamp, int256 answer8) internal {
        vm.warp(timestamp);
        btcFeed.updateAnswer(btcFeed.latestAnswer());
        ethFeed.updateAnswer(answer8);
    }

    /// @dev What `shares` are worth at `valueAt` if their owner stays in while the round `answer8` lands at `landAt`
    /// (the chain is put back afterwards).
    function _stayValueAt(
        uint256 shares,
        uint256 landAt,
        int256 answer8,
        uint256 valueAt
    ) internal returns (uint256 value) {
        uint256 snapshot = vm.snapshotState();
        _roundAt(landAt, answer8);
        _warpTo(valueAt);
        value = lp.convertToAssets(shares);
        vm.revertToState(snapshot);
    }
}
