/**
 * `hvae run <scenario>`: plays a scenario, writes `<out>/<run-id>/events.jsonl` and
 * `manifest.json`, shows progress on stderr, prints a per-agent table and then the run directory
 * as the last line of stdout. `--resume <runDir>` continues an interrupted run: finished sessions
 * are skipped, unfinished ones replay (LLM answers from the response cache) and only the events
 * the log lacks are appended.
 *
 * @example
 * // hvae run scenarios/demo.yaml --seed 3 --out runs
 * // hvae run --resume runs/demo-20250101T120000Z-3fa9c2 --max-cost 5
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { Subject, ignoreElements, lastValueFrom, takeWhile, tap } from "rxjs";
import type { AgentContext, AgentSpec } from "../../../agents/agent.ts";
import { createAgent, moduleHash, type ModulePolicy } from "../../../agents/registry.ts";
import { isModulePath } from "../../core/fields.ts";
import type { RunAccumulator } from "../../../analysis/operators.ts";
import { planRun, runEnvironment, type ResumeFilter } from "../../environment/environment.ts";
import type { EventOf, HvaeEvent, RunStatus } from "../../core/events.ts";
import { formatCost } from "../../core/money.ts";
import type { GatewaySummary, ModelGateway, TranscriptSink } from "../../models/gateway-types.ts";
import { createRng } from "../../core/random.ts";
import { expandAgents } from "../../scenario/expand.ts";
import { loadGame } from "../../games/registry.ts";
import { loadScenario, type LoadedScenario } from "../../scenario/load.ts";
import { SCENARIO_CHECKS } from "../scenario-checks.ts";
import { Scenario } from "../../scenario/schema.ts";
import { openJsonlWriter, type JsonlWriter } from "../../store/jsonl-writer.ts";
import { collectVersions, readManifest, writeManifest, type Manifest, type RunTotalsRecord } from "../../store/manifest.ts";
import { loadResume } from "../../store/resume.ts";
import { createRunDir, eventsPath } from "../../store/run-dir.ts";
import { isExperimentDir } from "../../store/experiment-dir.ts";
import { openTranscriptStore, type TranscriptStore } from "../../store/transcripts.ts";
import { intFlag, numberFlag, parseFlags } from "../args.ts";
import { InputError, IoError } from "../../core/errors.ts";
import { asIoError } from "../../store/io-failure.ts";
import { lockRunDir } from "../../store/run-lock.ts";
import { cacheFile } from "../cache-location.ts";
import { applyEndpointOverrides, describeOverrides, parseEndpointOverrides } from "../endpoint-overrides.ts";
import { createProgress, type ProgressRenderer } from "../progress.ts";

const USAGE =
  "hvae run <scenario> [--out DIR] [--seed N] [--max-concurrency N] [--quiet] [--model REF] [--endpoint NAME.FIELD=VALUE …] [--no-cache] [--refresh-cache] [--max-cost USD] [--estimate-above USD] [--live-metrics] [--cache DIR]\n" +
  "       hvae run --resume RUNDIR [--endpoint NAME.FIELD=VALUE …] [--reload-endpoints] [--max-concurrency N] [--quiet] [--no-cache] [--refresh-cache] [--max-cost USD] [--live-metrics] [--cache DIR]";

const FLAGS = {
  out: { type: "string" },
  seed: { type: "string" },
  "max-concurrency": { type: "string" },
  quiet: { type: "boolean" },
  resume: { type: "string" },
  model: { type: "string" },
  "no-cache": { type: "boolean" },
  "refresh-cache": { type: "boolean" },
  "max-cost": { type: "string" },
  "live-metrics": { type: "boolean" },
  cache: { type: "string" },
  endpoint: { type: "string", multiple: true },
  "estimate-above": { type: "string" },
  "reload-endpoints": { type: "boolean" },
} as const;

export type Flags = ReturnType<typeof parseFlags<typeof FLAGS>>["values"];

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, USAGE);
  if (values.help) {
    console.log(`usage: ${USAGE}`);
    return 0;
  }
  const maxCost = numberFlag("max-cost", values["max-cost"]);
  if (maxCost !== undefined && maxCost < 0) throw new InputError(`--max-cost: expected a non-negative amount, got ${maxCost}`);
  const concurrency = intFlag("max-concurrency", values["max-concurrency"]);
  if (concurrency !== undefined && concurrency < 1) throw new InputError(`--max-concurrency: expected at least 1, got ${concurrency}`);
  if (values["reload-endpoints"] && values.resume === undefined)
    throw new InputError("--reload-endpoints goes with --resume (a new run reads its scenario's endpoints anyway)");
  parseEndpointOverrides(values.endpoint);
  return values.resume !== undefined ? resumeRun(values, positionals, argv) : newRun(values, positionals, argv);
}

async function newRun(flags: Flags, positionals: string[], argv: string[]): Promise<number> {
  if (positionals.length !== 1) throw new InputError(`expected one scenario file\nusage: ${USAGE}`);
  const loaded = await loadScenario(positionals[0], { checks: SCENARIO_CHECKS });
  if (loaded.cells) {
    const { runExperiment } = await import("./run-experiment.ts");
    return runExperiment(loaded, loaded.cells, flags, argv);
  }
  const scenario = withOverrides(loaded.scenario, flags);
  const specs = expandAgents(scenario);
  // Only the numbers: the session list is the environment's to build (kept here, it would be a
  // second copy alive for the whole run).
  const plan = planSize(scenario, specs);
  const transcripts = transcriptRelay();
  const gateway = await openGateway(scenario, specs, flags, transcripts);
  try {
    // The game module (a module path) and the agents' modules, with their content hashes.
    const modules: Record<string, string> = gameModuleFiles(scenario.game, loaded.dir);
    await preflight(specs, scenario, loaded.dir, gateway, { onModule: (file, hash) => void (modules[file] = hash) });
    announceModules(modules, loaded.dir);
    if (gateway) await checkPrices(specs, scenario, numberFlag("max-cost", flags["max-cost"]) ?? null);
    if (gateway) await showEstimate({ ...loaded, scenario, cells: null }, flags);
    const started = new Date();
    const { runId, dir } = createRunDir(resolve(flags.out ?? "runs"), scenario.name, scenario, started);
    const lock = lockRunDir(dir, "hvae run");
    let manifest: Manifest;
    try {
      // The manifest comes first: a directory without one is not a run and cannot be resumed.
      const endpointChanges = describeOverrides(parseEndpointOverrides(flags.endpoint));
      manifest = startManifest({ runId, dir, scenario, path: loaded.path, scenarioDir: loaded.dir, argv, started, plan, modules, endpointChanges });
    } catch (err) {
      lock.release();
      rmSync(dir, { recursive: true, force: true });
      if (err instanceof IoError) throw new IoError(`${err.message}; nothing was run (the run directory was removed)`, err.code);
      throw err;
    }
    try {
      return await execute({ scenario, specs, dir, runId, manifest, gateway, transcripts, flags, resume: null, recorded: 0, total: plan.plannedDecisions, modules: {} });
    } finally {
      lock.release();
    }
  } finally {
    await gateway?.close();
  }
}

/** Above this estimated cost (USD) a run without --max-cost shows the estimate first (--estimate-above, HVAE_ESTIMATE_ABOVE). */
export const DEFAULT_ESTIMATE_ABOVE_USD = 1;

