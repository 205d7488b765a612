import { expect } from "chai";
import {
  closeMaintenanceRatio,
  constantProductLp,
  exposureUnits,
  HedgeInputError,
  type HedgeMarket,
  hedgeMarketHours,
  isolatedLiquidationPriceUsd,
  lpValueUsd,
  minVarianceFit,
  planHedge,
} from "../../src/hedge/index.js";
import { ETH_AT_2000 } from "./helpers/hedgeMarkets.js";

// Fixed inputs; every expected number is worked by hand in the comment above its assertion.
const ETH: HedgeMarket = { ...ETH_AT_2000, fundingRatePerDay: 0 };
const SPX: HedgeMarket = { ...ETH, asset: "SPX", marketId: 4n, priceUsd: 5000 };

/** 30 returns of the market and an exposure that moves `beta` times as much (R² = 1). */
const x = Array.from({ length: 30 }, (_, i) => 0.01 * Math.sin(i + 1));
const scaled = (beta: number) => x.map((v) => beta * v);

describe("hedge planner (planHedge)", () => {
  it("one-to-one short of a spot exposure: size, collateral for a 30 % adverse move, liquidation price, reserve", () => {
    const plan = planHedge([{ kind: "asset", asset: "ETH", amount: 100 }], {
      markets: [ETH],
      pricesUsd: { ETH: 2000 },
    });
    const t = plan.targets[0];
    if (t === undefined) throw new Error("no target");
    // notional = 1.0 × 100 × 2000 = 200 000 USD; size = −100 ETH.
    expect(t.ratio).to.equal(1);
    expect(t.sizeUnits).to.equal(-100);
    expect(t.notionalUsd).to.equal(200_000);
    // Open cost: taker fee 100 × 2000 × 0.0005 = 100; impact Δ·P·(s0 + s1)/2/scale = (−100)(2000)(−100)/2/1e6 = 10.
    expect(t.openCostUsd).to.be.closeTo(110, 1e-9);
    // Buffer: 200 000 × 0.3 = 60 000 + maintenance at the moved price 260 000 × 0.05 = 13 000 + fee 5 = 73 005
    // (> initial margin at 3× = 66 666.67), + open cost 110 = 73 115; leverage 200 000 / 73 115 = 2.73541...
    expect(t.collateralUsd).to.be.closeTo(73_115, 1e-9);
    expect(t.leverage).to.be.closeTo(200_000 / 73_115, 1e-12);
    // Liquidation (collateral after the open cost, 73 005): (73 005 + 100 × 2000 − 5) / (100 × 1.05) = 2600: +30 %.
    expect(t.liquidationPriceUsd).to.be.closeTo(2600, 1e-9);
    expect(t.liquidationDistance).to.be.closeTo(0.3, 1e-12);
    // Reserve 0.25 × 200 000 = 50 000; capital 73 115 + 50 000.
    expect(plan.reserveUsd).to.equal(50_000);
    expect(plan.totalCapitalUsd).to.be.closeTo(123_115, 1e-9);
    expect(t.accountIndex).to.equal(1n);
    expect(t.explanation.join("\n")).to.match(/one-to-one/);
    expect(plan.warnings).to.deep.equal([]);
  });

  it("a short exposure gets a long hedge whose buffer is for a fall; funding at the adverse end of the band is added", () => {
    // Shorts pay when funding is negative; a long pays at the band's upper end: +36.5 %/year.
    const market = { ...ETH, fundingForecastPerYear: { mean: 0.1, lower: -0.2, upper: 0.365 } };
    const plan = planHedge([{ kind: "asset", asset: "ETH", amount: -10 }], {
      markets: [market],
      pricesUsd: { ETH: 2000 },
    });
    const t = plan.targets[0];
    if (t === undefined) throw new Error("no target");
    expect(t.sizeUnits).to.equal(10);
    // Notional 20 000. Buffer: 20 000 × 0.3 = 6000 + 14 000 × 0.05 = 700 + 5 + funding 0.365 × 20 000 × 30/365 = 600
    // = 7305 (> 6666.67). Open cost: fee 10 + impact 10 × 2000 × 10 / 2 / 1e6 = 0.1.
    expect(t.collateralUsd).to.be.closeTo(7305 + 10.1, 1e-9);
    // Long: (q·P − C + fee) / (q (1 − mmr)) = (20 000 − 7305 + 5) / 9.5 = 1336.842105...
    expect(t.liquidationPriceUsd).to.be.closeTo(12_700 / 9.5, 1e-9);
    // Carry: a long pays side · rate · notional = 0.1 × 20 000 = 2000/year, band [−4000, 7300].
    expect(t.expectedCarryPerYearUsd).to.be.closeTo(2000, 1e-9);
    expect(t.carryPerYearBandUsd[0]).to.be.closeTo(-4000, 1e-9);
    expect(t.carryPerYearBandUsd[1]).to.be.closeTo(7300, 1e-9);
  });

  it("min-variance cross hedge: β from returns inside the bounds, clamped outside them, R² reported", () => {
    const exposure = [{ kind: "asset" as const, asset: "QQQ", amount: 1000 }];
    const data = (beta: number) => ({
      markets: [SPX],
      pricesUsd: { QQQ: 400 },
      returns: { QQQ: scaled(beta), SPX: x },
    });
    const inside = planHedge(exposure, data(0.8), { hedgeWith: { QQQ: "SPX" } }).targets[0];
    // β = 0.8 exactly (y = 0.8 x), R² = 1; notional 0.8 × 400 000 = 320 000 → −64 SPX at 5000.
    expect(inside?.method).to.equal("min-variance");
    expect(inside?.ratio).to.be.closeTo(0.8, 1e-12);
    expect(inside?.rSquared).to.be.closeTo(1, 1e-12);
    expect(inside?.sizeUnits).to.be.closeTo(-64, 1e-9);
    const clamped = planHedge(exposure, data(1.3), { hedgeWith: { QQQ: "SPX" } }).targets[0];
    expect(clamped?.rawRatio).to.be.closeTo(1.3, 1e-12);
    expect(clamped?.ratio).to.equal(1);
    expect(clamped?.warnings.map((w) => w.code)).to.deep.equal(["RATIO_CLAMPED"]);
    const wide = planHedge(exposure, data(1.3), { hedgeWith: { QQQ: "SPX" }, ratioBounds: [0.5, 1.5] }).targets[0];
    expect(wide?.ratio).to.be.closeTo(1.3, 1e-12);
  });

  it("warns on low R², thin open interest, funding spikes, invalid oracles; falls back without history", () => {
    const noise = x.map((_, i) => 0.01 * Math.cos(3 * i));
    const market = {
      ...SPX,
      openInterestUsd: 100_000,
      fundingSpike: true,
      oracle: { ok: false, reason: "StalePrice" },
    };
    const plan = planHedge(
      [{ kind: "asset", asset: "QQQ", amount: 1000 }],
      { markets: [market], pricesUsd: { QQQ: 400 }, returns: { QQQ: noise, SPX: x } },
      { hedgeWith: { QQQ: "SPX" } },
    );
    const codes = plan.targets[0]?.warnings.map((w) => w.code) ?? [];
    expect(codes).to.include.members(["LOW_R_SQUARED", "THIN_OPEN_INTEREST", "FUNDING_SPIKE", "ORACLE_INVALID"]);
    expect(plan.warnings.every((w) => w.asset === "QQQ")).to.equal(true);
    const short = planHedge(
      [{ kind: "asset", asset: "QQQ", amount: 1000 }],
      { markets: [SPX], pricesUsd: { QQQ: 400 }, returns: { QQQ: x.slice(0, 10), SPX: x.slice(0, 10) } },
      { hedgeWith: { QQQ: "SPX" } },
    ).targets[0];
    expect(short?.method).to.equal("one-to-one");
    expect(short?.warnings.map((w) => w.code)).to.deep.equal(["NOT_ENOUGH_HISTORY"]);
  });

  it("vol-scaled ratio is σ(exposure) / σ(market)", () => {
    const plan = planHedge(
      [{ kind: "asset", asset: "QQQ", amount: 1000 }],
      { markets: [SPX], pricesUsd: { QQQ: 400 }, returns: { QQQ: scaled(-0.7), SPX: x } },
      { hedgeWith: { QQQ: "SPX" }, crossMethod: "vol-scaled" },
    );
    // σ of −0.7 x is 0.7 σ(x), whatever the sign: vol scaling ignores correlation.
    expect(plan.targets[0]?.ratio).to.be.closeTo(0.7, 1e-12);
  });

  it("nets spot and LP delta of one asset into one hedge; an asset without a market is reported unhedged", () => {
    const lp = constantProductLp("ETH", 1_000_000, 2000);
    // L = 1e6 / (2 √2000); units = L / √2000 = 1e6 / 4000 = 250 ETH.
    expect(exposureUnits(lp, 2000)).to.be.closeTo(250, 1e-9);
    const plan = planHedge(
      [lp, { kind: "asset", asset: "ETH", amount: 50 }, { kind: "asset", asset: "DOGE", amount: 1 }],
      {
        markets: [ETH],
        pricesUsd: { ETH: 2000, DOGE: 0.1 },
      },
    );
    expect(plan.targets).to.have.length(1);
    expect(plan.targets[0]?.sizeUnits).to.be.closeTo(-300, 1e-9);
    expect(plan.unhedged.map((u) => [u.exposureAsset, u.warning.code])).to.deep.equal([["DOGE", "NO_MARKET"]]);
  });

  it("isolated accounts by default, one shared account on request", () => {
    const exposures = [
      { kind: "asset" as const, asset: "ETH", amount: 1 },
      { kind: "asset" as const, asset: "SPX", amount: 1 },
    ];
    const data = { markets: [ETH, SPX], pricesUsd: {} };
    expect(planHedge(exposures, data).targets.map((t) => t.accountIndex)).to.deep.equal([1n, 2n]);
    expect(planHedge(exposures, data, { isolatedAccounts: false }).targets.map((t) => t.accountIndex)).to.deep.equal([
      1n,
      1n,
    ]);
  });

  it("a market without a valid price: an own-market hedge is sized at the exposure's price and flagged, a cross hedge is unhedged", () => {
    const stale = { ...ETH, priceUsd: 0, oracle: { ok: false, reason: "StalePrice" } };
    const own = planHedge([{ kind: "asset", asset: "ETH", amount: 100 }], {
      markets: [stale],
      pricesUsd: { ETH: 2000 },
    });
    expect(own.targets[0]?.sizeUnits).to.equal(-100);
    expect(Number.isFinite(own.targets[0]?.liquidationPriceUsd)).to.equal(true);
    expect(own.targets[0]?.warnings.map((w) => w.code)).to.include("ORACLE_INVALID");
    const cross = planHedge(
      [{ kind: "asset", asset: "QQQ", amount: 1 }],
      { markets: [{ ...SPX, priceUsd: 0, oracle: { ok: false } }], pricesUsd: { QQQ: 400 } },
      { hedgeWith: { QQQ: "SPX" } },
    );
    expect(cross.targets).to.deep.equal([]);
    expect(cross.unhedged.map((u) => u.warning.code)).to.deep.equal(["ORACLE_INVALID"]);
  });

  it("refuses bad input with a typed error that names the field", () => {
    expect(() =>
      planHedge(
        [{ kind: "asset", asset: "ETH", amount: 1 }],
        { markets: [ETH], pricesUsd: {} },
        { ratioBounds: [1, 0.5] },
      ),
    )
      .to.throw(HedgeInputError)
      .with.property("argument", "ratioBounds");
    expect(() => planHedge([{ kind: "asset", asset: "XAU", amount: 1 }], { markets: [ETH], pricesUsd: {} })).to.throw(
      HedgeInputError,
    );
    expect(() => constantProductLp("ETH", -1, 2000)).to.throw(HedgeInputError);
  });
});

