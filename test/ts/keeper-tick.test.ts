import { expect } from "chai";
import { type Address, maxUint256, parseEventLogs, parseUnits } from "viem";
import { main } from "../../src/cli/main.js";
import {
  accountKey,
  createKeeperState,
  createParapetClient,
  getLiquidityVault,
  getMarkets,
  type KeeperEvent,
  type KeeperState,
  type KeeperTickParameters,
  keeperTick,
  liquidationUpkeepAbi,
  type ParapetClient,
  ParapetInputError,
  perpVaultAbi,
  reservedUsd,
  stopLossParams,
  tokenUnitsToWad,
} from "../../src/index.js";
import { deployParapet } from "./helpers/parapet.js";

const wad = (v: string) => parseUnits(v, 18);
const answer = (v: string) => parseUnits(v, 8);
type Env = Awaited<ReturnType<typeof deployParapet>>;

async function clients(env: Env) {
  const client = (walletClient: typeof env.trader) =>
    createParapetClient({ publicClient: env.publicClient, walletClient, deployment: env.deployment });
  return { trader: await client(env.trader), keeper: await client(env.keeper), lp: await client(env.lp) };
}

/** The receipt's events of the vault (FundingAccrued, Liquidated, Deleveraged, …). */
async function vaultEvents(env: Env, hash: `0x${string}` | undefined) {
  if (!hash) throw new Error("no transaction hash");
  const receipt = await env.publicClient.getTransactionReceipt({ hash });
  return parseEventLogs({ abi: perpVaultAbi, logs: receipt.logs });
}

const lower = (address: Address) => address.toLowerCase();
const summary = (events: readonly KeeperEvent[]) => events.map((e) => [e.action, e.outcome]);

