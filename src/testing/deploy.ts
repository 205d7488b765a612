// Parapet deployed on a local chain from the bytecode the package ships: what a project that installed Parapet uses
// in its own tests (anvil from startAnvil, a Hardhat node, a fork), with no Hardhat project and no clone. The same
// contracts and wiring as `npm run node`; the collateral is the test token and the feeds are Chainlink mocks.
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractConstructorArgs,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
  zeroAddress,
} from "viem";
import {
  adminModuleAbi,
  adminModuleBytecode,
  delayedOrdersAbi,
  delayedOrdersBytecode,
  hedgeRouterAbi,
  hedgeRouterBytecode,
  liquidationModuleAbi,
  liquidationModuleBytecode,
  liquidityVaultAbi,
  liquidityVaultBytecode,
  mockV3AggregatorAbi,
  mockV3AggregatorBytecode,
  oracleAdapterAbi,
  oracleAdapterBytecode,
  perpVaultAbi,
  perpVaultBytecode,
  testTokenAbi,
  testTokenBytecode,
  triggerOrdersAbi,
  triggerOrdersBytecode,
} from "../abis/index.js";
import { defaultLpFlowParams } from "../actions/lp.js";
import { type Deployment, parseDeployment } from "../deployment.js";
import { ParapetInputError } from "../errors.js";
import { type DecimalString, parseDecimal } from "../units.js";
import { ParapetTestingError } from "./chain.js";

type AnyWalletClient = WalletClient<Transport, Chain | undefined, Account | undefined>;
type AnyPublicClient = PublicClient<Transport, Chain | undefined>;

const WAD = 10n ** 18n;
/** The mock feeds answer with 8 decimals, like Chainlink's USD feeds. */
const FEED_DECIMALS = 8;
/** A day: the mock feeds are updated by the test (setMarketPrice / advanceTime), not by a heartbeat. */
const FEED_HEARTBEAT_SECONDS = 86_400;

/** A market to list: its symbol and the price its mock feed starts at. */
export type LocalMarket = { symbol: string; price: DecimalString };

/** The five markets of `npm run node` at round prices: crypto, gold, FX and an index. */
export const LOCAL_MARKETS: readonly LocalMarket[] = [
  { symbol: "ETH", price: "3000" },
  { symbol: "BTC", price: "60000" },
  { symbol: "XAU", price: "2300" },
  { symbol: "EURUSD", price: "1.08" },
  { symbol: "SPX", price: "5000" },
];

/**
 * The risk parameters a local market is listed with (`IPerpVault.MarketParams`, WAD): 10x initial and 20x
 * maintenance leverage, 5 / 2 bps taker / maker fees, funding up to 1 % a day, a skew scale of 3 bn USD and
 * open-interest caps of 1 bn USD a side at the listing price.
 */
export function localMarketParams(feed: Address, priceWad: bigint) {
  const skewScaleUsd = 3_000_000_000n * WAD;
  const openInterestCapUsd = 1_000_000_000n * WAD;
  return {
    feed,
    initialMarginRatio: WAD / 10n,
    maintenanceMarginRatio: WAD / 20n,
    takerFeeRatio: (5n * WAD) / 10_000n,
    makerFeeRatio: (2n * WAD) / 10_000n,
    maxFundingRatePerDay: WAD / 100n,
    skewScale: (skewScaleUsd * WAD) / priceWad,
    maxFundingVelocityPerDay: (3n * WAD) / 100n,
    maxLongSize: (openInterestCapUsd * WAD) / priceWad,
    maxShortSize: (openInterestCapUsd * WAD) / priceWad,
    minPositionMarginUsd: 10n * WAD,
    liquidationFeeUsd: 5n * WAD,
    grossReserveRatio: WAD / 10n,
  } as const;
}

