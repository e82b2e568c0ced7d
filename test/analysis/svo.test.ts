import { describe, expect, it } from "vitest";
import { SLIDER_ITEMS, versionOrder } from "../../src/core/instrument.ts";
import {
  ARCHETYPE_PATTERNS,
  CATEGORIES,
  angleFromMeans,
  angleFromPayoffs,
  categorize,
  inequalityAversion,
  primaryPayoffs,
  scoreResponse,
  secondaryDistances,
  transitivity,
  type Category,
} from "../../analysis/svo.ts";

// METHOD.md §2, copied verbatim so the instrument data is checked against an independent source.
const METHOD_TABLE = `
| 1 | self | 85 | 85 | 85 | 85 | 85 | 85 | 85 | 85 | 85 |
|   | other | 85 | 76 | 68 | 59 | 50 | 41 | 33 | 24 | 15 |
| 2 | self | 85 | 87 | 89 | 91 | 93 | 94 | 96 | 98 | 100 |
|   | other | 15 | 19 | 24 | 28 | 33 | 37 | 41 | 46 | 50 |
| 3 | self | 50 | 54 | 59 | 63 | 68 | 72 | 76 | 81 | 85 |
|   | other | 100 | 98 | 96 | 94 | 93 | 91 | 89 | 87 | 85 |
| 4 | self | 50 | 54 | 59 | 63 | 68 | 72 | 76 | 81 | 85 |
|   | other | 100 | 89 | 79 | 68 | 58 | 47 | 36 | 26 | 15 |
| 5 | self | 100 | 94 | 88 | 81 | 75 | 69 | 63 | 56 | 50 |
|   | other | 50 | 56 | 63 | 69 | 75 | 81 | 88 | 94 | 100 |
| 6 | self | 100 | 98 | 96 | 94 | 93 | 91 | 89 | 87 | 85 |
|   | other | 50 | 54 | 59 | 63 | 68 | 72 | 76 | 81 | 85 |
| 7 | self | 100 | 96 | 93 | 89 | 85 | 81 | 78 | 74 | 70 |
|   | other | 50 | 56 | 63 | 69 | 75 | 81 | 88 | 94 | 100 |
| 8 | self | 90 | 91 | 93 | 94 | 95 | 96 | 98 | 99 | 100 |
|   | other | 100 | 99 | 98 | 96 | 95 | 94 | 93 | 91 | 90 |
| 9 | self | 100 | 94 | 88 | 81 | 75 | 69 | 63 | 56 | 50 |
|   | other | 70 | 74 | 78 | 81 | 85 | 89 | 93 | 96 | 100 |
| 10 | self | 100 | 99 | 98 | 96 | 95 | 94 | 93 | 91 | 90 |
|   | other | 70 | 74 | 78 | 81 | 85 | 89 | 93 | 96 | 100 |
| 11 | self | 70 | 74 | 78 | 81 | 85 | 89 | 93 | 96 | 100 |
|   | other | 100 | 96 | 93 | 89 | 85 | 81 | 78 | 74 | 70 |
| 12 | self | 50 | 56 | 63 | 69 | 75 | 81 | 88 | 94 | 100 |
|   | other | 100 | 99 | 98 | 96 | 95 | 94 | 93 | 91 | 90 |
| 13 | self | 50 | 56 | 63 | 69 | 75 | 81 | 88 | 94 | 100 |
|   | other | 100 | 94 | 88 | 81 | 75 | 69 | 63 | 56 | 50 |
| 14 | self | 100 | 96 | 93 | 89 | 85 | 81 | 78 | 74 | 70 |
|   | other | 90 | 91 | 93 | 94 | 95 | 96 | 98 | 99 | 100 |
| 15 | self | 90 | 91 | 93 | 94 | 95 | 96 | 98 | 99 | 100 |
|   | other | 100 | 94 | 88 | 81 | 75 | 69 | 63 | 56 | 50 |
`;

function parseMethodTable(): { self: number[]; other: number[] }[] {
  const rows = METHOD_TABLE.trim().split("\n").map((l) => l.split("|").map((c) => c.trim()));
  const items: { self: number[]; other: number[] }[] = [];
  for (let i = 0; i < rows.length; i += 2) {
    items.push({ self: rows[i].slice(3, 12).map(Number), other: rows[i + 1].slice(3, 12).map(Number) });
  }
  return items;
}

const angleOf = (pattern: readonly number[]) => angleFromPayoffs(primaryPayoffs(pattern));

