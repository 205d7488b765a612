// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {
    ConfigurableFeedProxy,
    GasBurningFeed,
    GasHungryFeed,
    MalformedFeed,
    RevertingFeed
} from "../mocks/FeedDoubles.sol";
import {OracleAdapterTestBase} from "./OracleAdapterTestBase.sol";

/// @notice The per-read checks of `priceWad` (round data, staleness, feed-call failures, gas guard).
contract OracleAdapterChecksTest is OracleAdapterTestBase {
    ConfigurableFeedProxy internal proxy;
    /// @dev Deployed here, not in the tests, so that the adapter's first call to it in a test is a cold access.
    GasHungryFeed internal hungry;

    function setUp() public override {
        super.setUp();
        // aggregator() == 0: bounds are looked up on the proxy itself, which has none.
        proxy = new ConfigurableFeedProxy(address(0), 8, ANSWER_8);
        _configure(address(proxy));
        hungry = new GasHungryFeed(97_000, ANSWER_8, T0);
        _configure(address(hungry));
    }

    // ---------------------------------------------------------------- FeedNotConfigured

    function test_priceWad_FeedNotConfigured() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.FeedNotConfigured.selector, EOA));
        adapter.priceWad(EOA);
    }

    function test_priceWad_FeedNotConfiguredAfterRemoveFeed() public {
        adapter.removeFeed(address(feed));
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.FeedNotConfigured.selector, address(feed)));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_FeedNotConfiguredForZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.FeedNotConfigured.selector, address(0)));
        adapter.priceWad(address(0));
    }

    // ---------------------------------------------------------------- NonPositiveAnswer

    function test_priceWad_NonPositiveAnswerZero() public {
        feed.updateAnswer(0);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.NonPositiveAnswer.selector, address(feed), int256(0)));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_NonPositiveAnswerNegative() public {
        feed.updateAnswer(-1);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.NonPositiveAnswer.selector, address(feed), int256(-1)));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_NonPositiveAnswerMinInt() public {
        feed.updateAnswer(type(int256).min);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.NonPositiveAnswer.selector, address(feed), type(int256).min)
        );
        adapter.priceWad(address(feed));
    }

    function test_priceWad_oneWeiAnswerPasses() public {
        feed.updateAnswer(1);
        assertEq(adapter.priceWad(address(feed)), 1e10, "1 unit of 8 decimals");
    }

    function test_priceWad_NonPositiveAnswerCheckedBeforeRound() public {
        // Both checks fail; the answer is checked first.
        proxy.setRoundData(5, 0, 0, 0, 4);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.NonPositiveAnswer.selector, address(proxy), int256(0)));
        adapter.priceWad(address(proxy));
    }

    // ---------------------------------------------------------------- IncompleteRound

    function test_priceWad_IncompleteRoundUpdatedAtZero() public {
        feed.updateRoundData(5, ANSWER_8, 0, T0);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.IncompleteRound.selector, address(feed), uint80(5), uint80(5), 0)
        );
        adapter.priceWad(address(feed));
    }

    function test_priceWad_IncompleteRoundAnsweredInRoundBehind() public {
        proxy.setRoundData(10, ANSWER_8, T0, T0, 9);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.IncompleteRound.selector, address(proxy), uint80(10), uint80(9), T0)
        );
        adapter.priceWad(address(proxy));
    }

    function test_priceWad_IncompleteRoundAnsweredInRoundZero() public {
        proxy.setRoundData(type(uint80).max, ANSWER_8, T0, T0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.IncompleteRound.selector,
                address(proxy),
                type(uint80).max,
                uint80(0),
                T0
            )
        );
        adapter.priceWad(address(proxy));
    }

    function test_priceWad_answeredInRoundAheadPasses() public {
        proxy.setRoundData(10, ANSWER_8, T0, T0, 11);
        assertEq(adapter.priceWad(address(proxy)), PRICE_WAD, "answeredInRound > roundId");
    }

    function test_priceWad_answeredInRoundEqualPasses() public {
        proxy.setRoundData(type(uint80).max, ANSWER_8, T0, T0, type(uint80).max);
        assertEq(adapter.priceWad(address(proxy)), PRICE_WAD, "max round id");
    }

    function test_priceWad_IncompleteRoundCheckedBeforeFuture() public {
        proxy.setRoundData(10, ANSWER_8, T0, T0 + 1, 9);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.IncompleteRound.selector,
                address(proxy),
                uint80(10),
                uint80(9),
                T0 + 1
            )
        );
        adapter.priceWad(address(proxy));
    }

    // ---------------------------------------------------------------- FutureRound

    function test_priceWad_FutureRound() public {
        feed.updateRoundData(2, ANSWER_8, T0 + 1, T0 + 1);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.FutureRound.selector, address(feed), T0 + 1, T0));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_FutureRoundFarAhead() public {
        feed.updateRoundData(2, ANSWER_8, type(uint256).max, T0);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.FutureRound.selector, address(feed), type(uint256).max, T0)
        );
        adapter.priceWad(address(feed));
    }

    function test_priceWad_updatedAtNowPasses() public view {
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "updated this block");
    }

    // ---------------------------------------------------------------- StalePrice

    function test_priceWad_StalePriceExactlyAtHeartbeatPasses() public {
        vm.warp(T0 + HEARTBEAT);
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "age == heartbeat");
    }

    function test_priceWad_StalePriceHeartbeatPlusOne() public {
        vm.warp(T0 + HEARTBEAT + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.StalePrice.selector,
                address(feed),
                T0,
                uint256(HEARTBEAT),
                T0 + HEARTBEAT + 1
            )
        );
        adapter.priceWad(address(feed));
    }

    function test_priceWad_StalePriceUsesPerFeedHeartbeat() public {
        adapter.setFeed(address(feed), 1 days, address(0), 0, 0);
        vm.warp(T0 + 1 days);
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "1-day heartbeat");
        vm.warp(T0 + 1 days + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.StalePrice.selector, address(feed), T0, 1 days, T0 + 1 days + 1)
        );
        adapter.priceWad(address(feed));
    }

    function test_priceWad_StalePriceRecoversOnNewRound() public {
        vm.warp(T0 + HEARTBEAT + 1);
        feed.updateAnswer(ANSWER_8);
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "fresh again");
    }

    function test_priceWad_StalePriceUpdatedAtOne() public {
        feed.updateRoundData(2, ANSWER_8, 1, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.StalePrice.selector, address(feed), 1, uint256(HEARTBEAT), T0)
        );
        adapter.priceWad(address(feed));
    }

    function testFuzz_priceWad_staleness(uint256 age) public {
        age = bound(age, 0, 30 days);
        feed.updateRoundData(2, ANSWER_8, T0 - age, T0 - age);
        if (age > HEARTBEAT) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IOracleAdapter.StalePrice.selector,
                    address(feed),
                    T0 - age,
                    uint256(HEARTBEAT),
                    T0
                )
            );
            adapter.priceWad(address(feed));
        } else {
            assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "fresh");
        }
    }

    // ---------------------------------------------------------------- FeedCallFailed

    function test_priceWad_FeedCallFailedReverting() public {
        RevertingFeed bad = new RevertingFeed();
        _configure(address(bad));
        _expectFeedCallFailed(address(bad));
        adapter.priceWad(address(bad));
    }

    function test_priceWad_FeedCallFailedGasBurning() public {
        GasBurningFeed bad = new GasBurningFeed();
        _configure(address(bad));
        _expectFeedCallFailed(address(bad));
        adapter.priceWad(address(bad));
    }

    function test_priceWad_FeedCallFailedGasBurningUsesBoundedGas() public {
        GasBurningFeed bad = new GasBurningFeed();
        _configure(address(bad));
        uint256 feedCallGas = adapter.FEED_CALL_GAS();
        uint256 before = gasleft();
        try adapter.priceWad(address(bad)) returns (uint256) {
            fail("gas-burning feed read as healthy");
        } catch (bytes memory reason) {
            uint256 used = before - gasleft();
            assertEq(
                keccak256(reason),
                keccak256(abi.encodeWithSelector(IOracleAdapter.FeedCallFailed.selector, address(bad))),
                "FeedCallFailed"
            );
            assertGe(used, feedCallGas, "the feed got its whole budget");
            assertLt(used, feedCallGas + 50_000, "the rest of the call is cheap");
        }
    }

    function test_priceWad_FeedCallFailedEmptyReturnData() public {
        MalformedFeed bad = _malformed(MalformedFeed.Mode.Empty);
        _expectFeedCallFailed(address(bad));
        adapter.priceWad(address(bad));
    }

    function test_priceWad_FeedCallFailedShortReturnData() public {
        MalformedFeed bad = _malformed(MalformedFeed.Mode.Short);
        _expectFeedCallFailed(address(bad));
        adapter.priceWad(address(bad));
    }

    function test_priceWad_FeedCallFailedRoundIdWiderThanUint80() public {
        MalformedFeed bad = _malformed(MalformedFeed.Mode.WideRoundId);
        _expectFeedCallFailed(address(bad));
        adapter.priceWad(address(bad));
    }

    function test_priceWad_FeedCallFailedAnsweredInRoundWiderThanUint80() public {
        MalformedFeed bad = _malformed(MalformedFeed.Mode.WideAnsweredInRound);
        _expectFeedCallFailed(address(bad));
        adapter.priceWad(address(bad));
    }

    function test_priceWad_FeedCallFailedNoCode() public {
        // setFeed refuses code-less addresses (NotAContract); a feed whose code disappears afterwards fails here.
        vm.etch(address(feed), "");
        _expectFeedCallFailed(address(feed));
        adapter.priceWad(address(feed));
    }

    // ---------------------------------------------------------------- gas guard

    function test_priceWad_InsufficientGasForOracle() public view {
        uint256 required = (adapter.FEED_CALL_GAS() * 64) / 63 + 5_000;
        try adapter.priceWad{gas: 50_000}(address(feed)) returns (uint256) {
            fail("read with too little gas");
        } catch (bytes memory reason) {
            assertEq(_selector(reason), IOracleAdapter.InsufficientGasForOracle.selector, "InsufficientGasForOracle");
            (uint256 gasLeft, uint256 gasRequired) = abi.decode(_args(reason), (uint256, uint256));
            assertEq(gasRequired, required, "gasRequired");
            assertEq(gasRequired, 106_587, "gasRequired literal");
            assertLt(gasLeft, 50_000, "gasLeft below what was forwarded");
            assertGt(gasLeft, 40_000, "gasLeft is what the adapter saw");
        }
    }

    function test_priceWad_InsufficientGasForOracleBeforeDecimals() public view {
        // Enough for the latestRoundData guard (106_587) but, once a 97k-gas feed has answered, not for the
        // decimals() guard: still the named error, never FeedCallFailed.
        try adapter.priceWad{gas: 120_000}(address(hungry)) returns (uint256) {
            fail("read with too little gas");
        } catch (bytes memory reason) {
            assertEq(_selector(reason), IOracleAdapter.InsufficientGasForOracle.selector, "InsufficientGasForOracle");
            (, uint256 gasRequired) = abi.decode(_args(reason), (uint256, uint256));
            assertEq(gasRequired, (adapter.DECIMALS_CALL_GAS() * 64) / 63 + 5_000, "decimals guard");
        }
    }

    function test_priceWad_enoughGasForHealthyExpensiveFeed() public view {
        assertEq(adapter.priceWad{gas: 300_000}(address(hungry)), PRICE_WAD, "expensive but healthy");
    }

    /// @dev Whatever gas the caller forwards, a healthy feed that needs ~97k of its 100k budget either answers
    /// correctly or the read reverts with InsufficientGasForOracle: it is never misread as a failed feed. The range
    /// brackets the guard's threshold (a guard of just `FEED_CALL_GAS`, without the 64/63 and the margin for the cold
    /// account access, fails this test).
    function testFuzz_priceWad_gasGuardNeverStarvesHealthyFeed(uint256 gasLimit) public view {
        gasLimit = bound(gasLimit, 90_000, 130_000);
        try adapter.priceWad{gas: gasLimit}(address(hungry)) returns (uint256 price) {
            assertEq(price, PRICE_WAD, "price");
        } catch (bytes memory reason) {
            assertEq(
                _selector(reason),
                IOracleAdapter.InsufficientGasForOracle.selector,
                "only InsufficientGasForOracle"
            );
        }
    }

    function _malformed(MalformedFeed.Mode mode) internal returns (MalformedFeed bad) {
        bad = new MalformedFeed();
        bad.setMode(mode);
        _configure(address(bad));
    }
}
