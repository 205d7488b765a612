// Gas benchmark of Parapet's hot paths on the in-process Hardhat chain.
//
//   npm run bench              Markdown tables on stdout
//   npm run bench -- --json    one flat JSON object of integer gasUsed on stdout (progress on stderr)
//
// (`npx hardhat run scripts/bench.ts` works too; Hardhat rejects extra arguments there, so use BENCH_JSON=1.)
// Every number is `gasUsed` from a transaction receipt. See docs/benchmarks.md.
import os from "node:os";
import hre, { network } from "hardhat";
import {
  type Address,
  createPublicClient,
  custom,
  encodeFunctionData,
  type Hex,
  maxUint256,
  parseEventLogs,
  type TransactionReceipt,
  zeroAddress,
} from "viem";
import { getSnapshot, parseDeployment } from "../src/index.js";
import { measureBacktest } from "./bench/backtest.js";
import { measureCrash } from "./bench/crash.js";
import { measureDashboard } from "./bench/dashboard.js";
import { measureExposureReads } from "./bench/exposures.js";
import { measureMarketHours } from "./bench/hours.js";
import { measureLpFlows } from "./bench/lp.js";
import {
  BACKGROUND_COLLATERAL,
  BACKGROUND_POSITIONS,
  CLOSE_SIZE,
  CROWD_ACCOUNTS,
  CROWD_BATCH,
  CROWD_COLLATERAL,
  crowdSize,
  DECREASE_SIZE,
  ETH_MARKET,
  FEED_DECIMALS,
  FEED_HEARTBEAT,
  feedAnswer,
  INCREASE_SIZE,
  KEEPER_BALANCE,
  LIQ_BATCH,
  LIQ_COLLATERAL,
  LIQ_FULL_PRICE,
  LIQ_OPEN_PRICE,
  LIQ_PARTIAL_PRICE,
  LIQ_SIZE,
  LP_DEPOSIT,
  LP2_DEPOSIT,
  LP2_WITHDRAW,
  MARKETS,
  marketParams,
  OPEN_SIZE,
  TOKEN_DECIMALS,
  TRADER_DEPOSIT,
  TRADER_WITHDRAW,
  units,
  usdc,
  WAD,
} from "./bench/markets.js";
import { measurePackage } from "./bench/package.js";
import {
  allWithinTargets,
  BENCH_KEYS,
  type BenchKey,
  type BenchResult,
  failedChecks,
  jsonReport,
  type Measure,
  markdownReport,
  type ReferenceCost,
  type SdkResult,
} from "./bench/report.js";
import { measureSnapshotAtScale } from "./bench/snapshot.js";
import { intrinsicGas, splitGas, splitTable } from "./bench/trace.js";
import { deployPerpVault } from "./deployment/vault.js";

