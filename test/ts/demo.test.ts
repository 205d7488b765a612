import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import { type Address, type Hex, isAddressEqual, maxUint128 } from "viem";
import { type DemoProgress, runDemo } from "../../scripts/demo/run.js";
import { perpVaultAbi, triggerOrdersAbi } from "../../src/abis/index.js";
import { chartSpecsInPage } from "../../src/charts/figure.js";
import { uplotInlineTags } from "../../src/charts/uplot.js";
import { getAccount, nonfungiblePositionManagerAbi, ParapetInputError, wadToNumber } from "../../src/index.js";

// A short demo (12 days from the default start): the reckless trader is liquidated on day 6 (ETH's 2025-08-01 drop)
// and the EURUSD feed goes stale on day 3 (a Tuesday); the tradfi markets close at the weekend. One run, then every check reads the chain it left behind.
describe("npm run demo (runDemo, 12 days)", function () {
  this.timeout(60_000);
  let demo: Awaited<ReturnType<typeof runDemo>>;
  let reportPath: string;
  const progress: DemoProgress[] = [];

  before(async () => {
    reportPath = join(await mkdtemp(join(tmpdir(), "parapet-demo-")), "demo.html");
    demo = await runDemo({
      days: 12,
      staleFeed: { day: 3, symbol: "EURUSD" },
      reportPath,
      onProgress: (p) => progress.push(p),
    });
  });

  it("opened a short hedge in every market, on chain", async () => {
    const { context, hedger } = demo.chain;
    expect(demo.hedges.map((h) => h.symbol)).to.deep.equal(["ETH", "BTC", "XAU", "EURUSD", "SPX"]);
    for (const h of demo.hedges) {
      const account = await getAccount(context, { owner: hedger, accountIndex: h.accountIndex });
      const position = account.positions.find((p) => p.marketId === h.marketId);
      expect((position?.sizeWad ?? 0n) < 0n, `${h.symbol} is short`).to.equal(true);
      expect(wadToNumber(position?.sizeWad ?? 0n)).to.be.closeTo(h.hedgeSizeUnitsEnd, 1e-9);
    }
  });

  it("hedged daily P&L varies far less than unhedged", () => {
    expect(demo.total.observations).to.be.greaterThan(5);
    expect(demo.total.varianceReduction).to.be.greaterThan(0.8);
    expect(Math.abs(demo.total.hedgedPnlUsd)).to.be.lessThan(Math.abs(demo.total.unhedgedPnlUsd));
    for (const h of demo.hedges.filter((x) => x.symbol === "ETH" || x.symbol === "BTC"))
      expect(h.varianceReduction, h.symbol).to.be.greaterThan(0.8);
  });

  it("the ETH exposure is the hedger's real Uniswap v3 position: the pool follows the feed, fees are what collect pays", async () => {
    const { publicClient } = demo.chain.context;
    const { positionManager, tokenId } = demo.chain.uniswap;
    const exposure = demo.series.dates.length;
    expect(exposure).to.equal(13);
    // The arbitrageur's swap stops at the feed's close: the pool's price equals it to the tick's precision.
    for (const [i, d] of demo.dayReads.entries()) {
      const feed = d.feedPricesUsd.ETH ?? Number.NaN;
      expect(Math.abs(d.pool.priceUsd / feed - 1), `day ${i}`).to.be.lessThan(1e-6);
    }
    const last = demo.dayReads[demo.dayReads.length - 1];
    if (last === undefined) throw new Error("no days");
    // What the position manager would pay the hedger now, simulated at the demo's last block.
    const { result } = await publicClient.simulateContract({
      address: positionManager,
      abi: nonfungiblePositionManagerAbi,
      functionName: "collect",
      args: [{ tokenId, recipient: demo.chain.hedger, amount0Max: maxUint128, amount1Max: maxUint128 }],
      account: demo.chain.hedger,
      blockNumber: demo.chain.endBlock,
    });
    const [fees0, fees1] = result;
    const feesUsdRaw = [fees0, fees1].find((x) => x < 10n ** 15n) ?? 0n; // USDC has 6 decimals, WETH 18
    expect(last.pool.feesUsdUnits).to.equal(Number(feesUsdRaw) / 1e6);
    expect(last.pool.feesEthUnits + last.pool.feesUsdUnits).to.be.greaterThan(0);
    expect(demo.pool.feesUsd).to.be.greaterThan(0);
  });

  it("the attribution sums to the hedged P&L exactly, and the hedge price P&L is Σ size × ΔP (nothing hidden)", () => {
    const a = demo.attribution;
    const terms = Object.entries(a).filter(([k]) => k !== "total");
    const sum = terms.reduce((s, [, v]) => s + v, 0);
    expect(Math.abs(sum - a.total)).to.be.lessThan(1e-6);
    expect(Math.abs(a.total - demo.total.hedgedPnlUsd)).to.be.lessThan(1e-6);
    // Σ over each account's priceable days of its size at the step's start × its market's feed price change.
    const reads = demo.dayReads;
    let sizeTimesMove = 0;
    demo.hedges.forEach((h, k) => {
      let prev = 0;
      for (let t = 1; t < reads.length; t++) {
        const [from, to] = [reads[prev], reads[t]];
        if (from === undefined || to === undefined || !Number.isFinite(to.accounts[k]?.equityUsd ?? Number.NaN))
          continue;
        sizeTimesMove +=
          (from.accounts[k]?.sizeUnits ?? 0) *
          ((to.feedPricesUsd[h.symbol] ?? Number.NaN) - (from.feedPricesUsd[h.symbol] ?? Number.NaN));
        prev = t;
      }
    });
    expect(Math.abs(a.hedgePricePnl - sizeTimesMove)).to.be.lessThan(1);
    // The hedger's wallet moved by the router's top-ups only.
    const first = demo.dayReads[0];
    const last = demo.dayReads[demo.dayReads.length - 1];
    const toppedUp = demo.hedges.reduce((s, h) => s + h.toppedUpUsd, 0);
    expect(Math.abs((last?.walletUsd ?? 0) - (first?.walletUsd ?? 0) + toppedUp)).to.be.lessThan(1e-6);
    // A concentrated position pays for its curvature and earns fees; the others have none.
    expect(a.impermanentLoss).to.be.lessThan(0);
    expect(a.lpFeesEarned).to.be.greaterThan(0);
    expect(a.gas).to.equal(0);
    expect(a.liquidations).to.equal(0);
    expect(demo.series.attribution.total).to.have.length(demo.dayReads.length);
  });

  it("gas is the sum of the hedger's receipts, found by scanning every block", async () => {
    const { publicClient } = demo.chain.context;
    const hedger = demo.chain.hedger.toLowerCase();
    const found: Hex[] = [];
    let gasUsed = 0n;
    for (let b = demo.chain.startBlock; b <= demo.chain.endBlock; b++) {
      const block = await publicClient.getBlock({ blockNumber: b, includeTransactions: true });
      for (const tx of block.transactions) {
        if (tx.from.toLowerCase() !== hedger) continue;
        found.push(tx.hash);
        gasUsed += (await publicClient.getTransactionReceipt({ hash: tx.hash })).gasUsed;
      }
    }
    expect(found).to.deep.equal(demo.transactions.filter((t) => t.role === "hedger").map((t) => t.hash));
    expect(demo.gas.gasUsed).to.equal(gasUsed);
    expect(demo.gas.transactions).to.equal(found.length);
  });

  it("liquidations equal the vault's Liquidated events: the reckless trader, by the keeper", async () => {
    const { publicClient } = demo.chain.context;
    const events = await publicClient.getContractEvents({
      address: demo.chain.deployment.perpVault,
      abi: perpVaultAbi,
      eventName: "Liquidated",
      fromBlock: demo.chain.startBlock,
    });
    expect(demo.liquidations.count).to.equal(events.length);
    expect(events.length).to.be.greaterThan(0);
    expect(events.map((e) => e.args.owner)).to.deep.equal(demo.liquidations.events.map((l) => l.owner));
    for (const e of events) {
      expect(isAddressEqual(e.args.owner as Address, demo.chain.reckless)).to.equal(true);
      expect(isAddressEqual(e.args.keeper as Address, demo.chain.keeper)).to.equal(true);
    }
    expect(demo.liquidations.events.every((l) => l.who === "reckless trader")).to.equal(true);
    const rewardUsd = events.reduce((s, e) => s + wadToNumber(e.args.result?.keeperRewardUsd ?? 0n), 0);
    expect(demo.liquidations.rewardUsd).to.be.closeTo(rewardUsd, 1e-9);
    expect(demo.liquidations.events[0]?.date).to.equal("2025-08-01");
  });

  it("the careful trader's stop-loss was executed once by the keeper, before any liquidation could reach it", async () => {
    const { context, deployment, careful, keeper, startBlock } = demo.chain;
    const triggerOrders = deployment.triggerOrders;
    if (triggerOrders === undefined) throw new Error("the demo deploys TriggerOrders");
    const executed = await context.publicClient.getContractEvents({
      address: triggerOrders,
      abi: triggerOrdersAbi,
      eventName: "TriggerExecuted",
      fromBlock: startBlock,
    });
    expect(executed.length).to.equal(1);
    expect(demo.stops.count).to.equal(1);
    const [e] = executed;
    const [s] = demo.stops.events;
    expect(isAddressEqual(e?.args.keeper as Address, keeper)).to.equal(true);
    expect(s?.who).to.equal("careful trader");
    expect(s?.orderId).to.equal(e?.args.orderId);
    expect(s?.fillPriceUsd).to.equal(wadToNumber(e?.args.fillPrice ?? 0n));
    expect(s?.keeperFeeUsd).to.equal(2);
    // Flat now, never liquidated, and the stop fired no later than the reckless trader's liquidation.
    const account = await getAccount(context, { owner: careful, accountIndex: 0n });
    expect(account.positions.length).to.equal(0);
    expect(demo.liquidations.events.some((l) => isAddressEqual(l.owner, careful))).to.equal(false);
    expect(s?.day ?? 99).to.be.at.most(demo.liquidations.events[0]?.day ?? 0);
    expect(progress.some((p) => p.events.some((line) => line.includes("stop-loss")))).to.equal(true);
  });

  it("carry and fees equal the hedger's Traded events plus the funding its positions owe now", async () => {
    const { context, hedger, deployment, startBlock } = demo.chain;
    const traded = await context.publicClient.getContractEvents({
      address: deployment.perpVault,
      abi: perpVaultAbi,
      eventName: "Traded",
      args: { owner: hedger },
      fromBlock: startBlock,
    });
    for (const h of demo.hedges) {
      const mine = traded.filter((e) => e.args.accountIndex === h.accountIndex);
      expect(mine.length, h.symbol).to.be.greaterThan(0);
      const fees = mine.reduce((s, e) => s + wadToNumber(e.args.result?.feeUsd ?? 0n), 0);
      const account = await getAccount(context, { owner: hedger, accountIndex: h.accountIndex });
      const owed = account.positions.reduce((s, p) => s + wadToNumber(p.accruedFundingUsd ?? 0n), 0);
      const paid = mine.reduce((s, e) => s + wadToNumber(e.args.result?.fundingPaidUsd ?? 0n), 0);
      expect(h.feesUsd, h.symbol).to.be.closeTo(fees, 1e-6);
      expect(h.carryUsd, h.symbol).to.be.closeTo(paid + owed, 1e-6);
    }
    expect(demo.total.carryUsd).to.not.equal(0);
  });

  it("the tradfi markets close at the weekend (their shipped hours): no round, a MARKET_CLOSED veto, nothing traded in them; the Monday round is the reopen", async () => {
    // 2025-07-27 (day 1) and 2025-08-02/03 (days 7, 8) are weekend days; ETH and BTC trade on.
    expect(demo.marketHours.closedDays).to.deep.equal({ XAU: 3, EURUSD: 3, SPX: 3 });
    expect(demo.marketHours.reopens.map((r) => [r.day, r.date, r.symbol])).to.deep.equal(
      [
        [2, "2025-07-28"],
        [9, "2025-08-04"],
      ].flatMap(([day, date]) => ["XAU", "EURUSD", "SPX"].map((symbol) => [day, date, symbol])),
    );
    for (const day of [1, 7, 8]) {
      const events = progress[day]?.events.join("\n") ?? "";
      expect(events, `day ${day}`).to.match(/market hours: XAU, EURUSD, SPX closed, no round published/);
      // No round for a closed market; crypto feeds publish.
      const labels = demo.transactions.filter((t) => t.day === day).map((t) => t.label);
      expect(labels, `day ${day}`).to.include.members(["ETH feed update", "BTC feed update"]);
      for (const symbol of ["XAU", "EURUSD", "SPX"]) expect(labels).to.not.include(`${symbol} feed update`);
    }
    expect(progress[1]?.events.join("\n")).to.match(/MARKET_CLOSED veto: XAU .*EURUSD .*SPX/);
    expect(progress[9]?.events.join("\n")).to.match(/SPX reopened: the first round is -?[0-9.]+ % from its last close/);
    // On chain: nothing traded in a closed market on a closed day.
    const { context, deployment, startBlock } = demo.chain;
    const closedIds = deployment.markets.filter((m) => m.symbol in demo.marketHours.closedDays).map((m) => m.marketId);
    const closedHashes = new Set(demo.transactions.filter((t) => [1, 7, 8].includes(t.day)).map((t) => t.hash));
    const traded = await context.publicClient.getContractEvents({
      address: deployment.perpVault,
      abi: perpVaultAbi,
      eventName: "Traded",
      fromBlock: startBlock,
    });
    const tradedClosed = traded.filter(
      (e) => closedHashes.has(e.transactionHash) && closedIds.includes(e.args.marketId ?? -1n),
    );
    expect(tradedClosed).to.deep.equal([]);
  });

  it("the stale EURUSD day is an ORACLE veto, the hedger sends nothing, and the next day recovers", () => {
    expect(demo.oracleVetoes.map((v) => [v.day, v.symbol, v.hedgerSent])).to.deep.equal([[3, "EURUSD", false]]);
    expect(demo.oracleVetoes[0]?.message).to.match(/StalePrice/);
    expect(demo.transactions.filter((t) => t.day === 3 && t.role === "hedger")).to.deep.equal([]);
    const eurusd = demo.hedges.findIndex((h) => h.symbol === "EURUSD");
    expect(demo.series.marginRatio[eurusd]?.[3]).to.be.NaN; // the vault cannot price the account that day
    expect(demo.series.marginRatio[eurusd]?.[4]).to.be.greaterThan(1);
  });

  it("reports the setup and then progress once per day, with the day's events", () => {
    expect(progress.map((p) => p.day)).to.deep.equal(Array.from({ length: 13 }, (_, i) => i));
    expect(progress[0]?.date).to.equal("2025-07-26");
    expect(progress[0]?.events.join("\n")).to.match(/liquidation price 35\d\d\.\d\d \(on chain\)/);
    expect(progress[3]?.events.join("\n")).to.match(/ORACLE veto on EURUSD/);
    expect(progress[4]?.events.join("\n")).to.match(/EURUSD feed updated again/);
    expect(progress[6]?.events.join("\n")).to.match(/liquidated the reckless trader/);
  });

  it("writes a self-contained HTML report with the charts, their data embedded", async () => {
    const html = await readFile(reportPath, "utf8");
    expect(demo.reportPath).to.equal(reportPath);
    expect(html.startsWith("<!doctype html>")).to.equal(true);
    expect(html).to.include("Where the hedged P&amp;L went");
    // Nothing external; uPlot inlined once; its runtime and one JSON block per chart the only scripts.
    expect(html).to.not.match(/https?:\/\/|<link|@import|url\(|src=/i);
    expect(html.split(uplotInlineTags()).length - 1).to.equal(1);
    expect(html.split('<figure class="chart"><figcaption>').length - 1).to.equal(5);
    expect(html.split('<div class="plot"').length - 1).to.equal(5);
    expect(html.split("<script").length - 1).to.equal(5 + 2);
    const specs = chartSpecsInPage(html);
    const days = demo.series.dates.length;
    const symbols = ["ETH", "BTC", "XAU", "EURUSD", "SPX"];
    for (const spec of specs) {
      expect(spec.x, spec.title).to.have.length(days);
      for (const s of spec.series) expect(s.values, `${spec.title}: ${s.label}`).to.have.length(days);
    }
    const [book, carry, margin, prices, attribution] = specs;
    expect(book?.series.map((s) => s.label)).to.deep.equal([
      "unhedged (exposures only)",
      "hedged (exposures + hedge accounts + USDC reserve)",
    ]);
    expect(book?.markers?.map((m) => m.label)).to.include.members([
      "ORACLE veto (EURUSD) on 2025-07-29",
      "liquidation of the reckless trader on 2025-08-01",
    ]);
    expect(carry?.series.map((s) => s.label)).to.deep.equal([...symbols, "total"]);
    expect(margin?.series.map((s) => s.label.replace(/ \(.*/, ""))).to.deep.equal([
      ...symbols.map((s) => `${s} hedge`),
      "reckless trader",
    ]);
    expect([margin?.log, margin?.unit]).to.deep.equal([true, "multiple"]);
    expect(margin?.references?.map((r) => r.y)).to.deep.equal([1, 2]);
    expect(prices?.series.map((s) => s.label)).to.deep.equal(symbols);
    expect(prices?.series.map((s) => s.values[0])).to.deep.equal(symbols.map(() => 1));
    expect(attribution?.series.at(-1)?.label).to.equal("Total P&L");
    expect(attribution?.sums?.length).to.be.greaterThan(1);
  });

  it("the report draws every chart in a browser (Debian's chromium), at 1280 and 390 px, with no console error", async function () {
    if (!existsSync("/usr/bin/chromium")) {
      if (process.env.CI === "true") throw new Error("/usr/bin/chromium is missing (apt-get install -y chromium)");
      this.skip();
    }
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
    try {
      for (const width of [1280, 390]) {
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        const errors: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error") errors.push(m.text());
        });
        page.on("pageerror", (e) => errors.push(String(e)));
        await page.goto(pathToFileURL(reportPath).href);
        const canvases = await page.$$eval("figure.chart", (figures) =>
          figures.map((f) => f.querySelector(".plot canvas")?.getBoundingClientRect().width ?? 0),
        );
        expect(canvases, `${width} px`).to.have.length(5);
        for (const w of canvases) expect(w, `${width} px`).to.be.within(200, Math.min(width, 960));
        // A cursor tooltip with the date and the values in their units.
        const over = await page.$("figure.chart .u-over");
        await over?.scrollIntoViewIfNeeded();
        const box = await over?.boundingBox();
        if (box === null || box === undefined) throw new Error("no plot overlay");
        await page.mouse.move(box.x + box.width / 2 - 4, box.y + box.height / 2);
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 2 });
        const tip = await page.$eval(
          "figure.chart .tip",
          (t) => `${(t as HTMLElement).style.display} ${t.textContent}`,
        );
        expect(tip).to.match(/^block 2025-\d\d-\d\d.*unhedged \(exposures only\): -?\$[\d,.]+/);
        expect(errors, `${width} px`).to.deep.equal([]);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });

  it("rejects bad parameters with a typed error, before touching a chain", async () => {
    for (const bad of [
      { days: 1 },
      { days: 12, staleFeed: { day: 12, symbol: "EURUSD" } },
      { staleFeed: { day: 3, symbol: "DOGE" } },
    ]) {
      const error = await runDemo(bad).catch((e: unknown) => e);
      expect(error, JSON.stringify(bad)).to.be.instanceOf(ParapetInputError);
    }
  });
});
