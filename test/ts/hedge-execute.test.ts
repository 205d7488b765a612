import { expect } from "chai";
import { type Address, maxUint256, parseUnits } from "viem";
import {
  buildHedgeRebalance,
  executeHedge,
  type HedgeStep,
  hedgeStepsFromPlan,
  numberToFixedPoint,
  resolveHedgeSteps,
} from "../../src/hedge/execute.js";
import type { HedgePlan, HedgeTarget } from "../../src/hedge/types.js";
import {
  createParapetClient,
  getAccount,
  type ParapetClient,
  ParapetContractError,
  ParapetFeeCapError,
  ParapetInputError,
  ParapetSetupError,
  parseDeployment,
} from "../../src/index.js";
import { deployParapet } from "./helpers/parapet.js";

const wad = (v: string) => parseUnits(v, 18);
const usdc = (v: string) => parseUnits(v, 6);
const TOKEN_TO_WAD = 10n ** 12n;

async function rejects(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** A planner target with only what the executor reads set to something meaningful. */
function target(fields: Partial<HedgeTarget> & Pick<HedgeTarget, "sizeUnits" | "collateralUsd" | "priceUsd">) {
  const t: HedgeTarget = {
    exposureAsset: "ETH",
    marketAsset: "ETH",
    marketId: 0n,
    accountIndex: 1n,
    method: "one-to-one",
    ratio: 1,
    rawRatio: 1,
    exposureUnits: -fields.sizeUnits,
    exposureUsd: 0,
    notionalUsd: 0,
    leverage: 0,
    liquidationPriceUsd: 0,
    liquidationDistance: 0,
    expectedCarryPerYearUsd: 0,
    carryPerYearBandUsd: [0, 0],
    openCostUsd: 0,
    warnings: [],
    explanation: [],
    ...fields,
  };
  return t;
}

function plan(targets: HedgeTarget[]): HedgePlan {
  return {
    targets,
    reserveUsd: 0,
    totalCapitalUsd: 0,
    totalNotionalUsd: 0,
    expectedCarryPerYearUsd: 0,
    unhedged: [],
    warnings: [],
    policy: {} as HedgePlan["policy"],
  };
}

/** Short 2 ETH in account 1 (2,000 USD floor) and short 0.1 BTC in account 2 (3,000 USD floor). */
function twoMarketSteps(slippageBps = 100): HedgeStep[] {
  return hedgeStepsFromPlan(
    plan([
      target({ sizeUnits: -2, collateralUsd: 2000, priceUsd: 3000, accountIndex: 1n, marketId: 0n }),
      target({
        sizeUnits: -0.1,
        collateralUsd: 3000,
        priceUsd: 60000,
        accountIndex: 2n,
        marketId: 1n,
        marketAsset: "BTC",
        exposureAsset: "BTC",
      }),
    ]),
    { slippageBps, tokenDecimals: 6 },
  );
}

describe("hedge executor (HedgeRouter) on the in-process chain", () => {
  let env: Awaited<ReturnType<typeof deployParapet>>;
  let parapet: ParapetClient;
  let owner: Address;
  let router: Address;

  beforeEach(async () => {
    env = await deployParapet();
    owner = env.trader.account.address;
    parapet = await createParapetClient({
      publicClient: env.publicClient,
      walletClient: env.trader,
      deployment: env.deployment,
    });
    if (!env.deployment.hedgeRouter) throw new Error("ParapetLocal deploys the router");
    router = env.deployment.hedgeRouter;
    await parapet.writeSetOperator({ operator: router, allowed: true });
    await env.token.write.approve([router, maxUint256], { account: env.trader.account });
  });

  async function size(accountIndex: bigint, marketId: bigint): Promise<bigint> {
    const p = await env.vault.read.position([owner, accountIndex, marketId]);
    return p.size;
  }

  it("executes a 2-market plan in one transaction: sizes and collateral at target", async () => {
    const before = await env.publicClient.getBlockNumber();
    const result = await executeHedge(parapet, { owner, steps: twoMarketSteps() });
    if (result.status !== "sent") throw new Error("expected a transaction");
    expect(await env.publicClient.getBlockNumber()).to.equal(before + 1n, "exactly one transaction");
    expect(result.receipt.status).to.equal("success");
    expect(result.sent).to.have.length(2);
    expect(await size(1n, 0n)).to.equal(wad("-2"));
    expect(await size(2n, 1n)).to.equal(wad("-0.1"));
    const a1 = await getAccount(parapet, { owner, accountIndex: 1n });
    const a2 = await getAccount(parapet, { owner, accountIndex: 2n });
    // Topped up before and after the trade: the floor to the token unit, whatever the fee was.
    expect(a1.collateralUsd >= wad("2000") && a1.collateralUsd < wad("2000") + TOKEN_TO_WAD).to.equal(true);
    expect(a2.collateralUsd >= wad("3000") && a2.collateralUsd < wad("3000") + TOKEN_TO_WAD).to.equal(true);
    expect(result.steps.map((s) => s.sizeDelta)).to.deep.equal([wad("-2"), wad("-0.1")]);
    expect(result.steps.map((s) => s.collateralAfter)).to.deep.equal([a1.collateralUsd, a2.collateralUsd]);
    const deposited = result.steps.reduce((sum, s) => sum + s.deposited, 0n);
    expect(await env.token.read.balanceOf([owner])).to.equal(usdc("100000") - deposited);
    expect(await env.token.read.balanceOf([router])).to.equal(0n, "no tokens left in the router");
    console.log(`      gas of a 2-step rebalance (open 2 markets from flat): ${result.receipt.gasUsed}`);
  });

  it("a second run is a noop: nothing sent, block number unchanged", async () => {
    await executeHedge(parapet, { owner, steps: twoMarketSteps() });
    const block = await env.publicClient.getBlockNumber();
    const wallet = await env.token.read.balanceOf([owner]);
    const again = await executeHedge(parapet, { owner, steps: twoMarketSteps() });
    expect(again.status).to.equal("noop");
    expect(again.states.every((s) => s.atTarget)).to.equal(true);
    expect(await env.publicClient.getBlockNumber()).to.equal(block);
    expect(await env.token.read.balanceOf([owner])).to.equal(wallet);
    expect(await size(1n, 0n)).to.equal(wad("-2"));
  });

  it("only the steps off target are sent", async () => {
    await executeHedge(parapet, { owner, steps: twoMarketSteps() });
    const steps = twoMarketSteps();
    const eth = steps[0];
    if (!eth) throw new Error("no ETH step");
    steps[0] = { ...eth, targetSizeWad: wad("-3") };
    const result = await executeHedge(parapet, { owner, steps });
    if (result.status !== "sent") throw new Error("expected a transaction");
    expect(result.sent.map((s) => s.marketId)).to.deep.equal([0n]);
    expect(await size(1n, 0n)).to.equal(wad("-3"));
    expect(await size(2n, 1n)).to.equal(wad("-0.1"));
  });

  it("two executors racing with the same plan end at the target, not twice it", async () => {
    const keeper = env.keeper;
    await parapet.writeSetOperator({ operator: keeper.account.address, allowed: true });
    await env.token.write.mint([keeper.account.address, usdc("100000")]);
    await env.token.write.approve([router, maxUint256], { account: keeper.account });
    const keeperClient = await createParapetClient({
      publicClient: env.publicClient,
      walletClient: keeper,
      deployment: env.deployment,
    });
    const provider = env.connection.provider;
    await provider.request({ method: "evm_setAutomine", params: [false] });
    try {
      // Both read the same flat state and send; neither is mined until both are in the mempool.
      const both = Promise.all([
        executeHedge(parapet, { owner, steps: twoMarketSteps() }),
        executeHedge(keeperClient, { owner, steps: twoMarketSteps() }),
      ]);
      for (let i = 0; i < 400; i++) {
        const pending = await env.publicClient.getBlockTransactionCount({ blockTag: "pending" });
        if (pending >= 2) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(await env.publicClient.getBlockTransactionCount({ blockTag: "pending" })).to.equal(2);
      await provider.request({ method: "evm_mine", params: [] });
      const [a, b] = await both;
      if (a.status !== "sent" || b.status !== "sent") throw new Error("both should have sent");
      expect(a.receipt.blockNumber).to.equal(b.receipt.blockNumber, "same block");
      // Whoever came second found the accounts at target: no trade, no deposit.
      const second = a.receipt.transactionIndex > b.receipt.transactionIndex ? a : b;
      expect(second.steps.every((s) => s.sizeDelta === 0n && s.deposited === 0n)).to.equal(true);
    } finally {
      await provider.request({ method: "evm_setAutomine", params: [true] });
    }
    expect(await size(1n, 0n)).to.equal(wad("-2"));
    expect(await size(2n, 1n)).to.equal(wad("-0.1"));
  });

  it("a fee cap below the network's need throws ParapetFeeCapError and sends nothing", async () => {
    const block = await env.publicClient.getBlockNumber();
    const err = await rejects(executeHedge(parapet, { owner, steps: twoMarketSteps(), maxFeePerGas: 1n }));
    expect(err).to.be.instanceOf(ParapetFeeCapError);
    expect(await env.publicClient.getBlockNumber()).to.equal(block);
    expect(await size(1n, 0n)).to.equal(0n);
  });

  it("a missing operator or allowance names the fix, before anything is sent", async () => {
    await parapet.writeSetOperator({ operator: router, allowed: false });
    const block = await env.publicClient.getBlockNumber();
    const noOperator = await rejects(executeHedge(parapet, { owner, steps: twoMarketSteps() }));
    expect(noOperator).to.be.instanceOf(ParapetSetupError);
    expect((noOperator as ParapetSetupError).code).to.equal("ROUTER_NOT_OPERATOR");
    expect((noOperator as ParapetSetupError).fix).to.match(/setOperator\(router, true\)/);
    expect(await env.publicClient.getBlockNumber()).to.equal(block);

    await parapet.writeSetOperator({ operator: router, allowed: true });
    await env.token.write.approve([router, 1n], { account: env.trader.account });
    const lowAllowance = await rejects(executeHedge(parapet, { owner, steps: twoMarketSteps() }));
    expect(lowAllowance).to.be.instanceOf(ParapetSetupError);
    expect((lowAllowance as ParapetSetupError).code).to.equal("ALLOWANCE_TOO_LOW");
    expect((lowAllowance as ParapetSetupError).fix).to.match(/Approve the router/);

    // A stranger (not an operator) is refused too.
    const stranger = await createParapetClient({
      publicClient: env.publicClient,
      walletClient: env.lp,
      deployment: env.deployment,
    });
    const notAuthorized = await rejects(executeHedge(stranger, { owner, steps: twoMarketSteps() }));
    expect((notAuthorized as ParapetSetupError).code).to.equal("SENDER_NOT_AUTHORIZED");
  });

  it("a reverting step throws the decoded contract error from the simulation and sends nothing", async () => {
    const block = await env.publicClient.getBlockNumber();
    // 0 bps around 3000: a sell must fill at ≥ 3000, and selling into zero skew fills at 2999.997.
    const err = await rejects(executeHedge(parapet, { owner, steps: twoMarketSteps(0) }));
    expect(err).to.be.instanceOf(ParapetContractError);
    const e = err as ParapetContractError;
    expect(e.errorName).to.equal("SlippageExceeded");
    expect(e.step).to.equal("simulate");
    expect(e.functionName).to.equal("rebalance");
    expect(e.args.fillPrice).to.equal(wad("2999.997"));
    expect(await env.publicClient.getBlockNumber()).to.equal(block);
  });

  it("router errors decode too (DepositCapExceeded with its values)", async () => {
    const steps = twoMarketSteps().map((s) => ({ ...s, maxDeposit: usdc("100") }));
    const err = await rejects(executeHedge(parapet, { owner, steps }));
    expect((err as ParapetContractError).errorName).to.equal("DepositCapExceeded");
    // The first top-up covers the floor and the vault's quoted fee (2 · 2999.997 · 0.05 % = 2.999997 USDC).
    expect((err as ParapetContractError).args).to.deep.equal({ needed: usdc("2002.999997"), max: usdc("100") });
  });

  it("resolveHedgeSteps picks the price bound from the direction of the trade", async () => {
    await executeHedge(parapet, { owner, steps: twoMarketSteps() });
    const eth = twoMarketSteps()[0];
    if (!eth) throw new Error("no ETH step");
    const reduce = { ...eth, targetSizeWad: wad("-1") }; // from −2: a buy
    const r = await resolveHedgeSteps(parapet, { owner, steps: [reduce] });
    expect(r.pending[0]?.acceptablePrice).to.equal(eth.maxBuyPriceWad);
    const increase = { ...eth, targetSizeWad: wad("-5") }; // a sell
    const r2 = await resolveHedgeSteps(parapet, { owner, steps: [increase] });
    expect(r2.pending[0]?.acceptablePrice).to.equal(eth.minSellPriceWad);
    const built = await buildHedgeRebalance(parapet, { owner, steps: r2.pending, deadline: 10n ** 10n });
    expect(built.to).to.equal(router);
    expect(built.functionName).to.equal("rebalance");
  });
});

describe("hedgeStepsFromPlan (pure)", () => {
  it("converts through the decimal text, with rounding that protects the floor and the trader", () => {
    const [s] = hedgeStepsFromPlan(
      plan([target({ sizeUnits: -0.1, collateralUsd: 1234.5678901234567, priceUsd: 3000.1, accountIndex: 3n })]),
      { slippageBps: 50, tokenDecimals: 6 },
    );
    if (!s) throw new Error("no step");
    expect(s.targetSizeWad).to.equal(wad("-0.1")); // not −0.1000000000000000055…
    expect(s.minCollateralUsd).to.equal(wad("1234.5678901234567"));
    expect(s.maxBuyPriceWad).to.equal(wad("3015.1005"));
    expect(s.minSellPriceWad).to.equal(wad("2985.0995"));
    expect(s.accountIndex).to.equal(3n);
    // Default cap: the floor in tokens (rounded up) + 0.1 · 3015.1005 · 1.5 % (rounded up).
    expect(s.maxDeposit).to.equal(usdc("1234.567891") + usdc("4.522651"));
    const capped = hedgeStepsFromPlan(plan([target({ sizeUnits: 1, collateralUsd: 1, priceUsd: 1 })]), {
      slippageBps: 0,
      tokenDecimals: 6,
      maxDepositPerStep: 7n,
    });
    expect(capped[0]?.maxDeposit).to.equal(7n);
  });

  it("numberToFixedPoint: exponents, rounding directions, no float multiplication", () => {
    expect(numberToFixedPoint(1e-7, 18, "zero")).to.equal(10n ** 11n);
    expect(numberToFixedPoint(1.5e21, 18, "zero")).to.equal(15n * 10n ** 38n);
    expect(numberToFixedPoint(0.1234567, 6, "up")).to.equal(123457n);
    expect(numberToFixedPoint(0.1234567, 6, "down")).to.equal(123456n);
    expect(numberToFixedPoint(-0.1234567, 6, "down")).to.equal(-123457n);
    expect(numberToFixedPoint(-0.1234567, 6, "zero")).to.equal(-123456n);
    expect(numberToFixedPoint(12, 0, "up")).to.equal(12n);
    expect(() => numberToFixedPoint(Number.NaN, 18, "zero")).to.throw(ParapetInputError);
  });

  it("a target without a market id is a typed input error", () => {
    const t = target({ sizeUnits: -1, collateralUsd: 100, priceUsd: 10, marketId: undefined, marketAsset: "QQQ" });
    expect(() => hedgeStepsFromPlan(plan([t]), { slippageBps: 10, tokenDecimals: 6 }))
      .to.throw(ParapetInputError)
      .with.property("argument", "plan.targets[0].marketId");
  });

  it("parseDeployment keeps old files (no hedgeRouter) valid", () => {
    const base = {
      chainId: 31337,
      perpVault: "0x0000000000000000000000000000000000000001",
      liquidityVault: "0x0000000000000000000000000000000000000002",
      oracleAdapter: "0x0000000000000000000000000000000000000003",
      collateralToken: "0x0000000000000000000000000000000000000004",
      collateralDecimals: 6,
      markets: [],
    };
    expect(parseDeployment(base).hedgeRouter).to.equal(undefined);
    expect(
      parseDeployment({ ...base, hedgeRouter: "0x0000000000000000000000000000000000000005" }).hedgeRouter,
    ).to.equal("0x0000000000000000000000000000000000000005");
  });
});
