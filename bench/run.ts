/**
 * `npm run bench`: every benchmark in one run, printed as one table with each figure beside its
 * target. `--quick` runs the same rows at smaller sizes in under a minute.
 *
 *   (a) LLM path: hvae (engine + gateway + ChatOpenAI) against a local server answering after L ms,
 *       C requests in flight: decisions/s against the limit C/L, and against a sequential loop
 *   (b) the same calls through a bare `openai` client loop with the same C: hvae / bare
 *   (c) engine with rule-based agents (child processes): two-person games (the slider) and public
 *       goods in groups of 8, decisions/s and their ratio from the same run; peak RSS, and peak RSS
 *       flat in decisions (1,000 agents, random pairing, at a fifth of the size and at full size)
 *   (d) analysis of a fabricated log: seconds, decisions/s and peak RSS (in a child process)
 *   (e) a cached re-run against its first run: wall time and network requests (must be 0)
 *   (f) hvae view on a fabricated rule-based run: start (index + analysis), then the slowest page
 *   (g) the client's own cost: at C = 128, L = 20 ms hvae / the bare loop on its bodies (and hvae
 *       through LangChain's invoke stack beside it), CPU ms per call; at C = 16, L = 200 ms hvae / C/L
 *
 * @example
 * // npm run bench -- --quick
 * // npx tsx bench/run.ts [--quick] [--json]
 */
import { parseArgs } from "node:util";
import { benchAnalysis, type AnalysisBenchResult } from "./analysis.ts";
import { benchEngineInChild, type EngineBenchResult } from "./engine.ts";
import { benchLean, median, type LeanBenchOptions, type LeanBenchResult } from "./lean.ts";
import { benchLlm, type LlmBenchOptions, type LlmBenchResult } from "./llm.ts";
import { benchView, type ViewBenchResult } from "./view.ts";
import { describeMachine, formatLoad, machineInfo } from "./support/machine.ts";
import { fixed, formatTable, int } from "./support/table.ts";

export interface BenchSizes {
  llm: LlmBenchOptions;
  lean: LeanBenchOptions;
  engineDecisions: number;
  analysisDecisions: number;
  viewDecisions: number;
}

export const FULL: BenchSizes = {
  llm: { delayMs: 200, concurrency: 16, decisions: 1920, sequentialCalls: 25, cachedDecisions: 480, reps: 2 },
  lean: { reps: 3, fastDecisions: 1920, slowDecisions: 480 },
  engineDecisions: 1_000_000,
  analysisDecisions: 1_000_000,
  viewDecisions: 1_000_000,
};

export const QUICK: BenchSizes = {
  llm: { delayMs: 100, concurrency: 16, decisions: 480, sequentialCalls: 15, cachedDecisions: 192, reps: 2 },
  lean: { reps: 3, fastDecisions: 768, slowDecisions: 192 },
  engineDecisions: 200_000,
  analysisDecisions: 100_000,
  viewDecisions: 100_000,
};

/** Targets from the issue; the engine's and the analysis' are set for 1M decisions. */
export const TARGETS = {
  ofLimit: 0.9,
  ofBare: 0.9,
  engineRate: 80_000,
  publicGoodsRate: 50_000,
  engineRssMb: 300,
  /** Peak RSS at full size over peak RSS at a fifth of it (1,000 agents, random pairing). */
  rssGrowth: 1.25,
  analysisSeconds: 10,
  rerunRequests: 0,
  viewPageMs: 1000,
  /** At C = 128, L = 20 ms: hvae's calls/s over the bare openai loop's (issue 13). */
  fastOfBare: 0.85,
  /** At C = 16, L = 200 ms: hvae's calls/s over C/L. */
  slowOfLimit: 0.95,
} as const;

export interface BenchReport {
  quick: boolean;
  machine: ReturnType<typeof machineInfo>;
  loadAtEnd: number[];
  seconds: number;
  llm: LlmBenchResult;
  engine: EngineBenchResult;
  /** Public goods, fixed groups of 8 (bench/engine.ts --game public-goods). */
  publicGoods?: EngineBenchResult;
  /** 1,000 agents, random pairing: at a fifth of the engine size and at the full size. */
  flat?: { small: EngineBenchResult; large: EngineBenchResult };
  analysis: AnalysisBenchResult;
  view?: ViewBenchResult;
  lean?: LeanBenchResult;
}

