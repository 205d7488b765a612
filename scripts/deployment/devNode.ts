// The local development chain behind `npm run node`: Hardhat's in-process EDR chain served over JSON-RPC (no child
// process to babysit), Parapet deployed to it from ignition/parameters/local.json, test USDC for the first accounts
// and a seeded LP vault. Importable so a test can start one on a free port.
import path from "node:path";
import hre, { network } from "hardhat";
import type { JsonRpcServer, NetworkConnection } from "hardhat/types/network";
import { type Address, getAddress, parseUnits } from "viem";
import { seedLiquidity } from "../../src/testing/lp.js";
import { type DeployNetworkReturnType, deployNetwork, parametersFileFor } from "./deploy.js";

export type StartDevNodeOptions = {
  hostname?: string | undefined;
  /** 8545 by default (what --network localhost uses); 0 picks a free port. */
  port?: number | undefined;
  parametersFile?: string | undefined;
  outFile?: string | undefined;
  /** Ignition deployment id; default chain-31337, the journal `npm run deploy -- --network localhost` resumes. */
  deploymentId?: string | undefined;
  /** Accounts (from index 0) that receive test USDC. */
  fundedAccounts?: number | undefined;
  /** Test USDC per funded account (decimal string, token units). */
  usdcPerAccount?: string | undefined;
  /** Test USDC account 0 deposits into the LP vault (decimal string). */
  lpSeed?: string | undefined;
  displayUi?: boolean | undefined;
};

export type DevNode = {
  url: string;
  server: JsonRpcServer;
  connection: NetworkConnection;
  deploy: DeployNetworkReturnType;
  accounts: readonly Address[];
  usdcPerAccount: string;
  lpSeed: string;
  close(): Promise<void>;
};

export async function startDevNode(options: StartDevNodeOptions = {}): Promise<DevNode> {
  const hostname = options.hostname ?? "127.0.0.1";
  const usdcPerAccount = options.usdcPerAccount ?? "100000";
  const lpSeed = options.lpSeed ?? "1000000";
  const server = await network.createServer("hardhat", hostname, options.port ?? 8545);
  const { address, port } = await server.listen();
  const url = `http://${address}:${port}`;
  let connection: NetworkConnection | undefined;
  try {
    // Deploy through the served endpoint, exactly as `--network localhost` would, so the journal is persisted.
    connection = await network.create({ network: "localhost", override: { url } });
    const deploy = await deployNetwork(connection, {
      networkName: "localhost",
      parametersFile: options.parametersFile ?? parametersFileFor("localhost"),
      outFile: options.outFile ?? path.join(hre.config.paths.root, "deployments", "localhost.json"),
      deploymentId: options.deploymentId,
      // The chain was just started: any journal for it describes a previous run.
      resetJournal: true,
      displayUi: options.displayUi,
    });
    const { viem } = connection;
    const wallets = await viem.getWalletClients();
    const funded = wallets.slice(0, options.fundedAccounts ?? 5);
    const [owner] = funded;
    if (!owner) throw new Error("the local chain has no accounts");
    const decimals = deploy.deployment.collateralDecimals;
    const token = await viem.getContractAt("TestToken", deploy.deployment.collateralToken);
    const lpVault = await viem.getContractAt("LiquidityVault", deploy.deployment.liquidityVault);
    const publicClient = await viem.getPublicClient();
    const wait = async (hash: `0x${string}`) => {
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    };
    for (const wallet of funded)
      await wait(await token.write.mint([wallet.account.address, parseUnits(usdcPerAccount, decimals)]));
    // The LP defence is on (local.json's lpFlows): the seed is a request settled after the delay (the clock moves).
    const seed = parseUnits(lpSeed, decimals);
    const { keeperFeeTokens } = await lpVault.read.flowParams();
    await wait(await token.write.mint([owner.account.address, seed + keeperFeeTokens]));
    const testClient = await viem.getTestClient();
    await seedLiquidity(
      { publicClient, walletClient: owner, deployment: deploy.deployment, testClient },
      { amount: seed },
    );
    const openConnection = connection;
    return {
      url,
      server,
      connection,
      deploy,
      accounts: funded.map((w) => getAddress(w.account.address)),
      usdcPerAccount,
      lpSeed,
      async close() {
        await openConnection.close();
        await server.close();
      },
    };
  } catch (error) {
    await connection?.close();
    await server.close();
    throw error;
  }
}

/** What `npm run node` prints once the chain is ready. */
export function formatDevNodeReport(node: DevNode): string {
  const d = node.deploy.deployment;
  return [
    `Local chain: ${node.url} (chain ${d.chainId}); Hardhat's well-known development accounts (never use them on a real network):`,
    ...node.accounts.map((a, i) => `  #${i}  ${a}  ${node.usdcPerAccount} test USDC`),
    `LP vault seeded with ${node.lpSeed} test USDC by account #0.`,
    "",
    `Parapet on ${node.url}:`,
    ...d.markets.map((m) => `  market ${m.marketId}  ${m.symbol.padEnd(7)} mock feed ${m.feed}`),
    `  PerpVault ${d.perpVault}  LiquidityVault ${d.liquidityVault}`,
    `  OracleAdapter ${d.oracleAdapter}  USDC ${d.collateralToken}`,
    `  HedgeRouter ${d.hedgeRouter ?? "-"}  LiquidationUpkeep ${d.liquidationUpkeep ?? "-"}`,
    `  TriggerOrders ${d.triggerOrders ?? "-"}  DelayedOrders ${d.delayedOrders ?? "-"}`,
    `Deployment file: ${node.deploy.outFile}`,
    "",
    "Next steps (in another terminal):",
    `  npx parapet <command> --rpc ${node.url} --deployment ${path.relative(process.cwd(), node.deploy.outFile)}`,
    "  npm run deploy -- --network localhost   # idempotent: finds everything already deployed",
    "  SDK: createParapetClient({ publicClient, deployment: await loadDeploymentFile('deployments/localhost.json') })  // loadDeploymentFile from parapet/node",
    "Press Ctrl-C to stop the chain (its state is not kept).",
  ].join("\n");
}
