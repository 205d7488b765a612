// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {Test} from "../utils/Test.sol";
import {PerpVault} from "../../../contracts/PerpVault.sol";
import {LiquidityVault} from "../../../contracts/LiquidityVault.sol";
import {ILiquidityVault} from "../../../contracts/interfaces/ILiquidityVault.sol";
import {IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";
import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {TestToken} from "../../../contracts/test/TestToken.sol";

/// @notice Drives a {PerpVault} + {LiquidityVault} pair through random user, keeper-less market and admin actions
/// for the invariant suite (`VaultInvariants.t.sol`, docs/invariants.md).
/// @dev Rules every action follows:
/// - inputs are bounded to meaningful ranges (sizes scaled to the account's collateral, prices within a band);
/// - an action never reverts: every vault call is wrapped in try/catch and its revert is classified as expected
///   (a documented rejection in the situation at hand: margin, stale price, pause of an increase, ...) or
///   unexpected (anything else, Panics included), which is recorded and fails the invariant suite;
/// - properties that can only be seen around one action (margin after a trade, isolation between accounts, funding
///   time monotonicity, round trips) are checked here and recorded per invariant ID in `violations`;
/// - ghost totals: tokens deposited/withdrawn by traders and LPs, fees paid, the touched accounts.
/// Accounts: 4 traders × account indexes {0, 1} (ids 0..7) plus a "tourist" account (id 8) used only for the
/// INV-06 round trip. LPs: the fixture's LP and a second one.
/// Liquidations: `liquidate` and `liquidateBatch` by a keeper; INV-05 is checked around each (success exactly when
/// liquidatable, no negative balance, the keeper paid the reported reward) and the ghosts follow the money out.
contract VaultHandler is Test {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant TOKEN_TO_WAD = 1e12; // 6-decimal collateral
    uint256 internal constant MARKETS = 2;
    uint256 public constant TRADER_ACCOUNTS = 8;
    uint256 public constant TOURIST = 8;
    uint256 internal constant NONE = type(uint256).max;
    uint256 internal constant HEARTBEAT = 1 days;
    /// @dev Largest price step between two keeper passes: `movePrice` moves one feed by at most ±30 % and repairs
    /// the others, then the keeper runs (docs/invariants.md#inv-07).
    uint256 public constant MAX_STEP_BPS = 3_000;
    /// @dev Longest time between two keeper passes at valid prices: `warp` stops every KEEPER_INTERVAL, refreshes the
    /// feeds (an oracle heartbeat) and runs the keeper, as a keeper bot on every round would.
    uint256 public constant KEEPER_INTERVAL = 1 days;
    int256 internal constant NO_VALUE = type(int256).min;

    PerpVault public immutable vault;
    LiquidityVault public immutable lp;
    TestToken public immutable usdc;
    IOracleAdapter public immutable adapter;
    MockV3Aggregator public immutable ethFeed;
    MockV3Aggregator public immutable btcFeed;
    address public immutable owner;
    address public immutable guardian;
    address public immutable operatorBot = address(0x0BE7);

    struct Account {
        address owner;
        uint96 index;
    }

    /// @dev What INV-10 compares before and after an action.
    struct AccountSnap {
        int256 collateral;
        int256 size0;
        int256 size1;
    }

    Account[] internal _accounts;
    address[] internal _traders;
    address[] internal _lps;
    uint256[] internal _touched;
    mapping(uint256 accountId => bool) public isTouched;

    // ---- ghosts (token units unless named Usd) ----
    uint256 public ghostTraderDeposited;
    uint256 public ghostTraderWithdrawn;
    uint256 public ghostLpDeposited;
    uint256 public ghostLpWithdrawn;
    uint256 public ghostFeesUsd;
    uint256 public ghostTrades;
    uint256 public ghostRoundTrips;
    /// @dev Keeper rewards paid out of the vault (token units), and what liquidations added to the pool's base
    /// (penalty share − bad debt the pool paid, USD WAD).
    uint256 public ghostKeeperPaid;
    int256 public ghostPoolBaseFromLiquidationsUsd;
    uint256 public ghostLiquidations;
    uint256 public ghostDeleveraged;
    /// @dev Keeper passes that an invalid price stopped (ADL cannot run on a bad price).
    uint256 public ghostAdlBlocked;
    address public constant KEEPER_BOT = address(0x4EE9B07);
    address public constant INSURER = address(0x1A5B);
    address public constant LP_KEEPER = address(0x5E771E);
    /// @dev Last keeper pass that ran at valid prices (every market poked, every liquidatable account liquidated,
    /// ADL until utilisation ≤ 100 %).
    uint256 public lastFullKeeperPass;
    uint256 public ghostKeeperPasses;
    /// @dev closeAndReopen: holders refused while closed, increases refused with MarketReopening at the reopen.
    uint256 public ghostClosedRefusals;
    uint256 public ghostReopenRefusals;
    /// @dev Price steps and keeper intervals that started with the reserve above the pool's value: ADL could not run
    /// since the last user action (a feed broken in between). A statistic; INV-07 is checked without it.
    uint256 public ghostStepsFromUncoveredReserve;
    // ---- insurance (token units unless named Usd) ----
    uint256 public ghostInsuranceDeposited;
    uint256 public ghostInsuranceReleasedUsd;
    // ---- LP requests ----
    uint256[] internal _liveRequests;
    /// @dev Tokens and shares sent to the LP vault directly, not yet swept.
    uint256 public ghostStrayAssets;
    uint256 public ghostStrayShares;
    uint256 public ghostRequestsSettled;
    uint256 public ghostRequestsCancelled;
    int256[MARKETS] internal _lastGoodAnswer;
    uint256[MARKETS] internal _ghostLastFundingTime;
    int256[MARKETS] internal _ghostFundingIndex;
    uint256 internal _ghostNow;

    // ---- findings ----
    mapping(uint256 invariantId => uint256) public violations;
    mapping(uint256 invariantId => string) public firstViolation;
    uint256 public unexpectedReverts;
    string public firstUnexpected;
    /// @dev Coverage of the actions: successes and expected rejections, per action name.
    mapping(bytes32 action => uint256) public okCount;
    mapping(bytes32 action => uint256) public rejectedCount;
    mapping(bytes4 errorSelector => uint256) public rejectedBySelector;
    uint256 public calls;

    constructor(
        PerpVault vault_,
        LiquidityVault lp_,
        TestToken usdc_,
        IOracleAdapter adapter_,
        MockV3Aggregator ethFeed_,
        MockV3Aggregator btcFeed_,
        address owner_,
        address guardian_,
        address[] memory traders_,
        address tourist_,
        address[] memory lps_,
        uint256 traderDeposited_,
        uint256 lpDeposited_
    ) {
        vault = vault_;
        lp = lp_;
        usdc = usdc_;
        adapter = adapter_;
        ethFeed = ethFeed_;
        btcFeed = btcFeed_;
        owner = owner_;
        guardian = guardian_;
        require(traders_.length * 2 == TRADER_ACCOUNTS, "4 traders");
        for (uint256 i; i < traders_.length; ++i) {
            _traders.push(traders_[i]);
            _accounts.push(Account(traders_[i], 0));
            _accounts.push(Account(traders_[i], 1));
            vm.startPrank(traders_[i]);
            usdc.approve(address(vault_), type(uint256).max);
            vault_.setOperator(operatorBot, true);
            vm.stopPrank();
        }
        _accounts.push(Account(tourist_, 0));
        vm.prank(tourist_);
        usdc.approve(address(vault_), type(uint256).max);
        for (uint256 i; i < lps_.length; ++i) {
            _lps.push(lps_[i]);
            vm.prank(lps_[i]);
            usdc.approve(address(lp_), type(uint256).max);
        }
        vm.prank(INSURER);
        usdc.approve(address(vault_), type(uint256).max);
        lastFullKeeperPass = block.timestamp;
        ghostTraderDeposited = traderDeposited_;
        ghostLpDeposited = lpDeposited_;
        _lastGoodAnswer[0] = ethFeed_.latestAnswer();
        _lastGoodAnswer[1] = btcFeed_.latestAnswer();
        for (uint256 m; m < MARKETS; ++m) {
            IPerpVaultTypes.MarketState memory s = vault_.marketState(m);
            _ghostLastFundingTime[m] = s.lastFundingTime;
            _ghostFundingIndex[m] = s.fundingIndex;
        }
        _ghostNow = block.timestamp;
        // Accounts that hold collateral before the campaign (funded by the fixture) are known from the start.
        for (uint256 id; id < _accounts.length; ++id) {
            if (vault_.collateralOf(_accounts[id].owner, _accounts[id].index) != 0) _touch(id);
        }
    }

    // ================================================================ trader actions

    /// @notice Credits `amountSeed`-bounded tokens to a trader account, paid by its owner or another trader.
    function deposit(uint256 actorSeed, uint256 funderSeed, uint256 amountSeed) external {
        uint256 id = actorSeed % TRADER_ACCOUNTS;
        AccountSnap[] memory before = _begin();
        _deposit(id, _traders[funderSeed % _traders.length], bound(amountSeed, 1, 500_000e6), "deposit");
        _end(before, id, "deposit");
    }

    /// @notice Withdraws a bounded amount (sometimes more than the collateral, an expected rejection).
    function withdraw(uint256 actorSeed, uint256 amountSeed) external {
        uint256 id = actorSeed % TRADER_ACCOUNTS;
        AccountSnap[] memory before = _begin();
        int256 col = _collateral(id);
        uint256 maxTokens = col > 0 ? uint256(col) / TOKEN_TO_WAD : 0;
        _withdraw(id, bound(amountSeed, 1, maxTokens + maxTokens / 10 + 10), "withdraw");
        _end(before, id, "withdraw");
    }

    /// @notice Full exit: tries to close every position of the account, then withdraws all its collateral. Once the
    /// account is flat the withdrawal must succeed (INV-07).
    function exitAccount(uint256 actorSeed) external {
        uint256 id = actorSeed % TRADER_ACCOUNTS;
        AccountSnap[] memory before = _begin();
        for (uint256 m; m < MARKETS; ++m) {
            int256 size = _size(id, m);
            if (size != 0) _trade(id, m, -size, false, "exitClose");
        }
        int256 col = _collateral(id);
        if (col >= int256(TOKEN_TO_WAD)) _withdraw(id, uint256(col) / TOKEN_TO_WAD, "exitWithdraw");
        _end(before, id, "exitAccount");
    }

    /// @notice Trades a size scaled to the account's free margin: 0.01 % to 110 % of the largest increase it allows
    /// (beyond 100 %, and for tiny sizes, the vault must reject). Opens, increases, reduces or flips depending on the
    /// position; one trade in two (by `viaOperator`) is sent by the owner's operator.
    function trade(
        uint256 actorSeed,
        uint256 marketSeed,
        bool isLong,
        uint256 leverageSeed,
        bool viaOperator
    ) external {
        uint256 id = actorSeed % TRADER_ACCOUNTS;
        uint256 m = marketSeed % MARKETS;
        AccountSnap[] memory before = _begin();
        int256 size = _scaledSize(id, m, bound(leverageSeed, 1, 11_000));
        _trade(id, m, isLong ? size : -size, viaOperator, "trade");
        _end(before, id, "trade");
    }

    /// @notice Resizes an existing position relative to its size: close, reduce, flip or increase (an open when the
    /// account has no position in the market).
    function adjust(uint256 actorSeed, uint256 marketSeed, uint256 modeSeed, uint256 fractionSeed) external {
        uint256 id = actorSeed % TRADER_ACCOUNTS;
        uint256 m = marketSeed % MARKETS;
        AccountSnap[] memory before = _begin();
        int256 size0 = _size(id, m);
        int256 delta;
        if (size0 == 0) {
            int256 size = _scaledSize(id, m, bound(fractionSeed, 100, 9_000));
            delta = modeSeed % 2 == 0 ? size : -size;
        } else {
            int256 part = (size0 * int256(bound(fractionSeed, 1, 9_999))) / 10_000;
            uint256 mode = modeSeed % 4;
            if (mode == 0)
                delta = -size0; // close
            else if (mode == 1)
                delta = part == 0 ? -size0 : -part; // reduce
            else if (mode == 2)
                delta = -size0 - (part == 0 ? size0 : part); // flip
            else delta = part == 0 ? size0 : part; // increase
        }
        _trade(id, m, delta, modeSeed % 8 == 7, "adjust");
        _end(before, id, "adjust");
    }

    /// @notice INV-06 at a constant price: the tourist deposits, opens, closes in the same block and withdraws
    /// everything; it gets back at most its deposit minus both fees, and the close and the exit always succeed.
    function roundTrip(uint256 marketSeed, bool isLong, uint256 depositSeed, uint256 leverageSeed) external {
        uint256 m = marketSeed % MARKETS;
        Account memory a = _accounts[TOURIST];
        AccountSnap[] memory before = _begin();
        // Leftovers of a failed earlier round trip (reported then) are closed first.
        for (uint256 k; k < MARKETS; ++k) {
            int256 leftover = _size(TOURIST, k);
            if (leftover != 0) _trade(TOURIST, k, -leftover, false, "roundTripCleanup");
        }
        uint256 amount = bound(depositSeed, 100e6, 1_000_000e6);
        int256 c0 = _collateral(TOURIST);
        _deposit(TOURIST, a.owner, amount, "roundTripDeposit");
        int256 size = _scaledSize(TOURIST, m, bound(leverageSeed, 10, 9_000));
        if (!isLong) size = -size;
        uint256 fees;
        bool flat = _size(TOURIST, 0) == 0 && _size(TOURIST, 1) == 0;
        if (flat) {
            (bool opened, IPerpVaultTypes.TradeResult memory r1) = _trade(TOURIST, m, size, false, "roundTripOpen");
            if (opened) {
                (bool closed, IPerpVaultTypes.TradeResult memory r2) = _trade(
                    TOURIST,
                    m,
                    -size,
                    false,
                    "roundTripClose"
                );
                if (!closed) {
                    _violate(7, "INV-07: closing right after opening at the same price failed");
                } else {
                    fees = r1.feeUsd + r2.feeUsd;
                    if (r2.realizedPnlUsd > 0)
                        _violate(6, _msg("INV-06: round trip realised a profit", r2.realizedPnlUsd));
                    // The stored funding index entry is rounded to a tick against the trader, so the close may
                    // charge dust; it may never pay the trader anything within one block.
                    if (r1.fundingPaidUsd != 0 || r2.fundingPaidUsd < 0) {
                        _violate(6, _msg("INV-06: funding paid to the trader within one block", r2.fundingPaidUsd));
                    }
                    ghostRoundTrips += 1;
                }
            }
        }
        int256 c1 = _collateral(TOURIST);
        if (flat && c1 > c0 + int256(amount * TOKEN_TO_WAD) - int256(fees)) {
            _violate(6, _msg("INV-06: round trip returned more than the deposit minus fees", c1 - c0));
        }
        uint256 withdrawnBefore = ghostTraderWithdrawn;
        if (c1 >= int256(TOKEN_TO_WAD) && _size(TOURIST, 0) == 0 && _size(TOURIST, 1) == 0) {
            _withdraw(TOURIST, uint256(c1) / TOKEN_TO_WAD, "roundTripWithdraw");
        }
        if (
            flat && int256((ghostTraderWithdrawn - withdrawnBefore) * TOKEN_TO_WAD) > c0 + int256(amount * TOKEN_TO_WAD)
        ) {
            _violate(6, "INV-06: withdrew more than was deposited");
        }
        _end(before, TOURIST, "roundTrip");
    }

    // ================================================================ LP actions

    function lpDeposit(uint256 lpSeed, uint256 amountSeed) external {
        address who = _lps[lpSeed % _lps.length];
        AccountSnap[] memory before = _begin();
        uint256 amount = bound(amountSeed, 1, 2_000_000e6);
        usdc.mint(who, amount);
        bool defended = lp.flowParams().minDelaySeconds != 0;
        (bool marked, bool worthless) = _poolWorthless();
        if (defended && (lp.maxDeposit(who) != 0 || lp.maxMint(who) != 0)) {
            _violate(101, "INV-LP-01: maxDeposit/maxMint != 0 with the LP defence on");
        }
        vm.prank(who);
        try lp.deposit(amount, who) returns (uint256 shares) {
            if (defended) _violate(101, "INV-LP-01: an immediate deposit passed with the LP defence on");
            if (marked && worthless) _violate(103, "INV-LP-03: a deposit into a pool worth <= 0 passed");
            ghostLpDeposited += amount;
            okCount["lpDeposit"] += 1;
            // INV-06 for LPs: redeeming what was just minted, at the same mark, never returns more than was paid.
            try lp.previewRedeem(shares) returns (uint256 back) {
                if (back > amount)
                    _violate(6, _msg("INV-06: LP deposit is redeemable for more", int256(back - amount)));
            } catch (bytes memory reason) {
                _unexpected("lpDeposit/previewRedeem", reason);
            }
        } catch (bytes memory reason) {
            // A pool worth ≤ 0 refuses deposits (INV-LP-03): its shares would be worth nothing. With the defence on
            // the immediate flow is closed (INV-LP-01).
            bytes4 s = _selector(reason);
            if (
                _isOracleError(reason) ||
                (s == ILiquidityVault.PoolValueNotPositive.selector && marked && worthless) ||
                (s == ERC4626.ERC4626ExceededMaxDeposit.selector && defended)
            ) {
                _rejected("lpDeposit", reason);
            } else {
                _unexpected("lpDeposit", reason);
            }
        }
        _end(before, NONE, "lpDeposit");
    }

    function lpWithdraw(uint256 lpSeed, uint256 amountSeed) external {
        address who = _lps[lpSeed % _lps.length];
        AccountSnap[] memory before = _begin();
        (bool known, uint256 maxAssets) = _maxWithdraw(who);
        uint256 amount = bound(amountSeed, 1, known ? maxAssets + maxAssets / 10 + 1 : 1_000_000e6);
        vm.prank(who);
        try lp.withdraw(amount, who, who) returns (uint256) {
            if (lp.flowParams().minDelaySeconds != 0) {
                _violate(101, "INV-LP-01: an immediate withdrawal passed with the LP defence on");
            }
            ghostLpWithdrawn += amount;
            okCount["lpWithdraw"] += 1;
        } catch (bytes memory reason) {
            bytes4 s = _selector(reason);
            bool overMax = !known || amount > maxAssets;
            if (_isOracleError(reason) || (overMax && s == ERC4626.ERC4626ExceededMaxWithdraw.selector)) {
                _rejected("lpWithdraw", reason);
            } else {
                _unexpected("lpWithdraw (within maxWithdraw)", reason);
            }
        }
        _end(before, NONE, "lpWithdraw");
    }

    function lpRedeem(uint256 lpSeed, uint256 sharesSeed) external {
        address who = _lps[lpSeed % _lps.length];
        AccountSnap[] memory before = _begin();
        (bool known, uint256 maxShares) = _maxRedeem(who);
        uint256 shares = bound(sharesSeed, 1, known ? maxShares + maxShares / 10 + 1 : lp.balanceOf(who) + 1);
        vm.prank(who);
        try lp.redeem(shares, who, who) returns (uint256 assets) {
            if (lp.flowParams().minDelaySeconds != 0) {
                _violate(101, "INV-LP-01: an immediate redemption passed with the LP defence on");
            }
            ghostLpWithdrawn += assets;
            okCount["lpRedeem"] += 1;
        } catch (bytes memory reason) {
            bytes4 s = _selector(reason);
            bool overMax = !known || shares > maxShares;
            if (
                _isOracleError(reason) ||
                (overMax && s == ERC4626.ERC4626ExceededMaxRedeem.selector) ||
                // Dust shares worth 0 assets: the PerpVault refuses to pay out zero.
                s == IPerpVaultTypes.ZeroAmount.selector
            ) {
                _rejected("lpRedeem", reason);
            } else {
                _unexpected("lpRedeem (within maxRedeem)", reason);
            }
        }
        _end(before, NONE, "lpRedeem");
    }

    // ================================================================ market: prices, time, feed failures

    /// @notice Moves a price by −30 % … +30 %, clamped to [1/10, 10x] of the listing price, and repairs every broken
    /// feed (the others at their last good answer): a new round. Then the keeper runs (liquidations, ADL), so no two
    /// price steps pass without a keeper pass at valid prices (docs/invariants.md#inv-07).
    function movePrice(uint256 marketSeed, int256 bpsSeed) external {
        uint256 m = marketSeed % MARKETS;
        AccountSnap[] memory before = _begin();
        int256 bps = bound(bpsSeed, -int256(MAX_STEP_BPS), int256(MAX_STEP_BPS));
        for (uint256 k; k < MARKETS; ++k) {
            if (k != m) _feed(k).updateAnswer(_lastGoodAnswer[k]);
        }
        _end(before, NONE, "movePrice");
        // The keeper watches every block, not only rounds: what users did since its last pass (a minority-side close
        // raises |skew| unchecked) is deleveraged before the next round lands.
        _keeperPass();
        before = _begin();
        _noteStepStart();
        int256 answer = (_lastGoodAnswer[m] * (10_000 + bps)) / 10_000;
        (int256 lo, int256 hi) = _band(m);
        if (answer < lo) answer = lo;
        if (answer > hi) answer = hi;
        _lastGoodAnswer[m] = answer;
        _feed(m).updateAnswer(answer);
        okCount["movePrice"] += 1;
        _end(before, NONE, "movePrice");
        _keeperPass();
    }

    /// @dev Start of a price step or a keeper interval: the derivation of INV-07 needs the reserve to fit the
    /// pool's value here, and the keeper just ran ADL (crowded side, then pairs) to make it so. Counted when it does
    /// not (a feed broken since, so ADL could not mark the pool), as a statistic: INV-07 is checked without it.
    function _noteStepStart() internal {
        try vault.poolMark() returns (int256 value, uint256 reserved, int256) {
            if (reserved != 0 && (value <= 0 || reserved > uint256(value))) ghostStepsFromUncoveredReserve += 1;
        } catch {}
    }

    // ================================================================ auto-deleveraging

    /// @notice An ADL keeper deleverages one position. Success: the position is closed at the oracle price and the
    /// account's equity is unchanged to the wei (paid in full: PnL − funding, no fee, no penalty); rejections are
    /// only the named ones (below 100 % utilisation, not a crowded-side winner, invalid price).
    function deleverage(uint256 accountSeed, uint256 marketSeed) external {
        _deleverage(accountSeed % TRADER_ACCOUNTS, marketSeed % MARKETS, "deleverage");
    }

    /// @notice Anyone pokes a market: funding accrued and the market re-marked in the capacity totals.
    function poke(uint256 marketSeed) external {
        uint256 m = marketSeed % MARKETS;
        AccountSnap[] memory before = _begin();
        try vault.accrueFunding(m) {
            okCount["poke"] += 1;
        } catch (bytes memory reason) {
            if (_isOracleError(reason)) _rejected("poke", reason);
            else _unexpected("poke", reason);
        }
        _end(before, NONE, "poke");
    }

    /// @dev What a keeper does after every oracle round: re-mark every market in the capacity totals
    /// (`accrueFunding`), liquidate every liquidatable account (one batch), then deleverage crowded-side winners until
    /// the vault says utilisation is back under 100 %. Afterwards the O(1) capacity totals equal a fresh mark of
    /// every market (INV-11). Funding accrual changes no account (INV-10 holds across the pokes).
    function _keeperPass() internal {
        AccountSnap[] memory before = _begin();
        for (uint256 m; m < MARKETS; ++m) {
            try vault.accrueFunding(m) {
                okCount["pokeMark"] += 1;
            } catch (bytes memory reason) {
                if (!_isOracleError(reason)) _unexpected("accrueFunding", reason);
                ghostAdlBlocked += 1;
                _end(before, NONE, "pokeMark");
                return;
            }
        }
        _end(before, NONE, "pokeMark");
        _keeperLiquidateAll();
        for (uint256 m; m < MARKETS; ++m) {
            for (uint256 id; id < TRADER_ACCOUNTS; ++id) {
                if (_size(id, m) == 0) continue;
                bytes4 sel = _deleverage(id, m, "adlKeeper");
                if (sel == IPerpVaultTypes.DeleverageNotAllowed.selector) break;
                if (sel == IOracleAdapter.StalePrice.selector || sel == IOracleAdapter.NonPositiveAnswer.selector) {
                    ghostAdlBlocked += 1;
                    return;
                }
            }
        }
        // A balanced book has no crowded side: matched pairs bring its gross term back (docs/invariants.md#inv-07).
        for (uint256 m; m < MARKETS; ++m) {
            for (uint256 l; l < TRADER_ACCOUNTS; ++l) {
                if (_size(l, m) <= 0) continue;
                for (uint256 sh; sh < TRADER_ACCOUNTS && _size(l, m) > 0; ++sh) {
                    if (_size(sh, m) >= 0) continue;
                    bytes4 sel = _deleveragePair(l, sh, m, "adlPairKeeper");
                    if (sel == IPerpVaultTypes.DeleverageNotAllowed.selector) {
                        _checkCapacityExact("keeper pass");
                        lastFullKeeperPass = block.timestamp;
                        ghostKeeperPasses += 1;
                        return;
                    }
                    if (sel == IPerpVaultTypes.NoGrossReserve.selector) break;
                    if (sel == IOracleAdapter.StalePrice.selector || sel == IOracleAdapter.NonPositiveAnswer.selector) {
                        ghostAdlBlocked += 1;
                        return;
                    }
                }
            }
        }
        _checkCapacityExact("keeper pass");
        lastFullKeeperPass = block.timestamp;
        ghostKeeperPasses += 1;
    }

    /// @dev INV-11 exactness: with every market marked in this block, `capacityMark()` (the O(1) totals) equals
    /// `poolMark()` (a fresh mark of every market), value and reserve, to the wei.
    function _checkCapacityExact(string memory where) internal {
        (int256 capValue, uint256 capReserved) = vault.capacityMark();
        try vault.poolMark() returns (int256 value, uint256 reserved, int256) {
            if (capValue != value) {
                _violate(
                    11,
                    _msg(string.concat("INV-11: capacityMark value != poolMark value after ", where), capValue - value)
                );
            }
            if (capReserved != reserved) {
                _violate(
                    11,
                    _msg(
                        string.concat("INV-11: capacityMark reserve != poolMark reserve after ", where),
                        int256(capReserved) - int256(reserved)
                    )
                );
            }
        } catch (bytes memory reason) {
            _unexpected("poolMark after a keeper pass", reason);
        }
    }

    /// @dev The keeper's liquidation sweep: one batch of every account (healthy ones are skipped); INV-05 on the count.
    function _keeperLiquidateAll() internal {
        AccountSnap[] memory before = _begin();
        uint256 n = _accounts.length;
        IPerpVaultTypes.AccountRef[] memory refs = new IPerpVaultTypes.AccountRef[](n);
        bool[] memory inBatch = new bool[](n);
        uint256 expected;
        for (uint256 id; id < n; ++id) {
            Account memory a = _accounts[id];
            refs[id] = IPerpVaultTypes.AccountRef(a.owner, a.index);
            inBatch[id] = true;
            try vault.isLiquidatable(a.owner, a.index) returns (bool l) {
                if (l) expected += 1;
            } catch (bytes memory reason) {
                _unexpected("isLiquidatable in a keeper pass", reason);
            }
        }
        int256 baseBefore = _poolBase();
        uint256 keeperBefore = usdc.balanceOf(KEEPER_BOT);
        vm.prank(KEEPER_BOT);
        try vault.liquidateBatch(refs) returns (uint256 liquidated) {
            if (liquidated != expected) _violate(5, "INV-05: the keeper's batch liquidated a different number");
            ghostKeeperPaid += usdc.balanceOf(KEEPER_BOT) - keeperBefore;
            ghostPoolBaseFromLiquidationsUsd += _poolBase() - baseBefore;
            ghostLiquidations += liquidated;
            okCount["keeperLiquidate"] += 1;
        } catch (bytes memory reason) {
            _unexpected("keeper liquidateBatch", reason);
        }
        _endMasked(before, inBatch, "keeperLiquidate");
        for (uint256 id; id < n; ++id) {
            if (vault.accountMarkets(_accounts[id].owner, _accounts[id].index) != 0) _touch(id);
        }
    }

    function _deleverage(uint256 id, uint256 m, bytes32 action) internal returns (bytes4 sel) {
        AccountSnap[] memory before = _begin();
        Account memory a = _accounts[id];
        int256 equity0 = NO_VALUE;
        try vault.accountMargin(a.owner, a.index) returns (IPerpVaultTypes.AccountMargin memory am) {
            equity0 = am.equity;
        } catch {}
        vm.prank(KEEPER_BOT);
        try vault.deleverage(a.owner, a.index, m) {
            okCount[action] += 1;
            ghostDeleveraged += 1;
            _touch(id);
            if (_size(id, m) != 0) _violate(11, "INV-11: a deleveraged position is still open");
            try vault.accountMargin(a.owner, a.index) returns (IPerpVaultTypes.AccountMargin memory am) {
                if (equity0 != NO_VALUE && am.equity != equity0) {
                    _violate(11, _msg("INV-11: deleveraging changed the account's equity", am.equity - equity0));
                }
            } catch (bytes memory reason) {
                _unexpected("accountMargin after deleverage", reason);
            }
        } catch (bytes memory reason) {
            sel = _selector(reason);
            if (
                sel == IPerpVaultTypes.DeleverageNotAllowed.selector ||
                sel == IPerpVaultTypes.NotDeleveragable.selector ||
                sel == IPerpVaultTypes.NoPosition.selector ||
                sel == IPerpVaultTypes.AccountLiquidatable.selector ||
                _isOracleError(reason)
            ) {
                _rejected(action, reason);
            } else {
                _unexpectedAction(action, reason);
            }
        }
        _end(before, id, action);
    }

    /// @dev The keeper's pair ADL. Success: both shrink by the same size (|skew| unchanged) at the oracle price, both
    /// equities unchanged to the wei, and either the pair's overlap is closed or the reserve is back within the pool.
    function _deleveragePair(uint256 l, uint256 sh, uint256 m, bytes32 action) internal returns (bytes4 sel) {
        AccountSnap[] memory before = _begin();
        Account memory a = _accounts[l];
        Account memory b = _accounts[sh];
        (int256 eqA, int256 eqB) = (_equityOr(a), _equityOr(b));
        (int256 sizeA, int256 sizeB) = (_size(l, m), _size(sh, m));
        vm.prank(KEEPER_BOT);
        try
            vault.deleveragePair(
                IPerpVaultTypes.AccountRef(a.owner, a.index),
                IPerpVaultTypes.AccountRef(b.owner, b.index),
                m
            )
        returns (uint256 closed) {
            okCount[action] += 1;
            ghostDeleveraged += 2;
            _touch(l);
            _touch(sh);
            if (_size(l, m) != sizeA - int256(closed) || _size(sh, m) != sizeB + int256(closed)) {
                _violate(11, "INV-11: a pair ADL closed different sizes");
            }
            if (eqA != NO_VALUE && _equityOr(a) != eqA) _violate(11, "INV-11: pair ADL changed the long's equity");
            if (eqB != NO_VALUE && _equityOr(b) != eqB) _violate(11, "INV-11: pair ADL changed the short's equity");
            (int256 value, uint256 reserved, ) = vault.poolMark();
            uint256 overlap = uint256(sizeA < -sizeB ? sizeA : -sizeB);
            if (closed != overlap && value > 0 && reserved > uint256(value)) {
                _violate(11, "INV-11: a partial pair ADL left the reserve above the pool's value");
            }
        } catch (bytes memory reason) {
            sel = _selector(reason);
            if (
                sel == IPerpVaultTypes.DeleverageNotAllowed.selector ||
                sel == IPerpVaultTypes.NotAPair.selector ||
                sel == IPerpVaultTypes.NoGrossReserve.selector ||
                sel == IPerpVaultTypes.NoPosition.selector ||
                sel == IPerpVaultTypes.AccountLiquidatable.selector ||
                _isOracleError(reason)
            ) {
                _rejected(action, reason);
            } else {
                _unexpectedAction(action, reason);
            }
        }
        bool[] memory acting = new bool[](_accounts.length);
        acting[l] = true;
        acting[sh] = true;
        _endMasked(before, acting, action);
    }

    function _equityOr(Account memory a) internal view returns (int256) {
        try vault.accountMargin(a.owner, a.index) returns (IPerpVaultTypes.AccountMargin memory am) {
            return am.equity;
        } catch {
            return NO_VALUE;
        }
    }

    /// @notice Jumps up to 30 days (mostly less than a day). The keeper runs at least every KEEPER_INTERVAL: the
    /// jump stops there, every feed gets a round at its last good answer and the keeper passes. At the end both
    /// feeds are refreshed, one, or (1 in 8) none, so stale prices are exercised (for less than KEEPER_INTERVAL).
    function warp(uint256 secondsSeed, uint256 refreshSeed) external {
        uint256 dt = secondsSeed % 10 < 7 ? bound(secondsSeed, 1, 1 days) : bound(secondsSeed, 1, 30 days);
        _advanceTo(block.timestamp + dt, refreshSeed % 8);
        okCount["warp"] += 1;
    }

    /// @dev Moves time to `target` with a keeper pass at least every KEEPER_INTERVAL; `mode` as in {warp}
    /// (1: both feeds refreshed at the end and the keeper runs).
    function _advanceTo(uint256 target, uint256 mode) internal {
        // The keeper watches every block: what users did since its last pass is deleveraged before time passes.
        _keeperPass();
        while (lastFullKeeperPass + KEEPER_INTERVAL < target) {
            uint256 stop = lastFullKeeperPass + KEEPER_INTERVAL;
            if (stop < block.timestamp) stop = block.timestamp;
            AccountSnap[] memory b = _begin();
            _noteStepStart();
            vm.warp(stop);
            _ghostNow = block.timestamp;
            _feed(0).updateAnswer(_lastGoodAnswer[0]);
            _feed(1).updateAnswer(_lastGoodAnswer[1]);
            _end(b, NONE, "warp");
            uint256 passes = ghostKeeperPasses;
            _keeperPass();
            // A pass that could not run (it always can here: every feed was just refreshed) would loop forever.
            if (ghostKeeperPasses == passes) {
                _unexpected("keeper pass after a heartbeat", "");
                lastFullKeeperPass = block.timestamp;
            }
        }
        AccountSnap[] memory before = _begin();
        if (target > block.timestamp) {
            _noteStepStart();
            vm.warp(target);
        }
        _ghostNow = block.timestamp;
        if (mode != 0 && mode != 2) _feed(0).updateAnswer(_lastGoodAnswer[0]);
        if (mode != 0 && mode != 1) _feed(1).updateAnswer(_lastGoodAnswer[1]);
        _end(before, NONE, "warp");
        if (mode != 0 && mode != 1 && mode != 2) _keeperPass();
    }

    /// @notice A market closes and reopens with a gap (INV-HRS-01..03 under the fuzzer): the owner gives its feed a
    /// closure starting within the closing window, with a closing margin; the keeper runs in the window (liquidating
    /// below the closing margin); while closed every operation on the market is refused with `MarketClosed` and
    /// moves nothing; at the reopen the first round may gap by up to ±MAX_STEP_BPS and the keeper runs at it, during
    /// the reopen delay, before any new exposure (`MarketReopening`). Closed for at most KEEPER_INTERVAL, as INV-07's
    /// derivation assumes of any gap between keeper passes. The hours are cleared at the end: no other action sees a
    /// closed market.
    function closeAndReopen(uint256 marketSeed, uint256 closedSeed, int256 gapSeed, uint256 marginSeed) external {
        uint256 m = marketSeed % MARKETS;
        address feed = vault.marketParams(m).feed;
        uint256 mm = vault.marketParams(m).maintenanceMarginRatio;
        uint256 closingMm = mm + bound(marginSeed, 0, (0.5e18 - mm) / 1e12) * 1e12;
        uint256 start = block.timestamp + 30 minutes;
        uint256 end = start + bound(closedSeed, 1 hours, KEEPER_INTERVAL);
        IOracleAdapter.MarketHoursParams memory h;
        // Open all week but one minute half a week away (an always-open schedule is refused): the closure decides.
        uint16 gap = uint16(1 + ((((block.timestamp + 3 days) % 1 weeks) / 60 + 5_040) % 10_077));
        h.sessions = new IOracleAdapter.Session[](2);
        h.sessions[0] = IOracleAdapter.Session(0, gap);
        h.sessions[1] = IOracleAdapter.Session(gap + 1, 10_080);
        h.closures = new IOracleAdapter.Closure[](1);
        h.closures[0] = IOracleAdapter.Closure(uint32(start), uint32(end));
        h.closingWindowSeconds = 1 hours;
        h.reopenDelaySeconds = 5 minutes;
        AccountSnap[] memory before = _begin();
        vm.prank(owner);
        adapter.setMarketHours(feed, h);
        vm.prank(owner);
        try vault.setClosingMargin(m, closingMm) {} catch (bytes memory reason) {
            _unexpected("setClosingMargin", reason);
        }
        _end(before, NONE, "closeAndReopen");
        // The closing window: the keeper liquidates what the closing margin makes liquidatable.
        _keeperPass();

        before = _begin();
        vm.warp(start + (end - start) / 2);
        _ghostNow = block.timestamp;
        _checkClosedRefusals(m);
        _end(before, NONE, "closeAndReopen");

        // The reopen: the first round, with a gap; the other markets' feeds publish too.
        before = _begin();
        _noteStepStart();
        vm.warp(end);
        _ghostNow = block.timestamp;
        int256 answer =
            (_lastGoodAnswer[m] * (10_000 + bound(gapSeed, -int256(MAX_STEP_BPS), int256(MAX_STEP_BPS)))) / 10_000;
        (int256 lo, int256 hi) = _band(m);
        if (answer < lo) answer = lo;
        if (answer > hi) answer = hi;
        _lastGoodAnswer[m] = answer;
        for (uint256 k; k < MARKETS; ++k) _feed(k).updateAnswer(_lastGoodAnswer[k]);
        _end(before, NONE, "closeAndReopen");
        _checkReopening(m);
        // Liquidations (and ADL) at the reopen round, before anyone can add exposure.
        _keeperPass();

        before = _begin();
        vm.warp(end + 5 minutes);
        _ghostNow = block.timestamp;
        vm.startPrank(owner);
        adapter.clearMarketHours(feed);
        vault.setClosingMargin(m, 0);
        vm.stopPrank();
        _end(before, NONE, "closeAndReopen");
        okCount["closeAndReopen"] += 1;
    }

    /// @dev INV-HRS-01 while market `m` is closed: accrual, every holder's liquidation, withdrawal and reduction are
    /// refused with `MarketClosed` (the caller's `_end` checks that nothing moved).
    function _checkClosedRefusals(uint256 m) internal {
        try vault.accrueFunding(m) {
            _violate(201, "INV-HRS-01: accrueFunding went through on a closed market");
        } catch (bytes memory reason) {
            if (!_isClosedOrOracleError(reason)) _unexpected("accrueFunding closed", reason);
        }
        for (uint256 id; id < TRADER_ACCOUNTS; ++id) {
            int256 size = _size(id, m);
            if (size == 0) continue;
            Account memory a = _accounts[id];
            vm.prank(KEEPER_BOT);
            try vault.liquidate(a.owner, a.index) {
                _violate(201, "INV-HRS-01: a liquidation went through on a closed market");
            } catch (bytes memory reason) {
                if (!_isClosedOrOracleError(reason)) _unexpected("liquidate closed", reason);
            }
            vm.prank(a.owner);
            try vault.withdraw(a.index, 1, a.owner) {
                _violate(201, "INV-HRS-01: a holder of a closed market withdrew");
            } catch (bytes memory reason) {
                // A holder whose realised collateral is below what it asks is refused before any price is read
                // (the deep campaign, seed 0x…beef2, found an account at −1,066 USD holding the closed market).
                bool ownRefusal = _selector(reason) == IPerpVaultTypes.InsufficientCollateral.selector;
                if (!ownRefusal && !_isClosedOrOracleError(reason)) _unexpected("withdraw closed", reason);
            }
            vm.prank(a.owner);
            try vault.trade(_tradeParams(a, m, size / 2 == 0 ? -size : -size / 2)) {
                _violate(201, "INV-HRS-01: a reduction went through on a closed market");
            } catch (bytes memory reason) {
                if (!_isClosedOrOracleError(reason)) _unexpected("reduce closed", reason);
            }
            ghostClosedRefusals += 1;
        }
    }

    /// @dev Refused for the closed market, or for another market's broken feed (an account holding both).
    function _isClosedOrOracleError(bytes memory reason) internal pure returns (bool) {
        return _selector(reason) == IOracleAdapter.MarketClosed.selector || _isOracleError(reason);
    }

    /// @dev INV-HRS-02 at the reopen round, in the reopen delay: an increase is refused with `MarketReopening`.
    function _checkReopening(uint256 m) internal {
        for (uint256 id; id < TRADER_ACCOUNTS; ++id) {
            int256 size = _size(id, m);
            if (size == 0) continue;
            Account memory a = _accounts[id];
            AccountSnap[] memory before = _begin();
            vm.prank(a.owner);
            try vault.trade(_tradeParams(a, m, size)) {
                _violate(202, "INV-HRS-02: an increase went through in the reopen delay");
            } catch (bytes memory reason) {
                // Refused for the reopen, or earlier for a reason of its own (margin, caps): never a Panic.
                if (_selector(reason) == IPerpVaultTypes.MarketReopening.selector) ghostReopenRefusals += 1;
                else if (_selector(reason) == bytes4(0x4e487b71)) _unexpected("increase reopening", reason);
            }
            _end(before, NONE, "closeAndReopen");
            return;
        }
    }

    /// @dev A trade of `delta` by the account's owner at any price, now.
    function _tradeParams(
        Account memory a,
        uint256 m,
        int256 delta
    ) internal view returns (IPerpVaultTypes.TradeParams memory) {
        return
            IPerpVaultTypes.TradeParams(a.owner, a.index, m, delta, delta > 0 ? type(uint256).max : 0, block.timestamp);
    }

    /// @notice Breaks a feed: a zero answer, or a round last updated beyond the heartbeat. `movePrice` and `warp`
    /// repair it.
    function breakFeed(uint256 marketSeed, bool zeroAnswer) external {
        uint256 m = marketSeed % MARKETS;
        AccountSnap[] memory before = _begin();
        MockV3Aggregator f = _feed(m);
        if (zeroAnswer) {
            f.updateAnswer(0);
        } else {
            uint256 old = block.timestamp - HEARTBEAT - 1;
            f.updateRoundData(uint80(f.latestRound() + 1), _lastGoodAnswer[m], old, old);
        }
        okCount["breakFeed"] += 1;
        _end(before, NONE, "breakFeed");
    }

    // ================================================================ guardian and owner

    /// @notice Pauses or resumes opening in a market as the guardian or the owner; a trader's attempt must fail.
    function setPaused(uint256 marketSeed, bool paused, uint256 callerSeed) external {
        uint256 m = marketSeed % MARKETS;
        AccountSnap[] memory before = _begin();
        uint256 kind = callerSeed % 4;
        address caller =
            kind == 0
                ? owner
                : kind == 3
                    ? _traders[(callerSeed >> 8) % _traders.length]
                    : guardian;
        vm.prank(caller);
        try vault.setMarketPaused(m, paused) {
            if (kind == 3) _violate(9, "INV-09: a trader paused a market");
            okCount["setPaused"] += 1;
        } catch (bytes memory reason) {
            if (kind == 3 && _selector(reason) == IPerpVaultTypes.NotGuardian.selector) _rejected("setPaused", reason);
            else _unexpected("setPaused", reason);
        }
        _end(before, NONE, "setPaused");
    }

    /// @notice Admin calls: a trader's attempt (must fail), an out-of-bounds field (must fail with ParamOutOfBounds),
    /// a max utilisation inside or outside its bounds, or valid random parameters.
    function setParams(uint256 marketSeed, uint256 kindSeed, uint256 seed) external {
        uint256 m = marketSeed % MARKETS;
        AccountSnap[] memory before = _begin();
        uint256 kind = kindSeed % 8;
        bool ranKeeper;
        IPerpVaultTypes.MarketParams memory p = vault.marketParams(m);
        if (kind <= 1) {
            address caller = _traders[seed % _traders.length];
            vm.prank(caller);
            try vault.setMarketParams(m, p) {
                _violate(9, "INV-09: a trader set market parameters");
            } catch (bytes memory reason) {
                if (_selector(reason) == Ownable.OwnableUnauthorizedAccount.selector) _rejected("setParams", reason);
                else _unexpected("setParams (trader)", reason);
            }
        } else if (kind <= 3) {
            _outOfBounds(p, seed);
            vm.prank(owner);
            try vault.setMarketParams(m, p) {
                _violate(9, _msg("INV-09: out-of-bounds parameter accepted, field", int256(seed % 13)));
            } catch (bytes memory reason) {
                if (_selector(reason) == IPerpVaultTypes.ParamOutOfBounds.selector) _rejected("setParams", reason);
                else _unexpected("setParams (out of bounds)", reason);
            }
        } else if (kind == 4) {
            uint256 u = _ppm(bound(seed, 0, 1.2e18));
            bool inBounds = u >= vault.MIN_MAX_UTILIZATION() && u <= vault.MAX_MAX_UTILIZATION();
            vm.prank(owner);
            try vault.setMaxUtilization(u) {
                if (!inBounds) _violate(9, _msg("INV-09: out-of-bounds max utilisation accepted", int256(u)));
                okCount["setParams"] += 1;
            } catch (bytes memory reason) {
                if (!inBounds && _selector(reason) == IPerpVaultTypes.ParamOutOfBounds.selector) {
                    _rejected("setParams", reason);
                } else {
                    _unexpected("setMaxUtilization", reason);
                }
            }
        } else {
            _validParams(p, m, seed);
            vm.prank(owner);
            try vault.setMarketParams(m, p) {
                okCount["setParams"] += 1;
                ranKeeper = true;
            } catch (bytes memory reason) {
                // setMarketParams accrues funding first, at the oracle price.
                if (_isOracleError(reason)) _rejected("setParams", reason);
                else _unexpected("setParams (valid)", reason);
            }
        }
        _end(before, NONE, "setParams");
        // Accounts the new margins leave liquidatable are liquidated before the next price step (INV-07).
        if (ranKeeper) _keeperPass();
    }

    // ================================================================ operators

    /// @notice A trader revokes or grants its operator, or sets the operator's slippage bound (sometimes out of
    /// bounds, or for a revoked operator: both rejected). The operator's trades then obey the grant (INV-09).
    function setOperatorGrant(uint256 traderSeed, uint256 kindSeed, uint256 bpsSeed) external {
        address trader = _traders[traderSeed % _traders.length];
        AccountSnap[] memory before = _begin();
        uint256 kind = kindSeed % 4;
        if (kind == 0) {
            vm.prank(trader);
            vault.setOperator(operatorBot, false);
            if (vault.isOperator(trader, operatorBot)) _violate(9, "INV-09: a revoked operator is still allowed");
        } else if (kind == 1) {
            vm.prank(trader);
            vault.setOperator(operatorBot, true);
        } else {
            bool allowed = vault.isOperator(trader, operatorBot);
            uint256 bps = kind == 2 ? bound(bpsSeed, 1, 500) : bound(bpsSeed, 0, 10_001);
            bool valid = allowed && bps != 0 && bps <= 10_000;
            vm.prank(trader);
            try vault.setOperatorSlippage(operatorBot, bps) {
                if (!valid) _violate(9, _msg("INV-09: an invalid operator slippage was accepted", int256(bps)));
                if (vault.operatorSlippageBps(trader, operatorBot) != bps) {
                    _violate(9, "INV-09: operator slippage not stored");
                }
            } catch (bytes memory reason) {
                bytes4 sel = _selector(reason);
                if (
                    (!allowed && sel == IPerpVaultTypes.Unauthorized.selector) ||
                    (allowed && !valid && sel == IPerpVaultTypes.ParamOutOfBounds.selector)
                ) {
                    _rejected("setOperatorGrant", reason);
                } else {
                    _unexpected("setOperatorSlippage", reason);
                }
            }
        }
        okCount["setOperatorGrant"] += 1;
        _end(before, NONE, "setOperatorGrant");
    }

    // ================================================================ insurance fund

    /// @notice Anyone adds to the insurance fund.
    function depositInsurance(uint256 amountSeed) external {
        AccountSnap[] memory before = _begin();
        uint256 amount = bound(amountSeed, 1, 200_000e6);
        usdc.mint(INSURER, amount);
        uint256 fund0 = vault.insuranceFundUsd();
        vm.prank(INSURER);
        try vault.depositInsurance(amount) {
            ghostInsuranceDeposited += amount;
            if (vault.insuranceFundUsd() != fund0 + amount * TOKEN_TO_WAD) {
                _violate(1, "INV-01: the insurance fund did not grow by the deposit");
            }
            okCount["depositInsurance"] += 1;
        } catch (bytes memory reason) {
            _unexpected("depositInsurance", reason);
        }
        _end(before, NONE, "depositInsurance");
    }

    /// @notice The owner sets the insurance cap (a trader's attempt fails); then, one time in two, anyone releases
    /// the excess to the LPs: exactly `fund − cap` moves from the fund to the pool, nothing when under the cap.
    function insuranceCap(uint256 capSeed, uint256 kindSeed) external {
        AccountSnap[] memory before = _begin();
        uint256 kind = kindSeed % 4;
        if (kind == 0) {
            vm.prank(_traders[(kindSeed >> 8) % _traders.length]);
            try vault.setInsuranceCap(0) {
                _violate(9, "INV-09: a trader set the insurance cap");
            } catch (bytes memory reason) {
                if (_selector(reason) == Ownable.OwnableUnauthorizedAccount.selector) _rejected("insuranceCap", reason);
                else _unexpected("setInsuranceCap (trader)", reason);
            }
        } else if (kind != 3) {
            uint256 cap = capSeed % 5 == 0 ? type(uint256).max : _micro(bound(capSeed, 0, 500_000e18));
            vm.prank(owner);
            vault.setInsuranceCap(cap);
            if (vault.insuranceCapUsd() != cap) _violate(9, "INV-09: insurance cap not stored");
        }
        if (kind >= 2) {
            uint256 fund0 = vault.insuranceFundUsd();
            uint256 cap = vault.insuranceCapUsd();
            int256 base0 = _poolBase();
            vm.prank(tourist());
            try vault.releaseInsuranceExcess() returns (uint256 released) {
                uint256 expected = fund0 > cap ? fund0 - cap : 0;
                if (released != expected) _violate(1, "INV-01: released != insurance fund - cap");
                if (vault.insuranceFundUsd() != fund0 - released) _violate(1, "INV-01: the fund did not shrink by it");
                if (_poolBase() != base0 + int256(released)) _violate(1, "INV-01: the pool did not grow by it");
                ghostInsuranceReleasedUsd += released;
                okCount["releaseInsurance"] += 1;
            } catch (bytes memory reason) {
                _unexpected("releaseInsuranceExcess", reason);
            }
        }
        okCount["insuranceCap"] += 1;
        _end(before, NONE, "insuranceCap");
    }

    function tourist() public view returns (address) {
        return _accounts[TOURIST].owner;
    }

    // ================================================================ LP requests (the LP defence)

    /// @notice The owner switches the LP flow parameters: the defence on (3 in 4: a delay of 1 minute to 1 day, a
    /// timeout up to 7 days, fees, a keeper fee) or off (immediate flows, still with fees). Requests already made
    /// keep their terms.
    function lpSetFlow(uint256 seed) external {
        AccountSnap[] memory before = _begin();
        ILiquidityVault.FlowParams memory f;
        uint256 r = uint256(keccak256(abi.encode(seed, "flow")));
        f.minDelaySeconds = r % 4 == 0 ? 0 : uint32(bound(r >> 8, 1 minutes, 1 days));
        f.settlementTimeoutSeconds = uint32(bound(r >> 48, f.minDelaySeconds + 1 minutes, 7 days));
        f.entryFeeBps = uint16(bound(r >> 88, 0, 50));
        f.exitFeeBps = uint16(bound(r >> 104, 0, 50));
        f.keeperFeeTokens = uint96(bound(r >> 120, 0, 10e6));
        vm.prank(owner);
        try lp.setFlowParams(f) {
            okCount["lpSetFlow"] += 1;
        } catch (bytes memory reason) {
            _unexpected("setFlowParams", reason);
        }
        _end(before, NONE, "lpSetFlow");
    }

    /// @notice An LP requests a deposit: assets plus the keeper fee go into the LP vault's escrow (INV-LP-02).
    function lpRequestDeposit(uint256 lpSeed, uint256 amountSeed) external {
        address who = _lps[lpSeed % _lps.length];
        AccountSnap[] memory before = _begin();
        uint256 amount = bound(amountSeed, 1, 2_000_000e6);
        uint256 fee = lp.flowParams().keeperFeeTokens;
        usdc.mint(who, amount + fee);
        uint256 escrow0 = lp.escrowedAssets();
        vm.prank(who);
        try lp.requestDeposit(amount, who) returns (uint256 id) {
            _liveRequests.push(id);
            if (lp.escrowedAssets() != escrow0 + amount + fee) {
                _violate(102, "INV-LP-02: a deposit request did not escrow its assets and keeper fee");
            }
            okCount["lpRequestDeposit"] += 1;
        } catch (bytes memory reason) {
            _unexpected("requestDeposit", reason);
        }
        _end(before, NONE, "lpRequestDeposit");
    }

    /// @notice An LP requests the redemption of part or all of its shares (the shares go into escrow).
    function lpRequestRedeem(uint256 lpSeed, uint256 sharesSeed) external {
        address who = _lps[lpSeed % _lps.length];
        AccountSnap[] memory before = _begin();
        uint256 balance = lp.balanceOf(who);
        if (balance == 0) {
            _end(before, NONE, "lpRequestRedeem");
            return;
        }
        uint256 shares = sharesSeed % 4 == 0 ? balance : bound(sharesSeed, 1, balance);
        uint256 escrow0 = lp.escrowedShares();
        vm.prank(who);
        try lp.requestRedeem(shares, who, who) returns (uint256 id) {
            _liveRequests.push(id);
            if (lp.escrowedShares() != escrow0 + shares) {
                _violate(102, "INV-LP-02: a redemption request did not escrow its shares");
            }
            okCount["lpRequestRedeem"] += 1;
        } catch (bytes memory reason) {
            _unexpected("requestRedeem", reason);
        }
        _end(before, NONE, "lpRequestRedeem");
    }

    /// @dev Values around one settlement (stack limit).
    struct SettleCtx {
        uint256 id;
        ILiquidityVault.Request r;
        ILiquidityVault.RequestStatus status;
        bool marked;
        int256 value;
        uint256 withdrawable;
        uint256 supply;
        uint256 held; // PerpVault token balance
        uint256 receiverTokens;
        uint256 receiverShares;
        uint256 keeperTokens;
    }

    /// @notice A keeper settles a live request. INV-LP-01: only a Settleable one, at the pool mark of this block (the
    /// shares or assets recomputed here), once; INV-LP-03: a deposit into a pool worth ≤ 0 waits; INV-LP-02: the
    /// escrow leaves once, into the pool and to the settler.
    function lpSettle(uint256 reqSeed) external {
        if (_liveRequests.length == 0) return;
        SettleCtx memory c;
        uint256 slot = reqSeed % _liveRequests.length;
        c.id = _liveRequests[slot];
        (c.r, c.status) = lp.requestStatus(c.id);
        // One time in two a keeper waits for the request's settleAfter (the keeper passes run on the way: they
        // are actions of their own for INV-10, so before this one begins).
        if ((reqSeed >> 128) % 2 == 0 && c.r.settleAfter > block.timestamp) {
            _advanceTo(c.r.settleAfter, 3);
            (c.r, c.status) = lp.requestStatus(c.id);
        }
        AccountSnap[] memory before = _begin();
        c.supply = lp.totalSupply();
        try vault.poolMark() returns (int256 value, uint256, int256) {
            c.marked = true;
            c.value = value;
            (, c.withdrawable) = vault.liquidityState();
        } catch {}
        c.held = usdc.balanceOf(address(vault));
        c.receiverTokens = usdc.balanceOf(c.r.receiver);
        c.receiverShares = lp.balanceOf(c.r.receiver);
        c.keeperTokens = usdc.balanceOf(LP_KEEPER);
        vm.prank(LP_KEEPER);
        try lp.settleRequest(c.id) returns (uint256 out) {
            _afterSettle(c, out, slot);
        } catch (bytes memory reason) {
            _settleRejected(c, reason);
        }
        _end(before, NONE, "lpSettle");
    }

    function _afterSettle(SettleCtx memory c, uint256 out, uint256 slot) internal {
        if (c.status != ILiquidityVault.RequestStatus.Settleable) {
            _violate(101, "INV-LP-01: a request settled outside [settleAfter, expiresAt)");
        }
        if (!c.marked) _violate(101, "INV-LP-01: a request settled without a valid pool mark");
        uint256 total = c.value > 0 ? uint256(c.value) / TOKEN_TO_WAD : 0;
        uint256 amount = c.r.amount;
        if (c.r.isDeposit) {
            if (c.value <= 0 && c.supply != 0) _violate(103, "INV-LP-03: a deposit settled into a pool worth <= 0");
            uint256 fee = Math.mulDiv(amount, c.r.feeBps, 10_000, Math.Rounding.Ceil);
            uint256 shares = Math.mulDiv(amount - fee, c.supply + 1e6, total + 1);
            if (out != shares || lp.balanceOf(c.r.receiver) != c.receiverShares + shares) {
                _violate(101, "INV-LP-01: deposit shares != the settlement block's mark");
            }
            if (usdc.balanceOf(address(vault)) != c.held + amount) {
                _violate(102, "INV-LP-02: a deposit's assets did not go into the pool");
            }
            ghostLpDeposited += amount;
        } else {
            uint256 gross = Math.mulDiv(amount, total + 1, c.supply + 1e6);
            uint256 net = gross - Math.mulDiv(gross, c.r.feeBps, 10_000, Math.Rounding.Ceil);
            if (net > c.withdrawable) _violate(101, "INV-LP-01: a redemption paid beyond what the pool could pay");
            if (out + c.r.keeperFeeTokens != net) _violate(101, "INV-LP-01: redemption assets != the settlement mark");
            uint256 paid = c.held - usdc.balanceOf(address(vault));
            if (paid != net) _violate(102, "INV-LP-02: the pool paid a redemption other than its net assets");
            ghostLpWithdrawn += paid;
        }
        if (usdc.balanceOf(LP_KEEPER) != c.keeperTokens + c.r.keeperFeeTokens) {
            _violate(102, "INV-LP-02: the settler was not paid the request's keeper fee");
        }
        (ILiquidityVault.Request memory after_, ) = lp.requestStatus(c.id);
        if (after_.owner != address(0)) _violate(101, "INV-LP-01: a settled request is still stored");
        vm.prank(LP_KEEPER);
        try lp.settleRequest(c.id) {
            _violate(101, "INV-LP-01: a request settled twice");
        } catch (bytes memory reason) {
            if (_selector(reason) != ILiquidityVault.RequestNotFound.selector)
                _unexpected("second settleRequest", reason);
        }
        _removeLive(slot);
        ghostRequestsSettled += 1;
        okCount["lpSettle"] += 1;
    }

    function _settleRejected(SettleCtx memory c, bytes memory reason) internal {
        bytes4 sel = _selector(reason);
        bool settleable = c.status == ILiquidityVault.RequestStatus.Settleable;
        if (sel == ILiquidityVault.RequestNotSettleable.selector && !settleable) {
            _rejected("lpSettle", reason);
        } else if (sel == ILiquidityVault.RequestNotSettleable.selector) {
            _violate(101, "INV-LP-01: a Settleable request could not be settled");
        } else if (
            settleable &&
            (_isOracleError(reason) ||
                (sel == ILiquidityVault.PoolValueNotPositive.selector &&
                    c.r.isDeposit &&
                    c.value <= 0 &&
                    c.supply != 0) ||
                (!c.r.isDeposit &&
                    (sel == ILiquidityVault.RedeemBelowKeeperFee.selector ||
                        sel == ILiquidityVault.RedeemExceedsWithdrawable.selector)))
        ) {
            _rejected("lpSettle", reason);
        } else {
            _unexpected("settleRequest", reason);
        }
    }

    /// @notice Its owner or a stranger cancels a live request. INV-LP-01: it succeeds exactly when Pending and sent
    /// by the owner, or Expired (anyone); INV-LP-02: the whole escrow goes back to the owner.
    function lpCancel(uint256 reqSeed, bool byOwner) external {
        AccountSnap[] memory before = _begin();
        if (_liveRequests.length == 0) {
            _end(before, NONE, "lpCancel");
            return;
        }
        uint256 slot = reqSeed % _liveRequests.length;
        uint256 id = _liveRequests[slot];
        (ILiquidityVault.Request memory r, ILiquidityVault.RequestStatus status) = lp.requestStatus(id);
        address caller = byOwner ? r.owner : LP_KEEPER;
        bool allowed =
            status == ILiquidityVault.RequestStatus.Expired ||
                (status == ILiquidityVault.RequestStatus.Pending && byOwner);
        uint256 tokens0 = usdc.balanceOf(r.owner);
        uint256 shares0 = lp.balanceOf(r.owner);
        vm.prank(caller);
        try lp.cancelRequest(id) {
            if (!allowed)
                _violate(101, "INV-LP-01: a request was cancelled while Locked or Settleable, or by a stranger");
            bool refunded =
                r.isDeposit
                    ? usdc.balanceOf(r.owner) == tokens0 + r.amount + r.keeperFeeTokens
                    : lp.balanceOf(r.owner) == shares0 + r.amount;
            if (!refunded) _violate(102, "INV-LP-02: a cancel did not return the whole escrow to the owner");
            _removeLive(slot);
            ghostRequestsCancelled += 1;
            okCount["lpCancel"] += 1;
        } catch (bytes memory reason) {
            if (_selector(reason) == ILiquidityVault.RequestNotCancellable.selector && !allowed) {
                _rejected("lpCancel", reason);
            } else {
                _unexpected(allowed ? "cancelRequest (allowed)" : "cancelRequest", reason);
            }
        }
        _end(before, NONE, "lpCancel");
    }

    /// @notice Time moves to a boundary of a live request (just before or at the end of its cancel window, its
    /// settleAfter, its expiresAt), with the keeper running on the way and fresh feeds at the end.
    function lpWarpToRequest(uint256 reqSeed, uint256 pointSeed) external {
        if (_liveRequests.length == 0) return;
        (ILiquidityVault.Request memory r, ) = lp.requestStatus(_liveRequests[reqSeed % _liveRequests.length]);
        uint256 point = pointSeed % 6;
        uint256 t =
            point < 2
                ? uint256(r.cancelBefore)
                : point < 4
                    ? uint256(r.settleAfter)
                    : uint256(r.expiresAt);
        if (point % 2 == 0 && t > 0) t -= 1;
        if (t > block.timestamp) _advanceTo(t, 3);
        okCount["lpWarpToRequest"] += 1;
    }

    /// @notice Someone sends tokens or shares straight to the LP vault, or anyone sweeps what is stray: stray
    /// assets go into the pool, stray shares are burned, the escrow stays (INV-LP-02).
    function lpStray(uint256 seed) external {
        AccountSnap[] memory before = _begin();
        uint256 kind = seed % 3;
        if (kind == 0) {
            uint256 amount = bound(seed >> 8, 1, 10_000e6);
            usdc.mint(address(this), amount);
            usdc.transfer(address(lp), amount);
            ghostStrayAssets += amount;
        } else if (kind == 1) {
            address who = _lps[(seed >> 8) % _lps.length];
            uint256 balance = lp.balanceOf(who);
            if (balance != 0) {
                uint256 shares = bound(seed >> 16, 1, balance / 100 + 1);
                vm.prank(who);
                lp.transfer(address(lp), shares);
                ghostStrayShares += shares;
            }
        } else {
            uint256 held = usdc.balanceOf(address(vault));
            try lp.sweepStray() returns (uint256 assetsToPool, uint256 sharesBurned) {
                if (assetsToPool != ghostStrayAssets || sharesBurned != ghostStrayShares) {
                    _violate(102, "INV-LP-02: sweepStray moved other than the stray tokens and shares");
                }
                if (usdc.balanceOf(address(vault)) != held + assetsToPool) {
                    _violate(102, "INV-LP-02: swept assets did not reach the pool");
                }
                ghostLpDeposited += assetsToPool;
                ghostStrayAssets = 0;
                ghostStrayShares = 0;
                okCount["lpSweep"] += 1;
            } catch (bytes memory reason) {
                _unexpected("sweepStray", reason);
            }
        }
        _end(before, NONE, "lpStray");
    }

    function _removeLive(uint256 slot) internal {
        _liveRequests[slot] = _liveRequests[_liveRequests.length - 1];
        _liveRequests.pop();
    }

    function liveRequestCount() external view returns (uint256) {
        return _liveRequests.length;
    }

    function liveRequestAt(uint256 i) external view returns (uint256) {
        return _liveRequests[i];
    }

    /// @dev (poolMark known, pool worth ≤ 0 with shares outstanding).
    function _poolWorthless() internal view returns (bool, bool) {
        try vault.poolMark() returns (int256 value, uint256, int256) {
            return (true, value <= 0 && lp.totalSupply() != 0);
        } catch {
            return (false, false);
        }
    }

    // ================================================================ exit liveness probe

    /// @notice INV-07 on the current state, without changing it: every flat account withdraws all its collateral
    /// (whatever the prices), then the state is reverted.
    function probeExitLiveness() external {
        uint256 failures;
        bytes memory firstReason;
        uint256 snapshot = vm.snapshotState();
        for (uint256 i; i < _touched.length; ++i) {
            uint256 id = _touched[i];
            Account memory a = _accounts[id];
            if (vault.accountMarkets(a.owner, a.index) != 0) continue;
            int256 col = vault.collateralOf(a.owner, a.index);
            if (col < int256(TOKEN_TO_WAD)) continue;
            vm.prank(a.owner);
            try vault.withdraw(a.index, uint256(col) / TOKEN_TO_WAD, a.owner) {} catch (bytes memory reason) {
                if (failures++ == 0) firstReason = reason;
            }
        }
        bool reverted = vm.revertToStateAndDelete(snapshot);
        // Written after the revert, which also reverts this contract's storage.
        if (!reverted) _unexpected("probeExitLiveness: revertToState", "");
        if (failures != 0) {
            _violate(
                7,
                string.concat(
                    "INV-07: a flat account could not exit (poolBalance ",
                    vm.toString(vault.poolBalance()),
                    "): ",
                    vm.toString(firstReason)
                )
            );
        }
        okCount["probeExitLiveness"] += 1;
    }

    /// @notice End of a run (called from `afterInvariant`): every account closes what it can and exits; LPs redeem
    /// what they may. A flat account must always get all its collateral out (INV-07).
    function finalExit() external {
        for (uint256 id; id < _accounts.length; ++id) {
            for (uint256 m; m < MARKETS; ++m) {
                int256 size = _size(id, m);
                if (size != 0) _trade(id, m, -size, false, "finalClose");
            }
            int256 col = _collateral(id);
            if (col >= int256(TOKEN_TO_WAD)) _withdraw(id, uint256(col) / TOKEN_TO_WAD, "finalWithdraw");
        }
        for (uint256 i; i < _lps.length; ++i) {
            (bool known, uint256 maxShares) = _maxRedeem(_lps[i]);
            if (!known || maxShares == 0) continue;
            vm.prank(_lps[i]);
            try lp.redeem(maxShares, _lps[i], _lps[i]) returns (uint256 assets) {
                ghostLpWithdrawn += assets;
            } catch (bytes memory reason) {
                if (_selector(reason) != IPerpVaultTypes.ZeroAmount.selector) _unexpected("finalExit/lpRedeem", reason);
            }
        }
    }

    // ================================================================ liquidation

    /// @notice A keeper liquidates one account. INV-05: it succeeds exactly when `isLiquidatable` (valid prices, equity
    /// < MM), never leaves a negative balance after a full close, and pays the keeper exactly the reported reward.
    function liquidate(uint256 accountSeed) external {
        AccountSnap[] memory before = _begin();
        uint256 id = accountSeed % TRADER_ACCOUNTS;
        Account memory a = _accounts[id];
        _touch(id);
        bool known;
        bool liquidatable;
        try vault.isLiquidatable(a.owner, a.index) returns (bool l) {
            known = true;
            liquidatable = l;
        } catch {}
        (, uint256 byPoolBefore) = vault.badDebtUsd();
        uint256 keeperBefore = usdc.balanceOf(KEEPER_BOT);
        vm.prank(KEEPER_BOT);
        try vault.liquidate(a.owner, a.index) returns (IPerpVaultTypes.LiquidationResult memory r) {
            if (!known || !liquidatable) _violate(5, "INV-05: liquidated an account that was not liquidatable");
            uint256 paid = usdc.balanceOf(KEEPER_BOT) - keeperBefore;
            ghostKeeperPaid += paid;
            if (paid * TOKEN_TO_WAD != r.keeperRewardUsd) _violate(5, "INV-05: keeper paid != reported reward");
            if (r.penaltyUsd < r.keeperRewardUsd) _violate(6, "INV-06: penalty below the keeper reward");
            (, uint256 byPoolAfter) = vault.badDebtUsd();
            ghostPoolBaseFromLiquidationsUsd +=
                int256(r.penaltyUsd - r.keeperRewardUsd - r.insuranceUsd) - int256(byPoolAfter - byPoolBefore);
            if (r.closedFraction == WAD && vault.collateralOf(a.owner, a.index) < 0) {
                _violate(5, "INV-05: negative balance after a full liquidation");
            }
            ghostLiquidations += 1;
            okCount["liquidate"] += 1;
        } catch (bytes memory reason) {
            bytes4 sel = _selector(reason);
            if (sel == IPerpVaultTypes.NotLiquidatable.selector) {
                if (known && liquidatable) _violate(5, "INV-05: a liquidatable account could not be liquidated");
                _rejected("liquidate", reason);
            } else if (_isOracleError(reason)) {
                if (known) _violate(5, "INV-05: liquidate saw an invalid price that isLiquidatable did not");
                _rejected("liquidate", reason);
            } else {
                _unexpectedAction("liquidate", reason);
            }
        }
        _end(before, id, "liquidate");
    }

    /// @notice A keeper liquidates up to four accounts in one batch: exactly the liquidatable ones are liquidated
    /// (healthy ones skipped, never a revert for them); an invalid price reverts the whole batch.
    function liquidateBatch(uint256 seed) external {
        AccountSnap[] memory before = _begin();
        IPerpVaultTypes.AccountRef[] memory refs = new IPerpVaultTypes.AccountRef[](4);
        bool[] memory inBatch = new bool[](_accounts.length);
        uint256 expected;
        bool allKnown = true;
        for (uint256 i; i < 4; ++i) {
            uint256 id = (seed >> (8 * i)) % TRADER_ACCOUNTS;
            Account memory a = _accounts[id];
            refs[i] = IPerpVaultTypes.AccountRef(a.owner, a.index);
            try vault.isLiquidatable(a.owner, a.index) returns (bool l) {
                if (l && !inBatch[id]) expected += 1;
            } catch {
                allKnown = false;
            }
            inBatch[id] = true;
            _touch(id);
        }
        int256 baseBefore = _poolBase();
        uint256 keeperBefore = usdc.balanceOf(KEEPER_BOT);
        vm.prank(KEEPER_BOT);
        try vault.liquidateBatch(refs) returns (uint256 n) {
            if (allKnown && n != expected) _violate(5, "INV-05: a batch liquidated a different number of accounts");
            ghostKeeperPaid += usdc.balanceOf(KEEPER_BOT) - keeperBefore;
            ghostPoolBaseFromLiquidationsUsd += _poolBase() - baseBefore;
            ghostLiquidations += n;
            okCount["liquidateBatch"] += 1;
        } catch (bytes memory reason) {
            if (_isOracleError(reason)) _rejected("liquidateBatch", reason);
            else _unexpectedAction("liquidateBatch", reason);
        }
        _endMasked(before, inBatch, "liquidateBatch");
    }

    /// @dev The pool's base (LP net flows + liquidation penalties − bad debt it paid): poolBalance − Σ realised.
    function _poolBase() internal view returns (int256 base) {
        base = vault.poolBalance();
        for (uint256 m; m < MARKETS; ++m) base -= vault.marketState(m).poolRealizedUsd;
    }

    // ================================================================ internals: one vault call each

    function _deposit(uint256 id, address funder, uint256 amount, bytes32 action) internal {
        Account memory a = _accounts[id];
        _touch(id);
        usdc.mint(funder, amount);
        vm.prank(funder);
        try vault.deposit(a.owner, a.index, amount) {
            ghostTraderDeposited += amount;
            okCount[action] += 1;
        } catch (bytes memory reason) {
            _unexpectedAction(action, reason);
        }
    }

    function _withdraw(uint256 id, uint256 amount, bytes32 action) internal {
        Account memory a = _accounts[id];
        _touch(id);
        int256 col = vault.collateralOf(a.owner, a.index);
        bool hasPositions = vault.accountMarkets(a.owner, a.index) != 0;
        bool healthyBefore;
        if (hasPositions) {
            try vault.accountMargin(a.owner, a.index) returns (IPerpVaultTypes.AccountMargin memory am) {
                healthyBefore = am.equity >= int256(am.maintenanceMargin);
            } catch {}
        }
        vm.prank(a.owner);
        try vault.withdraw(a.index, amount, a.owner) {
            ghostTraderWithdrawn += amount;
            okCount[action] += 1;
            if (hasPositions) {
                // INV-04: a withdrawal leaves an account with positions at or above its initial margin, and never
                // turns a healthy account into a liquidatable one.
                try vault.accountMargin(a.owner, a.index) returns (IPerpVaultTypes.AccountMargin memory am) {
                    if (am.equity < int256(am.initialMargin)) {
                        _violate(4, _msg("INV-04: withdrawal left equity below IM", am.equity));
                    }
                    if (healthyBefore && am.equity < int256(am.maintenanceMargin)) {
                        _violate(4, _msg("INV-04: a withdrawal made a healthy account liquidatable", am.equity));
                    }
                } catch (bytes memory reason) {
                    _unexpected("accountMargin after withdraw", reason);
                }
            }
        } catch (bytes memory reason) {
            bytes4 s = _selector(reason);
            bool covered = int256(amount * TOKEN_TO_WAD) <= col;
            if (!hasPositions && covered) {
                _violate(
                    7,
                    string.concat(
                        "INV-07: a flat account could not withdraw (poolBalance ",
                        vm.toString(vault.poolBalance()),
                        "): ",
                        vm.toString(reason)
                    )
                );
            } else if (
                (!covered && s == IPerpVaultTypes.InsufficientCollateral.selector) ||
                (hasPositions && (s == IPerpVaultTypes.InsufficientMargin.selector || _isOracleError(reason)))
            ) {
                _rejected(action, reason);
            } else {
                _unexpectedAction(action, reason);
            }
        }
    }

    /// @dev Values around one trade, in memory (stack limit).
    struct TradeCtx {
        address caller;
        int256 size0;
        int256 size1;
        bool increases;
        bool paused;
        int256 col0;
        int256 pool0;
        int256 realized0;
        bool healthyBefore; // equity >= maintenance margin before the trade (at valid prices)
        int256[] othersEquity;
        bool viaOperator;
        bool operatorAllowed;
        uint256 slippageBps; // the operator's grant
    }

    function _trade(
        uint256 id,
        uint256 m,
        int256 delta,
        bool viaOperator,
        bytes32 action
    ) internal returns (bool ok, IPerpVaultTypes.TradeResult memory r) {
        if (delta == 0) return (false, r);
        Account memory a = _accounts[id];
        _touch(id);
        TradeCtx memory c;
        c.caller = viaOperator ? operatorBot : a.owner;
        c.viaOperator = viaOperator;
        c.operatorAllowed = vault.isOperator(a.owner, operatorBot);
        c.slippageBps = vault.operatorSlippageBps(a.owner, operatorBot);
        c.size0 = _size(id, m);
        c.size1 = c.size0 + delta;
        c.increases = _increasesExposure(c.size0, c.size1);
        c.paused = vault.marketState(m).openingPaused;
        c.col0 = vault.collateralOf(a.owner, a.index);
        c.pool0 = vault.poolBalance();
        c.realized0 = vault.marketState(m).poolRealizedUsd;
        c.othersEquity = _equities(id);
        try vault.accountMargin(a.owner, a.index) returns (IPerpVaultTypes.AccountMargin memory am) {
            c.healthyBefore = am.equity >= int256(am.maintenanceMargin);
        } catch {}
        IPerpVaultTypes.TradeParams memory tp = IPerpVaultTypes.TradeParams({
            owner: a.owner,
            accountIndex: a.index,
            marketId: m,
            sizeDelta: delta,
            acceptablePrice: delta > 0 ? type(uint256).max : 0,
            deadline: block.timestamp
        });
        vm.prank(c.caller);
        try vault.trade(tp) returns (IPerpVaultTypes.TradeResult memory res) {
            r = res;
            ok = true;
            ghostTrades += 1;
            ghostFeesUsd += r.feeUsd;
            okCount[action] += 1;
            if (viaOperator) {
                okCount["operatorTrade"] += 1;
                _checkOperatorFill(m, c, r);
            }
            _afterTrade(id, m, c, r);
        } catch (bytes memory reason) {
            _tradeRejected(action, c, reason);
        }
        _checkEquities(id, c.othersEquity);
    }

    function _afterTrade(uint256 id, uint256 m, TradeCtx memory c, IPerpVaultTypes.TradeResult memory r) internal {
        Account memory a = _accounts[id];
        // INV-01: the trade moved realisedPnl − funding − fee from the pool to the account, and nothing else.
        int256 accountDelta = r.realizedPnlUsd - r.fundingPaidUsd - int256(r.feeUsd);
        int256 col1 = vault.collateralOf(a.owner, a.index);
        if (col1 != c.col0 + accountDelta)
            _violate(1, _msg("INV-01: collateral change != trade result", col1 - c.col0));
        if (vault.poolBalance() != c.pool0 - accountDelta)
            _violate(1, "INV-01: pool balance change != -(trade result)");
        if (vault.marketState(m).poolRealizedUsd != c.realized0 - accountDelta) {
            _violate(1, "INV-01: market poolRealizedUsd change != -(trade result)");
        }
        if (r.newSize != c.size1 || _size(id, m) != c.size1) _violate(2, "INV-02: new size != old size + delta");
        // INV-04: an increase leaves equity >= IM, a reduction equity >= MM (prices were valid for the trade), and
        // no trade turns a healthy account (equity >= MM) into a liquidatable one.
        try vault.accountMargin(a.owner, a.index) returns (IPerpVaultTypes.AccountMargin memory am) {
            if (c.increases && am.equity < int256(am.initialMargin)) {
                _violate(4, _msg("INV-04: an increase left equity below IM", am.equity));
            }
            if (!c.increases && am.equity < int256(am.maintenanceMargin)) {
                _violate(4, _msg("INV-04: a reduction left equity below MM", am.equity));
            }
            if (c.healthyBefore && am.equity < int256(am.maintenanceMargin)) {
                _violate(
                    4,
                    string.concat(
                        "INV-04: a trade made a healthy account liquidatable (equity ",
                        vm.toString(am.equity),
                        ", IM ",
                        vm.toString(am.initialMargin),
                        ", MM ",
                        vm.toString(am.maintenanceMargin),
                        ")"
                    )
                );
            }
        } catch (bytes memory reason) {
            _unexpected("accountMargin after trade", reason);
        }
    }

    /// @dev INV-09 (roles): only an allowed operator trades for an owner, and its fill stays within the owner's
    /// slippage grant around the oracle price.
    function _checkOperatorFill(uint256 m, TradeCtx memory c, IPerpVaultTypes.TradeResult memory r) internal {
        if (!c.operatorAllowed) _violate(9, "INV-09: an operator without a grant traded");
        uint256 oracle = adapter.priceWad(vault.marketParams(m).feed);
        uint256 gap = r.fillPrice > oracle ? r.fillPrice - oracle : oracle - r.fillPrice;
        if (gap * 10_000 > oracle * c.slippageBps) {
            _violate(
                9,
                _msg("INV-09: an operator's fill beyond its slippage grant (bps x 1e4)", int256((gap * 1e8) / oracle))
            );
        }
    }

    function _tradeRejected(bytes32 action, TradeCtx memory c, bytes memory reason) internal {
        bytes4 s = _selector(reason);
        bool expected =
            _isOracleError(reason) ||
                s == IPerpVaultTypes.InvalidFillPrice.selector ||
                (s == IPerpVaultTypes.PositionTooSmall.selector && c.size1 != 0) ||
                (s == IPerpVaultTypes.InsufficientMargin.selector && c.increases) ||
                (s == IPerpVaultTypes.WouldBeLiquidatable.selector && !c.increases) ||
                (s == IPerpVaultTypes.MarketPaused.selector && c.increases && c.paused) ||
                (s == IPerpVaultTypes.OpenInterestCapExceeded.selector && c.increases) ||
                (s == IPerpVaultTypes.UtilizationTooHigh.selector && c.increases) ||
                (s == IPerpVaultTypes.Unauthorized.selector && c.viaOperator && !c.operatorAllowed) ||
                (s == IPerpVaultTypes.OperatorSlippageExceeded.selector && c.viaOperator && c.operatorAllowed);
        if (expected) {
            _rejected(action, reason);
        } else if (
            !c.increases &&
            (s == IPerpVaultTypes.MarketPaused.selector ||
                s == IPerpVaultTypes.OpenInterestCapExceeded.selector ||
                s == IPerpVaultTypes.UtilizationTooHigh.selector)
        ) {
            _violate(7, string.concat("INV-07: a reduction was blocked by a pause or a cap: ", vm.toString(reason)));
        } else {
            _unexpectedAction(action, reason);
        }
    }

    // ================================================================ internals: before/after every action

    /// @dev Start of an action: time never goes back between calls, and the accounts are snapshotted for INV-10.
    function _begin() internal returns (AccountSnap[] memory before) {
        calls += 1;
        if (block.timestamp < _ghostNow) _unexpected("time went back between calls", "");
        before = new AccountSnap[](_accounts.length);
        for (uint256 id; id < _accounts.length; ++id) before[id] = _snap(id);
    }

    /// @dev End of an action: INV-10 (no other account changed) and INV-08 (funding time and index).
    function _end(AccountSnap[] memory before, uint256 actingId, bytes32 action) internal {
        bool[] memory acting = new bool[](_accounts.length);
        if (actingId < _accounts.length) acting[actingId] = true;
        _endMasked(before, acting, action);
    }

    /// @dev `_end` for an action that may change several accounts (`acting[id]`): a batch liquidation.
    function _endMasked(AccountSnap[] memory before, bool[] memory acting, bytes32 action) internal {
        for (uint256 id; id < _accounts.length; ++id) {
            if (acting[id]) continue;
            AccountSnap memory s = _snap(id);
            if (s.collateral != before[id].collateral || s.size0 != before[id].size0 || s.size1 != before[id].size1) {
                _violate(
                    10,
                    string.concat(
                        "INV-10: account ",
                        vm.toString(id),
                        " changed by ",
                        _name(action),
                        " on other accounts"
                    )
                );
            }
        }
        for (uint256 m; m < MARKETS; ++m) {
            IPerpVaultTypes.MarketState memory st = vault.marketState(m);
            if (st.lastFundingTime < _ghostLastFundingTime[m]) _violate(8, "INV-08: lastFundingTime decreased");
            if (st.lastFundingTime > block.timestamp) _violate(8, "INV-08: lastFundingTime in the future");
            if (st.lastFundingTime == _ghostLastFundingTime[m] && st.fundingIndex != _ghostFundingIndex[m]) {
                _violate(8, string.concat("INV-08: funding index changed without an accrual in ", _name(action)));
            }
            _ghostLastFundingTime[m] = st.lastFundingTime;
            _ghostFundingIndex[m] = st.fundingIndex;
        }
    }

    function _snap(uint256 id) internal view returns (AccountSnap memory s) {
        Account memory a = _accounts[id];
        s.collateral = vault.collateralOf(a.owner, a.index);
        s.size0 = vault.position(a.owner, a.index, 0).size;
        s.size1 = vault.position(a.owner, a.index, 1).size;
    }

    /// @dev INV-10 for equity: the equity of every other account with positions (NO_VALUE when no valid price).
    function _equities(uint256 actingId) internal view returns (int256[] memory eq) {
        eq = new int256[](_accounts.length);
        for (uint256 id; id < _accounts.length; ++id) {
            Account memory a = _accounts[id];
            eq[id] = NO_VALUE;
            if (id == actingId || vault.accountMarkets(a.owner, a.index) == 0) continue;
            try vault.accountMargin(a.owner, a.index) returns (IPerpVaultTypes.AccountMargin memory am) {
                eq[id] = am.equity;
            } catch {}
        }
    }

    function _checkEquities(uint256 actingId, int256[] memory before) internal {
        for (uint256 id; id < _accounts.length; ++id) {
            if (id == actingId || before[id] == NO_VALUE) continue;
            Account memory a = _accounts[id];
            try vault.accountMargin(a.owner, a.index) returns (IPerpVaultTypes.AccountMargin memory am) {
                if (am.equity != before[id]) {
                    _violate(
                        10,
                        _msg(
                            string.concat(
                                "INV-10: equity of account ",
                                vm.toString(id),
                                " changed by a trade of another"
                            ),
                            am.equity - before[id]
                        )
                    );
                }
            } catch (bytes memory reason) {
                _unexpected("accountMargin of another account after a trade", reason);
            }
        }
    }

    // ================================================================ internals: helpers

    function _touch(uint256 id) internal {
        if (!isTouched[id]) {
            isTouched[id] = true;
            _touched.push(id);
        }
    }

    function _rejected(bytes32 action, bytes memory reason) internal {
        rejectedCount[action] += 1;
        rejectedBySelector[_selector(reason)] += 1;
    }

    function _violate(uint256 invariantId, string memory what) internal {
        if (violations[invariantId]++ == 0) firstViolation[invariantId] = what;
    }

    function _unexpectedAction(bytes32 action, bytes memory reason) internal {
        _unexpected(_name(action), reason);
    }

    function _unexpected(string memory action, bytes memory reason) internal {
        if (unexpectedReverts++ == 0) firstUnexpected = string.concat(action, ": ", vm.toString(reason));
    }

    function _msg(string memory what, int256 value) internal pure returns (string memory) {
        return string.concat(what, " (", vm.toString(value), ")");
    }

    function _name(bytes32 action) internal pure returns (string memory s) {
        uint256 n;
        while (n < 32 && action[n] != 0) ++n;
        s = new string(n);
        for (uint256 i; i < n; ++i) bytes(s)[i] = action[i];
    }

    function _selector(bytes memory reason) internal pure returns (bytes4 s) {
        if (reason.length < 4) return bytes4(0);
        assembly ("memory-safe") {
            s := mload(add(reason, 32))
        }
    }

    /// @dev The oracle rejections the handler provokes: a zero answer and a stale round.
    function _isOracleError(bytes memory reason) internal pure returns (bool) {
        bytes4 s = _selector(reason);
        return s == IOracleAdapter.StalePrice.selector || s == IOracleAdapter.NonPositiveAnswer.selector;
    }

    function _increasesExposure(int256 size0, int256 size1) internal pure returns (bool) {
        if (size1 == 0) return false;
        if (size0 == 0 || (size0 > 0) != (size1 > 0)) return true;
        return (size1 > 0 ? size1 : -size1) > (size0 > 0 ? size0 : -size0);
    }

    /// @dev |size| using `bpsOfMax`/10,000 of what the account's free margin (equity − initial margin; 1,000 USD
    /// when it has none or cannot be priced) allows at the market's initial margin ratio, at the last good price;
    /// at least one wei. Above 10,000 bps the vault must reject the increase.
    function _scaledSize(uint256 id, uint256 m, uint256 bpsOfMax) internal view returns (int256) {
        Account memory a = _accounts[id];
        uint256 free = 1_000e18;
        try vault.accountMargin(a.owner, a.index) returns (IPerpVaultTypes.AccountMargin memory am) {
            if (am.equity > int256(am.initialMargin)) free = uint256(am.equity) - am.initialMargin;
        } catch {}
        uint256 maxNotional = (free * WAD) / vault.marketParams(m).initialMarginRatio;
        uint256 size = (((maxNotional * bpsOfMax) / 10_000) * WAD) / _priceWad(m);
        if (size == 0) size = 1;
        return int256(size);
    }

    function _priceWad(uint256 m) internal view returns (uint256) {
        return uint256(_lastGoodAnswer[m]) * 1e10;
    }

    function _collateral(uint256 id) internal view returns (int256) {
        return vault.collateralOf(_accounts[id].owner, _accounts[id].index);
    }

    function _size(uint256 id, uint256 m) internal view returns (int256) {
        return vault.position(_accounts[id].owner, _accounts[id].index, m).size;
    }

    function _feed(uint256 m) internal view returns (MockV3Aggregator) {
        return m == 0 ? ethFeed : btcFeed;
    }

    function _band(uint256 m) internal pure returns (int256 lo, int256 hi) {
        return m == 0 ? (int256(300e8), int256(30_000e8)) : (int256(6_000e8), int256(600_000e8));
    }

    function _maxWithdraw(address who) internal view returns (bool, uint256) {
        try lp.maxWithdraw(who) returns (uint256 v) {
            return (true, v);
        } catch {
            return (false, 0);
        }
    }

    function _maxRedeem(address who) internal view returns (bool, uint256) {
        try lp.maxRedeem(who) returns (uint256 v) {
            return (true, v);
        } catch {
            return (false, 0);
        }
    }

    /// @dev Valid parameters around the listing defaults (within the vault's constant bounds by construction), on the
    /// ticks the vault stores them in (whole ppm for ratios, whole micro-USD for USD amounts).
    function _validParams(IPerpVaultTypes.MarketParams memory p, uint256 m, uint256 seed) internal view {
        uint256 r = uint256(keccak256(abi.encode(seed, "params")));
        p.initialMarginRatio = uint64(_ppm(bound(r, 0.02e18, 0.5e18)));
        r = uint256(keccak256(abi.encode(r)));
        p.maintenanceMarginRatio = uint64(_ppm(bound(r, 0.001e18, (uint256(p.initialMarginRatio) * 8) / 10)));
        r = uint256(keccak256(abi.encode(r)));
        p.takerFeeRatio = uint64(_ppm(bound(r, 0, 0.01e18)));
        r = uint256(keccak256(abi.encode(r)));
        p.makerFeeRatio = uint64(_ppm(bound(r, 0, p.takerFeeRatio)));
        r = uint256(keccak256(abi.encode(r)));
        p.maxFundingRatePerDay = uint64(_ppm(bound(r, 0, 0.1e18)));
        r = uint256(keccak256(abi.encode(r)));
        p.maxFundingVelocityPerDay = uint64(_ppm(bound(r, 0, 1e18)));
        r = uint256(keccak256(abi.encode(r)));
        uint256 defaultScale = m == 0 ? 1_000_000e18 : 50_000e18;
        p.skewScale = uint96(bound(r, defaultScale / 10, defaultScale * 10));
        r = uint256(keccak256(abi.encode(r)));
        // One time in four, caps small enough to bind (an increase past them is rejected, a reduction never is).
        uint256 smallCap = m == 0 ? 2_000e18 : 100e18;
        p.maxLongSize = uint96(r % 4 == 0 ? bound(r >> 8, 0, smallCap) : 1e28);
        p.maxShortSize = uint96(r % 4 == 1 ? bound(r >> 8, 0, smallCap) : 1e28);
        r = uint256(keccak256(abi.encode(r)));
        p.minPositionMarginUsd = uint96(_micro(bound(r, 0, 100e18)));
        r = uint256(keccak256(abi.encode(r)));
        // INV-07 needs the flat part of the maintenance margin to cover the smallest keeper reward.
        (, , , , uint96 minKeeperFeeUsd, ) = vault.liquidationParams();
        p.liquidationFeeUsd = uint96(_micro(bound(r, minKeeperFeeUsd, 50e18)));
        r = uint256(keccak256(abi.encode(r)));
        p.grossReserveRatio = uint64(_ppm(bound(r, grossReserveFloor(p), 1e18)));
    }

    /// @notice The lowest gross reserve ratio under which a flat account can always withdraw (INV-07, derivation in
    /// docs/invariants.md#inv-07): the largest loss per unit of notional a position can take between two keeper
    /// passes, beyond the maintenance margin it had at the last one,
    /// `g + (maxFundingRatePerDay · KEEPER_INTERVAL / 1 day + keeperFeeRatio) · (1 + g) − maintenanceMarginRatio`
    /// with g = MAX_STEP_BPS / 10,000; 0 when the maintenance margin covers it; rounded up to a whole ppm.
    function grossReserveFloor(IPerpVaultTypes.MarketParams memory p) public view returns (uint256) {
        (uint64 keeperFeeRatio, , , , , ) = vault.liquidationParams();
        uint256 g = (MAX_STEP_BPS * WAD) / 10_000;
        uint256 perInterval = (uint256(p.maxFundingRatePerDay) * KEEPER_INTERVAL) / 1 days + keeperFeeRatio;
        uint256 loss = g + Math.mulDiv(perInterval, WAD + g, WAD, Math.Rounding.Ceil);
        if (loss <= p.maintenanceMarginRatio) return 0;
        uint256 floor = loss - p.maintenanceMarginRatio;
        floor = Math.mulDiv(floor, 1, 1e12, Math.Rounding.Ceil) * 1e12;
        return floor > WAD ? WAD : floor;
    }

    function _ppm(uint256 x) internal pure returns (uint256) {
        return x - (x % 1e12);
    }

    function _micro(uint256 x) internal pure returns (uint256) {
        return x - (x % 1e12);
    }

    /// @dev Sets one field (chosen by `seed`) just outside its bounds.
    function _outOfBounds(IPerpVaultTypes.MarketParams memory p, uint256 seed) internal pure {
        uint256 field = seed % 13;
        uint256 up = seed % 3 == 0 ? 1 : 1 + ((seed >> 16) % 1e18); // just past the bound, or further
        if (field == 0) p.initialMarginRatio = seed % 2 == 0 ? uint64(0.01e18 - 1) : uint64(1e18 + up);
        else if (field == 1) p.maintenanceMarginRatio = seed % 2 == 0 ? uint64(0.001e18 - 1) : p.initialMarginRatio;
        else if (field == 2) p.takerFeeRatio = uint64(0.01e18 + up);
        else if (field == 3) p.makerFeeRatio = uint64(0.01e18 + up);
        else if (field == 4) p.maxFundingRatePerDay = uint64(0.1e18 + up);
        else if (field == 5) p.maxFundingVelocityPerDay = uint64(1e18 + up);
        else if (field == 6) p.skewScale = seed % 2 == 0 ? uint96(1e18 - 1) : uint96(1e28 + up);
        else if (field == 7) p.maxLongSize = uint96(1e28 + up);
        else if (field == 8) p.maxShortSize = uint96(1e28 + up);
        else if (field == 9) p.minPositionMarginUsd = uint96(10_000e18 + up);
        else if (field == 10) p.liquidationFeeUsd = uint96(1_000e18 + up);
        else if (field == 11) p.grossReserveRatio = uint64(1e18 + up);
        else p.maintenanceMarginRatio = uint64(p.initialMarginRatio) + uint64(up); // MM ≥ IM
    }

    // ================================================================ views for the invariant suite

    /// @notice Successes / expected rejections of the actions, for `PARAPET_INVARIANT_COVERAGE=1` (VaultInvariants).
    function coverageReport() external view returns (string memory out) {
        bytes32[28] memory names = [
            bytes32("trade"),
            "adjust",
            "operatorTrade",
            "exitWithdraw",
            "lpDeposit",
            "lpRedeem",
            "lpRequestDeposit",
            "lpRequestRedeem",
            "lpSettle",
            "lpCancel",
            "lpWarpToRequest",
            "lpSweep",
            "lpSetFlow",
            "movePrice",
            "warp",
            "poke",
            "keeperLiquidate",
            "liquidate",
            "liquidateBatch",
            "adlKeeper",
            "adlPairKeeper",
            "deleverage",
            "depositInsurance",
            "releaseInsurance",
            "setOperatorGrant",
            "setParams",
            "probeExitLiveness",
            "closeAndReopen"
        ];
        for (uint256 i; i < names.length; ++i) {
            out = string.concat(
                out,
                _name(names[i]),
                "=",
                vm.toString(okCount[names[i]]),
                "/",
                vm.toString(rejectedCount[names[i]]),
                " "
            );
        }
        out = string.concat(
            out,
            "liquidations=",
            vm.toString(ghostLiquidations),
            " deleveraged=",
            vm.toString(ghostDeleveraged),
            " keeperPasses=",
            vm.toString(ghostKeeperPasses),
            " uncoveredSteps=",
            vm.toString(ghostStepsFromUncoveredReserve),
            " settled=",
            vm.toString(ghostRequestsSettled),
            " cancelled=",
            vm.toString(ghostRequestsCancelled),
            " closedRefusals=",
            vm.toString(ghostClosedRefusals),
            " reopenRefusals=",
            vm.toString(ghostReopenRefusals)
        );
    }

    function accountCount() external view returns (uint256) {
        return _accounts.length;
    }

    function accountAt(uint256 id) external view returns (address, uint96) {
        return (_accounts[id].owner, _accounts[id].index);
    }

    function touchedCount() external view returns (uint256) {
        return _touched.length;
    }

    function touchedAt(uint256 i) external view returns (uint256) {
        return _touched[i];
    }

    function lpCount() external view returns (uint256) {
        return _lps.length;
    }

    function lpAt(uint256 i) external view returns (address) {
        return _lps[i];
    }

    function lastGoodAnswer(uint256 m) external view returns (int256) {
        return _lastGoodAnswer[m];
    }
}
