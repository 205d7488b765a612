// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";
import {IPerpVault, IPerpVaultTypes} from "../interfaces/IPerpVault.sol";
import {LiquidationMath} from "../libraries/LiquidationMath.sol";
import {PositionMath} from "../libraries/PositionMath.sol";
import {IPerpVaultOracle} from "./AccountHealth.sol";

/// @title SnapshotReader
/// @notice Never deployed: the SDK sends its creation code in one `eth_call` (a "deployless" read) and the
/// constructor returns, instead of runtime code, a snapshot of markets, one account and the LP vault at one block,
/// read through the vault's public views: what `getMarkets`, `getAccount` and `getLiquidityVault` return
/// (src/actions/read.ts). The account's margins are read once (`accountMargin`) and each position's liquidation price
/// is computed here with {LiquidationMath-liquidationPrice}, the function the vault's `liquidationPrice` view uses
/// with the same inputs: equal by construction, and O(positions) where one view per position is O(positions²).
/// A price-dependent read that reverts blanks only what needs that price and keeps its revert data (an oracle's
/// typed error) while the returned data has room; the rest is flagged "not returned" for the SDK to re-read.
/// @dev Inputs: the vault, the LP vault (zero: not read), the market ids (in the order they come back), the account
/// ({AccountInput}: not read, read with its margins, or with margins an earlier chunk of the same snapshot read at
/// the same block, so a snapshot split over several calls reads `accountMargin` once), the quote size (units WAD,
/// signed) and the returned-data budget (at most EIP-170's 24,576 bytes; the SDK lowers it so that the code deposit,
/// 200 gas per returned byte, fits the call's gas), which bounds the error table.
///
/// Output, packed 32-byte words (not ABI), bit ranges [low, high):
/// - word 0, header: [0,16) market count n · [16,32) position count p · [32,48) error entries e · [48,56) flags
///   (bit 0 account margins read, 1 LP vault read, 2 `accountMargin` reverted, 3 `liquidityState` reverted,
///   4 `totalAssets` reverted, 5 positions read) · [56,64) account error ref · [64,72) LP vault error ref ·
///   [72,80) LP share decimals · [80,144) block number · [144,208) block timestamp. The top byte is zero:
///   returned code must not start with 0xEF (EIP-3541).
/// - per market, 9 words, in input order:
///   1. `feed << 96 | skewScale`
///   2. `initialMarginRatio << 192 | maintenanceMarginRatio << 128 | takerFeeRatio << 64 | makerFeeRatio`
///   3. `maxLongSize << 160 | maxShortSize << 64 | maxFundingRatePerDay`
///   4. `maxFundingVelocityPerDay << 192 | grossReserveRatioPpm << 160 | minPositionMarginUsd << 80 |
///      liquidationFeeUsd` (1–4: `marketParams`,
///      its four storage slots)
///   5. `status << 248 | errorRef << 240 | openingPaused << 232 | lastFundingTime << 192 | uint64(fundingRatePerDay)
///      << 128 | uint128(fundingIndex)` (the stored state; status bit 0 `priceWad` reverted, 1 `currentFunding`
///      reverted, 2 `quote` reverted; a failed price fails the other two, which are then not called: they read the
///      same price and would revert with the same data)
///   6. `longSize << 160 | shortSize << 64 | uint64(current fundingRatePerDay)` (sizes fit 96 bits: ≤ 1e28 units)
///   7. `uint128(current fundingIndex) << 128 | priceWad` (`currentFunding`, `oracle.priceWad(feed)`)
///   8. `quoteFillPrice << 128 | quoteFeeUsd` (`quote(marketId, quoteSizeWad)`)
///   9. `scheduled << 201 | open << 200 | flags << 192 | lastOpen << 128 | nextClose << 64 | nextOpen` (the
///      adapter's `marketStatus(feed, block.timestamp)`: the market's hours now; all zero but `open` for a market
///      without a schedule)
/// - when the margins are read, 3 words: `uint128(collateral) << 128 | uint128(equity)`, `initialMargin << 128 |
///   maintenanceMargin`, `notional << 128 | marketBitmap` (collateral and bitmap from `accountSlot`, the rest from
///   `accountMargin`);
/// - when the account is read, per position (a requested market in the account's bitmap, input order), 2 words:
///   `uint96(size) << 160 | entryPriceTicks << 80 | uint80(fundingIndexEntryTicks)` (the vault's one-slot packing;
///   its views return multiples of the 1e-10 USD tick, so the ticks are exact) and `unavailable << 255 |
///   marketIndexInCall << 240 | liquidationPriceWad` (unavailable: the margins or the market's price reverted;
///   240 bits, as a tiny position with a large equity has a very distant liquidation price);
/// - when the LP vault is read, 2 words: `totalAssets << 128 | totalSupply`, `valueTokens << 128 |
///   withdrawableTokens` (`liquidityState`);
/// - the error table, e entries: a word with the revert data's length in bytes, then the data in ⌈length / 32⌉
///   words, zero-padded. An error ref is 0 (no error), k (entry k, from 1) or 255 (reverted, data not returned:
///   no room left). Equal revert data is stored once.
/// Signed values are two's complement in their lane; every value is checked to fit it (`ValueOutOfRange`).
contract SnapshotReader {
    uint256 internal constant WORDS_PER_MARKET = 9;
    uint256 internal constant ACCOUNT_WORDS = 3;
    uint256 internal constant WORDS_PER_POSITION = 2;
    uint256 internal constant LIQUIDITY_WORDS = 2;
    /// @dev The vault's cap: error refs (one distinct error per market, the account's, the LP vault's) fit 8 bits.
    uint256 internal constant MAX_MARKETS_PER_CALL = 128;

    uint256 internal constant FLAG_ACCOUNT = 1;
    uint256 internal constant FLAG_LIQUIDITY = 2;
    uint256 internal constant FLAG_MARGIN_FAILED = 4;
    uint256 internal constant FLAG_LIQUIDITY_STATE_FAILED = 8;
    uint256 internal constant FLAG_TOTAL_ASSETS_FAILED = 16;
    uint256 internal constant FLAG_POSITIONS = 32;

    /// @dev {AccountInput-margin} values.
    uint8 internal constant MARGIN_NONE = 0;
    uint8 internal constant MARGIN_READ = 1;
    uint8 internal constant MARGIN_GIVEN = 2;
    uint8 internal constant MARGIN_UNAVAILABLE = 3;

    uint256 internal constant PRICE_FAILED = 1;
    uint256 internal constant FUNDING_FAILED = 2;
    uint256 internal constant QUOTE_FAILED = 4;

    uint256 internal constant ERROR_NOT_RETURNED = 255;

    error TooManyMarketsPerRead(uint256 count, uint256 maxCount);
    /// @param field The value that does not fit its lane. @param indexInCall Market (or position) index in the call.
    /// @param rawValue The value's 256 bits.
    error ValueOutOfRange(string field, uint256 indexInCall, uint256 rawValue);

    /// @notice The account to read. `margin`: 0 no account; 1 read `accountMargin`; 2 use `equityUsd` and
    /// `maintenanceMarginUsd` (USD WAD), which an earlier call of the same snapshot read at this block; 3 that call's
    /// `accountMargin` reverted (no liquidation price).
    struct AccountInput {
        address owner;
        uint96 accountIndex;
        uint8 margin;
        int256 equityUsd;
        uint256 maintenanceMarginUsd;
    }

    /// @dev What the read collects as it goes: the words, and every distinct revert (refs are patched at the end).
    struct Output {
        uint256[] words;
        uint256 used;
        bytes[] errors;
        bytes32[] errorHashes;
        uint256 errorCount;
    }

    /// @dev One market's price, as the account's liquidation prices need it.
    struct MarketPrice {
        bool priced;
        uint256 priceWad;
        uint256 maintenanceMarginRatio;
    }

    constructor(
        IPerpVault vault,
        IERC4626 liquidityVault,
        uint256[] memory marketIds,
        AccountInput memory account,
        int256 quoteSizeWad,
        uint256 maxReturnedBytes
    ) {
        uint256 n = marketIds.length;
        if (n > MAX_MARKETS_PER_CALL) revert TooManyMarketsPerRead(n, MAX_MARKETS_PER_CALL);
        uint256 maxWords = maxReturnedBytes / 32;
        Output memory o;
        // Room for everything but errors, plus an error table as large as the whole return budget.
        o.words = new uint256[](
            1 + n * (WORDS_PER_MARKET + WORDS_PER_POSITION) + ACCOUNT_WORDS + LIQUIDITY_WORDS + maxWords
        );
        o.errors = new bytes[](n + 2);
        o.errorHashes = new bytes32[](n + 2);
        o.used = 1;

        MarketPrice[] memory prices = _readMarkets(o, vault, marketIds, quoteSizeWad);
        uint256 header =
            n |
                (_fitU(block.number, 64, "blockNumber", 0) << 80) |
                (_fitU(block.timestamp, 64, "blockTimestamp", 0) << 144);
        if (account.margin != MARGIN_NONE) header |= _readAccount(o, vault, marketIds, prices, account);
        if (address(liquidityVault) != address(0)) header |= _readLiquidity(o, vault, liquidityVault);

        uint256[] memory entryOf = _writeErrors(o, maxWords);
        o.words[0] = _patchHeaderRefs(header, entryOf) | (_countEntries(entryOf) << 32);
        for (uint256 i; i < n; ++i) {
            uint256 at = 1 + i * WORDS_PER_MARKET + 4;
            uint256 w = o.words[at];
            o.words[at] = (w & ~(uint256(0xff) << 240)) | (_mapRef((w >> 240) & 0xff, entryOf) << 240);
        }
        uint256[] memory out = o.words;
        uint256 used = o.used;
        assembly ("memory-safe") {
            // The used words after the array's length slot: the creation "returns" them as its code.
            return(add(out, 32), mul(used, 32))
        }
    }

    // ---------------------------------------------------------------- markets

    function _readMarkets(
        Output memory o,
        IPerpVault vault,
        uint256[] memory marketIds,
        int256 quoteSizeWad
    ) private view returns (MarketPrice[] memory prices) {
        IOracleAdapter oracle = IPerpVaultOracle(address(vault)).oracle();
        prices = new MarketPrice[](marketIds.length);
        for (uint256 i; i < marketIds.length; ++i) {
            uint256 marketId = marketIds[i];
            IPerpVaultTypes.MarketParams memory p = vault.marketParams(marketId);
            _writeParams(o, p);
            prices[i].maintenanceMarginRatio = p.maintenanceMarginRatio;

            uint256 status;
            uint256 ref;
            uint256 priceWad;
            int256 rate;
            int256 index;
            uint256 fillPrice;
            uint256 feeUsd;
            try oracle.priceWad(p.feed) returns (uint256 v) {
                priceWad = v;
                prices[i].priced = true;
                prices[i].priceWad = v;
            } catch (bytes memory reason) {
                // `currentFunding` and `quote` read the same price: they would revert with the same data.
                status = PRICE_FAILED | FUNDING_FAILED | QUOTE_FAILED;
                ref = _record(o, reason);
            }
            if (status == 0) {
                try vault.currentFunding(marketId) returns (int256 r, int256 x) {
                    (rate, index) = (r, x);
                } catch (bytes memory reason) {
                    status |= FUNDING_FAILED;
                    ref = _record(o, reason);
                }
                try vault.quote(marketId, quoteSizeWad) returns (uint256 f, uint256 fee) {
                    (fillPrice, feeUsd) = (f, fee);
                } catch (bytes memory reason) {
                    status |= QUOTE_FAILED;
                    // A market refers to its first failed read only: at most one error per market is kept.
                    if (ref == 0) ref = _record(o, reason);
                    else _bubbleIfOutOfGas(reason);
                }
            }

            IPerpVaultTypes.MarketState memory s = vault.marketState(marketId);
            o.words[o.used++] =
                (status << 248) |
                (ref << 240) |
                ((s.openingPaused ? uint256(1) : 0) << 232) |
                (uint256(s.lastFundingTime) << 192) |
                (uint256(uint64(s.fundingRatePerDay)) << 128) |
                uint256(uint128(s.fundingIndex));
            o.words[o.used++] =
                (_fitU(s.longSize, 96, "longSize", i) << 160) |
                (_fitU(s.shortSize, 96, "shortSize", i) << 64) |
                _fitS(rate, 64, "fundingRatePerDay", i);
            o.words[o.used++] = (_fitS(index, 128, "fundingIndex", i) << 128) | _fitU(priceWad, 128, "priceWad", i);
            o.words[o.used++] =
                (_fitU(fillPrice, 128, "quoteFillPrice", i) << 128) | _fitU(feeUsd, 128, "quoteFeeUsd", i);
            o.words[o.used++] = _hoursWord(oracle, p.feed, i);
        }
    }

    /// @dev Word 9 of a market: its hours now, so a snapshot says when a market closes and reopens at its own block.
    function _hoursWord(IOracleAdapter oracle, address feed, uint256 i) private view returns (uint256) {
        (bool scheduled, bool open, uint256 flags, uint256 lastOpen, uint256 nextClose, uint256 nextOpen) = oracle
            .marketStatus(feed, block.timestamp);
        return
            ((scheduled ? uint256(1) : 0) << 201) |
            ((open ? uint256(1) : 0) << 200) |
            (_fitU(flags, 8, "hoursFlags", i) << 192) |
            (_fitU(lastOpen, 64, "lastOpen", i) << 128) |
            (_fitU(nextClose, 64, "nextClose", i) << 64) |
            _fitU(nextOpen, 64, "nextOpen", i);
    }

    /// @dev The four storage slots of `MarketParams`, each field at its storage width.
    function _writeParams(Output memory o, IPerpVaultTypes.MarketParams memory p) private pure {
        o.words[o.used++] = (uint256(uint160(p.feed)) << 96) | p.skewScale;
        o.words[o.used++] =
            (uint256(p.initialMarginRatio) << 192) |
            (uint256(p.maintenanceMarginRatio) << 128) |
            (uint256(p.takerFeeRatio) << 64) |
            p.makerFeeRatio;
        o.words[o.used++] = (uint256(p.maxLongSize) << 160) | (uint256(p.maxShortSize) << 64) | p.maxFundingRatePerDay;
        // The vault stores USD parameters below 2^80 WAD (≤ 10,000 USD) and the gross reserve ratio in whole ppm.
        o.words[o.used++] =
            (uint256(p.maxFundingVelocityPerDay) << 192) |
            ((uint256(p.grossReserveRatio) / 1e12) << 160) |
            (uint256(p.minPositionMarginUsd) << 80) |
            p.liquidationFeeUsd;
    }

    // ---------------------------------------------------------------- account

    /// @dev The margins (read once, or as given), then each position of a requested market; returns the header's
    /// account bits.
    function _readAccount(
        Output memory o,
        IPerpVault vault,
        uint256[] memory marketIds,
        MarketPrice[] memory prices,
        AccountInput memory a
    ) private view returns (uint256 header) {
        header = FLAG_POSITIONS << 48;
        (int256 collateral, uint256 bitmap) = vault.accountSlot(a.owner, a.accountIndex);
        bool margined = a.margin == MARGIN_GIVEN;
        if (a.margin == MARGIN_READ) {
            header |= FLAG_ACCOUNT << 48;
            IPerpVaultTypes.AccountMargin memory m;
            try vault.accountMargin(a.owner, a.accountIndex) returns (IPerpVaultTypes.AccountMargin memory v) {
                m = v;
                margined = true;
            } catch (bytes memory reason) {
                header |= (FLAG_MARGIN_FAILED << 48) | (_record(o, reason) << 56);
            }
            (a.equityUsd, a.maintenanceMarginUsd) = (m.equity, m.maintenanceMargin);
            o.words[o.used++] = (_fitS(collateral, 128, "collateral", 0) << 128) | _fitS(m.equity, 128, "equity", 0);
            o.words[o.used++] =
                (_fitU(m.initialMargin, 128, "initialMargin", 0) << 128) |
                _fitU(m.maintenanceMargin, 128, "maintenanceMargin", 0);
            o.words[o.used++] = (_fitU(m.notional, 128, "notional", 0) << 128) | _fitU(bitmap, 128, "marketBitmap", 0);
        }

        uint256 positions;
        for (uint256 i; i < marketIds.length; ++i) {
            uint256 marketId = marketIds[i];
            if (((bitmap >> marketId) & 1) == 0) continue;
            IPerpVaultTypes.Position memory p = vault.position(a.owner, a.accountIndex, marketId);
            if (p.size == 0) continue;
            o.words[o.used++] = _packPosition(p, i);
            MarketPrice memory price = prices[i];
            uint256 liquidationPriceWad;
            uint256 unavailable = 1;
            if (margined && price.priced) {
                // The vault's `liquidationPrice` view: the same function on the same inputs.
                liquidationPriceWad = LiquidationMath.liquidationPrice(
                    p.size,
                    price.priceWad,
                    a.equityUsd,
                    a.maintenanceMarginUsd,
                    price.maintenanceMarginRatio
                );
                unavailable = 0;
            }
            o.words[o.used++] =
                (unavailable << 255) |
                (i << 240) |
                _fitU(liquidationPriceWad, 240, "liquidationPrice", i);
            ++positions;
        }
        header |= positions << 16;
    }

    /// @dev The position in the vault's own slot widths: size int96, entry price uint80 ticks, index entry int80 ticks.
    function _packPosition(IPerpVaultTypes.Position memory p, uint256 i) private pure returns (uint256) {
        uint256 tick = PositionMath.PRICE_TICK;
        int256 fundingEntry = p.fundingIndexEntry;
        if (p.entryPrice % tick != 0) revert ValueOutOfRange("entryPrice", i, p.entryPrice);
        if (fundingEntry % int256(tick) != 0) revert ValueOutOfRange("fundingIndexEntry", i, uint256(fundingEntry));
        return
            (_fitS(p.size, 96, "size", i) << 160) |
            (_fitU(p.entryPrice / tick, 80, "entryPriceTicks", i) << 80) |
            _fitS(fundingEntry / int256(tick), 80, "fundingIndexEntryTicks", i);
    }

    // ---------------------------------------------------------------- LP vault

    /// @dev Totals and the pool mark; returns the header's LP vault bits.
    function _readLiquidity(
        Output memory o,
        IPerpVault vault,
        IERC4626 liquidityVault
    ) private view returns (uint256 header) {
        header = (FLAG_LIQUIDITY << 48) | (uint256(liquidityVault.decimals()) << 72);
        uint256 totalSupply = liquidityVault.totalSupply();
        uint256 valueTokens;
        uint256 withdrawableTokens;
        uint256 totalAssets;
        uint256 ref;
        try vault.liquidityState() returns (uint256 v, uint256 w) {
            (valueTokens, withdrawableTokens) = (v, w);
        } catch (bytes memory reason) {
            header |= FLAG_LIQUIDITY_STATE_FAILED << 48;
            ref = _record(o, reason);
        }
        try liquidityVault.totalAssets() returns (uint256 a) {
            totalAssets = a;
        } catch (bytes memory reason) {
            header |= FLAG_TOTAL_ASSETS_FAILED << 48;
            if (ref == 0) ref = _record(o, reason);
            else _bubbleIfOutOfGas(reason);
        }
        header |= ref << 64;
        o.words[o.used++] =
            (_fitU(totalAssets, 128, "totalAssets", 0) << 128) | _fitU(totalSupply, 128, "totalSupply", 0);
        o.words[o.used++] =
            (_fitU(valueTokens, 128, "valueTokens", 0) << 128) |
            _fitU(withdrawableTokens, 128, "withdrawableTokens", 0);
    }

    // ---------------------------------------------------------------- errors

    /// @dev Keeps a revert's data (once per distinct data); returns its provisional ref (1 + index). A guarded read
    /// that ran out of gas is this call's problem, not the feed's: it fails the whole read instead.
    function _record(Output memory o, bytes memory reason) private pure returns (uint256) {
        _bubbleIfOutOfGas(reason);
        bytes32 h = keccak256(reason);
        for (uint256 k; k < o.errorCount; ++k) if (o.errorHashes[k] == h) return k + 1;
        o.errors[o.errorCount] = reason;
        o.errorHashes[o.errorCount] = h;
        return ++o.errorCount;
    }

    /// @dev Appends each distinct error while the returned data stays within `maxWords`, in the order met; returns
    /// each one's entry number (from 1) or ERROR_NOT_RETURNED.
    function _writeErrors(Output memory o, uint256 maxWords) private pure returns (uint256[] memory entryOf) {
        entryOf = new uint256[](o.errorCount);
        uint256 entries;
        for (uint256 k; k < o.errorCount; ++k) {
            bytes memory data = o.errors[k];
            uint256 dataWords = (data.length + 31) / 32;
            if (o.used + 1 + dataWords > maxWords) {
                entryOf[k] = ERROR_NOT_RETURNED;
                continue;
            }
            o.words[o.used++] = data.length;
            for (uint256 j; j < dataWords; ++j) {
                uint256 w;
                assembly ("memory-safe") {
                    w := mload(add(add(data, 32), mul(j, 32)))
                }
                uint256 tail = data.length - j * 32;
                // Zero the bytes past the data in the last word (memory after it is not ours to return).
                if (tail < 32) w &= ~(type(uint256).max >> (tail * 8));
                o.words[o.used++] = w;
            }
            entryOf[k] = ++entries;
        }
    }

    function _mapRef(uint256 provisional, uint256[] memory entryOf) private pure returns (uint256) {
        return provisional == 0 ? 0 : entryOf[provisional - 1];
    }

    function _patchHeaderRefs(uint256 header, uint256[] memory entryOf) private pure returns (uint256) {
        uint256 accountRef = _mapRef((header >> 56) & 0xff, entryOf);
        uint256 liquidityRef = _mapRef((header >> 64) & 0xff, entryOf);
        return (header & ~(uint256(0xffff) << 56)) | (accountRef << 56) | (liquidityRef << 64);
    }

    function _countEntries(uint256[] memory entryOf) private pure returns (uint256 entries) {
        for (uint256 k; k < entryOf.length; ++k) if (entryOf[k] != ERROR_NOT_RETURNED) ++entries;
    }

    /// @dev The SDK splits a read that reverts so: the error is the call's size, not the market's.
    function _bubbleIfOutOfGas(bytes memory reason) private pure {
        if (reason.length < 4 || bytes4(reason) != IOracleAdapter.InsufficientGasForOracle.selector) return;
        assembly ("memory-safe") {
            revert(add(reason, 32), mload(reason))
        }
    }

    // ---------------------------------------------------------------- lanes

    function _fitU(uint256 v, uint256 bits, string memory field, uint256 i) private pure returns (uint256) {
        if (v >> bits != 0) revert ValueOutOfRange(field, i, v);
        return v;
    }

    /// @dev `v` as a `bits`-wide two's complement lane.
    function _fitS(int256 v, uint256 bits, string memory field, uint256 i) private pure returns (uint256) {
        int256 bound = int256(1) << (bits - 1);
        if (v >= bound || v < -bound) revert ValueOutOfRange(field, i, uint256(v));
        return uint256(v) & ((uint256(1) << bits) - 1);
    }
}