/**
 * Before a paid run without --max-cost: the estimate of `hvae plan` (the same sampled dry play,
 * src/experiment/estimate.ts) goes to stderr when it exceeds the threshold, or when the cost is
 * unknown (an unpriced model) while the known part alone exceeds it. The run then goes on.
 */
export async function showEstimate(loaded: LoadedScenario, flags: Flags): Promise<void> {
  if (flags["max-cost"] !== undefined) return;
  const fromEnv = process.env.HVAE_ESTIMATE_ABOVE;
  const threshold = numberFlag("estimate-above", flags["estimate-above"]) ?? (fromEnv ? numberFlag("estimate-above (HVAE_ESTIMATE_ABOVE)", fromEnv) : undefined) ?? DEFAULT_ESTIMATE_ABOVE_USD;
  if (threshold < 0) throw new InputError(`--estimate-above: expected a non-negative amount, got ${threshold}`);
  const { planScenario, formatPlan } = await import("./plan.ts");
  const plan = await planScenario(loaded);
  const known = plan.total.costUsd ?? plan.total.pricedCostUsd;
  if (known <= threshold) return;
  process.stderr.write(
    `hvae: this run is estimated to cost more than $${threshold} and no --max-cost is set; the estimate (as hvae plan gives it):\n` +
      formatPlan(plan).split("\n").map((l) => `hvae:   ${l}`).join("\n") +
      `\nhvae: set a budget with --max-cost USD (or raise the threshold: --estimate-above USD, HVAE_ESTIMATE_ABOVE)\n`,
  );
}

/** The command line's --seed, --max-concurrency, --model and --endpoint applied to a scenario. */
export function withOverrides(base: Scenario, flags: Flags): Scenario {
  const seed = intFlag("seed", flags.seed);
  const concurrency = intFlag("max-concurrency", flags["max-concurrency"]);
  return {
    ...base,
    seed: seed ?? base.seed,
    maxConcurrency: concurrency ?? base.maxConcurrency,
    agents: flags.model ? base.agents.map((a) => (a.type === "llm" ? { ...a, model: flags.model! } : a)) : base.agents,
    endpoints: applyEndpointOverrides(base.endpoints, parseEndpointOverrides(flags.endpoint)),
  };
}

