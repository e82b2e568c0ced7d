/**
 * Scoring the SVO Slider Measure exactly as Murphy, Ackermann & Handgraaf (2011) define it
 * (METHOD §3): the angle from the six primary items, its category, the transitivity check with
 * the archetype ranking, and the inequality-aversion index from the nine secondary items.
 *
 * Answers are option numbers 1–9 on each item's printed scale; a fractional number is a
 * continuous slider position and is scored by exact interpolation between the endpoints.
 *
 * @example
 * const s = scoreResponse([1, 9, 9, 4, 5, 9]);
 * s.angle;     // 37.4824… (the inequality-averse prosocial archetype)
 * s.category;  // "prosocial"
 */
import { PRIMARY_ITEMS, payoffAt, type SliderVersion } from "../src/core/instrument.ts";

import { categorize, CATEGORIES, CATEGORY_BOUNDS, type Category } from "../src/core/values.ts";

// The category table lives in the bottom layer; re-exported because scoring is where readers look.
export { categorize, CATEGORIES, CATEGORY_BOUNDS, type Category };

const RAD_TO_DEG = 180 / Math.PI;

/**
 * The SVO angle in degrees from the mean chosen payoffs: atan2(other − 50, self − 50).
 *
 * @example
 * angleFromMeans(92.5, 50); // 0
 */
export function angleFromMeans(selfMean: number, otherMean: number): number {
  return Math.atan2(otherMean - 50, selfMean - 50) * RAD_TO_DEG;
}

/**
 * The SVO angle of a list of chosen payoffs: their means, then {@link angleFromMeans}.
 *
 * @example
 * angleFromPayoffs(primaryPayoffs([1, 9, 1, 1, 9, 9])); // 61.3895…
 */
export function angleFromPayoffs(payoffs: readonly { self: number; other: number }[]): number {
  if (payoffs.length === 0) throw new RangeError("angleFromPayoffs: no payoffs");
  let s = 0;
  let o = 0;
  for (const p of payoffs) {
    s += p.self;
    o += p.other;
  }
  return angleFromMeans(s / payoffs.length, o / payoffs.length);
}

function checkPosition(position: number, item: number): void {
  if (typeof position !== "number" || !(position >= 1 && position <= 9)) {
    throw new RangeError(`item ${item}: expected an option 1–9, got ${String(position)}`);
  }
}

/**
 * The (self, other) payoffs of six primary answers in Version A order. Integer answers are the
 * printed options; fractional ones are continuous positions (exact interpolation).
 *
 * @example
 * primaryPayoffs([1, 9, 9, 9, 1, 1])[0]; // { self: 85, other: 85 }
 */
export function primaryPayoffs(choices: readonly number[]): { self: number; other: number }[] {
  if (choices.length !== 6) throw new RangeError(`expected 6 primary answers, got ${choices.length}`);
  return choices.map((c, i) => {
    checkPosition(c, i + 1);
    const p = payoffAt(PRIMARY_ITEMS[i], c);
    return { self: p.self, other: p.other };
  });
}

// Endpoint archetypes of the primary items (METHOD §3): [left = option 1, right = option 9].
const ENDPOINT_ARCHETYPES: readonly (readonly [Category, Category])[] = [
  ["prosocial", "competitive"],
  ["competitive", "individualistic"],
  ["altruistic", "prosocial"],
  ["altruistic", "competitive"],
  ["individualistic", "altruistic"],
  ["individualistic", "prosocial"],
];
// The same as indices into CATEGORIES, for the allocation-free scorer.
const ENDPOINT_IDX: readonly (readonly [number, number])[] = ENDPOINT_ARCHETYPES.map(
  ([l, r]) => [CATEGORIES.indexOf(l), CATEGORIES.indexOf(r)] as const,
);

// Flat payoff tables of the primary items (option k of item i at i*9 + k-1), for tight loops.
const P_SELF = new Float64Array(54);
const P_OTHER = new Float64Array(54);
PRIMARY_ITEMS.forEach((item, i) =>
  item.options.forEach((p, k) => {
    P_SELF[i * 9 + k] = p.self;
    P_OTHER[i * 9 + k] = p.other;
  }),
);

function selfAt(item: number, position: number): number {
  if (Number.isInteger(position)) return P_SELF[item * 9 + position - 1];
  const it = PRIMARY_ITEMS[item];
  return it.left.self + ((it.right.self - it.left.self) * (position - 1)) / 8;
}
function otherAt(item: number, position: number): number {
  if (Number.isInteger(position)) return P_OTHER[item * 9 + position - 1];
  const it = PRIMARY_ITEMS[item];
  return it.left.other + ((it.right.other - it.left.other) * (position - 1)) / 8;
}

interface Tournament {
  scores: [number, number, number, number];
  /** beatenBy[a] = bitmask of the categories (by CATEGORIES index) that beat a. */
  beatenBy: [number, number, number, number];
}

