/**
 * The native providers end to end: `hvae run` with llm agents on `anthropic:<model>` (the
 * built-in reference, ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL) and on a `provider: google`
 * endpoint entry (GOOGLE_API_KEY, baseURL), against local servers of each API that answer by the
 * value in the prompt (test/support/anthropic-server.ts, google-server.ts).
 *
 * What is proved per provider: every decision is valid and follows the agent's value; the
 * structured requests are the provider's own (a forced tool for Anthropic, a response schema for
 * Google); the key goes in the provider's header; the token counts in the log are the server's;
 * the cost is the provider's price table's (Anthropic) or the scenario's `prices:` (a local
 * Google server is no Google bill: unpriced without them); a 503 storm or a connection reset is
 * never data (failed, exit 3, nothing invalid, and --resume completes). An unknown provider is
 * one message and exit 2.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventOf, HvaeEvent } from "../../src/core/events.ts";
import { DEFAULT_ANTHROPIC_PRICES, DEFAULT_GOOGLE_PRICES, priceFor } from "../../src/models/cost.ts";
import { resolveModelRef } from "../../src/models/model-ref.ts";
import { startAnthropicServer } from "../support/anthropic-server.ts";
import { startGoogleServer } from "../support/google-server.ts";
import { hvae, outcomes, readLog } from "../support/hvae-process.ts";
import type { ProviderBehaviour, ProviderRequest, ProviderServer } from "../support/provider-server.ts";
import { VALUE_ANGLES, valueLetter } from "../support/value-following.ts";

const ANTHROPIC_KEY = "sk-ant-test-PROVIDER-SECRET-0001";
const GOOGLE_KEY = "AIza-test-PROVIDER-SECRET-0002";
const VALUES: Record<string, string> = { alt: "altruistic", com: "competitive" };
/** 2 llm agents × 2 trials × 6 primary items, plus a rule-based agent's 12. */
const PLANNED = 36;

