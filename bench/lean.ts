/**
 * The client's own cost, in one run against one local server (a child process): at high
 * concurrency and a fast server (C = 128, L = 20 ms) the client is the bottleneck, so hvae is
 * measured against a bare `openai` loop replaying hvae's own request bodies (target ≥ 0.85 of its
 * calls/s); at C = 16, L = 200 ms the server is, so hvae is measured against C/L (target ≥ 0.95).
 * hvae through LangChain's invoke stack (`client: "langchain"`, the path before the lean one) is
 * measured beside them at C = 128, and the bare loop at C = 16 too (how near C/L this machine lets
 * any client get). Each configuration runs `reps` times, alternating; every run is
 * kept, and CPU ms per call (process.cpuUsage of this process) is reported: it is less sensitive
 * than calls/s to other load on a shared machine.
 *
 * @example
 * // npx tsx bench/lean.ts [--reps 3] [--decisions 1920]
 * const r = await benchLean({ reps: 3, fastDecisions: 1920, slowDecisions: 480 });
 * r.fast.map((x) => x.hvae.callsPerSecond / x.bare.callsPerSecond); // each ≥ 0.85
 */
import { parseArgs } from "node:util";
import { llmScenario, runBareLoop, runHvae, type HvaeRun, type LoopRun } from "./llm.ts";
import { startServerChild } from "./support/server-child.ts";

export interface LeanBenchOptions {
  reps: number;
  /** Decisions per hvae run at C = 128, L = 20 ms. */
  fastDecisions: number;
  /** Decisions per hvae run at C = 16, L = 200 ms. */
  slowDecisions: number;
}

export const FAST = { concurrency: 128, delayMs: 20 } as const;
export const SLOW = { concurrency: 16, delayMs: 200 } as const;

export interface LeanBenchResult {
  options: LeanBenchOptions;
  /** Per repetition at C = 128, L = 20 ms: hvae (lean), the bare loop on its bodies, hvae through LangChain. */
  fast: { hvae: HvaeRun; bare: LoopRun; langchain: HvaeRun }[];
  /** Per repetition at C = 16, L = 200 ms: hvae, and the bare loop on its bodies (what the machine allows). */
  slow: { hvae: HvaeRun; bare: LoopRun }[];
  /** C / L of each configuration, calls/s. */
  fastLimit: number;
  slowLimit: number;
}

/** The median of a list of numbers. */
export const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function benchLean(opts: LeanBenchOptions): Promise<LeanBenchResult> {
  const server = await startServerChild({ delayMs: 0 });
  try {
    // Warm-up at zero delay on both clients: module loading, JIT, keep-alive sockets.
    const warm = await runHvae(server, llmScenario(server.baseURL, FAST.concurrency, 192, 99), null);
    await runHvae(server, llmScenario(server.baseURL, FAST.concurrency, 192, 98), null, true, "langchain");
    await runBareLoop(server.baseURL, await server.bodies((await server.count()) - warm.calls * 2, warm.calls), FAST.concurrency);

    const fast: LeanBenchResult["fast"] = [];
    const slow: LeanBenchResult["slow"] = [];
    for (let rep = 0; rep < opts.reps; rep++) {
      await server.configure(FAST.delayMs);
      const scenario = llmScenario(server.baseURL, FAST.concurrency, opts.fastDecisions, 1 + rep);
      const from = await server.count();
      const hvae = await runHvae(server, scenario, null);
      // The bare loop replays exactly the bodies hvae just sent.
      const bare = await runBareLoop(server.baseURL, await server.bodies(from, hvae.calls), FAST.concurrency);
      const langchain = await runHvae(server, scenario, null, true, "langchain");
      fast.push({ hvae, bare, langchain });
      await server.configure(SLOW.delayMs);
      const slowFrom = await server.count();
      const slowHvae = await runHvae(server, llmScenario(server.baseURL, SLOW.concurrency, opts.slowDecisions, 1 + rep), null);
      slow.push({ hvae: slowHvae, bare: await runBareLoop(server.baseURL, await server.bodies(slowFrom, slowHvae.calls), SLOW.concurrency) });
    }
    return {
      options: opts,
      fast,
      slow,
      fastLimit: FAST.concurrency / (FAST.delayMs / 1000),
      slowLimit: SLOW.concurrency / (SLOW.delayMs / 1000),
    };
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { reps: { type: "string", default: "3" }, decisions: { type: "string", default: "1920" }, slow: { type: "string", default: "480" } } });
  const r = await benchLean({ reps: Number(values.reps), fastDecisions: Number(values.decisions), slowDecisions: Number(values.slow) });
  const f = (x: number, d = 1) => x.toFixed(d);
  for (const [i, x] of r.fast.entries())
    console.log(
      `C=128 L=20 #${i + 1}: hvae ${f(x.hvae.callsPerSecond)} calls/s (${f(x.hvae.cpuMsPerCall, 2)} ms CPU/call), bare ${f(x.bare.callsPerSecond)} (${f(x.bare.cpuMsPerCall, 2)} ms), ` +
        `hvae/bare ${f(x.hvae.callsPerSecond / x.bare.callsPerSecond, 3)}; via LangChain ${f(x.langchain.callsPerSecond)} calls/s (${f(x.langchain.cpuMsPerCall, 2)} ms), ${f(x.langchain.callsPerSecond / x.bare.callsPerSecond, 3)} of bare`,
    );
  for (const [i, { hvae: s, bare: b }] of r.slow.entries())
    console.log(`C=16 L=200 #${i + 1}: hvae ${f(s.callsPerSecond)} calls/s = ${f(s.callsPerSecond / r.slowLimit, 3)} of C/L (${f(s.cpuMsPerCall, 2)} ms CPU/call); bare ${f(b.callsPerSecond / r.slowLimit, 3)} of C/L`);
}
