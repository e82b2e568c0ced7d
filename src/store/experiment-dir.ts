/**
 * The experiment directory: `<out>/<experiment-id>/experiment.json` (the factors and the cells,
 * each with its factor values, its run directory and its status) and one ordinary run directory
 * per cell inside it (`c01/`, `c02/`, …), so every run tool (`analyze`, `report`, `--resume`)
 * works on a cell as on any run.
 *
 * @example
 * const exp = readExperiment("runs/paper-20250101T120000Z-3fa9c2");
 * exp.cells.map((c) => `${c.id} ${c.status}`);
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { InputError } from "../core/errors.ts";
import { ManifestStatus } from "./manifest.ts";

export const EXPERIMENT_FILE = "experiment.json";

export const experimentPath = (dir: string) => join(dir, EXPERIMENT_FILE);

const FactorValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const ExperimentCell = z.object({
  id: z.string(),
  label: z.string(),
  factors: z.record(z.string(), FactorValue),
  /** The cell's run directory, relative to the experiment directory. */
  dir: z.string(),
  /** "pending" until the cell's run starts; then its manifest's status. */
  status: z.union([ManifestStatus, z.literal("pending")]),
});
export type ExperimentCell = z.infer<typeof ExperimentCell>;

export const Experiment = z.object({
  experimentId: z.string(),
  scenario: z.string(),
  scenarioPath: z.string(),
  scenarioDir: z.string(),
  /** Each swept path with its values, in the order the sweep lists them. */
  factors: z.array(z.object({ path: z.string(), values: z.array(FactorValue) })),
  cells: z.array(ExperimentCell),
  /** Each cell's validated scenario (overrides applied), so a resume can start cells that never began. */
  cellScenarios: z.record(z.string(), z.record(z.string(), z.unknown())),
  status: z.union([ManifestStatus, z.literal("pending")]),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  argv: z.array(z.string()),
  /**
   * Custom module files the experiment loads (a module-path game, custom agents), with the
   * SHA-256 of their content: a resume loads these and nothing else (every cell's manifest lists them too).
   */
  modules: z.record(z.string(), z.string()).default({}),
});
export type Experiment = z.infer<typeof Experiment>;

/** Written through a temporary file and a rename, so a crash never leaves half a file. */
export function writeExperiment(dir: string, experiment: Experiment): void {
  const path = experimentPath(dir);
  writeFileSync(`${path}.tmp`, JSON.stringify(experiment, null, 2) + "\n");
  renameSync(`${path}.tmp`, path);
}

export function isExperimentDir(dir: string): boolean {
  return existsSync(experimentPath(dir));
}

export function readExperiment(dir: string): Experiment {
  const path = experimentPath(dir);
  if (!existsSync(path)) throw new InputError(`${path}: no experiment.json (is '${dir}' an experiment directory?)`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new InputError(`${path}: not valid JSON`);
  }
  const parsed = Experiment.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${path}: ${issue.path.join(".") || "experiment"}: ${issue.message}`);
  }
  return parsed.data;
}
