// The planner on concentrated positions: the hedge is the position's delta at the (pool) price, all of the asset
// below the range and nothing above it (a zero target, so an existing hedge is closed), the range's edges reported,
// and the basis between the pool's price and the oracle's. Expected numbers from the position's formulas.
import { expect } from "chai";
import { planTable } from "../../src/cli/commands/plan.js";
import { fmt, toJson } from "../../src/cli/output.js";
import { concentratedLp, constantProductLp, type HedgeMarket, planHedge } from "../../src/hedge/index.js";
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

  it("parapet plan's text: one line per range, the gamma band and the basis, with the plan's own numbers", () => {
    const plan = planHedge([lp], {
      markets: [ETH],
      pricesUsd: {},
      poolPricesUsd: { ETH: 2010 },
      dailyVolatility: { ETH: 0.03 },
      rebalanceGasUsd: 2,
    });
    const t = plan.targets[0];
    const r = t?.ranges?.[0];
    const g = t?.gammaBand;
    const b = t?.basis;
    if (t === undefined || r === undefined || g === undefined || b === undefined)
      throw new Error("the plan has a range, a gamma band and a basis");
    const text = planTable(plan);
    const lines = text.split("\n");
    const line = (prefix: string) => {
      const found = lines.find((l) => l.startsWith(prefix));
      if (found === undefined) throw new Error(`no "${prefix}…" line in:\n${text}`);
      return found;
    };
    // 2 010 is 20.40 % above 1 600 and 19.40 % below 2 400, as fractions of the price.
    expect(r.distanceToLower).to.be.closeTo(410 / 2010, 1e-12);
    expect(line("Range ")).to.equal(
      `Range 1,600.00–2,400.00 USD of ETH (account 1): in range at 2,010.00 USD (pool), ${fmt(r.distanceToLower * 100)} % above the lower edge, ${fmt(r.distanceToUpper * 100)} % below the upper edge (of the price)`,
    );
    expect(line("Range ")).to.contain("20.40 % above the lower edge, 19.40 % below the upper edge");
    const band = line("Gamma band of ETH (account 1): ");
    for (const n of [
      `${fmt(g.bandUnits, 4)} ETH`,
      `${fmt(g.bandFraction * 100)} % of it`,
      `${fmt(g.breakEvenDriftUsd)} USD`,
      "2.00 USD gas",
      "3.00 %/day",
      `${fmt(g.expectedDriftUnits, 4)} ETH per 1 d`,
      `every ${fmt(g.expectedDaysToBand, 1)} d`,
    ])
      expect(band).to.contain(n);
    // 2 010 / 2 000 − 1 = 50 bps, 10 USD per ETH, × the position's ETH at the pool price.
    expect(b.basisBps).to.be.closeTo(50, 1e-9);
    expect(line("Basis of ETH (account 1): ")).to.equal(
      `Basis of ETH (account 1): pool 2,010.00 USD vs oracle 2,000.00 USD = +50.0 bps (+10.00 USD per ETH); the position is worth ${fmt(b.exposureBasisUsd)} USD more at the pool's price than at the oracle's, which the book loses if they converge`,
    );
    expect(b.exposureBasisUsd).to.be.closeTo(t.exposureUnits * 10, 1e-9);
    // Below the table and its capital line, before the warnings.
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    expect(at("Capital: ")).to.be.lessThan(at("Range "));
    expect(at("Basis of ")).to.be.lessThan(at("Warnings:") === -1 ? lines.length : at("Warnings:"));
    // --json carries the same fields.
    const json = JSON.parse(toJson(plan)).targets[0];
    expect(json.ranges[0]).to.deep.include({ status: "in", lowerPriceUsd: 1600, upperPriceUsd: 2400 });
    expect(json.gammaBand.bandUnits).to.be.closeTo(g.bandUnits, 1e-12);
    expect(json.basis.basisBps).to.be.closeTo(50, 1e-9);
  });

  it("parapet plan's text below a range: the distances past each edge, no band without gamma", () => {
    const plan = planAt(1500);
    const text = planTable(plan);
    // 1 500 is 6.67 % below 1 600 and 60 % below 2 400; out of range the position has no gamma, so no band.
    expect(text).to.contain(
      "Range 1,600.00–2,400.00 USD of ETH (account 1): below the range at 1,500.00 USD, 6.67 % below the lower edge, 60.00 % below the upper edge (of the price)",
    );
    expect(text).to.not.contain("Gamma band");
    expect(text).to.not.contain("Basis of");
    expect(text).to.contain("OUT_OF_RANGE");
  });
  it("the gamma band: a ±20 % range drifts ~10× faster than full range of the same value, so it is reached far sooner", () => {
    const data = { markets: [ETH], pricesUsd: {}, dailyVolatility: { ETH: 0.03 }, rebalanceGasUsd: 2 };
    const narrow = planHedge([lp], data).targets[0]?.gammaBand;
    const full = planHedge([constantProductLp("ETH", 100_000, 2000)], data).targets[0]?.gammaBand;
    if (narrow === undefined || full === undefined) throw new Error("both plans have a gamma band");
    // Gamma: −L / (2·P^1.5) for each; the ±20 % position's liquidity is 2 / (2 − √0.8 − √(1/1.2)) ≈ 10.4× the
    // full-range one's (V = L·(2√P − √lower − P/√upper) vs V = 2·L·√P).
    const concentration = 2 / (2 - Math.sqrt(0.8) - 1 / Math.sqrt(1.2));
    expect(narrow.gammaUnitsPerUsd / full.gammaUnitsPerUsd).to.be.closeTo(concentration, 1e-9);
    expect(narrow.expectedDriftUnits / full.expectedDriftUnits).to.be.closeTo(concentration, 1e-9);
    // The break-even drift is the same rule for both; the narrow one's hedge gets there ~concentration² sooner.
    expect(narrow.breakEvenDriftUsd).to.be.closeTo(full.breakEvenDriftUsd, 1e-9);
    expect(full.expectedDaysToBand / narrow.expectedDaysToBand).to.be.closeTo(concentration ** 2, 1e-6);
    // Out of range there is no gamma, so no band to drift to.
    const below = planHedge([lp], { ...data, markets: [{ ...ETH, priceUsd: 1500 }] }).targets[0];
    expect(below?.gammaBand).to.equal(undefined);
  });
});
