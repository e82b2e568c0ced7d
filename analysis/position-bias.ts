/**
 * Position bias (METHOD §14): how often an agent chooses the option shown first, against the
 * 1/k a chooser indifferent to position would, and, when the run counterbalances option order
 * (`game.counterbalance: true`), the order effect: the agent's angle (and VR) in reversed-order
 * trajectories minus printed-order ones. A model that always answers "A" has firstOptionShare 1
 * and, counterbalanced, an order effect as large as the instrument allows; one that reads the
 * payoffs has an order effect near 0 whatever its first-option share.
 *
 * @example
 * const bias = firstOption(trajectories); // { share: 1, chance: 0.111…, n: 60 }
 * const effect = orderEffect(trajectories, true, undefined, settings); // { angle: -15.7, angleCI: [...], … }
 */
import type { TrajectoryRecord } from "./operators.ts";
import { resampledInterval, unitsOf, type ResampleSettings } from "./resample.ts";

export interface FirstOption {
  /** Share of the valid decisions (with a known presented position) made on the first option shown. */
  share: number | null;
  /** What a chooser indifferent to position gets: the mean of 1/k over the same decisions. */
  chance: number | null;
  /** Those decisions. */
  n: number;
}

/** The first-option share of some trajectories. */
export function firstOption(ts: readonly TrajectoryRecord[]): FirstOption {
  let n = 0;
  let first = 0;
  let chance = 0;
  for (const t of ts) {
    n += t.positioned;
    first += t.firstChoices;
    chance += t.firstChance;
  }
  return n ? { share: first / n, chance: chance / n, n } : { share: null, chance: null, n: 0 };
}

export interface OrderEffect {
  /** Scored trajectories in each order. */
  printed: number;
  reversed: number;
  /** Circular mean angle in reversed order minus printed order, degrees in (−180, 180]; null without an angle in both. */
  angle: number | null;
  angleCI: [number, number] | null;
  /** Mean VR in reversed order minus printed order. */
  vr: number | null;
  vrCI: [number, number] | null;
}

const RAD = Math.PI / 180;
const wrap180 = (d: number): number => d - 360 * Math.ceil((d - 180) / 360);

/**
 * The order effect of some trajectories (null when none was counterbalanced). Intervals resample
 * `unit` (the analysis' cluster key; trajectories when undefined): a cluster keeps both its
 * orders together, so the difference is taken within the resampled units.
 */
export function orderEffect(
  ts: readonly TrajectoryRecord[],
  withAngle: boolean,
  unit: ((t: TrajectoryRecord) => string) | undefined,
  settings: ResampleSettings,
): OrderEffect | null {
  const arms = ts.filter((t) => t.order !== null && t.vr !== null);
  if (!ts.some((t) => t.order !== null)) return null;
  const { index, count } = unitsOf(arms, unit);
  // Per unit and order (0 printed, 1 reversed): n, Σ vr, Σ sin, Σ cos of the angle.
  const n = [new Float64Array(count), new Float64Array(count)];
  const vr = [new Float64Array(count), new Float64Array(count)];
  const sin = [new Float64Array(count), new Float64Array(count)];
  const cos = [new Float64Array(count), new Float64Array(count)];
  let angles = withAngle;
  arms.forEach((t, i) => {
    const o = t.order === "reversed" ? 1 : 0;
    const u = index[i];
    n[o][u]++;
    vr[o][u] += t.vr!;
    if (t.angle === null) angles = false;
    else {
      sin[o][u] += Math.sin(t.angle * RAD);
      cos[o][u] += Math.cos(t.angle * RAD);
    }
  });
  const ones = new Float64Array(count).fill(1);
  const diff = (w: Float64Array, of: "vr" | "angle"): number | null => {
    const m: number[] = [];
    for (const o of [0, 1]) {
      let a = 0;
      let b = 0;
      let k = 0;
      for (let u = 0; u < count; u++) {
        if (w[u] === 0) continue;
        k += w[u] * n[o][u];
        if (of === "vr") a += w[u] * vr[o][u];
        else {
          a += w[u] * sin[o][u];
          b += w[u] * cos[o][u];
        }
      }
      if (k === 0 || (of === "angle" && Math.hypot(a, b) <= 1e-12 * k)) return null;
      m.push(of === "vr" ? a / k : Math.atan2(a, b) / RAD);
    }
    return of === "vr" ? m[1] - m[0] : wrap180(m[1] - m[0]);
  };
  let printed = 0;
  let reversed = 0;
  for (let u = 0; u < count; u++) {
    printed += n[0][u];
    reversed += n[1][u];
  }
  const vrDiff = diff(ones, "vr");
  const angleDiff = angles ? diff(ones, "angle") : null;
  return {
    printed,
    reversed,
    angle: angleDiff,
    // Offsets from the estimate, wrapped, so an interval near ±180° stays contiguous.
    angleCI:
      angleDiff === null
        ? null
        : shift(resampledInterval(count, settings, (w) => {
            const d = diff(w, "angle");
            return d === null ? null : wrap180(d - angleDiff);
          }), angleDiff),
    vr: vrDiff,
    vrCI: vrDiff === null ? null : resampledInterval(count, settings, (w) => diff(w, "vr")),
  };
}

function shift(ci: [number, number] | null, by: number): [number, number] | null {
  return ci ? [ci[0] + by, ci[1] + by] : null;
}