export type DeployParapetParameters = {
  /** Markets to list, in market-id order (default {@link LOCAL_MARKETS}). */
  markets?: readonly LocalMarket[] | undefined;
  /** The LP vault's first deposit, in whole tokens, made by the deployer before the LP defence is on (default 1,000,000). */
  seedLiquidity?: DecimalString | undefined;
  /** Accounts given test collateral, `fundAmount` each (default: none; the deployer is funded for the seed only). */
  fund?: readonly Address[] | undefined;
  /** Whole tokens each `fund` address gets (default 100,000). */
  fundAmount?: DecimalString | undefined;
  /**
   * Turn the LP vault's flow defence on (deposits and redemptions by request, settled after a delay, with fees), as
   * every `npm run deploy` does (default true). Off: ERC-4626 deposits and redemptions are immediate.
   */
  lpDefence?: boolean | undefined;
};

export type DeployParapetReturnType = {
  /** The deployment, as `createParapetClient` and the CLI (`writeDeploymentFile`) take it. */
  deployment: Deployment;
  /** Each market's mock feed by symbol: `setMarketPrice` moves them, or `setFeedPrice` directly. */
  feeds: Readonly<Record<string, Address>>;
};

/** A deployment step failed: which contract or call, and why. */
function deployFailed(step: string, cause: unknown): ParapetTestingError {
  return new ParapetTestingError(
    "LOCAL_DEPLOY_FAILED",
    `Deploying Parapet failed at ${step}: ${String((cause as Error)?.message ?? cause).split("\n")[0]}`,
    "deployParapet is for local chains and forks (anvil, a Hardhat node): check that the RPC URL is one and that the walletClient's account holds ETH there.",
    cause,
  );
}

/**
 * Deploys Parapet on a local chain or a fork from `walletClient`'s account (which becomes the owner): the test
 * collateral token (USDC-like, 6 decimals), the oracle adapter with a mock Chainlink feed per market, the vault and
 * its two modules, the LP vault (seeded), the hedge router, trigger and delayed orders; lists the markets and funds
 * the `fund` accounts. About 25 transactions; on anvil under a second.
 */
