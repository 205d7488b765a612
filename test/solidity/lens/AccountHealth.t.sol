// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultFixture} from "../vault/VaultFixture.sol";
import {IPerpVault, IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";
import {AccountHealth} from "../../../contracts/lens/AccountHealth.sol";
import {AccountScanner} from "../../../contracts/lens/AccountScanner.sol";

/// @dev Exposes the library: one context for a whole list, as the scanner and the upkeep use it.
contract AccountHealthHarness {
    function readAll(
        IPerpVault vault,
        IPerpVaultTypes.AccountRef[] calldata accounts
    ) external view returns (AccountHealth.Health[] memory out) {
        AccountHealth.Context memory ctx = AccountHealth.newContext(vault);
        out = new AccountHealth.Health[](accounts.length);
        for (uint256 i; i < accounts.length; ++i)
            out[i] = AccountHealth.read(ctx, accounts[i].owner, accounts[i].accountIndex);
    }
}

/// @notice The lens computes exactly what the vault's own views say (`accountMargin`, `isLiquidatable`), with each
/// market read once, and never reports an account on a bad price as healthy or liquidatable.
contract AccountHealthTest is VaultFixture {
    AccountHealthHarness internal harness;

    function setUp() public override {
        super.setUp();
        harness = new AccountHealthHarness();
    }

    function _refs(
        address[] memory owners,
        uint96 index
    ) internal pure returns (IPerpVaultTypes.AccountRef[] memory r) {
        r = new IPerpVaultTypes.AccountRef[](owners.length);
        for (uint256 i; i < owners.length; ++i) r[i] = IPerpVaultTypes.AccountRef(owners[i], index);
    }

    /// @notice Equal to the vault to the wei, across markets, funding, price moves and both sides.
    function testFuzz_read_equalsTheVaultsViews(uint256 seed, uint256 ethMove, uint256 btcMove, uint256 dt) public {
        address[] memory owners = new address[](6);
        for (uint256 i; i < owners.length; ++i) {
            owners[i] = address(uint160(0x5000 + i));
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            fund(owners[i], 3, 2_000e6 + (r % 5_000e6));
            // sizes above the minimum position margin (10 USD of initial margin), either side
            int256 ethSize = int256(0.05e18 + ((r >> 8) % 0.95e18));
            int256 btcSize = int256(0.002e18 + ((r >> 80) % 0.048e18));
            if ((r >> 160) % 2 == 0) ethSize = -ethSize;
            if ((r >> 161) % 2 == 0) btcSize = -btcSize;
            tradeAs(owners[i], 3, ETH, ethSize);
            if ((r >> 200) % 2 == 0) tradeAs(owners[i], 3, BTC, btcSize);
        }
        vm.warp(vm.getBlockTimestamp() + bound(dt, 0, 20 days));
        setEthPrice(int256(bound(ethMove, 2_000e8, 4_000e8)));
        btcFeed.updateAnswer(int256(bound(btcMove, 40_000e8, 80_000e8)));
        AccountHealth.Health[] memory hs = harness.readAll(vault, _refs(owners, 3));
        for (uint256 i; i < owners.length; ++i) {
            IPerpVaultTypes.AccountMargin memory m = vault.accountMargin(owners[i], 3);
            assertTrue(hs[i].priced, "priced");
            assertEq(hs[i].equityUsd, m.equity, "equity");
            assertEq(hs[i].maintenanceMarginUsd, m.maintenanceMargin, "maintenance margin");
            assertEq(hs[i].notionalUsd, m.notional, "notional");
            assertEq(hs[i].marketBitmap, vault.accountMarkets(owners[i], 3), "markets");
            bool liquidatable = hs[i].marketBitmap != 0 && hs[i].equityUsd < int256(hs[i].maintenanceMarginUsd);
            assertEq(liquidatable, vault.isLiquidatable(owners[i], 3), "isLiquidatable");
        }
    }

    /// @notice A stale market makes exactly the accounts holding it unpriced; the others are still read.
    function test_read_staleMarket_onlyItsAccountsAreUnpriced() public {
        fund(alice, 1, 5_000e6);
        tradeAs(alice, 1, ETH, 1e18);
        fund(bob, 1, 5_000e6);
        tradeAs(bob, 1, BTC, 0.01e18);
        vm.warp(vm.getBlockTimestamp() + 1 days + 1);
        btcFeed.updateAnswer(60_000e8); // BTC fresh, ETH stale
        address[] memory owners = new address[](2);
        owners[0] = alice;
        owners[1] = bob;
        AccountHealth.Health[] memory hs = harness.readAll(vault, _refs(owners, 1));
        assertFalse(hs[0].priced, "alice holds the stale market");
        assertEq(hs[0].equityUsd, 0, "no number on a bad price");
        assertTrue(hs[1].priced, "bob does not");
        assertEq(hs[1].equityUsd, vault.accountMargin(bob, 1).equity, "bob read");
    }

    /// @notice The deployless scanner's packed output decodes to the library's numbers (the SDK's layout).
    function test_scanner_packsTwoWordsPerAccount() public {
        fund(alice, 2, 1_000e6);
        tradeAs(alice, 2, ETH, -1e18);
        setEthPrice(3_500e8);
        uint256[] memory accounts = new uint256[](2);
        accounts[0] = (uint256(uint160(alice)) << 96) | 2;
        accounts[1] = (uint256(uint160(bob)) << 96) | 7; // no positions
        bytes memory init = abi.encodePacked(type(AccountScanner).creationCode, abi.encode(address(vault), accounts));
        address created;
        assembly ("memory-safe") {
            created := create(0, add(init, 0x20), mload(init))
        }
        bytes memory out = created.code;
        assertEq(out.length, 32 * 5, "header + 2 words per account");
        uint256[5] memory w = abi.decode(out, (uint256[5]));
        IPerpVaultTypes.AccountMargin memory m = vault.accountMargin(alice, 2);
        assertEq(w[0], 2, "count");
        assertEq(int256(int128(uint128(w[1] >> 128))), m.equity, "equity");
        assertEq(uint128(w[1]), m.maintenanceMargin, "margin");
        assertEq(w[2] >> 248, 0, "priced");
        assertEq(uint120(w[2] >> 128), m.notional, "notional");
        assertEq(uint128(w[2]), 1, "ETH only");
        assertEq(int256(int128(uint128(w[3] >> 128))), 0, "an empty account's equity is its collateral (0)");
        assertEq(uint128(w[4]), 0, "no markets");
    }
}
