import { expect } from "chai";
import { network } from "hardhat";
import { decodeEventLog, parseUnits, zeroAddress } from "viem";
import { deployPerpVault } from "../../scripts/deployment/vault.js";

// End-to-end on the in-process chain through viem: what an SDK user sees (events, reverts, balances).
describe("PerpVault on the in-process chain (viem)", () => {
  async function deploy() {
    const { viem, networkHelpers } = await network.create();
    const [deployer, trader, lpWallet] = await viem.getWalletClients();
    if (!deployer || !trader || !lpWallet) throw new Error("the in-process chain has fewer than 3 accounts");
    const publicClient = await viem.getPublicClient();
    const usdc = await viem.deployContract("TestToken", ["USD Coin", "USDC", 6]);
    const adapter = await viem.deployContract("OracleAdapter", [deployer.account.address]);
    const feed = await viem.deployContract(
      "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol:MockV3Aggregator",
      [8, 3000n * 10n ** 8n],
    );
    await adapter.write.setFeed([feed.address, 86_400, zeroAddress, 0, 0]);
    const { vault: vaultAddress } = await deployPerpVault(viem, {
      token: usdc.address,
      adapter: adapter.address,
      owner: deployer.account.address,
    });
    const vault = await viem.getContractAt("PerpVault", vaultAddress);
    const lp = await viem.deployContract("LiquidityVault", [usdc.address, vault.address, "Parapet LP", "pLP"]);
    await vault.write.setLiquidityVault([lp.address]);
    await vault.write.listMarket([
      {
        feed: feed.address,
        initialMarginRatio: parseUnits("0.1", 18),
        maintenanceMarginRatio: parseUnits("0.05", 18),
        takerFeeRatio: parseUnits("0.0005", 18),
        makerFeeRatio: parseUnits("0.0002", 18),
        maxFundingRatePerDay: parseUnits("0.01", 18),
        skewScale: parseUnits("1000000", 18),
        maxFundingVelocityPerDay: parseUnits("0.03", 18),
        maxLongSize: parseUnits("1000000", 18),
        maxShortSize: parseUnits("1000000", 18),
        minPositionMarginUsd: parseUnits("10", 18),
        liquidationFeeUsd: parseUnits("5", 18),
        grossReserveRatio: parseUnits("0.1", 18),
      },
    ]);
    await usdc.write.mint([lpWallet.account.address, parseUnits("1000000", 6)]);
    await usdc.write.approve([lp.address, parseUnits("1000000", 6)], { account: lpWallet.account });
    await lp.write.deposit([parseUnits("1000000", 6), lpWallet.account.address], { account: lpWallet.account });
    await usdc.write.mint([trader.account.address, parseUnits("10000", 6)]);
    await usdc.write.approve([vault.address, parseUnits("10000", 6)], { account: trader.account });
    return { viem, networkHelpers, publicClient, usdc, feed, vault, lp, trader };
  }

  it("deposits, opens, closes and withdraws with the events the SDK decodes", async () => {
    const { publicClient, usdc, vault, trader, networkHelpers } = await deploy();
    const owner = trader.account.address;
    await vault.write.deposit([owner, 0n, parseUnits("10000", 6)], { account: trader.account });
    const deadline = BigInt(await networkHelpers.time.latest()) + 600n;
    const hash = await vault.write.trade(
      [
        {
          owner,
          accountIndex: 0n,
          marketId: 0n,
          sizeDelta: parseUnits("2", 18),
          acceptablePrice: parseUnits("3001", 18),
          deadline,
        },
      ],
      { account: trader.account },
    );
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const traded = receipt.logs
      .map((log) => {
        try {
          return decodeEventLog({ abi: vault.abi, data: log.data, topics: log.topics });
        } catch {
          return undefined;
        }
      })
      .find((e) => e?.eventName === "Traded");
    expect(traded?.eventName).to.equal("Traded");
    if (traded?.eventName !== "Traded") throw new Error("unreachable");
    // fill = 3000 · (1 + 2/2/1e6) = 3000.003
    expect(traded.args.result.fillPrice).to.equal(parseUnits("3000.003", 18));
    expect(traded.args.result.newSize).to.equal(parseUnits("2", 18));

    await vault.write.trade(
      [
        {
          owner,
          accountIndex: 0n,
          marketId: 0n,
          sizeDelta: -parseUnits("2", 18),
          acceptablePrice: 0n,
          deadline: deadline + 600n,
        },
      ],
      { account: trader.account },
    );
    const collateralWad = await vault.read.collateralOf([owner, 0n]);
    expect(collateralWad < parseUnits("10000", 18)).to.equal(true, "fees and premium were paid");
    const withdrawable = collateralWad / 10n ** 12n;
    await vault.write.withdraw([0n, withdrawable, owner], { account: trader.account });
    expect(await usdc.read.balanceOf([owner])).to.equal(withdrawable);
  });

  it("rejects a trade past its deadline with the named error", async () => {
    const { vault, trader, networkHelpers } = await deploy();
    const owner = trader.account.address;
    await vault.write.deposit([owner, 0n, parseUnits("10000", 6)], { account: trader.account });
    const past = BigInt(await networkHelpers.time.latest()) - 1n;
    let message = "";
    try {
      await vault.write.trade(
        [{ owner, accountIndex: 0n, marketId: 0n, sizeDelta: 10n ** 18n, acceptablePrice: 2n ** 255n, deadline: past }],
        { account: trader.account },
      );
    } catch (error) {
      message = String(error);
    }
    expect(message).to.contain("DeadlineExpired");
  });
});
