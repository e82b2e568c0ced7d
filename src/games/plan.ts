/**
 * What a two-person item game presents, as plain lists: its canonical items, and for one trial
 * the order of items and of each item's options with their labels. A view over the compiled game
 * (src/games/items.ts) for tests and tools that think in items; the engine plays the Game itself.
 *
 * @example
 * const plan = planTrial(scenario.game, rng.derive("session", sid));
 * const shown = plan[0].order.map((k) => plan[0].item.options[k]); // presented order
 */
import type { Rng } from "../core/random.ts";
import { optionLabels, type AllocationItem, type PresentedItem } from "./game.ts";
import { createGame, type GameSpec } from "./registry.ts";

/** The game's items in canonical order (slider: Version A numbering, ids "svo-1" …); [] for games without items. */
export function gameItems(game: GameSpec): AllocationItem[] {
  return createGame(game).items.map((it) => ({ id: it.id, primary: it.primary, options: it.options }));
}

/** Rounds in one trial. */
export function roundsPerTrial(game: GameSpec): number {
  return createGame(game).rounds;
}

/**
 * One trial's presentation: items in the version's order (shuffled when `shuffleItems`), each
 * with its options in canonical order or shuffled (`shuffleOptions`), labelled A, B, … in
 * presented order; the same draws the engine makes for a session with this generator.
 */
export function planTrial(spec: GameSpec, rng: Rng): PresentedItem[] {
  const game = createGame(spec);
  const byId = new Map(gameItems(spec).map((it) => [it.id, it]));
  const state = game.start(rng);
  return Array.from({ length: game.rounds }, (_, round) => {
    const move = game.move(state, round, 0, []);
    const order = game.presentation(state, round, move);
    return { item: byId.get(move.itemId)!, order, labels: optionLabels(order.length) };
  });
}
