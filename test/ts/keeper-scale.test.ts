// Liquidations at the scale users run (issue #14): the keeper's scan of N accounts in requests sized from the EVM's
// limits on deployless calls, and a crash — thousands of accounts at mixed leverage, a 50 % gap in one round —
// cleared by the keeper as shipped (runKeeper, default options), with the vault's books exact afterwards.
import { expect } from "chai";
import { type Address, createPublicClient, custom, maxUint256, parseUnits } from "viem";
import {
  accountKey,
  createParapetClient,
  type KeeperEvent,
  multicallInChunks,
  type ParapetClient,
  perpVaultAbi,
  runKeeper,
  scanAccounts,
  unwrapCallResult,
} from "../../src/index.js";
import { mixedLeverageBook, openPositionsInBulk, seedLiquidity } from "../../src/testing/index.js";
import { deployParapet } from "./helpers/parapet.js";

const USDC = 10n ** 6n;

type Env = Awaited<ReturnType<typeof deployParapet>>;

/** The trader's client over a transport that counts requests (`requests.length`). */
async function countingClient(env: Env, walletClient = env.trader) {
  const requests: string[] = [];
  const publicClient = createPublicClient({
    transport: custom({
      request: async (args: { method: string; params?: unknown }) => {
        requests.push(args.method);
        return env.publicClient.request(args as never);
      },
    }),
  });
  const client = await createParapetClient({ publicClient, walletClient, deployment: env.deployment });
  requests.length = 0; // the chain-id check of createParapetClient is not part of what is measured
  return { client, requests };
}

/** A deep LP pool (the books below are balanced, but their gross size is large) and a funded, approved trader. */
async function fund(env: Env, lpUsd: bigint, traderUsd: bigint): Promise<void> {
  await env.token.write.mint([env.lp.account.address, lpUsd * USDC + USDC]); // + the LP vault's keeper fee
  const testClient = await env.viem.getTestClient();
  const lp = { publicClient: env.publicClient, walletClient: env.lp, deployment: env.deployment, testClient };
  await seedLiquidity(lp, { amount: lpUsd * USDC }); // a request, settled after the LP defence's delay
  await env.token.write.mint([env.trader.account.address, traderUsd * USDC]);
  await env.token.write.approve([env.deployment.perpVault, maxUint256], { account: env.trader.account });
}

/** `count` accounts of the trader in the ETH market (3,000 USD) at 1.5–9.5×, in balanced pairs. */
const crashBook = (count: number) => mixedLeverageBook({ count, marketId: 0n, priceUsd: 3000, collateralDecimals: 6 });

/** Σ account collateral (USD WAD) over the owner's accounts 0..count-1, in sized multicalls. */
async function sumCollateral(client: ParapetClient, owner: Address, count: number): Promise<bigint> {
  const calls = Array.from({ length: count }, (_, i) => ({
    address: client.deployment.perpVault,
    abi: perpVaultAbi,
    functionName: "collateralOf",
    args: [owner, BigInt(i)] as const,
  }));
  const { results } = await multicallInChunks(client, calls, { what: "collateral", gasPerCall: 5_000 });
  return results.reduce((s, r) => s + unwrapCallResult<bigint>(r, "collateralOf"), 0n);
}

describe("keeper at scale: the scan (issue #14)", function () {
  this.timeout(600_000);
  const N = 10_000;
  let env: Env;

  before(async () => {
    env = await deployParapet();
    await fund(env, 50_000_000n, 20_000_000n);
    const { client } = await countingClient(env);
    await openPositionsInBulk(client, { positions: crashBook(N) });
  });

  for (const n of [1, 54, 55, 200, 1_000, 10_000]) {
    it(`scans ${n.toLocaleString("en-US")} account(s): ${n} priced results in the sized number of requests`, async () => {
      const { client, requests } = await countingClient(env);
      const owner = env.trader.account.address;
      const accounts = Array.from({ length: n }, (_, i) => ({ owner, accountIndex: BigInt(i) }));
      const scan = await scanAccounts(client, { accounts });
      expect(scan.health).to.have.length(n);
      expect(scan.health.every((h) => h.priced && h.marketBitmap === 1n)).to.equal(true);
      expect(scan.unpriced).to.deep.equal([]);
      expect(scan.health.map((h) => accountKey(h.account))).to.deep.equal(accounts.map(accountKey));
      // 383 accounts per deployless call (2 words each within the 24,576-byte return limit); with more than one call,
      // one eth_blockNumber first so every call reads the same block.
      const calls = Math.ceil(n / 383);
      expect(scan.requests).to.equal(calls + (calls > 1 ? 1 : 0));
      expect(requests).to.have.length(scan.requests);
      // The numbers are the vault's own, to the wei (spot checks across chunks).
      for (const i of [0, n - 1, Math.floor(n / 2)]) {
        const h = scan.health[i];
        if (!h) throw new Error("missing");
        const margin = await env.vault.read.accountMargin([owner, BigInt(i)]);
        expect([h.equityUsd, h.maintenanceMarginUsd, h.notionalUsd]).to.deep.equal([
          margin.equity,
          margin.maintenanceMargin,
          margin.notional,
        ]);
      }
    });
  }

  it("a chunk the node refuses for its size is split and re-read, never reported as unpriced", async () => {
    const { client } = await countingClient(env);
    const owner = env.trader.account.address;
    const accounts = Array.from({ length: 1_000 }, (_, i) => ({ owner, accountIndex: BigInt(i) }));
    // Limits looser than the EVM's: the first chunks are too large for the node, which refuses them.
    const scan = await scanAccounts(client, {
      accounts,
      limits: { maxInitcodeBytes: 49_152, maxReturnedBytes: 200_000, maxGas: 1e9 },
    });
    expect(scan.health).to.have.length(1_000);
    expect(scan.unpriced).to.deep.equal([]);
    expect(scan.requests > 2).to.equal(true);
  });
});

