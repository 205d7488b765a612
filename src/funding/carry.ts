// Funding and carry analytics on generic funding points, so the same functions serve imported history
// (`loadFundingCsv`) and the vault's own funding events.
//
// Sign convention: a positive `ratePerInterval` means longs pay shorts. A position of notional N (USD) pays
// `side * rate * N` at each settlement, with side = +1 for a long and -1 for a short; a negative payment is
// income. Every "paid" amount below is positive when the position pays (a cost) and negative when it receives.
// Rates and statistics are `number` (fractions per interval); USD amounts from them are estimates, not ledgers.

/** One funding settlement: at `timestampMs` (UTC, ms) the fraction `ratePerInterval` of notional changes hands. */
export type FundingPoint = { timestampMs: number; ratePerInterval: number };

export type PositionSide = "long" | "short";

/** Milliseconds in the 365-day year used to annualise. */
export const YEAR_MS = 365 * 86_400_000;

const sideSign = (side: PositionSide) => (side === "long" ? 1 : -1);

/** Annualised rate (simple, not compounded) of a per-interval rate: rate * (365 days / interval). */
export function annualiseRate(ratePerInterval: number, intervalMs: number): number {
  return ratePerInterval * (YEAR_MS / intervalMs);
}

export type RealisedCarryParameters = {
  points: readonly FundingPoint[];
  side: PositionSide;
  /** Position notional in USD, held constant over the period. */
  notionalUsd: number;
  /** Period start, inclusive (UTC ms). */
  fromMs: number;
  /** Period end, exclusive (UTC ms). */
  toMs: number;
};

export type RealisedCarryReturnType = {
  /** Funding the position paid over the period in USD (negative: it received). */
  paidUsd: number;
  /** Number of settlements in [fromMs, toMs). */
  settlements: number;
  /** Sum of the rates applied (fraction of notional, before the side's sign). */
  sumRate: number;
  /** paidUsd / notionalUsd scaled to a 365-day year over the period length (positive: a cost). */
  annualisedCostRate: number;
};

/** Funding a constant position paid over [fromMs, toMs): side * notional * Σ rate over the settlements inside. */
export function realisedCarry(p: RealisedCarryParameters): RealisedCarryReturnType {
  let sumRate = 0;
  let settlements = 0;
  for (const x of p.points) {
    if (x.timestampMs >= p.fromMs && x.timestampMs < p.toMs) {
      sumRate += x.ratePerInterval;
      settlements++;
    }
  }
  const paidUsd = sideSign(p.side) * p.notionalUsd * sumRate;
  const periodMs = p.toMs - p.fromMs;
  const annualisedCostRate = periodMs > 0 && p.notionalUsd !== 0 ? (paidUsd / p.notionalUsd) * (YEAR_MS / periodMs) : 0;
  return { paidUsd, settlements, sumRate, annualisedCostRate };
}

/** Mean rate per interval of the points, annualised with `intervalMs` (undefined for no points). */
export function meanAnnualisedRate(points: readonly FundingPoint[], intervalMs: number): number | undefined {
  if (points.length === 0) return undefined;
  const mean = points.reduce((s, x) => s + x.ratePerInterval, 0) / points.length;
  return annualiseRate(mean, intervalMs);
}

export type EwmaForecastParameters = {
  points: readonly FundingPoint[];
  /** Half-life of the weights in settlements (default 21 = one week of 8 h settlements). */
  halfLifeIntervals?: number;
  /** Width of the band in standard deviations (default 1.96, about 95 % if normal). */
  z?: number;
};

export type FundingForecast = {
  /** EWMA mean of the rate per interval: the forecast for each future settlement. */
  meanRatePerInterval: number;
  /** EWMA standard deviation of the rate per interval. */
  stdRatePerInterval: number;
  /** mean - z * std and mean + z * std, per interval. */
  lowerRatePerInterval: number;
  upperRatePerInterval: number;
  /** Decay factor used: lambda = 2^(-1 / halfLife). */
  lambda: number;
  z: number;
};

/**
 * EWMA forecast of the next rate with a band. Starting from m = x0, v = 0, for each later point:
 * v = lambda * v + (1 - lambda) * (x - m)^2 (deviation from the previous mean), then m = lambda * m + (1 - lambda) * x.
 * Points must be in time order. Returns undefined for no points.
 */
/** Running EWMA state: mean, variance, and whether a first point has been seen. */
export type EwmaState = { mean: number; variance: number; started: boolean };

/**
 * Adds one rate to an EWMA state (the recursion of `ewmaForecast`): the first point sets the mean; each later one
 * updates the variance with its deviation from the previous mean, then the mean. Mutates and returns `state`.
 */
export function ewmaStep(state: EwmaState, ratePerInterval: number, lambda: number): EwmaState {
  if (!state.started) {
    state.mean = ratePerInterval;
    state.started = true;
  } else {
    state.variance = lambda * state.variance + (1 - lambda) * (ratePerInterval - state.mean) ** 2;
    state.mean = lambda * state.mean + (1 - lambda) * ratePerInterval;
  }
  return state;
}

