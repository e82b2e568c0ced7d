/**
 * Invalid answers (issue 12 item 5, METHOD §12): VR with invalid trajectories dropped, counted at
 * chance and counted as 0, side by side, and the invalid rate with its design-effect Wilson
 * interval, on a hand-made log whose values are computed here independently (brute force).
 */
import { describe, expect, it } from "vitest";
import { PRIMARY_ITEMS } from "../../src/core/instrument.ts";
import type { HvaeEvent } from "../../src/core/events.ts";
import { createAccumulator, foldEvent } from "../../analysis/operators.ts";
import { summarize } from "../../analysis/summary.ts";
import { chanceBaseline, valueRationality } from "../../analysis/value-rationality.ts";
import { angleFromMeans } from "../../analysis/svo.ts";
import { clusteredWilson } from "../../analysis/proportion.ts";

const ITEMS = PRIMARY_ITEMS.map((it) => ({ id: `svo-${it.number}`, primary: true, options: it.options.map((p) => ({ ...p })) }));

/** A log of one prosocial agent and three trajectories: `answers[t][i]` is a 1-based option or null (invalid). */
function log(answers: (number | null)[][], value: "prosocial" | "competitive" = "prosocial"): HvaeEvent[] {
  let seq = 0;
  const ev = (body: object) => ({ runId: "inv", seq: seq++, time: "2025-01-01T00:00:00.000Z", ...body }) as unknown as HvaeEvent;
  const out: HvaeEvent[] = [
    ev({
      type: "run.started", scenario: "invalid", seed: 1, game: "svo-slider", pairing: "none", feedback: false, plannedDecisions: 6 * answers.length,
      plannedSessions: answers.length, agents: [{ id: "p", type: "llm", value, model: "local:fake", condition: null }], items: ITEMS, resumed: false,
    }),
  ];
  answers.forEach((row, trial) => {
    const sessionId = `p#t${trial}`;
    row.forEach((option, round) => {
      const key = { decisionId: `${sessionId}/r${round}/p`, sessionId, agentId: "p", partnerId: null, trial, round, itemId: ITEMS[round].id };
      if (option === null) out.push(ev({ type: "decision.invalid", ...key, raw: "no idea", reason: "no option letter" }));
      else {
        const p = ITEMS[round].options[option - 1];
        out.push(ev({ type: "decision.made", ...key, option, self: p.self, other: p.other, label: null, reason: null }));
      }
    });
    out.push(ev({ type: "trial.completed", sessionId, trial, agentIds: ["p"] }));
  });
  return out;
}

async function analysisOf(events: HvaeEvent[]) {
  const acc = createAccumulator();
  for (const e of events) foldEvent(acc, e);
  return (await summarize(acc)).summary;
}

/** Expected VR when items `missing` are answered uniformly at random, by brute force over 9^k patterns. */
function bruteForce(valid: Map<number, number>, target: "prosocial"): number {
  const missing = ITEMS.map((_, i) => i).filter((i) => !valid.has(i));
  let sum = 0;
  let count = 0;
  const pick = new Array<number>(missing.length).fill(0);
  for (;;) {
    let s = 0;
    let o = 0;
    ITEMS.forEach((it, i) => {
      const k = valid.has(i) ? valid.get(i)! - 1 : pick[missing.indexOf(i)];
      s += it.options[k].self;
      o += it.options[k].other;
    });
    sum += valueRationality(angleFromMeans(s / 6, o / 6), target);
    count++;
    let j = 0;
    while (j < pick.length && ++pick[j] === 9) pick[j++] = 0;
    if (j === pick.length) break;
  }
  return sum / count;
}

describe("invalid answers: vr, vrInvalidChance, vrInvalidZero and the invalid rate", () => {
  it("drops, imputes at chance and at 0 exactly as computed by hand", async () => {
    const full = [9, 1, 5, 5, 5, 5];
    const s = await analysisOf(log([full, [null, null, null, null, null, null], [3, null, null, null, null, null]]));
    const vr0 = valueRationality(angleFromMeans(full.reduce((a, o, i) => a + ITEMS[i].options[o - 1].self, 0) / 6, full.reduce((a, o, i) => a + ITEMS[i].options[o - 1].other, 0) / 6), "prosocial");
    // A trajectory with every answer invalid counts at the chance VR (pinned: 0.714678 for prosocial).
    expect(chanceBaseline("prosocial")).toBeCloseTo(0.714678, 6);
    const e2 = bruteForce(new Map([[0, 3]]), "prosocial");
    const g = s.groups[0];
    expect(g.n).toBe(1);
    expect(g.vr).toBeCloseTo(vr0, 12);
    expect(g.vrCI).toBeNull(); // one scored trajectory: no interval
    expect(g.vrInvalidChance).toBeCloseTo((vr0 + chanceBaseline("prosocial") + e2) / 3, 12);
    expect(g.vrInvalidZero).toBeCloseTo(vr0 / 3, 12);
    expect(g.vrInvalidChanceCI).not.toBeNull();
    expect(g.vrInvalidZeroCI![0]).toBeLessThanOrEqual(g.vrInvalidZero!);
    // Invalid rate 11/18, clusters = trajectories (single-agent design): hand-computed Wilson at n/DEFF.
    expect(g.invalidRate).toBeCloseTo(11 / 18, 12);
    const p = 11 / 18;
    const x = [0, 6, 5];
    const vRobust = (3 / 2) * x.reduce((a, xi) => a + (xi - p * 6) ** 2, 0) / 18 ** 2;
    const deff = Math.min(6, Math.max(1, vRobust / ((p * (1 - p)) / 18)));
    const n = 18 / deff;
    const z = 1.959963984540054;
    const c = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
    const h = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
    expect(g.invalidRateCI![0]).toBeCloseTo(c - h, 10);
    expect(g.invalidRateCI![1]).toBeCloseTo(c + h, 10);
    const a = s.agents[0];
    expect([a.vr, a.vrInvalidChance, a.vrInvalidZero, a.invalidRate]).toEqual([g.vr, g.vrInvalidChance, g.vrInvalidZero, g.invalidRate]);
  });

  it("without invalid answers the three VRs are one and the same", async () => {
    const s = await analysisOf(log([[9, 1, 5, 5, 5, 5], [1, 1, 1, 1, 1, 1]], "competitive"));
    const g = s.groups[0];
    expect(g.vrInvalidChance).toBe(g.vr);
    expect(g.vrInvalidZero).toBe(g.vr);
    expect(g.vrInvalidChanceCI).toEqual(g.vrCI);
    expect(g.invalidRate).toBe(0);
    // 0 of 12 answers still has an upper bound above 0 (a percentile bootstrap would say [0, 0]).
    expect(g.invalidRateCI![0]).toBe(0);
    expect(g.invalidRateCI![1]).toBeGreaterThan(0.2);
  });

  it("clusteredWilson: plain Wilson for clusters of one, null from fewer than two clusters", () => {
    const ci = clusteredWilson([1, 1, 1, 0, 0, 0, 0, 0, 0, 0], new Array(10).fill(1))!;
    expect(ci[0]).toBeCloseTo(0.10779, 4);
    expect(ci[1]).toBeCloseTo(0.60322, 4);
    expect(clusteredWilson([3], [10])).toBeNull();
    // Perfectly clustered answers: DEFF = cluster size, as wide as two observations.
    const clustered = clusteredWilson([5, 0], [5, 5])!;
    const two = clusteredWilson([1, 0], [1, 1])!;
    expect(clustered[0]).toBeCloseTo(two[0], 10);
    expect(clustered[1]).toBeCloseTo(two[1], 10);
  });
});
