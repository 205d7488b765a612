// The snapshot at scale (issue #14): a deployment with many markets (64 by default; the vault's cap is 128) and one
// account holding a position in every one of them, and the benchmark of `getSnapshot` on it. The tests
// (test/ts/sdk-snapshot.test.ts) build the same book with `deploySnapshotBook`.

import { network } from "hardhat";
import { type Address, createPublicClient, custom, maxUint256, zeroAddress } from "viem";
import { type Deployment, getSnapshot, type ParapetContext, parseDeployment } from "../../src/index.js";
import { type BulkPosition, openPositionsInBulk } from "../../src/testing/index.js";
import { deployPerpVault } from "../deployment/vault.js";
import {
  FEED_DECIMALS,
  FEED_HEARTBEAT,
  feedAnswer,
  MARKETS,
  marketParams,
  TOKEN_DECIMALS,
  usdc,
  WAD,
} from "./markets.js";

type Connection = Awaited<ReturnType<typeof network.create>>;

export type SnapshotBookParameters = {
  /** Markets to list (≤ 128, the vault's cap). */
  markets: number;
  /** Markets 0..positions-1 get a position of the account (default: all). */
  positions?: number | undefined;
  /** Account index of the book's account (default 0). */
  accountIndex?: bigint | undefined;
};

/** Notional of each of the account's positions, at its market's listing price (USD). */
const POSITION_NOTIONAL_USD = 1_000n;
/** Collateral per position (token units): 30 % of the notional, three times the 10 % initial margin. */
const COLLATERAL_PER_POSITION = usdc("300");

/**
 * A fresh deployment on `connection` with `markets` markets (prices of the bench's five assets in turn, symbols
 * `M0`, `M1`, …; one mock feed each, set in the oracle adapter with a one-day heartbeat), a 10 M USDC LP pool, and
 * the trader's account `accountIndex` holding about 1,000 USD long or short (alternating) in each of the first
 * `positions` markets, opened in batches through the vault's multicall.
 */
export async function deploySnapshotBook(connection: Connection, parameters: SnapshotBookParameters) {
  const { viem, networkHelpers } = connection;
  const count = parameters.markets;
  const positions = parameters.positions ?? count;
  const accountIndex = parameters.accountIndex ?? 0n;
  const publicClient = await viem.getPublicClient();
  const [deployer, trader, lp] = await viem.getWalletClients();
  if (!deployer || !trader || !lp) throw new Error("the in-process chain has fewer than 3 accounts");

  const token = await viem.deployContract("TestToken", ["USD Coin", "USDC", TOKEN_DECIMALS]);
  const adapter = await viem.deployContract("OracleAdapter", [deployer.account.address]);
  const vault = await viem.getContractAt(
    "PerpVault",
    (
      await deployPerpVault(viem, {
        token: token.address,
        adapter: adapter.address,
        owner: deployer.account.address,
      })
    ).vault,
  );
  const lpVault = await viem.deployContract("LiquidityVault", [token.address, vault.address, "Parapet LP", "pLP"]);
  await vault.write.setLiquidityVault([lpVault.address]);
  const prices = Array.from({ length: count }, (_, i) => (MARKETS[i % MARKETS.length] as { price: string }).price);
  const feeds = [];
  for (const price of prices) {
    const feed = await viem.deployContract(
      "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol:MockV3Aggregator",
      [FEED_DECIMALS, feedAnswer(price)],
    );
    await adapter.write.setFeed([feed.address, FEED_HEARTBEAT, zeroAddress, 0, 0]);
    await vault.write.listMarket([marketParams(feed.address, price)]);
    feeds.push(feed);
  }

  await token.write.mint([lp.account.address, usdc("10000000")]);
  await token.write.approve([lpVault.address, maxUint256], { account: lp.account });
  await lpVault.write.deposit([usdc("10000000"), lp.account.address], { account: lp.account });
  await token.write.mint([trader.account.address, COLLATERAL_PER_POSITION * BigInt(positions) + usdc("100000")]);
  await token.write.approve([vault.address, maxUint256], { account: trader.account });

  const deployment: Deployment = parseDeployment({
    chainId: await publicClient.getChainId(),
    blockNumber: 0,
    perpVault: vault.address,
    liquidityVault: lpVault.address,
    oracleAdapter: adapter.address,
    collateralToken: token.address,
    collateralDecimals: TOKEN_DECIMALS,
    markets: feeds.map((f, i) => ({ marketId: i, symbol: `M${i}`, feed: f.address })),
  });
  const client: ParapetContext = { publicClient, walletClient: trader, deployment };
  if (positions > 0) {
    await openPositionsInBulk(client, {
      // Each trade checks the account's margin over every market it holds: 8 per transaction stays far below the
      // per-transaction gas cap at 128 positions.
      accountsPerTransaction: 8,
      positions: bookPositions(prices, accountIndex, positions),
    });
  }
  return {
    connection,
    networkHelpers,
    publicClient,
    deployer,
    trader,
    lp,
    deployment,
    client,
    owner: trader.account.address as Address,
    accountIndex,
    token,
    adapter,
    vault,
    lpVault,
    feeds,
    prices,
  };
}

