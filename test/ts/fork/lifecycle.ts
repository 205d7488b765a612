// The whole hedge lifecycle through the SDK on a fork, shared by the anvil fork test and the mainnet-fork variant:
// deposit, plan, open, price move, funding accrual, rebalance, a keeper liquidation, withdraw. Uses only what users
// get: the SDK and its `parapet/testing` helpers.
import { expect } from "chai";
import type { NetworkConnection } from "hardhat/types/network";
import { type Address, erc20Abi, maxUint256, parseUnits } from "viem";
import {
  accountKey,
  createParapetClient,
  type Deployment,
  discoverAccounts,
  type Exposure,
  executeHedge,
  findLiquidatableAccounts,
  hedgeMarketsFromChain,
  hedgeStepsFromPlan,
  liquidateProfitably,
  planHedge,
  rebalanceHedge,
} from "../../../src/index.js";
import {
  advanceTime,
  dealToken,
  mockChainlinkFeed,
  seedLiquidity,
  setMarketPrice,
  settleLpRequestNow,
} from "../../../src/testing/index.js";

export type LifecycleOptions = {
  /** "real": the feeds are real Chainlink feeds (a mainnet fork): each is swapped for a mock first. */
  feeds: "mock" | "real";
};

/** What the lifecycle did, for the test's own assertions. */
export type LifecycleReport = { steps: string[] };

