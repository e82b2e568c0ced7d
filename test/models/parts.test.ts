/** The gateway's parts on their own: retry policy, rate limiter, cache key, prices, model refs. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cacheKey, canonicalJson, openCache } from "../../src/models/cache.ts";
import { batchPrice, costUsd, priceFor } from "../../src/models/cost.ts";
import { ModelCallError } from "../../src/models/gateway-types.ts";
import { parseModelRef, resolveModelRef } from "../../src/models/model-ref.ts";
import { createLimiter } from "../../src/models/rate-limit.ts";
import { backoffMs, classify, parseRetryAfter, withRetry } from "../../src/models/retry.ts";
import { Endpoint } from "../../src/scenario/schema.ts";

describe("retry", () => {
  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter("0.25")).toBe(250);
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:07 GMT", now)).toBe(7000);
    expect(parseRetryAfter("Tue, 31 Dec 2024 23:59:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon")).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });

  it("classifies statuses, timeouts and connection errors", () => {
    const http = (status: number, headers: Record<string, string> = {}) => Object.assign(new Error("x"), { status, headers: new Headers(headers) });
    expect(classify(http(429, { "retry-after": "2" }))).toMatchObject({ retryable: true, retryAfterMs: 2000 });
    expect(classify(http(429, { "retry-after-ms": "150" }))).toMatchObject({ retryable: true, retryAfterMs: 150 });
    expect(classify(http(503)).retryable).toBe(true);
    expect(classify(http(408)).retryable).toBe(true);
    expect(classify(http(400)).retryable).toBe(false);
    expect(classify(http(401)).retryable).toBe(false);
    expect(classify(Object.assign(new Error("t"), { name: "TimeoutError" })).retryable).toBe(true);
    expect(classify(Object.assign(new Error("r"), { code: "ECONNRESET" })).retryable).toBe(true);
    expect(classify(new SyntaxError("Unexpected end of JSON input")).retryable).toBe(true);
    expect(classify(new TypeError("boom")).retryable).toBe(false);
  });

  it("tells an endpoint that cannot serve the run (unreachable, key rejected, not found) from a busy one", () => {
    const http = (status: number) => Object.assign(new Error("x"), { status, headers: new Headers() });
    expect(classify(http(401)).unusable).toMatch(/rejected the API key/);
    expect(classify(http(403)).unusable).toMatch(/access denied/);
    expect(classify(http(404)).unusable).toMatch(/check the model name and baseURL/);
    for (const busy of [429, 500, 503, 400]) expect(classify(http(busy)).unusable).toBeNull();
    // The OpenAI client's shape: APIConnectionError("Connection error.") ← TypeError("fetch failed") ← the socket error.
    const connection = (cause: object) => {
      class APIConnectionError extends Error {}
      return Object.assign(new APIConnectionError("Connection error."), { cause: Object.assign(new TypeError("fetch failed"), { cause }) });
    };
    const refused = classify(connection(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8000"), { code: "ECONNREFUSED" })));
    expect(refused).toMatchObject({ retryable: true, reason: "connection error: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:8000)" });
    expect(refused.unusable).toMatch(/connection refused: is the server running/);
    expect(classify(connection(Object.assign(new Error("getaddrinfo ENOTFOUND x.invalid"), { code: "ENOTFOUND" }))).unusable).toMatch(/host not found/);
    // Happy eyeballs: one AggregateError of per-address attempts.
    const both = new AggregateError([Object.assign(new Error("connect ECONNREFUSED ::1:8000"), { code: "ECONNREFUSED" })], "");
    expect(classify(connection(both)).unusable).toMatch(/connection refused/);
    // A reset connection or a timeout is a struggling server, not a missing one.
    expect(classify(connection(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))).unusable).toBeNull();
    expect(classify(Object.assign(new Error("t"), { name: "TimeoutError" })).unusable).toBeNull();
  });

  it("backs off exponentially with full jitter, capped, and never below Retry-After", () => {
    const policy = { maxRetries: 5, maxTotalMs: 60_000, baseMs: 100, maxDelayMs: 1_000 };
    expect(backoffMs(1, policy, null, () => 0.999)).toBeCloseTo(99.9);
    expect(backoffMs(3, policy, null, () => 0.5)).toBe(200);
    expect(backoffMs(10, policy, null, () => 1)).toBe(1_000);
    expect(backoffMs(1, policy, 5_000, () => 0.5)).toBe(5_000);
  });

  it("stops after maxRetries + 1 attempts with the last reason", async () => {
    let n = 0;
    const err = await withRetry(
      async () => {
        n++;
        throw Object.assign(new Error("busy"), { status: 503 });
      },
      { maxRetries: 2, maxTotalMs: 10_000, baseMs: 1, maxDelayMs: 2 },
    ).catch((e: unknown) => e);
    expect(n).toBe(3);
    expect(err).toBeInstanceOf(ModelCallError);
    expect((err as ModelCallError).attempts).toBe(3);
    expect((err as Error).message).toMatch(/HTTP 503.*gave up after 3 attempts/);
  });
});

describe("rate limiter", () => {
  afterEach(() => vi.useRealTimers());

  it("holds the concurrency bound and hands slots over in arrival order", async () => {
    const limiter = createLimiter({ maxConcurrency: 2, requestsPerMinute: null, tokensPerMinute: null });
    const order: number[] = [];
    const permits = await Promise.all([limiter.acquire(0), limiter.acquire(0)]);
    const waiting = [2, 3, 4].map((i) => limiter.acquire(0).then((p) => (order.push(i), p)));
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    expect(limiter.inFlight()).toBe(2);
    permits[0].release();
    const p2 = await waiting[0];
    expect(order).toEqual([2]);
    permits[1].release();
    p2.release();
    (await waiting[1]).release();
    (await waiting[2]).release();
    expect(order).toEqual([2, 3, 4]);
    expect(limiter.inFlight()).toBe(0);
  });

  it("admits at most requestsPerMinute starts in any 60 s window", async () => {
    vi.useFakeTimers();
    const limiter = createLimiter({ maxConcurrency: 10, requestsPerMinute: 2, tokensPerMinute: null });
    let admitted = 0;
    for (let i = 0; i < 3; i++) void limiter.acquire(0).then((p) => (admitted++, p.release()));
    await vi.advanceTimersByTimeAsync(100);
    expect(admitted).toBe(2);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(admitted).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(admitted).toBe(3);
  });

  it("admits tokens up to tokensPerMinute, counting the actual usage reported at release", async () => {
    vi.useFakeTimers();
    const limiter = createLimiter({ maxConcurrency: 10, requestsPerMinute: null, tokensPerMinute: 1_000 });
    (await limiter.acquire(900)).release(200); // estimated 900, actually used 200
    let second = false;
    void limiter.acquire(700).then((p) => ((second = true), p.release()));
    await vi.advanceTimersByTimeAsync(10);
    expect(second).toBe(true);
    let third = false;
    void limiter.acquire(500).then((p) => ((third = true), p.release()));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(third).toBe(false);
    await vi.advanceTimersByTimeAsync(31_000);
    expect(third).toBe(true);
  });
});

describe("cache", () => {
  const base = { baseURL: "http://h/v1", model: "m", params: { temperature: null, topP: 1 }, messages: [{ role: "user", content: "x" }], schema: null, sampleIndex: 0 };

  it("keys are canonical (key order does not matter) and change with every part", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: 3 } })).toBe('{"a":{"c":3,"d":[2,{"x":2,"y":1}]},"b":1}');
    const k = cacheKey(base);
    expect(cacheKey({ ...base, params: { topP: 1, temperature: null } })).toBe(k);
    expect(cacheKey({ ...base, baseURL: "http://h/v1/" })).toBe(k);
    for (const change of [{ baseURL: "http://g/v1" }, { model: "n" }, { params: { temperature: 0, topP: 1 } }, { messages: [] }, { schema: { a: 1 } }, { sampleIndex: 1 }]) {
      expect(cacheKey({ ...base, ...change })).not.toBe(k);
    }
  });

  it("persists across openings in WAL mode", () => {
    const dir = mkdtempSync(join(tmpdir(), "hvae-cache-"));
    try {
      const path = join(dir, "sub", "c.sqlite");
      const a = openCache(path);
      const value = { content: "A", parsed: null, refusal: null, inputTokens: 3, outputTokens: 1 };
      a.put("k1", value);
      const b = openCache(path);
      expect(b.get("k1")).toEqual(value);
      expect(b.get("k2")).toBeNull();
      a.close();
      b.close();
      expect(openCache(path).get("k1")).toEqual(value);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("prices and model references", () => {
  it("batch prices are half the synchronous ones unless the entry gives them", () => {
    expect(batchPrice({ input: 0.15, cachedInput: 0.075, output: 0.6 })).toEqual({ input: 0.075, output: 0.3 });
    expect(batchPrice({ input: 1, output: 2, batchInput: 0.8, batchOutput: 1.5 })).toEqual({ input: 0.8, output: 1.5 });
    const gpt = priceFor("openai", "gpt-4o-mini", {})!;
    expect(costUsd(batchPrice(gpt), 1_000, 200)).toBeCloseTo(costUsd(gpt, 1_000, 200) / 2, 12);
  });

  it("prices by full reference, then model name, then the OpenAI defaults (openai endpoint only)", () => {
    expect(priceFor("openai", "gpt-4o-mini", {})).toEqual({ input: 0.15, cachedInput: 0.075, output: 0.6 });
    expect(priceFor("local", "gpt-4o-mini", {})).toBeNull();
    expect(priceFor("openai", "gpt-4o-mini", { "gpt-4o-mini": { input: 1, output: 2 } })).toEqual({ input: 1, output: 2 });
    expect(priceFor("local", "m", { m: { input: 1, output: 2 }, "local:m": { input: 3, output: 4 } })).toEqual({ input: 3, output: 4 });
    expect(costUsd({ input: 0.15, output: 0.6 }, 1_000, 200)).toBeCloseTo(0.00027, 12);
  });

  it("splits at the first colon and resolves keys only from the environment", () => {
    expect(parseModelRef("local:llama3:8b")).toEqual({ endpoint: "local", model: "llama3:8b" });
    expect(() => parseModelRef("gpt-4o")).toThrow(/expected "<provider>:<model>"/);
    const endpoints = { local: Endpoint.parse({ baseURL: "http://127.0.0.1:8000/v1", apiKeyEnv: "LOCAL_KEY" }), free: Endpoint.parse({ baseURL: "http://127.0.0.1:8001/v1" }) };
    expect(resolveModelRef("local:m", endpoints, { LOCAL_KEY: "k1" })).toMatchObject({ endpointName: "local", model: "m", baseURL: "http://127.0.0.1:8000/v1", apiKey: "k1" });
    expect(resolveModelRef("free:m", endpoints, {}).apiKey).toBe("not-needed");
    expect(resolveModelRef("openai:gpt-4o", endpoints, { OPENAI_API_KEY: "k2" })).toMatchObject({ baseURL: "https://api.openai.com/v1", apiKey: "k2" });
    expect(resolveModelRef("openai:gpt-4o", endpoints, { OPENAI_API_KEY: "k2", OPENAI_BASE_URL: "http://proxy/v1" }).baseURL).toBe("http://proxy/v1");
    expect(() => resolveModelRef("openai:gpt-4o", endpoints, {})).toThrow(/OPENAI_API_KEY/);
    expect(() => resolveModelRef("local:m", endpoints, {})).toThrow(/LOCAL_KEY/);
    expect(() => resolveModelRef("other:m", endpoints, {})).toThrow(/unknown endpoint 'other' \(known: openai, anthropic, google, gguf, local, free/);
  });
});
