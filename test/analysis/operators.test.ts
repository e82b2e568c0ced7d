import { describe, expect, it } from "vitest";
import { from, lastValueFrom, toArray } from "rxjs";
import { analyze, trajectories } from "../../analysis/operators.ts";
import { angleFromPayoffs } from "../../analysis/svo.ts";
import { chanceBaseline, valueRationality } from "../../analysis/value-rationality.ts";
import { idealSet } from "../../analysis/value-target.ts";
import { logitProbabilities } from "../../agents/value-utility.ts";
import type { HvaeEvent } from "../../src/core/events.ts";
import { createRng } from "../../src/core/random.ts";
import { fabricateRun } from "./fabricate.ts";
import { circularMean } from "../../analysis/stats.ts";
import { formatSummary } from "../../analysis/report/terminal.ts";

const run = (events: HvaeEvent[]) => lastValueFrom(from(events).pipe(analyze()));

describe("analysis operators", () => {
  it("utility agents score VR 1 with angles inside their target sets", async () => {
    const values = ["altruistic", "prosocial", "individualistic", "competitive", 30] as const;
    const events = fabricateRun({
      agents: values.map((v, i) => ({ id: `u${i}`, type: "utility" as const, value: v })),
      trials: 8,
      pairing: "round-robin",
    });
    const { summary } = await run(events);
    expect(summary.agents).toHaveLength(5);
    for (const a of summary.agents) {
      expect(a.trajectories).toBe(8 * 4);
      expect(a.vr).toBe(1);
      expect(a.vrCC).toBe(1);
      expect(a.categoryAccuracy).toBe(1);
      expect(a.angle!).toBeGreaterThanOrEqual(a.targetSet![0] - 1e-9);
      expect(a.angle!).toBeLessThanOrEqual(a.targetSet![1] + 1e-9);
      expect(a.targetSet).toEqual(idealSet(a.value));
    }
    expect(summary.agents[0].angle).toBeCloseTo(61.3895, 3);
    expect(summary.agents[3].angle).toBeCloseTo(-16.2602, 3);
    expect(summary.run.method).toBe("slider");
  });

  it("perfect maximisers of 60° and −15° score category accuracy 1 (the ideal set's category, not φ's)", async () => {
    const events = fabricateRun({
      agents: [60, -15, 22].map((v, i) => ({ id: `m${i}`, type: "utility" as const, value: v })),
      trials: 4,
      pairing: "round-robin",
    });
    const { summary } = await run(events);
    for (const a of [...summary.agents, ...summary.groups]) {
      expect(a.vr).toBe(1);
      expect(a.categoryAccuracy).toBe(1);
    }
    // 60° is an altruistic angle, but its maximiser's ideal set [52.9, 53.9] is prosocial.
    expect(summary.agents[0].category).toBe("prosocial");
    expect(summary.agents[1].category).toBe("individualistic");
  });

  it("a group or agent with one trajectory gets no interval (null), not [m, m]", async () => {
    const events = fabricateRun({
      agents: [
        { id: "r1", type: "random", value: "prosocial" },
        { id: "r2", type: "random", value: "competitive" },
      ],
      trials: 1,
      seed: 5,
    });
    const { summary } = await run(events);
    for (const x of [...summary.agents, ...summary.groups]) {
      expect(x.trajectories).toBe(1);
      expect(x.vr).not.toBeNull();
      expect(x.angle).not.toBeNull();
      expect(x.vrCI).toBeNull();
      expect(x.angleCI).toBeNull();
    }
    for (const g of summary.groups) expect(g.vrCCCI).toBeNull();
    expect(summary.run.bootstrap.unit).toBe("trajectory");
    const text = formatSummary(summary);
    expect(text).toContain("95% CIs over trajectories: VR Student t on the cluster means, angles circular percentile bootstrap");
  });

  it("random agents score VR near the chance baseline, VR_cc interval covering 0", async () => {
    const events = fabricateRun({
      agents: [
        { id: "rp", type: "random", value: "prosocial" },
        { id: "rc", type: "random", value: "competitive" },
        { id: "ri", type: "random", value: "individualistic" },
      ],
      trials: 300,
      seed: 11,
    });
    const { summary } = await run(events);
    for (const g of summary.groups) {
      expect(g.n).toBe(300);
      expect(g.vrChance).toBe(chanceBaseline(g.value as "prosocial"));
      expect(Math.abs(g.vr! - g.vrChance!)).toBeLessThan(0.04);
      expect(g.vrCCCI![0]).toBeLessThan(0);
      expect(g.vrCCCI![1]).toBeGreaterThan(0);
      // A random responder sits near 22.7° on the instrument (METHOD §4).
      expect(g.angle!).toBeGreaterThan(20);
      expect(g.angle!).toBeLessThan(25.5);
    }
  });

  it("agent angle and VR are the means over trajectories recomputed from the raw decisions", async () => {
    const events = fabricateRun({ agents: [{ id: "r", type: "random", value: "prosocial", invalidRate: 0.1 }], trials: 40, seed: 5 });
    const { summary, trajectories: ts } = await run(events);
    // Independent recomputation: group decisions by session, drop any session with an invalid answer.
    const bySession = new Map<string, { payoffs: { self: number; other: number }[]; bad: boolean }>();
    for (const ev of events) {
      if (ev.type !== "decision.made" && ev.type !== "decision.invalid") continue;
      const s = bySession.get(ev.sessionId) ?? { payoffs: [], bad: false };
      if (ev.type === "decision.invalid") s.bad = true;
      else s.payoffs.push({ self: ev.self!, other: ev.other! }); // slider items record both payoffs
      bySession.set(ev.sessionId, s);
    }
    const angles = [...bySession.values()].filter((s) => !s.bad).map((s) => angleFromPayoffs(s.payoffs));
    const invalid = [...bySession.values()].filter((s) => s.bad).length;
    expect(invalid).toBeGreaterThan(0);
    const a = summary.agents[0];
    expect(a.trajectories).toBe(40);
    expect(a.invalid).toBe(invalid);
    // Angles average circularly (METHOD §12); VR arithmetically.
    expect(a.angle).toBeCloseTo(circularMean(angles)!, 10);
    expect(Math.abs(a.angle! - angles.reduce((x, y) => x + y, 0) / angles.length)).toBeGreaterThan(1e-4);
    expect(a.vr).toBeCloseTo(angles.map((x) => valueRationality(x, "prosocial")).reduce((x, y) => x + y, 0) / angles.length, 10);
    expect(a.angleCI![0]).toBeLessThan(a.angle!);
    expect(a.angleCI![1]).toBeGreaterThan(a.angle!);
    expect(ts.filter((t) => t.invalid)).toHaveLength(invalid);
    const decisions = events.filter((e) => e.type === "decision.made" || e.type === "decision.invalid").length;
    const bad = events.filter((e) => e.type === "decision.invalid").length;
    expect(summary.run.decisions).toBe(decisions);
    expect(summary.groups[0].invalidRate).toBeCloseTo(bad / decisions, 12);
  });

  it("conditions the angle on the partner's value and sums cost per group", async () => {
    const events = fabricateRun({
      agents: [
        { id: "a", type: "utility", value: "altruistic", model: "m1", costPerCall: 0.001 },
        { id: "c", type: "utility", value: "competitive", model: "m1", costPerCall: 0.001 },
        { id: "r", type: "random", value: "prosocial" },
      ],
      trials: 10,
      pairing: "round-robin",
    });
    const { summary } = await run(events);
    const cell = (v: string, p: string) => summary.interactions.find((c) => c.value === v && c.partnerValue === p);
    expect(cell("altruistic", "competitive")).toMatchObject({ n: 10, vr: 1 });
    expect(cell("altruistic", "competitive")!.angle).toBeCloseTo(61.3895, 3);
    expect(cell("prosocial", "altruistic")!.n).toBe(10);
    expect(cell("prosocial", "prosocial")).toBeUndefined();
    const alt = summary.groups.find((g) => g.value === "altruistic")!;
    expect(alt.model).toBe("m1");
    expect(alt.costUsd).toBeCloseTo(0.001 * 6 * 10 * 2, 10);
    expect(alt.inputTokens).toBe(100 * 6 * 10 * 2);
    expect(summary.run.costUsd).toBeCloseTo(0.001 * 6 * 10 * 4, 10);
    expect(alt.trials.map((p) => p.trial)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("emits each trajectory when its trial completes; unfinished and duplicate decisions do not count", async () => {
    const events = fabricateRun({ agents: [{ id: "u", type: "utility", value: "prosocial" }], trials: 3 });
    const emitted = await lastValueFrom(from(events).pipe(trajectories(), toArray()));
    expect(emitted.map((t) => t.trial)).toEqual([0, 1, 2]);
    // Drop the last trial.completed and repeat a decision: 2 scored trajectories, 1 incomplete.
    const lastDone = events.map((e) => e.type).lastIndexOf("trial.completed");
    const dup = events.find((e) => e.type === "decision.made")!;
    const edited = [...events.slice(0, 3), dup, ...events.slice(3, lastDone), ...events.slice(lastDone + 1)];
    const { summary } = await run(edited);
    expect(summary.run.trajectories).toBe(2);
    expect(summary.run.incompleteTrajectories).toBe(1);
    expect(summary.run.decisions).toBe(18);
    expect(summary.agents[0].vr).toBe(1);
  });

  it("fits θ by logit maximum likelihood on a custom game", async () => {
    const items = [
      { id: "x1", primary: false, options: [{ self: 10, other: 0 }, { self: 7, other: 7 }, { self: 0, other: 10 }, { self: 5, other: 2 }] },
      { id: "x2", primary: false, options: [{ self: 8, other: 2 }, { self: 4, other: 9 }, { self: 2, other: 3 }, { self: 6, other: 6 }] },
    ];
    const rng = createRng(3);
    let seq = 0;
    const st = (b: object) => ({ runId: "c", seq: seq++, time: "t", ...b }) as unknown as HvaeEvent;
    const events: HvaeEvent[] = [
      st({ type: "run.started", scenario: "custom", seed: 3, game: "custom", pairing: "single", feedback: false, plannedDecisions: 0, plannedSessions: 0,
        agents: [{ id: "g", type: "logit", value: 30, model: null, condition: null }], items, resumed: false }),
    ];
    for (let trial = 0; trial < 400; trial++) {
      const sid = `g#t${trial}`;
      items.forEach((item, round) => {
        const p = logitProbabilities(item.options, 30, 0.6);
        let u = rng.next();
        let k = 0;
        while (k < p.length - 1 && (u -= p[k]) > 0) k++;
        events.push(st({ type: "decision.made", decisionId: `${sid}/r${round}/g`, sessionId: sid, agentId: "g", partnerId: null, trial, round,
          itemId: item.id, option: k + 1, self: item.options[k].self, other: item.options[k].other, label: null, reason: null }));
      });
      events.push(st({ type: "trial.completed", sessionId: sid, trial, agentIds: ["g"] }));
    }
    const { summary } = await run(events);
    expect(summary.run.method).toBe("choices");
    // Stochastic choices (β = 0.6, 800 choices): the logit fit identifies θ, with its profile interval.
    const a = summary.agents[0];
    expect(a).toMatchObject({ identified: true, reason: null, trajectories: 400 });
    expect(a.angle!).toBeGreaterThan(22);
    expect(a.angle!).toBeLessThan(38);
    expect(a.angleCI![0]).toBeLessThanOrEqual(a.angle!);
    expect(a.angleCI![1]).toBeGreaterThanOrEqual(a.angle!);
    expect(a.category).toBe("prosocial");
    expect(summary.interactions).toHaveLength(1);
    expect(summary.interactions[0].partnerValue).toBe("none");
  });

  // Was: "VR null, θ not identified" for the whole run. Now VR is defined on the game's own options
  // (docs/METHOD.md §9): every split is ideal for a prosocial target on constant-sum items, so VR is
  // 1, chance is 1 and VR_cc is undefined; only the angles at which every split ties (45° and −135°) make an equal split, and one
  // choice is no evidence beyond that (β ≈ 0).
  it("scores constant-sum dictator splits on the game's own options; θ is a set, not a point", async () => {
    const item = { id: "dictator-0", primary: false, options: [0, 50, 100].map((k) => ({ self: 100 - k, other: k })) };
    let seq = 0;
    const st = (b: object) => ({ runId: "d", seq: seq++, time: "t", ...b }) as unknown as HvaeEvent;
    const events: HvaeEvent[] = [
      st({ type: "run.started", scenario: "d", seed: 1, game: "dictator", pairing: "single", feedback: false, plannedDecisions: 0, plannedSessions: 0,
        agents: [{ id: "p", type: "utility", value: "prosocial", model: null, condition: null }], items: [item], resumed: false }),
      st({ type: "decision.made", decisionId: "p#t0/r0/p", sessionId: "p#t0", agentId: "p", partnerId: null, trial: 0, round: 0,
        itemId: item.id, option: 2, self: 50, other: 50, label: null, reason: null }),
      st({ type: "trial.completed", sessionId: "p#t0", trial: 0, agentIds: ["p"] }),
    ];
    const { summary } = await run(events);
    expect(summary.run.method).toBe("choices");
    expect(summary.agents[0]).toMatchObject({
      trajectories: 1, angle: null, identified: false, angleSet: [[-135, -135], [45, 45]], category: null, vr: 1, vrChance: 1, vrCC: null,
    });
    expect(summary.agents[0].reason).toMatch(/^β ≈ 0/);
  });

  it("errors on a stream without run.started", async () => {
    await expect(lastValueFrom(from([] as HvaeEvent[]).pipe(analyze()))).rejects.toThrow(/no run\.started/);
  });
});
