// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
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
    /// @dev Lowest gross reserve ratio the parameter changes pick.
    uint256 internal constant GROSS_RESERVE_FLOOR = 0;
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
        vm.prank(who);
        try lp.deposit(amount, who) returns (uint256 shares) {
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
            // A pool worth ≤ 0 refuses deposits (INV-LP-03): its shares would be worth nothing.
            if (_isOracleError(reason) || _selector(reason) == ILiquidityVault.PoolValueNotPositive.selector) {
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

    /// @notice Moves a price by −30 % … +30 %, clamped to [1/10, 10x] of the listing price. Also repairs a broken feed.
    function movePrice(uint256 marketSeed, int256 bpsSeed) external {
        uint256 m = marketSeed % MARKETS;
        AccountSnap[] memory before = _begin();
        int256 bps = bound(bpsSeed, -3_000, 3_000);
        int256 answer = (_lastGoodAnswer[m] * (10_000 + bps)) / 10_000;
        (int256 lo, int256 hi) = _band(m);
        if (answer < lo) answer = lo;
        if (answer > hi) answer = hi;
        _lastGoodAnswer[m] = answer;
        _feed(m).updateAnswer(answer);
        okCount["movePrice"] += 1;
        _end(before, NONE, "movePrice");
        _keeperPass(m);
    }

    // ================================================================ auto-deleveraging

    /// @notice An ADL keeper deleverages one position. Success: the position is closed at the oracle price and the
    /// account's equity is unchanged to the wei (paid in full: PnL − funding, no fee, no penalty); rejections are
    /// only the named ones (below 100 % utilisation, not a crowded-side winner, invalid price).
    function deleverage(uint256 accountSeed, uint256 marketSeed) external {
        _deleverage(accountSeed % TRADER_ACCOUNTS, marketSeed % MARKETS, "deleverage");
    }

    /// @dev What a keeper does after a price move: re-mark the moved market in the capacity cache
    /// (`accrueFunding`), then deleverage crowded-side winners, in both markets, until the vault says utilisation
    /// is back under 100 %. Funding accrual changes no account (INV-10 holds across the poke).
    function _keeperPass(uint256 movedMarket) internal {
        AccountSnap[] memory before = _begin();
        try vault.accrueFunding(movedMarket) {
            okCount["pokeMark"] += 1;
        } catch (bytes memory reason) {
            if (!_isOracleError(reason)) _unexpected("accrueFunding", reason);
            ghostAdlBlocked += 1;
            _end(before, NONE, "pokeMark");
            return;
        }
        _end(before, NONE, "pokeMark");
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
                _isOracleError(reason)
            ) {
                _rejected(action, reason);
            } else {
                _unexpectedAction(action, reason);
            }
        }
        _end(before, id, action);
    }

    /// @notice Jumps up to 30 days (mostly less than a day), then refreshes both feeds, one, or (1 in 8) none, so
    /// stale prices are exercised.
    function warp(uint256 secondsSeed, uint256 refreshSeed) external {
        AccountSnap[] memory before = _begin();
        uint256 dt = secondsSeed % 10 < 7 ? bound(secondsSeed, 1, 1 days) : bound(secondsSeed, 1, 30 days);
        vm.warp(block.timestamp + dt);
        _ghostNow = block.timestamp;
        uint256 mode = refreshSeed % 8;
        if (mode != 0 && mode != 2) _feed(0).updateAnswer(_lastGoodAnswer[0]);
        if (mode != 0 && mode != 1) _feed(1).updateAnswer(_lastGoodAnswer[1]);
        okCount["warp"] += 1;
        _end(before, NONE, "warp");
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
            } catch (bytes memory reason) {
                // setMarketParams accrues funding first, at the oracle price.
                if (_isOracleError(reason)) _rejected("setParams", reason);
                else _unexpected("setParams (valid)", reason);
            }
        }
        _end(before, NONE, "setParams");
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
                (s == IPerpVaultTypes.UtilizationTooHigh.selector && c.increases);
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
    function _validParams(IPerpVaultTypes.MarketParams memory p, uint256 m, uint256 seed) internal pure {
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
        p.liquidationFeeUsd = uint96(_micro(bound(r, 0, 50e18)));
        r = uint256(keccak256(abi.encode(r)));
        p.grossReserveRatio = uint64(_ppm(bound(r, GROSS_RESERVE_FLOOR, 1e18)));
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