// One keeperTick with something for every job to do, each outcome checked on chain. The keeper state is created by
// the test and read between ticks.
describe("keeperTick: every job, one tick at a time", () => {
  it("runs upkeep sync, liquidations, funding pokes, orders and the rebalance policy, and returns what it did", async () => {
    const env = await deployParapet();
    const { trader, keeper } = await clients(env);
    const owner = env.trader.account.address;
    const keeperAddress = env.keeper.account.address;
    const { triggerOrders, hedgeRouter, liquidationUpkeep } = env.deployment;
    if (!triggerOrders || !hedgeRouter || !liquidationUpkeep) throw new Error("ParapetLocal deploys the periphery");
    // Account 0: 400 USDC long 1 ETH (liquidatable at 2,700). Account 1: 5,000 USDC long 2 ETH with a stop at 2,800.
    await trader.writeApprove({ amount: "100000" });
    await trader.writeDeposit({ owner, accountIndex: 0n, amount: "400" });
    await trader.writeTrade({ owner, accountIndex: 0n, marketId: 0n, sizeDelta: "1", slippageBps: 100 });
    await trader.writeDeposit({ owner, accountIndex: 1n, amount: "5000" });
    await trader.writeTrade({ owner, accountIndex: 1n, marketId: 0n, sizeDelta: "2", slippageBps: 100 });
    await trader.writeSetOperator({ operator: triggerOrders, allowed: true });
    await trader.writeApprove({ amount: "5", spender: "triggerOrders" });
    const stop = await trader.writePlaceTrigger({
      owner,
      accountIndex: 1n,
      keeperFee: "5",
      ...stopLossParams({ marketId: 0n, positionSizeWad: wad("2"), triggerPriceWad: wad("2800") }),
    });
    // The keeper also hedges 1 ETH of its own through the router.
    await env.token.write.mint([keeperAddress, parseUnits("10000", 6)]);
    await keeper.writeSetOperator({ operator: hedgeRouter, allowed: true });
    await env.token.write.approve([hedgeRouter, maxUint256], { account: env.keeper.account.address });

    const state = createKeeperState(keeper);
    const options: KeeperTickParameters = {
      syncUpkeep: true,
      rebalance: {
        exposures: [{ kind: "asset", asset: "ETH", amount: 1 }],
        rebalancePolicy: { trigger: { kind: "band", band: 0.1 } },
      },
    };
    const seen: KeeperEvent[] = [];
    const first = await keeperTick(keeper, state, { ...options, onEvent: (e) => seen.push(e) });
    expect(first.tick).to.equal(1);
    expect(first.events).to.deep.equal(seen);
    // Nothing liquidatable, no price move, no order due: the new accounts are watched and the hedge is opened.
    expect(summary(first.events)).to.deep.equal([
      ["watch", "sent"],
      ["rebalance", "sent"],
      ["tick", "ok"],
    ]);
    expect(first.sent).to.equal(2);
    expect(await env.vault.read.position([keeperAddress, 1n, 0n])).to.include({ size: wad("-1") });
    expect([...state.lastPokes.keys()]).to.deep.equal([0n]); // the first look at the one market with open interest
    expect(state.lastPokes.get(0n)?.source).to.equal("first-look");

    // ETH −10 %, and a new account: every job but ADL (utilisation is far below 100 %) has something to do.
    await trader.writeDeposit({ owner, accountIndex: 2n, amount: "100" });
    await env.feeds[0]?.write.updateAnswer([answer("2700")]);
    const second = await keeperTick(keeper, state, options);
    expect(second.tick).to.equal(2);
    expect(summary(second.events)).to.deep.equal([
      ["watch", "sent"],
      ["liquidate", "sent"],
      ["poke", "sent"],
      ["execute-trigger", "sent"],
      ["rebalance", "noop"],
      ["tick", "ok"],
    ]);
    expect(second.sent).to.equal(4);
    expect(state.sent).to.equal(6);
    const [watch, liquidate, poke, execute] = second.events;

    // The new account, and the keeper's own hedge account (opened by the rebalance after the first tick's discovery).
    expect(watch?.accounts).to.deep.equal([
      accountKey({ owner: keeperAddress, accountIndex: 1n }),
      accountKey({ owner, accountIndex: 2n }),
    ]);
    expect(
      await env.publicClient.readContract({
        address: liquidationUpkeep,
        abi: liquidationUpkeepAbi,
        functionName: "watchedCount",
      }),
    ).to.equal(4n); // trader 0, 1, 2 and the keeper's hedge account

    expect(liquidate?.accounts).to.deep.equal([accountKey({ owner, accountIndex: 0n })]);
    const liquidated = (await vaultEvents(env, liquidate?.hash)).filter((e) => e.eventName === "Liquidated");
    expect(liquidated.map((e) => [lower(e.args.owner), e.args.accountIndex, lower(e.args.keeper)])).to.deep.equal([
      [lower(owner), 0n, lower(keeperAddress)],
    ]);
    expect(await env.vault.read.isLiquidatable([owner, 0n])).to.equal(false);

    expect(poke?.marketIds).to.deep.equal(["0"]);
    expect(poke?.reason).to.match(/^MOVED: ETH 3000\.00 → 2700\.00 USD \(−10\.00 %\)/);
    const accrued = (await vaultEvents(env, poke?.hash)).filter((e) => e.eventName === "FundingAccrued");
    expect(accrued.map((e) => [e.args.marketId, e.args.priceWad])).to.deep.equal([[0n, wad("2700")]]);
    const pokeBlock = await env.publicClient.getBlock({
      blockNumber: (await env.publicClient.getTransactionReceipt({ hash: poke?.hash ?? "0x" })).blockNumber,
    });
    expect(state.lastPokes.get(0n)).to.deep.equal({
      priceWad: wad("2700"),
      timestamp: pokeBlock.timestamp,
      source: "poke",
    });
    const atPoke = await env.vault.read.marketState([0n], { blockNumber: pokeBlock.number });
    expect(Number(atPoke.lastFundingTime)).to.equal(Number(pokeBlock.timestamp)); // (the stop's trade accrues it later)

    expect(execute?.orderIds).to.deep.equal([String(stop.orderId)]);
    expect((await env.vault.read.position([owner, 1n, 0n])).size).to.equal(0n);
    expect(second.events[4]?.reason).to.match(/no hedge needs action|ETH#1/);

    // The state carried it all: accounts (first-seen order), scanned blocks, no key left in flight.
    expect(state.accounts.map(accountKey)).to.deep.equal(
      [0n, 1n]
        .map((i) => accountKey({ owner, accountIndex: i }))
        .concat(accountKey({ owner: keeperAddress, accountIndex: 1n }), accountKey({ owner, accountIndex: 2n })),
    );
    expect(state.unwatched).to.deep.equal([]);
    expect([...state.inFlight.keys()]).to.deep.equal([]);
    expect(state.nextAccountBlock > env.deployment.blockNumber).to.equal(true);

    // A third tick has nothing left to do.
    const nonce = await env.publicClient.getTransactionCount({ address: keeperAddress });
    const third = await keeperTick(keeper, state, options);
    expect(summary(third.events)).to.deep.equal([
      ["rebalance", "noop"],
      ["tick", "ok"],
    ]);
    expect(await env.publicClient.getTransactionCount({ address: keeperAddress })).to.equal(nonce);
  });

  it("refuses a bad option before reading anything, naming it", async () => {
    const env = await deployParapet();
    const { keeper } = await clients(env);
    const state = createKeeperState(keeper);
    for (const [bad, argument] of [
      [{ fundingPokes: { minMove: 0 } }, "fundingPokes.minMove"],
      [{ fundingPokes: { minMove: Number.NaN } }, "fundingPokes.minMove"],
      [{ fundingPokes: { maxAgeSeconds: 1.5 } }, "fundingPokes.maxAgeSeconds"],
      [{ fundingPokes: { maxAgeSeconds: 0 } }, "fundingPokes.maxAgeSeconds"],
      [{ orders: { maxPerTick: 0 } }, "orders.maxPerTick"],
    ] as const) {
      const error = await keeperTick(keeper, state, bad).catch((e: unknown) => e);
      expect(error, argument).to.be.instanceOf(ParapetInputError);
      expect((error as ParapetInputError).argument).to.equal(argument);
    }
    expect(state.tick).to.equal(0);
  });

  it("parapet keeper documents the new jobs' flags and refuses bad values naming the flag (exit 2)", async () => {
    const run = async (argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {} });
      return { code, stdout: out.join(""), stderr: err.join("") };
    };
    const help = await run(["keeper", "--help"]);
    for (const flag of ["--no-funding-pokes", "--poke-min-move FRACTION", "--poke-max-age SECONDS", "--no-adl"]) {
      expect(help.stdout).to.contain(flag);
    }
    for (const [argv, named] of [
      [["--poke-min-move", "0"], "--poke-min-move 0"],
      [["--poke-min-move", "x"], "--poke-min-move x"],
      [["--poke-max-age", "1.5"], "--poke-max-age 1.5"],
      [["--no-liquidations", "--no-orders", "--no-funding-pokes", "--no-adl", "--no-lp-requests"], "nothing to do"],
    ] as const) {
      const refused = await run(["keeper", ...argv]);
      expect(refused.code, argv.join(" ")).to.equal(2);
      expect(refused.stderr).to.contain(named);
    }
  });
});

