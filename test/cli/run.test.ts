import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { EventOf, HvaeEvent } from "../../src/events.ts";

const BIN = resolve("bin/hvae");

const SCENARIO = `
name: tiny
seed: 3
trials: 3
game: { type: svo-slider, items: primary, shuffleItems: true, shuffleOptions: true }
pairing: round-robin
feedback: true
agents:
  - { id: alt, type: utility, value: altruistic }
  - { id: com, type: utility, value: competitive }
  - { id: noisy, type: logit, value: 30, beta: 0.2 }
`;

function workspace(scenario = SCENARIO): { cwd: string; file: string } {
  const cwd = mkdtempSync(join(tmpdir(), "hvae-cli-"));
  const file = join(cwd, "tiny.yaml");
  writeFileSync(file, scenario);
  return { cwd, file };
}

function hvae(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last: r.stdout.trimEnd().split("\n").at(-1) ?? "" };
}

const readLog = (dir: string): HvaeEvent[] =>
  readFileSync(join(dir, "events.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
const decisionIds = (events: HvaeEvent[]) =>
  events.filter((e) => e.type === "decision.made" || e.type === "decision.invalid").map((e) => (e as EventOf<"decision.made">).decisionId);
const withoutStamps = (events: HvaeEvent[]) => events.map(({ time: _t, runId: _r, ...rest }) => rest);

describe("hvae run", () => {
  it("writes the run directory, prints the table and the directory last, deterministic per seed", () => {
    const { cwd, file } = workspace();
    const a = hvae(cwd, "run", file, "--quiet");
    expect(a.stderr).toBe("");
    expect(a.code).toBe(0);
    expect(a.last).toMatch(/runs\/tiny-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(existsSync(join(a.last, "events.jsonl"))).toBe(true);
    expect(a.stdout).toMatch(/^agent\s+value\s+angle\s+category\s+VR/m);
    expect(a.stdout).toMatch(/^alt\s+altruistic\s+61\.39\s+altruistic\s+1\.000\s+6$/m);
    expect(a.stdout).toMatch(/^com\s+competitive\s+-16\.26\s+competitive\s+1\.000\s+6$/m);

    const events = readLog(a.last);
    const started = events[0] as EventOf<"run.started">;
    expect(started.plannedDecisions).toBe(3 * 3 * 6 * 2);
    expect(decisionIds(events)).toHaveLength(108);
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "completed", decisions: 108 });
    const manifest = JSON.parse(readFileSync(join(a.last, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ status: "completed", seed: 3, plannedDecisions: 108, runId: a.last.split("/").at(-1) });
    expect(Object.keys(manifest.versions)).toEqual(expect.arrayContaining(["hvae", "node", "langchain", "@langchain/openai", "rxjs", "zod"]));
    expect(manifest.endedAt).not.toBeNull();

    const b = hvae(cwd, "run", file, "--quiet", "--max-concurrency", "1");
    expect(b.last).not.toBe(a.last);
    expect(withoutStamps(readLog(b.last))).toEqual(withoutStamps(events));
    const c = hvae(cwd, "run", file, "--quiet", "--seed", "4", "--out", "elsewhere");
    expect(c.last).toContain("/elsewhere/tiny-");
    expect(withoutStamps(readLog(c.last))).not.toEqual(withoutStamps(events));
  });

  it("shows plain progress lines off a terminal", () => {
    const { cwd, file } = workspace();
    const r = hvae(cwd, "run", file);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/progress: 108\/108 decisions \(100\.0%\)/);
  });

  it("--resume after a torn log appends exactly the missing decisions", () => {
    const { cwd, file } = workspace();
    const first = hvae(cwd, "run", file, "--quiet");
    const log = join(first.last, "events.jsonl");
    const all = readLog(first.last);
    truncateSync(log, Math.floor(statSync(log).size * 0.45) + 3);
    const resumed = hvae(cwd, "run", "--resume", first.last, "--quiet");
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/cut a torn last line/);
    expect(resumed.last).toBe(first.last);
    const final = readLog(first.last);
    expect(final.map((e) => e.seq)).toEqual(final.map((_, i) => i));
    expect(decisionIds(final).sort()).toEqual(decisionIds(all).sort());
    expect(final.filter((e) => e.type === "run.started").map((e) => (e as EventOf<"run.started">).resumed)).toEqual([false, true]);
    const manifest = JSON.parse(readFileSync(join(first.last, "manifest.json"), "utf8"));
    expect(manifest.status).toBe("completed");
    expect(manifest.segments).toHaveLength(2);

    const again = hvae(cwd, "run", "--resume", first.last);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("already complete");
    expect(readLog(first.last)).toHaveLength(final.length);
  });

  it("survives kill -9 mid-run: resume completes the planned decisions once each", async () => {
    const big = SCENARIO.replace("trials: 3", "trials: 400").replace("name: tiny", "name: big");
    const { cwd, file } = workspace(big);
    const child = spawn(process.execPath, [BIN, "run", file, "--quiet", "--out", "runs"], { cwd, stdio: "ignore" });
    const runs = join(cwd, "runs");
    const logOf = () => {
      const dirs = existsSync(runs) ? readdirSync(runs) : [];
      return dirs.length ? join(runs, dirs[0], "events.jsonl") : null;
    };
    for (let i = 0; i < 200; i++) {
      const log = logOf();
      if (log && existsSync(log) && statSync(log).size > 200_000) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const dir = join(runs, readdirSync(runs)[0]);
    const before = decisionIds(readFileSync(join(dir, "events.jsonl"), "utf8").split("\n").slice(0, -1).map((l) => JSON.parse(l))).length;
    expect(before).toBeLessThan(400 * 3 * 12);
    const resumed = hvae(cwd, "run", "--resume", dir, "--quiet");
    expect(resumed.code).toBe(0);
    const ids = decisionIds(readLog(dir));
    expect(ids).toHaveLength(400 * 3 * 12);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("bad input: exit 2 with a short message, no stack", () => {
    const { cwd, file } = workspace();
    const missing = hvae(cwd, "run", "nope.yaml");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^hvae: .*nope\.yaml/);
    expect(missing.stderr).not.toMatch(/\s+at /);
    const seed = hvae(cwd, "run", file, "--seed", "x");
    expect(seed.code).toBe(2);
    expect(seed.stderr).toContain("--seed: expected an integer, got 'x'");
    const resume = hvae(cwd, "run", "--resume", join(cwd, "no-such-run"));
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain("no manifest");
    const both = hvae(cwd, "run", "--resume", cwd, "--seed", "3");
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--seed cannot be combined with --resume");
    writeFileSync(join(cwd, "pairs.yaml"), SCENARIO.replace("round-robin", "fixed") + "pairs: [[alt, ghost]]\n");
    const pairs = hvae(cwd, "run", "pairs.yaml");
    expect(pairs.code).toBe(2);
    expect(pairs.stderr).toContain("ghost");
    expect(existsSync(join(cwd, "runs"))).toBe(false);
  });
});
