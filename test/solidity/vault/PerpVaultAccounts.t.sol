// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {VaultFixture} from "./VaultFixture.sol";
import {Vm} from "../utils/Vm.sol";
import {PerpVault} from "../../../contracts/PerpVault.sol";
import {IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";
import {FeeOnTransferToken, TestToken} from "../../../contracts/test/TestToken.sol";

contract PerpVaultAccountsTest is VaultFixture {
    event Deposited(
        address indexed owner,
        uint96 indexed accountIndex,
        address indexed from,
        uint256 amount,
        int256 collateralAfter
    );

    function test_deposit_creditsWadAndEmitsPostState() public {
        usdc.mint(bob, 250e6);
        vm.startPrank(bob);
        usdc.approve(address(vault), 250e6);
        vm.expectEmit(true, true, true, true);
        emit Deposited(alice, 7, bob, 250e6, 250e18);
        vault.deposit(alice, 7, 250e6); // anyone may fund any account
        vm.stopPrank();
        assertEq(collateral(alice, 7), 250e18, "6-decimal amount credited as WAD");
    }

    function test_deposit_zeroAmountOrOwner_reverts() public {
        vm.expectRevert(IPerpVaultTypes.ZeroAmount.selector);
        vm.prank(alice);
        vault.deposit(alice, 0, 0);
        vm.expectRevert(IPerpVaultTypes.ZeroAddress.selector);
        vm.prank(alice);
        vault.deposit(address(0), 0, 1e6);
    }

    function test_deposit_feeOnTransferCreditsBalanceDelta() public {
        FeeOnTransferToken fot = new FeeOnTransferToken(6, 100); // 1 % burnt per transfer
        PerpVault fotVault = deployVault(IERC20(address(fot)), adapter, owner);
        fot.mint(alice, 1_000e6);
        vm.startPrank(alice);
        fot.approve(address(fotVault), type(uint256).max);
        fotVault.deposit(alice, 0, 1_000e6);
        vm.stopPrank();
        assertEq(fotVault.collateralOf(alice, 0), 990e18, "credited what arrived, not what was asked");
        assertEq(fot.balanceOf(address(fotVault)), 990e6, "vault holds exactly the credit");
    }

    function test_deposit_18DecimalToken_scalesOneToOne() public {
        TestToken dai = new TestToken("Dai", "DAI", 18);
        PerpVault daiVault = deployVault(IERC20(address(dai)), adapter, owner);
        dai.mint(alice, 5e18);
        vm.startPrank(alice);
        dai.approve(address(daiVault), type(uint256).max);
        daiVault.deposit(alice, 0, 5e18);
        daiVault.withdraw(0, 2e18, alice);
        vm.stopPrank();
        assertEq(daiVault.collateralOf(alice, 0), 3e18, "18 decimals");
        assertEq(dai.balanceOf(alice), 2e18, "withdrawn");
    }

    function test_constructor_rejectsTokenAbove18Decimals() public {
        TestToken weird = new TestToken("W", "W", 24);
        (address deployed, bytes memory revertData) = tryDeployVault(IERC20(address(weird)), adapter, owner);
        assertEq(deployed, address(0), "not deployed");
        assertEq(
            keccak256(revertData),
            keccak256(abi.encodeWithSelector(IPerpVaultTypes.CollateralDecimalsUnsupported.selector, 24)),
            "CollateralDecimalsUnsupported(24)"
        );
    }

    function test_withdraw_withoutPositions_needsNoPrice() public {
        vm.warp(block.timestamp + 30 days); // every feed is stale
        uint256 before = usdc.balanceOf(alice);
        vm.prank(alice);
        vault.withdraw(0, 100_000e6, alice);
        assertEq(usdc.balanceOf(alice) - before, 100_000e6, "INV-07: full exit with stale oracles");
        assertEq(collateral(alice, 0), 0, "empty");
    }

    function test_withdraw_moreThanCollateral_revertsAndMovesNothing() public {
        uint256 before = usdc.balanceOf(address(vault));
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.InsufficientCollateral.selector, int256(100_000e18), 100_001e6)
        );
        vm.prank(alice);
        vault.withdraw(0, 100_001e6, alice);
        assertEq(usdc.balanceOf(address(vault)), before, "no funds moved");
    }

    function test_withdraw_belowInitialMargin_reverts() public {
        tradeAs(alice, 0, ETH, 300e18); // IM 90,000 USD on 100,000 collateral
        vm.prank(alice);
        try vault.withdraw(0, 20_000e6, alice) {
            fail("expected InsufficientMargin");
        } catch (bytes memory reason) {
            assertEq(bytes4(reason), IPerpVaultTypes.InsufficientMargin.selector, "selector");
        }
        vm.prank(alice);
        vault.withdraw(0, 5_000e6, alice); // stays above IM
    }

    function test_withdraw_zeroAmountOrReceiver_reverts() public {
        vm.expectRevert(IPerpVaultTypes.ZeroAmount.selector);
        vm.prank(alice);
        vault.withdraw(0, 0, alice);
        vm.expectRevert(IPerpVaultTypes.ZeroAddress.selector);
        vm.prank(alice);
        vault.withdraw(0, 1e6, address(0));
    }

    function test_withdraw_amountTooLarge_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.AmountTooLarge.selector, type(uint256).max));
        vm.prank(alice);
        vault.withdraw(0, type(uint256).max, alice);
    }

    function test_setOperator_zeroAddress_reverts() public {
        vm.expectRevert(IPerpVaultTypes.ZeroAddress.selector);
        vm.prank(alice);
        vault.setOperator(address(0), true);
    }
}

