// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IPerpVault} from "./IPerpVault.sol";

/// @title IAccountOrders
/// @notice What the order contracts ({ITriggerOrders}, {IDelayedOrders}) share. Each trades an account as its
/// owner's operator (the owner must `vault.setOperator(orders, true)` first) and escrows each order's keeper fee in
/// collateral tokens, pulled from whoever places it: it is paid to the keeper that executes the order, or returned
/// into the account's collateral (`vault.deposit`), never to a wallet.
interface IAccountOrders {
    error ZeroAddress();
    error ZeroSize();
    error NotAuthorized(address caller, address owner);
    error NotOperatorOfOwner(address owner);
    error OrderNotFound(uint256 orderId);
    /// @notice A reduce-only order with nothing on the other side to reduce (flat, flipped or liquidated): void.
    error NothingToReduce(uint256 orderId, int256 positionSize, int256 sizeDelta);
    error ValueTooLarge(string name, uint256 value, uint256 max);

    function vault() external view returns (IPerpVault);

    function collateralToken() external view returns (IERC20);

    /// @notice The id the next order will get; ids start at 1.
    function nextOrderId() external view returns (uint256);
}
