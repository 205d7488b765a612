import { expect } from "chai";
import { maxUint256, parseUnits } from "viem";
import { createParapetClient, type ParapetClient, rebalanceHedge } from "../../src/index.js";
import { deployParapet } from "./helpers/parapet.js";

// One rebalancing pass on the in-process chain: plan → rule → one HedgeRouter transaction, with real mock feeds.
describe("rebalanceHedge on the in-process chain", () => {
  let env: Awaited<ReturnType<typeof deployParapet>>;
  let parapet: ParapetClient;
  let owner: `0x${string}`;
  const exposures = [{ kind: "asset" as const, asset: "ETH", amount: 10 }];
  const band = { trigger: { kind: "band", band: 0.1 } } as const;

  beforeEach(async () => {
    env = await deployParapet();
    owner = env.trader.account.address;
    parapet = await createParapetClient({
      publicClient: env.publicClient,
      walletClient: env.trader,
      deployment: env.deployment,
    });
    const router = env.deployment.hedgeRouter;
    if (router === undefined) throw new Error("ParapetLocal deploys the router");
    await parapet.writeSetOperator({ operator: router, allowed: true });
    await env.token.write.approve([router, maxUint256], { account: env.trader.account });
  });

  const position = async (accountIndex: bigint) => (await env.vault.read.position([owner, accountIndex, 0n])).size;

  it("opens the planned hedge in one transaction, then has nothing to do", async () => {
    const first = await rebalanceHedge(parapet, { owner, exposures, rebalancePolicy: band });
    expect(first.status).to.equal("sent");
    expect(first.decisions.map((d) => d.decision.reasons.map((r) => r.code))).to.deep.equal([["DELTA_BAND"]]);
    // Short 10 ETH in the plan's isolated account 1, collateral at least the plan's (73 115 / 20 × 0.15 ≈ 10 962).
    expect(await position(1n)).to.equal(parseUnits("-10", 18));
    const collateral = await env.vault.read.collateralOf([owner, 1n]);
    expect(Number(collateral) / 1e18).to.be.at.least((first.plan.targets[0]?.collateralUsd ?? 0) - 1e-6);
    const blockBefore = await env.publicClient.getBlockNumber();
    const second = await rebalanceHedge(parapet, { owner, exposures, rebalancePolicy: band });
    expect(second.status).to.equal("noop");
    expect(second.decisions[0]?.decision.act).to.equal(false);
    expect(await env.publicClient.getBlockNumber()).to.equal(blockBefore);
  });

  it("a rally against the short triggers MARGIN: tops up without trading", async () => {
    await rebalanceHedge(parapet, { owner, exposures, rebalancePolicy: { trigger: { kind: "static" } } });
    const before = await env.vault.read.collateralOf([owner, 1n]);
    await env.feeds[0]?.write.updateAnswer([parseUnits("3750", 8)]); // +25 %: the short loses 7500
    const pass = await rebalanceHedge(parapet, { owner, exposures, rebalancePolicy: { trigger: { kind: "static" } } });
    expect(pass.status).to.equal("sent");
    expect(pass.decisions[0]?.decision.reasons.map((r) => r.code)).to.deep.equal(["MARGIN"]);
    expect(await position(1n)).to.equal(parseUnits("-10", 18));
    const after = await env.vault.read.collateralOf([owner, 1n]);
    expect(after > before, `${after} > ${before}`).to.equal(true);
  });

  it("a stale oracle vetoes (ORACLE) and nothing is sent; a dry run decides without sending", async () => {
    const dry = await rebalanceHedge(parapet, { owner, exposures, rebalancePolicy: band, dryRun: true });
    expect(dry.status).to.equal("dry-run");
    expect(dry.decisions[0]?.decision.act).to.equal(true);
    expect(await position(1n)).to.equal(0n);
    await env.networkHelpers.time.increase(2 * 86_400); // past the feeds' 1-day heartbeat
    const blockBefore = await env.publicClient.getBlockNumber();
    const stale = await rebalanceHedge(parapet, { owner, exposures, rebalancePolicy: band });
    expect(stale.status).to.equal("noop");
    expect(stale.decisions[0]?.decision.vetoes.map((v) => v.code)).to.deep.equal(["ORACLE"]);
    expect(await env.publicClient.getBlockNumber()).to.equal(blockBefore);
  });

  it("a transaction that would revert becomes a SIMULATION veto, and nothing is sent", async () => {
    // Zero slippage: selling into the skew fills below the oracle price, so the vault's acceptable-price check fails.
    const blockBefore = await env.publicClient.getBlockNumber();
    const pass = await rebalanceHedge(parapet, { owner, exposures, rebalancePolicy: band, slippageBps: 0 });
    expect(pass.status).to.equal("vetoed");
    expect(pass.simulationError?.message).to.match(/price/i);
    expect(pass.decisions[0]?.decision.vetoes.map((v) => v.code)).to.deep.equal(["SIMULATION"]);
    expect(pass.decisions[0]?.decision.act).to.equal(false);
    expect(await env.publicClient.getBlockNumber()).to.equal(blockBefore);
  });
});
