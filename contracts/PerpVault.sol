// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";
import {IPerpVault} from "./interfaces/IPerpVault.sol";
import {FundingMath} from "./libraries/FundingMath.sol";
import {MarginMath} from "./libraries/MarginMath.sol";
import {PricingMath} from "./libraries/PricingMath.sol";
import {SignedWad} from "./libraries/SignedWad.sol";

/// @title PerpVault
/// @notice Core entry points of Parapet's perpetual vault; see {IPerpVault}. Pure math lives in `libraries/`.
/// @dev Every state-changing entry point has the same shape: check inputs → read the price once → accrue funding →
/// compute → write → check margin → emit.
contract PerpVault is IPerpVault, Ownable2Step, ReentrancyGuardTransient, Multicall {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;

    uint256 internal constant WAD = 1e18;
    /// @dev Markets an account may hold are tracked in a 128-bit bitmap packed with its collateral.
    uint256 public constant MAX_MARKETS = 128;

    // ---- constant bounds of every risk parameter (checked in every setter) ----
    uint256 public constant MIN_INITIAL_MARGIN_RATIO = 0.01e18; // 100x
    uint256 public constant MAX_INITIAL_MARGIN_RATIO = 1e18; // 1x
    uint256 public constant MIN_MAINTENANCE_MARGIN_RATIO = 0.001e18;
    uint256 public constant MAX_FEE_RATIO = 0.01e18; // 1 % of notional
    uint256 public constant MAX_FUNDING_RATE_PER_DAY = 0.1e18; // 10 % per day
    uint256 public constant MAX_FUNDING_VELOCITY_PER_DAY = 1e18; // 100 % per day per day
    uint256 public constant MIN_SKEW_SCALE = 1e18; // one unit
    uint256 public constant MAX_SKEW_SCALE = 1e28;
    /// @dev Per side, units (WAD): 1e10 units, so every position fits the packed int96 size.
    uint256 public constant MAX_OPEN_INTEREST = 1e28;
    /// @dev Entry prices and funding index entries are stored in ticks of 1e-10 USD (1e8 WAD wei).
    uint256 internal constant PRICE_TICK = 1e8;
    int256 internal constant MAX_POSITION_SIZE = int256(MAX_OPEN_INTEREST);
    uint256 public constant MAX_MIN_POSITION_MARGIN_USD = 10_000e18;
    uint256 public constant MAX_LIQUIDATION_FEE_USD = 1_000e18;
    uint256 public constant MIN_MAX_UTILIZATION = 0.1e18;
    uint256 public constant MAX_MAX_UTILIZATION = 1e18;

    struct Market {
        MarketParams params;
        MarketState state;
    }

    /// @dev One slot per position: a first open writes one fresh slot instead of two.
    struct PackedPosition {
        int96 size;
        uint80 entryPriceTicks;
        int80 fundingIndexEntryTicks;
    }

    /// @dev One slot: realised collateral (USD WAD, signed) and the set of markets with a position.
    struct Account {
        int128 collateral;
        uint128 marketBitmap;
    }

    IERC20 public immutable collateralToken;
    IOracleAdapter public immutable oracle;
    /// @dev 10 ** (18 − token decimals): token units → WAD.
    uint256 internal immutable TOKEN_TO_WAD;

    mapping(uint256 marketId => Market) internal _markets;
    uint256 public override marketCount;

    mapping(address owner => mapping(uint96 accountIndex => Account)) internal _accounts;
    mapping(address owner => mapping(uint96 accountIndex => mapping(uint256 marketId => PackedPosition)))
        internal _positions;
    mapping(address owner => mapping(address operator => bool)) public override isOperator;

    /// @dev LP deposits minus LP withdrawals (USD WAD). Realised pool assets = this + Σ market `poolRealizedUsd`.
    int256 internal _lpNetDeposits;
    address public liquidityVault;
    uint64 public maxUtilization;
    address public guardian;

    modifier onlyLiquidityVault() {
        if (msg.sender != liquidityVault) revert NotLiquidityVault(msg.sender);
        _;
    }

    constructor(IERC20 collateralToken_, IOracleAdapter oracle_, address owner_) Ownable(owner_) {
        if (address(collateralToken_) == address(0) || address(oracle_) == address(0)) revert ZeroAddress();
        uint8 decimals = IERC20Metadata(address(collateralToken_)).decimals();
        if (decimals > 18) revert CollateralDecimalsUnsupported(decimals);
        collateralToken = collateralToken_;
        oracle = oracle_;
        TOKEN_TO_WAD = 10 ** (18 - decimals);
        maxUtilization = 0.8e18;
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
            (int256 equity, uint256 initialMargin, ) = _margins(
                msg.sender,
                accountIndex,
                collateralAfter,
                bitmap,
                type(uint256).max,
                0
            );
            if (equity < initialMargin.toInt256()) revert InsufficientMargin(equity, initialMargin);
        }
        collateralToken.safeTransfer(receiver, amount);
        emit Withdrawn(msg.sender, accountIndex, receiver, amount, collateralAfter);
    }

    /// @inheritdoc IPerpVault
    function setOperator(address operator, bool allowed) external override {
        if (operator == address(0)) revert ZeroAddress();
        isOperator[msg.sender][operator] = allowed;
        emit OperatorSet(msg.sender, operator, allowed);
    }

    // ================================================================ trading

    /// @dev Values of one trade, kept in memory to stay clear of the stack limit.
    struct TradeVars {
        uint256 priceWad;
        int256 fundingIndex;
        int256 size0;
        uint256 entry0;
        int256 fundingEntry0;
        int256 size1;
        uint256 entry1;
        int256 fundingEntry1;
        int256 fundingRate;
        int256 skew0;
        bool increases;
    }

    /// @inheritdoc IPerpVault
    function trade(TradeParams calldata p) external override nonReentrant returns (TradeResult memory r) {
        if (block.timestamp > p.deadline) revert DeadlineExpired(p.deadline, block.timestamp);
        if (p.sizeDelta == 0) revert ZeroSize();
        if (p.sizeDelta > MAX_POSITION_SIZE || p.sizeDelta < -MAX_POSITION_SIZE) revert SizeOutOfRange(p.sizeDelta);
        if (msg.sender != p.owner && !isOperator[p.owner][msg.sender]) revert Unauthorized(msg.sender, p.owner);
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

        // ---- settle funding, then resize ----
        r.fundingPaidUsd = FundingMath.fundingOwedUp(v.size0, v.fundingEntry0, v.fundingIndex);
        (r.realizedPnlUsd, v.entry1) = _resize(v.size0, v.entry0, p.sizeDelta, r.fillPrice);
        r.newSize = v.size1;
        // Stored values are what every later computation (and the aggregates) uses: round them first.
        v.fundingEntry1 = _storePosition(pos, v.size1, v.entry1, v.fundingIndex);
        v.entry1 = _roundEntryPrice(v.size1, v.entry1);

        // ---- move value between the account and the pool (zero-sum by construction) ----
        int256 accountDelta = r.realizedPnlUsd - r.fundingPaidUsd - int256(r.feeUsd);
        _updateMarketBooks(p.marketId, m, v, accountDelta);
        Account storage account = _accounts[p.owner][p.accountIndex];
        int256 collateralAfter = account.collateral + accountDelta;
        uint256 bitmap = _updatedBitmap(account.marketBitmap, p.marketId, v.size1 != 0);
        account.collateral = collateralAfter.toInt128();
        account.marketBitmap = uint128(bitmap);

        _checkAfterTrade(p, m, v, collateralAfter, bitmap);

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
            if (equity < initialMargin.toInt256()) revert InsufficientMargin(equity, initialMargin);
        } else if (equity < maintenanceMargin.toInt256()) {
            revert WouldBeLiquidatable(equity, maintenanceMargin);
        }
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

    /// @dev Open interest (with the caps on the side that grew), the basis aggregate and the pool's realised PnL.
    function _updateMarketBooks(uint256 marketId, Market storage m, TradeVars memory v, int256 accountDelta) internal {
        uint256 longSize = m.state.longSize;
        uint256 shortSize = m.state.shortSize;
        if (v.size0 > 0) longSize -= uint256(v.size0);
        else shortSize -= uint256(-v.size0);
        if (v.size1 > 0) {
            longSize += uint256(v.size1);
            if (v.increases && longSize > m.params.maxLongSize) {
                revert OpenInterestCapExceeded(marketId, true, longSize, m.params.maxLongSize);
            }
        } else {
            shortSize += uint256(-v.size1);
            if (v.increases && shortSize > m.params.maxShortSize) {
                revert OpenInterestCapExceeded(marketId, false, shortSize, m.params.maxShortSize);
            }
        }
        m.state.longSize = uint128(longSize);
        m.state.shortSize = uint128(shortSize);
        // Σ of per-position contributions, each rounded the same way every time, so the pool marks trader PnL net
        // of funding (Σ size·(price − index) − basisSum) without a loop over positions.
        m.state.basisSum = (m.state.basisSum +
            _basisContribution(v.size1, v.entry1, v.fundingEntry1) -
            _basisContribution(v.size0, v.entry0, v.fundingEntry0)).toInt128();
        m.state.poolRealizedUsd = (m.state.poolRealizedUsd - accountDelta).toInt128();
    }

    /// @dev floor(size · entryPrice) − ceil(size · fundingIndexEntry), in USD WAD: both roundings make the pool's mark
    /// of what traders are owed conservative.
    function _basisContribution(
        int256 size,
        uint256 entryPriceWad,
        int256 fundingIndexEntryWad
    ) internal pure returns (int256) {
        if (size == 0) return 0;
        return
            SignedWad.mulDivDown(size, int256(entryPriceWad), WAD) -
            SignedWad.mulDivUp(size, fundingIndexEntryWad, WAD);
    }

    // ================================================================ packed positions

    function _unpack(
        PackedPosition storage pos
    ) internal view returns (int256 size, uint256 entryPriceWad, int256 fundingIndexEntryWad) {
        PackedPosition memory p = pos; // one SLOAD
        return (p.size, uint256(p.entryPriceTicks) * PRICE_TICK, int256(p.fundingIndexEntryTicks) * int256(PRICE_TICK));
    }

    /// @dev Entry price in ticks, rounded against the trader: up for a long, down for a short.
    function _roundEntryPrice(int256 size, uint256 entryPriceWad) internal pure returns (uint256) {
        uint256 ticks = size > 0 ? Math.ceilDiv(entryPriceWad, PRICE_TICK) : entryPriceWad / PRICE_TICK;
        return ticks * PRICE_TICK;
    }

    /// @dev Writes the position in one slot (cleared when the size is zero, for the refund) and returns the stored
    /// funding index entry: rounded down for a long, up for a short, so the funding owed is never understated.
    function _storePosition(
        PackedPosition storage pos,
        int256 size,
        uint256 entryPriceWad,
        int256 fundingIndexWad
    ) internal returns (int256 fundingIndexEntryWad) {
        if (size == 0) {
            // Clearing the whole slot earns the storage refund on a full close.
            pos.size = 0;
            pos.entryPriceTicks = 0;
            pos.fundingIndexEntryTicks = 0;
            return 0;
        }
        int256 tick = int256(PRICE_TICK);
        int256 indexTicks = fundingIndexWad / tick; // truncates towards zero
        if (size > 0 && fundingIndexWad < 0 && indexTicks * tick != fundingIndexWad) indexTicks -= 1; // floor
        if (size < 0 && fundingIndexWad > 0 && indexTicks * tick != fundingIndexWad) indexTicks += 1; // ceil
        uint256 entryTicks = _roundEntryPrice(size, entryPriceWad) / PRICE_TICK;
        pos.size = int96(size);
        pos.entryPriceTicks = entryTicks.toUint80();
        pos.fundingIndexEntryTicks = indexTicks.toInt80();
        return indexTicks * tick;
    }

    function _updatedBitmap(uint256 bitmap, uint256 marketId, bool hasPosition) internal pure returns (uint256) {
        return hasPosition ? bitmap | (1 << marketId) : bitmap & ~(1 << marketId);
    }

    // ================================================================ funding

    /// @dev Accrues funding of market `marketId` to now at `priceWad`; returns the new rate and index. O(1).
    /// A trade reports them in `Traded`; other callers ask for `FundingAccrued`.
    function _accrue(
        uint256 marketId,
        Market storage m,
        uint256 priceWad,
        bool emitEvent
    ) internal returns (int256 rate, int256 index) {
        uint256 last = m.state.lastFundingTime;
        rate = m.state.fundingRatePerDay;
        index = m.state.fundingIndex;
        if (last == block.timestamp) return (rate, index);
        int256 indexDelta;
        (rate, indexDelta) = _pendingFunding(m, priceWad, block.timestamp - last);
        index += indexDelta;
        m.state.fundingIndex = index.toInt128();
        m.state.fundingRatePerDay = rate.toInt64();
        m.state.lastFundingTime = uint40(block.timestamp);
        if (emitEvent) emit FundingAccrued(marketId, rate, index, priceWad);
    }

    function _pendingFunding(
        Market storage m,
        uint256 priceWad,
        uint256 elapsed
    ) internal view returns (int256 rate, int256 indexDelta) {
        return
            FundingMath.accrue(
                m.state.fundingRatePerDay,
                int256(uint256(m.state.longSize)) - int256(uint256(m.state.shortSize)),
                m.params.skewScale,
                m.params.maxFundingVelocityPerDay,
                m.params.maxFundingRatePerDay,
                elapsed,
                priceWad
            );
    }

    /// @dev The funding index as if accrued now, without writing.
    function _indexNow(Market storage m, uint256 priceWad) internal view returns (int256 rate, int256 index) {
        (int256 r, int256 delta) = _pendingFunding(m, priceWad, block.timestamp - m.state.lastFundingTime);
        return (r, m.state.fundingIndex + delta);
    }

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

    function _lowestBit(uint256 x) internal pure returns (uint256 bit) {
        // x & −x isolates the lowest set bit; log2 of a power of two is its position.
        return Math.log2(x & (~x + 1));
    }

    // ================================================================ LP vault hooks

    /// @inheritdoc IPerpVault
    function addLiquidity(uint256 amount) external override onlyLiquidityVault nonReentrant {
        if (amount == 0) revert ZeroAmount();
        int256 netAfter = _lpNetDeposits + _toWad(amount);
        _lpNetDeposits = netAfter;
        emit LiquidityAdded(amount, netAfter);
    }

    /// @inheritdoc IPerpVault
    function removeLiquidity(address receiver, uint256 amount) external override onlyLiquidityVault nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (receiver == address(0)) revert ZeroAddress();
        int256 amountWad = _toWad(amount);
        (int256 value, uint256 reservedUsd, int256 realized) = _poolMark();
        if (realized < amountWad) revert InsufficientLiquidity(realized, amount);
        uint256 maxReservedUsd = _maxReserved(value - amountWad);
        if (reservedUsd > maxReservedUsd) revert UtilizationTooHigh(reservedUsd, maxReservedUsd);
        int256 netAfter = _lpNetDeposits - amountWad;
        _lpNetDeposits = netAfter;
        collateralToken.safeTransfer(receiver, amount);
        emit LiquidityRemoved(receiver, amount, netAfter);
    }

    /// @inheritdoc IPerpVault
    function poolBalance() external view override returns (int256 realized) {
        realized = _lpNetDeposits;
        uint256 count = marketCount;
        for (uint256 marketId; marketId < count; ++marketId) realized += _markets[marketId].state.poolRealizedUsd;
    }

    /// @inheritdoc IPerpVault
    function liquidityValue() external view override returns (uint256 valueTokens) {
        (valueTokens, ) = _liquidityState();
    }

    /// @inheritdoc IPerpVault
    function withdrawableLiquidity() external view override returns (uint256 withdrawableTokens) {
        (, withdrawableTokens) = _liquidityState();
    }

    /// @inheritdoc IPerpVault
    function liquidityState() external view override returns (uint256 valueTokens, uint256 withdrawableTokens) {
        return _liquidityState();
    }

    /// @dev One pool mark: the marked value and what can be paid out now, both in token units (floored).
    function _liquidityState() internal view returns (uint256 valueTokens, uint256 withdrawableTokens) {
        (int256 value, uint256 reservedUsd, int256 realized) = _poolMark();
        if (value <= 0) return (0, 0);
        valueTokens = uint256(value) / TOKEN_TO_WAD;
        if (realized <= 0) return (valueTokens, 0);
        // value − amount must keep reservedUsd ≤ (value − amount) · maxUtilization
        uint256 lockedUsd = Math.mulDiv(reservedUsd, WAD, maxUtilization, Math.Rounding.Ceil);
        if (lockedUsd >= uint256(value)) return (valueTokens, 0);
        withdrawableTokens = Math.min(uint256(value) - lockedUsd, uint256(realized)) / TOKEN_TO_WAD;
    }

    /// @dev Pool value (USD WAD, signed), reserved USD `Σ |skew|·price` and realised assets, in one pass over the
    /// markets; prices are read only where the skew is not zero. Traders' unrealised PnL net of funding is rounded
    /// up: the mark never flatters the pool.
    function _poolMark() internal view returns (int256 value, uint256 reservedUsd, int256 realized) {
        realized = _lpNetDeposits;
        uint256 count = marketCount;
        for (uint256 marketId; marketId < count; ++marketId) {
            Market storage m = _markets[marketId];
            realized += m.state.poolRealizedUsd;
            int256 skew = int256(uint256(m.state.longSize)) - int256(uint256(m.state.shortSize));
            if (skew == 0) {
                // Balanced (or empty) market: traders' net claim is −basisSum whatever the price, so no price read.
                value += m.state.basisSum;
                continue;
            }
            uint256 priceWad = oracle.priceWad(m.params.feed);
            (, int256 index) = _indexNow(m, priceWad);
            // traders' PnL − funding owed = skew · (price − index) − basisSum
            int256 tradersNet =
                SignedWad.mulDivUp(skew, int256(priceWad), WAD) -
                    SignedWad.mulDivDown(skew, index, WAD) -
                    m.state.basisSum;
            value -= tradersNet;
            reservedUsd += MarginMath.notionalUp(skew, priceWad);
        }
        value += realized;
    }

    function _maxReserved(int256 value) internal view returns (uint256) {
        if (value <= 0) return 0;
        return Math.mulDiv(uint256(value), maxUtilization, WAD);
    }

    // ================================================================ admin

    /// @notice Lists a market. Owner only. The feed must already give a valid price through the oracle adapter.
    function listMarket(MarketParams calldata params) external onlyOwner returns (uint256 marketId) {
        marketId = marketCount;
        if (marketId >= MAX_MARKETS) revert TooManyMarkets(MAX_MARKETS);
        _checkParams(params);
        oracle.priceWad(params.feed); // reverts with the adapter's error when the feed is not usable
        marketCount = marketId + 1;
        Market storage m = _markets[marketId];
        m.params = params;
        m.state.lastFundingTime = uint40(block.timestamp);
        emit MarketListed(marketId, params.feed, params);
    }

    /// @notice Replaces a market's parameters after accruing funding under the old ones. Owner only.
    function setMarketParams(uint256 marketId, MarketParams calldata params) external onlyOwner {
        Market storage m = _listedMarket(marketId);
        _checkParams(params);
        _accrue(marketId, m, oracle.priceWad(m.params.feed), true);
        if (params.feed != m.params.feed) oracle.priceWad(params.feed);
        m.params = params;
        // A lowered cap applies at once; the index keeps what was accrued.
        int256 rate = m.state.fundingRatePerDay;
        int256 cap = int256(uint256(params.maxFundingRatePerDay));
        if (rate > cap) m.state.fundingRatePerDay = int64(cap);
        else if (rate < -cap) m.state.fundingRatePerDay = int64(-cap);
        emit MarketParamsSet(marketId, params);
    }

    /// @notice Pauses or resumes opening and increasing in a market. Guardian or owner. Reducing, closing and
    /// withdrawing are never paused.
    function setMarketPaused(uint256 marketId, bool paused) external {
        if (msg.sender != guardian && msg.sender != owner()) revert NotGuardian(msg.sender);
        _listedMarket(marketId).state.openingPaused = paused;
        emit MarketPauseSet(marketId, paused);
    }

    function setGuardian(address guardian_) external onlyOwner {
        guardian = guardian_;
        emit GuardianSet(guardian_);
    }

    /// @notice Sets the ERC-4626 LP vault once. Owner only.
    function setLiquidityVault(address liquidityVault_) external onlyOwner {
        if (liquidityVault_ == address(0)) revert ZeroAddress();
        if (liquidityVault != address(0)) revert LiquidityVaultAlreadySet(liquidityVault);
        liquidityVault = liquidityVault_;
        emit LiquidityVaultSet(liquidityVault_);
    }

    /// @notice Max share of the pool's marked value that may back net open interest (WAD). Owner only.
    function setMaxUtilization(uint256 maxUtilization_) external onlyOwner {
        _checkBound("maxUtilization", maxUtilization_, MIN_MAX_UTILIZATION, MAX_MAX_UTILIZATION);
        maxUtilization = uint64(maxUtilization_);
        emit MaxUtilizationSet(maxUtilization_);
    }

    function _checkParams(MarketParams calldata p) internal pure {
        if (p.feed == address(0)) revert ZeroAddress();
        _checkBound("initialMarginRatio", p.initialMarginRatio, MIN_INITIAL_MARGIN_RATIO, MAX_INITIAL_MARGIN_RATIO);
        _checkBound(
            "maintenanceMarginRatio",
            p.maintenanceMarginRatio,
            MIN_MAINTENANCE_MARGIN_RATIO,
            uint256(p.initialMarginRatio) - 1
        );
        _checkBound("takerFeeRatio", p.takerFeeRatio, 0, MAX_FEE_RATIO);
        _checkBound("makerFeeRatio", p.makerFeeRatio, 0, MAX_FEE_RATIO);
        _checkBound("maxFundingRatePerDay", p.maxFundingRatePerDay, 0, MAX_FUNDING_RATE_PER_DAY);
        _checkBound("skewScale", p.skewScale, MIN_SKEW_SCALE, MAX_SKEW_SCALE);
        _checkBound("maxFundingVelocityPerDay", p.maxFundingVelocityPerDay, 0, MAX_FUNDING_VELOCITY_PER_DAY);
        _checkBound("maxLongSize", p.maxLongSize, 0, MAX_OPEN_INTEREST);
        _checkBound("maxShortSize", p.maxShortSize, 0, MAX_OPEN_INTEREST);
        _checkBound("minPositionMarginUsd", p.minPositionMarginUsd, 0, MAX_MIN_POSITION_MARGIN_USD);
        _checkBound("liquidationFeeUsd", p.liquidationFeeUsd, 0, MAX_LIQUIDATION_FEE_USD);
    }

    function _checkBound(string memory name, uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min || value > max) revert ParamOutOfBounds(name, value, min, max);
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

    /// @notice Markets in which the account holds a position, as a bitmap (bit i = market i).
    function accountMarkets(address owner, uint96 accountIndex) external view returns (uint256) {
        return _accounts[owner][accountIndex].marketBitmap;
    }

    function marketParams(uint256 marketId) external view override returns (MarketParams memory) {
        return _listedMarket(marketId).params;
    }

    function marketState(uint256 marketId) external view override returns (MarketState memory) {
        return _listedMarket(marketId).state;
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

    function _toWad(uint256 amount) internal view returns (int256) {
        if (amount > uint256(uint128(type(int128).max)) / TOKEN_TO_WAD) revert AmountTooLarge(amount);
        return int256(amount * TOKEN_TO_WAD);
    }
}
