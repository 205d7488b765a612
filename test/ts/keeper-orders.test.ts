import { expect } from "chai";
import { parseUnits } from "viem";
import {
  createParapetClient,
  type KeeperEvent,
  type ParapetClient,
  runKeeper,
  scanOrders,
  stopLossParams,
  takeProfitParams,
  triggerOrdersAbi,
} from "../../src/index.js";
import { deployParapet } from "./helpers/parapet.js";

const wad = (v: string) => parseUnits(v, 18);
const answer = (v: string) => parseUnits(v, 8);

// The keeper's order job on one in-process chain (the tests share it and run in order): the trader's orders, a third
// party keeper running one tick at a time, every outcome checked against the contracts' own events and state.
describe("keeper: trigger orders and delayed orders", () => {
  let env: Awaited<ReturnType<typeof deployParapet>>;
  let trader: ParapetClient;
  let keeper: ParapetClient;
  let owner: `0x${string}`;

  /** One keeper tick (every job on); its order events (execute/settle/cancel and the job's own skips). */
  async function tick(options: Parameters<typeof runKeeper>[1] = {}): Promise<KeeperEvent[]> {
    const events: KeeperEvent[] = [];
    await runKeeper(keeper, { once: true, ...options, onEvent: (e) => events.push(e) });
    const failed = events.find((e) => e.outcome === "failed");
    if (failed) throw new Error(`the tick failed: ${failed.reason}`);
    const otherJobs = new Set<KeeperEvent["action"]>(["tick", "liquidate", "poke", "deleverage"]);
    return events.filter((e) => !otherJobs.has(e.action));
  }
  const summary = (events: KeeperEvent[]) => events.map((e) => [e.action, e.outcome, e.orderIds?.[0]]);

  before(async () => {
    env = await deployParapet();
    owner = env.trader.account.address;
    const client = (walletClient: typeof env.trader) =>
      createParapetClient({ publicClient: env.publicClient, walletClient, deployment: env.deployment });
    trader = await client(env.trader);
    keeper = await client(env.keeper);
    await trader.writeApprove({ amount: "20000" });
    await trader.writeDeposit({ owner, amount: "20000" });
    for (const spender of ["triggerOrders", "delayedOrders"] as const) {
      await trader.writeSetOperator({ operator: env.deployment[spender] as `0x${string}`, allowed: true });
      await trader.writeApprove({ amount: "100", spender });
    }
    await trader.writeTrade({ owner, marketId: 0n, sizeDelta: "2", slippageBps: 50 });
  });

  it("executes a due stop exactly once, then cancels the take-profit it left void", async () => {
    const position = { marketId: 0n, positionSizeWad: wad("2") };
    const stop = await trader.writePlaceTrigger({
      owner,
      ...stopLossParams({ ...position, triggerPriceWad: wad("2900") }),
      keeperFee: "5",
    });
    const tp = await trader.writePlaceTrigger({
      owner,
      ...takeProfitParams({ ...position, triggerPriceWad: wad("3500") }),
      keeperFee: "5",
    });
    expect(await tick()).to.deep.equal([]);

    await env.feeds[0]?.write.updateAnswer([answer("2890")]);
    const dry = await tick({ dryRun: true });
    expect(summary(dry)).to.deep.equal([["execute-trigger", "dry-run", String(stop.orderId)]]);
    const balance = await env.token.read.balanceOf([env.keeper.account.address]);
    const first = await tick();
    expect(summary(first)).to.deep.equal([["execute-trigger", "sent", String(stop.orderId)]]);
    expect(first[0]?.reason).to.match(/^DUE: keeper fee 5\.00 USD − gas \d+\.\d\d USD ≥ min profit 0 USD$/);
    expect(first[0]?.gasUsed).to.be.a("bigint");
    expect(first[0]?.accounts).to.deep.equal([`${owner.toLowerCase()}:0`]);
    expect(await env.token.read.balanceOf([env.keeper.account.address])).to.equal(balance + 5_000_000n);
    expect((await env.vault.read.position([owner, 0n, 0n])).size).to.equal(0n);

    // The stop is gone; the take-profit has nothing left to reduce: void, so the keeper cancels it (fee → account).
    const collateral = await env.vault.read.collateralOf([owner, 0n]);
    const second = await tick();
    expect(summary(second)).to.deep.equal([["cancel-trigger", "sent", String(tp.orderId)]]);
    expect(second[0]?.reason).to.match(/^VOID: anyone may cancel it/);
    expect(await env.vault.read.collateralOf([owner, 0n])).to.equal(collateral + wad("5"));
    expect(await tick()).to.deep.equal([]);
    const executed = await env.publicClient.getContractEvents({
      address: env.deployment.triggerOrders as `0x${string}`,
      abi: triggerOrdersAbi,
      eventName: "TriggerExecuted",
      fromBlock: 0n,
    });
    expect(executed.map((e) => e.args.orderId)).to.deep.equal([stop.orderId]);
  });

  it("does not execute a crossed stop while its oracle is stale; executes it once the feed is fresh", async () => {
    await trader.writeTrade({ owner, marketId: 0n, sizeDelta: "1", slippageBps: 100 });
    const { orderId } = await trader.writePlaceTrigger({
      owner,
      ...stopLossParams({ marketId: 0n, positionSizeWad: wad("1"), triggerPriceWad: wad("2800") }),
      keeperFee: "5",
    });
    await env.feeds[0]?.write.updateAnswer([answer("2700")]);
    await env.networkHelpers.time.increase(86_401); // past the feeds' 1-day heartbeat: every price is stale
    const nonce = await env.publicClient.getTransactionCount({ address: env.keeper.account.address });
    const stale = await tick();
    expect(summary(stale)).to.deep.equal([["orders", "skipped", String(orderId)]]);
    expect(stale[0]?.reason).to.match(/^ORACLE: 1 trigger order\(s\) cannot be checked/);
    expect(await env.publicClient.getTransactionCount({ address: env.keeper.account.address })).to.equal(nonce);
    const [scanned] = (await scanOrders(keeper, { triggerOrderIds: [orderId], delayedOrderIds: [] })).triggers;
    expect(scanned?.state).to.equal("unpriced");

    for (const feed of env.feeds) {
      const [, latest] = await feed.read.latestRoundData();
      await feed.write.updateAnswer([latest]);
    }
    expect(summary(await tick())).to.deep.equal([["execute-trigger", "sent", String(orderId)]]);
    expect((await env.vault.read.position([owner, 0n, 0n])).size).to.equal(0n);
  });

  it("settles a delayed order at the first round after the delay, and cancels one whose round was missed", async () => {
    await env.vault.write.setLatencyParams([
      1n,
      { minSettlementDelay: 5, settlementTimeout: 600, immediateFeeRatio: wad("0.005") },
    ]);
    const commit = { owner, marketId: 1n, sizeDelta: "0.1", slippageBps: 200, keeperFee: "5" } as const;
    const { orderId } = await trader.writeCommitOrder(commit);
    expect(await tick()).to.deep.equal([]); // pending: no round since the commitment
    await env.networkHelpers.time.increase(5);
    await env.feeds[1]?.write.updateAnswer([answer("60100")]);
    const settled = await tick();
    expect(summary(settled)).to.deep.equal([["settle-order", "sent", String(orderId)]]);
    expect(settled[0]?.reason).to.match(/^SETTLEABLE: keeper fee 5\.00 USD/);
    expect((await env.vault.read.position([owner, 0n, 1n])).size).to.equal(wad("0.1"));

    const { orderId: missedId } = await trader.writeCommitOrder(commit);
    await env.networkHelpers.time.increase(5);
    await env.feeds[1]?.write.updateAnswer([answer("60200")]);
    await env.feeds[1]?.write.updateAnswer([answer("60300")]);
    const collateral = await env.vault.read.collateralOf([owner, 0n]);
    const cancelled = await tick();
    expect(summary(cancelled)).to.deep.equal([["cancel-order", "sent", String(missedId)]]);
    expect(cancelled[0]?.reason).to.match(/^MISSED: /);
    expect(await env.vault.read.collateralOf([owner, 0n])).to.equal(collateral + wad("5"));
    expect((await env.vault.read.position([owner, 0n, 1n])).size).to.equal(wad("0.1"));
    expect(await tick()).to.deep.equal([]);
  });

  it("an order whose fee does not cover the gas is skipped (UNPROFITABLE); cleanup can be turned off", async () => {
    await trader.writeTrade({ owner, marketId: 0n, sizeDelta: "1", slippageBps: 100 });
    const { orderId } = await trader.writePlaceTrigger({
      owner,
      ...stopLossParams({ marketId: 0n, positionSizeWad: wad("1"), triggerPriceWad: wad("2750") }),
    });
    await env.feeds[0]?.write.updateAnswer([answer("2740")]);
    const skipped = await tick();
    expect(summary(skipped)).to.deep.equal([["execute-trigger", "skipped", String(orderId)]]);
    expect(skipped[0]?.reason).to.match(/^UNPROFITABLE: keeper fee 0\.00 USD − gas/);
    // A keeper that runs for its own stops pays for them.
    expect(summary(await tick({ orders: { minProfitUsd: -10 } }))).to.deep.equal([
      ["execute-trigger", "sent", String(orderId)],
    ]);
    // A stop placed on a flat account is void from the start: cleanup off leaves it, the default cancels it.
    const { orderId: voidId } = await trader.writePlaceTrigger({
      owner,
      ...stopLossParams({ marketId: 0n, positionSizeWad: wad("1"), triggerPriceWad: wad("2500") }),
    });
    expect(await tick({ orders: { cleanup: false } })).to.deep.equal([]);
    expect(summary(await tick())).to.deep.equal([["cancel-trigger", "sent", String(voidId)]]);
  });
});
