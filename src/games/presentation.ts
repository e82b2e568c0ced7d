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
import { z } from "zod";
import { createRng, hashSeed, type Rng } from "../core/random.ts";
import type { GameState, Move, MoveOption } from "./contract.ts";

/**
 * `game.counterbalance`: each agent's trajectories alternate between the printed (canonical)
 * option order and its reverse, starting with an order drawn from the run's seed per agent
 * (src/environment/counterbalance.ts). A control for position bias whose effect analysis can
 * measure (the order effect), unlike a shuffle. Optional without a default, so the recorded
 * `gameSpec` of a scenario that does not mention it stays as it was.
 */
export const COUNTERBALANCE = z
  .boolean()
  .optional()
  .describe(
    "Present each agent's trajectories alternately in printed and reversed option order (first order drawn from the seed per agent); analysis reports the order effect. Not with shuffleOptions.",
  );

/** Refuses `counterbalance` together with `shuffleOptions`: a shuffled order has no printed order to reverse. */
export function checkCounterbalance(spec: { readonly counterbalance?: boolean; readonly shuffleOptions?: boolean }, ctx: z.RefinementCtx): void {
  if (spec.counterbalance === true && spec.shuffleOptions === true) {
    ctx.addIssue({
      code: "custom",
      path: ["counterbalance"],
      message: "counterbalance reverses the printed option order and cannot be combined with shuffleOptions: true (use one of them)",
    });
  }
}

/** The presented order of a trajectory under counterbalancing. */
export type OptionOrder = "printed" | "reversed";

const REVERSED = new WeakMap<readonly number[], readonly number[]>();

/**
 * An order reversed, memoised per order array (two-person items reuse one order per item, and a
 * fresh array per decision would defeat the presenter's cache).
 *
 * @example
 * reversedOrder([0, 1, 2]); // [2, 1, 0]
 */
export function reversedOrder(order: readonly number[]): readonly number[] {
  let r = REVERSED.get(order);
  if (!r) REVERSED.set(order, (r = Object.freeze(order.slice().reverse())));
  return r;
}

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
