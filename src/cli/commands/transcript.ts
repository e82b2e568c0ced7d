/**
 * `hvae transcript <runDir> <decisionId> [--json]`: the conversation that produced one decision,
 * every call made for it (the describe and goal turns that opened its trajectory, the decision,
 * a repair as a second call), each with its messages exactly as sent and the model's response.
 * `--json` prints `{decisionId, agentId, calls: [{purpose, messages: [{role, content}], response, cached, …}]}`.
 *
 * @example
 * // hvae transcript runs/paper-x 'prosocial-goal#t0/r0/prosocial-goal' --json | jq '.calls[0].messages'
 */
import { createReadStream } from "node:fs";
import { InputError } from "../../core/errors.ts";
import { openTranscripts, type ResolvedCall } from "../../store/transcript-reader.ts";
import { parseFlags } from "../args.ts";
import { runLogPath } from "./analyze.ts";

const USAGE = "hvae transcript <runDir> <decisionId> [--json]";

/** The decision's events in the log (requested, made or invalid), read line by line; [] when the id is unknown. */
export async function decisionEvents(path: string, decisionId: string): Promise<Record<string, unknown>[]> {
  const needle = JSON.stringify(decisionId);
  const out: Record<string, unknown>[] = [];
  let rest = "";
  for await (const chunk of createReadStream(path, { encoding: "utf8" })) {
    const lines = (rest + (chunk as string)).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.includes(needle)) continue;
      try {
        const ev = JSON.parse(line) as Record<string, unknown>;
        if (ev.decisionId === decisionId && ev.type !== "model.call") out.push(ev);
      } catch {
        // a broken line is the reader's to report (hvae analyze); here it names no decision
      }
    }
  }
  return out;
}

/** The --json shape of one call. */
export function callJson(c: ResolvedCall) {
  return {
    id: c.id,
    purpose: c.purpose,
    endpoint: c.endpoint,
    model: c.model,
    params: c.params,
    responseFormat: c.responseFormat,
    messages: c.messages.map((m) => ({ role: m.role, content: m.content })),
    response: c.response,
    cached: c.cached,
    error: c.error,
    attempts: c.attempts,
    latencyMs: c.latencyMs,
    costUsd: c.costUsd,
    time: c.time,
  };
}

const indent = (s: string, pad = "    ") => s.split("\n").map((l) => pad + l).join("\n");

function render(decisionId: string, agentId: string, calls: ResolvedCall[], tty: boolean): string {
  const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
  const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
  const out = [bold(`decision ${decisionId}`) + `  agent ${agentId}  ${calls.length} call${calls.length === 1 ? "" : "s"}`];
  calls.forEach((c, i) => {
    const r = c.response;
    const how = c.cached ? "from cache" : c.error ? "failed" : "fresh";
    const tokens = r ? ` · ${r.inputTokens}+${r.outputTokens} tokens` : "";
    out.push("", bold(`── call ${i + 1}/${calls.length}: ${c.purpose}`) + dim(` · ${c.endpoint}:${c.model} · ${how}${tokens} · ${c.latencyMs} ms`));
    out.push(dim(`   format: ${c.responseFormat ? `json_schema '${c.responseFormat.json_schema.name}' ${JSON.stringify(c.responseFormat.json_schema.schema)}` : "text"}`));
    for (const m of c.messages) out.push(`  [${m.role}]`, indent(m.content));
    if (r) {
      out.push(bold(`  → response`) + dim(` (finish: ${r.finishReason ?? "unknown"})`), indent(r.content || "(no content)"));
      if (r.refusal !== null) out.push(`  → refusal`, indent(r.refusal));
    } else out.push(bold("  → no response: ") + (c.error ?? "unknown error"));
  });
  return out.join("\n");
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: "boolean" } }, USAGE);
  if (values.help) {
    console.log(`usage: ${USAGE}`);
    return 0;
  }
  if (positionals.length !== 2) throw new InputError(`expected a run directory and a decision id\nusage: ${USAGE}`);
  const [runDir, decisionId] = positionals;
  const log = runLogPath(runDir);
  const transcripts = openTranscripts(runDir);
  const calls = transcripts?.forDecision(decisionId) ?? [];
  transcripts?.close();
  let agentId = calls[0]?.agentId ?? null;
  let why: string | null = null;
  if (calls.length === 0) {
    const events = await decisionEvents(log, decisionId);
    if (events.length === 0) throw new InputError(`${runDir}: no decision '${decisionId}' in this run`);
    agentId = String(events[0].agentId);
    why = transcripts
      ? "no model calls were made for this decision (a rule-based or custom agent decided it)"
      : "this run has no transcripts.jsonl (a run without llm agents, or one recorded before transcripts existed)";
  }
  if (values.json) {
    console.log(JSON.stringify({ decisionId, agentId, calls: calls.map(callJson), ...(why ? { note: why } : {}) }, null, 2));
  } else {
    console.log(why ? `decision ${decisionId}  agent ${agentId}\n${why}` : render(decisionId, agentId!, calls, process.stdout.isTTY === true));
  }
  return 0;
}