export function ewmaForecast(p: EwmaForecastParameters): FundingForecast | undefined {
  const halfLife = p.halfLifeIntervals ?? 21;
  const z = p.z ?? 1.96;
  const first = p.points[0];
  if (first === undefined || !(halfLife > 0)) return undefined;
  const lambda = 2 ** (-1 / halfLife);
  const state: EwmaState = { mean: 0, variance: 0, started: false };
  for (const x of p.points) ewmaStep(state, x.ratePerInterval, lambda);
  const m = state.mean;
  const s = Math.sqrt(state.variance);
  return {
    meanRatePerInterval: m,
    stdRatePerInterval: s,
    lowerRatePerInterval: m - z * s,
    upperRatePerInterval: m + z * s,
    lambda,
    z,
  };
}

export type ExpectedCarryCostParameters = {
  forecast: FundingForecast;
  side: PositionSide;
  notionalUsd: number;
  horizonMs: number;
  intervalMs: number;
};

export type ExpectedCarryCostReturnType = {
  /** Settlements in the horizon: floor(horizonMs / intervalMs). */
  settlements: number;
  /** side * notional * mean * settlements (positive: a cost). */
  expectedPaidUsd: number;
  /**
   * expected -/+ z * std * sqrt(settlements) * notional: the band of the sum of `settlements` independent rates
   * around the forecast mean (ordered low to high).
   */
  lowerPaidUsd: number;
  upperPaidUsd: number;
  /** expectedPaidUsd per year of notional (positive: a cost). */
  annualisedCostRate: number;
};

/** Expected carry cost of holding a hedge of `notionalUsd` for `horizonMs`, with a band. */
export function expectedCarryCost(p: ExpectedCarryCostParameters): ExpectedCarryCostReturnType {
  const settlements = Math.floor(p.horizonMs / p.intervalMs);
  const sign = sideSign(p.side);
  const expectedPaidUsd = sign * p.notionalUsd * p.forecast.meanRatePerInterval * settlements;
  const half = p.forecast.z * p.forecast.stdRatePerInterval * Math.sqrt(settlements) * Math.abs(p.notionalUsd);
  return {
    settlements,
    expectedPaidUsd,
    lowerPaidUsd: expectedPaidUsd - half,
    upperPaidUsd: expectedPaidUsd + half,
    annualisedCostRate: sign * annualiseRate(p.forecast.meanRatePerInterval, p.intervalMs),
  };
}

export type DetectSpikesParameters = {
  points: readonly FundingPoint[];
  /** Flag |rate - trailing mean| > k * trailing std (default 4). */
  k?: number;
  /** Flag |rate| >= capAbs regardless of history (e.g. the exchange cap 0.003). Optional. */
  capAbs?: number;
  /** Trailing window in settlements for the mean and std, excluding the point itself (default 90 = 30 days of 8 h). */
  window?: number;
  /** Settlements of history required before the k-sigma test applies (default 30). */
  minHistory?: number;
};

export type FundingSpike = FundingPoint & {
  index: number;
  /** "CAP" when |rate| >= capAbs, "K_SIGMA" when beyond k trailing standard deviations; both may apply. */
  reasons: ("CAP" | "K_SIGMA")[];
  /** (rate - trailing mean) / trailing std; undefined without enough history or with zero std. */
  zScore: number | undefined;
};

/** Settlements whose rate is beyond k trailing sigmas or at/above a cap in absolute value. Points in time order. */
export function detectSpikes(p: DetectSpikesParameters): FundingSpike[] {
  const k = p.k ?? 4;
  const window = p.window ?? 90;
  const minHistory = p.minHistory ?? 30;
  const spikes: FundingSpike[] = [];
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < p.points.length; i++) {
    const x = p.points[i] as FundingPoint;
    const n = Math.min(i, window);
    let zScore: number | undefined;
    if (n >= minHistory) {
      const mean = sum / n;
      const variance = Math.max(0, sumSq / n - mean * mean);
      if (variance > 0) zScore = (x.ratePerInterval - mean) / Math.sqrt(variance);
    }
    const reasons: FundingSpike["reasons"] = [];
    if (p.capAbs !== undefined && Math.abs(x.ratePerInterval) >= p.capAbs) reasons.push("CAP");
    if (zScore !== undefined && Math.abs(zScore) > k) reasons.push("K_SIGMA");
    if (reasons.length > 0) spikes.push({ ...x, index: i, reasons, zScore });
    sum += x.ratePerInterval;
    sumSq += x.ratePerInterval ** 2;
    if (i >= window) {
      const out = (p.points[i - window] as FundingPoint).ratePerInterval;
      sum -= out;
      sumSq -= out ** 2;
    }
  }
  return spikes;
}
