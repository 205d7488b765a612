import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre, { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { type Address, createPublicClient, erc20Abi, erc4626Abi, http, parseUnits } from "viem";
import { MARKETS, marketParams } from "../../scripts/bench/markets.js";
import { deployNetwork, formatDeployReport, parametersFileFor } from "../../scripts/deployment/deploy.js";
import { startDevNode } from "../../scripts/deployment/devNode.js";
import { loadNetworkConfig, parseNetworkConfig } from "../../scripts/deployment/networkConfig.js";
import { readDataFile } from "../../src/data/node.js";
import { loadDeploymentFile } from "../../src/deploymentFile.js";
import { DEFAULT_MARKET_SCHEDULES, marketHoursParams } from "../../src/hours/index.js";
import { defaultLpFlowParams, loadCryptoOhlcv, loadTradfiOhlc, ParapetDeploymentError } from "../../src/index.js";
import { type AnvilNode, startAnvil } from "../../src/testing/index.js";

const MOCK = "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol:MockV3Aggregator";
const LOCAL = parametersFileFor("localhost");
const ARBITRUM_ONE = parametersFileFor("arbitrumOne");
const ARBITRUM_SEPOLIA = parametersFileFor("arbitrumSepolia");
// Unique journal ids (ignition/deployments/test-*, git-ignored) removed in `after`.
const RUN = `test-${process.pid}-${Date.now()}`;

/** The data's last closes, by the symbol local.json gives the market (SPX is priced by SPY × 10: see local.json). */
async function lastCloses(): Promise<Record<string, number>> {
  const crypto = loadCryptoOhlcv(await readDataFile("data/prices/coinbase_btc_eth_daily_2020-2025.csv"));
  const last = (symbol: string) => crypto.rows.filter((r) => r.symbol === symbol).at(-1)?.closeUsd ?? Number.NaN;
  const tradfi = async (file: string) =>
    loadTradfiOhlc(await readDataFile(`data/tradfi/${file}`)).rows.at(-1)?.closeUsd ?? Number.NaN;
  return {
    ETH: last("ETH/USD"),
    BTC: last("BTC/USD"),
    XAU: await tradfi("gold_futures_daily_2019-2026.csv"),
    EURUSD: await tradfi("eurusd_daily_2019-2026.csv"),
    SPX: 10 * (await tradfi("spy_daily_2019-2026.csv")),
  };
}

/** A close as the 8-decimal answer a Chainlink USD feed would give. */
function answer8(closeUsd: number): bigint {
  return parseUnits(closeUsd.toFixed(8), 8);
}

async function expectDeployError(promise: Promise<unknown>, code: string, ...fragments: string[]) {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ParapetDeploymentError);
    const e = error as ParapetDeploymentError;
    expect(e.code).to.equal(code, e.message);
    for (const fragment of fragments) expect(e.message).to.include(fragment);
    return e;
  }
  expect.fail(`expected a ${code} error`);
}