const JSON_MODE = process.env.BENCH_JSON === "1" || process.argv.includes("--json");
const started = Date.now();
const log = (msg: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

const { viem, networkHelpers, provider } = await network.create();
const publicClient = await viem.getPublicClient();
const wallets = await viem.getWalletClients();
function wallet(i: number) {
  const w = wallets[i];
  if (w === undefined) throw new Error(`the bench needs ${i + 1} funded accounts`);
  return w;
}
const [deployer, lp, maker, trader, lp2, crowd, trader2, keeper, liquidated] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map(
  wallet,
) as [Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet];
type Wallet = ReturnType<typeof wallet>;

let lastHash: Hex = "0x";
let lastReceipt: TransactionReceipt | undefined;

/** Waits for a transaction and returns its receipt's gasUsed (throws on revert); remembers its hash and receipt. */
async function gasOf(tx: Promise<Hex>): Promise<bigint> {
  const hash = await tx;
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  lastHash = hash;
  lastReceipt = receipt;
  return receipt.gasUsed;
}

/** Hashes of the measured transactions, for the gas split. */
const measuredTx: Partial<Record<BenchKey, Hex>> = {};

/** gasUsed of the transaction just mined by `gasOf`, recorded under `key`. */
function record(key: BenchKey, gas: bigint): number {
  measuredTx[key] = lastHash;
  return Number(gas);
}

// ------------------------------------------------------------------ deployment
log("deploying");
const token = await viem.deployContract("TestToken", ["USD Coin", "USDC", TOKEN_DECIMALS]);
const adapter = await viem.deployContract("OracleAdapter", [deployer.account.address]);
const deployFeed = (price: string) =>
  viem.deployContract("@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol:MockV3Aggregator", [
    FEED_DECIMALS,
    feedAnswer(price),
  ]);
const feeds: Awaited<ReturnType<typeof deployFeed>>[] = [];
for (const m of MARKETS) feeds.push(await deployFeed(m.price));
const ethFeed = feeds[0];
if (ethFeed === undefined) throw new Error("no ETH feed");
for (const feed of feeds) await gasOf(adapter.write.setFeed([feed.address, FEED_HEARTBEAT, zeroAddress, 0, 0]));
const modules = await deployPerpVault(viem, {
  token: token.address,
  adapter: adapter.address,
  owner: deployer.account.address,
});
const vault = await viem.getContractAt("PerpVault", modules.vault);
const lpVault = await viem.deployContract("LiquidityVault", [token.address, vault.address, "Parapet LP", "pLP"]);
await gasOf(vault.write.setLiquidityVault([lpVault.address]));
for (const [i, m] of MARKETS.entries()) {
  const feed = feeds[i];
  if (feed === undefined) throw new Error(`no feed for ${m.symbol}`);
  await gasOf(vault.write.listMarket([marketParams(feed.address, m.price)]));
}

// Every actor holds USDC and has approved its spender (neither is measured).
for (const w of [lp, maker, trader, lp2, crowd, trader2, liquidated])
  await gasOf(token.write.mint([w.account.address, usdc("20000000")]));
await gasOf(token.write.mint([keeper.account.address, KEEPER_BALANCE]));
for (const w of [maker, trader, crowd, trader2, liquidated]) {
  await gasOf(token.write.approve([vault.address, maxUint256], { account: w.account }));
}
for (const w of [lp, lp2]) await gasOf(token.write.approve([lpVault.address, maxUint256], { account: w.account }));

log("LP deposits 10M USDC");
await gasOf(lpVault.write.deposit([LP_DEPOSIT, lp.account.address], { account: lp.account }));

// ------------------------------------------------------------------ helpers
const prices = MARKETS.map((m) => feedAnswer(m.price));
const deadline = (await publicClient.getBlock()).timestamp + 30n * 86_400n;

/** A generous acceptable price: +5 % for a buy, −5 % for a sell, from the feed's current answer. */
function acceptablePrice(marketId: bigint, sizeDelta: bigint): bigint {
  const answer = prices[Number(marketId)];
  if (answer === undefined) throw new Error(`no price for market ${marketId}`);
  const wad = answer * 10n ** BigInt(18 - FEED_DECIMALS);
  return sizeDelta > 0n ? (wad * 105n) / 100n : (wad * 95n) / 100n;
}

function tradeParams(owner: Address, accountIndex: bigint, marketId: bigint, sizeDelta: bigint) {
  return {
    owner,
    accountIndex,
    marketId,
    sizeDelta,
    acceptablePrice: acceptablePrice(marketId, sizeDelta),
    deadline,
  };
}

/** Moves a feed's price (a real market moves between trades) and keeps it fresh. */
async function setPrice(marketId: bigint, price: string): Promise<void> {
  const feed = feeds[Number(marketId)];
  if (feed === undefined) throw new Error(`no feed for market ${marketId}`);
  prices[Number(marketId)] = feedAnswer(price);
  await gasOf(feed.write.updateAnswer([feedAnswer(price)]));
}

async function refreshAllFeeds(): Promise<void> {
  for (const [i, feed] of feeds.entries()) {
    const answer = prices[i];
    if (answer !== undefined) await gasOf(feed.write.updateAnswer([answer]));
  }
}

// ------------------------------------------------------------------ standing open interest in all five markets
log("opening background positions in all five markets");
for (const bg of BACKGROUND_POSITIONS) {
  await gasOf(
    vault.write.deposit([maker.account.address, bg.accountIndex, BACKGROUND_COLLATERAL], { account: maker.account }),
  );
}
for (const bg of BACKGROUND_POSITIONS) {
  await networkHelpers.time.increase(1800); // funding accrues between the two sides: non-zero rate and index
  for (const [i, size] of bg.sizes.entries()) {
    await gasOf(
      vault.write.trade([tradeParams(maker.account.address, bg.accountIndex, BigInt(i), units(size))], {
        account: maker.account,
      }),
    );
  }
}
await networkHelpers.time.increase(3600);
await refreshAllFeeds();

// ------------------------------------------------------------------ SDK: one snapshot of an account in 5 markets
log("measuring SDK snapshots");
const snapshot = await measureSdkSnapshot();
log("measuring the backtester");
const sdk: SdkResult = { ...snapshot, ...(await measureBacktest()) };

/**
 * RPC requests of one `getSnapshot` (counted by a wrapping transport) and its median wall time over 20 runs, for
 * the maker's account 0, which holds a position in each of the five markets. Reads only: no gas number changes.
 */
async function measureSdkSnapshot(): Promise<Pick<SdkResult, "sdkSnapshotRpcCalls" | "sdkSnapshotMs">> {
  const { requests, client } = await countingClient();
  const params = { owner: maker.account.address, accountIndex: 0n };
  const first = await getSnapshot(client, params);
  if (first.account.positions.length !== MARKETS.length) throw new Error("the snapshot account lacks positions");
  const rpcCalls = requests.length;
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await getSnapshot(client, params);
    times.push(performance.now() - t0);
  }
  return { sdkSnapshotRpcCalls: rpcCalls, sdkSnapshotMs: median(times) };
}

