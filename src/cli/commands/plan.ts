/**
 * `hvae plan <scenario> [--json]`: before paying, what a scenario or experiment will do — per
 * cell the sessions, decisions, model calls, estimated input and output tokens and cost — and the
 * total, with the method of estimation stated (src/experiment/estimate.ts).
 *
 * @example
 * // hvae plan scenarios/hvae-paper.yaml
 * // hvae plan scenarios/hvae-paper.yaml --json | jq .total.costUsd
 */
import { formatCost } from "../../core/money.ts";
import { InputError } from "../../core/errors.ts";
import { estimateCell, estimateMethod, MAX_SIMULATED_CALLS, MIN_CELL_CALLS, type CellEstimate } from "../../experiment/estimate.ts";
import { loadScenario, type LoadedScenario } from "../../scenario/load.ts";
import { textTable } from "../../../analysis/report/terminal.ts";
import { parseFlags } from "../args.ts";

const USAGE = "hvae plan <scenario> [--json]";

export interface PlannedCell extends CellEstimate {
  readonly id: string;
  readonly factors: Readonly<Record<string, unknown>>;
}

export interface Plan {
  readonly scenario: string;
  readonly cells: PlannedCell[];
  readonly total: { sessions: number; decisions: number; calls: number; inputTokens: number; outputTokens: number; costUsd: number | null; pricedCostUsd: number };
  readonly method: string;
}

/**
 * The plan of a loaded scenario: one cell per sweep cell, or one cell for a plain scenario.
 *
 * @example
 * const plan = await planScenario(await loadScenario("scenarios/demo.yaml"));
 */
export async function planScenario(loaded: LoadedScenario): Promise<Plan> {
  const cells: PlannedCell[] = [];
  const list = loaded.cells ?? [{ id: "c01", factors: {}, scenario: loaded.scenario }];
  // One budget of dry calls for the whole plan, shared by the cells.
  const maxCalls = Math.max(MIN_CELL_CALLS, Math.floor(MAX_SIMULATED_CALLS / list.length));
  for (const cell of list) {
    cells.push({ id: cell.id, factors: cell.factors, ...(await estimateCell(cell.scenario, { dir: loaded.dir, maxCalls })) });
  }
  const add = (f: (c: PlannedCell) => number) => cells.reduce((s, c) => s + f(c), 0);
  return {
    scenario: loaded.scenario.name,
    cells,
    total: {
      sessions: add((c) => c.sessions),
      decisions: add((c) => c.decisions),
      calls: add((c) => c.calls),
      inputTokens: add((c) => c.inputTokens),
      outputTokens: add((c) => c.outputTokens),
      costUsd: cells.some((c) => c.costUsd === null) ? null : add((c) => c.costUsd!),
      pricedCostUsd: add((c) => c.pricedCostUsd),
    },
    method: estimateMethod(),
  };
}

/** The plan as a terminal table, cell by cell, with the total and the method below. */
export function formatPlan(plan: Plan): string {
  const factorNames = [...new Set(plan.cells.flatMap((c) => Object.keys(c.factors)))];
  const rows = plan.cells.map((c) => [
    c.id,
    ...factorNames.map((f) => String(c.factors[f] ?? "")),
    String(c.sessions),
    String(c.decisions),
    String(c.calls),
    String(c.inputTokens),
    String(c.outputTokens),
    formatCost(c),
  ]);
  const t = plan.total;
  rows.push(["total", ...factorNames.map(() => ""), String(t.sessions), String(t.decisions), String(t.calls), String(t.inputTokens), String(t.outputTokens), formatCost(t)]);
  const table = textTable(["cell", ...factorNames, "sessions", "decisions", "calls", "tokens in", "tokens out", "cost"], rows);
  const unpriced = [...new Set(plan.cells.flatMap((c) => c.models.filter((m) => m.costUsd === null).map((m) => m.model)))];
  const notes = [
    `estimate: ${plan.method}`,
    ...plan.cells.flatMap((c) => (c.simulatedSessions < c.sessions ? [`${c.id}: ${c.simulatedSessions} of ${c.sessions} sessions simulated, the rest extrapolated per session`] : [])),
    ...(unpriced.length ? [`no known price for ${unpriced.join(", ")}: add it under prices: (USD per million tokens), e.g. prices: { "${unpriced[0]}": { input: 0.5, output: 1.5 } }`] : []),
  ];
  return `${table}\n\n${notes.join("\n")}`;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: "boolean" } }, USAGE);
  if (values.help) {
    console.log(`usage: ${USAGE}\n\nPlanned cells, sessions, decisions, model calls, tokens and cost, before anything is paid.`);
    return 0;
  }
  if (positionals.length !== 1) throw new InputError(`expected one scenario file\nusage: ${USAGE}`);
  const plan = await planScenario(await loadScenario(positionals[0]));
  console.log(values.json ? JSON.stringify(plan, null, 2) : formatPlan(plan));
  return 0;
}
