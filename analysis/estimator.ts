/**
 * Maximum-likelihood SVO angle for custom allocation games (METHOD §7): choices follow a logit
 * model P(j) ∝ exp(β · U_θ(j)) with U_θ = cos θ · self + sin θ · other. Fitting the weight vector
 * w = β (cos θ, sin θ) makes the log-likelihood concave, so Newton's method finds the global
 * maximum; θ = atan2(w₂, w₁) and β = |w|.
 *
 * @example
 * const fit = estimateLogit(items, choices); // items: { options: {self, other}[] }[], choices: 0-based
 * fit.theta; // degrees in (−180, 180]
 */
import { maximiserInterval } from "./value-target.ts";

export interface LogitFit {
  /** Utility angle in degrees, (−180, 180]. */
  theta: number;
  /** Choice sensitivity per payoff unit (≥ 0). */
  beta: number;
  logLik: number;
  iterations: number;
  /** False when the optimum is at β → ∞ (choices perfectly separable) or the iteration cap was hit. */
  converged: boolean;
  /** Number of choices used. */
  n: number;
}

const MAX_ITER = 100;
// Beyond this the choices are deterministic for all practical purposes (payoffs are O(1–100)).
const MAX_W = 1e3;

/**
 * Fits θ and β jointly by maximum likelihood; items[i] is the item on which choices[i]
 * (a 0-based option index) was made. Throws RangeError on mismatched or invalid input.
 *
 * @example
 * estimateLogit([{ options: [{ self: 10, other: 0 }, { self: 5, other: 5 }] }], [1]);
 */
export function estimateLogit(
  items: readonly { options: readonly { self: number; other: number }[] }[],
  choices: readonly number[],
): LogitFit {
  if (items.length !== choices.length) {
    throw new RangeError(`estimateLogit: ${items.length} items but ${choices.length} choices`);
  }
  const n = choices.length;
  if (n === 0) throw new RangeError("estimateLogit: no choices");
  // Centre each item's payoffs: the softmax ignores per-item shifts, and centring keeps exp() tame.
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const m = items[i].options.length;
    if (m < 1) throw new RangeError(`estimateLogit: item ${i} has no options`);
    const c = choices[i];
    if (!Number.isInteger(c) || c < 0 || c >= m) {
      throw new RangeError(`estimateLogit: choice ${i} is ${c}, expected an option index 0..${m - 1}`);
    }
    offsets[i + 1] = offsets[i] + m;
  }
  const xs = new Float64Array(offsets[n]);
  const ys = new Float64Array(offsets[n]);
  const cs = new Float64Array(n);
  const co = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const opts = items[i].options;
    let ms = 0;
    let mo = 0;
    for (const p of opts) {
      if (!Number.isFinite(p.self) || !Number.isFinite(p.other)) throw new RangeError(`estimateLogit: item ${i} has a non-finite payoff`);
      ms += p.self;
      mo += p.other;
    }
    ms /= opts.length;
    mo /= opts.length;
    for (let k = 0; k < opts.length; k++) {
      xs[offsets[i] + k] = opts[k].self - ms;
      ys[offsets[i] + k] = opts[k].other - mo;
    }
    cs[i] = xs[offsets[i] + choices[i]];
    co[i] = ys[offsets[i] + choices[i]];
  }

  // Log-likelihood, gradient and Hessian at w = (w1, w2).
  const evaluate = (w1: number, w2: number, withDerivatives: boolean) => {
    let ll = 0, g1 = 0, g2 = 0, h11 = 0, h12 = 0, h22 = 0;
    for (let i = 0; i < n; i++) {
      const a = offsets[i];
      const b = offsets[i + 1];
      let max = -Infinity;
      for (let k = a; k < b; k++) max = Math.max(max, w1 * xs[k] + w2 * ys[k]);
      let z = 0, ex = 0, ey = 0, exx = 0, exy = 0, eyy = 0;
      for (let k = a; k < b; k++) {
        const e = Math.exp(w1 * xs[k] + w2 * ys[k] - max);
        z += e;
        if (withDerivatives) {
          ex += e * xs[k];
          ey += e * ys[k];
          exx += e * xs[k] * xs[k];
          exy += e * xs[k] * ys[k];
          eyy += e * ys[k] * ys[k];
        }
      }
      ll += w1 * cs[i] + w2 * co[i] - max - Math.log(z);
      if (withDerivatives) {
        const mx = ex / z, my = ey / z;
        g1 += cs[i] - mx;
        g2 += co[i] - my;
        h11 -= exx / z - mx * mx;
        h12 -= exy / z - mx * my;
        h22 -= eyy / z - my * my;
      }
    }
    return { ll, g1, g2, h11, h12, h22 };
  };

  let w1 = 0;
  let w2 = 0;
  let cur = evaluate(w1, w2, true);
  let converged = false;
  let iterations = 0;
  for (; iterations < MAX_ITER; iterations++) {
    const { g1, g2, h11, h12, h22 } = cur;
    if (Math.hypot(g1, g2) < 1e-8 * n) {
      converged = true;
      break;
    }
    // Newton direction −H⁻¹g; fall back to gradient ascent when H is (nearly) singular.
    const det = h11 * h22 - h12 * h12;
    let d1: number, d2: number;
    if (det > 1e-12 * (h11 * h11 + h22 * h22 + 1e-300)) {
      d1 = -(h22 * g1 - h12 * g2) / det;
      d2 = -(-h12 * g1 + h11 * g2) / det;
    } else {
      const scale = 1e-4 / Math.max(1e-12, Math.abs(h11) + Math.abs(h22));
      d1 = g1 * scale;
      d2 = g2 * scale;
    }
    // Backtracking line search: the likelihood must not decrease.
    let step = 1;
    let next = evaluate(w1 + d1, w2 + d2, false);
    while (next.ll < cur.ll - 1e-12 && step > 1e-10) {
      step /= 2;
      next = evaluate(w1 + step * d1, w2 + step * d2, false);
    }
    const nw1 = w1 + step * d1;
    const nw2 = w2 + step * d2;
    const moved = Math.hypot(nw1 - w1, nw2 - w2);
    w1 = nw1;
    w2 = nw2;
    cur = evaluate(w1, w2, true);
    if (Math.hypot(w1, w2) > MAX_W) break;
    if (moved < 1e-12 * (1 + Math.hypot(w1, w2))) {
      converged = Math.hypot(cur.g1, cur.g2) < 1e-6 * n;
      break;
    }
  }
  // A vanishing gradient can also mean the likelihood is still creeping up as β → ∞
  // (separable choices): a genuine interior maximum is strictly better than doubling w.
  if (converged && Math.hypot(w1, w2) > 1e-9 && !(evaluate(2 * w1, 2 * w2, false).ll < cur.ll)) converged = false;
  const beta = Math.hypot(w1, w2);
  const theta = beta === 0 ? 0 : (Math.atan2(w2, w1) * 180) / Math.PI;
  return { theta, beta, logLik: cur.ll, iterations, converged, n };
}

/**
 * The slider-angle interval a utility maximiser with angle θ reaches on the primary items,
 * by the same rule as the ideal sets (ties within `tieTolerance` payoff units). Use it to test
 * simulated agents: a linear maximiser scores a plateau angle on the slider, not θ itself.
 *
 * @example
 * impliedSliderAngle(45); // [37.0928…, 52.9072…]
 */
export function impliedSliderAngle(theta: number, tieTolerance = 1): [number, number] {
  return maximiserInterval(theta, tieTolerance);
}