function median(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const value =
    sorted.length % 2 === 0 ? ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2 : (sorted[Math.floor(mid)] ?? 0);
  return Math.round(value * 10) / 10;
}

/** A Parapet client over a transport that records every request, on the bench chain. */
async function countingClient() {
  const requests: string[] = [];
  const counting = createPublicClient({
    transport: custom({
      request: async (args: { method: string; params?: unknown }) => {
        requests.push(args.method);
        return publicClient.request(args as never);
      },
    }),
  });
  const deployment = parseDeployment({
    chainId: await publicClient.getChainId(),
    blockNumber: 0,
    perpVault: vault.address,
    liquidityVault: lpVault.address,
    oracleAdapter: adapter.address,
    collateralToken: token.address,
    collateralDecimals: TOKEN_DECIMALS,
    markets: MARKETS.map((m, i) => ({ marketId: i, symbol: m.symbol, feed: feeds[i]?.address })),
  });
  return { requests, client: { publicClient: counting, deployment } };
}

// ------------------------------------------------------------------ measured: one trader's life cycle
const result: Partial<BenchResult> = {};
const big = (g: bigint) => Number(g);

/** Deposit into a new account, withdraw a little, wait, open long 1 ETH with 1,000 USDC of collateral. */
async function depositWithdrawOpen(who: Wallet, keys: { deposit?: BenchKey; withdraw?: BenchKey; open: BenchKey }) {
  const owner = who.account.address;
  const deposit = await gasOf(vault.write.deposit([owner, 0n, TRADER_DEPOSIT], { account: who.account }));
  if (keys.deposit) result[keys.deposit] = record(keys.deposit, deposit);
  const withdraw = await gasOf(vault.write.withdraw([0n, TRADER_WITHDRAW, owner], { account: who.account }));
  if (keys.withdraw) result[keys.withdraw] = record(keys.withdraw, withdraw);
  await networkHelpers.time.increase(600);
  const params = tradeParams(owner, 0n, ETH_MARKET, OPEN_SIZE);
  const estimate = await vault.estimateGas.trade([params], { account: who.account });
  result[keys.open] = record(keys.open, await gasOf(vault.write.trade([params], { account: who.account })));
  return { deposit, withdraw, estimate };
}

log("measuring deposit, withdraw, open, increase, decrease, close");
const first = await depositWithdrawOpen(trader, { deposit: "deposit", withdraw: "withdraw", open: "open" });

const traderTrade = (sizeDelta: bigint) =>
  gasOf(
    vault.write.trade([tradeParams(trader.account.address, 0n, ETH_MARKET, sizeDelta)], { account: trader.account }),
  );
await networkHelpers.time.increase(3600);
await setPrice(ETH_MARKET, "3010");
result.increase = record("increase", await traderTrade(INCREASE_SIZE));
await networkHelpers.time.increase(3600);
await setPrice(ETH_MARKET, "2990");
result.decrease = record("decrease", await traderTrade(DECREASE_SIZE));
await networkHelpers.time.increase(3600);
await setPrice(ETH_MARKET, "3000");
result.close = record("close", await traderTrade(CLOSE_SIZE));
const closed = await vault.read.position([trader.account.address, 0n, ETH_MARKET]);
if (closed.size !== 0n) throw new Error("the close left a position");

// ------------------------------------------------------------------ measured: LP deposit/withdraw, OI in 5 markets
log("measuring lpDeposit, lpWithdraw");
await networkHelpers.time.increase(600);
for (let id = 0n; id < BigInt(MARKETS.length); id++) {
  const state = await vault.read.marketState([id]);
  if (state.longSize === 0n && state.shortSize === 0n) throw new Error(`market ${id} has no open interest`);
}
result.lpDeposit = record(
  "lpDeposit",
  await gasOf(lpVault.write.deposit([LP2_DEPOSIT, lp2.account.address], { account: lp2.account })),
);
await networkHelpers.time.increase(600);
result.lpWithdraw = record(
  "lpWithdraw",
  await gasOf(
    lpVault.write.withdraw([LP2_WITHDRAW, lp2.account.address, lp2.account.address], { account: lp2.account }),
  ),
);

