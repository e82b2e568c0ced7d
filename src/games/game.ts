/**
 * The allocation-item abstraction all games share: an item is a list of (self, other)
 * options in canonical order; a trial presents items in some order, each with its options in
 * some order under some labels, and records the mapping so choices are scored canonically.
 *
 * @example
 * const plan = planTrial(scenario.game, rng.derive("session", sid));
 * const shown = plan[0].order.map((k) => plan[0].item.options[k]); // presented order
 */
import type { Payoff } from "../core/instrument.ts";

export interface AllocationItem {
  /** Stable id: "svo-1" … "svo-15" for the slider, "dictator-<round>", or the custom item's id. */
  readonly id: string;
  /** Options in canonical order (option k is index k-1). */
  readonly options: readonly Payoff[];
  /** Slider items 1–6 (they give the angle); false for secondary and non-slider items. */
  readonly primary: boolean;
}

export interface PresentedItem {
  readonly item: AllocationItem;
  /** order[p] = canonical 0-based index of the option shown at presented position p. */
  readonly order: readonly number[];
  /** labels[p] = the label shown at presented position p ("A", "B", …). */
  readonly labels: readonly string[];
}

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
/** The labels of items with up to 26 options, built once: every item of every session needs them. */
const SHORT_LABELS: readonly string[] = LETTERS.split("");

/** Option labels in presentation order: A, B, C, … (then AA, AB, … for very long items). */
export function optionLabels(n: number): string[] {
  if (n <= 26) return SHORT_LABELS.slice(0, n);
  const out = SHORT_LABELS.slice();
  for (let i = 26; i < n; i++) out.push(LETTERS[Math.floor(i / 26) - 1] + LETTERS[i % 26]);
  return out;
}
