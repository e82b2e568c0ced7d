/**
 * Sums of money where a part may be unknown. A model call without a known price costs `null`,
 * never 0: a total over calls keeps the priced part and the number of unpriced calls, and the
 * total itself is null as soon as one call is unpriced (no number is made up for the rest).
 *
 * @example
 * const t = emptyCost();
 * addCost(t, 0.002); addCost(t, null);
 * costOf(t);        // { costUsd: null, pricedCostUsd: 0.002, unpricedCalls: 1 }
 * formatCost(costOf(t)); // "≥ $0.0020 + unknown"
 */

/** A running total: the priced part and how many calls had no known price. */
export interface CostTally {
  pricedCostUsd: number;
  unpricedCalls: number;
}

/** What a total reports: `costUsd` is null when any part is unknown; the priced part is kept apart. */
export interface CostTotal {
  readonly costUsd: number | null;
  readonly pricedCostUsd: number;
  readonly unpricedCalls: number;
}

export function emptyCost(): CostTally {
  return { pricedCostUsd: 0, unpricedCalls: 0 };
}

/** Adds one call's cost (null: unpriced) to a tally. */
export function addCost(t: CostTally, costUsd: number | null): void {
  if (costUsd === null) t.unpricedCalls++;
  else t.pricedCostUsd += costUsd;
}

/** Adds a whole total (another segment, another cell) to a tally. */
export function addTotal(t: CostTally, c: { costUsd: number | null; pricedCostUsd?: number; unpricedCalls?: number }): void {
  t.pricedCostUsd += c.pricedCostUsd ?? c.costUsd ?? 0;
  // A null total without a count (a writer that kept none) still makes the sum unknown.
  t.unpricedCalls += c.unpricedCalls ?? (c.costUsd === null ? 1 : 0);
}

export function costOf(t: CostTally): CostTotal {
  return { costUsd: t.unpricedCalls > 0 ? null : t.pricedCostUsd, pricedCostUsd: t.pricedCostUsd, unpricedCalls: t.unpricedCalls };
}

/**
 * "$0.0123"; "unknown" when nothing is priced; "≥ $0.0123 + unknown" when part is priced.
 *
 * @example
 * formatCost({ costUsd: 0.5 });                               // "$0.5000"
 * formatCost({ costUsd: null, pricedCostUsd: 0 });            // "unknown"
 */
export function formatCost(c: { costUsd: number | null; pricedCostUsd?: number }, digits = 4, dollar = "$"): string {
  if (c.costUsd !== null) return `${dollar}${c.costUsd.toFixed(digits)}`;
  const priced = c.pricedCostUsd ?? 0;
  return priced > 0 ? `≥ ${dollar}${priced.toFixed(digits)} + unknown` : "unknown";
}

/** A table cell under a "cost $" header: "0.0123", "unknown", "≥ 0.0123 + unknown". */
export function costCell(c: { costUsd: number | null; pricedCostUsd?: number }, digits = 4): string {
  return formatCost(c, digits, "");
}
