/**
 * The dictator game as allocation items: split an endowment, giving the other x in steps, keeping
 * the rest. Every round is the same item; its id names the round (1-based, like "svo-1").
 *
 * @example
 * dictatorItems({ endowment: 100, step: 25, rounds: 1 })[0].options;
 * // [{self:100,other:0}, {self:75,other:25}, {self:50,other:50}, {self:25,other:75}, {self:0,other:100}]
 */
import type { Payoff } from "../core/instrument.ts";
import type { AllocationItem } from "./game.ts";

export interface DictatorSettings {
  readonly endowment: number;
  readonly step: number;
  readonly rounds: number;
}

/** Options x = 0, step, 2·step, … up to the endowment (the endowment itself always included). */
export function dictatorOptions(endowment: number, step: number): Payoff[] {
  // Rounding to 1e-9 keeps fractional steps (0.1) from printing as 0.30000000000000004.
  const clean = (x: number) => Math.round(x * 1e9) / 1e9;
  const gifts: number[] = [];
  for (let k = 0; clean(k * step) < endowment; k++) gifts.push(clean(k * step));
  gifts.push(endowment);
  return gifts.map((other) => ({ self: clean(endowment - other), other }));
}

export function dictatorItems(game: DictatorSettings): AllocationItem[] {
  const options = dictatorOptions(game.endowment, game.step);
  return Array.from({ length: game.rounds }, (_, r) => ({ id: `dictator-${r + 1}`, options, primary: false }));
}
