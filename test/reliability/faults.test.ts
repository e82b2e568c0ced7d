/**
 * Faults: `hvae run` against a server that fails or talks nonsense on about half its requests
 * (20 % 429 — half with Retry-After, half without —, 10 % 500, 5 % hangs past the endpoint
 * timeout, 10 % malformed bodies, 10 % nonsense answers). Retries absorb the faults; should a
 * call still fail for good, the run stops `failed` (exit 3) and is resumed, as a user would. The
 * run ends complete; every planned decision is in the log exactly once, and a decision is invalid
 * only for what the model answered (nonsense), never for a fault of the transport.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventOf } from "../../src/core/events.ts";
import { createRng } from "../../src/core/random.ts";
import { hvae, outcomes, readLog } from "../support/hvae-process.ts";
import { offeredLabels, startOpenAiServer, type Behaviour, type FakeOpenAi, type RecordedRequest } from "../support/openai-server.ts";

type Fault = "429-retry-after" | "429" | "500" | "hang" | "malformed" | "nonsense" | "answer";

/** Cumulative fault table, drawn per request in arrival order from a seeded generator. */
const MIX: [number, Fault][] = [
  [0.1, "429-retry-after"],
  [0.2, "429"],
  [0.3, "500"],
  [0.35, "hang"],
  [0.45, "malformed"],
  [0.55, "nonsense"],
  [1, "answer"],
];

/** Nonsense: no letter at all, several letters, or (structured) a letter that is not offered. */
function nonsense(req: RecordedRequest, labels: string[]): string {
  const structured = req.body.response_format?.type === "json_schema";
  switch (req.index % 3) {
    case 0:
      return "Considering everything, 42 % of 7 is about 3.";
    case 1:
      return `I choose ${labels[0]}, or rather I choose ${labels.at(-1)}.`;
    default:
      return structured ? JSON.stringify({ letter: "ZZ", reason: "none" }) : "Option ZZ, obviously.";
  }
}

/** A real answer depends only on the request, so runs are comparable. */
function letterFor(req: RecordedRequest, labels: string[]): string {
  const h = createHash("sha256").update(JSON.stringify(req.body.messages)).digest();
  return labels[h[0] % labels.length];
}

let server: FakeOpenAi;
let dir: string;
const drawn: Fault[] = [];

