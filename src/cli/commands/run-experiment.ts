/**
 * `hvae run` of a swept scenario: one experiment directory with `experiment.json` and one
 * ordinary run directory per cell. The cells share one model gateway (one concurrency and
 * rate-limit budget per endpoint, one cache, one `--max-cost` for the whole experiment), run
 * concurrently, and show one progress display. `hvae run --resume <experimentDir>` finishes every
 * unfinished cell. A cell that fails marks itself and the experiment failed (exit 3); the other
 * cells still run to their end.
 *
 * @example
 * // hvae run scenarios/hvae-paper.yaml --max-cost 5     → runs/hvae-paper-…/{experiment.json,c01,c02,…}
 * // hvae run --resume runs/hvae-paper-20250101T120000Z-3fa9c2
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { AgentSpec } from "../../../agents/agent.ts";
import { textTable } from "../../../analysis/report/terminal.ts";
import { InputError } from "../../core/errors.ts";
import type { RunStatus } from "../../core/events.ts";
import { planRun } from "../../environment/environment.ts";
import type { ModelGateway } from "../../models/gateway-types.ts";
import { expandAgents } from "../../scenario/expand.ts";
import type { LoadedScenario, ScenarioCell } from "../../scenario/load.ts";
import { Scenario } from "../../scenario/schema.ts";
import { readExperiment, writeExperiment, type Experiment, type ExperimentCell } from "../../store/experiment-dir.ts";
import { readManifest, type ManifestStatus, type RunTotalsRecord } from "../../store/manifest.ts";
import { createRunDir, manifestPath } from "../../store/run-dir.ts";
import { lockRunDir } from "../../store/run-lock.ts";
import { createProgress, type ProgressRenderer } from "../progress.ts";
import { addTotal, costOf, emptyCost, formatCost } from "../../core/money.ts";
import type { ModulePolicy } from "../../../agents/registry.ts";
import {
  EXIT_CODES,
  announceModules,
  callsLine,
  execute,
  gameModuleFiles,
  openGateway,
  prepareResume,
  preflight,
  resumedEndpoints,
  showEstimate,
  startManifest,
  transcriptRelay,
  withOverrides,
  type Flags,
} from "./run.ts";

/** Cells played at once; each plays its own sessions concurrently, and the gateway bounds the calls. */
const MAX_CELLS_IN_FLIGHT = 8;

interface CellWork {
  readonly cell: ExperimentCell;
  readonly scenario: Scenario;
  readonly specs: AgentSpec[];
  readonly planned: number;
}

/** Starts a new experiment from a swept scenario. */
export async function runExperiment(loaded: LoadedScenario, cells: readonly ScenarioCell[], flags: Flags, argv: string[]): Promise<number> {
  if (flags.model && Object.hasOwn(cells[0].factors, "model")) {
    throw new InputError("--model cannot be combined with a sweep over model: the sweep names each cell's model");
  }
  const work: CellWork[] = cells.map((c) => {
    const scenario = withOverrides(c.scenario, flags);
    const specs = expandAgents(scenario);
    const planned = planRun(scenario, specs.map((s) => s.id)).plannedDecisions;
    return { cell: { id: c.id, label: c.label, factors: { ...c.factors }, dir: c.id, status: "pending" }, scenario, specs, planned };
  });
  if (work.some((w) => w.specs.some((sp) => sp.type === "llm")))
    await showEstimate({ ...loaded, cells: work.map((w) => ({ ...cells.find((c) => c.id === w.cell.id)!, scenario: w.scenario })) }, flags);
  const started = new Date();
  const { runId: experimentId, dir } = createRunDir(resolve(flags.out ?? "runs"), loaded.scenario.name, { base: loaded.scenario, cells: cells.map((c) => c.factors) }, started);
  const factorPaths = Object.keys(cells[0].factors);
  const experiment: Experiment = {
    experimentId,
    scenario: loaded.scenario.name,
    scenarioPath: loaded.path,
    scenarioDir: loaded.dir,
    factors: factorPaths.map((path) => ({ path, values: unique(cells.map((c) => c.factors[path])) })),
    cells: work.map((w) => w.cell),
    // Each cell's validated scenario is kept so a resume can start cells that never began.
    cellScenarios: Object.fromEntries(work.map((w) => [w.cell.id, w.scenario as unknown as Record<string, unknown>])),
    status: "running",
    startedAt: started.toISOString(),
    endedAt: null,
    argv,
    // Filled by the preflight (see playLocked), before any cell starts.
    modules: {},
  };
  writeExperiment(dir, experiment);
  process.stderr.write(`hvae: experiment ${experimentId}: ${cells.length} cells (${factorPaths.join(" × ")})\n`);
  return play(dir, experiment, work, flags, argv, 0, false);
}

