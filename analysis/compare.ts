/**
 * Comparisons between the cells of an experiment (docs/METHOD.md, "Comparing conditions"): for
 * two cells that differ in one factor and one target value, the two estimates, their difference
 * with a 95 % cluster-bootstrap interval, a two-sided permutation p-value (cluster labels
 * exchanged between the cells), Hedges' g on cluster means, and Holm's adjustment over every
 * comparison reported. Resampling and permutation both work on clusters — the independent unit
 * of the design — so repeated trajectories of one agent are never counted as independent.
 *
 * @example
 * const a = { values: [0.9, 0.8, 1], clusters: ["t0", "t1", "t2"] };
 * const b = { values: [0.5, 0.6, 0.4], clusters: ["t0", "t1", "t2"] };
 * const c = compareSamples(a, b, { seed: 1 });
 * c.difference; // -0.4  (b − a)
 * holm([0.01, 0.04, 0.03]); // [0.03, 0.06, 0.06]
 */
import { createRng, type Rng } from "../src/core/random.ts";

/** Per-trajectory values of one cell and group, each with the cluster it belongs to. */
export interface Sample {
  readonly values: readonly number[];
  readonly clusters: readonly string[];
}

export interface Estimate {
  readonly mean: number | null;
  /** 95 % percentile cluster-bootstrap interval; null from fewer than two clusters. */
  readonly ci: [number, number] | null;
  readonly n: number;
  readonly clusters: number;
}

export interface SampleComparison {
  readonly a: Estimate;
  readonly b: Estimate;
  /** b − a. */
  readonly difference: number | null;
  readonly ci: [number, number] | null;
  /** Two-sided permutation p-value ((k + 1) / (R + 1)); null when either side has no data. */
  readonly p: number | null;
  /** Hedges' g on cluster means (b − a over the pooled SD); null when undefined. */
  readonly effect: number | null;
}

export interface CompareSettings {
  readonly seed: number;
  readonly resamples?: number;
  readonly permutations?: number;
}

const DEFAULT_RESAMPLES = 2000;
const DEFAULT_PERMUTATIONS = 5000;

/** Cluster sums and sizes: every statistic here needs only these. */
interface Clustered {
  readonly sums: Float64Array;
  readonly sizes: Float64Array;
}

function cluster(s: Sample): Clustered {
  const index = new Map<string, number>();
  const sums: number[] = [];
  const sizes: number[] = [];
  s.values.forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    const key = s.clusters[i];
    let k = index.get(key);
    if (k === undefined) {
      index.set(key, (k = sums.length));
      sums.push(0);
      sizes.push(0);
    }
    sums[k] += v;
    sizes[k] += 1;
  });
  return { sums: Float64Array.from(sums), sizes: Float64Array.from(sizes) };
}

function meanOf(c: Clustered, pick?: Int32Array): number {
  let s = 0;
  let n = 0;
  const len = pick ? pick.length : c.sums.length;
  for (let i = 0; i < len; i++) {
    const k = pick ? pick[i] : i;
    s += c.sums[k];
    n += c.sizes[k];
  }
  return n > 0 ? s / n : NaN;
}

function draw(c: Clustered, rng: Rng, into: Int32Array): Int32Array {
  for (let i = 0; i < into.length; i++) into[i] = rng.int(c.sums.length);
  return into;
}

function percentile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The mean of a sample (trajectory-weighted) with its cluster-bootstrap interval. */
export function estimate(s: Sample, settings: CompareSettings): Estimate {
  const c = cluster(s);
  const n = c.sizes.reduce((a, b) => a + b, 0);
  const mean = n > 0 ? meanOf(c) : null;
  if (c.sums.length < 2 || mean === null) return { mean, ci: null, n, clusters: c.sums.length };
  const rng = createRng(settings.seed).derive("estimate");
  const R = settings.resamples ?? DEFAULT_RESAMPLES;
  const out = new Float64Array(R);
  const pick = new Int32Array(c.sums.length);
  for (let r = 0; r < R; r++) out[r] = meanOf(c, draw(c, rng, pick));
  out.sort();
  return { mean, ci: [percentile(out, 0.025), percentile(out, 0.975)], n, clusters: c.sums.length };
}

