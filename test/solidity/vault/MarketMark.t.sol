// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultFixture} from "./VaultFixture.sol";
import {IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";

/// @notice INV-11, exact: every path that changes a market's |skew| re-marks it in the pool's capacity totals (one
/// place, {Market-refreshMark}); after every market is re-marked the O(1) totals equal a fresh O(markets) mark. Also
/// the gross-exposure reserve and the parameter ticks.
contract MarketMarkTest is VaultFixture {
    function _pokeAll() internal {
        vault.accrueFunding(ETH);
        vault.accrueFunding(BTC);
    }

    /// @dev The O(1) totals equal a fresh mark once every market is re-marked at the current price.
    function _assertTotalsExact(string memory where) internal {
        _pokeAll();
        (int256 cachedValue, uint256 cachedReserved) = vault.capacityMark();
        (int256 value, uint256 reserved, ) = vault.poolMark();
        assertEq(cachedValue, value, string.concat("INV-11: cached value = fresh value, ", where));
        assertEq(cachedReserved, reserved, string.concat("INV-11: cached reserve = fresh reserve, ", where));
    }

    /// @notice The finding of issue #15: a reduction on the minority side raises |skew|; it used not to re-mark, so a
    /// trade in another market was admitted above maxUtilization. Every reduction re-marks now.
    function test_minorityReduction_raisesSkew_isMarked_otherMarketSeesIt() public {
        fund(bob, 0, 3_000_000e6);
        tradeAs(bob, 0, ETH, 2_000e18); // long 6 M USD
        fund(carol(), 0, 1_000_000e6);
        tradeAs(carol(), 0, ETH, -1_500e18); // short 4.5 M: |skew| 500 ETH = 1.5 M USD
        (, uint256 reservedBefore) = vault.capacityMark();
        // carol closes her short: |skew| goes 500 → 2,000 ETH (6 M USD), a reduction for her
        tradeAs(carol(), 0, ETH, 1_500e18);
        (, uint256 reservedAfter) = vault.capacityMark();
        assertApproxEqAbs(reservedAfter, reservedBefore + 4_500_000e18, 1e13, "the reduction re-marked ETH at once");
        // A 2 M USD BTC open now needs 8 M of reserve against ~10 M · 80 %: refused, as a fresh mark says.
        fund(alice, 1, 1_000_000e6);
        vm.prank(alice);
        (bool ok, bytes memory reason) = address(vault).call(
            abi.encodeCall(vault.trade, (params(alice, 1, BTC, 34e18)))
        );
        assertFalse(ok, "refused");
        assertEq(bytes4(reason), IPerpVaultTypes.UtilizationTooHigh.selector, "UtilizationTooHigh");
        _assertTotalsExact("after the minority reduction");
    }

    /// @notice A liquidation on the minority side raises |skew| too: marked by the same library call.
    function test_liquidationOfTheMinoritySide_isMarked() public {
        fund(bob, 0, 3_000_000e6);
        tradeAs(bob, 0, ETH, 1_000e18); // long 3 M
        fund(alice, 2, 40_000e6);
        tradeAs(alice, 2, ETH, -100e18); // a thin short of 300 k
        (, uint256 before) = vault.capacityMark();
        setEthPrice(3_400e8); // the short is under water: liquidated in full
        vm.prank(keeper);
        IPerpVaultTypes.LiquidationResult memory r = vault.liquidate(alice, 2);
        assertEq(r.closedFraction, 1e18, "full");
        (, uint256 afterLiquidation) = vault.capacityMark();
        // |skew| 900 → 1,000 ETH at 3,400 (the mark moved with the price too)
        assertEq(afterLiquidation, _reserveOf(1_000e18, 3_400e18), "re-marked by the liquidation");
        assertGt(afterLiquidation, before, "grew");
        _assertTotalsExact("after the liquidation");
    }

    /// @notice Funding accrual alone (no trade) keeps the totals exact: the index moves what traders owe.
    function test_accrualWithoutATrade_keepsTheTotalsExact() public {
        fund(bob, 0, 3_000_000e6);
        tradeAs(bob, 0, ETH, 1_000e18);
        fund(alice, 0, 300_000e6);
        tradeAs(alice, 0, BTC, -3e18);
        skip(3 days);
        vm.prank(keeper);
        // a healthy account in a batch: its markets are accrued, nothing closes
        IPerpVaultTypes.AccountRef[] memory refs = new IPerpVaultTypes.AccountRef[](1);
        refs[0] = IPerpVaultTypes.AccountRef(bob, 0);
        vault.liquidateBatch(refs);
        _assertTotalsExact("after accruals without trades");
    }

    /// @notice Fuzz: any sequence of trades in both directions, price moves and time keeps the totals exact.
    function testFuzz_totalsStayExact(uint256 seed) public {
        address[3] memory who = [alice, bob, carol()];
        for (uint256 i; i < 3; ++i) fund(who[i], 5, 500_000e6);
        for (uint256 step; step < 12; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            address trader = who[r % 3];
            uint256 marketId = (r >> 8) % 2;
            int256 size = int256(((r >> 16) % 50e18) + 1e18) / (marketId == BTC ? int256(20) : int256(1));
            if ((r >> 80) % 2 == 0) size = -size;
            vm.prank(trader);
            (bool ok, ) = address(vault).call(abi.encodeCall(vault.trade, (params(trader, 5, marketId, size))));
            ok; // refusals (margin, capacity) are part of the walk
            if ((r >> 96) % 3 == 0) setEthPrice(int256(2_500e8 + ((r >> 100) % 1_000e8)));
            if ((r >> 140) % 4 == 0) skip((r >> 150) % 2 days);
        }
        btcFeed.updateAnswer(60_000e8);
        setEthPrice(3_000e8);
        _assertTotalsExact("after a random walk");
    }

    // ---------------------------------------------------------------- gross-exposure reserve

    /// @notice A balanced book reserves `grossReserveRatio · min(long, short) · price`: LPs cannot withdraw it.
    function test_grossReserve_balancedBookStillReserves() public {
        IPerpVaultTypes.MarketParams memory p = defaultParams(address(ethFeed), 1_000_000e18);
        p.grossReserveRatio = 0.25e18;
        vm.prank(owner);
        vault.setMarketParams(ETH, p);
        fund(alice, 0, 3_000_000e6);
        tradeAs(alice, 0, ETH, 1_000e18);
        fund(bob, 0, 3_000_000e6);
        tradeAs(bob, 0, ETH, -1_000e18); // skew 0, 3 M USD hedged each side
        (, uint256 reserved) = vault.capacityMark();
        assertEq(reserved, _reserveOf(0, 3_000e18) + 750_000e18, "25 % of the hedged 3 M");
        (uint256 valueTokens, uint256 withdrawable) = vault.liquidityState();
        // value − withdrawable = reserve / maxUtilization
        assertApproxEqAbs((valueTokens - withdrawable) * 1e12, (750_000e18 * 1e18) / 0.8e18, 2e12, "locked");
        _assertTotalsExact("gross");
    }

    /// @notice The gross reserve limits how much hedged open interest a pool of a given size takes: at 50 %, a 10 M
    /// pool (80 % usable) takes four balanced pairs of 3 M a side, not the first leg of a fifth (3 M of net skew on 6 M
    /// of gross reserve), until LPs add capital.
    function test_grossReserve_limitsHedgedOpenInterest() public {
        IPerpVaultTypes.MarketParams memory p = defaultParams(address(ethFeed), 1_000_000e18);
        p.grossReserveRatio = 0.5e18;
        vm.prank(owner);
        vault.setMarketParams(ETH, p);
        for (uint256 i; i < 4; ++i) {
            address a = address(uint160(0x7000 + 2 * i));
            address b = address(uint160(0x7001 + 2 * i));
            fund(a, 0, 1_000_000e6);
            fund(b, 0, 1_000_000e6);
            tradeAs(a, 0, ETH, 1_000e18);
            tradeAs(b, 0, ETH, -1_000e18);
        }
        (, uint256 reserved) = vault.capacityMark();
        assertEq(reserved, 6_000_000e18, "half of the 12 M hedged");
        address c = address(0x7100);
        fund(c, 0, 1_000_000e6);
        vm.prank(c);
        (bool ok, bytes memory reason) = address(vault).call(
            abi.encodeCall(vault.trade, (params(c, 0, ETH, -1_000e18)))
        );
        assertFalse(ok, "a fifth 3 M short would add 3 M of net skew to 6 M of gross reserve");
        assertEq(bytes4(reason), IPerpVaultTypes.UtilizationTooHigh.selector, "UtilizationTooHigh");
        addPoolLiquidity(5_000_000e6);
        tradeAs(c, 0, ETH, -1_000e18);
        _assertTotalsExact("after the fifth pair's first leg");
    }

    // ---------------------------------------------------------------- parameter ticks

    function test_setMarketParams_offTickIsRefusedNamingTheTick() public {
        IPerpVaultTypes.MarketParams memory p = defaultParams(address(ethFeed), 1_000_000e18);
        p.takerFeeRatio = 0.0005e18 + 1;
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamNotOnTick.selector, "takerFeeRatio", 0.0005e18 + 1, 1e12)
        );
        vault.setMarketParams(ETH, p);
        p = defaultParams(address(ethFeed), 1_000_000e18);
        p.liquidationFeeUsd = 5e18 + 1;
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamNotOnTick.selector, "liquidationFeeUsd", 5e18 + 1, 1e12)
        );
        vault.setMarketParams(ETH, p);
        p = defaultParams(address(ethFeed), 1_000_000e18);
        p.grossReserveRatio = 1e18 + 1e12;
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamOutOfBounds.selector, "grossReserveRatio", 1e18 + 1e12, 0, 1e18)
        );
        vault.setMarketParams(ETH, p);
    }

    function test_marketParams_readBackExactly() public view {
        IPerpVaultTypes.MarketParams memory p = vault.marketParams(ETH);
        IPerpVaultTypes.MarketParams memory set = defaultParams(address(ethFeed), 1_000_000e18);
        assertEq(keccak256(abi.encode(p)), keccak256(abi.encode(set)), "stored in ppm and micro-USD, read back in WAD");
    }

    function test_marketFeed_isTheParamsFeed_revertsWhenUnlisted() public {
        assertEq(vault.marketFeed(ETH), vault.marketParams(ETH).feed, "ETH");
        assertEq(vault.marketFeed(BTC), address(btcFeed), "BTC");
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.MarketNotListed.selector, 7));
        vault.marketFeed(7);
    }

    // ---------------------------------------------------------------- helpers

    function carol() internal pure returns (address) {
        return address(0xCA401);
    }

    /// @dev |skew|·price in whole micro-USD, rounded up (how the pool books a reserve).
    function _reserveOf(uint256 absSkew, uint256 priceWad) internal pure returns (uint256) {
        uint256 exact = (absSkew * priceWad + 1e18 - 1) / 1e18;
        return ((exact + 1e12 - 1) / 1e12) * 1e12;
    }
}