/** Finishes every unfinished cell of an experiment directory. */
export async function resumeExperiment(dir: string, flags: Flags, argv: string[]): Promise<number> {
  const experiment = readExperiment(dir);
  const work: CellWork[] = [];
  const recorded = 0;
  let endpoints: Scenario["endpoints"] | undefined;
  for (const cell of experiment.cells) {
    const cellDir = join(dir, cell.dir);
    if (existsSync(manifestPath(cellDir)) && readManifest(cellDir).status === "completed") continue;
    const raw = experiment.cellScenarios[cell.id];
    const parsed = Scenario.safeParse(raw);
    if (!parsed.success) throw new InputError(`${dir}/experiment.json: cellScenarios.${cell.id}: ${parsed.error.issues[0]?.message ?? "missing"}`);
    // The endpoints as this resume uses them (--reload-endpoints, --endpoint): one set for every cell.
    endpoints ??= (await resumedEndpoints(parsed.data.endpoints, experiment.scenarioPath, flags)).endpoints;
    const scenario = { ...withOverrides(parsed.data, { ...flags, seed: undefined, model: undefined, endpoint: undefined }), endpoints };
    const specs = expandAgents(scenario);
    work.push({ cell, scenario, specs, planned: planRun(scenario, specs.map((s) => s.id)).plannedDecisions });
  }
  if (work.length === 0) {
    process.stderr.write(`hvae: experiment ${experiment.experimentId} is already complete; nothing to resume\n`);
    console.log(dir);
    return 0;
  }
  process.stderr.write(`hvae: resuming experiment ${experiment.experimentId}: ${work.length} of ${experiment.cells.length} cells unfinished\n`);
  return play(dir, { ...experiment, status: "running", endedAt: null }, work, flags, argv, recorded, true);
}

async function play(dir: string, experiment: Experiment, work: CellWork[], flags: Flags, argv: string[], recorded: number, resumed: boolean): Promise<number> {
  // One writer per experiment, as per run directory: a second `--resume` of it stops with exit 2.
  const lock = lockRunDir(dir, "hvae run (experiment)");
  try {
    return await playLocked(dir, experiment, work, flags, argv, recorded, resumed);
  } finally {
    lock.release();
  }
}

async function playLocked(
  dir: string,
  started: Experiment,
  work: CellWork[],
  flags: Flags,
  argv: string[],
  recorded: number,
  resumed: boolean,
): Promise<number> {
  let experiment = started;
  // One gateway for every cell: the endpoints and prices are the experiment's (a sweep cannot vary them).
  const allSpecs = work.flatMap((w) => w.specs);
  const gateway = await openGateway(work[0].scenario, allSpecs, flags, { record() {} });
  const total = work.reduce((n, w) => n + w.planned, 0);
  const progress = createProgress({ total, done: recorded, quiet: flags.quiet });
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write("\nhvae: interrupted: finishing sessions in flight (Ctrl-C again to stop now)\n");
  };
  process.on("SIGINT", onSigint);
  const cells = new Map(experiment.cells.map((c) => [c.id, { ...c }]));
  const save = () => writeExperiment(dir, { ...experiment, cells: experiment.cells.map((c) => cells.get(c.id)!) });
  let done = 0;
  const status = () => `cells ${done}/${work.length}${gateway ? `  ${formatCost(gateway.summary())}` : ""}`;
  progress.setStatus(status());
  try {
    // A new experiment records the modules it loads (the game's and the agents', with their
    // hashes) before any cell starts; a resume loads only those, unchanged.
    const modules: Record<string, string> = resumed ? { ...experiment.modules } : gameModuleFiles(work[0].scenario.game, experiment.scenarioDir);
    const policy: ModulePolicy = resumed ? { allowed: experiment.modules } : { onModule: (file, hash) => void (modules[file] = hash) };
    for (const w of work) await preflight(w.specs, w.scenario, experiment.scenarioDir, gateway, policy);
    if (!resumed) {
      announceModules(modules, experiment.scenarioDir);
      experiment = { ...experiment, modules };
      save();
    }
    await pool(work, MAX_CELLS_IN_FLIGHT, async (w) => {
      const final = await playCell(dir, experiment, w, gateway, flags, argv, progress, () => interrupted);
      cells.set(w.cell.id, { ...cells.get(w.cell.id)!, status: final });
      done++;
      progress.setStatus(status());
      save();
    });
  } finally {
    progress.stop();
    process.off("SIGINT", onSigint);
    await gateway?.close();
  }
  const statuses = [...cells.values()].map((c) => c.status);
  const final = experimentStatus(statuses);
  writeExperiment(dir, { ...experiment, cells: experiment.cells.map((c) => cells.get(c.id)!), status: final, endedAt: new Date().toISOString() });
  // The whole experiment's totals (every cell, every segment), and for a resume what it added.
  if (gateway) process.stderr.write(callsLine(experimentTotals(dir, experiment.cells), resumed ? gateway.summary() : null, { time: false }));
  console.log(
    textTable(
      ["cell", ...experiment.factors.map((f) => f.path), "status"],
      experiment.cells.map((c) => {
        const cell = cells.get(c.id)!;
        return [c.id, ...experiment.factors.map((f) => String(c.factors[f.path])), cell.status];
      }),
    ),
  );
  if (final !== "completed") {
    const failed = [...cells.values()].filter((c) => c.status !== "completed").map((c) => `${c.id} ${c.status}`);
    process.stderr.write(`hvae: experiment ${final}: ${failed.join(", ")}\nhvae: continue with: hvae run --resume ${dir}\n`);
  }
  console.log(dir);
  return EXIT_CODES[final];
}

