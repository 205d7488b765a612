// The README's SDK example, runnable: `npm run example:sdk`. Deploys ParapetLocal (Ignition) on the in-process
// chain, then deposits, shorts 0.5 ETH with 0.5 % slippage, checks the oracles and reads one snapshot.
import { network } from "hardhat";
import { type Address, parseUnits } from "viem";
import ParapetLocal from "../../ignition/modules/ParapetLocal.js";
import { createParapetClient, fromWad } from "../../src/index.js";
import { seedLiquidity } from "../../src/testing/index.js";
import { deploymentFromIgnition } from "../deployment/fromIgnition.js";

export async function sdkQuickstart() {
  const { viem, ignition } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [walletClient, lp] = await viem.getWalletClients();
  if (!walletClient || !lp) throw new Error("the in-process chain has no accounts");
  const deployed = (await ignition.deploy(ParapetLocal)) as unknown as Record<string, { address: Address }>;
  // What the deployment scripts write and the SDK loads: addresses, markets, chain id, block.
  const deployment = deploymentFromIgnition(
    deployed,
    await publicClient.getChainId(),
    await publicClient.getBlockNumber(),
    6,
  );

  // Local only: mint test USDC and seed the LP pool (the counterparty of every trade).
  const token = await viem.getContractAt("TestToken", deployment.collateralToken);
  await token.write.mint([walletClient.account.address, parseUnits("1000", 6)]);
  const lpClient = await createParapetClient({ publicClient, walletClient: lp, deployment });
  await token.write.mint([lp.account.address, parseUnits("1000001", 6)]); // + the LP vault's 1 USDC keeper fee
  // The LP defence is on: a deposit is a request settled after the vault's delay (seedLiquidity moves the clock).
  await seedLiquidity({ ...lpClient, testClient: await viem.getTestClient() }, { amount: "1000000" });

  const owner = walletClient.account.address;
  const parapet = await createParapetClient({ publicClient, walletClient, deployment });
  await parapet.writeApprove({ amount: "1000" }); // USDC, a decimal string
  await parapet.writeDeposit({ owner, amount: "1000" });
  await parapet.writeTrade({ owner, marketId: 0n, sizeDelta: "-0.5", slippageBps: 50 }); // short 0.5 ETH
  const oracles = await parapet.checkOracles();
  const { account } = await parapet.getSnapshot({ owner, accountIndex: 0n });
  return {
    oracles: oracles.feeds.map((f) => `${f.label}: ${f.verdict}`),
    equityUsd: account.equityUsd === undefined ? undefined : fromWad(account.equityUsd),
    positions: account.positions.map((p) => ({
      marketId: p.marketId,
      sizeWad: p.sizeWad,
      liquidationPriceWad: p.liquidationPriceWad,
    })),
  };
}
