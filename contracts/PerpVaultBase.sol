// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MulDiv} from "./libraries/MulDiv.sol";
import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";
import {IPerpVaultTypes} from "./interfaces/IPerpVault.sol";
import {Market} from "./libraries/Market.sol";
import {PackedPosition, PositionMath} from "./libraries/PositionMath.sol";

/// @title PerpVaultBase
/// @notice Storage layout, bounds and the helpers shared by {PerpVault} and its delegatecall modules
/// ({LiquidationModule}, {AdminModule}). All inherit exactly this contract, so they agree on every slot. Market state
/// changes only through the {Market} library.
/// @dev Add state variables only at the end, and only here.
// One storage layout for the vault and its modules: splitting it to please the count would split that truth.
// solhint-disable-next-line max-states-count
abstract contract PerpVaultBase is IPerpVaultTypes, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;
    using Market for Market.Data;

    uint256 internal constant WAD = 1e18;
    /// @dev Markets an account may hold are tracked in a 128-bit bitmap packed with its collateral.
    uint256 public constant MAX_MARKETS = 128;
    /// @dev `_markPool` argument: no market was accrued in this transaction.
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
    uint256 public constant MAX_GROSS_RESERVE_RATIO = 1e18;
    /// @dev An operator's trades fill at most this far from the oracle price unless the owner says otherwise.
    uint256 public constant DEFAULT_OPERATOR_SLIPPAGE_BPS = 100;
    uint256 internal constant BPS = 10_000;

    /// @dev One slot: realised collateral (USD WAD, signed) and the set of markets with a position.
    struct Account {
        int128 collateral;
        uint128 marketBitmap;
    }

    IERC20 public immutable collateralToken;
    IOracleAdapter public immutable oracle;
    /// @dev 10 ** (18 − token decimals): token units → WAD.
    uint256 internal immutable TOKEN_TO_WAD;

    mapping(uint256 marketId => Market.Data) internal _markets;
    uint256 internal _marketCount;

    mapping(address owner => mapping(uint96 accountIndex => Account)) internal _accounts;
    mapping(address owner => mapping(uint96 accountIndex => mapping(uint256 marketId => PackedPosition)))
        internal _positions;

    /// @dev An owner's grant to an operator: whether it may trade, and how far from the oracle price its fills may be.
    struct OperatorGrant {
        bool allowed;
        uint16 maxSlippageBps;
    }

    mapping(address owner => mapping(address operator => OperatorGrant)) internal _operators;

    /// @dev The pool's capacity totals with the LP base inside them (see {Market-Pool}): LP deposits − withdrawals +
    /// penalties − bad debt the pool paid, plus every market's value as of its last mark. Realised pool assets are the
    /// base plus every market's `poolRealizedUsd` (derived in {_markPool}: the base has one home).
    Market.Pool internal _pool;

    /// @dev {IPerpVaultTypes-LiquidationParams} as stored (ratios in ppm, USD amounts in micro-USD) and the insurance
    /// fund (USD WAD, ≤ 2^96: 79 bn USD), in one slot: a liquidation reads the parameters and pays into or out of the
    /// fund in one access.
    struct LiquidationBooks {
        uint16 keeperFeeRatioPpm;
        uint16 penaltyRatioPpm;
        uint24 insuranceSharePpm;
        uint24 partialBufferPpm;
        uint40 minKeeperFeeMicroUsd;
        uint40 maxKeeperFeeMicroUsd;
        uint96 insuranceFundUsd;
    }

    LiquidationBooks internal _liquidation;
    /// @dev What the insurance fund holds above this (USD WAD) anyone may release to the LPs.
    uint256 internal _insuranceCapUsd;
    uint128 internal _badDebtTotalUsd;
    uint128 internal _badDebtPaidByPoolUsd;
    address public liquidityVault;
    address public guardian;
    /// @dev The one contract allowed to open in a market whose latency defence is on.
    address internal _delayedOrders;

    constructor(IERC20 collateralToken_, IOracleAdapter oracle_, address owner_) Ownable(owner_) {
        if (address(collateralToken_) == address(0) || address(oracle_) == address(0)) revert ZeroAddress();
        uint8 decimals = IERC20Metadata(address(collateralToken_)).decimals();
        if (decimals > 18) revert CollateralDecimalsUnsupported(decimals);
        collateralToken = collateralToken_;
        oracle = oracle_;
        TOKEN_TO_WAD = 10 ** (18 - decimals);
        _pool.maxUtilizationPpm = 800_000; // 80 %
        _insuranceCapUsd = type(uint256).max; // no cap until the owner sets one
        _liquidation = LiquidationBooks({
            keeperFeeRatioPpm: 2_000, // 0.2 %
            penaltyRatioPpm: 10_000, // 1 %
            insuranceSharePpm: 500_000, // 50 %
            partialBufferPpm: 100_000, // 10 %
            minKeeperFeeMicroUsd: 5e6, // 5 USD
            maxKeeperFeeMicroUsd: 500e6, // 500 USD
            insuranceFundUsd: 0
        });
    }

    /// @dev The stored liquidation parameters as the interface's WAD struct.
    function _liquidationParamsWad() internal view returns (LiquidationParams memory p) {
        LiquidationBooks memory s = _liquidation;
        p.keeperFeeRatio = uint64(s.keeperFeeRatioPpm * Market.PPM);
        p.penaltyRatio = uint64(s.penaltyRatioPpm * Market.PPM);
        p.insuranceShare = uint64(s.insuranceSharePpm * Market.PPM);
        p.partialBuffer = uint64(s.partialBufferPpm * Market.PPM);
        p.minKeeperFeeUsd = uint96(s.minKeeperFeeMicroUsd * Market.MICRO_USD);
        p.maxKeeperFeeUsd = uint96(s.maxKeeperFeeMicroUsd * Market.MICRO_USD);
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

    /// @dev Pool value (USD WAD, signed), reserve `Σ |skew|·price + grossReserveRatio · min(long, short)·price` and
    /// realised assets, in one pass over the markets, every market marked now (a price read where it has open
    /// interest). Traders' unrealised PnL net of funding is rounded up: the mark never flatters the pool. Market
    /// `knownMarketId` was accrued in this transaction at `knownPriceWad` (pass `NO_MARKET` otherwise): its price is
    /// not read twice. The LP base is the pool totals' value less every market's contribution as of its last mark.
    function _markPool(
        uint256 knownMarketId,
        uint256 knownPriceWad
    ) internal view returns (int256 value, uint256 reservedUsd, int256 realized) {
        int256 base = _pool.valueUsd;
        uint256 count = _marketCount;
        for (uint256 marketId; marketId < count; ++marketId) {
            Market.Data storage m = _markets[marketId];
            (int256 markedValue, ) = m.markedContribution();
            base -= markedValue;
            realized += m.state.poolRealizedUsd;
            uint256 longSize = m.state.longSize;
            uint256 shortSize = m.state.shortSize;
            if (longSize == shortSize && (longSize == 0 || m.risk.grossReserveRatioPpm == 0)) {
                // Balanced (or empty) and no gross reserve: no reserve, and traders' net claim is −basisSum whatever
                // the price, so no price is read.
                value += markedValue;
                continue;
            }
            uint256 priceWad;
            int256 index;
            if (marketId == knownMarketId) {
                (priceWad, index) = (knownPriceWad, m.state.fundingIndex);
            } else {
                priceWad = oracle.priceWad(m.feed.feed);
                (, index) = m.indexNow(priceWad);
            }
            (int256 v, uint256 r) = m.contribution(priceWad, index);
            value += v;
            reservedUsd += r;
        }
        value += base;
        realized += base;
    }

    /// @dev The reserve a pool worth `value` allows: `value · maxUtilization`, 0 for a worthless pool.
    function _maxReserved(int256 value) internal view returns (uint256) {
        if (value <= 0) return 0;
        return MulDiv.down(uint256(value), _pool.maxUtilizationPpm, 1e6);
    }

    function _listedMarket(uint256 marketId) internal view returns (Market.Data storage m) {
        m = _markets[marketId];
        if (m.feed.feed == address(0)) revert MarketNotListed(marketId);
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
