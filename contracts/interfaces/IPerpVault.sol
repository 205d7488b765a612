// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPerpVaultTypes
/// @notice Structs, errors and events of the perpetual vault, shared by {IPerpVault}, the vault and its modules.
interface IPerpVaultTypes {
    /// @notice Risk parameters of a market. Every field is bounded by the constants in {PerpVault} on every write;
    /// ratios must be whole parts per million (multiples of 1e12) and USD amounts whole micro-USD (multiples of 1e12):
    /// that is how they are stored (three slots, {Market}), so what `marketParams` returns is what was set.
    /// @param feed Chainlink feed (configured in the oracle adapter) pricing one unit of the asset in USD.
    /// @param skewScale Skew (units, WAD) at which the price premium is 100 % and the funding velocity is maximal.
    /// @param initialMarginRatio 1 / max leverage (WAD): margin needed to open or increase, and to withdraw.
    /// @param maintenanceMarginRatio Margin ratio (WAD) under which an account can be liquidated; < initial.
    /// @param takerFeeRatio Fee on skew-increasing notional (WAD).
    /// @param makerFeeRatio Fee on skew-reducing notional (WAD).
    /// @param maxLongSize Cap on total long size (units, WAD).
    /// @param maxShortSize Cap on total short size (units, WAD).
    /// @param maxFundingRatePerDay Bound on |funding rate| (WAD per day).
    /// @param maxFundingVelocityPerDay Max change of the funding rate per day (WAD per day per day).
    /// @param minPositionMarginUsd Smallest initial margin (USD WAD) a non-zero position may have.
    /// @param liquidationFeeUsd Flat USD (WAD) added to each position's maintenance margin (pays the keeper).
    /// @param grossReserveRatio Share (WAD) of the hedged open interest `min(long, short)·price` the pool reserves on
    /// top of `|skew|·price`: balanced books still carry gap risk (docs/risks.md, "Gross exposure").
    struct MarketParams {
        address feed;
        uint96 skewScale;
        uint64 initialMarginRatio;
        uint64 maintenanceMarginRatio;
        uint64 takerFeeRatio;
        uint64 makerFeeRatio;
        uint96 maxLongSize;
        uint96 maxShortSize;
        uint64 maxFundingRatePerDay;
        uint64 maxFundingVelocityPerDay;
        uint96 minPositionMarginUsd;
        uint96 liquidationFeeUsd;
        uint64 grossReserveRatio;
    }

    /// @notice Funding and open-interest state of a market (three slots).
    /// @param fundingIndex Cumulative funding a long of one unit has paid since listing (USD WAD per unit).
    /// @param fundingRatePerDay Current funding rate (WAD per day; positive: longs pay shorts).
    /// @param lastFundingTime Timestamp of the last accrual.
    /// @param openingPaused Whether the guardian paused opening and increasing.
    /// @param longSize Σ long sizes (units, WAD).
    /// @param shortSize Σ |short sizes| (units, WAD).
    /// @param basisSum Σ over positions of floor(size · entryPrice) − ceil(size · fundingIndexEntry) (USD WAD):
    /// traders' unrealised PnL net of funding is `skew · (price − fundingIndex) − basisSum`, so the pool marks
    /// without a loop.
    /// @param poolRealizedUsd What this market's trades realised for the pool (USD WAD, signed): fees, trader losses
    /// and funding paid, minus trader profits and funding received. Kept per market so a trade never writes a
    /// global slot.
    struct MarketState {
        int128 fundingIndex;
        int64 fundingRatePerDay;
        uint40 lastFundingTime;
        bool openingPaused;
        uint128 longSize;
        uint128 shortSize;
        int128 basisSum;
        int128 poolRealizedUsd;
    }

