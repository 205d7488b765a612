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

/** Default half-life of the funding EWMA: one week, whatever the venue's settlement interval. */
export const DEFAULT_FUNDING_HALF_LIFE_MS = 7 * 86_400_000;

export type EwmaForecastParameters = {
  points: readonly FundingPoint[];
  /**
   * Half-life of the weights in ms of time (default one week, `DEFAULT_FUNDING_HALF_LIFE_MS`): a settlement
   * `halfLifeMs` before the last one weighs half as much, on 1 h and 8 h data alike.
   */
  halfLifeMs?: number;
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
  /** Half-life used, ms. */
  halfLifeMs: number;
  z: number;
};

/**
 * Running EWMA state: weighted mean and variance, the sum of the weights (relative to the last point) and the
 * last point's time.
 */
export type EwmaState = { mean: number; variance: number; weightSum: number; lastMs: number; started: boolean };

/** A fresh EWMA state, before any point. */
export function ewmaStart(): EwmaState {
  return { mean: 0, variance: 0, weightSum: 0, lastMs: 0, started: false };
}

/**
 * Adds one settlement to an EWMA state (the recursion of `ewmaForecast`). Settlement i weighs
 * 2^(-(t_last - t_i) / halfLifeMs), from its time, so a missing settlement shifts no other weight. With
 * d = 2^(-(t - t_prev) / halfLifeMs) and S the weight sum: S' = d S + 1, m' = (d S m + x) / S',
 * v' = (d S v + (x - m)^2) / S' (deviation from the previous mean). The first point sets m. Mutates `state`.
 */
export function ewmaStep(state: EwmaState, point: FundingPoint, halfLifeMs: number): EwmaState {
  const x = point.ratePerInterval;
  if (!state.started) {
    Object.assign(state, { mean: x, variance: 0, weightSum: 1, lastMs: point.timestampMs, started: true });
    return state;
  }
  const carried = 2 ** (-(point.timestampMs - state.lastMs) / halfLifeMs) * state.weightSum;
  const weightSum = carried + 1;
  state.variance = (carried * state.variance + (x - state.mean) ** 2) / weightSum;
  state.mean = (carried * state.mean + x) / weightSum;
  state.weightSum = weightSum;
  state.lastMs = point.timestampMs;
  return state;
}

/**
 * EWMA forecast of the next rate with a band, weights decaying with time (see `ewmaStep`). Points must be in
 * time order. Returns undefined for no points or a half-life that is not positive.
 */
export function ewmaForecast(p: EwmaForecastParameters): FundingForecast | undefined {
  const halfLifeMs = p.halfLifeMs ?? DEFAULT_FUNDING_HALF_LIFE_MS;
  const z = p.z ?? 1.96;
  if (p.points.length === 0 || !(halfLifeMs > 0)) return undefined;
  const state = ewmaStart();
  for (const x of p.points) ewmaStep(state, x, halfLifeMs);
  const m = state.mean;
  const s = Math.sqrt(state.variance);
  return {
    meanRatePerInterval: m,
    stdRatePerInterval: s,
    lowerRatePerInterval: m - z * s,
    upperRatePerInterval: m + z * s,
    halfLifeMs,
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