export type SnapshotBook = Awaited<ReturnType<typeof deploySnapshotBook>>;

/**
 * About 1,000 USD long or short (alternating) in each of the first `count` markets of `prices` (listing prices),
 * for account `accountIndex`, each with 300 USDC of collateral (three times the 10 % initial margin).
 */
export function bookPositions(prices: readonly string[], accountIndex: bigint, count: number): BulkPosition[] {
  return prices.slice(0, count).map((price, i) => {
    const sizeWad = (POSITION_NOTIONAL_USD * WAD * 10n ** BigInt(FEED_DECIMALS)) / feedAnswer(price);
    return {
      accountIndex,
      marketId: BigInt(i),
      collateral: COLLATERAL_PER_POSITION,
      sizeDelta: i % 2 === 0 ? sizeWad : -sizeWad,
    };
  });
}

/** A client of `book`'s deployment over a transport that records every request (`requests`). */
export function countingSnapshotClient(book: SnapshotBook): { client: ParapetContext; requests: string[] } {
  const requests: string[] = [];
  const publicClient = createPublicClient({
    transport: custom({
      request: async (args: { method: string; params?: unknown }) => {
        requests.push(args.method);
        return book.publicClient.request(args as never);
      },
    }),
  });
  return { client: { publicClient, deployment: book.deployment }, requests };
}

export type SnapshotBenchResult = { snapshotMarkets: 64; sdkSnapshotRpcCalls: number; sdkSnapshotMs: number };

/** Markets of the benchmark's snapshot: the target. */
const BENCH_MARKETS = 64;

/**
 * On its own in-process chain: 64 markets and an account with a position in each; the requests of one `getSnapshot`
 * (counted by a wrapping transport) and its median wall time over 20 snapshots. Throws when a snapshot lacks a
 * market or a position, or takes more than 2 requests: a timed result is a checked result.
 */
export async function measureSnapshotAtScale(): Promise<SnapshotBenchResult> {
  const book = await deploySnapshotBook(await network.create(), { markets: BENCH_MARKETS });
  const { client, requests } = countingSnapshotClient(book);
  const params = { owner: book.owner, accountIndex: book.accountIndex };
  const check = (snapshot: Awaited<ReturnType<typeof getSnapshot>>) => {
    const priced = snapshot.markets.filter((m) => m.priceWad !== undefined).length;
    const liquidationPrices = snapshot.account.positions.filter((p) => p.liquidationPriceWad !== undefined).length;
    if (snapshot.markets.length !== BENCH_MARKETS || priced !== BENCH_MARKETS) {
      throw new Error(`the snapshot has ${snapshot.markets.length} markets, ${priced} priced, not ${BENCH_MARKETS}`);
    }
    if (snapshot.account.positions.length !== BENCH_MARKETS || liquidationPrices !== BENCH_MARKETS) {
      throw new Error(
        `the snapshot has ${snapshot.account.positions.length} positions (${liquidationPrices} with a liquidation price), not ${BENCH_MARKETS}`,
      );
    }
  };
  check(await getSnapshot(client, params));
  const sdkSnapshotRpcCalls = requests.length;
  if (sdkSnapshotRpcCalls > 2) throw new Error(`one snapshot took ${sdkSnapshotRpcCalls} requests (target ≤ 2)`);
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    check(await getSnapshot(client, params));
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = ((times[9] ?? 0) + (times[10] ?? 0)) / 2;
  return { snapshotMarkets: BENCH_MARKETS, sdkSnapshotRpcCalls, sdkSnapshotMs: Math.round(median * 10) / 10 };
}
