// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IOracleAdapter
/// @notice Guarded Chainlink reads. Every price Parapet uses passes every check here or the call reverts with the
/// error that names the failed check. Prices are returned in WAD (1e18 = 1 USD per unit of the asset).
/// @dev Checks, in order: sequencer (L2 only) up and past its grace period; `latestRoundData()` answered within the
/// gas guard; `answer > 0`; `updatedAt != 0`, `answeredInRound >= roundId`, `updatedAt <= block.timestamp`;
/// `block.timestamp - updatedAt <= heartbeat` of that feed; answer strictly inside the aggregator's min/max bounds
/// when they are known; the feed's own `decimals()` scales the answer; a secondary feed, when configured, passes the
/// same checks and lies within `maxDeviationBps` of the primary.
interface IOracleAdapter {
    /// @notice Per-feed configuration, packed in one slot.
    /// @param heartbeat Max age of an answer in seconds (the feed's own heartbeat plus a margin).
    /// @param secondaryHeartbeat Max age of the secondary feed's answer in seconds.
    /// @param maxDeviationBps Max |primary − secondary| / secondary, in basis points (0 when no secondary).
    /// @param hasBounds Whether `minAnswer`/`maxAnswer` were read from the aggregator (see `syncBounds`).
    /// @param secondaryFeed Optional second Chainlink feed for the same asset; zero when unused.
    struct FeedConfig {
        uint32 heartbeat;
        uint32 secondaryHeartbeat;
        uint16 maxDeviationBps;
        bool hasBounds;
        address secondaryFeed;
    }

    /// @notice The aggregator's circuit-breaker bounds, in the feed's raw decimals.
    struct FeedBounds {
        int128 minAnswer;
        int128 maxAnswer;
    }

    /// @notice A weekly session of a market that closes, in minutes from Sunday 00:00 UTC: `[openMinute, closeMinute)`.
    struct Session {
        uint16 openMinute;
        uint16 closeMinute;
    }

    /// @notice An absolute closure (a holiday, an early close): `[start, end)` in unix seconds.
    struct Closure {
        uint32 start;
        uint32 end;
    }

    /// @notice The hours of a market whose underlying closes (see {MarketHours}): sessions sorted with gaps between
    /// them (≤ 8), closures (≤ 3), the closing window before each close (the vault's closing margin applies in it)
    /// and the reopen delay after each open (no new exposure: liquidations and stops go first).
    struct MarketHoursParams {
        Session[] sessions;
        Closure[] closures;
        uint32 closingWindowSeconds;
        uint32 reopenDelaySeconds;
    }

    // ---- read failures, one error per check ----
    /// @notice The feed's market is closed (its schedule): not an oracle fault; `reopensAt` is the next open.
    error MarketClosed(address feed, uint256 reopensAt);
    /// @notice The market reopened at `openedAt` but the feed's latest round is older (the close's last price).
    error ReopenRoundPending(address feed, uint256 updatedAt, uint256 openedAt);
    error FeedNotConfigured(address feed);
    error FeedCallFailed(address feed);
    error InsufficientGasForOracle(uint256 gasLeft, uint256 gasRequired);
    error NonPositiveAnswer(address feed, int256 answer);
    error IncompleteRound(address feed, uint80 roundId, uint80 answeredInRound, uint256 updatedAt);
    error FutureRound(address feed, uint256 updatedAt, uint256 blockTimestamp);
    error StalePrice(address feed, uint256 updatedAt, uint256 heartbeat, uint256 blockTimestamp);
    error PriceAtBound(address feed, int256 answer, int256 minAnswer, int256 maxAnswer);
    error UnsupportedDecimals(address feed, uint8 decimals);
    error SequencerDown(address sequencerFeed);
    error SequencerGracePeriodNotOver(uint256 upSince, uint256 gracePeriod, uint256 blockTimestamp);
    error PriceDeviationTooHigh(
        address feed,
        uint256 priceWad,
        uint256 secondaryPriceWad,
        uint256 deviationBps,
        uint256 maxDeviationBps
    );

