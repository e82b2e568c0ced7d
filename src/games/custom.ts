/**
 * `custom`: two-person allocation items exactly as the scenario lists them, each a list of
 * (self, other) options.
 *
 * @example
 * custom.create(custom.schema.parse({ type: "custom", items: [{ id: "trust", options: [{ self: 10, other: 0 }, { self: 5, other: 5 }] }] }));
 */
import { z } from "zod";
import { Id } from "../core/fields.ts";
import type { GameModule } from "./contract.ts";
import type { AllocationItem } from "./game.ts";
import { itemsGame } from "./items.ts";
import { checkCounterbalance, COUNTERBALANCE } from "./presentation.ts";

const Option = z.object({ self: z.number(), other: z.number() }).strict();

export const CustomSpec = z
  .object({
    type: z.literal("custom"),
    items: z.array(z.object({ id: Id, options: z.array(Option).min(2) }).strict()).min(1),
    shuffleItems: z.boolean().default(false),
    shuffleOptions: z.boolean().default(false),
    counterbalance: COUNTERBALANCE,
  })
  .strict()
  .superRefine(checkCounterbalance);
export type CustomSpec = z.infer<typeof CustomSpec>;

export function customItems(game: Pick<CustomSpec, "items">): AllocationItem[] {
  return game.items.map((item) => ({
    id: item.id,
    options: item.options.map((o) => ({ self: o.self, other: o.other })),
    primary: false,
  }));
}

export const custom: GameModule<CustomSpec> = {
  type: "custom",
  summary: "Your own two-person items: each a list of (self, other) options.",
  schema: CustomSpec,
  create(spec) {
    const items = customItems(spec);
    return itemsGame({ type: "custom", items, order: items, shuffleItems: spec.shuffleItems, shuffleOptions: spec.shuffleOptions, scoring: "choices", tieTolerance: 0 });
  },
};
