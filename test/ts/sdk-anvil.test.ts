import { expect } from "chai";
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
import { FEED_DECIMALS, FEED_HEARTBEAT, feedAnswer, MARKETS, marketParams } from "../../scripts/bench/markets.js";
import { createParapetClient, parseDeployment } from "../../src/index.js";
import { type AnvilNode, startAnvil } from "../../src/testing/index.js";

// anvil's (and Hardhat's) well-known first development key: test-only funds on a throwaway local node.
const ANVIL_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

// A real second EVM node: deploys the contracts with a plain viem wallet client, then snapshot + trade via the SDK.
describe("SDK against a real anvil node", function () {
  this.timeout(120_000);
  let anvil: AnvilNode | undefined;
  let url = "";

  before(async () => {
    anvil = await startAnvil();
    url = anvil.url;
  });

  // Always, even when a test failed: the whole process group (wrapper and binary).
  after(() => anvil?.stop());

  it("deploys with viem, then snapshot and trade through the SDK", async () => {
    const account = privateKeyToAccount(ANVIL_KEY_0);
    const publicClient = createPublicClient({ transport: http(url) });
    const walletClient = createWalletClient({ account, transport: http(url) });
    async function deploy(name: string, args: readonly unknown[]): Promise<Address> {
      const artifact = await hre.artifacts.readArtifact(name);
      const hash = await walletClient.deployContract({
        abi: artifact.abi as Abi,
        bytecode: artifact.bytecode as Hex,
        args,
        chain: null,
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (!receipt.contractAddress) throw new Error(`${name} was not deployed`);
      return receipt.contractAddress;
    }
    async function send(to: Address, name: string, functionName: string, args: readonly unknown[]) {
      const artifact = await hre.artifacts.readArtifact(name);
      const hash = await walletClient.writeContract({
        address: to,
        abi: artifact.abi as Abi,
        functionName,
        args,
        chain: null,
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.status).to.equal("success", `${name}.${functionName}`);
    }
    const me = account.address;
    const token = await deploy("TestToken", ["USD Coin", "USDC", 6]);
    const adapter = await deploy("OracleAdapter", [me]);
    const liquidationModule = await deploy("LiquidationModule", [token, adapter]);
    const adminModule = await deploy("AdminModule", [token, adapter]);
    const vault = await deploy("PerpVault", [token, adapter, me, liquidationModule, adminModule]);
    const lp = await deploy("LiquidityVault", [token, vault, "Parapet LP", "pLP"]);
    await send(vault, "PerpVault", "setLiquidityVault", [lp]);
    const markets = [];
    for (const [i, market] of MARKETS.entries()) {
      const feed = await deploy("@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol:MockV3Aggregator", [
        FEED_DECIMALS,
        feedAnswer(market.price),
      ]);
      await send(adapter, "OracleAdapter", "setFeed", [feed, FEED_HEARTBEAT, zeroAddress, 0, 0]);
      await send(vault, "PerpVault", "listMarket", [marketParams(feed, market.price)]);
      markets.push({ marketId: i, symbol: market.symbol, feed });
    }
    await send(token, "TestToken", "mint", [me, parseUnits("2000000", 6)]);
    await send(token, "TestToken", "approve", [lp, parseUnits("1000000", 6)]);
    await send(lp, "LiquidityVault", "deposit", [parseUnits("1000000", 6), me]);

    const deployment = parseDeployment({
      chainId: await publicClient.getChainId(),
      blockNumber: await publicClient.getBlockNumber({ cacheTime: 0 }),
      perpVault: vault,
      liquidityVault: lp,
      oracleAdapter: adapter,
      collateralToken: token,
      collateralDecimals: 6,
      markets,
    });
    const parapet = await createParapetClient({ publicClient, walletClient, deployment });
    await parapet.writeApprove({ amount: "5000" });
    await parapet.writeDeposit({ owner: me, amount: "5000" });
    const traded = await parapet.writeTrade({ owner: me, marketId: 2n, sizeDelta: "1", slippageBps: 50 });
    expect(traded.events.some((e) => e.eventName === "Traded")).to.equal(true);
    // cacheTime 0: viem caches the block number (4 s over HTTP), and waitForTransactionReceipt fills that cache.
    const blockNumber = await publicClient.getBlockNumber({ cacheTime: 0 });
    const snap = await parapet.getSnapshot({ owner: me, accountIndex: 0n, blockNumber });
    expect(snap.blockNumber).to.equal(blockNumber);
    expect(snap.markets.map((m) => m.symbol)).to.deep.equal(["ETH", "BTC", "XAU", "EURUSD", "SPX"]);
    expect(snap.markets[2]?.priceWad).to.equal(parseUnits("2300", 18));
    expect(snap.account.positions[0]?.symbol).to.equal("XAU");
    expect(snap.account.positions[0]?.sizeWad).to.equal(parseUnits("1", 18));
    expect(snap.liquidityVault.totalSupply > 0n).to.equal(true);
  });
});