describe("keeperTick: funding pokes", () => {
  let env: Env;
  let keeper: ParapetClient;
  let state: KeeperState;
  let owner: Address;

  /** One tick; its poke events. */
  async function pokes(): Promise<KeeperEvent[]> {
    const tick = await keeperTick(keeper, state);
    expect(tick.events.filter((e) => e.outcome === "failed")).to.deep.equal([]);
    return tick.events.filter((e) => e.action === "poke");
  }
  const lastFundingTime = async (marketId: bigint) =>
    Number((await env.vault.read.marketState([marketId])).lastFundingTime);

  before(async () => {
    env = await deployParapet();
    const c = await clients(env);
    keeper = c.keeper;
    owner = env.trader.account.address;
    // Open interest in ETH (0) and BTC (1); none in XAU (2).
    await c.trader.writeApprove({ amount: "10000" });
    await c.trader.writeDeposit({ owner, amount: "10000" });
    await c.trader.writeTrade({ owner, marketId: 0n, sizeDelta: "1", slippageBps: 100 });
    await c.trader.writeTrade({ owner, marketId: 1n, sizeDelta: "0.1", slippageBps: 100 });
    state = createKeeperState(keeper);
  });

  it("the first look pokes nothing (the markets were just accrued) and remembers the markets with open interest", async () => {
    expect(await pokes()).to.deep.equal([]);
    expect([...state.lastPokes.keys()]).to.deep.equal([0n, 1n]);
  });

  it("a move of at least minMove pokes exactly the moved markets with open interest; a repeat tick pokes nothing", async () => {
    await env.feeds[0]?.write.updateAnswer([answer("3060")]); // ETH +2 %
    await env.feeds[1]?.write.updateAnswer([answer("60240")]); // BTC +0.4 %
    await env.feeds[2]?.write.updateAnswer([answer("2400")]); // XAU +4.3 %, no open interest
    const btcBefore = await lastFundingTime(1n);
    const xauBefore = await lastFundingTime(2n);
    const sent = await pokes();
    expect(sent.map((e) => [e.outcome, e.marketIds])).to.deep.equal([["sent", ["0"]]]);
    expect(sent[0]?.reason).to.equal(
      "MOVED: ETH 3000.00 → 3060.00 USD (+2.00 %) since this keeper's first look, ≥ min move 1.00 %",
    );
    const accrued = (await vaultEvents(env, sent[0]?.hash)).filter((e) => e.eventName === "FundingAccrued");
    expect(accrued.map((e) => [e.args.marketId, e.args.priceWad])).to.deep.equal([[0n, wad("3060")]]);
    expect(await lastFundingTime(1n)).to.equal(btcBefore);
    expect(await lastFundingTime(2n)).to.equal(xauBefore);

    const nonce = await env.publicClient.getTransactionCount({ address: env.keeper.account.address });
    expect(await pokes()).to.deep.equal([]);
    expect(await env.publicClient.getTransactionCount({ address: env.keeper.account.address })).to.equal(nonce);
  });

  it("measures from the last poke, not the last tick: small moves add up", async () => {
    await env.feeds[1]?.write.updateAnswer([answer("60700")]); // +0.76 % since the last tick, +1.17 % since the look
    const sent = await pokes();
    expect(sent.map((e) => [e.outcome, e.marketIds])).to.deep.equal([["sent", ["1"]]]);
    expect(sent[0]?.reason).to.match(/^MOVED: BTC 60000\.00 → 60700\.00 USD \(\+1\.17 %\)/);
    expect(state.lastPokes.get(1n)?.priceWad).to.equal(wad("60700"));
  });

  it("pokes a market whose last poke is maxAge old; a stale feed is skipped with ORACLE, never an error", async () => {
    await env.networkHelpers.time.increase(86_400);
    await env.feeds[0]?.write.updateAnswer([answer("3060")]); // ETH fresh again at the same price; BTC now stale
    const ethBefore = await lastFundingTime(0n);
    const btcBefore = await lastFundingTime(1n);
    const events = await pokes();
    expect(events.map((e) => [e.outcome, e.marketIds])).to.deep.equal([
      ["skipped", ["1"]],
      ["sent", ["0"]],
    ]);
    expect(events[0]?.reason).to.match(
      /^ORACLE: 1 market\(s\) with open interest cannot be priced \(BTC: StalePrice\)/,
    );
    expect(events[1]?.reason).to.match(/^AGE: ETH last poked \d+ s ago, ≥ max age 86400 s$/);
    expect(await lastFundingTime(0n)).to.be.greaterThan(ethBefore);
    expect(await lastFundingTime(1n)).to.equal(btcBefore);
  });

  it("disabled: no poke; tuned: a larger minMove waits for a larger move; a dry run sends nothing", async () => {
    for (const feed of env.feeds) {
      const [, latest] = await feed.read.latestRoundData();
      await feed.write.updateAnswer([latest]);
    }
    await env.feeds[0]?.write.updateAnswer([answer("3100")]); // ETH +1.3 % since its last poke
    const off = await keeperTick(keeper, state, { fundingPokes: { disabled: true } });
    expect(off.events.filter((e) => e.action === "poke")).to.deep.equal([]);
    // BTC's feed is fresh again and its last poke is over a day old: AGE. ETH's 1.3 % is under a 5 % minMove.
    const tuned = await keeperTick(keeper, state, { fundingPokes: { minMove: 0.05 } });
    const tunedPokes = tuned.events.filter((e) => e.action === "poke");
    expect(tunedPokes.map((e) => [e.outcome, e.marketIds])).to.deep.equal([["sent", ["1"]]]);
    expect(tunedPokes[0]?.reason).to.match(/^AGE: BTC/);
    const nonce = await env.publicClient.getTransactionCount({ address: env.keeper.account.address });
    const dry = await keeperTick(keeper, state, { dryRun: true });
    expect(await env.publicClient.getTransactionCount({ address: env.keeper.account.address })).to.equal(nonce);
    expect(dry.events.filter((e) => e.action === "poke").map((e) => [e.outcome, e.marketIds])).to.deep.equal([
      ["dry-run", ["0"]],
    ]);
  });
});

