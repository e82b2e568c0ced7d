/**
 * Interactions never pool across kinds (issue 12 item 4) and the tidy exports (item 8), on a real
 * run: an LLM agent (the local test server) and a random agent of the same value meet the same
 * partner; the report's CSVs carry run_id, one encoding of value, and read back with pandas and
 * R's read.csv without options (skipped, with the reason, where those are missing).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCsv } from "../../analysis/report/csv.ts";
import type { Summary } from "../../analysis/summary.ts";
import { startOpenAiServer } from "../support/openai-server.ts";
import { hvae } from "../support/hvae-process.ts";

const CSVS = ["decisions.csv", "trajectories.csv", "agents.csv", "groups.csv", "interactions.csv"];

let tmp: string;
let runDir: string;
let summary: Summary;
let reportDir: string;

beforeAll(async () => {
  const server = await startOpenAiServer();
  try {
    tmp = mkdtempSync(join(tmpdir(), "hvae-exports-"));
    const file = join(tmp, "mixed.yaml");
    writeFileSync(
      file,
      `
name: mixed
seed: 3
trials: 2
game: { type: svo-slider, items: primary }
pairing: round-robin
endpoints: { local: { baseURL: "${server.baseURL}", apiKeyEnv: HVAE_TEST_KEY, maxRetries: 0 } }
agents:
  - { id: llm, type: llm, value: individualistic, model: "local:fake", prompts: { describe: false, goal: false } }
  - { id: rnd, type: random, value: individualistic }
  - { id: pro, type: utility, value: prosocial }
  - { id: deg, type: utility, value: 30 }
`,
    );
    const env = { ...process.env, HVAE_TEST_KEY: "sk-test-0000", HVAE_CACHE: join(tmp, "cache.sqlite") };
    const r = await hvae(["run", file, "--out", join(tmp, "runs"), "--quiet"], { cwd: tmp, env, timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    runDir = r.last;
    const a = await hvae(["analyze", runDir, "--json"], { cwd: tmp, timeoutMs: 60_000 });
    expect(a.code, a.stderr).toBe(0);
    summary = JSON.parse(a.stdout) as Summary;
    reportDir = join(tmp, "report");
    const rep = await hvae(["report", runDir, "--out", reportDir], { cwd: tmp, timeoutMs: 60_000 });
    expect(rep.code, rep.stderr).toBe(0);
  } finally {
    await server.stop();
  }
}, 180_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("interactions per group and per agent", () => {
  it("an LLM and a random agent of the same value get separate rows, each with model and condition", () => {
    const cells = summary.interactions.filter((c) => c.value === "individualistic" && c.partnerValue === "prosocial");
    expect(cells.map((c) => c.model).sort()).toEqual(["local:fake", "random"]);
    for (const c of summary.interactions) {
      expect(c).toHaveProperty("model");
      expect(c).toHaveProperty("condition");
      expect(c).toHaveProperty("vrCI");
    }
    // Each group cell holds only its own agents' trajectories: 2 trials against the one prosocial partner.
    for (const c of cells) expect(c.n).toBe(2);
    const perAgent = summary.agentInteractions.filter((c) => c.partnerValue === "prosocial" && c.value === "individualistic");
    expect(perAgent.map((c) => c.agentId).sort()).toEqual(["llm", "rnd"]);
    // The random agent's cell is its group's cell (one agent per group here).
    const rnd = perAgent.find((c) => c.agentId === "rnd")!;
    const grp = cells.find((c) => c.model === "random")!;
    expect(rnd.vr).toBe(grp.vr);
    expect(rnd.angle).toBe(grp.angle);
    expect(summary.run.bootstrap.unit).toBe("partner");
  });

  it("the terminal table shows one row per group and partner value, with the unit under it", async () => {
    const r = await hvae(["analyze", runDir], { cwd: tmp, timeoutMs: 60_000 });
    expect(r.stdout).toMatch(/By partner's value/);
    expect(r.stdout).toMatch(/local:fake\s+no-goal\s+individualistic\s+prosocial\s+2\s/);
    expect(r.stdout).toMatch(/random\s+random\s+individualistic\s+prosocial\s+2\s/);
    const notes = r.stdout.split("\n").filter((l) => l.startsWith("95% CIs over partners"));
    expect(notes.length).toBe(3); // groups, agents, interactions
  });
});

describe("--cluster in report and compare", () => {
  it("takes the same option and default as analyze and writes the unit under tables, in CSVs and JSON", async () => {
    const unitsOf = (dir: string, f: string) => {
      const [h, ...rows] = parseCsv(readFileSync(join(dir, f), "utf8"));
      return new Set(rows.map((r) => r[h.indexOf("ciUnit")]));
    };
    expect(unitsOf(reportDir, "groups.csv")).toEqual(new Set(["partner"]));
    expect(readFileSync(join(reportDir, "summary.md"), "utf8")).toMatch(/95% CIs over partners/);
    const out = join(tmp, "report-agent");
    const r = await hvae(["report", runDir, "--out", out, "--cluster", "agent"], { cwd: tmp, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(unitsOf(out, "groups.csv")).toEqual(new Set(["agent"]));
    // Agent rows cannot resample agents: partners within the agent.
    expect(unitsOf(out, "agents.csv")).toEqual(new Set(["partner"]));
    const md = readFileSync(join(out, "summary.md"), "utf8");
    expect(md.match(/95% CIs over agents \(agent rows: partners within the agent\)/g)!.length).toBeGreaterThanOrEqual(4);
    expect(readFileSync(join(out, "report.html"), "utf8")).toMatch(/95% CIs over agents/);

    const def = await hvae(["compare", runDir, "--json"], { cwd: tmp, timeoutMs: 60_000 });
    expect(def.code, def.stderr).toBe(0);
    expect(JSON.parse(def.stdout).clusters).toEqual([{ cell: runDir, unit: "partner" }]);
    const pair = await hvae(["compare", runDir, "--json", "--cluster", "pair"], { cwd: tmp, timeoutMs: 60_000 });
    expect(JSON.parse(pair.stdout).clusters[0].unit).toBe("pair");
    expect(JSON.parse(pair.stdout).unit).toMatch(/pairs/);
    const bad = await hvae(["report", runDir, "--cluster", "team"], { cwd: tmp, timeoutMs: 30_000 });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--cluster: expected none\|agent\|partner\|pair, got 'team'/);
  }, 120_000);
});

describe("tidy exports", () => {
  const read = (f: string) => parseCsv(readFileSync(join(reportDir, f), "utf8"));

  it("every CSV has run_id first and one encoding of value; decisions carry value, model, condition", () => {
    for (const f of CSVS) {
      const [header, ...rows] = read(f);
      expect(header[0], f).toBe("run_id");
      expect(rows.length, f).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r[0])), f).toEqual(new Set([summary.run.id]));
      for (const col of ["value", "partnerValue"]) {
        const k = header.indexOf(col);
        if (k < 0) continue;
        for (const r of rows) expect(r[k], `${f} ${col}`).toMatch(/^(altruistic|prosocial|individualistic|competitive|none|-?\d+(\.\d+)?)$/);
      }
    }
    const [h, ...d] = read("decisions.csv");
    expect(h).toEqual(expect.arrayContaining(["value", "model", "condition"]));
    const row = d.find((r) => r[h.indexOf("agentId")] === "deg")!;
    expect(row[h.indexOf("value")]).toBe("30");
    expect(row[h.indexOf("model")]).toBe("utility");
    expect(d.find((r) => r[h.indexOf("agentId")] === "llm")![h.indexOf("model")]).toBe("local:fake");
    expect(d.length).toBe(summary.run.decisions);
    expect(read("groups.csv").length - 1).toBe(summary.groups.length);
    expect(read("interactions.csv").length - 1).toBe(summary.interactions.length + summary.agentInteractions.length);
  });

  const python = ["python3", "/usr/bin/python3"].find((p) => spawnSync(p, ["-c", "import pandas"], { encoding: "utf8" }).status === 0);
  it.skipIf(!python)(`pandas.read_csv reads every CSV without options${python ? "" : " (skipped: no python3 with pandas; apt-get install python3-pandas)"}`, () => {
    for (const f of CSVS) {
      const [header, ...rows] = read(f);
      const r = spawnSync(python!, ["-c", "import pandas, sys, json; d = pandas.read_csv(sys.argv[1]); print(json.dumps([list(d.columns), len(d)]))", join(reportDir, f)], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout), f).toEqual([header, rows.length]);
    }
  });

  const rscript = spawnSync("Rscript", ["--version"], { encoding: "utf8" }).status === 0;
  it.skipIf(!rscript)(`R's read.csv reads every CSV without options${rscript ? "" : " (skipped: no Rscript; apt-get install r-base-core)"}`, () => {
    for (const f of CSVS) {
      const [header, ...rows] = read(f);
      const r = spawnSync("Rscript", ["-e", "d <- read.csv(commandArgs(TRUE)[1]); cat(names(d), sep='\\n'); cat(nrow(d), '\\n')", join(reportDir, f)], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.trim().split("\n").map((l) => l.trim());
      // read.csv keeps these names as they are (syntactic R names: letters, digits, _ and .).
      expect(lines.slice(0, -1), f).toEqual(header);
      expect(Number(lines.at(-1)), f).toBe(rows.length);
    }
  });
});
