// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";
import {MarketHours} from "../libraries/MarketHours.sol";

/// @dev Chainlink's proxies expose the current aggregator; OCR aggregators expose their circuit-breaker bounds.
interface IChainlinkProxyLike {
    function aggregator() external view returns (address);
}

interface IChainlinkBoundsLike {
    function minAnswer() external view returns (int192);
    function maxAnswer() external view returns (int192);
}

/// @title OracleAdapter
/// @notice Chainlink reads with every guard of the architecture note; see {IOracleAdapter}.
contract OracleAdapter is IOracleAdapter, Ownable2Step {
    /// @dev Gas handed to `latestRoundData()`/`decimals()`: a Chainlink proxy + OCR2 aggregator read uses < 30k.
    uint256 public constant FEED_CALL_GAS = 100_000;
    uint256 public constant DECIMALS_CALL_GAS = 30_000;
    uint256 public constant MIN_HEARTBEAT = 60;
    uint256 public constant MAX_HEARTBEAT = 7 days;
    uint256 public constant MIN_DEVIATION_BPS = 10;
    uint256 public constant MAX_DEVIATION_BPS = 5_000;
    uint256 public constant MAX_GRACE_PERIOD = 1 days;
    uint8 internal constant MAX_DECIMALS = 36;

    /// @dev Longest closure (holidays, early closes) the owner may add.
    uint256 public constant MAX_CLOSURE_SECONDS = 14 days;
    uint256 public constant MAX_CLOSING_WINDOW = 1 days;
    uint256 public constant MAX_REOPEN_DELAY = 1 hours;

    /// @dev {FeedConfig}, whether the feed has market hours and whether a sequencer feed is set, in one slot: a feed
    /// without hours pays nothing more, and on a chain without a sequencer feed a read never touches the sequencer
    /// slot. Both heartbeats are ≤ `MAX_HEARTBEAT` (7 days = 604,800 s < 2^24), checked by {setFeed}.
    /// `sequencerChecked` is `sequencerFeed != address(0)` for every configured feed: {setFeed} copies it and
    /// {setSequencer} rewrites it on every configured feed when the sequencer is switched on or off.
    struct StoredFeed {
        uint24 heartbeat;
        uint24 secondaryHeartbeat;
        uint16 maxDeviationBps;
        bool hasBounds;
        address secondaryFeed;
        bool scheduled;
        bool sequencerChecked;
    }

    mapping(address feed => StoredFeed) internal _feeds;
    mapping(address feed => FeedBounds) internal _bounds;
    mapping(address feed => MarketHours.Packed) internal _hours;

    // Packed in one slot: both are read on every price when a sequencer feed is set.
    address public override sequencerFeed;
    uint32 public override sequencerGracePeriod;

    /// @dev Every configured feed (its position + 1 in `_feedPosition`), for {setSequencer} to switch their
    /// `sequencerChecked` bits.
    address[] internal _feedList;
    mapping(address feed => uint256 positionPlusOne) internal _feedPosition;

    constructor(address initialOwner) Ownable(initialOwner) {}

    // ---------------------------------------------------------------- reads

    /// @inheritdoc IOracleAdapter
    function priceWad(address feed) external view override returns (uint256 price) {
        (price, , ) = _price(feed);
    }

    /// @inheritdoc IOracleAdapter
    function priceWadAndStatus(
        address feed
    ) external view override returns (uint256 price, uint256 flags, uint256 tradableAt) {
        return _price(feed);
    }

    /// @inheritdoc IOracleAdapter
    function marketStatus(
        address feed,
        uint256 timestamp
    )
        external
        view
        override
        returns (bool scheduled, bool open, uint256 flags, uint256 lastOpen, uint256 nextClose, uint256 nextOpen)
    {
        if (!_feeds[feed].scheduled) return (false, true, 0, 0, 0, 0);
        (open, flags, lastOpen, nextClose, nextOpen) = MarketHours.status(_hours[feed], timestamp);
        scheduled = true;
    }

    function _price(address feed) internal view returns (uint256 primaryWad, uint256 flags, uint256 tradableAt) {
        StoredFeed memory config = _feeds[feed];
        // The sequencer comes first, before every check of the feed (an unconfigured one included); a configured
        // feed's bit says whether one is set, so without a sequencer feed its slot is never read.
        if (config.heartbeat == 0) {
            _checkSequencer();
            revert FeedNotConfigured(feed);
        }
        if (config.sequencerChecked) _checkSequencer();
        // A closed market is not a stale feed: it says so, and after the reopen only a round published since counts
        // (the close's last answer is not the market's price any more).
        uint256 openedAt;
        if (config.scheduled) {
            MarketHours.Packed memory h = _hours[feed];
            bool open;
            uint256 nextOpen;
            (open, flags, openedAt, , nextOpen) = MarketHours.status(h, block.timestamp);
            if (!open) revert MarketClosed(feed, nextOpen);
            tradableAt = openedAt + h.reopenDelaySeconds;
        }
        primaryWad = _readWad(feed, config.heartbeat, config.hasBounds, openedAt);
        if (config.secondaryFeed != address(0)) {
            uint256 secondaryWad = _readWad(config.secondaryFeed, config.secondaryHeartbeat, false, openedAt);
            uint256 diff = primaryWad > secondaryWad ? primaryWad - secondaryWad : secondaryWad - primaryWad;
            // Rounded up: a deviation just over the bound is never read as within it.
            uint256 deviationBps = (diff * 10_000 + secondaryWad - 1) / secondaryWad;
            if (deviationBps > config.maxDeviationBps) {
                revert PriceDeviationTooHigh(feed, primaryWad, secondaryWad, deviationBps, config.maxDeviationBps);
            }
        }
    }

    function _checkSequencer() internal view {
        address seqFeed = sequencerFeed;
        if (seqFeed == address(0)) return;
        (bool ok, uint80 roundId, int256 answer, uint256 startedAt, , ) = _latestRoundData(seqFeed);
        if (!ok) revert FeedCallFailed(seqFeed);
        // Chainlink uptime feeds: 0 = up, 1 = down; startedAt = when the status last changed (0 before init).
        if (answer != 0) revert SequencerDown(seqFeed);
        if (startedAt == 0) revert IncompleteRound(seqFeed, roundId, roundId, startedAt);
        uint256 grace = sequencerGracePeriod;
        if (startedAt > block.timestamp || block.timestamp - startedAt <= grace) {
            revert SequencerGracePeriodNotOver(startedAt, grace, block.timestamp);
        }
    }

    function _readWad(
        address feed,
        uint256 heartbeat,
        bool hasBounds,
        uint256 openedAt
    ) internal view returns (uint256) {
        (bool ok, uint80 roundId, int256 answer, , uint256 updatedAt, uint80 answeredInRound) = _latestRoundData(feed);
        if (!ok) revert FeedCallFailed(feed);
        if (answer <= 0) revert NonPositiveAnswer(feed, answer);
        if (updatedAt == 0 || answeredInRound < roundId) {
            revert IncompleteRound(feed, roundId, answeredInRound, updatedAt);
        }
        if (updatedAt > block.timestamp) revert FutureRound(feed, updatedAt, block.timestamp);
        if (updatedAt < openedAt) revert ReopenRoundPending(feed, updatedAt, openedAt);
        if (block.timestamp - updatedAt > heartbeat) revert StalePrice(feed, updatedAt, heartbeat, block.timestamp);
        if (hasBounds) {
            FeedBounds memory b = _bounds[feed];
            if (answer <= b.minAnswer || answer >= b.maxAnswer) {
                revert PriceAtBound(feed, answer, b.minAnswer, b.maxAnswer);
            }
        }
        uint8 decimals = _decimals(feed);
        if (decimals <= 18) return uint256(answer) * 10 ** (18 - decimals);
        return uint256(answer) / 10 ** (decimals - 18);
    }

    /// @dev A low-level staticcall with a gas guard: a reverting, gas-burning, code-less or short-returning feed
    /// yields `ok = false` instead of bubbling up, and only the first 5 words are copied (no returndata bomb).
    function _latestRoundData(
        address feed
    )
        internal
        view
        returns (bool ok, uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        _requireGas(FEED_CALL_GAS);
        bytes4 selector = 0xfeaf968c; // latestRoundData()
        uint256 size;
        // The uint80 fields are loaded as full words: assigning a dirty word to a uint80 variable in assembly and
        // range-checking it afterwards does not work (the compiler treats the variable as already clean).
        uint256 rawRoundId;
        uint256 rawAnsweredInRound;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            ok := staticcall(FEED_CALL_GAS, feed, ptr, 4, ptr, 160)
            size := returndatasize()
            rawRoundId := mload(ptr)
            answer := mload(add(ptr, 32))
            startedAt := mload(add(ptr, 64))
            updatedAt := mload(add(ptr, 96))
            rawAnsweredInRound := mload(add(ptr, 128))
        }
        // Values wider than their ABI type mean a malformed answer.
        if (size < 160 || rawRoundId > type(uint80).max || rawAnsweredInRound > type(uint80).max) ok = false;
        roundId = uint80(rawRoundId);
        answeredInRound = uint80(rawAnsweredInRound);
    }

    function _decimals(address feed) internal view returns (uint8 decimals) {
        _requireGas(DECIMALS_CALL_GAS);
        bytes4 selector = 0x313ce567; // decimals()
        bool ok;
        uint256 size;
        uint256 value;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            ok := staticcall(DECIMALS_CALL_GAS, feed, ptr, 4, ptr, 32)
            size := returndatasize()
            value := mload(ptr)
        }
        if (!ok || size < 32) revert FeedCallFailed(feed);
        if (value > MAX_DECIMALS) revert UnsupportedDecimals(feed, uint8(value > 255 ? 255 : value));
        decimals = uint8(value);
    }

    /// @dev Without this, a caller could starve the feed call (63/64 rule) and have a healthy feed read as failed.
    function _requireGas(uint256 callGas) internal view {
        uint256 required = (callGas * 64) / 63 + 5_000;
        if (gasleft() < required) revert InsufficientGasForOracle(gasleft(), required);
    }

    // ---------------------------------------------------------------- admin

    /// @inheritdoc IOracleAdapter
    function setFeed(
        address feed,
        uint32 heartbeat,
        address secondaryFeed,
        uint32 secondaryHeartbeat,
        uint16 maxDeviationBps
    ) external override onlyOwner {
        if (feed == address(0)) revert ZeroAddress();
        if (feed.code.length == 0) revert NotAContract(feed);
        _checkHeartbeat(heartbeat);
        if (secondaryFeed != address(0)) {
            if (secondaryFeed.code.length == 0) revert NotAContract(secondaryFeed);
            // A feed compared with itself would never deviate: the check would be silently off.
            if (secondaryFeed == feed) revert SecondaryIsPrimary(feed);
            _checkHeartbeat(secondaryHeartbeat);
            if (maxDeviationBps < MIN_DEVIATION_BPS || maxDeviationBps > MAX_DEVIATION_BPS) {
                revert DeviationOutOfBounds(maxDeviationBps, MIN_DEVIATION_BPS, MAX_DEVIATION_BPS);
            }
        } else {
            secondaryHeartbeat = 0;
            maxDeviationBps = 0;
        }
        (bool boundsKnown, int128 minAnswer, int128 maxAnswer) = _tryReadBounds(feed);
        if (_feedPosition[feed] == 0) {
            _feedList.push(feed);
            _feedPosition[feed] = _feedList.length;
        }
        _feeds[feed] = StoredFeed({
            heartbeat: uint24(heartbeat), // ≤ MAX_HEARTBEAT < 2^24 (_checkHeartbeat)
            secondaryHeartbeat: uint24(secondaryHeartbeat),
            maxDeviationBps: maxDeviationBps,
            hasBounds: boundsKnown,
            secondaryFeed: secondaryFeed,
            scheduled: _feeds[feed].scheduled, // reconfiguring a feed keeps its hours
            sequencerChecked: sequencerFeed != address(0)
        });
        emit FeedSet(feed, heartbeat, secondaryFeed, secondaryHeartbeat, maxDeviationBps);
        if (boundsKnown) {
            _bounds[feed] = FeedBounds(minAnswer, maxAnswer);
            emit BoundsSynced(feed, minAnswer, maxAnswer);
        } else {
            delete _bounds[feed];
        }
    }

    /// @inheritdoc IOracleAdapter
    function removeFeed(address feed) external override onlyOwner {
        if (_feeds[feed].heartbeat == 0) revert FeedNotConfigured(feed);
        delete _feeds[feed];
        delete _bounds[feed];
        delete _hours[feed];
        // Swap and pop: the last feed takes the removed one's place in the list.
        uint256 position = _feedPosition[feed] - 1;
        address last = _feedList[_feedList.length - 1];
        _feedList[position] = last;
        _feedPosition[last] = position + 1;
        _feedList.pop();
        delete _feedPosition[feed];
        emit FeedRemoved(feed);
    }

    /// @inheritdoc IOracleAdapter
    function syncBounds(address feed) external override {
        if (_feeds[feed].heartbeat == 0) revert FeedNotConfigured(feed);
        (bool boundsKnown, int128 minAnswer, int128 maxAnswer) = _tryReadBounds(feed);
        if (!boundsKnown) revert BoundsUnavailable(feed);
        _feeds[feed].hasBounds = true;
        _bounds[feed] = FeedBounds(minAnswer, maxAnswer);
        emit BoundsSynced(feed, minAnswer, maxAnswer);
    }

    /// @inheritdoc IOracleAdapter
    function setSequencer(address sequencerFeed_, uint32 gracePeriod) external override onlyOwner {
        if (sequencerFeed_ != address(0) && sequencerFeed_.code.length == 0) revert NotAContract(sequencerFeed_);
        if (gracePeriod > MAX_GRACE_PERIOD) revert GracePeriodOutOfBounds(gracePeriod, MAX_GRACE_PERIOD);
        bool checked = sequencerFeed_ != address(0);
        if (checked != (sequencerFeed != address(0))) {
            // Switched on or off: every configured feed's bit follows (one SSTORE per feed, owner only).
            uint256 n = _feedList.length;
            for (uint256 i; i < n; ++i) _feeds[_feedList[i]].sequencerChecked = checked;
        }
        sequencerFeed = sequencerFeed_;
        sequencerGracePeriod = gracePeriod;
        emit SequencerSet(sequencerFeed_, gracePeriod);
    }

    /// @inheritdoc IOracleAdapter
    function setMarketHours(address feed, MarketHoursParams calldata h) external override onlyOwner {
        if (_feeds[feed].heartbeat == 0) revert FeedNotConfigured(feed);
        uint256 n = h.sessions.length;
        if (n == 0 || n > MarketHours.MAX_SESSIONS) revert SessionCountOutOfBounds(n, MarketHours.MAX_SESSIONS);
        uint256 sessions;
        uint256 previousClose;
        for (uint256 i; i < n; ++i) {
            uint256 o = h.sessions[i].openMinute;
            uint256 c = h.sessions[i].closeMinute;
            // Sorted with a gap before each session: adjacent sessions would be one, and the stretch maths assumes so.
            if (o >= c || c > MarketHours.MINUTES_PER_WEEK || (i != 0 && o <= previousClose)) {
                revert InvalidSession(i, o, c);
            }
            sessions |= (o | (c << 14)) << (28 * i);
            previousClose = c;
        }
        if (n == 1 && h.sessions[0].openMinute == 0 && h.sessions[0].closeMinute == MarketHours.MINUTES_PER_WEEK) {
            revert AlwaysOpenSchedule();
        }
        uint256 k = h.closures.length;
        if (k > MarketHours.MAX_CLOSURES) revert ClosureCountOutOfBounds(k, MarketHours.MAX_CLOSURES);
        uint256 closures;
        for (uint256 i; i < k; ++i) {
            uint256 start = h.closures[i].start;
            uint256 end = h.closures[i].end;
            if (start >= end || end - start > MAX_CLOSURE_SECONDS) {
                revert InvalidClosure(i, start, end, MAX_CLOSURE_SECONDS);
            }
            closures |= (start | (end << 32)) << (64 * i);
        }
        if (h.closingWindowSeconds > MAX_CLOSING_WINDOW) {
            revert HoursWindowOutOfBounds("closingWindowSeconds", h.closingWindowSeconds, MAX_CLOSING_WINDOW);
        }
        if (h.reopenDelaySeconds > MAX_REOPEN_DELAY) {
            revert HoursWindowOutOfBounds("reopenDelaySeconds", h.reopenDelaySeconds, MAX_REOPEN_DELAY);
        }
        _hours[feed] = MarketHours.Packed({
            sessions: uint224(sessions), // 8 × 28 bits
            sessionCount: uint8(n),
            closures: uint192(closures), // 3 × 64 bits
            closingWindowSeconds: h.closingWindowSeconds,
            reopenDelaySeconds: h.reopenDelaySeconds
        });
        _feeds[feed].scheduled = true;
        emit MarketHoursSet(feed, h);
    }

    /// @inheritdoc IOracleAdapter
    function clearMarketHours(address feed) external override onlyOwner {
        if (!_feeds[feed].scheduled) return;
        delete _hours[feed];
        _feeds[feed].scheduled = false;
        emit MarketHoursCleared(feed);
    }

    /// @inheritdoc IOracleAdapter
    function marketHours(address feed) external view override returns (MarketHoursParams memory h) {
        if (!_feeds[feed].scheduled) return h;
        MarketHours.Packed memory p = _hours[feed];
        h.sessions = new Session[](p.sessionCount);
        for (uint256 i; i < p.sessionCount; ++i) {
            (uint256 o, uint256 c) = MarketHours.session(p, i);
            h.sessions[i] = Session(uint16(o), uint16(c));
        }
        uint256 k;
        for (uint256 i; i < MarketHours.MAX_CLOSURES; ++i) {
            (, uint256 end) = MarketHours.closure(p, i);
            if (end != 0) ++k;
        }
        h.closures = new Closure[](k);
        k = 0;
        for (uint256 i; i < MarketHours.MAX_CLOSURES; ++i) {
            (uint256 start, uint256 end) = MarketHours.closure(p, i);
            if (end != 0) h.closures[k++] = Closure(uint32(start), uint32(end));
        }
        h.closingWindowSeconds = p.closingWindowSeconds;
        h.reopenDelaySeconds = p.reopenDelaySeconds;
    }

    function feedConfig(address feed) external view override returns (FeedConfig memory) {
        StoredFeed memory f = _feeds[feed];
        return FeedConfig(f.heartbeat, f.secondaryHeartbeat, f.maxDeviationBps, f.hasBounds, f.secondaryFeed);
    }

    function feedBounds(address feed) external view override returns (FeedBounds memory) {
        return _bounds[feed];
    }

    function _checkHeartbeat(uint256 heartbeat) internal pure {
        if (heartbeat < MIN_HEARTBEAT || heartbeat > MAX_HEARTBEAT) {
            revert HeartbeatOutOfBounds(heartbeat, MIN_HEARTBEAT, MAX_HEARTBEAT);
        }
    }

    /// @dev Proxy → aggregator → minAnswer/maxAnswer, each a low-level call whose failure, short return data or
    /// out-of-range value means "unknown": feeds without bounds (mocks, some L2 feeds, contracts with a permissive
    /// fallback) are accepted with `hasBounds = false` (try/catch would not catch the decoding revert of a short or
    /// malformed answer). Bounds wider than int128 are clamped (never reachable).
    function _tryReadBounds(address feed) internal view returns (bool known, int128 minAnswer, int128 maxAnswer) {
        address aggregator = feed;
        (bool ok, uint256 word) = _tryReadWord(feed, IChainlinkProxyLike.aggregator.selector);
        if (ok && word != 0 && word == uint256(uint160(word))) aggregator = address(uint160(word));
        (bool okLo, uint256 loWord) = _tryReadWord(aggregator, IChainlinkBoundsLike.minAnswer.selector);
        if (!okLo) return (false, 0, 0);
        (bool okHi, uint256 hiWord) = _tryReadWord(aggregator, IChainlinkBoundsLike.maxAnswer.selector);
        if (!okHi) return (false, 0, 0);
        int256 lo = int256(loWord);
        int256 hi = int256(hiWord);
        if (lo != int256(int192(lo)) || hi != int256(int192(hi)) || lo >= hi) return (false, 0, 0);
        minAnswer = lo < type(int128).min ? type(int128).min : int128(lo);
        maxAnswer = hi > type(int128).max ? type(int128).max : int128(hi);
        known = true;
    }

    /// @dev `ok` only when the call succeeded and returned at least one word (the first one is `word`).
    function _tryReadWord(address target, bytes4 selector) internal view returns (bool ok, uint256 word) {
        uint256 size;
        assembly ("memory-safe") {
            mstore(0, selector)
            ok := staticcall(gas(), target, 0, 4, 0, 32)
            size := returndatasize()
            word := mload(0)
        }
        ok = ok && size >= 32;
    }
}
