/**
 * What `hvae view` knows about one run directory, built by one pass over its event log and kept
 * current by tailing it: the analysis accumulator (the same fold `hvae analyze` and the terminal
 * progress use), byte ranges of each session's lines (so a decision page reads a few kilobytes,
 * never the log), the byte offset of each agent's decisions, and the transcript index. Nothing
 * else of the log stays in memory, so a million-decision run answers each page quickly.
 *
 * @example
 * const run = openRunIndex("runs/demo-x");
 * run.tail();                         // index lines appended since
 * run.decision("a#t0/r0/a");          // { requested, outcome, calls, … }
 */
import { closeSync, existsSync, openSync, statSync } from "node:fs";
import { basename } from "node:path";
import { createAccumulator, foldEvent, type RunAccumulator } from "../../analysis/operators.ts";
import { liveSnapshot, liveStatus, type LiveUpdate } from "../../analysis/live.ts";
import type { Analysis } from "../../analysis/summary.ts";
import type { EventOf, HvaeEvent } from "../core/events.ts";
import { readLineAt, readRange, scanLines } from "../store/line-scan.ts";
import { readManifest, type Manifest } from "../store/manifest.ts";
import { eventsPath } from "../store/run-dir.ts";
import { openTranscripts, type ResolvedCall, type TranscriptIndex } from "../store/transcript-reader.ts";

type Outcome = EventOf<"decision.made"> | EventOf<"decision.invalid">;

/** A short row for tables and live updates. */
export interface DecisionRow {
  decisionId: string;
  agentId: string;
  sessionId: string;
  trial: number;
  round: number;
  itemId: string;
  valid: boolean;
  option: number | null;
  label: string | null;
  self: number | null;
  other: number | null;
  text: string;
}

export interface DecisionDetail {
  decisionId: string;
  requested: EventOf<"decision.requested"> | null;
  outcome: Outcome | null;
  item: { id: string; options: { self: number; other: number }[] } | null;
  /** Other events of the same round and session (the partner's decision, the settlement). */
  round: HvaeEvent[];
  calls: ResolvedCall[];
  /** Why `calls` is empty, when it is. */
  noCalls: string | null;
}

/** A session's lines lie in one or a few byte ranges (a resumed session continues at the end). */
type Range = [start: number, end: number];
const GAP = 1 << 20;

export interface RunIndex {
  readonly dir: string;
  readonly runId: string;
  manifest(): Manifest | null;
  readonly acc: RunAccumulator;
  /** Complete (run.completed seen and the manifest no longer says running). */
  finished(): boolean;
  progress(): LiveProgress;
  decision(decisionId: string): DecisionDetail | null;
  /** An agent's decisions, `limit` from `offset`, in log order. */
  agentDecisions(agentId: string, offset: number, limit: number): { total: number; rows: DecisionRow[] };
  /** The last few decisions, newest last. */
  recent(): DecisionRow[];
  readonly transcripts: () => TranscriptIndex | null;
  /** Analysis of what is indexed so far (cached until new events arrive). */
  analysis(): Promise<Analysis | null>;
  /** Indexes appended lines; returns the new decision rows. */
  tail(): DecisionRow[];
  close(): void;
}

/** The figures the terminal progress shows, for the live panel. */
export interface LiveProgress {
  done: number;
  total: number;
  status: string;
  runStatus: string;
  live: LiveUpdate;
  text: string;
}

export function rowOf(ev: Outcome): DecisionRow {
  const made = ev.type === "decision.made";
  return {
    decisionId: ev.decisionId,
    agentId: ev.agentId,
    sessionId: ev.sessionId,
    trial: ev.trial,
    round: ev.round,
    itemId: ev.itemId,
    valid: made,
    option: made ? ev.option : null,
    label: made ? ev.label : null,
    self: made ? ev.self : null,
    other: made ? ev.other : null,
    text: made ? (ev.reason ?? "") : `${ev.reason}${ev.raw ? ` — answer: ${ev.raw}` : ""}`,
  };
}

const RECENT = 25;

