import { rmSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { network } from "hardhat";
import type { Address } from "viem";
import ParapetLocal from "../../../ignition/modules/ParapetLocal.js";
import { deploymentFromIgnition } from "../../../scripts/deployment/fromIgnition.js";
import { type AnvilNode, startAnvil } from "../../../src/testing/index.js";
import { runHedgeLifecycle } from "./lifecycle.js";

// The fork workflow users follow: a real second node (anvil), Parapet deployed there with the same Ignition modules
// `npm run deploy` uses, then a Hardhat network forking that node, and the whole hedge lifecycle through the SDK on
// the fork. anvil is stopped in `after`, whatever happened.
describe("fork: anvil → deploy → Hardhat fork → hedge lifecycle", function () {
  this.timeout(180_000);
  let anvil: AnvilNode | undefined;
  const deploymentId = `fork-test-${process.pid}`;

  after(() => {
    anvil?.stop();
    rmSync(join("ignition", "deployments", deploymentId), { recursive: true, force: true });
  });

  it("runs deposit, plan, open, price move, funding, rebalance, keeper liquidation and withdraw on the fork", async () => {
    anvil = await startAnvil();
    const onAnvil = await network.create({ network: "localhost", override: { url: anvil.url } });
    const deployed = await onAnvil.ignition.deploy(ParapetLocal, { deploymentId, displayUi: false });
    const anvilClient = await onAnvil.viem.getPublicClient();
    const anvilBlock = await anvilClient.getBlockNumber();
    const deployment = deploymentFromIgnition(
      deployed as unknown as Record<string, { address: Address }>,
      await anvilClient.getChainId(),
      anvilBlock,
      6,
    );

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
