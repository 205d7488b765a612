// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";

import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";
import {IPerpVault} from "./interfaces/IPerpVault.sol";
import {AdminModule} from "./AdminModule.sol";
import {LiquidationModule} from "./LiquidationModule.sol";
import {PerpVaultBase} from "./PerpVaultBase.sol";
import {FundingMath} from "./libraries/FundingMath.sol";
import {LiquidationMath} from "./libraries/LiquidationMath.sol";
import {MarginMath} from "./libraries/MarginMath.sol";
import {PricingMath} from "./libraries/PricingMath.sol";
import {PackedPosition, PositionMath} from "./libraries/PositionMath.sol";

/// @title PerpVault
/// @notice Core entry points of Parapet's perpetual vault; see {IPerpVault}. Pure math lives in `libraries/`.
/// @dev Every state-changing entry point has the same shape: check inputs → read the price once → accrue funding →
/// compute → write → check margin → emit.
contract PerpVault is PerpVaultBase, IPerpVault, Multicall {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @notice The delegatecall targets holding the liquidation logic and the settings (deployed by this constructor).
    address public immutable liquidationModule;
    address public immutable adminModule;

    modifier onlyLiquidityVault() {
        if (msg.sender != liquidityVault) revert NotLiquidityVault(msg.sender);
        _;
    }

    constructor(
        IERC20 collateralToken_,
        IOracleAdapter oracle_,
        address owner_
    ) PerpVaultBase(collateralToken_, oracle_, owner_) {
        liquidationModule = address(new LiquidationModule(collateralToken_, oracle_));
        adminModule = address(new AdminModule(collateralToken_, oracle_));
    }

    // ================================================================ liquidation (delegated)

    /// @inheritdoc IPerpVault
    function liquidate(address, uint96) external override nonReentrant returns (LiquidationResult memory) {
        return abi.decode(_delegateTo(liquidationModule), (LiquidationResult));
    }

    /// @inheritdoc IPerpVault
    function liquidateBatch(AccountRef[] calldata) external override nonReentrant returns (uint256) {
        return abi.decode(_delegateTo(liquidationModule), (uint256));
    }

    /// @inheritdoc IPerpVault
    function deleverage(address, uint96, uint256) external override nonReentrant returns (int256) {
        return abi.decode(_delegateTo(liquidationModule), (int256));
    }

    /// @dev Runs the same calldata in the module on this contract's storage; bubbles any revert unchanged.
    function _delegateTo(address module) internal returns (bytes memory result) {
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = module.delegatecall(msg.data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }

    /// @inheritdoc IPerpVault
    function marketCount() external view override returns (uint256) {
        return _marketCount;
    }

    /// @inheritdoc IPerpVault
    function isOperator(address owner, address operator) external view override returns (bool) {
        return _operators[owner][operator];
    }

    /// @inheritdoc IPerpVault
    function latencyParams(uint256 marketId) external view override returns (LatencyParams memory) {
        return _latency[marketId];
    }

    /// @inheritdoc IPerpVault
    function delayedOrders() external view override returns (address) {
        return _delayedOrders;
    }

    // ================================================================ accounts

    /// @inheritdoc IPerpVault
    function deposit(address owner, uint96 accountIndex, uint256 amount) external override nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (owner == address(0)) revert ZeroAddress();
        uint256 received = _pullTokens(msg.sender, amount);
        if (received == 0) revert ZeroAmount();
        Account storage account = _accounts[owner][accountIndex];
        int256 collateralAfter = account.collateral + _toWad(received);
        account.collateral = collateralAfter.toInt128();
        emit Deposited(owner, accountIndex, msg.sender, received, collateralAfter);
    }

    /// @inheritdoc IPerpVault
    function withdraw(uint96 accountIndex, uint256 amount, address receiver) external override nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (receiver == address(0)) revert ZeroAddress();
        Account storage account = _accounts[msg.sender][accountIndex];
        int256 collateral = account.collateral;
        int256 amountWad = _toWad(amount);
        if (collateral < amountWad) revert InsufficientCollateral(collateral, amount);
        int256 collateralAfter = collateral - amountWad;
        account.collateral = int128(collateralAfter); // ≤ collateral, fits
        uint256 bitmap = account.marketBitmap;
        if (bitmap != 0) {
            (int256 equity, uint256 initialMargin, uint256 maintenanceMargin) = _margins(
                msg.sender,
                accountIndex,
                collateralAfter,
                bitmap,
                type(uint256).max,
                0
            );
            _requireOpeningMargin(equity, initialMargin, maintenanceMargin);
        }
        collateralToken.safeTransfer(receiver, amount);
        emit Withdrawn(msg.sender, accountIndex, receiver, amount, collateralAfter);
    }

    /// @inheritdoc IPerpVault
    function accrueFunding(uint256 marketId) external override nonReentrant returns (int256, int256) {
        Market storage m = _listedMarket(marketId);
        uint256 priceWad = oracle.priceWad(m.params.feed);
        (int256 rate, int256 index) = _accrue(marketId, m, priceWad, true);
        _refreshMark(marketId, m, priceWad, index);
        return (rate, index);
    }

    /// @inheritdoc IPerpVault
    function setOperator(address operator, bool allowed) external override {
        if (operator == address(0)) revert ZeroAddress();
        _operators[msg.sender][operator] = allowed;
        emit OperatorSet(msg.sender, operator, allowed);
    }

    // ================================================================ trading

    /// @inheritdoc IPerpVault
    function trade(TradeParams calldata p) external override nonReentrant returns (TradeResult memory r) {
        if (block.timestamp > p.deadline) revert DeadlineExpired(p.deadline, block.timestamp);
        if (p.sizeDelta == 0) revert ZeroSize();
        if (p.sizeDelta > MAX_POSITION_SIZE || p.sizeDelta < -MAX_POSITION_SIZE) revert SizeOutOfRange(p.sizeDelta);
        if (msg.sender != p.owner && !_operators[p.owner][msg.sender]) revert Unauthorized(msg.sender, p.owner);
        Market storage m = _markets[p.marketId];
        if (m.params.feed == address(0)) revert MarketNotListed(p.marketId);

        TradeVars memory v;
        v.priceWad = oracle.priceWad(m.params.feed);
        (v.fundingRate, v.fundingIndex) = _accrue(p.marketId, m, v.priceWad, false);

        PackedPosition storage pos = _positions[p.owner][p.accountIndex][p.marketId];
        (v.size0, v.entry0, v.fundingEntry0) = _unpack(pos);
        v.size1 = v.size0 + p.sizeDelta;
        if (v.size1 > MAX_POSITION_SIZE || v.size1 < -MAX_POSITION_SIZE) revert SizeOutOfRange(v.size1);
        v.increases = _increasesExposure(v.size0, v.size1);
        if (v.increases && m.state.openingPaused) revert MarketPaused(p.marketId);

        // ---- price and fee ----
        v.skew0 = int256(uint256(m.state.longSize)) - int256(uint256(m.state.shortSize));
        {
            int256 fill = PricingMath.fillPrice(v.priceWad, v.skew0, p.sizeDelta, m.params.skewScale);
            if (fill <= 0) revert InvalidFillPrice(fill);
            r.fillPrice = uint256(fill);
        }
        if (p.sizeDelta > 0 ? r.fillPrice > p.acceptablePrice : r.fillPrice < p.acceptablePrice) {
            revert SlippageExceeded(r.fillPrice, p.acceptablePrice);
        }
        r.feeUsd = PricingMath.tradeFeeUp(
            v.skew0,
            p.sizeDelta,
            r.fillPrice,
            m.params.takerFeeRatio,
            m.params.makerFeeRatio
        );
        // Latency defence: only a delayed order (settled at an oracle round nobody knew at commitment) may open;
        // an immediate reduction pays the surcharge that makes a known-stale answer worthless (docs/risks.md).
        if (m.state.latencyDefended && msg.sender != _delayedOrders) {
            if (v.increases) revert ImmediateOpenDisabled(p.marketId);
            r.feeUsd += PricingMath.immediateFeeUp(p.sizeDelta, r.fillPrice, _latency[p.marketId].immediateFeeRatio);
        }

        // ---- settle funding, then resize ----
        r.fundingPaidUsd = FundingMath.fundingOwedUp(v.size0, v.fundingEntry0, v.fundingIndex);
        (r.realizedPnlUsd, v.entry1) = _resize(v.size0, v.entry0, p.sizeDelta, r.fillPrice);
        r.newSize = v.size1;
        // Stored values are what every later computation (and the aggregates) uses: round them first.
        v.fundingEntry1 = _storePosition(pos, v.size1, v.entry1, v.fundingIndex);
        v.entry1 = PositionMath.roundEntryPrice(v.size1, v.entry1);

        // ---- move value between the account and the pool (zero-sum by construction) ----
        int256 accountDelta = r.realizedPnlUsd - r.fundingPaidUsd - int256(r.feeUsd);
        _updateMarketBooks(p.marketId, m, v, accountDelta);
        Account storage account = _accounts[p.owner][p.accountIndex];
        int256 collateralAfter = account.collateral + accountDelta;
        uint256 bitmap = _updatedBitmap(account.marketBitmap, p.marketId, v.size1 != 0);
        account.collateral = collateralAfter.toInt128();
        account.marketBitmap = uint128(bitmap);

        _checkAfterTrade(p, m, v, collateralAfter, bitmap);
        // The pool is every trader's counterparty: what adds to its net exposure must fit its capacity (INV-11).
        // Other markets count as of their last refresh (O(1)); a keeper pokes `accrueFunding` after price moves.
        if (v.increases && SignedMath.abs(v.skew0 + p.sizeDelta) > SignedMath.abs(v.skew0)) {
            (int256 value, uint256 reservedUsd) = _refreshMark(p.marketId, m, v.priceWad, v.fundingIndex);
            uint256 maxReservedUsd = _maxReserved(value);
            if (reservedUsd > maxReservedUsd) revert UtilizationTooHigh(reservedUsd, maxReservedUsd);
        }

        emit Traded(
            p.owner,
            p.accountIndex,
            p.marketId,
            p.sizeDelta,
            r,
            v.entry1,
            collateralAfter,
            v.fundingRate,
            v.fundingIndex
        );
    }

    /// @dev Dust rule and margin rule after a trade: a non-zero position keeps at least the minimum margin; an
    /// exposure increase needs equity ≥ initial margin, a pure reduction equity ≥ maintenance margin.
    function _checkAfterTrade(
        TradeParams calldata p,
        Market storage m,
        TradeVars memory v,
        int256 collateralAfter,
        uint256 bitmap
    ) internal view {
        if (v.size1 != 0) {
            uint256 positionMargin = MarginMath.initialMarginUp(v.size1, v.priceWad, m.params.initialMarginRatio);
            if (positionMargin < m.params.minPositionMarginUsd) {
                revert PositionTooSmall(positionMargin, m.params.minPositionMarginUsd);
            }
        }
        (int256 equity, uint256 initialMargin, uint256 maintenanceMargin) = _margins(
            p.owner,
            p.accountIndex,
            collateralAfter,
            bitmap,
            p.marketId,
            v.priceWad
        );
        if (v.increases) {
            _requireOpeningMargin(equity, initialMargin, maintenanceMargin);
        } else if (equity < maintenanceMargin.toInt256()) {
            revert WouldBeLiquidatable(equity, maintenanceMargin);
        }
    }

    /// @dev Opening, increasing and withdrawing need equity ≥ max(IM, MM): the flat `liquidationFeeUsd` in MM can
    /// exceed a small position's IM, and no user action may leave an account liquidatable (INV-04).
    function _requireOpeningMargin(int256 equity, uint256 initialMargin, uint256 maintenanceMargin) internal pure {
        uint256 required = initialMargin > maintenanceMargin ? initialMargin : maintenanceMargin;
        if (equity < required.toInt256()) revert InsufficientMargin(equity, required);
    }

    /// @dev New entry price and realised PnL of a resize: an increase blends the entry; a reduction realises PnL on
    /// the closed part at the fill; a flip closes everything and opens the rest at the fill.
    function _resize(
        int256 size0,
        uint256 entry0,
        int256 sizeDelta,
        uint256 fillPriceWad
    ) internal pure returns (int256 realizedPnl, uint256 entry1) {
        int256 size1 = size0 + sizeDelta;
        if (size0 == 0 || (size0 > 0) == (sizeDelta > 0)) {
            return (0, MarginMath.blendedEntryPrice(size0, entry0, sizeDelta, fillPriceWad));
        }
        if (size1 == 0 || (size1 > 0) == (size0 > 0)) {
            // reduce or close: the closed part is −sizeDelta (same sign as size0)
            realizedPnl = MarginMath.pnlDown(-sizeDelta, entry0, fillPriceWad);
            return (realizedPnl, size1 == 0 ? 0 : entry0);
        }
        // flip
        return (MarginMath.pnlDown(size0, entry0, fillPriceWad), fillPriceWad);
    }

    function _increasesExposure(int256 size0, int256 size1) internal pure returns (bool) {
        if (size1 == 0) return false;
        if (size0 == 0 || (size0 > 0) != (size1 > 0)) return true;
        return SignedMath.abs(size1) > SignedMath.abs(size0);
    }

    // ================================================================ packed positions

    // ================================================================ funding

    // ================================================================ margin

    /// @dev Equity, initial and maintenance margin of an account with `collateral`, over the markets in `bitmap`.
    /// The market `knownMarketId` was just accrued at `knownPriceWad`; every other market reads its price once.
    function _margins(
        address owner,
        uint96 accountIndex,
        int256 collateral,
        uint256 bitmap,
        uint256 knownMarketId,
        uint256 knownPriceWad
    ) internal view returns (int256 equity, uint256 initialMargin, uint256 maintenanceMargin) {
        equity = collateral;
        while (bitmap != 0) {
            uint256 marketId = _lowestBit(bitmap);
            bitmap &= bitmap - 1;
            (int256 value, uint256 im, uint256 mm) = _positionMargins(
                _positions[owner][accountIndex][marketId],
                _markets[marketId],
                marketId == knownMarketId ? knownPriceWad : 0
            );
            equity += value;
            initialMargin += im;
            maintenanceMargin += mm;
        }
    }

    /// @dev PnL minus funding owed, initial and maintenance margin of one position. `knownPriceWad` is non-zero
    /// for the market accrued in this transaction (its stored index is current); other markets read the oracle.
    function _positionMargins(
        PackedPosition storage pos,
        Market storage m,
        uint256 knownPriceWad
    ) internal view returns (int256 value, uint256 initialMargin, uint256 maintenanceMargin) {
        (int256 size, uint256 entryPriceWad, int256 fundingIndexEntryWad) = _unpack(pos);
        uint256 priceWad = knownPriceWad;
        int256 index;
        if (priceWad != 0) {
            index = m.state.fundingIndex;
        } else {
            priceWad = oracle.priceWad(m.params.feed);
            (, index) = _indexNow(m, priceWad);
        }
        value =
            MarginMath.pnlDown(size, entryPriceWad, priceWad) -
            FundingMath.fundingOwedUp(size, fundingIndexEntryWad, index);
        initialMargin = MarginMath.initialMarginUp(size, priceWad, m.params.initialMarginRatio);
        maintenanceMargin = MarginMath.maintenanceMarginUp(
            size,
            priceWad,
            m.params.maintenanceMarginRatio,
            m.params.liquidationFeeUsd
        );
    }

    // ================================================================ liquidation

    /// @inheritdoc IPerpVault
    function depositInsurance(uint256 amount) external override nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 received = _pullTokens(msg.sender, amount);
        uint256 insuranceAfter = _pool.insuranceUsd + uint256(_toWad(received));
        _pool.insuranceUsd = insuranceAfter.toUint128();
        emit InsuranceDeposited(msg.sender, received, insuranceAfter);
    }

    // ================================================================ LP vault hooks

    /// @inheritdoc IPerpVault
    function addLiquidity(uint256 amount) external override onlyLiquidityVault nonReentrant {
        if (amount == 0) revert ZeroAmount();
        int256 baseAfter = _pool.baseUsd + _toWad(amount);
        _pool.baseUsd = baseAfter.toInt128();
        emit LiquidityAdded(amount, baseAfter);
    }

    /// @inheritdoc IPerpVault
    function removeLiquidity(address receiver, uint256 amount) external override onlyLiquidityVault nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (receiver == address(0)) revert ZeroAddress();
        int256 amountWad = _toWad(amount);
        (int256 value, uint256 reservedUsd, int256 realized) = _poolMark(NO_MARKET, 0);
        if (realized < amountWad) revert InsufficientLiquidity(realized, amount);
        uint256 maxReservedUsd = _maxReserved(value - amountWad);
        if (reservedUsd > maxReservedUsd) revert UtilizationTooHigh(reservedUsd, maxReservedUsd);
        int256 baseAfter = _pool.baseUsd - amountWad;
        _pool.baseUsd = baseAfter.toInt128();
        collateralToken.safeTransfer(receiver, amount);
        emit LiquidityRemoved(receiver, amount, baseAfter);
    }

    /// @inheritdoc IPerpVault
    function poolBalance() external view override returns (int256 realized) {
        realized = _pool.baseUsd;
        uint256 count = _marketCount;
        for (uint256 marketId; marketId < count; ++marketId) realized += _markets[marketId].state.poolRealizedUsd;
    }

    /// @inheritdoc IPerpVault
    function poolMark() external view override returns (int256 valueUsd, uint256 reservedUsd, int256 realizedUsd) {
        return _poolMark(NO_MARKET, 0);
    }

    /// @inheritdoc IPerpVault
    function liquidityState() external view override returns (uint256 valueTokens, uint256 withdrawableTokens) {
        return _liquidityState();
    }

    /// @dev One pool mark: the marked value and what can be paid out now, both in token units (floored).
    function _liquidityState() internal view returns (uint256 valueTokens, uint256 withdrawableTokens) {
        (int256 value, uint256 reservedUsd, int256 realized) = _poolMark(NO_MARKET, 0);
        if (value <= 0) return (0, 0);
        valueTokens = uint256(value) / TOKEN_TO_WAD;
        if (realized <= 0) return (valueTokens, 0);
        // value − amount must keep reservedUsd ≤ (value − amount) · maxUtilization
        uint256 lockedUsd = Math.mulDiv(reservedUsd, WAD, maxUtilization, Math.Rounding.Ceil);
        if (lockedUsd >= uint256(value)) return (valueTokens, 0);
        withdrawableTokens = Math.min(uint256(value) - lockedUsd, uint256(realized)) / TOKEN_TO_WAD;
    }

    // ================================================================ admin (delegated)

    /// @notice Lists a market. Owner only. The feed must already give a valid price through the oracle adapter.
    function listMarket(MarketParams calldata) external returns (uint256) {
        return abi.decode(_delegateTo(adminModule), (uint256));
    }

    /// @notice Replaces a market's parameters after accruing funding under the old ones. Owner only.
    function setMarketParams(uint256, MarketParams calldata) external {
        _delegateTo(adminModule);
    }

    /// @notice Sets a market's latency defence ({IPerpVaultTypes-LatencyParams}). Owner only; turning it on needs
    /// {setDelayedOrders} first.
    function setLatencyParams(uint256, LatencyParams calldata) external {
        _delegateTo(adminModule);
    }

    /// @notice Sets the delayed-order contract once. Owner only.
    function setDelayedOrders(address) external {
        _delegateTo(adminModule);
    }

    /// @notice Pauses or resumes opening and increasing in a market. Guardian or owner. Reducing, closing and
    /// withdrawing are never paused.
    function setMarketPaused(uint256, bool) external {
        _delegateTo(adminModule);
    }

    function setGuardian(address) external {
        _delegateTo(adminModule);
    }

    /// @notice Sets the ERC-4626 LP vault once. Owner only.
    function setLiquidityVault(address) external {
        _delegateTo(adminModule);
    }

    /// @notice Max share of the pool's marked value that may back net open interest (WAD). Owner only.
    function setMaxUtilization(uint256) external {
        _delegateTo(adminModule);
    }

    /// @notice Sets the global liquidation parameters. Owner only; every field bounded.
    function setLiquidationParams(LiquidationParams calldata) external {
        _delegateTo(adminModule);
    }

    // ================================================================ views

    /// @inheritdoc IPerpVault
    function accountMargin(address owner, uint96 accountIndex) external view override returns (AccountMargin memory a) {
        Account storage account = _accounts[owner][accountIndex];
        a.collateral = account.collateral;
        (a.equity, a.initialMargin, a.maintenanceMargin) = _margins(
            owner,
            accountIndex,
            a.collateral,
            account.marketBitmap,
            type(uint256).max,
            0
        );
        a.notional = _notional(owner, accountIndex, account.marketBitmap);
    }

    /// @inheritdoc IPerpVault
    function liquidationPrice(
        address owner,
        uint96 accountIndex,
        uint256 marketId
    ) external view override returns (uint256) {
        Account storage account = _accounts[owner][accountIndex];
        (int256 size, , ) = _unpack(_positions[owner][accountIndex][marketId]);
        if (size == 0) revert NoPosition(owner, accountIndex, marketId);
        (int256 equity, , uint256 maintenanceMargin) = _margins(
            owner,
            accountIndex,
            account.collateral,
            account.marketBitmap,
            type(uint256).max,
            0
        );
        Market storage m = _markets[marketId];
        return
            LiquidationMath.liquidationPrice(
                size,
                oracle.priceWad(m.params.feed),
                equity,
                maintenanceMargin,
                m.params.maintenanceMarginRatio
            );
    }

    /// @inheritdoc IPerpVault
    function insuranceFundUsd() external view override returns (uint256) {
        return _pool.insuranceUsd;
    }

    /// @inheritdoc IPerpVault
    function badDebtUsd() external view override returns (uint256 totalUsd, uint256 paidByPoolUsd) {
        return (_badDebtTotalUsd, _badDebtPaidByPoolUsd);
    }

    /// @inheritdoc IPerpVault
    function isLiquidatable(address owner, uint96 accountIndex) external view override returns (bool) {
        Account storage account = _accounts[owner][accountIndex];
        uint256 bitmap = account.marketBitmap;
        if (bitmap == 0) return false;
        (int256 equity, , uint256 maintenanceMargin) = _margins(
            owner,
            accountIndex,
            account.collateral,
            bitmap,
            type(uint256).max,
            0
        );
        return equity < maintenanceMargin.toInt256();
    }

    /// @inheritdoc IPerpVault
    function currentFunding(uint256 marketId) external view override returns (int256, int256) {
        Market storage m = _listedMarket(marketId);
        return _indexNow(m, oracle.priceWad(m.params.feed));
    }

    /// @inheritdoc IPerpVault
    function quote(uint256 marketId, int256 sizeDelta) external view override returns (uint256, uint256) {
        if (sizeDelta == 0) revert ZeroSize();
        Market storage m = _listedMarket(marketId);
        int256 skew0 = int256(uint256(m.state.longSize)) - int256(uint256(m.state.shortSize));
        int256 fill = PricingMath.fillPrice(oracle.priceWad(m.params.feed), skew0, sizeDelta, m.params.skewScale);
        if (fill <= 0) revert InvalidFillPrice(fill);
        uint256 fee = PricingMath.tradeFeeUp(
            skew0,
            sizeDelta,
            uint256(fill),
            m.params.takerFeeRatio,
            m.params.makerFeeRatio
        );
        return (uint256(fill), fee);
    }

    function position(
        address owner,
        uint96 accountIndex,
        uint256 marketId
    ) external view override returns (Position memory position_) {
        (int256 size, uint256 entryPriceWad, int256 fundingIndexEntryWad) = _unpack(
            _positions[owner][accountIndex][marketId]
        );
        position_.size = int128(size);
        position_.entryPrice = uint128(entryPriceWad);
        position_.fundingIndexEntry = int128(fundingIndexEntryWad);
    }

    function collateralOf(address owner, uint96 accountIndex) external view override returns (int256) {
        return _accounts[owner][accountIndex].collateral;
    }

    /// @inheritdoc IPerpVault
    function accountMarkets(address owner, uint96 accountIndex) external view override returns (uint256) {
        return _accounts[owner][accountIndex].marketBitmap;
    }

    /// @inheritdoc IPerpVault
    function accountSlot(address owner, uint96 accountIndex) external view override returns (int256, uint256) {
        Account storage account = _accounts[owner][accountIndex];
        return (account.collateral, account.marketBitmap);
    }

    function marketParams(uint256 marketId) external view override returns (MarketParams memory) {
        return _listedMarket(marketId).params;
    }

    function marketState(uint256 marketId) external view override returns (MarketState memory s) {
        StoredMarketState storage stored = _listedMarket(marketId).state;
        s.fundingIndex = stored.fundingIndex;
        s.fundingRatePerDay = stored.fundingRatePerDay;
        s.lastFundingTime = stored.lastFundingTime;
        s.openingPaused = stored.openingPaused;
        s.longSize = stored.longSize;
        s.shortSize = stored.shortSize;
        s.basisSum = stored.basisSum;
        s.poolRealizedUsd = stored.poolRealizedUsd;
    }

    function _notional(address owner, uint96 accountIndex, uint256 bitmap) internal view returns (uint256 total) {
        while (bitmap != 0) {
            uint256 marketId = _lowestBit(bitmap);
            bitmap &= bitmap - 1;
            uint256 priceWad = oracle.priceWad(_markets[marketId].params.feed);
            total += MarginMath.notionalUp(_positions[owner][accountIndex][marketId].size, priceWad);
        }
    }

    // ================================================================ internal helpers

    function _listedMarket(uint256 marketId) internal view returns (Market storage m) {
        m = _markets[marketId];
        if (m.params.feed == address(0)) revert MarketNotListed(marketId);
    }

    /// @dev Balance-delta accounting: a fee-on-transfer token credits what arrived, never what was asked.
    function _pullTokens(address from, uint256 amount) internal returns (uint256 received) {
        uint256 balanceBefore = collateralToken.balanceOf(address(this));
        collateralToken.safeTransferFrom(from, address(this), amount);
        received = collateralToken.balanceOf(address(this)) - balanceBefore;
    }
}
