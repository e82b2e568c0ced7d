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
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Subject } from "rxjs";
import type { AgentContext, AgentSpec } from "../../../agents/agent.ts";
import { createAgent } from "../../../agents/registry.ts";
import { angleFromMeans, categorize } from "../../../analysis/svo.ts";
import { valueRationality } from "../../../analysis/value-rationality.ts";
import { planRun, runEnvironment, type ResumeFilter } from "../../environment/environment.ts";
import type { HvaeEvent, RunStatus, ValueSpec } from "../../events.ts";
import type { ModelGateway } from "../../models/gateway-types.ts";
import { createRng } from "../../random.ts";
import { expandAgents } from "../../scenario/expand.ts";
import { loadScenario } from "../../scenario/load.ts";
import { Scenario } from "../../scenario/schema.ts";
import { openJsonlWriter } from "../../store/jsonl-writer.ts";
import { collectVersions, writeManifest, type Manifest } from "../../store/manifest.ts";
import { loadResume } from "../../store/resume.ts";
import { createRunDir, eventsPath } from "../../store/run-dir.ts";
import { intFlag, numberFlag, parseFlags } from "../args.ts";
import { InputError } from "../errors.ts";
import { createProgress } from "../progress.ts";

const USAGE =
  "hvae run <scenario> [--out DIR] [--seed N] [--max-concurrency N] [--quiet] [--model REF] [--no-cache] [--refresh-cache] [--max-cost USD] [--live-metrics]\n" +
  "       hvae run --resume RUNDIR [--max-concurrency N] [--quiet] [--no-cache] [--refresh-cache] [--max-cost USD] [--live-metrics]";

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
} as const;

type Flags = ReturnType<typeof parseFlags<typeof FLAGS>>["values"];

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
  return values.resume !== undefined ? resumeRun(values, positionals, argv) : newRun(values, positionals, argv);
}

async function newRun(flags: Flags, positionals: string[], argv: string[]): Promise<number> {
  if (positionals.length !== 1) throw new InputError(`expected one scenario file\nusage: ${USAGE}`);
  const loaded = await loadScenario(positionals[0]);
  const seed = intFlag("seed", flags.seed);
  const concurrency = intFlag("max-concurrency", flags["max-concurrency"]);
  const scenario: Scenario = {
    ...loaded.scenario,
    seed: seed ?? loaded.scenario.seed,
    maxConcurrency: concurrency ?? loaded.scenario.maxConcurrency,
    agents: flags.model
      ? loaded.scenario.agents.map((a) => (a.type === "llm" ? { ...a, model: flags.model! } : a))
      : loaded.scenario.agents,
  };
  const specs = expandAgents(scenario);
  const plan = planRun(scenario, specs.map((s) => s.id));
  const gateway = await openGateway(scenario, specs, flags);
  try {
    await preflight(specs, scenario, loaded.dir, gateway);
    const started = new Date();
    const { runId, dir } = createRunDir(resolve(flags.out ?? "runs"), scenario.name, scenario, started);
    const manifest: Manifest = {
      runId,
      status: "running",
      scenario: scenario as unknown as Record<string, unknown>,
      scenarioPath: loaded.path,
      scenarioDir: loaded.dir,
      seed: scenario.seed,
      argv,
      versions: collectVersions(),
      startedAt: started.toISOString(),
      endedAt: null,
      plannedDecisions: plan.plannedDecisions,
      plannedSessions: plan.sessions.length,
      segments: [{ startedAt: started.toISOString(), endedAt: null, status: "running", argv }],
    };
    writeManifest(dir, manifest);
    return await execute({ scenario, specs, dir, runId, manifest, gateway, flags, resume: null, recorded: 0, total: plan.plannedDecisions });
  } finally {
    await gateway?.close();
  }
}