// ------------------------------------------------------------------ measured: a 2-step hedge rebalance (HedgeRouter)
log("measuring hedgeRebalance2");
// Two fresh isolated accounts of the trader, opened from flat in one transaction: short 2 ETH at a 2,000 USD
// floor and short 0.1 BTC at a 3,000 USD floor (each step: quote, one top-up of floor + fee, trade).
const hedgeRouter = await viem.deployContract("HedgeRouter", [vault.address]);
await gasOf(vault.write.setOperator([hedgeRouter.address, true], { account: trader.account }));
await gasOf(token.write.approve([hedgeRouter.address, maxUint256], { account: trader.account }));
const hedgeStep = (accountIndex: bigint, marketId: bigint, size: string, floorUsd: string) => ({
  accountIndex,
  marketId,
  targetSize: units(size),
  acceptablePrice: acceptablePrice(marketId, units(size)),
  minCollateralUsd: units(floorUsd),
  maxDeposit: usdc("10000"),
});
result.hedgeRebalance2 = record(
  "hedgeRebalance2",
  await gasOf(
    hedgeRouter.write.rebalance(
      [
        trader.account.address,
        [hedgeStep(100n, ETH_MARKET, "-2", "2000"), hedgeStep(101n, 1n, "-0.1", "3000")],
        deadline,
      ],
      { account: trader.account },
    ),
  ),
);
if ((await vault.read.position([trader.account.address, 101n, 1n])).size !== units("-0.1")) {
  throw new Error("the hedge rebalance missed its target");
}

// ------------------------------------------------------------------ measured: trigger orders (TriggerOrders)
log("measuring placeTrigger, executeTrigger");
// A reduce-only stop-loss on the hedge's short 2 ETH (account 100): buy back 1 ETH when ETH ≥ the trigger, with a
// 1 USDC keeper fee. The measured order is the second one: the contract's token balance already holds a fee, the
// steady state of a live deployment (the first placement, which creates that balance, is a reference cost below).
const triggerOrders = await viem.deployContract("TriggerOrders", [vault.address]);
await gasOf(vault.write.setOperator([triggerOrders.address, true], { account: trader.account }));
await gasOf(token.write.approve([triggerOrders.address, maxUint256], { account: trader.account }));
const ethPriceWad = await adapter.read.priceWad([ethFeed.address]);
const stopParams = (triggerPriceWad: bigint) => ({
  marketId: ETH_MARKET,
  sizeDelta: units("1"),
  triggerPriceWad,
  triggerAbove: true,
  acceptablePrice: maxUint256,
  expiry: deadline,
  reduceOnly: true,
});
const firstPlacementGas = await gasOf(
  triggerOrders.write.placeTrigger([trader.account.address, 100n, stopParams(ethPriceWad * 2n), usdc("1")], {
    account: trader.account,
  }),
);
// Due at once: the trigger is the current price (≥ holds), so no price move disturbs the later measurements.
result.placeTrigger = record(
  "placeTrigger",
  await gasOf(
    triggerOrders.write.placeTrigger([trader.account.address, 100n, stopParams(ethPriceWad), usdc("1")], {
      account: trader.account,
    }),
  ),
);
const dueOrderId = (await triggerOrders.read.nextOrderId()) - 1n;
result.executeTrigger = record(
  "executeTrigger",
  await gasOf(triggerOrders.write.executeTrigger([dueOrderId], { account: keeper.account })),
);
if ((await vault.read.position([trader.account.address, 100n, ETH_MARKET])).size !== units("-1")) {
  throw new Error("the stop did not buy back 1 ETH");
}

// ------------------------------------------------------------------ reference costs
log("measuring reference costs");
const refs: ReferenceCost[] = [];
refs.push({
  what: "placeTrigger, the contract's first order",
  gas: big(firstPlacementGas),
  note: "its token balance goes from zero to non-zero (+~17,000 once per deployment)",
});

/** Sends a (view) call as a transaction and records its receipt's gasUsed. */
async function refTx(what: string, to: Address, data: Hex, note: string): Promise<void> {
  const gas = await gasOf(deployer.sendTransaction({ to, data, gas: 5_000_000n }));
  refs.push({ what, gas: big(gas), execution: big(gas) - intrinsicGas(data), note });
}

