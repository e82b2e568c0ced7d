/**
 * The report of an experiment: the paper's figure (VR per target value as a radar chart, one
 * polygon per cell and model/condition), VR_cc by value with 95 % intervals per cell, the
 * comparisons between cells that differ in one factor (Holm-adjusted significance marked) and the
 * cost per cell, as one self-contained HTML page plus each figure as a standalone SVG.
 *
 * @example
 * const page = await experimentReport({ vr, vrCC, title: "hvae-paper-…" });
 * page.html;           // "<!doctype html>…"
 * page.figures[0].svg; // the radar chart
 */
import { costCell } from "../../src/core/money.ts";
import { renderSpec as render, type RenderedChart } from "./charts.ts";
import { COMPARISON_HEADER, comparisonRow } from "./tables.ts";

/** What the report needs of a comparison result (src/cli/commands/compare.ts builds it). */
export interface ExperimentData {
  readonly cells: readonly {
    id: string;
    factors: Readonly<Record<string, unknown>>;
    costUsd: number | null;
    /** The priced part when `costUsd` is null (absent: nothing of it is known). */
    pricedCostUsd?: number;
    groups: readonly { model: string; value: string; condition: string | null; n: number; estimate: number | null; ci: [number, number] | null }[];
  }[];
  readonly comparisons: readonly {
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
  }[];
  readonly unit: string;
  readonly method: string;
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const VALUE_ORDER = ["altruistic", "prosocial", "individualistic", "competitive"];

function valueOrder(values: readonly string[]): string[] {
  const rank = (v: string) => (VALUE_ORDER.includes(v) ? VALUE_ORDER.indexOf(v) : 10 - parseFloat(v) / 1000);
  return [...new Set(values)].sort((a, b) => rank(a) - rank(b));
}

/** A series: one polygon / one colour — a cell, and within it a model and condition when several. */
function seriesName(cell: ExperimentData["cells"][number], g: { model: string; condition: string | null }, several: boolean): string {
  const factors = Object.entries(cell.factors).map(([k, v]) => `${k}=${String(v)}`).join(", ");
  return several ? `${cell.id} ${factors} · ${g.model}${g.condition ? ` (${g.condition})` : ""}` : `${cell.id} ${factors}`;
}

function severalKinds(cell: ExperimentData["cells"][number]): boolean {
  return new Set(cell.groups.map((g) => `${g.model}\u0000${g.condition}`)).size > 1;
}

/** VR per value on a radar: polygons of (value, VR) points, drawn from x/y computed here (Vega-Lite has no polar lines). */
export function radarSpec(vr: ExperimentData): Record<string, unknown> {
  const values = valueOrder(vr.cells.flatMap((c) => c.groups.map((g) => g.value)));
  const k = values.length;
  const angle = (i: number) => (2 * Math.PI * i) / k;
  const points: Record<string, unknown>[] = [];
  for (const cell of vr.cells) {
    const several = severalKinds(cell);
    const bySeries = new Map<string, typeof cell.groups[number][]>();
    for (const g of cell.groups) {
      const name = seriesName(cell, g, several);
      bySeries.set(name, [...(bySeries.get(name) ?? []), g]);
    }
    for (const [series, gs] of bySeries) {
      const ordered = values.map((v) => gs.find((g) => g.value === v)).filter((g): g is NonNullable<typeof g> => !!g && g.estimate !== null);
      ordered.forEach((g, i) => {
        const a = angle(values.indexOf(g.value));
        points.push({ series, value: g.value, vr: g.estimate, order: i, x: g.estimate! * Math.sin(a), y: g.estimate! * Math.cos(a) });
      });
      // Closing the polygon: the first point again at the end.
      if (ordered.length > 2) {
        const first = points[points.length - ordered.length];
        points.push({ ...first, order: ordered.length });
      }
    }
  }
  const rings = [0.25, 0.5, 0.75, 1].flatMap((r) =>
    Array.from({ length: 73 }, (_, i) => ({ ring: r, order: i, x: r * Math.sin((2 * Math.PI * i) / 72), y: r * Math.cos((2 * Math.PI * i) / 72) })),
  );
  const spokes = values.flatMap((v, i) => [
    { spoke: v, order: 0, x: 0, y: 0 },
    { spoke: v, order: 1, x: Math.sin(angle(i)), y: Math.cos(angle(i)) },
  ]);
  const labels = values.map((v, i) => ({ label: v, x: 1.14 * Math.sin(angle(i)), y: 1.1 * Math.cos(angle(i)) }));
  const ringLabels = [0.25, 0.5, 0.75, 1].map((r) => ({ label: r.toFixed(2), x: 0.03, y: r }));
  const scale = { domain: [-1.3, 1.3], nice: false };
  const axis = null;
  const xy = { x: { field: "x", type: "quantitative", scale, axis }, y: { field: "y", type: "quantitative", scale, axis } };
  return {
    $schema: SCHEMA,
    width: 420,
    height: 420,
    title: { text: "Value rationality (VR) per target value", subtitle: "1 = behaves exactly as a perfect pursuer of the value; one polygon per cell" },
    layer: [
      { data: { values: rings }, mark: { type: "line", color: "#ddd", strokeWidth: 1 }, encoding: { ...xy, detail: { field: "ring" }, order: { field: "order" } } },
      { data: { values: spokes }, mark: { type: "line", color: "#ccc", strokeWidth: 1 }, encoding: { ...xy, detail: { field: "spoke" }, order: { field: "order" } } },
      { data: { values: ringLabels }, mark: { type: "text", color: "#888", fontSize: 9, align: "left" }, encoding: { ...xy, text: { field: "label" } } },
      { data: { values: labels }, mark: { type: "text", fontSize: 12, fontWeight: "bold" }, encoding: { ...xy, text: { field: "label" } } },
      {
        data: { values: points },
        mark: { type: "line", point: true, strokeWidth: 2, opacity: 0.85 },
        encoding: {
          ...xy,
          color: { field: "series", type: "nominal", title: "cell", legend: { orient: "bottom", columns: 1, labelLimit: 0 } },
          order: { field: "order" },
          tooltip: [{ field: "series" }, { field: "value" }, { field: "vr", format: ".3f" }],
        },
      },
    ],
  };
}

/** VR_cc by target value, a point and a 95 % interval per cell, 0 (chance) marked. */
export function vrccSpec(vrcc: ExperimentData): Record<string, unknown> {
  const rows = vrcc.cells.flatMap((cell) => {
    const several = severalKinds(cell);
    return cell.groups
      .filter((g) => g.estimate !== null)
      .map((g) => ({ series: seriesName(cell, g, several), value: g.value, est: g.estimate, lo: g.ci?.[0] ?? g.estimate, hi: g.ci?.[1] ?? g.estimate, n: g.n }));
  });
  const values = valueOrder(rows.map((r) => r.value));
  const enc = {
    x: { field: "value", type: "nominal", sort: values, title: "target value", axis: { labelAngle: 0 } },
    xOffset: { field: "series", type: "nominal" },
    color: { field: "series", type: "nominal", title: "cell", legend: { orient: "bottom", columns: 1, labelLimit: 0 } },
  };
  return {
    $schema: SCHEMA,
    width: 460,
    height: 300,
    title: { text: "Chance-corrected value rationality (VR_cc) by target value", subtitle: "0 = a uniformly random chooser, 1 = a perfect pursuer; bars are 95 % cluster-bootstrap intervals" },
    data: { values: rows },
    layer: [
      { mark: { type: "rule", color: "#999", strokeDash: [4, 3] }, encoding: { y: { datum: 0 } } },
      { mark: { type: "rule", strokeWidth: 2 }, encoding: { ...enc, y: { field: "lo", type: "quantitative", title: "VR_cc" }, y2: { field: "hi" } } },
      { mark: { type: "point", filled: true, size: 60 }, encoding: { ...enc, y: { field: "est", type: "quantitative" }, tooltip: [{ field: "series" }, { field: "value" }, { field: "est", format: ".3f" }, { field: "n" }] } },
    ],
  };
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

function table(header: string[], rows: string[][]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

/**
 * The experiment's page and figures, from the VR and VR_cc comparison results of its cells.
 */
export async function experimentReport(o: { vr: ExperimentData; vrCC: ExperimentData; title: string }): Promise<{ html: string; figures: RenderedChart[] }> {
  const figures = [await render("vr-radar", "VR per target value", radarSpec(o.vr)), await render("vrcc-by-value", "VR_cc by target value", vrccSpec(o.vrCC))];
  const comparisons = o.vrCC.comparisons.length
    ? table(
        COMPARISON_HEADER,
        o.vrCC.comparisons.map((c) => comparisonRow(c, esc, "<b>*</b>")),
      )
    : "<p>No two cells differ in exactly one factor: nothing to compare.</p>";
  const cost = table(
    ["cell", "factors", "cost (USD)"],
    o.vr.cells.map((c) => [esc(c.id), esc(Object.entries(c.factors).map(([k, v]) => `${k}=${String(v)}`).join(", ")), costCell(c)]),
  );
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(o.title)} — hvae experiment report</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px;color:#222}table{border-collapse:collapse;margin:1rem 0;font-size:.85rem}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}th{background:#f4f4f4}td:nth-child(-n+6){text-align:left}
.figs{display:flex;flex-wrap:wrap;gap:2rem}.note{color:#555;font-size:.85rem}</style></head>
<body><h1>${esc(o.title)}</h1>
<p class="note">Experiment report written by hvae. Every figure is also in figures/ as a standalone SVG. ${esc(o.vrCC.unit)}.</p>
<div class="figs">${figures.map((f) => `<figure>${f.svg}</figure>`).join("")}</div>
<h2>Comparisons between cells (VR_cc)</h2>${comparisons}
<p class="note">* Holm-adjusted p &lt; 0.05 over every comparison listed. ${esc(o.vrCC.method)}; ${esc(o.vrCC.unit)}.</p>
<h2>Cost per cell</h2>${cost}
</body></html>
`;
  return { html, figures };
}
