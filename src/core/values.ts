/**
 * The one table of values and SVO categories every layer shares: the four category names, the
 * utility angle each category's archetype maximises, the category boundaries on the slider, and
 * the category of an angle. Schemas, agents, prompts and analysis all read it from here.
 *
 * @example
 * CATEGORY_ANGLES.prosocial; // 45
 * categorize(30);            // "prosocial"
 */

/** The four SVO categories, from the most other-regarding to the most competitive. */
export const CATEGORIES = ["altruistic", "prosocial", "individualistic", "competitive"] as const;
export type Category = (typeof CATEGORIES)[number];

/** A value target as written in a scenario: a category name or an angle in degrees. */
export type ValueTarget = Category | number;

/** The utility angle (degrees) each category's archetype maximises: U = cos θ·own + sin θ·others. */
export const CATEGORY_ANGLES: Readonly<Record<Category, number>> = {
  altruistic: 90,
  prosocial: 45,
  individualistic: 0,
  competitive: -45,
};

/** Category boundaries in degrees on the slider; a boundary value belongs to the category below it. */
export const CATEGORY_BOUNDS = { altruistic: 57.15, prosocial: 22.45, individualistic: -12.04 } as const;

/** True for one of the four category names. */
export function isCategory(x: unknown): x is Category {
  return typeof x === "string" && (CATEGORIES as readonly string[]).includes(x);
}

/** The utility angle a value names: the archetype's angle for a category, else the degrees themselves. */
export function valueAngle(value: ValueTarget): number {
  return typeof value === "number" ? value : CATEGORY_ANGLES[value];
}

/**
 * The category of an unrounded angle: lower bound exclusive, upper bound inclusive.
 *
 * @example
 * categorize(57.15);   // "prosocial"
 * categorize(57.1501); // "altruistic"
 */
export function categorize(angle: number): Category {
  if (Number.isNaN(angle)) throw new RangeError("categorize: angle is NaN");
  if (angle > CATEGORY_BOUNDS.altruistic) return "altruistic";
  if (angle > CATEGORY_BOUNDS.prosocial) return "prosocial";
  if (angle > CATEGORY_BOUNDS.individualistic) return "individualistic";
  return "competitive";
}
