import { describe, expect, it } from "vitest";
import { compareSamples, estimate, holm, wrapDegrees } from "../../analysis/compare.ts";

const each = (values: number[]) => ({ values, clusters: values.map((_, i) => `c${i}`) });

describe("comparisons between cells (analysis/compare.ts)", () => {
  it("Holm's step-down adjustment, monotone and capped, nulls kept out", () => {
    expect(holm([0.01, 0.04, 0.03])).toEqual([0.03, 0.06, 0.06]);
    expect(holm([0.5, null, 0.6])).toEqual([1, null, 1]); // 0.6 · 1 is raised to the 1 before it
  });

  it("a clear difference of plain values: b − a, an interval around it, a small p, Hedges' g", () => {
    const a = each([0.9, 0.8, 1, 0.95, 0.85, 0.9]);
    const b = each([0.5, 0.6, 0.4, 0.55, 0.45, 0.5]);
    const c = compareSamples(a, b, { seed: 1 });
    expect(c.difference).toBeCloseTo(-0.4, 12);
    expect(c.ci![0]).toBeLessThan(-0.4);
    expect(c.ci![1]).toBeGreaterThan(-0.4);
    expect(c.ci![1]).toBeLessThan(-0.3);
    expect(c.p).toBeLessThan(0.01);
    expect(c.effect).toBeLessThan(-3);
  });

  it("clusters are the unit: values of one cluster are resampled together, and one cluster gives no interval", () => {
    const one = { values: [0.1, 0.9, 0.5], clusters: ["x", "x", "x"] };
    expect(estimate(one, { seed: 1 })).toEqual({ mean: 0.5, ci: null, n: 3, clusters: 1 });
  });

  it("angles are compared on the circle: means by atan2, differences across ±180° short, no effect size", () => {
    expect(wrapDegrees(-335)).toBe(25);
    expect(wrapDegrees(180)).toBe(180);
    expect(wrapDegrees(-180)).toBe(180);
    const a = each([170, 175, -175, 180, 172, -178]); // about 177.3°
    const b = each([-165, -160, -170, -158, -162, -167]); // about −163.7°
    const ea = estimate(a, { seed: 1, circular: true });
    expect(ea.mean!).toBeGreaterThan(176);
    expect(ea.mean!).toBeLessThan(179);
    // The interval is contiguous around the mean, not torn at ±180°.
    expect(ea.ci![0]).toBeLessThan(ea.mean!);
    expect(ea.ci![1]).toBeGreaterThan(ea.mean!);
    expect(ea.ci![1] - ea.ci![0]).toBeLessThan(15);
    const c = compareSamples(a, b, { seed: 1, circular: true });
    expect(c.difference!).toBeGreaterThan(15); // ~19°, not −341° as arithmetic means would say
    expect(c.difference!).toBeLessThan(23);
    expect(c.ci![0]).toBeGreaterThan(5);
    expect(c.ci![1]).toBeLessThan(35);
    expect(c.p).toBeLessThan(0.01);
    expect(c.effect).toBeNull();
    // Arithmetic means would report a huge difference of the same data.
    const linear = compareSamples(a, b, { seed: 1 });
    expect(Math.abs(linear.difference!)).toBeGreaterThan(100);
  });
});