contract PerpVaultFundingTest is VaultFixture {
    /// @dev A whale account (index 5): a 10 % skew costs a 0.5 % entry premium on 300M of notional.
    function setUp() public override {
        super.setUp();
        addPoolLiquidity(500_000_000e6); // 100,000 ETH of skew fits the pool
        fund(alice, 5, 50_000_000e6);
        fund(bob, 5, 50_000_000e6);
    }
    function test_funding_longSkewRaisesRateAndLongsPay() public {
        tradeAs(alice, 5, ETH, 100_000e18); // skew = 10 % of skewScale
        skip(1 days);
        (int256 rate, int256 index) = vault.currentFunding(ETH);
        // velocity 0.03/day · 0.1 = 0.003/day per day → after one day rate = 0.003, index = 0.0015 · 3000 = 4.5 USD
        assertEq(rate, 0.003e18, "rate after one day");
        assertEq(index, 4.5e18, "index: average rate x price");
        IPerpVaultTypes.AccountMargin memory m = vault.accountMargin(alice, 5);
        // alice owes 100,000 · 4.5 USD of funding (plus her entry premium loss) → equity well below collateral
        assertLe(m.equity, m.collateral - 450_000e18, "longs pay");
    }

    function test_funding_rateStopsAtCap() public {
        tradeAs(alice, 5, ETH, 100_000e18);
        skip(30 days);
        (int256 rate, ) = vault.currentFunding(ETH);
        assertEq(rate, 0.01e18, "INV-08: capped at maxFundingRatePerDay");
    }

    function test_funding_settledIntoCollateralOnTouch() public {
        tradeAs(alice, 5, ETH, 10_000e18);
        tradeAs(bob, 5, ETH, -1_000e18);
        skip(2 days);
        (, int256 indexNow) = vault.currentFunding(ETH);
        IPerpVaultTypes.Position memory p = vault.position(bob, 5, ETH);
        int256 owed = (int256(p.size) * (indexNow - int256(p.fundingIndexEntry))) / 1e18; // negative: bob receives
        IPerpVaultTypes.TradeResult memory r = tradeAs(bob, 5, ETH, -1e18);
        assertApproxEqAbs(r.fundingPaidUsd, owed, 1, "shorts receive");
        assertLt(r.fundingPaidUsd, 0, "negative = received");
        assertEq(int256(vault.position(bob, 5, ETH).fundingIndexEntry), indexNow, "entry index reset");
    }

    event FundingAccrued(uint256 indexed marketId, int256 fundingRatePerDay, int256 fundingIndex, uint256 priceWad);

    function test_funding_tradeReportsRateAndIndexInTraded() public {
        tradeAs(alice, 5, ETH, 100_000e18);
        skip(1 days);
        vm.recordLogs();
        tradeAs(bob, 5, ETH, -1e18);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes32 tradedTopic = keccak256(
            "Traded(address,uint96,uint256,int256,(uint256,uint256,int256,int256,int256),uint256,int256,int256,int256)"
        );
        bool found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] != tradedTopic) continue;
            (, , , , int256 rate, int256 index) = abi.decode(
                logs[i].data,
                (int256, IPerpVaultTypes.TradeResult, uint256, int256, int256, int256)
            );
            assertEq(rate, 0.003e18, "rate after one day");
            assertEq(index, 4.5e18, "index after one day");
            found = true;
        }
        assertTrue(found, "Traded emitted");
    }

    function test_funding_accrualOutsideATradeEmitsFundingAccrued() public {
        tradeAs(alice, 5, ETH, 100_000e18);
        skip(1 days);
        vm.expectEmit(true, false, false, true);
        emit FundingAccrued(ETH, 0.003e18, 4.5e18, 3000e18);
        vm.prank(owner);
        vault.setMarketParams(ETH, defaultParams(address(ethFeed), 1_000_000e18));
    }

    function test_funding_zeroSkewKeepsRate() public {
        tradeAs(alice, 5, ETH, 100_000e18);
        skip(1 days);
        tradeAs(bob, 5, ETH, -100_000e18); // skew back to 0: rate stays where it is
        skip(1 days);
        (int256 rate, ) = vault.currentFunding(ETH);
        assertEq(rate, 0.003e18, "no velocity at zero skew");
    }
}

