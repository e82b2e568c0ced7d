/**
 * A custom allocation game: the items exactly as the scenario lists them.
 *
 * @example
 * customItems({ items: [{ id: "trust", options: [{ self: 10, other: 0 }, { self: 5, other: 5 }] }] });
 */
import type { Payoff } from "../core/instrument.ts";
import type { AllocationItem } from "./game.ts";

export function customItems(game: { readonly items: readonly { id: string; options: readonly Payoff[] }[] }): AllocationItem[] {
  return game.items.map((item) => ({
    id: item.id,
    options: item.options.map((o) => ({ self: o.self, other: o.other })),
    primary: false,
  }));
}
