/**
 * `svo-slider`: the SVO Slider Measure (Murphy, Ackermann & Handgraaf 2011) as a game of
 * two-person items: the six primary items (or all 15) in the version's order, ids "svo-1" …
 * "svo-15" in Version A numbering, scored by the slider formula.
 *
 * @example
 * const game = svoSlider.create(svoSlider.schema.parse({ type: "svo-slider", items: "all" }));
 * game.rounds; // 15
 */
import { z } from "zod";
import type { GameModule } from "./contract.ts";
import { itemsGame } from "./items.ts";
import { sliderItems, sliderPresentationOrder } from "./slider.ts";
import { checkCounterbalance, COUNTERBALANCE } from "./presentation.ts";

export const SvoSliderSpec = z
  .object({
    type: z.literal("svo-slider"),
    /** The six primary items (they give the angle) or all 15. */
    items: z.enum(["primary", "all"]).default("primary"),
    /** A: items in numbering order; B: reversed within each block. */
    version: z.enum(["A", "B"]).default("A"),
    shuffleItems: z.boolean().default(false),
    shuffleOptions: z.boolean().default(false),
    counterbalance: COUNTERBALANCE,
  })
  .strict()
  .superRefine(checkCounterbalance);
export type SvoSliderSpec = z.infer<typeof SvoSliderSpec>;

export const svoSlider: GameModule<SvoSliderSpec> = {
  type: "svo-slider",
  summary: "The SVO Slider Measure: 6 primary (or 15) two-person items of 9 options, scored by the slider formula.",
  schema: SvoSliderSpec,
  create: (spec) =>
    itemsGame({
      type: "svo-slider",
      items: sliderItems(spec.items),
      order: sliderPresentationOrder(spec.items, spec.version),
      shuffleItems: spec.shuffleItems,
      shuffleOptions: spec.shuffleOptions,
      scoring: "slider",
      // The printed payoffs are rounded to whole coins.
      tieTolerance: 1,
    }),
};
