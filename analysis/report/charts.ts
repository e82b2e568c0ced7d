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
import type { Analysis, InteractionCell } from "../summary.ts";
import { valueRank } from "../summary.ts";
import { ANGLE_RANGE, idealSet, targetLabel, type ValueTarget } from "../value-target.ts";

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
  vrTrials: "Value rationality over trials",
  interactions: "Angle by partner's value",
  vrPartner: "Value rationality by partner's value",
} as const;

/** Legends show whole labels: no truncation (Vega-Lite cuts at 160 px by default), one per line. */
const LEGEND = { orient: "bottom", direction: "vertical", columns: 1, labelLimit: 0, titleLimit: 0 } as const;

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

/** Screen-space box of a text label (px), for the greedy placement below. */
interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}
const overlaps = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/**
 * The SVO circle zoomed to the attainable wedge [−16.26°, 61.39°] (where every slider angle lies):
 * an arc with degree ticks every 10°, the wedge's edges, dashed category boundaries, target sets as
 * coloured arcs outside the circle and each agent's mean angle as a point labelled with its id.
 * Labels are placed greedily along the point's ray, at the first radius where they overlap no
 * earlier label, so no two labels are drawn over each other.
 */
function circleChart(a: Analysis): ChartSpec {
  const agents = a.summary.agents;
  const colors = valueColors(agents.map((x) => targetLabel(x.value as ValueTarget)));
  const [from, to] = [-30, 75];
  const arc = (r: number, lo: number, hi: number) => {
    const steps = Math.max(1, Math.ceil((hi - lo) / 0.5));
    return Array.from({ length: steps + 1 }, (_, i) => ({ ...polar(lo + ((hi - lo) * i) / steps, r), order: i }));
  };
  const circle = arc(1, from, to);
  const values = colors.domain;
  const outer = 1.03 + 0.035 * values.length;
  const ticks = Array.from({ length: 11 }, (_, i) => -30 + 10 * i).map((deg) => ({ x: polar(deg, 0.97).x, y: polar(deg, 0.97).y, x2: polar(deg, 1).x, y2: polar(deg, 1).y, deg }));
  const tickLabels = ticks.map((t) => ({ ...polar(t.deg, outer + 0.06), text: `${t.deg}°` }));
  const rays = [
    ...Object.values(CATEGORY_BOUNDS).map((deg) => ({ x: 0, y: 0, x2: polar(deg, 1).x, y2: polar(deg, 1).y, kind: "category boundary" })),
    ...ANGLE_RANGE.map((deg) => ({ x: 0, y: 0, x2: polar(deg, 1).x, y2: polar(deg, 1).y, kind: "attainable range" })),
  ];
  const mid: Record<string, number> = { altruistic: 66, prosocial: 39.8, individualistic: 5.2, competitive: -22 };
  const labels = CATEGORIES.map((c) => ({ ...polar(mid[c], 0.3), text: c }));
  // Target sets: an arc outside the circle at a radius per value so overlapping sets stay visible.
  const arcs: { x: number; y: number; value: string; order: number }[] = [];
  // Ends as diamonds: a set of one angle (a maximiser at the wedge's edge) has no arc to draw.
  const ends: { x: number; y: number; value: string }[] = [];
  values.forEach((label, vi) => {
    const target = agents.find((x) => targetLabel(x.value as ValueTarget) === label)!.value as ValueTarget;
    const [lo, hi] = idealSet(target).map((d) => Math.min(to, Math.max(from, d)));
    const r = 1.03 + 0.035 * vi;
    for (const p of arc(r, lo, hi)) arcs.push({ ...p, value: label });
    ends.push({ ...polar(lo, r), value: label }, { ...polar(hi, r), value: label });
  });
  const points = agents
    .filter((x) => x.angle !== null)
    .map((x) => ({ ...polar(x.angle!, 0.9), agent: x.id, value: targetLabel(x.value as ValueTarget), type: x.type, angle: round(x.angle!, 2) }));
  // Plot geometry: equal units on both axes so the circle stays round.
  const xDomain = [-0.05, 1.4];
  const yDomain = [-0.75, 1.32];
  const pxPerUnit = 300;
  const width = Math.round((xDomain[1] - xDomain[0]) * pxPerUnit);
  const height = Math.round((yDomain[1] - yDomain[0]) * pxPerUnit);
  const toPx = (x: number, y: number) => ({ px: (x - xDomain[0]) * pxPerUnit, py: (yDomain[1] - y) * pxPerUnit });
  const placed: Box[] = points.map((p) => {
    const { px, py } = toPx(p.x, p.y);
    return { x0: px - 6, x1: px + 6, y0: py - 6, y1: py + 6 };
  });
  const pointLabels: { x: number; y: number; text: string; lx: number; ly: number; px: number; py: number }[] = [];
  if (points.length <= 40) {
    for (const p of [...points].sort((u, v) => u.angle - v.angle || u.agent.localeCompare(v.agent))) {
      const w = 6.2 * p.agent.length + 4;
      let best: { r: number; box: Box } | null = null;
      for (let r = 0.8; r >= 0.2 && !best; r -= 0.06) {
        const q = polar(p.angle, r);
        const { px, py } = toPx(q.x, q.y);
        const box = { x0: px - w, x1: px, y0: py - 6, y1: py + 6 };
        if (!placed.some((b) => overlaps(b, box))) best = { r, box };
      }
      if (!best) continue; // no free place: the point stays, unlabelled (its id is in the agents table)
      placed.push(best.box);
      const q = polar(p.angle, best.r);
      pointLabels.push({ x: q.x, y: q.y, text: p.agent, lx: q.x, ly: q.y, px: p.x, py: p.y });
    }
  }
  const xs = { domain: xDomain, nice: false, zero: false };
  const ys = { domain: yDomain, nice: false, zero: false };
  const enc = {
    x: { field: "x", type: "quantitative", scale: xs, axis: null },
    y: { field: "y", type: "quantitative", scale: ys, axis: null },
  };
  const color = { field: "value", type: "nominal", title: "target value (arcs: its ideal set)", scale: colors, sort: colors.domain, legend: LEGEND };
  return {
    id: "circle",
    title: CHART_TITLES.circle,
    spec: {
      $schema: SCHEMA,
      title: { text: CHART_TITLES.circle, subtitle: ["the attainable wedge of the slider; points: agents' mean angles (labelled by agent id)", "coloured arcs: target sets; dashed rays: category boundaries; solid rays: attainable range"] },
      width,
      height,
      layer: [
        { data: { values: circle }, mark: { type: "line", color: "#999", strokeWidth: 1 }, encoding: { ...enc, order: { field: "order" } } },
        {
          data: { values: rays },
          mark: { type: "rule" },
          encoding: {
            ...enc,
            x2: { field: "x2" },
            y2: { field: "y2" },
            color: { value: "#888" },
            strokeDash: { field: "kind", type: "nominal", scale: { domain: ["category boundary", "attainable range"], range: [[4, 3], [1, 0]] }, legend: null },
          },
        },
        { data: { values: ticks }, mark: { type: "rule", color: "#bbb" }, encoding: { ...enc, x2: { field: "x2" }, y2: { field: "y2" } } },
        { data: { values: tickLabels }, mark: { type: "text", color: "#444", fontSize: 11 }, encoding: { ...enc, text: { field: "text" } } },
        { data: { values: labels }, mark: { type: "text", color: "#777", fontSize: 11, fontStyle: "italic" }, encoding: { ...enc, text: { field: "text" } } },
        {
          data: { values: arcs },
          mark: { type: "line", strokeWidth: 5, opacity: 0.6 },
          encoding: { ...enc, color, detail: { field: "value" }, order: { field: "order" } },
        },
        { data: { values: ends }, mark: { type: "point", filled: true, size: 45, shape: "diamond", opacity: 0.9 }, encoding: { ...enc, color } },
        {
          data: { values: pointLabels },
          mark: { type: "rule", color: "#bbb", strokeWidth: 0.7 },
          encoding: { x: { ...enc.x, field: "px" }, y: { ...enc.y, field: "py" }, x2: { field: "lx" }, y2: { field: "ly" } },
        },
        {
          data: { values: points },
          mark: { type: "point", filled: true, size: 80, opacity: 0.9, stroke: "#222", strokeWidth: 0.5 },
          encoding: {
            ...enc,
            color,
            shape: { field: "type", type: "nominal", title: "agent type", legend: LEGEND },
            tooltip: [{ field: "agent" }, { field: "value" }, { field: "angle", title: "angle (°)" }],
          },
        },
        { data: { values: pointLabels }, mark: { type: "text", fontSize: 10.5, align: "right", baseline: "middle", dx: -2, color: "#222" }, encoding: { ...enc, text: { field: "text" } } },
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
  const x = { field: "value", type: "nominal", sort: order, title: "target value", axis: { labelAngle: 0, labelLimit: 0 } };
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
        width: Math.max(160, 90 * order.length),
        height: 240,
        layer: [
          {
            mark: "bar",
            encoding: {
              x,
              xOffset: { field: "model" },
              y: { field: "mean", type: "quantitative", title: null },
              color: { field: "model", type: "nominal", title: "model · condition", legend: LEGEND },
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
            color: { field: "series", type: "nominal", title: perAgent ? "agent" : "group", legend: LEGEND },
          },
        },
      ],
    },
  };
}

/** Mean VR per trial and group with its 95 % interval as a band (the drift an order or learning effect leaves). */
function vrTrialsChart(a: Analysis): ChartSpec {
  const rows = a.summary.groups.flatMap((g) =>
    g.trials
      .filter((p) => p.vr !== null)
      .map((p) => ({ trial: p.trial, vr: round(p.vr!), lo: p.vrCI ? round(p.vrCI[0]) : null, hi: p.vrCI ? round(p.vrCI[1]) : null, n: p.n, series: [g.model, g.value, g.condition].filter(Boolean).join(" · ") })),
  );
  const x = { field: "trial", type: "quantitative", title: "trial", axis: { tickMinStep: 1 } };
  const color = { field: "series", type: "nominal", title: "group (model · value · condition)", legend: { ...LEGEND, symbolOpacity: 1 } };
  return {
    id: "vr-trials",
    title: CHART_TITLES.vrTrials,
    spec: {
      $schema: SCHEMA,
      title: { text: CHART_TITLES.vrTrials, subtitle: "mean VR per trial and group; bands: 95 % interval (Student t over clusters)" },
      data: { values: rows },
      width: 520,
      height: 280,
      layer: [
        { transform: [{ filter: "datum.lo !== null" }], mark: { type: "area", opacity: 0.18 }, encoding: { x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" }, color } },
        {
          mark: { type: "line", point: true },
          encoding: {
            x,
            y: { field: "vr", type: "quantitative", title: "VR", scale: { zero: false } },
            color,
            tooltip: [{ field: "series" }, { field: "trial" }, { field: "vr", format: ".3f" }, { field: "lo", format: ".3f" }, { field: "hi", format: ".3f" }, { field: "n" }],
          },
        },
      ],
    },
  };
}

/** The row label of an interaction cell: its group key, model · condition · value. */
function cellRow(c: InteractionCell): string {
  return [c.model, c.condition, c.value].filter((x) => x !== null).join(" · ");
}

function interactionChart(a: Analysis): ChartSpec {
  const cells = a.summary.interactions
    .filter((c) => c.angle !== null)
    // Rows are the groups table's groups (model · condition · value): cells never pool kinds.
    .map((c) => ({ value: cellRow(c), rank: valueRank(c.value), partner: c.partnerValue, angle: round(c.angle!, 2), label: `${c.angle!.toFixed(1)}° (n=${c.n})` }));
  const own = [...new Set([...cells].sort((u, v) => u.rank - v.rank || u.value.localeCompare(v.value)).map((c) => c.value))];
  const partners = [...new Set(cells.map((c) => c.partner))].sort((x, y) => valueRank(x) - valueRank(y));
  const x = { field: "partner", type: "nominal", sort: partners, title: "partner's value", axis: { labelAngle: 0, labelLimit: 0 } };
  const y = { field: "value", type: "nominal", sort: own, title: "group (model · condition · own value)", axis: { labelLimit: 0 } };
  // The colour domain covers the data (at least the attainable wedge), so no cell falls outside it.
  const angles = cells.map((c) => c.angle);
  const domain = [Math.min(-20, ...angles), Math.max(65, ...angles)];
  const span = domain[1] - domain[0];
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
            color: { field: "angle", type: "quantitative", title: "angle (°)", scale: { scheme: "redyellowblue", domain }, legend: { titleLimit: 0 } },
          },
        },
        {
          mark: { type: "text", fontSize: 11 },
          encoding: {
            x,
            y,
            text: { field: "label" },
            // White on the dark ends of the scheme, black in the light middle.
            color: { condition: { test: `datum.angle < ${round(domain[0] + 0.2 * span)} || datum.angle > ${round(domain[1] - 0.2 * span)}`, value: "#fff" }, value: "#111" },
          },
        },
      ],
    },
  };
}

