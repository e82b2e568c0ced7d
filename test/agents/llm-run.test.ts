/**
 * `hvae run` end to end with llm agents on a named endpoint pointing at the local server: the
 * API key never reaches any file the run writes (events, manifest, cache) nor its output, nor do
 * the keys of the native providers (anthropic, google), even when their server echoes the key in
 * an error; a
 * re-run is answered from the cache; --max-cost ends the run with status budget-exhausted.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAnthropicServer } from "../support/anthropic-server.ts";
import { startGoogleServer } from "../support/google-server.ts";
import { startOpenAiServer, type FakeOpenAi } from "../support/openai-server.ts";
import type { ProviderBehaviour, ProviderRequest, ProviderServer } from "../support/provider-server.ts";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const HAS_RUN = existsSync(join(ROOT, "src/cli/commands/run.ts"));
const KEY = "sk-test-SECRET-1234";

let server: FakeOpenAi;
let dir: string;
beforeAll(async () => {
  server = await startOpenAiServer({ delayMs: 2 });
  dir = mkdtempSync(join(tmpdir(), "hvae-llm-run-"));
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

function scenario(name: string, extra = ""): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    `name: ${name}
seed: 3
trials: 2
pairing: round-robin
feedback: true
endpoints:
  local: { baseURL: "${server.baseURL}", apiKeyEnv: LOCAL_KEY, timeoutMs: 3000, maxConcurrency: 4 }
${extra}
agents:
  - { id: a, type: llm, value: prosocial, model: "local:m", prompts: { describe: true, goal: true } }
  - { id: b, type: llm, value: competitive, model: "local:m", prompts: { describe: true, goal: false } }
`,
  );
  return path;
}

async function hvae(args: string[]) {
  try {
    const r = await run(join(ROOT, "bin/hvae"), ["run", ...args, "--out", join(dir, "runs"), "--quiet"], {
      cwd: ROOT,
      env: { ...process.env, LOCAL_KEY: KEY, HVAE_CACHE: join(dir, "cache", "cache.sqlite"), OPENAI_API_KEY: "" },
      timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((f) => {
    const p = join(root, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function events(stdout: string) {
  const runDir = stdout.trim().split("\n").at(-1)!;
  return readFileSync(join(runDir, "events.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string; cached?: boolean; status?: string });
}

describe.skipIf(!HAS_RUN)("hvae run with llm agents", () => {
  it("uses the key for the server but never writes it; a re-run makes no request", async () => {
    const path = scenario("secret-check");
    const first = await hvae([path]);
    expect(first.stderr).not.toMatch(/Error/);
    expect(first.code).toBe(0);
    const requests = server.count();
    // One pair, 2 trials; per trial a makes describe + goal + 6 items, b describe + 6 items: 15.
    expect(requests).toBe(30);
    expect(server.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    const evs = events(first.stdout);
    expect(evs.filter((e) => e.type === "model.call")).toHaveLength(30);
    expect(evs.filter((e) => e.type === "decision.made")).toHaveLength(24);

    const second = await hvae([path]);
    expect(second.code).toBe(0);
    expect(server.count()).toBe(requests);
    const calls = events(second.stdout).filter((e) => e.type === "model.call");
    expect(calls).toHaveLength(30);
    expect(calls.every((c) => c.cached)).toBe(true);

    const written = filesUnder(dir).filter((f) => !f.endsWith(".yaml"));
    expect(written.some((f) => f.endsWith("events.jsonl"))).toBe(true);
    expect(written.some((f) => f.endsWith("manifest.json"))).toBe(true);
    expect(written.some((f) => f.endsWith("cache.sqlite"))).toBe(true);
    for (const f of written) expect(readFileSync(f).includes(Buffer.from(KEY)), f).toBe(false);
    for (const out of [first.stdout, first.stderr, second.stdout, second.stderr]) expect(out).not.toContain(KEY);
  }, 90_000);

  it("--max-cost stops scheduling calls and ends the run with status budget-exhausted", async () => {
    const path = scenario("budget-check", 'prices:\n  "local:m": { input: 1000, output: 1000 }');
    const before = server.count();
    const r = await hvae([path, "--no-cache", "--max-cost", "0.2"]);
    const evs = events(r.stdout);
    expect(evs.at(-1)).toMatchObject({ type: "run.completed", status: "budget-exhausted" });
    expect(server.count() - before).toBeLessThan(30);
    expect(evs.filter((e) => e.type === "decision.made").length).toBeLessThan(24);
  }, 90_000);
});

describe.skipIf(!HAS_RUN)("the native providers' keys", () => {
  const providers = [
    { name: "anthropic", start: startAnthropicServer, key: "sk-ant-SECRET-anthropic-5678", model: "anthropic:claude-haiku-4-5", env: (url: string, key: string) => ({ ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: url }), endpoints: () => "" },
    { name: "google", start: startGoogleServer, key: "AIza-SECRET-google-91011", model: "g:gemini-2.5-flash", env: (_: string, key: string) => ({ GOOGLE_API_KEY: key }), endpoints: (url: string) => `endpoints:\n  g: { provider: google, baseURL: "${url}", maxRetries: 0 }` },
  ] as const;

  it.each(providers)("$name: the key is in no file and no message, also when the server echoes it in an error", async (p) => {
    const answer = (req: ProviderRequest): ProviderBehaviour => ({ kind: "answer", letter: req.labels[0] ?? "A", content: req.labels.length ? undefined : "A reply." });
    // The first request is refused with the key in the error body (as some servers echo what they got).
    let echoed = false;
    const server: ProviderServer = await p.start((req) => {
      if (echoed) return answer(req);
      echoed = true;
      return { kind: "status", status: 400, body: JSON.stringify({ type: "error", error: { type: "invalid_request_error", code: 400, message: `bad key ${p.key} (Basic ${Buffer.from(`u:${p.key}`).toString("base64")})` } }) };
    });
    const sub = mkdtempSync(join(dir, `${p.name}-`));
    try {
      const path = join(sub, "s.yaml");
      writeFileSync(
        path,
        `name: ${p.name}-secret\nseed: 1\ntrials: 1\npairing: none\ngame: { type: svo-slider, items: primary }\n${p.endpoints(server.baseURL)}\nagents:\n  - { id: a, type: llm, value: prosocial, model: "${p.model}", prompts: { describe: true, goal: false } }\n`,
      );
      const env = { ...process.env, ...p.env(server.baseURL, p.key), HVAE_CACHE: join(sub, "cache.sqlite"), OPENAI_API_KEY: "" };
      const go = async (args: string[]) => {
        try {
          const r = await run(join(ROOT, "bin/hvae"), ["run", ...args], { cwd: ROOT, env, timeout: 60_000 });
          return { code: 0, stdout: r.stdout, stderr: r.stderr };
        } catch (err) {
          return err as { code: number; stdout: string; stderr: string };
        }
      };
      const failed = await go([path, "--out", join(sub, "runs"), "--quiet"]);
      expect(failed.code, failed.stderr).toBe(3);
      expect(failed.stderr).toContain("[redacted]");
      const runDir = failed.stdout.trim().split("\n").at(-1)!;
      const resumed = await go(["--resume", runDir, "--quiet"]);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(events(resumed.stdout).filter((e) => e.type === "decision.made")).toHaveLength(6);
      // The key went to the server, in the provider's header.
      expect(server.requests.every((r) => (r.headers["x-api-key"] ?? r.headers["x-goog-api-key"]) === p.key)).toBe(true);

      const written = filesUnder(sub).filter((f) => !f.endsWith(".yaml"));
      expect(written.some((f) => f.endsWith("events.jsonl"))).toBe(true);
      expect(written.some((f) => f.endsWith("manifest.json"))).toBe(true);
      expect(written.some((f) => f.endsWith("cache.sqlite"))).toBe(true);
      expect(written.some((f) => f.includes("transcript"))).toBe(true);
      const b64 = Buffer.from(`u:${p.key}`).toString("base64");
      for (const f of written) {
        const bytes = readFileSync(f);
        expect(bytes.includes(Buffer.from(p.key)), f).toBe(false);
        expect(bytes.includes(Buffer.from(b64.slice(4, 20))), f).toBe(false);
      }
      for (const out of [failed.stdout, failed.stderr, resumed.stdout, resumed.stderr]) {
        expect(out).not.toContain(p.key);
        expect(out).not.toContain(b64.slice(4, 20));
      }
    } finally {
      await server.stop();
    }
  }, 120_000);
});
