/**
 * What a set of choices says about the utility angle θ (docs/METHOD.md §10, "Identification"),
 * on any game whose scoring is "choices". Choices of a deterministic maximiser pin θ down only to
 * a set: every θ whose maximiser (over all tie-breaks) makes exactly these choices. A point angle
 * is reported only under the logit model P(j) ∝ exp(β·U_θ(j)) when β is clearly above 0 and the
 * likelihood is not flat; otherwise "not identified" with the reason. Never a point angle with a
 * category when θ is not identified.
 *
 * - Grid: θ = −180°, −179.9°, …, 179.9° (3600 points, step 0.1°). A move's ideal options are
 *   computed at each grid angle once and cached per move.
 * - Consistent set: grid angles at which every choice is ideal. If none, the best-fitting set
 *   (most choices ideal) is what is reported beside the reason.
 * - Logit: the profile log-likelihood max_β ℓ(θ, β) on a 1° grid, refined on the 0.1° grid
 *   around its maximum. Point estimate iff (a) no angle makes every choice (else: separation,
 *   β → ∞), (b) the likelihood-ratio statistic against β = 0 exceeds 13.82 (χ², 2 degrees of
 *   freedom for the weight vector β(cos θ, sin θ), level 0.001), and (c) the 95 % profile set
 *   {θ : 2(ℓ̂ − ℓ(θ)) ≤ 3.84} is one arc narrower than 90° (MAX_ARC). That arc is the angle's interval.
 *
 * @example
 * const id = identify(game, [{ move, counts: Float64Array.of(0, 0, 10) }]);
 * id.identified; // false: ten equal, deterministic choices (separation)
 * id.angleSet;   // [[-44.9, 89.9]]: every θ whose maximiser gives everything away
 */
import type { Game, Move } from "../src/games/contract.ts";
import { idealOptions, moveUtilities } from "../src/games/utility.ts";

export type Interval = [number, number];

/** Grid step of the angle sets, degrees. */
export const GRID_STEP = 0.1;
/** Grid points on the circle. */
export const GRID_N = 3600;
/** Coarse profile-likelihood step, in fine grid points (1°). */
const COARSE = 10;
/** χ² critical values: 2 degrees of freedom at 0.001 (β = 0 test), 1 degree of freedom at 0.05 (profile set). */
export const LR_CRITICAL = 13.8155;
export const PROFILE_CRITICAL = 3.8415;
/**
 * The widest 95 % profile arc that still counts as a point estimate, degrees: a quarter circle,
 * the distance between neighbouring archetypes. Wider means the choices reveal a trade-off's sign
 * rather than an angle (constant-sum items are flat over a half circle up to its open ends).
 */
export const MAX_ARC = 90;

/** The angle of grid point g, degrees (−180 … 179.9). */
export function gridAngle(g: number): number {
  return Math.round((-180 + g * GRID_STEP) * 10) / 10;
}

/** One move with how often each canonical option was chosen on it. */
export interface MoveCounts {
  readonly move: Move;
  readonly counts: ArrayLike<number>;
}

export interface Identification {
  /** True only for a logit point estimate that passes the criteria above. */
  readonly identified: boolean;
  /** Degrees; null unless identified. */
  readonly angle: number | null;
  /** The 95 % profile-likelihood arc of an identified angle (1° resolution), else null. */
  readonly angleCI: Interval | null;
  /**
   * Intervals of grid angles (0.1° resolution; an arc through ±180° is two intervals): the
   * consistent set, else the best-fitting set, or an identified angle's profile interval.
   */
  readonly angleSet: Interval[];
  /**
   * Why θ is not identified (null when it is), starting with a short tag before the first colon:
   * "no valid choices", "every angle fits", "separation", "β ≈ 0" or "flat likelihood".
   */
  readonly reason: string | null;
  /** Choices that are ideal at the best-fitting angles, out of all choices. */
  readonly fitted: number;
  readonly choices: number;
  /** Logit fit at the estimate (null when the consistent set decided). */
  readonly beta: number | null;
  readonly lr: number | null;
}

const gridCache = new WeakMap<Move, Uint8Array>();