describe("instrument", () => {
  it("matches METHOD §2's printed table option by option", () => {
    const table = parseMethodTable();
    expect(table).toHaveLength(15);
    expect(SLIDER_ITEMS).toHaveLength(15);
    SLIDER_ITEMS.forEach((item, i) => {
      expect(item.number).toBe(i + 1);
      expect(item.primary).toBe(i < 6);
      expect(item.options.map((p) => p.self)).toEqual(table[i].self);
      expect(item.options.map((p) => p.other)).toEqual(table[i].other);
    });
  });

  it("printed options are the endpoints' interpolation rounded half-up (not banker's)", () => {
    let halves = 0;
    for (const item of SLIDER_ITEMS) {
      item.options.forEach((p, k) => {
        // k/8 steps are exact in binary, so an exact .5 is detectable.
        const s = item.left.self + ((item.right.self - item.left.self) * k) / 8;
        const o = item.left.other + ((item.right.other - item.left.other) * k) / 8;
        if (Math.abs(s % 1) === 0.5 || Math.abs(o % 1) === 0.5) halves++;
        expect(p.self).toBe(Math.floor(s + 0.5));
        expect(p.other).toBe(Math.floor(o + 0.5));
      });
    }
    // Exact halves occur, so the table really pins the rounding mode.
    expect(halves).toBeGreaterThan(0);
  });

  it("Version B reverses within each block", () => {
    expect(versionOrder("A")).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(versionOrder("B")).toEqual([6, 5, 4, 3, 2, 1, 15, 14, 13, 12, 11, 10, 9, 8, 7]);
  });
});

describe("angle", () => {
  it("archetype patterns give METHOD §3's angles to 4 decimals", () => {
    expect(angleOf(ARCHETYPE_PATTERNS.altruistic).toFixed(4)).toBe("61.3895");
    expect(angleOf(ARCHETYPE_PATTERNS.prosocial).toFixed(4)).toBe("37.4824");
    expect(angleOf(ARCHETYPE_PATTERNS.individualistic).toFixed(4)).toBe("7.8153");
    expect(angleOf(ARCHETYPE_PATTERNS.competitive).toFixed(4)).toBe("-16.2602");
  });

  it("archetype patterns land in their own category", () => {
    for (const c of CATEGORIES) expect(categorize(angleOf(ARCHETYPE_PATTERNS[c]))).toBe(c);
  });

  it("is atan2(other − 50, self − 50) in degrees", () => {
    expect(angleFromMeans(100, 50)).toBe(0);
    expect(angleFromMeans(50, 100)).toBe(90);
    expect(angleFromMeans(100, 100)).toBeCloseTo(45, 12);
    expect(angleFromMeans(100, 0)).toBeCloseTo(-45, 12);
    // individualist: self mean 92.5, other mean 55.8333
    const s = scoreResponse(ARCHETYPE_PATTERNS.individualistic);
    expect(s.selfMean).toBe(92.5);
    expect(s.otherMean).toBeCloseTo(335 / 6, 12);
  });

  it("scores continuous positions by exact interpolation", () => {
    // Position 5.5 on item 1: self 85, other 85 + (15 − 85)·4.5/8 = 45.625.
    const p = primaryPayoffs([5.5, 1, 1, 1, 1, 1]);
    expect(p[0]).toEqual({ self: 85, other: 45.625 });
    // Position 2.5 on item 2: self 85 + 15·1.5/8 = 87.8125, other 15 + 35·1.5/8 = 21.5625.
    expect(primaryPayoffs([1, 2.5, 1, 1, 1, 1])[1]).toEqual({ self: 87.8125, other: 21.5625 });
    const s = scoreResponse([5.5, 2.5, 1, 1, 1, 1]);
    const sSelf = 85 + 87.8125 + 50 + 50 + 100 + 100;
    const sOther = 45.625 + 21.5625 + 100 + 100 + 50 + 50;
    expect(s.angle).toBeCloseTo(angleFromMeans(sSelf / 6, sOther / 6), 12);
    // Integer positions stay the printed (rounded) options, not the interpolation.
    expect(primaryPayoffs([1, 6, 1, 1, 1, 1])[1]).toEqual({ self: 94, other: 37 });
    // The continuous form's extremes are still the archetype angles (they sit on endpoints).
    expect(scoreResponse([1, 8.999, 1, 1, 8.999, 8.999]).angle).toBeLessThan(61.3895404);
  });

  it("rejects out-of-range and missing primary answers", () => {
    expect(() => scoreResponse([0, 1, 1, 1, 1, 1])).toThrow(/item 1: expected an option 1–9, got 0/);
    expect(() => scoreResponse([1, 10, 1, 1, 1, 1])).toThrow(/item 2/);
    expect(() => scoreResponse([1, 1, NaN, 1, 1, 1])).toThrow(/item 3/);
    expect(() => scoreResponse([1, 1, 1, null, 1, 1])).toThrow(/item 4: primary answer missing/);
    expect(() => scoreResponse([1, 1, 1, 1, 1])).toThrow(/6 or 15/);
  });
});