    // ---- configuration errors ----
    error ZeroAddress();
    /// @notice A feed (primary, secondary or sequencer) set to an address without code: every read would fail.
    error NotAContract(address account);
    error SecondaryIsPrimary(address feed);
    error HeartbeatOutOfBounds(uint256 heartbeat, uint256 minHeartbeat, uint256 maxHeartbeat);
    error DeviationOutOfBounds(uint256 maxDeviationBps, uint256 minDeviationBps, uint256 maxAllowedBps);
    error GracePeriodOutOfBounds(uint256 gracePeriod, uint256 maxGracePeriod);
    error BoundsUnavailable(address feed);
    error SessionCountOutOfBounds(uint256 count, uint256 maxCount);
    /// @notice Session `index` is empty, ends after minute 10,080, or does not start after the previous one's end.
    error InvalidSession(uint256 index, uint256 openMinute, uint256 closeMinute);
    /// @notice One session covering the whole week: the market never closes; clear its hours instead.
    error AlwaysOpenSchedule();
    error ClosureCountOutOfBounds(uint256 count, uint256 maxCount);
    /// @notice Closure `index` is empty or longer than `maxLength` seconds.
    error InvalidClosure(uint256 index, uint256 start, uint256 end, uint256 maxLength);
    error HoursWindowOutOfBounds(string name, uint256 value, uint256 maxValue);

    event FeedSet(
        address indexed feed,
        uint32 heartbeat,
        address indexed secondaryFeed,
        uint32 secondaryHeartbeat,
        uint16 maxDeviationBps
    );
    event FeedRemoved(address indexed feed);
    event BoundsSynced(address indexed feed, int256 minAnswer, int256 maxAnswer);
    event SequencerSet(address indexed sequencerFeed, uint32 gracePeriod);
    event MarketHoursSet(address indexed feed, MarketHoursParams schedule);
    event MarketHoursCleared(address indexed feed);

    /// @notice The guarded price of `feed` in WAD. Reverts with the error of the first failed check; for a feed with
    /// market hours, `MarketClosed` while closed and `ReopenRoundPending` until a round after the reopen.
    function priceWad(address feed) external view returns (uint256);

    /// @notice {priceWad} with the market's hours: `flags` ({MarketHours-CLOSING} = 1: in the closing window,
    /// {MarketHours-REOPENING} = 2: in the reopen delay) and `tradableAt`, when the reopen delay ends (0 without
    /// hours). What the vault reads on every trade and liquidation.
    function priceWadAndStatus(
        address feed
    ) external view returns (uint256 priceWad, uint256 flags, uint256 tradableAt);

    /// @notice The market status of `feed` at `timestamp`: scheduled (has hours), open, flags, and the times of the
    /// last open and next close (when open) or the next open (when closed).
    function marketStatus(
        address feed,
        uint256 timestamp
    )
        external
        view
        returns (bool scheduled, bool open, uint256 flags, uint256 lastOpen, uint256 nextClose, uint256 nextOpen);

    /// @notice Sets `feed`'s market hours (the feed must be configured). Owner only.
    function setMarketHours(address feed, MarketHoursParams calldata schedule) external;

    /// @notice Removes `feed`'s market hours: always open again. Owner only.
    function clearMarketHours(address feed) external;

    function marketHours(address feed) external view returns (MarketHoursParams memory);

    /// @notice Configures (or reconfigures) a feed. Owner only. Reads bounds when the aggregator exposes them.
    function setFeed(
        address feed,
        uint32 heartbeat,
        address secondaryFeed,
        uint32 secondaryHeartbeat,
        uint16 maxDeviationBps
    ) external;

    /// @notice Removes a feed; its price reads then revert with `FeedNotConfigured`. Owner only.
    function removeFeed(address feed) external;

    /// @notice Re-reads the aggregator's min/max answer (after a Chainlink phase change). Anyone may call.
    /// @dev Reverts with `BoundsUnavailable` when the aggregator does not expose them.
    function syncBounds(address feed) external;

    /// @notice Sets the L2 sequencer uptime feed (zero disables the check) and its grace period. Owner only.
    function setSequencer(address sequencerFeed, uint32 gracePeriod) external;

    function feedConfig(address feed) external view returns (FeedConfig memory);

    function feedBounds(address feed) external view returns (FeedBounds memory);

    function sequencerFeed() external view returns (address);

    function sequencerGracePeriod() external view returns (uint32);
}
