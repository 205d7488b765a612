// Exposures read from the real Uniswap v3 (the published factory, pool, position manager and router, deployed from
// their npm artifacts): the SDK's bigint amounts and fees equal what decreaseLiquidity + collect pay, to the wei, in
// range, out of range on both sides, on a tick boundary, with uncollected fees, in either token order, and for any
// number of positions in one request.
import { createRequire } from "node:module";
import { expect } from "chai";
import { network } from "hardhat";
import { type Address, getAddress, parseEther, parseUnits } from "viem";
import {
  concentratedAmounts,
  exposureUnits,
  getSqrtRatioAtTick,
  getTickAtSqrtRatio,
  MAX_SQRT_RATIO,
  MAX_TICK,
  MIN_SQRT_RATIO,
  MIN_TICK,
  nonfungiblePositionManagerAbi,
  ParapetInputError,
  readExposures,
  swapRouterAbi,
  testTokenAbi,
  testTokenBytecode,
  uniswapV3FactoryAbi,
  uniswapV3PoolAbi,
  weth9Abi,
} from "../../src/index.js";
import {
  createUniswapV3Pool,
  deployUniswapV3,
  mintUniswapV3Position,
  simulateWithdrawUniswapV3,
  swapUniswapV3,
  type UniswapV3Deployment,
} from "../../src/testing/index.js";

const require = createRequire(import.meta.url);