/**
 * A resume's endpoints: the frozen ones, or with --reload-endpoints those of the scenario file
 * as it reads now (validated like any scenario), then --endpoint changes on top. What changed
 * goes into the new segment of the manifest.
 */
export async function resumedEndpoints(
  frozen: Scenario["endpoints"],
  scenarioPath: string,
  flags: Pick<Flags, "endpoint" | "reload-endpoints">,
): Promise<{ endpoints: Scenario["endpoints"]; record: { endpointChanges?: string[]; endpointsReloadedFrom?: string } }> {
  let endpoints = frozen;
  const record: { endpointChanges?: string[]; endpointsReloadedFrom?: string } = {};
  if (flags["reload-endpoints"]) {
    let reloaded: Scenario["endpoints"];
    try {
      reloaded = (await loadScenario(scenarioPath, { checks: SCENARIO_CHECKS })).scenario.endpoints;
    } catch (err) {
      if (err instanceof InputError) throw new InputError(`--reload-endpoints: ${err.message}`);
      throw err;
    }
    const missing = Object.keys(frozen).filter((n) => !Object.hasOwn(reloaded, n));
    if (missing.length) throw new InputError(`--reload-endpoints: ${scenarioPath} no longer defines the endpoint${missing.length > 1 ? "s" : ""} ${missing.map((n) => `'${n}'`).join(", ")} the run uses`);
    endpoints = { ...frozen, ...reloaded };
    record.endpointsReloadedFrom = scenarioPath;
  }
  const overrides = parseEndpointOverrides(flags.endpoint);
  endpoints = applyEndpointOverrides(endpoints, overrides);
  const changes = describeOverrides(overrides);
  if (changes.length) record.endpointChanges = changes;
  return { endpoints, record };
}

async function resumeRun(flags: Flags, positionals: string[], argv: string[]): Promise<number> {
  if (positionals.length > 0) throw new InputError(`--resume takes the run directory; the scenario comes from its manifest (got '${positionals[0]}')`);
  for (const flag of ["seed", "model", "out"] as const) {
    if (flags[flag] !== undefined) throw new InputError(`--${flag} cannot be combined with --resume: a resumed run keeps its scenario`);
  }
  const dir = resolve(flags.resume!);
  if (isExperimentDir(dir)) {
    const { resumeExperiment } = await import("./run-experiment.ts");
    return resumeExperiment(dir, flags, argv);
  }
  const lock = lockRunDir(dir, "hvae run --resume");
  try {
    return await resumeLocked(dir, flags, argv);
  } finally {
    lock.release();
  }
}

async function resumeLocked(dir: string, flags: Flags, argv: string[]): Promise<number> {
  const prepared = await prepareResume(dir, flags);
  if (prepared.complete) {
    process.stderr.write(`hvae: run ${prepared.runId} is already complete; nothing to resume\n`);
    console.log(dir);
    return 0;
  }
  const transcripts = transcriptRelay();
  const gateway = await openGateway(prepared.scenario, prepared.specs, flags, transcripts);
  try {
    // Only the modules the original run loaded, with the content they had.
    await preflight(prepared.specs, prepared.scenario, prepared.scenarioDir, gateway, prepared.modules);
    if (gateway) await checkPrices(prepared.specs, prepared.scenario, numberFlag("max-cost", flags["max-cost"]) ?? null);
    return await execute({ ...prepared.start(argv, (line) => process.stderr.write(`hvae: ${line}\n`)), gateway, transcripts, flags });
  } finally {
    await gateway?.close();
  }
}

/** A run directory read for resuming: done already, or what its execution needs (a gateway and flags aside). */
export type PreparedResume =
  | { readonly complete: true; readonly runId: string }
  | {
      readonly complete: false;
      readonly scenario: Scenario;
      readonly specs: AgentSpec[];
      readonly scenarioDir: string;
      /** What the resume may load: the original run's modules, unchanged. */
      readonly modules: ModulePolicy;
      /** Opens the new segment in the manifest and says where the run stands. */
      start(argv: string[], say: (line: string) => void): Omit<Execution, "gateway" | "flags" | "transcripts">;
    };

/**
 * Reads a run directory for `--resume`: the log's state, the frozen scenario and the plan.
 *
 * @example
 * const p = await prepareResume("runs/demo-…", flags);
 * if (!p.complete) await execute({ ...p.start(argv, console.error), gateway, flags });
 */
