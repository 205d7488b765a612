// Test fixture: deploys ParapetLocal with Ignition on a fresh in-process chain and turns the result into a
// Deployment the SDK accepts (via parseDeployment, so the helper exercises the validation too).
import { network } from "hardhat";
import { type Address, parseUnits } from "viem";
import ParapetLocal from "../../../ignition/modules/ParapetLocal.js";
import { deploymentFromIgnition } from "../../../scripts/deployment/fromIgnition.js";
import { seedLiquidity } from "../../../src/testing/index.js";

export { deploymentFromIgnition };

/**
 * A fresh chain with ParapetLocal deployed (the LP defence on, as every deployment), an LP with 1 M USDC in the pool
 * (requested and settled: the clock moves by the LP vault's delay) and a trader holding 100 k USDC.
 */
export async function deployParapet() {
  const connection = await network.create();
  const { viem, ignition, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();
  const [deployer, trader, lp, keeper] = await viem.getWalletClients();
  if (!deployer || !trader || !lp || !keeper) throw new Error("the in-process chain has fewer than 4 accounts");
  const deployed = await ignition.deploy(ParapetLocal);
  const blockNumber = await publicClient.getBlockNumber();
  const deployment = await deploymentFromIgnition(
    deployed as unknown as Record<string, { address: Address }>,
    await publicClient.getChainId(),
    blockNumber,
    6,
  );
  const token = await viem.getContractAt("TestToken", deployment.collateralToken);
  const vault = await viem.getContractAt("PerpVault", deployment.perpVault);
  const lpVault = await viem.getContractAt("LiquidityVault", deployment.liquidityVault);
  const flows = await lpVault.read.flowParams();
  await token.write.mint([lp.account.address, parseUnits("1000000", 6) + flows.keeperFeeTokens]);
  const testClient = await viem.getTestClient();
  await seedLiquidity({ publicClient, walletClient: lp, deployment, testClient }, { amount: parseUnits("1000000", 6) });
  await token.write.mint([trader.account.address, parseUnits("100000", 6)]);
  const feeds = await Promise.all(
    deployment.markets.map((m) =>
      viem.getContractAt("@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol:MockV3Aggregator", m.feed),
    ),
  );
  return {
    connection,
    viem,
    networkHelpers,
    publicClient,
    deployer,
    trader,
    lp,
    keeper,
    deployment,
    token,
    vault,
    lpVault,
    feeds,
  };
}
