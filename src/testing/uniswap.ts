// Uniswap v3 as published, deployed on a local chain or a fork from the compiled artifacts of @uniswap/v3-core and
// @uniswap/v3-periphery (unmodified: the pool's creation code hashes to the position manager's POOL_INIT_CODE_HASH),
// plus pools, positions and swaps through the real position manager and router. For tests of hedges of concentrated
// positions; on a fork of a real chain, pass the deployed addresses to the SDK instead (docs/uniswap.md).
import { createRequire } from "node:module";
import {
  type Account,
  type Address,
  type Chain,
  decodeEventLog,
  decodeFunctionResult,
  encodeFunctionData,
  type Hex,
  maxUint128,
  maxUint256,
  type PublicClient,
  type Transport,
  type WalletClient,
  zeroAddress,
} from "viem";
import { testTokenAbi, weth9Abi, weth9Bytecode } from "../abis/index.js";
import { ParapetInputError } from "../errors.js";
import {
  nonfungiblePositionManagerAbi,
  swapRouterAbi,
  uniswapV3FactoryAbi,
  uniswapV3PoolAbi,
} from "../uniswap/abis.js";
import { getTickAtSqrtRatio, MAX_TICK, MIN_TICK, sqrtPriceX96FromRatio } from "../uniswap/math.js";
import { type DecimalString, parseDecimal } from "../units.js";
import { ParapetTestingError } from "./chain.js";

type AnyWalletClient = WalletClient<Transport, Chain | undefined, Account | undefined>;
type AnyPublicClient = PublicClient<Transport, Chain | undefined>;
type Clients = { publicClient: AnyPublicClient; walletClient: AnyWalletClient };

/** Where a Uniswap v3 deployment is: what the SDK's exposure reader and these helpers take. */
export type UniswapV3Deployment = {
  factory: Address;
  positionManager: Address;
  router: Address;
  weth: Address;
};

/** Tick spacing of each fee tier the factory enables at deployment. */
export const UNISWAP_FEE_TICK_SPACING: Readonly<Record<number, number>> = { 500: 10, 3000: 60, 10000: 200 };

const ARTIFACTS = {
  factory: "@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json",
  positionManager:
    "@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
  router: "@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json",
} as const;

function creationCode(name: keyof typeof ARTIFACTS): Hex {
  try {
    return (createRequire(import.meta.url)(ARTIFACTS[name]) as { bytecode: Hex }).bytecode;
  } catch (cause) {
    throw new ParapetTestingError(
      "MISSING_PEER_DEPENDENCY",
      `The published Uniswap v3 artifact ${ARTIFACTS[name]} could not be loaded.`,
      "Install them in your project: npm install --save-dev @uniswap/v3-core@1.0.1 @uniswap/v3-periphery@1.4.4",
      cause,
    );
  }
}

function accountOf(walletClient: AnyWalletClient): Account {
  if (!walletClient.account)
    throw new ParapetInputError("walletClient", "has no account.", "Pass a walletClient with a funded account.");
  return walletClient.account;
}

async function mined(publicClient: AnyPublicClient, hash: Hex, step: string) {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success")
    throw new ParapetTestingError(
      "LOCAL_DEPLOY_FAILED",
      `${step}: transaction ${hash} reverted in block ${receipt.blockNumber} (gas used ${receipt.gasUsed}).`,
      "Check its inputs; a simulation of the same call names the reason.",
    );
  return receipt;
}

type WriteRequest = { address: Address; abi: readonly unknown[]; functionName: string; args: readonly unknown[] };

/**
 * Simulates the call, then sends it with a quarter more gas than the node's estimate, and waits for a successful
 * receipt. The simulation names the revert reason before anything is sent; the margin keeps an estimate that is
 * exact only for the state it ran on (cold slots, the 63/64 rule in the pool's callbacks) from running out of gas.
 */