/** mask[g·k + j] = 1 when option j is ideal at grid angle g (cached per move object). */
export function idealGrid(game: Game, move: Move): Uint8Array {
  let mask = gridCache.get(move);
  if (mask) return mask;
  const k = move.options.length;
  mask = new Uint8Array(GRID_N * k);
  const fixed = fixedPayoffs(game, move);
  if (fixed) {
    // The same arithmetic as idealOptions (utility.ts), without rebuilding the outcomes per angle.
    const u = new Float64Array(k);
    for (let g = 0; g < GRID_N; g++) {
      const rad = gridAngle(g) * RAD;
      const c = Math.cos(rad);
      const sn = Math.sin(rad);
      let best = -Infinity;
      for (let j = 0; j < k; j++) {
        u[j] = c * fixed.own[j] + sn * fixed.others[j];
        if (u[j] > best) best = u[j];
      }
      for (let j = 0; j < k; j++) if (u[j] >= best - game.tieTolerance - 1e-9) mask[g * k + j] = 1;
    }
  } else {
    for (let g = 0; g < GRID_N; g++) for (const j of idealOptions(game, move, gridAngle(g))) mask[g * k + j] = 1;
  }
  gridCache.set(move, mask);
  return mask;
}

const RAD = Math.PI / 180;

/**
 * Own and summed others' payoffs of each option when they do not depend on the mover's angle:
 * in simultaneous games the contract's belief about the others is the game's own (their previous
 * moves, else uniform), never the mover's angle. Null in sequential games (later movers are
 * believed to share the mover's angle).
 */
function fixedPayoffs(game: Game, move: Move): { own: Float64Array; others: Float64Array } | null {
  if (game.turns !== "simultaneous") return null;
  const outcomes = game.outcomes(move, 0);
  const own = new Float64Array(outcomes.length);
  const others = new Float64Array(outcomes.length);
  outcomes.forEach((pays, j) => {
    let o = 0;
    for (let i = 0; i < pays.length; i++) if (i !== move.member) o += pays[i];
    own[j] = pays[move.member];
    others[j] = o;
  });
  return { own, others };
}

const utilCache = new WeakMap<Move, Float64Array[]>();

/** A move's option utilities at each 1° grid angle (cached per move object). */
function coarseUtilities(game: Game, move: Move): Float64Array[] {
  let u = utilCache.get(move);
  if (!u) {
    u = [];
    const fixed = fixedPayoffs(game, move);
    for (let i = 0; i < GRID_N / COARSE; i++) {
      const theta = gridAngle(i * COARSE);
      if (!fixed) u.push(Float64Array.from(moveUtilities(game, move, theta)));
      else {
        const c = Math.cos(theta * RAD);
        const sn = Math.sin(theta * RAD);
        u.push(fixed.own.map((x, j) => c * x + sn * fixed.others[j]));
      }
    }
    utilCache.set(move, u);
  }
  return u;
}

/** Circular runs of true points: [start, length] pairs, a run through the end joined to one at 0. */
function circularRuns(inSet: (i: number) => boolean, n: number): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    if (!inSet(i)) continue;
    let j = i;
    while (j + 1 < n && inSet(j + 1)) j++;
    runs.push([i, j - i + 1]);
    i = j;
  }
  if (runs.length > 1 && runs[0][0] === 0) {
    const last = runs[runs.length - 1];
    if (last[0] + last[1] === n) {
      runs[0] = [last[0], last[1] + runs[0][1]];
      runs.pop();
    }
  }
  return runs;
}

/** Grid runs as intervals of degrees, split at ±180°. */
function runsToIntervals(runs: [number, number][], n: number, step: number): Interval[] {
  const out: Interval[] = [];
  const deg = (i: number) => Math.round((-180 + i * step) * 10) / 10;
  for (const [start, len] of runs) {
    if (len >= n) return [[-180, deg(n - 1)]];
    const end = start + len - 1;
    if (end < n) out.push([deg(start), deg(end)]);
    else {
      out.push([deg(start), deg(n - 1)]);
      out.push([deg(0), deg(end - n)]);
    }
  }
  return out.sort((a, b) => a[0] - b[0]);
}

const fmtSet = (set: Interval[]) => set.map(([a, b]) => (a === b ? `{${a}°}` : `[${a}°, ${b}°]`)).join(" ∪ ");

/**
 * The profile log-likelihood at one angle: max over β ≥ 0 of Σ n_j log softmax(β U)_j, with
 * whether the maximum sits at the cap (β → ∞, separation).
 */
