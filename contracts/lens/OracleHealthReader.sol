// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";

/// @title OracleHealthReader
/// @notice Never deployed: the SDK sends its creation code in one `eth_call` (a "deployless" read) and the
/// constructor returns, instead of runtime code, the ABI-encoded {Report}: everything `OracleAdapter.priceWad`
/// reads for each feed, raw, at one block, including the reads that depend on earlier ones (the secondary feed
/// named by the config, the sequencer feed named by the adapter), which a plain multicall cannot chain.
/// @dev Feed calls copy the adapter's low-level calls (same selector, same gas, same 5-word / 1-word windows) so the
/// SDK judges exactly what the adapter would see; the SDK, not this contract, applies the checks.
contract OracleHealthReader {
    /// @dev Same gas as `OracleAdapter.FEED_CALL_GAS` / `DECIMALS_CALL_GAS`.
    uint256 internal constant FEED_CALL_GAS = 100_000;
    uint256 internal constant DECIMALS_CALL_GAS = 30_000;

    error NotAContract(address account);

    /// @notice A raw `latestRoundData()` call: success flag, return data size, first five words (zero-padded).
    struct RawRound {
        bool success;
        uint256 size;
        uint256[5] words;
    }

    /// @notice A raw `decimals()` call: success flag, return data size, first word.
    struct RawWord {
        bool success;
        uint256 size;
        uint256 word;
    }

    /// @notice The feed's market hours at this block (`IOracleAdapter.marketStatus`); all zero for an adapter that
    /// predates market hours.
    struct MarketStatus {
        bool scheduled;
        bool open;
        uint256 flags;
        uint256 lastOpen;
        uint256 nextClose;
        uint256 nextOpen;
    }

    struct FeedReport {
        address feed;
        IOracleAdapter.FeedConfig config;
        IOracleAdapter.FeedBounds bounds;
        RawRound round;
        RawWord decimals;
        RawRound secondaryRound;
        RawWord secondaryDecimals;
        MarketStatus market;
    }

    struct Report {
        uint256 blockNumber;
        uint256 blockTimestamp;
        address sequencerFeed;
        uint32 sequencerGracePeriod;
        RawRound sequencerRound;
        FeedReport[] feeds;
    }

    constructor(address adapter, address[] memory feeds) {
        if (adapter.code.length == 0) revert NotAContract(adapter);
        IOracleAdapter oracle = IOracleAdapter(adapter);
        Report memory report;
        report.blockNumber = block.number;
        report.blockTimestamp = block.timestamp;
        report.sequencerFeed = oracle.sequencerFeed();
        report.sequencerGracePeriod = oracle.sequencerGracePeriod();
        if (report.sequencerFeed != address(0)) report.sequencerRound = _readRound(report.sequencerFeed);
        report.feeds = new FeedReport[](feeds.length);
        for (uint256 i = 0; i < feeds.length; ++i) {
            FeedReport memory f = report.feeds[i];
            f.feed = feeds[i];
            f.config = oracle.feedConfig(feeds[i]);
            f.bounds = oracle.feedBounds(feeds[i]);
            f.round = _readRound(feeds[i]);
            f.decimals = _readDecimals(feeds[i]);
            if (f.config.secondaryFeed != address(0)) {
                f.secondaryRound = _readRound(f.config.secondaryFeed);
                f.secondaryDecimals = _readDecimals(f.config.secondaryFeed);
            }
            try oracle.marketStatus(feeds[i], block.timestamp) returns (
                bool scheduled,
                bool open,
                uint256 flags,
                uint256 lastOpen,
                uint256 nextClose,
                uint256 nextOpen
            ) {
                f.market = MarketStatus(scheduled, open, flags, lastOpen, nextClose, nextOpen);
            } catch {} // an adapter without market hours: always open

        }
        bytes memory encoded = abi.encode(report);
        assembly ("memory-safe") {
            return(add(encoded, 32), mload(encoded))
        }
    }

    function _readRound(address feed) internal view returns (RawRound memory r) {
        bytes4 selector = 0xfeaf968c; // latestRoundData()
        bool success;
        uint256 size;
        uint256[5] memory words;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            success := staticcall(FEED_CALL_GAS, feed, ptr, 4, 0, 0)
            size := returndatasize()
            let copy := size
            if gt(copy, 160) {
                copy := 160
            }
            returndatacopy(words, 0, copy)
        }
        r.success = success;
        r.size = size;
        r.words = words;
    }

    function _readDecimals(address feed) internal view returns (RawWord memory r) {
        bytes4 selector = 0x313ce567; // decimals()
        bool success;
        uint256 size;
        uint256 word;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            success := staticcall(DECIMALS_CALL_GAS, feed, ptr, 4, 0, 0)
            size := returndatasize()
            if gt(size, 31) {
                returndatacopy(ptr, 0, 32)
                word := mload(ptr)
            }
        }
        r.success = success;
        r.size = size;
        r.word = word;
    }
}
