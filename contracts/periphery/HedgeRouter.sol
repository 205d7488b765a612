// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IHedgeRouter} from "../interfaces/IHedgeRouter.sol";
import {IPerpVault, IPerpVaultTypes} from "../interfaces/IPerpVault.sol";

/// @dev The vault's public immutable getter, not part of {IPerpVault}.
interface ICollateralTokenSource {
    function collateralToken() external view returns (IERC20);
}

/// @title HedgeRouter
/// @notice Applies a hedge rebalance (targets for several accounts and markets of one owner) in one transaction; see
/// {IHedgeRouter}.
/// @dev Holds no tokens between calls: each top-up pulls exactly the shortfall from the caller and deposits what
/// arrived. The vault is approved for the maximum once, in the constructor, which is safe for that reason.
contract HedgeRouter is IHedgeRouter, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @inheritdoc IHedgeRouter
    IPerpVault public immutable override vault;
    /// @inheritdoc IHedgeRouter
    IERC20 public immutable override collateralToken;
    /// @dev 10 ** (18 − token decimals): token units → WAD, exactly as the vault converts deposits.
    uint256 internal immutable TOKEN_TO_WAD;

    constructor(IPerpVault vault_) {
        if (address(vault_) == address(0)) revert ZeroAddress();
        IERC20 token = ICollateralTokenSource(address(vault_)).collateralToken();
        // The vault already refused tokens with more than 18 decimals.
        TOKEN_TO_WAD = 10 ** (18 - IERC20Metadata(address(token)).decimals());
        vault = vault_;
        collateralToken = token;
        token.forceApprove(address(vault_), type(uint256).max);
    }

    /// @inheritdoc IHedgeRouter
    function rebalance(address owner, Step[] calldata steps, uint256 deadline) external override nonReentrant {
        if (msg.sender != owner && !vault.isOperator(owner, msg.sender)) revert NotAuthorized(msg.sender, owner);
        if (!vault.isOperator(owner, address(this))) revert RouterNotOperator(owner);
        if (block.timestamp > deadline) revert DeadlineExpired(deadline, block.timestamp);
        uint256 count = steps.length;
        if (count == 0) revert NoSteps();
        for (uint256 i; i < count; ++i) {
            _step(owner, steps[i], deadline);
        }
    }

    /// @dev Top up → trade `target − size` when non-zero → top up again → emit. The first top-up also covers the
    /// trade's fee as the vault quotes it, so opening from flat needs one deposit, not two; the second one catches
    /// what the quote cannot know in advance (realised PnL, settled funding).
    function _step(address owner, Step calldata step, uint256 deadline) internal {
        uint96 accountIndex = step.accountIndex;
        uint256 floorUsd = step.minCollateralUsd;
        int256 sizeDelta = step.targetSize - int256(vault.position(owner, accountIndex, step.marketId).size);
        uint256 feeUsd;
        // A zero floor never deposits, not even the fee.
        if (sizeDelta != 0 && floorUsd != 0) (, feeUsd) = vault.quote(step.marketId, sizeDelta);
        uint256 deposited = _topUp(owner, accountIndex, floorUsd + feeUsd, step.maxDeposit, 0);
        if (sizeDelta != 0) {
            vault.trade(
                IPerpVaultTypes.TradeParams({
                    owner: owner,
                    accountIndex: accountIndex,
                    marketId: step.marketId,
                    sizeDelta: sizeDelta,
                    acceptablePrice: step.acceptablePrice,
                    deadline: deadline
                })
            );
            deposited = _topUp(owner, accountIndex, floorUsd, step.maxDeposit, deposited);
        }
        emit StepExecuted(
            owner,
            accountIndex,
            step.marketId,
            msg.sender,
            sizeDelta,
            deposited,
            step.targetSize,
            vault.collateralOf(owner, accountIndex)
        );
    }

    /// @dev Pulls `ceil(shortfall / TOKEN_TO_WAD)` tokens from the caller and deposits what arrived; returns the
    /// step's running total of tokens pulled, capped by `maxDeposit`.
    function _topUp(
        address owner,
        uint96 accountIndex,
        uint256 floorUsd,
        uint256 maxDeposit,
        uint256 depositedBefore
    ) internal returns (uint256 deposited) {
        int256 collateral = vault.collateralOf(owner, accountIndex);
        int256 floorWad = floorUsd.toInt256();
        if (collateral >= floorWad) return depositedBefore;
        uint256 amount = Math.ceilDiv(uint256(floorWad - collateral), TOKEN_TO_WAD);
        deposited = depositedBefore + amount;
        if (deposited > maxDeposit) revert DepositCapExceeded(deposited, maxDeposit);
        IERC20 token = collateralToken;
        uint256 balanceBefore = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        vault.deposit(owner, accountIndex, token.balanceOf(address(this)) - balanceBefore);
    }
}
