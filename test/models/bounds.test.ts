/**
 * The gateway's bounds and checks on their own: token counts, content parts, bodies that are not
 * completions, secrets in text (plain and base64), keys and credentials in scenario fields,
 * fetch's bad ports, and letters in either case.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { hvae } from "../support/hvae-process.ts";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_ANTHROPIC_PRICES, DEFAULT_GOOGLE_PRICES, DEFAULT_OPENAI_PRICES, priceFor } from "../../src/models/cost.ts";
import { parseModelRef } from "../../src/models/model-ref.ts";
import { loadScenario } from "../../src/scenario/load.ts";
import { matchLabel, readStructured, readText } from "../../agents/llm/answer.ts";
import { bodyProblem, contentText, MAX_TOKENS_PER_CALL, readUsage } from "../../src/models/chat-model.ts";
import { TransportFault } from "../../src/models/gateway-types.ts";
import { resolveModelRef } from "../../src/models/model-ref.ts";
import { base64Forms, createRedactor } from "../../src/models/redact.ts";
import { classify } from "../../src/models/retry.ts";
import { baseUrlProblem, Endpoint, looksLikeKey } from "../../src/scenario/schema.ts";

describe("usage numbers", () => {
  it("takes whole numbers from 0 to the maximum and treats anything else as missing", () => {
    expect(readUsage({ prompt_tokens: 12, completion_tokens: 0 })).toEqual({ inputTokens: 12, outputTokens: 0, usageProblem: null });
    expect(readUsage({ prompt_tokens: MAX_TOKENS_PER_CALL, completion_tokens: 1 }).usageProblem).toBeNull();
    expect(readUsage(undefined)).toEqual({ inputTokens: 0, outputTokens: 0, usageProblem: "missing" });
    expect(readUsage(null).usageProblem).toBe("missing");
    for (const [p, c] of [[1.5, 2], ["100", 3], [-5, 2], [1e300, 1], [7, 2 ** 53], [MAX_TOKENS_PER_CALL + 1, 0], [NaN, 1], [null, 1]]) {
      const r = readUsage({ prompt_tokens: p, completion_tokens: c });
      expect(r, `${p}, ${c}`).toMatchObject({ inputTokens: 0, outputTokens: 0 });
      expect(r.usageProblem).toMatch(/^prompt_tokens .*, completion_tokens .* \(expected whole numbers from 0 to 10000000\)$/);
    }
    expect(readUsage({ prompt_tokens: "100", completion_tokens: 3 }).usageProblem).toMatch(/^prompt_tokens "100", completion_tokens 3/);
  });
});

describe("content", () => {
  it("joins text parts, keeps refusal parts apart, and reads anything else as empty", () => {
    expect(contentText("C")).toEqual({ text: "C", refusal: null });
    expect(contentText([{ type: "text", text: '{"letter":' }, { type: "text", text: '"B"}' }])).toEqual({ text: '{"letter":"B"}', refusal: null });
    expect(contentText(["A", { type: "text", text: "!" }])).toEqual({ text: "A!", refusal: null });
    expect(contentText([{ type: "refusal", refusal: "no" }])).toEqual({ text: "", refusal: "no" });
    expect(contentText(null)).toEqual({ text: "", refusal: null });
    expect(contentText(42)).toEqual({ text: "", refusal: null });
  });
});

describe("bodies that are not chat completions", () => {
  it("names an HTML page, JSON without choices and a choice without a message", () => {
    expect(bodyProblem('{"choices":[{"message":{"content":"A"}}]}')).toBeNull();
    expect(bodyProblem("<!DOCTYPE html><html>502</html>")).toMatch(/^not JSON \(31 characters, starting "<!DOCTYPE html><html>502<\/html>"\)$/);
    expect(bodyProblem("")).toBe("not JSON (0 characters)");
    expect(bodyProblem('{"id":"x"}')).toBe("JSON without choices");
    expect(bodyProblem('{"choices":[]}')).toBe("JSON without choices");
    expect(bodyProblem('{"error":{"message":"overloaded"}}')).toBe("JSON without choices (error: overloaded)");
    expect(bodyProblem('{"choices":[{"index":0}]}')).toBe("JSON whose first choice has no message");
    expect(bodyProblem("null")).toBe("JSON without choices");
  });

  it("a malformed body is retried; a body over the size limit is not, and makes the endpoint unusable", () => {
    const wrapped = (cause: Error) => Object.assign(new Error("Connection error."), { name: "APIConnectionError", cause });
    expect(classify(wrapped(new TransportFault("malformed response (HTTP 200, text/html): not JSON", true)))).toMatchObject({
      retryable: true,
      reason: "malformed response (HTTP 200, text/html): not JSON",
      unusable: null,
    });
    const big = classify(wrapped(new TransportFault("response body of more than 8 bytes exceeds the limit", false)));
    expect(big).toMatchObject({ retryable: false, unusable: "response body of more than 8 bytes exceeds the limit" });
  });

  it("a port fetch refuses is named as the cause, not retried", () => {
    const err = Object.assign(new Error("Connection error."), { cause: Object.assign(new TypeError("fetch failed"), { cause: new Error("bad port") }) });
    const f = classify(err);
    expect(f.retryable).toBe(false);
    expect(f.unusable).toMatch(/port is one that fetch refuses to connect to .*6000 or 10080.*another port/);
  });
});

describe("secrets", () => {
  const key = "sk-test-SECRET-0123456789abcdef";

  it("redacts a key written plainly and inside base64 at any offset, in both alphabets", () => {
    const redact = createRedactor([key, undefined, "", "abc"]);
    expect(redact(`Incorrect API key provided: ${key}.`)).toBe("Incorrect API key provided: [redacted].");
    for (const prefix of ["", "u:", "ab:", "user:"]) {
      const b64 = Buffer.from(`${prefix}${key}`).toString("base64");
      const out = redact(`Authorization: Basic ${b64}`);
      expect(out, prefix).toContain("[redacted]");
      // What is left cannot be decoded back to the key.
      expect(Buffer.from(out.replace("Authorization: Basic ", "").replace("[redacted]", ""), "base64").toString()).not.toContain(key.slice(4, 20));
      const url = Buffer.from(`${prefix}${key}`).toString("base64url");
      expect(redact(url), prefix).toContain("[redacted]");
    }
    expect(base64Forms(key).length).toBeGreaterThanOrEqual(3);
    expect(createRedactor([])("text")).toBe("text");
  });

  it("refuses credentials in a base URL and an apiKeyEnv that looks like a key, without echoing either", () => {
    expect(baseUrlProblem("http://user:sk-abc@127.0.0.1:8000/v1")).toMatch(/holds credentials .*apiKeyEnv/);
    expect(baseUrlProblem("http://sk-abc@127.0.0.1/v1")).toMatch(/holds credentials/);
    expect(baseUrlProblem("http://127.0.0.1:8000/v1")).toBeNull();
    expect(baseUrlProblem("ftp://127.0.0.1/v1")).toMatch(/http:\/\/ or https:\/\//);
    const withCreds = Endpoint.safeParse({ baseURL: "http://user:sk-secret-999@127.0.0.1:8000/v1" });
    expect(withCreds.success).toBe(false);
    expect(JSON.stringify(withCreds.error!.issues)).not.toContain("sk-secret-999");
    for (const k of ["sk-proj-AbC123dEf456GhI789", "sk_live_0123456789abcdefghij", "AIzaSyD0123456789abcdefghijklmnop", "gsk_0123456789ABCDEFabcdef", "aB3dE6gH9jK2mN5pQ8sT1vW4"]) {
      expect(looksLikeKey(k), k).toBe(true);
      const r = Endpoint.safeParse({ baseURL: "http://127.0.0.1/v1", apiKeyEnv: k });
      expect(r.success).toBe(false);
      expect(JSON.stringify(r.error!.issues)).not.toContain(k);
      expect(r.error!.issues[0].message).toMatch(/looks like an API key itself/);
    }
    for (const name of ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY", "HVAE_TEST_KEY", "my_key_2"]) expect(looksLikeKey(name), name).toBe(false);
    expect(() => resolveModelRef("openai:gpt-4o", {}, { OPENAI_API_KEY: "sk-x", OPENAI_BASE_URL: "http://u:sk-leak@127.0.0.1/v1" })).toThrow(
      /OPENAI_BASE_URL: the URL holds credentials/,
    );
    try {
      resolveModelRef("openai:gpt-4o", {}, { OPENAI_API_KEY: "sk-x", OPENAI_BASE_URL: "http://u:sk-leak@127.0.0.1/v1" });
    } catch (err) {
      expect((err as Error).message).not.toContain("sk-leak");
    }
  });

  it("refuses a timeout Node's timers cannot hold", () => {
    expect(Endpoint.safeParse({ baseURL: "http://127.0.0.1/v1", timeoutMs: 2 ** 31 - 1 }).success).toBe(true);
    const r = Endpoint.safeParse({ baseURL: "http://127.0.0.1/v1", timeoutMs: 2 ** 31 });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].message).toMatch(/at most 2147483647 ms/);
  });
});

describe("letters in either case", () => {
  const labels = ["A", "B", "C"];
  it("reads a lower-case letter when the labels are unambiguous", () => {
    expect(matchLabel("b", labels)).toBe("B");
    expect(matchLabel("B", labels)).toBe("B");
    expect(matchLabel("d", labels)).toBeUndefined();
    expect(matchLabel("a", ["A", "a"])).toBe("a");
    expect(matchLabel("b", ["A", "a", "B"])).toBeUndefined();
    expect(readText("c", labels)).toMatchObject({ ok: true, index: 2 });
    expect(readText("(b).", labels)).toMatchObject({ ok: true, index: 1 });
    expect(readText("b: the fairest split", labels)).toMatchObject({ ok: true, index: 1, reason: "the fairest split" });
    // An article is not a letter.
    expect(readText("I choose a fair split", labels)).toMatchObject({ ok: false });
    const structured = { content: '{"letter":"c","reason":"fair"}', parsed: null, refusal: null, cached: false, inputTokens: 0, outputTokens: 0, costUsd: 0 };
    expect(readStructured(structured, labels)).toEqual({ ok: true, index: 2, reason: "fair" });
  });
});

describe("prices", () => {
  it("the built-in tables cover the current models of OpenAI, Anthropic and Google, on their own endpoints only", () => {
    for (const m of ["gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-4o", "gpt-4o-mini", "o3", "o4-mini"])
      expect(DEFAULT_OPENAI_PRICES[m], m).toBeDefined();
    for (const m of ["claude-opus-4-5", "claude-opus-4-1", "claude-sonnet-4-5", "claude-haiku-4-5"]) expect(DEFAULT_ANTHROPIC_PRICES[m], m).toBeDefined();
    for (const m of ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite"]) expect(DEFAULT_GOOGLE_PRICES[m], m).toBeDefined();
    expect(priceFor("openai", "gpt-5-mini", {})).toMatchObject({ input: 0.25, output: 2 });
    expect(priceFor("anthropic", "claude-haiku-4-5", {}, { baseURL: "https://api.anthropic.com/v1/" })).toMatchObject({ input: 1, output: 5 });
    expect(priceFor("gemini", "gemini-2.5-flash", {}, { baseURL: "https://generativelanguage.googleapis.com/v1beta/openai/" })).toMatchObject({ input: 0.3 });
    // A local server reusing a name is not billed by the table: unknown, unless it is marked free.
    expect(priceFor("local", "gpt-5", {}, { baseURL: "http://127.0.0.1:8000/v1" })).toBeNull();
    expect(priceFor("local", "gpt-5", {}, { baseURL: "http://127.0.0.1:8000/v1", free: true })).toEqual({ input: 0, output: 0 });
    expect(priceFor("gguf", "/models/tiny.gguf", {})).toEqual({ input: 0, output: 0 });
    expect(priceFor("openai", "ft:gpt-4o-mini:acme", {})).toBeNull();
  });

  it("every model named in scenarios/ has a known price (or a free endpoint)", async () => {
    const root = join(import.meta.dirname, "..", "..", "scenarios");
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ya?ml|json)$/.test(f)) files.push(p);
      }
    };
    walk(root);
    const unpriced: string[] = [];
    let models = 0;
    for (const f of files) {
      let loaded;
      try {
        loaded = await loadScenario(f);
      } catch {
        continue; // not a scenario (or one that refers to files next to it): its own tests cover it
      }
      const { scenario } = loaded;
      for (const a of scenario.agents) {
        const ref = (a as { model?: unknown }).model;
        if (typeof ref !== "string") continue;
        models++;
        const { endpoint, model } = parseModelRef(ref);
        const e = Object.hasOwn(scenario.endpoints, endpoint) ? scenario.endpoints[endpoint] : null;
        if (priceFor(endpoint, model, scenario.prices, { baseURL: e?.baseURL ?? null, free: e?.free ?? false }) === null) unpriced.push(`${f}: ${ref}`);
      }
    }
    expect(models).toBeGreaterThan(0);
    expect(unpriced).toEqual([]);
  });
});

describe("an unpriced model under a budget", () => {
  it("hvae run --max-cost refuses before any call (exit 2, naming the model and the entry); without a budget it warns once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hvae-unpriced-"));
    try {
      const file = join(dir, "unpriced.yaml");
      // Port 9 (discard) on loopback: nothing listens, and nothing may be called before the refusal.
      writeFileSync(
        file,
        `name: unpriced\ntrials: 1\nendpoints: { local: { baseURL: "http://127.0.0.1:9/v1", maxRetries: 0, timeoutMs: 1000 } }\n` +
          `agents:\n  - { id: a, type: llm, value: prosocial, model: "local:my-finetune", prompts: { describe: false, goal: false } }\n`,
      );
      const out = join(dir, "runs");
      const env = { HVAE_CACHE: join(dir, "cache.sqlite") };
      const r = await hvae(["run", file, "--quiet", "--max-cost", "1", "--out", out], { env, timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--max-cost 1: model 'local:my-finetune' has no known price, so the budget cannot be kept; add prices: \{ "local:my-finetune": \{ input: /);
      expect(() => statSync(out)).toThrow();
      const w = await hvae(["run", file, "--quiet", "--out", out], { env, timeoutMs: 120_000 });
      expect(w.stderr.match(/has no known price/g)).toHaveLength(1);
      expect(w.stderr).toMatch(/warning: model 'local:my-finetune' has no known price: its calls are booked at cost unknown \(null\), not \$0; add prices: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
