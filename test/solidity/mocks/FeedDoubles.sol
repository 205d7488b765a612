// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Test doubles for Chainlink feeds that misbehave (or behave in ways `MockV3Aggregator` cannot).
/// Use Chainlink's `MockV3Aggregator` wherever a normal feed is enough.

/// @dev `latestRoundData()` always reverts; `decimals()` works.
contract RevertingFeed {
    error FeedBroken();

    function decimals() external pure returns (uint8) {
        return 8;
    }

    function latestRoundData() external pure returns (uint80, int256, uint256, uint256, uint80) {
        revert FeedBroken();
    }
}

/// @dev `latestRoundData()` loops until it runs out of gas; `decimals()` works.
contract GasBurningFeed {
    function decimals() external pure returns (uint8) {
        return 8;
    }

    function latestRoundData() external pure returns (uint80, int256, uint256, uint256, uint80) {
        assembly ("memory-safe") {
            for {
                let i := 0
            } 1 {
                i := add(i, 1)
            } {
                mstore(0, i)
            }
        }
        return (0, 0, 0, 0, 0);
    }
}

/// @dev A healthy feed that burns `gasToBurn` gas in `latestRoundData()` before answering: checks that the adapter's
/// gas guard never lets a caller starve an honest (if expensive) feed into reading as failed.
contract GasHungryFeed {
    uint256 public immutable gasToBurn;
    int256 public immutable answer;
    uint256 public immutable updatedAt;

    constructor(uint256 gasToBurn_, int256 answer_, uint256 updatedAt_) {
        gasToBurn = gasToBurn_;
        answer = answer_;
        updatedAt = updatedAt_;
    }

    function decimals() external pure returns (uint8) {
        return 8;
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        uint256 stopAt = gasleft() - gasToBurn;
        while (gasleft() > stopAt) {}
        return (1, answer, updatedAt, updatedAt, 1);
    }
}

/// @dev Answers `latestRoundData()` and `decimals()` with raw, possibly malformed, return data; every other selector
/// reverts (or returns nothing when `emptyOnUnknownSelector` is set, like a contract with a permissive fallback).
contract MalformedFeed {
    enum Mode {
        Valid, // five well-formed words
        Empty, // succeeds with no return data
        Short, // succeeds with four words only
        WideRoundId, // roundId does not fit uint80
        WideAnsweredInRound // answeredInRound does not fit uint80
    }

    bytes4 internal constant LATEST_ROUND_DATA = 0xfeaf968c;
    bytes4 internal constant DECIMALS = 0x313ce567;

    Mode public mode;
    int256 public answer = 2_000e8;
    uint256 public updatedAt;
    uint256 public decimalsWord = 8;
    uint256 public decimalsSize = 32;
    bool public emptyOnUnknownSelector;

    constructor() {
        updatedAt = block.timestamp;
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function setAnswer(int256 answer_, uint256 updatedAt_) external {
        answer = answer_;
        updatedAt = updatedAt_;
    }

    /// @dev `decimals()` returns `size` bytes whose first word is `word`.
    function setDecimalsWord(uint256 word, uint256 size) external {
        decimalsWord = word;
        decimalsSize = size;
    }

    function setEmptyOnUnknownSelector(bool value) external {
        emptyOnUnknownSelector = value;
    }

    fallback() external {
        if (msg.sig == LATEST_ROUND_DATA) _latestRoundData();
        if (msg.sig == DECIMALS) _returnRaw(abi.encode(decimalsWord), decimalsSize);
        if (emptyOnUnknownSelector) _returnRaw("", 0);
        revert();
    }

    function _latestRoundData() internal view {
        Mode m = mode;
        uint256 roundId = 1;
        uint256 answeredInRound = 1;
        if (m == Mode.WideRoundId) roundId = uint256(type(uint80).max) + 1;
        if (m == Mode.WideAnsweredInRound) answeredInRound = uint256(type(uint80).max) + 1;
        bytes memory data = abi.encode(roundId, answer, updatedAt, updatedAt, answeredInRound);
        uint256 size =
            m == Mode.Empty
                ? 0
                : m == Mode.Short
                    ? 128
                    : 160;
        _returnRaw(data, size);
    }

    function _returnRaw(bytes memory data, uint256 size) internal pure {
        assembly ("memory-safe") {
            return(add(data, 32), size)
        }
    }
}

/// @dev An OCR-style aggregator exposing its circuit-breaker bounds (in the feed's raw decimals).
contract BoundedAggregator {
    int192 public minAnswer;
    int192 public maxAnswer;

    constructor(int192 minAnswer_, int192 maxAnswer_) {
        minAnswer = minAnswer_;
        maxAnswer = maxAnswer_;
    }

    function setBounds(int192 minAnswer_, int192 maxAnswer_) external {
        minAnswer = minAnswer_;
        maxAnswer = maxAnswer_;
    }
}

/// @dev A Chainlink-proxy-like feed: `aggregator()` points at the (bounded) aggregator, and the round data and
/// decimals are set directly on the proxy, field by field.
contract ConfigurableFeedProxy {
    address public aggregator;
    uint8 public decimals;

    uint80 internal _roundId;
    int256 internal _answer;
    uint256 internal _startedAt;
    uint256 internal _updatedAt;
    uint80 internal _answeredInRound;

    constructor(address aggregator_, uint8 decimals_, int256 answer_) {
        aggregator = aggregator_;
        decimals = decimals_;
        setRoundData(1, answer_, block.timestamp, block.timestamp, 1);
    }

    function setAggregator(address aggregator_) external {
        aggregator = aggregator_;
    }

    function setDecimals(uint8 decimals_) external {
        decimals = decimals_;
    }

    /// @dev Sets a fresh, complete round (`roundId` bumped, `answeredInRound == roundId`, now).
    function setAnswer(int256 answer_) external {
        uint80 next = _roundId + 1;
        setRoundData(next, answer_, block.timestamp, block.timestamp, next);
    }

    function setRoundData(
        uint80 roundId_,
        int256 answer_,
        uint256 startedAt_,
        uint256 updatedAt_,
        uint80 answeredInRound_
    ) public {
        _roundId = roundId_;
        _answer = answer_;
        _startedAt = startedAt_;
        _updatedAt = updatedAt_;
        _answeredInRound = answeredInRound_;
    }

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return (_roundId, _answer, _startedAt, _updatedAt, _answeredInRound);
    }
}

/// @dev An aggregator read directly (no proxy): fresh round data and fixed bounds (1 and 100k USD, 8 decimals) on
/// the same contract, no `aggregator()`.
contract BoundedFeed {
    int192 public constant minAnswer = 1e8;
    int192 public constant maxAnswer = 100_000e8;
    uint8 public constant decimals = 8;

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (1, 2_000e8, block.timestamp, block.timestamp, 1);
    }
}