describe("category boundaries (lower exclusive, upper inclusive)", () => {
  const eps = 1e-9;
  it.each([
    [57.15, "prosocial"],
    [57.15 + eps, "altruistic"],
    [22.45, "individualistic"],
    [22.45 + eps, "prosocial"],
    [-12.04, "competitive"],
    [-12.04 + eps, "individualistic"],
    [90, "altruistic"],
    [-45, "competitive"],
    [0, "individualistic"],
  ] as [number, Category][])("categorize(%s) = %s", (angle, category) => {
    expect(categorize(angle)).toBe(category);
  });
  it("rejects NaN", () => expect(() => categorize(NaN)).toThrow(/NaN/));
});

describe("transitivity", () => {
  it("the archetypes are transitive with their own archetype first", () => {
    for (const c of CATEGORIES) {
      const t = transitivity([...ARCHETYPE_PATTERNS[c]]);
      expect(t.transitive).toBe(true);
      expect(t.ranking?.[0]).toBe(c);
    }
    const ind = transitivity([1, 9, 9, 9, 1, 1]);
    expect(ind.scores).toEqual({ individualistic: 3, prosocial: 2, competitive: 1, altruistic: 0 });
    expect(ind.ranking).toEqual(["individualistic", "prosocial", "competitive", "altruistic"]);
  });

  it("an exact tie (item 1 option 5 is equidistant) gives 0.5 each and no edge", () => {
    // Item 1 option 5 = (85, 50): 35 from both (85, 85) and (85, 15).
    const t = transitivity([5, 9, 9, 9, 1, 1]);
    // item 1 tie; 2 → individualistic; 3 → prosocial; 4 → competitive; 5, 6 → individualistic
    expect(t.scores).toEqual({ altruistic: 0, prosocial: 1.5, individualistic: 3, competitive: 1.5 });
    expect(t.transitive).toBe(true);
    // prosocial and competitive tie on score with no edge between them: canonical order.
    expect(t.ranking).toEqual(["individualistic", "prosocial", "competitive", "altruistic"]);
    // All-middle answers: only item 1 ties exactly (the others' printed middles are off-centre).
    const mid = transitivity([5, 5, 5, 5, 5, 5]);
    expect(Object.values(mid.scores).reduce((a, b) => a + b)).toBe(6);
    expect(mid.scores).toEqual({ altruistic: 1.5, prosocial: 2.5, individualistic: 1.5, competitive: 0.5 });
    // altruistic and individualistic tie on score; the graph puts altruistic (beat individualistic on item 5) first.
    expect(mid.ranking).toEqual(["prosocial", "altruistic", "individualistic", "competitive"]);
  });

  it("a continuous position just either side of the midpoint picks the nearer endpoint", () => {
    // Item 2 endpoints (85,15) and (100,50): position 5 interpolated exactly is the midpoint.
    const t = transitivity([1, 4.999999999999, 1, 1, 1, 1]);
    const u = transitivity([1, 5.000000000001, 1, 1, 1, 1]);
    expect(t.scores.competitive).toBe(u.scores.competitive + 1);
  });

  it("detects a cycle and gives no ranking", () => {
    // prosocial > competitive (1), competitive > individualistic (2), individualistic > prosocial (6)
    const t = transitivity([1, 1, 1, 1, 9, 1]);
    expect(t.transitive).toBe(false);
    expect(t.ranking).toBeNull();
    const s = scoreResponse([1, 1, 1, 1, 9, 1]);
    expect(s.transitive).toBe(false);
    expect(s.ranking).toBeNull();
  });

  it("exactly 24 of the 64 integer-endpoint answer sets are transitive (the acyclic tournaments on 4 nodes)", () => {
    let transitive = 0;
    for (let m = 0; m < 64; m++) {
      const pattern = Array.from({ length: 6 }, (_, i) => ((m >> i) & 1 ? 9 : 1));
      const t = transitivity(pattern);
      if (t.transitive) {
        transitive++;
        expect(new Set(t.ranking).size).toBe(4);
        expect(t.ranking!.map((c) => t.scores[c])).toEqual([3, 2, 1, 0]);
      }
    }
    expect(transitive).toBe(24);
  });
});

