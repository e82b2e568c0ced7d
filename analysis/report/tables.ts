/**
 * The summary tables every report format shows (groups, agents), as data: header, cells already
 * formatted, and which columns are numeric. Markdown, HTML and the terminal only lay them out, so
 * the three never disagree on a column or a digit.
 *
 * @example
 * const t = groupTable(summary);
 * mdTable(t.header, t.rows, t.numeric);
 */
import type { Summary } from "../summary.ts";

export interface TableData {
  readonly header: readonly string[];
  readonly rows: string[][];
  /** Right-aligned columns. */
  readonly numeric: readonly boolean[];
}

/** Fixed-precision number or "–" for null. */
export function fmt(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(digits);
}

/** An interval as "[low, high]", or "" when there is none. */
export function fmtCI(ci: [number, number] | null, digits = 2): string {
  return ci ? `[${fmt(ci[0], digits)}, ${fmt(ci[1], digits)}]` : "";
}

/** One row per (model, condition, value) group: the paper's table in full. */
export function groupTable(s: Summary): TableData {
  return {
    header: ["model", "condition", "value", "n", "angle", "95% CI", "category", "cat. acc.", "VR", "95% CI", "chance", "VR_cc", "95% CI", "invalid %", "cost $"],
    rows: s.groups.map((g) => [
      g.model, g.condition ?? "–", g.value, String(g.n), fmt(g.angle), fmtCI(g.angleCI), g.category ?? "–", fmt(g.categoryAccuracy),
      fmt(g.vr, 3), fmtCI(g.vrCI, 3), fmt(g.vrChance, 3), fmt(g.vrCC, 3), fmtCI(g.vrCCCI, 3),
      fmt(g.invalidRate === null ? null : 100 * g.invalidRate, 1), g.costUsd.toFixed(4),
    ]),
    numeric: [false, false, false, true, true, true, false, true, true, true, true, true, true, true, true],
  };
}

/** One row per agent. */
export function agentTable(s: Summary): TableData {
  return {
    header: ["agent", "type", "model", "value", "target set", "trajectories", "invalid", "angle", "95% CI", "category", "cat. acc.", "VR", "95% CI", "chance", "VR_cc"],
    rows: s.agents.map((a) => [
      a.id, a.type, a.model ?? "–", String(a.value), fmtCI(a.targetSet), String(a.trajectories), String(a.invalid), fmt(a.angle), fmtCI(a.angleCI),
      a.category ?? "–", fmt(a.categoryAccuracy), fmt(a.vr, 3), fmtCI(a.vrCI, 3), fmt(a.vrChance, 3), fmt(a.vrCC, 3),
    ]),
    numeric: [false, false, false, false, true, true, true, true, true, false, true, true, true, true, true],
  };
}
