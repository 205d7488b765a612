// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {OracleAdapter} from "../../../contracts/oracle/OracleAdapter.sol";
import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {OracleAdapterTestBase} from "./OracleAdapterTestBase.sol";

/// @notice Owner-only configuration, its validation, and the two-step ownership transfer.
contract OracleAdapterAdminTest is OracleAdapterTestBase {
    address internal constant NEW_OWNER = address(0xA11CE);

    MockV3Aggregator internal other;

    function setUp() public override {
        super.setUp();
        other = new MockV3Aggregator(8, 2_000e8);
    }

    // ---------------------------------------------------------------- constructor

    function test_constructor_setsOwner() public {
        OracleAdapter a = new OracleAdapter(NEW_OWNER);
        assertEq(a.owner(), NEW_OWNER, "owner");
        assertEq(a.pendingOwner(), address(0), "pendingOwner");
        assertEq(a.sequencerFeed(), address(0), "no sequencer");
        assertEq(uint256(a.sequencerGracePeriod()), 0, "no grace");
    }

    function test_constructor_OwnableInvalidOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new OracleAdapter(address(0));
    }

    // ---------------------------------------------------------------- onlyOwner

    function test_setFeed_OwnableUnauthorizedAccount() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, STRANGER));
        adapter.setFeed(address(other), HEARTBEAT, address(0), 0, 0);
    }

    function test_removeFeed_OwnableUnauthorizedAccount() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, STRANGER));
        adapter.removeFeed(address(feed));
    }

    function test_setSequencer_OwnableUnauthorizedAccount() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, STRANGER));
        adapter.setSequencer(address(other), 3_600);
    }

    function test_setSequencer_OwnableUnauthorizedAccountDisabling() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, STRANGER));
        adapter.setSequencer(address(0), 0);
    }

    function test_renounceOwnership_OwnableUnauthorizedAccount() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, STRANGER));
        adapter.renounceOwnership();
    }

    // ---------------------------------------------------------------- setFeed

    function test_setFeed_storesConfigAndEmits() public {
        vm.expectEmit();
        emit IOracleAdapter.FeedSet(address(other), 1 days, address(feed), 2 days, 300);
        adapter.setFeed(address(other), 1 days, address(feed), 2 days, 300);
        IOracleAdapter.FeedConfig memory c = adapter.feedConfig(address(other));
        assertEq(uint256(c.heartbeat), 1 days, "heartbeat");
        assertEq(uint256(c.secondaryHeartbeat), 2 days, "secondaryHeartbeat");
        assertEq(uint256(c.maxDeviationBps), 300, "maxDeviationBps");
        assertEq(c.secondaryFeed, address(feed), "secondaryFeed");
        assertFalse(c.hasBounds, "hasBounds");
    }

    function test_setFeed_withoutSecondaryIgnoresSecondaryParams() public {
        // Out-of-range secondary parameters are not checked, and stored as zero, when there is no secondary.
        vm.expectEmit();
        emit IOracleAdapter.FeedSet(address(other), HEARTBEAT, address(0), 0, 0);
        adapter.setFeed(address(other), HEARTBEAT, address(0), type(uint32).max, type(uint16).max);
        IOracleAdapter.FeedConfig memory c = adapter.feedConfig(address(other));
        assertEq(uint256(c.secondaryHeartbeat), 0, "secondaryHeartbeat");
        assertEq(uint256(c.maxDeviationBps), 0, "maxDeviationBps");
    }

    function test_setFeed_reconfigureReplacesConfig() public {
        adapter.setFeed(address(feed), 1 days, address(other), 1 days, 50);
        adapter.setFeed(address(feed), 2 hours, address(0), 0, 0);
        IOracleAdapter.FeedConfig memory c = adapter.feedConfig(address(feed));
        assertEq(uint256(c.heartbeat), 2 hours, "heartbeat");
        assertEq(c.secondaryFeed, address(0), "secondaryFeed");
        assertEq(uint256(c.secondaryHeartbeat), 0, "secondaryHeartbeat");
        assertEq(uint256(c.maxDeviationBps), 0, "maxDeviationBps");
    }

    function test_setFeed_ZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.ZeroAddress.selector));
        adapter.setFeed(address(0), HEARTBEAT, address(0), 0, 0);
    }

    function test_setFeed_NotAContract() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.NotAContract.selector, EOA));
        adapter.setFeed(EOA, HEARTBEAT, address(0), 0, 0);
    }

    function test_setFeed_NotAContractSecondary() public {
        // A code-less secondary would make every read of the primary fail with FeedCallFailed(secondary).
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.NotAContract.selector, EOA));
        adapter.setFeed(address(other), HEARTBEAT, EOA, HEARTBEAT, 100);
    }

    function test_setFeed_HeartbeatOutOfBoundsZero() public {
        _expectHeartbeatOutOfBounds(0);
        adapter.setFeed(address(other), 0, address(0), 0, 0);
    }

    function test_setFeed_HeartbeatOutOfBoundsBelowMin() public {
        _expectHeartbeatOutOfBounds(59);
        adapter.setFeed(address(other), 59, address(0), 0, 0);
    }

    function test_setFeed_HeartbeatOutOfBoundsAboveMax() public {
        _expectHeartbeatOutOfBounds(7 days + 1);
        adapter.setFeed(address(other), 7 days + 1, address(0), 0, 0);
    }

    function test_setFeed_HeartbeatOutOfBoundsUint32Max() public {
        _expectHeartbeatOutOfBounds(type(uint32).max);
        adapter.setFeed(address(other), type(uint32).max, address(0), 0, 0);
    }

    function test_setFeed_heartbeatBoundsInclusive() public {
        adapter.setFeed(address(other), 60, address(0), 0, 0);
        assertEq(uint256(adapter.feedConfig(address(other)).heartbeat), 60, "min heartbeat");
        adapter.setFeed(address(other), 7 days, address(0), 0, 0);
        assertEq(uint256(adapter.feedConfig(address(other)).heartbeat), 7 days, "max heartbeat");
    }

    function test_setFeed_HeartbeatOutOfBoundsSecondaryBelowMin() public {
        _expectHeartbeatOutOfBounds(0);
        adapter.setFeed(address(other), HEARTBEAT, address(feed), 0, 100);
    }

    function test_setFeed_HeartbeatOutOfBoundsSecondaryAboveMax() public {
        _expectHeartbeatOutOfBounds(7 days + 1);
        adapter.setFeed(address(other), HEARTBEAT, address(feed), 7 days + 1, 100);
    }

    function test_setFeed_DeviationOutOfBoundsZero() public {
        _expectDeviationOutOfBounds(0);
        adapter.setFeed(address(other), HEARTBEAT, address(feed), HEARTBEAT, 0);
    }

    function test_setFeed_DeviationOutOfBoundsBelowMin() public {
        _expectDeviationOutOfBounds(9);
        adapter.setFeed(address(other), HEARTBEAT, address(feed), HEARTBEAT, 9);
    }

    function test_setFeed_DeviationOutOfBoundsAboveMax() public {
        _expectDeviationOutOfBounds(5_001);
        adapter.setFeed(address(other), HEARTBEAT, address(feed), HEARTBEAT, 5_001);
    }

    function test_setFeed_deviationBoundsInclusive() public {
        adapter.setFeed(address(other), HEARTBEAT, address(feed), HEARTBEAT, 10);
        assertEq(uint256(adapter.feedConfig(address(other)).maxDeviationBps), 10, "min deviation");
        adapter.setFeed(address(other), HEARTBEAT, address(feed), HEARTBEAT, 5_000);
        assertEq(uint256(adapter.feedConfig(address(other)).maxDeviationBps), 5_000, "max deviation");
    }

    function test_setFeed_validationOrder() public {
        // Zero address first, then code, then the primary heartbeat, then the secondary's parameters.
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.ZeroAddress.selector));
        adapter.setFeed(address(0), 0, EOA, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.NotAContract.selector, EOA));
        adapter.setFeed(EOA, 0, EOA, 0, 0);
        _expectHeartbeatOutOfBounds(0);
        adapter.setFeed(address(other), 0, address(feed), 0, 0);
    }

    function testFuzz_setFeed_heartbeat(uint32 heartbeat) public {
        if (heartbeat < 60 || heartbeat > 7 days) {
            _expectHeartbeatOutOfBounds(heartbeat);
            adapter.setFeed(address(other), heartbeat, address(0), 0, 0);
        } else {
            adapter.setFeed(address(other), heartbeat, address(0), 0, 0);
            assertEq(uint256(adapter.feedConfig(address(other)).heartbeat), heartbeat, "stored");
        }
    }

    function testFuzz_setFeed_deviation(uint16 maxDeviationBps) public {
        if (maxDeviationBps < 10 || maxDeviationBps > 5_000) {
            _expectDeviationOutOfBounds(maxDeviationBps);
            adapter.setFeed(address(other), HEARTBEAT, address(feed), HEARTBEAT, maxDeviationBps);
        } else {
            adapter.setFeed(address(other), HEARTBEAT, address(feed), HEARTBEAT, maxDeviationBps);
            assertEq(uint256(adapter.feedConfig(address(other)).maxDeviationBps), maxDeviationBps, "stored");
        }
    }

    // ---------------------------------------------------------------- removeFeed

    function test_removeFeed_clearsConfigAndEmits() public {
        adapter.setFeed(address(feed), HEARTBEAT, address(other), HEARTBEAT, 100);
        vm.expectEmit();
        emit IOracleAdapter.FeedRemoved(address(feed));
        adapter.removeFeed(address(feed));
        IOracleAdapter.FeedConfig memory c = adapter.feedConfig(address(feed));
        assertEq(uint256(c.heartbeat), 0, "heartbeat");
        assertEq(c.secondaryFeed, address(0), "secondaryFeed");
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.FeedNotConfigured.selector, address(feed)));
        adapter.priceWad(address(feed));
    }

    function test_removeFeed_FeedNotConfigured() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.FeedNotConfigured.selector, address(other)));
        adapter.removeFeed(address(other));
    }

    function test_removeFeed_twice() public {
        adapter.removeFeed(address(feed));
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.FeedNotConfigured.selector, address(feed)));
        adapter.removeFeed(address(feed));
    }

    function test_removeFeed_thenSetFeedAgain() public {
        adapter.removeFeed(address(feed));
        _configure(address(feed));
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "configured again");
    }

    // ---------------------------------------------------------------- setSequencer

    function test_setSequencer_storesAndEmits() public {
        vm.expectEmit();
        emit IOracleAdapter.SequencerSet(address(other), 3_600);
        adapter.setSequencer(address(other), 3_600);
        assertEq(adapter.sequencerFeed(), address(other), "sequencerFeed");
        assertEq(uint256(adapter.sequencerGracePeriod()), 3_600, "grace");
    }

    function test_setSequencer_maxGraceAccepted() public {
        adapter.setSequencer(address(other), 1 days);
        assertEq(uint256(adapter.sequencerGracePeriod()), 1 days, "grace");
    }

    function test_setSequencer_GracePeriodOutOfBounds() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.GracePeriodOutOfBounds.selector, 1 days + 1, 1 days));
        adapter.setSequencer(address(other), 1 days + 1);
    }

    function test_setSequencer_GracePeriodOutOfBoundsEvenWhenDisabling() public {
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.GracePeriodOutOfBounds.selector, type(uint32).max, 1 days)
        );
        adapter.setSequencer(address(0), type(uint32).max);
    }

    function test_setSequencer_NotAContract() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.NotAContract.selector, EOA));
        adapter.setSequencer(EOA, 3_600);
    }

    function test_setSequencer_zeroAddressDisables() public {
        adapter.setSequencer(address(other), 3_600);
        vm.expectEmit();
        emit IOracleAdapter.SequencerSet(address(0), 0);
        adapter.setSequencer(address(0), 0);
        assertEq(adapter.sequencerFeed(), address(0), "sequencerFeed");
        assertEq(uint256(adapter.sequencerGracePeriod()), 0, "grace");
    }

    // ---------------------------------------------------------------- Ownable2Step

    function test_transferOwnership_twoStep() public {
        adapter.transferOwnership(NEW_OWNER);
        assertEq(adapter.owner(), address(this), "owner unchanged until accepted");
        assertEq(adapter.pendingOwner(), NEW_OWNER, "pendingOwner");

        // The pending owner has no power yet.
        vm.prank(NEW_OWNER);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, NEW_OWNER));
        adapter.setSequencer(address(0), 0);

        // Only the pending owner can accept.
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, STRANGER));
        adapter.acceptOwnership();

        vm.prank(NEW_OWNER);
        adapter.acceptOwnership();
        assertEq(adapter.owner(), NEW_OWNER, "new owner");
        assertEq(adapter.pendingOwner(), address(0), "pending cleared");

        // The old owner lost its rights; the new one has them.
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        adapter.setFeed(address(other), HEARTBEAT, address(0), 0, 0);
        vm.prank(NEW_OWNER);
        adapter.setFeed(address(other), HEARTBEAT, address(0), 0, 0);
        assertEq(uint256(adapter.feedConfig(address(other)).heartbeat), HEARTBEAT, "configured by new owner");
    }

    function test_transferOwnership_OwnableUnauthorizedAccount() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, STRANGER));
        adapter.transferOwnership(STRANGER);
    }

    function test_transferOwnership_canBeOverridden() public {
        adapter.transferOwnership(STRANGER);
        adapter.transferOwnership(NEW_OWNER);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, STRANGER));
        adapter.acceptOwnership();
        vm.prank(NEW_OWNER);
        adapter.acceptOwnership();
        assertEq(adapter.owner(), NEW_OWNER, "owner");
    }

    function _expectHeartbeatOutOfBounds(uint256 heartbeat) internal {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.HeartbeatOutOfBounds.selector, heartbeat, 60, 7 days));
    }

    function _expectDeviationOutOfBounds(uint256 maxDeviationBps) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.DeviationOutOfBounds.selector, maxDeviationBps, 10, 5_000)
        );
    }
}

contract OracleAdapterSecondaryIsPrimaryTest is OracleAdapterTestBase {
    function test_setFeed_secondaryEqualToPrimary_reverts() public {
        address admin = adapter.owner();
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.SecondaryIsPrimary.selector, address(feed)));
        vm.prank(admin);
        adapter.setFeed(address(feed), 1 hours, address(feed), 1 hours, 100);
    }
}
