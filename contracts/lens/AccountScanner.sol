// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPerpVault} from "../interfaces/IPerpVault.sol";
import {AccountHealth} from "./AccountHealth.sol";

/// @title AccountScanner
/// @notice Never deployed: the keeper sends its creation code in one `eth_call` (a "deployless" read) and the
/// constructor returns, instead of runtime code, the health of every account given, at one block, each market read
/// once ({AccountHealth}). Two words per account, so a call is bound by the 24,576-byte limit on returned code
/// (383 accounts) and by the 49,152-byte initcode limit (the accounts are one word each); the SDK sizes its chunks
/// from {WORDS_PER_ACCOUNT} (src/keeper/scan.ts).
/// @dev Input: `accounts[i] = owner << 96 | accountIndex`. Output, packed words (not ABI): word 0 the count n, then
/// per account `uint256(uint128(int128 equity)) << 128 | maintenanceMargin` and `status << 248 | notional << 128 |
/// marketBitmap` (status 0 priced, 1 unpriced: a market of the account has no valid price). USD WAD throughout;
/// equity fits int128, margin and notional uint120 (the vault's own storage bounds them far below).
contract AccountScanner {
    uint256 internal constant WORDS_PER_ACCOUNT = 2;
    uint256 internal constant STATUS_UNPRICED = 1;

    error ValueOutOfRange(uint256 accountIndexInCall);

    constructor(IPerpVault vault, uint256[] memory accounts) {
        AccountHealth.Context memory ctx = AccountHealth.newContext(vault);
        uint256 n = accounts.length;
        uint256[] memory out = new uint256[](1 + n * WORDS_PER_ACCOUNT);
        out[0] = n;
        for (uint256 i; i < n; ++i) {
            uint256 packed = accounts[i];
            AccountHealth.Health memory h = AccountHealth.read(ctx, address(uint160(packed >> 96)), uint96(packed));
            if (
                h.equityUsd > type(int128).max ||
                h.equityUsd < type(int128).min ||
                h.maintenanceMarginUsd > type(uint120).max ||
                h.notionalUsd > type(uint120).max
            ) revert ValueOutOfRange(i);
            out[1 + 2 * i] = (uint256(uint128(int128(h.equityUsd))) << 128) | h.maintenanceMarginUsd;
            out[2 + 2 * i] =
                ((h.priced ? 0 : STATUS_UNPRICED) << 248) |
                (h.notionalUsd << 128) |
                uint128(h.marketBitmap);
        }
        assembly ("memory-safe") {
            // The words after the array's length slot: the creation "returns" them as its code.
            return(add(out, 32), mul(mload(out), 32))
        }
    }
}