const follow = (req: ProviderRequest): ProviderBehaviour => {
  const letter = valueLetter(req.prompt, req.lastUser);
  return letter ? { kind: "answer", letter } : { kind: "answer", content: "I will keep my value in mind." };
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "hvae-providers-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function scenario(name: string, model: string, endpoints: string, extra = ""): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    `name: ${name}
seed: 7
trials: 2
pairing: none
game: { type: svo-slider, items: primary, shuffleOptions: true }
${endpoints}
${extra}
agents:
  - { id: alt, type: llm, value: altruistic, model: "${model}", prompts: { describe: true, goal: false } }
  - { id: com, type: llm, value: competitive, model: "${model}", prompts: { describe: false, goal: false } }
  - { id: rule, type: utility, value: individualistic }
`,
  );
  return path;
}

const manifestOf = (runDir: string) => JSON.parse(readFileSync(join(runDir, "manifest.json"), "utf8"));
const made = (log: HvaeEvent[]) => log.filter((e): e is EventOf<"decision.made"> => e.type === "decision.made");
const calls = (log: HvaeEvent[]) => log.filter((e): e is EventOf<"model.call"> => e.type === "model.call");

/** Each llm decision maximises its value's utility over the item's options (ties allowed). */
function expectValueFollowing(log: HvaeEvent[]): void {
  const started = log.find((e): e is EventOf<"run.started"> => e.type === "run.started")!;
  const items = new Map(started.items.map((i) => [i.id, i.options]));
  const llm = made(log).filter((d) => d.agentId in VALUES);
  expect(llm).toHaveLength(24);
  for (const d of llm) {
    const a = (VALUE_ANGLES[VALUES[d.agentId]] * Math.PI) / 180;
    const u = (o: { self: number; other: number }) => Math.cos(a) * o.self + Math.sin(a) * o.other;
    const options = items.get(d.itemId)!;
    expect(u(options[d.option - 1]), `${d.agentId} ${d.itemId}`).toBeCloseTo(Math.max(...options.map(u)), 9);
  }
}

interface ProviderCase {
  name: "anthropic" | "google";
  start: (respond: (req: ProviderRequest) => ProviderBehaviour) => Promise<ProviderServer>;
  model: string;
  endpoints: (baseURL: string) => string;
  env: (baseURL: string) => Record<string, string>;
  key: string;
  keyHeader: string;
}

const CASES: ProviderCase[] = [
  {
    name: "anthropic",
    start: startAnthropicServer,
    model: "anthropic:claude-haiku-4-5",
    endpoints: () => "",
    env: (baseURL) => ({ ANTHROPIC_API_KEY: ANTHROPIC_KEY, ANTHROPIC_BASE_URL: baseURL }),
    key: ANTHROPIC_KEY,
    keyHeader: "x-api-key",
  },
  {
    name: "google",
    start: startGoogleServer,
    model: "gem:gemini-2.5-flash",
    endpoints: (baseURL) => `endpoints:\n  gem: { provider: google, baseURL: "${baseURL}", timeoutMs: 5000, maxRetries: 1, maxConcurrency: 2 }`,
    env: () => ({ GOOGLE_API_KEY: GOOGLE_KEY }),
    key: GOOGLE_KEY,
    keyHeader: "x-goog-api-key",
  },
];

const run = (args: string[], env: Record<string, string>) =>
  hvae(args, { env: { OPENAI_API_KEY: "", ANTHROPIC_API_KEY: "", ANTHROPIC_BASE_URL: "", GOOGLE_API_KEY: "", GEMINI_API_KEY: "", ...env }, timeoutMs: 120_000 });

describe.each(CASES)("$name", (c) => {
  let server: ProviderServer;
  beforeAll(async () => {
    server = await c.start(follow);
  });
  afterAll(async () => {
    await server.stop();
  });

  it("a run ends with valid, value-following decisions, the server's tokens, and the provider's costs", async () => {
    const prices = c.name === "google" ? `prices:\n  "gem:gemini-2.5-flash": { input: 0.3, output: 2.5 }` : "";
    const path = scenario(`${c.name}-run`, c.model, c.endpoints(server.baseURL), prices);
    const env = { ...c.env(server.baseURL), HVAE_CACHE: join(dir, `${c.name}.sqlite`) };
    const r = await run(["run", path, "--quiet", "--out", join(dir, "runs")], env);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.code, r.stderr).toBe(0);
    const log = readLog(r.last);
    expect(outcomes(log)).toHaveLength(PLANNED);
    expect(log.filter((e) => e.type === "decision.invalid")).toEqual([]);
    expectValueFollowing(log);

    // The provider's own structured output and key header.
    const decide = server.requests.filter((q) => q.structured);
    expect(decide).toHaveLength(24);
    for (const q of server.requests) expect(q.headers[c.keyHeader]).toBe(c.key);
    if (c.name === "anthropic") {
      for (const q of decide) expect(q.body.tool_choice).toMatchObject({ type: "tool" });
      expect(server.requests.every((q) => q.body.model === "claude-haiku-4-5")).toBe(true);
    } else {
      for (const q of decide) expect((q.body.generationConfig as { responseMimeType?: string }).responseMimeType).toBe("application/json");
      expect(server.requests.every((q) => q.path === "/v1beta/models/gemini-2.5-flash:generateContent")).toBe(true);
    }
    // Text calls (the describe turns) went as text.
    expect(server.requests.length - decide.length).toBe(2);

    // Tokens: the log's are the server's, call by call (the server counts 4 characters a token).
    const cs = calls(log);
    expect(cs).toHaveLength(server.count());
    const inputs = cs.map((x) => x.inputTokens).sort((a, b) => a - b);
    const sent = server.requests.map((q) => Math.max(1, Math.ceil(q.prompt.length / 4))).sort((a, b) => a - b);
    expect(inputs).toEqual(sent);
    expect(cs.every((x) => x.outputTokens > 0)).toBe(true);

    // Cost: the price table (Anthropic's built-in, or the scenario's), call by call.
    const price = c.name === "anthropic" ? DEFAULT_ANTHROPIC_PRICES["claude-haiku-4-5"] : { input: 0.3, output: 2.5 };
    for (const x of cs) expect(x.costUsd).toBeCloseTo((x.inputTokens * price.input + x.outputTokens * price.output) / 1e6, 12);
    const total = cs.reduce((s, x) => s + (x.costUsd ?? NaN), 0);
    expect(total).toBeGreaterThan(0);
    expect(manifestOf(r.last).totals.costUsd).toBeCloseTo(total, 9);

    // A re-run is answered from the cache: no request.
    const before = server.count();
    const again = await run(["run", path, "--quiet", "--out", join(dir, "runs")], env);
    expect(again.code, again.stderr).toBe(0);
    expect(server.count()).toBe(before);
    expect(calls(readLog(again.last)).every((x) => x.cached)).toBe(true);

    for (const out of [r.stdout, r.stderr, again.stdout, again.stderr]) expect(out).not.toContain(c.key);
  }, 180_000);

  const faults: [string, ProviderBehaviour, RegExp][] = [
    ["503 storm", { kind: "status", status: 503 }, /HTTP 503/],
    ["connection reset", { kind: "reset" }, /connection error/],
    // The built-in anthropic endpoint has the default timeout (minutes); the google entry 5 s.
    ...(c.name === "google" ? [["hang", { kind: "hang" }, /timeout/] as [string, ProviderBehaviour, RegExp]] : []),
  ];
  it.each(faults)("%s: never data (failed, exit 3, nothing invalid); resume completes", async (name, behaviour, cause) => {
    server.configure(() => behaviour);
    const path = scenario(`${c.name}-${name.replace(/\s/g, "-")}`, c.model, c.endpoints(server.baseURL));
    const env = { ...c.env(server.baseURL), HVAE_CACHE: join(dir, `${c.name}-faults.sqlite`) };
    const failed = await run(["run", path, "--quiet", "--no-cache", "--out", join(dir, "runs")], env);
    expect(failed.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(failed.code, failed.stderr).toBe(3);
    expect(failed.stderr).toMatch(cause);
    const log = readLog(failed.last);
    expect(log.at(-1)).toMatchObject({ type: "run.completed", status: "failed", invalid: 0 });
    expect(log.filter((e) => e.type === "decision.invalid")).toEqual([]);
    expect(outcomes(log).filter((o) => o.agentId in VALUES)).toEqual([]);
    expect(outcomes(log).filter((o) => o.agentId === "rule")).toHaveLength(12);

    server.configure(follow);
    const resumed = await run(["run", "--resume", failed.last, "--quiet"], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const final = readLog(failed.last);
    expect(outcomes(final)).toHaveLength(PLANNED);
    expect(final.filter((e) => e.type === "decision.invalid")).toEqual([]);
    expectValueFollowing(final);
  }, 180_000);
});

describe("provider references and prices", () => {
  it("anthropic: and google: resolve to the provider's API with its key; a base URL comes from ANTHROPIC_BASE_URL", () => {
    const a = resolveModelRef("anthropic:claude-haiku-4-5", {}, { ANTHROPIC_API_KEY: "k1" });
    expect(a).toMatchObject({ provider: "anthropic", baseURL: "https://api.anthropic.com", apiKey: "k1", model: "claude-haiku-4-5" });
    expect(resolveModelRef("anthropic:m", {}, { ANTHROPIC_API_KEY: "k1", ANTHROPIC_BASE_URL: "http://127.0.0.1:9/" }).baseURL).toBe("http://127.0.0.1:9/");
    const g = resolveModelRef("google:gemini-2.5-flash", {}, { GOOGLE_API_KEY: "k2" });
    expect(g).toMatchObject({ provider: "google", baseURL: "https://generativelanguage.googleapis.com", apiKey: "k2" });
    expect(() => resolveModelRef("google:gemini-2.5-flash", {}, {})).toThrow(/GOOGLE_API_KEY/);
    expect(() => resolveModelRef("anthropic:m", {}, {})).toThrow(/ANTHROPIC_API_KEY/);
  });

  it("each provider's built-in name is priced from its table; a local server reusing a name is not", () => {
    expect(priceFor("anthropic", "claude-haiku-4-5", {})).toEqual(DEFAULT_ANTHROPIC_PRICES["claude-haiku-4-5"]);
    expect(priceFor("anthropic", "claude-haiku-4-5", {}, { baseURL: "http://127.0.0.1:9" })).toEqual(DEFAULT_ANTHROPIC_PRICES["claude-haiku-4-5"]);
    expect(priceFor("google", "gemini-2.5-flash", {})).toEqual(DEFAULT_GOOGLE_PRICES["gemini-2.5-flash"]);
    expect(priceFor("gem", "gemini-2.5-flash", {}, { baseURL: "https://generativelanguage.googleapis.com" })).toEqual(DEFAULT_GOOGLE_PRICES["gemini-2.5-flash"]);
    expect(priceFor("gem", "gemini-2.5-flash", {}, { baseURL: "http://127.0.0.1:9" })).toBeNull();
    expect(priceFor("anthropic", "claude-unknown", {})).toBeNull();
  });

  it("an unknown provider: one clear message, exit 2", async () => {
    const path = scenario("bad-provider", "x:m", `endpoints:\n  x: { provider: antropic, baseURL: "http://127.0.0.1:9" }`);
    const r = await run(["run", path, "--quiet", "--out", join(dir, "runs")], {});
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/endpoints\.x\.provider/);
    expect(r.stderr).toMatch(/anthropic/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
