/**
 * The summary tables every report format shows (groups, agents), as data: header, cells already
 * formatted, and which columns are numeric. Markdown, HTML and the terminal only lay them out, so
 * the three never disagree on a column or a digit.
 *
 * @example
 * const t = groupTable(summary);
 * mdTable(t.header, t.rows, t.numeric);
 */
import { costCell } from "../../src/core/money.ts";
import type { AngleIdentification, InteractionCell, Summary } from "../summary.ts";

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

/** An interval as "[low, high]", or "–" when there is none (e.g. fewer than two units). */
export function fmtCI(ci: [number, number] | null, digits = 2): string {
  return ci ? `[${fmt(ci[0], digits)}, ${fmt(ci[1], digits)}]` : "–";
}

/** An interval list as "[a, b] ∪ [c, d]" (degrees), or "" when there is none. */
export function fmtSet(set: readonly (readonly [number, number])[] | null, digits = 1): string {
  // A single angle in braces: a set of one point, not an estimate.
  return set && set.length ? set.map(([a, b]) => (a === b ? `{${fmt(a, digits)}}` : `[${fmt(a, digits)}, ${fmt(b, digits)}]`)).join(" ∪ ") : "";
}

/**
 * The angle cell: the angle, or "not identified (reason)" with the set of angles the choices fit
 * (METHOD §10), never a bare number when θ is not identified.
 *
 * @example
 * angleCell({ angle: null, identified: false, angleSet: [[-44.9, 89.9]], reason: "separation: …" });
 * // "not identified (separation) [-44.9, 89.9]"
 */
export function angleCell(x: AngleIdentification & { readonly angle: number | null }): string {
  if (x.angle !== null) return fmt(x.angle);
  if (x.reason === null) return fmt(null);
  const tag = x.reason.split(":")[0];
  // With β ≈ 0 the best-fitting set is noise (it stays in the JSON with its fit count).
  const set = tag === "β ≈ 0" ? "" : fmtSet(x.angleSet);
  return `not identified (${tag})${set ? ` ${set}` : ""}`;
}

/** One row per (model, condition, value) group: the paper's table in full. */
export function groupTable(s: Summary): TableData {
  return {
    header: ["model", "condition", "value", "n", "angle", "95% CI", "category", "cat. acc.", "VR", "95% CI", "chance", "VR_cc", "95% CI", "VR inv.=chance", "VR inv.=0", "invalid %", "95% CI", "cost $"],
    rows: s.groups.map((g) => [
      g.model, g.condition ?? "–", g.value, String(g.n), angleCell(g), fmtCI(g.angleCI), g.category ?? "–", fmt(g.categoryAccuracy),
      fmt(g.vr, 3), fmtCI(g.vrCI, 3), fmt(g.vrChance, 3), fmt(g.vrCC, 3), fmtCI(g.vrCCCI, 3),
      fmt(g.vrInvalidChance, 3), fmt(g.vrInvalidZero, 3),
      pct(g.invalidRate), pctCI(g.invalidRateCI), costCell(g),
    ]),
    numeric: [false, false, false, true, true, true, false, true, true, true, true, true, true, true, true, true, true, true],
  };
}

/** A rate as a percentage with one decimal, or "–". */
export const pct = (x: number | null): string => fmt(x === null ? null : 100 * x, 1);
/** A rate's interval in percent. */
export const pctCI = (ci: [number, number] | null): string => (ci ? fmtCI([100 * ci[0], 100 * ci[1]], 1) : "–");

/**
 * One row per interaction cell: a group of the groups table (model, condition, own value) with
 * partners of one value; `agents` gives the per-agent view instead.
 */
export function interactionTable(s: Summary, view: "groups" | "agents" = "groups"): TableData {
  const cells: readonly (InteractionCell & { agentId?: string })[] = view === "groups" ? s.interactions : s.agentInteractions;
  const lead = view === "groups" ? [] : ["agent"];
  return {
    header: [...lead, "model", "condition", "value", "partner value", "n", "angle", "95% CI", "VR", "95% CI", "VR_cc", "95% CI"],
    rows: cells.map((c) => [
      ...(view === "groups" ? [] : [c.agentId ?? ""]),
      c.model, c.condition ?? "–", c.value, c.partnerValue, String(c.n), angleCell(c), fmtCI(c.angleCI), fmt(c.vr, 3), fmtCI(c.vrCI, 3), fmt(c.vrCC, 3), fmtCI(c.vrCCCI, 3),
    ]),
    numeric: [...lead.map(() => false), false, false, false, false, true, true, true, true, true, true, true],
  };
}