contract PerpVaultAdminTest is VaultFixture {
    function test_listMarket_onlyOwner() public {
        IPerpVaultTypes.MarketParams memory mp = defaultParams(address(ethFeed), 1e24);
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", alice));
        vm.prank(alice);
        vault.listMarket(mp);
    }

    function test_listMarket_unconfiguredFeed_reverts() public {
        MockV3Aggregator unknown = new MockV3Aggregator(8, 1e8);
        vm.expectRevert(abi.encodeWithSignature("FeedNotConfigured(address)", address(unknown)));
        vm.prank(owner);
        vault.listMarket(defaultParams(address(unknown), 1e24));
    }

    function test_setMarketParams_everyBoundChecked() public {
        IPerpVaultTypes.MarketParams memory mp;
        vm.startPrank(owner);

        mp = defaultParams(address(ethFeed), 1e24);
        mp.initialMarginRatio = 0.009e18;
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpVaultTypes.ParamOutOfBounds.selector,
                "initialMarginRatio",
                0.009e18,
                0.01e18,
                1e18
            )
        );
        vault.setMarketParams(ETH, mp);

        mp = defaultParams(address(ethFeed), 1e24);
        mp.maintenanceMarginRatio = 0.1e18; // must be < initial
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpVaultTypes.ParamOutOfBounds.selector,
                "maintenanceMarginRatio",
                0.1e18,
                0.001e18,
                0.1e18 - 1
            )
        );
        vault.setMarketParams(ETH, mp);

        mp = defaultParams(address(ethFeed), 1e24);
        mp.takerFeeRatio = 0.02e18;
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamOutOfBounds.selector, "takerFeeRatio", 0.02e18, 0, 0.01e18)
        );
        vault.setMarketParams(ETH, mp);

        mp = defaultParams(address(ethFeed), 1e24);
        mp.makerFeeRatio = 0.02e18;
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamOutOfBounds.selector, "makerFeeRatio", 0.02e18, 0, 0.01e18)
        );
        vault.setMarketParams(ETH, mp);

        mp = defaultParams(address(ethFeed), 1e24);
        mp.maxFundingRatePerDay = 0.2e18;
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamOutOfBounds.selector, "maxFundingRatePerDay", 0.2e18, 0, 0.1e18)
        );
        vault.setMarketParams(ETH, mp);

        mp = defaultParams(address(ethFeed), 1e17);
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamOutOfBounds.selector, "skewScale", 1e17, 1e18, 1e28)
        );
        vault.setMarketParams(ETH, mp);

        mp = defaultParams(address(ethFeed), 1e24);
        mp.maxFundingVelocityPerDay = 2e18;
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamOutOfBounds.selector, "maxFundingVelocityPerDay", 2e18, 0, 1e18)
        );
        vault.setMarketParams(ETH, mp);

        mp = defaultParams(address(ethFeed), 1e24);
        mp.maxLongSize = 2e28;
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamOutOfBounds.selector, "maxLongSize", 2e28, 0, 1e28)
        );
        vault.setMarketParams(ETH, mp);

        mp = defaultParams(address(ethFeed), 1e24);
        mp.maxShortSize = 2e28;
        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamOutOfBounds.selector, "maxShortSize", 2e28, 0, 1e28)
        );
        vault.setMarketParams(ETH, mp);

        mp = defaultParams(address(ethFeed), 1e24);
        mp.minPositionMarginUsd = 20_000e18;
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpVaultTypes.ParamOutOfBounds.selector,
                "minPositionMarginUsd",
                20_000e18,
                0,
                10_000e18
            )
        );
        vault.setMarketParams(ETH, mp);

        mp = defaultParams(address(ethFeed), 1e24);
        mp.liquidationFeeUsd = 2_000e18;
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpVaultTypes.ParamOutOfBounds.selector,
                "liquidationFeeUsd",
                2_000e18,
                0,
                1_000e18
            )
        );
        vault.setMarketParams(ETH, mp);

        mp = defaultParams(address(0), 1e24);
        vm.expectRevert(IPerpVaultTypes.ZeroAddress.selector);
        vault.setMarketParams(ETH, mp);

        vm.expectRevert(
            abi.encodeWithSelector(IPerpVaultTypes.ParamOutOfBounds.selector, "maxUtilization", 2e18, 0.1e18, 1e18)
        );
        vault.setMaxUtilization(2e18);
        vm.stopPrank();
    }

    function test_setters_onlyOwner() public {
        IPerpVaultTypes.MarketParams memory mp = defaultParams(address(ethFeed), 1e24);
        bytes memory err = abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", alice);
        vm.startPrank(alice);
        vm.expectRevert(err);
        vault.setMarketParams(ETH, mp);
        vm.expectRevert(err);
        vault.setGuardian(alice);
        vm.expectRevert(err);
        vault.setLiquidityVault(alice);
        vm.expectRevert(err);
        vault.setMaxUtilization(0.5e18);
        vm.stopPrank();
    }

    function test_setLiquidityVault_onlyOnce() public {
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.LiquidityVaultAlreadySet.selector, address(lp)));
        vm.prank(owner);
        vault.setLiquidityVault(address(0xBEEF));
    }

    function test_setMarketParams_loweringMaxRateClampsCurrentRate() public {
        addPoolLiquidity(500_000_000e6);
        fund(alice, 5, 50_000_000e6);
        tradeAs(alice, 5, ETH, 100_000e18);
        skip(3 days); // rate reaches 0.009/day
        IPerpVaultTypes.MarketParams memory mp = defaultParams(address(ethFeed), 1_000_000e18);
        mp.maxFundingRatePerDay = 0.005e18;
        vm.prank(owner);
        vault.setMarketParams(ETH, mp);
        IPerpVaultTypes.MarketState memory s = vault.marketState(ETH);
        assertEq(int256(s.fundingRatePerDay), 0.005e18, "clamped to the new cap");
    }

    function test_ownable2Step_transfer() public {
        vm.prank(owner);
        vault.transferOwnership(bob);
        assertEq(vault.owner(), owner, "pending until accepted");
        vm.prank(bob);
        vault.acceptOwnership();
        assertEq(vault.owner(), bob, "accepted");
    }

    function test_lpHooks_onlyLiquidityVault() public {
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.NotLiquidityVault.selector, alice));
        vm.prank(alice);
        vault.addLiquidity(1);
        vm.expectRevert(abi.encodeWithSelector(IPerpVaultTypes.NotLiquidityVault.selector, alice));
        vm.prank(alice);
        vault.removeLiquidity(alice, 1);
    }
}

