/**
 * Value rationality (METHOD §4, project definition): how close a trajectory's slider angle is
 * to the ideal set of its target value, scaled so the farthest attainable angle scores 0.
 * The exact chance baseline enumerates all 9^6 primary patterns once.
 *
 * @example
 * valueRationality(37.4824, "prosocial"); // 1 (inside [37.09, 52.91])
 * const cc = chanceCorrected(0.9, chanceBaseline("prosocial"));
 */
import { PRIMARY_ITEMS } from "../src/core/instrument.ts";
import { categorize } from "./svo.ts";
import { ANGLE_RANGE, idealCategories, idealSet, targetKey, type ValueTarget } from "./value-target.ts";

/**
 * Distance in degrees from an angle to an interval (0 inside).
 *
 * @example
 * distanceToSet(60, [37, 53]); // 7
 */
export function distanceToSet(angle: number, set: readonly [number, number]): number {
  if (angle < set[0]) return set[0] - angle;
  if (angle > set[1]) return angle - set[1];
  return 0;
}

/**
 * The largest distance to the set over the attainable range [−16.2602, 61.3895].
 *
 * @example
 * dMax(idealSet("altruistic")); // 77.6497… (from the competitor angle)
 */
export function dMax(set: readonly [number, number]): number {
  return Math.max(distanceToSet(ANGLE_RANGE[0], set), distanceToSet(ANGLE_RANGE[1], set));
}

/**
 * VR = 1 − d(θ, S) / d_max for one trajectory's angle. Angles outside the attainable range
 * (possible only for estimates from custom games) are clamped to VR 0 at worst.
 *
 * @example
 * valueRationality(-16.2602, "altruistic"); // ≈ 0
 */
export function valueRationality(angle: number, target: ValueTarget): number {
  if (Number.isNaN(angle)) throw new RangeError("valueRationality: angle is NaN");
  const set = idealSet(target);
  return Math.max(0, 1 - distanceToSet(angle, set) / dMax(set));
}

let allAngles: Float64Array | null = null;

/** The angle of every 9^6 primary pattern (computed once, 4 MB): the uniform responder's distribution. */
export function allPatternAngles(): Float64Array {
  if (allAngles) return allAngles;
  const S = PRIMARY_ITEMS.map((it) => it.options.map((p) => p.self));
  const O = PRIMARY_ITEMS.map((it) => it.options.map((p) => p.other));
  const out = new Float64Array(9 ** 6);
  const k = 180 / Math.PI;
  let n = 0;
  for (let a = 0; a < 9; a++) {
    const sa = S[0][a], oa = O[0][a];
    for (let b = 0; b < 9; b++) {
      const sb = sa + S[1][b], ob = oa + O[1][b];
      for (let c = 0; c < 9; c++) {
        const sc = sb + S[2][c], oc = ob + O[2][c];
        for (let d = 0; d < 9; d++) {
          const sd = sc + S[3][d], od = oc + O[3][d];
          for (let e = 0; e < 9; e++) {
            const se = sd + S[4][e], oe = od + O[4][e];
            for (let f = 0; f < 9; f++) {
              out[n++] = Math.atan2((oe + O[5][f]) / 6 - 50, (se + S[5][f]) / 6 - 50) * k;
            }
          }
        }
      }
    }
  }
  allAngles = out;
  return out;
}

const chanceCache = new Map<string, number>();

/**
 * Expected VR of a uniformly random responder on the 9-option form, exact over all 9^6
 * patterns; memoised per target.
 *
 * @example
 * chanceBaseline("competitive"); // a number in (0, 1)
 */
export function chanceBaseline(target: ValueTarget): number {
  const key = targetKey(target);
  const hit = chanceCache.get(key);
  if (hit !== undefined) return hit;
  const angles = allPatternAngles();
  const [lo, hi] = idealSet(target);
  const inv = 1 / dMax([lo, hi]);
  let sum = 0;
  for (let i = 0; i < angles.length; i++) {
    const x = angles[i];
    const d = x < lo ? lo - x : x > hi ? x - hi : 0;
    sum += 1 - d * inv;
  }
  const value = sum / angles.length;
  chanceCache.set(key, value);
  return value;
}

/**
 * (VR − VR_chance) / (1 − VR_chance): 0 = no better than random answers, 1 = perfect.
 *
 * @example
 * chanceCorrected(0.9, 0.6); // 0.75
 */
export function chanceCorrected(vr: number, chance: number): number {
  return (vr - chance) / (1 - chance);
}

/**
 * Whether an angle falls in a category of the target's ideal set (the per-trajectory term of
 * category accuracy; see idealCategories: a perfect maximiser of 60° scores prosocial, a hit).
 *
 * @example
 * inTargetCategory(37.48, 30); // true (30°'s ideal set [36.1, 37.1] is prosocial)
 */
export function inTargetCategory(angle: number, target: ValueTarget): boolean {
  return idealCategories(target).includes(categorize(angle));
}
