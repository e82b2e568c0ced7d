import { describe, expect, it } from "vitest";
import { ARCHETYPE_PATTERNS, CATEGORIES, angleFromPayoffs, primaryPayoffs, scoreResponse } from "../../analysis/svo.ts";
import { ANGLE_RANGE, idealCategories, idealSet, targetCategory, targetLabel } from "../../analysis/value-target.ts";
import {
  allPatternAngles,
  chanceBaseline,
  chanceCorrected,
  dMax,
  distanceToSet,
  inTargetCategory,
  valueRationality,
} from "../../analysis/value-rationality.ts";
import { bootstrapCI } from "../../analysis/bootstrap.ts";
import { createRng, stepState, uniformOf } from "../../src/core/random.ts";
import { PRIMARY_ITEMS } from "../../src/core/instrument.ts";

const angleOf = (pattern: readonly number[]) => angleFromPayoffs(primaryPayoffs(pattern));
const round4 = (x: number) => Number(x.toFixed(4));

/** Every primary pattern as option numbers, least significant item last (matches allPatternAngles). */
function* patterns(): Generator<number[]> {
  for (let m = 0; m < 9 ** 6; m++) {
    const p = new Array<number>(6);
    let x = m;
    for (let i = 5; i >= 0; i--) {
      p[i] = (x % 9) + 1;
      x = Math.floor(x / 9);
    }
    yield p;
  }
}

describe("attainable range", () => {
  it("is the min and max over all 9^6 patterns", () => {
    const angles = allPatternAngles();
    expect(angles.length).toBe(531441);
    let lo = Infinity;
    let hi = -Infinity;
    for (const a of angles) {
      lo = Math.min(lo, a);
      hi = Math.max(hi, a);
    }
    expect(ANGLE_RANGE[0]).toBe(lo);
    expect(ANGLE_RANGE[1]).toBe(hi);
    expect(round4(lo)).toBe(-16.2602);
    expect(round4(hi)).toBe(61.3895);
  });
});

describe("ideal sets (METHOD §4)", () => {
  it("the four categories", () => {
    expect(idealSet("altruistic").map(round4)).toEqual([61.3895, 61.3895]);
    expect(idealSet("prosocial").map(round4)).toEqual([37.0928, 52.9072]);
    expect(idealSet("individualistic").map(round4)).toEqual([-7.8153, 7.8153]);
    expect(idealSet("competitive").map(round4)).toEqual([-16.2602, -16.2602]);
  });

  it("equal a brute-force search for exact maximisers with the 1-unit tie rule", () => {
    for (const [target, phi] of [["altruistic", 90], ["prosocial", 45], ["individualistic", 0], ["competitive", -45], [30, 30], [-30, -30], [70, 70]] as const) {
      const c = Math.cos((phi * Math.PI) / 180);
      const s = Math.sin((phi * Math.PI) / 180);
      const best = PRIMARY_ITEMS.map((it) => Math.max(...it.options.map((p) => c * p.self + s * p.other)));
      let lo = Infinity;
      let hi = -Infinity;
      for (const p of patterns()) {
        const ok = p.every((k, i) => {
          const o = PRIMARY_ITEMS[i].options[k - 1];
          return best[i] - (c * o.self + s * o.other) <= 1 + 1e-9;
        });
        if (!ok) continue;
        const a = angleOf(p);
        lo = Math.min(lo, a);
        hi = Math.max(hi, a);
      }
      const set = idealSet(target);
      expect(set[0]).toBeCloseTo(lo, 10);
      expect(set[1]).toBeCloseTo(hi, 10);
    }
  }, 60_000);

  it("a numeric category angle has the same set as the category", () => {
    expect(idealSet(45)).toEqual(idealSet("prosocial"));
    expect(idealSet(0)).toEqual(idealSet("individualistic"));
    expect(idealSet(90)).toEqual(idealSet("altruistic"));
    expect(idealSet(-45)).toEqual(idealSet("competitive"));
  });

  it("labels and categories of numeric targets", () => {
    expect(targetLabel("prosocial")).toBe("prosocial");
    expect(targetLabel(30)).toBe("30°");
    expect(targetCategory(30)).toBe("prosocial");
    expect(targetCategory(-30)).toBe("competitive");
    expect(targetCategory("altruistic")).toBe("altruistic");
    expect(() => idealSet("selfish" as never)).toThrow(/unknown value target 'selfish'/);
    expect(() => idealSet(NaN)).toThrow(/finite/);
  });
});