/** Winner per item by strict Euclidean closeness to an endpoint; exact ties split the point. */
function tournament(choices: ArrayLike<number>): Tournament {
  const scores: [number, number, number, number] = [0, 0, 0, 0];
  const beatenBy: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 6; i++) {
    const item = PRIMARY_ITEMS[i];
    const s = selfAt(i, choices[i]);
    const o = otherAt(i, choices[i]);
    // Squared distances: exact for the printed integers, so a tie is a real tie.
    const dl = (s - item.left.self) ** 2 + (o - item.left.other) ** 2;
    const dr = (s - item.right.self) ** 2 + (o - item.right.other) ** 2;
    const [l, r] = ENDPOINT_IDX[i];
    if (dl < dr) {
      scores[l] += 1;
      beatenBy[r] |= 1 << l;
    } else if (dr < dl) {
      scores[r] += 1;
      beatenBy[l] |= 1 << r;
    } else {
      scores[l] += 0.5;
      scores[r] += 0.5;
    }
  }
  return { scores, beatenBy };
}

/** Kahn's algorithm on the 4 archetypes; null when the "beats" graph has a cycle. */
function rankingOf(t: Tournament): Category[] | null {
  let remaining = 0b1111;
  const out: Category[] = [];
  while (remaining !== 0) {
    // Among the nodes no remaining node beats, the highest score; equal scores keep CATEGORIES order.
    // In an acyclic tournament a winner never scores below its loser, so this is the score
    // order with ties broken by the graph; no unbeaten node means a cycle.
    let pick = -1;
    for (let a = 0; a < 4; a++) {
      if ((remaining & (1 << a)) === 0 || (t.beatenBy[a] & remaining) !== 0) continue;
      if (pick === -1 || t.scores[a] > t.scores[pick]) pick = a;
    }
    if (pick === -1) return null;
    out.push(CATEGORIES[pick]);
    remaining &= ~(1 << pick);
  }
  return out;
}

/**
 * Transitivity of the primary answers (Version A order): each item's endpoints stand for two
 * archetypes, the endpoint strictly closer to the chosen point wins (an exact tie gives 0.5 to
 * each and no edge). Transitive iff the winner→loser graph is acyclic; the ranking then lists
 * the archetypes by score (highest first; equal scores follow the graph, then CATEGORIES order).
 *
 * @example
 * transitivity([1, 9, 9, 9, 1, 1]).ranking; // ["individualistic", "prosocial", "competitive", "altruistic"]
 */
export function transitivity(choices: readonly number[]): {
  transitive: boolean;
  ranking: Category[] | null;
  scores: Record<Category, number>;
} {
  if (choices.length !== 6) throw new RangeError(`expected 6 primary answers, got ${choices.length}`);
  choices.forEach((c, i) => checkPosition(c, i + 1));
  const t = tournament(choices);
  const ranking = rankingOf(t);
  return {
    transitive: ranking !== null,
    ranking,
    scores: {
      altruistic: t.scores[0],
      prosocial: t.scores[1],
      individualistic: t.scores[2],
      competitive: t.scores[3],
    },
  };
}

// Secondary-item ideal options (items 7–15, METHOD §3); NaN = undefined on a constant-sum item.
const IDEAL_IA = [6, 5, 4, 7, 5, 8, 5, 3, 2];
const IDEAL_JG = [9, NaN, 1, 9, NaN, 9, NaN, 1, 1];
const IDEAL_IND = [1, 9, 1, 1, 9, 9, 9, 1, 9];
const IDEAL_ALT = [9, 1, 9, 9, 1, 1, 1, 9, 1];

function distanceTo(ideal: readonly number[], secondary: ArrayLike<number | null>): number {
  let sum = 0;
  let n = 0;
  for (let j = 0; j < 9; j++) {
    if (Number.isNaN(ideal[j])) continue;
    sum += Math.abs((secondary[j] as number) - ideal[j]) / 8;
    n++;
  }
  return sum / n;
}

/** The four secondary-item distances of METHOD §3 (all answers must be present). */
export function secondaryDistances(secondary: readonly number[]): { ia: number; jg: number; individualist: number; altruist: number } {
  if (secondary.length !== 9) throw new RangeError(`expected 9 secondary answers, got ${secondary.length}`);
  secondary.forEach((c, j) => checkPosition(c, j + 7));
  return {
    ia: distanceTo(IDEAL_IA, secondary),
    jg: distanceTo(IDEAL_JG, secondary),
    individualist: distanceTo(IDEAL_IND, secondary),
    altruist: distanceTo(IDEAL_ALT, secondary),
  };
}

/** Reasons the IA index is not applicable, in the order they are checked. */
export const IA_REASONS = {
  noSecondary: "secondary items not answered",
  incomplete: (missing: number[]) => `secondary items incomplete (item${missing.length > 1 ? "s" : ""} ${missing.join(", ")} missing)`,
  notProsocial: (c: Category) => `primary category is ${c}, not prosocial`,
  intransitive: "primary answers are intransitive",
  notClosest: "D_IA and D_JG are not the two smallest of the four distances",
} as const;