async function resumeRun(flags: Flags, positionals: string[], argv: string[]): Promise<number> {
  if (positionals.length > 0) throw new InputError(`--resume takes the run directory; the scenario comes from its manifest (got '${positionals[0]}')`);
  for (const flag of ["seed", "model", "out"] as const) {
    if (flags[flag] !== undefined) throw new InputError(`--${flag} cannot be combined with --resume: a resumed run keeps its scenario`);
  }
  const dir = resolve(flags.resume!);
  const state = await loadResume(dir);
  if (state.truncatedBytes > 0) process.stderr.write(`hvae: cut a torn last line (${state.truncatedBytes} bytes) off ${eventsPath(dir)}\n`);
  const parsed = Scenario.safeParse(state.manifest.scenario);
  if (!parsed.success) throw new InputError(`${dir}/manifest.json: scenario: ${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message}`);
  const concurrency = intFlag("max-concurrency", flags["max-concurrency"]);
  const scenario = { ...parsed.data, maxConcurrency: concurrency ?? parsed.data.maxConcurrency };
  const specs = expandAgents(scenario);
  const plan = planRun(scenario, specs.map((s) => s.id));
  if (state.lastStatus === "completed" && state.filter.completedSessions.size === plan.sessions.length) {
    process.stderr.write(`hvae: run ${state.runId} is already complete; nothing to resume\n`);
    console.log(dir);
    return 0;
  }
  const gateway = await openGateway(scenario, specs, flags);
  try {
    await preflight(specs, scenario, state.manifest.scenarioDir, gateway);
    const now = new Date().toISOString();
    const manifest: Manifest = {
      ...state.manifest,
      status: "running",
      endedAt: null,
      segments: [...state.manifest.segments, { startedAt: now, endedAt: null, status: "running", argv }],
    };
    writeManifest(dir, manifest);
    process.stderr.write(
      `hvae: resuming ${state.runId}: ${state.recorded} of ${plan.plannedDecisions} decisions recorded, ${state.filter.completedSessions.size} of ${plan.sessions.length} sessions finished\n`,
    );
    return await execute({
      scenario,
      specs,
      dir,
      runId: state.runId,
      manifest,
      gateway,
      flags,
      resume: state.filter,
      recorded: state.recorded,
      total: plan.plannedDecisions,
      scenarioDir: state.manifest.scenarioDir,
    });
  } finally {
    await gateway?.close();
  }
}

interface Execution {
  scenario: Scenario;
  specs: AgentSpec[];
  dir: string;
  runId: string;
  manifest: Manifest;
  gateway: ModelGateway | null;
  flags: Flags;
  resume: ResumeFilter | null;
  recorded: number;
  total: number;
  scenarioDir?: string;
}

async function execute(x: Execution): Promise<number> {
  const scenarioDir = x.scenarioDir ?? x.manifest.scenarioDir;
  const writer = openJsonlWriter(eventsPath(x.dir));
  const progress = createProgress({ total: x.total, done: x.recorded, quiet: x.flags.quiet });
  const summary = createSummary();
  const live = new Subject<HvaeEvent>();
  await attachLiveMetrics(live, progress.setStatus, x.flags["live-metrics"] === true);

  let interrupted = false;
  const onSigint = () => {
    if (interrupted) {
      writer.close();
      process.exit(130);
    }
    interrupted = true;
    process.stderr.write("\nhvae: interrupted: finishing sessions in flight (Ctrl-C again to stop now)\n");
  };
  process.on("SIGINT", onSigint);

  let status = "failed" as RunStatus;
  let message = null as string | null;
  const finish = (final: Manifest["status"]) => {
    const endedAt = new Date().toISOString();
    const segments = x.manifest.segments.slice();
    segments[segments.length - 1] = { ...segments[segments.length - 1], endedAt, status: final };
    writeManifest(x.dir, { ...x.manifest, status: final, endedAt, segments });
  };
  try {
    await new Promise<void>((done, fail) => {
      runEnvironment({
        runId: x.runId,
        scenario: x.scenario,
        agents: x.specs,
        createAgent: (spec, ctx) => createAgent(spec, ctx, scenarioDir),
        gateway: x.gateway,
        resume: x.resume,
        shouldStop: () => (interrupted ? "interrupted" : null),
      }).subscribe({
        next(ev) {
          writer.write(ev);
          progress.observe(ev);
          summary.observe(ev);
          live.next(ev);
          if (ev.type === "run.completed") {
            status = ev.status;
            message = ev.message;
          }
        },
        error: fail,
        complete: done,
      });
    });
  } catch (err) {
    progress.stop();
    writer.close();
    finish("failed");
    throw err;
  } finally {
    process.off("SIGINT", onSigint);
    live.complete();
  }
  progress.stop();
  writer.close();
  finish(status);

  if (x.gateway) {
    const s = x.gateway.summary();
    process.stderr.write(
      `hvae: model calls ${s.calls} (${s.cacheHits} from cache), tokens in ${s.inputTokens} / out ${s.outputTokens}, cost $${s.costUsd.toFixed(4)}\n`,
    );
  }
  const table = summary.table();
  if (table) console.log(table);
  if (status === "budget-exhausted") {
    process.stderr.write(
      `hvae: the budget of $${x.flags["max-cost"]} is spent: ${message ?? ""}\n` +
        `hvae: continue with: hvae run --resume ${x.dir} --max-cost <higher amount>\n`,
    );
  } else if (status === "interrupted") {
    process.stderr.write(`hvae: ${message ?? "interrupted"}\nhvae: continue with: hvae run --resume ${x.dir}\n`);
  }
  console.log(x.dir);
  return status === "interrupted" ? 130 : 0;
}

