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

  it("ewmaForecast: half-life 1 (lambda 0.5) on 0.001, 0.003, 0.001", () => {
    // m = 0.001, v = 0
    // x = 0.003: v = 0.5 * 0 + 0.5 * (0.003 - 0.001)^2 = 2e-6;       m = 0.5 * 0.001 + 0.5 * 0.003 = 0.002
    // x = 0.001: v = 0.5 * 2e-6 + 0.5 * (0.001 - 0.002)^2 = 1.5e-6;  m = 0.0015
    // std = sqrt(1.5e-6) = 0.00122474487; band (z = 2) = 0.0015 -/+ 0.00244948974
    const f = ewmaForecast({ points: pts([0.001, 0.003, 0.001]), halfLifeIntervals: 1, z: 2 });
    expect(f?.lambda).to.equal(0.5);
    expect(f?.meanRatePerInterval).to.be.closeTo(0.0015, 1e-15);
    expect(f?.stdRatePerInterval).to.be.closeTo(0.00122474487, 1e-11);
    expect(f?.lowerRatePerInterval).to.be.closeTo(0.0015 - 0.00244948974, 1e-11);
    expect(f?.upperRatePerInterval).to.be.closeTo(0.0015 + 0.00244948974, 1e-11);
    expect(ewmaForecast({ points: [] })).to.equal(undefined);
  });

  it("expectedCarryCost: a 1 M USD short over 3 days of 8 h settlements", () => {
    // settlements = floor(72 h / 8 h) = 9; expected = -1 * 1e6 * 0.0001 * 9 = -900 (the short receives 900 USD)
    // half band = z * std * sqrt(9) * 1e6 = 2 * 0.0002 * 3 * 1e6 = 1200 -> [-2100, 300]; annualised -0.1095
    const forecast = {
      meanRatePerInterval: 0.0001,
      stdRatePerInterval: 0.0002,
      lowerRatePerInterval: -0.0003,
      upperRatePerInterval: 0.0005,
      lambda: 0.5,
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
