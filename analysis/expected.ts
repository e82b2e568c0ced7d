/**
 * Expected angle and VR of a trajectory from the model's option probabilities (decision.made
 * `probabilities`), without sampling noise (METHOD §13). On the slider:
 * - the expected angle is the angle of the expected payoff means, Ē_self = (1/n) Σ_i Σ_k p_ik·self_ik
 *   (and Ē_other alike) over the n primary items: the angle a model answering with these
 *   probabilities makes on average payoffs;
 * - the expected VR is E[VR(θ(S))], the exact expectation of the item-wise choice VR over the
 *   joint distribution of the sums S, the items' choices taken as independent with the recorded
 *   probabilities (each answer's distribution is the model's given the history it saw). VR is not
 *   linear in θ, so VR(expected angle) would not be the expected VR.
 * The distribution of the sums is a convolution over the items (distinct sums only); entries
 * below 1e-12 are dropped (their mass, at most a few 1e-9, bounds the error, VR being in [0, 1]).
 *
 * @example
 * const dists = [{ options: [{ self: 85, other: 85 }, { self: 85, other: 15 }], p: Float64Array.of(0.5, 0.5) }];
 * expectedSliderAngle(dists); // 0: the angle of the expected means (85, 50)
 * expectedSliderVR(dists, "individualistic"); // 1: either choice gives θ = 45° or −45°… see the test for exact cases
 */
import { angleFromMeans } from "./svo.ts";
import { valueRationality } from "./value-rationality.ts";
import type { ValueTarget } from "./value-target.ts";

/** One answered primary item: its options in canonical order and the model's probabilities (summing to 1). */
export interface ItemDistribution {
  readonly options: readonly { self: number; other: number }[];
  readonly p: Float64Array;
}

/** Probabilities below this are dropped from the convolution (see the module note). */
const PRUNE = 1e-12;

/**
 * A recorded probability vector normalised to sum 1, or null when unusable (absent, wrong length,
 * not finite, all zero). Models give probabilities of the offered labels only; renormalising
 * conditions on answering one of them.
 */
export function normalised(probabilities: readonly number[] | null | undefined, options: number): Float64Array | null {
  if (!probabilities || probabilities.length !== options) return null;
  let sum = 0;
  for (const x of probabilities) {
    if (!Number.isFinite(x) || x < 0) return null;
    sum += x;
  }
  if (sum <= 0) return null;
  return Float64Array.from(probabilities, (x) => x / sum);
}

/** The angle of the expected payoff means (degrees). */
export function expectedSliderAngle(items: readonly ItemDistribution[]): number {
  let self = 0;
  let other = 0;
  for (const it of items)
    for (let k = 0; k < it.options.length; k++) {
      self += it.p[k] * it.options[k].self;
      other += it.p[k] * it.options[k].other;
    }
  return angleFromMeans(self / items.length, other / items.length);
}

/** E[VR(θ(S))] over independent item choices with the given probabilities. */
export function expectedSliderVR(items: readonly ItemDistribution[], target: ValueTarget): number {
  let dist = new Map<string, [number, number, number]>([["0,0", [0, 0, 1]]]);
  for (const it of items) {
    const next = new Map<string, [number, number, number]>();
    for (const [s, o, p] of dist.values()) {
      for (let k = 0; k < it.options.length; k++) {
        const q = p * it.p[k];
        if (q < PRUNE) continue;
        const opt = it.options[k];
        const key = `${s + opt.self},${o + opt.other}`;
        const e = next.get(key);
        if (e) e[2] += q;
        else next.set(key, [s + opt.self, o + opt.other, q]);
      }
    }
    dist = next;
  }
  const n = items.length;
  let e = 0;
  let mass = 0;
  for (const [s, o, p] of dist.values()) {
    e += p * valueRationality(angleFromMeans(s / n, o / n), target);
    mass += p;
  }
  return mass > 0 ? e / mass : 0;
}
