import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, Subject, tap, toArray } from "rxjs";
import { analyze } from "../../analysis/operators.ts";
import { liveMetrics, liveStatus, type LiveUpdate } from "../../analysis/live.ts";
import { targetLabel } from "../../analysis/value-target.ts";
import { createAgent } from "../../agents/registry.ts";
import { runEnvironment } from "../../src/environment/environment.ts";
import type { HvaeEvent } from "../../src/core/events.ts";
import { expandAgents } from "../../src/scenario/expand.ts";
import { loadScenario } from "../../src/scenario/load.ts";
import { readEvents } from "../../src/store/jsonl-reader.ts";
import { fabricateRun } from "./fabricate.ts";

/** Live: events pushed through a Subject over several ticks, analysed and live-metered as they pass. */
async function live(events: readonly HvaeEvent[]) {
  const subject = new Subject<HvaeEvent>();
  const analysis = lastValueFrom(subject.pipe(analyze()));
  const updates = lastValueFrom(subject.pipe(liveMetrics(), toArray()));
  for (let i = 0; i < events.length; i++) {
    subject.next(events[i]);
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  subject.complete();
  return { analysis: await analysis, updates: await updates };
}

function replay(events: readonly HvaeEvent[], dir: string) {
  const path = join(dir, "events.jsonl");
  writeFileSync(path, events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  return lastValueFrom(readEvents(path).pipe(analyze()));
}

describe("live and replayed analysis", () => {
  it("give equal results on a fabricated run, and live VR per value matches the final trajectories", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hvae-live-"));
    try {
      const events = fabricateRun({
        agents: [
          { id: "a", type: "utility", value: "altruistic" },
          { id: "p", type: "random", value: "prosocial", invalidRate: 0.05, model: "m", costPerCall: 0.002 },
          { id: "i", type: "random", value: "individualistic" },
          { id: "x", type: "utility", value: -30 },
        ],
        trials: 12,
        pairing: "round-robin",
        seed: 9,
      });
      const l = await live(events);
      const r = await replay(events, dir);
      expect(r.summary).toEqual(l.analysis.summary);
      expect(r.trajectories).toEqual(l.analysis.trajectories);
      expect(r.summary.agents.map((a) => a.vr)).not.toContain(null);

      // One update per trial.completed; the last one holds every scored trajectory's VR.
      const completions = events.filter((e) => e.type === "trial.completed").length;
      expect(l.updates).toHaveLength(completions);
      const last = l.updates[l.updates.length - 1];
      const valueOf = new Map(r.summary.agents.map((a) => [a.id, targetLabel(a.value)]));
      for (const g of last.groups) {
        const vrs = r.trajectories.filter((t) => valueOf.get(t.agentId) === g.value && t.vr !== null).map((t) => t.vr!);
        expect(g.n).toBe(vrs.length);
        expect(g.vr).toBeCloseTo(vrs.reduce((s, x) => s + x, 0) / vrs.length, 12);
      }
      expect(last.costUsd).toBeCloseTo(r.summary.run.costUsd!, 12);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("give equal results on the engine's demo scenario", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hvae-live-"));
    try {
      const loaded = await loadScenario("scenarios/demo.yaml");
      const scenario = { ...loaded.scenario, trials: 3 };
      const events$ = runEnvironment({
        runId: "demo-test",
        scenario,
        agents: expandAgents(scenario),
        createAgent: (spec, ctx) => createAgent(spec, ctx, loaded.dir),
        clock: () => "2025-01-01T00:00:00.000Z",
      });
      // One subscription: the engine emits run.started synchronously on subscribe.
      const events: HvaeEvent[] = [];
      const l = await lastValueFrom(events$.pipe(tap((e) => events.push(e)), analyze()));
      const r = await replay(events, dir);
      expect(r.summary).toEqual(l.summary);
      const agents = new Map(r.summary.agents.map((a) => [a.id, a]));
      for (const id of ["alt", "pro", "ind", "com"]) expect(agents.get(id)!.vr).toBe(1);
      expect(r.summary.run.trajectories).toBe(28 * 3 * 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("liveStatus", () => {
  const update = (over: Partial<LiveUpdate>): LiveUpdate => ({ trajectories: 0, decisions: 0, invalidDecisions: 0, costUsd: 0, pricedCostUsd: over.costUsd ?? 0, unpricedCalls: 0, groups: [], ...over });
  const groups = [
    { value: "altruistic", n: 3, vr: 0.981, vrCC: 0.9 },
    { value: "prosocial", n: 3, vr: 0.912, vrCC: 0.7 },
  ];

  it("shows the money spent and the invalid share before the running VR, each only when there is one", () => {
    expect(liveStatus(update({}))).toBe("");
    expect(liveStatus(update({ decisions: 12, groups }))).toBe("VR altruistic 0.98 · prosocial 0.91");
    expect(liveStatus(update({ decisions: 48, invalidDecisions: 1, costUsd: 0.04123, groups }))).toBe(
      "$0.0412  2.1% invalid  VR altruistic 0.98 · prosocial 0.91",
    );
    expect(liveStatus(update({ decisions: 10, costUsd: 12.345 }))).toBe("$12.35");
  });

  it("says the cost is unknown once a call had no known price, with the priced part as a lower bound", () => {
    expect(liveStatus(update({ decisions: 4, costUsd: null, pricedCostUsd: 0, unpricedCalls: 4 }))).toBe("cost unknown");
    expect(liveStatus(update({ decisions: 4, costUsd: null, pricedCostUsd: 0.0123, unpricedCalls: 2 }))).toBe("cost ≥ $0.0123 + unknown");
  });
});
