// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";
import {PerpVaultBase} from "./PerpVaultBase.sol";

/// @title VaultModule
/// @notice The base of {PerpVault}'s delegatecall modules ({LiquidationModule}, {AdminModule}): the vault's storage
/// layout (through {PerpVaultBase}) and the guard that keeps a module from being called on its own empty storage.
abstract contract VaultModule is PerpVaultBase {
    error NotDelegated();

    address private immutable _self;

    constructor(IERC20 collateralToken_, IOracleAdapter oracle_) PerpVaultBase(collateralToken_, oracle_, msg.sender) {
        _self = address(this);
    }

    /// @dev Called directly, a module would act on its own empty storage: refuse, to keep the surface obvious.
    modifier onlyDelegated() {
        if (address(this) == _self) revert NotDelegated();
        _;
    }
}
