import { expect } from "chai";
import { parseUnits } from "viem";
import {
  createKeeperState,
  createParapetClient,
  type KeeperEvent,
  type KeeperState,
  keeperTick,
  type ParapetClient,
} from "../../src/index.js";
import { deployParapet } from "./helpers/parapet.js";

const usdc = (v: string) => parseUnits(v, 6);

// The keeper's LP request job on one in-process chain (the tests share it and run in order): an LP's requests, a third
// party keeper running one tick at a time, every outcome checked against the LP vault's own state.
describe("keeper: LP requests", () => {
  let env: Awaited<ReturnType<typeof deployParapet>>;
  let lp: ParapetClient;
  let keeper: ParapetClient;
  let state: KeeperState;
  let me: `0x${string}`;

  /** One tick with every job on; the LP job's events (settle-lp, cancel-lp and its own skips). */
  async function tick(options: Parameters<typeof keeperTick>[2] = {}): Promise<KeeperEvent[]> {
    const { events } = await keeperTick(keeper, state, options);
    return events.filter((e) => e.action === "settle-lp" || e.action === "cancel-lp" || e.action === "lp-requests");
  }
  const summary = (events: KeeperEvent[]) => events.map((e) => [e.action, e.outcome, e.lpRequestIds?.[0]]);
  const usdcOf = (who: `0x${string}`) => env.token.read.balanceOf([who]);

  before(async () => {
    env = await deployParapet();
    me = env.lp.account.address;
    const client = (walletClient: typeof env.trader) =>
      createParapetClient({ publicClient: env.publicClient, walletClient, deployment: env.deployment });
    lp = await client(env.lp);
    keeper = await client(env.keeper);
    const trader = await client(env.trader);
    const owner = env.trader.account.address;
    // Open interest in two markets: a settlement marks them.
    await trader.writeApprove({ amount: "20000" });
    await trader.writeDeposit({ owner, amount: "20000" });
    await trader.writeTrade({ owner, marketId: 0n, sizeDelta: "2", slippageBps: 50 });
    await trader.writeTrade({ owner, marketId: 1n, sizeDelta: "-0.1", slippageBps: 50 });
    await env.token.write.mint([me, usdc("10000")]);
    await lp.writeApprove({ amount: "10000", spender: "liquidityVault" });
    state = createKeeperState(keeper);
  });

  it("settles a deposit request once its delay has passed, never before, exactly once, for its keeper fee", async () => {
    const { requestId } = await lp.writeLpRequestDeposit({ amount: "1000", receiver: me });
    expect(await tick()).to.deep.equal([]); // pending: nothing to do
    expect(state.liveLpRequests).to.equal(1);
    await env.networkHelpers.time.increase(600);
    const keeperBefore = await usdcOf(env.keeper.account.address);
    const settled = await tick();
    expect(summary(settled)).to.deep.equal([["settle-lp", "sent", String(requestId)]]);
    expect(settled[0]?.reason).to.match(/^SETTLEABLE: keeper fee 1\.00 USD − gas/);
    expect(settled[0]?.gasUsed !== undefined && settled[0].gasUsed > 0n).to.equal(true);
    expect((await usdcOf(env.keeper.account.address)) - keeperBefore).to.equal(usdc("1"));
    expect(await lp.getLpRequest({ requestId })).to.equal(undefined);
    expect((await env.lpVault.read.balanceOf([me])) > 0n).to.equal(true);
    expect(await tick()).to.deep.equal([]); // gone: never a second settlement
    expect(state.lpRequestIds.has(requestId)).to.equal(false);
  });

  it("leaves a settlement whose fee does not cover the gas (and min profit), runs nothing when disabled", async () => {
    const { requestId } = await lp.writeLpRequestDeposit({ amount: "1000", receiver: me });
    await env.networkHelpers.time.increase(600);
    const unprofitable = await tick({ lpRequests: { minProfitUsd: 100 } });
    expect(summary(unprofitable)).to.deep.equal([["settle-lp", "skipped", String(requestId)]]);
    expect(unprofitable[0]?.reason).to.match(/^UNPROFITABLE: keeper fee 1\.00 USD − gas/);
    const dry = await tick({ dryRun: true });
    expect(summary(dry)).to.deep.equal([["settle-lp", "dry-run", String(requestId)]]);
    expect(await tick({ lpRequests: { disabled: true } })).to.deep.equal([]);
    expect((await lp.getLpRequest({ requestId }))?.status).to.equal("settleable");
    expect(summary(await tick())).to.deep.equal([["settle-lp", "sent", String(requestId)]]);
  });

  it("cancels an expired redemption (the shares back to the LP, nothing to the keeper) unless cleanup is off", async () => {
    const shares = await env.lpVault.read.balanceOf([me]);
    const { requestId } = await lp.writeLpRequestRedeem({ shares: shares / 2n, receiver: me, owner: me });
    // Settleable but the keeper is off for the whole window: it expires.
    await env.networkHelpers.time.increase(3_600);
    expect((await lp.getLpRequest({ requestId }))?.status).to.equal("expired");
    expect(await tick({ lpRequests: { cleanup: false } })).to.deep.equal([]);
    const keeperBefore = await usdcOf(env.keeper.account.address);
    const cancelled = await tick();
    expect(summary(cancelled)).to.deep.equal([["cancel-lp", "sent", String(requestId)]]);
    expect(cancelled[0]?.reason).to.match(/^EXPIRED: anyone may cancel it/);
    expect(await env.lpVault.read.balanceOf([me])).to.equal(shares);
    expect(await usdcOf(env.keeper.account.address)).to.equal(keeperBefore);
  });

  it("a settlement the vault refuses (an invalid price) is skipped with its error; a fresh keeper state finds the request and settles it", async () => {
    const { requestId } = await lp.writeLpRequestDeposit({ amount: "1000", receiver: me });
    await env.networkHelpers.time.increase(600);
    const eth = env.feeds[0];
    if (!eth) throw new Error("no ETH feed");
    const price = await eth.read.latestAnswer();
    await eth.write.updateAnswer([0n]); // the settlement marks the pool: no valid ETH price, no settlement
    const onlyLp = {
      liquidation: { disabled: true, nativePriceUsd: 3000 },
      fundingPokes: { disabled: true },
      adl: { disabled: true },
      orders: { disabled: true },
    };
    const refused = await tick(onlyLp);
    expect(summary(refused)).to.deep.equal([["settle-lp", "skipped", String(requestId)]]);
    expect(refused[0]?.reason).to.equal("SIMULATION: NonPositiveAnswer");
    await eth.write.updateAnswer([price]);
    const fresh = createKeeperState(keeper);
    const { events } = await keeperTick(keeper, fresh);
    const settled = events.filter((e) => e.action === "settle-lp");
    expect(summary(settled)).to.deep.equal([["settle-lp", "sent", String(requestId)]]); // found from the deployment block
    await keeperTick(keeper, fresh);
    expect(fresh.lpRequestIds.size).to.equal(0); // gone: forgotten
  });
});
