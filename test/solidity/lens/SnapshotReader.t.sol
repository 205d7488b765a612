// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {VaultFixture} from "../vault/VaultFixture.sol";
import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";
import {SnapshotReader} from "../../../contracts/lens/SnapshotReader.sol";

/// @notice The deployless SnapshotReader returns, in its packed words (the SDK's layout, src/actions/snapshotLens.ts),
/// what the vault's own views say: each liquidation price equal to `liquidationPrice` (computed once per account
/// instead of once per position), the margins of `accountMargin`, and a stale market blanked alone with its typed
/// error.
contract SnapshotReaderTest is VaultFixture {
    uint256 internal constant MARKET_WORDS = 9;

    /// @dev Runs the lens' creation code (as the SDK's eth_call does) and returns what it "deployed": its words.
    function _snapshot(
        uint256[] memory marketIds,
        address owner,
        uint96 accountIndex,
        uint256 maxReturnedBytes
    ) internal returns (uint256[] memory w) {
        bytes memory init = abi.encodePacked(
            type(SnapshotReader).creationCode,
            abi.encode(
                address(vault),
                address(lp),
                marketIds,
                SnapshotReader.AccountInput(owner, accountIndex, 1, 0, 0),
                int256(1e18),
                maxReturnedBytes
            )
        );
        address created;
        assembly ("memory-safe") {
            created := create(0, add(init, 0x20), mload(init))
        }
        assertTrue(created != address(0), "the lens' creation reverted");
        bytes memory code = created.code;
        w = new uint256[](code.length / 32);
        for (uint256 i; i < w.length; ++i) {
            uint256 word;
            assembly ("memory-safe") {
                word := mload(add(add(code, 32), mul(i, 32)))
            }
            w[i] = word;
        }
    }

    function _ids() internal pure returns (uint256[] memory ids) {
        ids = new uint256[](2);
        (ids[0], ids[1]) = (ETH, BTC);
    }

    /// @notice Equal to the vault's views to the wei, across sides, price moves and funding.
    function testFuzz_snapshot_equalsTheVaultsViews(uint256 seed, uint256 ethMove, uint256 btcMove, uint256 dt) public {
        fund(alice, 4, 3_000e6 + (seed % 5_000e6));
        int256 ethSize = int256(0.05e18 + ((seed >> 8) % 1.5e18));
        int256 btcSize = int256(0.002e18 + ((seed >> 80) % 0.05e18));
        if ((seed >> 160) % 2 == 0) ethSize = -ethSize;
        if ((seed >> 161) % 2 == 0) btcSize = -btcSize;
        tradeAs(alice, 4, ETH, ethSize);
        tradeAs(alice, 4, BTC, btcSize);
        fund(bob, 1, 50_000e6);
        tradeAs(bob, 1, ETH, -ethSize * 2); // the other side: skew either way
        vm.warp(vm.getBlockTimestamp() + bound(dt, 0, 20 days));
        setEthPrice(int256(bound(ethMove, 2_500e8, 3_600e8)));
        btcFeed.updateAnswer(int256(bound(btcMove, 50_000e8, 70_000e8)));

        uint256[] memory w = _snapshot(_ids(), alice, 4, 24_576);
        uint256 header = w[0];
        assertEq(header >> 248, 0, "EIP-3541: the returned code does not start with 0xEF");
        assertEq(header & 0xffff, 2, "markets");
        assertEq((header >> 16) & 0xffff, 2, "positions");
        assertEq((header >> 32) & 0xffff, 0, "no errors");
        assertEq(uint64(header >> 80), block.number, "block number");
        assertEq(uint64(header >> 144), block.timestamp, "block timestamp");

        for (uint256 i; i < 2; ++i) {
            uint256 at = 1 + i * MARKET_WORDS;
            IPerpVaultTypes.MarketParams memory p = vault.marketParams(i);
            assertEq(address(uint160(w[at] >> 96)), p.feed, "feed");
            assertEq(uint64(w[at + 1] >> 128), p.maintenanceMarginRatio, "maintenance margin ratio");
            assertEq(uint80(w[at + 3]), p.liquidationFeeUsd, "liquidation fee");
            assertEq(uint80(w[at + 3] >> 80), p.minPositionMarginUsd, "min position margin");
            assertEq(uint256(uint32(w[at + 3] >> 160)) * 1e12, p.grossReserveRatio, "gross reserve ratio");
            (int256 rate, int256 index) = vault.currentFunding(i);
            assertEq(int256(int64(uint64(w[at + 5]))), rate, "current funding rate");
            assertEq(int256(int128(uint128(w[at + 6] >> 128))), index, "current funding index");
            assertEq(uint128(w[at + 6]), adapter.priceWad(p.feed), "price");
            (uint256 fill, uint256 fee) = vault.quote(i, 1e18);
            assertEq(w[at + 7] >> 128, fill, "quote fill");
            assertEq(uint128(w[at + 7]), fee, "quote fee");
            assertEq(w[at + 4] >> 248, 0, "no read failed");
            // Word 9: the adapter's marketStatus now (these markets have no schedule: open, not scheduled).
            (bool scheduled, bool open, uint256 flags, uint256 lastOpen, uint256 nextClose, uint256 nextOpen) = adapter
                .marketStatus(p.feed, block.timestamp);
            assertEq(
                w[at + 8],
                ((scheduled ? uint256(1) : 0) << 201) |
                    ((open ? uint256(1) : 0) << 200) |
                    (flags << 192) |
                    (lastOpen << 128) |
                    (nextClose << 64) |
                    nextOpen,
                "hours"
            );
            assertEq(w[at + 8], uint256(1) << 200, "an unscheduled market: open, nothing else");
        }

        IPerpVaultTypes.AccountMargin memory m = vault.accountMargin(alice, 4);
        uint256 a = 1 + 2 * MARKET_WORDS;
        assertEq(int256(int128(uint128(w[a] >> 128))), m.collateral, "collateral");
        assertEq(int256(int128(uint128(w[a]))), m.equity, "equity");
        assertEq(w[a + 1] >> 128, m.initialMargin, "initial margin");
        assertEq(uint128(w[a + 1]), m.maintenanceMargin, "maintenance margin");
        assertEq(w[a + 2] >> 128, m.notional, "notional");
        for (uint256 k; k < 2; ++k) {
            uint256 q = w[a + 3 + 2 * k];
            uint256 l = w[a + 4 + 2 * k];
            uint256 marketId = (l >> 240) & 0xff;
            IPerpVaultTypes.Position memory pos = vault.position(alice, 4, marketId);
            assertEq(int256(int96(uint96(q >> 160))), pos.size, "size");
            assertEq(uint256(uint80(q >> 80)) * 1e8, pos.entryPrice, "entry price");
            assertEq(int256(int80(uint80(q))) * 1e8, pos.fundingIndexEntry, "funding index entry");
            assertEq(l >> 255, 0, "liquidation price available");
            assertEq(l & ((1 << 240) - 1), vault.liquidationPrice(alice, 4, marketId), "liquidation price");
        }
        uint256 lv = a + 3 + 4;
        (uint256 valueTokens, uint256 withdrawableTokens) = vault.liquidityState();
        assertEq(w[lv] >> 128, IERC4626(address(lp)).totalAssets(), "totalAssets");
        assertEq(uint128(w[lv]), lp.totalSupply(), "totalSupply");
        assertEq(w[lv + 1] >> 128, valueTokens, "valueTokens");
        assertEq(uint128(w[lv + 1]), withdrawableTokens, "withdrawableTokens");
        assertEq(w.length, lv + 2, "nothing after the LP vault");
    }

    /// @notice A stale ETH feed blanks ETH's price reads and everything that needs ETH's price, with StalePrice;
    /// BTC is read in full.
    function test_snapshot_staleMarket_blanksOnlyWhatNeedsItsPrice() public {
        fund(alice, 1, 10_000e6);
        tradeAs(alice, 1, ETH, 1e18);
        tradeAs(alice, 1, BTC, -0.01e18);
        vm.warp(vm.getBlockTimestamp() + 1 days + 1);
        btcFeed.updateAnswer(60_000e8); // BTC fresh, ETH stale

        uint256[] memory w = _snapshot(_ids(), alice, 1, 24_576);
        uint256 header = w[0];
        assertEq((header >> 32) & 0xffff, 1, "one distinct error: ETH's, shared by the margins and the pool mark");
        assertEq((header >> 48) & 0xff, 1 | 2 | 4 | 8 | 16 | 32, "margins and pool mark reverted");
        assertEq((header >> 56) & 0xff, 1, "the account's error is entry 1");
        assertEq((header >> 64) & 0xff, 1, "the LP vault's error is entry 1");
        assertEq(w[1 + 4] >> 248, 7, "ETH: price, funding and quote failed");
        assertEq((w[1 + 4] >> 240) & 0xff, 1, "ETH's error is entry 1");
        assertEq(w[1 + MARKET_WORDS + 4] >> 248, 0, "BTC read in full");
        assertEq(uint128(w[1 + MARKET_WORDS + 6]), 60_000e18, "BTC price");
        uint256 a = 1 + 2 * MARKET_WORDS;
        assertEq(w[a + 4] >> 255, 1, "no liquidation price without the margins");
        assertEq(w[a + 6] >> 255, 1, "no liquidation price without the margins");
        uint256 e = a + 3 + 4 + 2;
        assertEq(w[e], 4 + 4 * 32, "StalePrice(feed, updatedAt, heartbeat, now)");
        bytes memory data = new bytes(w[e]);
        for (uint256 j; j < 5; ++j) {
            uint256 word = w[e + 1 + j];
            uint256 end = 32 * (j + 1) > data.length ? data.length : 32 * (j + 1);
            for (uint256 b = 32 * j; b < end; ++b) data[b] = bytes1(uint8(word >> (8 * (31 - (b - 32 * j)))));
        }
        bytes memory expected = abi.encodeWithSelector(
            IOracleAdapter.StalePrice.selector,
            address(ethFeed),
            ethFeed.latestTimestamp(),
            1 days,
            vm.getBlockTimestamp()
        );
        assertEq(keccak256(data), keccak256(expected), "the oracle's own revert data");
        assertEq(w.length, e + 1 + 5, "the entry is the last thing returned");
    }

    /// @notice With no room left, the error is flagged "not returned" (255) and the data is left out.
    function test_snapshot_noRoom_flagsErrorsNotReturned() public {
        fund(alice, 1, 10_000e6);
        tradeAs(alice, 1, ETH, 1e18);
        vm.warp(vm.getBlockTimestamp() + 1 days + 1);
        btcFeed.updateAnswer(60_000e8);
        uint256 words = 1 + 2 * MARKET_WORDS + 3 + 2 + 2;
        uint256[] memory w = _snapshot(_ids(), alice, 1, words * 32);
        assertEq(w.length, words, "no error table");
        assertEq((w[0] >> 32) & 0xffff, 0, "no entries");
        assertEq((w[1 + 4] >> 240) & 0xff, 255, "ETH: reverted, data not returned");
        assertEq((w[0] >> 56) & 0xff, 255, "the account: reverted, data not returned");
    }

    /// @notice More markets than the vault's cap in one call is refused (error refs are 8 bits).
    function test_snapshot_tooManyMarkets_reverts() public {
        uint256[] memory ids = new uint256[](129);
        bytes memory init = abi.encodePacked(
            type(SnapshotReader).creationCode,
            abi.encode(
                address(vault),
                address(0),
                ids,
                SnapshotReader.AccountInput(address(0), 0, 0, 0, 0),
                int256(1e18),
                24_576
            )
        );
        address created;
        assembly ("memory-safe") {
            created := create(0, add(init, 0x20), mload(init))
        }
        assertEq(created, address(0), "refused before any read");
    }
}
