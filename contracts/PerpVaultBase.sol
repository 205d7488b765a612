// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";
import {IPerpVaultTypes} from "./interfaces/IPerpVault.sol";
import {FundingMath} from "./libraries/FundingMath.sol";
import {MarginMath} from "./libraries/MarginMath.sol";
import {PackedPosition, PositionMath} from "./libraries/PositionMath.sol";

/// @title PerpVaultBase
/// @notice Storage layout, bounds and the state transitions shared by {PerpVault} and its delegatecall modules
/// ({LiquidationModule}, {AdminModule}). All inherit exactly this contract, so they agree on every slot.
/// @dev Add state variables only at the end, and only here.
// One storage layout for the vault and its modules: splitting it to please the count would split that truth.
// solhint-disable-next-line max-states-count
abstract contract PerpVaultBase is IPerpVaultTypes, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;

    uint256 internal constant WAD = 1e18;
    /// @dev Markets an account may hold are tracked in a 128-bit bitmap packed with its collateral.
    uint256 public constant MAX_MARKETS = 128;
    /// @dev `_poolMark` argument: no market was accrued in this transaction.
    uint256 internal constant NO_MARKET = type(uint256).max;

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
    int256 internal constant MAX_POSITION_SIZE = int256(MAX_OPEN_INTEREST);
    uint256 public constant MAX_MIN_POSITION_MARGIN_USD = 10_000e18;
    uint256 public constant MAX_LIQUIDATION_FEE_USD = 1_000e18;
    uint256 public constant MIN_MAX_UTILIZATION = 0.1e18;
    uint256 public constant MAX_MAX_UTILIZATION = 1e18;
    uint256 public constant MAX_KEEPER_FEE_RATIO = 0.01e18;
    uint256 public constant MAX_PENALTY_RATIO = 0.05e18;
    uint256 public constant MIN_PARTIAL_BUFFER = 0.01e18;
    uint256 public constant MAX_PARTIAL_BUFFER = 1e18;
    uint256 public constant MAX_KEEPER_FEE_USD = 1_000e18;

    struct Market {
        MarketParams params;
        StoredMarketState state;
    }

    /// @dev {IPerpVaultTypes-MarketState} as stored, plus `latencyDefended` in the first slot's spare bits: every trade
    /// reads that slot anyway, so an undefended market pays no extra SLOAD for the latency switch.
    struct StoredMarketState {
        int128 fundingIndex;
        int64 fundingRatePerDay;
        uint40 lastFundingTime;
        bool openingPaused;
        bool latencyDefended;
        uint128 longSize;
        uint128 shortSize;
        int128 basisSum;
        int128 poolRealizedUsd;
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
    uint256 internal _marketCount;

    mapping(address owner => mapping(uint96 accountIndex => Account)) internal _accounts;
    mapping(address owner => mapping(uint96 accountIndex => mapping(uint256 marketId => PackedPosition)))
        internal _positions;
    mapping(address owner => mapping(address operator => bool)) internal _operators;

    /// @dev One slot for the two global books touched by LP operations and liquidations.
    /// baseUsd: LP deposits − LP withdrawals + liquidation penalties − bad debt the pool paid (USD WAD); realised
    /// pool assets = baseUsd + Σ market `poolRealizedUsd`. insuranceUsd: the insurance fund (USD WAD).
    struct PoolBooks {
        int128 baseUsd;
        uint128 insuranceUsd;
    }

    PoolBooks internal _pool;
    LiquidationParams public liquidationParams;
    uint128 internal _badDebtTotalUsd;
    uint128 internal _badDebtPaidByPoolUsd;
    address public liquidityVault;
    uint64 public maxUtilization;
    address public guardian;

    /// @dev A market's share of the pool mark, as of its last refresh: realised pool PnL − traders' net claim (USD
    /// WAD) and `|skew|·price`. Refreshed at the oracle price by every trade that adds to the skew and by
    /// `accrueFunding`; the sums make the trade-time capacity check O(1) in the number of markets (INV-11).
    struct MarkCache {
        int128 valueUsd;
        uint128 reservedUsd;
    }

    mapping(uint256 marketId => MarkCache) internal _marketMarks;
    MarkCache internal _marksTotal;

    /// @dev Per-market latency defence (off while `minSettlementDelay` is 0) and the one contract allowed to open
    /// in a defended market; see {IPerpVaultTypes-LatencyParams}.
    mapping(uint256 marketId => LatencyParams) internal _latency;
    address internal _delayedOrders;

    constructor(IERC20 collateralToken_, IOracleAdapter oracle_, address owner_) Ownable(owner_) {
        if (address(collateralToken_) == address(0) || address(oracle_) == address(0)) revert ZeroAddress();
        uint8 decimals = IERC20Metadata(address(collateralToken_)).decimals();
        if (decimals > 18) revert CollateralDecimalsUnsupported(decimals);
        collateralToken = collateralToken_;
        oracle = oracle_;
        TOKEN_TO_WAD = 10 ** (18 - decimals);
        maxUtilization = 0.8e18;
        liquidationParams = LiquidationParams({
            keeperFeeRatio: 0.002e18,
            penaltyRatio: 0.01e18,
            insuranceShare: 0.5e18,
            partialBuffer: 0.1e18,
            minKeeperFeeUsd: 5e18,
            maxKeeperFeeUsd: 500e18
        });
    }

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
            PositionMath.basisContribution(v.size1, v.entry1, v.fundingEntry1) -
            PositionMath.basisContribution(v.size0, v.entry0, v.fundingEntry0)).toInt128();
        m.state.poolRealizedUsd = (m.state.poolRealizedUsd - accountDelta).toInt128();
    }

    /// @dev One SLOAD, unpacked by {PositionMath-unpack}.
    function _unpack(
        PackedPosition storage pos
    ) internal view returns (int256 size, uint256 entryPriceWad, int256 fundingIndexEntryWad) {
        return PositionMath.unpack(pos);
    }

    /// @dev Writes the position in one slot (an empty slot when the size is zero: the storage refund on a full
    /// close) and returns the stored funding index entry; rounding in {PositionMath-pack}.
    function _storePosition(
        PackedPosition storage pos,
        int256 size,
        uint256 entryPriceWad,
        int256 fundingIndexWad
    ) internal returns (int256 fundingIndexEntryWad) {
        PackedPosition memory p;
        (p, fundingIndexEntryWad) = PositionMath.pack(size, entryPriceWad, fundingIndexWad);
        pos.size = p.size;
        pos.entryPriceTicks = p.entryPriceTicks;
        pos.fundingIndexEntryTicks = p.fundingIndexEntryTicks;
    }

    function _updatedBitmap(uint256 bitmap, uint256 marketId, bool hasPosition) internal pure returns (uint256) {
        return hasPosition ? bitmap | (1 << marketId) : bitmap & ~(1 << marketId);
    }

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

    /// @dev Pool value (USD WAD, signed), reserved USD `Σ |skew|·price` and realised assets, in one pass over the
    /// markets; prices are read only where the skew is not zero. Traders' unrealised PnL net of funding is rounded
    /// up: the mark never flatters the pool. Market `knownMarketId` was accrued in this transaction at
    /// `knownPriceWad` (pass `NO_MARKET` otherwise): its price is not read twice.
    function _poolMark(
        uint256 knownMarketId,
        uint256 knownPriceWad
    ) internal view returns (int256 value, uint256 reservedUsd, int256 realized) {
        realized = _pool.baseUsd;
        uint256 count = _marketCount;
        for (uint256 marketId; marketId < count; ++marketId) {
            Market storage m = _markets[marketId];
            realized += m.state.poolRealizedUsd;
            int256 skew = int256(uint256(m.state.longSize)) - int256(uint256(m.state.shortSize));
            if (skew == 0) {
                // Balanced (or empty) market: traders' net claim is −basisSum whatever the price, so no price read.
                value += m.state.basisSum;
                continue;
            }
            uint256 priceWad;
            int256 index;
            if (marketId == knownMarketId) {
                (priceWad, index) = (knownPriceWad, m.state.fundingIndex);
            } else {
                priceWad = oracle.priceWad(m.params.feed);
                (, index) = _indexNow(m, priceWad);
            }
            value -= PositionMath.tradersNetUsd(skew, priceWad, index, m.state.basisSum);
            reservedUsd += MarginMath.notionalUp(skew, priceWad);
        }
        value += realized;
    }

    function _maxReserved(int256 value) internal view returns (uint256) {
        if (value <= 0) return 0;
        return Math.mulDiv(uint256(value), maxUtilization, WAD);
    }

    /// @dev Re-marks market `marketId` at `priceWad` and funding index `index` (both current) into the cache;
    /// returns the cached pool value (LP base + Σ market values) and Σ reserved, USD WAD.
    function _refreshMark(
        uint256 marketId,
        Market storage m,
        uint256 priceWad,
        int256 index
    ) internal returns (int256 poolValueUsd, uint256 reservedUsd) {
        int256 skew = int256(uint256(m.state.longSize)) - int256(uint256(m.state.shortSize));
        int256 value = m.state.poolRealizedUsd - PositionMath.tradersNetUsd(skew, priceWad, index, m.state.basisSum);
        uint256 reserved = MarginMath.notionalUp(skew, priceWad);
        MarkCache memory old = _marketMarks[marketId];
        MarkCache memory total = _marksTotal;
        int256 valueTotal = total.valueUsd + value - old.valueUsd;
        reservedUsd = total.reservedUsd + reserved - old.reservedUsd;
        _marketMarks[marketId] = MarkCache(value.toInt128(), reserved.toUint128());
        _marksTotal = MarkCache(valueTotal.toInt128(), reservedUsd.toUint128());
        poolValueUsd = _pool.baseUsd + valueTotal;
    }

    function _lowestBit(uint256 x) internal pure returns (uint256 bit) {
        // x & −x isolates the lowest set bit; log2 of a power of two is its position.
        return Math.log2(x & (~x + 1));
    }

    function _popCount(uint256 x) internal pure returns (uint256 n) {
        for (; x != 0; ++n) x &= x - 1;
    }

    function _toWad(uint256 amount) internal view returns (int256) {
        if (amount > uint256(uint128(type(int128).max)) / TOKEN_TO_WAD) revert AmountTooLarge(amount);
        return int256(amount * TOKEN_TO_WAD);
    }
}