const mark = (ok: boolean) => (ok ? "PASS" : "BELOW TARGET");

/** The table rows: [row, measure, measured, target, result]. */
export function tableRows(r: BenchReport): string[][] {
  const { llm, engine, analysis } = r;
  const o = llm.options;
  const h = llm.hvae;
  const ofLimit = h.callsPerSecond / llm.limit;
  const ofBare = h.callsPerSecond / llm.bare.callsPerSecond;
  const vsSeq = h.decisionsPerSecond / llm.sequential.callsPerSecond;
  const { first, rerun } = llm.cached;
  const sameChoices = first.fingerprint === rerun.fingerprint && first.decisions === rerun.decisions;
  const perCall = h.decisions > 0 ? h.calls / (h.decisions + h.invalid) : 0;
  return [
    [
      "(a)",
      `LLM path, hvae: ${int(h.decisions + h.invalid)} decisions, ${int(h.calls)} calls (${fixed(perCall, 2)}/decision)`,
      `${fixed(h.decisionsPerSecond)} decisions/s, ${fixed(h.callsPerSecond)} calls/s`,
      `>= ${TARGETS.ofLimit} x C/L = ${fixed(llm.limit, 0)}/s`,
      `${fixed(ofLimit, 3)} ${mark(ofLimit >= TARGETS.ofLimit)}`,
    ],
    [
      "(a)",
      `sequential loop, 1 call at a time (${o.sequentialCalls} calls)`,
      `${fixed(llm.sequential.callsPerSecond)} decisions/s`,
      `(ideal: hvae = C x this)`,
      `hvae is ${fixed(vsSeq)}x faster`,
    ],
    [
      "(b)",
      `bare openai loop, same ${int(llm.bare.calls)} request bodies, C=${o.concurrency}`,
      `${fixed(llm.bare.callsPerSecond)} calls/s (${fixed(llm.bare.callsPerSecond / llm.limit, 3)} of C/L)`,
      `hvae/bare >= ${TARGETS.ofBare}`,
      `${fixed(ofBare, 3)} ${mark(ofBare >= TARGETS.ofBare)}`,
    ],
    [
      "(b)",
      `client CPU per call (this process; the server runs in a child)`,
      `hvae ${fixed(h.cpuMsPerCall, 2)} ms, bare ${fixed(llm.bare.cpuMsPerCall, 2)} ms`,
      "-",
      `hvae's own: ${fixed(h.cpuMsPerCall - llm.bare.cpuMsPerCall, 2)} ms/call`,
    ],
    [
      "(c)",
      `engine, rule-based agents, ${int(engine.decisions)} decisions`,
      `${int(engine.decisionsPerSecond)} decisions/s (${fixed(engine.seconds, 2)} s; ${int(engine.decisionsPerCpuSecond)} per CPU-s)`,
      `>= ${int(TARGETS.engineRate)}/s`,
      `${fixed(engine.decisionsPerSecond / TARGETS.engineRate, 2)}x ${mark(engine.decisionsPerSecond >= TARGETS.engineRate)}`,
    ],
    ...(r.publicGoods ? [publicGoodsRow(r.publicGoods, engine)] : []),
    [
      "(c)",
      `engine peak RSS (child process; RSS range over the run)`,
      `${int(engine.peakRssMb)} MB (${int(Math.min(...engine.rssSamplesMb))}-${int(Math.max(...engine.rssSamplesMb))} MB)`,
      `< ${TARGETS.engineRssMb} MB`,
      mark(engine.peakRssMb < TARGETS.engineRssMb),
    ],
    ...(r.flat ? [flatRow(r.flat)] : []),
    [
      "(d)",
      `analysis of a ${int(analysis.decisions)}-decision log (${int(analysis.logMb)} MB)`,
      `${fixed(analysis.seconds, 2)} s, ${int(analysis.decisionsPerSecond)} decisions/s`,
      `< ${TARGETS.analysisSeconds} s (at 1M)`,
      `${mark(analysis.seconds < TARGETS.analysisSeconds && analysis.analysedDecisions === analysis.decisions)}${analysis.analysedDecisions === analysis.decisions ? "" : ` (analysed ${int(analysis.analysedDecisions)})`}`,
    ],
    ["(d)", `analysis peak RSS (child process)`, `${int(analysis.peakRssMb)} MB`, "-", "-"],
    [
      "(e)",
      `cached re-run (${int(first.decisions + first.invalid)} decisions): first run vs re-run`,
      `${fixed(first.seconds, 2)} s (${int(first.calls)} requests) vs ${fixed(rerun.seconds, 2)} s`,
      `re-run: 0 requests`,
      `${int(rerun.calls)} requests, ${fixed(first.seconds / rerun.seconds)}x faster${sameChoices ? ", same choices" : ", CHOICES DIFFER"} ${mark(rerun.calls === TARGETS.rerunRequests && sameChoices)}`,
    ],
    ...(r.view ? [viewRow(r.view)] : []),
    ...(r.lean ? leanRows(r.lean) : []),
  ];
}

