/**
 * report.html: one self-contained file that opens offline — inline CSS, the charts as inline SVG,
 * the tables as HTML; no scripts, fonts or images fetched from anywhere.
 *
 * @example
 * writeFileSync("report/report.html", reportHtml(analysis, await renderCharts(analysis)));
 */
import { formatCost } from "../../src/core/money.ts";
import type { Analysis } from "../summary.ts";
import type { RenderedChart } from "./charts.ts";
import { agentTable, fmt as f, groupTable, interactionTable, measureTable, unitNote, type TableData } from "./tables.ts";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
function table({ header, rows, numeric }: TableData): string {
  const th = header.map((h, i) => `<th${numeric[i] ? ' class="num"' : ""}>${esc(h)}</th>`).join("");
  const tr = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="num"' : ""}>${esc(c)}</td>`).join("")}</tr>`).join("\n");
  return `<table>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${tr}\n</tbody>\n</table>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 10px;border-bottom:1px solid #dde1e6;padding-bottom:4px}
.meta{color:#56606b;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:20px}.card span{color:#56606b;font-size:12px}
figure{background:#fff;border:1px solid #dde1e6;border-radius:8px;margin:16px 0;padding:12px;overflow-x:auto}
figcaption{font-weight:600;margin-bottom:6px}
table{border-collapse:collapse;background:#fff;font-size:13px;margin:8px 0;display:block;overflow-x:auto}
th,td{padding:4px 9px;border-bottom:1px solid #e6e9ed;text-align:left;white-space:nowrap}
th{background:#eef1f4;position:sticky;top:0}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#56606b;font-size:13px;max-width:820px}
`;

/**
 * The report page.
 *
 * @example
 * const html = reportHtml(analysis, charts); // "<!doctype html>…"
 */
export function reportHtml(a: Analysis, charts: readonly RenderedChart[]): string {
  const s = a.summary;
  const r = s.run;
  const method = r.method === "slider" ? "slider formula on the primary items" : "the game's own choices (ideal options per decision; the angle as a set unless identified)";
  const cards = [
    [String(s.agents.length), "agents"],
    [String(r.trajectories), "trajectories"],
    [String(r.decisions), "decisions"],
    [`${f(r.invalidRate === null ? null : 100 * r.invalidRate, 1)} %`, "invalid answers"],
    [String(r.inputTokens + r.outputTokens), "tokens"],
    [formatCost(r), r.costUsd === null ? `cost (${r.unpricedCalls} unpriced calls)` : "cost"],
  ]
    .map(([v, l]) => `<div class="card"><b>${esc(v)}</b><span>${esc(l)}</span></div>`)
    .join("");
  const figures = charts
    .map((c) => `<figure id="chart-${esc(c.id)}">\n<figcaption>${esc(c.title)}</figcaption>\n${c.svg}\n</figure>`)
    .join("\n");
  const unit = `<p class="note">${esc(unitNote(s))}</p>`;
  const groups = `${table(groupTable(s))}\n<p class="note">VR drops trajectories with an invalid answer; VR inv.=chance counts each invalid answer as a uniform random choice, VR inv.=0 as 0.</p>\n${unit}`;
  const agents = `${table(agentTable(s))}\n${unit}`;
  const interactions = s.interactions.length
    ? `<h2>By partner's value</h2>\n<p class="note">One row per group (model, condition, own value) and partner value; never pooled across models, agent types or conditions.</p>\n${table(interactionTable(s))}\n${unit}\n<h2>By partner's value, per agent</h2>\n${table(interactionTable(s, "agents"))}\n${unit}\n`
    : "";
  const measureData = measureTable(s);
  const measures = measureData ? `<h2>Game measures</h2>\n<p class="note">Means per valid decision (per trial for stock and survival), each with its 95 % interval from a bootstrap that resamples agents (METHOD §11).</p>\n${table(measureData)}\n` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hvae report: ${esc(r.scenario)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>hvae report: ${esc(r.scenario)}</h1>
<p class="meta">run ${esc(r.id)} · game ${esc(r.game)} · seed ${r.seed} · status ${esc(r.status ?? "unknown")} · scoring: ${esc(method)}</p>
<div class="cards">${cards}</div>
${r.note ? `<p class="note"><b>Note:</b> ${esc(r.note)}.</p>` : ""}
<p class="note">${r.method === "slider" ? "VR = 1 − d(θ, S)/d<sub>max</sub>, where S is the target value's ideal set of angles" : "VR = 1 − Σd/Σd<sub>max</sub> over a trajectory's decisions, d = the distance of each choice to the target's ideal options"}; VR<sub>cc</sub> = (VR − VR<sub>chance</sub>)/(1 − VR<sub>chance</sub>)
corrects for a uniformly random responder (0 = chance, 1 = perfect). 95 % intervals over the independent unit (cluster): Student t on the cluster means for VR, a seeded circular percentile bootstrap for angles (METHOD §12); the unit is written under each table.</p>
<h2>Charts</h2>
${figures}
<h2>Groups (model × condition × value)</h2>
${groups}
${measures}<h2>Agents</h2>
${agents}
${interactions}</main>
</body>
</html>
`;
}
