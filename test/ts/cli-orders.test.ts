// `parapet orders` against a real anvil node with Parapet deployed on it: usage errors (exit 2), the setup check and
// --approve, place / list / execute / cancel of a stop-loss, a delayed order committed and cancelled, all as JSON.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createPublicClient, createWalletClient, http, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { main } from "../../src/cli/main.js";
import { writeDeploymentFile } from "../../src/deploymentFile.js";
import { createParapetClient, type Deployment } from "../../src/index.js";
import {
  ANVIL_KEYS,
  type AnvilParapet,
  deployParapetOnAnvil,
  MOCK_V3_AGGREGATOR,
  startAnvil,
} from "./helpers/anvil.js";

async function run(argv: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

const [, TRADER_KEY, KEEPER_KEY] = ANVIL_KEYS;
const trader = privateKeyToAccount(TRADER_KEY).address;
const asTrader = { PARAPET_PRIVATE_KEY: TRADER_KEY };
const asKeeper = { PARAPET_PRIVATE_KEY: KEEPER_KEY };

describe("parapet orders on chain (anvil)", function () {
  this.timeout(60_000);
  let anvil: Awaited<ReturnType<typeof startAnvil>>;
  let env: AnvilParapet;
  let deployment: Deployment;
  let dir = "";
  let conn: string[] = [];

  before(async () => {
    anvil = await startAnvil();
    env = await deployParapetOnAnvil(anvil.url);
    deployment = env.deployment;
    dir = mkdtempSync(join(tmpdir(), "parapet-orders-"));
    const file = join(dir, "anvil.json");
    await writeDeploymentFile(file, deployment);
    conn = ["--rpc", anvil.url, "--deployment", file];
    await env.send(deployment.collateralToken, "TestToken", "mint", [trader, parseUnits("100000", 6)]);
    const transport = http(anvil.url);
    const parapet = await createParapetClient({
      publicClient: createPublicClient({ transport }),
      walletClient: createWalletClient({ account: privateKeyToAccount(TRADER_KEY), transport }),
      deployment,
    });
    await parapet.writeApprove({ amount: "10000" });
    await parapet.writeDeposit({ owner: trader, accountIndex: 1n, amount: "10000" });
    await parapet.writeTrade({ owner: trader, accountIndex: 1n, marketId: 0n, sizeDelta: "-2", slippageBps: 100 });
  });

  after(() => {
    anvil?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("--help, an unknown subcommand or option, a missing --order, a market the deployment lacks: exit 0 / 2", async () => {
    const help = await run(["orders", "--help"]);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^Usage: parapet orders <list\|place\|cancel\|execute\|commit\|settle>/);
    expect(help.stdout).to.match(/Exit codes/);
    expect((await run(["help", "orders"])).stdout).to.equal(help.stdout);
    expect((await run(["keeper", "--help"])).stdout).to.contain("--no-orders");
    const sub = await run(["orders", "frobnicate"]);
    expect(sub.code).to.equal(2);
    expect(sub.stderr).to.contain('"frobnicate" is not an orders subcommand');
    const option = await run(["orders", "place", "--frobnicate", "1"]);
    expect(option.code).to.equal(2);
    expect(option.stderr).to.contain("--frobnicate");
    const foreign = await run(["orders", "list", ...conn, "--keeper-fee", "1"]);
    expect(foreign.code).to.equal(2);
    expect(foreign.stderr).to.contain("does not take --keeper-fee");
    const noOrder = await run(["orders", "execute", ...conn], asKeeper);
    expect(noOrder.code).to.equal(2);
    expect(noOrder.stderr).to.contain("--order is required");
    const noKey = await run(["orders", "place", ...conn, "--market", "ETH", "--stop-loss", "3300"]);
    expect(noKey.code).to.equal(2);
    expect(noKey.stderr).to.contain("PARAPET_PRIVATE_KEY is not set");
    const doge = await run(["orders", "place", ...conn, "--market", "DOGE", "--stop-loss", "1"], asTrader);
    expect(doge.code).to.equal(2);
    expect(doge.stderr).to.contain("no market DOGE");
    const flat = await run(["orders", "place", ...conn, "--market", "BTC", "--stop-loss", "1"], asTrader);
    expect(flat.code).to.equal(2);
    expect(flat.stderr).to.contain("has no position in market 1");
    const plan = await run(["plan", ...conn, "--exposure", "ETH=10", "--stop-loss-distance", "0.2"]);
    expect(plan.code).to.equal(0);
    expect(plan.stdout).to.match(/Stop-loss of account 1 \(ETH\): closes the leg when the price is ≥ 3,600\.00 USD/);
  });

  it("place: missing setup is exit 1 naming setOperator and --approve; --approve places the stop; list shows it", async () => {
    const stop = ["orders", "place", ...conn, "--market", "ETH", "--account-index", "1", "--stop-loss", "3300"];
    const noSetup = await run([...stop, "--keeper-fee", "1"], asTrader);
    expect(noSetup.code).to.equal(1);
    expect(noSetup.stderr).to.contain(`setOperator(${deployment.triggerOrders}, true)`);
    expect(noSetup.stderr).to.contain("Or rerun with --approve.");
    const placed = await run([...stop, "--keeper-fee", "1", "--approve", "--json"], asTrader);
    expect(placed.code, placed.stderr).to.equal(0);
    const json = JSON.parse(placed.stdout);
    expect(json).to.include({ status: "sent", action: "place", orderId: "1" });
    expect(json.setup).to.have.length(2); // setOperator and approve

    const list = await run(["orders", "list", ...conn, "--json", "--owner", trader]);
    expect(list.code).to.equal(0);
    const [order] = JSON.parse(list.stdout).triggerOrders;
    expect(order).to.include({
      orderId: "1",
      accountIndex: "1",
      symbol: "ETH",
      kind: "stop",
      sizeDeltaWad: parseUnits("2", 18).toString(),
      triggerPriceWad: parseUnits("3300", 18).toString(),
      triggerAbove: true,
      keeperFeeTokens: "1000000",
      due: false,
    });
    const human = await run(["orders", "list", ...conn], asTrader);
    expect(human.stdout).to.match(/1\s+0x\w+…:1\s+ETH\s+stop\s+2\.00000000\s+≥ 3,300\.00\s+any fill\s+1\s/);
    expect(human.stdout).to.contain("Delayed orders: none live.");
  });

  it("execute: not due is exit 1 with NotDue; once the price crosses, anyone executes it; a gone order is OrderNotFound", async () => {
    const early = await run(["orders", "execute", ...conn, "--order", "1"], asKeeper);
    expect(early.code).to.equal(1);
    expect(early.stderr).to.contain("NotDue");
    expect(early.stderr).to.contain("has not crossed the trigger");
    const eth = deployment.markets[0]?.feed as `0x${string}`;
    await env.send(eth, MOCK_V3_AGGREGATOR, "updateAnswer", [parseUnits("3310", 8)]);
    const executed = await run(["orders", "execute", ...conn, "--order", "1", "--json"], asKeeper);
    expect(executed.code, executed.stderr).to.equal(0);
    expect(JSON.parse(executed.stdout)).to.include({ status: "sent", action: "execute", orderId: "1" });
    const gone = await run(["orders", "cancel", ...conn, "--order", "1"], asTrader);
    expect(gone.code).to.equal(1);
    expect(gone.stderr).to.contain("OrderNotFound");
    const list = JSON.parse((await run(["orders", "list", ...conn, "--json", "--all"])).stdout);
    expect(list.triggerOrders).to.deep.equal([]);
  });

  it("commit: a delayed order is listed pending; a stranger may not cancel it while pending, the owner may", async () => {
    const commit = await run(
      [
        "orders",
        "commit",
        ...conn,
        "--market",
        "BTC",
        "--account-index",
        "1",
        "--size",
        "0.01",
        "--slippage-bps",
        "100",
        "--keeper-fee",
        "1",
        "--approve",
        "--json",
      ],
      asTrader,
    );
    expect(commit.code, commit.stderr).to.equal(0);
    expect(JSON.parse(commit.stdout)).to.include({ status: "sent", action: "commit", orderId: "1" });
    const list = JSON.parse((await run(["orders", "list", ...conn, "--json", "--owner", trader])).stdout);
    expect(list.delayedOrders.map((o: { orderId: string; status: string }) => [o.orderId, o.status])).to.deep.equal([
      ["1", "pending"],
    ]);
    const stranger = await run(["orders", "cancel", ...conn, "--order", "1", "--delayed"], asKeeper);
    expect(stranger.code).to.equal(1);
    expect(stranger.stderr).to.contain("OrderStillPending");
    const cancelled = await run(["orders", "cancel", ...conn, "--order", "1", "--delayed"], asTrader);
    expect(cancelled.code, cancelled.stderr).to.equal(0);
    expect(cancelled.stdout).to.match(/^Cancelled delayed order #1: tx 0x[0-9a-f]{64}/);
  });
});
