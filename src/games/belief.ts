/**
 * The stated beliefs a game's `outcomes` use for the moves a mover cannot see (docs/METHOD.md,
 * "Games beyond two-person items"):
 * - simultaneous moves: each other member repeats its choice of the previous round; a member whose
 *   previous choice is unknown (the first round, or no valid answer) is uniform over its options;
 * - later movers in sequential games: a utility maximiser of the mover's own angle, which among
 *   tied options takes the one best for the mover, then the first in canonical order.
 *
 * The previous round's choices travel in the move's facts as `previous`: canonical option indices
 * in member order, −1 where a member gave no valid answer, or null before any round was played.
 *
 * @example
 * previousFact([2, null, 0]);                       // [2, -1, 0]
 * uniformSums([0, 1], 2);                           // Map { 0 => 0.25, 1 => 0.5, 2 => 0.25 }
 * laterMoverChoice([[5, 5], [0, 0]], 1, 0, 0, 1e-6); // 0 (accept)
 */
import { groupUtilities } from "./utility.ts";
import type { Fact } from "./contract.ts";
import { clean } from "./grid.ts";

// Facts arrays this module made from a state, and the choices they stand for: every member of a
// group is asked with the same state, and reading them back needs no checks.
const factOf = new WeakMap<readonly (number | null)[], readonly number[]>();
const choicesOf = new WeakMap<readonly number[], readonly (number | null)[]>();

/** The state's record of the last round's choices (null: none yet) as a fact (made once per state). */
export function previousFact(previous: readonly (number | null)[] | null): readonly number[] | null {
  if (previous === null) return null;
  let fact = factOf.get(previous);
  if (!fact) {
    fact = Object.freeze(previous.map((o) => (o === null ? -1 : o)));
    factOf.set(previous, fact);
    choicesOf.set(fact, previous);
  }
  return fact;
}

/** Reads and checks `facts.previous` (restore): canonical options or −1, one per member, or null. */
export function readPrevious(fact: Fact | undefined, groupSize: number, optionCount: number, where: string): readonly (number | null)[] | null {
  if (fact === null || fact === undefined) return null;
  const known = choicesOf.get(fact as readonly number[]);
  if (known && known.length === groupSize) return known;
  if (!Array.isArray(fact) || fact.length !== groupSize || !fact.every((o) => typeof o === "number" && Number.isInteger(o) && o >= -1 && o < optionCount)) {
    throw new Error(`${where}: facts.previous must be null or ${groupSize} option indices (−1 for none), got ${JSON.stringify(fact)}`);
  }
  return (fact as number[]).map((o) => (o === -1 ? null : o));
}

/** A number fact, checked (restore). */
export function readNumber(facts: Readonly<Record<string, Fact>>, name: string, where: string): number {
  const v = facts[name];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${where}: facts.${name} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/** A number-or-null fact, checked (restore). */
export function readNumberOrNull(facts: Readonly<Record<string, Fact>>, name: string, where: string): number | null {
  const v = facts[name];
  if (v === null) return null;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${where}: facts.${name} must be a number or null, got ${JSON.stringify(v)}`);
  return v;
}

/** Distinct sums a distribution may hold before it is refused (keeps beliefs cheap and exact). */
export const MAX_SUPPORT = 20_000;

/**
 * The distribution of the sum of `count` independent draws, each uniform over `values`, as
 * sum → probability (sums rounded to 1e-9). Throws when it would hold more than MAX_SUPPORT sums.
 */
export function uniformSums(values: readonly number[], count: number): Map<number, number> {
  let dist = new Map<number, number>([[0, 1]]);
  const p = 1 / values.length;
  for (let i = 0; i < count; i++) {
    const next = new Map<number, number>();
    for (const [s, q] of dist) {
      for (const v of values) {
        const key = clean(s + v);
        next.set(key, (next.get(key) ?? 0) + q * p);
      }
    }
    if (next.size > MAX_SUPPORT) throw new RangeError(`the sum of ${count} uniform choices over ${values.length} options has more than ${MAX_SUPPORT} distinct totals`);
    dist = next;
  }
  return dist;
}

/**
 * The option a believed later mover (a U_θ maximiser, θ = `beliefDeg`) takes among options with
 * the given payoff vectors: its best; among ties (within `tolerance`), the one with the highest
 * U_θ for `firstMover`; then the first in canonical order.
 */
export function laterMoverChoice(
  payoffs: readonly (readonly number[])[],
  laterMover: number,
  firstMover: number,
  beliefDeg: number,
  tolerance: number,
): number {
  const own = groupUtilities(payoffs, laterMover, beliefDeg);
  const first = groupUtilities(payoffs, firstMover, beliefDeg);
  let best = -Infinity;
  for (const u of own) if (u > best) best = u;
  let pick = -1;
  for (let k = 0; k < own.length; k++) {
    if (own[k] < best - tolerance - 1e-9) continue;
    if (pick === -1 || first[k] > first[pick] + 1e-9) pick = k;
  }
  return pick;
}

/** Tie tolerance of the N-player games: their payoffs are exact, so only floating-point noise ties. */
export const EXACT_TIES = 1e-6;
