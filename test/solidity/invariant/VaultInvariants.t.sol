// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultFixture} from "../vault/VaultFixture.sol";
import {StdInvariantLite} from "../utils/StdInvariantLite.sol";
import {VaultHandler} from "./VaultHandler.t.sol";
import {IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";
import {ILiquidityVault} from "../../../contracts/interfaces/ILiquidityVault.sol";

/// @notice Handler-driven invariant suite of the vault (docs/invariants.md, issue #3). The fuzzer calls only the
/// {VaultHandler} actions; after every call the `invariant_*` functions check the IDs named in their names.
contract VaultInvariantsTest is VaultFixture, StdInvariantLite {
    uint256 internal constant MARKETS = 2;

    VaultHandler internal handler;
    address internal carol = address(0xCA401);
    address internal dave = address(0xDA7E);
    address internal tourist = address(0x7007);
    address internal lp2 = address(0x2222);

    function setUp() public override {
        super.setUp();
        address[] memory traders = new address[](4);
        traders[0] = alice;
        traders[1] = bob;
        traders[2] = carol;
        traders[3] = dave;
        // Every trader account starts with 100,000 USDC (alice's and bob's index 0 are funded by the fixture).
        for (uint256 i; i < traders.length; ++i) {
            for (uint96 index; index < 2; ++index) {
                if (vault.collateralOf(traders[i], index) == 0) fund(traders[i], index, 100_000e6);
            }
        }
        address[] memory lps = new address[](2);
        lps[0] = lpProvider;
        lps[1] = lp2;
        handler = new VaultHandler(
            vault,
            lp,
            usdc,
            adapter,
            ethFeed,
            btcFeed,
            owner,
            guardian,
            traders,
            tourist,
            lps,
            800_000e6, // 8 trader accounts funded above
            10_000_000e6 // the fixture's LP
        );

        // INV-07's parameter condition (docs/invariants.md#inv-07): every market reserves at least the gross floor;
        // the parameter changes keep it. The LP defence is on (requests only) until `lpSetFlow` switches it.
        for (uint256 m; m < MARKETS; ++m) {
            IPerpVaultTypes.MarketParams memory p = vault.marketParams(m);
            p.grossReserveRatio = uint64(handler.grossReserveFloor(p));
            vm.prank(owner);
            vault.setMarketParams(m, p);
        }
        vm.prank(owner);
        lp.setFlowParams(ILiquidityVault.FlowParams(10 minutes, 2 hours, 10, 10, 1e6));

        bytes4[] memory selectors = new bytes4[](34);
        selectors[0] = VaultHandler.deposit.selector;
        selectors[1] = VaultHandler.withdraw.selector;
        selectors[2] = VaultHandler.exitAccount.selector;
        selectors[3] = VaultHandler.trade.selector;
        selectors[4] = VaultHandler.adjust.selector;
        selectors[5] = VaultHandler.roundTrip.selector;
        selectors[6] = VaultHandler.lpDeposit.selector;
        selectors[7] = VaultHandler.lpWithdraw.selector;
        selectors[8] = VaultHandler.lpRedeem.selector;
        selectors[9] = VaultHandler.movePrice.selector;
        selectors[10] = VaultHandler.warp.selector;
        selectors[11] = VaultHandler.breakFeed.selector;
        selectors[12] = VaultHandler.setPaused.selector;
        selectors[13] = VaultHandler.setParams.selector;
        selectors[14] = VaultHandler.probeExitLiveness.selector;
        selectors[15] = VaultHandler.trade.selector; // trading twice as likely as any other action
        selectors[16] = VaultHandler.liquidate.selector;
        selectors[17] = VaultHandler.liquidateBatch.selector;
        selectors[18] = VaultHandler.deleverage.selector;
        selectors[19] = VaultHandler.poke.selector;
        selectors[20] = VaultHandler.setOperatorGrant.selector;
        selectors[21] = VaultHandler.depositInsurance.selector;
        selectors[22] = VaultHandler.insuranceCap.selector;
        selectors[23] = VaultHandler.lpSetFlow.selector;
        selectors[24] = VaultHandler.lpRequestDeposit.selector;
        selectors[25] = VaultHandler.lpRequestRedeem.selector;
        selectors[26] = VaultHandler.lpSettle.selector;
        selectors[27] = VaultHandler.lpCancel.selector;
        selectors[28] = VaultHandler.lpWarpToRequest.selector;
        selectors[29] = VaultHandler.lpStray.selector;
        selectors[30] = VaultHandler.lpSettle.selector; // settling twice as likely: requests should not pile up
        selectors[31] = VaultHandler.movePrice.selector; // price steps twice as likely: gaps and walks
        selectors[32] = VaultHandler.adjust.selector;
        selectors[33] = VaultHandler.closeAndReopen.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetSender(address(0x5EED));
    }

    // ================================================================ the campaign

    /// @notice One campaign checks every ID after every handler call. Each `invariant_*` function is a campaign of
    /// its own (runs × depth handler calls), so one function per ID would multiply the CI time by ten; the checks
    /// below are one function per ID instead, named after it, sharing one read of the state (`_read`), and every
    /// assertion message starts with its ID.
    function invariant_vault_INV01_to_INV11() public {
        _checkAll(_read());
        _checkINV11_capacityMarkExact();
    }

    /// @notice End of every run: everyone closes what they can and exits (INV-07 on the final state, for real),
    /// then every check runs once more on the emptied vault.
    function afterInvariant() public {
        handler.finalExit();
        _checkAll(_read());
        _checkINV11_capacityMarkExact();
        // PARAPET_INVARIANT_COVERAGE=1 stops at the end of the first run and prints what the actions did.
        if (vm.envOr("PARAPET_INVARIANT_COVERAGE", uint256(0)) != 0) revert(handler.coverageReport());
    }

    // ================================================================ state read once per check

    struct AccountView {
        address who;
        uint96 index;
        int256 collateral;
        uint256 bitmap;
        IPerpVaultTypes.Position[MARKETS] positions;
        bool margined; // accountMargin did not revert (valid prices, or no positions)
        IPerpVaultTypes.AccountMargin margin;
        bool liquidationKnown; // isLiquidatable did not revert
        bool liquidatable;
    }

    struct VaultView {
        int256 held; // collateral tokens held by the PerpVault, in WAD
        int256 pool; // poolBalance()
        int256 sumCollateral;
        int256 sumPoolRealized;
        AccountView[] accounts;
        IPerpVaultTypes.MarketState[MARKETS] states;
        IPerpVaultTypes.MarketParams[MARKETS] params;
    }

    function _read() internal view returns (VaultView memory v) {
        v.held = int256(usdc.balanceOf(address(vault)) * 1e12);
        v.pool = vault.poolBalance();
        for (uint256 m; m < MARKETS; ++m) {
            v.states[m] = vault.marketState(m);
            v.params[m] = vault.marketParams(m);
            v.sumPoolRealized += v.states[m].poolRealizedUsd;
        }
        uint256 n = handler.accountCount();
        v.accounts = new AccountView[](n);
        for (uint256 id; id < n; ++id) {
            AccountView memory a = v.accounts[id];
            (a.who, a.index) = handler.accountAt(id);
            a.collateral = vault.collateralOf(a.who, a.index);
            a.bitmap = vault.accountMarkets(a.who, a.index);
            v.sumCollateral += a.collateral;
            for (uint256 m; m < MARKETS; ++m) a.positions[m] = vault.position(a.who, a.index, m);
            if (a.bitmap == 0) {
                // Flat: equity is the collateral and neither view reads a price.
                a.margined = true;
                a.margin.collateral = a.collateral;
                a.margin.equity = a.collateral;
                a.liquidationKnown = true;
                continue;
            }
            try vault.accountMargin(a.who, a.index) returns (IPerpVaultTypes.AccountMargin memory am) {
                a.margined = true;
                a.margin = am;
            } catch {}
            try vault.isLiquidatable(a.who, a.index) returns (bool l) {
                a.liquidationKnown = true;
                a.liquidatable = l;
            } catch {}
        }
    }

    // ================================================================ checks, one per ID

    function _checkAll(VaultView memory v) internal view {
        _checkHandlerHealthy();
        _checkINV01_tokenSolvency(v);
        _checkINV02_openInterestBooks(v);
        _checkINV03_zeroSum(v);
        _checkINV04_marginAfterUserActions();
        _checkINV05_liquidatableMatchesMargin(v);
        _checkINV06_noFreeMoney();
        _checkINV07_exitLiveness(v);
        _checkINV08_fundingBounds(v);
        _checkINV09_paramBounds(v);
        _checkINV10_isolation();
        // INV-11: deleveraging closes the position and keeps the account's equity; after every keeper pass the
        // O(1) capacity totals equal a fresh mark (checked by the handler).
        _assertNoViolation(11);
        _checkINVLP01_defence();
        _checkINVLP02_escrow();
        _checkINVLP03_noDepositIntoAWorthlessPool();
        // INV-HRS-01 / INV-HRS-02: while a market is closed nothing on it goes through; in the reopen delay no
        // increase does (checked by the handler's closeAndReopen).
        _assertNoViolation(201);
        _assertNoViolation(202);
    }

    /// @dev INV-11 exactness: after poking every market (in a snapshot, reverted), the O(1) totals `capacityMark()`
    /// equal `poolMark()` (every market marked fresh at the oracle), value and reserve, to the wei.
    function _checkINV11_capacityMarkExact() internal {
        uint256 snapshot = vm.snapshotState();
        bool poked = true;
        for (uint256 m; m < MARKETS; ++m) {
            try vault.accrueFunding(m) {} catch {
                poked = false; // an invalid price: nothing can be marked
            }
        }
        int256 capValue;
        uint256 capReserved;
        int256 value;
        uint256 reserved;
        if (poked) {
            (capValue, capReserved) = vault.capacityMark();
            (value, reserved, ) = vault.poolMark();
        }
        vm.revertToStateAndDelete(snapshot);
        if (!poked) return;
        assertEq(capValue, value, "INV-11: capacityMark value != poolMark value with every market poked");
        assertEq(capReserved, reserved, "INV-11: capacityMark reserve != poolMark reserve with every market poked");
    }

    /// @dev INV-LP-01: with the defence on, the four `max*` are 0 (the handler checks that the immediate flows revert,
    /// that requests settle only while Settleable at the mark of their block, once, and cancel by the rules).
    function _checkINVLP01_defence() internal view {
        if (lp.flowParams().minDelaySeconds != 0) {
            for (uint256 i; i < handler.lpCount(); ++i) {
                address who = handler.lpAt(i);
                assertEq(lp.maxDeposit(who), 0, "INV-LP-01: maxDeposit != 0 with the defence on");
                assertEq(lp.maxMint(who), 0, "INV-LP-01: maxMint != 0 with the defence on");
                assertEq(lp.maxWithdraw(who), 0, "INV-LP-01: maxWithdraw != 0 with the defence on");
                assertEq(lp.maxRedeem(who), 0, "INV-LP-01: maxRedeem != 0 with the defence on");
            }
        }
        assertEq(handler.violations(101), 0, handler.firstViolation(101));
    }

    /// @dev INV-LP-02: the LP vault holds exactly the escrow of its live requests (tokens: deposit assets + keeper
    /// fees; shares: redemptions), plus what was sent to it directly and not yet swept; the escrow counters equal
    /// the sums over the live requests, and only those are stored.
    function _checkINVLP02_escrow() internal view {
        uint256 assets;
        uint256 shares;
        uint256 n = handler.liveRequestCount();
        for (uint256 i; i < n; ++i) {
            (ILiquidityVault.Request memory r, ) = lp.requestStatus(handler.liveRequestAt(i));
            assertTrue(r.owner != address(0), "INV-LP-02: a live request is not stored");
            if (r.isDeposit) assets += uint256(r.amount) + r.keeperFeeTokens;
            else shares += r.amount;
        }
        assertEq(lp.escrowedAssets(), assets, "INV-LP-02: escrowedAssets != sum over live deposit requests");
        assertEq(lp.escrowedShares(), shares, "INV-LP-02: escrowedShares != sum over live redemption requests");
        assertEq(
            usdc.balanceOf(address(lp)),
            assets + handler.ghostStrayAssets(),
            "INV-LP-02: LP vault token balance != escrowed assets + stray tokens"
        );
        assertEq(
            lp.balanceOf(address(lp)),
            shares + handler.ghostStrayShares(),
            "INV-LP-02: LP vault's own shares != escrowed shares + stray shares"
        );
        uint256 next = lp.nextRequestId();
        uint256 stored;
        for (uint256 id = 1; id < next; ++id) {
            (ILiquidityVault.Request memory r, ) = lp.requestStatus(id);
            if (r.owner != address(0)) ++stored;
        }
        assertEq(stored, n, "INV-LP-02: stored requests != live requests (one settled or cancelled twice?)");
        assertEq(handler.violations(102), 0, handler.firstViolation(102));
    }

    /// @dev INV-LP-03: while the pool is worth ≤ 0 and has shares, `maxDeposit`/`maxMint` are 0 (the handler checks
    /// that immediate deposits and deposit settlements revert `PoolValueNotPositive` exactly then).
    function _checkINVLP03_noDepositIntoAWorthlessPool() internal view {
        try vault.poolMark() returns (int256 value, uint256, int256) {
            if (value <= 0 && lp.totalSupply() != 0) {
                assertEq(lp.maxDeposit(address(this)), 0, "INV-LP-03: maxDeposit != 0 with the pool worth <= 0");
                assertEq(lp.maxMint(address(this)), 0, "INV-LP-03: maxMint != 0 with the pool worth <= 0");
            }
        } catch {}
        assertEq(handler.violations(103), 0, handler.firstViolation(103));
    }

    /// @dev Every revert the handler met was an expected one (a Panic or an unknown error fails the suite).
    function _checkHandlerHealthy() internal view {
        assertEq(handler.unexpectedReverts(), 0, string.concat("unexpected revert: ", handler.firstUnexpected()));
    }

    /// @dev INV-01: tokens held (WAD) == Σ collateral + poolBalance() exactly (nothing is donated here); the tokens
    /// held match the ghost flows; LP net deposits (poolBalance − Σ poolRealizedUsd) match the LP flows; each trade
    /// moved exactly realisedPnl − funding − fee between the account and the pool (checked by the handler).
    function _checkINV01_tokenSolvency(VaultView memory v) internal view {
        int256 insurance = int256(vault.insuranceFundUsd());
        assertEq(
            v.held,
            v.sumCollateral + v.pool + insurance,
            "INV-01: tokens held (WAD) != sum of collateral + poolBalance + insurance"
        );
        int256 flows =
            int256(handler.ghostTraderDeposited() + handler.ghostLpDeposited() + handler.ghostInsuranceDeposited()) -
                int256(handler.ghostTraderWithdrawn() + handler.ghostLpWithdrawn() + handler.ghostKeeperPaid());
        assertEq(v.held, flows * 1e12, "INV-01: tokens held != ghost deposits - withdrawals - keeper rewards");
        int256 lpNet = int256(handler.ghostLpDeposited()) - int256(handler.ghostLpWithdrawn());
        assertEq(
            v.pool - v.sumPoolRealized,
            lpNet * 1e12 + handler.ghostPoolBaseFromLiquidationsUsd() + int256(handler.ghostInsuranceReleasedUsd()),
            "INV-01: pool base != ghost LP flows + liquidation penalties - bad debt + insurance released"
        );
        _assertNoViolation(1);
    }

    /// @dev INV-02: open interest and the basis aggregate equal the sums over every known position, recomputed
    /// from `position()` with the vault's rounding (floor(size·entry) − ceil(size·fundingIndexEntry)); the market
    /// bitmap marks exactly the non-zero positions.
    function _checkINV02_openInterestBooks(VaultView memory v) internal view {
        for (uint256 m; m < MARKETS; ++m) {
            uint256 longs;
            uint256 shorts;
            int256 basis;
            for (uint256 id; id < v.accounts.length; ++id) {
                AccountView memory a = v.accounts[id];
                IPerpVaultTypes.Position memory p = a.positions[m];
                int256 size = p.size;
                assertEq((a.bitmap >> m) & 1 == 1, size != 0, "INV-02: market bitmap bit != (size != 0)");
                if (size == 0) continue;
                if (size > 0) longs += uint256(size);
                else shorts += uint256(-size);
                basis += _floorDiv(size * int256(uint256(p.entryPrice)), 1e18);
                basis -= _ceilDiv(size * int256(p.fundingIndexEntry), 1e18);
            }
            assertEq(uint256(v.states[m].longSize), longs, "INV-02: longSize != sum of long sizes");
            assertEq(uint256(v.states[m].shortSize), shorts, "INV-02: shortSize != sum of short sizes");
            assertEq(int256(v.states[m].basisSum), basis, "INV-02: basisSum != sum of per-position contributions");
        }
        _assertNoViolation(2);
    }

    /// @dev INV-03: what the traders' accounts gained the pool lost, exactly; at valid prices, Σ account equity +
    /// the pool's marked value never exceeds the tokens held and falls short of it only by rounding dust (the
    /// roundings favour the system); `lp.totalAssets()` is that mark.
    function _checkINV03_zeroSum(VaultView memory v) internal view {
        int256 traderNet = int256(handler.ghostTraderDeposited()) - int256(handler.ghostTraderWithdrawn());
        int256 insurance = int256(vault.insuranceFundUsd());
        // What liquidations took from accounts net of the bad debt they covered went to the keeper, the insurance
        // fund and the pool's base; everything else traders gained the pool lost.
        int256 insuranceFromLiquidations =
            insurance - int256(handler.ghostInsuranceDeposited()) * 1e12 + int256(handler.ghostInsuranceReleasedUsd());
        int256 liquidationNet =
            int256(handler.ghostKeeperPaid()) * 1e12 +
                insuranceFromLiquidations +
                handler.ghostPoolBaseFromLiquidationsUsd();
        assertEq(
            v.sumCollateral - traderNet * 1e12,
            -v.sumPoolRealized - liquidationNet,
            "INV-03: traders' realised net gain != pool's realised loss (net of liquidation flows)"
        );
        int256 sumEquity;
        uint256 positions;
        for (uint256 id; id < v.accounts.length; ++id) {
            AccountView memory a = v.accounts[id];
            if (!a.margined) return; // some account cannot be priced: nothing to mark
            sumEquity += a.margin.equity;
            positions += (a.bitmap & 1) + ((a.bitmap >> 1) & 1);
        }
        (bool priced, int256 poolValue) = _poolMark(v);
        if (!priced) return;
        int256 gap = v.held - insurance - (sumEquity + poolValue);
        assertGe(gap, 0, "INV-03: accounts' equity + pool value exceed the tokens held");
        assertLe(gap, int256(4 * positions + 2 * MARKETS), "INV-03: equity + pool value short of tokens by > dust");
        uint256 expected = poolValue > 0 ? uint256(poolValue) / 1e12 : 0;
        assertEq(lp.totalAssets(), expected, "INV-03: totalAssets() != recomputed pool mark");
    }

    /// @dev INV-04: after each increase equity >= IM, after each reduction >= MM, after a withdrawal with positions
    /// >= IM (the handler checks `accountMargin` right after every such action).
    function _checkINV04_marginAfterUserActions() internal view {
        _assertNoViolation(4);
    }

    /// @dev INV-05 placeholder until `liquidate` exists: `isLiquidatable` agrees with `accountMargin`
    /// (equity < maintenance margin) for every known account, and both need valid prices for the same accounts.
    /// TODO(issue #3): check that a liquidation succeeds exactly when this holds and never leaves a negative balance.
    function _checkINV05_liquidatableMatchesMargin(VaultView memory v) internal pure {
        for (uint256 id; id < v.accounts.length; ++id) {
            AccountView memory a = v.accounts[id];
            assertEq(a.liquidationKnown, a.margined, "INV-05: isLiquidatable and accountMargin disagree on pricing");
            if (!a.margined) continue;
            assertEq(
                a.liquidatable,
                a.bitmap != 0 && a.margin.equity < int256(a.margin.maintenanceMargin),
                "INV-05: isLiquidatable != (equity < maintenance margin)"
            );
        }
    }

    /// @dev INV-06: round trips at a constant price (trader: deposit, open, close, withdraw; LP: deposit, then the
    /// value of the new shares) never return more than was paid in, minus fees.
    function _checkINV06_noFreeMoney() internal view {
        _assertNoViolation(6);
    }

    /// @dev INV-07 (docs/invariants.md#inv-07): a flat account never has negative collateral, and the vault holds the
    /// tokens to pay every flat account at once; at valid prices the pool's backing (marked value + insurance + the
    /// negative equity of open accounts, i.e. pending bad debt) is never negative, which is what makes the first hold
    /// whatever happens next. The handler keeps every market at or above the floor the derivation gives (gross
    /// reserve, flat maintenance fee) and runs the keeper as the derivation assumes: after every round and every
    /// user action before the next one, at least daily, liquidating and then deleveraging (crowded side, then
    /// matched pairs) until the reserve is within the pool's value. No exemption: not for bad debt, insurance,
    /// invalid prices, nor for a step that started with the reserve above the value (the handler still counts those,
    /// `ghostStepsFromUncoveredReserve`, as a statistic). The handler also withdraws for real (full exits, a
    /// state-reverting probe of every flat account, everyone at the end of each run) and checks that reductions are
    /// never blocked by a pause or a cap.
    function _checkINV07_exitLiveness(VaultView memory v) internal view {
        int256 owedToFlat;
        for (uint256 id; id < v.accounts.length; ++id) {
            AccountView memory a = v.accounts[id];
            if (a.bitmap != 0) continue;
            assertGe(a.collateral, 0, "INV-07: an account without positions has negative collateral");
            owedToFlat += a.collateral;
        }
        assertLe(owedToFlat, v.held, "INV-07: the vault holds fewer tokens than the flat accounts' collateral");
        (bool known, int256 backing) = _poolMark(v);
        if (known) {
            backing += int256(vault.insuranceFundUsd());
            for (uint256 id; id < v.accounts.length; ++id) {
                AccountView memory a = v.accounts[id];
                if (a.bitmap == 0 || !a.margined || a.margin.equity >= 0) continue;
                backing += a.margin.equity;
            }
            if (backing < 0) {
                (, uint256 paidByPool) = vault.badDebtUsd();
                assertGe(
                    backing,
                    0,
                    string.concat(
                        "INV-07: the pool's backing is negative (",
                        vm.toString(backing),
                        "; bad debt paid by the pool ",
                        vm.toString(paidByPool),
                        ")"
                    )
                );
            }
        }
        _assertNoViolation(7);
    }

    /// @dev INV-08: |rate| <= maxFundingRatePerDay (stored and as of now), lastFundingTime <= now; the handler checks
    /// after every action that lastFundingTime never decreased and that the index moved only with it.
    function _checkINV08_fundingBounds(VaultView memory v) internal view {
        for (uint256 m; m < MARKETS; ++m) {
            uint256 maxRate = v.params[m].maxFundingRatePerDay;
            assertLe(_abs(v.states[m].fundingRatePerDay), maxRate, "INV-08: |stored funding rate| > max");
            assertLe(uint256(v.states[m].lastFundingTime), block.timestamp, "INV-08: lastFundingTime in the future");
            try vault.currentFunding(m) returns (int256 rate, int256) {
                assertLe(_abs(rate), maxRate, "INV-08: |current funding rate| > max");
            } catch {}
        }
        _assertNoViolation(8);
    }

    /// @dev INV-09: every market parameter within the vault's constant bounds, roles unchanged; the handler checks
    /// that traders can neither set parameters nor pause, and that every out-of-bounds value is rejected.
    function _checkINV09_paramBounds(VaultView memory v) internal view {
        for (uint256 m; m < MARKETS; ++m) {
            IPerpVaultTypes.MarketParams memory p = v.params[m];
            assertTrue(p.feed == (m == 0 ? address(ethFeed) : address(btcFeed)), "INV-09: feed changed");
            _inBounds(p.initialMarginRatio, 0.01e18, 1e18, "initialMarginRatio");
            _inBounds(p.maintenanceMarginRatio, 0.001e18, p.initialMarginRatio - 1, "maintenanceMarginRatio");
            _inBounds(p.takerFeeRatio, 0, 0.01e18, "takerFeeRatio");
            _inBounds(p.makerFeeRatio, 0, 0.01e18, "makerFeeRatio");
            _inBounds(p.maxFundingRatePerDay, 0, 0.1e18, "maxFundingRatePerDay");
            _inBounds(p.maxFundingVelocityPerDay, 0, 1e18, "maxFundingVelocityPerDay");
            _inBounds(p.skewScale, 1e18, 1e28, "skewScale");
            _inBounds(p.maxLongSize, 0, 1e28, "maxLongSize");
            _inBounds(p.maxShortSize, 0, 1e28, "maxShortSize");
            _inBounds(p.minPositionMarginUsd, 0, 10_000e18, "minPositionMarginUsd");
            _inBounds(p.liquidationFeeUsd, 0, 1_000e18, "liquidationFeeUsd");
        }
        _inBounds(vault.maxUtilization(), 0.1e18, 1e18, "maxUtilization");
        assertEq(vault.owner(), owner, "INV-09: owner changed");
        assertEq(vault.guardian(), guardian, "INV-09: guardian changed");
        assertEq(vault.liquidityVault(), address(lp), "INV-09: liquidity vault changed");
        _assertNoViolation(9);
    }

    /// @dev INV-10: no action on one account changed another's collateral, sizes or (for trades) equity; actions
    /// on no account (LP, prices, time, admin) changed no account's collateral or sizes (checked by the handler).
    function _checkINV10_isolation() internal view {
        _assertNoViolation(10);
    }

    // ================================================================ helpers

    function _assertNoViolation(uint256 id) internal view {
        assertEq(handler.violations(id), 0, handler.firstViolation(id));
    }

    /// @dev The bounds are the PerpVault constants (MIN_/MAX_*), written out so a changed constant is noticed.
    function _inBounds(uint256 value, uint256 min, uint256 max, string memory name) internal pure {
        assertGe(value, min, string.concat("INV-09: below its bound: ", name));
        assertLe(value, max, string.concat("INV-09: above its bound: ", name));
    }

    /// @dev The pool's marked value (USD WAD), recomputed from the market books: realised assets minus what traders
    /// are owed, ceil(skew·price) − floor(skew·index) − basisSum per market; false when a needed price is invalid.
    function _poolMark(VaultView memory v) internal view returns (bool ok, int256 value) {
        value = v.pool;
        for (uint256 m; m < MARKETS; ++m) {
            IPerpVaultTypes.MarketState memory s = v.states[m];
            int256 skew = int256(uint256(s.longSize)) - int256(uint256(s.shortSize));
            if (skew == 0) {
                value += s.basisSum;
                continue;
            }
            uint256 price;
            try adapter.priceWad(v.params[m].feed) returns (uint256 p) {
                price = p;
            } catch {
                return (false, 0);
            }
            (, int256 index) = vault.currentFunding(m);
            value -= _ceilDiv(skew * int256(price), 1e18) - _floorDiv(skew * index, 1e18) - s.basisSum;
        }
        ok = true;
    }

    function _floorDiv(int256 x, int256 d) internal pure returns (int256 q) {
        q = x / d;
        if (x % d != 0 && ((x < 0) != (d < 0))) q -= 1;
    }

    function _ceilDiv(int256 x, int256 d) internal pure returns (int256 q) {
        q = x / d;
        if (x % d != 0 && ((x < 0) == (d < 0))) q += 1;
    }

    function _abs(int256 x) internal pure returns (uint256) {
        return uint256(x >= 0 ? x : -x);
    }
}
