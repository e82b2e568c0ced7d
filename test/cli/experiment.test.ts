/**
 * Experiments end to end over real HTTP: a swept scenario runs as one experiment directory with a
 * run per cell over one shared gateway; each cell decides as the same cell run alone; a cell whose
 * endpoint is unusable fails alone and a resume plays only what is missing; `hvae plan` counts the
 * calls the run makes; `hvae compare` compares cells that differ in one factor; bad sweeps are
 * refused with their path.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hvae, outcomes, readLog } from "../support/hvae-process.ts";
import { offeredLabels, startOpenAiServer, type FakeOpenAi } from "../support/openai-server.ts";

let tmp: string;
let server: FakeOpenAi;
let broken: FakeOpenAi;

/** Each model name answers its own way, so cells that differ in model decide differently. */
const respond = (req: { body: { model: string; messages: { content: string }[] } & Record<string, unknown> }) => {
  const labels = offeredLabels(req.body as never);
  if (labels.length === 0) return { kind: "answer" as const, content: "A person who shares fairly." };
  const pick = req.body.model === "model-a" ? 0 : labels.length - 1;
  return { kind: "answer" as const, letter: labels[pick] };
};

function scenario(name: string, body: string): string {
  const path = join(tmp, `${name}.yaml`);
  writeFileSync(
    path,
    `name: ${name}
trials: 2
pairing: none
endpoints:
  good: { baseURL: "${server.baseURL}", maxConcurrency: 8, maxRetries: 1 }
  bad: { baseURL: "${broken.baseURL}", maxConcurrency: 8, maxRetries: 1 }
prices:
  model-a: { input: 1, output: 2 }
  model-b: { input: 1, output: 2 }
${body}`,
  );
  return path;
}

const AGENTS = `agents:
  - { id: pro, type: llm, value: prosocial, model: "good:model-a", prompts: { describe: true, goal: false } }
  - { id: ind, type: llm, value: individualistic, model: "good:model-a", prompts: { describe: true, goal: false } }
`;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "hvae-exp-"));
  server = await startOpenAiServer({ respond });
  broken = await startOpenAiServer({ respond: () => ({ kind: "status", status: 401, body: '{"error":{"message":"bad key"}}' }) });
});

