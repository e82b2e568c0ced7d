/**
 * The value a rule-based agent pursues, as the utility U_θ(self, other) = cos θ·self + sin θ·other
 * (METHOD §1), and the helpers the built-in agents share.
 *
 * @example
 * valueAngle("prosocial");                        // 45
 * bestOptions([{ self: 85, other: 85 }, { self: 85, other: 15 }], 45); // [0]
 */

// The archetype angles live in the one values table of the bottom layer.
export { CATEGORY_ANGLES as ARCHETYPE_ANGLE, valueAngle } from "../src/core/values.ts";

const RAD = Math.PI / 180;

/** U_θ(self, other) with θ in degrees. */
export function utility(thetaDeg: number, self: number, other: number): number {
  return Math.cos(thetaDeg * RAD) * self + Math.sin(thetaDeg * RAD) * other;
}

/** The angle a (mean) choice reveals on the slider: atan2(other − 50, self − 50) in degrees. */
export function revealedAngle(self: number, other: number): number {
  return Math.atan2(other - 50, self - 50) / RAD;
}

interface Split {
  readonly self: number;
  readonly other: number;
}

/**
 * Indices of the options that maximise U_θ, counting as ties those within `tolerance` of the
 * best (1e-9: only floating-point noise, e.g. cos 45° ≠ sin 45° in the last bit).
 */
export function bestOptions(options: readonly Split[], thetaDeg: number, tolerance = 1e-9): number[] {
  const c = Math.cos(thetaDeg * RAD);
  const s = Math.sin(thetaDeg * RAD);
  let best = -Infinity;
  const u = new Array<number>(options.length);
  for (let i = 0; i < options.length; i++) {
    u[i] = c * options[i].self + s * options[i].other;
    if (u[i] > best) best = u[i];
  }
  const ties: number[] = [];
  for (let i = 0; i < u.length; i++) if (u[i] >= best - tolerance) ties.push(i);
  return ties;
}

/** Logit choice probabilities P(j) ∝ exp(β·U_θ(j)), computed stably. */
export function logitProbabilities(options: readonly Split[], thetaDeg: number, beta: number): number[] {
  const c = Math.cos(thetaDeg * RAD);
  const s = Math.sin(thetaDeg * RAD);
  return logitOfUtilities(options.map((o) => c * o.self + s * o.other), beta);
}

/** P(j) ∝ exp(β·u_j) from utilities, computed stably (the max is subtracted first). */
export function logitOfUtilities(utilities: readonly number[], beta: number): number[] {
  const z = utilities.map((u) => beta * u);
  const max = Math.max(...z);
  const w = z.map((x) => Math.exp(x - max));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
}

/** Indices within `tolerance` of the largest utility (ascending). */
export function bestOf(utilities: readonly number[], tolerance = 1e-9): number[] {
  let best = -Infinity;
  for (const u of utilities) if (u > best) best = u;
  const ties: number[] = [];
  for (let i = 0; i < utilities.length; i++) if (utilities[i] >= best - tolerance) ties.push(i);
  return ties;
}

/** Draws an index from probabilities with one uniform number. */
export function sampleIndex(probabilities: readonly number[], u: number): number {
  let acc = 0;
  for (let i = 0; i < probabilities.length; i++) {
    acc += probabilities[i];
    if (u < acc) return i;
  }
  return probabilities.length - 1;
}

/** Signed smallest difference b − a between two angles, in (−180, 180]. */
export function angleGap(a: number, b: number): number {
  const d = (((b - a) % 360) + 540) % 360 - 180;
  return d === -180 ? 180 : d;
}