    /// @notice A position of an account in one market, as returned by views (all WAD).
    /// @dev Stored packed in one slot: size as int96 (|size| ≤ 1e10 units), entry price and funding index entry in
    /// ticks of 1e-10 USD (rounded against the trader when stored), so views return multiples of 1e8 for those two.
    /// @param size Units (WAD), long > 0, short < 0.
    /// @param entryPrice Size-weighted average fill price (USD WAD per unit).
    /// @param fundingIndexEntry The market's funding index when funding was last settled into collateral.
    struct Position {
        int128 size;
        uint128 entryPrice;
        int128 fundingIndexEntry;
    }

    /// @notice One order for {trade}.
    /// @param owner Account owner; the caller is the owner or an operator the owner authorised.
    /// @param accountIndex The owner's account number (isolated margin per index).
    /// @param marketId Market to trade.
    /// @param sizeDelta Signed change of the position (units, WAD): > 0 buys, < 0 sells. Opens, increases, reduces,
    /// closes or flips depending on the current size.
    /// @param acceptablePrice Worst fill price (USD WAD): the highest for a buy, the lowest for a sell.
    /// @param deadline Last timestamp at which the order may execute.
    struct TradeParams {
        address owner;
        uint96 accountIndex;
        uint256 marketId;
        int256 sizeDelta;
        uint256 acceptablePrice;
        uint256 deadline;
    }

    /// @notice What a trade did.
    struct TradeResult {
        uint256 fillPrice;
        uint256 feeUsd;
        int256 realizedPnlUsd;
        int256 fundingPaidUsd;
        int256 newSize;
    }

    /// @notice Global liquidation parameters, each bounded by the constants in {PerpVault}.
    /// @param keeperFeeRatio Keeper reward per closed notional (WAD), before the clamp.
    /// @param penaltyRatio Penalty charged to the liquidated account per closed notional (WAD); it always covers the
    /// keeper reward, so self-liquidation never pays.
    /// @param insuranceShare Share (WAD) of the penalty left after the keeper reward that goes to the insurance fund;
    /// the rest goes to the LP pool.
    /// @param partialBuffer A partial liquidation must leave equity ≥ (1 + partialBuffer) · maintenance margin (WAD).
    /// @param minKeeperFeeUsd Lower clamp of the keeper reward (USD WAD).
    /// @param maxKeeperFeeUsd Upper clamp of the keeper reward (USD WAD).
    struct LiquidationParams {
        uint64 keeperFeeRatio;
        uint64 penaltyRatio;
        uint64 insuranceShare;
        uint64 partialBuffer;
        uint96 minKeeperFeeUsd;
        uint96 maxKeeperFeeUsd;
    }

    /// @notice What a liquidation did (USD WAD unless stated).
    /// @param closedFraction Fraction of every position closed (WAD; 1e18 = full liquidation).
    /// @param keeperRewardUsd Paid to the caller in tokens (rounded down to whole token units).
    /// @param badDebtUsd Deficit left after closing everything (full liquidations only), paid by the insurance fund
    /// first, then by the pool.
    struct LiquidationResult {
        uint256 closedFraction;
        uint256 closedNotionalUsd;
        uint256 penaltyUsd;
        uint256 keeperRewardUsd;
        uint256 insuranceUsd;
        uint256 badDebtUsd;
    }

    /// @notice An account reference for batch calls.
    struct AccountRef {
        address owner;
        uint96 accountIndex;
    }

    /// @notice A market's latency defence (docs/risks.md, "Latency arbitrage"). Off while `minSettlementDelay` is 0.
    /// When on, only the delayed-order contract ({IDelayedOrders}) may open or increase; any other trade in the
    /// market must reduce and pays `immediateFeeRatio` on its notional on top of the maker/taker fee.
    /// @param minSettlementDelay Seconds after a commitment before an oracle round may settle it (0 = defence off).
    /// @param settlementTimeout Seconds after a commitment after which it can no longer settle, only be cancelled.
    /// @param immediateFeeRatio Surcharge (WAD) of an immediate reduction; set it at least to the feed's deviation
    /// threshold, the largest error a known-stale answer can have before the next round must be published.
    struct LatencyParams {
        uint32 minSettlementDelay;
        uint32 settlementTimeout;
        uint64 immediateFeeRatio;
    }