contract LiquidityVaultTest is VaultFixture {
    function test_lp_depositWithdraw_roundTrip() public {
        assertEq(lp.totalAssets(), 10_000_000e6, "pool value");
        usdc.mint(bob, 1_000e6);
        vm.startPrank(bob);
        usdc.approve(address(lp), 1_000e6);
        uint256 shares = lp.deposit(1_000e6, bob);
        uint256 assets = lp.redeem(shares, bob, bob);
        vm.stopPrank();
        assertLe(assets, 1_000e6, "no profit from a round trip");
        assertApproxEqAbs(assets, 1_000e6, 1, "and no loss beyond rounding");
    }

    function test_lp_totalAssetsMarksTraderPnl() public {
        tradeAs(alice, 0, ETH, 100e18); // alice pays premium + fee to the pool
        uint256 v0 = lp.totalAssets();
        assertGt(v0, 10_000_000e6, "fees and premium accrue to LPs");
        setEthPrice(3_300e8); // alice gains ~30,000
        uint256 v1 = lp.totalAssets();
        assertApproxEqAbs(v1, v0 - 30_000e6, 1_000e6, "trader profit is the pool's loss");
    }

    function test_lp_withdrawKeepsUtilisationReserve() public {
        tradeAs(alice, 0, ETH, 300e18); // 900k notional skew
        vm.prank(owner);
        vault.setMaxUtilization(0.1e18); // 10 %: at most ~9M of the ~10M pool may back 900k… of skew
        uint256 maxOut = lp.maxWithdraw(lpProvider);
        assertLt(maxOut, 10_000_000e6, "reserve held back");
        vm.startPrank(lpProvider);
        vm.expectRevert();
        lp.withdraw(maxOut + 10e6, lpProvider, lpProvider);
        lp.withdraw(maxOut, lpProvider, lpProvider);
        vm.stopPrank();
    }

    function test_lp_staleOracleBlocksLpButNotTraderExit() public {
        tradeAs(alice, 0, ETH, 1e18);
        vm.warp(block.timestamp + 2 days);
        vm.expectRevert();
        lp.totalAssets();
        // bob has no positions: exits without a price
        vm.prank(bob);
        vault.withdraw(0, 100_000e6, bob);
    }
}

