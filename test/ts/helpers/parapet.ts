// Test fixture: deploys ParapetLocal with Ignition on a fresh in-process chain and turns the result into a
// Deployment the SDK accepts (via parseDeployment, so the helper exercises the validation too).
import { network } from "hardhat";
import { type Address, parseUnits } from "viem";
import ParapetLocal from "../../../ignition/modules/ParapetLocal.js";
import { deploymentFromIgnition } from "../../../scripts/deployment/fromIgnition.js";

export { deploymentFromIgnition };

/** A fresh chain with ParapetLocal deployed, an LP with 1 M USDC in the pool and a trader holding 100 k USDC. */
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
  await token.write.mint([lp.account.address, parseUnits("1000000", 6)]);
  await token.write.approve([lpVault.address, parseUnits("1000000", 6)], { account: lp.account });
  await lpVault.write.deposit([parseUnits("1000000", 6), lp.account.address], { account: lp.account });
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
