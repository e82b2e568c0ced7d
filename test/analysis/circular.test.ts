import { describe, expect, it } from "vitest";
import { circularMean, loadStats } from "../../analysis/stats.ts";
import { circularBootstrapCI } from "../../analysis/bootstrap.ts";

describe("circular statistics for angles", () => {
  const issue = [-147, 22, -156, 8, -141];

  it("averages angles by atan2(mean sin, mean cos), not arithmetically", () => {
    const arithmetic = issue.reduce((s, x) => s + x, 0) / issue.length;
    expect(arithmetic).toBeCloseTo(-82.8, 9);
    const rad = (d: number) => (d * Math.PI) / 180;
    const expected = (Math.atan2(issue.reduce((s, d) => s + Math.sin(rad(d)), 0), issue.reduce((s, d) => s + Math.cos(rad(d)), 0)) * 180) / Math.PI;
    const m = circularMean(issue)!;
    expect(m).toBeCloseTo(expected, 12);
    expect(m).toBeCloseTo(-119.8356, 4);
    expect(Math.abs(m - arithmetic)).toBeGreaterThan(30);
    expect(circularMean([179, -179])).toBeCloseTo(180, 9);
    expect(circularMean([10, 20, 30])).toBeCloseTo(20, 12);
    expect(circularMean([0, 180])).toBeNull(); // no mean direction
    expect(circularMean([])).toBeNull();
  });

  it("describeAngles gives the circular mean, circular sd and an interval around it", async () => {
    const stats = await loadStats();
    const d = stats.describeAngles(issue, "test:angle");
    expect(d.n).toBe(5);
    expect(d.mean).toBeCloseTo(circularMean(issue)!, 12);
    expect(d.ci![0]).toBeLessThan(d.mean!);
    expect(d.ci![1]).toBeGreaterThan(d.mean!);
    // Identical angles: zero spread.
    expect(stats.describeAngles([30, 30, 30], "k").sd).toBe(0);
    // On the slider's range (no wrap) the circular mean is close to the arithmetic one.
    const near = [20, 25, 30, 35, 40];
    expect(stats.describeAngles(near, "k").mean!).toBeCloseTo(30, 9);
    // VR stays arithmetic.
    expect(stats.describe([0.2, 0.4, 0.9], "k").mean).toBeCloseTo(0.5, 12);
  });

  it("an interval straddling ±180° stays contiguous around the mean", () => {
    const xs = [170, 175, 180, -175, -170, 178, -178];
    const m = circularMean(xs)!;
    const [lo, hi] = circularBootstrapCI(xs, m, { seed: 3 });
    expect(hi - lo).toBeLessThan(20);
    expect(lo).toBeLessThanOrEqual(m);
    expect(hi).toBeGreaterThanOrEqual(m);
  });
});

describe("intervals from fewer than two units", () => {
  it("are null, not a zero-width [m, m], and print as –", async () => {
    const { loadStats } = await import("../../analysis/stats.ts");
    const { fmtCI } = await import("../../analysis/report/tables.ts");
    const stats = await loadStats();
    const one = stats.describe([0.7], "one:vr");
    expect(one).toEqual({ n: 1, mean: 0.7, sd: 0, ci: null });
    const oneAngle = stats.describeAngles([30], "one:angle");
    expect(oneAngle.mean).toBeCloseTo(30, 12);
    expect(oneAngle.ci).toBeNull();
    expect(stats.describe([0.6, 0.8], "two:vr").ci).not.toBeNull();
    expect(fmtCI(one.ci)).toBe("–");
  });
});

describe("clustered intervals (--cluster)", () => {
  it("default to the design's unit, resample clusters, and give null from fewer than two clusters", async () => {
    const { from, lastValueFrom } = await import("rxjs");
    const { analyze } = await import("../../analysis/operators.ts");
    const { fabricateRun } = await import("./fabricate.ts");
    const { defaultCluster } = await import("../../analysis/summary.ts");
    expect(defaultCluster("fixed", false)).toBe("pair");
    expect(defaultCluster("round-robin", false)).toBe("partner");
    expect(defaultCluster("none", true)).toBe("agent");
    expect(defaultCluster("none", false)).toBe("none");
    const events = fabricateRun({
      agents: ["prosocial", "competitive", "individualistic"].map((v, i) => ({ id: `r${i}`, type: "random" as const, value: v as "prosocial" })),
      trials: 20,
      pairing: "round-robin",
      seed: 9,
    });
    const go = (cluster?: "none" | "agent" | "partner" | "pair") => lastValueFrom(from(events).pipe(analyze({ cluster })));
    const byDefault = (await go()).summary;
    expect(byDefault.run.bootstrap.unit).toBe("partner");
    const none = (await go("none")).summary;
    expect(none.run.bootstrap.unit).toBe("trajectory");
    const g0 = byDefault.groups[0];
    const n0 = none.groups.find((g) => g.value === g0.value)!;
    expect(g0.vr).toBe(n0.vr); // the point estimate does not depend on the unit
    expect(g0.vrCI).not.toEqual(n0.vrCI);
    // One agent per group: clustering by agent leaves one cluster, so no interval.
    const agent = (await go("agent")).summary;
    expect(agent.run.bootstrap.unit).toBe("agent");
    expect(agent.run.bootstrap.agentUnit).toBe("partner");
    for (const g of agent.groups) {
      expect(g.vrCI).toBeNull();
      expect(g.angleCI).toBeNull();
    }
    for (const a of agent.agents) expect(a.vrCI).not.toBeNull(); // two partners each
  });
});