export async function prepareResume(dir: string, flags: Pick<Flags, "max-concurrency" | "endpoint" | "reload-endpoints">): Promise<PreparedResume> {
  // Before anything imports the game module (reading the log rebuilds memory with it).
  checkGameModule(readManifest(dir));
  const state = await loadResume(dir);
  if (state.truncatedBytes > 0) process.stderr.write(`hvae: cut a torn last line (${state.truncatedBytes} bytes) off ${eventsPath(dir)}\n`);
  const parsed = Scenario.safeParse(state.manifest.scenario);
  if (!parsed.success) throw new InputError(`${dir}/manifest.json: scenario: ${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message}`);
  const concurrency = intFlag("max-concurrency", flags["max-concurrency"]);
  const moved = await resumedEndpoints(parsed.data.endpoints, state.manifest.scenarioPath, flags);
  const scenario = { ...parsed.data, maxConcurrency: concurrency ?? parsed.data.maxConcurrency, endpoints: moved.endpoints };
  const specs = expandAgents(scenario);
  // A game module is imported (and compiled for this spec) before anything plans with it.
  await loadGame(scenario.game, state.manifest.scenarioDir);
  const plan = planSize(scenario, specs);
  const modules: ModulePolicy = { allowed: state.manifest.modules };
  if (state.lastStatus === "completed" && state.filter.completedSessions.size === plan.sessions.length) {
    return { complete: true, runId: state.runId };
  }
  return {
    complete: false,
    scenario,
    specs,
    scenarioDir: state.manifest.scenarioDir,
    modules,
    start(argv, say) {
      const now = new Date().toISOString();
      const manifest: Manifest = {
        ...state.manifest,
        // The endpoints as this segment uses them, so a later resume goes on with them.
        scenario: { ...state.manifest.scenario, endpoints: scenario.endpoints },
        status: "running",
        endedAt: null,
        segments: [...state.manifest.segments, { startedAt: now, endedAt: null, status: "running", argv, ...moved.record }],
      };
      writeManifest(dir, manifest);
      say(`resuming ${state.runId}: ${state.recorded} of ${plan.plannedDecisions} decisions recorded, ${state.filter.completedSessions.size} of ${plan.sessions.length} sessions finished`);
      return {
        scenario,
        specs,
        dir,
        runId: state.runId,
        manifest,
        resume: state.filter,
        recorded: state.recorded,
        total: plan.plannedDecisions,
        scenarioDir: state.manifest.scenarioDir,
        modules,
      };
    },
  };
}

/**
 * The manifest of a new run, written before anything else so a run directory is never without one.
 *
 * @example
 * const manifest = startManifest({ runId, dir, scenario, path, scenarioDir, argv, started: new Date(), plan });
 */
export function startManifest(o: {
  runId: string;
  dir: string;
  scenario: Scenario;
  path: string;
  scenarioDir: string;
  argv: string[];
  started: Date;
  plan: { plannedDecisions: number; sessions: { readonly length: number } };
  /** Custom module files loaded by the preflight, with their SHA-256. */
  modules?: Record<string, string>;
  /** --endpoint changes the scenario was run with (see describeOverrides). */
  endpointChanges?: string[];
}): Manifest {
  const at = o.started.toISOString();
  const manifest: Manifest = {
    runId: o.runId,
    status: "running",
    scenario: o.scenario as unknown as Record<string, unknown>,
    scenarioPath: o.path,
    scenarioDir: o.scenarioDir,
    seed: o.scenario.seed,
    argv: o.argv,
    versions: collectVersions(),
    startedAt: at,
    endedAt: null,
    plannedDecisions: o.plan.plannedDecisions,
    plannedSessions: o.plan.sessions.length,
    segments: [{ startedAt: at, endedAt: null, status: "running", argv: o.argv, ...(o.endpointChanges?.length ? { endpointChanges: o.endpointChanges } : {}) }],
    modules: o.modules ?? {},
  };
  writeManifest(o.dir, manifest);
  return manifest;
}

/**
 * When a run is one cell of an experiment: the experiment's progress display and Ctrl-C, and no
 * per-run output (the experiment prints its own).
 */
export interface CellContext {
  readonly progress: ProgressRenderer;
  readonly interrupted: () => boolean;
}

export interface Execution {
  scenario: Scenario;
  specs: AgentSpec[];
  dir: string;
  runId: string;
  manifest: Manifest;
  gateway: ModelGateway | null;
  /** Where the gateway's transcript records go; attached to this run's store when it opens. */
  transcripts: TranscriptRelay;
  flags: Flags;
  resume: ResumeFilter | null;
  recorded: number;
  total: number;
  scenarioDir?: string;
  /** What custom modules may be loaded (a resume: only the original run's); default any. */
  modules?: ModulePolicy;
  /** Set when the run is a cell of an experiment. */
  cell?: CellContext;
}

