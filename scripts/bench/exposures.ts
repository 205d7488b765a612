// Exposure reads (issue #17), on a chain of its own with Uniswap v3 deployed from its published artifacts: an owner
// with 20 WETH/USDC positions (in range, below and above it, with fees from real swaps) and two token balances.
// `exposureReadRpcCalls` counts the JSON-RPC requests `readExposures` sends (at the transport, not the SDK's own
// count; target 1), `exposureReadMs` the wall time of one read (median of 5). Checks: every position is read and
// each equals what decreaseLiquidity + collect would pay, to the wei (the position manager's own answer).
import { network } from "hardhat";
import { type Address, createPublicClient, custom, parseEther, parseUnits } from "viem";
import { weth9Abi } from "../../src/abis/index.js";
import {
  createUniswapV3Pool,
  deployUniswapV3,
  mintUniswapV3Position,
  simulateWithdrawUniswapV3,
  swapUniswapV3,
} from "../../src/testing/uniswap.js";
import { readExposures } from "../../src/uniswap/read.js";
import type { Measure } from "./report.js";

const POSITIONS = 20;

export async function measureExposureReads(log: (line: string) => void = () => {}): Promise<Measure[]> {
  const connection = await network.create();
  const { viem } = connection;
  const publicClient = await viem.getPublicClient();
  const [deployer, owner] = await viem.getWalletClients();
  if (!deployer || !owner) throw new Error("the exposure bench needs 2 funded accounts");
  const uniswap = await deployUniswapV3({ publicClient, walletClient: deployer });
  const usdc = await viem.deployContract("TestToken", ["USD Coin", "USDC", 6]);
  const usd = usdc.address as Address;
  for (const w of [deployer, owner]) {
    await usdc.write.mint([w.account.address, parseUnits("100000000", 6)]);
    await w.writeContract({ address: uniswap.weth, abi: weth9Abi, functionName: "deposit", value: parseEther("3000") });
  }
  const clients = (walletClient: typeof deployer) => ({ publicClient, walletClient });
  await createUniswapV3Pool(clients(deployer), { uniswap, base: uniswap.weth, quote: usd, price: "3000" });
  await mintUniswapV3Position(clients(deployer), {
    uniswap,
    base: uniswap.weth,
    quote: usd,
    lowerPrice: "1000",
    upperPrice: "9000",
    amountBase: parseEther("1000"),
    amountQuote: parseUnits("3000000", 6),
  });
  for (let i = 0; i < POSITIONS; i++) {
    // Ranges from well below to well above 3,000: some in range, some all WETH, some all USDC.
    const center = 2000 + 100 * i;
    await mintUniswapV3Position(clients(owner), {
      uniswap,
      base: uniswap.weth,
      quote: usd,
      lowerPrice: String(center * 0.9),
      upperPrice: String(center * 1.1),
      amountBase: parseEther("5"),
      amountQuote: parseUnits("15000", 6),
    });
  }
  await swapUniswapV3(clients(deployer), { uniswap, tokenIn: uniswap.weth, tokenOut: usd, amountIn: parseEther("30") });
  await swapUniswapV3(clients(deployer), {
    uniswap,
    tokenIn: usd,
    tokenOut: uniswap.weth,
    amountIn: parseUnits("60000", 6),
  });

  let requests = 0;
  const counted = createPublicClient({
    transport: custom({
      request: (args: { method: string; params?: unknown }) => {
        requests++;
        return connection.provider.request(args as never);
      },
    }),
  });
  const read = () =>
    readExposures(
      { publicClient: counted as never },
      {
        owner: owner.account.address,
        sources: { tokens: [uniswap.weth, usd], uniswapV3: { positionManager: uniswap.positionManager } },
      },
    );
  const first = await read();
  const exposureReadRpcCalls = requests;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await read();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const exposureReadMs = Math.round((times[2] as number) * 10) / 10;

  // Every position, checked against the position manager's own answer.
  let exact = 0;
  for (const p of first.positions) {
    const { amount0: a0, amount1: a1 } = await simulateWithdrawUniswapV3(publicClient, {
      positionManager: uniswap.positionManager,
      tokenId: p.tokenId,
      owner: owner.account.address,
    });
    if (a0 === p.amount0 + p.fees0 && a1 === p.amount1 + p.fees1) exact++;
  }
  const states = first.positions.map((p) => (p.inRange ? "in" : p.tick < p.tickLower ? "below" : "above"));
  const balance = await usdc.read.balanceOf([owner.account.address]);
  const balanceRead = first.balances.find((b) => b.address.toLowerCase() === usd.toLowerCase())?.amount;
  log(
    `exposures: ${first.positions.length} positions (${states.filter((s) => s === "in").length} in range, ${states.filter((s) => s === "below").length} below, ${states.filter((s) => s === "above").length} above), ${exposureReadRpcCalls} request(s), ${exposureReadMs} ms, ${exact} exact`,
  );
  return [
    { key: "exposureReadPositions", value: first.positions.length, check: { op: "==", value: POSITIONS } },
    { key: "exposureReadRpcCalls", value: exposureReadRpcCalls, target: { op: "<=", value: 1 } },
    { key: "exposureReadMs", value: exposureReadMs },
    { key: "exposureReadExactPositions", value: exact, check: { op: "==", value: POSITIONS } },
    { key: "exposureReadBalanceExact", value: balanceRead === balance ? 1 : 0, check: { op: "==", value: 1 } },
  ];
}
