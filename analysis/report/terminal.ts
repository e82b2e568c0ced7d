/**
 * Terminal rendering of an analysis: fixed-width tables for `hvae analyze`, `hvae compare` and
 * the table `hvae run` prints when it finishes.
 *
 * @example
 * console.log(formatSummary((await analyzeRun(dir)).summary));
 */
import { costCell, formatCost } from "../../src/core/money.ts";
import type { Summary } from "../summary.ts";
import { consistencyTable } from "./consistency-table.ts";
import { angleCell, fmt, fmtCI, interactionTable, measureTable, pct, pctCI, unitNote as unitNoteOf } from "./tables.ts";


/** Left-aligned text columns, right-aligned numbers, one header rule. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[-–+\d.[\], %$]*$/.test(r[i])));
  const line = (r: string[]) =>
    r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const MAX_AGENT_ROWS = 40;

/** The terminal rendering of a summary: run line, groups (the paper's table), agents, interactions. */
export function formatSummary(s: Summary): string {
  const r = s.run;
  const out: string[] = [];
  out.push(
    `run ${r.id}  scenario ${r.scenario}  game ${r.game}  scoring: ${r.method === "slider" ? "slider formula (primary items)" : "the game's own choices (ideal options per decision)"}`,
  );
  out.push(
    `${r.trajectories} trajectories (${r.invalidTrajectories} invalid, ${r.incompleteTrajectories} incomplete), ` +
      `${r.decisions} decisions (${fmt(r.invalidRate === null ? null : 100 * r.invalidRate, 1)}% invalid), ` +
      `${r.modelCalls} model calls, ${r.inputTokens + r.outputTokens} tokens, cost ${formatCost(r)}` +
      (r.status ? `, status ${r.status}` : ""),
  );
  if (r.note) out.push(`note: ${r.note}`);
  out.push("", "Groups (model × condition × value):");
  out.push(
    textTable(
      ["model", "condition", "value", "n", "angle", "95% CI", "VR", "95% CI", "chance", "VR_cc", "cat.acc", "VR inv=chance", "VR inv=0", "invalid%", "95% CI", "cost $"],
      s.groups.map((g) => [
        g.model,
        g.condition ?? "-",
        g.value,
        String(g.n),
        angleCell(g),
        fmtCI(g.angleCI),
        fmt(g.vr, 3),
        fmtCI(g.vrCI, 3),
        fmt(g.vrChance, 3),
        fmt(g.vrCC, 3),
        fmt(g.categoryAccuracy, 2),
        fmt(g.vrInvalidChance, 3),
        fmt(g.vrInvalidZero, 3),
        pct(g.invalidRate),
        pctCI(g.invalidRateCI),
        costCell(g),
      ]),
    ),
  );
  const unitNote = unitNoteOf(s);
  out.push(unitNote);
  const measures = measureTable(s);
  if (measures) out.push("", "Game measures (METHOD §11; means per valid decision or per trial, 95 % intervals resampling agents):", textTable([...measures.header], measures.rows));
  const consistency = consistencyTable(s);
  if (consistency) out.push("", "Position bias and consistency (groups):", textTable(consistency.header, consistency.rows), consistency.note);
  out.push("", "Agents:");
  const shown = s.agents.slice(0, MAX_AGENT_ROWS);
  out.push(
    textTable(
      ["agent", "type", "value", "target set", "traj", "invalid", "angle", "95% CI", "category", "cat.acc", "VR", "95% CI", "VR_cc"],
      shown.map((a) => [
        a.id,
        a.model ? `${a.type} ${a.model}` : a.type,
        String(a.value),
        a.targetSet ? fmtCI(a.targetSet) : "per decision",
        String(a.trajectories),
        String(a.invalid),
        angleCell(a),
        fmtCI(a.angleCI),
        a.category ?? "–",
        fmt(a.categoryAccuracy),
        fmt(a.vr, 3),
        fmtCI(a.vrCI, 3),
        fmt(a.vrCC, 3),
      ]),
    ),
  );
  out.push(unitNote);
  if (s.agents.length > shown.length) out.push(`… ${s.agents.length - shown.length} more agents (see --json or hvae report)`);
  if (s.interactions.some((c) => c.partnerValue !== "none")) {
    out.push("", r.method === "slider" ? "By partner's value (rows: group × partner value; never pooled across models or conditions):" : "By partner's value (rows: group × partner value; pooled choices of the group):");
    const t = interactionTable(s);
    out.push(textTable([...t.header], t.rows), unitNote);
  }
  if (s.probabilities) {
    const pr = s.probabilities;
    out.push("", `From the option probabilities (no sampling noise; ${pr.trajectories.length} trajectories; docs/METHOD.md §13):`);
    out.push(
      textTable(
        ["model", "condition", "value", "n", "E angle", "E VR"],
        pr.groups.map((g) => [g.model, g.condition ?? "-", g.value, String(g.n), fmt(g.expectedAngle, 2), fmt(g.expectedVr, 3)]),
      ),
    );
  }
  return out.join("\n");
}

/** The short per-agent table `hvae run` prints at the end: angle, category, VR and VR_cc. */
export function formatAgentsBrief(s: Summary): string {
  const shown = s.agents.slice(0, MAX_AGENT_ROWS);
  const table = textTable(
    ["agent", "type", "value", "traj", "angle", "category", "VR", "VR_cc"],
    shown.map((a) => [
      a.id,
      a.model ? `${a.type} ${a.model}` : a.type,
      String(a.value),
      String(a.trajectories),
      angleCell(a),
      a.category ?? "–",
      fmt(a.vr, 3),
      fmt(a.vrCC, 3),
    ]),
  );
  const more = s.agents.length > shown.length ? `\n… ${s.agents.length - shown.length} more agents (hvae analyze <runDir>)` : "";
  return table + more;
}
