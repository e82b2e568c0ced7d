/**
 * The transcript store end to end: `hvae run` against the local server records every request
 * exactly as the server received it (messages, format), repairs as second calls, cached re-runs
 * as cached, never the key; `hvae transcript` prints them; a crash-cut run resumes without
 * duplicating a call; a long conversation costs linear references.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/models/gateway-types.ts";
import { parseCsv } from "../../analysis/report/csv.ts";
import { openTranscripts } from "../../src/store/transcript-reader.ts";
import { openTranscriptStore, type CallLine } from "../../src/store/transcripts.ts";
import { hvae, readLog } from "../support/hvae-process.ts";
import { offeredLabels, startOpenAiServer, type FakeOpenAi } from "../support/openai-server.ts";

const KEY = "sk-test-TRANSCRIPT-9876";
let server: FakeOpenAi;
let dir: string;

beforeAll(async () => {
  // Agent b's first decide of each trajectory gets an answer naming no option: a repair turn follows.
  server = await startOpenAiServer({
    respond: (req) => {
      const labels = offeredLabels(req.body);
      const last = req.body.messages.at(-1)?.content ?? "";
      if (labels.length === 0) return { kind: "answer", content: `A fair-minded person (reply ${req.index}).` };
      if (/^Decision 1 of/m.test(last) && req.body.messages[0].content.includes("competitive")) return { kind: "answer", content: "I would rather not say." };
      return { kind: "answer", content: `${labels[1]}: it is fair enough` };
    },
  });
  dir = mkdtempSync(join(tmpdir(), "hvae-transcripts-"));
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

function scenario(): string {
  const path = join(dir, "tx.yaml");
  writeFileSync(
    path,
    `name: tx
seed: 5
trials: 2
game: { type: svo-slider, items: primary, shuffleOptions: true }
pairing: none
endpoints:
  local: { baseURL: "${server.baseURL}", apiKeyEnv: LOCAL_KEY, timeoutMs: 3000, maxConcurrency: 2, structuredOutput: false }
agents:
  - { id: a, type: llm, value: prosocial, model: "local:m", prompts: { describe: true, goal: true } }
  - { id: b, type: llm, value: competitive, model: "local:m", prompts: { describe: true, goal: false } }
`,
  );
  return path;
}

const env = () => ({ LOCAL_KEY: KEY, HVAE_CACHE: join(dir, "cache.sqlite"), OPENAI_API_KEY: "" });

interface TranscriptJson {
  decisionId: string;
  agentId: string;
  calls: { purpose: string; messages: ChatMessage[]; response: { content: string; finishReason: string | null }; cached: boolean }[];
  note?: string;
}

async function transcript(runDir: string, id: string): Promise<TranscriptJson> {
  const r = await hvae(["transcript", runDir, id, "--json"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as TranscriptJson;
}

describe("transcripts of an llm run", () => {
  let runDir: string;
  it("records every request exactly as the server received it, repairs as second calls, never the key", async () => {
    const r = await hvae(["run", scenario(), "--out", join(dir, "runs"), "--quiet"], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    runDir = r.last;
    const events = readLog(runDir);
    const decisions = events.filter((e) => e.type === "decision.made" || e.type === "decision.invalid");
    expect(decisions).toHaveLength(24);
    const seen: string[] = [];
    const index = openTranscripts(runDir)!;
    for (const d of decisions) {
      const t = { agentId: d.agentId, calls: index.forDecision((d as { decisionId: string }).decisionId) };
      expect(t.calls[0].agentId).toBe(t.agentId);
      for (const c of t.calls) seen.push(JSON.stringify([c.messages, c.response!.content]));
      if ((d as { round: number }).round === 0) expect(t.calls[0].purpose).toBe("describe");
      if (d.agentId === "b" && d.round === 0) expect(t.calls.map((c) => c.purpose)).toEqual(["describe", "decide", "repair"]);
    }
    index.close();
    // The CLI prints the same calls.
    const cli = await transcript(runDir, "a#t1/r2/a");
    expect(cli.calls.map((c) => c.purpose)).toEqual(["decide"]);
    expect(cli.calls[0].messages.at(-1)!.content).toMatch(/^Decision 3 of 6/);
    // Every request the server got is one recorded call, with the same messages in the same order.
    expect(seen).toHaveLength(server.count());
    const sent = server.requests.map((q) => JSON.stringify(q.body.messages.map((m) => ({ role: m.role, content: m.content }))));
    expect(new Set(seen.map((s) => JSON.stringify(JSON.parse(s)[0])))).toEqual(new Set(sent));
    const file = readFileSync(join(runDir, "transcripts.jsonl"));
    expect(file.includes(Buffer.from(KEY))).toBe(false);
    expect(file.toString()).not.toMatch(/authorization|bearer/i);
    // Linear, not quadratic: well under twice the event log.
    expect(file.length).toBeLessThan(2 * readFileSync(join(runDir, "events.jsonl")).length);
    // Each message stored once.
    const lines = file.toString().trimEnd().split("\n").map((l) => JSON.parse(l) as { kind: string; id: string });
    const msgIds = lines.filter((l) => l.kind === "message").map((l) => l.id);
    expect(new Set(msgIds).size).toBe(msgIds.length);
  }, 90_000);

  it("prints a readable rendering; unknown decisions and run directories are exit 2 with one line", async () => {
    const r = await hvae(["transcript", runDir, "b#t0/r0/b"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/call 3\/3: repair/);
    expect(r.stdout).toContain("I would rather not say.");
    const unknown = await hvae(["transcript", runDir, "nobody#t9/r0/x"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
    const noDir = await hvae(["transcript", join(dir, "missing"), "x"]);
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toMatch(/no such run directory/);
  }, 60_000);

  it("hvae report exports the raw answers and presented labels in decisions.csv, and transcripts.jsonl", async () => {
    const out = join(dir, "report");
    const r = await hvae(["report", runDir, "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const rows = parseCsv(readFileSync(join(out, "decisions.csv"), "utf8"));
    const [head, ...body] = rows;
    const col = (name: string) => head.indexOf(name);
    expect(body).toHaveLength(24);
    for (const row of body) {
      // Shuffled options: nine labels, each with the canonical option it stood for, all options once.
      const shown = row[col("presented")].split(" ").map((p) => p.split("="));
      expect(shown.map(([l]) => l)).toEqual(["A", "B", "C", "D", "E", "F", "G", "H", "I"]);
      expect(shown.map(([, o]) => Number(o)).sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      if (row[col("valid")] === "true") {
        expect(row[col("raw")]).toMatch(/^[A-I]: it is fair enough$/);
        const label = row[col("label")];
        expect(shown.find(([l]) => l === label)![1]).toBe(row[col("option")]);
      }
    }
    const lines = readFileSync(join(out, "transcripts.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(server.count());
    expect(lines[0]).toMatchObject({ purpose: "describe", messages: [{ role: "user" }], cached: false });
  }, 60_000);

  it("a re-run answered from the cache records its calls as cached", async () => {
    const before = server.count();
    const r = await hvae(["run", scenario(), "--out", join(dir, "runs2"), "--quiet"], { env: env() });
    expect(r.code).toBe(0);
    expect(server.count()).toBe(before);
    const t = openTranscripts(r.last)!;
    const all: boolean[] = [];
    t.each((c) => all.push(c.cached));
    t.close();
    expect(all.length).toBe(before);
    expect(all.every(Boolean)).toBe(true);
  }, 90_000);

  it("resume after a crash cuts the torn line and adds only the calls that are missing", async () => {
    const path = join(runDir, "transcripts.jsonl");
    const original = readFileSync(path, "utf8");
    const callsBefore = original.split("\n").filter((l) => l.includes('"kind":"call"'));
    // Crash: the log lost everything after the first trial of b, the transcript file holds a torn line.
    const logLines = readFileSync(join(runDir, "events.jsonl"), "utf8").trimEnd().split("\n");
    const cut = logLines.findIndex((l) => l.includes('"trial.completed"'));
    writeFileSync(join(runDir, "events.jsonl"), logLines.slice(0, cut + 1).join("\n") + "\n");
    // The last 5 calls of unfinished sessions were never flushed either, and a half line was.
    const finished = new Set(logLines.slice(0, cut + 1).filter((l) => l.includes('"trial.completed"')).map((l) => JSON.parse(l).sessionId as string));
    const kept = original.trimEnd().split("\n");
    const lost = kept
      .map((l, i) => [JSON.parse(l) as CallLine, i] as const)
      .filter(([l]) => l.kind === "call" && !finished.has(l.sessionId!))
      .slice(-5)
      .map(([, i]) => i);
    writeFileSync(path, kept.filter((_, i) => !lost.includes(i)).join("\n") + "\n");
    appendFileSync(path, '{"kind":"call","id":"torn');
    const manifest = JSON.parse(readFileSync(join(runDir, "manifest.json"), "utf8"));
    writeFileSync(join(runDir, "manifest.json"), JSON.stringify({ ...manifest, status: "interrupted" }));
    const r = await hvae(["run", "--resume", runDir, "--quiet"], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const after = readFileSync(path, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as CallLine);
    const calls = after.filter((l) => l.kind === "call");
    expect(calls.map((c) => c.id).sort()).toEqual(callsBefore.map((l) => (JSON.parse(l) as CallLine).id).sort());
    // The five re-made calls came from the cache and say so.
    expect(calls.slice(-5).every((c) => c.cached)).toBe(true);
    expect(calls.slice(0, -5).some((c) => c.cached)).toBe(false);
  }, 90_000);

  it("a decision without calls says why instead of failing", async () => {
    const rb = join(dir, "rb.yaml");
    writeFileSync(rb, "name: rb\nseed: 1\ntrials: 1\npairing: none\nagents:\n  - { id: r, type: utility, value: prosocial }\n");
    const r = await hvae(["run", rb, "--out", join(dir, "runs3"), "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    const t = await transcript(r.last, "r#t0/r0/r");
    expect(t.calls).toEqual([]);
    expect(t.note).toMatch(/no transcripts\.jsonl/);
  }, 60_000);
});

describe("content-addressed messages", () => {
  it("a 60-call conversation stores each message once and references grow linearly", () => {
    const d = mkdtempSync(join(tmpdir(), "hvae-tx-unit-"));
    try {
      const store = openTranscriptStore(d, { resume: false });
      const conv: ChatMessage[] = [];
      const sent: ChatMessage[][] = [];
      for (let i = 0; i < 60; i++) {
        conv.push({ role: "user", content: `item ${i}` });
        sent.push(conv.slice());
        store.record({
          request: { model: "local:m", params: { temperature: null, topP: null, seed: null, maxTokens: 8 }, messages: conv.slice(), schema: null, sampleIndex: i, decisionId: `s#t0/r${i}/a`, agentId: "a", purpose: "decide" },
          endpoint: "local", model: "m", format: null,
          response: { content: `answer ${i}`, refusal: null, finishReason: "stop", inputTokens: 1, outputTokens: 1 },
          cached: false, error: null, attempts: 1, latencyMs: 1, costUsd: 0,
        });
        conv.push({ role: "assistant", content: `answer ${i}` });
      }
      store.close();
      const lines = readFileSync(join(d, "transcripts.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as CallLine);
      const refs = lines.filter((l) => l.kind === "call").reduce((n, c) => n + c.add.length, 0);
      expect(refs).toBe(1 + 59 * 2);
      const t = openTranscripts(d)!;
      for (let i = 0; i < 60; i += 7) expect(t.forDecision(`s#t0/r${i}/a`)[0].messages).toEqual(sent[i]);
      t.close();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
