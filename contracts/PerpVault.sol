// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MulDiv} from "./libraries/MulDiv.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";

import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";
import {IPerpVault} from "./interfaces/IPerpVault.sol";
import {PerpVaultBase} from "./PerpVaultBase.sol";
import {FundingMath} from "./libraries/FundingMath.sol";
import {LiquidationMath} from "./libraries/LiquidationMath.sol";
import {Market} from "./libraries/Market.sol";
import {MarketHours} from "./libraries/MarketHours.sol";
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
    using Market for Market.Data;

    /// @notice The delegatecall targets holding the liquidation logic and the settings.
    address public immutable liquidationModule;
    address public immutable adminModule;

    modifier onlyLiquidityVault() {
        if (msg.sender != liquidityVault) revert NotLiquidityVault(msg.sender);
        _;
    }

    /// @dev The modules are deployed first (the vault's initcode could not hold them: 49,152 bytes) and must be built
    /// for the same collateral token and oracle adapter: they run on this vault's storage with their own immutables.
    constructor(
        IERC20 collateralToken_,
        IOracleAdapter oracle_,
        address owner_,
        address liquidationModule_,
        address adminModule_
    ) PerpVaultBase(collateralToken_, oracle_, owner_) {
        _checkModule(liquidationModule_, collateralToken_, oracle_);
        _checkModule(adminModule_, collateralToken_, oracle_);
        liquidationModule = liquidationModule_;
        adminModule = adminModule_;
    }

    function _checkModule(address module, IERC20 token, IOracleAdapter oracle_) private view {
        if (module.code.length == 0) revert ModuleMismatch(module);
        if (PerpVaultBase(module).collateralToken() != token || PerpVaultBase(module).oracle() != oracle_) {
            revert ModuleMismatch(module);
        }
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

    /// @inheritdoc IPerpVault
    function deleveragePair(
        AccountRef calldata,
        AccountRef calldata,
        uint256
    ) external override nonReentrant returns (uint256) {
        return abi.decode(_delegateTo(liquidationModule), (uint256));
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
        return _operators[owner][operator].allowed;
    }

    /// @inheritdoc IPerpVault
    function operatorSlippageBps(address owner, address operator) external view override returns (uint256) {
        OperatorGrant memory g = _operators[owner][operator];
        return g.allowed ? g.maxSlippageBps : 0;
    }

    /// @inheritdoc IPerpVault
    function latencyParams(uint256 marketId) external view override returns (LatencyParams memory) {
        return _markets[marketId].latency;
    }

    /// @inheritdoc IPerpVault
    function closingMarginRatio(uint256 marketId) external view override returns (uint256) {
        return _markets[marketId].risk.closingMaintenanceMarginRatioPpm * Market.PPM;
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
            Market.Touch memory none;
            (int256 equity, uint256 initialMargin, uint256 maintenanceMargin) = _margins(
                msg.sender,
                accountIndex,
                collateralAfter,
                bitmap,
                NO_MARKET,
                none
            );
            _requireOpeningMargin(equity, initialMargin, maintenanceMargin);
        }
        collateralToken.safeTransfer(receiver, amount);
        emit Withdrawn(msg.sender, accountIndex, receiver, amount, collateralAfter);
    }

    /// @inheritdoc IPerpVault
    function accrueFunding(uint256 marketId) external override nonReentrant returns (int256, int256) {
        Market.Data storage m = _listedMarket(marketId);
        Market.Touch memory t = m.touch(_pool, marketId, oracle.priceWad(m.feed.feed), true);
        m.refreshMark(_pool, t);
        return (t.fundingRate, t.fundingIndex);
    }

    /// @inheritdoc IPerpVault
    function setOperator(address operator, bool allowed) external override {
        if (operator == address(0)) revert ZeroAddress();
        _operators[msg.sender][operator] = OperatorGrant(allowed, allowed ? uint16(DEFAULT_OPERATOR_SLIPPAGE_BPS) : 0);
        emit OperatorSet(msg.sender, operator, allowed);
    }

    /// @inheritdoc IPerpVault
    function setOperatorSlippage(address operator, uint256 maxSlippageBps) external override {
        OperatorGrant storage g = _operators[msg.sender][operator];
        if (!g.allowed) revert Unauthorized(operator, msg.sender);
        if (maxSlippageBps == 0 || maxSlippageBps > BPS) {
            revert ParamOutOfBounds("maxSlippageBps", maxSlippageBps, 1, BPS);
        }
        g.maxSlippageBps = uint16(maxSlippageBps);
        emit OperatorSlippageSet(msg.sender, operator, maxSlippageBps);
    }

    // ================================================================ trading

    /// @dev Values of one trade, kept in memory to stay clear of the stack limit.
    struct TradeVars {
        Market.Touch t;
        Market.PositionChange c;
        int256 skew0;
        bool increases;
        uint256 maxSlippageBps;
    }

    /// @inheritdoc IPerpVault
    function trade(TradeParams calldata p) external override nonReentrant returns (TradeResult memory r) {
        if (block.timestamp > p.deadline) revert DeadlineExpired(p.deadline, block.timestamp);
        if (p.sizeDelta == 0) revert ZeroSize();
        if (p.sizeDelta > MAX_POSITION_SIZE || p.sizeDelta < -MAX_POSITION_SIZE) revert SizeOutOfRange(p.sizeDelta);
        TradeVars memory v;
        if (msg.sender != p.owner) {
            OperatorGrant memory g = _operators[p.owner][msg.sender];
            if (!g.allowed) revert Unauthorized(msg.sender, p.owner);
            v.maxSlippageBps = g.maxSlippageBps;
        }
        Market.Data storage m = _markets[p.marketId];
        address feed = m.feed.feed;
        if (feed == address(0)) revert MarketNotListed(p.marketId);

        uint256 tradableAt;
        {
            (uint256 priceWad, uint256 flags, uint256 reopenEnds) = oracle.priceWadAndStatus(feed);
            v.t = m.touch(_pool, p.marketId, priceWad, false);
            v.t.closing = flags & MarketHours.CLOSING != 0;
            if (flags & MarketHours.REOPENING != 0) tradableAt = reopenEnds;
        }
        Market.PositionChange memory c = v.c;
        PackedPosition storage pos = _positions[p.owner][p.accountIndex][p.marketId];
        (c.size0, c.entry0, c.fundingEntry0) = _unpack(pos);
        c.size1 = c.size0 + p.sizeDelta;
        if (c.size1 > MAX_POSITION_SIZE || c.size1 < -MAX_POSITION_SIZE) revert SizeOutOfRange(c.size1);
        v.increases = _increasesExposure(c.size0, c.size1);
        c.checkCaps = v.increases;
        if (v.increases && v.t.openingPaused) revert MarketPaused(p.marketId);
        if (v.increases && tradableAt != 0) revert MarketReopening(p.marketId, tradableAt);

        // ---- price and fee ----
        v.skew0 = int256(v.t.longSize) - int256(v.t.shortSize);
        {
            int256 fill = PricingMath.fillPrice(v.t.priceWad, v.skew0, p.sizeDelta, m.feed.skewScale);
            if (fill <= 0) revert InvalidFillPrice(fill);
            r.fillPrice = uint256(fill);
        }
        if (p.sizeDelta > 0 ? r.fillPrice > p.acceptablePrice : r.fillPrice < p.acceptablePrice) {
            revert SlippageExceeded(r.fillPrice, p.acceptablePrice);
        }
        if (v.maxSlippageBps != 0) _checkOperatorSlippage(r.fillPrice, v.t.priceWad, v.maxSlippageBps);
        r.feeUsd = PricingMath.tradeFeeUp(
            v.skew0,
            p.sizeDelta,
            r.fillPrice,
            m.risk.takerFeeRatioPpm * Market.PPM,
            m.risk.makerFeeRatioPpm * Market.PPM
        );
        // Latency defence: only a delayed order (settled at an oracle round nobody knew at commitment) may open;
        // an immediate reduction pays the surcharge that makes a known-stale answer worthless (docs/risks.md).
        if (v.t.latencyDefended && msg.sender != _delayedOrders) {
            if (v.increases) revert ImmediateOpenDisabled(p.marketId);
            r.feeUsd += PricingMath.immediateFeeUp(p.sizeDelta, r.fillPrice, m.latency.immediateFeeRatio);
        }

        // ---- settle funding, then resize ----
        r.fundingPaidUsd = FundingMath.fundingOwedUp(c.size0, c.fundingEntry0, v.t.fundingIndex);
        (r.realizedPnlUsd, c.entry1) = _resize(c.size0, c.entry0, p.sizeDelta, r.fillPrice);
        r.newSize = c.size1;
        // Stored values are what every later computation (and the aggregates) uses: round them first.
        c.fundingEntry1 = _storePosition(pos, c.size1, c.entry1, v.t.fundingIndex);
        c.entry1 = PositionMath.roundEntryPrice(c.size1, c.entry1);

        // ---- move value between the account and the pool (zero-sum by construction) ----
        c.accountDelta = r.realizedPnlUsd - r.fundingPaidUsd - int256(r.feeUsd);
        m.applyPositionChange(v.t, c);
        Account storage account = _accounts[p.owner][p.accountIndex];
        int256 collateralAfter = account.collateral + c.accountDelta;
        uint256 bitmap = _updatedBitmap(account.marketBitmap, p.marketId, c.size1 != 0);
        account.collateral = collateralAfter.toInt128();
        account.marketBitmap = uint128(bitmap);

        _checkAfterTrade(p, m, v, collateralAfter, bitmap);
        // Every trade re-marks its market in the pool's capacity totals (INV-11). One that adds to the account's
        // exposure and to the market's reserve must fit: other markets count as of their last mark (O(1)).
        (int256 poolValue, uint256 reservedUsd, bool reserveGrew) = m.refreshMark(_pool, v.t);
        if (v.increases && reserveGrew) {
            uint256 maxReservedUsd = _maxReserved(poolValue);
            if (reservedUsd > maxReservedUsd) revert UtilizationTooHigh(reservedUsd, maxReservedUsd);
        }

        emit Traded(
            p.owner,
            p.accountIndex,
            p.marketId,
            p.sizeDelta,
            r,
            c.entry1,
            collateralAfter,
            v.t.fundingRate,
            v.t.fundingIndex
        );
    }

    /// @dev An operator's fill stays within `maxSlippageBps` of the oracle price: the skew premium an operator can make
    /// its owner pay per trade is bounded.
    function _checkOperatorSlippage(uint256 fillPrice, uint256 oraclePrice, uint256 maxSlippageBps) internal pure {
        uint256 gap = fillPrice > oraclePrice ? fillPrice - oraclePrice : oraclePrice - fillPrice;
        if (gap * BPS > oraclePrice * maxSlippageBps) {
            revert OperatorSlippageExceeded(fillPrice, oraclePrice, maxSlippageBps);
        }
    }

    /// @dev Dust rule and margin rule after a trade: a non-zero position keeps at least the minimum margin; an
    /// exposure increase needs equity ≥ initial margin, a pure reduction equity ≥ maintenance margin.
    function _checkAfterTrade(
        TradeParams calldata p,
        Market.Data storage m,
        TradeVars memory v,
        int256 collateralAfter,
        uint256 bitmap
    ) internal view {
        if (v.c.size1 != 0) {
            uint256 positionMargin = MulDiv.up(
                MarginMath.notionalUp(v.c.size1, v.t.priceWad),
                m.risk.initialMarginRatioPpm * Market.PPM,
                WAD
            );
            uint256 minMargin = m.risk.minPositionMarginMicroUsd * Market.MICRO_USD;
            if (positionMargin < minMargin) revert PositionTooSmall(positionMargin, minMargin);
        }
        (int256 equity, uint256 initialMargin, uint256 maintenanceMargin) = _margins(
            p.owner,
            p.accountIndex,
            collateralAfter,
            bitmap,
            p.marketId,
            v.t
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

    // ================================================================ margin

    /// @dev Equity, initial and maintenance margin of an account with `collateral`, over the markets in `bitmap`.
    /// The market `knownMarketId` was just touched (`known`: its price and accrued index); every other market reads
    /// its price once.
    function _margins(
        address owner,
        uint96 accountIndex,
        int256 collateral,
        uint256 bitmap,
        uint256 knownMarketId,
        Market.Touch memory known
    ) internal view returns (int256 equity, uint256 initialMargin, uint256 maintenanceMargin) {
        equity = collateral;
        while (bitmap != 0) {
            uint256 marketId = _lowestBit(bitmap);
            bitmap &= bitmap - 1;
            Market.Data storage m = _markets[marketId];
            uint256 priceWad;
            int256 index;
            bool closing;
            if (marketId == knownMarketId) {
                (priceWad, index, closing) = (known.priceWad, known.fundingIndex, known.closing);
            } else {
                uint256 flags;
                (priceWad, flags, ) = oracle.priceWadAndStatus(m.feed.feed);
                closing = flags & MarketHours.CLOSING != 0;
                (, index) = m.indexNow(priceWad);
            }
            (int256 size, uint256 entry, int256 fundingEntry) = _unpack(_positions[owner][accountIndex][marketId]);
            (int256 value, uint256 im, uint256 mm) = m.positionMargins(
                size,
                entry,
                fundingEntry,
                priceWad,
                index,
                closing
            );
            equity += value;
            initialMargin += im;
            maintenanceMargin += mm;
        }
    }

    /// @dev {_margins} of a stored account, every market read now.
    function _accountMargins(
        address owner,
        uint96 accountIndex
    ) internal view returns (int256 collateral, uint256 bitmap, int256 equity, uint256 im, uint256 mm) {
        Account storage account = _accounts[owner][accountIndex];
        (collateral, bitmap) = (account.collateral, account.marketBitmap);
        Market.Touch memory none;
        (equity, im, mm) = _margins(owner, accountIndex, collateral, bitmap, NO_MARKET, none);
    }

    // ================================================================ insurance

    /// @inheritdoc IPerpVault
    function depositInsurance(uint256 amount) external override nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 received = _pullTokens(msg.sender, amount);
        uint256 insuranceAfter = _liquidation.insuranceFundUsd + uint256(_toWad(received));
        _liquidation.insuranceFundUsd = insuranceAfter.toUint96();
        emit InsuranceDeposited(msg.sender, received, insuranceAfter);
    }

    /// @inheritdoc IPerpVault
    function releaseInsuranceExcess() external override nonReentrant returns (uint256 releasedUsd) {
        uint256 fund = _liquidation.insuranceFundUsd;
        uint256 cap = _insuranceCapUsd;
        if (fund <= cap) return 0;
        releasedUsd = fund - cap;
        _liquidation.insuranceFundUsd = uint96(cap); // < fund ≤ 2^96
        _pool.valueUsd = (_pool.valueUsd + releasedUsd.toInt256()).toInt128();
        emit InsuranceReleased(releasedUsd, cap);
    }

    /// @inheritdoc IPerpVault
    function insuranceCapUsd() external view override returns (uint256) {
        return _insuranceCapUsd;
    }

    // ================================================================ LP vault hooks

    /// @inheritdoc IPerpVault
    function addLiquidity(uint256 amount) external override onlyLiquidityVault nonReentrant {
        if (amount == 0) revert ZeroAmount();
        int256 valueAfter = _pool.valueUsd + _toWad(amount);
        _pool.valueUsd = valueAfter.toInt128();
        emit LiquidityAdded(amount, valueAfter);
    }

    /// @inheritdoc IPerpVault
    function removeLiquidity(address receiver, uint256 amount) external override onlyLiquidityVault nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (receiver == address(0)) revert ZeroAddress();
        int256 amountWad = _toWad(amount);
        (int256 value, uint256 reservedUsd, int256 realized) = _markPool(NO_MARKET, 0);
        if (realized < amountWad) revert InsufficientLiquidity(realized, amount);
        uint256 maxReservedUsd = _maxReserved(value - amountWad);
        if (reservedUsd > maxReservedUsd) revert UtilizationTooHigh(reservedUsd, maxReservedUsd);
        int256 valueAfter = _pool.valueUsd - amountWad;
        _pool.valueUsd = valueAfter.toInt128();
        collateralToken.safeTransfer(receiver, amount);
        emit LiquidityRemoved(receiver, amount, valueAfter);
    }

    /// @inheritdoc IPerpVault
    function poolBalance() external view override returns (int256 realized) {
        realized = _pool.valueUsd;
        uint256 count = _marketCount;
        for (uint256 marketId; marketId < count; ++marketId) {
            Market.Data storage m = _markets[marketId];
            (int256 markedValue, ) = m.markedContribution();
            realized += m.state.poolRealizedUsd - markedValue;
        }
    }

    /// @inheritdoc IPerpVault
    function capacityMark() external view override returns (int256 valueUsd, uint256 reservedUsd) {
        Market.Pool memory p = _pool;
        return (p.valueUsd, p.reservedMicroUsd * Market.MICRO_USD);
    }

    /// @inheritdoc IPerpVault
    function poolMark() external view override returns (int256 valueUsd, uint256 reservedUsd, int256 realizedUsd) {
        return _markPool(NO_MARKET, 0);
    }

    /// @inheritdoc IPerpVault
    function liquidityState() external view override returns (uint256 valueTokens, uint256 withdrawableTokens) {
        (int256 value, uint256 reservedUsd, int256 realized) = _markPool(NO_MARKET, 0);
        if (value <= 0) return (0, 0);
        valueTokens = uint256(value) / TOKEN_TO_WAD;
        if (realized <= 0) return (valueTokens, 0);
        // value − amount must keep reservedUsd ≤ (value − amount) · maxUtilization
        uint256 lockedUsd = MulDiv.up(reservedUsd, 1e6, _pool.maxUtilizationPpm);
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

    /// @notice Sets the maintenance margin ratio in force from the market's closing window until its reopen. Owner.
    function setClosingMargin(uint256, uint256) external {
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

    /// @notice Sets the insurance fund's cap (USD WAD): above it, penalties go to the LPs. Owner only.
    function setInsuranceCap(uint256) external {
        _delegateTo(adminModule);
    }

    // ================================================================ views

    /// @inheritdoc IPerpVault
    function accountMargin(address owner, uint96 accountIndex) external view override returns (AccountMargin memory a) {
        uint256 bitmap;
        (a.collateral, bitmap, a.equity, a.initialMargin, a.maintenanceMargin) = _accountMargins(owner, accountIndex);
        a.notional = _notional(owner, accountIndex, bitmap);
    }

    /// @inheritdoc IPerpVault
    function liquidationPrice(
        address owner,
        uint96 accountIndex,
        uint256 marketId
    ) external view override returns (uint256) {
        (int256 size, , ) = _unpack(_positions[owner][accountIndex][marketId]);
        if (size == 0) revert NoPosition(owner, accountIndex, marketId);
        (, , int256 equity, , uint256 maintenanceMargin) = _accountMargins(owner, accountIndex);
        Market.Data storage m = _markets[marketId];
        (uint256 priceWad, uint256 flags, ) = oracle.priceWadAndStatus(m.feed.feed);
        return
            LiquidationMath.liquidationPrice(
                size,
                priceWad,
                equity,
                maintenanceMargin,
                m.maintenanceRatioPpm(flags & MarketHours.CLOSING != 0) * Market.PPM
            );
    }

    /// @inheritdoc IPerpVault
    function insuranceFundUsd() external view override returns (uint256) {
        return _liquidation.insuranceFundUsd;
    }

    /// @inheritdoc IPerpVault
    function maxUtilization() external view override returns (uint256) {
        return _pool.maxUtilizationPpm * Market.PPM;
    }

    /// @inheritdoc IPerpVault
    function liquidationParams() external view override returns (uint64, uint64, uint64, uint64, uint96, uint96) {
        LiquidationParams memory p = _liquidationParamsWad();
        return (
            p.keeperFeeRatio,
            p.penaltyRatio,
            p.insuranceShare,
            p.partialBuffer,
            p.minKeeperFeeUsd,
            p.maxKeeperFeeUsd
        );
    }

    /// @inheritdoc IPerpVault
    function badDebtUsd() external view override returns (uint256 totalUsd, uint256 paidByPoolUsd) {
        return (_badDebtTotalUsd, _badDebtPaidByPoolUsd);
    }

    /// @inheritdoc IPerpVault
    function isLiquidatable(address owner, uint96 accountIndex) external view override returns (bool) {
        if (_accounts[owner][accountIndex].marketBitmap == 0) return false;
        (, , int256 equity, , uint256 maintenanceMargin) = _accountMargins(owner, accountIndex);
        return equity < maintenanceMargin.toInt256();
    }

    /// @inheritdoc IPerpVault
    function currentFunding(uint256 marketId) external view override returns (int256, int256) {
        Market.Data storage m = _listedMarket(marketId);
        return m.indexNow(oracle.priceWad(m.feed.feed));
    }

    /// @inheritdoc IPerpVault
    function quote(uint256 marketId, int256 sizeDelta) external view override returns (uint256, uint256) {
        if (sizeDelta == 0) revert ZeroSize();
        Market.Data storage m = _listedMarket(marketId);
        int256 skew0 = m.skew();
        int256 fill = PricingMath.fillPrice(oracle.priceWad(m.feed.feed), skew0, sizeDelta, m.feed.skewScale);
        if (fill <= 0) revert InvalidFillPrice(fill);
        uint256 fee = PricingMath.tradeFeeUp(
            skew0,
            sizeDelta,
            uint256(fill),
            m.risk.takerFeeRatioPpm * Market.PPM,
            m.risk.makerFeeRatioPpm * Market.PPM
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
        return _listedMarket(marketId).params();
    }

    function marketFeed(uint256 marketId) external view override returns (address) {
        return _listedMarket(marketId).feed.feed;
    }

    function marketState(uint256 marketId) external view override returns (MarketState memory s) {
        Market.State storage stored = _listedMarket(marketId).state;
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
            uint256 priceWad = oracle.priceWad(_markets[marketId].feed.feed);
            total += MarginMath.notionalUp(_positions[owner][accountIndex][marketId].size, priceWad);
        }
    }

    // ================================================================ internal helpers

    /// @dev Balance-delta accounting: a fee-on-transfer token credits what arrived, never what was asked.
    function _pullTokens(address from, uint256 amount) internal returns (uint256 received) {
        uint256 balanceBefore = collateralToken.balanceOf(address(this));
        collateralToken.safeTransferFrom(from, address(this), amount);
        received = collateralToken.balanceOf(address(this)) - balanceBefore;
    }
}