/**
 * VR_cc of each own group by the partner's value, on a diverging scale centred at 0 (chance) and
 * symmetric around it so it covers every cell; each cell also shows VR with its interval and n.
 */
function vrPartnerChart(a: Analysis): ChartSpec {
  const f3 = (x: number) => x.toFixed(3);
  const cells = a.summary.interactions
    .filter((c) => c.vr !== null)
    .map((c) => ({
      value: cellRow(c),
      rank: valueRank(c.value),
      partner: c.partnerValue,
      vrCC: c.vrCC === null ? null : round(c.vrCC),
      label: [`VR_cc ${c.vrCC === null ? "—" : f3(c.vrCC)}`, `VR ${f3(c.vr!)} ${c.vrCI ? `[${f3(c.vrCI[0])}, ${f3(c.vrCI[1])}]` : "—"}`, `n=${c.n}`],
    }));
  const own = [...new Set([...cells].sort((u, v) => u.rank - v.rank || u.value.localeCompare(v.value)).map((c) => c.value))];
  const partners = [...new Set(cells.map((c) => c.partner))].sort((x, y) => valueRank(x) - valueRank(y));
  const x = { field: "partner", type: "nominal", sort: partners, title: "partner's value", axis: { labelAngle: 0, labelLimit: 0 } };
  const y = { field: "value", type: "nominal", sort: own, title: "group (model · condition · own value)", axis: { labelLimit: 0 } };
  const m = Math.max(1, ...cells.map((c) => Math.abs(c.vrCC ?? 0)));
  return {
    id: "vr-partner",
    title: CHART_TITLES.vrPartner,
    spec: {
      $schema: SCHEMA,
      title: { text: CHART_TITLES.vrPartner, subtitle: "colour: chance-corrected VR (0 = a uniformly random chooser, 1 = a perfect pursuer); text: VR [95 % interval], n trajectories" },
      data: { values: cells },
      width: Math.max(180, 150 * partners.length),
      height: Math.max(90, 60 * own.length),
      layer: [
        {
          mark: "rect",
          encoding: {
            x,
            y,
            color: { field: "vrCC", type: "quantitative", title: "VR_cc", scale: { scheme: "redblue", domain: [-m, m], domainMid: 0 }, legend: { titleLimit: 0 } },
          },
        },
        {
          mark: { type: "text", fontSize: 10.5, lineHeight: 13 },
          encoding: {
            x,
            y,
            text: { field: "label" },
            color: { condition: { test: `datum.vrCC !== null && abs(datum.vrCC) > ${round(0.6 * m)}`, value: "#fff" }, value: "#111" },
          },
        },
      ],
    },
  };
}

