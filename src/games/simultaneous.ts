/**
 * Pieces every simultaneous N-member game needs the same way (public goods, commons, expression
 * games, a user's module such as scenarios/examples/stag-hunt.ts): one stage of all members, the
 * joint choices of a round, a move rebuilt from the log, foresight memoised within bounds, and the
 * "last round" sentence of the prompt. Each game keeps its own rules; only these are shared.
 *
 * @example
 * const chosen = jointChoices(3, [{ member: 2, option: 1 }]); // [null, null, 1]
 * lastRound([0, null, 2], 0, "member", (o) => `put in ${o}`);
 * // "Last round you put in 0; member 2 gave no valid answer, member 3 put in 2."
 */
import type { Move, Played } from "./contract.ts";

/** The one stage of a simultaneous round: every member at once. */
export function allAtOnce(n: number): readonly (readonly number[])[] {
  return [Array.from({ length: n }, (_, i) => i)];
}

/** Each member's canonical option in a round (member order; null: no valid answer). */
export function jointChoices(n: number, played: readonly Played[]): (number | null)[] {
  const chosen: (number | null)[] = new Array(n).fill(null);
  for (const p of played) chosen[p.member] = p.option;
  return chosen;
}

/** Refuses a logged move that is not this game's single move or whose member is outside the group. */
export function checkRestorable(where: string, itemId: string, expected: string, role: string | null, member: number, n: number): void {
  if (itemId !== expected || role !== null) throw new Error(`${where}: unknown move ${itemId} (role ${role})`);
  if (!Number.isInteger(member) || member < 0 || member >= n) throw new Error(`${where}: member ${member} outside the group of ${n}`);
}

/**
 * Foresight memoised by a key of what it depends on: every member of a group asks with the same
 * state, so one computation serves them all; the memo is cleared past `limit` entries (bounded).
 */
export function memoised<T>(keyOf: (move: Move) => string, foresee: (move: Move) => T, limit = 256): (move: Move) => T {
  const memo = new Map<string, T>();
  return (move) => {
    const key = keyOf(move);
    let out = memo.get(key);
    if (out === undefined) {
      out = foresee(move);
      if (memo.size >= limit) memo.clear();
      memo.set(key, out);
    }
    return out;
  };
}

/** "Last round you …; member 2 …, member 3 …." from the previous round's choices (null: first round). */
export function lastRound(previous: readonly (number | null)[] | null, self: number, noun: string, did: (option: number) => string): string {
  if (!previous) return "This is the first round.";
  const what = (o: number | null) => (o === null ? "gave no valid answer" : did(o));
  const parts: string[] = [];
  previous.forEach((o, j) => {
    if (j !== self) parts.push(`${noun} ${j + 1} ${what(o)}`);
  });
  return `Last round you ${what(previous[self])}; ${parts.join(", ")}.`;
}
