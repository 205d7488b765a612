// The dashboard in a real browser (issue #18): Debian's chromium driven by playwright-core against anvil with ten
// markets and twenty accounts. The page loads clean and self-contained, shows the SDK's numbers for the block it
// shows, follows a price move within two blocks, turns a stale feed's badge red with its alert, shows a margin call,
// says "not live" in a red banner when the RPC goes away, and is screenshotted at desktop and phone width.
import { existsSync, mkdirSync } from "node:fs";
import { expect } from "chai";
import { type Browser, chromium, type Page } from "playwright-core";
import type { Address } from "viem";
import { createDashboardReader } from "../../src/dashboard/reader.js";
import { type DashboardServer, startDashboardServer } from "../../src/dashboard/server.js";
import { getAccount, getMarkets, wadToNumber } from "../../src/index.js";
import { freePort, setFeedPrice, setMarketPrice } from "../../src/testing/index.js";
import { countingContext, type DashboardChain, dashboardChain, TEN_MARKETS } from "./helpers/dashboard.js";

const CHROMIUM = "/usr/bin/chromium";
const usd = (x: number, digits = 2) =>
  new Intl.NumberFormat("en-US", {
    style: "currency",
    currency: "USD",
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(x);
const price = (x: number) => usd(x, x < 10 ? 4 : 2);

describe("dashboard in a real browser (issue #18)", function () {
  this.timeout(90_000);
  let chain: DashboardChain;
  let server: DashboardServer;
  let browser: Browser;
  let page: Page;
  let link: { down: boolean };
  const problems: string[] = [];
  const requests: string[] = [];
  const key = (i: number) => `${chain.owner}:${i}`;
  const cell = (testid: string) => page.locator(`[data-testid="${testid}"]`);

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === "true")
        throw new Error(`${CHROMIUM} is missing: CI must install it (apt-get install -y chromium)`);
      console.log(`      skipped: no ${CHROMIUM} (apt-get install -y chromium)`);
      this.skip();
    }
    chain = await dashboardChain();
    const counting = countingContext(chain, `http://127.0.0.1:${await freePort()}`);
    link = counting.link;
    server = await startDashboardServer({
      reader: createDashboardReader(counting.client, { accounts: chain.accounts }),
      port: 0,
      pollMs: 150,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(server.url);
    await page.waitForFunction(() => document.querySelector('[data-testid="block-number"]')?.textContent !== "–");
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    chain?.anvil.stop();
  });

  it("loads with no console errors, says it is read-only, and loads nothing from anywhere but its server", async () => {
    await page.locator('[data-testid="chart-price-ETH"] canvas').waitFor();
    expect(problems).to.deep.equal([]);
    expect(await cell("readonly-note").textContent()).to.equal("read-only: no key reaches this server or your browser");
    expect(requests.filter((u) => !u.startsWith(server.url))).to.deep.equal([]);
    const html = await (await fetch(server.url)).text();
    expect(html).to.not.match(/https?:\/\//);
    expect(await cell("status").textContent()).to.equal("live");
  });

  it("shows the SDK's values for the block it shows (equity, maintenance margin, liquidation price, prices)", async () => {
    const blockNumber = BigInt((await cell("block-number").textContent()) as string);
    const markets = await getMarkets(chain.client, { blockNumber });
    for (const m of markets) {
      const shown = cell(`market-price-${m.symbol}`);
      expect(await shown.getAttribute("data-value")).to.equal(m.priceWad?.toString());
      expect(await shown.textContent()).to.equal(price(wadToNumber(m.priceWad as bigint)));
    }
    for (const i of [0, 7, 13, 19]) {
      const a = await getAccount(chain.client, { owner: chain.owner, accountIndex: BigInt(i), blockNumber });
      const equity = cell(`account-equity-${key(i)}`);
      expect(await equity.getAttribute("data-value")).to.equal(a.equityUsd?.toString());
      expect(await equity.textContent()).to.equal(usd(wadToNumber(a.equityUsd as bigint)));
      expect(await cell(`account-mm-${key(i)}`).textContent()).to.equal(
        usd(wadToNumber(a.maintenanceMarginUsd as bigint)),
      );
      const p = a.positions[0];
      const liq = cell(`position-liq-${key(i)}-${p?.symbol}`);
      expect(await liq.getAttribute("data-value")).to.equal(p?.liquidationPriceWad?.toString());
    }
  });

  it("a price move on chain updates the page within two blocks", async () => {
    const before = BigInt((await cell("block-number").textContent()) as string);
    const t0 = performance.now();
    await setMarketPrice(chain.client, { marketId: 1n, price: "61000" });
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="market-price-BTC"]')?.getAttribute("data-value") ===
        `61000${"0".repeat(18)}`,
      undefined,
      { timeout: 10_000 },
    );
    const ms = performance.now() - t0;
    const shown = BigInt((await cell("block-number").textContent()) as string);
    expect(Number(shown - before)).to.be.within(1, 2);
    expect(await cell("market-price-BTC").textContent()).to.equal("$61,000.00");
    console.log(`      price move to page: ${ms.toFixed(0)} ms (transaction mined to DOM updated)`);
  });

  it("a feed past its heartbeat turns its badge red and raises the ORACLE_FAIL alert", async () => {
    await chain.client.testClient.increaseTime({ seconds: 86_401 });
    await chain.client.testClient.mine({ blocks: 1 });
    // Every feed but XAG publishes again, as live feeds would.
    for (const [i, m] of TEN_MARKETS.entries()) {
      if (m.symbol === "XAG") continue;
      await setFeedPrice(chain.client, {
        feed: chain.deployment.markets[i]?.feed as Address,
        price: m.symbol === "BTC" ? "61000" : m.price,
      });
    }
    const badge = cell("oracle-badge-XAG");
    await page.waitForFunction(
      () => document.querySelector('[data-testid="oracle-badge-XAG"]')?.getAttribute("data-verdict") === "fail",
      undefined,
      { timeout: 10_000 },
    );
    expect(await badge.getAttribute("class")).to.include("fail");
    expect(await badge.getAttribute("title")).to.match(/stale|heartbeat/i);
    expect(await cell("oracle-badge-ETH").getAttribute("data-verdict")).to.equal("ok");
    const alert = page.locator('[data-testid="alert"][data-code="ORACLE_FAIL"][data-market="XAG"]');
    expect(await alert.count()).to.equal(1);
    expect(await alert.getAttribute("data-severity")).to.equal("critical");
  });

  it("a position pushed below the margin-call level shows the MARGIN_CALL alert", async () => {
    // Account 0: 1 ETH long from 3,000 with 600 USD; at 2,650 its equity is < 2× maintenance margin.
    await setMarketPrice(chain.client, { marketId: 0n, price: "2650" });
    const alert = page.locator(`[data-testid="alert"][data-code="MARGIN_CALL"][data-account="${key(0)}"]`);
    await alert.waitFor({ timeout: 10_000 });
    expect(await alert.textContent()).to.match(/margin call: equity \$[\d,]+\.\d\d is 1\.\d\d× maintenance margin/);
    const ratio = Number(((await cell(`account-margin-ratio-${key(0)}`).textContent()) as string).replace("×", ""));
    expect(ratio).to.be.within(1, 2);
  });

  it("screenshots at 1280×800 and 390×844 (reports/dashboard-desktop.png, reports/dashboard-phone.png); no sideways scroll on a phone", async () => {
    mkdirSync("reports", { recursive: true });
    await page.screenshot({ path: "reports/dashboard-desktop.png" });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(200); // the charts resize on the resize event
    // Wide tables scroll inside their section; nothing else may push the page sideways.
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll("header, section")]
        .filter((e) => e.scrollWidth > e.clientWidth + 1)
        .map((e) => `${e.tagName} ${e.querySelector("h2")?.textContent ?? ""}: ${e.scrollWidth} px`),
    );
    expect(wide, "sections wider than the phone").to.deep.equal([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(390);
    await page.screenshot({ path: "reports/dashboard-phone.png" });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it("an unreachable RPC: a red banner says since when and from which block the numbers are, not live", async () => {
    const block = (await cell("block-number").textContent()) as string;
    link.down = true;
    const banner = cell("rpc-banner");
    await banner.waitFor({ state: "visible", timeout: 10_000 });
    expect(await banner.textContent()).to.match(
      new RegExp(
        `^RPC unreachable since \\d\\d:\\d\\d: the numbers below are from block ${block} at \\d\\d:\\d\\d, not live`,
      ),
    );
    expect(await cell("status").textContent()).to.equal("not live");
    link.down = false;
    await banner.waitFor({ state: "hidden", timeout: 10_000 });
    expect(problems.filter((p) => !/Failed to load resource|EventSource/.test(p))).to.deep.equal([]);
  });
});