afterAll(async () => {
  await server.stop();
  await broken.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const choices = (dir: string) => outcomes(readLog(dir)).map((o) => `${o.decisionId}=${o.type === "decision.made" ? o.option : "invalid"}`);

describe("experiments", () => {
  it("run every cell in its own run directory, each deciding exactly as the cell run alone", async () => {
    const swept = scenario("sweep", `${AGENTS}sweep:\n  model: ["good:model-a", "good:model-b"]\n  prompts.goal: [false, true]\n`);
    const plan = await hvae(["plan", swept, "--json"]);
    expect(plan.code, plan.stderr).toBe(0);
    const planned = JSON.parse(plan.stdout) as { cells: { id: string; calls: number; costUsd: number | null }[]; total: { calls: number; costUsd: number | null } };
    expect(planned.cells.map((c) => c.id)).toEqual(["c01", "c02", "c03", "c04"]);

    const before = server.count();
    const r = await hvae(["run", swept, "--out", join(tmp, "runs"), "--quiet"], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const dir = r.last;
    // hvae plan's call count is exact when no answer needs a repair.
    expect(server.count() - before).toBe(planned.total.calls);
    const exp = JSON.parse(readFileSync(join(dir, "experiment.json"), "utf8")) as { status: string; cells: { id: string; factors: Record<string, unknown>; status: string }[] };
    expect(exp.status).toBe("completed");
    expect(exp.cells.map((c) => c.status)).toEqual(["completed", "completed", "completed", "completed"]);
    expect(exp.cells[2].factors).toEqual({ model: "good:model-b", "prompts.goal": false });
    expect(readdirSync(dir).sort()).toEqual(["c01", "c02", "c03", "c04", "experiment.json"]);

    // Each cell's log holds only its own model calls: describe per trajectory + one per decision (+ goal).
    for (const [i, cell] of exp.cells.entries()) {
      const log = readLog(join(dir, cell.id));
      const calls = log.filter((e) => e.type === "model.call").length;
      const decisions = log.filter((e) => e.type === "decision.made").length;
      expect(decisions).toBe(2 * 2 * 6);
      expect(calls).toBe(decisions + 4 * (cell.factors["prompts.goal"] ? 2 : 1));
      expect(planned.cells[i].calls).toBe(calls);
      // A cell's totals are its own calls, not the shared gateway's.
      const cost = log.reduce((n, e) => n + (e.type === "model.call" ? e.costUsd! : 0), 0);
      expect(log.at(-1)).toMatchObject({ type: "run.completed", calls });
      expect((log.at(-1) as { costUsd: number }).costUsd).toBeCloseTo(cost, 12);
    }

    // The same cell alone, same seed: the same choices.
    const alone = scenario("alone", AGENTS.replaceAll("good:model-a", "good:model-b"));
    const single = await hvae(["run", alone, "--out", join(tmp, "runs"), "--quiet", "--no-cache"], { timeoutMs: 120_000 });
    expect(single.code, single.stderr).toBe(0);
    expect(choices(single.last)).toEqual(choices(join(dir, "c03")));
    expect(choices(join(dir, "c01"))).not.toEqual(choices(join(dir, "c03")));

    const cmp = await hvae(["compare", dir, "--json", "--metric", "vr"]);
    expect(cmp.code, cmp.stderr).toBe(0);
    const result = JSON.parse(cmp.stdout) as { unit: string; comparisons: { factor: string; cellA: string; cellB: string; value: string; p: number | null; pAdjusted: number | null }[] };
    expect(result.unit).toMatch(/trajectories/);
    // 4 cells in a 2 × 2 design: 4 pairs differ in one factor, two values each.
    expect(result.comparisons).toHaveLength(8);
    expect(new Set(result.comparisons.map((c) => c.factor))).toEqual(new Set(["model", "prompts.goal"]));
    for (const c of result.comparisons) if (c.p !== null) expect(c.pAdjusted!).toBeGreaterThanOrEqual(c.p);

    // The experiment's report: the page with its comparisons, the figures as SVG, the cells table.
    const report = await hvae(["report", dir]);
    expect(report.code, report.stderr).toBe(0);
    const html = readFileSync(join(dir, "report", "report.html"), "utf8");
    expect(html).toContain("Comparisons between cells (VR_cc)");
    expect((html.match(/<tr>/g) ?? []).length).toBe(1 + 8 + 1 + 4); // comparisons + header, cost + header
    for (const f of ["vr-radar.svg", "vrcc-by-value.svg"]) expect(readFileSync(join(dir, "report", "figures", f), "utf8")).toMatch(/^<svg/);
    const csv = readFileSync(join(dir, "report", "cells.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toMatch(/^cell,model,prompts\.goal,model,condition,prosocial,prosocial 95% CI,individualistic/);
    expect(csv).toHaveLength(1 + 4);
  }, 300_000);

  it("a cell on an unusable endpoint fails alone (exit 3); resume plays only that cell", async () => {
    const swept = scenario("failing", `${AGENTS}sweep:\n  model: ["good:model-a", "bad:model-a"]\n`);
    const r = await hvae(["run", swept, "--out", join(tmp, "runs"), "--quiet"], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(3);
    const dir = r.last;
    const exp = () => JSON.parse(readFileSync(join(dir, "experiment.json"), "utf8")) as { status: string; cells: { id: string; status: string }[] };
    expect(exp().status).toBe("failed");
    expect(exp().cells.map((c) => c.status)).toEqual(["completed", "failed"]);
    // A transport or auth failure is never an invalid decision.
    expect(readLog(join(dir, "c02")).filter((e) => e.type === "decision.invalid")).toHaveLength(0);

    broken.configure({ respond });
    const goodBefore = server.count();
    const again = await hvae(["run", "--resume", dir, "--quiet"], { timeoutMs: 120_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(server.count()).toBe(goodBefore);
    expect(exp().status).toBe("completed");
    expect(outcomes(readLog(join(dir, "c02")))).toHaveLength(24);
    // The closing line counts the whole experiment (the cell finished before the resume too).
    const answered = ["c01", "c02"].flatMap((c) => readLog(join(dir, c))).filter((e) => e.type === "model.call" && (e.cached || e.attempts > 0));
    expect(again.stderr).toContain(`whole experiment: model calls ${answered.length} (`);
    expect(again.stderr).toMatch(/this segment: model calls \d+/);
    broken.configure({ respond: () => ({ kind: "status", status: 401, body: "{}" }) });
  }, 240_000);

  it("refuses bad sweeps with the path, the line and exit 2", async () => {
    const cases: [string, RegExp][] = [
      ["sweep:\n  nosuch: [1, 2]\n", /sweep\.nosuch: unknown path 'nosuch'/],
      ["sweep:\n  model: []\n", /sweep\.model: expected at least one value/],
      ["sweep:\n  trials: [2, 0]\n", /sweep\.trials\[1\]: trials: .*\(in cell c02 \(trials=0\)\)/],
      ["sweep:\n  seed: [" + Array.from({ length: 101 }, (_, i) => i).join(", ") + "]\n  trials: [" + Array.from({ length: 101 }, (_, i) => i + 1).join(", ") + "]\n", /10,201 cells, more than the limit of 10,000/],
    ];
    for (const [body, message] of cases) {
      const path = scenario("bad", AGENTS + body);
      const v = await hvae(["validate", path]);
      expect(v.code, v.stderr).toBe(2);
      expect(v.stderr).toMatch(/bad\.yaml:\d+:\d+ /);
      expect(v.stderr).toMatch(message);
    }
  }, 120_000);
});
