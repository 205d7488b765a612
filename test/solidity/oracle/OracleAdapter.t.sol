// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {ConfigurableFeedProxy, MalformedFeed} from "../mocks/FeedDoubles.sol";
import {OracleAdapterTestBase} from "./OracleAdapterTestBase.sol";

/// @notice Happy paths and decimal scaling of `priceWad`. Failure checks live in the sibling files:
/// OracleAdapter.checks.t.sol, .bounds.t.sol, .sequencer.t.sol, .secondary.t.sol, .admin.t.sol.
contract OracleAdapterPriceTest is OracleAdapterTestBase {
    // ---------------------------------------------------------------- happy path, scaling

    function test_priceWad_8DecimalsScaledToWad() public view {
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "8 decimals");
    }

    function test_priceWad_18DecimalsGiveSameWad() public {
        MockV3Aggregator f18 = _newFeed(18, int256(PRICE_WAD));
        assertEq(adapter.priceWad(address(f18)), PRICE_WAD, "18 decimals");
        assertEq(adapter.priceWad(address(f18)), adapter.priceWad(address(feed)), "same WAD as 8 decimals");
    }

    function test_priceWad_6DecimalsScaledUp() public {
        MockV3Aggregator f6 = _newFeed(6, 2_000_123456); // 2000.123456
        assertEq(adapter.priceWad(address(f6)), 2_000_123456000000000000, "6 decimals");
    }

    function test_priceWad_20DecimalsScaledDown() public {
        MockV3Aggregator f20 = _newFeed(20, 2_000_12345678000000000000); // 2000.12345678 with 20 decimals
        assertEq(adapter.priceWad(address(f20)), PRICE_WAD, "20 decimals");
    }

    function test_priceWad_20DecimalsTruncatesBelowWad() public {
        MockV3Aggregator f20 = _newFeed(20, 1_23456789012345678999); // 1.23456789012345678999
        assertEq(adapter.priceWad(address(f20)), 1_234567890123456789, "rounded down");
    }

    function test_priceWad_0Decimals() public {
        MockV3Aggregator f0 = _newFeed(0, 2_000);
        assertEq(adapter.priceWad(address(f0)), 2_000e18, "0 decimals");
    }

    function test_priceWad_36DecimalsIsMaxSupported() public {
        MockV3Aggregator f36 = _newFeed(36, 2_000e36);
        assertEq(adapter.priceWad(address(f36)), 2_000e18, "36 decimals");
    }

    function test_priceWad_36DecimalsDustAnswerIsZeroWad() public {
        // A positive answer below 1e-18 USD scales to 0 WAD: documented behaviour of the truncating division.
        MockV3Aggregator f36 = _newFeed(36, 1e17);
        assertEq(adapter.priceWad(address(f36)), 0, "dust");
    }

    function test_priceWad_readsDecimalsAtEachCall() public {
        ConfigurableFeedProxy proxy = new ConfigurableFeedProxy(address(0), 8, ANSWER_8);
        _configure(address(proxy));
        assertEq(adapter.priceWad(address(proxy)), PRICE_WAD, "8 decimals");
        proxy.setDecimals(10);
        assertEq(adapter.priceWad(address(proxy)), PRICE_WAD / 100, "10 decimals");
    }

    function test_priceWad_followsNewAnswer() public {
        feed.updateAnswer(3_000e8);
        assertEq(adapter.priceWad(address(feed)), 3_000e18, "new answer");
    }

    function test_priceWad_anyoneCanRead() public {
        vm.prank(STRANGER);
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "stranger");
    }

    // ---------------------------------------------------------------- decimals failures

    function test_priceWad_UnsupportedDecimals37() public {
        MockV3Aggregator f37 = _newFeed(37, 2_000);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.UnsupportedDecimals.selector, address(f37), uint8(37)));
        adapter.priceWad(address(f37));
    }

    function test_priceWad_UnsupportedDecimals255() public {
        MockV3Aggregator f255 = _newFeed(255, 2_000);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.UnsupportedDecimals.selector, address(f255), uint8(255)));
        adapter.priceWad(address(f255));
    }

    function test_priceWad_UnsupportedDecimalsWideWordClampedTo255() public {
        MalformedFeed bad = new MalformedFeed();
        bad.setDecimalsWord(1 << 200, 32);
        _configure(address(bad));
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.UnsupportedDecimals.selector, address(bad), uint8(255)));
        adapter.priceWad(address(bad));
    }

    function test_priceWad_UnsupportedDecimals256ClampedTo255() public {
        // 256 would wrap to 0 decimals (a 1e18x price) if it were truncated to uint8 before the range check.
        MalformedFeed bad = new MalformedFeed();
        bad.setDecimalsWord(256, 32);
        _configure(address(bad));
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.UnsupportedDecimals.selector, address(bad), uint8(255)));
        adapter.priceWad(address(bad));
    }

    function test_priceWad_FeedCallFailedShortDecimals() public {
        MalformedFeed bad = new MalformedFeed();
        bad.setDecimalsWord(8, 31);
        _configure(address(bad));
        assertEq(uint256(bad.decimalsSize()), 31, "setup");
        _expectFeedCallFailed(address(bad));
        adapter.priceWad(address(bad));
    }

    function test_priceWad_malformedFeedValidModeReads() public {
        // Control for the malformed-data tests: the same double, well-formed, reads fine.
        MalformedFeed good = new MalformedFeed();
        _configure(address(good));
        assertEq(adapter.priceWad(address(good)), 2_000e18, "valid");
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev Answers are bounded to int192, the type Chainlink OCR aggregators answer in.
    function testFuzz_priceWad_scalesAnyDecimals(int256 answer, uint256 decimals) public {
        answer = bound(answer, 1, int256(type(int192).max));
        uint8 d = uint8(bound(decimals, 0, 36));
        MockV3Aggregator f = _newFeed(d, answer);
        uint256 expected = d <= 18 ? uint256(answer) * 10 ** (18 - d) : uint256(answer) / 10 ** (d - 18);
        assertEq(adapter.priceWad(address(f)), expected, "scaled");
    }

    /// @dev The same price expressed in any decimals in [0, 36] (when representable) gives the same WAD.
    function testFuzz_priceWad_sameWadAcrossDecimals(uint256 units, uint256 decimals) public {
        units = bound(units, 1, 1e30); // whole units of a 0-decimal answer
        uint8 d = uint8(bound(decimals, 0, 36));
        MockV3Aggregator f = _newFeed(d, int256(units * 10 ** d));
        assertEq(adapter.priceWad(address(f)), units * 1e18, "same WAD");
    }

    function testFuzz_priceWad_UnsupportedDecimals(uint256 decimals) public {
        uint8 d = uint8(bound(decimals, 37, 255));
        MockV3Aggregator f = _newFeed(d, 1);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.UnsupportedDecimals.selector, address(f), d));
        adapter.priceWad(address(f));
    }
}