/**
 * The chart specs of a run, in report order.
 *
 * @example
 * chartSpecs(analysis).map((c) => c.title);
 */
export function chartSpecs(a: Analysis): ChartSpec[] {
  return [circleChart(a), vrChart(a), trialsChart(a), vrTrialsChart(a), interactionChart(a), vrPartnerChart(a)];
}

/**
 * Compiles one Vega-Lite spec and renders it to a standalone SVG string with vega's headless View
 * (the run report and the experiment report both render through here).
 *
 * @example
 * const fig = await renderSpec("vr-radar", "VR per target value", radarSpec(vr));
 */
export async function renderSpec(id: string, title: string, spec: Record<string, unknown>): Promise<RenderedChart> {
  const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
  const view = new vega.View(vega.parse(vl.compile(spec as never).spec), { renderer: "none" });
  try {
    return { id, title, svg: await view.toSVG() };
  } finally {
    view.finalize();
  }
}

/**
 * Renders each of the run's charts to an SVG string.
 *
 * @example
 * const [circle] = await renderCharts(analysis);
 */
export async function renderCharts(a: Analysis): Promise<RenderedChart[]> {
  const out: RenderedChart[] = [];
  for (const c of chartSpecs(a)) out.push(await renderSpec(c.id, c.title, c.spec));
  return out;
}
