// The dashboard's data layer and server (issue #18) against anvil with ten markets and twenty accounts: /api/state
// equals the SDK's own reads at the same block, a refresh costs at most two eth_calls and one eth_getLogs, bad query
// parameters get a 400 naming the parameter, and an unreachable RPC gives a state that says so.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { type Address, formatUnits, type Hex, parseEventLogs } from "viem";
import { perpVaultAbi } from "../../src/abis/index.js";
import { bloomMayContain } from "../../src/actions/logs.js";
import { main } from "../../src/cli/main.js";
import { DEFAULT_DASHBOARD_THRESHOLDS, dashboardAlerts } from "../../src/dashboard/alerts.js";
import { createDashboardReader } from "../../src/dashboard/reader.js";
import { type DashboardServer, startDashboardServer } from "../../src/dashboard/server.js";
import type { DashboardState } from "../../src/dashboard/types.js";
import { writeDeploymentFile } from "../../src/deploymentFile.js";
import { concentratedLp, exposureUnits, exposureValueUsd } from "../../src/hedge/index.js";
import {
  buildAccrueFunding,
  checkMarketOracles,
  getAccount,
  getMarkets,
  getSnapshot,
  sendParapetTransaction,
  stopLossParams,
  writeCancelTrigger,
  writeLiquidate,
  writePlaceTrigger,
  writeSetOperator,
  writeTrade,
} from "../../src/index.js";
import { freePort, setMarketPrice } from "../../src/testing/index.js";
import { countingContext, type DashboardChain, dashboardChain } from "./helpers/dashboard.js";

/** The next pushed state that passes `ok`, or a failure naming the last state's error after `ms`. */
async function pushed(
  server: DashboardServer,
  ok: (s: DashboardState) => boolean,
  ms = 20_000,
): Promise<DashboardState> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    const next = await Promise.race([
      server.nextPush(),
      new Promise<undefined>((r) => setTimeout(r, Math.max(0, left))),
    ]);
    if (next === undefined)
      throw new Error(`no such state in ${ms} ms; last: ${JSON.stringify(server.state()?.error)}`);
    if (ok(next)) return next;
  }
}