/** One cell: a fresh run in its directory, or a resume of what it already holds. */
async function playCell(
  dir: string,
  experiment: Experiment,
  w: CellWork,
  gateway: ModelGateway | null,
  flags: Flags,
  argv: string[],
  progress: ProgressRenderer,
  interrupted: () => boolean,
): Promise<RunStatus> {
  const cellDir = join(dir, w.cell.dir);
  const runId = `${experiment.experimentId}-${w.cell.id}`;
  const context = { progress, interrupted };
  if (interrupted()) return "interrupted";
  // The cell's own view of the shared gateway: its calls and transcripts go to its own run directory.
  const transcripts = transcriptRelay();
  const view = gateway ? (gateway.view?.({ transcripts }) ?? gateway) : null;
  let code: number;
  mkdirSync(cellDir, { recursive: true });
  const lock = lockRunDir(cellDir, "hvae run (experiment cell)");
  try {
    if (existsSync(manifestPath(cellDir))) {
      const prepared = await prepareResume(cellDir, flags);
      if (prepared.complete) return "completed";
      code = await execute({ ...prepared.start(argv, () => {}), gateway: view, transcripts, flags, cell: context });
    } else {
      const plan = planRun(w.scenario, w.specs.map((s) => s.id));
      const manifest = startManifest({ runId, dir: cellDir, scenario: w.scenario, path: experiment.scenarioPath, scenarioDir: experiment.scenarioDir, argv, started: new Date(), plan, modules: experiment.modules });
      code = await execute({
        scenario: w.scenario, specs: w.specs, dir: cellDir, runId, manifest, gateway: view, transcripts, flags, resume: null, recorded: 0, total: w.planned, cell: context,
        modules: { allowed: experiment.modules },
      });
    }
  } finally {
    lock.release();
  }
  void code;
  return readManifest(cellDir).status as RunStatus;
}

/** The sum of the cells' whole-run totals (cells that never wrote totals add nothing). */
function experimentTotals(dir: string, cells: readonly ExperimentCell[]): RunTotalsRecord | null {
  // Seconds are summed too but not shown: cells run at once, so their sum is not the wall time.
  const sum = { decisions: 0, invalid: 0, calls: 0, cacheHits: 0, inputTokens: 0, outputTokens: 0, seconds: 0 };
  const cost = emptyCost();
  let any = false;
  for (const c of cells) {
    const cellDir = join(dir, c.dir);
    const t = existsSync(manifestPath(cellDir)) ? readManifest(cellDir).totals : undefined;
    if (!t) continue;
    any = true;
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += t[k];
    // One cell with an unpriced call makes the experiment's cost unknown; its priced part is kept.
    addTotal(cost, t);
  }
  return any ? { ...sum, ...costOf(cost) } : null;
}

/** Failed beats interrupted beats a spent budget; completed only when every cell completed. */
function experimentStatus(statuses: readonly (ManifestStatus | "pending")[]): RunStatus {
  if (statuses.some((s) => s === "failed" || s === "running")) return "failed";
  if (statuses.some((s) => s === "interrupted" || s === "pending")) return "interrupted";
  if (statuses.some((s) => s === "budget-exhausted")) return "budget-exhausted";
  return "completed";
}

/** Runs `fn` over the items with at most `n` at once, in order of start. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

function unique<T>(xs: readonly T[]): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = JSON.stringify(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
