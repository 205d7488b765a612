// Parapet deployed on a real anvil node (started with src/testing's startAnvil) by parapet/testing's deployParapet (the
// package's bytecode with plain viem: no Ignition), plus a `send` for the tests' own calls by artifact name.
import hre from "hardhat";
import { type Abi, type Address, createPublicClient, createWalletClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Deployment } from "../../../src/index.js";
import { deployParapet } from "../../../src/testing/deploy.js";

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
   * Turn the LP defence on (the deployment defaults) after the seed. Off by default here, so that the tests' LP
   * deposits are immediate; deployParapet and Ignition deployments turn it on.
   */
  lpDefence?: boolean | undefined;
};

/** Deploys Parapet on `url` from ANVIL_KEYS[0] and funds the LP vault with 1 M USDC. */
export async function deployParapetOnAnvil(
  url: string,
  options: DeployParapetOnAnvilOptions = {},
): Promise<AnvilParapet> {
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
  // The package's own local deploy (parapet/testing), so the CLI and keeper tests run on exactly what a consumer gets.
  const { deployment, feeds } = await deployParapet(
    { publicClient, walletClient: wallet(ANVIL_KEYS[0]) },
    { lpDefence: options.lpDefence ?? false },
  );
  const hedgeRouter = deployment.hedgeRouter as Address;
  return { deployment, hedgeRouter, feeds: deployment.markets.map((m) => feeds[m.symbol] as Address), send };
}
