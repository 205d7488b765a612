// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

/// @title ILiquidityVault
/// @notice ERC-4626 shares of the pool that is the counterparty of every Parapet trader, with the LP side of the
/// latency defence (docs/risks.md, "LP flows at a known price"): deposits and redemptions are *requests* that settle
/// at the pool mark of a later block, after `minDelay`, so nobody who sees the next oracle round coming can enter or
/// leave at the price before it. Every flow pays an entry or exit fee that stays in the pool (it accrues to the LPs
/// who stay), sized to exceed what the remaining timing option is worth.
/// @dev A request's states, from `block.timestamp` and its three timestamps:
/// - Pending (`now < cancelBefore`, the first half of the delay): its owner may cancel; nobody may settle.
/// - Locked (`cancelBefore ≤ now < settleAfter`): nobody may cancel or settle. The mark it will settle at is the mark
///   now plus whatever rounds land before `settleAfter`, which the owner can increasingly see: a cancel right before
///   `settleAfter` would be the same free option as a cancel after it.
/// - Settleable (`settleAfter ≤ now < expiresAt`): anyone may settle it at the mark of that block (earning its keeper
///   fee), the owner too; nobody may cancel (the price is public: a cancel would be a free option on the other LPs).
/// - Expired (`now ≥ expiresAt`): anyone may cancel it, which returns the whole escrow to its owner.
///
/// Which ERC-4626 functions keep their standard meaning: `asset`, `totalAssets` (the pool marked at valid oracle
/// prices; it reverts on an invalid price), `convertToShares`/`convertToAssets` (no fees, the current mark) and the
/// four `preview*` (the current mark, the entry or exit fee included) do. While `minDelay ≠ 0`, `maxDeposit`,
/// `maxMint`, `maxWithdraw` and `maxRedeem` return 0 ("MUST return 0 if … disabled") and `deposit`, `mint`,
/// `withdraw`, `redeem` revert with OpenZeppelin's `ERC4626ExceededMax*`: flows go through {requestDeposit} and
/// {requestRedeem}. With `minDelay == 0` the four flows execute at once at the current mark, fees included, and the
/// `max*` report their real limits. `maxDeposit`/`maxMint` are 0 too while the pool's value is ≤ 0.
interface ILiquidityVault is IERC4626 {
    enum RequestStatus {
        None,
        Pending,
        Locked,
        Settleable,
        Expired
    }

    /// @notice The LP flow parameters, set by the PerpVault's owner within the constant bounds.
    /// @param minDelaySeconds Seconds from a request to the first block that may settle it; 0 turns the defence off
    /// (immediate ERC-4626 flows, still with the fees). Otherwise in [MIN_DELAY_SECONDS, MAX_DELAY_SECONDS].
    /// @param settlementTimeoutSeconds Seconds from a request after which it can only be cancelled (by anyone, for
    /// a full refund); at least `minDelaySeconds + MIN_SETTLEMENT_WINDOW_SECONDS`, at most
    /// MAX_SETTLEMENT_TIMEOUT_SECONDS.
    /// @param entryFeeBps Fee on the assets deposited (basis points, ≤ MAX_FEE_BPS), kept by the pool.
    /// @param exitFeeBps Fee on the assets a redemption is worth at settlement (basis points, ≤ MAX_FEE_BPS), kept by
    /// the pool.
    /// @param keeperFeeTokens Paid by each request (token units, ≤ maxKeeperFeeTokens) to whoever settles it: escrowed
    /// on top of a deposit's assets, taken from a redemption's assets.
    struct FlowParams {
        uint32 minDelaySeconds;
        uint32 settlementTimeoutSeconds;
        uint16 entryFeeBps;
        uint16 exitFeeBps;
        uint96 keeperFeeTokens;
    }

    /// @notice A stored request. `owner == address(0)`: no such request (settled, cancelled or never made).
    /// @param owner Whose escrow it is: the depositor who paid the assets, or the owner of the redeemed shares.
    /// Refunds go to it; only it may cancel while Pending.
    /// @param settleAfter First timestamp (s) at which it may settle.
    /// @param expiresAt From this timestamp (s) it can no longer settle; anyone may cancel it.
    /// @param isDeposit Deposit (`amount` in token units) or redemption (`amount` in shares).
    /// @param receiver Gets the shares (deposit) or the assets (redemption) at settlement.
    /// @param cancelBefore Until this timestamp (s) the owner may cancel.
    /// @param keeperFeeTokens Paid to the settler (token units), fixed at the request.
    /// @param feeBps The entry (deposit) or exit (redemption) fee in basis points, fixed at the request.
    struct Request {
        address owner;
        uint40 settleAfter;
        uint40 expiresAt;
        bool isDeposit;
        address receiver;
        uint96 keeperFeeTokens;
        uint128 amount;
        uint40 cancelBefore;
        uint16 feeBps;
    }