/** Plays a run into its directory; returns the exit code of its final status. */
export async function execute(x: Execution): Promise<number> {
  const scenarioDir = x.scenarioDir ?? x.manifest.scenarioDir;
  const io: IoState = { failure: null, agentFault: null };
  const writer = openJsonlWriter(eventsPath(x.dir), { onError: (err) => (io.failure ??= err) });
  // Only runs that call models have transcripts; their absence tells the viewer why panes are empty.
  const store = x.gateway ? openTranscriptStore(x.dir, { resume: x.resume !== null }) : null;
  x.transcripts.attach(store);
  const closeStores = () => {
    store?.close();
    writer.close();
  };
  if (x.cell) return executeCell(x, x.cell, writer, io, closeStores, scenarioDir);
  const progress = createProgress({ total: x.total, done: x.recorded, quiet: x.flags.quiet });
  const live = new Subject<HvaeEvent>();
  const { final: analysis } = await attachLiveMetrics(live, progress.setStatus, x.flags["live-metrics"] === true);
  // A resumed run's table and live figures are the whole run's: the earlier segments' events first.
  // Their run.started is given the spec this process compiled (the same game), so a module game
  // is found without loading it again.
  if (x.resume)
    await replayLog(x.dir, x.resume.startSeq, (ev) => live.next(ev.type === "run.started" ? { ...ev, gameSpec: x.scenario.game as Record<string, unknown> } : ev));

  let interrupted = false;
  const onSigint = () => {
    if (interrupted) {
      closeStores();
      process.exit(130);
    }
    interrupted = true;
    process.stderr.write("\nhvae: interrupted: finishing sessions in flight (Ctrl-C again to stop now)\n");
  };
  process.on("SIGINT", onSigint);

  let outcome: PlayOutcome;
  try {
    outcome = await playRun(x, writer, io, closeStores, scenarioDir, () => (interrupted ? "interrupted" : null), (ev) => {
      progress.observe(ev);
      live.next(ev);
    });
  } finally {
    progress.stop();
    process.off("SIGINT", onSigint);
    live.complete();
  }
  const { status, message } = outcome;

  if (x.gateway) process.stderr.write(callsLine(outcome.totals, x.resume ? x.gateway.summary() : null));
  const table = await finalTable(await analysis, x.scenario.seed);
  if (table) console.log(table);
  if (status === "budget-exhausted") {
    process.stderr.write(
      `hvae: the budget of $${x.flags["max-cost"]} is spent: ${message ?? ""}\n` +
        `hvae: continue with: hvae run --resume ${x.dir} --max-cost <higher amount>\n`,
    );
  } else if (status === "interrupted") {
    process.stderr.write(`hvae: ${message ?? "interrupted"}\nhvae: continue with: hvae run --resume ${x.dir}\n`);
  } else if (status === "failed") {
    process.stderr.write(
      `hvae: ${message ?? "failed"}\nhvae: fix it, then continue with: hvae run --resume ${x.dir}\n` +
        `hvae: (a server that moved: add --endpoint NAME.baseURL=URL, or edit the scenario's endpoints and add --reload-endpoints)\n`,
    );
  }
  console.log(x.dir);
  return EXIT_CODES[status];
}

/** A run that stopped short says why in its exit code (0: completed or cleanly stopped at the budget). */
export const EXIT_CODES: Record<RunStatus, number> = { completed: 0, "budget-exhausted": 0, interrupted: 130, failed: 3 };

/** A cell of an experiment: the same log and manifest as a run, its progress and Ctrl-C the experiment's. */
async function executeCell(x: Execution, cell: CellContext, writer: JsonlWriter, io: IoState, closeStores: () => void, scenarioDir: string): Promise<number> {
  const { status } = await playRun(x, writer, io, closeStores, scenarioDir, () => (cell.interrupted() ? "interrupted" : null), (ev) => cell.progress.observe(ev));
  return EXIT_CODES[status];
}

/**
 * Plays the environment into the run's log, then records the final status in the manifest
 * (`failed` when the stream errors, which is then rethrown). The writer is closed either way.
 */