contract LiquidityVaultSingleMarkTest is VaultFixture {
    /// @dev The one-mark withdraw/redeem must price shares exactly as OpenZeppelin's previews do.
    function test_lp_withdrawAndRedeemMatchPreviews() public {
        tradeAs(alice, 0, ETH, 50e18);
        setEthPrice(3_100e8);
        uint256 expectedShares = lp.previewWithdraw(1_000e6);
        vm.prank(lpProvider);
        uint256 shares = lp.withdraw(1_000e6, lpProvider, lpProvider);
        assertEq(shares, expectedShares, "withdraw burns previewWithdraw shares");
        uint256 expectedAssets = lp.previewRedeem(1e15);
        vm.prank(lpProvider);
        uint256 assets = lp.redeem(1e15, lpProvider, lpProvider);
        assertEq(assets, expectedAssets, "redeem pays previewRedeem assets");
    }

    function test_lp_withdrawAboveMax_revertsWithTheLimit() public {
        uint256 maxAssets = lp.maxWithdraw(bob); // bob holds no shares
        assertEq(maxAssets, 0, "no shares, nothing to withdraw");
        vm.expectRevert(abi.encodeWithSignature("ERC4626ExceededMaxWithdraw(address,uint256,uint256)", bob, 1, 0));
        vm.prank(bob);
        lp.withdraw(1, bob, bob);
        vm.expectRevert(abi.encodeWithSignature("ERC4626ExceededMaxRedeem(address,uint256,uint256)", bob, 1, 0));
        vm.prank(bob);
        lp.redeem(1, bob, bob);
    }
}

contract LiquidityVaultBalancedMarketTest is VaultFixture {
    /// @dev With longs = shorts the pool's claim does not depend on the price, so a stale feed in a balanced market
    /// does not block LPs, and the mark is unchanged by any price.
    function test_lp_balancedMarketNeedsNoPrice() public {
        tradeAs(alice, 0, ETH, 5e18);
        tradeAs(bob, 0, ETH, -5e18);
        uint256 valueBefore = lp.totalAssets();
        setEthPrice(4_000e8);
        assertEq(lp.totalAssets(), valueBefore, "balanced market: price-independent mark");
        vm.warp(block.timestamp + 2 days); // ETH and BTC feeds stale, BTC has no open interest
        assertEq(lp.totalAssets(), valueBefore, "no price read for a zero skew");
    }
}