function profileAt(util: readonly Float64Array[], data: readonly MoveCounts[], cap: number): { ll: number; beta: number; atCap: boolean } {
  // f'(β) = Σ_moves (Σ_j n_j U_j − N·E_β[U]) decreases in β (the log-likelihood is concave);
  // f''(β) = −Σ N·Var_β[U]. Safeguarded Newton on f' = 0 inside a bracket, bisecting when a step leaves it.
  const derivs = (beta: number): [number, number] => {
    let s = 0;
    let h = 0;
    for (let m = 0; m < data.length; m++) {
      const u = util[m];
      const c = data[m].counts;
      let max = -Infinity;
      for (let j = 0; j < u.length; j++) if (u[j] > max) max = u[j];
      let z = 0, ez = 0, ez2 = 0, n = 0, nu = 0;
      for (let j = 0; j < u.length; j++) {
        const d = u[j] - max;
        const e = Math.exp(beta * d);
        z += e;
        ez += e * d;
        ez2 += e * d * d;
        n += c[j];
        nu += c[j] * d;
      }
      const mean = ez / z;
      s += nu - n * mean;
      h -= n * (ez2 / z - mean * mean);
    }
    return [s, h];
  };
  const ll = (beta: number): number => {
    let s = 0;
    for (let m = 0; m < data.length; m++) {
      const u = util[m];
      const c = data[m].counts;
      let max = -Infinity;
      for (let j = 0; j < u.length; j++) if (u[j] > max) max = u[j];
      let z = 0;
      for (let j = 0; j < u.length; j++) z += Math.exp(beta * (u[j] - max));
      const lz = Math.log(z);
      for (let j = 0; j < u.length; j++) if (c[j] > 0) s += c[j] * (beta * (u[j] - max) - lz);
    }
    return s;
  };
  const [s0] = derivs(0);
  if (s0 <= 1e-12) return { ll: ll(0), beta: 0, atCap: false };
  if (derivs(cap)[0] > 0) return { ll: ll(cap), beta: cap, atCap: true };
  let lo = 0;
  let hi = cap;
  let beta = 0;
  for (let i = 0; i < 100; i++) {
    const [s, h] = derivs(beta);
    if (s > 0) lo = beta;
    else hi = beta;
    if (Math.abs(s) < 1e-10 * (1 + Math.abs(s0)) || hi - lo < 1e-12 * (1 + hi)) break;
    let next = h < 0 ? beta - s / h : NaN;
    if (!(next > lo && next < hi)) next = lo + (hi - lo) / 2;
    beta = next;
  }
  return { ll: ll(beta), beta, atCap: false };
}

/**
 * Identifies θ from choices on any "choices" game.
 *
 * @example
 * identify(game, data).reason; // e.g. "β ≈ 0: …" for a random chooser
 */
