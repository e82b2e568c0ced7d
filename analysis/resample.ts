/**
 * Weighted cluster resampling for statistics built from per-unit sums (a ratio, a slope, a
 * difference of two means): each bootstrap replicate draws the units (clusters, or single
 * trajectories) with replacement and hands the statistic the number of times each unit was
 * drawn, so a replicate costs O(units) whatever the statistic. Percentile interval, seeded with
 * the run's bootstrap seed (src/core/random.ts): the same log gives the same interval.
 *
 * @example
 * // The mean of per-cluster sums / counts:
 * resampledInterval(3, { seed: 7, resamples: 2000, level: 0.95 }, (w) => (w[0] * 1.6 + w[1] * 0.9 + w[2] * 2) / (w[0] * 2 + w[1] + w[2] * 2));
 */
import { stepState, uniformOf } from "../src/core/random.ts";

export interface ResampleSettings {
  readonly seed: number;
  readonly resamples: number;
  readonly level: number;
}

/**
 * The percentile interval of `statistic` over `resamples` replicates of `units` units. A
 * replicate whose statistic is null (an empty arm, no spread in x) is left out; null when fewer
 * than two units, or when more than half the replicates gave no statistic (the interval would
 * describe a different population than the estimate).
 */
export function resampledInterval(
  units: number,
  settings: ResampleSettings,
  statistic: (weights: Float64Array) => number | null,
): [number, number] | null {
  if (units < 2) return null;
  const weights = new Float64Array(units);
  const stats: number[] = [];
  let state = settings.seed >>> 0;
  for (let r = 0; r < settings.resamples; r++) {
    weights.fill(0);
    for (let i = 0; i < units; i++) weights[Math.floor(uniformOf((state = stepState(state))) * units)]++;
    const s = statistic(weights);
    if (s !== null && Number.isFinite(s)) stats.push(s);
  }
  if (stats.length < settings.resamples / 2) return null;
  const sorted = Float64Array.from(stats).sort();
  const alpha = (1 - settings.level) / 2;
  return [quantile(sorted, alpha), quantile(sorted, 1 - alpha)];
}

/** Linear-interpolation quantile (type 7) of a sorted array. */
function quantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo);
}

/**
 * Unit index of each item under a key function (first-seen order), and the unit count; without
 * a key every item is its own unit.
 *
 * @example
 * unitsOf(["a", "b", "a"], (x) => x); // { index: [0, 1, 0], count: 2 }
 */
export function unitsOf<T>(xs: readonly T[], key: ((x: T) => string) | undefined): { index: Int32Array; count: number } {
  const index = new Int32Array(xs.length);
  if (!key) {
    for (let i = 0; i < xs.length; i++) index[i] = i;
    return { index, count: xs.length };
  }
  const seen = new Map<string, number>();
  for (let i = 0; i < xs.length; i++) {
    const k = key(xs[i]);
    let j = seen.get(k);
    if (j === undefined) seen.set(k, (j = seen.size));
    index[i] = j;
  }
  return { index, count: seen.size };
}