    /// @notice A margin snapshot of an account with funding accrued to now (all USD WAD).
    struct AccountMargin {
        int256 collateral;
        int256 equity;
        uint256 initialMargin;
        uint256 maintenanceMargin;
        uint256 notional;
    }

    // ---- errors: input and authorisation ----
    error ZeroAmount();
    error ZeroAddress();
    error ZeroSize();
    error SizeOutOfRange(int256 size);
    error DeadlineExpired(uint256 deadline, uint256 blockTimestamp);
    error Unauthorized(address caller, address owner);
    error NotGuardian(address caller);
    error NotLiquidityVault(address caller);
    error MarketNotListed(uint256 marketId);
    error TooManyMarkets(uint256 maxMarkets);
    error CollateralDecimalsUnsupported(uint8 decimals);
    error AmountTooLarge(uint256 amount);
    error LiquidityVaultAlreadySet(address liquidityVault);
    error DelayedOrdersAlreadySet(address delayedOrders);
    error ParamOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    /// @notice A parameter is not a whole number of the unit it is stored in (`tick`, WAD: 1e12 = 1 ppm or 1e-6 USD).
    error ParamNotOnTick(string name, uint256 value, uint256 tick);
    error FeedMismatch(address feed);
    /// @notice A module given to the vault's constructor has no code or was built for another token or oracle.
    error ModuleMismatch(address module);

    // ---- errors: trading and margin ----
    error MarketPaused(uint256 marketId);
    /// @notice The market reopened moments ago: until `tradableAt` only reductions and liquidations go through, so
    /// keepers liquidate at the reopen round before anyone adds exposure at it.
    error MarketReopening(uint256 marketId, uint256 tradableAt);
    /// @notice The market's latency defence is on: open or increase through the delayed-order contract.
    error ImmediateOpenDisabled(uint256 marketId);
    error SlippageExceeded(uint256 fillPrice, uint256 acceptablePrice);
    /// @notice An operator's fill is further from the oracle price than the owner allows it (`setOperatorSlippage`).
    error OperatorSlippageExceeded(uint256 fillPrice, uint256 oraclePrice, uint256 maxSlippageBps);
    error InvalidFillPrice(int256 fillPrice);
    error OpenInterestCapExceeded(uint256 marketId, bool isLong, uint256 newSize, uint256 maxSize);
    error PositionTooSmall(uint256 marginUsd, uint256 minMarginUsd);
    error InsufficientMargin(int256 equity, uint256 requiredMargin);
    error WouldBeLiquidatable(int256 equity, uint256 maintenanceMargin);
    error InsufficientCollateral(int256 collateral, uint256 requested);
    error InsufficientLiquidity(int256 poolBalance, uint256 requested);
    error UtilizationTooHigh(uint256 reservedUsd, uint256 maxReservedUsd);
    error NotLiquidatable(int256 equity, uint256 maintenanceMargin);
    error NoPosition(address owner, uint96 accountIndex, uint256 marketId);
    /// @dev Auto-deleveraging needs the pool's reserved USD above its marked value (utilisation > 100 %).
    error DeleverageNotAllowed(uint256 reservedUsd, int256 poolValueUsd);
    /// @dev Only a position on the side of the market's skew can be deleveraged alone (a pair: `deleveragePair`).
    error NotDeleveragable(int256 size, int256 skew, int256 valueUsd);
    /// @dev `deleveragePair` takes a long (`longSize` > 0) and a short (`shortSize` < 0) of the same market.
    error NotAPair(int256 longSize, int256 shortSize);
    /// @dev A market without a gross reserve (`grossReserveRatio` 0): closing a pair there frees no reserve.
    error NoGrossReserve(uint256 marketId);
    /// @dev ADL realises a losing position's loss only in a healthy account; liquidate this one first.
    error AccountLiquidatable(address owner, uint96 accountIndex, int256 equity, uint256 maintenanceMargin);