await refTx(
  "`feed.latestRoundData()` (mock feed)",
  ethFeed.address,
  encodeFunctionData({ abi: ethFeed.abi, functionName: "latestRoundData" }),
  "bare Chainlink mock read, cold",
);
await refTx(
  "`adapter.priceWad(feed)`",
  adapter.address,
  encodeFunctionData({ abi: adapter.abi, functionName: "priceWad", args: [ethFeed.address] }),
  "one guarded oracle read, cold: config + latestRoundData + decimals",
);
const priceWadEstimate = await publicClient.estimateGas({
  account: deployer.account,
  to: adapter.address,
  data: encodeFunctionData({ abi: adapter.abi, functionName: "priceWad", args: [ethFeed.address] }),
});
refs.push({
  what: "`adapter.priceWad(feed)`, eth_estimateGas",
  gas: big(priceWadEstimate),
  note: "gas limit, not gasUsed: the adapter requires gasleft() ≥ 100,000 before each feed call",
});
await refTx(
  "`perpVault.liquidityState()`",
  vault.address,
  encodeFunctionData({ abi: vault.abi, functionName: "liquidityState" }),
  "pool mark: one oracle read + funding per market with OI (5)",
);
await refTx(
  "`lpVault.totalAssets()`",
  lpVault.address,
  encodeFunctionData({ abi: lpVault.abi, functionName: "totalAssets" }),
  "= liquidityState through the LP vault",
);
await refTx(
  "`lpVault.maxWithdraw(lp)`",
  lpVault.address,
  encodeFunctionData({ abi: lpVault.abi, functionName: "maxWithdraw", args: [lp2.account.address] }),
  "one liquidityState mark",
);
await refTx(
  "`perpVault.currentFunding(0)`",
  vault.address,
  encodeFunctionData({ abi: vault.abi, functionName: "currentFunding", args: [ETH_MARKET] }),
  "one market: oracle read + funding accrual math, cold",
);
{
  // A pool mark repeated in the same transaction (warm accounts and slots) via the vault's own multicall.
  const mark = encodeFunctionData({ abi: vault.abi, functionName: "liquidityState" });
  const once = await gasOf(vault.write.multicall([[mark]]));
  const twice = await gasOf(vault.write.multicall([[mark, mark]]));
  refs.push({
    what: "second `liquidityState()` in the same tx",
    gas: Number(twice - once),
    note: "multicall([mark, mark]) − multicall([mark]): a repeated 5-market mark once everything is warm",
  });
}
refs.push({
  what: "`token.transfer` (balance → balance)",
  gas: big(await gasOf(token.write.transfer([lp.account.address, usdc("1")], { account: lp2.account }))),
  note: "bare ERC-20 transfer between non-empty balances",
});
refs.push({
  what: "open, eth_estimateGas",
  gas: big(first.estimate),
  note: "gas limit for `open`: equal to gasUsed, the 100,000 guard is met early in the trade",
});

// ------------------------------------------------------------------ measured: liquidations
// One owner's accounts (indexes below), each 400 USDC and long 1 ETH opened at 3,000 (see markets.ts); a keeper that
// already holds tokens calls. ETH → 2,700: one account is liquidated partially; ETH → 2,620: one fully, then ten
// more in one `liquidateBatch`.
const liqOwner = liquidated.account.address;
const LIQ_FULL_INDEX = 0n;
const LIQ_PARTIAL_INDEX = 1n;
const LIQ_BATCH_INDEXES = Array.from({ length: LIQ_BATCH }, (_, i) => BigInt(i + 2));
const LIQ_AT_1000_INDEX = BigInt(LIQ_BATCH + 2);

/** Deposits 400 USDC into account `index` of the liquidated owner and opens long 1 ETH there (one multicall). */
async function openLiquidatable(index: bigint): Promise<void> {
  await gasOf(
    vault.write.multicall(
      [
        [
          encodeFunctionData({ abi: vault.abi, functionName: "deposit", args: [liqOwner, index, LIQ_COLLATERAL] }),
          encodeFunctionData({
            abi: vault.abi,
            functionName: "trade",
            args: [tradeParams(liqOwner, index, ETH_MARKET, LIQ_SIZE)],
          }),
        ],
      ],
      { account: liquidated.account },
    ),
  );
}

/** Checks that every account of `indexes` is liquidatable now. */
async function expectLiquidatable(indexes: readonly bigint[]): Promise<void> {
  for (const index of indexes) {
    if (!(await vault.read.isLiquidatable([liqOwner, index]))) throw new Error(`account ${index} is not liquidatable`);
  }
}

/**
 * The `Liquidated` events of the last mined transaction: checks there is one per account of `indexes`, each a full
 * liquidation (closed fraction 1e18, no bad debt, no position left) or, with `partial`, a partial one.
 */
