/**
 * What a game presents: its canonical items, and for one trial the order of items and of each
 * item's options with their labels. Deterministic for a given generator, so the environment can
 * derive one generator per session and get the same plan however sessions interleave.
 *
 * @example
 * const plan = planTrial(scenario.game, rng.derive("plan", sessionId));
 * const shown = plan[0].order.map((k) => plan[0].item.options[k]); // presented order
 */
import type { Rng } from "../core/random.ts";
import type { Scenario } from "../scenario/schema.ts";
import { customItems } from "./custom.ts";
import { dictatorItems } from "./dictator.ts";
import { optionLabels, type AllocationItem, type PresentedItem } from "./game.ts";
import { sliderItems, sliderPresentationOrder } from "./slider.ts";

type GameSpec = Scenario["game"];

// Games are plain parsed objects that never change after validation, so items are built once per game.
const itemCache = new WeakMap<GameSpec, readonly AllocationItem[]>();

/** The game's items in canonical order (slider: Version A numbering, ids "svo-1" …). */
export function gameItems(game: GameSpec): AllocationItem[] {
  let items = itemCache.get(game);
  if (!items) {
    items =
      game.type === "svo-slider" ? sliderItems(game.items) : game.type === "dictator" ? dictatorItems(game) : customItems(game);
    itemCache.set(game, items);
  }
  return items.slice();
}

/** Rounds (items presented) in one trial. */
export function roundsPerTrial(game: GameSpec): number {
  return gameItems(game).length;
}

/**
 * One trial's presentation: items in the version's order (shuffled when `shuffleItems`), each
 * with its options in canonical order or shuffled (`shuffleOptions`), labelled A, B, … in
 * presented order. The generator is drawn in a fixed order: item shuffle first, then one option
 * shuffle per presented item.
 */
export function planTrial(game: GameSpec, rng: Rng): PresentedItem[] {
  let items: AllocationItem[] =
    game.type === "svo-slider" ? sliderPresentationOrder(game.items, game.version) : gameItems(game);
  if ("shuffleItems" in game && game.shuffleItems) items = rng.shuffle(items);
  return items.map((item) => {
    const canonical = item.options.map((_, k) => k);
    const order = game.shuffleOptions ? rng.shuffle(canonical) : canonical;
    return { item, order, labels: optionLabels(order.length) };
  });
}
