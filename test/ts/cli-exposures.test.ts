// `parapet exposures` against a real anvil node with Uniswap v3 deployed from its published artifacts (parapet/
// testing): the JSON equals the SDK's read at the same block, the text names the positions' states, and bad input
// is a usage error naming the option.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { type Address, createPublicClient, createWalletClient, http, parseEther, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { main } from "../../src/cli/main.js";
import { writeDeploymentFile } from "../../src/deploymentFile.js";
import { readExposures, testTokenAbi, testTokenBytecode, weth9Abi } from "../../src/index.js";
import {
  createUniswapV3Pool,
  deployUniswapV3,
  mintUniswapV3Position,
  swapUniswapV3,
  type UniswapV3Deployment,
} from "../../src/testing/index.js";
import { ANVIL_KEYS, deployParapetOnAnvil, startAnvil } from "./helpers/anvil.js";

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {} });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("parapet exposures (anvil, real Uniswap v3)", function () {
  this.timeout(120_000);
  let anvil: Awaited<ReturnType<typeof startAnvil>>;
  let uniswap: UniswapV3Deployment;
  let usd: Address;
  const owner = privateKeyToAccount(ANVIL_KEYS[1]);

  before(async () => {
    anvil = await startAnvil();
    const transport = http(anvil.url);
    const publicClient = createPublicClient({ transport });
    const deployer = createWalletClient({ account: privateKeyToAccount(ANVIL_KEYS[0]), transport });
    const ownerWallet = createWalletClient({ account: owner, transport });
    uniswap = await deployUniswapV3({ publicClient, walletClient: deployer });
    const hash = await deployer.deployContract({
      abi: testTokenAbi,
      bytecode: testTokenBytecode,
      args: ["USD Coin", "USDC", 6],
      chain: null,
    });
    usd = (await publicClient.waitForTransactionReceipt({ hash })).contractAddress as Address;
    for (const w of [deployer, ownerWallet]) {
      const mint = await w.writeContract({
        address: usd,
        abi: testTokenAbi,
        functionName: "mint",
        args: [w.account.address, parseUnits("10000000", 6)],
        chain: null,
      });
      await publicClient.waitForTransactionReceipt({ hash: mint });
      const wrap = await w.writeContract({
        address: uniswap.weth,
        abi: weth9Abi,
        functionName: "deposit",
        value: parseEther("1000"),
        chain: null,
      });
      await publicClient.waitForTransactionReceipt({ hash: wrap });
    }
    await createUniswapV3Pool(
      { publicClient, walletClient: deployer },
      { uniswap, base: uniswap.weth, quote: usd, price: "3000" },
    );
    await mintUniswapV3Position(
      { publicClient, walletClient: deployer },
      {
        uniswap,
        base: uniswap.weth,
        quote: usd,
        lowerPrice: "1000",
        upperPrice: "9000",
        amountBase: parseEther("500"),
        amountQuote: parseUnits("1500000", 6),
      },
    );
    for (const [lowerPrice, upperPrice] of [
      ["2400", "3600"],
      ["3500", "4500"],
    ] as const) {
      await mintUniswapV3Position(
        { publicClient, walletClient: ownerWallet },
        {
          uniswap,
          base: uniswap.weth,
          quote: usd,
          lowerPrice,
          upperPrice,
          amountBase: parseEther("10"),
          amountQuote: parseUnits("30000", 6),
        },
      );
    }
    await swapUniswapV3(
      { publicClient, walletClient: deployer },
      { uniswap, tokenIn: uniswap.weth, tokenOut: usd, amountIn: parseEther("20") },
    );
  });

  after(() => anvil?.stop());

  it("plan --uniswap-position hedges the position by its delta, read from chain (its holder is the owner)", async () => {
    const parapet = await deployParapetOnAnvil(anvil.url);
    const dir = mkdtempSync(join(tmpdir(), "parapet-exposures-"));
    try {
      const file = join(dir, "anvil.json");
      await writeDeploymentFile(file, parapet.deployment);
      const read = await readExposures(
        { publicClient: createPublicClient({ transport: http(anvil.url) }) },
        {
          owner: owner.address,
          sources: { native: false, uniswapV3: { positionManager: uniswap.positionManager } },
        },
      );
      const inRange = read.positions.find((p) => p.inRange);
      if (inRange === undefined) throw new Error("the fixture has an in-range position");
      const r = await run([
        "plan",
        "--uniswap-position",
        String(inRange.tokenId),
        "--position-manager",
        uniswap.positionManager,
        "--rpc",
        anvil.url,
        "--deployment",
        file,
        "--json",
      ]);
      expect(r.stderr).to.equal("");
      expect(r.code).to.equal(0);
      const plan = JSON.parse(r.stdout);
      const eth = plan.targets.find((t: { exposureAsset: string }) => t.exposureAsset === "ETH");
      const assetIs0 = inRange.token0.asset === "ETH";
      // Valued at its pool's price (what it holds), so the planner's delta is the position's exact ETH.
      const exactAtPool = Number(assetIs0 ? inRange.amount0 + inRange.fees0 : inRange.amount1 + inRange.fees1) / 1e18;
      expect(eth.exposureUnits).to.be.greaterThan(0);
      expect(eth.exposureUnits).to.be.closeTo(exactAtPool, 1e-6 * exactAtPool);
      expect(eth.sizeUnits).to.be.lessThan(0);
      const bad = await run([
        "plan",
        "--position-manager",
        uniswap.positionManager,
        "--rpc",
        anvil.url,
        "--deployment",
        file,
      ]);
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.contain("--position-manager");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--json equals readExposures at the same block; one request for every position", async () => {
    const r = await run([
      "exposures",
      "--owner",
      owner.address,
      "--position-manager",
      uniswap.positionManager,
      "--token",
      uniswap.weth,
      "--token",
      usd,
      "--rpc",
      anvil.url,
      "--json",
    ]);
    expect(r.stderr).to.equal("");
    expect(r.code).to.equal(0);
    const json = JSON.parse(r.stdout);
    expect(json.requests).to.equal(1);
    const sdk = await readExposures(
      { publicClient: createPublicClient({ transport: http(anvil.url) }) },
      {
        owner: owner.address,
        blockNumber: BigInt(json.blockNumber),
        sources: { tokens: [uniswap.weth, usd], uniswapV3: { positionManager: uniswap.positionManager } },
      },
    );
    expect(
      json.positions.map((p: { tokenId: string; amount0: string; amount1: string; fees0: string; fees1: string }) => [
        p.tokenId,
        p.amount0,
        p.amount1,
        p.fees0,
        p.fees1,
      ]),
    ).to.deep.equal(sdk.positions.map((p) => [p.tokenId, p.amount0, p.amount1, p.fees0, p.fees1].map(String)));
    expect(json.positions).to.have.length(2);
    const eth = json.byAsset.find((a: { asset: string }) => a.asset === "ETH");
    expect(eth.units).to.be.closeTo(sdk.byAsset.find((a) => a.asset === "ETH")?.units ?? Number.NaN, 1e-9);
    expect(eth.gamma).to.be.lessThan(0);
  });

  it("the text output lists each position with its state", async () => {
    const r = await run([
      "exposures",
      "--owner",
      owner.address,
      "--position-manager",
      uniswap.positionManager,
      "--rpc",
      anvil.url,
    ]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.contain("(1 request)");
    expect(r.stdout).to.contain("in range");
    expect(r.stdout).to.match(/(above|below): all /);
  });

  it("bad input names the option: no --owner, a bad id, an id without --position-manager; a missing id is a runtime error", async () => {
    const noOwner = await run(["exposures", "--rpc", anvil.url]);
    expect(noOwner.code).to.equal(2);
    expect(noOwner.stderr).to.contain("--owner");
    const badId = await run([
      "exposures",
      "--owner",
      owner.address,
      "--position-manager",
      uniswap.positionManager,
      "--uniswap-position",
      "x1",
      "--rpc",
      anvil.url,
    ]);
    expect(badId.code).to.equal(2);
    expect(badId.stderr).to.contain("--uniswap-position x1");
    const noManager = await run(["exposures", "--owner", owner.address, "--uniswap-position", "1", "--rpc", anvil.url]);
    expect(noManager.code).to.equal(2);
    expect(noManager.stderr).to.contain("--position-manager");
    const missing = await run([
      "exposures",
      "--owner",
      owner.address,
      "--position-manager",
      uniswap.positionManager,
      "--uniswap-position",
      "424242",
      "--rpc",
      anvil.url,
    ]);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain("424242");
  });
});