/** Rows (g): medians decide the result; every repetition's figure is shown beside them. */
export function leanRows(l: LeanBenchResult): string[][] {
  const all = (xs: number[], d = 3) => xs.map((x) => fixed(x, d)).join(", ");
  const ofBare = l.fast.map((x) => x.hvae.callsPerSecond / x.bare.callsPerSecond);
  const lcOfBare = l.fast.map((x) => x.langchain.callsPerSecond / x.bare.callsPerSecond);
  const ofLimit = l.slow.map((s) => s.hvae.callsPerSecond / l.slowLimit);
  const bareOfLimit = l.slow.map((s) => s.bare.callsPerSecond / l.slowLimit);
  const cpu = (xs: number[]) => fixed(median(xs), 2);
  return [
    [
      "(g)",
      `C=128, L=20 ms: hvae vs bare openai loop on its bodies (${int(l.fast[0].hvae.calls)} calls, ${l.fast.length} runs)`,
      `hvae ${all(l.fast.map((x) => x.hvae.callsPerSecond), 0)} calls/s; bare ${all(l.fast.map((x) => x.bare.callsPerSecond), 0)}`,
      `hvae/bare >= ${TARGETS.fastOfBare}`,
      `${all(ofBare)} (median ${fixed(median(ofBare), 3)}) ${mark(median(ofBare) >= TARGETS.fastOfBare)}`,
    ],
    [
      "(g)",
      `C=128, L=20 ms: client CPU per call; hvae through LangChain's invoke (the old path)`,
      `hvae ${cpu(l.fast.map((x) => x.hvae.cpuMsPerCall))} ms, bare ${cpu(l.fast.map((x) => x.bare.cpuMsPerCall))} ms, via LangChain ${cpu(l.fast.map((x) => x.langchain.cpuMsPerCall))} ms`,
      "-",
      `via LangChain ${all(lcOfBare)} of bare`,
    ],
    [
      "(g)",
      `C=16, L=200 ms: hvae vs C/L = ${fixed(l.slowLimit, 0)}/s (${int(l.slow[0].hvae.calls)} calls, ${l.slow.length} runs)`,
      `${all(l.slow.map((s) => s.hvae.callsPerSecond), 1)} calls/s; bare loop ${all(bareOfLimit)} of C/L`,
      `>= ${TARGETS.slowOfLimit} x C/L`,
      `${all(ofLimit)} (median ${fixed(median(ofLimit), 3)}) ${mark(median(ofLimit) >= TARGETS.slowOfLimit)}`,
    ],
  ];
}

function publicGoodsRow(pg: EngineBenchResult, engine: EngineBenchResult): string[] {
  // Both rows come from one bench run, so their ratio is comparable even on a loaded machine.
  const ratio = pg.decisionsPerSecond / engine.decisionsPerSecond;
  return [
    "(c)",
    `engine, public goods in fixed groups of 8 (96 utility agents), ${int(pg.decisions)} decisions`,
    `${int(pg.decisionsPerSecond)} decisions/s (${fixed(pg.seconds, 2)} s; ${int(pg.decisionsPerCpuSecond)} per CPU-s)`,
    `>= ${int(TARGETS.publicGoodsRate)}/s`,
    `${fixed(pg.decisionsPerSecond / TARGETS.publicGoodsRate, 2)}x ${mark(pg.decisionsPerSecond >= TARGETS.publicGoodsRate)}; ${fixed(ratio, 2)} of the two-person rate`,
  ];
}

