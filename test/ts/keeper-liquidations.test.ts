import { expect } from "chai";
import { maxUint256, parseUnits } from "viem";
import {
  accountKey,
  checkLiquidationUpkeep,
  createParapetClient,
  discoverAccounts,
  findLiquidatableAccounts,
  type KeeperEvent,
  liquidateProfitably,
  type ParapetClient,
  ParapetContractError,
  performLiquidationUpkeep,
  runKeeper,
  scanAccounts,
  simulateLiquidations,
  syncUpkeepWatchList,
} from "../../src/index.js";
import { deployParapet } from "./helpers/parapet.js";

/** The trader's and the keeper's Parapet clients on a fresh deployment. */
async function clients(env: Awaited<ReturnType<typeof deployParapet>>) {
  const client = (walletClient: typeof env.trader) =>
    createParapetClient({ publicClient: env.publicClient, walletClient, deployment: env.deployment });
  return { trader: await client(env.trader), keeper: await client(env.keeper) };
}

// The keeper's liquidation job on the in-process chain: discovery from events, the scan, the profitability rule and
// one liquidateBatch, checked against the vault's own state and events.
describe("keeper: liquidation scan and batch", () => {
  let env: Awaited<ReturnType<typeof deployParapet>>;
  let trader: ParapetClient;
  let keeper: ParapetClient;
  let owner: `0x${string}`;

  before(async () => {
    env = await deployParapet();
    owner = env.trader.account.address;
    ({ trader, keeper } = await clients(env));
    await env.token.write.approve([env.deployment.perpVault, maxUint256], { account: env.trader.account });
    // Account 0: 400 USDC long 1 ETH at 3,000 (liquidatable at 2,700). Account 1: 200 USDC long 0.5 ETH (also).
    // Account 2: 5,000 USDC long 1 ETH (healthy at 2,700). Account 0 gets a second deposit: discovered once.
    for (const [accountIndex, amount, size] of [
      [0n, "300", "1"],
      [1n, "200", "0.5"],
      [2n, "5000", "1"],
    ] as const) {
      await trader.writeDeposit({ owner, accountIndex, amount });
      if (accountIndex === 0n) await trader.writeDeposit({ owner, accountIndex, amount: "100" });
      await trader.writeTrade({ owner, accountIndex, marketId: 0n, sizeDelta: size, slippageBps: 100 });
    }
  });

  it("discovers every account once, in first-deposit order, paged and incrementally", async () => {
    const all = await discoverAccounts(keeper, { blockRange: 2n });
    expect(all.accounts.map(accountKey)).to.deep.equal([0n, 1n, 2n].map((i) => accountKey({ owner, accountIndex: i })));
    const later = await discoverAccounts(keeper, { fromBlock: all.toBlock + 1n });
    expect(later.accounts).to.deep.equal([]);
    expect(later.toBlock).to.equal(all.toBlock);
  });

  it("finds exactly the liquidatable accounts, largest shortfall first, with the reward the vault would pay", async () => {
    const { accounts } = await discoverAccounts(keeper);
    expect(await findLiquidatableAccounts(keeper, { accounts })).to.deep.equal([]);
    await env.feeds[0]?.write.updateAnswer([parseUnits("2700", 8)]);
    const { candidates, unpriced, health } = await scanAccounts(keeper, { accounts, accountsPerCall: 2 });
    expect(unpriced).to.deep.equal([]);
    expect(health.map((h) => h.account.accountIndex)).to.deep.equal([0n, 1n, 2n]);
    // account 0 (long 1 ETH on 400 USDC) is further below its margin than account 1 (0.5 ETH on 200 USDC)
    expect(candidates.map((c) => c.account.accountIndex)).to.deep.equal([0n, 1n]);
    for (const c of health) {
      expect(c.liquidatable).to.equal(await env.vault.read.isLiquidatable([owner, c.account.accountIndex]));
      const margin = await env.vault.read.accountMargin([owner, c.account.accountIndex]);
      expect(c.equityUsd).to.equal(margin.equity);
      expect(c.maintenanceMarginUsd).to.equal(margin.maintenanceMargin);
      expect(c.notionalUsd).to.equal(margin.notional);
    }
    const { results } = await simulateLiquidations(keeper, { accounts: health.map((h) => h.account) });
    expect(results.map((r) => r.status)).to.deep.equal(["liquidatable", "liquidatable", "healthy"]);
    for (const r of results.slice(0, 2)) expect(r.keeperRewardUsd >= 5n * 10n ** 18n).to.equal(true);
  });

  it("an unprofitable batch and a dry run send nothing", async () => {
    const { accounts } = await discoverAccounts(keeper);
    const candidates = await findLiquidatableAccounts(keeper, { accounts });
    const nonce = await env.publicClient.getTransactionCount({ address: env.keeper.account.address });
    const greedy = await liquidateProfitably(keeper, { candidates, minProfitUsd: 1_000_000 });
    expect(greedy.sent).to.equal(false);
    expect(greedy.skipped.map((s) => s.reason)).to.deep.equal(["UNPROFITABLE", "UNPROFITABLE"]);
    const dry = await liquidateProfitably(keeper, { candidates, dryRun: true, maxBatch: 1, maxTransactions: 1 });
    expect(dry.sent).to.equal(false);
    expect(dry.transactions).to.have.length(1);
    expect(dry.liquidated).to.have.length(1);
    expect(dry.skipped.map((s) => s.reason)).to.deep.equal(["MAX_TRANSACTIONS"]);
    expect((dry.gasUsed ?? 0n) > 0n).to.equal(true);
    expect(await env.publicClient.getTransactionCount({ address: env.keeper.account.address })).to.equal(nonce);
  });

  it("liquidates the due accounts in one batch, paid as the events say; a stale scan is re-validated", async () => {
    const { accounts } = await discoverAccounts(keeper);
    const candidates = await findLiquidatableAccounts(keeper, { accounts });
    const before = await env.token.read.balanceOf([env.keeper.account.address]);
    const simulated = await simulateLiquidations(keeper, { accounts: candidates.map((c) => c.account) });
    const pass = await liquidateProfitably(keeper, { candidates });
    expect(pass.rewardUsd).to.equal(simulated.results.reduce((s, r) => s + r.keeperRewardUsd, 0n));
    expect(pass.sent).to.equal(true);
    expect(pass.liquidated.map(accountKey)).to.have.members(candidates.map((c) => accountKey(c.account)));
    const after = await env.token.read.balanceOf([env.keeper.account.address]);
    // Paid in whole token units (6 decimals): rewards are booked in whole units.
    expect(after - before).to.equal(pass.rewardUsd / 10n ** 12n);
    expect(pass.transactions).to.have.length(1);
    const receipt = await env.publicClient.getTransactionReceipt({ hash: pass.hash ?? "0x" });
    expect(pass.gasUsed).to.equal(receipt.gasUsed);
    for (const c of candidates) {
      expect(await env.vault.read.isLiquidatable([owner, c.account.accountIndex])).to.equal(false);
    }
    // The same (now stale) candidates again: nothing is sent twice.
    const again = await liquidateProfitably(keeper, { candidates });
    expect(again.sent).to.equal(false);
    expect(again.skipped.map((s) => s.reason)).to.deep.equal([
      "NOT_LIQUIDATABLE_ANY_MORE",
      "NOT_LIQUIDATABLE_ANY_MORE",
    ]);
  });

  it("reports accounts without a valid oracle price apart, never as candidates", async () => {
    await env.networkHelpers.time.increase(2 * 86_400); // past the feeds' 1-day heartbeat
    const { accounts } = await discoverAccounts(keeper);
    const scan = await scanAccounts(keeper, { accounts });
    expect(scan.candidates).to.deep.equal([]);
    expect(scan.unpriced.map(accountKey)).to.deep.equal(accounts.map(accountKey));
  });
});

