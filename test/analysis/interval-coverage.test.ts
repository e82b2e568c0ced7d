// Coverage of the VR interval at the paper's size (METHOD §12): 1000 seeded replications of ten
// clusters (three trajectories each, as when ten agents play three trials) drawn from a known left-skewed distribution of VR. The interval
// analyze uses (Student-t over cluster means, through loadStats().describe with clusters) must
// cover the true mean in [0.92, 0.975]; the percentile cluster bootstrap it replaced does not.
import { describe, expect, it } from "vitest";
import { clusterBootstrapCI } from "../../analysis/bootstrap.ts";
import { loadStats } from "../../analysis/stats.ts";
import { clusterTInterval, studentTQuantile } from "../../analysis/t-interval.ts";
import { createRng } from "../../src/core/random.ts";

/** VR of a cluster: 1 − U² (U uniform; mean 2/3, skewness −0.64) plus trajectory noise sd 0.05. */
function sample(rng: ReturnType<typeof createRng>, k: number): { values: number[]; clusters: string[] } {
  const values: number[] = [];
  const clusters: string[] = [];
  for (let j = 0; j < k; j++) {
    const level = 1 - rng.next() ** 2;
    for (let i = 0; i < 3; i++) {
      const normal = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
      values.push(level + 0.05 * normal);
      clusters.push(`c${j}`);
    }
  }
  return { values, clusters };
}

describe("VR interval coverage at ten clusters", () => {
  it("t over clusters covers the true mean 95 % of the time (within [0.92, 0.975]); the percentile bootstrap does not", async () => {
    const stats = await loadStats();
    const rng = createRng(20261202);
    const truth = 2 / 3;
    const reps = 1000;
    let t = 0;
    let percentile = 0;
    for (let r = 0; r < reps; r++) {
      const { values, clusters } = sample(rng, 10);
      const ci = stats.describe(values, `rep:${r}`, clusters).ci!;
      if (ci[0] <= truth && truth <= ci[1]) t++;
      const sums = new Map<string, [number, number]>();
      values.forEach((v, i) => {
        const acc = sums.get(clusters[i]) ?? [0, 0];
        acc[0] += v;
        acc[1]++;
        sums.set(clusters[i], acc);
      });
      const p = clusterBootstrapCI({ sums: [...sums.values()].map((x) => x[0]), counts: [...sums.values()].map((x) => x[1]) }, { seed: r + 1, resamples: 1000 });
      if (p[0] <= truth && truth <= p[1]) percentile++;
    }
    expect(t / reps).toBeGreaterThanOrEqual(0.92);
    expect(t / reps).toBeLessThanOrEqual(0.975);
    expect(percentile / reps).toBeLessThan(0.92);
  });

  it("the t quantiles and the interval match textbook values; fewer than two clusters give no interval", async () => {
    expect(studentTQuantile(0.975, 9)).toBeCloseTo(2.262157, 6);
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706205, 5);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042272, 6);
    // Equal clusters: the t interval on the cluster means, mean ± t · sd/√k.
    const [lo, hi] = clusterTInterval({ sums: [0.8, 0.9, 1, 0.7], counts: [1, 1, 1, 1] })!;
    const half = studentTQuantile(0.975, 3) * (Math.sqrt(((0.05 ** 2 + 0.05 ** 2 + 0.15 ** 2 + 0.15 ** 2) / 3)) / 2);
    expect(lo).toBeCloseTo(0.85 - half, 12);
    expect(hi).toBeCloseTo(0.85 + half, 12);
    expect(clusterTInterval({ sums: [0.7], counts: [3] })).toBeNull();
    const stats = await loadStats();
    expect(stats.describe([0.6, 0.7, 0.8], "one", ["a", "a", "a"]).ci).toBeNull();
    expect(stats.describe([0.6], "single").ci).toBeNull();
  });
});
