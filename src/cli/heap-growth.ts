/**
 * How far V8 lets the heap grow past what is live. Between full collections V8 lets the old
 * generation grow to up to four times what the last one left alive; in a long run most of that is
 * garbage, so every MB of live state (the analysis's per-trajectory records, group memory) cost
 * several MB of peak RSS: `hvae run` of 500,000 decisions peaked at 341 MB with ~60 MB live. At
 * 1.5 times it peaked at 248 MB for about 5 % more CPU (docs/reliability.md, "Memory stays
 * bounded"). The flag is read at every collection, so setting it at start-up takes effect.
 *
 * @example
 * boundHeapGrowth(); // once, before the command runs
 */
import { setFlagsFromString } from "node:v8";

/** The old generation may grow to (1 + this/100) times its live size before the next full collection. */
export const HEAP_GROWING_PERCENT = 50;

/** Sets V8's heap growing factor unless the command line already chose one; true when it set it. */
export function boundHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