async function checkLiquidated(indexes: readonly bigint[], partial = false): Promise<void> {
  if (lastReceipt === undefined) throw new Error("no receipt");
  const events = parseEventLogs({ abi: vault.abi, eventName: "Liquidated", logs: lastReceipt.logs });
  if (events.length !== indexes.length) throw new Error(`${events.length} liquidations, expected ${indexes.length}`);
  for (const [i, index] of indexes.entries()) {
    const event = events[i];
    if (
      event === undefined ||
      event.args.owner.toLowerCase() !== liqOwner.toLowerCase() ||
      event.args.accountIndex !== index
    )
      throw new Error(`liquidation ${i} is not of account ${index}`);
    const { closedFraction, badDebtUsd } = event.args.result;
    const left = (await vault.read.position([liqOwner, index, ETH_MARKET])).size;
    if (partial ? closedFraction === 0n || closedFraction >= WAD || left === 0n : closedFraction !== WAD || left !== 0n)
      throw new Error(`account ${index}: closed fraction ${closedFraction}, size left ${left}`);
    if (badDebtUsd !== 0n) throw new Error(`account ${index}: bad debt ${badDebtUsd}`);
    if (indexes.length === 1) {
      const r = event.args.result;
      const usd = (x: bigint) => (Number(x) / 1e18).toFixed(2);
      log(
        `(account ${index}: closed ${usd(r.closedFraction * 100n)} %, penalty ${usd(r.penaltyUsd)}, keeper ` +
          `${usd(r.keeperRewardUsd)}, collateral after ${usd(event.args.collateralAfter)} USD)`,
      );
    }
  }
}

/** ETH back at the opening price, an hour later (the crowd and the second trader open there). */
async function resetEthPrice(): Promise<void> {
  await networkHelpers.time.increase(3600);
  prices[Number(ETH_MARKET)] = feedAnswer(LIQ_OPEN_PRICE);
  await refreshAllFeeds();
}

log(`measuring liquidatePartial, liquidate, liquidateBatch${LIQ_BATCH}`);
await networkHelpers.time.increase(600);
await setPrice(ETH_MARKET, LIQ_OPEN_PRICE);
for (const index of [LIQ_FULL_INDEX, LIQ_PARTIAL_INDEX, ...LIQ_BATCH_INDEXES]) await openLiquidatable(index);
await networkHelpers.time.increase(3600);
await refreshAllFeeds();
await setPrice(ETH_MARKET, LIQ_PARTIAL_PRICE);
await expectLiquidatable([LIQ_PARTIAL_INDEX]);
const keeperLiquidate = (index: bigint) => gasOf(vault.write.liquidate([liqOwner, index], { account: keeper.account }));
result.liquidatePartial = record("liquidatePartial", await keeperLiquidate(LIQ_PARTIAL_INDEX));
await checkLiquidated([LIQ_PARTIAL_INDEX], true);

await networkHelpers.time.increase(600);
await setPrice(ETH_MARKET, LIQ_FULL_PRICE);
await expectLiquidatable([LIQ_FULL_INDEX, ...LIQ_BATCH_INDEXES]);
result.liquidate = record("liquidate", await keeperLiquidate(LIQ_FULL_INDEX));
await checkLiquidated([LIQ_FULL_INDEX]);
result.liquidateBatch10 = record(
  "liquidateBatch10",
  await gasOf(
    vault.write.liquidateBatch([LIQ_BATCH_INDEXES.map((accountIndex) => ({ owner: liqOwner, accountIndex }))], {
      account: keeper.account,
    }),
  ),
);
await checkLiquidated(LIQ_BATCH_INDEXES);
await resetEthPrice();

// ------------------------------------------------------------------ measured: open after 1,000 positions in ETH
log(`opening ${CROWD_ACCOUNTS} positions in ETH (one owner, account indexes 0..${CROWD_ACCOUNTS - 1}) via multicall`);
const crowdOwner = crowd.account.address;
for (let start = 0; start < CROWD_ACCOUNTS; start += CROWD_BATCH) {
  const calls: Hex[] = [];
  for (let i = start; i < Math.min(start + CROWD_BATCH, CROWD_ACCOUNTS); i++) {
    const index = BigInt(i);
    calls.push(
      encodeFunctionData({ abi: vault.abi, functionName: "deposit", args: [crowdOwner, index, CROWD_COLLATERAL] }),
    );
    calls.push(
      encodeFunctionData({
        abi: vault.abi,
        functionName: "trade",
        args: [tradeParams(crowdOwner, index, ETH_MARKET, crowdSize(i))],
      }),
    );
  }
  await gasOf(vault.write.multicall([calls], { account: crowd.account }));
}
const ethState = await vault.read.marketState([ETH_MARKET]);
log(`ETH market: long ${ethState.longSize} short ${ethState.shortSize} (units WAD)`);
await networkHelpers.time.increase(3600);
await refreshAllFeeds();