export function openRunIndex(dir: string): RunIndex {
  const path = eventsPath(dir);
  if (!existsSync(path)) throw new Error(`${dir}: no events.jsonl`);
  let manifest: Manifest | null = null;
  const loadManifest = () => {
    try {
      manifest = readManifest(dir);
    } catch {
      manifest = null;
    }
  };
  loadManifest();
  const acc = createAccumulator();
  const sessions = new Map<string, Range[]>();
  const agentOffsets = new Map<string, { at: number[]; len: number[] }>();
  const recent: DecisionRow[] = [];
  let end = 0;
  let fd = openSync(path, "r");
  let transcripts: TranscriptIndex | null | undefined;
  let analysis: { events: number; value: Promise<Analysis | null> } | null = null;

  const note = (sessionId: string, offset: number, bytes: number) => {
    let ranges = sessions.get(sessionId);
    if (!ranges) sessions.set(sessionId, (ranges = []));
    const last = ranges[ranges.length - 1];
    if (last && offset - last[1] < GAP) last[1] = offset + bytes;
    else ranges.push([offset, offset + bytes]);
  };

  const tail = (): DecisionRow[] => {
    const fresh: DecisionRow[] = [];
    const r = scanLines(path, end, (text, offset, bytes) => {
      let ev: HvaeEvent;
      try {
        ev = JSON.parse(text) as HvaeEvent;
      } catch {
        return; // a broken line in the middle is `hvae analyze`'s to report; the viewer shows the rest
      }
      foldEvent(acc, ev);
      const sid = (ev as { sessionId?: string }).sessionId;
      if (sid !== undefined) note(sid, offset, bytes);
      if (ev.type === "decision.made" || ev.type === "decision.invalid") {
        let a = agentOffsets.get(ev.agentId);
        if (!a) agentOffsets.set(ev.agentId, (a = { at: [], len: [] }));
        a.at.push(offset);
        a.len.push(bytes);
        const row = rowOf(ev);
        fresh.push(row);
        recent.push(row);
        if (recent.length > RECENT) recent.shift();
      }
    });
    end = r.end;
    if (fresh.length || acc.status) loadManifest();
    transcripts?.refresh();
    return fresh;
  };
  tail();

  const readSession = (sessionId: string): HvaeEvent[] => {
    const out: HvaeEvent[] = [];
    for (const [s, e] of sessions.get(sessionId) ?? []) {
      for (const line of readRange(fd, s, e - s).split("\n")) {
        if (!line.includes(sessionId)) continue;
        try {
          const ev = JSON.parse(line) as HvaeEvent;
          if ((ev as { sessionId?: string }).sessionId === sessionId) out.push(ev);
        } catch {
          // torn tail of a live log
        }
      }
    }
    return out;
  };

  const transcriptsOf = (): TranscriptIndex | null => {
    if (transcripts === undefined || transcripts === null) {
      try {
        transcripts = openTranscripts(dir);
      } catch {
        transcripts = null;
      }
    }
    return transcripts;
  };

  return {
    dir,
    get runId() {
      return acc.run?.id ?? manifest?.runId ?? basename(dir);
    },
    manifest: () => manifest,
    acc,
    finished: () => acc.status !== null && (manifest === null || manifest.status !== "running"),
    progress() {
      const live = liveSnapshot(acc);
      const total = manifest?.plannedDecisions ?? acc.run?.plannedDecisions ?? 0;
      return {
        done: acc.decisions,
        total,
        status: liveStatus(live),
        runStatus: acc.status ?? manifest?.status ?? "running",
        live,
        text: `${acc.decisions}/${total} decisions`,
      };
    },
    decision(decisionId) {
      const m = /^(.*)\/r(\d+)\/([^/]+)$/.exec(decisionId);
      if (!m || !sessions.has(m[1])) return null;
      const events = readSession(m[1]);
      const round = Number(m[2]);
      const requested = (events.find((e) => e.type === "decision.requested" && e.decisionId === decisionId) as EventOf<"decision.requested">) ?? null;
      const outcome = (events.find((e) => (e.type === "decision.made" || e.type === "decision.invalid") && e.decisionId === decisionId) as Outcome) ?? null;
      if (!requested && !outcome) return null;
      const itemId = (outcome ?? requested)!.itemId;
      const item = acc.run ? (acc.items.get(itemId) ?? null) : null;
      const t = transcriptsOf();
      const calls = t?.forDecision(decisionId) ?? [];
      const agentType = acc.agents.get(m[3])?.info.type;
      const noCalls =
        calls.length > 0
          ? null
          : !t
            ? "This run has no transcripts.jsonl: it had no llm agents, or it was recorded before hvae kept transcripts."
            : agentType && agentType !== "llm"
              ? `No model calls: this decision was made by a ${agentType} agent, which calls no model.`
              : "No model calls are on record for this decision (the run may still be writing them).";
      return {
        decisionId,
        requested,
        outcome,
        item: item ? { id: itemId, options: item.options.map((o) => ({ self: o.self, other: o.other })) } : null,
        round: events.filter((e) => (e as { round?: number }).round === round && (e as { decisionId?: string }).decisionId !== decisionId),
        calls,
        noCalls,
      };
    },
    agentDecisions(agentId, offset, limit) {
      const a = agentOffsets.get(agentId);
      if (!a) return { total: 0, rows: [] };
      const rows: DecisionRow[] = [];
      for (let i = offset; i < Math.min(a.at.length, offset + limit); i++) rows.push(rowOf(JSON.parse(readLineAt(fd, a.at[i], a.len[i])) as Outcome));
      return { total: a.at.length, rows };
    },
    recent: () => recent.slice(),
    transcripts: transcriptsOf,
    analysis() {
      if (!acc.run) return Promise.resolve(null);
      if (!analysis || analysis.events !== acc.events) {
        const events = acc.events;
        analysis = {
          events,
          value: import("../../analysis/summary.ts").then(({ summarize }) => summarize(acc)),
        };
      }
      return analysis.value;
    },
    tail() {
      // A log replaced underneath (a new run in the same place) starts over is not supported; it only grows.
      if (statSync(path).size < end) return [];
      return tail();
    },
    close() {
      closeSync(fd);
      fd = -1;
      transcripts?.close();
    },
  };
}
