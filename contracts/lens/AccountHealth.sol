// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";
import {IPerpVault, IPerpVaultTypes} from "../interfaces/IPerpVault.sol";
import {FundingMath} from "../libraries/FundingMath.sol";
import {MarginMath} from "../libraries/MarginMath.sol";
import {MarketHours} from "../libraries/MarketHours.sol";

/// @dev The vault's oracle adapter is a public immutable of {PerpVaultBase}, not part of {IPerpVault}.
interface IPerpVaultOracle {
    function oracle() external view returns (IOracleAdapter);
}

/// @title AccountHealth
/// @notice Equity and maintenance margin of many accounts from the vault's public views, reading each market's price,
/// funding index and margin parameters once for all of them: what `isLiquidatable` and `accountMargin` compute, at
/// a fraction of the gas when many accounts share markets. Used by the keeper's deployless {AccountScanner} and by
/// {LiquidationUpkeep-checkUpkeep}; kept equal to the vault by `test/solidity/lens/AccountHealth.t.sol`.
/// @dev A market whose oracle price fails the adapter's checks is unpriced: every account holding it is reported
/// unpriced (the vault would revert on it), never as healthy or liquidatable.
library AccountHealth {
    /// @dev `MarketData.status` values.
    uint8 internal constant UNREAD = 0;
    uint8 internal constant PRICED = 1;
    uint8 internal constant UNPRICED = 2;

    /// @notice One market as of this read (USD WAD, WAD ratios).
    struct MarketData {
        uint8 status;
        uint256 priceWad;
        int256 fundingIndex;
        uint256 maintenanceMarginRatio;
        uint256 liquidationFeeUsd;
    }

    /// @notice One account at current prices, with funding accrued to now (USD WAD).
    /// @param priced False when a market of the account has no valid price; the other fields are then zero
    /// (but `marketBitmap`).
    struct Health {
        bool priced;
        int256 equityUsd;
        uint256 maintenanceMarginUsd;
        uint256 notionalUsd;
        uint256 marketBitmap;
    }

    /// @notice What one read needs: the vault, its oracle adapter and a cache of every listed market.
    struct Context {
        IPerpVault vault;
        IOracleAdapter oracle;
        MarketData[] markets;
    }

    /// @notice An empty context for `vault` (the cache starts unread).
    function newContext(IPerpVault vault) internal view returns (Context memory) {
        return Context(vault, IPerpVaultOracle(address(vault)).oracle(), new MarketData[](vault.marketCount()));
    }

    /// @notice The account's health, reading (and caching) the data of each market it holds.
    function read(Context memory ctx, address owner, uint96 accountIndex) internal view returns (Health memory h) {
        IPerpVault vault = ctx.vault;
        (int256 equity, uint256 bitmap) = vault.accountSlot(owner, accountIndex);
        h.marketBitmap = bitmap;
        h.priced = true;
        while (bitmap != 0) {
            uint256 marketId = _lowestBit(bitmap);
            bitmap &= bitmap - 1;
            MarketData memory m = _market(ctx, marketId);
            if (m.status == UNPRICED) {
                return Health(false, 0, 0, 0, h.marketBitmap);
            }
            IPerpVaultTypes.Position memory p = vault.position(owner, accountIndex, marketId);
            int256 size = p.size;
            equity +=
                MarginMath.pnlDown(size, p.entryPrice, m.priceWad) -
                FundingMath.fundingOwedUp(size, p.fundingIndexEntry, m.fundingIndex);
            h.notionalUsd += MarginMath.notionalUp(size, m.priceWad);
            h.maintenanceMarginUsd += MarginMath.maintenanceMarginUp(
                size,
                m.priceWad,
                m.maintenanceMarginRatio,
                m.liquidationFeeUsd
            );
        }
        h.equityUsd = equity;
    }

    /// @dev The cached market, read on first use: price and market-hours flags through the adapter (as the vault
    /// reads them), the funding index as if accrued now at that price (`currentFunding`), the margin parameters in
    /// force.
    function _market(Context memory ctx, uint256 marketId) private view returns (MarketData memory m) {
        m = ctx.markets[marketId];
        if (m.status != UNREAD) return m;
        IPerpVaultTypes.MarketParams memory params = ctx.vault.marketParams(marketId);
        m.maintenanceMarginRatio = params.maintenanceMarginRatio;
        m.liquidationFeeUsd = params.liquidationFeeUsd;
        try ctx.oracle.priceWadAndStatus(params.feed) returns (uint256 priceWad, uint256 flags, uint256) {
            m.priceWad = priceWad;
            // In the closing window the vault requires the closing margin (a closed market is unpriced: no price).
            if (flags & MarketHours.CLOSING != 0) {
                uint256 closing = ctx.vault.closingMarginRatio(marketId);
                if (closing > m.maintenanceMarginRatio) m.maintenanceMarginRatio = closing;
            }
            (, m.fundingIndex) = ctx.vault.currentFunding(marketId);
            m.status = PRICED;
        } catch (bytes memory reason) {
            // Out of gas for the guarded read is this caller's problem, not the feed's: fail loudly.
            if (bytes4(reason) == IOracleAdapter.InsufficientGasForOracle.selector) _bubble(reason);
            m.status = UNPRICED;
        }
    }

    function _bubble(bytes memory reason) private pure {
        assembly ("memory-safe") {
            revert(add(reason, 32), mload(reason))
        }
    }

    function _lowestBit(uint256 x) private pure returns (uint256) {
        // x & −x isolates the lowest set bit; log2 of a power of two is its position.
        return Math.log2(x & (~x + 1));
    }
}