async function send(clients: Clients, step: string, request: WriteRequest) {
  const { publicClient, walletClient } = clients;
  const account = accountOf(walletClient);
  let gas: bigint;
  try {
    gas = await publicClient.estimateContractGas({ ...request, account } as never);
  } catch (cause) {
    const reason =
      cause instanceof Error ? ((cause as { shortMessage?: string }).shortMessage ?? cause.message) : cause;
    throw new ParapetTestingError(
      "LOCAL_DEPLOY_FAILED",
      `${step} would revert: ${String(reason)}`,
      "Check its inputs.",
      cause,
    );
  }
  const hash = await walletClient.writeContract({
    ...request,
    account,
    chain: walletClient.chain ?? null,
    gas: (gas * 5n) / 4n,
  } as never);
  return mined(publicClient, hash, step);
}

async function deployCode(
  clients: Clients,
  name: string,
  bytecode: Hex,
  args: readonly unknown[],
  abi: readonly unknown[],
) {
  const { publicClient, walletClient } = clients;
  const hash = await walletClient.deployContract({
    abi: abi as never,
    bytecode,
    args: args as never,
    account: accountOf(walletClient),
    chain: walletClient.chain ?? null,
  } as never);
  const receipt = await mined(publicClient, hash, `deploying ${name}`);
  if (!receipt.contractAddress)
    throw new ParapetTestingError("LOCAL_DEPLOY_FAILED", `deploying ${name} created no contract.`, "Check the chain.");
  return receipt.contractAddress;
}

const CONSTRUCTOR = (types: string[]) => [
  { type: "constructor", stateMutability: "nonpayable", inputs: types.map((type, i) => ({ type, name: `a${i}` })) },
];

/**
 * Deploys Uniswap v3's factory, NonfungiblePositionManager and SwapRouter from their published artifacts, and a
 * WETH9 unless `weth` is given. The position manager's token descriptor is the zero address (`tokenURI` is the only
 * function that needs one). Four transactions.
 */
export async function deployUniswapV3(
  clients: Clients,
  parameters: { weth?: Address | undefined } = {},
): Promise<UniswapV3Deployment> {
  const weth = parameters.weth ?? (await deployCode(clients, "WETH9", weth9Bytecode, [], weth9Abi));
  const factory = await deployCode(clients, "UniswapV3Factory", creationCode("factory"), [], CONSTRUCTOR([]));
  const positionManager = await deployCode(
    clients,
    "NonfungiblePositionManager",
    creationCode("positionManager"),
    [factory, weth, zeroAddress],
    CONSTRUCTOR(["address", "address", "address"]),
  );
  const router = await deployCode(
    clients,
    "SwapRouter",
    creationCode("router"),
    [factory, weth],
    CONSTRUCTOR(["address", "address"]),
  );
  return { factory, positionManager, router, weth };
}

async function decimalsOf(publicClient: AnyPublicClient, token: Address): Promise<number> {
  return Number(await publicClient.readContract({ address: token, abi: testTokenAbi, functionName: "decimals" }));
}

/** Pool token order and the raw price of token0 in token1 for "1 `base` = `price` `quote`" (whole tokens). */
async function rawPrice(
  publicClient: AnyPublicClient,
  base: Address,
  quote: Address,
  price: DecimalString,
  argument: string,
) {
  const [dBase, dQuote] = await Promise.all([decimalsOf(publicClient, base), decimalsOf(publicClient, quote)]);
  const p = parseDecimal(price, 18, { argument, allowZero: false });
  // quote units per base unit = p·10^dQuote / (1e18·10^dBase)
  const num = p * 10n ** BigInt(dQuote);
  const den = 10n ** 18n * 10n ** BigInt(dBase);
  const baseIsToken0 = BigInt(base) < BigInt(quote);
  return baseIsToken0 ? { token0: base, token1: quote, num, den } : { token0: quote, token1: base, num: den, den: num };
}

/** sqrtPriceX96 of "1 `base` = `price` `quote`" in the pool of the two tokens (whichever is token0). */
export async function uniswapSqrtPriceX96(
  publicClient: AnyPublicClient,
  base: Address,
  quote: Address,
  price: DecimalString,
): Promise<bigint> {
  const r = await rawPrice(publicClient, base, quote, price, "price");
  return sqrtPriceX96FromRatio(r.num, r.den);
}

