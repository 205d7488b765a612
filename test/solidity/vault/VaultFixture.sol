// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {Test} from "../utils/Test.sol";
import {PerpVault} from "../../../contracts/PerpVault.sol";
import {LiquidityVault} from "../../../contracts/LiquidityVault.sol";
import {ILiquidityVault} from "../../../contracts/interfaces/ILiquidityVault.sol";
import {OracleAdapter} from "../../../contracts/oracle/OracleAdapter.sol";
import {IPerpVaultTypes} from "../../../contracts/interfaces/IPerpVault.sol";
import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {TestToken} from "../../../contracts/test/TestToken.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice A deployed vault with two markets (ETH, BTC), real Chainlink mock aggregators and a funded LP.
abstract contract VaultFixture is Test {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant ETH = 0;
    uint256 internal constant BTC = 1;

    TestToken internal usdc;
    OracleAdapter internal adapter;
    PerpVault internal vault;
    LiquidityVault internal lp;
    MockV3Aggregator internal ethFeed;
    MockV3Aggregator internal btcFeed;

    address internal owner = address(0xA11CE);
    address internal guardian = address(0x6A4D);
    address internal alice = address(0xA1);
    address internal bob = address(0xB0B);
    address internal lpProvider = address(0x1111);
    address internal keeper = address(0x4EE9);

    function setUp() public virtual {
        usdc = new TestToken("USD Coin", "USDC", 6);
        adapter = new OracleAdapter(owner);
        ethFeed = new MockV3Aggregator(8, 3_000e8);
        btcFeed = new MockV3Aggregator(8, 60_000e8);
        vm.startPrank(owner);
        adapter.setFeed(address(ethFeed), 1 days, address(0), 0, 0);
        adapter.setFeed(address(btcFeed), 1 days, address(0), 0, 0);
        vault = deployVault(IERC20(address(usdc)), adapter, owner);
        lp = new LiquidityVault(IERC20(address(usdc)), vault, "Parapet LP", "pLP");
        vault.setLiquidityVault(address(lp));
        vault.setGuardian(guardian);
        vault.listMarket(defaultParams(address(ethFeed), 1_000_000e18));
        vault.listMarket(defaultParams(address(btcFeed), 50_000e18));
        // LP flows immediate and free (the LP defence off, as a new LiquidityVault starts): these tests are about the
        // perp vault and need LP capital at once. The defence is tested with it on in LpFlowsFixture's tests.
        lp.setFlowParams(ILiquidityVault.FlowParams(0, 1 hours, 0, 0, 0));
        vm.stopPrank();

        usdc.mint(lpProvider, 10_000_000e6);
        vm.startPrank(lpProvider);
        usdc.approve(address(lp), type(uint256).max);
        lp.deposit(10_000_000e6, lpProvider);
        vm.stopPrank();

        fund(alice, 0, 100_000e6);
        fund(bob, 0, 100_000e6);
    }

    /// @dev Deploys PerpVault and its two modules from their artifacts (`vm.getCode`), not with `new`: a test contract
    /// that says `new PerpVault` embeds the creation code, and via-IR optimises that again for every such contract,
    /// which was most of CI's compile time. Same bytecode: the artifacts are compiled with the same settings.
    function deployVault(IERC20 token, IOracleAdapter oracle_, address owner_) internal returns (PerpVault) {
        (address deployed, bytes memory revertData) = tryDeployVault(token, oracle_, owner_);
        if (deployed == address(0)) {
            assembly ("memory-safe") {
                revert(add(revertData, 0x20), mload(revertData))
            }
        }
        return PerpVault(deployed);
    }

    /// @dev The deployment of {deployVault} (its two modules first), returning the first constructor's revert data
    /// instead of bubbling it.
    function tryDeployVault(
        IERC20 token,
        IOracleAdapter oracle_,
        address owner_
    ) internal returns (address deployed, bytes memory revertData) {
        address liquidationModule;
        address adminModule;
        (liquidationModule, revertData) = _tryCreate(
            abi.encodePacked(vm.getCode("LiquidationModule.sol:LiquidationModule"), abi.encode(token, oracle_))
        );
        if (liquidationModule == address(0)) return (address(0), revertData);
        (adminModule, revertData) = _tryCreate(
            abi.encodePacked(vm.getCode("AdminModule.sol:AdminModule"), abi.encode(token, oracle_))
        );
        if (adminModule == address(0)) return (address(0), revertData);
        return
            _tryCreate(
                abi.encodePacked(
                    vm.getCode("PerpVault.sol:PerpVault"),
                    abi.encode(token, oracle_, owner_, liquidationModule, adminModule)
                )
            );
    }

    function _tryCreate(bytes memory init) private returns (address deployed, bytes memory revertData) {
        assembly ("memory-safe") {
            deployed := create(0, add(init, 0x20), mload(init))
        }
        if (deployed == address(0)) {
            revertData = new bytes(_returnDataSize());
            assembly ("memory-safe") {
                returndatacopy(add(revertData, 0x20), 0, returndatasize())
            }
        }
    }

    function _returnDataSize() private pure returns (uint256 size) {
        assembly ("memory-safe") {
            size := returndatasize()
        }
    }

    /// @dev Deepens the LP pool: trades that add to the skew need `Σ |skew|·price ≤ maxUtilization · pool value`.
    function addPoolLiquidity(uint256 amount) internal {
        usdc.mint(lpProvider, amount);
        vm.prank(lpProvider);
        lp.deposit(amount, lpProvider);
    }

    /// @dev An LP deposit through the request path, whatever the LP vault's parameters: `who` requests `assets`
    /// (plus the keeper fee), time moves past the delay (feeds refreshed) and the keeper settles. Returns the shares.
    function requestAndSettleDeposit(address who, uint256 assets) internal returns (uint256 shares) {
        ILiquidityVault.FlowParams memory p = lp.flowParams();
        usdc.mint(who, assets + p.keeperFeeTokens);
        vm.startPrank(who);
        usdc.approve(address(lp), assets + p.keeperFeeTokens);
        uint256 requestId = lp.requestDeposit(assets, who);
        vm.stopPrank();
        if (p.minDelaySeconds != 0) skip(p.minDelaySeconds);
        vm.prank(keeper);
        shares = lp.settleRequest(requestId);
    }

    function defaultParams(address feed, uint96 skewScale) internal pure returns (IPerpVaultTypes.MarketParams memory) {
        return
            IPerpVaultTypes.MarketParams({
                feed: feed,
                initialMarginRatio: 0.1e18,
                maintenanceMarginRatio: 0.05e18,
                takerFeeRatio: 0.0005e18,
                makerFeeRatio: 0.0002e18,
                maxFundingRatePerDay: 0.01e18,
                skewScale: skewScale,
                maxFundingVelocityPerDay: 0.03e18,
                maxLongSize: 1e28,
                maxShortSize: 1e28,
                minPositionMarginUsd: 10e18,
                liquidationFeeUsd: 5e18,
                // 0: the unit tests check the net-skew reserve exactly; the gross reserve has its own tests and the
                // invariant campaign turns it on
                grossReserveRatio: 0
            });
    }

    function fund(address who, uint96 accountIndex, uint256 amount) internal {
        usdc.mint(who, amount);
        vm.startPrank(who);
        usdc.approve(address(vault), type(uint256).max);
        vault.deposit(who, accountIndex, amount);
        vm.stopPrank();
    }

    function tradeAs(
        address who,
        uint96 accountIndex,
        uint256 marketId,
        int256 sizeDelta
    ) internal returns (IPerpVaultTypes.TradeResult memory) {
        vm.prank(who);
        return vault.trade(params(who, accountIndex, marketId, sizeDelta));
    }

    function params(
        address who,
        uint96 accountIndex,
        uint256 marketId,
        int256 sizeDelta
    ) internal view returns (IPerpVaultTypes.TradeParams memory) {
        return
            IPerpVaultTypes.TradeParams({
                owner: who,
                accountIndex: accountIndex,
                marketId: marketId,
                sizeDelta: sizeDelta,
                acceptablePrice: sizeDelta > 0 ? type(uint256).max : 0,
                deadline: block.timestamp
            });
    }

    /// @dev Moves time and refreshes both feeds (same prices) so nothing goes stale.
    function skip(uint256 secondsForward) internal {
        // The cheatcode, not `block.timestamp`: under via-IR the latter may be read once per call.
        vm.warp(vm.getBlockTimestamp() + secondsForward);
        ethFeed.updateAnswer(ethFeed.latestAnswer());
        btcFeed.updateAnswer(btcFeed.latestAnswer());
    }

    function setEthPrice(int256 answer8) internal {
        ethFeed.updateAnswer(answer8);
    }

    function collateral(address who, uint96 accountIndex) internal view returns (int256) {
        return vault.collateralOf(who, accountIndex);
    }

    /// @dev INV-01 as a helper: tokens held (in WAD) ≥ Σ collateral + pool balance, with equality when nothing was
    /// donated. `accounts` lists every (owner, index) the test touched.
    function assertSolvent(address[] memory owners, uint96[] memory indexes) internal view {
        int256 sum = vault.poolBalance();
        for (uint256 i; i < owners.length; ++i) sum += vault.collateralOf(owners[i], indexes[i]);
        int256 held = int256(usdc.balanceOf(address(vault)) * 1e12);
        assertGe(held, sum, "INV-01 token solvency");
    }
}
