/**
 * The SVO Slider Measure (Murphy, Ackermann & Handgraaf 2011) as data. The printed integers
 * are the source of truth (METHOD §2): they are rounded half-up from the endpoints, and
 * banker's rounding would silently change scores.
 *
 * @example
 * const item = SLIDER_ITEMS[0];            // item 1
 * item.options[4];                          // { self: 85, other: 50 } (option 5)
 */
export interface Payoff {
  readonly self: number;
  readonly other: number;
}

export interface SliderItem {
  /** 1..15 in Version A numbering. */
  readonly number: number;
  readonly primary: boolean;
  /** The 9 printed options, option k at index k-1. */
  readonly options: readonly Payoff[];
  /** Endpoints (option 1 and option 9), for continuous positions. */
  readonly left: Payoff;
  readonly right: Payoff;
}

const SELF: number[][] = [
  [85, 85, 85, 85, 85, 85, 85, 85, 85],
  [85, 87, 89, 91, 93, 94, 96, 98, 100],
  [50, 54, 59, 63, 68, 72, 76, 81, 85],
  [50, 54, 59, 63, 68, 72, 76, 81, 85],
  [100, 94, 88, 81, 75, 69, 63, 56, 50],
  [100, 98, 96, 94, 93, 91, 89, 87, 85],
  [100, 96, 93, 89, 85, 81, 78, 74, 70],
  [90, 91, 93, 94, 95, 96, 98, 99, 100],
  [100, 94, 88, 81, 75, 69, 63, 56, 50],
  [100, 99, 98, 96, 95, 94, 93, 91, 90],
  [70, 74, 78, 81, 85, 89, 93, 96, 100],
  [50, 56, 63, 69, 75, 81, 88, 94, 100],
  [50, 56, 63, 69, 75, 81, 88, 94, 100],
  [100, 96, 93, 89, 85, 81, 78, 74, 70],
  [90, 91, 93, 94, 95, 96, 98, 99, 100],
];
const OTHER: number[][] = [
  [85, 76, 68, 59, 50, 41, 33, 24, 15],
  [15, 19, 24, 28, 33, 37, 41, 46, 50],
  [100, 98, 96, 94, 93, 91, 89, 87, 85],
  [100, 89, 79, 68, 58, 47, 36, 26, 15],
  [50, 56, 63, 69, 75, 81, 88, 94, 100],
  [50, 54, 59, 63, 68, 72, 76, 81, 85],
  [50, 56, 63, 69, 75, 81, 88, 94, 100],
  [100, 99, 98, 96, 95, 94, 93, 91, 90],
  [70, 74, 78, 81, 85, 89, 93, 96, 100],
  [70, 74, 78, 81, 85, 89, 93, 96, 100],
  [100, 96, 93, 89, 85, 81, 78, 74, 70],
  [100, 99, 98, 96, 95, 94, 93, 91, 90],
  [100, 94, 88, 81, 75, 69, 63, 56, 50],
  [90, 91, 93, 94, 95, 96, 98, 99, 100],
  [100, 94, 88, 81, 75, 69, 63, 56, 50],
];

/** All 15 items in Version A order; items 1–6 are primary. */
export const SLIDER_ITEMS: readonly SliderItem[] = SELF.map((selfRow, i) => {
  const options = selfRow.map((self, k) => ({ self, other: OTHER[i][k] }));
  return {
    number: i + 1,
    primary: i < 6,
    options,
    left: options[0],
    right: options[8],
  };
});

export const PRIMARY_ITEMS = SLIDER_ITEMS.slice(0, 6);
export const SECONDARY_ITEMS = SLIDER_ITEMS.slice(6);

export type SliderVersion = "A" | "B";

/**
 * Item numbers (Version A numbering) in the order a version presents them. Version B
 * reverses within each block: primary 6…1, secondary 15…7.
 */
export function versionOrder(version: SliderVersion): number[] {
  const primary = [1, 2, 3, 4, 5, 6];
  const secondary = [7, 8, 9, 10, 11, 12, 13, 14, 15];
  return version === "A"
    ? [...primary, ...secondary]
    : [...primary.reverse(), ...secondary.reverse()];
}

/**
 * The payoff at a continuous slider position on the 1–9 scale (1 = left endpoint, 9 = right),
 * by exact, unrounded interpolation. Integer positions return the printed options.
 */
export function payoffAt(item: SliderItem, position: number): Payoff {
  if (!(position >= 1 && position <= 9)) {
    throw new RangeError(`slider position ${position} is outside 1..9`);
  }
  if (Number.isInteger(position)) return item.options[position - 1];
  const t = (position - 1) / 8;
  return {
    self: item.left.self + (item.right.self - item.left.self) * t,
    other: item.left.other + (item.right.other - item.left.other) * t,
  };
}
