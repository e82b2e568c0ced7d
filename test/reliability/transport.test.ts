/**
 * Transport faults end to end: `hvae run` against a server that misbehaves in one way each
 * (stall after headers, slow drip, 503 storm, reset, close after headers, HTML with status 200,
 * JSON without choices, a 50 MB body), and against one that answers in odd but valid ways
 * (content as parts, lower-case letters, unusable token counts).
 *
 * What is proved for each fault: the run ends `failed` with exit 3 and a message naming the
 * endpoint and the cause; no decision of the failing endpoint's agent is recorded (none invalid);
 * the rule-based agent's sessions, which need no endpoint, are all recorded; the manifest counts
 * the endpoint's retries and failures; and `--resume` against the healed server completes the run
 * with every planned decision exactly once and not one invalid decision.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventOf, HvaeEvent } from "../../src/core/events.ts";
import { BIN, hvae, mapLimit, outcomes, readLog, ROOT, type HvaeResult } from "../support/hvae-process.ts";
import { offeredLabels, startOpenAiServer, type Behaviour, type FakeOpenAi } from "../support/openai-server.ts";

/** 2 agents × 2 trials × 6 primary items, no pairing: 4 sessions, 2 of them on the endpoint. */
const PLANNED = 24;

interface FaultCase {
  name: string;
  behaviour: Behaviour;
  /** The cause the message must name. */
  cause: RegExp;
  /** A retried fault is counted under this cause in the manifest (null: not retried). */
  retryCause: string | null;
  /** Endpoint timeout for this case (default 2000 ms). */
  timeoutMs?: number;
}

