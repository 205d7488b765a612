// Parapet deployed on a real anvil node (started with src/testing's startAnvil) with plain viem (token, adapter, vault, LP
// vault, hedge router, trigger and delayed orders, the five mock feeds and markets of scripts/bench/markets.ts), written as a deployment file.
import hre from "hardhat";
import {
  type Abi,
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  parseUnits,
  zeroAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { FEED_DECIMALS, FEED_HEARTBEAT, feedAnswer, MARKETS, marketParams } from "../../../scripts/bench/markets.js";
import { type Deployment, defaultLpFlowParams, parseDeployment } from "../../../src/index.js";

/** anvil's well-known development keys: test-only funds on a throwaway local node. */
export const ANVIL_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
] as const satisfies readonly Hex[];

export { freePort, startAnvil } from "../../../src/testing/anvil.js";

export type AnvilParapet = {
  deployment: Deployment;
  hedgeRouter: Address;
  feeds: Address[];
  /** Sends `functionName` on `to` from `key` (default the deployer) and waits for a successful receipt. */
  send: (to: Address, contract: string, functionName: string, args: readonly unknown[], key?: Hex) => Promise<void>;
};

export const MOCK_V3_AGGREGATOR = "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol:MockV3Aggregator";

export type DeployParapetOnAnvilOptions = {
  /**
   * Turn the LP defence on (the deployment defaults) after the seed. A LiquidityVault deployed with plain viem starts
   * with it off, so the 1 M seed here is an immediate deposit; Ignition deployments turn it on (Core's lpFlows).
   */
  lpDefence?: boolean | undefined;
};

/** Deploys Parapet on `url` from ANVIL_KEYS[0] and funds the LP vault with 1 M USDC. */
export async function deployParapetOnAnvil(
  url: string,
  options: DeployParapetOnAnvilOptions = {},
): Promise<AnvilParapet> {
  const deployer = privateKeyToAccount(ANVIL_KEYS[0]);
  const publicClient = createPublicClient({ transport: http(url) });
  const wallets = new Map<Hex, ReturnType<typeof createWalletClient>>();
  const wallet = (key: Hex) => {
    let w = wallets.get(key);
    if (!w) {
      w = createWalletClient({ account: privateKeyToAccount(key), transport: http(url) });
      wallets.set(key, w);
    }
    return w;
  };
  async function deploy(name: string, args: readonly unknown[]): Promise<Address> {
    const artifact = await hre.artifacts.readArtifact(name);
    const hash = await wallet(ANVIL_KEYS[0]).deployContract({
      abi: artifact.abi as Abi,
      bytecode: artifact.bytecode as Hex,
      args,
      chain: null,
      account: deployer,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (!receipt.contractAddress) throw new Error(`${name} was not deployed`);
    return receipt.contractAddress;
  }
  async function send(
    to: Address,
    name: string,
    functionName: string,
    args: readonly unknown[],
    key: Hex = ANVIL_KEYS[0],
  ) {
    const artifact = await hre.artifacts.readArtifact(name);
    const w = wallet(key);
    const hash = await w.writeContract({
      address: to,
      abi: artifact.abi as Abi,
      functionName,
      args,
      chain: null,
      account: w.account ?? null,
    } as never);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${name}.${functionName} reverted`);
  }
  const me = deployer.address;
  const token = await deploy("TestToken", ["USD Coin", "USDC", 6]);
  const adapter = await deploy("OracleAdapter", [me]);
  const liquidationModule = await deploy("LiquidationModule", [token, adapter]);
  const adminModule = await deploy("AdminModule", [token, adapter]);
  const vault = await deploy("PerpVault", [token, adapter, me, liquidationModule, adminModule]);
  const lp = await deploy("LiquidityVault", [token, vault, "Parapet LP", "pLP"]);
  await send(vault, "PerpVault", "setLiquidityVault", [lp]);
  const hedgeRouter = await deploy("HedgeRouter", [vault]);
  const triggerOrders = await deploy("TriggerOrders", [vault]);
  const delayedOrders = await deploy("DelayedOrders", [vault]);
  await send(vault, "PerpVault", "setDelayedOrders", [delayedOrders]);
  const markets = [];
  const feeds: Address[] = [];
  for (const [i, market] of MARKETS.entries()) {
    const feed = await deploy(MOCK_V3_AGGREGATOR, [FEED_DECIMALS, feedAnswer(market.price)]);
    await send(adapter, "OracleAdapter", "setFeed", [feed, FEED_HEARTBEAT, zeroAddress, 0, 0]);
    await send(vault, "PerpVault", "listMarket", [marketParams(feed, market.price)]);
    markets.push({ marketId: i, symbol: market.symbol, feed });
    feeds.push(feed);
  }
  await send(token, "TestToken", "mint", [me, parseUnits("1000000", 6)]);
  await send(token, "TestToken", "approve", [lp, parseUnits("1000000", 6)]);
  await send(lp, "LiquidityVault", "deposit", [parseUnits("1000000", 6), me]);
  if (options.lpDefence) await send(lp, "LiquidityVault", "setFlowParams", [defaultLpFlowParams(6)]);
  const deployment = parseDeployment({
    chainId: await publicClient.getChainId(),
    blockNumber: 0,
    perpVault: vault,
    liquidityVault: lp,
    oracleAdapter: adapter,
    collateralToken: token,
    hedgeRouter,
    triggerOrders,
    delayedOrders,
    collateralDecimals: 6,
    markets,
  });
  return { deployment, hedgeRouter, feeds, send };
}
