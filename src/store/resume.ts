/**
 * Resuming an interrupted run: cut a torn last line off the log, then read the log once to learn
 * which sessions finished (skipped on resume) and which events of unfinished sessions are already
 * there (not written again), where the sequence numbers continue, and the totals so far.
 * Memory stays bounded: keys are kept only for sessions that have not finished.
 *
 * @example
 * const state = await loadResume("runs/demo-20250101T120000Z-3fa9c2");
 * runEnvironment({ ...opts, runId: state.runId, resume: state.filter });
 */
import { closeSync, ftruncateSync, openSync, readSync, fstatSync } from "node:fs";
import { lastValueFrom } from "rxjs";
import { ignoreElements, tap } from "rxjs/operators";
import type { ResumeFilter } from "../environment/environment.ts";
import type { EventBody, RunStatus } from "../events.ts";
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
  const prior = { decisions: 0, invalid: 0, costUsd: 0 };

  await lastValueFrom(
    readEvents(path).pipe(
      tap((ev) => {
        lastSeq = ev.seq;
        switch (ev.type) {
          case "run.started":
            runId ??= ev.runId;
            break;
          case "run.completed":
            lastStatus = ev.status;
            break;
          case "model.call":
            prior.costUsd += ev.costUsd;
            break;
          case "trial.completed":
            completed.add(ev.sessionId);
            partial.delete(ev.sessionId);
            break;
          default: {
            const key = keyOf(ev as EventBody);
            if (key) keysOf(key.sessionId).add(key.key);
            if (ev.type === "decision.made") prior.decisions++;
            else if (ev.type === "decision.invalid") prior.invalid++;
          }
        }
      }),
      ignoreElements(),
    ),
    { defaultValue: undefined },
  );

  const filter: ResumeFilter = {
    startSeq: lastSeq + 1,
    completedSessions: completed,
    prior,
    logged(body) {
      const key = keyOf(body);
      return key !== null && (partial.get(key.sessionId)?.has(key.key) ?? false);
    },
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
