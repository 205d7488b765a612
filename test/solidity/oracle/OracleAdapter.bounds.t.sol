// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {BoundedAggregator, BoundedFeed, ConfigurableFeedProxy, MalformedFeed} from "../mocks/FeedDoubles.sol";
import {OracleAdapterTestBase} from "./OracleAdapterTestBase.sol";

/// @notice The aggregator's min/max circuit-breaker bounds: read proxy -> aggregator at `setFeed`, re-synced by
/// anyone with `syncBounds`, enforced strictly by `priceWad`.
contract OracleAdapterBoundsTest is OracleAdapterTestBase {
    int192 internal constant MIN = 1e8; // 1 USD
    int192 internal constant MAX = 100_000e8; // 100k USD

    BoundedAggregator internal aggregator;
    ConfigurableFeedProxy internal proxy;

    function setUp() public override {
        super.setUp();
        aggregator = new BoundedAggregator(MIN, MAX);
        proxy = new ConfigurableFeedProxy(address(aggregator), 8, ANSWER_8);
        _configure(address(proxy));
    }

    // ---------------------------------------------------------------- setFeed reads the bounds

    function test_setFeed_readsBoundsThroughProxyAggregator() public view {
        IOracleAdapter.FeedConfig memory config = adapter.feedConfig(address(proxy));
        assertTrue(config.hasBounds, "hasBounds");
        IOracleAdapter.FeedBounds memory b = adapter.feedBounds(address(proxy));
        assertEq(int256(b.minAnswer), int256(MIN), "minAnswer");
        assertEq(int256(b.maxAnswer), int256(MAX), "maxAnswer");
    }

    function test_setFeed_emitsBoundsSynced() public {
        ConfigurableFeedProxy other = new ConfigurableFeedProxy(address(aggregator), 8, ANSWER_8);
        vm.expectEmit();
        emit IOracleAdapter.FeedSet(address(other), HEARTBEAT, address(0), 0, 0);
        vm.expectEmit();
        emit IOracleAdapter.BoundsSynced(address(other), MIN, MAX);
        _configure(address(other));
    }

    function test_setFeed_noBoundsForPlainMock() public view {
        assertFalse(adapter.feedConfig(address(feed)).hasBounds, "MockV3Aggregator has no bounds");
        IOracleAdapter.FeedBounds memory b = adapter.feedBounds(address(feed));
        assertEq(int256(b.minAnswer), 0, "minAnswer");
        assertEq(int256(b.maxAnswer), 0, "maxAnswer");
    }

    function test_setFeed_noBoundsWhenMinNotBelowMax() public {
        aggregator.setBounds(MAX, MAX);
        _configure(address(proxy));
        assertFalse(adapter.feedConfig(address(proxy)).hasBounds, "min == max is not a bound");
        aggregator.setBounds(MAX, MIN);
        _configure(address(proxy));
        assertFalse(adapter.feedConfig(address(proxy)).hasBounds, "min > max is not a bound");
    }

    function test_setFeed_reconfigureWithoutBoundsClearsThem() public {
        proxy.setAggregator(address(0)); // the proxy itself has no minAnswer()
        _configure(address(proxy));
        assertFalse(adapter.feedConfig(address(proxy)).hasBounds, "hasBounds");
        IOracleAdapter.FeedBounds memory b = adapter.feedBounds(address(proxy));
        assertEq(int256(b.minAnswer), 0, "minAnswer cleared");
        assertEq(int256(b.maxAnswer), 0, "maxAnswer cleared");
        proxy.setAnswer(MAX);
        assertEq(adapter.priceWad(address(proxy)), 100_000e18, "no bound enforced");
    }

    function test_setFeed_boundsUnknownWhenAggregatorHasNoCode() public {
        // Used to revert setFeed with empty data: try/catch does not catch the decoding of an empty answer.
        proxy.setAggregator(EOA);
        _configure(address(proxy));
        assertFalse(adapter.feedConfig(address(proxy)).hasBounds, "hasBounds");
        assertEq(adapter.priceWad(address(proxy)), PRICE_WAD, "reads without bounds");
    }

    function test_setFeed_boundsUnknownForPermissiveFallback() public {
        // A feed whose fallback answers unknown selectors with empty data (used to revert setFeed).
        MalformedFeed permissive = new MalformedFeed();
        permissive.setEmptyOnUnknownSelector(true);
        _configure(address(permissive));
        assertFalse(adapter.feedConfig(address(permissive)).hasBounds, "hasBounds");
        assertEq(adapter.priceWad(address(permissive)), 2_000e18, "reads without bounds");
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.BoundsUnavailable.selector, address(permissive)));
        adapter.syncBounds(address(permissive));
    }

    function test_setFeed_boundsReadFromFeedWhenAggregatorIsZero() public {
        // A feed that is its own aggregator (no proxy): aggregator() unavailable -> bounds read on the feed.
        BoundedFeed direct = new BoundedFeed();
        _configure(address(direct));
        assertTrue(adapter.feedConfig(address(direct)).hasBounds, "hasBounds");
        assertEq(int256(adapter.feedBounds(address(direct)).maxAnswer), int256(MAX), "maxAnswer");
    }

    function test_setFeed_boundsWiderThanInt128AreClamped() public {
        aggregator.setBounds(type(int192).min, type(int192).max);
        _configure(address(proxy));
        IOracleAdapter.FeedBounds memory b = adapter.feedBounds(address(proxy));
        assertEq(int256(b.minAnswer), int256(type(int128).min), "minAnswer clamped");
        assertEq(int256(b.maxAnswer), int256(type(int128).max), "maxAnswer clamped");
        assertEq(adapter.priceWad(address(proxy)), PRICE_WAD, "reads");
    }

    // ---------------------------------------------------------------- PriceAtBound

    function test_priceWad_PriceAtBoundEqualsMin() public {
        _expectAtBound(MIN, MIN, MAX);
    }

    function test_priceWad_PriceAtBoundEqualsMax() public {
        _expectAtBound(MAX, MIN, MAX);
    }

    function test_priceWad_PriceAtBoundBelowMin() public {
        _expectAtBound(MIN - 1, MIN, MAX);
    }

    function test_priceWad_PriceAtBoundAboveMax() public {
        _expectAtBound(MAX + 1, MIN, MAX);
    }

    function test_priceWad_PriceAtBoundFarAboveMax() public {
        _expectAtBound(type(int192).max, MIN, MAX);
    }

    function test_priceWad_strictlyInsideBoundsPasses() public {
        proxy.setAnswer(MIN + 1);
        assertEq(adapter.priceWad(address(proxy)), uint256(int256(MIN + 1)) * 1e10, "min + 1");
        proxy.setAnswer(MAX - 1);
        assertEq(adapter.priceWad(address(proxy)), uint256(int256(MAX - 1)) * 1e10, "max - 1");
        proxy.setAnswer(ANSWER_8);
        assertEq(adapter.priceWad(address(proxy)), PRICE_WAD, "middle");
    }

    function test_priceWad_PriceAtBoundCheckedAfterStaleness() public {
        proxy.setAnswer(MIN);
        vm.warp(T0 + HEARTBEAT + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.StalePrice.selector,
                address(proxy),
                T0,
                uint256(HEARTBEAT),
                T0 + HEARTBEAT + 1
            )
        );
        adapter.priceWad(address(proxy));
    }

    function testFuzz_priceWad_bounds(int256 answer) public {
        answer = bound(answer, 1, int256(MAX) * 2);
        proxy.setAnswer(answer);
        if (answer <= MIN || answer >= MAX) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IOracleAdapter.PriceAtBound.selector,
                    address(proxy),
                    answer,
                    int256(MIN),
                    int256(MAX)
                )
            );
            adapter.priceWad(address(proxy));
        } else {
            assertEq(adapter.priceWad(address(proxy)), uint256(answer) * 1e10, "inside");
        }
    }

    // ---------------------------------------------------------------- syncBounds

    function test_syncBounds_resyncsAfterBoundsChange() public {
        int192 newMin = 10e8;
        int192 newMax = 50_000e8;
        aggregator.setBounds(newMin, newMax);

        // Until re-synced, the adapter still enforces the bounds it read at setFeed.
        proxy.setAnswer(60_000e8);
        assertEq(adapter.priceWad(address(proxy)), 60_000e18, "old bounds still apply");

        // Permissionless.
        vm.expectEmit();
        emit IOracleAdapter.BoundsSynced(address(proxy), newMin, newMax);
        vm.prank(STRANGER);
        adapter.syncBounds(address(proxy));

        IOracleAdapter.FeedBounds memory b = adapter.feedBounds(address(proxy));
        assertEq(int256(b.minAnswer), int256(newMin), "minAnswer");
        assertEq(int256(b.maxAnswer), int256(newMax), "maxAnswer");
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.PriceAtBound.selector,
                address(proxy),
                int256(60_000e8),
                int256(newMin),
                int256(newMax)
            )
        );
        adapter.priceWad(address(proxy));
    }

    function test_syncBounds_followsNewAggregatorAfterPhaseChange() public {
        BoundedAggregator next = new BoundedAggregator(5e8, 10_000e8);
        proxy.setAggregator(address(next));
        vm.prank(STRANGER);
        adapter.syncBounds(address(proxy));
        IOracleAdapter.FeedBounds memory b = adapter.feedBounds(address(proxy));
        assertEq(int256(b.minAnswer), 5e8, "minAnswer");
        assertEq(int256(b.maxAnswer), 10_000e8, "maxAnswer");
        proxy.setAnswer(10_000e8);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.PriceAtBound.selector,
                address(proxy),
                int256(10_000e8),
                int256(5e8),
                int256(10_000e8)
            )
        );
        adapter.priceWad(address(proxy));
    }

    function test_syncBounds_enablesBoundsLearnedLater() public {
        proxy.setAggregator(address(0));
        _configure(address(proxy));
        assertFalse(adapter.feedConfig(address(proxy)).hasBounds, "no bounds at setFeed");
        proxy.setAggregator(address(aggregator));
        adapter.syncBounds(address(proxy));
        assertTrue(adapter.feedConfig(address(proxy)).hasBounds, "hasBounds after sync");
        _expectAtBound(MAX, MIN, MAX);
    }

    function test_syncBounds_keepsRestOfConfig() public {
        adapter.setFeed(address(proxy), 2 * HEARTBEAT, address(feed), 3 * HEARTBEAT, 250);
        adapter.syncBounds(address(proxy));
        IOracleAdapter.FeedConfig memory c = adapter.feedConfig(address(proxy));
        assertEq(uint256(c.heartbeat), 2 * HEARTBEAT, "heartbeat");
        assertEq(uint256(c.secondaryHeartbeat), 3 * HEARTBEAT, "secondaryHeartbeat");
        assertEq(uint256(c.maxDeviationBps), 250, "maxDeviationBps");
        assertEq(c.secondaryFeed, address(feed), "secondaryFeed");
        assertTrue(c.hasBounds, "hasBounds");
    }

    function test_syncBounds_BoundsUnavailableForPlainMock() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.BoundsUnavailable.selector, address(feed)));
        adapter.syncBounds(address(feed));
    }

    function test_syncBounds_BoundsUnavailableWhenMinNotBelowMax() public {
        aggregator.setBounds(MAX, MIN);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.BoundsUnavailable.selector, address(proxy)));
        adapter.syncBounds(address(proxy));
        // The bounds read earlier stay in force.
        assertEq(int256(adapter.feedBounds(address(proxy)).minAnswer), int256(MIN), "unchanged");
    }

    function test_syncBounds_FeedNotConfigured() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.FeedNotConfigured.selector, EOA));
        adapter.syncBounds(EOA);
    }

    function test_removeFeed_clearsBounds() public {
        adapter.removeFeed(address(proxy));
        IOracleAdapter.FeedBounds memory b = adapter.feedBounds(address(proxy));
        assertEq(int256(b.minAnswer), 0, "minAnswer");
        assertEq(int256(b.maxAnswer), 0, "maxAnswer");
        assertFalse(adapter.feedConfig(address(proxy)).hasBounds, "hasBounds");
    }

    function _expectAtBound(int256 answer, int256 min, int256 max) internal {
        proxy.setAnswer(answer);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.PriceAtBound.selector, address(proxy), answer, min, max));
        adapter.priceWad(address(proxy));
    }
}