async function playRun(
  x: Execution,
  writer: JsonlWriter,
  io: IoState,
  closeStores: () => void,
  scenarioDir: string,
  shouldStop: () => RunStatus | null,
  observe: (ev: HvaeEvent) => void,
): Promise<PlayOutcome> {
  let status = "failed" as RunStatus;
  let message = null as string | null;
  let totals: RunTotalsRecord | null = null;
  let segmentStart = NaN;
  const finish = (final: Manifest["status"]) => {
    const endedAt = new Date().toISOString();
    const segments = x.manifest.segments.slice();
    const endpoints = x.gateway?.endpointStats?.();
    segments[segments.length - 1] = { ...segments[segments.length - 1], endedAt, status: final, ...(endpoints ? { endpoints } : {}) };
    try {
      const fallbacks = { ...x.manifest.structuredFallbacks, ...x.gateway?.structuredFallbacks?.() };
      writeManifest(x.dir, {
        ...x.manifest,
        status: final,
        endedAt,
        segments,
        ...(Object.keys(fallbacks).length ? { structuredFallbacks: fallbacks } : {}),
        ...(totals ? { totals } : {}),
      });
    } catch (err) {
      // The disk that took the log may refuse the manifest too: the old manifest stays whole
      // (status running), which is all a resume needs.
      if (!(err instanceof IoError)) throw err;
      io.failure ??= err;
    }
  };
  try {
    await new Promise<void>((done, fail) => {
      runEnvironment({
        runId: x.runId,
        scenario: x.scenario,
        agents: x.specs,
        createAgent: (spec, ctx) => createAgent(spec, ctx, scenarioDir, { ...x.modules, onFault: (m) => void (io.agentFault ??= m) }),
        gateway: x.gateway,
        resume: x.resume,
        shouldStop: () => (io.failure || io.agentFault ? "failed" : shouldStop()),
      }).subscribe({
        next(ev) {
          writer.write(ev);
          observe(ev);
          if (ev.type === "run.started") segmentStart = Date.parse(ev.time);
          else if (ev.type === "run.completed") {
            status = ev.status;
            message = ev.message;
            const span = (Date.parse(ev.time) - segmentStart) / 1000;
            totals = totalsOf(ev, (x.resume?.prior.seconds ?? 0) + (Number.isFinite(span) ? Math.max(0, span) : 0));
          }
        },
        error: fail,
        complete: done,
      });
    });
  } catch (err) {
    closeStores();
    finish("failed");
    throw err;
  }
  closeStores();
  io.failure ??= writer.failure;
  finish(io.failure ? "failed" : status);
  if (io.failure) {
    const failure = io.failure as IoError;
    throw new IoError(`${failure.message}\nhvae: free some space (or fix the cause), then continue with: hvae run --resume ${x.dir}`, failure.code);
  }
  if (io.agentFault) {
    // The module's fault, not the data's: nothing was recorded for the sessions it stopped.
    throw new InputError(
      `${io.agentFault}\nhvae: ${message ?? "failed"} in ${x.dir}\n` +
        `hvae: fix the module, then start a new run (a resume loads a module only with the content the original run loaded)`,
    );
  }
  return { status, message, totals };
}

interface PlayOutcome {
  status: RunStatus;
  message: string | null;
  /** Whole-run totals from run.completed (null when the stream ended without one). */
  totals: RunTotalsRecord | null;
}

/**
 * The whole run's totals as run.completed states them (fields a log from an older hvae lacks
 * count 0), with the active seconds of every segment.
 */
function totalsOf(ev: EventOf<"run.completed">, seconds: number): RunTotalsRecord {
  return {
    decisions: ev.decisions,
    invalid: ev.invalid,
    calls: ev.calls ?? 0,
    cacheHits: ev.cacheHits ?? 0,
    inputTokens: ev.inputTokens ?? 0,
    outputTokens: ev.outputTokens ?? 0,
    costUsd: ev.costUsd,
    pricedCostUsd: ev.pricedCostUsd ?? ev.costUsd ?? 0,
    unpricedCalls: ev.unpricedCalls ?? (ev.costUsd === null ? 1 : 0),
    seconds,
  };
}

/**
 * The closing line on stderr: the whole run's model calls, tokens, cost and time; for a
 * resumed run also what this segment added.
 *
 * @example
 * callsLine(totals, null); // "hvae: model calls 432 (0 from cache), tokens in 51840 / out 432, cost $0.0081, 12.3 s active\n"
 */
export function callsLine(totals: RunTotalsRecord | null, segment: GatewaySummary | null, opts: { time?: boolean } = {}): string {
  if (!totals) return "";
  const whole =
    `model calls ${totals.calls} (${totals.cacheHits} from cache), tokens in ${totals.inputTokens} / out ${totals.outputTokens}, ` +
    `cost ${formatCost(totals)}${unpricedNote(totals)}${opts.time === false ? "" : `, ${totals.seconds.toFixed(1)} s active`}`;
  if (!segment) return `hvae: ${whole}\n`;
  return (
    `hvae: whole ${opts.time === false ? "experiment" : "run"}: ${whole}\n` +
    `hvae: this segment: model calls ${segment.calls} (${segment.cacheHits} from cache), tokens in ${segment.inputTokens} / out ${segment.outputTokens}, cost ${formatCost(segment)}${unpricedNote(segment)}\n`
  );
}

