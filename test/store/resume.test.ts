import { mkdtempSync, readFileSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import { createAgent } from "../../agents/registry.ts";
import { planRun, runEnvironment, type ResumeFilter } from "../../src/environment/environment.ts";
import type { EventOf, HvaeEvent } from "../../src/events.ts";
import { createRng } from "../../src/random.ts";
import { expandAgents } from "../../src/scenario/expand.ts";
import { Scenario } from "../../src/scenario/schema.ts";
import { openJsonlWriter } from "../../src/store/jsonl-writer.ts";
import { writeManifest } from "../../src/store/manifest.ts";
import { loadResume } from "../../src/store/resume.ts";
import { eventsPath } from "../../src/store/run-dir.ts";

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
const specs = expandAgents(scenario);

async function runInto(dir: string, resume: ResumeFilter | null): Promise<void> {
  const log = openJsonlWriter(eventsPath(dir));
  const events = runEnvironment({ runId: "run-x", scenario, agents: specs, createAgent: (s, c) => createAgent(s, c, dir), resume });
  await lastValueFrom(events.pipe(toArray())).then((evs) => evs.forEach((e) => log.write(e)));
  log.close();
}

function newRunDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "hvae-resume-"));
  const plan = planRun(scenario, specs.map((s) => s.id));
  writeManifest(dir, {
    runId: "run-x",
    status: "running",
    scenario: scenario as unknown as Record<string, unknown>,
    scenarioPath: join(dir, "s.yaml"),
    scenarioDir: dir,
    seed: scenario.seed,
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
