/**
 * `hvae compare <runDir…> [--json]`: one table across runs, a row per run × group (model, value,
 * prompt condition): n, angle, VR, VR_cc, category accuracy, invalid rate, cost.
 *
 * @example
 * // hvae compare runs/paper-gpt4o-* runs/paper-llama-*
 */
import { analyzeRun } from "./analyze.ts";
import { fmt, fmtCI } from "../../../analysis/report/tables.ts";
import { textTable } from "../../../analysis/report/terminal.ts";
import { parseFlags } from "../args.ts";
import { InputError } from "../../core/errors.ts";

const USAGE = "hvae compare <runDir> <runDir>… [--json]";

export interface CompareRow {
  run: string;
  scenario: string;
  model: string;
  condition: string | null;
  value: string;
  n: number;
  angle: number | null;
  angleCI: [number, number] | null;
  vr: number | null;
  vrCI: [number, number] | null;
  vrCC: number | null;
  vrCCCI: [number, number] | null;
  categoryAccuracy: number | null;
  invalidRate: number | null;
  costUsd: number;
}

/**
 * Analyses each run (one after another: each streams its own log) and lists its groups.
 *
 * @example
 * const rows = await compareRuns(["runs/a", "runs/b"]);
 */
export async function compareRuns(runDirs: readonly string[]): Promise<CompareRow[]> {
  const rows: CompareRow[] = [];
  for (const dir of runDirs) {
    const { summary } = await analyzeRun(dir);
    for (const g of summary.groups) {
      rows.push({
        run: summary.run.id,
        scenario: summary.run.scenario,
        model: g.model,
        condition: g.condition,
        value: g.value,
        n: g.n,
        angle: g.angle,
        angleCI: g.angleCI,
        vr: g.vr,
        vrCI: g.vrCI,
        vrCC: g.vrCC,
        vrCCCI: g.vrCCCI,
        categoryAccuracy: g.categoryAccuracy,
        invalidRate: g.invalidRate,
        costUsd: g.costUsd,
      });
    }
  }
  return rows;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: "boolean" } }, USAGE);
  if (values.help) {
    console.log(`usage: ${USAGE}`);
    return 0;
  }
  if (positionals.length < 1) throw new InputError(`expected at least one run directory\nusage: ${USAGE}`);
  const rows = await compareRuns(positionals);
  if (values.json) {
    console.log(JSON.stringify(rows, null, 2));
    return 0;
  }
  console.log(
    textTable(
      ["run", "model", "condition", "value", "n", "angle", "VR", "95% CI", "VR_cc", "95% CI", "cat.acc", "invalid%", "cost $"],
      rows.map((r) => [
        r.run,
        r.model,
        r.condition ?? "-",
        r.value,
        String(r.n),
        fmt(r.angle),
        fmt(r.vr, 3),
        fmtCI(r.vrCI, 3),
        fmt(r.vrCC, 3),
        fmtCI(r.vrCCCI, 3),
        fmt(r.categoryAccuracy),
        fmt(r.invalidRate === null ? null : 100 * r.invalidRate, 1),
        r.costUsd.toFixed(4),
      ]),
    ),
  );
  return 0;
}
