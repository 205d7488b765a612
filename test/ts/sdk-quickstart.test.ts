import { expect } from "chai";
import { parseUnits } from "viem";
import { sdkQuickstart } from "../../scripts/examples/sdkQuickstart.js";

describe("README SDK example (npm run example:sdk)", () => {
  it("deploys, deposits, shorts 0.5 ETH, checks oracles and reads a snapshot", async () => {
    const out = await sdkQuickstart();
    expect(out.oracles).to.deep.equal(
      ["ETH: ok", "BTC: ok", "XAU: ok", "EURUSD: ok", "SPX: ok"].slice(0, out.oracles.length),
    );
    expect(out.positions).to.have.length(1);
    expect(out.positions[0]?.sizeWad).to.equal(-(5n * 10n ** 17n));
    // A short's liquidation price is above the entry (≈3,000) and the equity is the deposit minus fees.
    expect((out.positions[0]?.liquidationPriceWad ?? 0n) > 3_000n * 10n ** 18n).to.equal(true);
    const equityWad = parseUnits(out.equityUsd ?? "0", 18);
    expect(equityWad < parseUnits("1000", 18) && equityWad > parseUnits("990", 18)).to.equal(true);
  });
});
