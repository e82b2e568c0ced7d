/**
 * LLM-path benchmark: the real engine, model gateway, LLM agent and LangChain `ChatOpenAI`
 * against a local OpenAI-compatible server (127.0.0.1) that answers every request after a
 * fixed delay L. The ceiling is C / L calls per second with C requests in flight; hvae is
 * measured against that ceiling, against a bare `openai` client loop with the same C replaying
 * hvae's own request bodies, and against a sequential loop (one call at a time, as the paper's
 * code runs). A cached re-run (same scenario and seed) is timed against its first run.
 *
 * Scenario: pairing none, 16 llm agents, structured output, no describe/goal turns (so one call
 * per decision unless an answer needs repair), cache off except for the cached re-run.
 *
 * @example
 * // npx tsx bench/llm.ts [--delay 200] [--concurrency 16] [--decisions 1920] [--sequential 25]
 * const r = await benchLlm({ delayMs: 100, concurrency: 16, decisions: 960, sequentialCalls: 20, cachedDecisions: 384, reps: 1 });
 * r.hvae.callsPerSecond / r.limit; // ≥ 0.90 is the target
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import OpenAI from "openai";
import { createAgent } from "../agents/registry.ts";
import { runEnvironment } from "../src/environment/environment.ts";
import { createGateway } from "../src/models/gateway.ts";
import { expandAgents } from "../src/scenario/expand.ts";
import { Scenario } from "../src/scenario/schema.ts";
import { openJsonlWriter } from "../src/store/jsonl-writer.ts";
import { openTranscriptStore } from "../src/store/transcripts.ts";
import type { ChatBody } from "../test/support/openai-server.ts";
import { startServerChild, type ServerChild } from "./support/server-child.ts";

/** Agents in the benchmark population; decisions are a multiple of agents × 6 rounds. */
const AGENTS = 16;
const ROUNDS = 6;
const VALUES = ["altruistic", "prosocial", "individualistic", "competitive"] as const;

export interface LlmBenchOptions {
  /** Server delay before every answer, ms. */
  delayMs: number;
  /** Requests in flight (endpoint maxConcurrency, scenario maxConcurrency, bare-loop workers). */
  concurrency: number;
  /** Decisions in each hvae run (rounded up to whole trials of 16 agents × 6 rounds). */
  decisions: number;
  /** Calls in the sequential loop. */
  sequentialCalls: number;
  /** Decisions in the cached first run / re-run. */
  cachedDecisions: number;
  /** hvae and bare runs alternate this many times; the median of each is reported. */
  reps: number;
  /** hvae runs write transcripts.jsonl as `hvae run` does (default true; false to measure their cost). */
  transcripts?: boolean;
}

export interface HvaeRun {
  decisions: number;
  invalid: number;
  /** Requests the server received during the run. */
  calls: number;
  cacheHits: number;
  seconds: number;
  decisionsPerSecond: number;
  callsPerSecond: number;
  /** CPU time of this process (the client; the server runs in a child) per call, ms. */
  cpuMsPerCall: number;
  /** Hash of the option chosen per decision id, to check a re-run reproduces the first. */
  fingerprint: string;
}

