import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHART_TITLES, chartSpecs } from "../../analysis/report/charts.ts";
import { AGENT_COLUMNS, parseCsv, TRAJECTORY_COLUMNS } from "../../analysis/report/csv.ts";
import { angleFromPayoffs } from "../../analysis/svo.ts";
import type { Analysis } from "../../analysis/summary.ts";
import { writeReport, REPORT_FILES } from "../../src/cli/commands/report.ts";
import { fabricateRun } from "./fabricate.ts";
import { circularMean } from "../../analysis/stats.ts";

let root: string;
let out: string;
let analysis: Analysis;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "hvae-report-"));
  const runDir = join(root, "run");
  mkdirSync(runDir);
  const events = fabricateRun({
    agents: [
      { id: "alt", type: "utility", value: "altruistic" },
      { id: "pro", type: "utility", value: "prosocial", model: "m1", condition: "goal" },
      { id: "rnd", type: "random", value: "individualistic", invalidRate: 0.1 },
      { id: "com", type: "utility", value: "competitive" },
    ],
    trials: 6,
    pairing: "round-robin",
    seed: 4,
  });
  writeFileSync(join(runDir, "events.jsonl"), events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  out = join(root, "out");
  analysis = await writeReport(runDir, out);
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

const unescape = (s: string) => s.replace(/&#39;|&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&");

describe("hvae report", () => {
  it("writes every file", () => {
    for (const f of REPORT_FILES) expect(readFileSync(join(out, f), "utf8").length).toBeGreaterThan(100);
  });

  it("holds every chart as inline SVG with its title, and nothing external", () => {
    const html = readFileSync(join(out, "report.html"), "utf8");
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(Object.keys(CHART_TITLES).length);
    const titles = Object.values(CHART_TITLES);
    svgs.forEach((svg, i) => {
      const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => unescape(m[1]));
      expect(texts).toContain(titles[i]);
      // Drawn by vega: its mark groups, not hand-built shapes.
      expect(svg).toMatch(/class="mark-/);
    });
    for (const t of titles) expect(html).toContain(`<figcaption>${t.replace(/'/g, "'")}</figcaption>`);
    // Offline: no scripts, stylesheets, images or fonts fetched from anywhere.
    expect(html).not.toMatch(/<script|<link|@import|url\(\s*['"]?https?:|(src|href)\s*=\s*["']?https?:/i);
  });

  it("charts carry the analysis numbers", () => {
    const byId = Object.fromEntries(chartSpecs(analysis).map((c) => [c.id, c]));
    const [circle, vr, heat] = [byId.circle, byId.vr, byId.interactions];
    const layers = circle.spec.layer as { data: { values: { agent?: string; angle?: number }[] } }[];
    const points = layers.find((l) => l.data.values[0]?.agent !== undefined)!.data.values;
    expect(points.map((p) => p.agent)).toEqual(analysis.summary.agents.map((a) => a.id));
    expect(points[0].angle).toBeCloseTo(analysis.summary.agents[0].angle!, 2);
    const rows = (vr.spec.data as { values: { measure: string; mean: number }[] }).values;
    expect(rows.filter((r) => r.measure === "VR")).toHaveLength(analysis.summary.groups.length);
    expect((heat.spec.data as { values: unknown[] }).values).toHaveLength(analysis.summary.interactions.length);
  });

  it("CSVs read back to the same numbers as the analysis", () => {
    const s = JSON.parse(JSON.stringify(analysis.summary)) as Analysis["summary"];
    const agents = parseCsv(readFileSync(join(out, "agents.csv"), "utf8"));
    expect(agents[0]).toEqual([...AGENT_COLUMNS]);
    expect(agents).toHaveLength(s.agents.length + 1);
    const num = (x: string) => (x === "" ? null : Number(x));
    agents.slice(1).forEach((row, i) => {
      const a = s.agents[i];
      const rec = Object.fromEntries(AGENT_COLUMNS.map((c, k) => [c, row[k]]));
      expect(rec.id).toBe(a.id);
      expect(num(rec.angle)).toBe(a.angle);
      expect([num(rec.angleLow), num(rec.angleHigh)]).toEqual(a.angleCI);
      expect(num(rec.vr)).toBe(a.vr);
      expect([num(rec.vrLow), num(rec.vrHigh)]).toEqual(a.vrCI);
      expect(num(rec.vrCC)).toBe(a.vrCC);
      expect(num(rec.vrChance)).toBe(a.vrChance);
      expect(num(rec.categoryAccuracy)).toBe(a.categoryAccuracy);
      expect([num(rec.targetLow), num(rec.targetHigh)]).toEqual(a.targetSet);
      expect(num(rec.invalid)).toBe(a.invalid);
    });

    // trajectories.csv: per agent, the circular mean of its angles is the agent's angle.
    const traj = parseCsv(readFileSync(join(out, "trajectories.csv"), "utf8"));
    expect(traj[0]).toEqual([...TRAJECTORY_COLUMNS]);
    const col = (name: string) => TRAJECTORY_COLUMNS.indexOf(name as never);
    for (const a of s.agents) {
      const angles = traj.slice(1).filter((r) => r[col("agentId")] === a.id && r[col("angle")] !== "").map((r) => Number(r[col("angle")]));
      expect(circularMean(angles)).toBeCloseTo(a.angle!, 10);
      expect(traj.slice(1).filter((r) => r[col("agentId")] === a.id && r[col("invalid")] === "true")).toHaveLength(a.invalid);
    }

    // decisions.csv: each valid trajectory's payoffs give back its angle.
    const dec = parseCsv(readFileSync(join(out, "decisions.csv"), "utf8"));
    const h = dec[0];
    const bySession = new Map<string, { self: number; other: number }[]>();
    for (const r of dec.slice(1)) {
      if (r[h.indexOf("valid")] !== "true") continue;
      const key = `${r[h.indexOf("sessionId")]}|${r[h.indexOf("agentId")]}`;
      const list = bySession.get(key) ?? [];
      list.push({ self: Number(r[h.indexOf("self")]), other: Number(r[h.indexOf("other")]) });
      bySession.set(key, list);
    }
    let checked = 0;
    for (const r of traj.slice(1)) {
      if (r[col("angle")] === "") continue;
      const payoffs = bySession.get(`${r[col("sessionId")]}|${r[col("agentId")]}`)!;
      expect(angleFromPayoffs(payoffs)).toBeCloseTo(Number(r[col("angle")]), 10);
      checked++;
    }
    expect(checked).toBe(s.run.trajectories - s.run.invalidTrajectories);
    expect(dec.length - 1).toBe(s.run.decisions);
  });

  it("summary.md holds the paper-layout table", () => {
    const md = readFileSync(join(out, "summary.md"), "utf8");
    expect(md).toContain("## Value rationality (paper layout)");
    expect(md).toMatch(/\| model \| condition \| altruistic \| prosocial \| individualistic \| competitive \|/);
    expect(md).toContain("| m1 | goal |");
  });
});
