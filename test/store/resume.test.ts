import { mkdtempSync, readFileSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import { createAgent } from "../../agents/registry.ts";
import { planRun, runEnvironment, type ResumeFilter } from "../../src/environment/environment.ts";
import type { EventOf, HvaeEvent } from "../../src/core/events.ts";
import { createRng } from "../../src/core/random.ts";
import { expandAgents } from "../../src/scenario/expand.ts";
import { Scenario } from "../../src/scenario/schema.ts";
import { openJsonlWriter } from "../../src/store/jsonl-writer.ts";
import { writeManifest } from "../../src/store/manifest.ts";
import { loadResume } from "../../src/store/resume.ts";
import { eventsPath } from "../../src/store/run-dir.ts";
import { pairKey } from "../../src/environment/memory.ts";
import { expectedHistory, legacy, sessionResults } from "../environment/history-oracle.ts";
import { resultFor } from "../../src/environment/round-result.ts";

const scenario = Scenario.parse({
  name: "t",
  seed: 5,
  trials: 4,
  game: { type: "svo-slider", items: "primary", shuffleItems: true, shuffleOptions: true },
  pairing: "random",
  feedback: true,
  maxConcurrency: 3,
  agents: [
    { id: "u", type: "utility", value: "altruistic", count: 2 },
    { id: "l", type: "logit", value: 30, count: 2 },
    { id: "m", type: "reciprocal", value: "competitive" },
  ],
});

async function runInto(dir: string, resume: ResumeFilter | null, sc: Scenario = scenario): Promise<void> {
  const log = openJsonlWriter(eventsPath(dir));
  const events = runEnvironment({ runId: "run-x", scenario: sc, agents: expandAgents(sc), createAgent: (s, c) => createAgent(s, c, dir), resume });
  await lastValueFrom(events.pipe(toArray())).then((evs) => evs.forEach((e) => log.write(e)));
  log.close();
}

function newRunDir(sc: Scenario = scenario): string {
  const dir = mkdtempSync(join(tmpdir(), "hvae-resume-"));
  const plan = planRun(sc, expandAgents(sc).map((s) => s.id));
  writeManifest(dir, {
    runId: "run-x",
    status: "running",
    scenario: sc as unknown as Record<string, unknown>,
    scenarioPath: join(dir, "s.yaml"),
    scenarioDir: dir,
    seed: sc.seed,
    argv: [],
    versions: {},
    startedAt: "2025-01-01T00:00:00.000Z",
    endedAt: null,
    plannedDecisions: plan.plannedDecisions,
    plannedSessions: plan.sessions.length,
    segments: [],
  });
  return dir;
}

const lines = (dir: string): HvaeEvent[] =>
  readFileSync(eventsPath(dir), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as HvaeEvent);
const decisions = (events: HvaeEvent[]) =>
  events.filter((e): e is EventOf<"decision.made"> => e.type === "decision.made" || e.type === "decision.invalid");

describe("resume", () => {
  it("after a log cut at any point, resuming gives exactly the planned decisions, identical to an uninterrupted run", async () => {
    const reference = newRunDir();
    await runInto(reference, null);
    const ref = lines(reference);
    const planned = (ref[0] as EventOf<"run.started">).plannedDecisions;
    expect(decisions(ref)).toHaveLength(planned);
    const byId = new Map(decisions(ref).map((d) => [d.decisionId, d]));
    const size = statSync(eventsPath(reference)).size;
    const cuts = createRng(77);

    for (let k = 0; k < 8; k++) {
      const dir = newRunDir();
      await runInto(dir, null);
      // A crash: the log ends anywhere, most likely inside a line.
      const cut = k === 0 ? 0 : 1 + cuts.int(size - 2);
      truncateSync(eventsPath(dir), cut);
      const state = await loadResume(dir);
      expect(state.runId).toBe("run-x");
      await runInto(dir, state.filter);

      const final = lines(dir);
      expect(final.map((e) => e.seq)).toEqual(final.map((_, i) => i));
      const made = decisions(final);
      expect(made).toHaveLength(planned);
      expect(new Set(made.map((d) => d.decisionId)).size).toBe(planned);
      for (const d of made) {
        const { seq: _s, time: _t, ...rest } = d;
        const { seq: _s2, time: _t2, ...want } = byId.get(d.decisionId)!;
        expect(rest).toEqual(want);
      }
      const keyed = final.filter((e) => e.type === "round.settled").map((e) => `${(e as EventOf<"round.settled">).sessionId}/${(e as EventOf<"round.settled">).round}`);
      expect(new Set(keyed).size).toBe(keyed.length);
      expect(final.filter((e) => e.type === "trial.completed")).toHaveLength((ref[0] as EventOf<"run.started">).plannedSessions);
      const starts = final.filter((e): e is EventOf<"run.started"> => e.type === "run.started");
      expect(starts.at(-1)!.resumed).toBe(true);
      const done = final.at(-1) as EventOf<"run.completed">;
      expect(done).toMatchObject({ status: "completed", decisions: planned });
    }
  });

  it("counts what the log holds and where seq continues", async () => {
    const dir = newRunDir();
    await runInto(dir, null);
    const all = lines(dir);
    const keep = all.slice(0, 40);
    const bytes = keep.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)) + 1, 0);
    truncateSync(eventsPath(dir), bytes + 10);
    const state = await loadResume(dir);
    expect(state.truncatedBytes).toBe(10);
    expect(state.filter.startSeq).toBe(40);
    expect(state.recorded).toBe(decisions(keep).length);
    const finished = keep.filter((e) => e.type === "trial.completed").map((e) => (e as EventOf<"trial.completed">).sessionId);
    expect([...state.filter.completedSessions]).toEqual(finished);
    expect(state.lastStatus).toBeNull();
  });
});

