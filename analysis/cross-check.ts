/**
 * Cross-checks a file's own SVO angle and type (`svo_angle`, `svo_type`) against hvae's scoring
 * of the same answers. A disagreement reveals a data problem (items in another order or version,
 * edited values, another formula); where one is recognisable, the alternative readings of the
 * answers are computed and the one that reproduces the stored angle is named.
 *
 * @example
 * const c = crossCheck({ answers: [9, 9, 1, 1, 1, 9], version: "A", angle: 7.8, category: "individualistic",
 *                        storedAngle: 7.815, storedAngleDecimals: 3, storedCategory: null });
 * c.agrees; // false; c.cause: "the stored angle is hvae's rounded to 3 decimals"
 */
import { SLIDER_ITEMS, payoffAt, type SliderVersion } from "../src/core/instrument.ts";
import { angleFromMeans, categorize, scoreResponse, type Category } from "./svo.ts";

/** Agreement tolerance for angles (degrees). */
export const ANGLE_TOLERANCE = 1e-6;

export interface CrossCheckInput {
  /** 15 positions 1–9 in the version's column order (null where absent). */
  answers: readonly (number | null)[];
  version: SliderVersion;
  /** hvae's angle and category for these answers. */
  angle: number;
  category: Category;
  storedAngle: number | null;
  storedAngleDecimals: number;
  storedCategory: Category | null;
}

export interface CrossCheck {
  /** null when the file stores neither an angle nor a type for this respondent. */
  agrees: boolean | null;
  /** The likeliest explanation of a disagreement, when one is recognisable. */
  cause: string | null;
}

/** Half a unit in the last decimal the stored angle was written with (at least the tolerance). */
function roundingTolerance(decimals: number): number {
  return Math.max(ANGLE_TOLERANCE, decimals < 15 ? 0.5 * 10 ** -decimals + 1e-12 : 0);
}

function primaryOf(answers: readonly (number | null)[]): number[] | null {
  const p = answers.slice(0, 6);
  return p.every((x) => x !== null) ? (p as number[]) : null;
}

/** The angle of the answers read another way, or null when that reading is impossible. */
function angleOf(answers: readonly (number | null)[], version: SliderVersion): number | null {
  if (answers.slice(0, 6).some((x) => x === null || !(x >= 1 && x <= 9))) return null;
  return scoreResponse(answers.length === 15 ? answers : answers.slice(0, 6), version).angle;
}

/** Alternative readings, most specific first: [description, angle]. */
function alternatives(input: CrossCheckInput): [string, number | null][] {
  const { answers, version } = input;
  const other: SliderVersion = version === "A" ? "B" : "A";
  const order = version === "A" ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14] : [5, 4, 3, 2, 1, 0, 14, 13, 12, 11, 10, 9, 8, 7, 6];
  const shifted = (d: number) => answers.map((x) => (x === null ? null : x + d));
  const out: [string, number | null][] = [
    [`Version ${other} read as ${version}: the answers in Version ${other} order give this angle`, angleOf(answers, other)],
    ["reversed options: reading option k as 10 − k gives this angle", angleOf(answers.map((x) => (x === null ? null : 10 - x)), version)],
    ["option numbers off by one: the answers one option higher (a 0-based index read as 1-based?) give this angle", angleOf(shifted(1), version)],
    ["option numbers off by one: the answers one option lower give this angle", angleOf(shifted(-1), version)],
  ];
  // oTree's SVO app, full version, averages the payoffs of all 15 items, not the 6 primary ones.
  if (answers.length === 15 && answers.every((x) => x !== null)) {
    let s = 0;
    let o = 0;
    for (let j = 0; j < 15; j++) {
      const p = payoffAt(SLIDER_ITEMS[order[j]], answers[j] as number);
      s += p.self;
      o += p.other;
    }
    out.push(["the angle was computed over all 15 items instead of the 6 primary ones", angleFromMeans(s / 15, o / 15)]);
  }
  const p = primaryOf(answers);
  if (p) {
    let s = 0;
    let o = 0;
    for (let j = 0; j < 6; j++) {
      const q = payoffAt(SLIDER_ITEMS[order[j]], p[j]);
      s += q.self;
      o += q.other;
    }
    out.push(["self and other swapped: the angle of the payoffs the other way round", angleFromMeans(o / 6, s / 6)]);
  }
  return out;
}

/**
 * Compares one respondent's stored angle and type with hvae's: an angle agrees within 1e-6°,
 * a type when it names the same category; an empty stored field counts as absent.
 */
export function crossCheck(input: CrossCheckInput): CrossCheck {
  const { storedAngle, storedCategory } = input;
  if (storedAngle === null && storedCategory === null) return { agrees: null, cause: null };
  const angleOk = storedAngle === null || Math.abs(storedAngle - input.angle) <= ANGLE_TOLERANCE;
  const categoryOk = storedCategory === null || storedCategory === input.category;
  if (angleOk && categoryOk) return { agrees: true, cause: null };

  if (!angleOk) {
    const tol = roundingTolerance(input.storedAngleDecimals);
    if (Math.abs(storedAngle! - input.angle) <= tol) {
      const cat = storedCategory !== null && storedCategory !== input.category ? "; the stored type differs as well" : "";
      return { agrees: false, cause: `the stored angle is hvae's rounded to ${input.storedAngleDecimals} decimal${input.storedAngleDecimals === 1 ? "" : "s"}${cat}` };
    }
    for (const [what, alt] of alternatives(input)) {
      if (alt !== null && Math.abs(alt - storedAngle!) <= tol) return { agrees: false, cause: what };
    }
    if (storedCategory !== null && storedCategory !== categorize(storedAngle!)) {
      return { agrees: false, cause: "the stored type is not the category of the stored angle either (edited values?)" };
    }
    return { agrees: false, cause: null };
  }
  // The angle agrees (or is absent) but the type does not.
  if (storedAngle !== null) {
    return { agrees: false, cause: "the angle agrees but the type does not: other category bounds or labels, or an edited type" };
  }
  for (const [what, alt] of alternatives(input)) {
    if (alt !== null && categorize(alt) === storedCategory) return { agrees: false, cause: `${what.split(":")[0]} would give the stored type` };
  }
  return { agrees: false, cause: null };
}
