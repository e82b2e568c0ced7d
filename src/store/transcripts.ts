/**
 * The transcript store: `transcripts.jsonl` in the run directory, every model call as sent and
 * answered. Messages are content-addressed: each distinct message is written once as a
 * `message` line (id = hash of role and text), and a call names the earlier call whose messages
 * its own begin with (`base`: that call's first `n` messages) plus the ids of the messages it
 * adds. A conversation of k calls therefore costs O(k) lines and references, not O(k²).
 * Response formats are stored once the same way (`schema` lines).
 *
 * Crash rules are the event log's: lines are appended in batches (jsonl-writer), a message or
 * schema line always precedes the calls that use it, a torn last line is ignored by readers and
 * cut off on resume. On resume the existing file is read once and only the calls it lacks are
 * added (a replayed call answered from the cache is recorded as cached only if it was missing).
 * Nothing here sees a key or a header: the gateway's record holds the request body only.
 *
 * @example
 * const store = openTranscriptStore(runDir, { resume: false });
 * const gateway = createGateway({ ...opts, transcripts: store });
 * // … run …
 * store.close();
 */
import { createHash } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import type { ChatMessage, TranscriptRecord, TranscriptSink } from "../models/gateway-types.ts";
import { openJsonlWriter, type JsonlWriter } from "./jsonl-writer.ts";
import { scanLines } from "./line-scan.ts";
import { truncateTornTail } from "./resume.ts";
import { transcriptsPath } from "./run-dir.ts";

/** A `message` line. */
export interface MessageLine {
  kind: "message";
  id: string;
  role: ChatMessage["role"];
  content: string;
}

/** A `schema` line: a response format sent with structured calls. */
export interface SchemaLine {
  kind: "schema";
  id: string;
  format: NonNullable<TranscriptRecord["format"]>;
}

/** A `call` line. */
export interface CallLine {
  kind: "call";
  /** Deterministic: the same call replayed on resume has the same id. */
  id: string;
  decisionId: string | null;
  agentId: string;
  sessionId: string | null;
  trial: number | null;
  round: number | null;
  purpose: string;
  endpoint: string;
  model: string;
  params: TranscriptRecord["request"]["params"];
  sampleIndex: number;
  /** Schema line id of the response format, or null for a text answer (the instruction is in the messages). */
  schema: string | null;
  /** The request's messages start with the first `n` messages of call `call`. */
  base: { call: string; n: number } | null;
  /** Message ids after the base, in order. */
  add: string[];
  response: TranscriptRecord["response"];
  cached: boolean;
  error: string | null;
  attempts: number;
  latencyMs: number;
  /** Null when the model has no known price. */
  costUsd: number | null;
  time: string;
}

export type TranscriptLine = MessageLine | SchemaLine | CallLine;

export interface TranscriptStore extends TranscriptSink {
  /** Calls recorded by this process (skipped ones not counted). */
  readonly written: () => number;
  flush(): void;
  close(): void;
}

const hash = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 16);

