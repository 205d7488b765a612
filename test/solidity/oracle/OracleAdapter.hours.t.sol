// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {OracleAdapterTestBase} from "./OracleAdapterTestBase.sol";
import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {MarketHours} from "../../../contracts/libraries/MarketHours.sol";

/// @notice Market hours in the adapter: the schedule setter's bounds and access, the status at every point of a week,
/// a closed market's error (not a stale price), the reopen round, closures, and the stretch maths as a property.
contract OracleAdapterHoursTest is OracleAdapterTestBase {
    uint16 internal constant SUN_22 = 22 * 60; // minute of week
    uint16 internal constant FRI_21 = 5 * 1440 + 21 * 60;
    uint32 internal constant WINDOW = 2 hours;
    uint32 internal constant DELAY = 5 minutes;

    /// @dev Sunday 00:00 UTC of the week after the fixture's start.
    uint256 internal week;

    function setUp() public override {
        super.setUp();
        week = T0 - MarketHours.secondOfWeek(T0) + 7 days;
        adapter.setMarketHours(address(feed), _fx());
    }

    /// @dev FX-like: Sunday 22:00 → Friday 21:00 UTC, a 2 h closing window, a 5 min reopen delay.
    function _fx() internal pure returns (IOracleAdapter.MarketHoursParams memory h) {
        h.sessions = new IOracleAdapter.Session[](1);
        h.sessions[0] = IOracleAdapter.Session(SUN_22, FRI_21);
        h.closures = new IOracleAdapter.Closure[](0);
        h.closingWindowSeconds = WINDOW;
        h.reopenDelaySeconds = DELAY;
    }

    function _at(uint256 t) internal {
        vm.warp(t);
    }

    /// @dev A round published at `t`.
    function _roundAt(uint256 t) internal {
        vm.warp(t);
        feed.updateAnswer(ANSWER_8);
    }

    // ------------------------------------------------------------------ status over a week

    function test_midweek_openWithoutFlags() public {
        uint256 wed = week + 3 days + 12 hours;
        _roundAt(wed);
        (uint256 p, uint256 flags, uint256 tradableAt) = adapter.priceWadAndStatus(address(feed));
        assertEq(p, PRICE_WAD);
        assertEq(flags, 0);
        // The stretch opened on Sunday 22:00; its reopen delay ended long ago.
        assertEq(tradableAt, week + 22 hours + DELAY);
        (bool scheduled, bool open, , uint256 lastOpen, uint256 nextClose, ) = adapter.marketStatus(address(feed), wed);
        assertTrue(scheduled && open);
        assertEq(lastOpen, week + 22 hours);
        assertEq(nextClose, week + 5 days + 21 hours);
    }

    function test_closingWindow_flagsClosing() public {
        uint256 fri = week + 5 days + 19 hours; // exactly 2 h before the close
        _roundAt(fri);
        (, uint256 flags, ) = adapter.priceWadAndStatus(address(feed));
        assertEq(flags, MarketHours.CLOSING);
        _roundAt(fri - 1);
        (, flags, ) = adapter.priceWadAndStatus(address(feed));
        assertEq(flags, 0, "one second before the window");
    }

    function test_closed_isMarketClosedNotStale_namesTheReopen() public {
        _roundAt(week + 5 days + 20 hours + 59 minutes); // the last round before the close
        uint256 sat = week + 6 days + 12 hours; // far past the 1 h heartbeat: still MarketClosed, not StalePrice
        _at(sat);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.MarketClosed.selector, address(feed), week + 7 days + 22 hours)
        );
        adapter.priceWad(address(feed));
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.MarketClosed.selector, address(feed), week + 7 days + 22 hours)
        );
        adapter.priceWadAndStatus(address(feed));
        (bool scheduled, bool open, , , , uint256 nextOpen) = adapter.marketStatus(address(feed), sat);
        assertTrue(scheduled);
        assertFalse(open);
        assertEq(nextOpen, week + 7 days + 22 hours);
        // At the close exactly: closed.
        _at(week + 5 days + 21 hours);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.MarketClosed.selector, address(feed), week + 7 days + 22 hours)
        );
        adapter.priceWad(address(feed));
    }

    function test_reopen_waitsForARoundSinceTheOpen_thenFlagsReopening() public {
        uint256 friLast = week + 5 days + 20 hours + 59 minutes;
        _roundAt(friLast);
        uint256 reopen = week + 7 days + 22 hours;
        _at(reopen + 10);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.ReopenRoundPending.selector, address(feed), friLast, reopen)
        );
        adapter.priceWad(address(feed));
        _roundAt(reopen + 20);
        (uint256 p, uint256 flags, uint256 tradableAt) = adapter.priceWadAndStatus(address(feed));
        assertEq(p, PRICE_WAD);
        assertEq(flags, MarketHours.REOPENING);
        assertEq(tradableAt, reopen + DELAY);
        _roundAt(reopen + DELAY);
        (, flags, ) = adapter.priceWadAndStatus(address(feed));
        assertEq(flags, 0, "the delay is over at tradableAt");
    }

    function test_closure_holidayInsideTheSession_closedThenReopensAtItsEnd() public {
        IOracleAdapter.MarketHoursParams memory h = _fx();
        uint256 start = week + 3 days + 17 hours; // Wednesday 17:00
        uint256 end = week + 4 days + 13 hours; // Thursday 13:00
        h.closures = new IOracleAdapter.Closure[](1);
        h.closures[0] = IOracleAdapter.Closure(uint32(start), uint32(end));
        adapter.setMarketHours(address(feed), h);
        _roundAt(start - 3 hours);
        (, uint256 flags, ) = adapter.priceWadAndStatus(address(feed));
        assertEq(flags, 0);
        _roundAt(start - 1 hours);
        (, flags, ) = adapter.priceWadAndStatus(address(feed));
        assertEq(flags, MarketHours.CLOSING, "a closure's start is a close");
        _at(start);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.MarketClosed.selector, address(feed), end));
        adapter.priceWad(address(feed));
        _roundAt(end + 1);
        (, flags, ) = adapter.priceWadAndStatus(address(feed));
        assertEq(flags, MarketHours.REOPENING, "a closure's end is a reopen");
        (, , , uint256 lastOpen, uint256 nextClose, ) = adapter.marketStatus(address(feed), end + 1);
        assertEq(lastOpen, end);
        assertEq(nextClose, week + 5 days + 21 hours);
    }

    function test_sessionsJoinAcrossTheWeekBoundary() public {
        // Open all week but Friday 21:00 → Saturday 21:00: the last session ends at 10,080 and the first starts at 0.
        IOracleAdapter.MarketHoursParams memory h;
        h.sessions = new IOracleAdapter.Session[](2);
        h.sessions[0] = IOracleAdapter.Session(0, FRI_21);
        h.sessions[1] = IOracleAdapter.Session(6 * 1440 + 21 * 60, 10_080);
        h.closures = new IOracleAdapter.Closure[](0);
        adapter.setMarketHours(address(feed), h);
        uint256 satNight = week + 6 days + 23 hours;
        (, bool open, , uint256 lastOpen, uint256 nextClose, ) = adapter.marketStatus(address(feed), satNight);
        assertTrue(open);
        assertEq(lastOpen, week + 6 days + 21 hours);
        assertEq(nextClose, week + 7 days + 5 days + 21 hours, "continues into next week's first session");
        uint256 monday = week + 8 days;
        (, , , lastOpen, nextClose, ) = adapter.marketStatus(address(feed), monday);
        assertEq(lastOpen, week + 6 days + 21 hours, "began in last week's last session");
    }

    // ------------------------------------------------------------------ an unscheduled feed

    function test_withoutHours_alwaysOpen_noFlags() public {
        adapter.clearMarketHours(address(feed));
        _roundAt(week + 6 days + 12 hours); // a Saturday
        (uint256 p, uint256 flags, uint256 tradableAt) = adapter.priceWadAndStatus(address(feed));
        assertEq(p, PRICE_WAD);
        assertEq(flags, 0);
        assertEq(tradableAt, 0);
        (bool scheduled, bool open, , , , ) = adapter.marketStatus(address(feed), block.timestamp);
        assertFalse(scheduled);
        assertTrue(open);
        assertEq(adapter.marketHours(address(feed)).sessions.length, 0);
    }

    function test_setFeedAgain_keepsTheHours_removeFeedDropsThem() public {
        adapter.setFeed(address(feed), HEARTBEAT * 2, address(0), 0, 0);
        assertEq(adapter.marketHours(address(feed)).sessions.length, 1);
        adapter.removeFeed(address(feed));
        _configure(address(feed));
        assertEq(adapter.marketHours(address(feed)).sessions.length, 0);
    }

    // ------------------------------------------------------------------ setter

    function test_setMarketHours_roundTrips_emits() public {
        IOracleAdapter.MarketHoursParams memory h = _fx();
        h.closures = new IOracleAdapter.Closure[](2);
        h.closures[0] = IOracleAdapter.Closure(uint32(week + 1 days), uint32(week + 2 days));
        h.closures[1] = IOracleAdapter.Closure(uint32(week + 9 days), uint32(week + 9 days + 3 hours));
        vm.expectEmit(true, false, false, true, address(adapter));
        emit IOracleAdapter.MarketHoursSet(address(feed), h);
        adapter.setMarketHours(address(feed), h);
        IOracleAdapter.MarketHoursParams memory back = adapter.marketHours(address(feed));
        assertEq(abi.encode(back), abi.encode(h));
    }

    function test_setMarketHours_ownerOnly_configuredFeedOnly() public {
        vm.prank(STRANGER);
        vm.expectRevert();
        adapter.setMarketHours(address(feed), _fx());
        vm.prank(STRANGER);
        vm.expectRevert();
        adapter.clearMarketHours(address(feed));
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.FeedNotConfigured.selector, EOA));
        adapter.setMarketHours(EOA, _fx());
    }

    function test_setMarketHours_everyBoundNamed() public {
        IOracleAdapter.MarketHoursParams memory h = _fx();
        h.sessions = new IOracleAdapter.Session[](0);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.SessionCountOutOfBounds.selector, 0, 8));
        adapter.setMarketHours(address(feed), h);
        h.sessions = new IOracleAdapter.Session[](9);
        for (uint256 i; i < 9; ++i) h.sessions[i] = IOracleAdapter.Session(uint16(i * 1000), uint16(i * 1000 + 10));
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.SessionCountOutOfBounds.selector, 9, 8));
        adapter.setMarketHours(address(feed), h);

        h.sessions = new IOracleAdapter.Session[](2);
        h.sessions[0] = IOracleAdapter.Session(100, 100); // empty
        h.sessions[1] = IOracleAdapter.Session(200, 300);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.InvalidSession.selector, 0, 100, 100));
        adapter.setMarketHours(address(feed), h);
        h.sessions[0] = IOracleAdapter.Session(100, 200);
        h.sessions[1] = IOracleAdapter.Session(200, 300); // adjacent: one session
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.InvalidSession.selector, 1, 200, 300));
        adapter.setMarketHours(address(feed), h);
        h.sessions[1] = IOracleAdapter.Session(50, 90); // unsorted
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.InvalidSession.selector, 1, 50, 90));
        adapter.setMarketHours(address(feed), h);
        h.sessions[1] = IOracleAdapter.Session(300, 10_081); // past the week
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.InvalidSession.selector, 1, 300, 10_081));
        adapter.setMarketHours(address(feed), h);

        h.sessions = new IOracleAdapter.Session[](1);
        h.sessions[0] = IOracleAdapter.Session(0, 10_080);
        vm.expectRevert(IOracleAdapter.AlwaysOpenSchedule.selector);
        adapter.setMarketHours(address(feed), h);

        h = _fx();
        h.closures = new IOracleAdapter.Closure[](4);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.ClosureCountOutOfBounds.selector, 4, 3));
        adapter.setMarketHours(address(feed), h);
        h.closures = new IOracleAdapter.Closure[](1);
        h.closures[0] = IOracleAdapter.Closure(uint32(week), uint32(week));
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.InvalidClosure.selector, 0, week, week, 14 days));
        adapter.setMarketHours(address(feed), h);
        h.closures[0] = IOracleAdapter.Closure(uint32(week), uint32(week + 14 days + 1));
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.InvalidClosure.selector, 0, week, week + 14 days + 1, 14 days)
        );
        adapter.setMarketHours(address(feed), h);

        h = _fx();
        h.closingWindowSeconds = 1 days + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.HoursWindowOutOfBounds.selector,
                "closingWindowSeconds",
                1 days + 1,
                1 days
            )
        );
        adapter.setMarketHours(address(feed), h);
        h = _fx();
        h.reopenDelaySeconds = 1 hours + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.HoursWindowOutOfBounds.selector,
                "reopenDelaySeconds",
                1 hours + 1,
                1 hours
            )
        );
        adapter.setMarketHours(address(feed), h);
    }

    // ------------------------------------------------------------------ the stretch maths, as a property

    /// @dev For any valid schedule and time: when open, the stretch's ends are where the market changes state (open
    /// at lastOpen and nextClose − 1, closed at lastOpen − 1 and nextClose); when closed, nextOpen is open and the
    /// second before it is closed (or is `t`).
    function testFuzz_statusTimesAreTheStateChanges(uint256 seed, uint256 t) public view {
        MarketHours.Packed memory s = _randomSchedule(seed);
        t = bound(t, week, week + 30 days);
        (bool open, , uint256 lastOpen, uint256 nextClose, uint256 nextOpen) = MarketHours.status(s, t);
        assertEq(open, MarketHours.isOpen(s, t), "status agrees with isOpen");
        if (open) {
            assertLe(lastOpen, t, "lastOpen <= t");
            assertGt(nextClose, t, "nextClose > t");
            assertTrue(MarketHours.isOpen(s, lastOpen), "open at lastOpen");
            assertFalse(MarketHours.isOpen(s, lastOpen - 1), "closed just before lastOpen");
            assertTrue(MarketHours.isOpen(s, nextClose - 1), "open just before nextClose");
            assertFalse(MarketHours.isOpen(s, nextClose), "closed at nextClose");
        } else {
            assertGt(nextOpen, t, "nextOpen > t");
            assertTrue(MarketHours.isOpen(s, nextOpen), "open at nextOpen");
            assertFalse(MarketHours.isOpen(s, nextOpen - 1), "closed just before nextOpen");
        }
    }

    /// @dev 1–8 sessions with gaps (sometimes joined across the boundary), 0–3 closures in the fuzzed month.
    function _randomSchedule(uint256 seed) internal view returns (MarketHours.Packed memory s) {
        uint256 n = 1 + (seed % 8);
        uint256 minute = (seed >> 8) % 2 == 0 ? 0 : 1 + ((seed >> 16) % 600);
        uint256 packed;
        uint256 count;
        for (uint256 i; i < n; ++i) {
            uint256 len = 30 + (uint256(keccak256(abi.encode(seed, i))) % 1200);
            uint256 gap = 30 + (uint256(keccak256(abi.encode(seed, i, 1))) % 600);
            uint256 o = minute;
            uint256 c = o + len;
            if (c >= 10_080) c = 10_080;
            if (o >= c) break;
            packed |= (o | (c << 14)) << (28 * i);
            ++count;
            minute = c + gap;
            if (minute >= 10_080) break;
        }
        if (count == 1 && packed == (10_080 << 14)) packed = 600 << 14; // not the whole week
        uint256 closures;
        uint256 k = (seed >> 24) % 4;
        for (uint256 i; i < k; ++i) {
            uint256 start = week + (uint256(keccak256(abi.encode(seed, i, 2))) % 30 days);
            uint256 end = start + 1 + (uint256(keccak256(abi.encode(seed, i, 3))) % 3 days);
            closures |= (start | (end << 32)) << (64 * i);
        }
        s = MarketHours.Packed(uint224(packed), uint8(count), uint192(closures), 0, 0);
    }
}
