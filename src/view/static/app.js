// hvae view front end: plain ES module, no build step. Charts through vega-embed (loaded as
// classic scripts from the package's node_modules), table filters, and the live feed (one
// EventSource, closed when the server says the run has ended; the browser never polls).

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
const esc = (s) => String(s ?? "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function filters() {
  const f = {};
  for (const s of $$("#filters select")) if (s.value) f[s.name] = s.value;
  return f;
}

function applyFilters() {
  const f = filters();
  for (const id of ["groups", "agents"]) {
    for (const tr of $$(`#${id} tbody tr`)) {
      const keep = Object.entries(f).every(([k, v]) => tr.dataset[k] === undefined || tr.dataset[k] === v);
      tr.hidden = !keep;
    }
  }
  const q = new URLSearchParams(f).toString();
  history.replaceState(null, "", q ? `?${q}` : location.pathname);
  return q;
}

async function drawCharts(query) {
  const box = $("#charts");
  if (!box || typeof window.vegaEmbed !== "function") return;
  const res = await fetch(`/api/run/${encodeURIComponent(box.dataset.run)}/charts${query ? `?${query}` : ""}`);
  const specs = await res.json();
  box.replaceChildren();
  for (const c of specs) {
    const fig = document.createElement("figure");
    fig.id = `chart-${c.id}`;
    fig.innerHTML = `<figcaption>${esc(c.title)}</figcaption><div class="vega"></div>`;
    box.append(fig);
    await window.vegaEmbed(fig.querySelector(".vega"), c.spec, { actions: false, renderer: "svg" });
  }
  box.dataset.drawn = String(specs.length);
}

function setupFilters() {
  const form = $("#filters");
  if (!form) return drawCharts("");
  const params = new URLSearchParams(location.search);
  for (const s of $$("select", form)) if (params.get(s.name)) s.value = params.get(s.name);
  const q = applyFilters();
  form.addEventListener("change", () => drawCharts(applyFilters()));
  return drawCharts(q);
}

function decisionRow(r, run) {
  const tr = document.createElement("tr");
  if (!r.valid) tr.className = "invalid";
  tr.dataset.agent = r.agentId;
  const href = `/decision/${encodeURIComponent(r.decisionId)}${run ? `?run=${encodeURIComponent(run)}` : ""}`;
  const choice = r.valid ? `${esc(r.label ?? "")} (option ${r.option}: ${r.self}/${r.other})` : "<b>invalid</b>";
  tr.innerHTML = `<td><a href="${href}">${esc(r.decisionId)}</a></td><td>${r.trial}</td><td>${r.round + 1}</td><td>${esc(r.itemId)}</td><td>${choice}</td><td class="text">${esc(r.text)}</td>`;
  return tr;
}

/** The same wording as src/core/money.ts formatCost: an unpriced call makes the cost unknown, never $0. */
function costText(c) {
  if (c.costUsd !== null) return `$${c.costUsd.toFixed(4)}`;
  return c.pricedCostUsd > 0 ? `≥ $${c.pricedCostUsd.toFixed(4)} + unknown` : "cost unknown";
}

function showProgress(p) {
  const panel = $("#progress");
  if (!panel) return;
  const pct = p.total ? Math.min(100, (100 * p.done) / p.total) : 0;
  $(".bar > div", panel).style.width = `${pct.toFixed(1)}%`;
  $("#progress-text").textContent = p.text;
  $("#run-status").textContent = p.runStatus;
  $("#progress-cost").textContent = costText(p.live);
  $("#progress-invalid").textContent = `${p.live.invalidDecisions} invalid`;
  $("#progress-status").textContent = p.status;
  $("#live-groups").innerHTML = p.live.groups
    .map((g) => `<li><b>${esc(g.value)}</b> VR ${g.vr.toFixed(3)} · VR<sub>cc</sub> ${g.vrCC === null ? "–" : g.vrCC.toFixed(3)} <span class="dim">(n=${g.n})</span></li>`)
    .join("");
}

function live() {
  const run = document.body.dataset.live;
  if (!run) return;
  const source = new EventSource(`/api/run/${encodeURIComponent(run)}/live`);
  document.body.classList.add("is-live");
  source.addEventListener("progress", (e) => showProgress(JSON.parse(e.data)));
  source.addEventListener("decisions", (e) => {
    const rows = JSON.parse(e.data);
    const recent = $("#recent tbody");
    const mine = $("#decisions");
    for (const r of rows) {
      if (recent) recent.prepend(decisionRow(r, $("#recent").dataset.run));
      if (mine && mine.dataset.agent === r.agentId) $("tbody", mine).append(decisionRow(r, mine.dataset.run));
    }
    if (recent) while (recent.rows.length > 200) recent.deleteRow(-1);
  });
  source.addEventListener("end", () => {
    // The run is over: stop listening, and load the page once more for the final tables and charts.
    source.close();
    document.body.classList.remove("is-live");
    location.reload();
  });
}

setupFilters();
live();
