// The on-chain `parapet` commands and the keeper, against ONE real anvil node with Parapet deployed on it: every
// command's --help, usage errors, a missing/invalid deployment, an RPC that is down, the wrong chain, status/oracle
// JSON, plan, hedge (with --approve), rebalance --dry-run (nothing sent), the keeper liquidating an underwater
// account once and only once, the keeper lock, SIGINT on a running keeper, and a stale feed.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { type Address, createPublicClient, createWalletClient, erc20Abi, http, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { main } from "../../src/cli/main.js";
import { writeDeploymentFile } from "../../src/deploymentFile.js";
import { DEFAULT_MARKET_SCHEDULES, marketHoursParams, marketStatus } from "../../src/hours/index.js";
import {
  createParapetClient,
  type Deployment,
  getMarkets,
  type ParapetContext,
  ParapetKeeperError,
  perpVaultAbi,
} from "../../src/index.js";
import { acquireKeeperLock, keeperLockPath } from "../../src/keeper/lock.js";
import { type KeeperEvent, runKeeper } from "../../src/keeper/loop.js";
import {
  ANVIL_KEYS,
  type AnvilParapet,
  deployParapetOnAnvil,
  freePort,
  MOCK_V3_AGGREGATOR,
  startAnvil,
} from "./helpers/anvil.js";

type Env = Record<string, string | undefined>;

