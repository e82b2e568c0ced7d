/**
 * `hvae compare <experimentDir | runDir…> [--json] [--metric vrCC|vr|angle|categoryAccuracy]
 * [--csv FILE]`: the table of all cells × target values (the paper's table layout), and for
 * every pair of cells that differ in one factor and every target value, both estimates, their
 * difference with a 95 % interval, a permutation p-value, Hedges' g and the Holm-adjusted p over
 * all comparisons printed (analysis/compare.ts). Run directories given one by one are cells that
 * differ in the factor "run". The resampling unit is said in the output.
 *
 * @example
 * // hvae compare runs/hvae-paper-20250101T120000Z-3fa9c2
 * // hvae compare runs/a runs/b --metric vr --json
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compareSamples, estimate, holm, type Estimate, type Sample } from "../../../analysis/compare.ts";
import { COMPARISON_HEADER, comparisonRow, fmt, fmtCI } from "../../../analysis/report/tables.ts";
import { textTable } from "../../../analysis/report/terminal.ts";
import { clusterOfUnit, parseCluster, valueRank, type BootstrapUnit, type ClusterOption } from "../../../analysis/summary.ts";
import { InputError } from "../../core/errors.ts";
import { isExperimentDir, readExperiment } from "../../store/experiment-dir.ts";
import { parseFlags } from "../args.ts";
import { firstValueFrom } from "rxjs";
import type { AgentInfo } from "../../core/events.ts";
import { readEvents } from "../../store/jsonl-reader.ts";
import { analyzeRun, runLogPath } from "./analyze.ts";

const USAGE = "hvae compare <experimentDir | runDir…> [--json] [--metric vrCC|vr|angle|categoryAccuracy] [--csv FILE] [--cluster none|agent|partner|pair]";

export const METRICS = ["vrCC", "vr", "angle", "categoryAccuracy"] as const;
export type Metric = (typeof METRICS)[number];

/** What one cell contributes: per group, its per-trajectory values and clusters. */
export interface CellGroups {
  readonly id: string;
  readonly run: string;
  readonly dir: string;
  readonly factors: Readonly<Record<string, unknown>>;
  readonly unit: Unit;
  /** USD; null when any call of the cell had no known price (`pricedCostUsd` is the known part). */
  readonly costUsd: number | null;
  readonly pricedCostUsd: number;
  readonly unpricedCalls: number;
  readonly groups: readonly GroupData[];
}

export interface GroupData {
  readonly model: string;
  readonly value: string;
  readonly condition: string | null;
  readonly sample: Sample;
  readonly estimate: Estimate;
}

/**
 * The unit resampled: what `hvae analyze` resamples for the groups of the same run (`--cluster`,
 * default the design's independent unit: pair for fixed pairs, partner where partners vary, agent
 * for populations, else the trajectory).
 */
export type Unit = BootstrapUnit;

export interface Comparison {
  readonly factor: string;
  readonly cellA: string;
  readonly cellB: string;
  readonly levelA: unknown;
  readonly levelB: unknown;
  readonly value: string;
  readonly model: string;
  readonly condition: string | null;
  readonly metric: Metric;
  readonly a: number | null;
  readonly b: number | null;
  readonly difference: number | null;
  readonly ci: [number, number] | null;
  readonly p: number | null;
  readonly pAdjusted: number | null;
  readonly effect: number | null;
  readonly nA: number;
  readonly nB: number;
}

export interface CompareResult {
  readonly metric: Metric;
  readonly unit: string;
  /** The unit each cell resamples (`run.bootstrap.unit` of its analysis). */
  readonly clusters: { cell: string; unit: Unit }[];
  readonly method: string;
  readonly cells: {
    id: string;
    run: string;
    factors: Readonly<Record<string, unknown>>;
    costUsd: number | null;
    pricedCostUsd: number;
    unpricedCalls: number;
    groups: { model: string; value: string; condition: string | null; n: number; clusters: number; estimate: number | null; ci: [number, number] | null }[];
  }[];
  readonly comparisons: Comparison[];
}