    // ---- events (market id and account indexed, post-state included) ----
    event Deposited(
        address indexed owner,
        uint96 indexed accountIndex,
        address indexed from,
        uint256 amount,
        int256 collateralAfter
    );
    event Withdrawn(
        address indexed owner,
        uint96 indexed accountIndex,
        address indexed receiver,
        uint256 amount,
        int256 collateralAfter
    );
    /// @dev Carries the market's funding rate and index after the accrual the trade did, so a trade needs no
    /// separate `FundingAccrued` event; funding history = `Traded` ∪ `FundingAccrued`.
    event Traded(
        address indexed owner,
        uint96 indexed accountIndex,
        uint256 indexed marketId,
        int256 sizeDelta,
        TradeResult result,
        uint256 newEntryPrice,
        int256 collateralAfter,
        int256 fundingRatePerDay,
        int256 fundingIndex
    );
    /// @notice Funding accrued outside a trade (parameter changes, LP operations do not accrue).
    event FundingAccrued(uint256 indexed marketId, int256 fundingRatePerDay, int256 fundingIndex, uint256 priceWad);
    event OperatorSet(address indexed owner, address indexed operator, bool allowed);
    event OperatorSlippageSet(address indexed owner, address indexed operator, uint256 maxSlippageBps);
    event MarketListed(uint256 indexed marketId, address indexed feed, MarketParams params);
    event MarketParamsSet(uint256 indexed marketId, MarketParams params);
    event MarketPauseSet(uint256 indexed marketId, bool paused);
    /// @notice The maintenance margin ratio (WAD) in force from the market's closing window until its reopen.
    event ClosingMarginSet(uint256 indexed marketId, uint256 closingMaintenanceMarginRatio);
    event GuardianSet(address indexed guardian);
    event LiquidityVaultSet(address indexed liquidityVault);
    event LiquidityAdded(uint256 amount, int256 poolBaseAfterUsd);
    event LiquidityRemoved(address indexed receiver, uint256 amount, int256 poolBaseAfterUsd);
    event MaxUtilizationSet(uint256 maxUtilization);
    event Liquidated(
        address indexed owner,
        uint96 indexed accountIndex,
        address indexed keeper,
        LiquidationResult result,
        int256 collateralAfter
    );
    event BadDebt(
        address indexed owner,
        uint96 indexed accountIndex,
        uint256 deficitUsd,
        uint256 paidByInsuranceUsd,
        uint256 paidByPoolUsd
    );
    /// @notice ADL closed `size` of a position (all of it, or a pair's part) at the oracle price to protect the pool.
    event Deleveraged(
        address indexed owner,
        uint96 indexed accountIndex,
        uint256 indexed marketId,
        address keeper,
        int256 size,
        uint256 priceWad,
        int256 realizedPnlUsd,
        int256 fundingPaidUsd,
        int256 collateralAfter
    );
    event InsuranceDeposited(address indexed from, uint256 amount, uint256 insuranceFundAfterUsd);
    event InsuranceCapSet(uint256 capUsd);
    /// @notice Insurance above its cap moved to the LPs.
    event InsuranceReleased(uint256 amountUsd, uint256 insuranceFundAfterUsd);
    event LiquidationParamsSet(LiquidationParams params);
    event LatencyParamsSet(uint256 indexed marketId, LatencyParams params);
    event DelayedOrdersSet(address indexed delayedOrders);
}

/// @title IPerpVault
/// @notice Parapet's perpetual vault: stablecoin collateral, accounts `(owner, index)` with cross margin inside an
/// account and isolation between accounts, many Chainlink-priced markets, velocity funding, skew-priced fills, and
/// the LP vault ({ILiquidityVault}) as counterparty.
/// @dev Units (docs/units.md): prices USD WAD per unit; sizes units WAD, signed (long > 0); USD amounts WAD;
/// funding rate WAD per day; funding index USD WAD per unit; collateral is kept in WAD internally and converted
/// from/to the token's own decimals only in `deposit`/`withdraw`. Every rounding goes against the trader.
/// @dev Sharp edges: an account's collateral is signed; it may be negative while unrealised profit covers it.
/// Every price read goes through the oracle adapter: no valid price, no trade (withdrawing from an account without
/// positions never reads a price).
interface IPerpVault is IPerpVaultTypes {
    // ---- accounts ----

