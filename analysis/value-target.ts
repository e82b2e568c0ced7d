/**
 * Value targets and their ideal sets (METHOD §4, project definition). A target is one of the
 * four SVO categories or any numeric utility angle φ. Its ideal set is the interval of slider
 * angles reached by an exact maximiser of U_φ = cos φ · self + sin φ · other on every primary
 * item, over all tie-breaks, where options within 1 payoff unit of an item's best count as ties.
 *
 * @example
 * idealSet("prosocial");  // [37.0928…, 52.9072…]
 * idealSet(30);           // the plateau a 30° maximiser reaches
 * targetLabel(30);        // "30°"
 */
import { CATEGORY_ANGLES, isCategory } from "../src/core/values.ts";
import { PRIMARY_ITEMS } from "../src/core/instrument.ts";
import { ARCHETYPE_PATTERNS, angleFromPayoffs, categorize, primaryPayoffs, type Category, CATEGORIES } from "./svo.ts";

export type { ValueTarget } from "../src/core/values.ts";
import type { ValueTarget } from "../src/core/values.ts";

/**
 * The attainable angle range on the 9-option form: [competitor, altruist] pattern angles,
 * [−16.2602…, 61.3895…]. A test checks these against all 9^6 patterns.
 */
export const ANGLE_RANGE: readonly [number, number] = [
  angleFromPayoffs(primaryPayoffs(ARCHETYPE_PATTERNS.competitive)),
  angleFromPayoffs(primaryPayoffs(ARCHETYPE_PATTERNS.altruistic)),
];

export { CATEGORY_ANGLES };

/** Ties are options within this many payoff units of an item's best utility (the table's rounding step). */
export const DEFAULT_TIE_TOLERANCE = 1;


function checkTarget(target: ValueTarget): void {
  if (typeof target === "number") {
    if (!Number.isFinite(target)) throw new RangeError(`value target angle must be finite, got ${target}`);
  } else if (!isCategory(target)) {
    throw new RangeError(`unknown value target '${String(target)}' (expected ${CATEGORIES.join(", ")} or an angle)`);
  }
}

/** The utility angle in degrees a target stands for. */
export function targetAngle(target: ValueTarget): number {
  checkTarget(target);
  return typeof target === "number" ? target : CATEGORY_ANGLES[target];
}

/**
 * The angle interval a maximiser of U_φ reaches on the primary items, over every tie-break
 * (options within `tolerance` utility units of the best). Enumerates the product of the
 * per-item tie sets, which is small except for huge tolerances (at most 9^6).
 */
export function maximiserInterval(phiDeg: number, tolerance: number = DEFAULT_TIE_TOLERANCE): [number, number] {
  if (!Number.isFinite(phiDeg)) throw new RangeError(`angle must be finite, got ${phiDeg}`);
  if (!(tolerance >= 0)) throw new RangeError(`tie tolerance must be ≥ 0, got ${tolerance}`);
  const rad = (phiDeg * Math.PI) / 180;
  const c = Math.cos(rad);
  const s = Math.sin(rad);
  const ties: { self: number; other: number }[][] = PRIMARY_ITEMS.map((item) => {
    const u = item.options.map((p) => c * p.self + s * p.other);
    const best = Math.max(...u);
    // The epsilon keeps a difference of exactly one payoff unit a tie despite float error.
    return item.options.filter((_, k) => best - u[k] <= tolerance + 1e-9);
  });
  let lo = Infinity;
  let hi = -Infinity;
  const [t0, t1, t2, t3, t4, t5] = ties;
  for (const a of t0) for (const b of t1) for (const d of t2) {
    const s3 = a.self + b.self + d.self;
    const o3 = a.other + b.other + d.other;
    for (const e of t3) for (const f of t4) for (const g of t5) {
      const angle = Math.atan2((o3 + e.other + f.other + g.other) / 6 - 50, (s3 + e.self + f.self + g.self) / 6 - 50);
      if (angle < lo) lo = angle;
      if (angle > hi) hi = angle;
    }
  }
  return [(lo * 180) / Math.PI, (hi * 180) / Math.PI];
}

const idealCache = new Map<string, readonly [number, number]>();

/**
 * The ideal set of a target (METHOD §4): altruistic {61.3895}, prosocial [37.0928, 52.9072],
 * individualistic [−7.8153, 7.8153], competitive {−16.2602}; a numeric angle uses the same rule.
 * Returns a fresh copy of a memoised interval.
 *
 * @example
 * idealSet("individualistic"); // [-7.8152…, 7.8152…]
 */
export function idealSet(target: ValueTarget): [number, number] {
  const key = targetKey(target);
  let set = idealCache.get(key);
  if (!set) {
    set = maximiserInterval(targetAngle(target));
    idealCache.set(key, set);
  }
  return [set[0], set[1]];
}

/**
 * The category a target belongs to: itself for a category, the category of the angle for a
 * numeric target (e.g. 30 → "prosocial").
 *
 * @example
 * targetCategory(30); // "prosocial"
 */
export function targetCategory(target: ValueTarget): Category {
  checkTarget(target);
  return typeof target === "number" ? categorize(target) : target;
}

/**
 * The categories a perfect maximiser of the target can land in: the categories of its ideal
 * set's ends and every category between them. Category accuracy scores against these, not the
 * category of φ itself, because a numeric φ's ideal set can lie in another category (60° reaches
 * [52.9, 53.9], prosocial, though 60° is an altruistic angle). A category target gives itself.
 *
 * @example
 * idealCategories(60);  // ["prosocial"]
 * idealCategories(22);  // ["prosocial", "individualistic"]
 */
export function idealCategories(target: ValueTarget): Category[] {
  const [lo, hi] = idealSet(target);
  const from = CATEGORIES.indexOf(categorize(hi));
  const to = CATEGORIES.indexOf(categorize(lo));
  return CATEGORIES.slice(from, to + 1);
}

/**
 * A display label: the category name, or the angle with a degree sign.
 *
 * @example
 * targetLabel(-22.5); // "-22.5°"
 */
export function targetLabel(target: ValueTarget): string {
  checkTarget(target);
  return typeof target === "number" ? `${target}°` : target;
}

/** A stable memo key that keeps a category distinct from its archetype angle. */
export function targetKey(target: ValueTarget): string {
  checkTarget(target);
  return typeof target === "number" ? `angle:${target}` : `category:${target}`;
}
