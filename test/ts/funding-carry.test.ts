import { expect } from "chai";
import {
  annualiseRate,
  detectSpikes,
  ewmaForecast,
  expectedCarryCost,
  type FundingPoint,
  meanAnnualisedRate,
  realisedCarry,
} from "../../src/funding/index.js";

// Fixed inputs, expected outputs worked by hand in the comments.
const H8 = 8 * 3_600_000;
const DAY = 86_400_000;
const pts = (rates: number[]): FundingPoint[] => rates.map((r, i) => ({ timestampMs: i * H8, ratePerInterval: r }));

describe("funding carry analytics", () => {
  const four = pts([0.0001, 0.0002, -0.0001, 0.0003]); // at 0 h, 8 h, 16 h, 24 h

  it("realisedCarry: a long pays positive funding, a short receives it; the period is [from, to)", () => {
    // [0, 24 h) holds the first three: Σ rate = 0.0001 + 0.0002 - 0.0001 = 0.0002; long 10 000 USD pays 2 USD.
    // Annualised: 2 / 10 000 over one day = 0.0002 * 365 = 0.073.
    const long = realisedCarry({ points: four, side: "long", notionalUsd: 10_000, fromMs: 0, toMs: DAY });
    expect(long.settlements).to.equal(3);
    expect(long.sumRate).to.be.closeTo(0.0002, 1e-15);
    expect(long.paidUsd).to.be.closeTo(2, 1e-9);
    expect(long.annualisedCostRate).to.be.closeTo(0.073, 1e-12);
    const short = realisedCarry({ points: four, side: "short", notionalUsd: 10_000, fromMs: 0, toMs: DAY });
    expect(short.paidUsd).to.be.closeTo(-2, 1e-9);
    // (0, 24 h] by moving the window: 0.0002 - 0.0001 + 0.0003 = 0.0004 -> 4 USD.
    expect(
      realisedCarry({ points: four, side: "long", notionalUsd: 10_000, fromMs: 1, toMs: DAY + 1 }).paidUsd,
    ).to.be.closeTo(4, 1e-9);
  });

  it("annualiseRate and meanAnnualisedRate: 1095 settlements of 8 h in a 365-day year", () => {
    expect(annualiseRate(0.0001, H8)).to.be.closeTo(0.1095, 1e-15); // 0.0001 * 365 * 3
    // mean = 0.0005 / 4 = 0.000125; * 1095 = 0.136875
    expect(meanAnnualisedRate(four, H8)).to.be.closeTo(0.136875, 1e-15);
    expect(meanAnnualisedRate([], H8)).to.equal(undefined);
  });

  it("ewmaForecast: half-life 8 h on 0.001, 0.003, 0.001 at 0, 8, 16 h", () => {
    // Weights 2^(-(16 h - t) / 8 h) = 0.25, 0.5, 1: m = (0.00025 + 0.0015 + 0.001) / 1.75 = 0.00157142857
    // Variance (deviation from the previous mean): after 2 points S = 1.5, v = (0.5 * 0 + 0.002^2) / 1.5 = 2.6667e-6,
    // m = (0.0005 + 0.003) / 1.5 = 0.00233333; after 3: carried 0.75, v = (0.75 * 2.6667e-6 + (0.001 - 0.00233333)^2)
    // / 1.75 = (2e-6 + 1.77778e-6) / 1.75 = 2.15873e-6; std = 0.00146926; band (z = 2) = m -/+ 0.00293852
    const f = ewmaForecast({ points: pts([0.001, 0.003, 0.001]), halfLifeMs: H8, z: 2 });
    expect(f?.halfLifeMs).to.equal(H8);
    expect(f?.meanRatePerInterval).to.be.closeTo(0.0011 / 0.7, 1e-15);
    expect(f?.stdRatePerInterval).to.be.closeTo(Math.sqrt((2e-6 + (0.004 / 3) ** 2) / 1.75), 1e-15);
    expect(f?.lowerRatePerInterval).to.be.closeTo(0.0011 / 0.7 - 0.00293852, 1e-8);
    expect(f?.upperRatePerInterval).to.be.closeTo(0.0011 / 0.7 + 0.00293852, 1e-8);
    expect(ewmaForecast({ points: [] })).to.equal(undefined);
    expect(ewmaForecast({ points: pts([0.001]), halfLifeMs: 0 })).to.equal(undefined);
    // Default: one week.
    expect(ewmaForecast({ points: pts([0.001]) })?.halfLifeMs).to.equal(7 * DAY);
  });

  it("ewmaForecast: a missing settlement leaves the other weights as their times say", () => {
    // 0.001 at 0 h, (16 h missing), 0.002 at 8 h... with the 16 h point gone, the 24 h point's neighbours keep
    // their weights 2^(-(24 - t) / 8): 0 h 0.125, 8 h 0.25, 24 h 1 -> m = (0.000125 + 0.0005 + 0.004) / 1.375.
    const gap = [0, 1, 3].map((i, k) => ({ timestampMs: i * H8, ratePerInterval: [0.001, 0.002, 0.004][k] as number }));
    const f = ewmaForecast({ points: gap, halfLifeMs: H8 });
    expect(f?.meanRatePerInterval).to.be.closeTo(0.004625 / 1.375, 1e-15);
  });

  it("ewmaForecast: the same funding path sampled every 1 h and every 8 h gives the same forecast per hour", () => {
    // Hourly rate r(t) = 1e-5 (1 + 0.8 sin(2 pi t / 10 days)) over 60 days; the 8 h file settles the sum of the 8
    // hourly rates of its window. Per hour, both EWMAs estimate the same time-weighted mean of r: an 8 h point
    // stands for its 8 hours, whose own weights 2^(-j h / 7 days) differ by at most 1 - 2^(-7/168) = 2.9 %, and
    // these errors nearly cancel around the window; 1e-8 (0.1 % of r) bounds them (measured: 1e-10). A count of
    // 21 settlements (21 h on hourly data, 7 days on 8 h) follows different windows: 2.7e-6 apart (30 % of r).
    const H1 = 3_600_000;
    const rate = (h: number) => 1e-5 * (1 + 0.8 * Math.sin((2 * Math.PI * h) / 240));
    const hourly = Array.from({ length: 60 * 24 }, (_, h) => ({ timestampMs: (h + 1) * H1, ratePerInterval: rate(h) }));
    const eight = Array.from({ length: 60 * 3 }, (_, k) => ({
      timestampMs: (k + 1) * H8,
      ratePerInterval: hourly.slice(8 * k, 8 * k + 8).reduce((s, x) => s + x.ratePerInterval, 0),
    }));
    const perHour1 = ewmaForecast({ points: hourly, halfLifeMs: 7 * DAY })?.meanRatePerInterval as number;
    const perHour8 = (ewmaForecast({ points: eight, halfLifeMs: 7 * DAY })?.meanRatePerInterval as number) / 8;
    expect(Math.abs(perHour1 - perHour8)).to.be.lessThan(1e-8);
    // The old count-based half-life: 21 settlements = 21 h on hourly data, a week on 8 h data.
    const count1 = ewmaForecast({ points: hourly, halfLifeMs: 21 * H1 })?.meanRatePerInterval as number;
    const count8 = (ewmaForecast({ points: eight, halfLifeMs: 21 * H8 })?.meanRatePerInterval as number) / 8;
    expect(Math.abs(count1 - count8)).to.be.greaterThan(2e-6);
  });

  it("expectedCarryCost: a 1 M USD short over 3 days of 8 h settlements", () => {
    // settlements = floor(72 h / 8 h) = 9; expected = -1 * 1e6 * 0.0001 * 9 = -900 (the short receives 900 USD)
    // half band = z * std * sqrt(9) * 1e6 = 2 * 0.0002 * 3 * 1e6 = 1200 -> [-2100, 300]; annualised -0.1095
    const forecast = {
      meanRatePerInterval: 0.0001,
      stdRatePerInterval: 0.0002,
      lowerRatePerInterval: -0.0003,
      upperRatePerInterval: 0.0005,
      halfLifeMs: H8,
      z: 2,
    };
    const c = expectedCarryCost({
      forecast,
      side: "short",
      notionalUsd: 1_000_000,
      horizonMs: 3 * DAY + 3_600_000,
      intervalMs: H8,
    });
    expect(c.settlements).to.equal(9);
    expect(c.expectedPaidUsd).to.be.closeTo(-900, 1e-9);
    expect(c.lowerPaidUsd).to.be.closeTo(-2100, 1e-9);
    expect(c.upperPaidUsd).to.be.closeTo(300, 1e-9);
    expect(c.annualisedCostRate).to.be.closeTo(-0.1095, 1e-15);
  });

  it("detectSpikes: k sigma against the trailing window, and a cap", () => {
    // 40 rates alternating 0.0001 / 0.0002: mean 0.00015, variance (1e-8 + 4e-8) / 2 - 0.00015^2 = 2.5e-9,
    // std 0.00005. Then 0.0005: z = (0.0005 - 0.00015) / 0.00005 = 7 > 4 -> K_SIGMA.
    // Then -0.003: |rate| >= cap 0.003 -> CAP, and far below the trailing mean -> K_SIGMA too.
    const rates = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 0.0001 : 0.0002));
    const spikes = detectSpikes({ points: pts([...rates, 0.0005, -0.003]), k: 4, capAbs: 0.003 });
    expect(spikes.map((s) => [s.index, s.reasons])).to.deep.equal([
      [40, ["K_SIGMA"]],
      [41, ["CAP", "K_SIGMA"]],
    ]);
    expect(spikes[0]?.zScore).to.be.closeTo(7, 1e-6);
    // Below minHistory (30) only the cap applies.
    expect(detectSpikes({ points: pts([0.0001, 0.0002, 0.01]), capAbs: 0.003 }).map((s) => s.reasons)).to.deep.equal([
      ["CAP"],
    ]);
  });
});