export async function runHedgeLifecycle(
  fork: NetworkConnection,
  deployment: Deployment,
  options: LifecycleOptions,
): Promise<LifecycleReport> {
  const steps: string[] = [];
  const { viem } = fork;
  const publicClient = await viem.getPublicClient();
  const testClient = await viem.getTestClient();
  const [, hedger, lp, keeperWallet, reckless] = await viem.getWalletClients();
  if (!hedger || !lp || !keeperWallet || !reckless) throw new Error("the fork has fewer than 5 accounts");
  const client = (wallet: typeof hedger) =>
    createParapetClient({ publicClient, walletClient: wallet, deployment }).then((c) =>
      Object.assign(c, { testClient }),
    );
  const [asHedger, asLp, asKeeper, asReckless] = await Promise.all([
    client(hedger),
    client(lp),
    client(keeperWallet),
    client(reckless),
  ]);
  const decimals = deployment.collateralDecimals;
  const tokens = (amount: string) => parseUnits(amount, decimals);
  const balanceOf = (who: Address) =>
    publicClient.readContract({
      address: deployment.collateralToken,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [who],
    });

  if (options.feeds === "real") {
    for (const market of deployment.markets) await mockChainlinkFeed(asKeeper, { feed: market.feed });
    steps.push("feeds mocked");
  }
  const eth = deployment.markets.find((m) => m.symbol === "ETH");
  const btc = deployment.markets.find((m) => m.symbol === "BTC");
  if (!eth || !btc) throw new Error("the deployment has no ETH or BTC market");

  // 1. deposit: fund with the SDK's dealToken (works for a test token and real USDC alike), the LP seeds the pool.
  for (const wallet of [hedger, lp, reckless]) {
    await dealToken(asKeeper, {
      token: deployment.collateralToken,
      to: wallet.account.address,
      amount: tokens("2000000"),
    });
  }
  expect(await balanceOf(lp.account.address)).to.equal(tokens("2000000"));
  // The LP defence is on: the deposit is a request, settled after the LP vault's delay (seedLiquidity moves the clock).
  await seedLiquidity(asLp, { amount: "1000000" });
  steps.push("deposit");

  // 2. plan: 10 ETH and 0.5 BTC held, hedged one-to-one in the chain's markets.
  const owner = hedger.account.address;
  const exposures: Exposure[] = [
    { kind: "asset", asset: "ETH", amount: 10 },
    { kind: "asset", asset: "BTC", amount: 0.5 },
  ];
  const markets = hedgeMarketsFromChain(await asHedger.getMarkets());
  const plan = planHedge(exposures, { markets, pricesUsd: {} });
  expect(plan.targets.map((t) => [t.marketAsset, t.sizeUnits])).to.deep.equal([
    ["ETH", -10],
    ["BTC", -0.5],
  ]);
  steps.push("plan");

  // 3. open: one HedgeRouter transaction for both hedges.
  const router = deployment.hedgeRouter;
  if (!router) throw new Error("the deployment has no hedge router");
  await asHedger.writeSetOperator({ operator: router, allowed: true });
  await asHedger.writeApprove({ spender: "hedgeRouter", amount: maxUint256 });
  const opened = await executeHedge(asHedger, {
    owner,
    steps: hedgeStepsFromPlan(plan, { slippageBps: 100, tokenDecimals: decimals }),
  });
  expect(opened.status).to.equal("sent");
  const ethTarget = plan.targets[0];
  if (ethTarget?.accountIndex === undefined) throw new Error("the plan has no ETH account");
  const ethAccount = ethTarget.accountIndex;
  const size = async (accountIndex: bigint, marketId: bigint) =>
    (await asHedger.getAccount({ owner, accountIndex })).positions.find((p) => p.marketId === marketId)?.sizeWad ?? 0n;
  expect(await size(ethAccount, eth.marketId)).to.equal(parseUnits("-10", 18));
  steps.push("open");

  // A reckless trader: short 1 ETH on 15 % margin, liquidatable after a 10 % rally.
  const ethPrice = hedgeMarketsFromChain(await asReckless.getMarkets()).find((m) => m.asset === "ETH")?.priceUsd ?? 0;
  await asReckless.writeApprove({ spender: "perpVault", amount: maxUint256 });
  await asReckless.writeDeposit({ owner: reckless.account.address, amount: (ethPrice * 0.15).toFixed(2) });
  await asReckless.writeTrade({
    owner: reckless.account.address,
    marketId: eth.marketId,
    sizeDelta: "-1",
    slippageBps: 100,
  });

  // 4. price move: ETH +10 %.
  await setMarketPrice(asKeeper, { marketId: eth.marketId, price: (ethPrice * 1.1).toFixed(2) });
  steps.push("price move");

  // 5. funding accrual: one day later (feeds kept fresh), funding accrued in every market.
  const indexBefore = (await asHedger.getMarkets()).find((m) => m.marketId === eth.marketId)?.fundingIndexWad;
  await advanceTime(asKeeper, { seconds: 86_400 });
  const indexAfter = (await asHedger.getMarkets()).find((m) => m.marketId === eth.marketId)?.fundingIndexWad;
  expect(indexAfter).to.not.equal(indexBefore);
  steps.push("funding accrual");

  // 6. rebalance: the hedger now holds 15 ETH; one pass moves the hedge to −15 (and tops up margin if due).
  const grown: Exposure[] = [{ kind: "asset", asset: "ETH", amount: 15 }, exposures[1] as Exposure];
  const pass = await rebalanceHedge(asHedger, {
    owner,
    exposures: grown,
    rebalancePolicy: { trigger: { kind: "band", band: 0.1 } },
  });
  expect(pass.status).to.equal("sent");
  expect(await size(ethAccount, eth.marketId)).to.equal(parseUnits("-15", 18));
  steps.push("rebalance");

  // 7. liquidation by the keeper: exactly the reckless account is due; the keeper is paid.
  const { accounts } = await discoverAccounts(asKeeper);
  const due = await findLiquidatableAccounts(asKeeper, { accounts });
  expect(due.map((c) => accountKey(c.account))).to.deep.equal([
    accountKey({ owner: reckless.account.address, accountIndex: 0n }),
  ]);
  const keeperBefore = await balanceOf(keeperWallet.account.address);
  const liquidation = await liquidateProfitably(asKeeper, { candidates: due });
  expect(liquidation.sent).to.equal(true);
  expect(liquidation.liquidated).to.have.length(1);
  expect((await balanceOf(keeperWallet.account.address)) - keeperBefore).to.equal(
    liquidation.rewardUsd / 10n ** BigInt(18 - decimals),
  );
  expect(liquidation.rewardUsd > 0n).to.equal(true);
  steps.push("liquidation");

  // 8. withdraw: the LP requests the redemption of a tenth of its shares; a keeper settles it after the delay and the
  // LP receives, to the unit, what the settlement reports (the mark minus the exit fee and the keeper fee).
  const lpBefore = await balanceOf(lp.account.address);
  const shares = await publicClient.readContract({
    address: deployment.liquidityVault,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [lp.account.address],
  });
  const me = lp.account.address;
  const { requestId } = await asLp.writeLpRequestRedeem({ shares: shares / 10n, receiver: me, owner: me });
  const settled = await settleLpRequestNow(asKeeper, { requestId });
  const redeemed = settled.events.find((e) => e.eventName === "RedeemSettled");
  if (redeemed?.eventName !== "RedeemSettled") throw new Error("no RedeemSettled event");
  expect((await balanceOf(me)) - lpBefore).to.equal(redeemed.args.assets);
  expect(redeemed.args.assets > tokens("90000"), "about a tenth of the pool").to.equal(true);
  steps.push("withdraw");
  return { steps };
}
