// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {Test} from "../utils/Test.sol";
import {OracleAdapter} from "../../../contracts/oracle/OracleAdapter.sol";
import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";

/// @notice Shared fixture for the OracleAdapter tests: the test contract owns the adapter, one 8-decimal ETH/USD-like
/// feed is configured with a one-hour heartbeat and no secondary, no sequencer.
abstract contract OracleAdapterTestBase is Test {
    uint256 internal constant T0 = 1_750_000_000;
    uint32 internal constant HEARTBEAT = 3_600;
    int256 internal constant ANSWER_8 = 2_000_12345678; // 2000.12345678 with 8 decimals
    uint256 internal constant PRICE_WAD = 2_000_123456780000000000; // the same in WAD

    address internal constant STRANGER = address(0xBAD);
    address internal constant EOA = address(0xBEEF);

    OracleAdapter internal adapter;
    MockV3Aggregator internal feed;

    function setUp() public virtual {
        vm.warp(T0);
        adapter = new OracleAdapter(address(this));
        feed = new MockV3Aggregator(8, ANSWER_8);
        adapter.setFeed(address(feed), HEARTBEAT, address(0), 0, 0);
        vm.label(address(adapter), "OracleAdapter");
        vm.label(address(feed), "feed");
    }

    /// @dev Configures `feed_` alone (no secondary) with the default heartbeat.
    function _configure(address feed_) internal {
        adapter.setFeed(feed_, HEARTBEAT, address(0), 0, 0);
    }

    /// @dev A fresh 8-decimal MockV3Aggregator, configured.
    function _newFeed(uint8 decimals, int256 answer) internal returns (MockV3Aggregator f) {
        f = new MockV3Aggregator(decimals, answer);
        _configure(address(f));
    }

    function _expectFeedCallFailed(address feed_) internal {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.FeedCallFailed.selector, feed_));
    }

    /// @dev The selector of ABI-encoded revert data (zero when shorter than 4 bytes).
    function _selector(bytes memory reason) internal pure returns (bytes4 sel) {
        if (reason.length < 4) return bytes4(0);
        assembly ("memory-safe") {
            sel := mload(add(reason, 32))
        }
    }

    /// @dev Revert data without its selector, ready for `abi.decode`.
    function _args(bytes memory reason) internal pure returns (bytes memory args) {
        require(reason.length >= 4, "no selector");
        args = new bytes(reason.length - 4);
        for (uint256 i = 0; i < args.length; ++i) args[i] = reason[i + 4];
    }
}