    /// @notice Credits `amount` tokens (token units) to account `(owner, accountIndex)`. Anyone may fund any account.
    /// @dev Credits the vault's balance delta, so a fee-on-transfer token credits what actually arrived.
    function deposit(address owner, uint96 accountIndex, uint256 amount) external;

    /// @notice Sends `amount` tokens (token units) from the caller's account to `receiver`. Owner only (never an
    /// operator). With open positions the account must keep equity ≥ max(initial, maintenance margin) afterwards.
    function withdraw(uint96 accountIndex, uint256 amount, address receiver) external;

    /// @notice Opens, increases, reduces, closes or flips a position. Owner or operator.
    /// @dev Accrues funding, settles the position's funding into collateral, fills at the skew-adjusted price, charges
    /// maker/taker fees. A trade that increases exposure needs equity ≥ max(initial, maintenance margin) after it
    /// (a small position's flat liquidation fee can make MM exceed IM); a pure reduction needs equity ≥ maintenance
    /// margin after it. Opening/increasing is blocked while the market is paused; reducing and closing never are.
    /// A trade that adds to the account's exposure and to the market's |skew| needs `Σ|skew|·price ≤ maxUtilization ·
    /// pool value` afterwards (`UtilizationTooHigh`), with this market marked now and the others as of their last
    /// refresh (a skew-increasing trade or `accrueFunding`). In a market whose latency defence is on
    /// ({LatencyParams}), only `delayedOrders()` may open or increase (`ImmediateOpenDisabled` otherwise), and
    /// any other caller's reduction pays `immediateFeeRatio` on its notional on top of the fee (in `feeUsd`).
    function trade(TradeParams calldata params) external returns (TradeResult memory);

    /// @notice Accrues the market's funding to now at the oracle price, emits `FundingAccrued` and re-marks the
    /// market in the pool-capacity cache. Anyone; it changes nothing any trade would not. Keepers call it after a
    /// market's price moves, so that trades in other markets check capacity against a fresh mark (INV-11).
    function accrueFunding(uint256 marketId) external returns (int256 fundingRatePerDay, int256 fundingIndex);

    /// @notice Allows or revokes `operator` to trade every account of the caller (never to withdraw). An allowed
    /// operator's fills must stay within `DEFAULT_OPERATOR_SLIPPAGE_BPS` (1 %) of the oracle price until the owner
    /// sets another bound: an operator cannot churn the account through the skew premium at any price.
    function setOperator(address operator, bool allowed) external;

    /// @notice Sets how far (bps of the oracle price, 1 … 10,000) the caller's `operator` may fill from the oracle.
    function setOperatorSlippage(address operator, uint256 maxSlippageBps) external;

    /// @notice The bound an operator's fills must keep for `owner` (bps; 0 when it is not an operator).
    function operatorSlippageBps(address owner, address operator) external view returns (uint256);

    // ---- liquidation ----

    /// @notice Liquidates an account whose equity is below its maintenance margin at valid oracle prices. Anyone.
    /// @dev Accrues funding of every market of the account first. Closes positions at the oracle price: only the
    /// fraction needed to bring equity back to (1 + partialBuffer) · maintenance margin when that leaves no position
    /// below its market's minimum margin, everything otherwise. Charges the penalty, pays the keeper (in tokens),
    /// splits the rest between the insurance fund and the pool, and covers a deficit from the insurance fund, then
    /// the pool. Reverts `NotLiquidatable` for a healthy account and with the oracle's error on an invalid price.
    function liquidate(address owner, uint96 accountIndex) external returns (LiquidationResult memory);

    /// @notice Liquidates every liquidatable account of `accounts`, skipping healthy ones (and accounts without
    /// positions); returns how many were liquidated. Still reverts on an invalid price: never liquidate on a bad one.
    function liquidateBatch(AccountRef[] calldata accounts) external returns (uint256 liquidated);

