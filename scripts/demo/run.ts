// `npm run demo`'s engine: deploys Parapet on a fresh in-process chain, builds a hedger's book, opens the hedges and
// replays real daily closes through the mock feeds with time travel while the rebalancer and the keeper run. Every
// number of the summary comes from the chain (receipts, events, account reads); this file only orchestrates SDK calls.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import hre, { network } from "hardhat";
import {
  type Address,
  getAddress,
  type Hex,
  isAddressEqual,
  type Log,
  maxUint256,
  parseEther,
  parseEventLogs,
  parseUnits,
  type TransactionReceipt,
} from "viem";
import ParapetLocal from "../../ignition/modules/ParapetLocal.js";
import {
  hedgeRouterAbi,
  mockV3AggregatorAbi,
  oracleAdapterAbi,
  perpVaultAbi,
  testTokenAbi,
  triggerOrdersAbi,
  weth9Abi,
} from "../../src/abis/index.js";
import { loadHistoryFiles } from "../../src/backtest/node.js";
import { defaultMarketSchedule, isMarketOpen, marketHoursParams, marketStatus } from "../../src/hours/index.js";
import {
  concentratedLp,
  createKeeperState,
  createParapetContext,
  type Deployment,
  type Exposure,
  executeHedge,
  exposureUnits,
  exposureValueUsd,
  getLpFlowParams,
  getMarkets,
  hedgeMarketsFromChain,
  hedgeStepsFromPlan,
  keeperTick,
  type ParapetContext,
  ParapetInputError,
  planHedge,
  type RebalanceReasonCode,
  readExposures,
  rebalanceHedge,
  stopLossParams,
  toWad,
  wadToNumber,
  writeApprove,
  writeDeposit,
  writePlaceTrigger,
  writeSetOperator,
  writeTrade,
} from "../../src/index.js";
import { fundingOwedUp } from "../../src/math/index.js";
import {
  createUniswapV3Pool,
  deployUniswapV3,
  mintUniswapV3Position,
  moveUniswapV3Price,
  seedLiquidity,
  setMarketPrice,
  UNISWAP_FEE_TICK_SPACING,
  type UniswapV3Deployment,
} from "../../src/testing/index.js";
import { MAX_TICK, MIN_TICK } from "../../src/uniswap/math.js";
import { deploymentFromIgnition } from "../deployment/fromIgnition.js";
import {
  ARBITRAGEUR,
  CAREFUL,
  COUNTERPARTY_COLLATERAL_USD,
  COUNTERPARTY_NOTIONAL_USD,
  DEMO_DAYS,
  DEMO_FEEDS,
  DEMO_FROM,
  DEMO_PRICE_FILES,
  DEMO_STALE_FEED,
  demoOtherExposures,
  LP_DEPOSIT_USD,
  POOL_BACKGROUND_USD,
  RECKLESS,
  UNISWAP_POSITION,
} from "./book.js";
import { renderDemoReport } from "./report.js";
import { type DemoDay, type DemoPoolDay, type DemoSummary, summariseDemo } from "./summary.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** Ignition's deployment id (journal directory) of a served demo chain. */
const DEMO_DEPLOYMENT_ID = "demo-chain";
const DAY_SECONDS = 86_400;
/** The hedger and the keeper act this long after the day's feed rounds (19:30 UTC). */
const ACT_AFTER_FEEDS_SECONDS = 900n;
const FEED_DECIMALS = 8;
/** Band of the rebalancer: act when a hedge is 5 % off its target size (the ETH LP's delta drifts with the price). */
const REBALANCE_BAND = 0.05;

export type DemoProgress = {
  /** Replay day, of `days`; 0 is the setup (deployment, book, hedges opened). */
  day: number;
  days: number;
  date: string;
  /** What happened that day worth a line (rebalance, veto, liquidation), empty on a quiet day. */
  events: string[];
};

export type RunDemoParameters = {
  /** Setup day `YYYY-MM-DD` (default 2025-07-26); the replay starts the day after. */
  from?: string | undefined;
  /** Days replayed after the setup day (default 90). */
  days?: number | undefined;
  /** A day (1..days) on which one feed is not updated, so the oracle guard shows; `null` for none. Default day 45, XAU. */
  staleFeed?: { day: number; symbol: string } | null | undefined;
  /** Where to write the HTML report (default reports/demo.html); `null` to skip. */
  reportPath?: string | null | undefined;
  /** Stated gas price for the gas column (gwei, default 1), priced at each day's ETH feed price. */
  gasPriceGwei?: number | undefined;
  onProgress?: ((progress: DemoProgress) => void) | undefined;
  /**
   * Run on a chain served over JSON-RPC on 127.0.0.1:`port` (0: any free port) instead of in-process, and leave it
   * running, so that `parapet dashboard` (or any tool) can read the demo's book; close it with `chain.close()`.
   */
  serve?: { port: number } | undefined;
};

/** A transaction the demo sent, with who sent it and why (the gas column sums the hedger's). */
export type DemoTransaction = {
  day: number;
  role: "hedger" | "keeper" | "oracle" | "setup" | "market";
  label: string;
  hash: Hex;
  gasUsed: bigint;
};

export type RunDemoReturnType = DemoSummary & {
  /** Every transaction the demo sent, in order (setup, oracle, hedger, keeper). */
  transactions: DemoTransaction[];
  /** What the run read at the end of each day (day 0 first). */
  dayReads: DemoDay[];
  /** The chain the demo ran on, still live, so callers (the test) can check the summary against it. */
  chain: {
    context: ParapetContext;
    deployment: Deployment;
    hedger: Address;
    keeper: Address;
    reckless: Address;
    careful: Address;
    counterparty: Address;
    arbitrageur: Address;
    uniswap: UniswapV3Deployment & { pool: Address; tokenId: bigint };
    startBlock: bigint;
    endBlock: bigint;
    /** The JSON-RPC endpoint of the served chain (`serve`), or undefined in-process. */
    url: string | undefined;
    /** Stops the served chain (nothing to do in-process). */
    close: () => Promise<void>;
  };
};

