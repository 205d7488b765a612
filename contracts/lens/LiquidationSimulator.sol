// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPerpVault, IPerpVaultTypes} from "../interfaces/IPerpVault.sol";

/// @title LiquidationSimulator
/// @notice Never deployed: the keeper sends its creation code in one `eth_call` and the constructor liquidates the
/// given accounts one after the other (on the call's throw-away state, as a `liquidateBatch` in that order would),
/// then returns what each liquidation did and the gas it used. Each account either liquidates, is healthy
/// (`NotLiquidatable`, e.g. liquidated by someone else since the scan) or reverts for another reason (an invalid
/// oracle price: its selector is returned).
/// @dev Input: `accounts[i] = owner << 96 | accountIndex`. Output, packed words (not ABI): word 0 the count n, then
/// per account `status << 248 | selector << 216 | gasUsed << 128 | closedFraction` and `keeperReward << 128 |
/// badDebt` (USD WAD; status 0 liquidated, 1 not liquidatable, 2 reverted). `gasUsed` is the single `liquidate`
/// call's, which includes one reward transfer; in a batch the transfer is paid once, so it bounds the batch's
/// share from above.
contract LiquidationSimulator {
    uint256 internal constant STATUS_NOT_LIQUIDATABLE = 1;
    uint256 internal constant STATUS_REVERTED = 2;

    constructor(IPerpVault vault, uint256[] memory accounts) {
        uint256 n = accounts.length;
        uint256[] memory out = new uint256[](1 + 2 * n);
        out[0] = n;
        for (uint256 i; i < n; ++i) {
            uint256 packed = accounts[i];
            uint256 gasBefore = gasleft();
            try vault.liquidate(address(uint160(packed >> 96)), uint96(packed)) returns (
                IPerpVaultTypes.LiquidationResult memory r
            ) {
                uint256 used = gasBefore - gasleft();
                out[1 + 2 * i] = (used << 128) | r.closedFraction;
                out[2 + 2 * i] = (r.keeperRewardUsd << 128) | r.badDebtUsd;
            } catch (bytes memory reason) {
                bytes4 selector = bytes4(reason);
                uint256 status =
                    selector == IPerpVaultTypes.NotLiquidatable.selector ? STATUS_NOT_LIQUIDATABLE : STATUS_REVERTED;
                out[1 + 2 * i] = (status << 248) | (uint256(uint32(selector)) << 216);
            }
        }
        assembly ("memory-safe") {
            return(add(out, 32), mul(mload(out), 32))
        }
    }
}
