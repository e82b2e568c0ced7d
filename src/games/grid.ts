/**
 * Numeric option grids and the limits every N-player game states: contributions, offers, harvests
 * and actions are evenly spaced amounts (0, step, …, total) or listed numbers, and a spec that
 * would make a plan the runtime cannot honour (thousands of options, a million rounds) is refused
 * at validation with the limit in the message.
 *
 * @example
 * amounts(100, 25);        // [0, 25, 50, 75, 100]
 * divides(7, 100);         // false
 * spaced(2, 10, 4);        // [2, 6, 10]
 */
import { z } from "zod";

/** Options a move may offer (a prompt lists them all; utilities enumerate them). */
export const MAX_OPTIONS = 101;
/** Rounds in one trial. */
export const MAX_ROUNDS = 1000;

/** Rounds to 1e-9 so that 0.1 + 0.2 prints as 0.3 and sums compare exactly. */
export function clean(x: number): number {
  const r = Math.round(x * 1e9) / 1e9;
  return r === 0 ? 0 : r;
}

/** True when `total` is a whole multiple of `step` (up to floating-point noise). */
export function divides(step: number, total: number): boolean {
  const k = total / step;
  return Math.abs(k - Math.round(k)) < 1e-9;
}

/** 0, step, 2·step, …, total (total/step + 1 amounts; `step` must divide `total`). */
export function amounts(total: number, step: number): number[] {
  const n = Math.round(total / step);
  return Array.from({ length: n + 1 }, (_, k) => clean(k * step));
}

/** from, from + step, …, to (`step` must divide `to − from`). */
export function spaced(from: number, to: number, step: number): number[] {
  const n = Math.round((to - from) / step);
  return Array.from({ length: n + 1 }, (_, k) => clean(from + k * step));
}

/** `rounds`: 1 … MAX_ROUNDS. */
export const Rounds = (fallback: number) =>
  z
    .number()
    .int("expected a whole number of rounds")
    .min(1, "expected at least 1 round")
    .max(MAX_ROUNDS, `at most ${MAX_ROUNDS} rounds in a trial`)
    .default(fallback);

/** A positive finite amount (an endowment, a step). */
export const Amount = (fallback: number) =>
  z.number().positive("expected a positive number").refine(Number.isFinite, "expected a finite number").default(fallback);

/** `groupSize` between `min` and a stated `max`. */
export const GroupSize = (fallback: number, min: number, max: number) =>
  z
    .number()
    .int("expected a whole number of members")
    .min(min, `expected at least ${min} members`)
    .max(max, `at most ${max} members in a group for this game`)
    .default(fallback);

interface Issues {
  addIssue(issue: { code: "custom"; message: string; path: (string | number)[] }): void;
}

/**
 * Checks that `step` divides `total` and that the grid 0…total has at most MAX_OPTIONS amounts,
 * reporting at `path` (e.g. `game.step: step 7 does not divide endowment 100`).
 */
export function checkGrid(ctx: Issues, path: string, step: number, total: number, totalName: string): void {
  // Bad amounts are already reported by their own fields.
  if (!(step > 0 && total > 0 && Number.isFinite(step) && Number.isFinite(total))) return;
  if (!divides(step, total)) {
    ctx.addIssue({ code: "custom", path: [path], message: `${path} ${step} does not divide ${totalName} ${total}` });
    return;
  }
  const count = Math.round(total / step) + 1;
  if (count > MAX_OPTIONS) {
    ctx.addIssue({
      code: "custom",
      path: [path],
      message: `${path} ${step} gives ${count} options from 0 to ${totalName} ${total}; at most ${MAX_OPTIONS} options (use a step of at least ${clean(total / (MAX_OPTIONS - 1))})`,
    });
  }
}

/**
 * Numbers as prompts and messages write them: 12.5, 0.125, 30 (never 30.000000000000004), and
 * repeating fractions to two decimals (1.6/3 → 0.53).
 */
export function num(x: number): string {
  const r = clean(x);
  return Math.abs(r * 1e4 - Math.round(r * 1e4)) < 1e-6 ? String(r) : r.toFixed(2);
}