log("measuring openAt1000Positions");
const second = await depositWithdrawOpen(trader2, { open: "openAt1000Positions" });
log(`(deposit ${second.deposit}, withdraw ${second.withdraw} with 1,000 positions: unchanged paths)`);

log("measuring liquidateAt1000Positions");
// The same path as `liquidate`: open at 3,000, an hour, ETH → 2,700, ten minutes, ETH → 2,620, liquidate in full.
await openLiquidatable(LIQ_AT_1000_INDEX);
await networkHelpers.time.increase(3600);
await refreshAllFeeds();
await setPrice(ETH_MARKET, LIQ_PARTIAL_PRICE);
await networkHelpers.time.increase(600);
await setPrice(ETH_MARKET, LIQ_FULL_PRICE);
await expectLiquidatable([LIQ_AT_1000_INDEX]);
result.liquidateAt1000Positions = record("liquidateAt1000Positions", await keeperLiquidate(LIQ_AT_1000_INDEX));
await checkLiquidated([LIQ_AT_1000_INDEX]);

// ------------------------------------------------------------------ reference: the latency defence's delayed orders
// Last, so that no measured key sees the defence: BTC is defended for the two calls, then turned off again.
log("measuring commitOrder, settleOrder (reference costs)");
const delayedOrders = await viem.deployContract("DelayedOrders", [vault.address]);
await gasOf(vault.write.setDelayedOrders([delayedOrders.address]));
await gasOf(
  vault.write.setLatencyParams([
    1n,
    { minSettlementDelay: 5, settlementTimeout: 3600, immediateFeeRatio: units("0.005") },
  ]),
);
await gasOf(vault.write.setOperator([delayedOrders.address, true], { account: trader.account }));
await gasOf(token.write.approve([delayedOrders.address, maxUint256], { account: trader.account }));
// Buy back 0.05 BTC of the hedge's short 0.1 BTC (account 101), reduce-only, 1 USDC keeper fee.
const commitGas = await gasOf(
  delayedOrders.write.commitOrder(
    [
      trader.account.address,
      101n,
      { marketId: 1n, sizeDelta: units("0.05"), acceptablePrice: maxUint256, reduceOnly: true },
      usdc("1"),
    ],
    { account: trader.account },
  ),
);
await networkHelpers.time.increase(5);
await refreshAllFeeds(); // the first round after the delay
const settleGas = await gasOf(
  delayedOrders.write.settleOrder([(await delayedOrders.read.nextOrderId()) - 1n], { account: keeper.account }),
);
if ((await vault.read.position([trader.account.address, 101n, 1n])).size !== units("-0.05")) {
  throw new Error("the delayed order did not settle");
}
await gasOf(vault.write.setLatencyParams([1n, { minSettlementDelay: 0, settlementTimeout: 0, immediateFeeRatio: 0n }]));
refs.push(
  {
    what: "DelayedOrders.commitOrder (first order)",
    gas: big(commitGas),
    note: "3 new slots + the fee escrow (its balance created); the latency defence's open/close path",
  },
  {
    what: "DelayedOrders.settleOrder",
    gas: big(settleGas),
    note: "a keeper settles at the first BTC round after the 5 s delay: 2 feed round reads + the trade + the fee",
  },
);

// ------------------------------------------------------------------ scenarios, each on a chain of its own
// BENCH_SCENARIOS=0 skips them (a quick gas-only run while changing contracts; CI runs them all).
const measures: Measure[] = [];
if (process.env.BENCH_SCENARIOS !== "0") {
  log("measuring market hours: the check on an always-open market, an open in a scheduled one");
  measures.push(...(await measureMarketHours(log)));
  log("measuring exposure reads: an owner with 20 Uniswap v3 positions");
  measures.push(...(await measureExposureReads(log)));
  log("measuring the live dashboard: 20 accounts, 10 markets, one refresh per block");
  measures.push(...(await measureDashboard(log)));
  log("measuring LP requests and their settlement at 10 markets");
  measures.push(...(await measureLpFlows(log)));
  log("measuring a snapshot of 64 markets with a position in each");
  const snapshot64 = await measureSnapshotAtScale();
  measures.push(
    { key: "snapshotMarkets", value: snapshot64.snapshotMarkets, check: { op: ">=", value: 64 } },
    { key: "snapshotRpcCalls", value: snapshot64.sdkSnapshotRpcCalls, check: { op: "<=", value: 2 } },
    { key: "snapshotMs", value: snapshot64.sdkSnapshotMs },
  );
  log("measuring the keeper at scale: 10,000 accounts, a 50 % gap");
  measures.push(...(await measureCrash(log)));
}
// The npm package: npm pack (prepack builds dist/), its size and contents, the installed CLI's --help start-up and
// a four-year backtest through it (cliBacktestMs, its runs checked).
log("measuring the npm package: npm pack, its contents, parapet --help and parapet backtest from the unpacked tarball");
measures.push(...(await measurePackage(log)));

