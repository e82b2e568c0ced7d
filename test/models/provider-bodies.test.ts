/**
 * Response bodies of the native providers are bounded like the OpenAI path's: a body larger than
 * the endpoint's `maxResponseBytes` is cut off at the limit and is a transport fault naming the
 * limit (not retried: another attempt would get the same); a body that stalls after the headers
 * ends within `timeoutMs` (the whole call, body included) as a retryable timeout. Neither is ever
 * an answer: through `hvae run` the run fails with exit 3 naming the endpoint, and no decision of
 * the endpoint's agent is recorded.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TransportFault } from "../../src/models/gateway-types.ts";
import { resolveModelRef, type ResolvedModel } from "../../src/models/model-ref.ts";
import { createProviderModel } from "../../src/models/providers.ts";
import { classify } from "../../src/models/retry.ts";
import { startAnthropicServer } from "../support/anthropic-server.ts";
import { startGoogleServer } from "../support/google-server.ts";
import { hvae, outcomes, readLog } from "../support/hvae-process.ts";
import type { ProviderBehaviour, ProviderRequest, ProviderServer } from "../support/provider-server.ts";

const LIMIT = 1024 * 1024;
const TIMEOUT_MS = 1500;
const PARAMS = { temperature: null, topP: null, seed: null, maxTokens: 64 };
const MESSAGES = [{ role: "user" as const, content: "Choose.\nA: one\nB: two" }];

const CASES = [
  {
    name: "anthropic",
    start: startAnthropicServer,
    resolve: (baseURL: string) => resolveModelRef("anthropic:claude-haiku-4-5", {}, { ANTHROPIC_API_KEY: "sk-ant-test", ANTHROPIC_BASE_URL: baseURL }),
  },
  {
    name: "google",
    start: startGoogleServer,
    resolve: (baseURL: string) =>
      resolveModelRef("gem:gemini-2.5-flash", { gem: { provider: "google", baseURL, apiKeyEnv: "GOOGLE_API_KEY" } as never }, { GOOGLE_API_KEY: "AIza-test" }),
  },
];

const bounded = (r: ResolvedModel): ResolvedModel => ({ ...r, settings: { ...r.settings, maxResponseBytes: LIMIT, timeoutMs: TIMEOUT_MS } });

/** The call's error and how long it took, ms. */
async function failure(r: ResolvedModel): Promise<{ err: unknown; ms: number }> {
  const model = createProviderModel(bounded(r), PARAMS);
  const t0 = performance.now();
  try {
    await model.invoke(MESSAGES, null, null);
  } catch (err) {
    return { err, ms: performance.now() - t0 };
  }
  throw new Error("the call succeeded");
}

describe.each(CASES)("$name: bounded bodies", (c) => {
  let server: ProviderServer;
  let behaviour: ProviderBehaviour = { kind: "answer", letter: "A" };
  beforeAll(async () => {
    server = await c.start(() => behaviour);
  });
  afterAll(async () => {
    await server.stop();
  });

  it("an answer still arrives whole through the bounded fetch", async () => {
    behaviour = { kind: "answer", content: "B" };
    const r = await createProviderModel(bounded(c.resolve(server.baseURL)), PARAMS).invoke(MESSAGES, null, null);
    expect(r.content).toBe("B");
    expect(r.inputTokens).toBeGreaterThan(0);
  });

  it("a 50 MB body is cut off at maxResponseBytes: a non-retried transport fault naming the limit", async () => {
    behaviour = { kind: "huge", bytes: 50 * 1024 * 1024 };
    const { err, ms } = await failure(c.resolve(server.baseURL));
    const f = classify(err);
    expect(f.reason).toMatch(`response body of more than ${LIMIT} bytes exceeds the limit of ${LIMIT} bytes (the endpoint's maxResponseBytes)`);
    expect(f.retryable).toBe(false);
    let cur: unknown = err;
    while (cur && !(cur instanceof TransportFault)) cur = (cur as { cause?: unknown }).cause;
    expect(cur).toBeInstanceOf(TransportFault);
    console.log(`${c.name}: 50 MB body failed after ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(TIMEOUT_MS);
  });

  it("a body that stalls after the headers ends within timeoutMs as a retryable timeout", async () => {
    behaviour = { kind: "stall" };
    const { err, ms } = await failure(c.resolve(server.baseURL));
    const f = classify(err);
    expect(f.retryable).toBe(true);
    expect(f.reason).toMatch(/timeout|aborted/i);
    console.log(`${c.name}: stalled body failed after ${ms.toFixed(0)} ms (timeoutMs ${TIMEOUT_MS}): ${f.reason}`);
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(TIMEOUT_MS + 1000);
  });
});

describe("hvae run against a google endpoint that sends a 50 MB body", () => {
  let dir: string;
  let server: ProviderServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hvae-provider-bodies-"));
    server = await startGoogleServer((_req: ProviderRequest) => ({ kind: "huge", bytes: 50 * 1024 * 1024 }));
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("fails with exit 3 naming the endpoint and the limit; nothing of the llm agent is recorded", async () => {
    const path = join(dir, "huge.yaml");
    writeFileSync(
      path,
      `name: bodies
seed: 7
trials: 1
pairing: none
game: { type: svo-slider, items: primary }
endpoints:
  gem: { provider: google, baseURL: "${server.baseURL}", timeoutMs: 5000, maxRetries: 1, maxConcurrency: 1, maxResponseBytes: ${LIMIT} }
agents:
  - { id: llm, type: llm, value: altruistic, model: "gem:gemini-2.5-flash", prompts: { describe: false, goal: false } }
  - { id: rule, type: utility, value: individualistic }
`,
    );
    const env = { OPENAI_API_KEY: "", ANTHROPIC_API_KEY: "", ANTHROPIC_BASE_URL: "", GEMINI_API_KEY: "", GOOGLE_API_KEY: "AIza-test", HVAE_CACHE: join(dir, "cache.sqlite") };
    const r = await hvae(["run", path, "--quiet", "--no-cache", "--out", join(dir, "runs")], { env, timeoutMs: 120_000 });
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/hvae: failed: endpoint 'gem' /);
    expect(r.stderr).toContain(`response body of more than ${LIMIT} bytes exceeds the limit of ${LIMIT} bytes (the endpoint's maxResponseBytes)`);
    const log = readLog(r.last);
    expect(log.at(-1)).toMatchObject({ type: "run.completed", status: "failed", invalid: 0 });
    expect(log.filter((e) => e.type === "decision.invalid")).toEqual([]);
    expect(outcomes(log).filter((o) => o.agentId === "llm")).toEqual([]);
    // Not retried: the same body would come again.
    expect(server.count()).toBe(1);
  }, 120_000);
});
