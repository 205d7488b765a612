// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {OracleAdapterTestBase} from "./OracleAdapterTestBase.sol";

/// @notice Each configured feed's `sequencerChecked` bit (issue #15's gas pass): a read checks the sequencer exactly
/// when a sequencer feed is set, whatever the order of `setFeed`, `removeFeed` and `setSequencer`; and the 24-bit
/// heartbeats that made room for the bit hold every allowed heartbeat exactly.
contract OracleAdapterSequencerBitTest is OracleAdapterTestBase {
    int256 internal constant DOWN = 1;

    MockV3Aggregator internal sequencer;
    MockV3Aggregator internal second;
    MockV3Aggregator internal third;

    function setUp() public override {
        super.setUp(); // `feed` configured before any sequencer
        second = _newFeed(8, ANSWER_8);
        third = _newFeed(8, ANSWER_8);
        sequencer = new MockV3Aggregator(0, DOWN); // reports down since long ago
        sequencer.updateRoundData(1, DOWN, block.timestamp, T0 - 1 days);
    }

    function _expectDown(address f) internal {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.SequencerDown.selector, address(sequencer)));
        adapter.priceWad(f);
    }

    function test_setSequencer_afterFeeds_everyFeedChecksIt() public {
        assertEq(adapter.priceWad(address(second)), PRICE_WAD); // no sequencer: the read passes
        adapter.setSequencer(address(sequencer), 0);
        _expectDown(address(feed));
        _expectDown(address(second));
        _expectDown(address(third));
    }

    function test_setFeed_afterSequencer_checksIt() public {
        adapter.setSequencer(address(sequencer), 0);
        MockV3Aggregator late = _newFeed(8, ANSWER_8);
        _expectDown(address(late));
        // reconfiguring a feed keeps the check
        adapter.setFeed(address(feed), 2 hours, address(0), 0, 0);
        _expectDown(address(feed));
    }

    function test_setSequencer_zero_unchecksEveryFeed() public {
        adapter.setSequencer(address(sequencer), 0);
        adapter.setSequencer(address(0), 0);
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD);
        assertEq(adapter.priceWad(address(second)), PRICE_WAD);
        assertEq(adapter.priceWad(address(third)), PRICE_WAD);
    }

    function test_setSequencer_replaced_stillChecked() public {
        MockV3Aggregator up = new MockV3Aggregator(0, 0);
        up.updateRoundData(1, 0, block.timestamp, T0 - 1 days);
        adapter.setSequencer(address(up), 0);
        assertEq(adapter.priceWad(address(third)), PRICE_WAD);
        adapter.setSequencer(address(sequencer), 0); // on → on: the bits stay, the new feed is read
        _expectDown(address(third));
    }

    function test_removeFeed_middle_thenSequencer_remainingFeedsChecked() public {
        adapter.removeFeed(address(second)); // swap and pop: `third` moves into its place
        adapter.setSequencer(address(sequencer), 0);
        _expectDown(address(feed));
        _expectDown(address(third));
        // removed: unconfigured, and the sequencer is still checked first
        _expectDown(address(second));
        // re-added after the removal: listed again, checked
        _configure(address(second));
        _expectDown(address(second));
        adapter.setSequencer(address(0), 0);
        assertEq(adapter.priceWad(address(second)), PRICE_WAD);
        assertEq(adapter.priceWad(address(third)), PRICE_WAD);
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD);
    }

    function test_removeFeed_last_andOnly() public {
        adapter.removeFeed(address(third));
        adapter.removeFeed(address(feed));
        adapter.removeFeed(address(second));
        _configure(address(feed));
        adapter.setSequencer(address(sequencer), 0);
        _expectDown(address(feed));
    }

    function test_unconfiguredFeed_withoutSequencer_FeedNotConfigured() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.FeedNotConfigured.selector, EOA));
        adapter.priceWad(EOA);
    }

    /// @dev The heartbeats are stored in 24 bits: the largest allowed one (7 days) is read back exactly, one more
    /// second is refused with the named error (the bound is `MAX_HEARTBEAT`, far below 2^24 = 16,777,216 s).
    function test_setFeed_maxHeartbeatsStoredExactly() public {
        uint32 max = uint32(adapter.MAX_HEARTBEAT());
        adapter.setFeed(address(second), max, address(third), max, 100);
        IOracleAdapter.FeedConfig memory c = adapter.feedConfig(address(second));
        assertEq(c.heartbeat, max);
        assertEq(c.secondaryHeartbeat, max);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.HeartbeatOutOfBounds.selector, uint256(max) + 1, 60, uint256(max))
        );
        adapter.setFeed(address(second), max + 1, address(0), 0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.HeartbeatOutOfBounds.selector, uint256(max) + 1, 60, uint256(max))
        );
        adapter.setFeed(address(second), max, address(third), max + 1, 100);
    }
}
