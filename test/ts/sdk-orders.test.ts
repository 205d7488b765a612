import { expect } from "chai";
import { maxUint256, parseUnits } from "viem";
import {
  createParapetClient,
  type ParapetClient,
  ParapetContractError,
  type ParapetInputError,
  ParapetLatencyDefenceError,
  ParapetSetupError,
  stopLossParams,
  takeProfitParams,
  triggerSizeOnTick,
} from "../../src/index.js";
import { deployParapet } from "./helpers/parapet.js";

const usdc = (v: string) => parseUnits(v, 6);
const wad = (v: string) => parseUnits(v, 18);
const answer = (v: string) => parseUnits(v, 8);

async function rejects(promise: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

function contractError(error: unknown): ParapetContractError {
  expect(error).to.be.instanceOf(ParapetContractError);
  return error as ParapetContractError;
}

// Trigger orders and delayed orders through the SDK on one in-process chain. The tests run in order and share it:
// the trader holds 2 ETH long in account 0 (ETH at 3,000), the keeper is a third party.
describe("SDK orders: trigger orders and delayed orders", () => {
  let env: Awaited<ReturnType<typeof deployParapet>>;
  let trader: ParapetClient;
  let keeper: ParapetClient;
  let owner: `0x${string}`;
  let triggerOrders: `0x${string}`;
  let delayedOrders: `0x${string}`;

  before(async () => {
    env = await deployParapet();
    owner = env.trader.account.address;
    const client = (walletClient: typeof env.trader) =>
      createParapetClient({ publicClient: env.publicClient, walletClient, deployment: env.deployment });
    trader = await client(env.trader);
    keeper = await client(env.keeper);
    triggerOrders = env.deployment.triggerOrders as `0x${string}`;
    delayedOrders = env.deployment.delayedOrders as `0x${string}`;
    await trader.writeApprove({ amount: "20000" });
    await trader.writeDeposit({ owner, amount: "20000" });
    await trader.writeTrade({ owner, marketId: 0n, sizeDelta: "2", slippageBps: 50 });
  });

  it("places a stop-loss only once the setup is done: typed errors name setOperator, then approve", async () => {
    const stop = stopLossParams({ marketId: 0n, positionSizeWad: wad("2"), triggerPriceWad: wad("2800") });
    expect(stop).to.include({ sizeDelta: -wad("2"), triggerAbove: false, acceptablePrice: 0n, reduceOnly: true });

    const notOperator = await rejects(trader.writePlaceTrigger({ owner, ...stop, keeperFee: "1" }));
    expect(notOperator).to.be.instanceOf(ParapetSetupError);
    expect((notOperator as ParapetSetupError).code).to.equal("ORDERS_NOT_OPERATOR");
    expect((notOperator as ParapetSetupError).fix).to.include(`setOperator(${triggerOrders}, true)`);

    await trader.writeSetOperator({ operator: triggerOrders, allowed: true });
    const noAllowance = await rejects(trader.writePlaceTrigger({ owner, ...stop, keeperFee: "1" }));
    expect((noAllowance as ParapetSetupError).code).to.equal("ALLOWANCE_TOO_LOW");
    expect((noAllowance as ParapetSetupError).fix).to.include('spender: "triggerOrders"');

    // Someone who is not the owner's operator cannot place for it.
    const stranger = await rejects(keeper.writePlaceTrigger({ owner, ...stop }));
    expect((stranger as ParapetSetupError).code).to.equal("SENDER_NOT_AUTHORIZED");

    await trader.writeApprove({ amount: "10", spender: "triggerOrders" });
    const placed = await trader.writePlaceTrigger({ owner, ...stop, keeperFee: "1" });
    expect(placed.orderId).to.equal(1n);
    expect(placed.events.some((e) => e.eventName === "TriggerPlaced")).to.equal(true);
    expect(await env.token.read.balanceOf([triggerOrders])).to.equal(usdc("1"));
  });

  it("sizes on the 1e-8 tick: a reduce-only size rounds away from zero, any other must be on the tick", async () => {
    expect(triggerSizeOnTick(wad("1.000000001"), true)).to.equal(wad("1.00000001"));
    expect(triggerSizeOnTick(-wad("1.000000001"), true)).to.equal(-wad("1.00000001"));
    const off = await rejects(() => triggerSizeOnTick(wad("1.000000001"), false));
    expect((off as ParapetInputError).code).to.equal("INVALID_INPUT");
    expect((off as ParapetInputError).fix).to.include("1.00000001");

    // A take-profit for half the position, off the tick: placed with the size rounded away from zero.
    const tp = takeProfitParams({
      marketId: 0n,
      positionSizeWad: wad("2"),
      sizeWad: wad("1.000000001"),
      triggerPriceWad: wad("3300"),
      priceWad: wad("3000"),
    });
    const placed = await trader.writePlaceTrigger({ owner, ...tp, keeperFee: "1" });
    const [order] = (await trader.getTriggerOrders({ owner, accountIndex: 0n })).filter(
      (o) => o.orderId === placed.orderId,
    );
    expect(order).to.include({
      sizeDeltaWad: -wad("1.00000001"),
      triggerPriceWad: wad("3300"),
      triggerAbove: true,
      kind: "take-profit",
      keeperFeeTokens: usdc("1"),
      due: false,
    });
    // 50 bps below the trigger by default, stored on the tick, never looser than asked.
    expect(order?.acceptablePriceWad).to.equal(wad("3283.5"));
    const crossed = await rejects(() =>
      takeProfitParams({
        marketId: 0n,
        positionSizeWad: wad("2"),
        triggerPriceWad: wad("2900"),
        priceWad: wad("3000"),
      }),
    );
    expect((crossed as ParapetInputError).summary).to.include("already crossed");
    const nonReduce = await rejects(
      trader.buildPlaceTrigger({ owner, ...tp, sizeDelta: "0.000000001", reduceOnly: false }),
    );
    expect((nonReduce as ParapetInputError).argument).to.equal("sizeDelta");
    await trader.writeCancelTrigger({ orderId: placed.orderId });
  });

  it("lists, updates, refuses early execution (NotDue), executes once when due and pays the keeper", async () => {
    const listed = await keeper.getTriggerOrders({ owner });
    expect(listed.map((o) => [o.orderId, o.kind, o.due])).to.deep.equal([[1n, "stop", false]]);
    expect(await keeper.getTriggerOrders({ owner: env.keeper.account.address })).to.deep.equal([]);

    // Only half the position, and a tighter trigger.
    await trader.writeUpdateTrigger({
      orderId: 1n,
      ...stopLossParams({ marketId: 0n, positionSizeWad: wad("2"), sizeWad: wad("1"), triggerPriceWad: wad("2900") }),
    });
    const early = contractError(await rejects(keeper.writeExecuteTrigger({ orderId: 1n })));
    expect(early.errorName).to.equal("NotDue");
    expect(early.humanArgs.triggerPriceWad).to.equal("2900 USD/unit");

    await env.feeds[0]?.write.updateAnswer([answer("2890")]);
    const [due] = await keeper.getTriggerOrders({ owner });
    expect(due?.due).to.equal(true);
    const before = await env.token.read.balanceOf([env.keeper.account.address]);
    const executed = await keeper.writeExecuteTrigger({ orderId: 1n });
    const event = executed.events.find((e) => e.eventName === "TriggerExecuted");
    if (event?.eventName !== "TriggerExecuted") throw new Error("no TriggerExecuted event");
    expect(event.args.sizeDelta).to.equal(-wad("1"));
    expect(await env.token.read.balanceOf([env.keeper.account.address])).to.equal(before + usdc("1"));
    const position = await env.vault.read.position([owner, 0n, 0n]);
    expect(position.size).to.equal(wad("1"));
    const again = contractError(await rejects(keeper.writeExecuteTrigger({ orderId: 1n })));
    expect(again.errorName).to.equal("OrderNotFound");
    expect(await keeper.getTriggerOrders({ owner })).to.deep.equal([]);
  });

  it("cancel: a live order only by the owner (fee back into the account); a void one by anyone", async () => {
    const stop = stopLossParams({ marketId: 0n, positionSizeWad: wad("1"), triggerPriceWad: wad("2500") });
    const { orderId } = await trader.writePlaceTrigger({ owner, ...stop, keeperFee: "2" });
    const live = contractError(await rejects(keeper.writeCancelTrigger({ orderId })));
    expect(live.errorName).to.equal("OrderStillLive");
    const collateral = await env.vault.read.collateralOf([owner, 0n]);
    await trader.writeCancelTrigger({ orderId });
    expect(await env.vault.read.collateralOf([owner, 0n])).to.equal(collateral + wad("2"));

    // Void: the position is closed, so a reduce-only order has nothing to reduce, even crossed; anyone may cancel it.
    const crossed = { ...stop, triggerPriceWad: wad("2950") };
    const { orderId: voidId } = await trader.writePlaceTrigger({ owner, ...crossed, keeperFee: "1" });
    await trader.writeTrade({ owner, marketId: 0n, sizeDelta: "-1", slippageBps: 100 });
    const [order] = await keeper.getTriggerOrders({ owner });
    expect(order?.due).to.equal(false);
    const nothing = contractError(await rejects(keeper.writeExecuteTrigger({ orderId: voidId })));
    expect(nothing.errorName).to.equal("NothingToReduce");
    const cancelled = await keeper.writeCancelTrigger({ orderId: voidId });
    const event = cancelled.events.find((e) => e.eventName === "TriggerCancelled");
    if (event?.eventName !== "TriggerCancelled") throw new Error("no TriggerCancelled event");
    expect(event.args.reason).to.equal(2); // void
  });

  it("latency defence: an immediate open is refused with the typed error naming commitOrder; reductions pay the surcharge", async () => {
    // BTC: a position first, then the defence on (5 s delay, 10 min timeout, 0.5 % immediate fee).
    await trader.writeTrade({ owner, accountIndex: 0n, marketId: 1n, sizeDelta: "0.1", slippageBps: 100 });
    await env.vault.write.setLatencyParams([
      1n,
      { minSettlementDelay: 5, settlementTimeout: 600, immediateFeeRatio: wad("0.005") },
    ]);
    expect(await trader.getLatencyParams({ marketId: 1n })).to.deep.equal({
      marketId: 1n,
      enabled: true,
      minSettlementDelaySeconds: 5n,
      settlementTimeoutSeconds: 600n,
      immediateFeeRatioWad: wad("0.005"),
    });
    expect((await trader.getLatencyParams({ marketId: 0n })).enabled).to.equal(false);
    const nonce = await env.publicClient.getTransactionCount({ address: owner });
    const open = await rejects(trader.writeTrade({ owner, marketId: 1n, sizeDelta: "0.1", slippageBps: 100 }));
    expect(open).to.be.instanceOf(ParapetLatencyDefenceError);
    const e = open as ParapetLatencyDefenceError;
    expect(e.code).to.equal("IMMEDIATE_OPEN_DISABLED");
    expect(e.fix).to.include("writeCommitOrder").and.include("5 s");
    expect(e.legs).to.deep.equal([{ accountIndex: 0n, marketId: 1n, sizeDeltaWad: wad("0.1") }]);
    expect(await env.publicClient.getTransactionCount({ address: owner })).to.equal(nonce);

    const reduce = await trader.writeTrade({ owner, marketId: 1n, sizeDelta: "-0.05", slippageBps: 100 });
    const traded = reduce.events.find((ev) => ev.eventName === "Traded");
    if (traded?.eventName !== "Traded") throw new Error("no Traded event");
    // 0.05 BTC at ≈ 60,000: the maker/taker fee is ≤ 0.05 %, the surcharge 0.5 % = 15 USD on top.
    const notional = (wad("0.05") * traded.args.result.fillPrice) / wad("1");
    expect(traded.args.result.feeUsd >= (notional * 5n) / 1000n).to.equal(true);
  });

  it("delayed orders: commit, settle at the first round after the delay (not before, no cancel then), cancel a missed one", async () => {
    const commit = { owner, marketId: 1n, sizeDelta: "0.1", slippageBps: 200, keeperFee: "1" } as const;
    const notOperator = await rejects(trader.writeCommitOrder(commit));
    expect((notOperator as ParapetSetupError).code).to.equal("ORDERS_NOT_OPERATOR");
    await trader.writeSetOperator({ operator: delayedOrders, allowed: true });
    await trader.writeApprove({ amount: "10", spender: "delayedOrders" });
    const { orderId } = await trader.writeCommitOrder(commit);
    const [pending] = await keeper.getDelayedOrders({ owner });
    expect(pending).to.include({ orderId, status: "pending", sizeDeltaWad: wad("0.1"), keeperFeeTokens: usdc("1") });
    expect(pending?.settleAfter).to.equal((pending?.settleBefore ?? 0n) - 595n);
    const early = contractError(await rejects(keeper.writeSettleOrder({ orderId })));
    expect(early.errorName).to.equal("SettlementNotReady");

    // The first round at or after settleAfter: settleable; the owner may not cancel it now, anyone may settle.
    await env.networkHelpers.time.increase(5);
    await env.feeds[1]?.write.updateAnswer([answer("60100")]);
    const [ready] = await keeper.getDelayedOrders({ owner });
    expect(ready?.status).to.equal("settleable");
    const noCancel = contractError(await rejects(trader.writeCancelDelayedOrder({ orderId })));
    expect(noCancel.errorName).to.equal("CannotCancelSettleable");
    const settled = await keeper.writeSettleOrder({ orderId });
    const event = settled.events.find((ev) => ev.eventName === "OrderSettled");
    if (event?.eventName !== "OrderSettled") throw new Error("no OrderSettled event");
    expect(event.args.sizeDelta).to.equal(wad("0.1"));
    expect((await env.vault.read.position([owner, 0n, 1n])).size).to.equal(wad("0.15"));

    // Missed: a second round lands before anyone settles. It can never settle; anyone may cancel (fee → account).
    const { orderId: missedId } = await trader.writeCommitOrder({ ...commit, sizeDelta: "-0.15", reduceOnly: true });
    await env.networkHelpers.time.increase(5);
    await env.feeds[1]?.write.updateAnswer([answer("60200")]);
    await env.feeds[1]?.write.updateAnswer([answer("60300")]);
    expect((await keeper.getDelayedOrders({ owner })).map((o) => [o.orderId, o.status])).to.deep.equal([
      [missedId, "missed"],
    ]);
    const missed = contractError(await rejects(keeper.writeSettleOrder({ orderId: missedId })));
    expect(missed.errorName).to.equal("SettlementMissed");
    const collateral = await env.vault.read.collateralOf([owner, 0n]);
    await keeper.writeCancelDelayedOrder({ orderId: missedId });
    expect(await env.vault.read.collateralOf([owner, 0n])).to.equal(collateral + wad("1"));
    expect(await keeper.getDelayedOrders({ owner })).to.deep.equal([]);
  });

  it("build* never sends; a buy's 'any fill' bound is kept", async () => {
    const nonce = await env.publicClient.getTransactionCount({ address: owner });
    const tx = await trader.buildCommitOrder({ owner, marketId: 0n, sizeDelta: "1", acceptablePrice: maxUint256 });
    expect(tx.to).to.equal(delayedOrders);
    expect(trader.buildExecuteTrigger({ orderId: 1n }).to).to.equal(triggerOrders);
    const missing = await rejects(trader.buildCommitOrder({ owner, marketId: 0n, sizeDelta: "1" }));
    expect((missing as ParapetInputError).argument).to.equal("acceptablePrice");
    expect(await env.publicClient.getTransactionCount({ address: owner })).to.equal(nonce);
  });
});