/**
 * Compares two samples: difference b − a with its interval (clusters resampled within each
 * cell), permutation p-value (clusters exchanged between cells) and Hedges' g.
 */
export function compareSamples(a: Sample, b: Sample, settings: CompareSettings): SampleComparison {
  const ea = estimate(a, settings);
  const eb = estimate(b, settings);
  if (ea.mean === null || eb.mean === null) return { a: ea, b: eb, difference: null, ci: null, p: null, effect: null };
  const ca = cluster(a);
  const cb = cluster(b);
  const difference = eb.mean - ea.mean;
  const rng = createRng(settings.seed).derive("compare");

  let ci: [number, number] | null = null;
  if (ca.sums.length >= 2 && cb.sums.length >= 2) {
    const R = settings.resamples ?? DEFAULT_RESAMPLES;
    const out = new Float64Array(R);
    const pa = new Int32Array(ca.sums.length);
    const pb = new Int32Array(cb.sums.length);
    for (let r = 0; r < R; r++) out[r] = meanOf(cb, draw(cb, rng, pb)) - meanOf(ca, draw(ca, rng, pa));
    out.sort();
    ci = [percentile(out, 0.025), percentile(out, 0.975)];
  }

  // Permutation: pool the clusters, deal them back into groups of the original sizes.
  const pooled: Clustered = {
    sums: Float64Array.from([...ca.sums, ...cb.sums]),
    sizes: Float64Array.from([...ca.sizes, ...cb.sizes]),
  };
  const na = ca.sums.length;
  const P = settings.permutations ?? DEFAULT_PERMUTATIONS;
  const order = Int32Array.from(pooled.sums.keys());
  let extreme = 0;
  const observed = Math.abs(difference);
  for (let r = 0; r < P; r++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    const d = meanOf(pooled, order.subarray(na)) - meanOf(pooled, order.subarray(0, na));
    if (Math.abs(d) >= observed - 1e-12) extreme++;
  }
  const p = (extreme + 1) / (P + 1);
  return { a: ea, b: eb, difference, ci, p, effect: hedgesG(ca, cb) };
}

/** Hedges' g of cluster means: (mean_b − mean_a) / pooled SD, small-sample corrected. */
function hedgesG(a: Clustered, b: Clustered): number | null {
  const ma = Array.from(a.sums, (s, i) => s / a.sizes[i]);
  const mb = Array.from(b.sums, (s, i) => s / b.sizes[i]);
  const na = ma.length;
  const nb = mb.length;
  if (na < 2 || nb < 2) return null;
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const va = ma.reduce((s, x) => s + (x - mean(ma)) ** 2, 0) / (na - 1);
  const vb = mb.reduce((s, x) => s + (x - mean(mb)) ** 2, 0) / (nb - 1);
  const pooled = Math.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2));
  if (!(pooled > 0)) return null;
  const j = 1 - 3 / (4 * (na + nb) - 9);
  return ((mean(mb) - mean(ma)) / pooled) * j;
}

/**
 * Holm's step-down adjustment: the k-th smallest p times (m − k + 1), made monotone, capped at 1;
 * null p-values stay null and do not count.
 */
export function holm(ps: readonly (number | null)[]): (number | null)[] {
  const idx = ps.map((p, i) => [p, i] as const).filter((x): x is readonly [number, number] => x[0] !== null);
  idx.sort((x, y) => x[0] - y[0]);
  const m = idx.length;
  const out: (number | null)[] = ps.map(() => null);
  let running = 0;
  idx.forEach(([p, i], k) => {
    running = Math.max(running, Math.min(1, p * (m - k)));
    out[i] = running;
  });
  return out;
}
