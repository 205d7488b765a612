// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IPerpVault} from "./IPerpVault.sol";

/// @title IHedgeRouter
/// @notice Periphery of {IPerpVault} for the hedge executor: applies a whole rebalance (collateral top-ups and trades
/// of several accounts and markets of one owner) in one transaction. Every step states a TARGET, never a delta: a
/// position size and a collateral floor. The router trades `target − current` and deposits only the shortfall, so
/// running the same steps twice, or two keepers racing with the same plan, never doubles anything: whoever comes
/// second finds the accounts at target and does nothing.
/// @dev Setup: the owner calls `vault.setOperator(router, true)` once (the router trades as an operator), and the
/// caller (owner or one of the owner's vault operators) approves the router for the collateral token if steps may
/// deposit. Tokens are pulled from the caller, never from the owner, and forwarded to the vault in the same call:
/// the router holds no tokens between calls.
/// @dev Sharp edges: a trade's fee, realised PnL and settled funding change the collateral, so each step tops up
/// before its trade to the floor plus the vault's quoted fee (so the trade has margin and an opening lands on the
/// floor) and again after it to the floor (so the account ends at its floor and a second run finds nothing to do);
/// `maxDeposit` caps both together. Targets are absolute: a stale plan executed later still
/// moves the account to that plan's sizes, so keepers should pass a short `deadline`.
interface IHedgeRouter {
    /// @notice One account-and-market target.
    /// @param accountIndex The owner's account (isolated margin per index).
    /// @param marketId Market of the position.
    /// @param targetSize Position size wanted after the step (units, WAD, signed: long > 0; 0 closes).
    /// @param acceptablePrice Worst fill price (USD WAD) for the trade `targetSize − size`: the highest for a buy,
    /// the lowest for a sell. Unused when no trade is needed.
    /// @param minCollateralUsd Collateral floor (USD WAD): the account is topped up to at least this plus the quoted
    /// fee before the trade, and to at least this after it. 0 never deposits.
    /// @param maxDeposit Cap (token units) on what this step may pull from the caller, both top-ups together.
    struct Step {
        uint96 accountIndex;
        uint256 marketId;
        int256 targetSize;
        uint256 acceptablePrice;
        uint256 minCollateralUsd;
        uint256 maxDeposit;
    }

    /// @notice The caller is neither the owner nor one of the owner's vault operators.
    error NotAuthorized(address caller, address owner);
    /// @notice The owner has not made the router an operator: call `vault.setOperator(router, true)` as the owner.
    error RouterNotOperator(address owner);
    /// @notice A step needs `needed` tokens (token units, both top-ups) but may pull at most `max`.
    error DepositCapExceeded(uint256 needed, uint256 max);
    /// @notice `rebalance` was called without steps.
    error NoSteps();
    /// @notice The router's `deadline` check (same meaning as the vault's): `block.timestamp > deadline`.
    error DeadlineExpired(uint256 deadline, uint256 blockTimestamp);
    /// @notice The constructor got the zero address.
    error ZeroAddress();

    /// @notice One per step, whatever it did (both zero when the account was already at target).
    /// @param caller Who paid the deposit (the owner or its operator).
    /// @param sizeDelta The trade sent to the vault (units, WAD); 0 when the size was at target.
    /// @param deposited Tokens (token units) pulled from `caller` and deposited into the account.
    /// @param sizeAfter The position size after the step (= the step's target).
    /// @param collateralAfter The account's collateral after the step (USD WAD).
    event StepExecuted(
        address indexed owner,
        uint96 indexed accountIndex,
        uint256 indexed marketId,
        address caller,
        int256 sizeDelta,
        uint256 deposited,
        int256 sizeAfter,
        int256 collateralAfter
    );

    /// @notice Moves each step's account to its targets, in order: top up collateral to `minCollateralUsd` plus the
    /// fee `quote` gives for the trade, trade `targetSize − size` at `acceptablePrice` if non-zero, top up again to
    /// `minCollateralUsd`. Caller: `owner` or an operator of `owner`
    /// in the vault. Reverts as a whole when any step fails (the vault's errors bubble up unchanged).
    /// @dev A shortfall `s` (USD WAD) is pulled as `ceil(s / 10^(18 − decimals))` tokens, so the account ends at the
    /// floor plus less than one token unit. Several steps may name the same account (cross margin in one account).
    /// @param owner Owner of every account the steps name.
    /// @param steps Targets, executed in order.
    /// @param deadline Last timestamp at which the rebalance may execute (also passed to every trade).
    function rebalance(address owner, Step[] calldata steps, uint256 deadline) external;

    /// @notice The perp vault the router trades on.
    function vault() external view returns (IPerpVault);

    /// @notice The vault's collateral token, which deposits pull from the caller.
    function collateralToken() external view returns (IERC20);
}
