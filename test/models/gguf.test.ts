/**
 * gguf: models in-process, on a tiny random-weight GGUF the test writes itself: the file check
 * (missing, not GGUF, too large for memory), grammar-constrained answers with option
 * probabilities, seeded sampling, one loaded model shared across parameter sets, the gateway's
 * cache and model.call events, and `hvae run` end to end (exit 2 on a bad file).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { choiceSchema } from "../../agents/llm/answer.ts";
import type { EventBody, EventOf } from "../../src/core/events.ts";
import { InputError } from "../../src/core/errors.ts";
import { createGateway, type ChatRequest } from "../../src/models/gateway.ts";
import { checkGgufFile } from "../../src/models/gguf-file.ts";
import { closeJsonPrefix, createGgufPool, grammarSchema, sampleSeed } from "../../src/models/gguf.ts";
import { resolveModelRef } from "../../src/models/model-ref.ts";
import { Endpoint } from "../../src/scenario/schema.ts";
import { hvae, outcomes, readLog } from "../support/hvae-process.ts";
import { writeTinyGguf } from "../support/gguf-writer.ts";

let dir: string;
let model: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "hvae-gguf-"));
  model = writeTinyGguf(join(dir, "tiny.gguf"), { seed: 7 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LABELS = ["A", "B", "C", "D", "E"];
/** One thread and a small context: the suite shares two cores with other work. */
const endpoints = { tiny: Endpoint.parse({ provider: "gguf", maxConcurrency: 2, threads: 1, contextSize: 1024, maxRetries: 0 }) };

function request(over: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: `tiny:${model}`,
    params: { temperature: null, topP: null, seed: 11, maxTokens: 40 },
    messages: [{ role: "user", content: "Options A, B, C, D, E. Which do you choose? Give its letter." }],
    schema: { name: "choice", zod: choiceSchema(LABELS) },
    sampleIndex: 0,
    decisionId: "d",
    agentId: "a",
    purpose: "decide",
    labels: LABELS,
    ...over,
  };
}

describe("the GGUF file check", () => {
  it("the test model is a small llama GGUF with byte fallback, and passes", () => {
    expect(statSync(model).size).toBeLessThan(600_000);
    const info = checkGgufFile("gguf:tiny", model, { contextSize: 1024, sequences: 2 });
    expect(info).toMatchObject({ architecture: "llama", name: "hvae-tiny-test" });
    expect(info.tensorBytes).toBeGreaterThan(0);
    expect(info.tensorBytes).toBeLessThanOrEqual(info.fileBytes);
  });

  it("missing file, not a GGUF file, too large for memory: one clear InputError each", () => {
    const notGguf = join(dir, "notes.gguf");
    writeFileSync(notGguf, "this is not a model\n");
    const huge = writeTinyGguf(join(dir, "huge.gguf"), { claimScale: 50_000_000 });
    const check = (p: string, availableBytes?: number) => () => checkGgufFile("gguf:x", p, { contextSize: 1024, sequences: 2, availableBytes });
    expect(check(join(dir, "nope.gguf"))).toThrow(InputError);
    expect(check(join(dir, "nope.gguf"))).toThrow(/file not found: .*nope\.gguf/);
    expect(check(notGguf)).toThrow(/is not a GGUF file/);
    expect(check(huge)).toThrow(/needs about [\d.]+ GB of memory .* but [\d.]+ GB is available/);
    // The check is against the memory given: the real model fits 1 GB, not 1 KB.
    expect(check(model, 1024 ** 3)).not.toThrow();
    expect(check(model, 1024)).toThrow(/memory/);
  });

  it("helpers: grammar schema subset, seeds per sample, closing a cut-off JSON answer", () => {
    expect(grammarSchema({ type: "object", properties: { r: { anyOf: [{ type: "string" }, { type: "null" }], description: "x" }, l: { type: "string", enum: ["A"] } } })).toEqual({
      type: "object",
      properties: { r: { oneOf: [{ type: "string" }, { type: "null" }] }, l: { enum: ["A"] } },
    });
    expect(sampleSeed(1, 5)).toBe(sampleSeed(1, 5));
    expect(sampleSeed(1, 5)).not.toBe(sampleSeed(1, 6));
    expect(sampleSeed(null, 5)).not.toBe(sampleSeed(2, 5));
    expect(closeJsonPrefix('{ "letter": "C", "reason": "because it is fa')).toBe('{ "letter": "C", "reason": "because it is fa"}');
    expect(closeJsonPrefix('{ "letter": "C", "reason": ')).toBe('{ "letter": "C"}');
    expect(closeJsonPrefix('{ "letter": "C", "reas')).toBe('{ "letter": "C"}');
    expect(closeJsonPrefix('{ "lett')).toBe('{ "lett');
  });
});

