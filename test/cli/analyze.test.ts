import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { AGENT_COLUMNS, parseCsv } from "../../analysis/report/csv.ts";
import type { Summary } from "../../analysis/summary.ts";

const root = resolve(import.meta.dirname, "../..");
let tmp: string;
let runDir: string;

function hvae(...args: string[]) {
  const r = spawnSync("./bin/hvae", args, { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SCENARIO = `
name: mini
seed: 5
trials: 4
game: { type: svo-slider, items: primary }
pairing: round-robin
feedback: true
agents:
  - { id: alt, type: utility, value: altruistic }
  - { id: com, type: utility, value: competitive }
  - { id: coin, type: random, value: prosocial }
`;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "hvae-cli-analyze-"));
  writeFileSync(join(tmp, "mini.yaml"), SCENARIO);
  const r = hvae("run", join(tmp, "mini.yaml"), "--out", join(tmp, "runs"), "--quiet");
  expect(r.code, r.stderr).toBe(0);
  runDir = r.stdout.trim().split("\n").pop()!;
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("hvae analyze / report / compare", () => {
  it("analyze --json prints the documented shape for a run made by hvae run", () => {
    const r = hvae("analyze", runDir, "--json");
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(Object.keys(s)).toEqual(["run", "agents", "groups", "interactions", "agentInteractions", "measures", "probabilities", "items"]);
    expect(Object.keys(s.agents[0])).toEqual([
      "id", "type", "model", "condition", "value", "targetSet", "trajectories", "invalid", "angle", "angleCI", "identified", "angleSet", "reason",
      "category", "categoryAccuracy", "vr", "vrCI", "vrChance", "vrCC",
      "vrInvalidChance", "vrInvalidChanceCI", "vrInvalidZero", "vrInvalidZeroCI", "invalidRate", "invalidRateCI",
      "firstOptionShare", "firstOptionChance", "orderEffect", "consistency",
    ]);
    const byId = Object.fromEntries(s.agents.map((a) => [a.id, a]));
    expect(byId.alt.vr).toBe(1);
    expect(byId.com.vr).toBe(1);
    expect(byId.alt.angle).toBeCloseTo(61.3895, 3);
    expect(byId.alt.trajectories).toBe(8);
    expect(byId.coin.vrChance).toBeGreaterThan(0.7);
    expect(s.run.method).toBe("slider");
    expect(s.interactions.find((c) => c.value === "competitive" && c.partnerValue === "altruistic")?.n).toBe(4);
  }, 60_000);

  it("analyze prints a table; report writes files whose CSVs match analyze --json; compare lists groups", () => {
    const table = hvae("analyze", runDir);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/altruistic\s+\[61\.39, 61\.39\]\s+8\s+0\s+61\.39/);
    const json = JSON.parse(hvae("analyze", runDir, "--json").stdout) as Summary;

    const out = join(tmp, "rep");
    const rep = hvae("report", runDir, "--out", out);
    expect(rep.code, rep.stderr).toBe(0);
    expect(rep.stdout.trim()).toBe(join(out, "report.html"));
    const rows = parseCsv(readFileSync(join(out, "agents.csv"), "utf8")).slice(1);
    rows.forEach((row, i) => {
      const rec = Object.fromEntries(AGENT_COLUMNS.map((c, k) => [c, row[k]]));
      expect(rec.id).toBe(json.agents[i].id);
      expect(Number(rec.vr)).toBe(json.agents[i].vr);
      expect(Number(rec.angle)).toBe(json.agents[i].angle);
      expect([Number(rec.vrLow), Number(rec.vrHigh)]).toEqual(json.agents[i].vrCI);
    });

    const def = hvae("report", runDir);
    expect(def.code).toBe(0);
    expect(existsSync(join(runDir, "report", "report.html"))).toBe(true);

    const cmp = hvae("compare", runDir, runDir, "--json");
    expect(cmp.code, cmp.stderr).toBe(0);
    const cmpJson = JSON.parse(cmp.stdout) as { metric: string; cells: { groups: { value: string; estimate: number | null }[] }[]; comparisons: { factor: string; difference: number }[] };
    expect(cmpJson.metric).toBe("vrCC");
    expect(cmpJson.cells).toHaveLength(2);
    expect(cmpJson.cells[0].groups).toHaveLength(json.groups.length);
    // The same run twice: every group compares with itself at a difference of exactly 0.
    expect(cmpJson.comparisons.every((c) => c.factor === "run" && c.difference === 0)).toBe(true);
    const vr = hvae("compare", runDir, runDir, "--json", "--metric", "vr");
    const vrJson = JSON.parse(vr.stdout) as { cells: { groups: { model: string; value: string; condition: string | null; estimate: number | null }[] }[] };
    for (const g of json.groups) {
      const same = vrJson.cells[0].groups.find((x) => x.model === g.model && x.value === g.value && x.condition === g.condition);
      if (g.vr === null) expect(same?.estimate ?? null).toBeNull();
      else expect(same?.estimate).toBeCloseTo(g.vr, 12);
    }
  }, 120_000);

  it("rejects a missing directory, a directory without a log, and an empty log with exit 2", () => {
    const missing = hvae("analyze", join(tmp, "nope"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such run directory/);
    expect(missing.stderr).not.toMatch(/at .*\.ts:/);

    const bare = join(tmp, "bare");
    mkdirSync(bare);
    const noLog = hvae("report", bare);
    expect(noLog.code).toBe(2);
    expect(noLog.stderr).toMatch(/no events\.jsonl/);

    writeFileSync(join(bare, "events.jsonl"), "");
    const empty = hvae("compare", bare);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/empty event log/);
    expect(readdirSync(bare)).toEqual(["events.jsonl"]);
  }, 60_000);
});
