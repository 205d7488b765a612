// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title MarketHours
/// @notice When a market whose underlying closes (FX, gold, an equity index) is open, and when it closes and reopens:
/// weekly sessions in UTC plus up to three absolute closures (holidays, early closes). Pure functions over the packed
/// schedule; {OracleAdapter} stores one per feed and applies it to every price read.
/// @dev Time is unix seconds. The week starts on Sunday 00:00 UTC: `secondOfWeek(t) = (t + 4 days) mod 7 days`
/// (1970-01-01 was a Thursday). A session `[openMinute, closeMinute)` is in minutes of that week; sessions are sorted
/// with gaps between them, and the last one ending at minute 10,080 joins the first one starting at 0 (a market open
/// across Saturday midnight). `docs/risks.md` (markets that close) states what each operation does in each state;
/// `src/hours` is the SDK's copy of these rules.
library MarketHours {
    uint256 internal constant WEEK = 7 days;
    uint256 internal constant MINUTES_PER_WEEK = 10_080;
    uint256 internal constant MAX_SESSIONS = 8;
    uint256 internal constant MAX_CLOSURES = 3;
    /// @dev Status flags next to a price: in the closing window (the closing margin applies), or in the reopen delay
    /// (no new exposure: liquidations and stops go first).
    uint256 internal constant CLOSING = 1;
    uint256 internal constant REOPENING = 2;

    /// @notice A schedule as stored: two slots.
    /// @param sessions 8 × (14-bit open minute, 14-bit close minute), session i at bits [28·i, 28·i + 28).
    /// @param sessionCount Sessions in use (1..8); 0 = no schedule (always open).
    /// @param closures 3 × (32-bit start, 32-bit end), closure k at bits [64·k, 64·k + 64); end 0 = unused.
    struct Packed {
        uint224 sessions;
        uint8 sessionCount;
        uint192 closures;
        uint32 closingWindowSeconds;
        uint32 reopenDelaySeconds;
    }

    function secondOfWeek(uint256 t) internal pure returns (uint256) {
        return (t + 4 days) % WEEK;
    }

    function session(Packed memory s, uint256 i) internal pure returns (uint256 openMinute, uint256 closeMinute) {
        uint256 word = s.sessions >> (28 * i);
        return (word & 0x3fff, (word >> 14) & 0x3fff);
    }

    function closure(Packed memory s, uint256 k) internal pure returns (uint256 start, uint256 end) {
        uint256 word = s.closures >> (64 * k);
        return (word & 0xffffffff, (word >> 32) & 0xffffffff);
    }

    /// @notice Whether the market is open at `t`.
    function isOpen(Packed memory s, uint256 t) internal pure returns (bool) {
        return _inSession(s, t) && _closureAt(s, t) == type(uint256).max;
    }

    /// @notice The status at `t`: `open`, and when open the flags ({CLOSING}, {REOPENING}) with the start of the
    /// open stretch (`lastOpen`) and its end (`nextClose`); when closed, `nextOpen`.
    function status(
        Packed memory s,
        uint256 t
    ) internal pure returns (bool open, uint256 flags, uint256 lastOpen, uint256 nextClose, uint256 nextOpen) {
        if (!isOpen(s, t)) return (false, 0, 0, 0, nextOpenAt(s, t));
        (lastOpen, nextClose) = _stretch(s, t);
        if (nextClose - t <= s.closingWindowSeconds) flags |= CLOSING;
        if (t < lastOpen + s.reopenDelaySeconds) flags |= REOPENING;
        open = true;
    }

    /// @notice The first time ≥ `t` at which the market is open (`t` itself when open).
    function nextOpenAt(Packed memory s, uint256 t) internal pure returns (uint256) {
        // Each step leaves a closure or jumps to a session start: a few steps reach an open time.
        for (uint256 step; step < 2 * (MAX_SESSIONS + MAX_CLOSURES) + 2; ++step) {
            uint256 c = _closureAt(s, t);
            if (c != type(uint256).max) {
                (, t) = closure(s, c);
            } else if (!_inSession(s, t)) {
                t = _nextSessionStart(s, t);
            } else {
                return t;
            }
        }
        return t;
    }

    /// @dev The open stretch around an open `t`: from its session's start (joined back across the week boundary, and
    /// after any closure that ended inside it) to its session's end (joined forward, and before any closure that
    /// starts inside it).
    function _stretch(Packed memory s, uint256 t) private pure returns (uint256 start, uint256 end) {
        uint256 sow = secondOfWeek(t);
        uint256 n = s.sessionCount;
        (uint256 firstOpen, uint256 firstClose) = session(s, 0);
        (uint256 lastOpenMinute, uint256 lastClose) = session(s, n - 1);
        bool joined = n > 1 && firstOpen == 0 && lastClose == MINUTES_PER_WEEK;
        for (uint256 i; i < n; ++i) {
            (uint256 o, uint256 c) = session(s, i);
            if (sow >= o * 60 && sow < c * 60) {
                start = t - (sow - o * 60);
                end = t + (c * 60 - sow);
                if (joined && i == 0) start -= (MINUTES_PER_WEEK - lastOpenMinute) * 60;
                if (joined && i == n - 1) end += firstClose * 60;
                break;
            }
        }
        for (uint256 k; k < MAX_CLOSURES; ++k) {
            (uint256 cs, uint256 ce) = closure(s, k);
            if (ce == 0) continue;
            if (cs > t && cs < end) end = cs;
            if (ce <= t && ce > start) start = ce;
        }
    }

    function _inSession(Packed memory s, uint256 t) private pure returns (bool) {
        uint256 minute = secondOfWeek(t) / 60;
        uint256 n = s.sessionCount;
        for (uint256 i; i < n; ++i) {
            (uint256 o, uint256 c) = session(s, i);
            if (minute >= o && minute < c) return true;
        }
        return false;
    }

    /// @dev The index of a closure containing `t`, or `type(uint256).max`.
    function _closureAt(Packed memory s, uint256 t) private pure returns (uint256) {
        for (uint256 k; k < MAX_CLOSURES; ++k) {
            (uint256 cs, uint256 ce) = closure(s, k);
            if (t >= cs && t < ce) return k;
        }
        return type(uint256).max;
    }

    /// @dev The first session start after `t` (this week or the next).
    function _nextSessionStart(Packed memory s, uint256 t) private pure returns (uint256) {
        uint256 sow = secondOfWeek(t);
        uint256 weekStart = t - sow;
        uint256 n = s.sessionCount;
        for (uint256 i; i < n; ++i) {
            (uint256 o, ) = session(s, i);
            if (o * 60 > sow) return weekStart + o * 60;
        }
        (uint256 first, ) = session(s, 0);
        return weekStart + WEEK + first * 60;
    }
}