/** Session, trial and round from a decision id (`<session>#t<trial>/r<round>/<agent>`), when it has that shape. */
export function decisionParts(decisionId: string | null): { sessionId: string | null; trial: number | null; round: number | null } {
  const m = decisionId ? /^(.*#t(\d+))\/r(\d+)\/[^/]+$/.exec(decisionId) : null;
  if (!m) return { sessionId: null, trial: null, round: null };
  return { sessionId: m[1], trial: Number(m[2]), round: Number(m[3]) };
}

/** What an existing transcript file already holds (read once on resume). */
function existing(path: string): { messages: Set<string>; schemas: Set<string>; calls: Set<string> } {
  const out = { messages: new Set<string>(), schemas: new Set<string>(), calls: new Set<string>() };
  if (!existsSync(path)) return out;
  scanLines(path, 0, (text) => {
    let line: TranscriptLine;
    try {
      line = JSON.parse(text) as TranscriptLine;
    } catch {
      return; // only a torn tail can be broken, and resume has cut it off
    }
    if (line.kind === "message") out.messages.add(line.id);
    else if (line.kind === "schema") out.schemas.add(line.id);
    else if (line.kind === "call" && line.error === null) out.calls.add(line.id);
  });
  return out;
}

/** The most recent conversations kept for finding a call's base; older ones just start afresh (still correct). */
const MAX_OPEN_CONVERSATIONS = 4096;

export function openTranscriptStore(dir: string, opts: { resume: boolean }): TranscriptStore {
  const path = transcriptsPath(dir);
  if (opts.resume) truncateTornTail(path);
  else if (!existsSync(path)) writeFileSync(path, "");
  const seen = opts.resume ? existing(path) : { messages: new Set<string>(), schemas: new Set<string>(), calls: new Set<string>() };
  const writer: JsonlWriter = openJsonlWriter(path);
  // Agents hand the same message objects again in every later call of a conversation.
  const ids = new WeakMap<ChatMessage, string>();
  const schemaIds = new WeakMap<object, string>();
  // Per conversation (session + agent): the last answered call and its message ids.
  const last = new Map<string, { call: string; ids: string[] }>();
  let written = 0;

  const messageId = (m: ChatMessage): string => {
    let id = ids.get(m);
    if (id === undefined) {
      id = hash(`${m.role}\u0000${m.content}`);
      ids.set(m, id);
    }
    if (!seen.messages.has(id)) {
      seen.messages.add(id);
      writer.write({ kind: "message", id, role: m.role, content: m.content } satisfies MessageLine);
    }
    return id;
  };
  const schemaId = (format: NonNullable<TranscriptRecord["format"]>): string => {
    let id = schemaIds.get(format);
    if (id === undefined) schemaIds.set(format, (id = hash(JSON.stringify(format))));
    if (!seen.schemas.has(id)) {
      seen.schemas.add(id);
      writer.write({ kind: "schema", id, format } satisfies SchemaLine);
    }
    return id;
  };

  return {
    record(rec) {
      const req = rec.request;
      const parts = decisionParts(req.decisionId);
      const id = hash(`${req.decisionId}\u0000${req.agentId}\u0000${req.purpose}\u0000${req.sampleIndex}`);
      const convKey = `${parts.sessionId ?? req.decisionId}\u0000${req.agentId}`;
      const msgIds = req.messages.map(messageId);
      const prev = last.get(convKey);
      let base: CallLine["base"] = null;
      if (prev && prev.ids.length <= msgIds.length && prev.ids.every((x, i) => x === msgIds[i])) {
        base = { call: prev.call, n: prev.ids.length };
      }
      if (rec.error === null) {
        last.delete(convKey);
        last.set(convKey, { call: id, ids: msgIds });
        if (last.size > MAX_OPEN_CONVERSATIONS) last.delete(last.keys().next().value!);
        if (seen.calls.has(id)) return; // already on record (a resumed run replaying it)
        seen.calls.add(id);
      }
      const line: CallLine = {
        kind: "call",
        id,
        decisionId: req.decisionId,
        agentId: req.agentId,
        ...parts,
        purpose: req.purpose,
        endpoint: rec.endpoint,
        model: rec.model,
        params: req.params,
        sampleIndex: req.sampleIndex,
        schema: rec.format ? schemaId(rec.format) : null,
        base,
        add: base ? msgIds.slice(base.n) : msgIds,
        response: rec.response,
        cached: rec.cached,
        error: rec.error,
        attempts: rec.attempts,
        latencyMs: Math.round(rec.latencyMs * 10) / 10,
        costUsd: rec.costUsd,
        time: new Date().toISOString(),
      };
      writer.write(line);
      written++;
    },
    written: () => written,
    flush: () => writer.flush(),
    close: () => writer.close(),
  };
}
