// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {GasBurningFeed, GasHungryFeed, RevertingFeed} from "../mocks/FeedDoubles.sol";
import {OracleAdapterTestBase} from "./OracleAdapterTestBase.sol";

/// @notice The optional secondary feed: same checks as the primary, then the primary must lie within
/// `maxDeviationBps` of it (deviation relative to the secondary, rounded up).
contract OracleAdapterSecondaryTest is OracleAdapterTestBase {
    uint32 internal constant SECONDARY_HEARTBEAT = 2 * HEARTBEAT;
    uint16 internal constant MAX_DEV = 100; // 1%

    MockV3Aggregator internal secondary;

    function setUp() public override {
        super.setUp();
        // Different decimals on purpose: deviation is computed on WAD prices.
        secondary = new MockV3Aggregator(18, 2_000e18);
        adapter.setFeed(address(feed), HEARTBEAT, address(secondary), SECONDARY_HEARTBEAT, MAX_DEV);
        vm.label(address(secondary), "secondary");
    }

    function test_priceWad_withinDeviationReturnsPrimary() public {
        secondary.updateAnswer(1_990e18); // primary 2000.12345678: ~51 bps above
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "primary price");
    }

    function test_priceWad_equalPricesPass() public {
        feed.updateAnswer(2_000e8);
        assertEq(adapter.priceWad(address(feed)), 2_000e18, "zero deviation");
    }

    function test_priceWad_deviationExactlyAtMaxPasses() public {
        feed.updateAnswer(2_020e8); // exactly +1.00%
        assertEq(adapter.priceWad(address(feed)), 2_020e18, "+100 bps");
        feed.updateAnswer(1_980e8); // exactly -1.00%
        assertEq(adapter.priceWad(address(feed)), 1_980e18, "-100 bps");
    }

    function test_priceWad_PriceDeviationTooHighJustAboveMax() public {
        // +1.0000000005%: rounded up to 101 bps, never read as within 100.
        feed.updateAnswer(2_020_00000001);
        _expectDeviation(2_020_000000010000000000, 2_000e18, 101);
        adapter.priceWad(address(feed));
    }

    function test_priceWad_PriceDeviationTooHighPrimaryAbove() public {
        feed.updateAnswer(2_100e8); // +5%
        _expectDeviation(2_100e18, 2_000e18, 500);
        adapter.priceWad(address(feed));
    }

    function test_priceWad_PriceDeviationTooHighPrimaryBelow() public {
        feed.updateAnswer(1_900e8); // -5%
        _expectDeviation(1_900e18, 2_000e18, 500);
        adapter.priceWad(address(feed));
    }

    function test_priceWad_PriceDeviationTooHighRelativeToSecondary() public {
        // |1000 - 2000| / 2000 = 50% (relative to the secondary, not the primary: that would be 100%).
        adapter.setFeed(address(feed), HEARTBEAT, address(secondary), SECONDARY_HEARTBEAT, 4_999);
        feed.updateAnswer(1_000e8);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.PriceDeviationTooHigh.selector,
                address(feed),
                1_000e18,
                2_000e18,
                5_000,
                4_999
            )
        );
        adapter.priceWad(address(feed));
    }

    function test_priceWad_maxAllowedDeviationPasses() public {
        adapter.setFeed(address(feed), HEARTBEAT, address(secondary), SECONDARY_HEARTBEAT, 5_000);
        feed.updateAnswer(1_000e8); // -50%
        assertEq(adapter.priceWad(address(feed)), 1_000e18, "-50% within 5000 bps");
    }

    function test_priceWad_secondaryStalePrice() public {
        vm.warp(T0 + SECONDARY_HEARTBEAT + 1);
        feed.updateAnswer(ANSWER_8); // the primary is fresh
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.StalePrice.selector,
                address(secondary),
                T0,
                uint256(SECONDARY_HEARTBEAT),
                T0 + SECONDARY_HEARTBEAT + 1
            )
        );
        adapter.priceWad(address(feed));
    }

    function test_priceWad_secondaryUsesItsOwnHeartbeat() public {
        // Older than the primary's heartbeat but within the secondary's own.
        vm.warp(T0 + SECONDARY_HEARTBEAT);
        feed.updateAnswer(ANSWER_8);
        assertEq(adapter.priceWad(address(feed)), PRICE_WAD, "secondary age == its heartbeat");
    }

    function test_priceWad_primaryStaleCheckedBeforeSecondary() public {
        vm.warp(T0 + SECONDARY_HEARTBEAT + 1); // both stale
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.StalePrice.selector,
                address(feed),
                T0,
                uint256(HEARTBEAT),
                T0 + SECONDARY_HEARTBEAT + 1
            )
        );
        adapter.priceWad(address(feed));
    }

    function test_priceWad_secondaryNonPositiveAnswer() public {
        secondary.updateAnswer(0);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.NonPositiveAnswer.selector, address(secondary), int256(0))
        );
        adapter.priceWad(address(feed));
    }

    function test_priceWad_secondaryIncompleteRound() public {
        secondary.updateRoundData(3, 2_000e18, 0, T0);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.IncompleteRound.selector, address(secondary), uint80(3), uint80(3), 0)
        );
        adapter.priceWad(address(feed));
    }

    function test_priceWad_secondaryFutureRound() public {
        secondary.updateRoundData(3, 2_000e18, T0 + 5, T0 + 5);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.FutureRound.selector, address(secondary), T0 + 5, T0));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_secondaryUnsupportedDecimals() public {
        MockV3Aggregator bad = new MockV3Aggregator(40, 2_000);
        adapter.setFeed(address(feed), HEARTBEAT, address(bad), SECONDARY_HEARTBEAT, MAX_DEV);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.UnsupportedDecimals.selector, address(bad), uint8(40)));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_secondaryFeedCallFailedReverting() public {
        RevertingFeed bad = new RevertingFeed();
        adapter.setFeed(address(feed), HEARTBEAT, address(bad), SECONDARY_HEARTBEAT, MAX_DEV);
        _expectFeedCallFailed(address(bad));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_secondaryFeedCallFailedGasBurning() public {
        GasBurningFeed bad = new GasBurningFeed();
        adapter.setFeed(address(feed), HEARTBEAT, address(bad), SECONDARY_HEARTBEAT, MAX_DEV);
        _expectFeedCallFailed(address(bad));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_secondaryFeedCallFailedNoCode() public {
        vm.etch(address(secondary), "");
        _expectFeedCallFailed(address(secondary));
        adapter.priceWad(address(feed));
    }

    function test_priceWad_secondaryInsufficientGasForOracle() public {
        // Enough gas for the (50k-gas) primary's reads, not for the secondary's: the named error, not FeedCallFailed.
        GasHungryFeed primary = new GasHungryFeed(50_000, ANSWER_8, T0);
        adapter.setFeed(address(primary), HEARTBEAT, address(secondary), SECONDARY_HEARTBEAT, MAX_DEV);
        assertEq(adapter.priceWad{gas: 300_000}(address(primary)), PRICE_WAD, "enough gas for both");
        uint256 required = (adapter.FEED_CALL_GAS() * 64) / 63 + 5_000;
        try adapter.priceWad{gas: 150_000}(address(primary)) returns (uint256) {
            fail("read with too little gas");
        } catch (bytes memory reason) {
            assertEq(_selector(reason), IOracleAdapter.InsufficientGasForOracle.selector, "InsufficientGasForOracle");
            (uint256 gasLeft, uint256 gasRequired) = abi.decode(_args(reason), (uint256, uint256));
            assertEq(gasRequired, required, "gasRequired");
            assertLt(gasLeft, 150_000 - 50_000, "failed after the primary's reads");
        }
    }

    function test_priceWad_secondaryOnlyMattersWhenConfigured() public {
        adapter.setFeed(address(feed), HEARTBEAT, address(0), 0, 0);
        secondary.updateAnswer(0);
        feed.updateAnswer(5_000e8);
        assertEq(adapter.priceWad(address(feed)), 5_000e18, "secondary dropped");
    }

    function testFuzz_priceWad_deviation(uint256 primary, uint256 second, uint256 maxDev) public {
        primary = bound(primary, 1, 1e30); // 8 decimals
        uint256 primaryWad = primary * 1e10;
        second = bound(second, primaryWad / 2, primaryWad * 2); // 18 decimals, both sides of any maxDev
        maxDev = bound(maxDev, 10, 5_000);
        adapter.setFeed(address(feed), HEARTBEAT, address(secondary), SECONDARY_HEARTBEAT, uint16(maxDev));
        feed.updateAnswer(int256(primary));
        secondary.updateAnswer(int256(second));

        uint256 diff = primaryWad > second ? primaryWad - second : second - primaryWad;
        uint256 devBps = (diff * 10_000) / second;
        if (devBps * second < diff * 10_000) devBps += 1; // rounded up
        if (devBps > maxDev) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IOracleAdapter.PriceDeviationTooHigh.selector,
                    address(feed),
                    primaryWad,
                    second,
                    devBps,
                    maxDev
                )
            );
            adapter.priceWad(address(feed));
        } else {
            assertEq(adapter.priceWad(address(feed)), primaryWad, "within deviation");
        }
    }

    function _expectDeviation(uint256 primaryWad, uint256 secondaryWad, uint256 deviationBps) internal {
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.PriceDeviationTooHigh.selector,
                address(feed),
                primaryWad,
                secondaryWad,
                deviationBps,
                uint256(MAX_DEV)
            )
        );
    }
}
