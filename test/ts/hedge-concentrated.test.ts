// The planner on concentrated positions: the hedge is the position's delta at the (pool) price, all of the asset
// below the range and nothing above it (a zero target, so an existing hedge is closed), the range's edges reported,
// and the basis between the pool's price and the oracle's. Expected numbers from the position's formulas.
import { expect } from "chai";
import { concentratedLp, type HedgeMarket, planHedge } from "../../src/hedge/index.js";
import { ETH_AT_2000 } from "./helpers/hedgeMarkets.js";

const ETH: HedgeMarket = { ...ETH_AT_2000, fundingRatePerDay: 0 };
// ±20 % around 2,000, worth 100,000 USD at 2,000: L = 100,000 / V(1) with V the value per unit of liquidity.
const lp = concentratedLp("ETH", 100_000, 2000, 1600, 2400);
const assetAt = (p: number) => {
  const s = Math.min(Math.max(Math.sqrt(p), Math.sqrt(1600)), Math.sqrt(2400));
  return lp.liquidity * (1 / s - 1 / Math.sqrt(2400));
};

function planAt(price: number, pool?: number) {
  const market = { ...ETH, priceUsd: price };
  return planHedge([lp], {
    markets: [market],
    pricesUsd: {},
    ...(pool !== undefined ? { poolPricesUsd: { ETH: pool } } : {}),
  });
}

describe("hedge planner: concentrated positions", () => {
  it("in range: short the position's delta L·(1/√P − 1/√upper), the range and its edges reported", () => {
    const t = planAt(2000).targets[0];
    if (t === undefined) throw new Error("no target");
    expect(t.sizeUnits).to.be.closeTo(-assetAt(2000), 1e-9);
    const r = t.ranges?.[0];
    expect(r?.status).to.equal("in");
    expect(r?.lowerPriceUsd).to.equal(1600);
    expect(r?.upperPriceUsd).to.equal(2400);
    expect(r?.assetUnitsAtLower).to.be.closeTo(assetAt(1600), 1e-9);
    expect(r?.assetUnitsAtUpper).to.be.closeTo(0, 1e-9);
    expect(r?.distanceToLower).to.be.closeTo(0.2, 1e-12);
    // In range the position trades: gamma −L / (2·P^1.5).
    expect(r?.gammaUnitsPerUsd).to.be.closeTo(-lp.liquidity / (2 * 2000 ** 1.5), 1e-12);
  });

  it("below the range the hedge is the whole one-asset amount, with OUT_OF_RANGE; at the lower edge it is in range", () => {
    const below = planAt(1500).targets[0];
    expect(below?.sizeUnits).to.be.closeTo(-assetAt(1600), 1e-9);
    expect(below?.ranges?.[0]?.status).to.equal("below");
    expect(below?.ranges?.[0]?.gammaUnitsPerUsd).to.equal(0);
    expect(below?.warnings.map((w) => w.code)).to.include("OUT_OF_RANGE");
    const edge = planAt(1600).targets[0];
    expect(edge?.ranges?.[0]?.status).to.equal("in");
    expect(edge?.sizeUnits).to.be.closeTo(-assetAt(1600), 1e-9);
    expect(edge?.warnings.map((w) => w.code)).to.include("NEAR_RANGE_EDGE");
  });

  it("above the range there is nothing to hedge: a zero target (an existing hedge is closed), not a missing one", () => {
    for (const price of [2400, 2600]) {
      const t = planAt(price).targets.find((x) => x.exposureAsset === "ETH");
      if (t === undefined) throw new Error(`no ETH target at ${price}: the hedge would be left open`);
      expect(t.sizeUnits).to.equal(0);
      expect(t.collateralUsd).to.equal(0);
      expect(t.ranges?.[0]?.status).to.equal("above");
    }
  });

  it("the pool's price sets the delta and the basis to the oracle is reported (POOL_BASIS above 50 bps)", () => {
    const t = planAt(2000, 2012).targets[0];
    if (t === undefined) throw new Error("no target");
    expect(t.sizeUnits).to.be.closeTo(-assetAt(2012), 1e-9);
    expect(t.basis?.poolPriceUsd).to.equal(2012);
    expect(t.basis?.oraclePriceUsd).to.equal(2000);
    expect(t.basis?.basisBps).to.be.closeTo(60, 1e-9);
    expect(t.warnings.map((w) => w.code)).to.include("POOL_BASIS");
    const close = planAt(2000, 2004).targets[0];
    expect(close?.warnings.map((w) => w.code)).to.not.include("POOL_BASIS");
  });
});