describe("Uniswap v3 exposures (real protocol)", function () {
  this.timeout(300_000);
  let publicClient: Awaited<ReturnType<Awaited<ReturnType<typeof network.create>>["viem"]["getPublicClient"]>>;
  let lp: Awaited<ReturnType<Awaited<ReturnType<typeof network.create>>["viem"]["getWalletClients"]>>[number];
  let owner: typeof lp;
  let trader: typeof lp;
  let uniswap: UniswapV3Deployment;
  let weth: Address;
  /** A USD token below WETH's address (USD is token0) and one above it (USD is token1). */
  let usdLow: Address;
  let usdHigh: Address;
  const ids: bigint[] = [];

  const clients = (w: typeof lp) => ({ publicClient, walletClient: w });

  /** What decreaseLiquidity(all) + collect(max) would pay the owner now: the position manager's own answer. */
  const withdrawNow = (tokenId: bigint) =>
    simulateWithdrawUniswapV3(publicClient, {
      positionManager: uniswap.positionManager,
      tokenId,
      owner: owner.account.address,
    });

  before(async () => {
    const { viem } = await network.create();
    publicClient = await viem.getPublicClient();
    const wallets = await viem.getWalletClients();
    [lp, owner, trader] = wallets as [typeof lp, typeof lp, typeof lp];
    uniswap = await deployUniswapV3(clients(lp));
    weth = uniswap.weth;
    const deployUsd = async () => {
      const hash = await lp.deployContract({
        abi: testTokenAbi,
        bytecode: testTokenBytecode,
        args: ["USD Coin", "USDC", 6],
      });
      return (await publicClient.waitForTransactionReceipt({ hash })).contractAddress as Address;
    };
    const found: Address[] = [];
    while (found.length < 12 && (usdLow === undefined || usdHigh === undefined)) {
      const t = await deployUsd();
      found.push(t);
      if (BigInt(t) < BigInt(weth)) usdLow ??= t;
      else usdHigh ??= t;
    }
    if (usdLow === undefined || usdHigh === undefined) throw new Error("could not place a USD token on both sides");
    for (const w of [lp, owner, trader]) {
      for (const usd of [usdLow, usdHigh]) {
        await w.writeContract({
          address: usd,
          abi: testTokenAbi,
          functionName: "mint",
          args: [w.account.address, parseUnits("100000000", 6)],
        });
      }
      await w.writeContract({ address: weth, abi: weth9Abi, functionName: "deposit", value: parseEther("2000") });
    }
    for (const usd of [usdLow, usdHigh]) {
      await createUniswapV3Pool(clients(lp), { uniswap, base: weth, quote: usd, price: "3000" });
      // Depth for the swaps: a wide position of the LP.
      await mintUniswapV3Position(clients(lp), {
        uniswap,
        base: weth,
        quote: usd,
        lowerPrice: "1000",
        upperPrice: "9000",
        amountBase: parseEther("1000"),
        amountQuote: parseUnits("3000000", 6),
      });
      // The owner's: in range, above it (all WETH while the price is below), below it (all USD).
      for (const [lower, upper] of [
        ["2400", "3600"],
        ["3300", "4000"],
        ["2000", "2700"],
      ] as const) {
        const m = await mintUniswapV3Position(clients(owner), {
          uniswap,
          base: weth,
          quote: usd,
          lowerPrice: lower,
          upperPrice: upper,
          amountBase: parseEther("10"),
          amountQuote: parseUnits("30000", 6),
        });
        ids.push(m.tokenId);
      }
    }
    // Fees accrue for real: the trader swaps both ways through the router in both pools.
    for (const usd of [usdLow, usdHigh]) {
      await swapUniswapV3(clients(trader), { uniswap, tokenIn: weth, tokenOut: usd, amountIn: parseEther("40") });
      await swapUniswapV3(clients(trader), { uniswap, tokenIn: usd, tokenOut: weth, amountIn: parseUnits("90000", 6) });
    }
  });

  it("TickMath's bounds: getSqrtRatioAtTick(MIN/MAX_TICK) are Uniswap's MIN/MAX_SQRT_RATIO, getTickAtSqrtRatio inverts it", () => {
    expect(getSqrtRatioAtTick(MIN_TICK)).to.equal(MIN_SQRT_RATIO);
    expect(getSqrtRatioAtTick(MAX_TICK)).to.equal(MAX_SQRT_RATIO);
    for (const t of [MIN_TICK, -500_001, -60, -1, 0, 1, 59, 60, 201_234, MAX_TICK - 1]) {
      expect(getTickAtSqrtRatio(getSqrtRatioAtTick(t))).to.equal(t);
      if (t > MIN_TICK) expect(getTickAtSqrtRatio(getSqrtRatioAtTick(t) - 1n)).to.equal(t - 1);
    }
  });

  it("the restated ABIs equal the published artifacts' items", () => {
    const strip = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (k === "internalType" ? undefined : v)));
    const published: [readonly unknown[], string][] = [
      [uniswapV3FactoryAbi, "@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json"],
      [uniswapV3PoolAbi, "@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json"],
      [
        nonfungiblePositionManagerAbi,
        "@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
      ],
      [swapRouterAbi, "@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json"],
    ];
    for (const [abi, path] of published) {
      const artifact = strip((require(path) as { abi: unknown[] }).abi) as { name?: string; type: string }[];
      for (const item of abi as { name: string; type: string }[]) {
        expect(
          artifact.find((a) => a.name === item.name && a.type === item.type),
          `${path} ${item.name}`,
        ).to.deep.equal(item);
      }
    }
  });

  it("reads every position the owner holds in ONE request, each equal to decreaseLiquidity + collect to the wei", async () => {
    const read = await readExposures(
      { publicClient },
      {
        owner: owner.account.address,
        sources: { tokens: [weth, usdLow, usdHigh], uniswapV3: { positionManager: uniswap.positionManager } },
      },
    );
    expect(read.requests).to.equal(1);
    expect(read.positions.map((p) => p.tokenId)).to.deep.equal(ids);
    const states = new Set<string>();
    let withFees = 0;
    for (const p of read.positions) {
      const paid = await withdrawNow(p.tokenId);
      expect(p.amount0 + p.fees0, `#${p.tokenId} token0`).to.equal(paid.amount0);
      expect(p.amount1 + p.fees1, `#${p.tokenId} token1`).to.equal(paid.amount1);
      states.add(p.inRange ? "in" : p.tick < p.tickLower ? "below" : "above");
      if (p.fees0 + p.fees1 > 0n) withFees++;
      expect(p.owner).to.equal(getAddress(owner.account.address));
      // The planner's model gives the same asset amount as the exact maths (to float precision).
      const e = p.exposure;
      if (e === undefined) throw new Error("a WETH/USD position must map to a concentratedLp exposure");
      expect(e.asset).to.equal("ETH");
      const assetIs0 = p.token0.address === getAddress(weth);
      const exactAsset = Number(assetIs0 ? p.amount0 : p.amount1) / 1e18;
      const priceUsd = assetIs0 ? p.price : 1 / p.price;
      expect(concentratedAmounts(e, priceUsd).assetUnits).to.be.closeTo(exactAsset, 1e-9 * Math.max(1, exactAsset));
      expect(exposureUnits(e, priceUsd)).to.be.closeTo(
        exactAsset + Number(assetIs0 ? p.fees0 : p.fees1) / 1e18,
        1e-9 * 20,
      );
      // Out of range the position is all one asset and does not trade: gamma 0; in range, negative.
      if (p.inRange) expect(p.gamma0Raw < 0n).to.equal(true);
      else expect(p.gamma0Raw).to.equal(0n);
    }
    expect([...states].sort()).to.deep.equal(["above", "below", "in"]);
    expect(withFees).to.be.greaterThan(1);
    // Balances: the wallet's WETH and USD tokens, as read by the ERC-20s themselves.
    for (const b of read.balances.filter((x) => x.address !== "0x0000000000000000000000000000000000000000")) {
      expect(b.amount).to.equal(
        await publicClient.readContract({
          address: b.address,
          abi: testTokenAbi,
          functionName: "balanceOf",
          args: [owner.account.address],
        }),
      );
    }
    expect(read.balances.find((b) => b.address === getAddress(weth))?.asset).to.equal("ETH");
    expect(read.balances.find((b) => b.address === getAddress(usdLow))?.asset).to.equal("USD");
    // Per asset: ETH held = WETH + native + every position's WETH side.
    const eth = read.byAsset.find((a) => a.asset === "ETH");
    const wethSide = read.positions.reduce(
      (s, p) => s + (p.token0.address === getAddress(weth) ? p.amount0 + p.fees0 : p.amount1 + p.fees1),
      0n,
    );
    const wethBalance = read.balances.filter((b) => b.asset === "ETH").reduce((s, b) => s + b.amount, 0n);
    expect(eth?.units).to.be.closeTo(Number(wethSide + wethBalance) / 1e18, 1e-6);
    expect(eth?.gamma ?? 0).to.be.lessThan(0);
  });

  it("a position exactly on a tick boundary: at tickLower it is in range, at tickUpper all token1 (as the pool decides)", async () => {
    // A fresh pool initialised exactly on a usable tick t (sqrtPriceX96 = getSqrtRatioAtTick(t)).
    const hash = await lp.deployContract({
      abi: testTokenAbi,
      bytecode: testTokenBytecode,
      args: ["Dollar", "USDT", 6],
    });
    const usd = (await publicClient.waitForTransactionReceipt({ hash })).contractAddress as Address;
    await owner.writeContract({
      address: usd,
      abi: testTokenAbi,
      functionName: "mint",
      args: [owner.account.address, parseUnits("1000000", 6)],
    });
    const [token0, token1] = BigInt(weth) < BigInt(usd) ? [weth, usd] : [usd, weth];
    // ETH at ≈ 3000 USD in raw units: tick ≈ ±log_1.0001(3000·1e6/1e18), on the 500 tier's spacing of 10.
    const raw = token0 === weth ? 3000e-12 : 1 / 3000e-12;
    const t = Math.round(Math.log(raw) / Math.log(1.0001) / 10) * 10;
    await publicClient.waitForTransactionReceipt({
      hash: await lp.writeContract({
        address: uniswap.factory,
        abi: uniswapV3FactoryAbi,
        functionName: "createPool",
        args: [token0, token1, 500],
      }),
    });
    const pool = await publicClient.readContract({
      address: uniswap.factory,
      abi: uniswapV3FactoryAbi,
      functionName: "getPool",
      args: [token0, token1, 500],
    });
    await publicClient.waitForTransactionReceipt({
      hash: await lp.writeContract({
        address: pool,
        abi: uniswapV3PoolAbi,
        functionName: "initialize",
        args: [getSqrtRatioAtTick(t)],
      }),
    });
    const [, tick] = await publicClient.readContract({ address: pool, abi: uniswapV3PoolAbi, functionName: "slot0" });
    expect(tick).to.equal(t);
    const amounts = { amountBase: parseEther("1"), amountQuote: parseUnits("3000", 6) };
    const atLower = await mintUniswapV3Position(clients(owner), {
      uniswap,
      base: weth,
      quote: usd,
      fee: 500,
      tickLower: t,
      tickUpper: t + 200,
      ...amounts,
    });
    const atUpper = await mintUniswapV3Position(clients(owner), {
      uniswap,
      base: weth,
      quote: usd,
      fee: 500,
      tickLower: t - 200,
      tickUpper: t,
      ...amounts,
    });
    const read = await readExposures(
      { publicClient },
      {
        owner: owner.account.address,
        sources: {
          native: false,
          uniswapV3: {
            positionManager: uniswap.positionManager,
            tokenIds: [atLower.tokenId, atUpper.tokenId],
            owned: false,
          },
        },
      },
    );
    const [lo, up] = read.positions as [(typeof read.positions)[number], (typeof read.positions)[number]];
    // tick == tickLower: in range; at the price of its lower edge it holds token0 only (amount1 = 0).
    expect(lo.inRange).to.equal(true);
    expect(lo.amount0 > 0n).to.equal(true);
    expect(lo.amount1).to.equal(0n);
    // tick == tickUpper: the pool counts it above its range: token1 only, no gamma.
    expect(up.inRange).to.equal(false);
    expect(up.amount0).to.equal(0n);
    expect(up.amount1 > 0n).to.equal(true);
    expect(up.gamma0Raw).to.equal(0n);
    for (const p of read.positions) {
      const paid = await withdrawNow(p.tokenId);
      expect(p.amount0 + p.fees0).to.equal(paid.amount0);
      expect(p.amount1 + p.fees1).to.equal(paid.amount1);
    }
  });

  it("any number of positions: chunked reads at one block give the same result as one", async () => {
    const one = await readExposures(
      { publicClient },
      {
        owner: owner.account.address,
        sources: { native: false, uniswapV3: { positionManager: uniswap.positionManager } },
      },
    );
    // Limits that fit two positions per call (608 bytes each after the header).
    const small = await readExposures(
      { publicClient },
      {
        owner: owner.account.address,
        sources: {
          native: false,
          uniswapV3: { positionManager: uniswap.positionManager, tokenIds: [ids[0] as bigint] },
        },
        limits: { maxInitcodeBytes: 49_152, maxReturnedBytes: 128 + 64 * 96 + 2 * 608, maxGas: 15_000_000 },
      },
    );
    expect(small.requests).to.be.greaterThan(2);
    expect(small.positions.slice(1).map((p) => [p.tokenId, p.amount0, p.amount1, p.fees0, p.fees1])).to.deep.equal(
      one.positions.map((p) => [p.tokenId, p.amount0, p.amount1, p.fees0, p.fees1]),
    );
    expect(new Set([one.blockNumber, small.blockNumber]).size).to.equal(1);
  });

  it("a position id that does not exist is an input error naming it", async () => {
    const err = await readExposures(
      { publicClient },
      {
        owner: owner.account.address,
        sources: { uniswapV3: { positionManager: uniswap.positionManager, tokenIds: [999_999n], owned: false } },
      },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ParapetInputError);
    expect(String((err as Error).message)).to.contain("999999");
  });
});