beforeAll(async () => {
  const rng = createRng(20240611);
  server = await startOpenAiServer({
    respond(req): Behaviour | string {
      const u = rng.next();
      const fault = MIX.find(([p]) => u < p)![1];
      drawn.push(fault);
      const labels = offeredLabels(req.body);
      switch (fault) {
        case "429-retry-after":
          return { kind: "status", status: 429, retryAfter: req.index % 2 === 0 ? "0" : "1" };
        case "429":
          return { kind: "status", status: 429 };
        case "500":
          return { kind: "status", status: 500 };
        case "hang":
          return { kind: "hang" };
        case "malformed":
          return { kind: "malformed", body: req.index % 2 === 0 ? '{"id": "chatcmpl-x", "choices": [' : "<html>502 Bad Gateway</html>" };
        case "nonsense":
          return { kind: "answer", content: nonsense(req, labels) };
        default:
          return { kind: "answer", letter: letterFor(req, labels), delayMs: 5 };
      }
    },
  });
  dir = mkdtempSync(join(tmpdir(), "hvae-faults-"));
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("hvae run under server faults", () => {
  it("completes (resumed after any endpoint failure); every planned decision exactly once, invalid only for nonsense answers", async () => {
    // Two endpoints on one server: structured output and text answers.
    const scenario = join(dir, "faults.yaml");
    writeFileSync(
      scenario,
      `name: faults
seed: 11
trials: 2
pairing: round-robin
feedback: true
game: { type: svo-slider, items: primary, shuffleOptions: true }
endpoints:
  steady: { baseURL: "${server.baseURL}", apiKeyEnv: HVAE_FAULTS_KEY, timeoutMs: 1500, maxRetries: 8, maxConcurrency: 8 }
  textual: { baseURL: "${server.baseURL}", apiKeyEnv: HVAE_FAULTS_KEY, timeoutMs: 1500, maxRetries: 8, maxConcurrency: 8, structuredOutput: false }
agents:
  - { id: pro, type: llm, value: prosocial, model: "steady:m", prompts: { describe: false, goal: false } }
  - { id: com, type: llm, value: competitive, model: "steady:m", prompts: { describe: true, goal: true } }
  - { id: ind, type: llm, value: individualistic, model: "textual:m", prompts: { describe: false, goal: false } }
  - { id: alt, type: llm, value: altruistic, model: "textual:m", prompts: { describe: false, goal: true } }
`,
    );
    const env = { HVAE_FAULTS_KEY: "sk-test-faults", HVAE_CACHE: join(dir, "cache.sqlite") };
    const t0 = performance.now();
    let r = await hvae(["run", scenario, "--quiet", "--out", join(dir, "runs")], { env, timeoutMs: 150_000 });
    const runDir = r.last;
    const exits: (number | null)[] = [r.code];
    // A call that failed even after 9 attempts stops the run (exit 3); resume, as a user would.
    while (r.code === 3 && exits.length < 6) {
      expect(r.stderr).toMatch(/hvae: failed: endpoint '(steady|textual)'/);
      expect(outcomes(readLog(runDir)).filter((e) => e.type === "decision.invalid" && /model call failed/.test(e.reason))).toEqual([]);
      r = await hvae(["run", "--resume", runDir, "--quiet"], { env, timeoutMs: 150_000 });
      exits.push(r.code);
    }
    const seconds = (performance.now() - t0) / 1000;
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.code, r.stderr).toBe(0);

    const events = readLog(runDir);
    const started = events[0] as EventOf<"run.started">;
    // 6 pairs × 2 trials × 6 items × 2 agents.
    expect(started.plannedDecisions).toBe(144);
    const decided = outcomes(events);
    const ids = decided.map((e) => e.decisionId);
    expect(ids).toHaveLength(started.plannedDecisions);
    expect(new Set(ids).size).toBe(ids.length);
    const requested = events.filter((e) => e.type === "decision.requested").map((e) => (e as EventOf<"decision.requested">).decisionId);
    expect(new Set(requested)).toEqual(new Set(ids));

    const invalid = decided.filter((e): e is EventOf<"decision.invalid"> => e.type === "decision.invalid");
    // Only an answer makes a decision invalid: nonsense twice in a row, never a fault.
    for (const e of invalid) expect(e.reason).toMatch(/^no valid option after one repair turn: .+$/);
    expect(invalid.length).toBeLessThan(decided.length / 2);

    const completed = events.at(-1) as EventOf<"run.completed">;
    expect(completed).toMatchObject({ type: "run.completed", status: "completed", decisions: 144 - invalid.length, invalid: invalid.length });

    const calls = events.filter((e): e is EventOf<"model.call"> => e.type === "model.call");
    expect(calls.some((c) => c.purpose === "repair")).toBe(true);
    expect(calls.some((c) => c.error === null && c.attempts > 1)).toBe(true);
    expect(calls.filter((c) => c.error !== null).every((c) => c.error!.length > 0)).toBe(true);
    // Every attempt went to the server: what the log counts is what the server saw (hung ones included).
    expect(calls.reduce((n, c) => n + c.attempts, 0)).toBe(server.count());
    for (const f of ["429-retry-after", "429", "500", "hang", "malformed", "nonsense"] as const) expect(drawn, f).toContain(f);
    const faulty = drawn.filter((f) => f !== "answer" && f !== "nonsense").length / drawn.length;
    expect(faulty).toBeGreaterThan(0.3);

    console.log(
      `faults: ${server.count()} requests (${(faulty * 100).toFixed(0)} % faults), ${decided.length - invalid.length} made, ` +
        `${invalid.length} invalid (all nonsense answers), exits ${exits.join(" → ")}, ${seconds.toFixed(1)} s`,
    );
  }, 600_000);
});