export interface LoopRun {
  calls: number;
  seconds: number;
  callsPerSecond: number;
  /** CPU time of this process per call, ms. */
  cpuMsPerCall: number;
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

export interface LlmBenchResult {
  options: LlmBenchOptions;
  /** C / L in calls per second. */
  limit: number;
  hvae: HvaeRun;
  bare: LoopRun;
  sequential: LoopRun;
  /** Every repetition, in run order. */
  hvaeRuns: HvaeRun[];
  bareRuns: LoopRun[];
  /** Highest number of requests the server saw in flight at once. */
  serverPeakInFlight: number;
  cached: { first: HvaeRun; rerun: HvaeRun };
}

/** The benchmark scenario: `decisions` rounded up to whole trials of the 16-agent population. */
export function llmScenario(baseURL: string, concurrency: number, decisions: number, seed = 1): Scenario {
  return Scenario.parse({
    name: "bench-llm",
    seed,
    trials: Math.max(1, Math.ceil(decisions / (AGENTS * ROUNDS))),
    game: { type: "svo-slider", items: "primary", shuffleItems: true, shuffleOptions: true },
    pairing: "none",
    feedback: false,
    maxConcurrency: concurrency,
    endpoints: { local: { baseURL, apiKeyEnv: null, maxConcurrency: concurrency, maxRetries: 0, structuredOutput: true } },
    agents: VALUES.map((value) => ({
      id: value.slice(0, 3),
      type: "llm",
      value,
      model: "local:bench-model",
      count: AGENTS / VALUES.length,
      maxTokens: 64,
      prompts: { describe: false, goal: false },
    })),
  });
}

/**
 * One hvae run as `hvae run` does it (environment + gateway + agents + JSONL log), timed from
 * subscription to completion. `client: "langchain"` makes the calls through LangChain's invoke
 * stack instead of the lean path, to measure what the lean path saves.
 */
export async function runHvae(
  server: ServerChild,
  scenario: Scenario,
  cachePath: string | null,
  transcripts = true,
  client: "lean" | "langchain" = "lean",
): Promise<HvaeRun> {
  const dir = mkdtempSync(join(tmpdir(), "hvae-bench-llm-"));
  const log = openJsonlWriter(join(dir, "events.jsonl"));
  const store = transcripts ? openTranscriptStore(dir, { resume: false }) : null;
  const gateway = createGateway({ endpoints: scenario.endpoints, prices: scenario.prices, cachePath, refreshCache: false, maxCostUsd: null, env: {}, transcripts: store, client });
  const before = await server.count();
  let decisions = 0;
  let invalid = 0;
  let failure: string | null = null;
  const chosen: string[] = [];
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    await new Promise<void>((resolve, reject) =>
      runEnvironment({ runId: "bench-llm", scenario, agents: expandAgents(scenario), gateway, createAgent: (s, c) => createAgent(s, c, dir) }).subscribe({
        next(ev) {
          log.write(ev);
          if (ev.type === "decision.made") {
            decisions++;
            chosen.push(`${ev.decisionId}=${ev.option}`);
          } else if (ev.type === "decision.invalid") invalid++;
          else if (ev.type === "run.completed" && ev.status !== "completed") failure = ev.message ?? ev.status;
        },
        error: reject,
        complete: resolve,
      }),
    );
  } finally {
    log.close();
    store?.close();
    await gateway.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuMs(cpu0);
  rmSync(dir, { recursive: true, force: true });
  // A partial run's rate is not a measurement: say so rather than report it.
  if (failure !== null) throw new Error(`bench run did not complete: ${failure}`);
  const calls = (await server.count()) - before;
  return {
    decisions,
    invalid,
    calls,
    cacheHits: gateway.summary().cacheHits,
    seconds,
    decisionsPerSecond: (decisions + invalid) / seconds,
    callsPerSecond: calls / seconds,
    cpuMsPerCall: calls > 0 ? cpu / calls : 0,
    fingerprint: createHash("sha256").update(chosen.sort().join(",")).digest("hex").slice(0, 16),
  };
}

/**
 * A bare loop over the `openai` client: `concurrency` workers take the next body and await
 * `client.chat.completions.create`, then read the letter out of the JSON answer.
 */
export async function runBareLoop(baseURL: string, bodies: ChatBody[], concurrency: number): Promise<LoopRun> {
  const client = new OpenAI({ baseURL, apiKey: "not-needed", maxRetries: 0, timeout: 60_000 });
  let next = 0;
  let letters = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const r = await client.chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);
      const content = r.choices[0]?.message.content ?? "";
      if (typeof (JSON.parse(content) as { letter?: unknown }).letter === "string") letters++;
    }
  };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuMs(cpu0);
  if (letters !== bodies.length) throw new Error(`bare loop: ${bodies.length - letters} answers without a letter`);
  return { calls: bodies.length, seconds, callsPerSecond: bodies.length / seconds, cpuMsPerCall: cpu / bodies.length };
}

const median = <T>(runs: T[], by: (r: T) => number): T => runs.slice().sort((a, b) => by(a) - by(b))[Math.floor((runs.length - 1) / 2)];

/**
 * Runs every LLM-path measurement against one local server, in a child process so this
 * process's CPU goes to the client alone; stops the server when done.
 */
