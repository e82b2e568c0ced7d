/**
 * Resuming an interrupted run: cut a torn last line off the log, then read the log once to learn
 * which sessions finished (skipped on resume) and which events of unfinished sessions are already
 * there (not written again), where the sequence numbers continue, and the totals so far.
 * With feedback on, it also rebuilds what each agent remembers of each partner from the finished
 * sessions' decisions and settlements, so a resumed session sees the history it saw originally.
 * Memory stays bounded: keys and rounds are kept only for sessions that have not finished, and
 * each agent's memory of a partner only up to its window.
 *
 * @example
 * const state = await loadResume("runs/demo-20250101T120000Z-3fa9c2");
 * runEnvironment({ ...opts, runId: state.runId, resume: state.filter });
 */
import { closeSync, existsSync, ftruncateSync, openSync, readSync, fstatSync, writeFileSync } from "node:fs";
import { lastValueFrom } from "rxjs";
import { ignoreElements, tap } from "rxjs/operators";
import type { ResumeFilter } from "../environment/environment.ts";
import { createGroupMemory, memoryWindows } from "../environment/memory.ts";
import { roundRecord, type RoundRecord } from "../environment/round-result.ts";
import { loadGame } from "../games/registry.ts";
import type { EventBody, EventOf, RunStatus } from "../core/events.ts";
import { addCost, costOf } from "../core/money.ts";
import { expandAgents } from "../scenario/expand.ts";
import { Scenario } from "../scenario/schema.ts";
import { readManifest, type Manifest } from "./manifest.ts";
import { eventsPath } from "./run-dir.ts";
import { readEvents } from "./jsonl-reader.ts";

export interface ResumeState {
  readonly manifest: Manifest;
  readonly runId: string;
  readonly filter: ResumeFilter;
  /** Status of the last run.completed in the log, null when the run never got that far. */
  readonly lastStatus: RunStatus | null;
  /** Decisions (made or invalid) already in the log. */
  readonly recorded: number;
  /** Bytes cut off the end of the log (a torn last line), 0 when it was intact. */
  readonly truncatedBytes: number;
}

export async function loadResume(dir: string): Promise<ResumeState> {
  const manifest = readManifest(dir);
  const path = eventsPath(dir);
  // A run killed between writing its manifest and opening its log has no log yet: it resumes from nothing.
  if (!existsSync(path)) writeFileSync(path, "");
  const truncatedBytes = truncateTornTail(path);

  const completed = new Set<string>();
  const partial = new Map<string, Set<string>>();
  const keysOf = (sessionId: string) => {
    let keys = partial.get(sessionId);
    if (!keys) partial.set(sessionId, (keys = new Set()));
    return keys;
  };
  let lastSeq = -1;
  let runId: string | null = null;
  let lastStatus: RunStatus | null = null;
  const prior = { decisions: 0, invalid: 0, pricedCostUsd: 0, unpricedCalls: 0, calls: 0, cacheHits: 0, inputTokens: 0, outputTokens: 0, seconds: 0 };
  // Active time: each segment (a run.started) up to its last event, however it ended.
  let segmentStart = NaN;
  let lastTime = NaN;
  const closeSegment = () => {
    if (Number.isFinite(segmentStart) && Number.isFinite(lastTime)) prior.seconds += Math.max(0, lastTime - segmentStart) / 1000;
  };
  const memory = await groupHistories(manifest.scenario, manifest.scenarioDir);

  await lastValueFrom(
    readEvents(path).pipe(
      tap((ev) => {
        lastSeq = ev.seq;
        const t = Date.parse(ev.time);
        switch (ev.type) {
          case "run.started":
            runId ??= ev.runId;
            closeSegment();
            segmentStart = t;
            break;
          case "run.completed":
            lastStatus = ev.status;
            break;
          case "model.call":
            addCost(prior, ev.costUsd);
            // Counted as the gateway counts them: refused calls (no attempt) are not calls.
            if (ev.cached || ev.attempts > 0) prior.calls++;
            if (ev.cached) prior.cacheHits++;
            else {
              prior.inputTokens += ev.inputTokens;
              prior.outputTokens += ev.outputTokens;
            }
            break;
          case "trial.completed":
            completed.add(ev.sessionId);
            partial.delete(ev.sessionId);
            memory?.finish(ev.sessionId);
            break;
          default: {
            const key = keyOf(ev as EventBody);
            if (key) keysOf(key.sessionId).add(key.key);
            if (ev.type === "decision.made") prior.decisions++;
            else if (ev.type === "decision.invalid") prior.invalid++;
            if (ev.type === "decision.made" || ev.type === "decision.invalid" || ev.type === "round.settled") memory?.add(ev);
          }
        }
        if (Number.isFinite(t)) lastTime = t;
      }),
      ignoreElements(),
    ),
    { defaultValue: undefined },
  );
  closeSegment();

  const filter: ResumeFilter = {
    startSeq: lastSeq + 1,
    completedSessions: completed,
    prior: { ...prior, ...costOf(prior) },
    logged(body) {
      const key = keyOf(body);
      return key !== null && (partial.get(key.sessionId)?.has(key.key) ?? false);
    },
    groups: memory?.groups ?? null,
    memory: (members) => memory?.groups.records(members) ?? [],
  };
  return {
    manifest,
    runId: runId ?? manifest.runId,
    filter,
    lastStatus,
    recorded: prior.decisions + prior.invalid,
    truncatedBytes,
  };
}

