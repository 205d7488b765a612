// Hedge-ratio estimators on daily log returns. The ratio is in notional terms: hedge USD per exposure USD.

/** Log returns ln(pₜ / pₜ₋₁) of a price series (length n − 1). */
export function logReturns(pricesUsd: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < pricesUsd.length; i++)
    out.push(Math.log((pricesUsd[i] as number) / (pricesUsd[i - 1] as number)));
  return out;
}

export type MinVarianceFit = {
  /** cov(y, x) / var(x): the hedge ratio that minimises the variance of y − β·x. */
  beta: number;
  /** corr(y, x)²: the share of y's variance the hedge removes at β. */
  rSquared: number;
  correlation: number;
  /** Daily standard deviations (sample, n − 1). */
  stdY: number;
  stdX: number;
  observations: number;
};

/**
 * Ordinary least squares of the exposure's returns `y` on the hedge market's returns `x` over the last `window`
 * observations of both (aligned, same dates). Undefined with fewer than 2 observations or a flat `x`.
 */
export function minVarianceFit(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  window = y.length,
): MinVarianceFit | undefined {
  const n = Math.min(window, y.length, x.length);
  if (n < 2) return undefined;
  const y0 = y.length - n;
  const x0 = x.length - n;
  let sy = 0;
  let sx = 0;
  for (let i = 0; i < n; i++) {
    sy += y[y0 + i] as number;
    sx += x[x0 + i] as number;
  }
  const my = sy / n;
  const mx = sx / n;
  let cxy = 0;
  let cxx = 0;
  let cyy = 0;
  for (let i = 0; i < n; i++) {
    const dy = (y[y0 + i] as number) - my;
    const dx = (x[x0 + i] as number) - mx;
    cxy += dx * dy;
    cxx += dx * dx;
    cyy += dy * dy;
  }
  if (!(cxx > 0)) return undefined;
  const correlation = cyy > 0 ? cxy / Math.sqrt(cxx * cyy) : 0;
  return {
    beta: cxy / cxx,
    rSquared: correlation * correlation,
    correlation,
    stdY: Math.sqrt(cyy / (n - 1)),
    stdX: Math.sqrt(cxx / (n - 1)),
    observations: n,
  };
}

/** Sample standard deviation of the last `window` values (undefined with fewer than 2). */
export function stdDev(values: ArrayLike<number>, window = values.length): number | undefined {
  const n = Math.min(window, values.length);
  if (n < 2) return undefined;
  const start = values.length - n;
  let s = 0;
  for (let i = start; i < values.length; i++) s += values[i] as number;
  const m = s / n;
  let v = 0;
  for (let i = start; i < values.length; i++) v += ((values[i] as number) - m) ** 2;
  return Math.sqrt(v / (n - 1));
}