export type CreateUniswapV3PoolParameters = {
  uniswap: UniswapV3Deployment;
  /** The pool's two tokens, in either order. */
  base: Address;
  quote: Address;
  /** Fee tier in hundredths of a bip (500, 3000, 10000; default 3000). */
  fee?: number | undefined;
  /** Initial price: whole `quote` tokens per whole `base` token, e.g. "3000" for WETH/USDC. */
  price: DecimalString;
};

/** Creates and initialises a pool through the factory; returns it with its token order. */
export async function createUniswapV3Pool(
  clients: Clients,
  parameters: CreateUniswapV3PoolParameters,
): Promise<{ pool: Address; token0: Address; token1: Address; fee: number; tickSpacing: number }> {
  const { publicClient } = clients;
  const fee = parameters.fee ?? 3000;
  const tickSpacing = UNISWAP_FEE_TICK_SPACING[fee];
  if (tickSpacing === undefined)
    throw new ParapetInputError("fee", `${fee} is not a fee tier the factory enables.`, "Pass 500, 3000 or 10000.");
  const { token0, token1, num, den } = await rawPrice(
    publicClient,
    parameters.base,
    parameters.quote,
    parameters.price,
    "price",
  );
  await send(clients, "createPool", {
    address: parameters.uniswap.factory,
    abi: uniswapV3FactoryAbi,
    functionName: "createPool",
    args: [token0, token1, fee],
  });
  const pool = await publicClient.readContract({
    address: parameters.uniswap.factory,
    abi: uniswapV3FactoryAbi,
    functionName: "getPool",
    args: [token0, token1, fee],
  });
  await send(clients, "initialize", {
    address: pool,
    abi: uniswapV3PoolAbi,
    functionName: "initialize",
    args: [sqrtPriceX96FromRatio(num, den)],
  });
  return { pool, token0, token1, fee, tickSpacing };
}

async function approveMax(clients: Clients, token: Address, spender: Address) {
  const { publicClient, walletClient } = clients;
  const account = accountOf(walletClient);
  const allowance = await publicClient.readContract({
    address: token,
    abi: testTokenAbi,
    functionName: "allowance",
    args: [account.address, spender],
  });
  if (allowance >= maxUint256 / 2n) return;
  await send(clients, "approve", {
    address: token,
    abi: testTokenAbi,
    functionName: "approve",
    args: [spender, maxUint256],
  });
}

/** The usable tick at or below (`down`) or above a raw price, on the fee tier's spacing. */
function tickOnSpacing(num: bigint, den: bigint, spacing: number, down: boolean): number {
  const t = getTickAtSqrtRatio(sqrtPriceX96FromRatio(num, den));
  const snapped = down ? Math.floor(t / spacing) * spacing : Math.ceil(t / spacing) * spacing;
  return Math.min(Math.floor(MAX_TICK / spacing) * spacing, Math.max(Math.ceil(MIN_TICK / spacing) * spacing, snapped));
}

export type MintUniswapV3PositionParameters = {
  uniswap: UniswapV3Deployment;
  base: Address;
  quote: Address;
  fee?: number | undefined;
  /**
   * The range as prices of `base` in `quote` (whole tokens), snapped outward to usable ticks; or give `tickLower` /
   * `tickUpper` directly (pool ticks, token1 per token0).
   */
  lowerPrice?: DecimalString | undefined;
  upperPrice?: DecimalString | undefined;
  tickLower?: number | undefined;
  tickUpper?: number | undefined;
  /** Most of each token to add, in base units (the pool takes what the range and price need). */
  amountBase: bigint;
  amountQuote: bigint;
  recipient?: Address | undefined;
};

export type MintUniswapV3PositionReturnType = {
  tokenId: bigint;
  liquidity: bigint;
  amount0: bigint;
  amount1: bigint;
  token0: Address;
  token1: Address;
  tickLower: number;
  tickUpper: number;
};

