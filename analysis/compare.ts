/**
 * Comparisons between the cells of an experiment (docs/METHOD.md, "Comparing conditions"): for
 * two cells that differ in one factor and one target value, the two estimates, their difference
 * with a 95 % cluster-bootstrap interval, a two-sided permutation p-value (cluster labels
 * exchanged between the cells), Hedges' g on cluster means, and Holm's adjustment over every
 * comparison reported. Resampling and permutation both work on clusters — the independent unit
 * of the design — so repeated trajectories of one agent are never counted as independent.
 * Angles (`circular: true`) are directions: their mean is the circular mean atan2(Σ sin, Σ cos),
 * a difference is taken on the circle (in (−180°, 180°]), and no effect size is given.
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
  /** Values are angles in degrees: circular means and differences on the circle. */
  readonly circular?: boolean;
  readonly resamples?: number;
  readonly permutations?: number;
}

const DEFAULT_RESAMPLES = 2000;
const DEFAULT_PERMUTATIONS = 5000;

/**
 * Cluster sums and sizes: every statistic here needs only these. For angles, `sums` holds the
 * sines and `cos` the cosines (null for plain values).
 */
interface Clustered {
  readonly sums: Float64Array;
  readonly cos: Float64Array | null;
  readonly sizes: Float64Array;
}

const RAD = Math.PI / 180;

/** An angle difference on the circle, in (−180°, 180°]. */
export function wrapDegrees(d: number): number {
  const w = ((((d + 180) % 360) + 360) % 360) - 180;
  return w === -180 ? 180 : w;
}

function cluster(s: Sample, circular = false): Clustered {
  const index = new Map<string, number>();
  const sums: number[] = [];
  const cos: number[] = [];
  const sizes: number[] = [];
  s.values.forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    const key = s.clusters[i];
    let k = index.get(key);
    if (k === undefined) {
      index.set(key, (k = sums.length));
      sums.push(0);
      cos.push(0);
      sizes.push(0);
    }
    if (circular) {
      sums[k] += Math.sin(v * RAD);
      cos[k] += Math.cos(v * RAD);
    } else sums[k] += v;
    sizes[k] += 1;
  });
  return { sums: Float64Array.from(sums), cos: circular ? Float64Array.from(cos) : null, sizes: Float64Array.from(sizes) };
}

/** Trajectory-weighted mean of the picked clusters (all by default); circular for angles (NaN when they cancel). */
function meanOf(c: Clustered, pick?: Int32Array): number {
  let s = 0;
  let co = 0;
  let n = 0;
  const len = pick ? pick.length : c.sums.length;
  for (let i = 0; i < len; i++) {
    const k = pick ? pick[i] : i;
    s += c.sums[k];
    if (c.cos) co += c.cos[k];
    n += c.sizes[k];
  }
  if (n === 0) return NaN;
  if (!c.cos) return s / n;
  return Math.hypot(s, co) / n > 1e-12 ? Math.atan2(s, co) / RAD : NaN;
}

/** b − a, on the circle for angles. */
function diffOf(c: Clustered, b: number, a: number): number {
  return c.cos ? wrapDegrees(b - a) : b - a;
}

/**
 * The 2.5 % and 97.5 % points of resampled statistics; for angles they are taken as deviations
 * from the estimate on the circle, so an interval across ±180° is not torn apart.
 */
function interval(out: Float64Array, center: number, circular: boolean): [number, number] | null {
  let m = 0;
  for (let r = 0; r < out.length; r++) {
    if (Number.isNaN(out[r])) continue;
    out[m++] = circular ? wrapDegrees(out[r] - center) : out[r];
  }
  if (m < 2) return null;
  const kept = out.subarray(0, m).sort();
  const lo = percentile(kept, 0.025);
  const hi = percentile(kept, 0.975);
  return circular ? [center + lo, center + hi] : [lo, hi];
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
  const circular = settings.circular === true;
  const c = cluster(s, circular);
  const n = c.sizes.reduce((a, b) => a + b, 0);
  const m = n > 0 ? meanOf(c) : NaN;
  const mean = Number.isNaN(m) ? null : m;
  if (c.sums.length < 2 || mean === null) return { mean, ci: null, n, clusters: c.sums.length };
  const rng = createRng(settings.seed).derive("estimate");
  const R = settings.resamples ?? DEFAULT_RESAMPLES;
  const out = new Float64Array(R);
  const pick = new Int32Array(c.sums.length);
  for (let r = 0; r < R; r++) out[r] = meanOf(c, draw(c, rng, pick));
  return { mean, ci: interval(out, mean, circular), n, clusters: c.sums.length };
}

/**
 * Compares two samples: difference b − a with its interval (clusters resampled within each
 * cell), permutation p-value (clusters exchanged between cells) and Hedges' g.
 */
export function compareSamples(a: Sample, b: Sample, settings: CompareSettings): SampleComparison {
  const ea = estimate(a, settings);
  const eb = estimate(b, settings);
  if (ea.mean === null || eb.mean === null) return { a: ea, b: eb, difference: null, ci: null, p: null, effect: null };
  const circular = settings.circular === true;
  const ca = cluster(a, circular);
  const cb = cluster(b, circular);
  const difference = diffOf(ca, eb.mean, ea.mean);
  const rng = createRng(settings.seed).derive("compare");

  let ci: [number, number] | null = null;
  if (ca.sums.length >= 2 && cb.sums.length >= 2) {
    const R = settings.resamples ?? DEFAULT_RESAMPLES;
    const out = new Float64Array(R);
    const pa = new Int32Array(ca.sums.length);
    const pb = new Int32Array(cb.sums.length);
    for (let r = 0; r < R; r++) out[r] = diffOf(ca, meanOf(cb, draw(cb, rng, pb)), meanOf(ca, draw(ca, rng, pa)));
    ci = interval(out, difference, circular);
  }

  // Permutation: pool the clusters, deal them back into groups of the original sizes.
  const pooled: Clustered = {
    sums: Float64Array.from([...ca.sums, ...cb.sums]),
    cos: ca.cos && cb.cos ? Float64Array.from([...ca.cos, ...cb.cos]) : null,
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
    const d = diffOf(pooled, meanOf(pooled, order.subarray(na)), meanOf(pooled, order.subarray(0, na)));
    // A permuted side whose angles cancel has no mean: as extreme as any difference.
    if (Number.isNaN(d) || Math.abs(d) >= observed - 1e-12) extreme++;
  }
  const p = (extreme + 1) / (P + 1);
  // Hedges' g divides by a linear SD, which angles do not have.
  return { a: ea, b: eb, difference, ci, p, effect: circular ? null : hedgesG(ca, cb) };
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