    /// @notice Auto-deleveraging (ADL): when the pool's reserve `Σ |skew|·price + grossReserveRatio·min(long,
    /// short)·price` exceeds its marked value (utilisation above 100 %, which no trade that adds exposure and no LP
    /// withdrawal can cause: they stop at `maxUtilization`; a price walk or a minority-side reduction can), anyone can
    /// close a position on the side of the market's skew, at the oracle price, without fee or penalty: the account's
    /// equity does not move, the pool stops losing on further moves. A winner is paid every wei of its profit; a loser
    /// only in a healthy account (`AccountLiquidatable` otherwise: liquidate it).
    /// @dev Keepers pick the most profitable positions first (the SDK ranks them), then pairs ({deleveragePair}).
    /// Reverts `DeleverageNotAllowed`, `NoPosition`, `NotDeleveragable` or `AccountLiquidatable` otherwise, and with
    /// the oracle's error on an invalid price.
    function deleverage(address owner, uint96 accountIndex, uint256 marketId) external returns (int256 realizedUsd);

    /// @notice ADL of a matched pair: under the same condition as {deleverage}, anyone can close a long and a short of
    /// the same market by the same size at the oracle price, without fee or penalty. |skew| does not move; the gross
    /// reserve falls by `grossReserveRatio·size·price`, so this is what brings back a balanced book whose gross term a
    /// price walk took above the pool (no crowded side to deleverage). The size is the pair's overlap `min(long,
    /// |short|)`, or just what brings the reserve back to the value when that is less (and leaves no position below
    /// its minimum margin). Each account's equity does not move; a losing side needs a healthy account.
    /// @dev Reverts `DeleverageNotAllowed`, `NoGrossReserve`, `NoPosition`, `NotAPair` or `AccountLiquidatable`, and
    /// with the oracle's error on an invalid price. Returns the size closed on each side (units WAD).
    function deleveragePair(
        AccountRef calldata longAccount,
        AccountRef calldata shortAccount,
        uint256 marketId
    ) external returns (uint256 closedSize);

    /// @notice Adds `amount` tokens to the insurance fund. Anyone.
    function depositInsurance(uint256 amount) external;

    /// @notice Moves what the insurance fund holds above its cap to the LP pool (anyone; a no-op under the cap).
    function releaseInsuranceExcess() external returns (uint256 releasedUsd);

    /// @notice The insurance fund's cap (USD WAD; `type(uint256).max` = none): what the fund holds above it anyone may
    /// release to the LPs ({releaseInsuranceExcess}).
    function insuranceCapUsd() external view returns (uint256);

    /// @notice Max share (WAD) of the pool's marked value that may back open interest (the reserve).
    function maxUtilization() external view returns (uint256);

    /// @notice The global liquidation parameters ({LiquidationParams}, WAD).
    function liquidationParams()
        external
        view
        returns (
            uint64 keeperFeeRatio,
            uint64 penaltyRatio,
            uint64 insuranceShare,
            uint64 partialBuffer,
            uint96 minKeeperFeeUsd,
            uint96 maxKeeperFeeUsd
        );

    // ---- LP vault hooks (only the liquidity vault) ----

    /// @notice Records `amount` tokens (token units) that the liquidity vault moved into this contract.
    function addLiquidity(uint256 amount) external;

    /// @notice Pays `amount` tokens to `receiver` from realised pool assets, keeping the utilisation bound.
    function removeLiquidity(address receiver, uint256 amount) external;

    // ---- views ----

    /// @notice Realised pool assets (USD WAD, signed): LP net deposits plus every market's `poolRealizedUsd`.
    /// O(markets).
    function poolBalance() external view returns (int256);

    /// @notice The pool's capacity totals as trades check them, O(1): the value (LP base + every market's value as of
    /// its last mark) and the reserve `Σ |skew|·price + grossReserveRatio · min(long, short)·price` as of each
    /// market's last mark (USD WAD; the reserve in whole micro-USD, rounded up). Equal to {poolMark} right after every
    /// market with open interest is re-marked (`accrueFunding`); keepers compare the two to decide which to poke.
    function capacityMark() external view returns (int256 valueUsd, uint256 reservedUsd);