const FAULTS: FaultCase[] = [
  { name: "stall after headers", behaviour: { kind: "stall" }, cause: /timeout/i, retryCause: "timeout" },
  { name: "slow drip", behaviour: { kind: "drip", intervalMs: 100 }, cause: /timeout/i, retryCause: "timeout" },
  { name: "503 storm", behaviour: { kind: "status", status: 503 }, cause: /HTTP 503/, retryCause: "HTTP 503" },
  { name: "connection reset", behaviour: { kind: "reset" }, cause: /connection error: (ECONNRESET|UND_ERR_SOCKET)/, retryCause: "connection error: " },
  { name: "close after headers", behaviour: { kind: "close-after-headers" }, cause: /connection error/, retryCause: "connection error: " },
  { name: "HTML with status 200", behaviour: { kind: "html" }, cause: /malformed response \(HTTP 200, text\/html\): not JSON \(\d+ characters, starting "<!DOCTYPE html>/, retryCause: "malformed response" },
  { name: "JSON without choices", behaviour: { kind: "no-choices" }, cause: /malformed response \(HTTP 200, application\/json\): JSON without choices/, retryCause: "malformed response" },
  { name: "empty choices", behaviour: { kind: "no-choices", empty: true }, cause: /JSON without choices/, retryCause: "malformed response" },
  { name: "50 MB body", behaviour: { kind: "huge", bytes: 50 * 1024 * 1024 }, cause: /response body of more than 8388608 bytes exceeds the limit of 8388608 bytes \(the endpoint's maxResponseBytes\)/, retryCause: null, timeoutMs: 60_000 },
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "hvae-transport-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function scenario(name: string, baseURL: string, extra = "", timeoutMs = 2000): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    `name: transport
seed: 3
trials: 2
pairing: none
game: { type: svo-slider, items: primary }
endpoints:
  flaky: { baseURL: "${baseURL}", apiKeyEnv: HVAE_TRANSPORT_KEY, timeoutMs: ${timeoutMs}, maxRetries: 1, maxConcurrency: 2 }
agents:
  - { id: llm, type: llm, value: prosocial, model: "flaky:m", prompts: { describe: false, goal: false } }
  - { id: rule, type: utility, value: individualistic }
${extra}`,
  );
  return path;
}

/** `hvae run` under /usr/bin/time, for the peak RSS of the process (kB). */
function runMeasured(args: string[], env: Record<string, string>): Promise<HvaeResult & { maxRssKb: number }> {
  return new Promise((settle) => {
    const child = spawn("/usr/bin/time", ["-f", "maxrss-kb %M", process.execPath, BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const rss = /maxrss-kb (\d+)/.exec(stderr);
      settle({
        code,
        signal,
        stdout,
        stderr: stderr.replace(/^maxrss-kb \d+\n?/m, ""),
        last: stdout.trimEnd().split("\n").at(-1) ?? "",
        maxRssKb: rss ? Number(rss[1]) : NaN,
      });
    });
  });
}

const manifestOf = (runDir: string) => JSON.parse(readFileSync(join(runDir, "manifest.json"), "utf8"));
const invalid = (events: HvaeEvent[]) => events.filter((e) => e.type === "decision.invalid");

interface FaultResult {
  c: FaultCase;
  failed: HvaeResult & { maxRssKb: number };
  failedLog: HvaeEvent[];
  manifest: ReturnType<typeof manifestOf>;
  requestsWhileFaulty: number;
  resumed: HvaeResult;
  finalLog: HvaeEvent[];
}

let results: FaultResult[] = [];

describe("a transport failure never becomes data", () => {
  beforeAll(async () => {
    results = await mapLimit(FAULTS, 3, async (c, i) => {
      const server: FakeOpenAi = await startOpenAiServer({ respond: () => c.behaviour });
      try {
        const path = scenario(`fault-${i}`, server.baseURL, "", c.timeoutMs);
        const env = { HVAE_TRANSPORT_KEY: "sk-test-transport-0000", HVAE_CACHE: join(dir, `cache-${i}.sqlite`) };
        const failed = await runMeasured(["run", path, "--quiet", "--out", join(dir, `runs-${i}`)], env);
        const requestsWhileFaulty = server.count();
        const failedLog = readLog(failed.last);
        const manifest = manifestOf(failed.last);
        server.configure({});
        const resumed = await hvae(["run", "--resume", failed.last, "--quiet"], { env, timeoutMs: 120_000 });
        return { c, failed, failedLog, manifest, requestsWhileFaulty, resumed, finalLog: readLog(failed.last) };
      } finally {
        await server.stop();
      }
    });
  }, 900_000);

  it.each(FAULTS.map((c, i) => [c.name, i] as const))("%s: failed, exit 3, nothing invalid; resume completes", (_, i) => {
    const { c, failed, failedLog, manifest, requestsWhileFaulty, resumed, finalLog } = results[i];
    expect(failed.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(failed.code, failed.stderr).toBe(3);
    expect(failed.stderr).toMatch(/hvae: failed: endpoint 'flaky' \(http:\/\/127\.0\.0\.1:\d+\/v1, model m\): /);
    expect(failed.stderr).toMatch(c.cause);
    expect(failed.stderr).toContain(`continue with: hvae run --resume ${failed.last}`);
    const completed = failedLog.at(-1) as EventOf<"run.completed">;
    expect(completed).toMatchObject({ type: "run.completed", status: "failed", invalid: 0 });
    expect(completed.message).toMatch(c.cause);
    expect(manifest.status).toBe("failed");
    // Nothing of the failing endpoint's agent is recorded; the rule-based sessions all are.
    expect(invalid(failedLog)).toEqual([]);
    const recorded = outcomes(failedLog);
    expect(recorded.filter((e) => e.agentId === "llm")).toEqual([]);
    expect(recorded.filter((e) => e.agentId === "rule")).toHaveLength(12);
    // Bounded: at most (maxRetries + 1) attempts for each of the two sessions in flight.
    expect(requestsWhileFaulty).toBeGreaterThanOrEqual(1);
    expect(requestsWhileFaulty).toBeLessThanOrEqual(4);
    const stats = manifest.segments[0].endpoints.flaky;
    expect(stats.failedCalls).toBeGreaterThanOrEqual(1);
    expect(stats.failure).toMatch(c.cause);
    expect(stats.attempts).toBe(requestsWhileFaulty);
    // Retries are counted by cause ("connection error: ECONNRESET" and the like start with the case's prefix).
    if (c.retryCause) expect(Object.entries(stats.retryCauses).filter(([k]) => k.startsWith(c.retryCause!)).length, JSON.stringify(stats)).toBeGreaterThanOrEqual(1);
    else expect(stats.retries).toBe(0);

    expect(resumed.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(resumed.code, resumed.stderr).toBe(0);
    const ids = outcomes(finalLog).map((e) => e.decisionId);
    expect(ids).toHaveLength(PLANNED);
    expect(new Set(ids).size).toBe(PLANNED);
    expect(invalid(finalLog)).toEqual([]);
    expect(finalLog.at(-1)).toMatchObject({ type: "run.completed", status: "completed", decisions: PLANNED, invalid: 0 });
    expect(manifestOf(failed.last).status).toBe("completed");
  });

  it("a 50 MB body is cut off at the limit: peak RSS stays far below the body's size", () => {
    const huge = results[FAULTS.findIndex((c) => c.behaviour.kind === "huge")];
    console.log(`50 MB body: peak RSS ${(huge.failed.maxRssKb / 1024).toFixed(0)} MB`);
    expect(huge.failed.maxRssKb).toBeGreaterThan(0);
    expect(huge.failed.maxRssKb / 1024).toBeLessThan(400);
  });
});

describe("a failing endpoint stops only its own sessions", () => {
  it("sessions on a healthy endpoint play to the end; the failing one's are left; resume completes", async () => {
    const bad = await startOpenAiServer({ respond: () => ({ kind: "status", status: 503 }) });
    const good = await startOpenAiServer();
    try {
      const path = scenario(
        "two-endpoints",
        bad.baseURL,
        `  - { id: steady, type: llm, value: competitive, model: "good:m", prompts: { describe: false, goal: false } }\n`,
      );
      writeFileSync(
        path,
        readFileSync(path, "utf8").replace(
          "agents:",
          `  good: { baseURL: "${good.baseURL}", apiKeyEnv: HVAE_TRANSPORT_KEY, timeoutMs: 10000, maxRetries: 1 }\nagents:`,
        ),
      );
      const env = { HVAE_TRANSPORT_KEY: "sk-test-transport-0000", HVAE_CACHE: join(dir, "two.sqlite") };
      const r = await hvae(["run", path, "--quiet", "--out", join(dir, "runs-two")], { env });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/failed: endpoint 'flaky' .*HTTP 503/);
      const log = readLog(r.last);
      const recorded = outcomes(log);
      expect(invalid(log)).toEqual([]);
      expect(recorded.filter((e) => e.agentId === "llm")).toEqual([]);
      expect(recorded.filter((e) => e.agentId === "steady")).toHaveLength(12);
      expect(recorded.filter((e) => e.agentId === "rule")).toHaveLength(12);
      const stats = manifestOf(r.last).segments[0].endpoints;
      expect(stats.good).toMatchObject({ calls: 12, failedCalls: 0, failure: null });
      expect(stats.flaky.failedCalls).toBeGreaterThanOrEqual(1);

      bad.configure({});
      const goodBefore = good.count();
      const resumed = await hvae(["run", "--resume", r.last, "--quiet"], { env });
      expect(resumed.code, resumed.stderr).toBe(0);
      const final = readLog(r.last);
      expect(outcomes(final)).toHaveLength(36);
      expect(new Set(outcomes(final).map((e) => e.decisionId)).size).toBe(36);
      expect(invalid(final)).toEqual([]);
      // The healthy endpoint's finished sessions are not played (or paid) again.
      expect(good.count()).toBe(goodBefore);
    } finally {
      await bad.stop();
      await good.stop();
    }
  }, 120_000);
});

describe("odd but valid answers are answers", () => {
  const answerRun = async (name: string, respond: (labels: string[], index: number) => Behaviour) => {
    const server = await startOpenAiServer({ respond: (req) => respond(offeredLabels(req.body), req.index) });
    try {
      const path = scenario(name, server.baseURL);
      const env = { HVAE_TRANSPORT_KEY: "sk-test-transport-0000", HVAE_CACHE: join(dir, `${name}.sqlite`) };
      const r = await hvae(["run", path, "--quiet", "--out", join(dir, `runs-${name}`)], { env });
      return { r, log: readLog(r.last), requests: server.count() };
    } finally {
      await server.stop();
    }
  };

  it("content as an array of text parts is joined into the answer", async () => {
    const { r, log } = await answerRun("parts", (labels) => ({ kind: "answer", letter: labels[1], parts: true }));
    expect(r.code, r.stderr).toBe(0);
    expect(invalid(log)).toEqual([]);
    expect(outcomes(log)).toHaveLength(PLANNED);
  }, 240_000);

  it("a lower-case letter is read when the labels are unambiguous", async () => {
    const { r, log } = await answerRun("lower", (labels) => ({ kind: "answer", content: { letter: labels[2].toLowerCase(), reason: "fair" } }));
    expect(r.code, r.stderr).toBe(0);
    expect(invalid(log)).toEqual([]);
    const made = log.filter((e): e is EventOf<"decision.made"> => e.type === "decision.made" && e.agentId === "llm");
    expect(made).toHaveLength(12);
  }, 240_000);

  it("unusable token counts (float, string, negative, huge) are recorded as 0, said once, and the log reads back", async () => {
    const bad: unknown[][] = [[1.5, 2], ["100", 3], [-5, 2], [1e300, 1], [7, 2 ** 53]];
    const { r, log } = await answerRun("usage", (labels, i) => ({
      kind: "answer",
      letter: labels[0],
      usage: { prompt_tokens: bad[i % bad.length][0], completion_tokens: bad[i % bad.length][1] },
    }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/sent unusable token counts/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/warning: endpoint 'flaky' sent unusable token counts \(prompt_tokens 1\.5, completion_tokens 2/);
    const calls = log.filter((e): e is EventOf<"model.call"> => e.type === "model.call");
    expect(calls).toHaveLength(12);
    for (const c of calls) expect([c.inputTokens, c.outputTokens]).toEqual([0, 0]);
    expect(invalid(log)).toEqual([]);
    const analyzed = await hvae(["analyze", r.last, "--json"]);
    expect(analyzed.code, analyzed.stderr).toBe(0);
    expect(JSON.parse(analyzed.stdout).run).toMatchObject({ inputTokens: 0, outputTokens: 0 });
    const resumed = await hvae(["run", "--resume", r.last, "--quiet"], { env: { HVAE_TRANSPORT_KEY: "x" } });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/already complete/);
  }, 240_000);
});