const SEED = 20250101;

/**
 * Reads the cells (an experiment directory, or run directories as cells) and their groups.
 *
 * @example
 * const cells = await loadCells(["runs/hvae-paper-…"], "vrCC");
 */
export async function loadCells(paths: readonly string[], metric: Metric, opts: { cluster?: ClusterOption } = {}): Promise<CellGroups[]> {
  const list: { id: string; dir: string; factors: Record<string, unknown> }[] = [];
  if (paths.length === 1 && isExperimentDir(paths[0])) {
    const exp = readExperiment(paths[0]);
    for (const c of exp.cells) list.push({ id: c.id, dir: join(paths[0], c.dir), factors: c.factors });
  } else {
    for (const p of paths) {
      if (isExperimentDir(p)) throw new InputError(`${p} is an experiment directory: compare it on its own (hvae compare ${p})`);
      list.push({ id: p, dir: p, factors: { run: p } });
    }
  }
  const out: CellGroups[] = [];
  for (const c of list) out.push(await cellGroups(c.id, c.dir, c.factors, metric, opts.cluster));
  return out;
}

async function cellGroups(id: string, dir: string, factors: Record<string, unknown>, metric: Metric, cluster: ClusterOption | undefined): Promise<CellGroups> {
  const analysis = await analyzeRun(dir, { cluster });
  const { summary } = analysis;
  const unit = summary.run.bootstrap.unit;
  const clusterOf = clusterOfUnit(unit);
  const agents = await agentInfos(dir);
  const byGroup = new Map<string, { model: string; value: string; condition: string | null; chance: number | null; values: number[]; clusters: string[] }>();
  for (const g of summary.groups) {
    byGroup.set(groupKey(g.model, g.value, g.condition), { model: g.model, value: g.value, condition: g.condition, chance: g.vrChance, values: [], clusters: [] });
  }
  for (const t of analysis.trajectories) {
    const agent = agents.get(t.agentId);
    if (!agent) continue;
    const group = byGroup.get(groupKey(agent.model ?? agent.type, valueLabel(agent.value), agent.condition));
    if (!group) continue;
    const v = metricOf(t, metric, group.chance);
    if (v === null) continue;
    group.values.push(v);
    group.clusters.push(clusterOf(t));
  }
  const groups = [...byGroup.values()]
    .sort((a, b) => valueRank(a.value) - valueRank(b.value) || a.model.localeCompare(b.model) || String(a.condition).localeCompare(String(b.condition)))
    .map((g) => {
      const sample = { values: g.values, clusters: g.clusters };
      return { model: g.model, value: g.value, condition: g.condition, sample, estimate: estimate(sample, { seed: SEED, circular: metric === "angle" }) };
    });
  return { id, run: summary.run.id, dir, factors, unit, costUsd: summary.run.costUsd, pricedCostUsd: summary.run.pricedCostUsd, unpricedCalls: summary.run.unpricedCalls, groups };
}

/** The agents as the log's run.started names them (model, value, condition: the group they count in). */
async function agentInfos(dir: string): Promise<Map<string, AgentInfo>> {
  const first = await firstValueFrom(readEvents(runLogPath(dir)));
  if (first.type !== "run.started") throw new InputError(`${dir}: the log does not start with run.started`);
  return new Map(first.agents.map((a) => [a.id, a]));
}

function groupKey(model: string, value: string, condition: string | null): string {
  return `${model}\u0000${value}\u0000${condition ?? ""}`;
}

function valueLabel(v: unknown): string {
  return typeof v === "number" ? `${v}°` : String(v);
}

function metricOf(t: { vr: number | null; angle: number | null; inCategory: boolean | null }, metric: Metric, chance: number | null): number | null {
  switch (metric) {
    case "vr":
      return t.vr;
    case "vrCC":
      return t.vr === null || chance === null || chance >= 1 ? null : (t.vr - chance) / (1 - chance);
    case "angle":
      return t.angle;
    case "categoryAccuracy":
      return t.inCategory === null ? null : t.inCategory ? 1 : 0;
  }
}