// ADL on a real scenario: a small LP pool, a crowded long side that wins a large rally, utilisation above 100 %.
describe("keeperTick: auto-deleveraging", () => {
  it("deleverages the crowded side's most profitable positions until utilisation is back at or under 100 %", async () => {
    const env = await deployParapet();
    const { trader, keeper, lp } = await clients(env);
    const owner = env.trader.account.address;
    const keeperAddress = env.keeper.account.address;
    // The pool: 100k USDC (the LP takes 900k of its 1M out while nothing is open). This test is about ADL and needs
    // that pool to the unit: the owner turns the LP defence (its delay and exit fee) off for the withdrawal.
    await env.lpVault.write.setFlowParams(
      [{ minDelaySeconds: 0, settlementTimeoutSeconds: 3_600, entryFeeBps: 0, exitFeeBps: 0, keeperFeeTokens: 0n }],
      { account: env.deployer.account },
    );
    await lp.writeLpWithdraw({ amount: "900000", receiver: env.lp.account.address, owner: env.lp.account.address });
    await trader.writeApprove({ amount: "100000" });
    const open = async (accountIndex: bigint, amount: string, sizeDelta: string) => {
      await trader.writeDeposit({ owner, accountIndex, amount });
      await trader.writeTrade({ owner, accountIndex, marketId: 0n, sizeDelta, slippageBps: 100 });
    };
    // #1 buys 7 ETH at 2,000; at 3,000 #2 buys 10 and #3 7 (the pool's cap allows it), #4 sells 1.
    await env.feeds[0]?.write.updateAnswer([answer("2000")]);
    await open(1n, "2000", "7");
    await env.feeds[0]?.write.updateAnswer([answer("3000")]);
    await open(2n, "4000", "10");
    await open(3n, "3000", "7");
    await open(4n, "3000", "-1");
    const state = createKeeperState(keeper);
    const deleverages = (events: readonly KeeperEvent[]) => events.filter((e) => e.action === "deleverage");
    expect(deleverages((await keeperTick(keeper, state)).events)).to.deep.equal([]); // under 100 %: nothing

    // ETH rallies 50 %: the longs' gains come out of the pool, their exposure grows.
    await env.feeds[0]?.write.updateAnswer([answer("4500")]);
    const utilisation = async () => {
      const [markets, pool] = await Promise.all([getMarkets(keeper), getLiquidityVault(keeper)]);
      return {
        reserved: reservedUsd(markets) ?? 0n,
        value: tokenUnitsToWad(pool.valueTokens ?? 0n, env.deployment.collateralDecimals),
      };
    };
    const before = await utilisation();
    expect(before.reserved > before.value, "utilisation above 100 %").to.equal(true);

    // A dry run decides the same and sends nothing.
    const nonce = await env.publicClient.getTransactionCount({ address: keeperAddress });
    const dry = deleverages((await keeperTick(keeper, state, { dryRun: true })).events);
    expect(dry.map((e) => [e.outcome, e.accounts])).to.deep.equal([
      ["dry-run", [accountKey({ owner, accountIndex: 1n })]],
      ["dry-run", [accountKey({ owner, accountIndex: 2n })]],
    ]);
    expect(await env.publicClient.getTransactionCount({ address: keeperAddress })).to.equal(nonce);
    expect(
      await keeperTick(keeper, state, { adl: { disabled: true } }).then((t) => deleverages(t.events)),
    ).to.deep.equal([]);

    // #1 (7 ETH from 2,000: +17.5k) is worth more than #2 (10 ETH from 3,000: +15k) and #3 (+10.5k); closing #1
    // alone leaves utilisation above 100 %, #1 and #2 bring it under. #4 is short: never the crowded side.
    const collateralBefore = await env.vault.read.collateralOf([owner, 1n]);
    const tick = await keeperTick(keeper, state);
    const sent = deleverages(tick.events);
    expect(sent.map((e) => [e.outcome, e.accounts, e.marketIds])).to.deep.equal([
      ["sent", [accountKey({ owner, accountIndex: 1n })], ["0"]],
      ["sent", [accountKey({ owner, accountIndex: 2n })], ["0"]],
    ]);
    expect(sent[0]?.reason).to.match(
      /^UTILISATION: reserved 103950\.\d\d USD > pool value \d+\.\d\d USD \(\d+\.\d\d %\); ETH position worth 17\d{3}\.\d\d USD/,
    );
    const deleveraged = [];
    for (const e of sent) {
      deleveraged.push(...(await vaultEvents(env, e.hash)).filter((x) => x.eventName === "Deleveraged"));
    }
    expect(
      deleveraged.map((e) => [e.args.accountIndex, e.args.size, e.args.priceWad, lower(e.args.keeper)]),
    ).to.deep.equal([
      [1n, wad("7"), wad("4500"), lower(keeperAddress)],
      [2n, wad("10"), wad("4500"), lower(keeperAddress)],
    ]);
    // Closed at the oracle price and paid in full; the rest untouched.
    expect((await env.vault.read.position([owner, 1n, 0n])).size).to.equal(0n);
    expect((await env.vault.read.position([owner, 2n, 0n])).size).to.equal(0n);
    expect((await env.vault.read.position([owner, 3n, 0n])).size).to.equal(wad("7"));
    expect((await env.vault.read.position([owner, 4n, 0n])).size).to.equal(wad("-1"));
    const collateralAfter = await env.vault.read.collateralOf([owner, 1n]);
    expect(collateralAfter).to.equal(deleveraged[0]?.args.collateralAfter);
    expect(collateralAfter - collateralBefore > wad("17000")).to.equal(true);
    const after = await utilisation();
    expect(after.reserved <= after.value, "utilisation back at or under 100 %").to.equal(true);
    // |skew| 6 ETH and the gross term 0.1 · min(13, 1) ETH, at 4,500.
    expect(after.reserved).to.equal(wad(String(6 * 4500)) + wad("450"));
    // The vault agrees: no further deleverage is allowed.
    const refused = await env.vault.simulate
      .deleverage([owner, 3n, 0n], { account: env.keeper.account.address })
      .catch((e) => e);
    expect(String(refused)).to.match(/DeleverageNotAllowed/);

    // And the next tick has nothing to do.
    expect(deleverages((await keeperTick(keeper, state)).events)).to.deep.equal([]);
  });

  it("brings a balanced book's gross reserve back under the pool by matched pairs, closing just enough", async () => {
    const env = await deployParapet();
    const { trader, keeper, lp } = await clients(env);
    const owner = env.trader.account.address;
    await env.lpVault.write.setFlowParams(
      [{ minDelaySeconds: 0, settlementTimeoutSeconds: 3_600, entryFeeBps: 0, exitFeeBps: 0, keeperFeeTokens: 0n }],
      { account: env.deployer.account },
    );
    await lp.writeLpWithdraw({ amount: "900000", receiver: env.lp.account.address, owner: env.lp.account.address });
    // The whole hedged open interest reserved (grossReserveRatio 1), so a walk shows in a small test.
    const params = await env.vault.read.marketParams([0n]);
    await env.vault.write.setMarketParams([0n, { ...params, grossReserveRatio: wad("1") }], {
      account: env.deployer.account,
    });
    await trader.writeApprove({ amount: "100000" });
    const open = async (accountIndex: bigint, amount: string, sizeDelta: string) => {
      await trader.writeDeposit({ owner, accountIndex, amount });
      await trader.writeTrade({ owner, accountIndex, marketId: 0n, sizeDelta, slippageBps: 100 });
    };
    await env.feeds[0]?.write.updateAnswer([answer("3000")]);
    await open(1n, "10000", "20"); // 60k a side: reserve 60k ≤ 0.8 · 100k
    await open(2n, "70000", "-20");
    const state = createKeeperState(keeper);
    const deleverages = (events: readonly KeeperEvent[]) => events.filter((e) => e.action === "deleverage");
    expect(deleverages((await keeperTick(keeper, state)).events)).to.deep.equal([]);

    // A walk to 5,500: the book stays balanced (no crowded side), its gross term is 110k on a ~100k pool.
    await env.feeds[0]?.write.updateAnswer([answer("5500")]);
    const [markets, pool] = await Promise.all([getMarkets(keeper), getLiquidityVault(keeper)]);
    const value = tokenUnitsToWad(pool.valueTokens ?? 0n, env.deployment.collateralDecimals);
    expect((reservedUsd(markets) ?? 0n) > value, "above the pool").to.equal(true);
    const equity = async (i: bigint) => (await env.vault.read.accountMargin([owner, i])).equity;
    const [equity1, equity2] = [await equity(1n), await equity(2n)];

    const sent = deleverages((await keeperTick(keeper, state)).events);
    expect(sent.map((e) => [e.outcome, e.accounts, e.marketIds])).to.deep.equal([
      ["sent", [accountKey({ owner, accountIndex: 1n }), accountKey({ owner, accountIndex: 2n })], ["0"]],
    ]);
    expect(sent[0]?.reason).to.match(
      /^UTILISATION: reserved 110000\.00 USD > pool value 100\d{3}\.\d\d USD \(109\.\d\d %\); ETH pair \(long worth 49\d{3}\.\d\d USD, short worth -49\d{3}\.\d\d USD\): the gross reserve of a balanced book$/,
    );
    const events = (await vaultEvents(env, sent[0]?.hash)).filter((x) => x.eventName === "Deleveraged");
    expect(events.map((e) => e.args.accountIndex)).to.deep.equal([1n, 2n]);
    const closed = events[0]?.args.size ?? 0n;
    expect(events[1]?.args.size).to.equal(-closed);
    // Just enough: the excess over the value, at 1 · 5,500 USD of reserve per ETH (≈ 1.8 ETH), not all 20.
    const { valueUsd: v1, reservedUsd: r1 } = await env.vault.read
      .poolMark()
      .then(([valueUsd, reservedUsd]) => ({ valueUsd, reservedUsd }));
    expect(r1 <= v1, "the vault's reserve is back within its value").to.equal(true);
    expect(closed > wad("1") && closed < wad("3"), `closed ${closed}`).to.equal(true);
    expect((await env.vault.read.position([owner, 1n, 0n])).size).to.equal(wad("20") - closed);
    expect((await env.vault.read.position([owner, 2n, 0n])).size).to.equal(-wad("20") + closed);
    // Equity unchanged but for the seconds of funding between these reads (to the wei in PoolSolvency.t.sol).
    const drift = (a: bigint, b: bigint) => (a > b ? a - b : b - a);
    expect(drift(await equity(1n), equity1) < wad("0.000001")).to.equal(true);
    expect(drift(await equity(2n), equity2) < wad("0.000001")).to.equal(true);
    expect(deleverages((await keeperTick(keeper, state)).events)).to.deep.equal([]);
  });
});