describe("keeper at scale: a 50 % gap through 2,400 accounts (issue #14)", function () {
  this.timeout(900_000);
  const N = 2_400;

  it("the keeper as shipped liquidates every liquidatable account in ≤ 3 ticks, records all bad debt, and the books stay exact (INV-01, INV-05)", async () => {
    const env = await deployParapet();
    await fund(env, 20_000_000n, 10_000_000n);
    const owner = env.trader.account.address;
    const trader = await createParapetClient({
      publicClient: env.publicClient,
      walletClient: env.trader,
      deployment: env.deployment,
    });
    const keeper = await createParapetClient({
      publicClient: env.publicClient,
      walletClient: env.keeper,
      deployment: env.deployment,
    });
    await openPositionsInBulk(trader, { positions: crashBook(N) });
    const accounts = Array.from({ length: N }, (_, i) => ({ owner, accountIndex: BigInt(i) }));

    // One round halves ETH.
    await env.feeds[0]?.write.updateAnswer([parseUnits("1500", 8)]);
    const before = await scanAccounts(keeper, { accounts });
    const liquidatable = before.candidates.length;
    const underwater = before.candidates.filter((c) => c.equityUsd < 0n).length;
    expect(liquidatable > N / 4).to.equal(true);
    expect(underwater > N / 8).to.equal(true);
    // Bad debt leads: the candidates come worst shortfall first.
    const shortfalls = before.candidates.map((c) => c.maintenanceMarginUsd - c.equityUsd);
    expect(shortfalls.every((s, i) => i === 0 || (shortfalls[i - 1] as bigint) >= s)).to.equal(true);

    const events: KeeperEvent[] = [];
    let ticks = 0;
    for (; ticks < 3; ticks++) {
      if ((await scanAccounts(keeper, { accounts })).candidates.length === 0) break;
      await runKeeper(keeper, { once: true, onEvent: (e) => events.push(e) });
    }
    const after = await scanAccounts(keeper, { accounts });
    expect(after.candidates, "nothing liquidatable is left").to.deep.equal([]);
    expect(ticks <= 3).to.equal(true);
    const liquidated = new Set(
      events.filter((e) => e.action === "liquidate" && e.outcome === "sent").flatMap((e) => e.accounts ?? []),
    );
    expect(liquidated.size).to.equal(liquidatable);
    for (const c of before.candidates) expect(liquidated.has(accountKey(c.account))).to.equal(true);
    // No reason to skip any: every liquidation pays (UNPROFITABLE never appears), no chunk failed.
    expect(events.filter((e) => e.outcome === "skipped" && /UNPROFITABLE|ORACLE/.test(e.reason))).to.deep.equal([]);

    // Every loss no account can pay is recorded: no open account has negative equity.
    expect(after.health.filter((h) => h.equityUsd < 0n)).to.deep.equal([]);
    const [badDebt] = await env.vault.read.badDebtUsd();
    expect(badDebt > 0n).to.equal(true);
    // INV-01: tokens = Σ collateral + pool balance + insurance, to the wei.
    const tokensWad = (await env.token.read.balanceOf([env.deployment.perpVault])) * 10n ** 12n;
    const pool = await env.vault.read.poolBalance();
    const insurance = await env.vault.read.insuranceFundUsd();
    const collateral = await sumCollateral(keeper, owner, N);
    expect(tokensWad).to.equal(collateral + pool + insurance);
    // The LP share price is conservative: the pool's value is at most its realised balance minus what the open
    // positions are owed (all of them healthy now, so every loss it counts can be collected).
    const unrealised = after.health.reduce((s, h) => s + h.equityUsd, 0n) - collateral;
    const [valueTokens] = await env.vault.read.liquidityState();
    expect(valueTokens * 10n ** 12n <= pool - unrealised).to.equal(true);
  });
});