    error TransferAmountMismatch(uint256 expected, uint256 received);
    error ZeroAmount();
    error ZeroAddress();
    error NotVaultOwner(address caller, address owner);
    error ParamOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    /// @notice The pool's marked value (USD WAD, signed) is ≤ 0: shares minted now would be worth nothing and the
    /// deposit would pay the pool's deficit.
    error PoolValueNotPositive(int256 poolValueUsd);
    error RequestNotFound(uint256 requestId);
    error RequestNotSettleable(uint256 requestId, RequestStatus status, uint256 settleAfter, uint256 expiresAt);
    /// @notice Only the request's owner may cancel it, and only while Pending; anyone once it is Expired.
    error RequestNotCancellable(uint256 requestId, RequestStatus status, address caller, address owner);
    /// @notice The redemption is worth less than its keeper fee after the exit fee (or nothing at all).
    error RedeemBelowKeeperFee(uint256 requestId, uint256 assetsAfterExitFee, uint256 keeperFeeTokens);
    /// @notice The pool cannot pay the redemption now (realised balance, utilisation bound): it stays Settleable.
    error RedeemExceedsWithdrawable(uint256 requestId, uint256 assets, uint256 withdrawableTokens);
    error AmountTooLarge(uint256 amount, uint256 max);

    event FlowParamsSet(FlowParams params);
    /// @param caller Who sent it (a redemption may be sent by a spender with the owner's share allowance).
    event RequestCreated(
        uint256 indexed requestId,
        address indexed owner,
        address indexed receiver,
        address caller,
        Request request
    );
    /// @param assets Token units the depositor paid into the pool (the keeper fee apart).
    /// @param feeTokens Entry fee (token units), part of `assets`, kept by the pool.
    /// @param shares Minted to the receiver at the settlement mark.
    /// @param poolValueTokens The pool's value the shares were priced at (`totalAssets` before the deposit).
    event DepositSettled(
        uint256 indexed requestId,
        address indexed settler,
        uint256 assets,
        uint256 feeTokens,
        uint256 shares,
        uint256 keeperFeeTokens,
        uint256 poolValueTokens
    );
    /// @param assets Token units paid to the receiver (after the exit fee and the keeper fee).
    /// @param feeTokens Exit fee (token units), kept by the pool.
    /// @param poolValueTokens The pool's value the shares were priced at (`totalAssets` before the redemption).
    event RedeemSettled(
        uint256 indexed requestId,
        address indexed settler,
        uint256 shares,
        uint256 assets,
        uint256 feeTokens,
        uint256 keeperFeeTokens,
        uint256 poolValueTokens
    );
    /// @param expired True when anyone could cancel it (its timeout passed); the escrow is refunded in full.
    /// @param refunded Token units (a deposit's assets + keeper fee) or shares (a redemption) returned to the owner.
    event RequestCancelled(uint256 indexed requestId, address indexed by, bool expired, uint256 refunded);
    /// @notice Tokens and shares sent to this vault directly (beyond the requests' escrow) went to the LPs.
    event StraySwept(address indexed by, uint256 assetsToPool, uint256 sharesBurned);

    /// @notice Requests a deposit of `assets` (token units) for `receiver`: pulls `assets` plus the current keeper
    /// fee from the caller into escrow. Settles from `now + minDelaySeconds`. Does not mark the pool (O(1) in the
    /// number of markets).
    function requestDeposit(uint256 assets, address receiver) external returns (uint256 requestId);

    /// @notice Requests the redemption of `shares` of `owner` for `receiver`: moves the shares into escrow (the
    /// caller needs `owner`'s share allowance unless it is `owner`). The keeper fee is taken from the assets at
    /// settlement. Does not mark the pool.
    function requestRedeem(uint256 shares, address receiver, address owner) external returns (uint256 requestId);

    /// @notice Settles a Settleable request at the pool mark of this block: a deposit adds its assets to the pool
    /// and mints shares for them minus the entry fee; a redemption burns its shares and pays what they are worth
    /// minus the exit fee. Pays the request's keeper fee to the caller. Anyone. Marks every market of the pool.
    /// @dev Reverts, leaving the request Settleable, when the pool's value is ≤ 0 (a deposit:
    /// `PoolValueNotPositive`), when the pool cannot pay a redemption now (`RedeemExceedsWithdrawable`), or on an
    /// invalid oracle price; after `expiresAt` it can only be cancelled.
    /// @return amountOut Shares minted (a deposit) or token units paid to the receiver (a redemption).
    function settleRequest(uint256 requestId) external returns (uint256 amountOut);

    /// @notice Deletes a request and returns its whole escrow to its owner: the owner while it is Pending, anyone
    /// once it is Expired; nobody while it is Locked or Settleable.
    function cancelRequest(uint256 requestId) external;

    /// @notice The request and its state now.
    function requestStatus(uint256 requestId) external view returns (Request memory request, RequestStatus status);

    /// @notice The id the next request will get (ids start at 1 and are never reused).
    function nextRequestId() external view returns (uint256);

    function flowParams() external view returns (FlowParams memory);

    /// @notice Sets the LP flow parameters; the PerpVault's owner only. Each bound refused is `ParamOutOfBounds`
    /// naming the field. Requests already made keep their timestamps, keeper fee and fee.
    function setFlowParams(FlowParams calldata params) external;

    /// @notice Token units held in escrow for live deposit requests (their assets and keeper fees).
    function escrowedAssets() external view returns (uint256);

    /// @notice Shares held in escrow for live redemption requests.
    function escrowedShares() external view returns (uint256);

    /// @notice Moves what this vault holds beyond the requests' escrow to the LPs: stray assets into the pool, stray
    /// shares burned (anyone; their senders gave them up). A no-op when there is nothing stray.
    function sweepStray() external returns (uint256 assetsToPool, uint256 sharesBurned);
}
