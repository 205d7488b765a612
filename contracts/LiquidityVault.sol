// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IPerpVault} from "./interfaces/IPerpVault.sol";

/// @title LiquidityVault
/// @notice ERC-4626 shares of the pool that is the counterparty of every Parapet trader. Assets are held by the
/// {PerpVault}; `totalAssets` is the pool marked to market at valid oracle prices, so it reverts when a price of a
/// market with open interest is invalid (LPs never enter or leave at a stale mark).
/// @dev Withdrawals are limited to realised pool assets and keep the utilisation bound (`maxWithdraw`/`maxRedeem`
/// report the limit). Fee-on-transfer assets are rejected on deposit: shares are priced on the amount sent.
contract LiquidityVault is ERC4626 {
    using SafeERC20 for IERC20;

    error TransferAmountMismatch(uint256 expected, uint256 received);
    error AssetMismatch(address vaultAsset, address perpCollateral);

    IPerpVault public immutable perpVault;

    constructor(
        IERC20 asset_,
        IPerpVault perpVault_,
        string memory name_,
        string memory symbol_
    ) ERC4626(asset_) ERC20(name_, symbol_) {
        perpVault = perpVault_;
    }

    /// @inheritdoc ERC4626
    function totalAssets() public view override returns (uint256) {
        (uint256 valueTokens, ) = perpVault.liquidityState();
        return valueTokens;
    }

    /// @inheritdoc ERC4626
    function maxWithdraw(address owner) public view override returns (uint256) {
        (uint256 total, uint256 free) = perpVault.liquidityState();
        return Math.min(_assetsAt(balanceOf(owner), total, Math.Rounding.Floor), free);
    }

    /// @inheritdoc ERC4626
    function maxRedeem(address owner) public view override returns (uint256) {
        (uint256 total, uint256 free) = perpVault.liquidityState();
        return _maxRedeemAt(owner, total, free);
    }

    /// @inheritdoc ERC4626
    /// @dev Marks the pool once for the limit and the share price (OpenZeppelin's version marks it three times).
    function withdraw(uint256 assets, address receiver, address owner) public override returns (uint256 shares) {
        (uint256 total, uint256 free) = perpVault.liquidityState();
        uint256 maxAssets = Math.min(_assetsAt(balanceOf(owner), total, Math.Rounding.Floor), free);
        if (assets > maxAssets) revert ERC4626ExceededMaxWithdraw(owner, assets, maxAssets);
        shares = _sharesAt(assets, total, Math.Rounding.Ceil);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @inheritdoc ERC4626
    function redeem(uint256 shares, address receiver, address owner) public override returns (uint256 assets) {
        (uint256 total, uint256 free) = perpVault.liquidityState();
        uint256 maxShares = _maxRedeemAt(owner, total, free);
        if (shares > maxShares) revert ERC4626ExceededMaxRedeem(owner, shares, maxShares);
        assets = _assetsAt(shares, total, Math.Rounding.Floor);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @dev The whole balance when what it redeems for (floored) is free; else the shares `free` buys. Converting
    /// `free` alone would strand a few shares whenever the share price is below one (virtual-share rounding).
    function _maxRedeemAt(address owner, uint256 total, uint256 free) internal view returns (uint256) {
        uint256 balance = balanceOf(owner);
        if (_assetsAt(balance, total, Math.Rounding.Floor) <= free) return balance;
        return _sharesAt(free, total, Math.Rounding.Floor);
    }

    /// @dev OpenZeppelin's share conversion, at a given `totalAssets`.
    function _sharesAt(uint256 assets, uint256 total, Math.Rounding rounding) internal view returns (uint256) {
        return Math.mulDiv(assets, totalSupply() + 10 ** _decimalsOffset(), total + 1, rounding);
    }

    function _assetsAt(uint256 shares, uint256 total, Math.Rounding rounding) internal view returns (uint256) {
        return Math.mulDiv(shares, total + 1, totalSupply() + 10 ** _decimalsOffset(), rounding);
    }

    /// @dev Virtual shares (10^6) make the first-depositor inflation attack unprofitable.
    function _decimalsOffset() internal pure override returns (uint8) {
        return 6;
    }

    /// @dev Assets go straight to the PerpVault (one transfer), which books them as pool balance.
    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        IERC20 token = IERC20(asset());
        address perp = address(perpVault);
        uint256 balanceBefore = token.balanceOf(perp);
        token.safeTransferFrom(caller, perp, assets);
        uint256 received = token.balanceOf(perp) - balanceBefore;
        if (received != assets) revert TransferAmountMismatch(assets, received);
        perpVault.addLiquidity(assets);
        _mint(receiver, shares);
        emit Deposit(caller, receiver, assets, shares);
    }

    /// @dev Burns first, then the PerpVault pays from realised pool assets under the utilisation bound.
    function _withdraw(
        address caller,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares
    ) internal override {
        if (caller != owner) _spendAllowance(owner, caller, shares);
        _burn(owner, shares);
        perpVault.removeLiquidity(receiver, assets);
        emit Withdraw(caller, receiver, owner, assets, shares);
    }
}