export function identify(game: Game, data: readonly MoveCounts[]): Identification {
  const used = data.filter((d) => {
    let n = 0;
    for (let j = 0; j < d.counts.length; j++) n += d.counts[j];
    return n > 0;
  });
  let choices = 0;
  for (const d of used) for (let j = 0; j < d.counts.length; j++) choices += d.counts[j];
  const none = (reason: string, angleSet: Interval[] = [], fitted = 0): Identification => ({
    identified: false, angle: null, angleCI: null, angleSet, reason, fitted, choices, beta: null, lr: null,
  });
  if (choices === 0) return none("no valid choices");

  // Choices ideal at each grid angle.
  const fit = new Float64Array(GRID_N);
  for (const d of used) {
    const k = d.move.options.length;
    const mask = idealGrid(game, d.move);
    for (let j = 0; j < k; j++) {
      const c = d.counts[j];
      if (!c) continue;
      for (let g = 0; g < GRID_N; g++) if (mask[g * k + j]) fit[g] += c;
    }
  }
  let best = 0;
  for (let g = 0; g < GRID_N; g++) if (fit[g] > best) best = fit[g];
  const bestRuns = circularRuns((g) => fit[g] === best, GRID_N);
  const bestSet = runsToIntervals(bestRuns, GRID_N, GRID_STEP);
  const covers = bestRuns.length === 1 && bestRuns[0][1] === GRID_N;
  if (best === choices) {
    if (covers) return none("every angle fits: no move separates one value from another", bestSet, best);
    // Varied choices that only a maximiser indifferent between all options makes (random splits
    // on constant-sum items fit 45° exactly) are a tie, not separation: the logit model decides.
    const indifferent = (g: number) =>
      used.every((d) => {
        const k = d.move.options.length;
        const mask = idealGrid(game, d.move);
        for (let j = 0; j < k; j++) if (!mask[g * k + j]) return false;
        return true;
      });
    let allTies = true;
    for (let g = 0; g < GRID_N && allTies; g++) if (fit[g] === best && !indifferent(g)) allTies = false;
    if (!allTies) {
      return none(
        bestSet.length === 1 && bestSet[0][0] === bestSet[0][1]
          ? // One grid angle: the choices are ties of that angle's maximiser, which no nearby angle shares.
            `separation: the choices are deterministic, and only θ = ${bestSet[0][0]}° makes exactly these choices (ties at that angle), so no point angle is estimated`
          : `separation: the choices are deterministic, and every θ in ${fmtSet(bestSet)} makes exactly these choices, so no point angle is identified`,
        bestSet,
        best,
      );
    }
  }

  // Logit profile likelihood.
  let scale = 0;
  for (const d of used) for (const pays of game.outcomes(d.move, 0)) for (const x of pays) scale = Math.max(scale, Math.abs(x));
  const cap = 1e4 / Math.max(scale, 1e-9);
  let ll0 = 0;
  for (const d of used) {
    let n = 0;
    for (let j = 0; j < d.counts.length; j++) n += d.counts[j];
    ll0 -= n * Math.log(d.move.options.length);
  }
  const utilAt = (theta: number) => used.map((d) => Float64Array.from(moveUtilities(game, d.move, theta)));
  const coarseN = GRID_N / COARSE;
  const coarseUtil = used.map((d) => coarseUtilities(game, d.move));
  const coarse = new Array<{ ll: number; beta: number; atCap: boolean }>(coarseN);
  let top = 0;
  for (let i = 0; i < coarseN; i++) {
    coarse[i] = profileAt(coarseUtil.map((u) => u[i]), used, cap);
    if (coarse[i].ll > coarse[top].ll) top = i;
  }
  let hat = { ...coarse[top], theta: gridAngle(top * COARSE) };
  for (let g = top * COARSE - COARSE + 1; g < top * COARSE + COARSE; g++) {
    const gg = (g + GRID_N) % GRID_N;
    const p = profileAt(utilAt(gridAngle(gg)), used, cap);
    if (p.ll > hat.ll) hat = { ...p, theta: gridAngle(gg) };
  }
  const lr = 2 * (hat.ll - ll0);
  const lrText = `LR = ${lr.toFixed(2)}`;
  const fitText = `best-fitting angles ${fmtSet(bestSet)} make ${best} of ${choices} choices`;
  if (hat.atCap) return { ...none(`separation: the likelihood grows without bound (β → ∞) near ${hat.theta}°; ${fitText}`, bestSet, best), lr };
  if (!(lr > LR_CRITICAL)) {
    return {
      ...none(`β ≈ 0: no angle explains the choices clearly better than uniform chance (${lrText} ≤ ${LR_CRITICAL.toFixed(2)}, p > 0.001); ${fitText}`, bestSet, best),
      beta: hat.beta,
      lr,
    };
  }
  const ciRuns = circularRuns((i) => 2 * (hat.ll - coarse[i].ll) <= PROFILE_CRITICAL, coarseN);
  const width = ciRuns.reduce((s, r) => s + r[1], 0);
  const ciSet = runsToIntervals(ciRuns, coarseN, COARSE * GRID_STEP);
  if (ciRuns.length !== 1 || width * COARSE * GRID_STEP >= MAX_ARC) {
    return {
      ...none(`flat likelihood: the 95 % profile set ${fmtSet(ciSet)} spans ${MAX_ARC}° or more, so the choices reveal only part of the trade-off`, ciSet.length ? ciSet : bestSet, best),
      beta: hat.beta,
      lr,
    };
  }
  // One arc: [lo, hi] in degrees, hi above 180 when the arc passes through ±180°.
  const [start, len] = ciRuns[0];
  const lo = Math.round((-180 + start * COARSE * GRID_STEP) * 10) / 10;
  const ci: Interval = [lo, Math.round((lo + (len - 1) * COARSE * GRID_STEP) * 10) / 10];
  return { identified: true, angle: hat.theta, angleCI: ci, angleSet: [ci], reason: null, fitted: best, choices, beta: hat.beta, lr };
}