// One anvil node for the file: the journal of an HTTP network is persisted, which the idempotence test needs.
describe("deployment per network (Ignition modules, parameter files, deploy script)", function () {
  this.timeout(120_000);
  let anvil: AnvilNode | undefined;
  let url = "";
  let tmp = "";
  let anvilConnection: NetworkConnection;

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), "parapet-deploy-"));
    anvil = await startAnvil();
    url = anvil.url;
    anvilConnection = await network.create({ network: "localhost", override: { url } });
  });

  after(async () => {
    await anvilConnection?.close();
    anvil?.stop();
    await rm(tmp, { recursive: true, force: true });
    for (const suffix of ["anvil", "stale", "node"]) {
      await rm(path.join(hre.config.paths.ignition, "deployments", `${RUN}-${suffix}`), {
        recursive: true,
        force: true,
      });
    }
  });

  async function deployerNonce() {
    const publicClient = await anvilConnection.viem.getPublicClient();
    const [deployer] = await anvilConnection.viem.getWalletClients();
    if (!deployer) throw new Error("anvil has no accounts");
    return publicClient.getTransactionCount({ address: deployer.account.address });
  }

  it("local.json seeds each mock feed with the data's last close", async () => {
    const plan = await loadNetworkConfig(LOCAL);
    const closes = await lastCloses();
    expect(plan.markets.map((m) => m.symbol)).to.deep.equal(Object.keys(closes));
    for (const market of plan.markets) {
      expect(market.feed, market.symbol).to.deep.equal({ kind: "mock", answer: answer8(closes[market.symbol] ?? 0) });
    }
  });

  it("converts human risk parameters exactly as the benchmark markets define them (same WAD values)", () => {
    const plan = parseNetworkConfig(
      {
        chainId: 31337,
        collateral: { testToken: { name: "USD Coin", symbol: "USDC" }, decimals: 6 },
        riskDefaults: {
          initialMarginRatio: "0.1",
          maintenanceMarginRatio: "0.05",
          takerFeeRatio: "0.0005",
          makerFeeRatio: "0.0002",
          maxFundingRatePerDay: "0.01",
          maxFundingVelocityPerDay: "0.03",
          skewScaleUsd: "3000000000",
          maxOpenInterestUsd: "1000000000",
          minPositionMarginUsd: "10",
          liquidationFeeUsd: "5",
          grossReserveRatio: "0.1",
        },
        markets: MARKETS.map((m) => ({ symbol: m.symbol, mockPrice: m.price, heartbeatSeconds: 86_400 })),
      },
      "inline",
    );
    for (const [i, market] of MARKETS.entries()) {
      const { feed: _feed, ...expected } = marketParams("0x0000000000000000000000000000000000000000", market.price);
      expect(plan.markets[i]?.risk, market.symbol).to.deep.equal(expected);
    }
  });

  it("deploys local.json to a chain: the file parses, market ids follow the file, feeds and the adapter report the data's prices; a re-run sends nothing", async () => {
    const outFile = path.join(tmp, "localhost.json");
    const options = { networkName: "localhost", parametersFile: LOCAL, outFile, deploymentId: `${RUN}-anvil` };
    const first = await deployNetwork(anvilConnection, options);
    expect(first.alreadyDeployed).to.equal(false);
    expect(first.transactionsSent).to.be.greaterThan(20);
    expect(first.journalDir).to.equal(path.join(hre.config.paths.ignition, "deployments", `${RUN}-anvil`));

    const deployment = await loadDeploymentFile(outFile);
    expect(deployment).to.deep.equal(first.deployment);
    expect(deployment.chainId).to.equal(31337);
    expect(deployment.collateralDecimals).to.equal(6);
    expect(deployment.markets.map((m) => [m.marketId, m.symbol])).to.deep.equal(
      ["ETH", "BTC", "XAU", "EURUSD", "SPX"].map((s, i) => [BigInt(i), s]),
    );
    // The file keeps bigints as decimal strings (JSON has no bigint).
    const raw = JSON.parse(await readFile(outFile, "utf8"));
    expect(raw.blockNumber).to.be.a("string");
    expect(raw.markets[1].marketId).to.equal("1");

    const { viem } = anvilConnection;
    const closes = await lastCloses();
    const adapter = await viem.getContractAt("OracleAdapter", deployment.oracleAdapter);
    const vault = await viem.getContractAt("PerpVault", deployment.perpVault);
    for (const market of deployment.markets) {
      const feed = await viem.getContractAt(MOCK, market.feed);
      const [, answer] = await feed.read.latestRoundData();
      expect(answer, market.symbol).to.equal(answer8(closes[market.symbol] ?? 0));
      expect(await adapter.read.priceWad([market.feed]), market.symbol).to.equal(answer * 10n ** 10n);
    }
    // local.json lists every market always open (a local chain runs on the wall clock with mocks that publish only
    // when told to): no schedule on the adapter, no closing margin on the vault. Hours are the next test's.
    for (const market of deployment.markets) {
      expect((await adapter.read.marketHours([market.feed])).sessions, market.symbol).to.deep.equal([]);
      expect(await vault.read.closingMarginRatio([market.marketId]), market.symbol).to.equal(0n);
    }
    expect(first.marketHours).to.deep.equal([]);
    const report = formatDeployReport(first, "localhost");
    expect(report).to.match(/0 {2}ETH .* always open/);
    expect((await vault.read.liquidityVault()).toLowerCase()).to.equal(deployment.liquidityVault.toLowerCase());
    if (!deployment.liquidationUpkeep) throw new Error("the deployment has no liquidationUpkeep");
    const upkeep = await viem.getContractAt("LiquidationUpkeep", deployment.liquidationUpkeep);
    expect((await upkeep.read.vault()).toLowerCase()).to.equal(deployment.perpVault.toLowerCase());
    // The order contracts: both trade this vault, and DelayedOrders is the vault's one delayed-order contract.
    if (!deployment.triggerOrders || !deployment.delayedOrders)
      throw new Error("the deployment has no order contracts");
    const triggerOrders = await viem.getContractAt("TriggerOrders", deployment.triggerOrders);
    expect((await triggerOrders.read.vault()).toLowerCase()).to.equal(deployment.perpVault.toLowerCase());
    expect((await vault.read.delayedOrders()).toLowerCase()).to.equal(deployment.delayedOrders.toLowerCase());
    // local.json turns no latency defence on.
    expect(first.latencyDefence).to.deep.equal([]);
    expect(await vault.read.latencyParams([0n])).to.deep.equal({
      minSettlementDelay: 0,
      settlementTimeout: 0,
      immediateFeeRatio: 0n,
    });
    // local.json turns the LP defence on (lpFlows): requests, fees and a keeper fee of 1 USDC.
    expect(first.lpFlows).to.deep.equal({
      minDelaySeconds: 600,
      settlementTimeoutSeconds: 3600,
      entryFeeBps: 50,
      exitFeeBps: 40,
      keeperFeeTokens: 1_000_000n,
    });
    expect(formatDeployReport(first, "localhost")).to.include("LP flows: requests settle after 600 s");
    // Event scans start at the block that created the adapter (Core's first contract): no code one block earlier.
    const publicClient = await viem.getPublicClient();
    const codeAt = (blockNumber: bigint) => publicClient.getCode({ address: deployment.oracleAdapter, blockNumber });
    expect(await codeAt(deployment.blockNumber)).to.match(/^0x[0-9a-f]{10}/);
    expect(await codeAt(deployment.blockNumber - 1n)).to.equal(undefined);

    const nonce = await deployerNonce();
    const second = await deployNetwork(anvilConnection, options);
    expect(second.alreadyDeployed).to.equal(true);
    expect(second.transactionsSent).to.equal(0);
    expect(await deployerNonce()).to.equal(nonce);
    expect(second.deployment).to.deep.equal(first.deployment);
    expect(formatDeployReport(second, "localhost")).to.include("already deployed; nothing was sent");
    expect(formatDeployReport(first, "localhost")).to.include(`Wrote ${outFile}.`);

    // A market added to the file, with its latency defence on: only its four steps are sent (mock feed, setFeed,
    // listMarket, setLatencyParams with the id the listing emitted); it gets the next id.
    const local = JSON.parse(await readFile(LOCAL, "utf8"));
    const grown = path.join(tmp, "local-grown.json");
    const latency = { minSettlementDelay: 5, settlementTimeout: 600, immediateFeeRatio: "0.005" };
    await writeFile(
      grown,
      JSON.stringify({ ...local, markets: [...local.markets, { ...local.markets[0], symbol: "WTI", latency }] }),
    );
    const third = await deployNetwork(anvilConnection, { ...options, parametersFile: grown });
    expect(third.transactionsSent).to.equal(4);
    expect(third.deployment.perpVault).to.equal(first.deployment.perpVault);
    expect(third.deployment.markets.map((m) => [m.marketId, m.symbol]).at(-1)).to.deep.equal([5n, "WTI"]);
    expect(third.deployment.blockNumber).to.equal(first.deployment.blockNumber);
    expect(await vault.read.latencyParams([5n])).to.deep.equal({
      minSettlementDelay: 5,
      settlementTimeout: 600,
      immediateFeeRatio: parseUnits("0.005", 18),
    });
    expect(third.latencyDefence.map((l) => [l.marketId, l.symbol])).to.deep.equal([[5n, "WTI"]]);
    expect(formatDeployReport(third, "localhost")).to.include(
      "latency defence: delay 5 s, timeout 600 s, immediate fee 0.5 %",
    );

    // A deployed step whose value changed (ETH's mock price): refused before anything is sent, naming the step.
    const changed = path.join(tmp, "local-changed.json");
    local.markets[0].mockPrice = "1";
    await writeFile(changed, JSON.stringify(local));
    const nonceBefore = await deployerNonce();
    await expectDeployError(
      deployNetwork(anvilConnection, { ...options, parametersFile: changed }),
      "DEPLOYMENT_CONFLICT",
      "MockFeeds#Feed_ETH",
      "setMarketParams",
    );
    expect(await deployerNonce()).to.equal(nonceBefore);
  });

  it("arbitrumOne.json / arbitrumSepolia.json with an unknown address stop before anything is sent, naming the parameter and where to find it", async () => {
    // The committed files as they are: XAU's feed and Sepolia's stablecoin are unverified, hence empty.
    const nonce = await deployerNonce();
    const outFile = path.join(tmp, "never.json");
    await expectDeployError(
      deployNetwork(anvilConnection, { networkName: "arbitrumOne", parametersFile: ARBITRUM_ONE, outFile }),
      "DEPLOY_PARAMETER_MISSING",
      "markets[2] (XAU).feed is empty",
      "https://data.chain.link",
      "Nothing was sent",
    );
    await expectDeployError(
      deployNetwork(anvilConnection, { networkName: "arbitrumSepolia", parametersFile: ARBITRUM_SEPOLIA, outFile }),
      "DEPLOY_PARAMETER_MISSING",
      "collateral.token is empty",
      "circle.com",
    );
    expect(await deployerNonce()).to.equal(nonce);
  });

  it("npm run deploy (scripts/deploy.ts) exits 1 with the cause and the fix when a parameter is unknown", () => {
    // Dummy secrets: validation fails before the RPC URL or the key is ever used.
    const run = spawnSync(
      process.execPath,
      ["node_modules/hardhat/dist/src/cli.js", "run", "scripts/deploy.ts", "--network", "arbitrumOne"],
      {
        cwd: hre.config.paths.root,
        encoding: "utf8",
        timeout: 60_000,
        env: {
          ...process.env,
          ARBITRUM_ONE_RPC_URL: "http://127.0.0.1:9",
          PARAPET_DEPLOYER_KEY: `0x${"11".repeat(32)}`,
        },
      },
    );
    expect(run.status, run.stderr).to.equal(1);
    expect(run.stderr).to.include("Deploy failed (DEPLOY_PARAMETER_MISSING)");
    expect(run.stderr).to.include("markets[2] (XAU).feed is empty");
    expect(run.stderr).to.include(
      "Fix: Set markets[2] (XAU).feed to the verified address from https://data.chain.link",
    );
  });

  it("a complete live file refuses another chain (WRONG_CHAIN) and addresses without code (nothing sent)", async () => {
    const live = JSON.parse(await readFile(ARBITRUM_ONE, "utf8"));
    // Any well-formed address fills the unknown feeds: these checks fire before a feed is ever used.
    for (const market of live.markets) if (market.feed === "") market.feed = live.markets[0].feed;
    const file = path.join(tmp, "arbitrumOne-complete.json");
    await writeFile(file, JSON.stringify(live));
    const nonce = await deployerNonce();
    const outFile = path.join(tmp, "never.json");
    await expectDeployError(
      deployNetwork(anvilConnection, { networkName: "localhost", parametersFile: file, outFile }),
      "WRONG_CHAIN",
      "is for chain 42161, but network localhost is chain 31337",
    );
    await writeFile(file, JSON.stringify({ ...live, chainId: 31337 }));
    await expectDeployError(
      deployNetwork(anvilConnection, { networkName: "localhost", parametersFile: file, outFile }),
      "INVALID_DEPLOY_PARAMETERS",
      "collateral.token 0xaf88d065e77c8cC2239327C5EDb3A432268e5831 has no contract on chain 31337",
    );
    expect(await deployerNonce()).to.equal(nonce);
  });

  it("a dev chain's stale journal (a restarted node: another genesis block, or contracts gone) is deleted and deployed afresh; a live chain's is refused with the directory to delete", async () => {
    // A journal from before this node started: it records the genesis of another chain.
    const journal = path.join(hre.config.paths.ignition, "deployments", `${RUN}-stale`);
    await mkdir(journal, { recursive: true });
    const otherGenesis = `0x${"ab".repeat(32)}`;
    await writeFile(
      path.join(journal, "parapet-chain.json"),
      JSON.stringify({ chainId: 31337, genesisHash: otherGenesis }),
    );
    await writeFile(
      path.join(journal, "deployed_addresses.json"),
      JSON.stringify({ "Core#PerpVault": "0x00000000000000000000000000000000000000aa" }),
    );
    const fresh = await deployNetwork(anvilConnection, {
      networkName: "localhost",
      parametersFile: LOCAL,
      outFile: path.join(tmp, "fresh.json"),
      deploymentId: `${RUN}-stale`,
    });
    expect(fresh.alreadyDeployed).to.equal(false);
    expect(fresh.journalReset).to.match(new RegExp(`written for chain 31337 with genesis block ${otherGenesis}`));
    expect(formatDeployReport(fresh, "localhost")).to.include("Deleted the old Ignition journal first");
    // The journal now records this chain: a re-run resumes from it.
    const genesis = await anvilConnection.viem.getPublicClient().then((c) => c.getBlock({ blockNumber: 0n }));
    expect(JSON.parse(await readFile(path.join(journal, "parapet-chain.json"), "utf8"))).to.deep.equal({
      chainId: 31337,
      genesisHash: genesis.hash,
    });
    const again = await deployNetwork(anvilConnection, {
      networkName: "localhost",
      parametersFile: LOCAL,
      outFile: path.join(tmp, "fresh.json"),
      deploymentId: `${RUN}-stale`,
    });
    expect([again.alreadyDeployed, again.journalReset]).to.deep.equal([true, undefined]);

    // A live file (real collateral and feeds: here the dev deployment's contracts) never deletes a journal.
    const live = JSON.parse(await readFile(ARBITRUM_ONE, "utf8"));
    live.chainId = 31337;
    live.collateral.token = fresh.deployment.collateralToken;
    live.sequencerUptimeFeed.address = fresh.deployment.markets[0]?.feed;
    for (const [k, market] of live.markets.entries()) market.feed = fresh.deployment.markets[k]?.feed;
    const liveFile = path.join(tmp, "live-on-anvil.json");
    await writeFile(liveFile, JSON.stringify(live));
    const liveJournal = path.join(hre.config.paths.ignition, "deployments", `${RUN}-stale-live`);
    await mkdir(liveJournal, { recursive: true });
    await writeFile(
      path.join(liveJournal, "parapet-chain.json"),
      JSON.stringify({ chainId: 31337, genesisHash: otherGenesis }),
    );
    const nonce = await deployerNonce();
    await expectDeployError(
      deployNetwork(anvilConnection, {
        networkName: "localhost",
        parametersFile: liveFile,
        outFile: path.join(tmp, "never.json"),
        deploymentId: `${RUN}-stale-live`,
      }),
      "STALE_IGNITION_JOURNAL",
      `Delete ${liveJournal}`,
    );
    expect(existsSync(path.join(liveJournal, "parapet-chain.json"))).to.equal(true);
    expect(await deployerNonce()).to.equal(nonce);
  });

  it("bad parameter values are named: margin ratios, heartbeat bounds, duplicate markets, latency and LP flow bounds, bad JSON", async () => {
    const base = JSON.parse(await readFile(LOCAL, "utf8"));
    const variant = (change: (json: typeof base) => void) => {
      const json = structuredClone(base);
      change(json);
      return () => parseNetworkConfig(json, "local.json");
    };
    expect(
      variant((j) => {
        j.riskDefaults.maintenanceMarginRatio = "0.2";
      }),
    ).to.throw("maintenanceMarginRatio must be below initialMarginRatio");
    expect(
      variant((j) => {
        j.markets[0].heartbeatSeconds = 30;
      }),
    ).to.throw("markets[0] (ETH).heartbeatSeconds must be an integer in [60, 604800]");
    expect(
      variant((j) => {
        j.markets.push(j.markets[0]);
      }),
    ).to.throw("market ETH is listed twice");
    // The latency defence within the vault's bounds (AdminModule.setLatencyParams), named before anything is sent.
    const latency = { minSettlementDelay: 5, settlementTimeout: 600, immediateFeeRatio: "0.005" };
    expect(
      variant((j) => {
        j.markets[0].latency = { ...latency, minSettlementDelay: 0 };
      }),
    ).to.throw("markets[0] (ETH).latency.minSettlementDelay must be an integer in [1, 3600]");
    expect(
      variant((j) => {
        j.markets[0].latency = { ...latency, settlementTimeout: 60 };
      }),
    ).to.throw("markets[0] (ETH).latency.settlementTimeout must be an integer in [65, 86400]");
    expect(
      variant((j) => {
        j.markets[0].latency = { ...latency, immediateFeeRatio: "0.06" };
      }),
    ).to.throw("above the vault's maximum 0.05");
    expect(
      variant((j) => {
        j.markets[0].latency = { ...latency, delay: 5 };
      }),
    ).to.throw("unknown field(s) delay");
    expect(
      variant((j) => {
        j.markets[1].latency = latency;
      })().markets[1]?.latency,
    ).to.deep.equal({ minSettlementDelay: 5, settlementTimeout: 600, immediateFeeRatio: parseUnits("0.005", 18) });
    // The LP flows within the LP vault's bounds (LiquidityVault.setFlowParams); absent, the defaults (on).
    expect(
      variant((j) => {
        j.lpFlows.minDelaySeconds = 30;
      }),
    ).to.throw("lpFlows.minDelaySeconds must be 0 (the defence off) or in [60, 86400], got 30");
    expect(
      variant((j) => {
        j.lpFlows.settlementTimeoutSeconds = 600;
      }),
    ).to.throw("lpFlows.settlementTimeoutSeconds must be an integer in [660, 604800]");
    expect(
      variant((j) => {
        j.lpFlows.exitFeeBps = 501;
      }),
    ).to.throw("lpFlows.exitFeeBps must be an integer in [0, 500]");
    expect(
      variant((j) => {
        j.lpFlows.keeperFee = "1001";
      }),
    ).to.throw("above the LP vault's maximum of 1000 tokens");
    expect(
      variant((j) => {
        j.lpFlows.delay = 5;
      }),
    ).to.throw("lpFlows has unknown field(s) delay");
    expect(
      variant((j) => {
        delete j.lpFlows;
      })().lpFlows,
    ).to.deep.equal(defaultLpFlowParams(6));
    expect(
      variant((j) => {
        j.lpFlows = { minDelaySeconds: 0 };
      })().lpFlows?.minDelaySeconds,
    ).to.equal(0);
    // Market hours: "default" is the symbol's shipped schedule; a bad value is named with the field and the bound.
    expect(
      variant((j) => {
        j.markets[4].hours = { closingMarginRatio: "0.6" };
      }),
    ).to.throw(/markets\[4\] \(SPX\)\.hours\.closingMarginRatio is refused .*600000000000000000.*\[0, 0\.5\]/);
    expect(
      variant((j) => {
        j.markets[4].hours = { closingMarginRatio: "0.04" };
      }),
    ).to.throw("below the market's maintenance margin ratio");
    expect(
      variant((j) => {
        j.markets[2].hours = { sessions: [{ openMinute: 0, closeMinute: 20000 }] };
      }),
    ).to.throw("markets[2] (XAU).hours.sessions[0].closeMinute is refused (Invalid sessions[0].closeMinute: 20000");
    expect(
      variant((j) => {
        j.markets[3].hours = { reopenDelaySeconds: 7200 };
      }),
    ).to.throw("markets[3] (EURUSD).hours.reopenDelaySeconds is refused");
    expect(
      variant((j) => {
        j.markets[0].hours = "default";
      }),
    ).to.throw('markets[0] (ETH).hours: "ETH" has no shipped schedule');
    expect(
      variant((j) => {
        j.markets[4].hours = { closingWindow: 60 };
      }),
    ).to.throw("markets[4] (SPX).hours has unknown field(s) closingWindow");
    const spx = variant((j) => {
      j.markets[4].hours = { closingMarginRatio: "0.2", closures: [{ start: 1767225600, end: 1767312000 }] };
    })().markets[4]?.hours;
    expect(spx?.closingMaintenanceMarginRatio).to.equal(parseUnits("0.2", 18));
    expect(spx?.closures).to.deep.equal([{ start: 1767225600n, end: 1767312000n }]);
    expect(spx?.sessions).to.deep.equal(DEFAULT_MARKET_SCHEDULES.SPX.sessions);
    expect(
      variant((j) => {
        j.markets[4].hours = "alwaysOpen";
      })().markets[4]?.hours,
    ).to.equal(undefined);
    // A live market whose underlying closes must state its hours.
    const live = JSON.parse(await readFile(ARBITRUM_ONE, "utf8"));
    for (const market of live.markets) if (market.feed === "") market.feed = live.markets[0].feed;
    expect(parseNetworkConfig(live, "arbitrumOne.json").markets.map((m) => m.hours !== undefined)).to.deep.equal([
      false,
      false,
      true,
      true,
      true,
    ]);
    delete live.markets[2].hours;
    expect(() => parseNetworkConfig(live, "arbitrumOne.json")).to.throw(
      "markets[2] (XAU).hours is missing: XAU's underlying closes",
    );
    const broken = path.join(tmp, "broken.json");
    await writeFile(broken, "{ not json");
    await expectDeployError(loadNetworkConfig(broken), "INVALID_DEPLOY_PARAMETERS", `${broken}: not valid JSON`);
  });

  it("loadDeploymentFile: a missing file, bad JSON and a wrong shape each give a typed error naming the file", async () => {
    const missing = path.join(tmp, "nope.json");
    await expectDeployError(
      loadDeploymentFile(missing),
      "DEPLOYMENT_NOT_FOUND",
      `No deployment file at ${missing}`,
      "npm run deploy -- --network",
    );
    const garbage = path.join(tmp, "garbage.json");
    await writeFile(garbage, "not json");
    await expectDeployError(loadDeploymentFile(garbage), "INVALID_DEPLOYMENT", `${garbage} is not valid JSON`);
    const shape = path.join(tmp, "shape.json");
    await writeFile(shape, JSON.stringify({ chainId: 1, collateralDecimals: 6, markets: [] }));
    await expectDeployError(
      loadDeploymentFile(shape),
      "MISSING_ADDRESS",
      `${shape}: The deployment has no address for perpVault`,
    );
  });

  it("on the in-process hardhat network: deploys local.json with the tradfi markets' shipped hours at an hour they are closed, and says the journal is not persisted", async () => {
    const connection = await network.create();
    try {
      // Friday 22:30 UTC after now: SPX, XAU and EURUSD all closed. The hours go on after the last listing, so the
      // deploy lists every market (listMarket reads the price, which a closed market refuses) and then sets them.
      const now = BigInt(Math.floor(Date.now() / 1000));
      let friday = BigInt(Date.UTC(2026, 10, 27, 22, 30) / 1000);
      while (friday < now + 3600n) friday += 7n * 86_400n;
      await connection.networkHelpers.time.increaseTo(friday);
      const withHours = path.join(tmp, "local-hours.json");
      const file = JSON.parse(await readFile(LOCAL, "utf8"));
      for (const market of file.markets) if (market.symbol in DEFAULT_MARKET_SCHEDULES) market.hours = "default";
      await writeFile(withHours, JSON.stringify(file));
      const result = await deployNetwork(connection, {
        networkName: "hardhat",
        parametersFile: withHours,
        outFile: path.join(tmp, "hardhat.json"),
      });
      expect(result.journalDir).to.equal(undefined);
      expect(result.deployment.markets).to.have.length(5);
      expect(result.marketHours.map((h) => [h.marketId, h.symbol, h.schedule])).to.deep.equal([
        [2n, "XAU", DEFAULT_MARKET_SCHEDULES.XAU],
        [3n, "EURUSD", DEFAULT_MARKET_SCHEDULES.EURUSD],
        [4n, "SPX", DEFAULT_MARKET_SCHEDULES.SPX],
      ]);
      const report = formatDeployReport(result, "hardhat");
      expect(report).to.match(
        /4 {2}SPX .* hours: 5 weekly session\(s\), 0 closure\(s\), closing margin 16 % from 3600 s/,
      );
      expect(report).to.match(/0 {2}ETH .* always open/);
      // The hours the deploy set, read back from the chain and applied by the adapter at fixed times.
      const { viem } = connection;
      const spx = result.deployment.markets.find((m) => m.symbol === "SPX");
      if (!spx) throw new Error("no SPX market");
      const adapter = await viem.getContractAt("OracleAdapter", result.deployment.oracleAdapter);
      const vault = await viem.getContractAt("PerpVault", result.deployment.perpVault);
      for (const market of result.deployment.markets) {
        const shipped = (DEFAULT_MARKET_SCHEDULES as Record<string, (typeof DEFAULT_MARKET_SCHEDULES)["SPX"]>)[
          market.symbol
        ];
        const closingMargin = await vault.read.closingMarginRatio([market.marketId]);
        if (shipped === undefined) expect(closingMargin, market.symbol).to.equal(0n);
        else {
          expect(await adapter.read.marketHours([market.feed]), market.symbol).to.deep.equal(
            marketHoursParams(shipped),
          );
          expect(closingMargin, market.symbol).to.equal(shipped.closingMaintenanceMarginRatio);
          // Closed now (Friday night), and said so: not a stale feed.
          const closed = await adapter.read.priceWad([market.feed]).catch((e: Error) => e);
          expect(closed instanceof Error ? closed.message : closed, market.symbol).to.match(/MarketClosed/);
        }
      }
      expect(await vault.read.closingMarginRatio([spx.marketId])).to.equal(parseUnits("0.16", 18));
      // Wednesday 2026-12-02: 15:00 UTC open (closes 21:00), 20:30 UTC in the closing window, 22:00 UTC closed until
      // Thursday 14:30 UTC.
      const wed = (hh: number, mm = 0) => BigInt(Date.UTC(2026, 11, 2, hh, mm) / 1000);
      const [, open, , , nextClose] = await adapter.read.marketStatus([spx.feed, wed(15)]);
      expect([open, nextClose]).to.deep.equal([true, wed(21)]);
      const [, , flags] = await adapter.read.marketStatus([spx.feed, wed(20, 30)]);
      expect(flags).to.equal(1n);
      const [, openLate, , , , nextOpen] = await adapter.read.marketStatus([spx.feed, wed(22)]);
      expect([openLate, nextOpen]).to.deep.equal([false, wed(14, 30) + 86_400n]);
      const eth = result.deployment.markets.find((m) => m.symbol === "ETH");
      const [scheduled] = await adapter.read.marketStatus([eth?.feed ?? "0x", wed(22)]);
      expect(scheduled).to.equal(false);
      expect(formatDeployReport(result, "hardhat")).to.include("not persisted");
    } finally {
      await connection.close();
    }
  });

  it("startDevNode (npm run node): serves a chain with Parapet deployed, test USDC for five accounts and a seeded LP vault", async () => {
    const outFile = path.join(tmp, "dev-localhost.json");
    const node = await startDevNode({ port: 0, outFile, deploymentId: `${RUN}-node` });
    try {
      const client = createPublicClient({ transport: http(node.url) });
      expect(await client.getChainId()).to.equal(31337);
      const deployment = await loadDeploymentFile(outFile);
      expect(deployment.markets.map((m) => m.symbol)).to.deep.equal(["ETH", "BTC", "XAU", "EURUSD", "SPX"]);
      expect(node.accounts).to.have.length(5);
      const balance = (account: Address) =>
        client.readContract({
          address: deployment.collateralToken,
          abi: erc20Abi,
          functionName: "balanceOf",
          args: [account],
        });
      expect(await balance(node.accounts[4] as Address)).to.equal(parseUnits("100000", 6));
      // The LP vault's assets sit in the perp vault's pool; the shares are account #0's.
      const lpVault = { address: deployment.liquidityVault, abi: erc4626Abi } as const;
      expect(await client.readContract({ ...lpVault, functionName: "totalAssets" })).to.equal(parseUnits("1000000", 6));
      const shares = await client.readContract({
        ...lpVault,
        functionName: "balanceOf",
        args: [node.accounts[0] as Address],
      });
      expect(shares > 0n, "account #0 holds LP shares").to.equal(true);
    } finally {
      await node.close();
    }
  });
});