// The same job on chain: LiquidationUpkeep (Chainlink Automation-compatible), driven through the SDK.
describe("keeper: the Automation upkeep through the SDK", () => {
  it("syncs the watch list once, checkUpkeep reports exactly the due accounts, performUpkeep re-validates", async () => {
    const env = await deployParapet();
    const owner = env.trader.account.address;
    const { trader, keeper } = await clients(env);
    const upkeep = await env.viem.deployContract("LiquidationUpkeep", [
      env.deployment.perpVault,
      env.deployer.account.address,
    ]);
    await env.token.write.approve([env.deployment.perpVault, maxUint256], { account: env.trader.account });
    for (const [accountIndex, amount, size] of [
      [0n, "400", "1"],
      [1n, "5000", "1"],
      [2n, "200", "0.5"],
    ] as const) {
      await trader.writeDeposit({ owner, accountIndex, amount });
      await trader.writeTrade({ owner, accountIndex, marketId: 0n, sizeDelta: size, slippageBps: 100 });
    }
    const { accounts } = await discoverAccounts(keeper);
    const first = await syncUpkeepWatchList(keeper, { accounts, upkeep: upkeep.address });
    expect(first.added).to.have.length(3);
    expect(await upkeep.read.watchedCount()).to.equal(3n);
    const second = await syncUpkeepWatchList(keeper, { accounts, upkeep: upkeep.address });
    expect(second.added).to.deep.equal([]);
    expect(second.written).to.equal(undefined);

    const healthy = await checkLiquidationUpkeep(keeper, { upkeep: upkeep.address });
    expect(healthy.upkeepNeeded).to.equal(false);
    await env.feeds[0]?.write.updateAnswer([parseUnits("2700", 8)]);
    const due = await checkLiquidationUpkeep(keeper, { upkeep: upkeep.address, start: 0n, count: 10n });
    expect(due.upkeepNeeded).to.equal(true);
    const scanned = await findLiquidatableAccounts(keeper, { accounts });
    expect(due.due.map(accountKey)).to.deep.equal(scanned.map((c) => accountKey(c.account)));
    expect(due.due.map((a) => a.accountIndex)).to.deep.equal([0n, 2n]);
    // Paging: the second page holds only account 2.
    const page = await checkLiquidationUpkeep(keeper, { upkeep: upkeep.address, start: 2n, count: 5n });
    expect(page.due.map((a) => a.accountIndex)).to.deep.equal([2n]);

    const performed = await performLiquidationUpkeep(keeper, { upkeep: upkeep.address, performData: due.performData });
    expect(performed.events.filter((e) => e.eventName === "Liquidated")).to.have.length(2);
    expect((await env.token.read.balanceOf([upkeep.address])) > 0n).to.equal(true);
    expect((await checkLiquidationUpkeep(keeper, { upkeep: upkeep.address })).upkeepNeeded).to.equal(false);
    // A stale report (the work was done): re-validated on chain, NoDueWork, nothing liquidated twice.
    try {
      await performLiquidationUpkeep(keeper, { upkeep: upkeep.address, performData: due.performData });
      expect.fail("performUpkeep with nothing due must revert");
    } catch (error) {
      expect(error).to.be.instanceOf(ParapetContractError);
      expect((error as ParapetContractError).errorName).to.equal("NoDueWork");
    }
  });
});