function flatRow(f: { small: EngineBenchResult; large: EngineBenchResult }): string[] {
  const growth = f.large.peakRssMb / f.small.peakRssMb;
  return [
    "(c)",
    `engine peak RSS flat in decisions: 1,000 agents, random pairing (a new pair almost every session), ${int(f.small.decisions)} vs ${int(f.large.decisions)} decisions`,
    `${int(f.small.peakRssMb)} MB vs ${int(f.large.peakRssMb)} MB`,
    `<= ${TARGETS.rssGrowth}x`,
    `${fixed(growth, 2)}x ${mark(growth <= TARGETS.rssGrowth)}`,
  ];
}

function viewRow(v: ViewBenchResult): string[] {
  const worst = v.pages.reduce((a, b) => (b.ms > a.ms ? b : a));
  const ok = worst.ms < TARGETS.viewPageMs && v.pages.every((p) => p.status === 200);
  return [
    "(f)",
    `hvae view, ${int(v.decisions)}-decision rule-based run (${int(v.logMb)} MB): ${v.pages.length} pages once each`,
    `start ${fixed(v.startSeconds, 1)} s; slowest page ${fixed(worst.ms, 0)} ms (${worst.page})`,
    `each page < ${TARGETS.viewPageMs} ms after start`,
    mark(ok),
  ];
}

export function formatReport(r: BenchReport): string {
  const o = r.llm.options;
  const header = [
    `hvae bench${r.quick ? " --quick" : ""}: ${describeMachine(r.machine)} (at start)`,
    `LLM rows: local OpenAI-compatible server (child process, 127.0.0.1) answering after L = ${o.delayMs} ms, C = ${o.concurrency} in flight ` +
      `(endpoint and scenario maxConcurrency); 16 llm agents, pairing none, structured output, no describe/goal turns, cache off ` +
      `except (e); hvae and bare alternate ${o.reps}x, medians shown; server peak in flight ${r.llm.serverPeakInFlight}`,
  ];
  const footer = `done in ${fixed(r.seconds)} s; load average at end ${formatLoad(r.loadAtEnd)}`;
  return [...header, "", formatTable(["row", "measure", "measured", "target", "result"], tableRows(r)), "", footer].join("\n");
}

/** Runs every row; the LLM rows first, in this process, then the engine and analysis in child processes. */
export async function runBench(quick: boolean, log: (line: string) => void = () => {}): Promise<BenchReport> {
  const sizes = quick ? QUICK : FULL;
  const machine = machineInfo();
  const t0 = performance.now();
  log(`(a, b, e) LLM path: L=${sizes.llm.delayMs} ms, C=${sizes.llm.concurrency}, ${sizes.llm.decisions} decisions x ${sizes.llm.reps}…`);
  const llm = await benchLlm(sizes.llm);
  log(`(c) engine: ${sizes.engineDecisions} decisions in a child process…`);
  const engine = await benchEngineInChild(sizes.engineDecisions);
  log(`(c) engine, public goods in groups of 8: ${sizes.engineDecisions} decisions in a child process…`);
  const publicGoods = await benchEngineInChild(sizes.engineDecisions, "random", "public-goods");
  log(`(c) engine memory, 1,000 agents: ${sizes.engineDecisions / 5} and ${sizes.engineDecisions} decisions in child processes…`);
  const flat = { small: await benchEngineInChild(sizes.engineDecisions / 5, "random", "slider", 1000), large: await benchEngineInChild(sizes.engineDecisions, "random", "slider", 1000) };
  log(`(d) analysis: ${sizes.analysisDecisions} decisions (writing the log, then analysing it in a child process)…`);
  const analysis = await benchAnalysis(sizes.analysisDecisions);
  log(`(f) viewer: ${sizes.viewDecisions} decisions (writing the log, starting hvae view, each page once)…`);
  const view = await benchView(sizes.viewDecisions);
  log(`(g) client cost: C=128 L=20 ms and C=16 L=200 ms, ${sizes.lean.reps} runs each…`);
  const lean = await benchLean(sizes.lean);
  return { quick, machine, loadAtEnd: machineInfo().load, seconds: (performance.now() - t0) / 1000, llm, engine, publicGoods, flat, analysis, view, lean };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { quick: { type: "boolean" }, json: { type: "boolean" } } });
  const report = await runBench(values.quick === true, (line) => process.stderr.write(`${line}\n`));
  if (values.json) {
    console.log(JSON.stringify({ ...report, rows: tableRows(report) }, null, 2));
  } else console.log(formatReport(report));
}