/** Mints a position through the real NonfungiblePositionManager (approving it for both tokens first). */
export async function mintUniswapV3Position(
  clients: Clients,
  p: MintUniswapV3PositionParameters,
): Promise<MintUniswapV3PositionReturnType> {
  const { publicClient, walletClient } = clients;
  const account = accountOf(walletClient);
  const fee = p.fee ?? 3000;
  const spacing = UNISWAP_FEE_TICK_SPACING[fee];
  if (spacing === undefined)
    throw new ParapetInputError("fee", `${fee} is not a fee tier the factory enables.`, "Pass 500, 3000 or 10000.");
  const baseIsToken0 = BigInt(p.base) < BigInt(p.quote);
  let { tickLower, tickUpper } = p;
  if (tickLower === undefined || tickUpper === undefined) {
    if (p.lowerPrice === undefined || p.upperPrice === undefined)
      throw new ParapetInputError(
        "lowerPrice",
        "and upperPrice (or tickLower and tickUpper) are required.",
        'Pass the range, e.g. lowerPrice: "2400", upperPrice: "3600".',
      );
    const lo = await rawPrice(publicClient, p.base, p.quote, p.lowerPrice, "lowerPrice");
    const hi = await rawPrice(publicClient, p.base, p.quote, p.upperPrice, "upperPrice");
    // With base as token1 the pool's price is the inverse: the upper base price is the lower pool tick.
    const [a, b] = baseIsToken0 ? [lo, hi] : [hi, lo];
    tickLower = tickOnSpacing(a.num, a.den, spacing, true);
    tickUpper = tickOnSpacing(b.num, b.den, spacing, false);
  }
  if (!(tickLower < tickUpper))
    throw new ParapetInputError("tickLower", `${tickLower} is not below tickUpper ${tickUpper}.`, "Pass a range.");
  const [token0, token1] = baseIsToken0 ? [p.base, p.quote] : [p.quote, p.base];
  const [amount0Desired, amount1Desired] = baseIsToken0 ? [p.amountBase, p.amountQuote] : [p.amountQuote, p.amountBase];
  await approveMax(clients, token0, p.uniswap.positionManager);
  await approveMax(clients, token1, p.uniswap.positionManager);
  const block = await publicClient.getBlock();
  const receipt = await send(clients, "mint", {
    address: p.uniswap.positionManager,
    abi: nonfungiblePositionManagerAbi,
    functionName: "mint",
    args: [
      {
        token0,
        token1,
        fee,
        tickLower,
        tickUpper,
        amount0Desired,
        amount1Desired,
        amount0Min: 0n,
        amount1Min: 0n,
        recipient: p.recipient ?? account.address,
        deadline: block.timestamp + 3600n,
      },
    ],
  });
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== p.uniswap.positionManager.toLowerCase()) continue;
    try {
      const e = decodeEventLog({ abi: nonfungiblePositionManagerAbi, data: log.data, topics: log.topics });
      if (e.eventName === "IncreaseLiquidity")
        return { ...e.args, token0, token1, tickLower, tickUpper } as MintUniswapV3PositionReturnType;
    } catch {
      // another event of the position manager (Transfer)
    }
  }
  throw new ParapetTestingError(
    "LOCAL_DEPLOY_FAILED",
    `mint ${receipt.transactionHash} emitted no IncreaseLiquidity.`,
    "Check the pool.",
  );
}

export type SwapUniswapV3Parameters = {
  uniswap: UniswapV3Deployment;
  tokenIn: Address;
  tokenOut: Address;
  fee?: number | undefined;
  amountIn: bigint;
  /** Stop the swap at this pool price (sqrtPriceX96); default: none. */
  sqrtPriceLimitX96?: bigint | undefined;
  recipient?: Address | undefined;
};

/** One exactInputSingle through the real SwapRouter (approving it first); returns the receipt's hash. */
export async function swapUniswapV3(clients: Clients, p: SwapUniswapV3Parameters): Promise<Hex> {
  const { publicClient, walletClient } = clients;
  const account = accountOf(walletClient);
  await approveMax(clients, p.tokenIn, p.uniswap.router);
  const block = await publicClient.getBlock();
  const receipt = await send(clients, "exactInputSingle", {
    address: p.uniswap.router,
    abi: swapRouterAbi,
    functionName: "exactInputSingle",
    args: [
      {
        tokenIn: p.tokenIn,
        tokenOut: p.tokenOut,
        fee: p.fee ?? 3000,
        recipient: p.recipient ?? account.address,
        deadline: block.timestamp + 3600n,
        amountIn: p.amountIn,
        amountOutMinimum: 0n,
        sqrtPriceLimitX96: p.sqrtPriceLimitX96 ?? 0n,
      },
    ],
  });
  return receipt.transactionHash;
}

