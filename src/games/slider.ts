/**
 * The SVO Slider as a game: its 15 items as allocation items (ids in Version A numbering) and
 * the order each version presents them in.
 *
 * @example
 * sliderItems("primary").map((i) => i.id); // ["svo-1", …, "svo-6"]
 */
import { SLIDER_ITEMS, versionOrder, type SliderVersion } from "../core/instrument.ts";
import type { AllocationItem } from "./game.ts";

const ALL: readonly AllocationItem[] = SLIDER_ITEMS.map((item) => ({
  id: `svo-${item.number}`,
  options: item.options,
  primary: item.primary,
}));

/** The slider's items in canonical (Version A) order: items 1–6, or all 15. */
export function sliderItems(which: "primary" | "all"): readonly AllocationItem[] {
  return which === "primary" ? ALL.slice(0, 6) : ALL;
}

/** The items in the order the version presents them (B reverses within each block). */
export function sliderPresentationOrder(which: "primary" | "all", version: SliderVersion): AllocationItem[] {
  const count = which === "primary" ? 6 : 15;
  return versionOrder(version)
    .filter((n) => n <= count)
    .map((n) => ALL[n - 1]);
}