function checkParameters(days: number, staleFeed: { day: number; symbol: string } | null): void {
  if (!Number.isInteger(days) || days < 2) {
    throw new ParapetInputError("days", `${days} is not an integer ≥ 2.`, "Pass e.g. 90 (or 12 for a short run).");
  }
  if (staleFeed === null) return;
  if (!Number.isInteger(staleFeed.day) || staleFeed.day < 1 || staleFeed.day >= days) {
    throw new ParapetInputError(
      "staleFeed.day",
      `${staleFeed.day} is not a replay day before the last (1..${days - 1}).`,
      "Pick a day inside the window, so the next day shows the recovery, or pass staleFeed: null.",
    );
  }
  if (!DEMO_FEEDS.some((f) => f.symbol === staleFeed.symbol)) {
    throw new ParapetInputError(
      "staleFeed.symbol",
      `${staleFeed.symbol} is not a demo market.`,
      `Use one of ${DEMO_FEEDS.map((f) => f.symbol).join(", ")}.`,
    );
  }
}

/** `YYYY-MM-DD` plus `days` days. */
function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_SECONDS * 1000).toISOString().slice(0, 10);
}

const usd = (x: number) => x.toFixed(6); // token amounts as decimal strings (6-decimal USDC)

/**
 * Runs the demo on a fresh in-process chain and returns its summary (every number read from the chain) plus the live
 * chain. Throws ParapetInputError for bad parameters and the data loaders' typed errors for a window outside the data.
 */
