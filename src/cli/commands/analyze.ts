/**
 * `hvae analyze <runDir> [--json]`: per-agent angles, categories and value rationality of a run,
 * streamed from its event log. `--json` prints `{run, agents, groups, interactions}`.
 *
 * @example
 * // hvae analyze runs/demo-20250101T120000Z-3fa9c2 --json | jq '.agents[0].vr'
 */
import { existsSync, statSync } from "node:fs";
import { lastValueFrom } from "rxjs";
import { gameOfRun, preloadRunGame } from "../../../analysis/game-of-run.ts";
import { analyze } from "../../../analysis/operators.ts";
import { readManifest } from "../../store/manifest.ts";
import { parseCluster, type Analysis, type ClusterOption } from "../../../analysis/summary.ts";
import { formatSummary } from "../../../analysis/report/terminal.ts";
import { eventsPath, manifestPath } from "../../store/run-dir.ts";
import { readEvents } from "../../store/jsonl-reader.ts";
import { refuseDuplicates } from "../../store/log-integrity.ts";
import { parseFlags } from "../args.ts";
import { InputError } from "../../core/errors.ts";

const USAGE = "hvae analyze <runDir> [--json] [--cluster none|agent|partner|pair]";

/** The event log of a run directory, checked to exist; InputError naming the problem otherwise. */
export function runLogPath(runDir: string): string {
  if (!existsSync(runDir)) throw new InputError(`${runDir}: no such run directory`);
  if (!statSync(runDir).isDirectory()) throw new InputError(`${runDir}: not a directory (expected a run directory)`);
  const path = eventsPath(runDir);
  if (!existsSync(path)) throw new InputError(`${runDir}: no events.jsonl in this directory (is it a run directory?)`);
  const st = statSync(path);
  if (!st.isFile()) throw new InputError(`${path}: ${st.isFIFO() ? "a FIFO" : st.isCharacterDevice() || st.isBlockDevice() ? "a device" : "not a regular file"}, not an event log (expected a regular file)`);
  return path;
}

/**
 * Streams a run's log through the analysis operators.
 *
 * @example
 * const { summary } = await analyzeRun("runs/demo-x");
 */
export async function analyzeRun(runDir: string, opts: { cluster?: ClusterOption } = {}): Promise<Analysis> {
  const path = runLogPath(runDir);
  // A user's game module is loaded from the scenario's directory, as the run loaded it.
  const dir = existsSync(manifestPath(runDir)) ? readManifest(runDir).scenarioDir : undefined;
  if (dir !== undefined) await preloadRunGame(path, dir);
  try {
    return await lastValueFrom(readEvents(path).pipe(refuseDuplicates(path), analyze({ resolveGame: (ev) => gameOfRun(ev, dir), ...opts })));
  } catch (err) {
    if (err instanceof Error && /no run\.started/.test(err.message)) {
      throw new InputError(`${path}: empty event log (no run.started event)`);
    }
    throw err;
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: "boolean" }, cluster: { type: "string" } }, USAGE);
  if (values.help) {
    console.log(`usage: ${USAGE}`);
    return 0;
  }
  if (positionals.length !== 1) throw new InputError(`expected one run directory\nusage: ${USAGE}`);
  const cluster = parseCluster(values.cluster as string | undefined, USAGE);
  const { summary } = await analyzeRun(positionals[0], { cluster });
  console.log(values.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
  return 0;
}