describe("inequality-aversion index", () => {
  const IA = [6, 5, 4, 7, 5, 8, 5, 3, 2];
  const JG = [9, 5, 1, 9, 5, 9, 5, 1, 1]; // constant-sum items (8, 11, 13) left at 5
  const pro = [...ARCHETYPE_PATTERNS.prosocial];

  it("is 0 for the inequality-averse ideal and 1 for the joint-gain ideal", () => {
    expect(inequalityAversion(pro, IA)).toEqual({ index: 0, reason: null });
    expect(inequalityAversion(pro, JG)).toEqual({ index: 1, reason: null });
  });

  it("is D_IA / (D_IA + D_JG) in between", () => {
    const sec = [8, 5, 2, 8, 5, 9, 5, 2, 1];
    const d = secondaryDistances(sec);
    // D_IA: |8−6|+0+|2−4|+|8−7|+0+|9−8|+0+|2−3|+|1−2| = 8 → 8/8/9; D_JG over 6 items: 1+1+1+0+1+0 = 4 → 4/8/6
    expect(d.ia).toBeCloseTo(8 / 72, 12);
    expect(d.jg).toBeCloseTo(4 / 48, 12);
    const r = inequalityAversion(pro, sec);
    expect(r.reason).toBeNull();
    expect(r.index).toBeCloseTo(8 / 72 / (8 / 72 + 4 / 48), 12);
  });

  it("gives a reason whenever it is not applicable", () => {
    expect(inequalityAversion(pro, null)).toEqual({ index: null, reason: "secondary items not answered" });
    expect(inequalityAversion(pro, Array(9).fill(null))).toEqual({ index: null, reason: "secondary items not answered" });
    expect(inequalityAversion(pro, [6, 5, null, 7, 5, 8, null, 3, 2]).reason).toBe("secondary items incomplete (items 9, 13 missing)");
    expect(inequalityAversion([...ARCHETYPE_PATTERNS.individualistic], IA)).toEqual({
      index: null,
      reason: "primary category is individualistic, not prosocial",
    });
    // An intransitive but prosocial primary response.
    const cyc = [1, 1, 1, 1, 1, 1]; // prosocial > competitive > individualistic > prosocial
    const t = transitivity(cyc);
    expect(categorize(angleOf(cyc))).toBe("prosocial");
    expect(t.transitive).toBe(false);
    expect(inequalityAversion(cyc, IA)).toEqual({ index: null, reason: "primary answers are intransitive" });
    // Prosocial and transitive, but the altruist ideal is closest.
    const alt = [9, 1, 9, 9, 1, 1, 1, 9, 1];
    expect(inequalityAversion(pro, alt)).toEqual({
      index: null,
      reason: "D_IA and D_JG are not the two smallest of the four distances",
    });
    // A tie between D_JG and the individualist distance is ambiguous: not reported.
    const tie = [5, 5, 5, 5, 5, 5, 5, 5, 5];
    const d = secondaryDistances(tie);
    expect(Math.max(d.ia, d.jg)).toBeGreaterThanOrEqual(Math.min(d.individualist, d.altruist));
    expect(inequalityAversion(pro, tie).index).toBeNull();
  });

  it("scoreResponse reports the index from 15 answers", () => {
    const s = scoreResponse([...pro, ...IA]);
    expect(s.iaIndex).toBe(0);
    expect(s.iaReason).toBeNull();
    expect(scoreResponse(pro).iaReason).toBe("secondary items not answered");
  });
});

describe("Version B", () => {
  it("reverses each block back into Version A order before scoring", () => {
    const IA = [6, 5, 4, 7, 5, 8, 5, 3, 2];
    for (const c of CATEGORIES) {
      const a = [...ARCHETYPE_PATTERNS[c], ...IA];
      const b = [...a.slice(0, 6).reverse(), ...a.slice(6).reverse()];
      expect(scoreResponse(b, "B")).toEqual(scoreResponse(a, "A"));
    }
    expect(scoreResponse([1, 1, 9, 9, 9, 1], "B").angle.toFixed(4)).toBe("7.8153");
    // Read as Version A the same answers are something else entirely.
    expect(scoreResponse([1, 1, 9, 9, 9, 1], "A").angle.toFixed(4)).not.toBe("7.8153");
  });
});