type Decided = EventOf<"decision.made"> | EventOf<"decision.invalid">;

/**
 * Per group, the rounds of its finished sessions (feedback on), built by the same function the
 * engine uses live (roundRecord), bounded by the largest window among the group's members (the
 * same windows the environment uses, from the manifest's scenario); null when the run has no
 * feedback or no groups, so nothing is remembered.
 */
async function groupHistories(rawScenario: unknown, scenarioDir: string) {
  const parsed = Scenario.safeParse(rawScenario);
  // An unreadable scenario fails the resume anyway (hvae run reports it); remember nothing.
  if (!parsed.success || !parsed.data.feedback || parsed.data.pairing === "none") return null;
  // A game module that cannot be loaded fails the run itself (hvae run reports it); here its
  // round count only sets the default window.
  const rounds = (await loadGame(parsed.data.game, scenarioDir).catch(() => null))?.rounds ?? 0;
  // The very store the environment keeps live, filled with the same records in the same order
  // (a group's sessions finish one after another, in trial order, live and in the log alike).
  const groups = createGroupMemory(memoryWindows(parsed.data, expandAgents(parsed.data), rounds));
  // Rounds of sessions that have not finished yet: the round's decisions, then its records.
  const open = new Map<string, { decided: Map<number, Decided[]>; records: RoundRecord[] }>();
  const sessionOf = (sessionId: string) => {
    let s = open.get(sessionId);
    if (!s) open.set(sessionId, (s = { decided: new Map(), records: [] }));
    return s;
  };
  return {
    groups,
    add(ev: Decided | EventOf<"round.settled">) {
      if (ev.type === "round.settled") {
        if (ev.outcomes.length < 2) return;
        const s = sessionOf(ev.sessionId);
        const decided = s.decided.get(ev.round) ?? [];
        s.decided.delete(ev.round);
        s.records.push(roundRecord(ev, decided));
        return;
      }
      if (ev.partnerId === null && (ev.members?.length ?? 1) < 2) return;
      const s = sessionOf(ev.sessionId);
      let list = s.decided.get(ev.round);
      if (!list) s.decided.set(ev.round, (list = []));
      list.push(ev);
    },
    finish(sessionId: string) {
      const s = open.get(sessionId);
      open.delete(sessionId);
      if (!s || s.records.length === 0) return;
      groups.keep(s.records[0].members, s.records);
    },
  };
}

/** The identity of a session-scoped event, as resume compares them. */
function keyOf(body: EventBody): { sessionId: string; key: string } | null {
  switch (body.type) {
    case "trial.started":
      return { sessionId: body.sessionId, key: "start" };
    case "decision.requested":
      return { sessionId: body.sessionId, key: `q:${body.decisionId}` };
    case "decision.made":
    case "decision.invalid":
      return { sessionId: body.sessionId, key: `d:${body.decisionId}` };
    case "round.settled":
      return { sessionId: body.sessionId, key: `r:${body.round}` };
    case "trial.ended":
      return { sessionId: body.sessionId, key: "end" };
    default:
      return null;
  }
}

/** Cuts everything after the last newline (a line torn by a crash); returns the bytes removed. */
export function truncateTornTail(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, "r+");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const n = readSync(fd, chunk, 0, end - start, start);
      const at = chunk.subarray(0, n).lastIndexOf(0x0a);
      if (at >= 0) {
        const keep = start + at + 1;
        if (keep < size) ftruncateSync(fd, keep);
        return size - keep;
      }
      end = start;
    }
    if (size > 0) ftruncateSync(fd, 0);
    return size;
  } finally {
    closeSync(fd);
  }
}