/** Only scenarios with llm agents load the gateway (and with it LangChain and SQLite). */
async function openGateway(scenario: Scenario, specs: AgentSpec[], flags: Flags): Promise<ModelGateway | null> {
  if (!specs.some((s) => s.type === "llm")) return null;
  const cachePath = flags["no-cache"] ? null : resolve(process.env.HVAE_CACHE ?? ".hvae/cache.sqlite");
  if (cachePath) mkdirSync(dirname(cachePath), { recursive: true });
  const { createGateway } = await import("../../models/gateway.ts");
  return createGateway({
    endpoints: scenario.endpoints,
    prices: scenario.prices,
    cachePath,
    refreshCache: flags["refresh-cache"] === true,
    maxCostUsd: numberFlag("max-cost", flags["max-cost"]) ?? null,
    env: process.env,
  });
}

/** Builds one agent of each kind before anything is written, so a bad module or model fails fast (exit 2). */
async function preflight(specs: AgentSpec[], scenario: Scenario, dir: string, gateway: ModelGateway | null): Promise<void> {
  const seen = new Set<string>();
  for (const spec of specs) {
    const kind = `${spec.type}\u0000${typeof spec.model === "string" ? spec.model : ""}`;
    if (seen.has(kind)) continue;
    seen.add(kind);
    const ctx: AgentContext = {
      rng: createRng(scenario.seed).derive("preflight", spec.id),
      gateway: gateway ?? undefined,
      scenario: { name: scenario.name, feedback: scenario.feedback, pairing: scenario.pairing },
    };
    await createAgent(spec, ctx, dir);
  }
}

/**
 * Live metrics (analysis/live.ts): the progress status shows the running VR per value group;
 * --live-metrics also prints a metrics line to stderr at most once a second.
 */
async function attachLiveMetrics(events$: Subject<HvaeEvent>, show: (text: string) => void, print: boolean): Promise<void> {
  const { attachLive } = await import("../../../analysis/live.ts");
  attachLive(events$, { status: show, print: print ? (line) => process.stderr.write(`\r\x1b[2K${line}\n`) : undefined });
}

/**
 * Per agent: the angle of its mean primary payoffs, its category, and value rationality as the
 * mean over its trajectories (METHOD §4), accumulated from the events as they pass.
 */
function createSummary() {
  interface Row {
    value: ValueSpec;
    self: number;
    other: number;
    n: number;
    vrSum: number;
    trajectories: number;
  }
  const rows = new Map<string, Row>();
  const primary = new Set<string>();
  let primaryCount = 0;
  // Per (session, agent): sums over primary items of the current trajectory.
  const open = new Map<string, { self: number; other: number; n: number }>();
  return {
    observe(ev: HvaeEvent) {
      switch (ev.type) {
        case "run.started":
          for (const it of ev.items) if (it.primary) primary.add(it.id);
          primaryCount = primary.size;
          for (const a of ev.agents) if (!rows.has(a.id)) rows.set(a.id, { value: a.value, self: 0, other: 0, n: 0, vrSum: 0, trajectories: 0 });
          break;
        case "decision.made": {
          if (!primary.has(ev.itemId)) break;
          const row = rows.get(ev.agentId);
          if (!row) break;
          row.self += ev.self;
          row.other += ev.other;
          row.n++;
          const key = `${ev.sessionId}\u0000${ev.agentId}`;
          const t = open.get(key) ?? { self: 0, other: 0, n: 0 };
          t.self += ev.self;
          t.other += ev.other;
          t.n++;
          open.set(key, t);
          break;
        }
        case "trial.completed":
          for (const agentId of ev.agentIds) {
            const key = `${ev.sessionId}\u0000${agentId}`;
            const t = open.get(key);
            open.delete(key);
            const row = rows.get(agentId);
            // Only full trajectories score: an angle from part of the items is not the instrument's angle.
            if (!t || !row || t.n !== primaryCount) continue;
            row.vrSum += valueRationality(angleFromMeans(t.self / t.n, t.other / t.n), row.value);
            row.trajectories++;
          }
          break;
      }
    },
    table(): string | null {
      if (primaryCount === 0 || rows.size === 0) return null;
      const header = ["agent", "value", "angle", "category", "VR", "trajectories"];
      const body = [...rows].map(([id, r]) => {
        const angle = r.n > 0 ? angleFromMeans(r.self / r.n, r.other / r.n) : NaN;
        return [
          id,
          String(r.value),
          Number.isNaN(angle) ? "-" : angle.toFixed(2),
          Number.isNaN(angle) ? "-" : categorize(angle),
          r.trajectories > 0 ? (r.vrSum / r.trajectories).toFixed(3) : "-",
          String(r.trajectories),
        ];
      });
      const shown = body.length > 40 ? [...body.slice(0, 40), ["…", `${body.length - 40} more`, "", "", "", ""]] : body;
      const widths = header.map((h, i) => Math.max(h.length, ...shown.map((r) => r[i].length)));
      const line = (cells: string[]) => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
      return [line(header), ...shown.map(line)].join("\n");
    },
  };
}