describe("gguf models through the gateway", () => {
  it("answers one of the labels with option probabilities; cost 0, model.call events, cached re-ask", async () => {
    const gw = createGateway({ endpoints, prices: {}, cachePath: join(dir, "cache.sqlite"), refreshCache: false, maxCostUsd: null, env: {} });
    const calls: EventBody<EventOf<"model.call">>[] = [];
    gw.calls$.subscribe((c) => calls.push(c));
    try {
      const r = await gw.chat(request());
      const parsed = r.parsed as { letter: string } | null;
      expect(parsed).not.toBeNull();
      expect(LABELS).toContain(parsed!.letter);
      expect(r.costUsd).toBe(0);
      expect(r.inputTokens).toBeGreaterThan(10);
      const p = r.probabilities!;
      expect(Object.keys(p).sort()).toEqual(LABELS);
      expect(Object.values(p).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      // A random model spreads its mass: the chosen letter had a real probability.
      expect(p[parsed!.letter]).toBeGreaterThan(0);
      const again = await gw.chat(request());
      expect(again).toMatchObject({ cached: true, content: r.content, probabilities: r.probabilities });
      expect(calls).toHaveLength(2);
      expect(calls[0]).toMatchObject({ endpoint: "tiny", model, cached: false, costUsd: 0, error: null });
      expect(calls[1].cached).toBe(true);
    } finally {
      await gw.close();
    }
  }, 120_000);

  it("seeded sampling: the same seed and sample give the same answers; other samples differ", async () => {
    const answers = async () => {
      const gw = createGateway({ endpoints, prices: {}, cachePath: null, refreshCache: false, maxCostUsd: null, env: {} });
      try {
        return await Promise.all(Array.from({ length: 8 }, (_, i) => gw.chat(request({ sampleIndex: i })).then((r) => (r.parsed as { letter: string }).letter)));
      } finally {
        await gw.close();
      }
    };
    const first = await answers();
    expect(await answers()).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  }, 180_000);

  it("one loaded model per file, shared by every parameter set naming it", async () => {
    const pool = createGgufPool();
    try {
      const m = resolveModelRef(`tiny:${model}`, endpoints, {});
      const a = pool.model(m, { temperature: 0, topP: null, seed: 1, maxTokens: 8 });
      const b = pool.model(m, { temperature: 1, topP: 0.9, seed: 2, maxTokens: 8 });
      await Promise.all([a.invoke([{ role: "user", content: "Hi" }], null, 1), b.invoke([{ role: "user", content: "Hi" }], null, 2)]);
      expect(pool.stats()).toEqual({ models: 1, sequences: 2 });
    } finally {
      await pool.close();
    }
  }, 120_000);
});

describe("hvae run with a gguf model", () => {
  const scenario = (name: string, modelRef: string) => {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(
      path,
      `name: ${name}
seed: 4
trials: 1
pairing: none
endpoints:
  tiny: { provider: gguf, maxConcurrency: 2, threads: 1, contextSize: 8192 }
agents:
  - { id: pro, type: llm, value: prosocial, model: "${modelRef}", maxTokens: 40, prompts: { describe: false, goal: false } }
  - { id: com, type: llm, value: competitive, model: "${modelRef}", maxTokens: 40, prompts: { describe: false, goal: false } }
`,
    );
    return path;
  };
  const run = (path: string) => hvae(["run", path, "--out", join(dir, "runs"), "--no-cache", "--quiet"], { env: { OPENAI_API_KEY: "" }, timeoutMs: 240_000 });

  it("no server, no key: every decision valid with probabilities; the same seed gives the same choices", async () => {
    const path = scenario("local", `tiny:${model}`);
    const first = await run(path);
    expect(first.stderr).not.toMatch(/Error/);
    expect(first.code).toBe(0);
    const made = outcomes(readLog(first.last));
    expect(made).toHaveLength(12);
    for (const o of made) {
      expect(o.type).toBe("decision.made");
      if (o.type !== "decision.made") continue;
      expect(o.probabilities).toHaveLength(9);
      expect(o.probabilities!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
    const second = await run(path);
    const choices = (d: string) => outcomes(readLog(d)).map((o) => `${o.decisionId}=${o.type === "decision.made" ? o.option : "x"}`).sort();
    expect(choices(second.last)).toEqual(choices(first.last));
  }, 480_000);

  it("a missing or non-GGUF file: one message naming it, exit 2", async () => {
    const r = await run(scenario("missing", `gguf:${join(dir, "absent.gguf")}`));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/file not found: .*absent\.gguf/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