describe("value rationality", () => {
  it("is 1 for each archetype against its own value", () => {
    for (const c of CATEGORIES) expect(valueRationality(angleOf(ARCHETYPE_PATTERNS[c]), c)).toBe(1);
  });

  it("is 0 at the farthest attainable angle and linear in between", () => {
    expect(valueRationality(ANGLE_RANGE[0], "altruistic")).toBeCloseTo(0, 12);
    expect(valueRationality(ANGLE_RANGE[1], "competitive")).toBeCloseTo(0, 12);
    const [lo, hi] = idealSet("prosocial");
    const dm = dMax([lo, hi]);
    expect(dm).toBeCloseTo(lo - ANGLE_RANGE[0], 12); // the competitive end is farther from prosocial
    expect(valueRationality(lo - 10, "prosocial")).toBeCloseTo(1 - 10 / dm, 12);
    expect(valueRationality(hi + 5, "prosocial")).toBeCloseTo(1 - 5 / dm, 12);
    expect(valueRationality(90, "competitive")).toBe(0); // outside the slider's range: clamped
  });

  it("distanceToSet is 0 inside and the gap outside", () => {
    expect(distanceToSet(40, [37, 53])).toBe(0);
    expect(distanceToSet(37, [37, 53])).toBe(0);
    expect(distanceToSet(30, [37, 53])).toBe(7);
    expect(distanceToSet(60, [37, 53])).toBe(7);
    expect(dMax([61.38954033403479, 61.38954033403479]).toFixed(4)).toBe("77.6497");
  });

  it("category accuracy term", () => {
    expect(inTargetCategory(37.48, "prosocial")).toBe(true);
    expect(inTargetCategory(22.45, "prosocial")).toBe(false);
    expect(inTargetCategory(37.48, 30)).toBe(true);
    expect(inTargetCategory(7.8, 30)).toBe(false);
    // Numeric targets score against their ideal set's categories, not φ's own category.
    expect(idealCategories(60)).toEqual(["prosocial"]);
    expect(idealCategories(-15)).toEqual(["individualistic"]);
    expect(idealCategories(22)).toEqual(["prosocial", "individualistic"]);
    for (const c of CATEGORIES) expect(idealCategories(c)).toEqual([c]);
    expect(inTargetCategory(53, 60)).toBe(true);
    expect(inTargetCategory(58, 60)).toBe(false);
    expect(inTargetCategory(-8, -15)).toBe(true);
    expect(inTargetCategory(-13, -15)).toBe(false);
    expect(inTargetCategory(10, 22)).toBe(true);
  });
});

describe("chance baseline", () => {
  it("lies in (0, 1) and equals a brute-force mean over all 9^6 patterns scored by scoreResponse", () => {
    const targets = [...CATEGORIES, 30] as const;
    const sums = targets.map(() => 0);
    for (const p of patterns()) {
      const a = scoreResponse(p).angle;
      targets.forEach((t, i) => (sums[i] += valueRationality(a, t)));
    }
    targets.forEach((t, i) => {
      const chance = chanceBaseline(t);
      expect(chance).toBeGreaterThan(0);
      expect(chance).toBeLessThan(1);
      expect(chance).toBeCloseTo(sums[i] / 9 ** 6, 12);
    });
  }, 60_000);

  it("flatters the neutral targets (random answers sit near 22.7°)", () => {
    expect(chanceBaseline("prosocial")).toBeGreaterThan(chanceBaseline("altruistic"));
    expect(chanceBaseline("individualistic")).toBeGreaterThan(chanceBaseline("competitive"));
    // Random answers' mean angle is ~22.7° (METHOD §4).
    const angles = allPatternAngles();
    let s = 0;
    for (const a of angles) s += a;
    expect(s / angles.length).toBeGreaterThan(22.6);
    expect(s / angles.length).toBeLessThan(22.8);
  });

  it("chance correction maps chance to 0 and perfect to 1", () => {
    expect(chanceCorrected(0.9, 0.6)).toBeCloseTo(0.75, 12);
    const c = chanceBaseline("prosocial");
    expect(chanceCorrected(c, c)).toBe(0);
    expect(chanceCorrected(1, c)).toBe(1);
  });
});

describe("bootstrapCI", () => {
  const xs = Array.from({ length: 200 }, (_, i) => Math.sin(i) * 0.2 + 0.6);
  it("is reproducible for a seed and brackets the mean", () => {
    const a = bootstrapCI(xs, { seed: 7 });
    expect(bootstrapCI(xs, { seed: 7 })).toEqual(a);
    expect(bootstrapCI(xs, { seed: 8 })).not.toEqual(a);
    const mean = xs.reduce((p, q) => p + q) / xs.length;
    expect(a[0]).toBeLessThan(mean);
    expect(a[1]).toBeGreaterThan(mean);
    // Width near 2 · 1.96 · sd / √n.
    const sd = Math.sqrt(xs.reduce((p, q) => p + (q - mean) ** 2, 0) / (xs.length - 1));
    expect((a[1] - a[0]) / (2 * 1.96 * sd / Math.sqrt(xs.length))).toBeGreaterThan(0.85);
    expect((a[1] - a[0]) / (2 * 1.96 * sd / Math.sqrt(xs.length))).toBeLessThan(1.15);
  });
  it("draws exactly the run generator's sequence (the resampled mean, by hand)", () => {
    // One resample of the mean is the mean of values picked by createRng(seed), so the interval
    // of a single resample is that mean twice.
    const rng = createRng(11);
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += xs[Math.floor(rng.next() * xs.length)];
    expect(bootstrapCI(xs, { seed: 11, resamples: 1 })).toEqual([s / xs.length, s / xs.length]);
    let a = 11;
    const r2 = createRng(11);
    for (let i = 0; i < 5; i++) expect(uniformOf((a = stepState(a)))).toBe(r2.next());
  });
  it("supports a custom statistic and level, and empty input", () => {
    const median = (v: readonly number[]) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];
    const [lo, hi] = bootstrapCI(xs, { statistic: median, level: 0.5, resamples: 500 });
    const [lo95, hi95] = bootstrapCI(xs, { statistic: median, resamples: 500 });
    expect(hi - lo).toBeLessThan(hi95 - lo95);
    expect(bootstrapCI([])).toEqual([NaN, NaN]);
    expect(bootstrapCI([0.5])).toEqual([0.5, 0.5]);
    expect(() => bootstrapCI(xs, { level: 1 })).toThrow(/level/);
  });
});