describe("dashboard: data layer and server (issue #18)", function () {
  this.timeout(120_000);
  let chain: DashboardChain;
  let server: DashboardServer | undefined;

  before(async () => {
    chain = await dashboardChain();
  });
  after(async () => {
    await server?.close();
    chain?.anvil.stop();
  });

  it("a refresh of 20 accounts × 10 markets is 2 eth_calls + 1 eth_getLogs (after the first), measured on the transport", async () => {
    const { client, counts } = countingContext(chain);
    const reader = createDashboardReader(client, { accounts: chain.accounts });
    const before0 = { ...counts };
    await reader.refresh(); // the first one also discovers orders and reads the oracle config and the held markets
    console.log(
      `      first refresh: ${counts.ethCalls - before0.ethCalls} eth_call, ${counts.getLogs - before0.getLogs} eth_getLogs`,
    );
    const measured: { ethCalls: number; getLogs: number; ms: number }[] = [];
    for (let i = 0; i < 3; i++) {
      await setMarketPrice(chain.client, { marketId: 1n, price: String(60_000 + 100 * (i + 1)) });
      const before = { ...counts };
      const t0 = performance.now();
      const { state } = await reader.refresh();
      const ms = performance.now() - t0;
      const m = { ethCalls: counts.ethCalls - before.ethCalls, getLogs: counts.getLogs - before.getLogs, ms };
      measured.push(m);
      expect(state.rpc?.ethCalls).to.equal(m.ethCalls); // the reader's own count agrees with the transport's
      expect(state.accounts).to.have.length(20);
      expect(state.markets).to.have.length(10);
    }
    console.log(`      dashboard refresh (20 accounts × 10 markets): ${JSON.stringify(measured)}`);
    for (const m of measured) {
      expect(m.ethCalls, "eth_call per refresh").to.be.at.most(2);
      expect(m.getLogs, "eth_getLogs per refresh").to.equal(1);
    }
  });

  it("the head's logs bloom: a block with no event of ours costs no eth_getLogs (2 requests); one with a vault event does, and shows it", async () => {
    const { client, counts } = countingContext(chain);
    const reader = createDashboardReader(client, { accounts: chain.accounts });
    await reader.latestBlock();
    await reader.refresh();
    // A price move: the mock feed logs AnswerUpdated, none of the vault, adapter or order contracts do.
    await setMarketPrice(chain.client, { marketId: 1n, price: "61234" });
    const head = await reader.latestBlock(); // the server's poll: the head and its bloom
    const receipt = await chain.client.publicClient.getBlock({ blockNumber: head });
    expect(bloomMayContain(receipt.logsBloom as Hex, chain.deployment.perpVault)).to.equal(false);

    let before = { ...counts };
    await reader.refresh();
    expect({ ethCalls: counts.ethCalls - before.ethCalls, getLogs: counts.getLogs - before.getLogs }).to.deep.equal({
      ethCalls: 2,
      getLogs: 0,
    });
    // A funding accrual: the vault logs FundingAccrued, the bloom admits it, the refresh reads the logs.
    await chain.client.testClient.increaseTime({ seconds: 60 });
    await sendParapetTransaction(chain.client, buildAccrueFunding(chain.client, { marketId: 4n }));
    const accrued = await chain.client.publicClient.getBlock({ blockNumber: await reader.latestBlock() });
    const logged = await chain.client.publicClient.getLogs({ blockHash: accrued.hash as Hex });
    expect(logged.map((l) => l.address.toLowerCase())).to.include(chain.deployment.perpVault.toLowerCase());
    for (const l of logged) expect(bloomMayContain(accrued.logsBloom as Hex, l.address)).to.equal(true);
    before = { ...counts };
    const { state } = await reader.refresh();
    expect(counts.getLogs - before.getLogs).to.equal(1);
    expect(state.keeperActions[0]?.event).to.equal("FundingAccrued");
  });

  it("funding carry per account: what its trades settled since the deployment's block (Traded events) plus what it owes now", async () => {
    const { client } = countingContext(chain);
    const sdk = chain.client;
    // Market 7 is balanced (account 7 long, 17 short): half of 7 closed skews it short, so funding runs; an hour
    // later account 17 trades, and its trade settles the funding its short earned or paid over that hour.
    const reduce = async (accountIndex: bigint, fraction: bigint) => {
      const now = (await sdk.publicClient.getBlock()).timestamp;
      const size = (await getAccount(sdk, { owner: chain.owner, accountIndex })).positions[0]?.sizeWad ?? 0n;
      return writeTrade(sdk, {
        owner: chain.owner,
        accountIndex,
        marketId: 7n,
        sizeDelta: formatUnits(-(size / fraction), 18),
        slippageBps: 500,
        deadline: now + 600n,
      });
    };
    await reduce(7n, 2n);
    await sdk.testClient.increaseTime({ seconds: 3_600 });
    await sdk.testClient.mine({ blocks: 1 });
    const trade = await reduce(17n, 4n);
    const reader = createDashboardReader(client, { accounts: chain.accounts });
    const { state } = await reader.refresh(); // the first refresh reads the history from the deployment's block
    const logs = await sdk.publicClient.getLogs({
      address: chain.deployment.perpVault,
      fromBlock: chain.deployment.blockNumber,
      toBlock: BigInt(state.blockNumber as string),
    });
    const paid = parseEventLogs({ abi: perpVaultAbi, eventName: "Traded", logs })
      .filter((e) => e.args.accountIndex === 17n && e.args.owner.toLowerCase() === chain.owner.toLowerCase())
      .reduce((x, e) => x + e.args.result.fundingPaidUsd, 0n);
    expect(trade.receipt.status).to.equal("success");
    const shown = state.accounts.find((a) => a.key === `${chain.owner}:17`);
    if (shown === undefined) throw new Error("account 17 is watched");
    expect(paid).to.not.equal(0n);
    expect(shown.fundingPaidUsd).to.equal(Number(formatUnits(paid, 18)));
    const owed = shown.positions.reduce((x, p) => x + (p.accruedFundingUsd ?? 0), 0);
    expect(shown.fundingCarryUsd).to.be.closeTo(shown.fundingPaidUsd + owed, 1e-9);
  });

  it("pending trigger orders and the keeper's actions (FundingAccrued, TriggerCancelled) come with the refresh; still 2 eth_calls once known", async () => {
    const { client, counts } = countingContext(chain);
    const reader = createDashboardReader(client, { accounts: chain.accounts });
    await reader.refresh();
    const sdk = chain.client;
    await writeSetOperator(sdk, { operator: chain.deployment.triggerOrders as Address, allowed: true });
    const sizeWad = BigInt(
      (await getAccount(sdk, { owner: chain.owner, accountIndex: 2n })).positions[0]?.sizeWad ?? 0n,
    );
    const stop = stopLossParams({ marketId: 2n, positionSizeWad: sizeWad, triggerPriceWad: 2_000n * 10n ** 18n });
    const placed = await writePlaceTrigger(sdk, { owner: chain.owner, accountIndex: 2n, ...stop });
    await chain.client.testClient.increaseTime({ seconds: 60 }); // an accrual in the same second emits nothing
    await sendParapetTransaction(sdk, buildAccrueFunding(sdk, { marketId: 3n }));
    let { state } = await reader.refresh(); // the new order's id comes from the logs: read in a follow-up, this refresh
    const order = state.orders.trigger.find((o) => o.orderId === placed.orderId.toString());
    expect(order).to.include({
      account: `${chain.owner}:2`,
      symbol: "XAU",
      kind: "stop",
      triggerAbove: false,
      due: false,
    });
    expect(order?.triggerPriceUsd).to.equal(2000);
    expect(state.keeperActions.map((a) => a.event)).to.include("FundingAccrued");
    expect(state.keeperActions.find((a) => a.event === "FundingAccrued")?.message).to.match(
      /^EURUSD funding accrued: /,
    );
    const before = { ...counts };
    await writeCancelTrigger(sdk, { orderId: placed.orderId });
    ({ state } = await reader.refresh());
    expect(counts.ethCalls - before.ethCalls, "eth_call with a pending order").to.be.at.most(2);
    expect(state.orders.trigger).to.deep.equal([]);
    expect(state.keeperActions[0]?.event).to.equal("TriggerCancelled");
    // Account 5 (20 SOL long from 150 with 600 USD): at 121 its equity is below maintenance margin; a keeper liquidates.
    await setMarketPrice(sdk, { marketId: 5n, price: "121" });
    ({ state } = await reader.refresh());
    const key5 = `${chain.owner}:5`;
    expect(state.alerts.find((a) => a.account === key5)?.code).to.equal("LIQUIDATABLE");
    await writeLiquidate(sdk, { owner: chain.owner, accountIndex: 5n });
    ({ state } = await reader.refresh());
    const liquidated = state.keeperActions.find((a) => a.event === "Liquidated");
    expect(liquidated?.account).to.equal(key5);
    expect(liquidated?.message).to.match(/^liquidated 100\.0 % by 0x[0-9a-fA-F]{8}…; penalty \$[\d,.]+/);
    expect(state.accounts.find((a) => a.key === key5)?.positions).to.deep.equal([]);
    await setMarketPrice(sdk, { marketId: 5n, price: "150" });
  });

  it("GET /api/state equals the SDK's reads at the same block (equity, margin, liquidation prices, prices, oracle verdicts)", async () => {
    const { client } = countingContext(chain);
    // A ±20 % Uniswap-style range around the ETH price, as readExposures gives it: valued through its range.
    const range = concentratedLp("ETH", 10_000, 2650, 2650 * 0.8, 2650 * 1.2);
    server = await startDashboardServer({
      reader: createDashboardReader(client, {
        accounts: chain.accounts,
        exposures: [{ kind: "asset", asset: "ETH", amount: -1 }, range],
      }),
      port: 0,
      pollMs: 100,
    });
    await setMarketPrice(chain.client, { marketId: 0n, price: "2990" });
    await pushed(server, (x) => x.status === "live");
    const res = await fetch(`${server.url}api/state`);
    expect(res.status).to.equal(200);
    const body = (await res.json()) as DashboardState;
    const blockNumber = BigInt(body.blockNumber as string);
    const sdk = chain.client;
    const [markets, oracles] = await Promise.all([
      getMarkets(sdk, { blockNumber }),
      checkMarketOracles(sdk, { blockNumber }),
    ]);
    for (const m of markets) {
      const shown = body.markets.find((x) => x.symbol === m.symbol);
      expect(shown?.priceWad, m.symbol).to.equal(m.priceWad?.toString());
      expect(shown?.fundingRatePerDayWad, m.symbol).to.equal((m.fundingRatePerDayWad ?? 0n).toString());
      const h = oracles.feeds.find((f) => f.marketId === m.marketId);
      expect(shown?.oracle.verdict, m.symbol).to.equal(h?.verdict);
      expect(shown?.oracle.message, m.symbol).to.equal(h?.message);
      expect(shown?.oracle.reasons.map((r) => r.code)).to.deep.equal(h?.reasons.map((r) => r.code));
    }
    for (const a of chain.accounts) {
      const read = await getAccount(sdk, { ...a, blockNumber });
      const shown = body.accounts.find((x) => x.key === `${a.owner}:${a.accountIndex}`);
      expect(shown?.equityWad).to.equal(read.equityUsd?.toString());
      expect(shown?.maintenanceMarginWad).to.equal(read.maintenanceMarginUsd?.toString());
      expect(shown?.collateralWad).to.equal(read.collateralUsd.toString());
      const mm = read.maintenanceMarginUsd as bigint; // 0 for account 5, liquidated above
      const ratio = mm === 0n ? null : Number(((read.equityUsd as bigint) * 1_000_000n) / mm) / 1e6;
      expect(shown?.marginRatio).to.equal(ratio);
      expect(shown?.positions.map((p) => [p.symbol, p.sizeWad, p.liquidationPriceWad])).to.deep.equal(
        read.positions.map((p) => [p.symbol, p.sizeWad.toString(), p.liquidationPriceWad?.toString()]),
      );
    }
    const snap = await getSnapshot(sdk, { ...(chain.accounts[0] as (typeof chain.accounts)[number]), blockNumber });
    expect(body.liquidity?.utilization).to.equal(Number(snap.liquidityVault.utilizationWad) / 1e18);
    expect(body.hedge?.exposures[0]?.symbol).to.equal("ETH");
    // Each exposure at the oracle price: its units now and its value change since the start (the curvature included).
    const lp = body.hedge?.exposures[1];
    if (lp === undefined || lp.priceUsd === null || lp.startPriceUsd === null) throw new Error("the range is priced");
    expect(lp.amount).to.be.closeTo(exposureUnits(range, lp.priceUsd), 1e-9);
    expect(lp.pnlUsd).to.be.closeTo(
      exposureValueUsd(range, lp.priceUsd) - exposureValueUsd(range, lp.startPriceUsd),
      1e-9,
    );
    expect(body.hedge?.exposures[0]?.pnlUsd).to.be.closeTo(-(lp.priceUsd - lp.startPriceUsd), 1e-9);
    // Every account is at 5× (ratio ≈ 4 > 2): no margin call yet; alerts come as JSON too.
    const alerts = (await (await fetch(`${server.url}api/alerts`)).json()) as { alerts: unknown[] };
    expect(alerts.alerts.filter((a) => (a as { code: string }).code === "MARGIN_CALL")).to.deep.equal([]);
    const filtered = (await (
      await fetch(`${server.url}api/state?account=${chain.owner}:3&market=btc`)
    ).json()) as DashboardState;
    expect(filtered.accounts.map((a) => a.accountIndex)).to.deep.equal(["3"]);
    expect(filtered.markets.map((m) => m.symbol)).to.deep.equal(["BTC"]);
    // Steady state, 20 accounts × 10 markets: from the refresh's first read to the state written to the SSE clients.
    for (const p of ["2995", "3005", "3000"]) {
      await setMarketPrice(chain.client, { marketId: 0n, price: p });
      await pushed(server, (x) => x.status === "live");
    }
    const timings = server.timings().slice(-3);
    console.log(`      server refreshes (first read → pushed to SSE clients): ${JSON.stringify(timings)}`);
    for (const t of timings) expect(t.pushedMs).to.be.below(2_000);
  });

  it("bad query parameters get a 400 whose JSON names the parameter", async () => {
    const url = (server as DashboardServer).url;
    const cases: [string, string][] = [
      ["api/state?foo=1", "foo"],
      ["api/state?account=0x123:0", "account"],
      [`api/state?account=${chain.owner}:99`, "account"],
      ["api/state?market=DOGE", "market"],
      ["api/state?format=xml", "format"],
      ["api/alerts?severity=loud", "severity"],
      ["api/history?account=x", "account"],
      ["?key=0xabc", "key"],
    ];
    for (const [path, parameter] of cases) {
      const res = await fetch(url + path);
      expect(res.status, path).to.equal(400);
      const body = (await res.json()) as { error: string; parameter: string };
      expect(body.parameter, path).to.equal(parameter);
      expect(body.error, path).to.include(parameter);
    }
  });

  it("an unreachable RPC: the state carries the error (since, last good block) and an RPC_UNREACHABLE alert", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const { client, link } = countingContext(chain, dead);
    const s = await startDashboardServer({
      reader: createDashboardReader(client, { accounts: chain.accounts.slice(0, 2) }),
      port: 0,
      pollMs: 100,
    });
    try {
      const good = (await pushed(s, (x) => x.status === "live")).blockNumber;
      link.down = true;
      await pushed(s, (x) => x.status !== "live");
      const body = (await (await fetch(`${s.url}api/state`)).json()) as DashboardState;
      expect(body.status).to.equal("stale");
      expect(body.error?.lastGoodBlock).to.equal(good);
      expect(body.blockNumber).to.equal(good);
      expect(body.error?.message).to.be.a("string").and.not.equal("");
      expect(body.alerts[0]?.code).to.equal("RPC_UNREACHABLE");
      link.down = false; // back: live again on the next poll
      expect((await pushed(s, (x) => x.status === "live")).error).to.equal(null);
    } finally {
      await s.close();
    }
  });

  it("alerts: margin call below 2× maintenance (the rebalance rule's marginCallRatio), funding spike at 50 % / 90 % of the cap", () => {
    const account = (marginRatio: number, liquidatable = false) => ({
      key: "0x0000000000000000000000000000000000000001:0",
      owner: "0x0000000000000000000000000000000000000001" as const,
      accountIndex: "0",
      collateralWad: null,
      collateralUsd: 500,
      equityWad: null,
      equityUsd: 100 * marginRatio,
      maintenanceMarginWad: null,
      maintenanceMarginUsd: 100,
      initialMarginUsd: 200,
      notionalUsd: 2000,
      marginRatio,
      distanceToLiquidationUsd: 100 * marginRatio - 100,
      fundingPaidUsd: 0,
      fundingCarryUsd: 0,
      liquidatable,
      oracleError: null,
      positions: [],
    });
    const market = (fundingRatePerDay: number) => ({
      marketId: "0",
      symbol: "ETH",
      priceWad: null,
      priceUsd: 3000,
      fundingRatePerDay,
      fundingRatePerDayWad: "0",
      maxFundingRatePerDay: 0.01,
      fundingForecast: null,
      longOpenInterestUnits: 0,
      shortOpenInterestUnits: 0,
      skewUnits: 0,
      openingPaused: false,
      oracle: { verdict: "ok" as const, message: "", reasons: [] },
      hours: null,
    });
    const t = DEFAULT_DASHBOARD_THRESHOLDS;
    expect(t.marginCallRatio).to.equal(2);
    const codes = (m: number, r: number, liq = false) =>
      dashboardAlerts([market(m)], [account(r, liq)], t).map((a) => `${a.code}:${a.severity}`);
    expect(codes(0, 2.01)).to.deep.equal([]);
    expect(codes(0, 1.99)).to.deep.equal(["MARGIN_CALL:critical"]);
    expect(codes(0, 0.9, true)).to.deep.equal(["LIQUIDATABLE:critical"]);
    expect(codes(0.0049, 3)).to.deep.equal([]);
    expect(codes(-0.005, 3)).to.deep.equal(["FUNDING_SPIKE:warning"]);
    expect(codes(0.0095, 3)).to.deep.equal(["FUNDING_SPIKE:critical"]);
    const [spike] = dashboardAlerts([market(0.006)], [], t);
    expect(spike?.message).to.equal("ETH funding 0.600 %/day (longs pay) is 60 % of the 1.00 %/day cap");
  });

  it("parapet dashboard: prints the URL, serves until stopped (exit 0); refuses a key option and a missing account (exit 2)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parapet-dashboard-"));
    const file = join(dir, "local.json");
    await writeDeploymentFile(file, chain.deployment);
    const conn = ["--rpc", chain.anvil.url, "--deployment", file];
    const io = (controller?: AbortController) => {
      const out = { stdout: "", stderr: "" };
      return {
        out,
        io: {
          stdout: (t: string) => {
            out.stdout += t;
          },
          stderr: (t: string) => {
            out.stderr += t;
          },
          env: { PARAPET_PRIVATE_KEY: `0x${"11".repeat(32)}` },
          signal: controller?.signal,
        },
      };
    };
    const key = io();
    expect(await main(["dashboard", ...conn, "--owner", chain.owner, "--private-key", "0xabc"], key.io)).to.equal(2);
    expect(key.out.stderr).to.match(/read-only and takes no key \(--private-key\)/);
    const none = io();
    expect(await main(["dashboard", ...conn], none.io)).to.equal(2);
    expect(none.out.stderr).to.match(/--owner ADDRESS or --account OWNER:INDEX/);
    const badExposure = io();
    expect(await main(["dashboard", ...conn, "--owner", chain.owner, "--exposure", "DOGE=1"], badExposure.io)).to.equal(
      2,
    );
    expect(badExposure.out.stderr).to.match(/--exposure DOGE: the deployment has no DOGE market/);

    const controller = new AbortController();
    const running = io(controller);
    const exit = main(
      [
        "dashboard",
        ...conn,
        "--owner",
        chain.owner,
        "--account-index",
        "0",
        "--account",
        `${chain.owner}:3`,
        "--port",
        "0",
        "--poll-ms",
        "100",
      ],
      running.io,
    );
    while (!running.out.stdout.includes("http://")) await new Promise((r) => setTimeout(r, 50));
    const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(running.out.stdout)?.[0] as string;
    let body: DashboardState;
    do body = (await (await fetch(`${url}api/state`)).json()) as DashboardState;
    while (body.status !== "live");
    expect(body.accounts.map((a) => a.accountIndex)).to.deep.equal(["0", "3"]);
    controller.abort();
    expect(await exit).to.equal(0);
  });
});