async function run(argv: string[], env: Env = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

const [DEPLOYER_KEY, TRADER_KEY, KEEPER_KEY, HEDGER_KEY] = ANVIL_KEYS;
const trader = privateKeyToAccount(TRADER_KEY).address;
const keeper = privateKeyToAccount(KEEPER_KEY).address;
const hedger = privateKeyToAccount(HEDGER_KEY).address;

describe("parapet CLI on chain (anvil)", function () {
  this.timeout(60_000);
  let anvil: Awaited<ReturnType<typeof startAnvil>>;
  let env: AnvilParapet;
  let deployment: Deployment;
  let dir = "";
  let file = "";
  let conn: string[] = [];
  const publicClient = () => createPublicClient({ transport: http(anvil.url) });
  const nonce = (address: Address) => publicClient().getTransactionCount({ address });

  before(async () => {
    anvil = await startAnvil();
    env = await deployParapetOnAnvil(anvil.url);
    deployment = env.deployment;
    dir = mkdtempSync(join(tmpdir(), "parapet-cli-"));
    file = join(dir, "anvil.json");
    await writeDeploymentFile(file, deployment);
    conn = ["--rpc", anvil.url, "--deployment", file];
    for (const who of [trader, hedger]) {
      await env.send(deployment.collateralToken, "TestToken", "mint", [who, parseUnits("100000", 6)]);
    }
  });

  after(() => {
    anvil?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("every command has --help (exit 0) and refuses an unknown option with exit 2 naming it", async () => {
    for (const command of ["deploy", "status", "oracle", "plan", "hedge", "rebalance", "keeper", "backtest"]) {
      const help = await run([command, "--help"]);
      expect(help.code, command).to.equal(0);
      expect(help.stdout, command).to.match(new RegExp(`^Usage: parapet ${command}`));
      expect(help.stdout, command).to.match(/Exit codes/);
      const bad = await run([command, "--frobnicate", "1"]);
      expect(bad.code, command).to.equal(2);
      expect(bad.stderr, command).to.contain("--frobnicate");
    }
    expect((await run(["help", "keeper"])).stdout).to.match(/^Usage: parapet keeper/);
    const deployNoNetwork = await run(["deploy"]);
    expect(deployNoNetwork.code).to.equal(2);
    expect(deployNoNetwork.stderr).to.match(/--network is required/);
  });

  it("deploy runs the Hardhat deployment script and forwards its exit code and output", async () => {
    const child = spawn(process.execPath, ["bin/parapet.mjs", "deploy", "--network", "nosuchnet"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => {
      output += String(d);
    });
    child.stderr.on("data", (d) => {
      output += String(d);
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    expect(code, output).to.equal(1);
    expect(output).to.contain('The network "nosuchnet" is not defined');
  });

  it("a missing deployment file is exit 2, an invalid one exit 1, both naming the file and the fix", async () => {
    const missing = await run(["status", "--rpc", anvil.url, "--deployment", join(dir, "nope.json")]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.contain(`No deployment file at ${join(dir, "nope.json")}`);
    expect(missing.stderr).to.contain("npm run deploy -- --network");
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{ not json");
    const invalid = await run(["oracle", "--rpc", anvil.url, "--deployment", broken]);
    expect(invalid.code).to.equal(1);
    expect(invalid.stderr).to.match(/broken\.json is not valid JSON/);
    const noVault = join(dir, "novault.json");
    await writeDeploymentFile(noVault, { ...deployment, perpVault: undefined } as unknown as Deployment);
    const incomplete = await run(["oracle", "--rpc", anvil.url, "--deployment", noVault]);
    expect(incomplete.code).to.equal(1);
    expect(incomplete.stderr).to.match(/novault\.json: The deployment has no address for perpVault/);
  });

  it("an RPC that is down fails fast with exit 1 naming the URL; a silent one times out; the wrong chain with exit 1 naming both chains", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const down = await run(["status", "--rpc", closed, "--deployment", file]);
    expect(down.code).to.equal(1);
    expect(down.stderr, down.stderr).to.contain(`The RPC at ${closed}/ did not answer`);
    expect(Date.now() - started).to.be.below(5_000);
    const keeperDown = await run(["keeper", "--once", "--rpc", closed, "--deployment", file], {
      PARAPET_PRIVATE_KEY: KEEPER_KEY,
    });
    expect(keeperDown.code).to.equal(1);
    expect(keeperDown.stderr).to.contain(closed);
    // A slow RPC: accepts the connection, never answers. The timeout bounds it.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const address = silent.address();
      const slowUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
      const slowStart = Date.now();
      const slow = await run([
        "oracle",
        "--rpc",
        slowUrl,
        "--deployment",
        file,
        "--rpc-timeout",
        "0.3",
        "--rpc-retries",
        "1",
      ]);
      expect(slow.code).to.equal(1);
      expect(slow.stderr).to.contain(`The RPC at ${slowUrl}/ did not answer: The request took too long to respond.`);
      expect(Date.now() - slowStart).to.be.below(3_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
    const other = join(dir, "mainnet.json");
    await writeDeploymentFile(other, { ...deployment, chainId: 1 });
    const wrong = await run(["status", "--rpc", anvil.url, "--deployment", other]);
    expect(wrong.code).to.equal(1);
    expect(wrong.stderr).to.contain(`is on chain ${deployment.chainId} but the deployment is for chain 1`);
  });

  it("status --json: the five markets with price, oracle verdict, funding and open interest", async () => {
    const { code, stdout } = await run(["status", ...conn, "--json"]);
    expect(code).to.equal(0);
    const json = JSON.parse(stdout);
    expect(json.chainId).to.equal(deployment.chainId);
    expect(json.markets.map((m: { symbol: string }) => m.symbol)).to.deep.equal(["ETH", "BTC", "XAU", "EURUSD", "SPX"]);
    expect(json.markets[0]).to.include({ marketId: "0", priceUsd: "3000", longOpenInterestUnits: "0", skewUnits: "0" });
    expect(json.markets[0].oracle.verdict).to.equal("ok");
    expect(json.markets[0].fundingRatePerDay).to.equal("0");
    expect(json.owner).to.equal(null);
    const human = await run(["status", ...conn]);
    expect(human.stdout).to.match(/ETH\s+3,000\.0000\s+ok/);
    // The oracle's verdict names the price in USD, not in WAD.
    const oracle = await run(["oracle", ...conn]);
    expect(oracle.stdout).to.match(/ok at 3,000 USD/);
    expect(oracle.stdout).to.not.contain("WAD");
    expect(human.stdout).to.contain("pass --owner ADDRESS");
  });

  it("status shows each market's hours: a closed SPX says when it reopens (text in UTC, --json in unix seconds), the others always open", async () => {
    const spx = deployment.markets.find((m) => m.symbol === "SPX");
    if (!spx) throw new Error("no SPX market");
    // A one-hour weekly session a day after the chain's now: SPX is closed now.
    const now = (await publicClient().getBlock()).timestamp;
    const minuteOfWeek = Number(((now + 345_600n) % 604_800n) / 60n); // 1970-01-01 was a Thursday
    const openMinute = Math.min((minuteOfWeek + 1_440) % 10_080, 10_080 - 61);
    const schedule = { ...DEFAULT_MARKET_SCHEDULES.SPX, sessions: [{ openMinute, closeMinute: openMinute + 60 }] };
    await env.send(deployment.oracleAdapter, "OracleAdapter", "setMarketHours", [
      spx.feed,
      marketHoursParams(schedule),
    ]);
    try {
      const reopensAt = marketStatus(schedule, (await publicClient().getBlock()).timestamp).nextOpen;
      const { code, stdout } = await run(["status", ...conn, "--json"]);
      expect(code).to.equal(0);
      const json = JSON.parse(stdout);
      expect(json.markets[4].hours).to.deep.equal({
        status: "closed",
        lastOpen: null,
        nextClose: null,
        nextOpen: String(reopensAt),
      });
      expect(json.markets[4].oracle.verdict).to.equal("closed");
      expect(json.markets[0].hours).to.equal(null);
      const human = await run(["status", ...conn]);
      const utc = `${new Date(Number(reopensAt) * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
      expect(human.stdout).to.match(new RegExp(`SPX .*closed\\s+.*closed, reopens ${utc}`));
      expect(human.stdout).to.match(/ETH .*always open/);
    } finally {
      await env.send(deployment.oracleAdapter, "OracleAdapter", "clearMarketHours", [spx.feed]);
    }
  });

  it("faucet: mints test collateral on a dev chain (then hedge --approve has funds); a bad --amount names the option; --to without a key", async () => {
    const fresh = privateKeyToAccount(`0x${"42".repeat(32)}`).address;
    const balanceOf = () =>
      publicClient().readContract({
        address: deployment.collateralToken,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [fresh],
      });
    // With a key: the TestToken's mint, a transaction.
    const keyEnv = { PARAPET_PRIVATE_KEY: TRADER_KEY };
    const sent = await run(["faucet", ...conn, "--json", "--to", fresh, "--amount", "1234.5"], keyEnv);
    expect(sent.code, sent.stderr).to.equal(0);
    expect(JSON.parse(sent.stdout)).to.deep.include({
      status: "sent",
      method: "mint",
      amount: "1234.5",
      balance: "1234.5",
    });
    expect(await balanceOf()).to.equal(parseUnits("1234.5", 6));
    const human = await run(["faucet", ...conn, "--to", fresh], keyEnv);
    expect(human.stdout).to.match(
      /Minted 100,000 tokens to 0x[0-9a-fA-F]{40} \(0x[0-9a-f]{64}\); balance 101,234\.5\./,
    );
    // Without a key (--to is enough): the node's test RPC writes the balance (what a fork's real USDC gets).
    const noKey = await run(["faucet", ...conn, "--json", "--to", fresh, "--amount", "0.5"]);
    expect(noKey.code, noKey.stderr).to.equal(0);
    expect(JSON.parse(noKey.stdout)).to.deep.include({ method: "dealToken", balance: "101235", hash: null });
    expect(await balanceOf()).to.equal(parseUnits("101235", 6));
    const bad = await run(["faucet", ...conn, "--amount", "1.2345678"], keyEnv);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain("--amount 1.2345678 is not an amount of tokens");
  });

  it("plan --json plans a short ETH hedge from the chain's markets; a market the deployment lacks is exit 2", async () => {
    const { code, stdout } = await run(["plan", ...conn, "--json", "--exposure", "ETH=10"]);
    expect(code).to.equal(0);
    const plan = JSON.parse(stdout);
    expect(plan.targets).to.have.length(1);
    expect(plan.targets[0]).to.include({ exposureAsset: "ETH", marketAsset: "ETH", marketId: "0", accountIndex: "1" });
    expect(plan.targets[0].sizeUnits).to.equal(-10);
    expect(plan.targets[0].collateralUsd).to.be.greaterThan(0);
    // Floats carry no arithmetic noise (at most 15 significant digits); chain amounts are decimal strings.
    const numbers = stdout.match(/(?<=[:,[]\s*)-?\d+(\.\d+)?(e[+-]?\d+)?(?=\s*[,}\]])/g) ?? [];
    expect(numbers.length).to.be.greaterThan(5);
    for (const n of numbers)
      expect(
        n
          .replace(/^-|e.*$/g, "")
          .replace(".", "")
          .replace(/^0+/, "").length,
        n,
      ).to.be.at.most(15);
    const unknown = await run(["plan", ...conn, "--exposure", "DOGE=10"]);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.contain("no DOGE market");
  });

  it("hedge: without a key exit 2; without setup exit 1 naming the fix; with --approve opens the hedge; a dry run sends nothing", async () => {
    const noKey = await run(["hedge", ...conn, "--exposure", "ETH=10"]);
    expect(noKey.code).to.equal(2);
    expect(noKey.stderr).to.contain("PARAPET_PRIVATE_KEY is not set");
    const keyEnv = { PARAPET_PRIVATE_KEY: HEDGER_KEY };
    const noSetup = await run(["hedge", ...conn, "--exposure", "ETH=10"], keyEnv);
    expect(noSetup.code).to.equal(1);
    expect(noSetup.stderr).to.match(/setOperator\(router, true\).*--approve/);
    expect(noSetup.stderr).to.not.contain(HEDGER_KEY.slice(2)); // the key is never printed
    const before = await nonce(hedger);
    const opened = await run(["hedge", ...conn, "--json", "--approve", "--exposure", "ETH=10"], keyEnv);
    expect(opened.code, opened.stderr + opened.stdout).to.equal(0);
    const json = JSON.parse(opened.stdout);
    expect(json.status).to.equal("sent");
    expect(json.steps[0]).to.include({ accountIndex: "1", marketId: "0", sizeAfter: parseUnits("-10", 18).toString() });
    expect(await nonce(hedger)).to.equal(before + 3); // setOperator, approve, rebalance
    const status = await run(["status", ...conn, "--json", "--owner", hedger]);
    const account = JSON.parse(status.stdout).accounts[0];
    expect(account.accountIndex).to.equal("1");
    expect(account.positions[0]).to.include({ symbol: "ETH", sizeUnits: "-10" });
    // A second plan differs only by the collateral floor (the market now has open interest): a dry run shows no
    // trade (the target is the current size) and sends nothing.
    const again = await run(["hedge", ...conn, "--json", "--dry-run", "--exposure", "ETH=10"], keyEnv);
    expect(again.code, again.stderr).to.equal(0);
    const dry = JSON.parse(again.stdout);
    expect(["noop", "dry-run"]).to.include(dry.status);
    for (const step of dry.steps) expect(step.targetSize).to.equal(parseUnits("-10", 18).toString());
    // Text output in human units: a larger hedge needs more than the allowance, shown in tokens, not token units.
    const bigger = await run(["hedge", ...conn, "--dry-run", "--exposure", "ETH=30"], keyEnv);
    expect(bigger.code, bigger.stderr).to.equal(0);
    expect(bigger.stdout).to.match(/Setup: allowance [\d,]+(\.\d+)? < max deposits [\d,]+(\.\d+)? tokens/);
    expect(bigger.stdout).to.not.match(/\d{7,}/); // no raw integer amounts
    expect(await nonce(hedger)).to.equal(before + 3);
  });

  it("rebalance --dry-run shows the decision and its numbers and sends nothing", async () => {
    const before = await nonce(hedger);
    const { code, stdout } = await run(
      ["rebalance", ...conn, "--json", "--dry-run", "--exposure", "ETH=12", "--band", "0.05"],
      { PARAPET_PRIVATE_KEY: HEDGER_KEY },
    );
    expect(code).to.equal(0);
    const json = JSON.parse(stdout);
    expect(json.status).to.equal("dry-run");
    expect(json.hash).to.equal(null);
    const [d] = json.decisions;
    expect(d).to.include({ marketAsset: "ETH", accountIndex: "1", act: true, sizeUnits: -10, targetSizeUnits: -12 });
    expect(d.sizeDeltaUnits).to.be.closeTo(-2, 1e-9);
    expect(d.reasons.map((r: { code: string }) => r.code)).to.include("DELTA_BAND");
    expect(d.numbers.driftFraction).to.be.closeTo(2 / 12, 1e-9);
    expect(await nonce(hedger)).to.equal(before);
    // The same pass through the client binding (createParapetClient binds rebalanceHedge, executeHedge, resolveHedgeSteps).
    const parapet = await createParapetClient({ publicClient: publicClient(), deployment });
    const bound = await parapet.rebalanceHedge({
      owner: hedger,
      exposures: [{ kind: "asset", asset: "ETH", amount: 12 }],
      rebalancePolicy: { trigger: { kind: "band", band: 0.05 } },
      dryRun: true,
    });
    expect(bound.status).to.equal("dry-run");
    expect(bound.decisions[0]?.decision.sizeDeltaUnits).to.be.closeTo(d.sizeDeltaUnits, 1e-9);
    // Within the band: no action, nothing sent (and no key needed with --owner).
    const quiet = await run(["rebalance", ...conn, "--dry-run", "--owner", hedger, "--exposure", "ETH=10"]);
    expect(quiet.code).to.equal(0);
    expect(quiet.stdout).to.contain("No hedge needs action");
  });

  it("keeper --once liquidates an underwater account; the second tick sends nothing", async () => {
    const wallet = createWalletClient({ account: privateKeyToAccount(TRADER_KEY), transport: http(anvil.url) });
    const parapet = await createParapetClient({ publicClient: publicClient(), walletClient: wallet, deployment });
    await parapet.writeApprove({ amount: "1000" });
    await parapet.writeDeposit({ owner: trader, amount: "1000" });
    await parapet.writeTrade({ owner: trader, marketId: 0n, sizeDelta: "3", slippageBps: 100 });
    // ETH 3000 → 2720: the 3 ETH long loses 840 of its 1000 USD, below maintenance (5 % of 8160 + 5).
    await env.send(env.feeds[0] as Address, MOCK_V3_AGGREGATOR, "updateAnswer", [parseUnits("2720", 8)]);
    const liquidatable = () =>
      publicClient().readContract({
        address: deployment.perpVault,
        abi: perpVaultAbi,
        functionName: "isLiquidatable",
        args: [trader, 0n],
      });
    expect(await liquidatable()).to.equal(true);
    const keyEnv = { PARAPET_PRIVATE_KEY: KEEPER_KEY };
    const first = await run(["keeper", ...conn, "--once", "--json"], keyEnv);
    expect(first.code, first.stderr).to.equal(0);
    const events = first.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as KeeperEvent);
    const sent = events.filter((e) => e.action === "liquidate" && e.outcome === "sent");
    expect(sent, first.stdout + first.stderr).to.have.length(1);
    expect(sent[0]?.accounts).to.deep.equal([`${trader.toLowerCase()}:0`]);
    expect(sent[0]?.hash).to.match(/^0x[0-9a-f]{64}$/);
    expect(Number(sent[0]?.gasUsed)).to.be.greaterThan(0);
    expect(sent[0]?.reason).to.match(/^LIQUIDATABLE: batch 1\/1, 1 account\(s\), reward/);
    expect(await liquidatable()).to.equal(false);
    const keeperNonce = await nonce(keeper);
    const second = await run(["keeper", ...conn, "--once"], keyEnv);
    expect(second.code).to.equal(0);
    expect(second.stdout).to.not.match(/liquidate sent/);
    expect(second.stdout).to.match(/tick 1 tick ok/);
    expect(await nonce(keeper)).to.equal(keeperNonce);
  });

  it("keeper: while the signer has a pending transaction nothing more is sent; once mined, the liquidation goes out", async () => {
    const deployer = privateKeyToAccount(DEPLOYER_KEY);
    await env.send(deployment.collateralToken, "TestToken", "mint", [deployer.address, parseUnits("1000", 6)]);
    const wallet = createWalletClient({ account: deployer, transport: http(anvil.url) });
    const parapet = await createParapetClient({ publicClient: publicClient(), walletClient: wallet, deployment });
    await parapet.writeApprove({ amount: "1000" });
    await parapet.writeDeposit({ owner: deployer.address, accountIndex: 7n, amount: "1000" });
    await parapet.writeTrade({
      owner: deployer.address,
      accountIndex: 7n,
      marketId: 0n,
      sizeDelta: "3",
      slippageBps: 100,
    });
    await env.send(env.feeds[0] as Address, MOCK_V3_AGGREGATOR, "updateAnswer", [parseUnits("2450", 8)]);
    const rpc = (method: string, params: unknown[]) =>
      publicClient().request({ method: method as never, params: params as never });
    await rpc("evm_setAutomine", [false]);
    try {
      const keeperWallet = createWalletClient({ account: privateKeyToAccount(KEEPER_KEY), transport: http(anvil.url) });
      await keeperWallet.sendTransaction({ to: keeper, value: 0n, chain: null });
      const pendingBefore = await publicClient().getTransactionCount({ address: keeper, blockTag: "pending" });
      const blocked = await run(["keeper", ...conn, "--once"], { PARAPET_PRIVATE_KEY: KEEPER_KEY });
      expect(blocked.code, blocked.stderr).to.equal(0);
      expect(blocked.stdout, blocked.stdout).to.match(
        /liquidate skipped accounts=\S*0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266:7\S* reason="PENDING_TX/,
      );
      expect(await publicClient().getTransactionCount({ address: keeper, blockTag: "pending" })).to.equal(
        pendingBefore,
      );
    } finally {
      await rpc("evm_setAutomine", [true]);
      await rpc("evm_mine", []);
    }
    const sent = await run(["keeper", ...conn, "--once"], { PARAPET_PRIVATE_KEY: KEEPER_KEY });
    expect(sent.stdout).to.match(
      /liquidate sent accounts=\S*0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266:7\S* gasUsed=\d+ tx=0x/,
    );
  });

  it("keeper --poke-max-age and --no-funding-pokes reach the funding-poke job: it pokes exactly the markets with open interest", async () => {
    const keyEnv = { PARAPET_PRIVATE_KEY: KEEPER_KEY };
    await publicClient().request({ method: "evm_increaseTime" as never, params: [2] as never });
    await publicClient().request({ method: "evm_mine" as never, params: [] as never });
    const withOpenInterest = (await getMarkets({ publicClient: publicClient(), deployment }))
      .filter((m) => m.skewWad !== 0n)
      .map((m) => String(m.marketId));
    expect(withOpenInterest.length).to.be.greaterThan(0);
    const pokes = (stdout: string) =>
      stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as KeeperEvent)
        .filter((e) => e.action === "poke");
    const off = await run(["keeper", ...conn, "--once", "--json", "--no-funding-pokes", "--poke-max-age", "1"], keyEnv);
    expect(off.code, off.stderr).to.equal(0);
    expect(pokes(off.stdout)).to.deep.equal([]);
    // A keeper that has never poked measures the age from the market's last accrual: over 1 s for every market.
    const on = await run(["keeper", ...conn, "--once", "--json", "--poke-max-age", "1"], keyEnv);
    expect(on.code, on.stderr).to.equal(0);
    const sent = pokes(on.stdout);
    expect(sent.map((e) => e.outcome)).to.deep.equal(withOpenInterest.map(() => "sent"));
    expect(sent.flatMap((e) => e.marketIds ?? [])).to.deep.equal(withOpenInterest);
    for (const e of sent) {
      expect(e.reason).to.match(/^AGE: \S+ last accrued \d+ s ago, ≥ max age 1 s$/);
      const receipt = await publicClient().getTransactionReceipt({ hash: e.hash ?? "0x" });
      expect(receipt.status).to.equal("success");
    }
  });

  it("keeper with exposures runs the rebalance policy each tick and logs the decision (dry run: nothing sent)", async () => {
    const before = await nonce(hedger);
    const tick = await run(
      [
        "keeper",
        ...conn,
        "--once",
        "--json",
        "--dry-run",
        "--no-liquidations",
        "--exposure",
        "ETH=12",
        "--band",
        "0.05",
      ],
      { PARAPET_PRIVATE_KEY: HEDGER_KEY },
    );
    expect(tick.code, tick.stderr).to.equal(0);
    const events = tick.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as KeeperEvent);
    const rebalance = events.find((e) => e.action === "rebalance");
    expect(rebalance?.outcome).to.equal("dry-run");
    expect(rebalance?.reason).to.match(/ETH#1 DELTA_BAND/);
    expect(events.some((e) => e.action === "liquidate")).to.equal(false);
    expect(await nonce(hedger)).to.equal(before);
  });

  it("a keeper already running for the same chain, vault and signer: the second exits 1 naming its pid; a stale lock is taken over", async () => {
    const lock = acquireKeeperLock({ chainId: deployment.chainId, perpVault: deployment.perpVault, signer: keeper });
    try {
      const second = await run(["keeper", ...conn, "--once"], { PARAPET_PRIVATE_KEY: KEEPER_KEY });
      expect(second.code).to.equal(1);
      expect(second.stderr).to.contain(`already running (pid ${process.pid}`);
      // Another signer is another keeper: allowed.
      const other = await run(["keeper", ...conn, "--once"], { PARAPET_PRIVATE_KEY: DEPLOYER_KEY });
      expect(other.code, other.stderr).to.equal(0);
    } finally {
      lock.release();
    }
    expect(existsSync(lock.path)).to.equal(false);
    // A lock left by a dead process (crash, kill -9) is stale: the next keeper takes it over.
    const dead = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => dead.once("exit", resolve));
    writeFileSync(lock.path, `${dead.pid}\n`);
    const taken = await run(["keeper", ...conn, "--once"], { PARAPET_PRIVATE_KEY: KEEPER_KEY });
    expect(taken.code, taken.stderr).to.equal(0);
    expect(existsSync(lock.path)).to.equal(false);
  });

  it("SIGINT stops a running keeper process after its tick, with exit 0 and its lock removed", async () => {
    const child = spawn(process.execPath, ["bin/parapet.mjs", "keeper", ...conn, "--interval", "60"], {
      env: { ...process.env, PARAPET_PRIVATE_KEY: KEEPER_KEY },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no tick within 20 s: ${stdout} ${stderr}`)), 20_000);
      child.stdout.on("data", (d) => {
        stdout += String(d);
        if (/tick 1 tick ok/.test(stdout)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const lockPath = keeperLockPath({ chainId: deployment.chainId, perpVault: deployment.perpVault, signer: keeper });
    expect(existsSync(lockPath)).to.equal(true);
    child.kill("SIGINT");
    const code = await exited;
    expect(code, stderr).to.equal(0);
    expect(stderr).to.contain("SIGINT received");
    expect(stdout).to.match(/stop ok/);
    expect(existsSync(lockPath)).to.equal(false);
  });

  it("the SDK loop: RPC errors are retried with backoff, then it gives up with a typed error naming the URL", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const client: ParapetContext = {
      publicClient: createPublicClient({ transport: http(closed, { retryCount: 0 }) }),
      walletClient: createWalletClient({ account: privateKeyToAccount(KEEPER_KEY), transport: http(closed) }),
      deployment,
    };
    const events: KeeperEvent[] = [];
    const delays: number[] = [];
    const error = await runKeeper(client, {
      once: true,
      maxRetries: 2,
      backoffMs: 100,
      onEvent: (e) => events.push(e),
      sleep: async (ms) => {
        delays.push(ms);
      },
    }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ParapetKeeperError);
    expect((error as ParapetKeeperError).code).to.equal("KEEPER_GAVE_UP");
    expect((error as Error).message).to.contain(`The RPC at ${closed}/ did not answer`);
    expect(delays).to.deep.equal([100, 200]);
    expect(events.filter((e) => e.action === "tick" && e.outcome === "failed")).to.have.length(3);
  });

  it("a stale feed: oracle exits 3 naming it, status still reports, the keeper skips the unpriced accounts", async () => {
    await publicClient().request({ method: "evm_increaseTime" as never, params: [86_401] as never });
    await publicClient().request({ method: "evm_mine" as never, params: [] as never });
    const oracle = await run(["oracle", ...conn, "--json"]);
    expect(oracle.code).to.equal(3);
    const feeds = JSON.parse(oracle.stdout).feeds;
    expect(feeds.every((f: { verdict: string }) => f.verdict === "fail")).to.equal(true);
    expect(feeds[0].reasons[0].code).to.equal("STALE");
    expect(oracle.stderr).to.contain("5 feed(s) fail");
    const status = await run(["status", ...conn, "--json", "--owner", hedger]);
    expect(status.code).to.equal(0);
    expect(JSON.parse(status.stdout).markets[0].priceUsd).to.equal(null);
    const tick = await run(["keeper", ...conn, "--once"], { PARAPET_PRIVATE_KEY: KEEPER_KEY });
    expect(tick.code).to.equal(0);
    expect(tick.stdout).to.match(/liquidate skipped accounts=.*reason="ORACLE/);
  });
});
