/**
 * Interval of a proportion observed in clusters (the invalid-answer rate, METHOD §12): the Wilson
 * score interval at the effective sample size n / DEFF, where DEFF (Kish's design effect) is the
 * cluster-robust variance of p̂ over the binomial variance p̂(1 − p̂)/n, clamped to [1, n / k]
 * (k clusters: at most every cluster counts as one observation). Wilson because it stays inside
 * [0, 1] and keeps a width at 0 % (a percentile bootstrap of 0 invalid answers is [0, 0]).
 *
 * @example
 * clusteredWilson([0, 1, 0, 2], [15, 15, 15, 15]); // about [0.01, 0.14] around p̂ = 0.05
 */

/** The normal quantile for a two-sided level (0.95 → 1.959964…), by bisection on erf (exact to 1e-12). */
function zFor(level: number): number {
  const phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
  let lo = 0;
  let hi = 10;
  const target = 1 - (1 - level) / 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (phi(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** erf by its Taylor series (|x| ≤ 3) and continued fraction beyond; ~1e-15 relative. */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x);
  if (ax <= 3) {
    let sum = ax;
    let term = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum);
  }
  // erfc continued fraction (Lentz), good for |x| > 3.
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const a = n / 2;
    d = ax + a * d;
    d = d === 0 ? 1e-300 : 1 / d;
    c = ax + a / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

/**
 * Wilson interval of Σ successes / Σ trials over clusters, widened by the design effect; null from
 * fewer than two clusters or no trials. `p` and `n` override the point estimate and its size (the
 * run's tallies may count decisions of trajectories that never closed).
 *
 * @example
 * clusteredWilson([0, 0, 0], [6, 6, 6]); // [0, 0.56]: 0 of 18 answers, 3 clusters of 6
 */
export function clusteredWilson(
  successes: readonly number[],
  trials: readonly number[],
  opts: { level?: number; p?: number; n?: number } = {},
): [number, number] | null {
  const k = trials.length;
  let x = 0;
  let m = 0;
  for (let i = 0; i < k; i++) {
    x += successes[i];
    m += trials[i];
  }
  if (k < 2 || m === 0) return null;
  const n = opts.n ?? m;
  const p = opts.p ?? x / m;
  const pc = x / m;
  // Cluster-robust (ratio-estimator) variance of p̂ with the k/(k − 1) small-sample factor.
  let ss = 0;
  for (let i = 0; i < k; i++) ss += (successes[i] - pc * trials[i]) ** 2;
  const vRobust = ((k / (k - 1)) * ss) / (m * m);
  const vBinomial = (pc * (1 - pc)) / m;
  const maxDeff = m / k;
  // p̂ of 0 or 1 says nothing about the correlation: assume the worst (each cluster one observation).
  const deff = vBinomial > 0 ? Math.min(maxDeff, Math.max(1, vRobust / vBinomial)) : maxDeff;
  const nEff = n / deff;
  const z = zFor(opts.level ?? 0.95);
  const z2 = z * z;
  const centre = (p + z2 / (2 * nEff)) / (1 + z2 / nEff);
  const half = (z / (1 + z2 / nEff)) * Math.sqrt((p * (1 - p)) / nEff + z2 / (4 * nEff * nEff));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