/** Under every table: what the intervals resample (METHOD §12). */
export function unitNote(s: Summary): string {
  const b = s.run.bootstrap;
  const plural = (u: string) => (u === "trajectory" ? "trajectories" : `${u}s`);
  return (
    `95% CIs over ${plural(b.unit)}${b.agentUnit !== b.unit ? ` (agent rows: ${plural(b.agentUnit)} within the agent)` : ""}: ` +
    `VR Student t on the cluster means, ` +
    (s.run.method === "slider" ? `angles circular percentile bootstrap (${b.resamples} resamples)` : "identified angles profile likelihood") +
    `; invalid % Wilson at the design-effect sample size; – = fewer than two units.`
  );
}

/** One row per agent. */
export function agentTable(s: Summary): TableData {
  return {
    header: ["agent", "type", "model", "value", "target set", "trajectories", "invalid", "angle", "95% CI", "category", "cat. acc.", "VR", "95% CI", "chance", "VR_cc"],
    rows: s.agents.map((a) => [
      a.id, a.type, a.model ?? "–", String(a.value), a.targetSet ? fmtCI(a.targetSet) : "per decision", String(a.trajectories), String(a.invalid), angleCell(a), fmtCI(a.angleCI),
      a.category ?? "–", fmt(a.categoryAccuracy), fmt(a.vr, 3), fmtCI(a.vrCI, 3), fmt(a.vrChance, 3), fmt(a.vrCC, 3),
    ]),
    numeric: [false, false, false, false, true, true, true, true, true, false, true, true, true, true, true],
  };
}

/** A group's short label: model · value · condition (the condition only when there is one). */
const groupLabel = (g: { model: string; value: string; condition: string | null }) =>
  [g.model, g.value, g.condition].filter((x) => x !== null).join(" · ");

/**
 * The game measures (METHOD §11): one row per measure, its unit, the run's mean (n) and the
 * mean per group; null when the game has none.
 */
export function measureTable(s: Summary): TableData | null {
  if (!s.measures || s.measures.length === 0) return null;
  const labels = s.groups.map(groupLabel);
  // Each mean with its 95 % interval (agents resampled); "–" where fewer than two agents measured.
  const withCI = (mean: number | null, ci: [number, number] | null | undefined) => `${fmt(mean, 3)} ${fmtCI(ci ?? null, 3)}`;
  return {
    header: ["measure", "unit", "all [95% CI] (n)", ...labels],
    rows: s.measures.map((m) => [
      m.name,
      m.unit,
      `${withCI(m.value, m.ci)} (${m.n})`,
      ...s.groups.map((g) => {
        const x = m.groups.find((y) => y.model === g.model && y.value === g.value && y.condition === g.condition);
        return x && x.n ? withCI(x.mean, x.ci) : "–";
      }),
    ]),
    numeric: [false, false, true, ...labels.map(() => true)],
  };
}

/** What a row of the comparisons table shows of one comparison (`hvae compare`). */
export interface ComparisonCells {
  factor: string;
  cellA: string;
  cellB: string;
  levelA: unknown;
  levelB: unknown;
  value: string;
  model: string;
  condition: string | null;
  a: number | null;
  b: number | null;
  difference: number | null;
  ci: [number, number] | null;
  p: number | null;
  pAdjusted: number | null;
  effect: number | null;
}

/** The comparisons table's columns, shared by the terminal table and the experiment report. */
export const COMPARISON_HEADER = ["factor", "cell a", "cell b", "value", "model", "condition", "est. a", "est. b", "b − a", "95% CI", "p", "p (Holm)", "Hedges' g", ""];

/**
 * One comparison as table cells; `text` escapes the free-text cells (HTML) and `mark` flags a
 * Holm-significant row.
 */
export function comparisonRow(
  c: ComparisonCells,
  text: (s: string) => string = (s) => s,
  mark = "*",
): string[] {
  return [
    text(c.factor),
    `${text(c.cellA)} (${text(String(c.levelA))})`,
    `${text(c.cellB)} (${text(String(c.levelB))})`,
    text(c.value),
    text(c.model),
    text(c.condition ?? "–"),
    fmt(c.a, 3),
    fmt(c.b, 3),
    fmt(c.difference, 3),
    fmtCI(c.ci, 3),
    fmt(c.p, 4),
    fmt(c.pAdjusted, 4),
    fmt(c.effect, 2),
    c.pAdjusted !== null && c.pAdjusted < 0.05 ? mark : "",
  ];
}