describe("keeper loop: --sync-upkeep", () => {
  it("adds newly discovered accounts to the deployment's upkeep once, then liquidates through checkUpkeep", async () => {
    const env = await deployParapet();
    const owner = env.trader.account.address;
    const { trader, keeper } = await clients(env);
    await env.token.write.approve([env.deployment.perpVault, maxUint256], { account: env.trader.account });
    await trader.writeDeposit({ owner, accountIndex: 0n, amount: "400" });
    await trader.writeTrade({ owner, accountIndex: 0n, marketId: 0n, sizeDelta: "1", slippageBps: 100 });
    const events: KeeperEvent[] = [];
    await runKeeper(keeper, { once: true, syncUpkeep: true, onEvent: (e) => events.push(e) });
    const watch = events.filter((e) => e.action === "watch");
    expect(watch.map((e) => [e.outcome, e.accounts])).to.deep.equal([
      ["sent", [accountKey({ owner, accountIndex: 0n })]],
    ]);
    // Nothing new: no second watch transaction.
    const again: KeeperEvent[] = [];
    await runKeeper(keeper, { once: true, syncUpkeep: true, onEvent: (e) => again.push(e) });
    expect(again.filter((e) => e.action === "watch")).to.deep.equal([]);
    // The upkeep now covers the account on its own.
    await env.feeds[0]?.write.updateAnswer([parseUnits("2700", 8)]);
    const check = await checkLiquidationUpkeep(keeper);
    expect(check.due.map(accountKey)).to.deep.equal([accountKey({ owner, accountIndex: 0n })]);
  });
});
