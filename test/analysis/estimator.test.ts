import { describe, expect, it } from "vitest";
import { estimateLogit, impliedSliderAngle } from "../../analysis/estimator.ts";
import { SLIDER_ITEMS } from "../../src/core/instrument.ts";
import { idealSet } from "../../analysis/value-target.ts";
import { createRng } from "../../src/core/random.ts";

/** Draws choices from P(j) ∝ exp(β · U_θ(j)) on the 15 slider items in turn. */
function simulate(thetaDeg: number, beta: number, n: number, seed: number) {
  const rng = createRng(seed);
  const t = (thetaDeg * Math.PI) / 180;
  const items = [];
  const choices = [];
  for (let i = 0; i < n; i++) {
    const item = SLIDER_ITEMS[i % 15];
    const u = item.options.map((p) => beta * (Math.cos(t) * p.self + Math.sin(t) * p.other));
    const m = Math.max(...u);
    const w = u.map((x) => Math.exp(x - m));
    let r = rng.next() * w.reduce((a, b) => a + b);
    let k = 0;
    while (r >= w[k] && k < w.length - 1) r -= w[k++];
    items.push(item);
    choices.push(k);
  }
  return { items, choices };
}

describe("estimateLogit", () => {
  it.each([
    [30, 0.3],
    [-30, 0.5],
    [75, 0.5],
    [0, 0.3],
    [45, 0.3],
  ])("recovers θ = %s° (β = %s) within 5° from 500 simulated choices", (theta, beta) => {
    const { items, choices } = simulate(theta, beta, 500, 1234 + theta);
    const fit = estimateLogit(items, choices);
    expect(fit.converged).toBe(true);
    expect(fit.n).toBe(500);
    expect(Math.abs(fit.theta - theta)).toBeLessThan(5);
    expect(fit.beta / beta).toBeGreaterThan(0.7);
    expect(fit.beta / beta).toBeLessThan(1.4);
    expect(fit.logLik).toBeLessThan(0);
    expect(fit.logLik).toBeGreaterThan(500 * -Math.log(9));
  });

  it("is unbiased: the mean error over 40 replications is within 1° and the spread matches noise", () => {
    const errors = Array.from({ length: 40 }, (_, s) => {
      const { items, choices } = simulate(30, 0.2, 500, 100 + s);
      return estimateLogit(items, choices).theta - 30;
    });
    const mean = errors.reduce((a, b) => a + b) / errors.length;
    const sd = Math.sqrt(errors.reduce((a, b) => a + (b - mean) ** 2, 0) / (errors.length - 1));
    expect(Math.abs(mean)).toBeLessThan(1);
    expect(sd).toBeGreaterThan(0.3); // really noisy data, not a lucky constant
    expect(sd).toBeLessThan(3);
  });

  it("a deterministic maximiser has no finite β but the direction is still right", () => {
    // Always choosing the self-maximising option on items where it is unique.
    const items = SLIDER_ITEMS.slice(1, 6);
    const choices = items.map((it) => it.options.reduce((b, p, k, o) => (p.self > o[b].self ? k : b), 0));
    const fit = estimateLogit(items, choices);
    expect(fit.converged).toBe(false);
    expect(fit.beta).toBeGreaterThan(1);
    expect(Math.abs(fit.theta)).toBeLessThan(30);
  });

  it("random choices give β near 0", () => {
    const rng = createRng(5);
    const items = Array.from({ length: 450 }, (_, i) => SLIDER_ITEMS[i % 15]);
    const fit = estimateLogit(items, items.map(() => rng.int(9)));
    expect(fit.converged).toBe(true);
    expect(fit.beta).toBeLessThan(0.03);
  });

  it("rejects bad input", () => {
    expect(() => estimateLogit([], [])).toThrow(/no choices/);
    expect(() => estimateLogit([SLIDER_ITEMS[0]], [9])).toThrow(/option index 0..8/);
    expect(() => estimateLogit([SLIDER_ITEMS[0]], [])).toThrow(/1 items but 0 choices/);
  });
});

describe("impliedSliderAngle", () => {
  it("is the ideal set rule for a θ-maximiser", () => {
    expect(impliedSliderAngle(45)).toEqual(idealSet("prosocial"));
    expect(impliedSliderAngle(0)).toEqual(idealSet("individualistic"));
    expect(impliedSliderAngle(30)).toEqual(idealSet(30));
    // A linear maximiser at 30° scores a plateau around 36–37°, not 30° itself (METHOD §7).
    const [lo, hi] = impliedSliderAngle(30);
    expect(lo).toBeGreaterThan(30);
    expect(hi).toBeLessThan(38);
    // Zero tolerance: only exact best options, a subset of the tie interval.
    const [lo0, hi0] = impliedSliderAngle(45, 0);
    expect(lo0).toBeGreaterThanOrEqual(lo - 20);
    expect(hi0 - lo0).toBeLessThanOrEqual(idealSet("prosocial")[1] - idealSet("prosocial")[0]);
  });
});
