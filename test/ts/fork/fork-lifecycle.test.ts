import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { network } from "hardhat";
import { deployNetwork, parametersFileFor } from "../../../scripts/deployment/deploy.js";
import { type AnvilNode, startAnvil } from "../../../src/testing/index.js";
import { runHedgeLifecycle } from "./lifecycle.js";

// The fork workflow users follow: a real second node (anvil), Parapet deployed there with the same Ignition modules
// `npm run deploy` uses, then a Hardhat network forking that node, and the whole hedge lifecycle through the SDK on
// the fork. anvil is stopped in `after`, whatever happened.
describe("fork: anvil → deploy → Hardhat fork → hedge lifecycle", function () {
  this.timeout(180_000);
  let anvil: AnvilNode | undefined;
  const deploymentId = `test-fork-${process.pid}`;
  const outDir = mkdtempSync(join(tmpdir(), "parapet-fork-"));

  after(() => {
    anvil?.stop();
    rmSync(join("ignition", "deployments", deploymentId), { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  });

  it("runs deposit, plan, open, price move, funding, rebalance, keeper liquidation and withdraw on the fork", async () => {
    anvil = await startAnvil();
    // What `npm run deploy -- --network localhost` does, against this anvil: local.json (mock feeds seeded with the
    // data's last closes), Ignition, the deployment file.
    const onAnvil = await network.create({ network: "localhost", override: { url: anvil.url } });
    const { deployment } = await deployNetwork(onAnvil, {
      networkName: "localhost",
      parametersFile: parametersFileFor("localhost"),
      outFile: join(outDir, "localhost.json"),
      deploymentId,
    });
    const anvilClient = await onAnvil.viem.getPublicClient();
    const anvilBlock = await anvilClient.getBlockNumber();

    const fork = await network.create({ network: "hardhat", override: { forking: { url: anvil.url } } });
    const forkClient = await fork.viem.getPublicClient();
    expect(await forkClient.getCode({ address: deployment.perpVault })).to.not.equal(undefined);
    const report = await runHedgeLifecycle(fork, deployment, { feeds: "mock" });
    expect(report.steps).to.deep.equal([
      "deposit",
      "plan",
      "open",
      "price move",
      "funding accrual",
      "rebalance",
      "liquidation",
      "withdraw",
    ]);
    // The fork is a sandbox: nothing it did reached the forked node.
    expect(await anvilClient.getBlockNumber()).to.equal(anvilBlock);
  });
});

// The same lifecycle against a real chain at a pinned block: real Chainlink feeds (swapped for mocks only to move
// prices), the real stablecoin (funded with dealToken), the real-network module and parameter file.
const FORK_URL = process.env.FORK_URL;
const FORK_NETWORK = process.env.FORK_NETWORK ?? "arbitrumOne";

describe(`mainnet fork (FORK_URL, ${FORK_NETWORK}): the lifecycle on real feeds`, function () {
  this.timeout(600_000);
  const outDir = mkdtempSync(join(tmpdir(), "parapet-mainnet-fork-"));
  after(() => rmSync(outDir, { recursive: true, force: true }));

  it(
    FORK_URL
      ? `runs on a fork of FORK_URL at FORK_BLOCK_NUMBER with ignition/parameters/${FORK_NETWORK}.json`
      : "skipped: set FORK_URL (an archive RPC) and FORK_BLOCK_NUMBER to run it (docs/fork-testing.md)",
    async function () {
      if (!FORK_URL) this.skip();
      const pinned = process.env.FORK_BLOCK_NUMBER;
      if (!pinned || !/^\d+$/.test(pinned)) {
        throw new Error(
          "FORK_BLOCK_NUMBER is not set: pin the fork block (an unpinned fork changes under the test). Fix: FORK_BLOCK_NUMBER=<a recent block of the forked chain>.",
        );
      }
      // Markets whose feed the parameter file leaves empty are left out (named in the output); ETH and BTC are needed.
      const config = JSON.parse(readFileSync(parametersFileFor(FORK_NETWORK), "utf8")) as {
        chainId: number;
        markets: { symbol: string; feed: string }[];
      };
      const dropped = config.markets.filter((m) => m.feed === "").map((m) => m.symbol);
      if (dropped.length > 0) console.log(`      markets without a feed address, left out: ${dropped.join(", ")}`);
      config.markets = config.markets.filter((m) => m.feed !== "");
      const parametersFile = join(outDir, `${FORK_NETWORK}.json`);
      writeFileSync(parametersFile, JSON.stringify(config));

      const fork = await network.create({
        network: "hardhat",
        override: { chainId: config.chainId, forking: { url: FORK_URL ?? "", blockNumber: Number(pinned) } },
      });
      const { deployment } = await deployNetwork(fork, {
        networkName: "hardhat",
        parametersFile,
        outFile: join(outDir, "deployment.json"),
      });
      const report = await runHedgeLifecycle(fork, deployment, { feeds: "real" });
      expect(report.steps.at(-1)).to.equal("withdraw");
    },
  );
});
