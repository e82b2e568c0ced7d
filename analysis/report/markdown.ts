/**
 * summary.md: the run's numbers as Markdown tables, with the paper's layout first (rows: model ×
 * prompt condition, columns: target values, cells: VR with its interval and VR_cc).
 *
 * @example
 * writeFileSync("report/summary.md", summaryMarkdown(analysis.summary));
 */
import { formatCost } from "../../src/core/money.ts";
import type { GroupSummary, Summary } from "../summary.ts";
import { valueRank } from "../summary.ts";
import { agentTable, fmt as f, fmtCI as ci, groupTable, interactionTable, measureTable, unitNote, type TableData } from "./tables.ts";

const tableArgs = (t: TableData) => [t.header, t.rows, t.numeric] as const;
const esc = (s: string) => s.replace(/\|/g, "\\|");

/** A Markdown table; numbers right-aligned. */
export function mdTable(header: readonly string[], rows: readonly string[][], numeric: readonly boolean[] = []): string {
  const align = header.map((_, i) => (numeric[i] ? "---:" : "---"));
  return [header, align, ...rows].map((r) => `| ${r.map(esc).join(" | ")} |`).join("\n");
}

/** The paper's table: one row per (model, condition), one column per value, VR [CI] / VR_cc. */
export function paperTable(groups: readonly GroupSummary[]): string {
  const values = [...new Set(groups.map((g) => g.value))].sort((a, b) => valueRank(a) - valueRank(b));
  const rowKeys = [...new Set(groups.map((g) => JSON.stringify([g.model, g.condition])))];
  const rows = rowKeys.map((key) => {
    const [model, condition] = JSON.parse(key) as [string, string | null];
    return [
      model,
      condition ?? "–",
      ...values.map((v) => {
        const g = groups.find((x) => x.model === model && x.condition === condition && x.value === v);
        return g ? `${f(g.vr, 3)} ${ci(g.vrCI, 3)} / ${f(g.vrCC, 3)}` : "";
      }),
    ];
  });
  return mdTable(["model", "condition", ...values], rows);
}

/**
 * The whole summary.md.
 *
 * @example
 * summaryMarkdown(summary).startsWith("# hvae report"); // true
 */
export function summaryMarkdown(s: Summary): string {
  const r = s.run;
  const method =
    r.method === "slider"
      ? "slider formula on the primary items (METHOD §3)"
      : "the game's own choices: ideal options per decision, the angle as a set unless identified (METHOD §8–10)";
  const parts: string[] = [
    `# hvae report: ${r.scenario}`,
    "",
    `Run \`${r.id}\` · game ${r.game} · seed ${r.seed} · status ${r.status ?? "unknown"} · scoring: ${method}.`,
    "",
    `${r.trajectories} trajectories (${r.invalidTrajectories} invalid, ${r.incompleteTrajectories} incomplete), ${r.decisions} decisions ` +
      `(${f(r.invalidRate === null ? null : 100 * r.invalidRate, 1)} % invalid), ${r.modelCalls} model calls (${r.cachedCalls} cached), ` +
      `${r.inputTokens} input + ${r.outputTokens} output tokens, cost ${formatCost(r)}${r.costUsd === null ? ` (${r.unpricedCalls} calls to models without a known price)` : ""}.`,
    "",
    ...(r.note ? [`**Note:** ${r.note}.`, ""] : []),
    "## Value rationality (paper layout)",
    "",
    r.method === "slider"
      ? "Cells: VR [95 % t interval over clusters] / chance-corrected VR. VR = 1 − d(θ, S)/d_max (METHOD §4); VR_cc = (VR − VR_chance)/(1 − VR_chance), 0 = no better than uniform random answers."
      : "Cells: VR [95 % t interval over clusters] / chance-corrected VR. VR = 1 − Σd/Σd_max over each trajectory's decisions, d = distance of the choice to the target's ideal options (METHOD §9); VR_cc = (VR − VR_chance)/(1 − VR_chance), chance = a uniform random chooser on the same moves.",
    "",
    paperTable(s.groups),
    "",
    unitNote(s),
    "",
    "## Groups",
    "",
    "VR drops trajectories with an invalid answer; VR inv.=chance counts each invalid answer as a uniform random choice, VR inv.=0 as 0 (METHOD §12).",
    "",
    mdTable(...tableArgs(groupTable(s))),
    "",
    unitNote(s),
    "",
    ...(() => {
      const m = measureTable(s);
      return m ? ["## Game measures", "", "Means per valid decision (per trial for stock and survival), each with its 95 % interval from a bootstrap that resamples agents; METHOD §11.", "", mdTable(...tableArgs(m)), ""] : [];
    })(),
    "## Agents",
    "",
    mdTable(...tableArgs(agentTable(s))),
    "",
    unitNote(s),
  ];
  if (s.interactions.length) {
    parts.push(
      "",
      "## By partner's value",
      "",
      r.method === "slider"
        ? "One row per group of the groups table (model, condition, own value) and partner value (\"none\": the imaginary other); never pooled across models, agent types or conditions. Angle: circular mean; VR with its interval."
        : "One row per group of the groups table (model, condition, own value) and partner value (\"none\": the imaginary other): the angle of the group's pooled choices, or \"not identified\" with the set they fit; VR with its interval.",
      "",
      mdTable(...tableArgs(interactionTable(s))),
      "",
      unitNote(s),
      "",
      "### Per agent",
      "",
      mdTable(...tableArgs(interactionTable(s, "agents"))),
      "",
      unitNote(s),
    );
  }
  if (s.probabilities) {
    const pr = s.probabilities;
    parts.push(
      "",
      "## From the option probabilities",
      "",
      `The models' probabilities of each option (decision.made \`probabilities\`) give expectations without sampling noise over ${pr.trajectories.length} trajectories: E angle is the angle of the expected payoff means, E VR the exact expected VR of a trajectory (METHOD §13). Per-item choice distributions are in \`hvae analyze --json\` (\`probabilities.groups[].items\`).`,
      "",
      mdTable(
        ["model", "condition", "value", "n", "E angle (°)", "E VR"],
        pr.groups.map((g) => [g.model, g.condition ?? "-", g.value, String(g.n), f(g.expectedAngle, 2), f(g.expectedVr, 3)]),
      ),
    );
  }
  return `${parts.join("\n")}\n`;
}
