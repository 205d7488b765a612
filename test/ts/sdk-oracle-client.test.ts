import { expect } from "chai";
import { createParapetClient, oracleAdapterAbi, ParapetDeploymentError } from "../../src/index.js";
import { deployParapet } from "./helpers/parapet.js";

describe("createParapetClient(...).checkOracles: the deployment's markets", () => {
  it("judges every market's feed like the vault: ok while fresh, STALE exactly when a trade would revert", async () => {
    const env = await deployParapet();
    const parapet = await createParapetClient({ publicClient: env.publicClient, deployment: env.deployment });

    const fresh = await parapet.checkOracles();
    expect(fresh.feeds.map((f) => f.label)).to.deep.equal(env.deployment.markets.map((m) => m.symbol));
    expect(fresh.feeds.map((f) => f.verdict)).to.deep.equal(["ok", "ok", "ok", "ok", "ok"]);
    expect(fresh.feeds[0]?.priceWad).to.equal(3_000n * 10n ** 18n);

    // One day and one second later, every feed is past its 86,400 s heartbeat: the vault refuses the price.
    await env.networkHelpers.time.increase(86_401);
    await env.networkHelpers.mine();
    const stale = await parapet.checkOracles({ marketIds: [0n, 1n] });
    expect(stale.feeds).to.have.length(2);
    for (const feed of stale.feeds) {
      expect(feed.verdict).to.equal("fail");
      expect(feed.reasons[0]?.code).to.equal("STALE");
      expect(feed.contractError?.name).to.equal("StalePrice");
    }
    let reverted = false;
    try {
      await env.publicClient.readContract({
        address: env.deployment.oracleAdapter,
        abi: oracleAdapterAbi,
        functionName: "priceWad",
        args: [env.deployment.markets[0]?.feed ?? "0x"],
      });
    } catch {
      reverted = true;
    }
    expect(reverted, "the adapter agrees").to.equal(true);
  });

  it("an unknown market id is a typed deployment error", async () => {
    const env = await deployParapet();
    const parapet = await createParapetClient({ publicClient: env.publicClient, deployment: env.deployment });
    try {
      await parapet.checkOracles({ marketIds: [9n] });
      expect.fail("expected UNKNOWN_MARKET");
    } catch (error) {
      expect(error).to.be.instanceOf(ParapetDeploymentError);
      expect((error as ParapetDeploymentError).code).to.equal("UNKNOWN_MARKET");
    }
  });
});
