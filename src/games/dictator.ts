/**
 * `dictator`: split an endowment, giving the other x in steps and keeping the rest, as two-person
 * items. Every round is the same item; its id names the round (1-based, like "svo-1").
 *
 * @example
 * dictatorOptions(100, 25);
 * // [{self:100,other:0}, {self:75,other:25}, {self:50,other:50}, {self:25,other:75}, {self:0,other:100}]
 */
import { z } from "zod";
import type { Payoff } from "../core/instrument.ts";
import type { GameModule } from "./contract.ts";
import type { AllocationItem } from "./game.ts";
import { itemsGame } from "./items.ts";
import { checkCounterbalance, COUNTERBALANCE } from "./presentation.ts";

export const DictatorSpec = z
  .object({
    type: z.literal("dictator"),
    endowment: z.number().positive().default(100),
    step: z.number().positive().default(10),
    /** How many dictator rounds make one trial. */
    rounds: z.number().int().positive().default(1),
    shuffleOptions: z.boolean().default(false),
    counterbalance: COUNTERBALANCE,
  })
  .strict()
  .superRefine(checkCounterbalance);
export type DictatorSpec = z.infer<typeof DictatorSpec>;

/** Options x = 0, step, 2·step, … up to the endowment (the endowment itself always included). */
export function dictatorOptions(endowment: number, step: number): Payoff[] {
  // Rounding to 1e-9 keeps fractional steps (0.1) from printing as 0.30000000000000004.
  const clean = (x: number) => Math.round(x * 1e9) / 1e9;
  const gifts: number[] = [];
  for (let k = 0; clean(k * step) < endowment; k++) gifts.push(clean(k * step));
  gifts.push(endowment);
  return gifts.map((other) => ({ self: clean(endowment - other), other }));
}

export function dictatorItems(game: Pick<DictatorSpec, "endowment" | "step" | "rounds">): AllocationItem[] {
  const options = dictatorOptions(game.endowment, game.step);
  return Array.from({ length: game.rounds }, (_, r) => ({ id: `dictator-${r + 1}`, options, primary: false }));
}

export const dictator: GameModule<DictatorSpec> = {
  type: "dictator",
  summary: "Split an endowment with the other participant in steps; one two-person item per round.",
  schema: DictatorSpec,
  create(spec) {
    const items = dictatorItems(spec);
    return itemsGame({ type: "dictator", items, order: items, shuffleItems: false, shuffleOptions: spec.shuffleOptions, scoring: "choices", tieTolerance: 0 });
  },
};