describe("resume with per-partner memory", () => {
  const remembering = (memory: number | null) =>
    Scenario.parse({
      name: "rr",
      seed: 21,
      trials: 4,
      game: { type: "svo-slider", items: "primary", shuffleItems: true, shuffleOptions: true },
      pairing: "round-robin",
      feedback: true,
      memory,
      maxConcurrency: 4,
      agents: [
        { id: "ra", type: "reciprocal", value: "altruistic", rate: 0.4 },
        { id: "rc", type: "reciprocal", value: "competitive", rate: 0.4 },
        { id: "u", type: "utility", value: "competitive" },
        { id: "l", type: "logit", value: 60, beta: 0.3 },
      ],
    });
  /** The log without segment frames, seq and time: what must not depend on interruptions. */
  const body = (events: HvaeEvent[]) =>
    events.filter((e) => e.type !== "run.started" && e.type !== "run.completed").map(({ seq: _s, time: _t, ...rest }) => rest);

  it("a run cut anywhere and resumed writes the same log as an uninterrupted one", async () => {
    const sc = remembering(null);
    const reference = newRunDir(sc);
    await runInto(reference, null, sc);
    const ref = lines(reference);
    // Cross-trial memory matters here: forgetting between trials changes the reciprocal agents' choices.
    const forgetful = newRunDir(remembering(6));
    await runInto(forgetful, null, remembering(6));
    const differ = (a: HvaeEvent[], b: HvaeEvent[]) => {
      const opt = new Map(decisions(b).map((d) => [d.decisionId, d.option]));
      return decisions(a).filter((d) => opt.get(d.decisionId) !== d.option);
    };
    const changed = differ(ref, lines(forgetful));
    expect(changed.length).toBeGreaterThan(5);
    expect(changed.every((d) => d.trial > 0)).toBe(true);
    expect(changed.some((d) => d.agentId === "ra" || d.agentId === "rc")).toBe(true);

    const size = statSync(eventsPath(reference)).size;
    const cuts = createRng(5);
    let remembered = 0;
    for (let k = 0; k < 8; k++) {
      const dir = newRunDir(sc);
      await runInto(dir, null, sc);
      truncateSync(eventsPath(dir), k === 0 ? 0 : 1 + cuts.int(size - 2));
      const state = await loadResume(dir);
      const before = statSync(eventsPath(dir)).size === 0 ? [] : lines(dir);
      const done = [...state.filter.completedSessions];
      // What the log says a finished pair remembers is what a resumed session starts from.
      const finished = new Map([...sessionResults(before)].filter(([id]) => done.includes(id)));
      for (const [a, b] of [["ra", "u"], ["u", "ra"], ["rc", "l"]]) {
        const playedTrials = done.filter((id) => id.startsWith(`${a}+${b}#`) || id.startsWith(`${b}+${a}#`)).length;
        const at = { sessionId: `${pairKey(a, b)}#t${playedTrials}`, trial: playedTrials, round: 0, agentId: a, partnerId: b };
        const want = expectedHistory(finished, at, 12);
        // The rebuilt group records, read from a's side by the engine's own function.
        const remembers = legacy(state.filter.memory!([a, b]).map((r) => resultFor(r, a)!).slice(-12));
        expect(remembers, `${k}: ${a} of ${b}`).toEqual(want);
        if (want.length > 0) remembered++;
      }
      await runInto(dir, state.filter, sc);
      const final = lines(dir);
      expect(final.map((e) => e.seq)).toEqual(final.map((_, i) => i));
      expect(body(final)).toEqual(body(ref));
    }
    expect(remembered).toBeGreaterThan(4);
  });
});
