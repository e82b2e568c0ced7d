/**
 * Descriptive statistics for the analysis: mean and standard deviation through mathjs (imported
 * lazily, and as its one-file bundle, so commands that never compute statistics never pay for it);
 * 95 % intervals: Student-t over clusters for means of VR (t-interval.ts; it covers at ten clusters
 * where the percentile bootstrap does not, METHOD §12) and seeded circular percentile bootstraps
 * for angles (bootstrap.ts).
 *
 * @example
 * const stats = await loadStats();
 * stats.describe([0.8, 0.9, 1], "agent:a1:vr"); // { n: 3, mean: 0.9, sd: 0.1, ci: [lo, hi] }
 */
import { circularBootstrapCI, clusterBootstrapCI } from "./bootstrap.ts";
import { clusterTInterval } from "./t-interval.ts";
import { hashSeed } from "../src/core/random.ts";

/** Mean, sample sd and an interval of the mean; nulls when there is no data, ci null for fewer than two units. */
export interface Described {
  readonly n: number;
  readonly mean: number | null;
  readonly sd: number | null;
  readonly ci: [number, number] | null;
}

export interface Stats {
  /**
   * Describes values (VR): arithmetic mean, sample sd and the Student-t interval of the
   * trajectory-weighted mean over clusters (each value its own cluster without `clusters`).
   * `key` is kept for a stable signature with {@link Stats.describeAngles} (t needs no seed).
   */
  describe(values: readonly number[], key: string, clusters?: readonly string[]): Described;
  mean(values: readonly number[]): number | null;
  /**
   * Describes angles in degrees circularly: the circular mean, the circular standard deviation
   * √(−2 ln R̄) in degrees and a bootstrap interval of the circular mean.
   */
  describeAngles(degrees: readonly number[], key: string, clusters?: readonly string[]): Described;
}

/**
 * The circular mean of angles in degrees, atan2(mean sin, mean cos), in (−180°, 180°]; null for
 * no angles or when they cancel (mean resultant length ~0, no mean direction).
 *
 * @example
 * circularMean([-147, 22, -156, 8, -141]); // about −163.5 (the arithmetic mean is −82.8)
 */
export function circularMean(degrees: readonly number[]): number | null {
  const r = resultant(degrees);
  return r && r.length > 1e-12 ? r.direction : null;
}

/** Per-cluster sums (two accumulators) and counts, in first-seen cluster order. */
function clusterSums(clusters: readonly string[], add: (i: number, acc: [number, number]) => void): { sums: [number, number][]; counts: number[] } {
  const index = new Map<string, number>();
  const sums: [number, number][] = [];
  const counts: number[] = [];
  clusters.forEach((key, i) => {
    let j = index.get(key);
    if (j === undefined) {
      index.set(key, (j = sums.length));
      sums.push([0, 0]);
      counts.push(0);
    }
    add(i, sums[j]);
    counts[j]++;
  });
  return { sums, counts };
}

/** Mean resultant direction (degrees) and length R̄ in [0, 1] of angles in degrees. */
function resultant(degrees: readonly number[]): { direction: number; length: number } | null {
  const n = degrees.length;
  if (n === 0) return null;
  let s = 0;
  let c = 0;
  for (const d of degrees) {
    s += Math.sin((d * Math.PI) / 180);
    c += Math.cos((d * Math.PI) / 180);
  }
  return { direction: (Math.atan2(s, c) * 180) / Math.PI, length: Math.hypot(s, c) / n };
}

/** VR = 1 − d/d_max lies in [0, 1]; its intervals are clipped to it. */
const VR_RANGE: readonly [number, number] = [0, 1];

/** Bootstrap settings: fixed base seed, level and resamples per interval. */
export interface BootstrapSettings {
  readonly seed: number;
  readonly level: number;
  readonly resamples: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapSettings = { seed: 20240517, level: 0.95, resamples: 2000 };

/**
 * Resamples per interval so that one analysis draws at most `budget` values in total (`totalValues`
 * = the summed sizes of all its samples): 2000 for ordinary runs, down to 100 for million-decision
 * logs, where intervals are narrow and the percentile endpoints' Monte Carlo error is small.
 *
 * @example
 * resamplesFor(10_000);    // 2000
 * resamplesFor(1_000_000); // 100
 */
export function resamplesFor(totalValues: number, budget = 50_000_000, max = 2000, min = 100): number {
  return Math.max(min, Math.min(max, Math.floor(budget / Math.max(1, totalValues))));
}

/**
 * Loads mathjs and returns the statistics functions bound to the bootstrap settings.
 *
 * @example
 * const { describe } = await loadStats({ ...DEFAULT_BOOTSTRAP, seed: 7 });
 */
export async function loadStats(settings: BootstrapSettings = DEFAULT_BOOTSTRAP): Promise<Stats> {
  // mathjs's single-file bundle: its ESM build is ~1,000 modules, each a round trip through the
  // tsx loader (~1.6 s here), where the bundle loads in ~0.25 s. Same version, same functions.
  const math = (await import("mathjs/lib/browser/math.js")).default;
  const mean = (values: readonly number[]): number | null =>
    values.length ? (math.mean(values as number[]) as number) : null;
  return {
    mean,
    describe(values, _key, clusters) {
      const n = values.length;
      if (n === 0) return { n, mean: null, sd: null, ci: null };
      const m = mean(values)!;
      const sd = n > 1 ? (math.std(values as number[], "unbiased") as unknown as number) : 0;
      // One unit says nothing about its own spread: no interval rather than a zero-width [m, m]
      // (clusterTInterval gives null below two clusters).
      let ci: [number, number] | null;
      if (clusters) {
        const c = clusterSums(clusters, (i, acc) => (acc[0] += values[i]));
        ci = clusterTInterval({ sums: c.sums.map((x) => x[0]), counts: c.counts }, settings.level, VR_RANGE);
      } else ci = clusterTInterval({ sums: values, counts: new Float64Array(n).fill(1) }, settings.level, VR_RANGE);
      return { n, mean: m, sd, ci };
    },
    describeAngles(degrees, key, clusters) {
      const n = degrees.length;
      const r = resultant(degrees);
      if (!r || r.length <= 1e-12) return { n, mean: null, sd: null, ci: null };
      const m = r.direction;
      // Circular sd in degrees; 0 for identical angles (R̄ rounds to 1, possibly just above).
      const sd = n > 1 ? (Math.sqrt(Math.max(0, -2 * Math.log(Math.min(1, r.length)))) * 180) / Math.PI : 0;
      const opts = { seed: hashSeed(settings.seed, key), resamples: settings.resamples, level: settings.level };
      let ci: [number, number] | null;
      if (clusters) {
        const c = clusterSums(clusters, (i, acc) => {
          acc[0] += Math.sin((degrees[i] * Math.PI) / 180);
          acc[1] += Math.cos((degrees[i] * Math.PI) / 180);
        });
        ci = c.counts.length > 1 ? clusterBootstrapCI({ sin: c.sums.map((x) => x[0]), cos: c.sums.map((x) => x[1]), counts: c.counts, centre: m }, opts) : null;
      } else ci = n > 1 ? circularBootstrapCI(degrees, m, opts) : null;
      return { n, mean: m, sd, ci };
    },
  };
}