describe("hedge math helpers", () => {
  it("minVarianceFit: OLS slope and R² on a hand-worked set", () => {
    // x = 1..4, y = 2, 4, 5, 8: Σdx·dy = 9.5, Σdx² = 5, Σdy² = 18.75 → β = 1.9, R² = 9.5² / (5 × 18.75) = 0.962666...
    const fit = minVarianceFit([2, 4, 5, 8], [1, 2, 3, 4]);
    expect(fit?.beta).to.be.closeTo(1.9, 1e-12);
    expect(fit?.rSquared).to.be.closeTo(90.25 / 93.75, 1e-12);
    expect(minVarianceFit([1, 2], [3, 3])).to.equal(undefined);
  });

  it("LP value doubles when the price quadruples; its delta halves", () => {
    const lp = constantProductLp("ETH", 1_000_000, 100);
    if (lp.kind !== "constantProductLp") throw new Error("not an LP");
    // L = 1e6 / 20 = 50 000: 5000 ETH at 100; at 400: 2500 ETH and 2 × 50 000 × 20 = 2 000 000 USD.
    expect(lp.liquidity).to.be.closeTo(50_000, 1e-9);
    expect(exposureUnits(lp, 400)).to.be.closeTo(2500, 1e-9);
    expect(lpValueUsd(lp.liquidity, 400)).to.be.closeTo(2_000_000, 1e-6);
  });

  it("isolatedLiquidationPriceUsd: long and short, and none for no size", () => {
    // Long 1 at 3000 with 500: 500 + (P − 3000) = 0.05 P + 5 → P = 2505 / 0.95 = 2636.84...
    expect(
      isolatedLiquidationPriceUsd({
        sizeUnits: 1,
        entryPriceUsd: 3000,
        collateralUsd: 500,
        maintenanceMarginRatio: 0.05,
        liquidationFeeUsd: 5,
      }),
    ).to.be.closeTo(2505 / 0.95, 1e-9);
    // Short 1 at 3000 with 500: 500 − (P − 3000) = 0.05 P + 5 → P = 3495 / 1.05 = 3328.57...
    expect(
      isolatedLiquidationPriceUsd({
        sizeUnits: -1,
        entryPriceUsd: 3000,
        collateralUsd: 500,
        maintenanceMarginRatio: 0.05,
        liquidationFeeUsd: 5,
      }),
    ).to.be.closeTo(3495 / 1.05, 1e-9);
    expect(
      isolatedLiquidationPriceUsd({
        sizeUnits: 0,
        entryPriceUsd: 3000,
        collateralUsd: 500,
        maintenanceMarginRatio: 0.05,
        liquidationFeeUsd: 5,
      }),
    ).to.equal(0);
  });

  it("a market that closes: collateral holds the closing margin after the adverse move, and the plan says why", () => {
    const hours = hedgeMarketHours("SPX");
    // Default SPX: closing margin 16 %, worst reopen gap 10.45 % (2020-03-16): 5 % × 1.1045 + 10.45 % = 15.97 % < 16 %.
    expect(hours?.closingMaintenanceMarginRatio).to.equal(0.16);
    expect(hours?.reopenGapRatio).to.be.closeTo(0.1045, 5e-5);
    if (hours === undefined) throw new Error("no SPX hours");
    expect(closeMaintenanceRatio(SPX, hours)).to.equal(0.16);
    // A gap larger than the closing margin allows wins: 5 % × 1.2 + 20 % = 26 %.
    expect(closeMaintenanceRatio(SPX, { closingMaintenanceMarginRatio: 0.16, reopenGapRatio: 0.2 })).to.be.closeTo(
      0.26,
      1e-12,
    );
    const exposure = [{ kind: "asset" as const, asset: "SPX", amount: 40 }];
    const open = planHedge(exposure, { markets: [SPX], pricesUsd: { SPX: 5000 } }).targets[0];
    const closing = planHedge(exposure, { markets: [{ ...SPX, hours }], pricesUsd: { SPX: 5000 } }).targets[0];
    if (open === undefined || closing === undefined) throw new Error("no target");
    // Notional 200 000, moved 260 000: always open 60 000 + 260 000 × 5 % + 5 = 73 005; closing 60 000 + 260 000 × 16 %
    // + 5 = 101 605: 28 600 more (the open cost is the same in both).
    expect(open.collateralUsd - open.openCostUsd).to.be.closeTo(73_005, 1e-9);
    expect(closing.collateralUsd - closing.openCostUsd).to.be.closeTo(101_605, 1e-9);
    expect(closing.closingMarginExtraUsd).to.be.closeTo(28_600, 1e-9);
    expect(open.closingMarginExtraUsd).to.equal(0);
    expect(
      closing.explanation.some((l) => /SPX closes .* 16\.00 % .* 10\.45 % reopen gap: 28600\.00 USD more/.test(l)),
    ).to.equal(true);
    expect(hedgeMarketHours("ETH")).to.equal(undefined);
  });
});