function iaFrom(
  category: Category,
  transitive: boolean,
  secondary: ArrayLike<number | null> | null,
): { index: number | null; reason: string | null } {
  if (secondary === null) return { index: null, reason: IA_REASONS.noSecondary };
  let missing: number[] | null = null;
  for (let j = 0; j < 9; j++) {
    const c = secondary[j];
    if (c === null || c === undefined) (missing ??= []).push(j + 7);
    else checkPosition(c, j + 7);
  }
  if (missing !== null) {
    return { index: null, reason: missing.length === 9 ? IA_REASONS.noSecondary : IA_REASONS.incomplete(missing) };
  }
  if (category !== "prosocial") return { index: null, reason: IA_REASONS.notProsocial(category) };
  if (!transitive) return { index: null, reason: IA_REASONS.intransitive };
  const dIA = distanceTo(IDEAL_IA, secondary);
  const dJG = distanceTo(IDEAL_JG, secondary);
  const dInd = distanceTo(IDEAL_IND, secondary);
  const dAlt = distanceTo(IDEAL_ALT, secondary);
  // Strict: when an individualist or altruist distance ties D_IA or D_JG, the two smallest are
  // ambiguous and the index is not reported (project definition, see README "How scoring works").
  if (Math.max(dIA, dJG) >= Math.min(dInd, dAlt)) return { index: null, reason: IA_REASONS.notClosest };
  return { index: dIA / (dIA + dJG), reason: null };
}

/**
 * The inequality-aversion index D_IA / (D_IA + D_JG) from the secondary answers (items 7–15,
 * Version A order): 0 = inequality averse, 1 = joint-gain maximiser. Reported only for a
 * prosocial, transitive primary response whose D_IA and D_JG are the two smallest distances;
 * otherwise `index` is null and `reason` says why.
 *
 * @example
 * inequalityAversion([1, 9, 9, 4, 5, 9], [6, 5, 4, 7, 5, 8, 5, 3, 2]); // { index: 0, reason: null }
 */
export function inequalityAversion(
  primary: readonly number[],
  secondary: readonly (number | null)[] | null,
): { index: number | null; reason: string | null } {
  if (secondary !== null && secondary.length !== 9) {
    throw new RangeError(`expected 9 secondary answers, got ${secondary.length}`);
  }
  const t = transitivity(primary);
  const category = categorize(angleFromPayoffs(primaryPayoffs(primary)));
  return iaFrom(category, t.transitive, secondary);
}

export interface SvoScore {
  selfMean: number;
  otherMean: number;
  /** Degrees, unrounded. */
  angle: number;
  category: Category;
  transitive: boolean;
  ranking: Category[] | null;
  iaIndex: number | null;
  iaReason: string | null;
}

/**
 * Scores one respondent: 15 answers (or only the 6 primary ones) in the version's presented
 * order; secondary answers may be null. Version B presents items 6…1 then 15…7.
 *
 * @example
 * scoreResponse([9, 1, 9, 9, 1, 1]).angle; // -16.2602… (competitor)
 * scoreResponse([1, 1, 9, 9, 9, 1], "B").category; // "individualistic" (1 9 9 9 1 1 in Version A)
 */
export function scoreResponse(answers: readonly (number | null)[], version: SliderVersion = "A"): SvoScore {
  const n = answers.length;
  if (n !== 6 && n !== 15) throw new RangeError(`expected 6 or 15 answers, got ${n}`);
  const b = version === "B";
  if (!b && version !== "A") throw new RangeError(`unknown version '${String(version)}'`);
  // Convert to Version A order: B reverses within each block.
  const primary = [0, 0, 0, 0, 0, 0];
  let sSum = 0;
  let oSum = 0;
  for (let i = 0; i < 6; i++) {
    const c = answers[b ? 5 - i : i];
    if (c === null || c === undefined) throw new RangeError(`item ${i + 1}: primary answer missing`);
    checkPosition(c, i + 1);
    primary[i] = c;
    sSum += selfAt(i, c);
    oSum += otherAt(i, c);
  }
  const selfMean = sSum / 6;
  const otherMean = oSum / 6;
  const angle = angleFromMeans(selfMean, otherMean);
  const category = categorize(angle);
  const ranking = rankingOf(tournament(primary));
  let secondary: (number | null)[] | null = null;
  if (n === 15) {
    secondary = new Array<number | null>(9);
    for (let j = 0; j < 9; j++) secondary[j] = answers[b ? 14 - j : 6 + j] ?? null;
  }
  const ia = iaFrom(category, ranking !== null, secondary);
  return {
    selfMean,
    otherMean,
    angle,
    category,
    transitive: ranking !== null,
    ranking,
    iaIndex: ia.index,
    iaReason: ia.reason,
  };
}

/**
 * Archetype answer patterns on the primary items, Version A (METHOD §3). "prosocial" is the
 * inequality-averse prosocial pattern.
 *
 * @example
 * angleFromPayoffs(primaryPayoffs(ARCHETYPE_PATTERNS.competitive)); // -16.2602…
 */
export const ARCHETYPE_PATTERNS: Record<Category, readonly number[]> = {
  altruistic: [1, 9, 1, 1, 9, 9],
  prosocial: [1, 9, 9, 4, 5, 9],
  individualistic: [1, 9, 9, 9, 1, 1],
  competitive: [9, 1, 9, 9, 1, 1],
};