/**
 * Every pair of cells that differ in exactly one factor, per matching group, with Holm's
 * adjustment over all of them.
 */
export function compareCells(cells: readonly CellGroups[], metric: Metric): Comparison[] {
  const raw: Omit<Comparison, "pAdjusted">[] = [];
  for (let i = 0; i < cells.length; i++) {
    for (let j = i + 1; j < cells.length; j++) {
      const A = cells[i];
      const B = cells[j];
      const differing = Object.keys({ ...A.factors, ...B.factors }).filter((k) => JSON.stringify(A.factors[k]) !== JSON.stringify(B.factors[k]));
      if (differing.length !== 1) continue;
      const factor = differing[0];
      for (const [ga, gb] of matchGroups(A.groups, B.groups)) {
        const c = compareSamples(ga.sample, gb.sample, { seed: SEED, circular: metric === "angle" });
        raw.push({
          factor,
          cellA: A.id,
          cellB: B.id,
          levelA: A.factors[factor],
          levelB: B.factors[factor],
          value: ga.value,
          model: ga.model === gb.model ? ga.model : `${ga.model} / ${gb.model}`,
          condition: ga.condition === gb.condition ? ga.condition : `${ga.condition ?? "-"} / ${gb.condition ?? "-"}`,
          metric,
          a: c.a.mean,
          b: c.b.mean,
          difference: c.difference,
          ci: c.ci,
          p: c.p,
          effect: c.effect,
          nA: c.a.n,
          nB: c.b.n,
        });
      }
    }
  }
  const adjusted = holm(raw.map((r) => r.p));
  return raw.map((r, k) => ({ ...r, pAdjusted: adjusted[k] }));
}

/**
 * Groups of two cells that measure the same thing: the same model, value and condition; where a
 * factor changes the model or the condition, the group of the same value when it is the only one.
 */
function matchGroups(a: readonly GroupData[], b: readonly GroupData[]): [GroupData, GroupData][] {
  const out: [GroupData, GroupData][] = [];
  const usedB = new Set<GroupData>();
  const unmatched: GroupData[] = [];
  for (const ga of a) {
    const gb = b.find((g) => !usedB.has(g) && groupKey(g.model, g.value, g.condition) === groupKey(ga.model, ga.value, ga.condition));
    if (gb) {
      usedB.add(gb);
      out.push([ga, gb]);
    } else unmatched.push(ga);
  }
  for (const ga of unmatched) {
    const sameA = unmatched.filter((g) => g.value === ga.value);
    const sameB = b.filter((g) => !usedB.has(g) && g.value === ga.value);
    if (sameA.length === 1 && sameB.length === 1) {
      usedB.add(sameB[0]);
      out.push([ga, sameB[0]]);
    }
  }
  return out;
}

const UNIT_WORDS: Record<Unit, string> = {
  trajectory: "trajectories (each on its own)",
  agent: "agents (an agent's trajectories are resampled together)",
  partner: "partners (the trajectories played against one partner are resampled together)",
  pair: "pairs (both agents' trajectories of a pair are resampled together)",
};

export function describeUnit(cells: readonly CellGroups[]): string {
  const units = [...new Set(cells.map((c) => c.unit))];
  return `clusters resampled: ${units.map((u) => UNIT_WORDS[u]).join("; ")}`;
}

/**
 * The whole comparison of a set of cells.
 *
 * @example
 * const result = await compare(["runs/hvae-paper-…"], "vrCC");
 */
