/**
 * The viewer's pages as HTML strings, rendered on the server from the run index (no templates,
 * no build step). Every page loads /static/app.js, a plain ES module that adds charts, filters
 * and the live feed; everything shown is in the HTML already, so pages read fine without it.
 *
 * @example
 * res.end(decisionPage(run, detail, persona));
 */
import type { Analysis } from "../../analysis/summary.ts";
import { formatCost } from "../core/money.ts";
import { agentTable, fmt, groupTable } from "../../analysis/report/tables.ts";
import type { ResolvedCall } from "../store/transcript-reader.ts";
import type { DecisionDetail, DecisionRow, LiveProgress, RunIndex } from "./run-index.ts";

export const esc = (s: unknown) =>
  String(s ?? "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export const runHref = (runId: string) => `/run/${encodeURIComponent(runId)}/`;
export const agentHref = (runId: string, agentId: string) => `/run/${encodeURIComponent(runId)}/agent/${encodeURIComponent(agentId)}`;
/** The stable deep link of a decision; `run` is needed only when the viewer serves several runs. */
export const decisionHref = (decisionId: string, runId: string | null) =>
  `/decision/${encodeURIComponent(decisionId)}${runId ? `?run=${encodeURIComponent(runId)}` : ""}`;

export function layout(title: string, body: string, opts: { live?: string | null; nav?: string } = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · hvae view</title>
<link rel="stylesheet" href="/static/view.css">
</head><body${opts.live ? ` data-live="${esc(opts.live)}"` : ""}>
<header class="top"><a class="brand" href="/">hvae view</a>${opts.nav ?? ""}
<form class="search" action="/search" method="get"><input name="q" type="search" placeholder="search transcripts (e.g. fair)" aria-label="search transcripts"><button>search</button></form></header>
<main>
${body}
</main>
<script src="/vendor/vega.js"></script><script src="/vendor/vega-lite.js"></script><script src="/vendor/vega-embed.js"></script>
<script type="module" src="/static/app.js"></script>
</body></html>`;
}

export interface RunListEntry {
  runId: string;
  status: string;
  scenario: string;
  models: string[];
  /** Null when nothing is known of the run's cost yet (no index, no run.completed). */
  cost: { costUsd: number | null; pricedCostUsd?: number } | null;
  decisions: number | null;
  started: string | null;
}

export function runsPage(root: string, runs: RunListEntry[]): string {
  const rows = runs
    .map(
      (r) => `<tr class="status-${esc(r.status)}"><td><a href="${runHref(r.runId)}">${esc(r.runId)}</a></td><td>${esc(r.status)}</td><td>${esc(r.scenario)}</td>
<td>${esc(r.models.join(", ") || "–")}</td><td class="num">${r.decisions ?? "–"}</td><td class="num">${r.cost === null ? "–" : esc(formatCost(r.cost))}</td><td>${esc(r.started ?? "")}</td></tr>`,
    )
    .join("\n");
  return layout(
    "runs",
    `<h1>Runs in ${esc(root)}</h1>
<table id="runs"><thead><tr><th>run</th><th>status</th><th>scenario</th><th>models</th><th class="num">decisions</th><th class="num">cost</th><th>started</th></tr></thead>
<tbody>${rows || `<tr><td colspan="7">no run directories here</td></tr>`}</tbody></table>`,
  );
}

function progressPanel(p: LiveProgress, runId: string): string {
  const pct = p.total ? Math.min(100, (100 * p.done) / p.total) : 0;
  const groups = p.live.groups.map((g) => `<li><b>${esc(g.value)}</b> VR ${g.vr.toFixed(3)} · VR<sub>cc</sub> ${g.vrCC === null ? "–" : g.vrCC.toFixed(3)} <span class="dim">(n=${g.n})</span></li>`).join("");
  return `<section id="progress" class="panel" data-run="${esc(runId)}">
<div class="bar"><div style="width:${pct.toFixed(1)}%"></div></div>
<p><b id="progress-text">${esc(p.text)}</b> · status <b id="run-status">${esc(p.runStatus)}</b> · <span id="progress-cost">${esc(p.live.costUsd === null ? `cost ${formatCost(p.live)}` : formatCost(p.live))}</span> · <span id="progress-invalid">${p.live.invalidDecisions} invalid</span></p>
<p class="dim" id="progress-status">${esc(p.status)}</p>
<ul id="live-groups" class="groups">${groups}</ul></section>`;
}

function filterBar(a: Analysis): string {
  const agents = a.summary.agents;
  const conds = (a.summary.groups ?? []).map((g) => g.condition ?? "–");
  const select = (name: string, values: string[]) =>
    `<label>${name} <select name="${name}" data-filter="${name}"><option value="">all</option>${[...new Set(values)].sort().map((v) => `<option>${esc(v)}</option>`).join("")}</select></label>`;
  return `<form id="filters" class="filters">${select("value", agents.map((x) => String(x.value)))}${select("model", agents.map((x) => x.model ?? x.type))}${select("condition", conds)}${select("type", agents.map((x) => x.type))}</form>`;
}

export function rowsTable(id: string, header: readonly string[], numeric: readonly boolean[], rows: { cells: string[]; attrs: Record<string, string>; cls?: string }[]): string {
  const th = header.map((h, i) => `<th${numeric[i] ? ' class="num"' : ""}>${esc(h)}</th>`).join("");
  const tr = rows
    .map((r) => `<tr${r.cls ? ` class="${r.cls}"` : ""} ${Object.entries(r.attrs).map(([k, v]) => `data-${k}="${esc(v)}"`).join(" ")}>${r.cells.map((c, i) => `<td${numeric[i] ? ' class="num"' : ""}>${c}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table id="${id}"><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

export function decisionRows(rows: DecisionRow[], runId: string | null): string {
  return rows
    .map(
      (r) => `<tr class="${r.valid ? "" : "invalid"}" data-agent="${esc(r.agentId)}"><td><a href="${decisionHref(r.decisionId, runId)}">${esc(r.decisionId)}</a></td><td>${r.trial}</td><td>${r.round + 1}</td><td>${esc(r.itemId)}</td>
<td>${r.valid ? `${esc(r.label ?? "")} (option ${r.option}: ${r.self}/${r.other})` : "<b>invalid</b>"}</td><td class="text">${esc(r.text)}</td></tr>`,
    )
    .join("\n");
}

const DECISION_HEAD = `<thead><tr><th>decision</th><th>trial</th><th>round</th><th>item</th><th>choice</th><th>reason / answer</th></tr></thead>`;

export function runPage(run: RunIndex, a: Analysis | null, multi: boolean): string {
  const m = run.manifest();
  const p = run.progress();
  const live = !run.finished();
  const runId = run.runId;
  const rid = multi ? runId : null;
  let tables = live
    ? `<p class="empty">Tables and charts appear once the first trajectory is scored; until then decisions arrive below as they are written.</p>`
    : `<p class="empty">No decisions in this run.</p>`;
  if (a) {
    const g = groupTable(a.summary);
    const groups = rowsTable(
      "groups",
      g.header,
      g.numeric,
      a.summary.groups.map((x, i) => ({ cells: g.rows[i].map(esc), attrs: { value: x.value, model: x.model, condition: x.condition ?? "–" } })),
    );
    const t = agentTable(a.summary);
    const agents = rowsTable(
      "agents",
      t.header,
      t.numeric,
      a.summary.agents.map((x, i) => ({
        cells: t.rows[i].map((c, j) => (j === 0 ? `<a href="${agentHref(runId, x.id)}">${esc(c)}</a>` : esc(c))),
        attrs: { value: String(x.value), model: x.model ?? x.type, type: x.type, condition: run.acc.agents.get(x.id)?.info.condition ?? "–" },
      })),
    );
    tables = `${filterBar(a)}
<h2>Charts</h2><div id="charts" data-run="${esc(runId)}"><p class="dim">charts load with vega-embed…</p></div>
<h2>Groups (model × condition × value)</h2>${groups}
<h2>Agents</h2>${agents}`;
  }
  const body = `<h1>${esc(m?.scenario?.name ?? a?.summary.run.scenario ?? runId)}</h1>
<p class="meta">${[`run ${esc(runId)}`, esc((m?.scenario as { game?: { type?: string } } | undefined)?.game?.type ?? ""), `seed ${esc(m?.seed ?? run.acc.run?.seed ?? "")}`, esc(run.dir)].filter(Boolean).join(" · ")}</p>
${progressPanel(p, runId)}
${tables}
<h2>Latest decisions</h2>
<table id="recent" data-run="${esc(rid ?? "")}">${DECISION_HEAD}<tbody>${decisionRows(run.recent().reverse(), rid)}</tbody></table>`;
  return layout(runId, body, { live: live ? runId : null, nav: ` <a href="${runHref(runId)}">${esc(runId)}</a>` });
}

export function agentPage(run: RunIndex, agentId: string, a: Analysis | null, page: number, multi: boolean): string {
  const runId = run.runId;
  const rid = multi ? runId : null;
  const info = run.acc.agents.get(agentId)?.info;
  const summary = a?.summary.agents.find((x) => x.id === agentId);
  const per = 200;
  const allTrajectories = (a?.trajectories ?? run.acc.trajectories).filter((t) => t.agentId === agentId);
  const trajectories = allTrajectories.slice(page * per, (page + 1) * per);
  const tRows = trajectories
    .map(
      (t) => `<tr class="${t.invalid ? "invalid" : ""}"><td><a href="${decisionHref(`${t.sessionId}/r0/${agentId}`, rid)}">${esc(t.sessionId)}</a></td><td>${t.trial}</td><td>${esc(t.partnerId ?? "none")}</td><td class="num">${t.decisions}</td><td class="num">${t.invalidDecisions}</td>
<td class="num angle">${t.angle === null ? "not identified" : `${fmt(t.angle)}°`}</td><td>${esc(t.category ?? "–")}</td><td class="num">${fmt(t.vr, 3)}</td></tr>`,
    )
    .join("\n");
  const { total, rows } = run.agentDecisions(agentId, page * per, per);
  const pages = Math.ceil(Math.max(total, allTrajectories.length) / per);
  const pager =
    pages > 1
      ? `<p class="pager">page ${page + 1} of ${pages} ${page > 0 ? `<a href="?page=${page - 1}">previous</a>` : ""} ${page + 1 < pages ? `<a href="?page=${page + 1}">next</a>` : ""}</p>`
      : "";
  const body = `<h1>Agent ${esc(agentId)}</h1>
<p class="meta">${esc(info?.type ?? "")} · value ${esc(info?.value ?? "")} · model ${esc(info?.model ?? "–")} · condition ${esc(info?.condition ?? "–")} · run <a href="${runHref(runId)}">${esc(runId)}</a></p>
${summary ? `<div class="cards"><div class="card"><b>${summary.angle === null ? "–" : `${fmt(summary.angle)}°`}</b><span>mean angle</span></div><div class="card"><b>${esc(summary.category ?? "–")}</b><span>category</span></div><div class="card"><b>${fmt(summary.vr, 3)}</b><span>VR</span></div><div class="card"><b>${summary.invalid}</b><span>invalid trajectories</span></div></div>` : ""}
<h2>Trajectories (angle per trajectory; ${allTrajectories.length}${allTrajectories.length > per ? `, ${page * per + 1}–${page * per + trajectories.length} shown` : ""})</h2>
<table id="trajectories"><thead><tr><th>session</th><th>trial</th><th>partner</th><th class="num">decisions</th><th class="num">invalid</th><th class="num">angle</th><th>category</th><th class="num">VR</th></tr></thead><tbody>${tRows || `<tr><td colspan="8">no finished trajectory yet</td></tr>`}</tbody></table>
<h2>Decisions (${total})</h2>${pager}
<table id="decisions" data-agent="${esc(agentId)}" data-run="${esc(rid ?? "")}">${DECISION_HEAD}<tbody>${decisionRows(rows, rid)}</tbody></table>${pager}`;
  return layout(`agent ${agentId}`, body, { live: run.finished() ? null : runId, nav: ` <a href="${runHref(runId)}">${esc(runId)}</a> › ${esc(agentId)}` });
}

function callBlock(c: ResolvedCall, i: number, n: number): string {
  const r = c.response;
  const how = c.cached ? `<span class="tag cached">cached</span>` : c.error ? `<span class="tag failed">failed</span>` : `<span class="tag fresh">fresh</span>`;
  const msgs = c.messages
    .map((m, j) => {
      const persona = c.purpose !== "describe" && m.role === "assistant" && j === 1 && /describe/i.test(c.messages[0]?.content ?? "");
      return `<div class="msg ${esc(m.role)}"><div class="role">${esc(m.role)}${persona ? ` · persona description` : ""}</div><pre>${esc(m.content)}</pre></div>`;
    })
    .join("\n");
  const format = c.responseFormat
    ? `<details><summary>response format: json_schema '${esc(c.responseFormat.json_schema.name)}'</summary><pre>${esc(JSON.stringify(c.responseFormat.json_schema.schema, null, 2))}</pre></details>`
    : `<p class="dim">response format: text (the instruction is in the last user message)</p>`;
  const response = r
    ? `<div class="msg response"><div class="role">response${c.purpose === "describe" ? " · persona description" : ""} <span class="dim">finish: ${esc(r.finishReason ?? "unknown")} · ${r.inputTokens}+${r.outputTokens} tokens</span></div><pre>${esc(r.content || "(no content)")}</pre>${r.refusal !== null ? `<div class="role">refusal</div><pre>${esc(r.refusal)}</pre>` : ""}</div>`
    : `<div class="msg response failed"><div class="role">no response</div><pre>${esc(c.error ?? "")}</pre></div>`;
  return `<section class="call" data-purpose="${esc(c.purpose)}"><h3>call ${i + 1}/${n}: ${esc(c.purpose)} ${how}</h3>
<p class="dim">${esc(c.endpoint)}:${esc(c.model)} · ${c.latencyMs} ms · ${c.attempts} attempt(s) · params ${esc(JSON.stringify(c.params))} · ${esc(c.time)}</p>
${format}
<div class="messages">${msgs}</div>
${response}</section>`;
}

export function decisionPage(run: RunIndex, d: DecisionDetail, persona: string | null, multi: boolean): string {
  const runId = run.runId;
  const rid = multi ? runId : null;
  const key = d.outcome ?? d.requested!;
  const chosen = d.outcome?.type === "decision.made" ? d.outcome.option : null;
  const canon = d.item?.options ?? [];
  const presented = d.requested?.presented ?? canon.map((_, k): [string, number] => [String(k + 1), k + 1]);
  const optRows = presented
    .map(([label, option]) => {
      const o = canon[option - 1];
      return `<tr class="${option === chosen ? "chosen" : ""}"><td><b>${esc(label)}</b></td><td class="num">${o ? o.self : "?"}</td><td class="num">${o ? o.other : "?"}</td><td class="num">${option}</td><td>${option === chosen ? "← chosen" : ""}</td></tr>`;
    })
    .join("");
  const outcome =
    d.outcome?.type === "decision.made"
      ? `<p class="outcome ok">Chose <b>${esc(d.outcome.label ?? "")}</b> (canonical option ${d.outcome.option}: self ${d.outcome.self}, other ${d.outcome.other})${d.outcome.reason ? ` — “${esc(d.outcome.reason)}”` : ""}</p>`
      : d.outcome?.type === "decision.invalid"
        ? `<div class="outcome invalid"><p><b>Invalid</b>: ${esc(d.outcome.reason)}</p>${d.outcome.raw ? `<pre>${esc(d.outcome.raw)}</pre>` : ""}</div>`
        : `<p class="outcome">No outcome recorded yet.</p>`;
  // Fields other helpers add to decision events (N-player games: group, role, members) show as they are.
  const known = new Set(["runId", "seq", "time", "type", "decisionId", "sessionId", "agentId", "partnerId", "trial", "round", "itemId", "presented"]);
  const extra = Object.entries(d.requested ?? {}).filter(([k]) => !known.has(k));
  const group = extra.length ? `<table id="group-info">${extra.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(typeof v === "string" ? v : JSON.stringify(v))}</td></tr>`).join("")}</table>` : "";
  const others = d.round
    .filter((e) => e.type === "decision.made" || e.type === "decision.invalid")
    .map((e) => `<li><a href="${decisionHref((e as { decisionId: string }).decisionId, rid)}">${esc((e as { decisionId: string }).decisionId)}</a> ${e.type === "decision.made" ? `chose ${esc(e.label ?? e.option)}` : "invalid"}</li>`)
    .join("");
  const calls = d.calls.length
    ? d.calls.map((c, i) => callBlock(c, i, d.calls.length)).join("\n")
    : `<p class="empty" id="no-calls">${esc(d.noCalls ?? "")}</p>`;
  const body = `<h1>Decision <code>${esc(d.decisionId)}</code></h1>
<p class="meta">agent <a href="${agentHref(runId, key.agentId)}">${esc(key.agentId)}</a> · partner ${esc(key.partnerId ?? "none")} · trial ${key.trial} · round ${key.round + 1} · item ${esc(key.itemId)} · run <a href="${runHref(runId)}">${esc(runId)}</a></p>
${group}
${persona ? `<section class="persona"><h2>Persona description</h2><pre>${esc(persona)}</pre></section>` : ""}
<h2>Options as presented</h2>
${d.requested?.presented ? "" : `<p class="dim">This log does not record the presented order; options are shown in canonical order.</p>`}
<table id="options"><thead><tr><th>label</th><th class="num">you get</th><th class="num">other gets</th><th class="num">canonical option</th><th></th></tr></thead><tbody>${optRows}</tbody></table>
${outcome}
${others ? `<p>Same round: </p><ul>${others}</ul>` : ""}
<h2>Conversation (${d.calls.length} call${d.calls.length === 1 ? "" : "s"})</h2>
<div id="conversation">${calls}</div>`;
  return layout(`decision ${d.decisionId}`, body, { nav: ` <a href="${runHref(runId)}">${esc(runId)}</a> › decision` });
}

export function searchPage(q: string, hits: { runId: string; decisionId: string | null; agentId: string; purpose: string; where: string; snippet: string }[], multi: boolean, notes: string[]): string {
  const mark = (s: string) => {
    const e = esc(s);
    if (!q) return e;
    const re = new RegExp(esc(q).replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi");
    return e.replace(re, (x) => `<mark>${x}</mark>`);
  };
  const items = hits
    .map(
      (h) => `<li class="hit">${h.decisionId ? `<a href="${decisionHref(h.decisionId, multi ? h.runId : null)}">${esc(h.decisionId)}</a>` : "(no decision)"} <span class="dim">${esc(h.purpose)} · ${esc(h.agentId)}${multi ? ` · ${esc(h.runId)}` : ""}</span><div class="snippet">${mark(h.snippet)}</div></li>`,
    )
    .join("\n");
  return layout(
    `search ${q}`,
    `<h1>Search: “${esc(q)}”</h1>
<p class="meta">${hits.length} answer${hits.length === 1 ? "" : "s"} mentioning it${hits.length >= 200 ? " (first 200)" : ""}</p>
${notes.map((n) => `<p class="empty">${esc(n)}</p>`).join("")}
<ol id="hits">${items}</ol>`,
  );
}
