// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IAccountOrders} from "../interfaces/IAccountOrders.sol";
import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";
import {IPerpVault} from "../interfaces/IPerpVault.sol";

/// @dev The vault's public immutable getters, not part of {IPerpVault}.
interface IPerpVaultImmutables {
    function collateralToken() external view returns (IERC20);

    function oracle() external view returns (IOracleAdapter);
}

/// @title AccountOrders
/// @notice What {TriggerOrders} and {DelayedOrders} share: they trade an account as its owner's operator, and hold
/// each order's keeper fee in collateral tokens until it is paid to the keeper or returned into the account.
/// @dev Why the fee is escrowed here and not reserved inside the vault: the vault lets only the owner take collateral
/// out of an account, and a second withdrawal path for "trusted" contracts would be one more route every solvency
/// invariant must cover. A refund goes back into the account (`vault.deposit`), never to a wallet, so an operator
/// cannot use an order to move value out of an account it only trades for.
abstract contract AccountOrders is IAccountOrders, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc IAccountOrders
    IPerpVault public immutable override vault;
    /// @inheritdoc IAccountOrders
    IERC20 public immutable override collateralToken;
    IOracleAdapter internal immutable ORACLE;
    /// @inheritdoc IAccountOrders
    uint256 public override nextOrderId = 1;

    constructor(IPerpVault vault_) {
        if (address(vault_) == address(0)) revert ZeroAddress();
        IERC20 token = IPerpVaultImmutables(address(vault_)).collateralToken();
        ORACLE = IPerpVaultImmutables(address(vault_)).oracle();
        vault = vault_;
        collateralToken = token;
        token.forceApprove(address(vault_), type(uint256).max); // refunds are deposits into accounts
    }

    /// @dev The owner or one of its operators.
    function _isAuthorized(address owner) internal view returns (bool) {
        return msg.sender == owner || vault.isOperator(owner, msg.sender);
    }

    /// @dev Checks the caller may act for `owner` and that this contract may trade for it (or the order could never
    /// execute).
    function _authorizePlacement(address owner) internal view {
        if (!_isAuthorized(owner)) revert NotAuthorized(msg.sender, owner);
        if (!vault.isOperator(owner, address(this))) revert NotOperatorOfOwner(owner);
    }

    /// @dev Exact-amount escrow: a fee-on-transfer token would leave the refund short, so it is not supported.
    function _escrowFee(uint256 keeperFee) internal {
        if (keeperFee != 0) collateralToken.safeTransferFrom(msg.sender, address(this), keeperFee);
    }

    function _payKeeper(uint256 keeperFee) internal {
        if (keeperFee != 0) collateralToken.safeTransfer(msg.sender, keeperFee);
    }

    function _refundFee(address owner, uint96 accountIndex, uint256 keeperFee) internal {
        if (keeperFee != 0) vault.deposit(owner, accountIndex, keeperFee);
    }

    /// @dev The reduce-only size now: `sizeDelta` clamped to the position on the other side, 0 when the position is
    /// flat or on the order's own side (a reduce-only order never opens, increases or flips).
    function _reducible(
        address owner,
        uint96 accountIndex,
        uint256 marketId,
        int256 sizeDelta
    ) internal view returns (int256) {
        int256 size = vault.position(owner, accountIndex, marketId).size;
        if (size == 0 || (size > 0) == (sizeDelta > 0)) return 0;
        // Opposite signs: close at most the whole position.
        return sizeDelta > 0 ? (sizeDelta > -size ? -size : sizeDelta) : (-sizeDelta > size ? -size : sizeDelta);
    }
}