    /// @notice One pool mark at valid oracle prices (USD WAD): the pool's value (signed: it is negative when losses it
    /// must pay exceed what it holds), the reserve `Σ|skew|·price` and the realised balance. Reverts when a needed
    /// price is invalid.
    function poolMark() external view returns (int256 valueUsd, uint256 reservedUsd, int256 realizedUsd);

    /// @notice From one pool mark, in token units (floored): the pool's value (realised balance minus traders'
    /// unrealised PnL plus their unrealised funding owed; the LP vault's `totalAssets`) and what it can pay out now,
    /// min(realised balance, value − utilisation reserve). Reverts when a needed price is invalid.
    function liquidityState() external view returns (uint256 valueTokens, uint256 withdrawableTokens);

    /// @notice Margin snapshot of an account with funding accrued to now at valid oracle prices.
    function accountMargin(address owner, uint96 accountIndex) external view returns (AccountMargin memory);

    /// @notice The price of `marketId` (USD WAD) at which the account's equity would equal its maintenance margin,
    /// other prices and funding as now; 0 when no price of that market can liquidate the account.
    function liquidationPrice(address owner, uint96 accountIndex, uint256 marketId) external view returns (uint256);

    /// @notice The insurance fund (USD WAD), paid from penalties and deposits; pays bad debt first.
    function insuranceFundUsd() external view returns (uint256);

    /// @notice Cumulative bad debt (USD WAD) and the part of it the pool paid after the insurance fund.
    function badDebtUsd() external view returns (uint256 totalUsd, uint256 paidByPoolUsd);

    /// @notice True when the account's equity is below its maintenance margin at valid oracle prices.
    function isLiquidatable(address owner, uint96 accountIndex) external view returns (bool);

    /// @notice The funding rate (WAD per day) and index (USD WAD per unit) as if accrued now at the oracle price.
    function currentFunding(uint256 marketId) external view returns (int256 fundingRatePerDay, int256 fundingIndex);

    /// @notice Fill price and fee a trade of `sizeDelta` would get now. The fee excludes the immediate-trade surcharge
    /// of a market whose latency defence is on (a view cannot tell a settlement from an immediate trade).
    function quote(uint256 marketId, int256 sizeDelta) external view returns (uint256 fillPrice, uint256 feeUsd);

    function position(address owner, uint96 accountIndex, uint256 marketId) external view returns (Position memory);

    function collateralOf(address owner, uint96 accountIndex) external view returns (int256);

    /// @notice Markets in which the account holds a position, as a bitmap (bit i = market i).
    function accountMarkets(address owner, uint96 accountIndex) external view returns (uint256);

    /// @notice The account's realised collateral (USD WAD, signed) and its markets bitmap, from its one slot.
    function accountSlot(
        address owner,
        uint96 accountIndex
    ) external view returns (int256 collateral, uint256 marketBitmap);

    function marketParams(uint256 marketId) external view returns (MarketParams memory);

    /// @notice The market's price feed, `marketParams(marketId).feed` from one slot (reverts `MarketNotListed`): for
    /// callers that read the price before a trade (trigger checks, delayed orders) and need no other parameter.
    function marketFeed(uint256 marketId) external view returns (address);

    function marketState(uint256 marketId) external view returns (MarketState memory);

    function marketCount() external view returns (uint256);

    function isOperator(address owner, address operator) external view returns (bool);

    /// @notice The market's latency defence; all zero when it is off.
    function latencyParams(uint256 marketId) external view returns (LatencyParams memory);

    /// @notice The maintenance margin ratio (WAD) a market's positions need from its closing window (the oracle
    /// adapter's market hours) until it reopens, when above the normal one; 0 = none.
    function closingMarginRatio(uint256 marketId) external view returns (uint256);

    /// @notice The only caller that may open in a market whose latency defence is on (set once by the owner).
    function delayedOrders() external view returns (address);
}
