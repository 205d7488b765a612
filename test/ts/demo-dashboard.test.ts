// The demo on a served chain (PARAPET_DEMO_PORT, runDemo's `serve`): the chain outlives the replay, and the
// dashboard's reader, over plain JSON-RPC, shows the demo's book as the demo last read it.
import { expect } from "chai";
import { createPublicClient, getAddress, http } from "viem";
import { runDemo } from "../../scripts/demo/run.js";
import { createDashboardReader } from "../../src/dashboard/reader.js";

describe("npm run demo on a served chain, read by the dashboard (issue #18)", function () {
  this.timeout(120_000);

  it("the dashboard's state at the demo's last block equals the demo's own last read: prices, hedge accounts' equity", async () => {
    const demo = await runDemo({ days: 3, staleFeed: null, reportPath: null, serve: { port: 0 } });
    try {
      expect(demo.chain.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      const publicClient = createPublicClient({ transport: http(demo.chain.url) });
      const accounts = demo.hedges.map((h) => ({ owner: demo.chain.hedger, accountIndex: h.accountIndex }));
      const reader = createDashboardReader(
        { publicClient: publicClient as never, deployment: demo.chain.deployment },
        { accounts },
      );
      const { state } = await reader.refresh();
      expect(BigInt(state.blockNumber as string)).to.equal(demo.chain.endBlock);
      const last = demo.dayReads[demo.dayReads.length - 1];
      if (last === undefined) throw new Error("the demo read no day");
      for (const m of state.markets) expect(m.priceUsd, m.symbol).to.equal(last.feedPricesUsd[m.symbol]);
      demo.hedges.forEach((h, k) => {
        const shown = state.accounts.find((a) => a.key === `${getAddress(demo.chain.hedger)}:${h.accountIndex}`);
        expect(shown?.equityUsd, h.symbol).to.be.closeTo(last.accounts[k]?.equityUsd ?? Number.NaN, 1e-6);
        expect(shown?.positions[0]?.sizeUnits, h.symbol).to.be.closeTo(last.accounts[k]?.sizeUnits ?? Number.NaN, 1e-9);
      });
    } finally {
      await demo.chain.close();
    }
  });
});
