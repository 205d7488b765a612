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

    // ---- read failures, one error per check ----
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

    /// @notice The guarded price of `feed` in WAD. Reverts with the error of the first failed check.
    function priceWad(address feed) external view returns (uint256);

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
