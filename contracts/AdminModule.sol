// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";
import {Market} from "./libraries/Market.sol";
import {VaultModule} from "./VaultModule.sol";

/// @title AdminModule
/// @notice Owner and guardian settings of {PerpVault}, run by `delegatecall` on the vault's storage: listing markets,
/// their risk and latency parameters, pauses and the global settings. They live here because the vault's code is at
/// the 24,576-byte limit; the vault keeps one forwarding stub per function, so its ABI is unchanged.
/// @dev `onlyOwner` reads the vault's owner: under delegatecall every slot is the vault's.
contract AdminModule is VaultModule {
    using Market for Market.Data;
    using SafeCast for uint256;

    /// @dev Bounds of {IPerpVaultTypes-LatencyParams}: a defended market settles within a day at most.
    uint256 internal constant MAX_SETTLEMENT_DELAY = 1 hours;
    uint256 internal constant MIN_SETTLEMENT_TIMEOUT = 1 minutes;
    uint256 internal constant MAX_SETTLEMENT_TIMEOUT = 1 days;
    uint256 internal constant MAX_IMMEDIATE_FEE_RATIO = 0.05e18;
    uint256 internal constant MAX_CLOSING_MARGIN_RATIO = 0.5e18;

    constructor(IERC20 collateralToken_, IOracleAdapter oracle_) VaultModule(collateralToken_, oracle_) {}

    function listMarket(MarketParams calldata params) external onlyDelegated onlyOwner returns (uint256 marketId) {
        marketId = _marketCount;
        if (marketId >= MAX_MARKETS) revert TooManyMarkets(MAX_MARKETS);
        _checkParams(params);
        oracle.priceWad(params.feed); // reverts with the adapter's error when the feed is not usable
        _marketCount = marketId + 1;
        Market.Data storage m = _markets[marketId];
        m.setParams(params);
        m.state.lastFundingTime = uint40(block.timestamp);
        emit MarketListed(marketId, params.feed, params);
    }

    /// @dev Accrues under the old parameters, then re-marks the market under the new ones (the gross reserve ratio
    /// is part of its reserve): the pool totals stay exact.
    function setMarketParams(uint256 marketId, MarketParams calldata params) external onlyDelegated onlyOwner {
        Market.Data storage m = _listedMarket(marketId);
        _checkParams(params);
        uint256 priceWad = oracle.priceWad(m.feed.feed);
        Market.Touch memory t = m.touch(_pool, marketId, priceWad, true);
        if (params.feed != m.feed.feed) priceWad = oracle.priceWad(params.feed);
        m.setParams(params);
        // A lowered cap applies at once; the index keeps what was accrued.
        int256 rate = m.state.fundingRatePerDay;
        int256 cap = int256(uint256(params.maxFundingRatePerDay));
        if (rate > cap) m.state.fundingRatePerDay = int64(cap);
        else if (rate < -cap) m.state.fundingRatePerDay = int64(-cap);
        t.priceWad = priceWad;
        m.refreshMark(_pool, t);
        emit MarketParamsSet(marketId, params);
    }

    /// @dev 0 `minSettlementDelay` turns the defence off; when on, the timeout must leave room after the delay for
    /// at least one heartbeat of a quiet feed (the owner's job: the bound only keeps it above the delay).
    function setLatencyParams(uint256 marketId, LatencyParams calldata params) external onlyDelegated onlyOwner {
        Market.Data storage m = _listedMarket(marketId);
        _checkBound("minSettlementDelay", params.minSettlementDelay, 0, MAX_SETTLEMENT_DELAY);
        if (params.minSettlementDelay != 0) {
            if (_delayedOrders == address(0)) revert ZeroAddress(); // nobody could open: set the contract first
            _checkBound(
                "settlementTimeout",
                params.settlementTimeout,
                params.minSettlementDelay + MIN_SETTLEMENT_TIMEOUT,
                MAX_SETTLEMENT_TIMEOUT
            );
        }
        _checkBound("immediateFeeRatio", params.immediateFeeRatio, 0, MAX_IMMEDIATE_FEE_RATIO);
        m.latency = params;
        m.state.latencyDefended = params.minSettlementDelay != 0;
        emit LatencyParamsSet(marketId, params);
    }

    /// @dev Set once, like the LP vault: replacing it would strand the commitments held by the old contract.
    function setDelayedOrders(address delayedOrders_) external onlyDelegated onlyOwner {
        if (delayedOrders_ == address(0)) revert ZeroAddress();
        if (_delayedOrders != address(0)) revert DelayedOrdersAlreadySet(_delayedOrders);
        _delayedOrders = delayedOrders_;
        emit DelayedOrdersSet(delayedOrders_);
    }

    /// @dev 0 turns the closing margin off; otherwise it lies between the market's maintenance ratio and 50 %.
    function setClosingMargin(uint256 marketId, uint256 ratio) external onlyDelegated onlyOwner {
        Market.Data storage m = _listedMarket(marketId);
        if (ratio != 0) {
            uint256 maintenance = m.risk.maintenanceMarginRatioPpm * Market.PPM;
            _checkBound("closingMaintenanceMarginRatio", ratio, maintenance, MAX_CLOSING_MARGIN_RATIO);
        }
        m.risk.closingMaintenanceMarginRatioPpm = uint24(_ppm("closingMaintenanceMarginRatio", ratio)); // ≤ 5e5
        emit ClosingMarginSet(marketId, ratio);
    }

    function setMarketPaused(uint256 marketId, bool paused) external onlyDelegated {
        if (msg.sender != guardian && msg.sender != owner()) revert NotGuardian(msg.sender);
        _listedMarket(marketId).state.openingPaused = paused;
        emit MarketPauseSet(marketId, paused);
    }

    function setGuardian(address guardian_) external onlyDelegated onlyOwner {
        guardian = guardian_;
        emit GuardianSet(guardian_);
    }

    function setLiquidityVault(address liquidityVault_) external onlyDelegated onlyOwner {
        if (liquidityVault_ == address(0)) revert ZeroAddress();
        if (liquidityVault != address(0)) revert LiquidityVaultAlreadySet(liquidityVault);
        liquidityVault = liquidityVault_;
        emit LiquidityVaultSet(liquidityVault_);
    }

    function setMaxUtilization(uint256 maxUtilization_) external onlyDelegated onlyOwner {
        _checkBound("maxUtilization", maxUtilization_, MIN_MAX_UTILIZATION, MAX_MAX_UTILIZATION);
        if (maxUtilization_ % Market.PPM != 0) revert ParamNotOnTick("maxUtilization", maxUtilization_, Market.PPM);
        _pool.maxUtilizationPpm = uint32(maxUtilization_ / Market.PPM);
        emit MaxUtilizationSet(maxUtilization_);
    }

    function setLiquidationParams(LiquidationParams calldata p) external onlyDelegated onlyOwner {
        _checkBound("keeperFeeRatio", p.keeperFeeRatio, 0, MAX_KEEPER_FEE_RATIO);
        _checkBound("penaltyRatio", p.penaltyRatio, p.keeperFeeRatio, MAX_PENALTY_RATIO);
        _checkBound("insuranceShare", p.insuranceShare, 0, WAD);
        _checkBound("partialBuffer", p.partialBuffer, MIN_PARTIAL_BUFFER, MAX_PARTIAL_BUFFER);
        _checkBound("maxKeeperFeeUsd", p.maxKeeperFeeUsd, 0, MAX_KEEPER_FEE_USD);
        _checkBound("minKeeperFeeUsd", p.minKeeperFeeUsd, 0, p.maxKeeperFeeUsd);
        _liquidation = LiquidationBooks({
            keeperFeeRatioPpm: uint16(_ppm("keeperFeeRatio", p.keeperFeeRatio)), // ≤ 1 %
            penaltyRatioPpm: uint16(_ppm("penaltyRatio", p.penaltyRatio)), // ≤ 5 %
            insuranceSharePpm: uint24(_ppm("insuranceShare", p.insuranceShare)), // ≤ 100 %
            partialBufferPpm: uint24(_ppm("partialBuffer", p.partialBuffer)), // ≤ 100 %
            minKeeperFeeMicroUsd: uint40(_micro("minKeeperFeeUsd", p.minKeeperFeeUsd)), // ≤ 1,000 USD
            maxKeeperFeeMicroUsd: uint40(_micro("maxKeeperFeeUsd", p.maxKeeperFeeUsd)),
            insuranceFundUsd: _liquidation.insuranceFundUsd
        });
        emit LiquidationParamsSet(p);
    }

    function setInsuranceCap(uint256 capUsd) external onlyDelegated onlyOwner {
        _insuranceCapUsd = capUsd;
        emit InsuranceCapSet(capUsd);
    }

    function _ppm(string memory name, uint256 value) internal pure returns (uint256) {
        if (value % Market.PPM != 0) revert ParamNotOnTick(name, value, Market.PPM);
        return value / Market.PPM;
    }

    function _micro(string memory name, uint256 value) internal pure returns (uint256) {
        if (value % Market.MICRO_USD != 0) revert ParamNotOnTick(name, value, Market.MICRO_USD);
        return value / Market.MICRO_USD;
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
        _checkBound("grossReserveRatio", p.grossReserveRatio, 0, MAX_GROSS_RESERVE_RATIO);
    }

    function _checkBound(string memory name, uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min || value > max) revert ParamOutOfBounds(name, value, min, max);
    }
}