/** Feeds the events the log already holds (seq below `endSeq`) to `next`, streaming. */
async function replayLog(dir: string, endSeq: number, next: (ev: HvaeEvent) => void): Promise<void> {
  const { readEvents } = await import("../../store/jsonl-reader.ts");
  await lastValueFrom(
    readEvents(eventsPath(dir), { onTornLine: () => {} }).pipe(
      takeWhile((ev) => ev.seq < endSeq),
      tap(next),
      ignoreElements(),
    ),
    { defaultValue: undefined },
  );
}

/** The first I/O failure of a run's writers (a full disk): the run stops and says where. */
interface IoState {
  failure: IoError | null;
  /** A custom agent broke its contract (see agents/custom-guard.ts): the run stops, exit 2. */
  agentFault: string | null;
}

/** Only scenarios with llm agents load the gateway (and with it LangChain and SQLite). */
export async function openGateway(scenario: Scenario, specs: AgentSpec[], flags: Flags, transcripts: TranscriptSink): Promise<ModelGateway | null> {
  if (!specs.some((s) => s.type === "llm")) return null;
  const cachePath = flags["no-cache"] ? null : cacheFile({ cacheDir: flags.cache, env: process.env });
  if (cachePath) {
    try {
      mkdirSync(dirname(cachePath), { recursive: true });
    } catch (err) {
      throw asIoError(err, "the response cache directory", dirname(cachePath));
    }
  }
  const { createGateway } = await import("../../models/gateway.ts");
  return createGateway({
    endpoints: scenario.endpoints,
    prices: scenario.prices,
    cachePath,
    refreshCache: flags["refresh-cache"] === true,
    maxCostUsd: numberFlag("max-cost", flags["max-cost"]) ?? null,
    env: process.env,
    transcripts,
    // On a fresh line, so a progress bar being redrawn does not swallow it.
    warn: (message) => process.stderr.write(`${process.stderr.isTTY ? "\r\x1b[2K" : ""}hvae: ${message}\n`),
  });
}

export type TranscriptRelay = TranscriptSink & { attach(store: TranscriptStore | null): void };

/** After the cost line: how many calls had no known price (so the total is not a number). */
export function unpricedNote(s: { unpricedCalls?: number }): string {
  const n = s.unpricedCalls ?? 0;
  return n > 0 ? ` (${n} call${n === 1 ? "" : "s"} to models without a known price)` : "";
}

/** The gateway is built (and checked) before the run directory exists; its records go to the store once it is open. */
export function transcriptRelay(): TranscriptRelay {
  let target: TranscriptStore | null = null;
  return {
    record: (rec) => target?.record(rec),
    attach: (store) => void (target = store),
  };
}

/**
 * Models without a known price: with --max-cost the run is refused before any call (a budget
 * cannot be kept on an unknown price); without, each is named once with the entry to add.
 */
async function checkPrices(specs: AgentSpec[], scenario: Scenario, maxCost: number | null): Promise<void> {
  const [{ priceFor, priceEntryHint }, { parseModelRef }] = await Promise.all([import("../../models/cost.ts"), import("../../models/model-ref.ts")]);
  const unpriced = new Map<string, string>();
  for (const spec of specs) {
    if (typeof spec.model !== "string" || unpriced.has(spec.model)) continue;
    const { endpoint, model } = parseModelRef(spec.model);
    const settings = Object.hasOwn(scenario.endpoints, endpoint) ? scenario.endpoints[endpoint] : null;
    if (priceFor(endpoint, model, scenario.prices, { baseURL: settings?.baseURL ?? null, free: settings?.free ?? false, provider: settings?.provider }) === null)
      unpriced.set(spec.model, priceEntryHint(endpoint, model));
  }
  for (const [ref, hint] of unpriced) {
    if (maxCost !== null)
      throw new InputError(`--max-cost ${maxCost}: model '${ref}' has no known price, so the budget cannot be kept; add ${hint}`);
    process.stderr.write(`hvae: warning: model '${ref}' has no known price: its calls are booked at cost unknown (null), not $0; add ${hint}\n`);
  }
}

/** Builds one agent of each kind before anything is written, so a bad module or model fails fast (exit 2). */
export async function preflight(specs: AgentSpec[], scenario: Scenario, dir: string, gateway: ModelGateway | null, policy: ModulePolicy = {}): Promise<void> {
  const seen = new Set<string>();
  // The agent sees the game it will play (its templates, its prompt variables), as in the run.
  const game = await loadGame(scenario.game, dir);
  for (const spec of specs) {
    const kind = `${spec.type}\u0000${typeof spec.model === "string" ? spec.model : ""}`;
    if (seen.has(kind)) continue;
    seen.add(kind);
    const ctx: AgentContext = {
      rng: createRng(scenario.seed).derive("preflight", spec.id),
      gateway: gateway ?? undefined,
      scenario: { name: scenario.name, feedback: scenario.feedback, pairing: scenario.pairing },
      game,
    };
    await createAgent(spec, ctx, dir, policy);
  }
}

