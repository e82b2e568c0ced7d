/**
 * structuredOutput: auto against a server that rejects response_format with 400 (as older
 * llama.cpp, LM Studio and Ollama builds do) and otherwise answers by the value in its prompt:
 * with `structuredOutput: true` the run fails without a decision (before: 36 of 36 invalid); with the default
 * (auto) the gateway falls back once to text answers, says so once on stderr, records it in the
 * manifest, and all 36 decisions are valid and follow the value.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hvae, outcomes, readLog } from "../support/hvae-process.ts";
import { startOpenAiServer, type Behaviour, type FakeOpenAi, type RecordedRequest } from "../support/openai-server.ts";

const ANGLES: Record<string, number> = { altruistic: 90, prosocial: 45, individualistic: 0, competitive: -45 };

/** Answers like a model that follows its value: the letter maximising the value's utility, as text. */
export function valueFollowing(req: RecordedRequest): Behaviour {
  if (req.body.response_format)
    return {
      kind: "status",
      status: 400,
      body: JSON.stringify({ error: { code: 400, message: "response_format type 'json_schema' is not supported", type: "invalid_request_error" } }),
    };
  const all = req.body.messages.map((m) => m.content).join("\n");
  const value = /value system is (\w+)/.exec(all)?.[1] ?? "individualistic";
  const last = [...req.body.messages].reverse().find((m) => m.role === "user")!.content;
  const options = [...last.matchAll(/^([A-Z]): you get (-?\d+(?:\.\d+)?), the other participant gets (-?\d+(?:\.\d+)?)/gm)];
  if (options.length === 0) return { kind: "answer", content: "I will keep my value in mind." };
  const a = ((ANGLES[value] ?? 0) * Math.PI) / 180;
  const u = (m: RegExpMatchArray) => Math.cos(a) * Number(m[2]) + Math.sin(a) * Number(m[3]);
  const best = options.reduce((b, m) => (u(m) > u(b) + 1e-9 ? m : b));
  return { kind: "answer", content: `${best[1]}: it fits my values.` };
}

let server: FakeOpenAi;
let dir: string;
beforeAll(async () => {
  server = await startOpenAiServer({ respond: valueFollowing });
  dir = mkdtempSync(join(tmpdir(), "hvae-fallback-"));
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

function scenario(name: string, structured: string): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    `name: ${name}
seed: 5
trials: 2
pairing: none
game: { type: svo-slider, shuffleOptions: true }
endpoints:
  local: { baseURL: "${server.baseURL}", maxConcurrency: 4, maxRetries: 1, timeoutMs: 5000${structured} }
agents:
  - { id: alt, type: llm, value: altruistic, model: "local:m", prompts: { describe: false, goal: false } }
  - { id: pro, type: llm, value: prosocial, model: "local:m", prompts: { describe: false, goal: false } }
  - { id: com, type: llm, value: competitive, model: "local:m", prompts: { describe: false, goal: false } }
`,
  );
  return path;
}

const run = (path: string) => hvae(["run", path, "--out", join(dir, "runs"), "--no-cache", "--quiet"], { env: { OPENAI_API_KEY: "" }, timeoutMs: 90_000 });

describe("structured-output fallback", () => {
  it("structuredOutput: true against such a server: the run fails (exit 3) without one decision", async () => {
    const r = await run(scenario("strict", ", structuredOutput: true"));
    expect(r.code).toBe(3);
    expect(outcomes(readLog(r.last)).filter((o) => o.type === "decision.made")).toHaveLength(0);
  }, 120_000);

  it("auto (the default): one fallback, said once, in the manifest; all 36 valid and value-following", async () => {
    const before = server.count();
    const r = await run(scenario("auto", ""));
    expect(r.code).toBe(0);
    const evs = readLog(r.last);
    const out = outcomes(evs);
    expect(out).toHaveLength(36);
    expect(out.filter((o) => o.type === "decision.made")).toHaveLength(36);
    expect(r.stderr.match(/rejected structured output/g)).toHaveLength(1);
    const manifest = JSON.parse(readFileSync(join(r.last, "manifest.json"), "utf8")) as { structuredFallbacks?: Record<string, string> };
    expect(manifest.structuredFallbacks?.local).toMatch(/json_schema/);
    // The values show: altruists take the most for the other, competitors the biggest lead.
    const made = out.filter((o) => o.type === "decision.made");
    for (const o of made) {
      const options = [...made.filter((m) => m.itemId === o.itemId)];
      if (o.agentId.startsWith("alt")) expect(o.other).toBe(Math.max(...options.map((m) => m.other ?? 0)));
    }
    // Structured requests stop after the first rejections: the rest are text requests.
    const reqs = server.requests.slice(before);
    const structured = reqs.filter((q) => q.body.response_format);
    expect(structured.length).toBeLessThanOrEqual(4);
    expect(reqs.length - structured.length).toBe(36);
  }, 120_000);
});
