import { expect } from "chai";
import { type Address, maxUint256, parseUnits } from "viem";
import {
  createParapetClient,
  type Exposure,
  executeHedge,
  hedgeMarketsFromChain,
  hedgeStepsFromPlan,
  type ParapetClient,
  ParapetLatencyDefenceError,
  ParapetSetupError,
  planHedge,
  rebalanceHedge,
} from "../../src/index.js";
import { deployParapet } from "./helpers/parapet.js";

const wad = (v: string) => parseUnits(v, 18);

async function rejects(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

// The planner's stop-loss option and the executor that keeps one reduce-only stop per hedge leg, on one in-process
// chain (the tests share it and run in order): a 10 ETH exposure (short hedge) and a −0.1 BTC one (long hedge).
describe("hedge stop-losses and the latency defence in the executor", () => {
  let env: Awaited<ReturnType<typeof deployParapet>>;
  let parapet: ParapetClient;
  let owner: Address;
  let triggerOrders: Address;
  const stopLoss = { distanceRatio: 0.1, keeperFeeUsd: 1 };
  /** The steps the second test executes (a re-run of the same steps is a noop). */
  let opened: ReturnType<typeof hedgeStepsFromPlan> = [];

  async function planFor(exposures: Exposure[], distanceRatio = 0.1) {
    const markets = hedgeMarketsFromChain(await parapet.getMarkets());
    return planHedge(exposures, { markets, pricesUsd: {} }, { stopLoss: { ...stopLoss, distanceRatio } });
  }
  const stepsOf = (plan: Awaited<ReturnType<typeof planFor>>) =>
    hedgeStepsFromPlan(plan, { slippageBps: 100, tokenDecimals: 6 });
  const ethAndBtc: Exposure[] = [
    { kind: "asset", asset: "ETH", amount: 10 },
    { kind: "asset", asset: "BTC", amount: -0.1 },
  ];

  before(async () => {
    env = await deployParapet();
    owner = env.trader.account.address;
    parapet = await createParapetClient({
      publicClient: env.publicClient,
      walletClient: env.trader,
      deployment: env.deployment,
    });
    triggerOrders = env.deployment.triggerOrders as Address;
    await parapet.writeSetOperator({ operator: env.deployment.hedgeRouter as Address, allowed: true });
    await env.token.write.approve([env.deployment.hedgeRouter as Address, maxUint256], { account: env.trader.account });
  });

  it("planHedge puts each leg's stop against the hedge (a short's above the price, a long's below) and warns past liquidation", async () => {
    const plan = await planFor(ethAndBtc);
    const [eth, btc] = plan.targets;
    expect(eth?.sizeUnits).to.equal(-10);
    expect(eth?.stopLoss).to.deep.include({ triggerAbove: true, keeperFeeUsd: 1, expirySeconds: 30 * 86_400 });
    expect(eth?.stopLoss?.triggerPriceUsd).to.be.closeTo(3300, 1e-9);
    expect(btc?.sizeUnits).to.be.closeTo(0.1, 1e-12);
    expect(btc?.stopLoss?.triggerAbove).to.equal(false);
    expect(btc?.stopLoss?.triggerPriceUsd).to.be.closeTo(54_000, 1e-9);
    expect(eth?.explanation.at(-1)).to.match(/^stop-loss at 3300\.00 USD \(10\.0 % against the hedge\)/);
    expect(plan.warnings.map((w) => w.code)).to.not.include("STOP_BEYOND_LIQUIDATION");
    // The collateral survives a 30 % move: a stop 90 % away is past the liquidation price.
    const far = await planFor(ethAndBtc, 0.9);
    expect(far.targets[0]?.warnings.map((w) => w.code)).to.include("STOP_BEYOND_LIQUIDATION");
    expect(() =>
      planHedge(ethAndBtc, { markets: [], pricesUsd: { ETH: 1, BTC: 1 } }, { stopLoss: { distanceRatio: 1 } }),
    ).to.throw("stopLoss.distanceRatio");
  });

  it("checks the stops' setup before sending anything, then opens the legs and places one stop per leg", async () => {
    const steps = stepsOf(await planFor(ethAndBtc));
    opened = steps;
    expect(steps[0]?.stopLoss).to.deep.equal({
      triggerPriceWad: wad("3300"),
      triggerAbove: true,
      keeperFee: 1_000_000n,
      expirySeconds: 2_592_000n,
      slippageBps: undefined,
    });
    const nonce = await env.publicClient.getTransactionCount({ address: owner });
    const notOperator = await rejects(executeHedge(parapet, { owner, steps }));
    expect((notOperator as ParapetSetupError).code).to.equal("ORDERS_NOT_OPERATOR");
    await parapet.writeSetOperator({ operator: triggerOrders, allowed: true });
    const noAllowance = await rejects(executeHedge(parapet, { owner, steps }));
    expect(noAllowance).to.be.instanceOf(ParapetSetupError);
    expect((noAllowance as ParapetSetupError).code).to.equal("ALLOWANCE_TOO_LOW");
    expect((noAllowance as ParapetSetupError).summary).to.include("(2000000)");
    expect(await env.publicClient.getTransactionCount({ address: owner })).to.equal(nonce + 1);

    await parapet.writeApprove({ amount: "10", spender: "triggerOrders" });
    const result = await executeHedge(parapet, { owner, steps });
    expect(result.status).to.equal("sent");
    expect(result.stops.map((s) => [s.accountIndex, s.marketId, s.action])).to.deep.equal([
      [1n, 0n, "placed"],
      [2n, 1n, "placed"],
    ]);
    const orders = await parapet.getTriggerOrders({ owner });
    expect(orders.map((o) => [o.accountIndex, o.sizeDeltaWad, o.triggerPriceWad, o.kind, o.reduceOnly])).to.deep.equal([
      [1n, wad("10"), wad("3300"), "stop", true],
      [2n, -wad("0.1"), wad("54000"), "stop", true],
    ]);
    // A stop takes any fill: a short's stop buys with no upper bound, a long's sells with no lower one.
    expect(orders.map((o) => o.acceptablePriceWad)).to.deep.equal([maxUint256, 0n]);
  });

  it("a re-run keeps the stops (nothing sent); a resized leg updates its stop; a closed leg's stop is cancelled", async () => {
    const block = await env.publicClient.getBlockNumber();
    const again = await executeHedge(parapet, { owner, steps: opened });
    expect(again.status).to.equal("noop");
    expect(again.stops.map((s) => s.action)).to.deep.equal(["kept", "kept"]);
    expect(await env.publicClient.getBlockNumber()).to.equal(block);

    const bigger = stepsOf(
      await planFor([
        { kind: "asset", asset: "ETH", amount: 12 },
        { kind: "asset", asset: "BTC", amount: -0.1 },
      ]),
    );
    const resized = await executeHedge(parapet, { owner, steps: bigger });
    expect(resized.stops.map((s) => [s.orderId, s.action])).to.deep.equal([
      [1n, "updated"],
      [2n, "kept"],
    ]);
    const [eth] = await parapet.getTriggerOrders({ owner, accountIndex: 1n });
    expect(eth?.sizeDeltaWad).to.equal(wad("12"));

    const [ethStep, btcStep] = bigger;
    if (!ethStep || !btcStep) throw new Error("two steps expected");
    const closed = await executeHedge(parapet, { owner, steps: [ethStep, { ...btcStep, targetSizeWad: 0n }] });
    expect(closed.stops.map((s) => [s.orderId, s.action])).to.deep.equal([
      [1n, "kept"],
      [2n, "cancelled"],
    ]);
    expect((await env.vault.read.position([owner, 2n, 1n])).size).to.equal(0n);
    expect(await parapet.getTriggerOrders({ owner, accountIndex: 2n })).to.deep.equal([]);
    // The cancelled stop's fee went back into the account (1 USDC).
    const refunds = await env.publicClient.getContractEvents({
      address: env.deployment.perpVault,
      abi: env.vault.abi,
      eventName: "Deposited",
      args: { owner, accountIndex: 2n, from: triggerOrders },
      fromBlock: block,
    });
    expect(refunds.map((e) => e.args.amount)).to.deep.equal([1_000_000n]);
  });

  it("in a market with the latency defence on, an increase is refused before anything is sent; the rebalancer vetoes it (LATENCY)", async () => {
    await env.vault.write.setLatencyParams([
      0n,
      { minSettlementDelay: 5, settlementTimeout: 600, immediateFeeRatio: wad("0.005") },
    ]);
    const exposures: Exposure[] = [{ kind: "asset", asset: "ETH", amount: 14 }];
    const nonce = await env.publicClient.getTransactionCount({ address: owner });
    const refused = await rejects(executeHedge(parapet, { owner, steps: stepsOf(await planFor(exposures)) }));
    expect(refused).to.be.instanceOf(ParapetLatencyDefenceError);
    const e = refused as ParapetLatencyDefenceError;
    expect(e.code).to.equal("IMMEDIATE_OPEN_DISABLED");
    expect(e.legs).to.deep.equal([{ accountIndex: 1n, marketId: 0n, sizeDeltaWad: -wad("2") }]);
    expect(e.fix).to.include("writeCommitOrder");
    expect(await env.publicClient.getTransactionCount({ address: owner })).to.equal(nonce);

    const pass = await rebalanceHedge(parapet, {
      owner,
      exposures,
      hedgePolicy: { stopLoss },
      rebalancePolicy: { trigger: { kind: "band", band: 0.05 } },
    });
    expect(pass.status).to.equal("vetoed");
    expect(pass.decisions[0]?.decision.vetoes.map((v) => v.code)).to.deep.equal(["LATENCY"]);
    expect(await env.publicClient.getTransactionCount({ address: owner })).to.equal(nonce);

    // A reduction in the defended market still goes through the router (it pays the immediate fee).
    const smaller = await executeHedge(parapet, {
      owner,
      steps: stepsOf(await planFor([{ kind: "asset", asset: "ETH", amount: 11 }])),
    });
    expect(smaller.status).to.equal("sent");
    expect((await env.vault.read.position([owner, 1n, 0n])).size).to.equal(-wad("11"));
    expect(smaller.stops.map((s) => s.action)).to.deep.equal(["updated"]);
  });
});
