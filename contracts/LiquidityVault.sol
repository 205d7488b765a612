// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {ILiquidityVault} from "./interfaces/ILiquidityVault.sol";
import {IPerpVault} from "./interfaces/IPerpVault.sol";

/// @title LiquidityVault
/// @notice ERC-4626 shares of the pool that is the counterparty of every Parapet trader, with delayed deposit and
/// redemption requests; see {ILiquidityVault} and docs/risks.md. Assets are held by the {PerpVault}; `totalAssets`
/// is the pool marked to market at valid oracle prices, so it reverts when a price of a market with open interest is
/// invalid (LPs never enter or leave at a stale mark).
/// @dev A new vault starts with the defence off (`minDelaySeconds == 0`, no fees, no keeper fee): it behaves like a
/// plain ERC-4626 vault until the owner sets its parameters, which every Ignition deployment does
/// (ignition/modules/Core.ts, the `lpFlows` parameters). Not ERC-7540 (asynchronous ERC-4626): 7540 makes
/// `previewDeposit`/`previewRedeem` revert and turns `deposit`/`redeem` into a claim step after the vault fulfils
/// a request, with its own operator system and no cancellation; here a settlement pays the receiver directly,
/// anyone may settle, the previews keep their ERC-4626 meaning and cancellation follows the rules above.
/// Withdrawals are limited to realised pool assets and keep the utilisation bound. Fee-on-transfer assets are
/// rejected: shares are priced on the amount sent.
contract LiquidityVault is ILiquidityVault, ERC4626, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 internal constant BPS = 10_000;
    uint256 public constant MIN_DELAY_SECONDS = 1 minutes;
    uint256 public constant MAX_DELAY_SECONDS = 1 days;
    uint256 public constant MIN_SETTLEMENT_WINDOW_SECONDS = 1 minutes;
    uint256 public constant MAX_SETTLEMENT_TIMEOUT_SECONDS = 7 days;
    uint256 public constant MAX_FEE_BPS = 500;
    /// @dev The keeper-fee bound in whole tokens; `maxKeeperFeeTokens` is it in the asset's units.
    uint256 public constant MAX_KEEPER_FEE_WHOLE_TOKENS = 1_000;
    /// @dev The parameters a new vault starts with: the defence off, no fees.
    uint32 internal constant INITIAL_TIMEOUT_SECONDS = 1 hours;

    IPerpVault public immutable perpVault;
    uint256 public immutable maxKeeperFeeTokens;
    /// @dev 10^(18 − asset decimals), as the PerpVault's: its pool marks are USD WAD.
    uint256 internal immutable _tokenToWad;

    FlowParams internal _flowParams;
    /// @inheritdoc ILiquidityVault
    uint256 public override nextRequestId;
    /// @inheritdoc ILiquidityVault
    uint256 public override escrowedAssets;
    /// @inheritdoc ILiquidityVault
    uint256 public override escrowedShares;
    mapping(uint256 requestId => Request) internal _requests;

    modifier onlyVaultOwner() {
        address vaultOwner = Ownable(address(perpVault)).owner();
        if (msg.sender != vaultOwner) revert NotVaultOwner(msg.sender, vaultOwner);
        _;
    }

    constructor(
        IERC20 asset_,
        IPerpVault perpVault_,
        string memory name_,
        string memory symbol_
    ) ERC4626(asset_) ERC20(name_, symbol_) {
        perpVault = perpVault_;
        uint8 assetDecimals = IERC20Metadata(address(asset_)).decimals();
        maxKeeperFeeTokens = MAX_KEEPER_FEE_WHOLE_TOKENS * 10 ** assetDecimals;
        _tokenToWad = 10 ** (18 - assetDecimals); // the PerpVault refuses assets above 18 decimals
        nextRequestId = 1;
        FlowParams memory initial = FlowParams(0, INITIAL_TIMEOUT_SECONDS, 0, 0, 0);
        _flowParams = initial;
        emit FlowParamsSet(initial);
    }

    // ================================================================ requests

    /// @inheritdoc ILiquidityVault
    function requestDeposit(
        uint256 assets,
        address receiver
    ) external override nonReentrant returns (uint256 requestId) {
        FlowParams memory p = _flowParams;
        _checkRequest(assets, receiver);
        uint256 escrow = assets + p.keeperFeeTokens;
        _pullExact(msg.sender, escrow);
        escrowedAssets += escrow;
        requestId = _storeRequest(msg.sender, receiver, true, assets, p.entryFeeBps, p);
    }

    /// @inheritdoc ILiquidityVault
    function requestRedeem(
        uint256 shares,
        address receiver,
        address owner
    ) external override nonReentrant returns (uint256 requestId) {
        FlowParams memory p = _flowParams;
        _checkRequest(shares, receiver);
        if (msg.sender != owner) _spendAllowance(owner, msg.sender, shares);
        _transfer(owner, address(this), shares);
        escrowedShares += shares;
        requestId = _storeRequest(owner, receiver, false, shares, p.exitFeeBps, p);
    }

    /// @inheritdoc ILiquidityVault
    function settleRequest(uint256 requestId) external override nonReentrant returns (uint256 amountOut) {
        Request memory r = _requests[requestId];
        RequestStatus status = _status(r);
        if (status == RequestStatus.None) revert RequestNotFound(requestId);
        if (status != RequestStatus.Settleable) {
            revert RequestNotSettleable(requestId, status, r.settleAfter, r.expiresAt);
        }
        delete _requests[requestId]; // before any external call: no second settlement
        amountOut = r.isDeposit ? _settleDeposit(requestId, r) : _settleRedeem(requestId, r);
    }

    /// @inheritdoc ILiquidityVault
    function cancelRequest(uint256 requestId) external override nonReentrant {
        Request memory r = _requests[requestId];
        RequestStatus status = _status(r);
        if (status == RequestStatus.None) revert RequestNotFound(requestId);
        bool expired = status == RequestStatus.Expired;
        if (!expired && !(status == RequestStatus.Pending && msg.sender == r.owner)) {
            revert RequestNotCancellable(requestId, status, msg.sender, r.owner);
        }
        delete _requests[requestId];
        uint256 refunded;
        if (r.isDeposit) {
            refunded = uint256(r.amount) + r.keeperFeeTokens;
            escrowedAssets -= refunded;
            IERC20(asset()).safeTransfer(r.owner, refunded);
        } else {
            refunded = r.amount;
            escrowedShares -= refunded;
            _transfer(address(this), r.owner, refunded);
        }
        emit RequestCancelled(requestId, msg.sender, expired, refunded);
    }

    /// @inheritdoc ILiquidityVault
    function requestStatus(
        uint256 requestId
    ) external view override returns (Request memory request, RequestStatus status) {
        request = _requests[requestId];
        status = _status(request);
    }

    // ================================================================ parameters

    /// @inheritdoc ILiquidityVault
    function flowParams() external view override returns (FlowParams memory) {
        return _flowParams;
    }

    /// @inheritdoc ILiquidityVault
    function setFlowParams(FlowParams calldata params) external override onlyVaultOwner {
        uint256 delay = params.minDelaySeconds;
        if (delay != 0) _checkBound("minDelaySeconds", delay, MIN_DELAY_SECONDS, MAX_DELAY_SECONDS);
        _checkBound(
            "settlementTimeoutSeconds",
            params.settlementTimeoutSeconds,
            delay + MIN_SETTLEMENT_WINDOW_SECONDS,
            MAX_SETTLEMENT_TIMEOUT_SECONDS
        );
        _checkBound("entryFeeBps", params.entryFeeBps, 0, MAX_FEE_BPS);
        _checkBound("exitFeeBps", params.exitFeeBps, 0, MAX_FEE_BPS);
        _checkBound("keeperFeeTokens", params.keeperFeeTokens, 0, maxKeeperFeeTokens);
        _flowParams = params;
        emit FlowParamsSet(params);
    }

    // ================================================================ ERC-4626

    /// @inheritdoc ERC4626
    function totalAssets() public view override(ERC4626, IERC4626) returns (uint256) {
        (uint256 valueTokens, ) = perpVault.liquidityState();
        return valueTokens;
    }

    /// @inheritdoc ERC4626
    /// @dev 0 while flows go through requests, or while the pool's value is ≤ 0; unlimited otherwise.
    function maxDeposit(address) public view override(ERC4626, IERC4626) returns (uint256) {
        return _immediateDepositsOpen() ? type(uint256).max : 0;
    }

    /// @inheritdoc ERC4626
    /// @dev As {maxDeposit}.
    function maxMint(address) public view override(ERC4626, IERC4626) returns (uint256) {
        return _immediateDepositsOpen() ? type(uint256).max : 0;
    }

    /// @inheritdoc ERC4626
    /// @dev 0 while flows go through requests; otherwise what the owner's shares are worth after the exit fee, up to
    /// what the pool can pay now.
    function maxWithdraw(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        FlowParams memory p = _flowParams;
        if (p.minDelaySeconds != 0) return 0;
        (uint256 total, uint256 free) = perpVault.liquidityState();
        return _maxWithdrawAt(owner, total, free, p.exitFeeBps);
    }

    /// @inheritdoc ERC4626
    /// @dev As {maxWithdraw}, in shares.
    function maxRedeem(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        FlowParams memory p = _flowParams;
        if (p.minDelaySeconds != 0) return 0;
        (uint256 total, uint256 free) = perpVault.liquidityState();
        return _maxRedeemAt(owner, total, free, p.exitFeeBps);
    }

    /// @inheritdoc ERC4626
    /// @dev At the current mark, after the entry fee (a request's keeper fee is paid on top of `assets`).
    function previewDeposit(uint256 assets) public view override(ERC4626, IERC4626) returns (uint256) {
        return _sharesAt(assets - _feeUp(assets, _flowParams.entryFeeBps), totalAssets(), Math.Rounding.Floor);
    }

    /// @inheritdoc ERC4626
    /// @dev At the current mark, the entry fee included.
    function previewMint(uint256 shares) public view override(ERC4626, IERC4626) returns (uint256) {
        return _grossUp(_assetsAt(shares, totalAssets(), Math.Rounding.Ceil), _flowParams.entryFeeBps);
    }

    /// @inheritdoc ERC4626
    /// @dev At the current mark, the exit fee included.
    function previewWithdraw(uint256 assets) public view override(ERC4626, IERC4626) returns (uint256) {
        return _sharesAt(_grossUp(assets, _flowParams.exitFeeBps), totalAssets(), Math.Rounding.Ceil);
    }

    /// @inheritdoc ERC4626
    /// @dev At the current mark, after the exit fee (a request also pays its keeper fee out of this).
    function previewRedeem(uint256 shares) public view override(ERC4626, IERC4626) returns (uint256) {
        return _netDown(_assetsAt(shares, totalAssets(), Math.Rounding.Floor), _flowParams.exitFeeBps);
    }

    /// @inheritdoc ERC4626
    /// @dev Only with the defence off; marks the pool once. Reverts `PoolValueNotPositive` into a pool worth ≤ 0.
    function deposit(
        uint256 assets,
        address receiver
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 shares) {
        FlowParams memory p = _flowParams;
        if (p.minDelaySeconds != 0) revert ERC4626ExceededMaxDeposit(receiver, assets, 0);
        uint256 total = _depositableValueTokens();
        shares = _sharesAt(assets - _feeUp(assets, p.entryFeeBps), total, Math.Rounding.Floor);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @inheritdoc ERC4626
    /// @dev As {deposit}.
    function mint(
        uint256 shares,
        address receiver
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 assets) {
        FlowParams memory p = _flowParams;
        if (p.minDelaySeconds != 0) revert ERC4626ExceededMaxMint(receiver, shares, 0);
        uint256 total = _depositableValueTokens();
        assets = _grossUp(_assetsAt(shares, total, Math.Rounding.Ceil), p.entryFeeBps);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @inheritdoc ERC4626
    /// @dev Only with the defence off; marks the pool once for the limit and the share price (OpenZeppelin's
    /// version marks it three times).
    function withdraw(
        uint256 assets,
        address receiver,
        address owner
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 shares) {
        FlowParams memory p = _flowParams;
        if (p.minDelaySeconds != 0) revert ERC4626ExceededMaxWithdraw(owner, assets, 0);
        (uint256 total, uint256 free) = perpVault.liquidityState();
        uint256 maxAssets = _maxWithdrawAt(owner, total, free, p.exitFeeBps);
        if (assets > maxAssets) revert ERC4626ExceededMaxWithdraw(owner, assets, maxAssets);
        shares = _sharesAt(_grossUp(assets, p.exitFeeBps), total, Math.Rounding.Ceil);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @inheritdoc ERC4626
    /// @dev As {withdraw}.
    function redeem(
        uint256 shares,
        address receiver,
        address owner
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 assets) {
        FlowParams memory p = _flowParams;
        if (p.minDelaySeconds != 0) revert ERC4626ExceededMaxRedeem(owner, shares, 0);
        (uint256 total, uint256 free) = perpVault.liquidityState();
        uint256 maxShares = _maxRedeemAt(owner, total, free, p.exitFeeBps);
        if (shares > maxShares) revert ERC4626ExceededMaxRedeem(owner, shares, maxShares);
        assets = _netDown(_assetsAt(shares, total, Math.Rounding.Floor), p.exitFeeBps);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    // ================================================================ internal: requests

    function _checkRequest(uint256 amount, address receiver) internal pure {
        if (amount == 0) revert ZeroAmount();
        if (receiver == address(0)) revert ZeroAddress();
        if (amount > type(uint128).max) revert AmountTooLarge(amount, type(uint128).max);
    }

    /// @dev Stores a request (three slots) and emits it. The owner may cancel during the first half of the delay.
    function _storeRequest(
        address owner,
        address receiver,
        bool isDeposit,
        uint256 amount,
        uint16 feeBps,
        FlowParams memory p
    ) internal returns (uint256 requestId) {
        Request memory r = Request({
            owner: owner,
            settleAfter: uint40(block.timestamp + p.minDelaySeconds),
            expiresAt: uint40(block.timestamp + p.settlementTimeoutSeconds),
            isDeposit: isDeposit,
            receiver: receiver,
            keeperFeeTokens: p.keeperFeeTokens,
            amount: uint128(amount), // checked by _checkRequest
            cancelBefore: uint40(block.timestamp + p.minDelaySeconds / 2),
            feeBps: feeBps
        });
        requestId = nextRequestId++;
        _requests[requestId] = r;
        emit RequestCreated(requestId, owner, receiver, msg.sender, r);
    }

    function _status(Request memory r) internal view returns (RequestStatus) {
        if (r.owner == address(0)) return RequestStatus.None;
        if (block.timestamp >= r.expiresAt) return RequestStatus.Expired;
        if (block.timestamp >= r.settleAfter) return RequestStatus.Settleable;
        if (block.timestamp < r.cancelBefore) return RequestStatus.Pending;
        return RequestStatus.Locked;
    }

    /// @dev Prices the shares at this block's pool mark (one mark) and moves the escrowed assets into the pool. The
    /// entry fee is the part of `assets` no shares are minted for: it stays in the pool.
    function _settleDeposit(uint256 requestId, Request memory r) internal returns (uint256 shares) {
        uint256 total = _depositableValueTokens();
        uint256 assets = r.amount;
        uint256 feeTokens = _feeUp(assets, r.feeBps);
        shares = _sharesAt(assets - feeTokens, total, Math.Rounding.Floor);
        escrowedAssets -= assets + r.keeperFeeTokens;
        _addToPool(address(this), assets);
        _mint(r.receiver, shares);
        if (r.keeperFeeTokens != 0) IERC20(asset()).safeTransfer(msg.sender, r.keeperFeeTokens);
        emit Deposit(r.owner, r.receiver, assets, shares);
        emit DepositSettled(requestId, msg.sender, assets, feeTokens, shares, r.keeperFeeTokens, total);
    }

    /// @dev Prices the shares at this block's pool mark and pays from the pool what they are worth minus the exit fee
    /// (which stays in the pool), the keeper fee to the settler and the rest to the receiver.
    function _settleRedeem(uint256 requestId, Request memory r) internal returns (uint256 assetsOut) {
        (uint256 total, uint256 free) = perpVault.liquidityState();
        uint256 shares = r.amount;
        uint256 grossTokens = _assetsAt(shares, total, Math.Rounding.Floor);
        uint256 feeTokens = _feeUp(grossTokens, r.feeBps);
        uint256 netTokens = grossTokens - feeTokens;
        if (netTokens == 0 || netTokens < r.keeperFeeTokens) {
            revert RedeemBelowKeeperFee(requestId, netTokens, r.keeperFeeTokens);
        }
        if (netTokens > free) revert RedeemExceedsWithdrawable(requestId, netTokens, free);
        escrowedShares -= shares;
        _burn(address(this), shares);
        assetsOut = netTokens - r.keeperFeeTokens;
        if (r.keeperFeeTokens == 0) {
            perpVault.removeLiquidity(r.receiver, assetsOut);
        } else {
            // One removal (each marks the pool again inside the PerpVault), then split here.
            perpVault.removeLiquidity(address(this), netTokens);
            IERC20 token = IERC20(asset());
            if (assetsOut != 0) token.safeTransfer(r.receiver, assetsOut);
            token.safeTransfer(msg.sender, r.keeperFeeTokens);
        }
        emit Withdraw(r.owner, r.receiver, r.owner, assetsOut, shares);
        emit RedeemSettled(requestId, msg.sender, shares, assetsOut, feeTokens, r.keeperFeeTokens, total);
    }

    /// @dev Pulls exactly `amount` tokens from `from` into this contract (fee-on-transfer tokens are refused).
    function _pullExact(address from, uint256 amount) internal {
        IERC20 token = IERC20(asset());
        uint256 balanceBefore = token.balanceOf(address(this));
        token.safeTransferFrom(from, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - balanceBefore;
        if (received != amount) revert TransferAmountMismatch(amount, received);
    }

    // ================================================================ internal: pool and shares

    /// @dev Deposits need a pool worth more than 0: shares minted into a pool worth ≤ 0 would be worth nothing and
    /// their assets would pay its deficit. An empty pool (no shares, value 0) takes its first deposit.
    function _acceptsDeposits(int256 valueUsd) internal view returns (bool) {
        return valueUsd > 0 || (valueUsd == 0 && totalSupply() == 0);
    }

    function _immediateDepositsOpen() internal view returns (bool) {
        if (_flowParams.minDelaySeconds != 0) return false;
        (int256 valueUsd, , ) = perpVault.poolMark();
        return _acceptsDeposits(valueUsd);
    }

    /// @dev One pool mark: the value deposits are priced at (token units, floored as `liquidityState` floors it), or
    /// `PoolValueNotPositive`.
    function _depositableValueTokens() internal view returns (uint256) {
        (int256 valueUsd, , ) = perpVault.poolMark();
        if (!_acceptsDeposits(valueUsd)) revert PoolValueNotPositive(valueUsd);
        return valueUsd > 0 ? uint256(valueUsd) / _tokenToWad : 0;
    }

    function _maxWithdrawAt(
        address owner,
        uint256 total,
        uint256 free,
        uint256 feeBps
    ) internal view returns (uint256) {
        return Math.min(_netDown(_assetsAt(balanceOf(owner), total, Math.Rounding.Floor), feeBps), free);
    }

    /// @dev The whole balance when what it redeems for (after the fee, floored) is free; else the shares whose gross
    /// value nets at most `free`. Converting `free` alone would strand a few shares whenever the share price is
    /// below one (virtual-share rounding).
    function _maxRedeemAt(address owner, uint256 total, uint256 free, uint256 feeBps) internal view returns (uint256) {
        uint256 balance = balanceOf(owner);
        if (_netDown(_assetsAt(balance, total, Math.Rounding.Floor), feeBps) <= free) return balance;
        return _sharesAt(Math.mulDiv(free, BPS, BPS - feeBps), total, Math.Rounding.Floor);
    }

    /// @dev The fee on a gross flow, rounded up (in favour of the pool).
    function _feeUp(uint256 grossTokens, uint256 feeBps) internal pure returns (uint256) {
        return Math.mulDiv(grossTokens, feeBps, BPS, Math.Rounding.Ceil);
    }

    /// @dev A gross flow minus its fee.
    function _netDown(uint256 grossTokens, uint256 feeBps) internal pure returns (uint256) {
        return grossTokens - _feeUp(grossTokens, feeBps);
    }

    /// @dev The least gross flow whose net (`_netDown`) is at least `netTokens`.
    function _grossUp(uint256 netTokens, uint256 feeBps) internal pure returns (uint256) {
        return Math.mulDiv(netTokens, BPS, BPS - feeBps, Math.Rounding.Ceil);
    }

    /// @dev OpenZeppelin's share conversion, at a given `totalAssets`.
    function _sharesAt(uint256 assets, uint256 total, Math.Rounding rounding) internal view returns (uint256) {
        return Math.mulDiv(assets, totalSupply() + 10 ** _decimalsOffset(), total + 1, rounding);
    }

    function _assetsAt(uint256 shares, uint256 total, Math.Rounding rounding) internal view returns (uint256) {
        return Math.mulDiv(shares, total + 1, totalSupply() + 10 ** _decimalsOffset(), rounding);
    }

    /// @inheritdoc ILiquidityVault
    function sweepStray() external override nonReentrant returns (uint256 assetsToPool, uint256 sharesBurned) {
        uint256 assets = IERC20(asset()).balanceOf(address(this));
        if (assets > escrowedAssets) {
            assetsToPool = assets - escrowedAssets;
            _addToPool(address(this), assetsToPool);
        }
        uint256 shares = balanceOf(address(this));
        if (shares > escrowedShares) {
            sharesBurned = shares - escrowedShares;
            _burn(address(this), sharesBurned);
        }
        if (assetsToPool != 0 || sharesBurned != 0) emit StraySwept(msg.sender, assetsToPool, sharesBurned);
    }

    /// @dev Virtual shares (10^6) make the first-depositor inflation attack unprofitable.
    function _decimalsOffset() internal pure override returns (uint8) {
        return 6;
    }

    /// @dev Moves `assets` from `from` (this contract for an escrowed request) straight to the PerpVault, which books
    /// them as pool balance.
    function _addToPool(address from, uint256 assets) internal {
        IERC20 token = IERC20(asset());
        address perp = address(perpVault);
        uint256 balanceBefore = token.balanceOf(perp);
        if (from == address(this)) token.safeTransfer(perp, assets);
        else token.safeTransferFrom(from, perp, assets);
        uint256 received = token.balanceOf(perp) - balanceBefore;
        if (received != assets) revert TransferAmountMismatch(assets, received);
        perpVault.addLiquidity(assets);
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        _addToPool(caller, assets);
        _mint(receiver, shares);
        emit Deposit(caller, receiver, assets, shares);
    }

    /// @dev Burns first, then the PerpVault pays from realised pool assets under the utilisation bound. The exit fee
    /// is the value of the burnt shares above `assets`: it stays in the pool.
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

    function _checkBound(string memory name, uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min || value > max) revert ParamOutOfBounds(name, value, min, max);
    }
}