export async function compare(paths: readonly string[], metric: Metric, opts: { cluster?: ClusterOption } = {}): Promise<CompareResult> {
  const cells = await loadCells(paths, metric, opts);
  return {
    metric,
    unit: describeUnit(cells),
    clusters: cells.map((c) => ({ cell: c.id, unit: c.unit })),
    method:
      "difference b − a of trajectory-weighted means; 95 % percentile cluster-bootstrap interval (2,000 resamples, clusters resampled within each cell); " +
      "two-sided permutation p-value (5,000 permutations of cluster labels between the cells, (k+1)/(R+1)); Hedges' g on cluster means; Holm adjustment over every comparison listed" +
      (metric === "angle" ? "; angles: circular means (atan2 of summed sines and cosines), differences on the circle in (−180°, 180°], no effect size" : ""),
    cells: cells.map((c) => ({
      id: c.id,
      run: c.run,
      factors: c.factors,
      costUsd: c.costUsd,
      pricedCostUsd: c.pricedCostUsd,
      unpricedCalls: c.unpricedCalls,
      groups: c.groups.map((g) => ({ model: g.model, value: g.value, condition: g.condition, n: g.estimate.n, clusters: g.estimate.clusters, estimate: g.estimate.mean, ci: g.estimate.ci })),
    })),
    comparisons: compareCells(cells, metric),
  };
}

/** The paper's table layout: a row per cell (and model/condition), a column per target value. */
export function cellTable(result: CompareResult): { header: string[]; rows: string[][] } {
  const values = [...new Set(result.cells.flatMap((c) => c.groups.map((g) => g.value)))].sort((a, b) => valueRank(a) - valueRank(b));
  const factorNames = [...new Set(result.cells.flatMap((c) => Object.keys(c.factors)))];
  const header = ["cell", ...factorNames, "model", "condition", ...values.flatMap((v) => [v, `${v} 95% CI`]), "n"];
  const rows: string[][] = [];
  for (const c of result.cells) {
    const kinds = [...new Set(c.groups.map((g) => `${g.model}\u0000${g.condition ?? ""}`))];
    for (const kind of kinds) {
      const [model, condition] = kind.split("\u0000");
      const gs = c.groups.filter((g) => g.model === model && (g.condition ?? "") === condition);
      rows.push([
        c.id,
        ...factorNames.map((f) => String(c.factors[f] ?? "")),
        model,
        condition || "-",
        ...values.flatMap((v) => {
          const g = gs.find((x) => x.value === v);
          return g ? [fmt(g.estimate, 3), fmtCI(g.ci, 3)] : ["-", "-"];
        }),
        String(gs.reduce((n, g) => n + g.n, 0)),
      ]);
    }
  }
  return { header, rows };
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: "boolean" }, metric: { type: "string" }, csv: { type: "string" }, cluster: { type: "string" } }, USAGE);
  if (values.help) {
    console.log(`usage: ${USAGE}`);
    return 0;
  }
  if (positionals.length < 1) throw new InputError(`expected an experiment directory or run directories\nusage: ${USAGE}`);
  const metric = (values.metric ?? "vrCC") as Metric;
  if (!METRICS.includes(metric)) throw new InputError(`--metric: expected ${METRICS.join(", ")}, got '${values.metric}'`);
  const cluster = parseCluster(values.cluster as string | undefined, USAGE);
  const result = await compare(positionals, metric, { cluster });
  const table = cellTable(result);
  if (values.csv) {
    const lines = [table.header, ...table.rows].map((r) => r.map(csvField).join(","));
    writeFileSync(resolve(values.csv), lines.join("\n") + "\n");
  }
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return 0;
  }
  console.log(`${metric} by cell and target value\n`);
  console.log(textTable(table.header, table.rows));
  console.log(`\n${result.unit}`);
  if (result.comparisons.length === 0) {
    console.log("\nno two cells differ in exactly one factor: nothing to compare");
    return 0;
  }
  console.log(`\ncomparisons (${result.comparisons.length}; * Holm-adjusted p < 0.05)\n`);
  console.log(
    textTable(
      COMPARISON_HEADER,
      result.comparisons.map((c) => comparisonRow(c)),
    ),
  );
  console.log(`\n${result.method}; ${result.unit}`);
  return 0;
}
