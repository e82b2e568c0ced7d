/**
 * How the N-player games present a move's options: in canonical order, or shuffled per round and
 * member when the spec asks for `shuffleOptions` (a control for position bias in LLM answers).
 * The shuffle is drawn from a seed the trial's generator puts into the state at start, so the
 * order is deterministic from the state and resume replays it exactly. Also the option list and
 * labels as prompts show them.
 *
 * @example
 * const state = { shuffle: shuffleSeed(true, rng) };
 * presentationOrder(state, 0, move); // e.g. [3, 0, 4, 1, 2]
 */
import { createRng, hashSeed, type Rng } from "../core/random.ts";
import type { GameState, Move, MoveOption } from "./contract.ts";

/** The seed a trial shuffles options with, or null for canonical order (no draw from the generator then). */
export function shuffleSeed(shuffleOptions: boolean, rng: Rng): number | null {
  return shuffleOptions ? rng.int(0x7fffffff) : null;
}

// Canonical orders by option count, built once: every decision of an unshuffled game asks for one.
const IDENTITY: (readonly number[])[] = [];
function identityOf(n: number): readonly number[] {
  return (IDENTITY[n] ??= Object.freeze(Array.from({ length: n }, (_, k) => k)));
}

/** Presented position p shows canonical option order[p]. */
export function presentationOrder(state: GameState, round: number, move: Move): readonly number[] {
  const identity = identityOf(move.options.length);
  const seed = state.shuffle;
  if (typeof seed !== "number") return identity;
  return createRng(hashSeed(seed, round, move.member, move.itemId)).shuffle(identity);
}

type Presented = readonly { readonly label: string; readonly option: MoveOption }[];

/** One line per option as presented: "A: contribute 0 coins (keep 20)". */
export function optionLines(presented: Presented): string {
  return presented.map((p) => `${p.label}: ${p.option.text}`).join("\n");
}

/** "A, B, C" for instructions. */
export function labelList(presented: Presented): string {
  return presented.map((p) => p.label).join(", ");
}

/** Variables every N-player game's templates may use: the option list, the labels, the first label. */
export function optionVars(presented: Presented): { options: string; labels: string; first: string } {
  return { options: optionLines(presented), labels: labelList(presented), first: presented[0]?.label ?? "A" };
}

/** Members in prose: "member 1, member 3" (1-based, as prompts count). */
export function memberName(member: number): string {
  return `member ${member + 1}`;
}
