/**
 * Reading the transcript store back: one pass indexes the byte offset of every message, schema
 * and call line, and the calls of each decision; a call's messages are then resolved on demand
 * (its base call's first n messages, then its own) by reading single lines. `refresh()` indexes
 * what a running process appended since. A torn last line is ignored, as in the event log.
 *
 * @example
 * const t = openTranscripts("runs/x");           // null: the run has no transcripts
 * for (const call of t?.forDecision("a#t0/r0/a") ?? []) console.log(call.purpose, call.messages.length);
 * t?.close();
 */
import { closeSync, existsSync, openSync } from "node:fs";
import { InputError } from "../core/errors.ts";
import type { ChatMessage } from "../models/gateway-types.ts";
import { readLineAt, scanLines } from "./line-scan.ts";
import { transcriptsPath } from "./run-dir.ts";
import type { CallLine, MessageLine, SchemaLine, TranscriptLine } from "./transcripts.ts";

/** A call with its messages resolved, as `hvae transcript --json` prints it. */
export interface ResolvedCall {
  id: string;
  purpose: string;
  decisionId: string | null;
  agentId: string;
  trial: number | null;
  round: number | null;
  endpoint: string;
  model: string;
  params: CallLine["params"];
  /** The response format sent (json_schema), or null: a text answer, instructed in the messages. */
  responseFormat: SchemaLine["format"] | null;
  messages: ChatMessage[];
  response: CallLine["response"];
  cached: boolean;
  error: string | null;
  attempts: number;
  latencyMs: number;
  /** Null when the model has no known price. */
  costUsd: number | null;
  time: string;
}

export interface TranscriptIndex {
  readonly path: string;
  /** Calls made for a decision (describe and goal turns included), in the order they were written. */
  forDecision(decisionId: string): ResolvedCall[];
  /** Every call, in file order (for the transcripts.jsonl export). */
  each(fn: (call: ResolvedCall) => void): void;
  /** Calls whose messages or response contain `text` (case-insensitive), at most `limit`. */
  search(text: string, limit: number): { call: ResolvedCall; where: string; snippet: string }[];
  readonly calls: () => number;
  /** Indexes lines appended since the last scan; returns how many calls were added. */
  refresh(): number;
  close(): void;
}

type Span = [offset: number, bytes: number];

/** Opens the run's transcript index, or null when the run directory has no transcripts.jsonl. */
export function openTranscripts(dir: string): TranscriptIndex | null {
  const path = transcriptsPath(dir);
  if (!existsSync(path)) return null;
  const fd = openSync(path, "r");
  const messages = new Map<string, Span>();
  const schemas = new Map<string, Span>();
  const calls = new Map<string, Span>();
  const order: Span[] = [];
  const byDecision = new Map<string, Span[]>();
  let end = 0;
  const lineNo = { n: 0 };

  const scan = (): number => {
    let added = 0;
    const r = scanLines(path, end, (text, offset, bytes) => {
      lineNo.n++;
      let line: TranscriptLine;
      try {
        line = JSON.parse(text) as TranscriptLine;
      } catch {
        throw new InputError(`${path} line ${lineNo.n}: not valid JSON`);
      }
      const span: Span = [offset, bytes];
      if (line.kind === "message") messages.set(line.id, span);
      else if (line.kind === "schema") schemas.set(line.id, span);
      else if (line.kind === "call") {
        // A failed call may be followed by the same call answered (after a resume): bases name the answered one.
        if (line.error === null || !calls.has(line.id)) calls.set(line.id, span);
        order.push(span);
        if (line.decisionId !== null) {
          let list = byDecision.get(line.decisionId);
          if (!list) byDecision.set(line.decisionId, (list = []));
          list.push(span);
        }
        added++;
      }
    });
    end = r.end; // a torn or half-written last line stays unread until it is complete
    return added;
  };
  scan();

  const read = <T>(span: Span): T => JSON.parse(readLineAt(fd, span[0], span[1])) as T;
  const messageCache = new Map<string, ChatMessage>();
  const message = (id: string): ChatMessage => {
    let m = messageCache.get(id);
    if (!m) {
      const span = messages.get(id);
      if (!span) return { role: "user", content: `[message ${id} missing from ${path}]` };
      const line = read<MessageLine>(span);
      m = { role: line.role, content: line.content };
      if (messageCache.size > 10_000) messageCache.clear();
      messageCache.set(id, m);
    }
    return m;
  };
  const messagesOf = (line: CallLine, depth = 0): ChatMessage[] => {
    const head: ChatMessage[] = [];
    if (line.base && depth < 10_000) {
      const span = calls.get(line.base.call);
      if (span) head.push(...messagesOf(read<CallLine>(span), depth + 1).slice(0, line.base.n));
      else for (let i = 0; i < line.base.n; i++) head.push({ role: "user", content: `[call ${line.base.call} missing]` });
    }
    return [...head, ...line.add.map(message)];
  };
  const resolve = (line: CallLine): ResolvedCall => ({
    id: line.id,
    purpose: line.purpose,
    decisionId: line.decisionId,
    agentId: line.agentId,
    trial: line.trial,
    round: line.round,
    endpoint: line.endpoint,
    model: line.model,
    params: line.params,
    responseFormat: line.schema && schemas.has(line.schema) ? read<SchemaLine>(schemas.get(line.schema)!).format : null,
    messages: messagesOf(line),
    response: line.response,
    cached: line.cached,
    error: line.error,
    attempts: line.attempts,
    latencyMs: line.latencyMs,
    costUsd: line.costUsd,
    time: line.time,
  });

  return {
    path,
    forDecision: (id) => (byDecision.get(id) ?? []).map((s) => resolve(read<CallLine>(s))),
    each(fn) {
      for (const s of order) fn(resolve(read<CallLine>(s)));
    },
    search(text, limit) {
      const needle = text.toLowerCase();
      const out: { call: ResolvedCall; where: string; snippet: string }[] = [];
      if (!needle) return out;
      const snippet = (s: string) => {
        const at = s.toLowerCase().indexOf(needle);
        const from = Math.max(0, at - 60);
        return `${from > 0 ? "…" : ""}${s.slice(from, at + needle.length + 60)}${at + needle.length + 60 < s.length ? "…" : ""}`;
      };
      // Answers first (what a model said), then the messages it was sent.
      for (const s of order) {
        if (out.length >= limit) break;
        const line = read<CallLine>(s);
        const said = line.response?.content ?? line.response?.refusal ?? "";
        if (said.toLowerCase().includes(needle)) out.push({ call: resolve(line), where: "response", snippet: snippet(said) });
      }
      return out;
    },
    calls: () => order.length,
    refresh: scan,
    close: () => closeSync(fd),
  };
}
