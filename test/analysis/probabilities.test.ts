/**
 * Option probabilities in the analysis (METHOD §13), on a hand-made log with known
 * probabilities: a trajectory whose probabilities are all one-hot has expectations equal to its
 * sampled angle and VR; one with two items split 50/50 has the angle of the expected means and
 * the mean VR of the four equally likely answer patterns (enumerated here); a trajectory with one
 * decision without probabilities has none; the group's per-item distributions are the mean
 * probabilities. A log without probabilities has `probabilities: null`.
 */
import { describe, expect, it } from "vitest";
import { PRIMARY_ITEMS } from "../../src/core/instrument.ts";
import type { HvaeEvent } from "../../src/core/events.ts";
import { createAccumulator, foldEvent } from "../../analysis/operators.ts";
import { summarize } from "../../analysis/summary.ts";
import { valueRationality } from "../../analysis/value-rationality.ts";
import { angleFromMeans } from "../../analysis/svo.ts";

const ITEMS = PRIMARY_ITEMS.map((it) => ({ id: `svo-${it.number}`, primary: true, options: it.options.map((p) => ({ ...p })) }));
const oneHot = (k: number) => Array.from({ length: 9 }, (_, j) => (j === k - 1 ? 1 : 0));

/** `rows[t][i]`: [chosen 1-based option, probabilities or null]. */
function log(rows: [number, number[] | null][][]): HvaeEvent[] {
  let seq = 0;
  const ev = (body: object) => ({ runId: "prob", seq: seq++, time: "2025-01-01T00:00:00.000Z", ...body }) as unknown as HvaeEvent;
  const out: HvaeEvent[] = [
    ev({
      type: "run.started", scenario: "prob", seed: 1, game: "svo-slider", pairing: "none", feedback: false, plannedDecisions: 6 * rows.length,
      plannedSessions: rows.length, agents: [{ id: "p", type: "llm", value: "prosocial", model: "gguf:tiny.gguf", condition: null }], items: ITEMS, resumed: false,
    }),
  ];
  rows.forEach((row, trial) => {
    const sessionId = `p#t${trial}`;
    row.forEach(([option, probabilities], round) => {
      const key = { decisionId: `${sessionId}/r${round}/p`, sessionId, agentId: "p", partnerId: null, trial, round, itemId: ITEMS[round].id };
      const p = ITEMS[round].options[option - 1];
      out.push(ev({ type: "decision.made", ...key, option, self: p.self, other: p.other, label: null, reason: null, probabilities }));
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

const CHOSEN = [3, 5, 2, 7, 4, 6];

describe("option probabilities in the analysis", () => {
  it("one-hot, split and missing probabilities: expectations by hand", async () => {
    const split = (k1: number, k2: number) => Array.from({ length: 9 }, (_, j) => (j === k1 - 1 || j === k2 - 1 ? 1 : 0)); // unnormalised: 1 + 1
    const rows: [number, number[] | null][][] = [
      CHOSEN.map((k) => [k, oneHot(k)]),
      CHOSEN.map((k, i) => [k, i === 0 ? split(1, 9) : i === 1 ? split(2, 8) : oneHot(k)]),
      CHOSEN.map((k, i) => [k, i === 5 ? null : oneHot(k)]),
    ];
    const s = await analysisOf(log(rows));
    const p = s.probabilities!;
    expect(p).not.toBeNull();
    expect(p.trajectories).toHaveLength(2);
    const [t0, t1] = p.trajectories;

    // One-hot: the expectation is the sample.
    expect(t0.expectedAngle).toBeCloseTo(t0.angle!, 12);
    expect(t0.expectedVr).toBeCloseTo(t0.vr!, 12);

    // Split: expected means, and the four answer patterns of items 1 and 2, each with probability 1/4.
    const opt = (i: number, k: number) => ITEMS[i].options[k - 1];
    const rest = [2, 3, 4, 5].map((i) => opt(i, CHOSEN[i]));
    const restSelf = rest.reduce((a, o) => a + o.self, 0);
    const restOther = rest.reduce((a, o) => a + o.other, 0);
    const eSelf = (0.5 * (opt(0, 1).self + opt(0, 9).self) + 0.5 * (opt(1, 2).self + opt(1, 8).self) + restSelf) / 6;
    const eOther = (0.5 * (opt(0, 1).other + opt(0, 9).other) + 0.5 * (opt(1, 2).other + opt(1, 8).other) + restOther) / 6;
    expect(t1.expectedAngle).toBeCloseTo(angleFromMeans(eSelf, eOther), 12);
    let vr = 0;
    for (const a of [1, 9])
      for (const b of [2, 8]) {
        const self = (opt(0, a).self + opt(1, b).self + restSelf) / 6;
        const other = (opt(0, a).other + opt(1, b).other + restOther) / 6;
        vr += 0.25 * valueRationality(angleFromMeans(self, other), "prosocial");
      }
    expect(t1.expectedVr).toBeCloseTo(vr, 12);
    // Not the VR of the expected angle (VR is not linear in θ), in this case.
    expect(Math.abs(t1.expectedVr! - valueRationality(t1.expectedAngle!, "prosocial"))).toBeGreaterThan(1e-3);

    // The group: means of the trajectories' expectations, and per-item mean probabilities.
    const g = p.groups[0];
    expect(g).toMatchObject({ model: "gguf:tiny.gguf", value: "prosocial", condition: null, n: 2 });
    expect(g.expectedVr).toBeCloseTo((t0.expectedVr! + t1.expectedVr!) / 2, 12);
    // svo-1: one-hot on 3 (twice) and 50/50 on 1 and 9 (once): [1/6, 0, 2/3, 0, …, 1/6].
    const expected = Array.from({ length: 9 }, (_, j) => (j === 2 ? 2 / 3 : j === 0 || j === 8 ? 1 / 6 : 0));
    g.items["svo-1"].forEach((x, j) => expect(x).toBeCloseTo(expected[j], 12));
    expect(g.answers["svo-1"]).toBe(3);
    // svo-6: the third trajectory had no probabilities there.
    expect(g.answers["svo-6"]).toBe(2);
    expect(Object.keys(g.items)).toEqual(ITEMS.map((i) => i.id));
  });

  it("a log without probabilities has none", async () => {
    const s = await analysisOf(log([CHOSEN.map((k) => [k, null])]));
    expect(s.probabilities).toBeNull();
  });
});
