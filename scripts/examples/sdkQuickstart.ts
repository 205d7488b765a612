// The README's SDK example, runnable: `npm run example:sdk`. Deploys ParapetLocal (Ignition) on the in-process
// chain, then deposits, shorts 0.5 ETH with 0.5 % slippage, checks the oracles and reads one snapshot.
import { network } from "hardhat";
import { type Address, parseUnits } from "viem";
import ParapetLocal from "../../ignition/modules/ParapetLocal.js";
import { createParapetClient, fromWad, parseDeployment } from "../../src/index.js";
import { MARKETS } from "../bench/markets.js";

export async function sdkQuickstart() {
  const { viem, ignition } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [walletClient, lp] = await viem.getWalletClients();
  if (!walletClient || !lp) throw new Error("the in-process chain has no accounts");
  const c = (await ignition.deploy(ParapetLocal)) as unknown as Record<string, { address: Address }>;
  const at = (key: string) => c[key]?.address;

  // What the deployment scripts write and the SDK loads: addresses, markets, chain id, block.
  const deployment = parseDeployment({
    chainId: await publicClient.getChainId(),
    blockNumber: await publicClient.getBlockNumber(),
    perpVault: at("vault"),
    liquidityVault: at("liquidityVault"),
    oracleAdapter: at("adapter"),
    collateralToken: at("token"),
    collateralDecimals: 6,
    markets: MARKETS.map((m, i) => ({ marketId: BigInt(i), symbol: m.symbol, feed: at(`feed${m.symbol}`) })),
  });

  // Local only: mint test USDC and seed the LP pool (the counterparty of every trade).
  const token = await viem.getContractAt("TestToken", deployment.collateralToken);
  await token.write.mint([walletClient.account.address, parseUnits("1000", 6)]);
  const lpClient = await createParapetClient({ publicClient, walletClient: lp, deployment });
  await token.write.mint([lp.account.address, parseUnits("1000000", 6)]);
  await lpClient.writeApprove({ amount: "1000000", spender: "liquidityVault" });
  await lpClient.writeLpDeposit({ amount: "1000000", receiver: lp.account.address });

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