export async function deployParapet(
  clients: { publicClient: AnyPublicClient; walletClient: AnyWalletClient },
  parameters: DeployParapetParameters = {},
): Promise<DeployParapetReturnType> {
  const { publicClient, walletClient } = clients;
  const account = walletClient.account;
  if (!account) {
    throw new ParapetInputError(
      "walletClient",
      "has no account.",
      "Pass a walletClient with a funded account (e.g. privateKeyToAccount of one of anvil's development keys).",
    );
  }
  const markets = parameters.markets ?? LOCAL_MARKETS;
  if (markets.length === 0) throw new ParapetInputError("markets", "is empty.", "List at least one market.");
  const seen = new Set<string>();
  for (const [i, m] of markets.entries()) {
    if (seen.has(m.symbol)) {
      throw new ParapetInputError(
        `markets[${i}].symbol`,
        `${m.symbol} is listed twice.`,
        "Give each market its own symbol.",
      );
    }
    seen.add(m.symbol);
  }
  const decimals = 6;
  const seed = parseDecimal(parameters.seedLiquidity ?? "1000000", decimals, {
    argument: "seedLiquidity",
    allowZero: false,
  });
  const fundAmount = parseDecimal(parameters.fundAmount ?? "100000", decimals, { argument: "fundAmount" });
  const chain = walletClient.chain ?? null;
  const chainId = await publicClient.getChainId();
  const startBlock = await publicClient.getBlockNumber();

  async function deploy<const abi extends Abi>(
    name: string,
    abi: abi,
    bytecode: Hex,
    args: ContractConstructorArgs<abi>,
  ): Promise<Address> {
    try {
      const hash = await walletClient.deployContract({
        abi,
        bytecode,
        args,
        account: account as Account,
        chain,
      } as never);
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success" || !receipt.contractAddress) throw new Error("the creation reverted");
      return receipt.contractAddress;
    } catch (cause) {
      throw deployFailed(`the ${name} deployment`, cause);
    }
  }
  async function send(
    step: string,
    request: { address: Address; abi: Abi; functionName: string; args: readonly unknown[] },
  ) {
    try {
      const hash = await walletClient.writeContract({ ...request, account: account as Account, chain } as never);
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    } catch (cause) {
      throw deployFailed(step, cause);
    }
  }

  const owner = account.address;
  const token = await deploy("TestToken", testTokenAbi, testTokenBytecode, ["USD Coin", "USDC", decimals]);
  const adapter = await deploy("OracleAdapter", oracleAdapterAbi, oracleAdapterBytecode, [owner]);
  const liquidationModule = await deploy("LiquidationModule", liquidationModuleAbi, liquidationModuleBytecode, [
    token,
    adapter,
  ]);
  const adminModule = await deploy("AdminModule", adminModuleAbi, adminModuleBytecode, [token, adapter]);
  const vault = await deploy("PerpVault", perpVaultAbi, perpVaultBytecode, [
    token,
    adapter,
    owner,
    liquidationModule,
    adminModule,
  ]);
  const lp = await deploy("LiquidityVault", liquidityVaultAbi, liquidityVaultBytecode, [
    token,
    vault,
    "Parapet LP",
    "pLP",
  ]);
  await send("PerpVault.setLiquidityVault", {
    address: vault,
    abi: perpVaultAbi,
    functionName: "setLiquidityVault",
    args: [lp],
  });
  const hedgeRouter = await deploy("HedgeRouter", hedgeRouterAbi, hedgeRouterBytecode, [vault]);
  const triggerOrders = await deploy("TriggerOrders", triggerOrdersAbi, triggerOrdersBytecode, [vault]);
  const delayedOrders = await deploy("DelayedOrders", delayedOrdersAbi, delayedOrdersBytecode, [vault]);
  await send("PerpVault.setDelayedOrders", {
    address: vault,
    abi: perpVaultAbi,
    functionName: "setDelayedOrders",
    args: [delayedOrders],
  });

  const feeds: Record<string, Address> = {};
  const listed = [];
  for (const [i, market] of markets.entries()) {
    const answer = parseDecimal(market.price, FEED_DECIMALS, { argument: `markets[${i}].price`, allowZero: false });
    const feed = await deploy(`the ${market.symbol} feed`, mockV3AggregatorAbi, mockV3AggregatorBytecode, [
      FEED_DECIMALS,
      answer,
    ]);
    await send(`OracleAdapter.setFeed (${market.symbol})`, {
      address: adapter,
      abi: oracleAdapterAbi,
      functionName: "setFeed",
      args: [feed, FEED_HEARTBEAT_SECONDS, zeroAddress, 0, 0],
    });
    const priceWad = answer * 10n ** BigInt(18 - FEED_DECIMALS);
    await send(`PerpVault.listMarket (${market.symbol})`, {
      address: vault,
      abi: perpVaultAbi,
      functionName: "listMarket",
      args: [localMarketParams(feed, priceWad)],
    });
    feeds[market.symbol] = feed;
    listed.push({ marketId: i, symbol: market.symbol, feed });
  }

  await send("TestToken.mint (seed)", { address: token, abi: testTokenAbi, functionName: "mint", args: [owner, seed] });
  await send("TestToken.approve (seed)", {
    address: token,
    abi: testTokenAbi,
    functionName: "approve",
    args: [lp, seed],
  });
  await send("LiquidityVault.deposit (seed)", {
    address: lp,
    abi: liquidityVaultAbi,
    functionName: "deposit",
    args: [seed, owner],
  });
  if (parameters.lpDefence ?? true) {
    await send("LiquidityVault.setFlowParams", {
      address: lp,
      abi: liquidityVaultAbi,
      functionName: "setFlowParams",
      args: [defaultLpFlowParams(decimals)],
    });
  }
  for (const to of parameters.fund ?? []) {
    await send(`TestToken.mint (${to})`, {
      address: token,
      abi: testTokenAbi,
      functionName: "mint",
      args: [to, fundAmount],
    });
  }

  const deployment = parseDeployment({
    chainId,
    blockNumber: startBlock,
    perpVault: vault,
    liquidityVault: lp,
    oracleAdapter: adapter,
    collateralToken: token,
    hedgeRouter,
    triggerOrders,
    delayedOrders,
    collateralDecimals: decimals,
    markets: listed,
  });
  return { deployment, feeds };
}
