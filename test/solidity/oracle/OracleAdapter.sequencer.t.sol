// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {GasBurningFeed, MalformedFeed, RevertingFeed} from "../mocks/FeedDoubles.sol";
import {OracleAdapterTestBase} from "./OracleAdapterTestBase.sol";

/// @notice The L2 sequencer uptime check (Chainlink uptime feed: answer 0 = up, 1 = down; startedAt = when the
/// status last changed), checked before anything else on every read.
contract OracleAdapterSequencerTest is OracleAdapterTestBase {
    uint32 internal constant GRACE = 3_600;
    int256 internal constant UP = 0;
    int256 internal constant DOWN = 1;

    MockV3Aggregator internal sequencer;

    function setUp() public override {
        super.setUp();
        sequencer = new MockV3Aggregator(0, UP);
        _setStatus(UP, T0 - 2 hours); // up for two hours: past the grace period
        adapter.setSequencer(address(sequencer), GRACE);
        vm.label(address(sequencer), "sequencer");
    }

    function test_priceWad_sequencerUpPastGracePasses() public view {
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "up for 2h");
    }

    function test_priceWad_SequencerDown() public {
        _setStatus(DOWN, T0 - 10);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.SequencerDown.selector, address(sequencer)));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_SequencerDownLongAgo() public {
        // Down for a day: still down, however long ago it went down.
        _setStatus(DOWN, T0 - 1 days);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.SequencerDown.selector, address(sequencer)));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_SequencerDownAnyNonZeroAnswer() public {
        _setStatus(-1, T0 - 1 days);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.SequencerDown.selector, address(sequencer)));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_SequencerDownCheckedBeforeStartedAt() public {
        _setStatus(DOWN, 0);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.SequencerDown.selector, address(sequencer)));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_SequencerGracePeriodNotOverInsideGrace() public {
        _setStatus(UP, T0 - 100);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.SequencerGracePeriodNotOver.selector, T0 - 100, uint256(GRACE), T0)
        );
        adapter.priceWad(address(feed));
    }

    function test_priceWad_SequencerGracePeriodNotOverJustBackUp() public {
        _setStatus(UP, T0);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.SequencerGracePeriodNotOver.selector, T0, uint256(GRACE), T0)
        );
        adapter.priceWad(address(feed));
    }

    function test_priceWad_SequencerGracePeriodNotOverAtBoundary() public {
        _setStatus(UP, T0 - GRACE);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.SequencerGracePeriodNotOver.selector, T0 - GRACE, uint256(GRACE), T0)
        );
        adapter.priceWad(address(feed));
    }

    function test_priceWad_sequencerPassesOneSecondAfterGrace() public {
        _setStatus(UP, T0 - GRACE - 1);
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "grace over");
    }

    function test_priceWad_sequencerPassesOnceGraceElapses() public {
        _setStatus(UP, T0);
        vm.warp(T0 + GRACE + 1);
        feed.updateAnswer(ANSWER_8);
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "grace over after warp");
    }

    function test_priceWad_SequencerGracePeriodNotOverStartedAtInFuture() public {
        _setStatus(UP, T0 + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.SequencerGracePeriodNotOver.selector, T0 + 1, uint256(GRACE), T0)
        );
        adapter.priceWad(address(feed));
    }

    function test_priceWad_SequencerGracePeriodNotOverWithZeroGrace() public {
        adapter.setSequencer(address(sequencer), 0);
        _setStatus(UP, T0);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.SequencerGracePeriodNotOver.selector, T0, 0, T0));
        adapter.priceWad(address(feed));
        _setStatus(UP, T0 - 1);
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "zero grace, up since 1s");
    }

    function test_priceWad_SequencerGracePeriodNotOverWithMaxGrace() public {
        adapter.setSequencer(address(sequencer), 1 days);
        _setStatus(UP, T0 - 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.SequencerGracePeriodNotOver.selector, T0 - 1 days, 1 days, T0)
        );
        adapter.priceWad(address(feed));
    }

    function test_priceWad_sequencerIncompleteRoundStartedAtZero() public {
        sequencer.updateRoundData(7, UP, T0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.IncompleteRound.selector, address(sequencer), uint80(7), uint80(7), 0)
        );
        adapter.priceWad(address(feed));
    }

    function test_priceWad_sequencerCheckedBeforeFeedConfig() public {
        _setStatus(DOWN, T0 - 10);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.SequencerDown.selector, address(sequencer)));
        adapter.priceWad(EOA); // not configured, but the sequencer is checked first
    }

    function test_priceWad_sequencerCheckedBeforeFeedChecks() public {
        _setStatus(DOWN, T0 - 10);
        feed.updateAnswer(0);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.SequencerDown.selector, address(sequencer)));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_sequencerStalenessIsNotChecked() public {
        // Uptime feeds only update on a status change: an old round is the normal case.
        _setStatus(UP, T0 - 30 days);
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "old status round");
    }

    function test_priceWad_sequencerFeedCallFailedReverting() public {
        RevertingFeed bad = new RevertingFeed();
        adapter.setSequencer(address(bad), GRACE);
        _expectFeedCallFailed(address(bad));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_sequencerFeedCallFailedGasBurning() public {
        GasBurningFeed bad = new GasBurningFeed();
        adapter.setSequencer(address(bad), GRACE);
        _expectFeedCallFailed(address(bad));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_sequencerFeedCallFailedMalformed() public {
        MalformedFeed bad = new MalformedFeed();
        bad.setMode(MalformedFeed.Mode.WideRoundId);
        adapter.setSequencer(address(bad), GRACE);
        _expectFeedCallFailed(address(bad));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_sequencerFeedCallFailedNoCode() public {
        vm.etch(address(sequencer), "");
        _expectFeedCallFailed(address(sequencer));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_sequencerInsufficientGasForOracle() public view {
        try adapter.priceWad{gas: 50_000}(address(feed)) returns (uint256) {
            fail("read with too little gas");
        } catch (bytes memory reason) {
            assertEq(_selector(reason), IOracleAdapter.InsufficientGasForOracle.selector, "InsufficientGasForOracle");
            (, uint256 gasRequired) = abi.decode(_args(reason), (uint256, uint256));
            assertEq(gasRequired, (adapter.FEED_CALL_GAS() * 64) / 63 + 5_000, "gasRequired");
        }
    }

    function test_setSequencer_zeroDisablesCheck() public {
        _setStatus(DOWN, T0 - 10);
        adapter.setSequencer(address(0), 0);
        assertEq(adapter.sequencerFeed(), address(0), "sequencerFeed");
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "no sequencer check");
    }

    function testFuzz_priceWad_sequencerGrace(uint256 upFor, uint256 grace) public {
        grace = bound(grace, 0, 1 days);
        upFor = bound(upFor, 0, 2 days);
        adapter.setSequencer(address(sequencer), uint32(grace));
        _setStatus(UP, T0 - upFor);
        if (upFor <= grace) {
            vm.expectRevert(
                abi.encodeWithSelector(IOracleAdapter.SequencerGracePeriodNotOver.selector, T0 - upFor, grace, T0)
            );
            adapter.priceWad(address(feed));
        } else {
            assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "past grace");
        }
    }

    /// @dev A new status round: `answer` since `startedAt` (updatedAt is now, as on Chainlink uptime feeds).
    function _setStatus(int256 answer, uint256 startedAt) internal {
        sequencer.updateRoundData(uint80(sequencer.latestRound() + 1), answer, block.timestamp, startedAt);
    }
}
