// Paper-ready figures (issue 12, item 9): every run-report chart is also a standalone SVG under
// report/figures/, legends carry whole labels (long model names with goal and no-goal stay
// distinguishable), the SVO circle shows degree ticks and labelled points, the heatmaps' colour
// domains cover their data and VR_cc is on a diverging scale centred at 0.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHART_TITLES, chartSpecs } from "../../analysis/report/charts.ts";
import type { Analysis } from "../../analysis/summary.ts";
import { writeReport } from "../../src/cli/commands/report.ts";
import { fabricateRun } from "./fabricate.ts";

const MODEL = "openai:gpt-4o-mini-2024-07-18-with-a-long-name";
let root: string;
let out: string;
let analysis: Analysis;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "hvae-figures-"));
  const runDir = join(root, "run");
  mkdirSync(runDir);
  const events = fabricateRun({
    agents: [
      { id: "pro-goal", type: "utility", value: "prosocial", model: MODEL, condition: "goal" },
      { id: "pro-nogoal", type: "random", value: "prosocial", model: MODEL, condition: "no-goal" },
      { id: "ind", type: "random", value: "individualistic" },
      { id: "com", type: "utility", value: "competitive" },
      { id: "alt", type: "utility", value: "altruistic" },
    ],
    trials: 4,
    pairing: "round-robin",
    seed: 9,
  });
  writeFileSync(join(runDir, "events.jsonl"), events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  out = join(root, "report");
  analysis = await writeReport(runDir, out);
}, 120_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].replace(/&#39;|&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&"));
const figure = (id: string) => readFileSync(join(out, "figures", `${id}.svg`), "utf8");

describe("report figures", () => {
  it("writes every chart as a standalone SVG under report/figures/, titled, with whole legend labels", () => {
    const ids = chartSpecs(analysis).map((c) => c.id);
    expect(ids).toEqual(["circle", "vr", "trials", "vr-trials", "interactions", "vr-partner"]);
    const titles = Object.values(CHART_TITLES);
    ids.forEach((id, i) => {
      expect(existsSync(join(out, "figures", `${id}.svg`))).toBe(true);
      const svg = figure(id);
      expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      const t = texts(svg);
      expect(t).toContain(titles[i]);
      // Nothing cut: vega marks a truncated label with an ellipsis.
      expect(t.filter((x) => x.includes("…"))).toEqual([]);
    });
    // goal and no-goal are told apart by their full legend labels.
    expect(texts(figure("vr"))).toEqual(expect.arrayContaining([`${MODEL} · goal`, `${MODEL} · no-goal`]));
    expect(texts(figure("vr-trials"))).toEqual(expect.arrayContaining([`${MODEL} · prosocial · goal`, `${MODEL} · prosocial · no-goal`]));
  });

  it("zooms the SVO circle to the attainable wedge with degree ticks and one label per agent, none overlapping", () => {
    const t = texts(figure("circle"));
    for (const tick of ["-10°", "0°", "30°", "60°"]) expect(t).toContain(tick);
    expect(t).not.toContain("-90°");
    for (const a of analysis.summary.agents) expect(t).toContain(a.id);
    const spec = chartSpecs(analysis)[0].spec as { layer: { data: { values: { text?: string; x: number; y: number }[] }; mark: { type: string; fontSize?: number } }[] };
    const labels = spec.layer.find((l) => l.mark.type === "text" && l.mark.fontSize === 10.5)!.data.values;
    expect(labels.map((l) => l.text).sort()).toEqual(analysis.summary.agents.map((a) => a.id).sort());
    // Right-aligned labels 12 px high, ~6.2 px per character at 300 px per unit: no two boxes meet.
    const box = (l: { text?: string; x: number; y: number }) => ({ x0: l.x * 300 - 6.2 * l.text!.length - 4, x1: l.x * 300, y0: -l.y * 300 - 6, y1: -l.y * 300 + 6 });
    for (let i = 0; i < labels.length; i++)
      for (let j = i + 1; j < labels.length; j++) {
        const [a, b] = [box(labels[i]), box(labels[j])];
        expect(a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1, `${labels[i].text} / ${labels[j].text}`).toBe(false);
      }
  });

  it("gives the heatmaps colour domains that cover every cell, VR_cc diverging around 0", () => {
    const specs = Object.fromEntries(chartSpecs(analysis).map((c) => [c.id, c.spec])) as Record<string, { layer: { encoding: { color?: { scale?: { domain: number[]; domainMid?: number } } } }[] }>;
    const angles = analysis.summary.interactions.flatMap((c) => (c.angle === null ? [] : [c.angle]));
    const [lo, hi] = specs.interactions.layer[0].encoding.color!.scale!.domain;
    expect(lo).toBeLessThanOrEqual(Math.min(...angles));
    expect(hi).toBeGreaterThanOrEqual(Math.max(...angles));
    const cc = analysis.summary.interactions.flatMap((c) => (c.vrCC === null ? [] : [c.vrCC]));
    const scale = specs["vr-partner"].layer[0].encoding.color!.scale!;
    expect(scale.domainMid).toBe(0);
    expect(scale.domain[0]).toBe(-scale.domain[1]);
    expect(scale.domain[1]).toBeGreaterThanOrEqual(Math.max(...cc.map(Math.abs)));
    // VR over trials: a band per group from the per-trial intervals.
    expect(analysis.summary.groups.some((g) => g.trials.some((p) => p.vrCI !== null))).toBe(true);
  });
});