/**
 * A scenario's game module (its type a module path) with the SHA-256 of its content, as the
 * manifest records modules; empty for a built-in game.
 *
 * @example
 * gameModuleFiles({ type: "./games/relay.ts" }, "/work/scenarios"); // { "/work/scenarios/games/relay.ts": "9f2c…" }
 */
export function gameModuleFiles(game: { readonly type: string }, dir: string): Record<string, string> {
  if (!isModulePath(game.type)) return {};
  const file = resolve(dir, game.type);
  return existsSync(file) ? { [file]: moduleHash(file) } : {};
}

/** A resume imports the game module only when the original run loaded it, with the same content. */
function checkGameModule(manifest: Manifest): void {
  const type = (manifest.scenario.game as { type?: unknown } | undefined)?.type;
  if (typeof type !== "string" || !isModulePath(type)) return;
  const file = resolve(manifest.scenarioDir, type);
  const expected = Object.hasOwn(manifest.modules, file) ? manifest.modules[file] : undefined;
  if (expected === undefined)
    throw new InputError(`game module ${file} was not loaded by the original run (its manifest lists ${Object.keys(manifest.modules).join(", ") || "no modules"}); a resume loads only those`);
  if (!existsSync(file)) throw new InputError(`game module not found: ${file}`);
  const hash = moduleHash(file);
  if (hash !== expected)
    throw new InputError(`game module ${file} changed since the original run (sha256 ${hash.slice(0, 12)}…, the manifest has ${expected.slice(0, 12)}…); restore it, or start a new run`);
}

/**
 * A scenario naming module paths runs that code. Modules inside the scenario's own folder are
 * part of it, like a test file's helpers; code from elsewhere is said before it runs.
 */
export function announceModules(modules: Record<string, string>, scenarioDir: string): void {
  const outside = Object.entries(modules).filter(([file]) => {
    const rel = relative(scenarioDir, file);
    return rel.startsWith("..") || isAbsolute(rel);
  });
  if (outside.length === 0) return;
  process.stderr.write(
    `hvae: this scenario runs code from outside its folder (${scenarioDir}):\n` +
      outside.map(([file, hash]) => `hvae:   ${file} (sha256 ${hash.slice(0, 12)}…)\n`).join(""),
  );
}

/** Planned sessions and decisions from the engine's own plan; the session list itself is dropped. */
function planSize(scenario: Scenario, specs: AgentSpec[]): { plannedDecisions: number; sessions: { readonly length: number } } {
  const plan = planRun(scenario, specs.map((s) => s.id));
  return { plannedDecisions: plan.plannedDecisions, sessions: { length: plan.sessions.length } };
}

/** Least time between two --live-metrics lines when stderr is not a terminal (CI logs, files). */
const LIVE_LINE_MS = 5000;

/**
 * Live metrics (analysis/live.ts): the progress status shows the running VR per value group;
 * --live-metrics also prints a metrics line to stderr at most once a second on a terminal, once
 * every five seconds otherwise. The same
 * accumulator gives the end-of-run table, so it matches `hvae analyze` to the digit.
 */
async function attachLiveMetrics(
  events$: Subject<HvaeEvent>,
  show: (text: string) => void,
  print: boolean,
): Promise<{ final: Promise<RunAccumulator | null> }> {
  const { attachLive } = await import("../../../analysis/live.ts");
  // On a terminal the line clears the progress bar it replaces, once a second at most; into a
  // pipe or a file it is a plain line (no escape codes), once every LIVE_LINE_MS at most.
  const tty = process.stderr.isTTY === true;
  const { final } = attachLive(events$, {
    status: show,
    print: print ? (line) => process.stderr.write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`) : undefined,
    intervalMs: tty ? 1000 : LIVE_LINE_MS,
  });
  // Wrapped: an async function returning a bare promise would make the caller await the whole run here.
  return { final };
}

/** The per-agent table printed when a run ends (angle, category, VR, VR_cc), from the analysis. */
async function finalTable(acc: RunAccumulator | null, seed: number): Promise<string | null> {
  // Nothing scored (a run stopped before any trajectory finished): a table of dashes says nothing.
  if (!acc?.run || acc.trajectories.length === 0) return null;
  const [{ summarize }, { formatAgentsBrief }] = await Promise.all([
    import("../../../analysis/summary.ts"),
    import("../../../analysis/report/terminal.ts"),
  ]);
  // The table needs no per-trial points: not computing them keeps the end of a long run smaller.
  const { summary } = await summarize(acc, { seed, agentTrials: false });
  return formatAgentsBrief(summary);
}