/**
 * Arbitrage the pool to a price: one swap through the router in the direction that moves it to `price` (whole
 * `quote` per `base`), limited at that price, spending at most `maxAmountIn` of the token sold (which the wallet must
 * hold). What a market participant does when the pool lags the feed. Returns the swap's hash, or undefined when the
 * pool is already at the price.
 */
export async function moveUniswapV3Price(
  clients: Clients,
  p: {
    uniswap: UniswapV3Deployment;
    pool: Address;
    base: Address;
    quote: Address;
    price: DecimalString;
    maxAmountIn: { base: bigint; quote: bigint };
  },
): Promise<Hex | undefined> {
  const { publicClient } = clients;
  const target = await uniswapSqrtPriceX96(publicClient, p.base, p.quote, p.price);
  const [slot0, fee] = await Promise.all([
    publicClient.readContract({ address: p.pool, abi: uniswapV3PoolAbi, functionName: "slot0" }),
    publicClient.readContract({ address: p.pool, abi: uniswapV3PoolAbi, functionName: "fee" }),
  ]);
  const current = slot0[0];
  if (current === target) return undefined;
  const token0 = BigInt(p.base) < BigInt(p.quote) ? p.base : p.quote;
  const token1 = token0 === p.base ? p.quote : p.base;
  // Selling token0 lowers sqrtPrice (token1 per token0); selling token1 raises it.
  const [tokenIn, tokenOut] = target < current ? [token0, token1] : [token1, token0];
  const amountIn = tokenIn === p.base ? p.maxAmountIn.base : p.maxAmountIn.quote;
  return swapUniswapV3(clients, {
    uniswap: p.uniswap,
    tokenIn,
    tokenOut,
    fee: Number(fee),
    amountIn,
    sqrtPriceLimitX96: target,
  });
}

/**
 * What the position manager itself would pay `owner` for withdrawing position `tokenId` now: `decreaseLiquidity` of all
 * its liquidity then `collect` of everything, simulated in one `multicall` (nothing is sent). The reference a reader
 * of positions is checked against: `amount0`/`amount1` are principal plus fees, as the pool rounds them.
 */
export async function simulateWithdrawUniswapV3(
  publicClient: AnyPublicClient,
  parameters: { positionManager: Address; tokenId: bigint; owner: Address; blockNumber?: bigint | undefined },
): Promise<{ liquidity: bigint; amount0: bigint; amount1: bigint }> {
  const { positionManager, tokenId, owner, blockNumber } = parameters;
  const at = blockNumber === undefined ? {} : { blockNumber };
  const position = await publicClient.readContract({
    address: positionManager,
    abi: nonfungiblePositionManagerAbi,
    functionName: "positions",
    args: [tokenId],
    ...at,
  });
  const liquidity = position[7];
  const { timestamp } = await publicClient.getBlock(at);
  const calls = [
    ...(liquidity > 0n
      ? [
          encodeFunctionData({
            abi: nonfungiblePositionManagerAbi,
            functionName: "decreaseLiquidity",
            args: [{ tokenId, liquidity, amount0Min: 0n, amount1Min: 0n, deadline: timestamp + 600n }],
          }),
        ]
      : []),
    encodeFunctionData({
      abi: nonfungiblePositionManagerAbi,
      functionName: "collect",
      args: [{ tokenId, recipient: owner, amount0Max: maxUint128, amount1Max: maxUint128 }],
    }),
  ];
  const { result } = await publicClient.simulateContract({
    address: positionManager,
    abi: nonfungiblePositionManagerAbi,
    functionName: "multicall",
    args: [calls],
    account: owner,
    ...at,
  });
  const [amount0, amount1] = decodeFunctionResult({
    abi: nonfungiblePositionManagerAbi,
    functionName: "collect",
    data: result[result.length - 1] as Hex,
  });
  return { liquidity, amount0, amount1 };
}
