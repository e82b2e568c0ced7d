import { describe, expect, it } from "vitest";
import { planSessions } from "../../src/environment/schedule.ts";
import { createRng } from "../../src/core/random.ts";

const ids = (n: number) => Array.from({ length: n }, (_, i) => `a${i}`);

describe("planSessions", () => {
  it("none: each agent alone, once per trial", () => {
    const plans = planSessions({ pairing: "none", trials: 4, pairs: [] }, ids(3), createRng(1));
    expect(plans).toHaveLength(12);
    expect(plans.every((p) => p.agentIds.length === 1)).toBe(true);
    expect(plans.slice(0, 3).map((p) => p.sessionId)).toEqual(["a0#t0", "a1#t0", "a2#t0"]);
    expect(new Set(plans.map((p) => p.sessionId)).size).toBe(12);
  });

  it("round-robin: every unordered pair, once per trial", () => {
    const plans = planSessions({ pairing: "round-robin", trials: 3, pairs: [] }, ids(5), createRng(1));
    expect(plans).toHaveLength(10 * 3);
    const trial0 = plans.filter((p) => p.trial === 0).map((p) => p.agentIds.join("+"));
    expect(new Set(trial0).size).toBe(10);
    expect(trial0).toContain("a0+a4");
    expect(trial0).not.toContain("a4+a0");
  });

  it("random: a perfect matching per trial, seeded; an odd agent out plays alone", () => {
    const plans = planSessions({ pairing: "random", trials: 20, pairs: [] }, ids(7), createRng(9));
    for (let t = 0; t < 20; t++) {
      const groups = plans.filter((p) => p.trial === t);
      expect(groups.map((g) => g.agentIds.length).sort()).toEqual([1, 2, 2, 2]);
      expect(groups.flatMap((g) => g.agentIds).sort()).toEqual(ids(7));
    }
    const matchings = new Set(
      Array.from({ length: 20 }, (_, t) => plans.filter((p) => p.trial === t).map((p) => p.sessionId.replace(/#t\d+$/, "")).join(",")),
    );
    expect(matchings.size).toBeGreaterThan(10);
    const again = planSessions({ pairing: "random", trials: 20, pairs: [] }, ids(7), createRng(9));
    expect(again.map((p) => p.sessionId)).toEqual(plans.map((p) => p.sessionId));
    const other = planSessions({ pairing: "random", trials: 20, pairs: [] }, ids(7), createRng(10));
    expect(other.map((p) => p.sessionId)).not.toEqual(plans.map((p) => p.sessionId));
  });

  it("fixed: the listed pairs, once per trial", () => {
    const pairs: [string, string][] = [["a0", "a2"], ["a3", "a1"]];
    const plans = planSessions({ pairing: "fixed", trials: 2, pairs }, ids(4), createRng(1));
    expect(plans.map((p) => p.sessionId)).toEqual(["a0+a2#t0", "a3+a1#t0", "a0+a2#t1", "a3+a1#t1"]);
  });

  it("fixed: names bad pairs", () => {
    const plan = (pairs: [string, string][]) => () => planSessions({ pairing: "fixed", trials: 1, pairs }, ids(3), createRng(1));
    expect(plan([["a0", "zz"]])).toThrow("pairs[0][1]: unknown agent id 'zz'");
    expect(plan([["a1", "a1"]])).toThrow("pairs[0]: an agent cannot be paired with itself");
    expect(plan([["a0", "a1"], ["a1", "a0"]])).toThrow("pairs[1]: the pair a1, a0 is listed twice");
    expect(plan([])).toThrow("no pairs are listed");
  });

  it("pairings need two agents", () => {
    expect(() => planSessions({ pairing: "round-robin", trials: 1, pairs: [] }, ids(1), createRng(1))).toThrow("at least two");
  });
});