export async function benchLlm(opts: LlmBenchOptions): Promise<LlmBenchResult> {
  const server = await startServerChild({ delayMs: 0 });
  const cacheDir = mkdtempSync(join(tmpdir(), "hvae-bench-cache-"));
  try {
    const C = opts.concurrency;
    // Warm-up at zero delay: module loading, LangChain's lazy import, JIT, keep-alive sockets.
    const warm = await runHvae(server, llmScenario(server.baseURL, C, 2 * AGENTS * ROUNDS, 99), null);
    await runBareLoop(server.baseURL, await server.bodies((await server.count()) - warm.calls, warm.calls), C);
    await server.configure(opts.delayMs);

    const scenario = llmScenario(server.baseURL, C, opts.decisions);
    const hvaeRuns: HvaeRun[] = [];
    const bareRuns: LoopRun[] = [];
    let from = 0;
    for (let rep = 0; rep < opts.reps; rep++) {
      from = await server.count();
      const h = await runHvae(server, scenario, null, opts.transcripts ?? true);
      hvaeRuns.push(h);
      // The bare loop replays exactly the bodies hvae just sent: same calls, messages and schema.
      const bodies = await server.bodies(from, h.calls);
      bareRuns.push(await runBareLoop(server.baseURL, bodies, C));
    }
    const peak = await server.maxInFlight();
    const sequential = await runBareLoop(server.baseURL, await server.bodies(from, opts.sequentialCalls), 1);

    const cachePath = join(cacheDir, "cache.sqlite");
    const cachedScenario = llmScenario(server.baseURL, C, opts.cachedDecisions, 7);
    const first = await runHvae(server, cachedScenario, cachePath);
    const rerun = await runHvae(server, cachedScenario, cachePath);
    return {
      options: opts,
      limit: C / (opts.delayMs / 1000),
      hvae: median(hvaeRuns, (r) => r.callsPerSecond),
      bare: median(bareRuns, (r) => r.callsPerSecond),
      sequential,
      hvaeRuns,
      bareRuns,
      serverPeakInFlight: peak,
      cached: { first, rerun },
    };
  } finally {
    await server.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      delay: { type: "string", default: "200" },
      concurrency: { type: "string", default: "16" },
      decisions: { type: "string", default: "1920" },
      sequential: { type: "string", default: "25" },
      cached: { type: "string", default: "480" },
      reps: { type: "string", default: "1" },
      "no-transcripts": { type: "boolean" },
    },
  });
  const r = await benchLlm({
    delayMs: Number(values.delay),
    concurrency: Number(values.concurrency),
    decisions: Number(values.decisions),
    sequentialCalls: Number(values.sequential),
    cachedDecisions: Number(values.cached),
    reps: Number(values.reps),
    transcripts: values["no-transcripts"] !== true,
  });
  const f = (x: number) => x.toFixed(1);
  console.log(`limit C/L = ${f(r.limit)} calls/s (C=${r.options.concurrency}, L=${r.options.delayMs} ms); server peak in flight ${r.serverPeakInFlight}`);
  for (const h of r.hvaeRuns) console.log(`hvae: ${h.decisions}+${h.invalid} decisions, ${h.calls} calls in ${h.seconds.toFixed(2)} s = ${f(h.decisionsPerSecond)} decisions/s, ${f(h.callsPerSecond)} calls/s (${(h.callsPerSecond / r.limit).toFixed(3)} of limit), client CPU ${h.cpuMsPerCall.toFixed(2)} ms/call`);
  for (const b of r.bareRuns) console.log(`bare: ${b.calls} calls in ${b.seconds.toFixed(2)} s = ${f(b.callsPerSecond)} calls/s (${(b.callsPerSecond / r.limit).toFixed(3)} of limit), client CPU ${b.cpuMsPerCall.toFixed(2)} ms/call`);
  console.log(`sequential: ${r.sequential.calls} calls in ${r.sequential.seconds.toFixed(2)} s = ${f(r.sequential.callsPerSecond)} calls/s`);
  console.log(`cached: first ${r.cached.first.seconds.toFixed(2)} s (${r.cached.first.calls} requests), re-run ${r.cached.rerun.seconds.toFixed(2)} s (${r.cached.rerun.calls} requests, same choices: ${r.cached.first.fingerprint === r.cached.rerun.fingerprint})`);
}
