/**
 * The report's charts as Vega-Lite specs, compiled with vega-lite and rendered to SVG by vega in
 * Node (renderer "none": no DOM, no canvas). Specs are plain data built from the analysis, so
 * tests can inspect them without rendering.
 *
 * @example
 * const charts = await renderCharts(analysis);
 * charts[0].svg; // "<svg …>…</svg>"
 */
import { CATEGORY_BOUNDS, CATEGORIES } from "../svo.ts";
import type { Analysis } from "../summary.ts";
import { valueRank } from "../summary.ts";
import { idealSet, targetLabel, type ValueTarget } from "../value-target.ts";

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** A Vega-Lite (v6) spec with inline data. */
  readonly spec: Record<string, unknown>;
}

export interface RenderedChart {
  readonly id: string;
  readonly title: string;
  readonly svg: string;
}

/** Chart titles, in report order (tests look for each). */
export const CHART_TITLES = {
  circle: "Agent angles on the SVO circle",
  vr: "Value rationality by value",
  trials: "Angle over trials",
  interactions: "Angle by partner's value",
} as const;

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const RAD = Math.PI / 180;
const PALETTE: Record<string, string> = {
  altruistic: "#2ca02c",
  prosocial: "#1f77b4",
  individualistic: "#ff7f0e",
  competitive: "#d62728",
};
const EXTRA = ["#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** One colour per value label, the four categories always in the same colour. */
function valueColors(labels: readonly string[]): { domain: string[]; range: string[] } {
  const domain = [...new Set(labels)].sort((a, b) => valueRank(a) - valueRank(b));
  let extra = 0;
  return { domain, range: domain.map((v) => PALETTE[v] ?? EXTRA[extra++ % EXTRA.length]) };
}

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
const polar = (deg: number, r: number) => ({ x: round(r * Math.cos(deg * RAD)), y: round(r * Math.sin(deg * RAD)) });

function circleChart(a: Analysis): ChartSpec {
  const agents = a.summary.agents;
  const colors = valueColors(agents.map((x) => targetLabel(x.value as ValueTarget)));
  const circle = Array.from({ length: 181 }, (_, i) => ({ ...polar(-180 + 2 * i, 1), order: i }));
  const rays = [
    ...Object.entries(CATEGORY_BOUNDS).map(([, deg]) => ({ x: 0, y: 0, x2: polar(deg, 1.15).x, y2: polar(deg, 1.15).y, kind: "boundary" })),
  ];
  const mid: Record<string, number> = { altruistic: 75, prosocial: 39.8, individualistic: 5.2, competitive: -30 };
  const labels = CATEGORIES.map((c) => ({ ...polar(mid[c], 1.22), text: c }));
  // Target sets: an arc at a radius per value so overlapping sets stay visible.
  const values = colors.domain;
  const arcs: { x: number; y: number; value: string; order: number }[] = [];
  const ends: { x: number; y: number; value: string }[] = [];
  values.forEach((label, vi) => {
    const target = agents.find((x) => targetLabel(x.value as ValueTarget) === label)!.value as ValueTarget;
    const [lo, hi] = idealSet(target);
    const r = 1.04 + 0.035 * vi;
    const steps = Math.max(1, Math.ceil((hi - lo) / 0.5));
    for (let i = 0; i <= steps; i++) arcs.push({ ...polar(lo + ((hi - lo) * i) / steps, r), value: label, order: i });
    ends.push({ ...polar(lo, r), value: label }, { ...polar(hi, r), value: label });
  });
  const points = agents
    .filter((x) => x.angle !== null)
    .map((x) => ({ ...polar(x.angle!, 0.92), agent: x.id, value: targetLabel(x.value as ValueTarget), type: x.type, angle: round(x.angle!, 2) }));
  const scale = { domain: [-1.35, 1.35], nice: false };
  const enc = {
    x: { field: "x", type: "quantitative", scale, axis: null },
    y: { field: "y", type: "quantitative", scale, axis: null },
  };
  const color = { field: "value", type: "nominal", title: "target value", scale: colors, sort: colors.domain };
  return {
    id: "circle",
    title: CHART_TITLES.circle,
    spec: {
      $schema: SCHEMA,
      title: { text: CHART_TITLES.circle, subtitle: "points: agents' mean angles; arcs: target sets; rays: category boundaries" },
      width: 420,
      height: 420,
      layer: [
        { data: { values: circle }, mark: { type: "line", color: "#bbb", strokeWidth: 1 }, encoding: { ...enc, order: { field: "order" } } },
        {
          data: { values: rays },
          mark: { type: "rule", color: "#999", strokeDash: [4, 3] },
          encoding: { ...enc, x2: { field: "x2" }, y2: { field: "y2" } },
        },
        { data: { values: labels }, mark: { type: "text", color: "#555", fontSize: 11 }, encoding: { ...enc, text: { field: "text" } } },
        {
          data: { values: arcs },
          mark: { type: "line", strokeWidth: 5, opacity: 0.55 },
          encoding: { ...enc, color, detail: { field: "value" }, order: { field: "order" } },
        },
        { data: { values: ends }, mark: { type: "point", filled: true, size: 50, shape: "diamond" }, encoding: { ...enc, color } },
        {
          data: { values: points },
          mark: { type: "point", filled: true, size: 90, opacity: 0.85, stroke: "#222", strokeWidth: 0.5 },
          encoding: { ...enc, color, shape: { field: "type", type: "nominal", title: "agent type" } },
        },
      ],
    },
  };
}

function vrChart(a: Analysis): ChartSpec {
  const rows = a.summary.groups.flatMap((g) => {
    const model = g.condition ? `${g.model} · ${g.condition}` : g.model;
    return [
      { value: g.value, model, measure: "VR", mean: g.vr, lo: g.vrCI?.[0] ?? null, hi: g.vrCI?.[1] ?? null, chance: g.vrChance },
      { value: g.value, model, measure: "VR (chance-corrected)", mean: g.vrCC, lo: g.vrCCCI?.[0] ?? null, hi: g.vrCCCI?.[1] ?? null, chance: 0 },
    ];
  });
  const order = [...new Set(a.summary.groups.map((g) => g.value))].sort((x, y) => valueRank(x) - valueRank(y));
  const x = { field: "value", type: "nominal", sort: order, title: "target value" };
  return {
    id: "vr",
    title: CHART_TITLES.vr,
    spec: {
      $schema: SCHEMA,
      title: { text: CHART_TITLES.vr, subtitle: "bars: mean with 95% interval (Student t over clusters); black ticks: chance baseline" },
      data: { values: rows },
      facet: { column: { field: "measure", type: "nominal", title: null } },
      resolve: { scale: { y: "independent" } },
      spec: {
        width: Math.max(160, 60 * order.length),
        height: 240,
        layer: [
          {
            mark: "bar",
            encoding: {
              x,
              xOffset: { field: "model" },
              y: { field: "mean", type: "quantitative", title: null },
              color: { field: "model", type: "nominal", title: "model · condition" },
            },
          },
          {
            mark: { type: "rule", color: "#222" },
            encoding: { x, xOffset: { field: "model" }, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
          },
          {
            mark: { type: "tick", color: "#000", thickness: 2 },
            encoding: { x, y: { field: "chance", type: "quantitative" } },
          },
        ],
      },
    },
  };
}

function trialsChart(a: Analysis): ChartSpec {
  const perAgent = a.summary.agents.length <= 12;
  const rows = perAgent
    ? a.agentTrials.filter((p) => p.angle !== null).map((p) => ({ trial: p.trial, angle: round(p.angle!, 3), series: p.agentId }))
    : a.summary.groups.flatMap((g) =>
        g.trials
          .filter((p) => p.angle !== null)
          .map((p) => ({ trial: p.trial, angle: round(p.angle!, 3), series: [g.model, g.value, g.condition].filter(Boolean).join(" · ") })),
      );
  const bounds = Object.values(CATEGORY_BOUNDS).map((b) => ({ b }));
  return {
    id: "trials",
    title: CHART_TITLES.trials,
    spec: {
      $schema: SCHEMA,
      title: { text: CHART_TITLES.trials, subtitle: `mean angle per trial, per ${perAgent ? "agent" : "group"}; dashed: category boundaries` },
      width: 520,
      height: 280,
      layer: [
        { data: { values: bounds }, mark: { type: "rule", color: "#aaa", strokeDash: [4, 3] }, encoding: { y: { field: "b", type: "quantitative" } } },
        {
          data: { values: rows },
          mark: { type: "line", point: true },
          encoding: {
            x: { field: "trial", type: "quantitative", title: "trial", axis: { tickMinStep: 1 } },
            y: { field: "angle", type: "quantitative", title: "angle (°)" },
            color: { field: "series", type: "nominal", title: perAgent ? "agent" : "group" },
          },
        },
      ],
    },
  };
}

function interactionChart(a: Analysis): ChartSpec {
  const cells = a.summary.interactions
    .filter((c) => c.angle !== null)
    // Rows are the groups table's groups (model · condition · value): cells never pool kinds.
    .map((c) => ({ value: [c.model, c.condition, c.value].filter((x) => x !== null).join(" · "), partner: c.partnerValue, angle: round(c.angle!, 2), label: `${c.angle!.toFixed(1)}° (n=${c.n})` }));
  const own = [...new Set(cells.map((c) => c.value))];
  const partners = [...new Set(cells.map((c) => c.partner))].sort((x, y) => valueRank(x) - valueRank(y));
  const x = { field: "partner", type: "nominal", sort: partners, title: "partner's value" };
  const y = { field: "value", type: "nominal", sort: own, title: "group (model · condition · own value)" };
  return {
    id: "interactions",
    title: CHART_TITLES.interactions,
    spec: {
      $schema: SCHEMA,
      title: { text: CHART_TITLES.interactions, subtitle: "mean angle of own trajectories, by the partner's target value" },
      data: { values: cells },
      width: Math.max(160, 110 * partners.length),
      height: Math.max(80, 50 * own.length),
      layer: [
        {
          mark: "rect",
          encoding: {
            x,
            y,
            color: { field: "angle", type: "quantitative", title: "angle (°)", scale: { scheme: "redyellowblue", domain: [-20, 65] } },
          },
        },
        { mark: { type: "text", fontSize: 11 }, encoding: { x, y, text: { field: "label" } } },
      ],
    },
  };
}

/**
 * The four chart specs of a run, in report order.
 *
 * @example
 * chartSpecs(analysis).map((c) => c.title);
 */
export function chartSpecs(a: Analysis): ChartSpec[] {
  return [circleChart(a), vrChart(a), trialsChart(a), interactionChart(a)];
}

/**
 * Compiles each spec with vega-lite and renders it to an SVG string with vega's headless View.
 *
 * @example
 * const [circle] = await renderCharts(analysis);
 */
export async function renderCharts(a: Analysis): Promise<RenderedChart[]> {
  const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
  const out: RenderedChart[] = [];
  for (const c of chartSpecs(a)) {
    const compiled = vl.compile(c.spec as never).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: "none" });
    try {
      out.push({ id: c.id, title: c.title, svg: await view.toSVG() });
    } finally {
      view.finalize();
    }
  }
  return out;
}