// ------------------------------------------------------------------ profile one measured transaction (developers)
if (process.env.BENCH_PROFILE) {
  const key = process.env.BENCH_PROFILE as BenchKey;
  const hash = measuredTx[key];
  if (hash === undefined) throw new Error(`BENCH_PROFILE=${key}: no such measured transaction`);
  const tx = await publicClient.getTransaction({ hash });
  const { profileTransaction } = await import("./bench/profile.js");
  const table = await profileTransaction(provider, process.cwd(), hash, tx.to ?? zeroAddress, {
    [vault.address]: "contracts/PerpVault.sol/PerpVault.json",
    [modules.liquidationModule]: "contracts/LiquidationModule.sol/LiquidationModule.json",
    [modules.adminModule]: "contracts/AdminModule.sol/AdminModule.json",
  });
  process.stderr.write(`gas of ${key} by source line (top 60):\n${table}\n`);
}

if (process.env.BENCH_COLD) {
  const { coldAccesses } = await import("./bench/cold.js");
  const names: Record<string, string> = {
    [vault.address.toLowerCase()]: "vault",
    [adapter.address.toLowerCase()]: "adapter",
    [token.address.toLowerCase()]: "token",
    [modules.liquidationModule.toLowerCase()]: "liqModule",
    [ethFeed.address.toLowerCase()]: "ethFeed",
  };
  for (const key of process.env.BENCH_COLD.split(",") as BenchKey[]) {
    const hash = measuredTx[key];
    if (hash === undefined) throw new Error(`BENCH_COLD=${key}: no such measured transaction`);
    const tx = await publicClient.getTransaction({ hash });
    process.stderr.write(
      `cold accesses of ${key}:\n${await coldAccesses(provider, hash, tx.to ?? zeroAddress, names)}\n`,
    );
    if (process.env.BENCH_OPCODES) {
      const { opcodeHistogram } = await import("./bench/cold.js");
      process.stderr.write(
        `opcodes of ${key} (depth ${process.env.BENCH_OPCODES}):\n${await opcodeHistogram(provider, hash, Number(process.env.BENCH_OPCODES))}\n`,
      );
    }
  }
}

// ------------------------------------------------------------------ output
const final = result as BenchResult;
if (JSON_MODE) {
  process.stdout.write(`${jsonReport(final, sdk, measures)}\n`);
} else {
  log("tracing the measured transactions");
  const splits = [];
  for (const key of BENCH_KEYS) {
    const hash = measuredTx[key];
    if (hash === undefined) throw new Error(`no transaction recorded for ${key}`);
    const tx = await publicClient.getTransaction({ hash });
    if (tx.to === null) throw new Error(`${key} is a deployment`);
    const split = await splitGas(
      provider,
      hash,
      tx.to,
      tx.input,
      BigInt(final[key]),
      [adapter.address, ...feeds.map((f) => f.address)],
      [token.address],
    );
    splits.push({ key, split });
  }
  const compiler = hre.config.solidity.profiles.default?.compilers[0];
  const settings = compiler?.settings ?? {};
  const optimizer = settings.optimizer?.enabled ? `optimizer ${settings.optimizer.runs} runs` : "optimizer off";
  const meta = [
    `Run ${new Date().toISOString()} on Hardhat's in-process EDR chain (L1, default hardfork), solc ${compiler?.version},`,
    `${settings.viaIR ? "via-IR, " : ""}${optimizer}, evmVersion ${settings.evmVersion};`,
    `${os.cpus().length} CPU cores; Node ${process.version};`,
    `${((Date.now() - started) / 1000).toFixed(1)} s. "execution" = gasUsed − 21,000 − calldata.`,
  ].join(" ");
  process.stdout.write(markdownReport(final, refs, splitTable(splits), meta, sdk, measures));
}
log(allWithinTargets(final, sdk) ? "all gas and SDK targets met" : "some gas or SDK targets missed");
// A benchmark that times a result checks it: a count that must match and does not fails the run.
const failed = failedChecks(measures);
if (failed.length > 0) {
  log(`FAILED CHECKS:\n  ${failed.join("\n  ")}`);
  process.exitCode = 1;
}