export async function runDemo(parameters: RunDemoParameters = {}): Promise<RunDemoReturnType> {
  const startedMs = Date.now();
  const from = parameters.from ?? DEMO_FROM;
  const days = parameters.days ?? DEMO_DAYS;
  const staleFeed = parameters.staleFeed === undefined ? DEMO_STALE_FEED : parameters.staleFeed;
  const gasPriceGwei = parameters.gasPriceGwei ?? 1;
  checkParameters(days, staleFeed);

  // ---- data: one calendar, tradfi forward-filled on weekends and holidays -------------------------------------
  const { history } = await loadHistoryFiles({
    prices: DEMO_PRICE_FILES.map((spec) =>
      spec.replace(/(^|=)data\//, (m) => m.replace("data/", `${REPO_ROOT}/data/`)),
    ),
    from,
    to: addDays(from, days),
  });
  const closeOf = (symbol: string, dayIndex: number): number => {
    const feed = DEMO_FEEDS.find((f) => f.symbol === symbol);
    const close = feed && history.assets[feed.dataAsset]?.closeUsd[dayIndex];
    if (feed === undefined || close === undefined) throw new Error(`no ${symbol} close on day ${dayIndex}`);
    return close * feed.multiplier;
  };

  // ---- chain and deployment -------------------------------------------------------------------------------------
  // In-process, or served: a JSON-RPC server over its own chain, reached through HTTP like any node. Served, Ignition
  // keeps a journal; the demo's chain is new each run, so the previous one is deleted first.
  const server = parameters.serve
    ? await network.createServer("hardhat", "127.0.0.1", parameters.serve.port)
    : undefined;
  let url: string | undefined;
  if (server) {
    const { address, port } = await server.listen();
    url = `http://${address}:${port}`;
    await rm(resolve(hre.config.paths.ignition, "deployments", DEMO_DEPLOYMENT_ID), { recursive: true, force: true });
  }
  const connection = await network.create(url ? { network: "localhost", override: { url } } : undefined);
  const { viem, ignition, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();
  const [
    oracleWallet,
    hedgerWallet,
    keeperWallet,
    lpWallet,
    counterpartyWallet,
    recklessWallet,
    carefulWallet,
    poolLpWallet,
    arbWallet,
  ] = await viem.getWalletClients();
  if (
    !poolLpWallet ||
    !arbWallet ||
    !oracleWallet ||
    !hedgerWallet ||
    !keeperWallet ||
    !lpWallet ||
    !counterpartyWallet ||
    !recklessWallet ||
    !carefulWallet
  ) {
    throw new Error("the in-process chain has fewer than 9 accounts");
  }
  const deployed = (await ignition.deploy(ParapetLocal, {
    ...(server ? { deploymentId: DEMO_DEPLOYMENT_ID } : {}),
  })) as unknown as Record<string, { address: Address }>;
  const deployment = deploymentFromIgnition(
    deployed,
    await publicClient.getChainId(),
    await publicClient.getBlockNumber(),
    6,
  );
  const contextFor = (walletClient: typeof hedgerWallet) =>
    createParapetContext({ publicClient, walletClient, deployment });
  const [hedger, keeper, lp, counterparty, reckless, careful] = await Promise.all(
    [hedgerWallet, keeperWallet, lpWallet, counterpartyWallet, recklessWallet, carefulWallet].map(contextFor),
  );
  if (!hedger || !keeper || !lp || !counterparty || !reckless || !careful) throw new Error("unreachable");
  const hedgerAddress = hedgerWallet.account.address;
  const marketIdOf = (symbol: string) => {
    const m = deployment.markets.find((x) => x.symbol === symbol);
    if (!m) throw new Error(`ParapetLocal has no ${symbol} market`);
    return m;
  };

  const transactions: DemoTransaction[] = [];
  const record = (day: number, role: DemoTransaction["role"], label: string, receipt: TransactionReceipt) => {
    transactions.push({ day, role, label, hash: receipt.transactionHash, gasUsed: receipt.gasUsed });
  };
  const mint = async (to: Address, amountUsd: number) => {
    const hash = await oracleWallet.writeContract({
      address: deployment.collateralToken,
      abi: testTokenAbi,
      functionName: "mint",
      args: [to, parseUnits(usd(amountUsd), 6)],
    });
    record(0, "setup", "mint test USDC", await publicClient.waitForTransactionReceipt({ hash }));
  };
  // ---- the clock: day d at 19:30 UTC of the data's date d, moved by whole weeks into the chain's future ----------
  // Weekdays then match the data: gold, EUR/USD and the S&P 500 close at the weekend with their shipped hours (set
  // after the day-0 setup, a Saturday), their feeds publish nothing while closed, and the first round after the
  // reopen is the Monday close (the gap from Friday's close, as the market had it).
  const WEEK_SECONDS = 7n * BigInt(DAY_SECONDS);
  const dataDayZero = BigInt(Date.parse(`${history.dates[0]}T19:30:00Z`) / 1000);
  const chainNow = (await publicClient.getBlock()).timestamp;
  const dayZeroAt = dataDayZero + ((chainNow - dataDayZero) / WEEK_SECONDS + 1n) * WEEK_SECONDS;
  const dayAt = (day: number) => dayZeroAt + BigInt(day * DAY_SECONDS);
  await networkHelpers.time.increaseTo(dayAt(0));
  const schedules = new Map(
    DEMO_FEEDS.flatMap((f) => {
      const schedule = defaultMarketSchedule(f.symbol);
      return schedule ? [[f.symbol, schedule] as const] : [];
    }),
  );
  let hoursOn = false;
  const closedAt = (symbol: string, t: bigint) => {
    const schedule = schedules.get(symbol);
    return hoursOn && schedule !== undefined && !isMarketOpen(schedule, t);
  };

  // The "oracle" posts each day's close to the mock feeds with the SDK's testing helper; a closed market's feed
  // posts nothing (its underlying does not trade).
  const oracle = { publicClient, walletClient: oracleWallet, testClient: await viem.getTestClient(), deployment };
  const setFeeds = async (day: number, dayIndex: number, skip?: string) => {
    const now = (await publicClient.getBlock()).timestamp;
    for (const m of deployment.markets) {
      if (m.symbol === skip || closedAt(m.symbol, now)) continue;
      const price = closeOf(m.symbol, dayIndex).toFixed(FEED_DECIMALS);
      const hash = await setMarketPrice(oracle, { marketId: m.marketId, price });
      record(day, "oracle", `${m.symbol} feed update`, await publicClient.waitForTransactionReceipt({ hash }));
    }
  };

  // ---- day 0: prices, LP liquidity, other traders ---------------------------------------------------------------
  await setFeeds(0, 0);
  // The LP defence is on: the deposit is a request, settled after the LP vault's delay (the clock moves ten minutes).
  const { keeperFeeTokens } = await getLpFlowParams(lp);
  await mint(lpWallet.account.address, LP_DEPOSIT_USD + Number(keeperFeeTokens) / 1e6);
  await seedLiquidity({ ...lp, testClient: oracle.testClient }, { amount: usd(LP_DEPOSIT_USD) });

  await mint(counterpartyWallet.account.address, COUNTERPARTY_COLLATERAL_USD);
  await writeApprove(counterparty, { amount: usd(COUNTERPARTY_COLLATERAL_USD) });
  await writeDeposit(counterparty, {
    owner: counterpartyWallet.account.address,
    amount: usd(COUNTERPARTY_COLLATERAL_USD),
  });
  for (const [symbol, notionalUsd] of Object.entries(COUNTERPARTY_NOTIONAL_USD)) {
    const sizeUnits = notionalUsd / closeOf(symbol, 0);
    await writeTrade(counterparty, {
      owner: counterpartyWallet.account.address,
      marketId: marketIdOf(symbol).marketId,
      sizeDelta: sizeUnits.toFixed(6),
      slippageBps: 100,
    });
  }

  const recklessAddress = recklessWallet.account.address;
  await mint(recklessAddress, RECKLESS.collateralUsd);
  await writeApprove(reckless, { amount: usd(RECKLESS.collateralUsd) });
  await writeDeposit(reckless, { owner: recklessAddress, amount: usd(RECKLESS.collateralUsd) });
  const recklessSizeUnits = (RECKLESS.collateralUsd * RECKLESS.leverage) / closeOf(RECKLESS.symbol, 0);
  await writeTrade(reckless, {
    owner: recklessAddress,
    marketId: marketIdOf(RECKLESS.symbol).marketId,
    sizeDelta: recklessSizeUnits.toFixed(6),
    slippageBps: 100,
  });

  // The careful trader: same collateral, lower leverage, and a stop-loss that any keeper may execute.
  const carefulAddress = carefulWallet.account.address;
  const ethMarketId = marketIdOf(CAREFUL.symbol).marketId;
  await mint(carefulAddress, CAREFUL.collateralUsd + CAREFUL.keeperFeeUsd);
  await writeApprove(careful, { amount: usd(CAREFUL.collateralUsd) });
  await writeDeposit(careful, { owner: carefulAddress, amount: usd(CAREFUL.collateralUsd) });
  const carefulOpen = await writeTrade(careful, {
    owner: carefulAddress,
    marketId: ethMarketId,
    sizeDelta: ((CAREFUL.collateralUsd * CAREFUL.leverage) / closeOf(CAREFUL.symbol, 0)).toFixed(6),
    slippageBps: 100,
  });
  const triggerOrders = deployment.triggerOrders;
  if (triggerOrders === undefined) throw new Error("ParapetLocal deploys TriggerOrders");
  await writeSetOperator(careful, { operator: triggerOrders, allowed: true });
  await writeApprove(careful, { amount: usd(CAREFUL.keeperFeeUsd), spender: "triggerOrders" });
  const carefulPosition = await publicClient.readContract({
    address: deployment.perpVault,
    abi: perpVaultAbi,
    functionName: "position",
    args: [carefulAddress, 0n, ethMarketId],
  });
  const carefulStopPriceWad = toWad(
    (wadToNumber(carefulPosition.entryPrice) * (1 - CAREFUL.stopBelowRatio)).toFixed(FEED_DECIMALS),
  );
  const carefulStop = await writePlaceTrigger(careful, {
    owner: carefulAddress,
    keeperFee: usd(CAREFUL.keeperFeeUsd),
    ...stopLossParams({
      marketId: ethMarketId,
      positionSizeWad: carefulPosition.size,
      triggerPriceWad: carefulStopPriceWad,
      expirySeconds: BigInt((days + 2) * DAY_SECONDS),
    }),
  });

  // ---- day 0: Uniswap v3 as published, an ETH/USDC pool at the day-0 close, its LPs, the arbitrageur -----------
  const uniClients = (walletClient: typeof hedgerWallet) =>
    ({ publicClient, walletClient }) as unknown as Parameters<typeof deployUniswapV3>[0];
  const uniswap = await deployUniswapV3(uniClients(oracleWallet));
  const usdc = deployment.collateralToken;
  const ethAt = (day: number) => closeOf("ETH", day).toFixed(2);
  const { pool } = await createUniswapV3Pool(uniClients(oracleWallet), {
    uniswap,
    base: uniswap.weth,
    quote: usdc,
    price: ethAt(0),
    fee: UNISWAP_POSITION.fee,
  });
  const wrap = async (wallet: typeof hedgerWallet, wethUnits: number) => {
    const hash = await wallet.writeContract({
      address: uniswap.weth,
      abi: weth9Abi,
      functionName: "deposit",
      value: parseEther(wethUnits.toFixed(18)),
    });
    await publicClient.waitForTransactionReceipt({ hash });
  };
  const eth0 = closeOf("ETH", 0);
  // The other LPs: full range (the widest ticks on the fee tier's spacing), half in each token.
  const spacing = UNISWAP_FEE_TICK_SPACING[UNISWAP_POSITION.fee] as number;
  await wrap(poolLpWallet, POOL_BACKGROUND_USD / 2 / eth0);
  await mint(poolLpWallet.account.address, POOL_BACKGROUND_USD / 2);
  await mintUniswapV3Position(uniClients(poolLpWallet), {
    uniswap,
    base: uniswap.weth,
    quote: usdc,
    fee: UNISWAP_POSITION.fee,
    tickLower: Math.ceil(MIN_TICK / spacing) * spacing,
    tickUpper: Math.floor(MAX_TICK / spacing) * spacing,
    amountBase: parseEther((POOL_BACKGROUND_USD / 2 / eth0).toFixed(18)),
    amountQuote: parseUnits(usd(POOL_BACKGROUND_USD / 2), 6),
  });
  await wrap(arbWallet, ARBITRAGEUR.weth);
  await mint(arbWallet.account.address, ARBITRAGEUR.usdc);
  // The hedger's position: $600k on ±20 % of the close, the two amounts the model gives (the pool takes what its
  // ticks, rounded outward to the spacing, admit; what it leaves stays in the hedger's wallet, outside the book).
  const model = concentratedLp(
    "ETH",
    UNISWAP_POSITION.valueUsd,
    eth0,
    eth0 * UNISWAP_POSITION.lowerRatio,
    eth0 * UNISWAP_POSITION.upperRatio,
  );
  const modelEth = exposureUnits(model, eth0);
  const modelUsd = UNISWAP_POSITION.valueUsd - modelEth * eth0;
  await mint(hedgerAddress, modelUsd);
  const beforePosition = await publicClient.getBlockNumber();
  await wrap(hedgerWallet, modelEth);
  const minted = await mintUniswapV3Position(uniClients(hedgerWallet), {
    uniswap,
    base: uniswap.weth,
    quote: usdc,
    fee: UNISWAP_POSITION.fee,
    lowerPrice: (eth0 * UNISWAP_POSITION.lowerRatio).toFixed(2),
    upperPrice: (eth0 * UNISWAP_POSITION.upperRatio).toFixed(2),
    amountBase: parseEther(modelEth.toFixed(18)),
    amountQuote: parseUnits(usd(modelUsd), 6),
  });
  const tokenId = minted.tokenId;
  // The hedger's own setup transactions (wrap, approvals, mint), taken from the blocks: the helper sends several.
  for (let b = beforePosition + 1n; b <= (await publicClient.getBlockNumber()); b++) {
    const block = await publicClient.getBlock({ blockNumber: b, includeTransactions: true });
    for (const tx of block.transactions)
      if (isAddressEqual(tx.from, hedgerAddress))
        record(
          0,
          "hedger",
          "Uniswap position (wrap, approve, mint)",
          await publicClient.getTransactionReceipt({ hash: tx.hash }),
        );
  }
  const positionLabel = `Uniswap v3 ETH/USDC #${tokenId}, ±20 % range, 0.3 % pool (read from chain)`;
  /** The hedger's position as the SDK reads it from chain: one request, amounts and fees to the wei. */
  const readPool = async (): Promise<{
    exposure: Exposure;
    pool: DemoPoolDay;
    poolPricesUsd: Record<string, number>;
  }> => {
    const read = await readExposures(hedger, {
      owner: hedgerAddress,
      sources: {
        native: false,
        uniswapV3: { positionManager: uniswap.positionManager, tokenIds: [tokenId], owned: false },
      },
    });
    const p = read.positions[0];
    if (p?.exposure === undefined) throw new Error(`position #${tokenId} was not read as an ETH/USD exposure`);
    const ethIs0 = p.token0.asset === "ETH";
    const [eth, usdToken] = ethIs0 ? [p.token0, p.token1] : [p.token1, p.token0];
    const units = (raw: bigint, decimals: number) => Number(raw) / 10 ** decimals;
    return {
      exposure: { ...p.exposure, label: positionLabel },
      poolPricesUsd: read.poolPricesUsd,
      pool: {
        priceUsd: read.poolPricesUsd.ETH ?? Number.NaN,
        inRange: p.inRange,
        ethUnits: units(ethIs0 ? p.amount0 : p.amount1, eth.decimals),
        usdUnits: units(ethIs0 ? p.amount1 : p.amount0, usdToken.decimals),
        feesEthUnits: units(ethIs0 ? p.fees0 : p.fees1, eth.decimals),
        feesUsdUnits: units(ethIs0 ? p.fees1 : p.fees0, usdToken.decimals),
      },
    };
  };
  const otherExposures = demoOtherExposures();
  let pooled = await readPool();
  let exposures: Exposure[] = [pooled.exposure, ...otherExposures];

  // ---- day 0: the hedger plans from the chain and opens every hedge in one router transaction -------------------
  const plan = planHedge(exposures, {
    markets: hedgeMarketsFromChain(await getMarkets(hedger, {})),
    pricesUsd: {},
    poolPricesUsd: pooled.poolPricesUsd,
  });
  // Capital: the plan's collateral plus its reserve, doubled so margin calls never run dry in a 90-day replay.
  const capitalUsd = Math.ceil(plan.totalCapitalUsd * 2);
  await mint(hedgerAddress, capitalUsd);
  const router = deployment.hedgeRouter;
  if (router === undefined) throw new Error("ParapetLocal deploys the HedgeRouter");
  record(
    0,
    "hedger",
    "setOperator(router)",
    (await writeSetOperator(hedger, { operator: router, allowed: true })).receipt,
  );
  const approveHash = await hedgerWallet.writeContract({
    address: deployment.collateralToken,
    abi: testTokenAbi,
    functionName: "approve",
    args: [router, maxUint256],
  });
  record(0, "hedger", "approve(router)", await publicClient.waitForTransactionReceipt({ hash: approveHash }));
  const opened = await executeHedge(hedger, {
    owner: hedgerAddress,
    steps: hedgeStepsFromPlan(plan, { slippageBps: 50, tokenDecimals: deployment.collateralDecimals }),
  });
  if (opened.status !== "sent") throw new Error("opening the hedges sent nothing: the accounts were not empty");
  record(0, "hedger", "open hedges (HedgeRouter.rebalance)", opened.receipt);

  const hedgeReceipts: { day: number; receipt: TransactionReceipt }[] = [{ day: 0, receipt: opened.receipt }];

  const targets = plan.targets.map((t) => {
    if (t.marketId === undefined) throw new Error(`the ${t.marketAsset} hedge has no market`);
    return { symbol: t.marketAsset, marketId: t.marketId, accountIndex: t.accountIndex };
  });
  const startBlock = deployment.blockNumber;

  // ---- per-day reads: one multicall for the book --------------------------------------------------------------
  const vault = deployment.perpVault;
  const readDay = async () => {
    const contracts = [
      { address: deployment.collateralToken, abi: testTokenAbi, functionName: "balanceOf", args: [hedgerAddress] },
      { address: vault, abi: perpVaultAbi, functionName: "accountMargin", args: [recklessAddress, 0n] },
      ...deployment.markets.map((m) => ({
        address: m.feed,
        abi: mockV3AggregatorAbi,
        functionName: "latestRoundData",
        args: [],
      })),
      ...targets.flatMap((t) => [
        { address: vault, abi: perpVaultAbi, functionName: "accountMargin", args: [hedgerAddress, t.accountIndex] },
        {
          address: vault,
          abi: perpVaultAbi,
          functionName: "position",
          args: [hedgerAddress, t.accountIndex, t.marketId],
        },
        { address: vault, abi: perpVaultAbi, functionName: "currentFunding", args: [t.marketId] },
      ]),
    ];
    const r = await publicClient.multicall({ contracts: contracts as never, allowFailure: true, deployless: true });
    const value = <T>(i: number): T | undefined => {
      const x = r[i] as { status: string; result?: unknown } | undefined;
      return x?.status === "success" ? (x.result as T) : undefined;
    };
    type Margin = { equity: bigint; maintenanceMargin: bigint };
    const walletUsd = wadToNumber((value<bigint>(0) ?? 0n) * 10n ** 12n);
    const recklessMargin = value<Margin>(1);
    const feedPricesUsd = Object.fromEntries(
      deployment.markets.map((m, i) => {
        const round = value<readonly [bigint, bigint, bigint, bigint, bigint]>(2 + i);
        return [m.symbol, round ? Number(round[1]) / 10 ** FEED_DECIMALS : Number.NaN];
      }),
    );
    const base = 2 + deployment.markets.length;
    const accounts = targets.map((_target, k) => {
      const margin = value<Margin>(base + 3 * k);
      const position = value<{ size: bigint; fundingIndexEntry: bigint }>(base + 3 * k + 1);
      const funding = value<readonly [bigint, bigint]>(base + 3 * k + 2);
      return {
        equityUsd: margin ? wadToNumber(margin.equity) : Number.NaN,
        maintenanceMarginUsd: margin ? wadToNumber(margin.maintenanceMargin) : Number.NaN,
        sizeUnits: position ? wadToNumber(position.size) : Number.NaN,
        pendingFundingUsd:
          position && funding
            ? wadToNumber(fundingOwedUp(position.size, position.fundingIndexEntry, funding[1]))
            : Number.NaN,
      };
    });
    return {
      walletUsd,
      feedPricesUsd,
      accounts,
      // A closed account has no maintenance margin: no ratio to draw.
      recklessMarginRatio:
        recklessMargin && recklessMargin.maintenanceMargin > 0n
          ? wadToNumber(recklessMargin.equity) / wadToNumber(recklessMargin.maintenanceMargin)
          : Number.NaN,
    };
  };

  const daysOut: DemoDay[] = [];
  const snapshot = async (
    day: number,
    extra: Omit<DemoDay, "day" | "date" | "pool" | "exposureValuesUsd" | keyof Awaited<ReturnType<typeof readDay>>>,
  ) => {
    const read = await readDay();
    // Every exposure at the day's feed price; the position's amounts and fees are the pool's, read from chain.
    const ethUsd = read.feedPricesUsd.ETH ?? Number.NaN;
    const exposureValuesUsd = Object.fromEntries([
      [
        "ETH",
        (pooled.pool.ethUnits + pooled.pool.feesEthUnits) * ethUsd + pooled.pool.usdUnits + pooled.pool.feesUsdUnits,
      ],
      ...otherExposures.map((e) => [e.asset, exposureValueUsd(e, read.feedPricesUsd[e.asset] ?? Number.NaN)]),
    ]);
    daysOut.push({ day, date: history.dates[day] as string, ...read, ...extra, pool: pooled.pool, exposureValuesUsd });
  };
  await snapshot(0, {
    rebalance: undefined,
    oracleVetoes: [],
    liquidations: [],
    stops: [],
    hedgerSent: true,
    staleSymbol: undefined,
  });
  const recklessLiquidationPriceWad = await publicClient.readContract({
    address: vault,
    abi: perpVaultAbi,
    functionName: "liquidationPrice",
    args: [recklessAddress, 0n, marketIdOf(RECKLESS.symbol).marketId],
  });
  parameters.onProgress?.({
    day: 0,
    days,
    date: history.dates[0] as string,
    events: [
      `deployed ParapetLocal in-process; LP deposited ${LP_DEPOSIT_USD.toLocaleString("en-US")} USDC; a market maker opened longs in every market`,
      `reckless trader: ${RECKLESS.leverage}× long ${recklessSizeUnits.toFixed(2)} ${RECKLESS.symbol} at ${closeOf(RECKLESS.symbol, 0).toFixed(2)}, liquidation price ${wadToNumber(recklessLiquidationPriceWad).toFixed(2)} (on chain): the window's early-August drop crosses it`,
      `careful trader: ${CAREFUL.leverage}× long ${wadToNumber(carefulPosition.size).toFixed(2)} ${CAREFUL.symbol} at ${wadToNumber(carefulPosition.entryPrice).toFixed(2)} (tx ${carefulOpen.hash.slice(0, 10)}…), stop-loss #${carefulStop.orderId} at ${wadToNumber(carefulStopPriceWad).toFixed(2)} in TriggerOrders, ${CAREFUL.keeperFeeUsd} USDC keeper fee escrowed`,
      `hedger opened ${plan.targets.length} hedges (${plan.targets.map((t) => `${t.marketAsset} ${Number(t.sizeUnits.toPrecision(4))}`).join(", ")}) in one HedgeRouter transaction, gas ${opened.receipt.gasUsed}`,
    ],
  });

  // The tradfi markets get their shipped hours and closing margins (as `npm run deploy` gives them on a live
  // network), after the day-0 setup and its snapshot: day 0 is a Saturday.
  const adapterAddress = deployment.oracleAdapter;
  for (const [symbol, schedule] of schedules) {
    const { feed, marketId } = marketIdOf(symbol);
    for (const request of [
      {
        address: adapterAddress,
        abi: oracleAdapterAbi,
        functionName: "setMarketHours",
        args: [feed, marketHoursParams(schedule)],
      },
      {
        address: deployment.perpVault,
        abi: perpVaultAbi,
        functionName: "setClosingMargin",
        args: [marketId, schedule.closingMaintenanceMarginRatio],
      },
    ] as const) {
      const hash = await oracleWallet.writeContract(request as never);
      record(0, "setup", `${request.functionName} ${symbol}`, await publicClient.waitForTransactionReceipt({ hash }));
    }
  }
  hoursOn = true;

  // ---- the replay -----------------------------------------------------------------------------------------------
  const lastRebalance = new Map<bigint, { timestampMs: number; priceUsd: number }>();
  const block0 = await publicClient.getBlock();
  for (const t of plan.targets) {
    lastRebalance.set(t.accountIndex, { timestampMs: Number(block0.timestamp) * 1000, priceUsd: t.priceUsd });
  }
  // The keeper: the same keeperTick `parapet keeper` loops, one tick a day, on one state kept across the replay.
  const keeperState = createKeeperState(keeper, { fromBlock: startBlock });
  const whoIs = (owner: Address) =>
    isAddressEqual(owner, recklessAddress)
      ? "reckless trader"
      : isAddressEqual(owner, carefulAddress)
        ? "careful trader"
        : isAddressEqual(owner, hedgerAddress)
          ? "hedger"
          : isAddressEqual(owner, counterpartyWallet.account.address)
            ? "market maker"
            : "trader";
  const symbolOf = (marketId: string | undefined) =>
    deployment.markets.find((m) => String(m.marketId) === marketId)?.symbol ?? `market ${marketId}`;

  /** Market → the last day it was open before its current closure; what closures cost; reopen gaps. */
  const wasClosed = new Map<string, number>();
  const closedDays = new Map<string, number>();
  const reopenGaps: { day: number; date: string; symbol: string; gapRatio: number }[] = [];
  const utcMinute = (t: bigint) => `${new Date(Number(t) * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
  for (let day = 1; day <= days; day++) {
    const date = history.dates[day] as string;
    const events: string[] = [];
    await networkHelpers.time.increaseTo(dayAt(day));
    const staleSymbol = staleFeed !== null && staleFeed.day === day ? staleFeed.symbol : undefined;
    const closedToday = [...schedules.keys()].filter((symbol) => closedAt(symbol, dayAt(day)));
    const reopened = [...schedules.keys()].filter((symbol) => !closedToday.includes(symbol) && wasClosed.has(symbol));
    await setFeeds(day, day, staleSymbol);
    // The feeds publish at 19:30 UTC; the hedger and the keeper act a quarter of an hour later (a feed that skipped
    // a day is then past its one-day heartbeat).
    await networkHelpers.time.increaseTo(dayAt(day) + ACT_AFTER_FEEDS_SECONDS);
    if (staleSymbol !== undefined) events.push(`${staleSymbol} feed not updated today (simulated outage)`);
    if (closedToday.length > 0) {
      const reopens = closedToday.map((symbol) => {
        const next = marketStatus(schedules.get(symbol), dayAt(day)).nextOpen;
        // In the data's calendar (the chain's clock is whole weeks ahead of it).
        return `${symbol} reopens ${next === undefined ? "?" : utcMinute(next - (dayZeroAt - dataDayZero))}`;
      });
      events.push(`market hours: ${closedToday.join(", ")} closed, no round published (${reopens.join("; ")})`);
    }
    for (const symbol of reopened) {
      const friday = wasClosed.get(symbol) as number;
      const gap = closeOf(symbol, day) / closeOf(symbol, friday) - 1;
      reopenGaps.push({ day, date, symbol, gapRatio: gap });
      events.push(
        `${symbol} reopened: the first round is ${(gap * 100).toFixed(2)} % from its last close before the closure (day ${friday})`,
      );
      wasClosed.delete(symbol);
    }
    for (const symbol of closedToday) if (!wasClosed.has(symbol)) wasClosed.set(symbol, day - 1);
    for (const symbol of closedToday) closedDays.set(symbol, (closedDays.get(symbol) ?? 0) + 1);

    // The arbitrageur brings the pool to the feed's close through the real router (its swap pays the pool's fee,
    // which the position earns for its share of the liquidity in range); then the hedger reads its position.
    const arbBalances = await Promise.all(
      [uniswap.weth, usdc].map((token) =>
        publicClient.readContract({
          address: token,
          abi: testTokenAbi,
          functionName: "balanceOf",
          args: [arbWallet.account.address],
        }),
      ),
    );
    const arbHash = await moveUniswapV3Price(uniClients(arbWallet), {
      uniswap,
      pool,
      base: uniswap.weth,
      quote: usdc,
      price: ethAt(day),
      maxAmountIn: { base: arbBalances[0] ?? 0n, quote: arbBalances[1] ?? 0n },
    });
    if (arbHash !== undefined)
      record(day, "market", "arbitrage swap (SwapRouter)", await publicClient.getTransactionReceipt({ hash: arbHash }));
    const wasInRange = pooled.pool.inRange;
    pooled = await readPool();
    exposures = [pooled.exposure, ...otherExposures];
    if (pooled.pool.inRange !== wasInRange)
      events.push(
        pooled.pool.inRange
          ? `the Uniswap position is back in range at $${pooled.pool.priceUsd.toFixed(2)}: hedged by its delta again`
          : `the Uniswap position left its range at $${pooled.pool.priceUsd.toFixed(2)}: ${pooled.pool.ethUnits > 0 ? "all ETH, hedged in full" : "all USDC, nothing to hedge"}`,
      );

    // Rebalancer: read → plan → rule → at most one HedgeRouter transaction.
    const pass = await rebalanceHedge(hedger, {
      owner: hedgerAddress,
      exposures,
      poolPricesUsd: pooled.poolPricesUsd,
      rebalancePolicy: { trigger: { kind: "band", band: REBALANCE_BAND } },
      lastRebalance,
    });
    const oracleVetoes = pass.decisions.flatMap((d) =>
      d.decision.vetoes
        .filter((v) => v.code === "ORACLE")
        .map((v) => ({ symbol: d.target.marketAsset, message: v.message })),
    );
    for (const v of oracleVetoes) events.push(`ORACLE veto on ${v.symbol}: ${v.message}; nothing sent for it`);
    const closedVetoes = pass.decisions.flatMap((d) =>
      d.decision.vetoes.filter((v) => v.code === "MARKET_CLOSED").map((v) => `${d.target.marketAsset} (${v.message})`),
    );
    if (closedVetoes.length > 0) events.push(`MARKET_CLOSED veto: ${closedVetoes.join("; ")}; nothing sent for them`);
    if (staleFeed !== null && day === staleFeed.day + 1 && !oracleVetoes.some((v) => v.symbol === staleFeed.symbol)) {
      events.push(`${staleFeed.symbol} feed updated again: no ORACLE veto, the rebalancer is back in charge`);
    }
    let rebalance: DemoDay["rebalance"];
    if (pass.status === "sent" && pass.execution?.status === "sent") {
      const receipt = pass.execution.receipt;
      record(day, "hedger", "rebalance (HedgeRouter.rebalance)", receipt);
      hedgeReceipts.push({ day, receipt });
      const nowMs = Number((await publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp) * 1000;
      const acting = pass.decisions.filter((d) => d.decision.act);
      for (const d of acting)
        lastRebalance.set(d.target.accountIndex, { timestampMs: nowMs, priceUsd: d.target.priceUsd });
      rebalance = {
        hash: receipt.transactionHash,
        gasUsed: receipt.gasUsed,
        hedges: acting.map((d) => ({
          symbol: d.target.marketAsset,
          reasons: d.decision.reasons.map((r) => r.code as RebalanceReasonCode),
        })),
      };
      events.push(
        `rebalanced ${rebalance.hedges.map((h) => `${h.symbol} (${h.reasons.join("+")})`).join(", ")}, gas ${receipt.gasUsed}`,
      );
    } else if (pass.status === "vetoed") {
      events.push(`rebalance vetoed by simulation: ${pass.simulationError?.summary ?? "revert"}`);
    }

    // Keeper: one tick with the default jobs: liquidations (any reward above the gas, priced at the ETH oracle
    // price), funding pokes (every market with open interest: a day is the poke's max age; the stale market is
    // skipped with ORACLE), ADL (nothing: the 10 M pool is far from 100 % utilisation), then the orders (due stops
    // executed, void or expired ones cancelled). Its events are turned into the day's records.
    const tick = await keeperTick(keeper, keeperState);
    const liquidations: DemoDay["liquidations"] = [];
    const stops: DemoDay["stops"] = [];
    for (const e of tick.events) {
      if (e.outcome === "failed") throw new Error(`keeper ${e.action} failed on day ${day}: ${e.reason}`);
      const isOrder = e.action === "execute-trigger" || e.action === "cancel-trigger" || e.action === "settle-order";
      if ((isOrder || e.action === "cancel-order") && e.outcome === "skipped") {
        events.push(`keeper skipped ${e.action} #${e.orderIds?.[0]}: ${e.reason}`);
      }
      if (e.outcome !== "sent" || e.hash === undefined) continue;
      const receipt = await publicClient.getTransactionReceipt({ hash: e.hash });
      const logs = receipt.logs as Log[];
      if (e.action === "poke") {
        record(day, "keeper", `accrueFunding ${symbolOf(e.marketIds?.[0])}`, receipt);
      } else if (e.action === "liquidate") {
        record(day, "keeper", "liquidateBatch", receipt);
        for (const l of parseEventLogs({ abi: perpVaultAbi, eventName: "Liquidated", logs })) {
          const who = whoIs(l.args.owner);
          liquidations.push({
            owner: l.args.owner,
            accountIndex: l.args.accountIndex,
            who,
            closedFraction: wadToNumber(l.args.result.closedFraction),
            keeperRewardUsd: wadToNumber(l.args.result.keeperRewardUsd),
            hash: receipt.transactionHash,
          });
          events.push(
            `keeper liquidated the ${who} (${l.args.owner.slice(0, 8)}…#${l.args.accountIndex}, ${(wadToNumber(l.args.result.closedFraction) * 100).toFixed(0)} % closed), reward $${wadToNumber(l.args.result.keeperRewardUsd).toFixed(2)}`,
          );
        }
      } else if (e.action === "deleverage") {
        record(day, "keeper", `deleverage ${symbolOf(e.marketIds?.[0])}`, receipt);
        events.push(`keeper deleveraged ${e.accounts?.join(", ")} in ${symbolOf(e.marketIds?.[0])}: ${e.reason}`);
      } else {
        record(day, "keeper", `${e.action} #${e.orderIds?.[0]}`, receipt);
        // The order's account, as the keeper logged it (`owner:index`).
        const [owner, accountIndex] = (e.accounts?.[0] ?? "").split(":");
        if (owner === undefined || accountIndex === undefined) throw new Error(`${e.action} without its account`);
        for (const x of parseEventLogs({ abi: triggerOrdersAbi, eventName: "TriggerExecuted", logs })) {
          const who = isAddressEqual(getAddress(owner), carefulAddress) ? "careful trader" : "trader";
          stops.push({
            owner: getAddress(owner),
            accountIndex: BigInt(accountIndex),
            who,
            orderId: x.args.orderId,
            sizeDeltaUnits: wadToNumber(x.args.sizeDelta),
            fillPriceUsd: wadToNumber(x.args.fillPrice),
            keeperFeeUsd: Number(x.args.keeperFee) / 10 ** deployment.collateralDecimals,
            hash: receipt.transactionHash,
          });
          events.push(
            `keeper executed the ${who}'s stop-loss #${x.args.orderId}: sold ${(-wadToNumber(x.args.sizeDelta)).toFixed(2)} ETH at $${wadToNumber(x.args.fillPrice).toFixed(2)} (oracle $${wadToNumber(x.args.priceWad).toFixed(2)}), fee $${(Number(x.args.keeperFee) / 10 ** deployment.collateralDecimals).toFixed(2)}`,
          );
        }
      }
    }

    await snapshot(day, {
      rebalance,
      oracleVetoes,
      liquidations,
      stops,
      hedgerSent: rebalance !== undefined,
      staleSymbol,
    });
    parameters.onProgress?.({ day, days, date, events });
  }

  // ---- summary (from receipts, events and the final account reads) ----------------------------------------------
  const endBlock = await publicClient.getBlockNumber();
  const trades = hedgeReceipts.flatMap(({ day, receipt }) =>
    parseEventLogs({ abi: perpVaultAbi, eventName: "Traded", logs: receipt.logs as Log[] })
      .filter((e) => isAddressEqual(e.args.owner, hedgerAddress))
      .map((e) => ({
        day,
        accountIndex: e.args.accountIndex,
        feeUsd: wadToNumber(e.args.result.feeUsd),
        fundingPaidUsd: wadToNumber(e.args.result.fundingPaidUsd),
        sizeDeltaUnits: wadToNumber(e.args.sizeDelta),
        fillPriceUsd: wadToNumber(e.args.result.fillPrice),
      })),
  );
  const deposits = hedgeReceipts.flatMap(({ day, receipt }) =>
    parseEventLogs({ abi: hedgeRouterAbi, eventName: "StepExecuted", logs: receipt.logs as Log[] }).map((e) => ({
      day,
      accountIndex: e.args.accountIndex,
      depositedUsd: Number(e.args.deposited) / 10 ** deployment.collateralDecimals,
    })),
  );
  const summary = summariseDemo({
    from: history.dates[0] as string,
    to: history.dates[days] as string,
    exposures,
    plan,
    targets,
    days: daysOut,
    trades,
    deposits,
    transactions,
    hedger: hedgerAddress,
    gasPriceGwei,
    ethPricesUsd: daysOut.map((d) => d.feedPricesUsd.ETH ?? Number.NaN), // the ETH feed, as read on chain
    staleFeed,
    marketHours: { closedDays: Object.fromEntries(closedDays), reopens: reopenGaps },
    proxies: DEMO_FEEDS.map((f) => ({ symbol: f.symbol, proxy: f.proxy })),
    elapsedMs: Date.now() - startedMs,
  });
  const reportPath =
    parameters.reportPath === undefined ? resolve(REPO_ROOT, "reports/demo.html") : parameters.reportPath;
  if (reportPath !== null) {
    await mkdir(dirname(reportPath), { recursive: true });
    await writeFile(reportPath, renderDemoReport(summary), "utf8");
    summary.reportPath = reportPath;
  }
  return {
    ...summary,
    transactions,
    dayReads: daysOut,
    chain: {
      context: hedger,
      deployment,
      hedger: hedgerAddress,
      keeper: keeperWallet.account.address,
      reckless: recklessAddress,
      careful: carefulAddress,
      counterparty: counterpartyWallet.account.address,
      arbitrageur: arbWallet.account.address,
      uniswap: { ...uniswap, pool, tokenId },
      startBlock,
      endBlock,
      url,
      close: async () => {
        await connection.close();
        await server?.close();
      },
    },
  };
}
