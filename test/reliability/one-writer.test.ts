/**
 * One writer per run directory: a run killed with SIGKILL leaves a stale lock (its pid is dead)
 * that the next `--resume` takes over; two `--resume`s started at once — one proceeds, the other
 * exits 2 naming the holder's pid and host — and the log ends with every planned decision exactly
 * once. `hvae report` takes the same lock. A log that two writers did produce (pieced together
 * here) is refused by `analyze` and `report` instead of being counted twice.
 */
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventOf } from "../../src/core/events.ts";
import { hvae, outcomes, readLog, startHvae } from "../support/hvae-process.ts";

const SCENARIO = `
name: lock
seed: 9
trials: 800
game: { type: svo-slider, items: primary }
pairing: round-robin
agents:
  - { id: a, type: utility, value: prosocial }
  - { id: b, type: logit, value: 20 }
  - { id: c, type: random, value: competitive }
  - { id: d, type: utility, value: individualistic }
`;
// 800 trials × 6 pairs × 6 items × 2 agents
const PLANNED = 800 * 6 * 6 * 2;

let dir: string;
let file: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "hvae-lock-"));
  file = join(dir, "lock.yaml");
  writeFileSync(file, SCENARIO);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function killedRun(out: string): Promise<{ runDir: string; pid: number }> {
  const proc = startHvae(["run", file, "--out", out, "--quiet"]);
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(20)) {
    const runs = existsSync(out) ? readdirSync(out) : [];
    const log = runs.length ? join(out, runs[0], "events.jsonl") : null;
    if (log && existsSync(log) && statSync(log).size > 600_000) break;
  }
  proc.child.kill("SIGKILL");
  const r = await proc.done;
  expect(r.signal, r.stderr).toBe("SIGKILL");
  return { runDir: join(out, readdirSync(out)[0]), pid: proc.child.pid! };
}

describe("one writer per run directory", () => {
  it("a killed run's stale lock is taken over; of two resumes at once one proceeds, the other exits 2 naming the holder", async () => {
    const { runDir, pid } = await killedRun(join(dir, "runs"));
    const stale = JSON.parse(readFileSync(join(runDir, ".lock"), "utf8"));
    expect(stale).toMatchObject({ pid, host: hostname(), command: "hvae run" });

    const first = startHvae(["run", "--resume", runDir, "--quiet"]);
    const second = startHvae(["run", "--resume", runDir, "--quiet"]);
    const [a, b] = await Promise.all([first.done, second.done]);
    const results = [
      { r: a, pid: first.child.pid! },
      { r: b, pid: second.child.pid! },
    ];
    const winner = results.find((x) => x.r.code === 0);
    const loser = results.find((x) => x.r.code !== 0);
    expect(winner, `${a.code} ${a.stderr} / ${b.code} ${b.stderr}`).toBeDefined();
    expect(loser!.r.code, loser!.r.stderr).toBe(2);
    const host = hostname().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    expect(loser!.r.stderr).toMatch(new RegExp(`^hvae: .*lock-[^ ]+ is in use by hvae run --resume \\(pid ${winner!.pid} on host ${host}, since [0-9T:.Z-]+\\); one process writes a run directory at a time`));
    expect(loser!.r.stderr.trim().split("\n")).toHaveLength(1);
    expect(loser!.r.stdout).toBe("");

    const events = readLog(runDir);
    const ids = outcomes(events).map((e) => e.decisionId);
    expect(ids).toHaveLength(PLANNED);
    expect(new Set(ids).size).toBe(PLANNED);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(events.filter((e) => e.type === "run.completed" && e.status === "completed")).toHaveLength(1);
    expect(existsSync(join(runDir, ".lock"))).toBe(false);
    const analyzed = await hvae(["analyze", runDir, "--json"]);
    expect(analyzed.code, analyzed.stderr).toBe(0);
    expect(JSON.parse(analyzed.stdout).run).toMatchObject({ decisions: PLANNED });
  }, 180_000);

  it("report takes the lock too: while a process holds it, report exits 2 naming it", async () => {
    writeFileSync(join(dir, "small.yaml"), SCENARIO.replace("trials: 800", "trials: 2"));
    const done = await hvae(["run", join(dir, "small.yaml"), "--out", join(dir, "small"), "--quiet"]);
    expect(done.code, done.stderr).toBe(0);
    // A live holder: this test process (same host, alive).
    const holder = { pid: process.pid, host: hostname(), command: "hvae run --resume", since: "2026-01-01T00:00:00.000Z" };
    writeFileSync(join(done.last, ".lock"), JSON.stringify(holder));
    const refused = await hvae(["report", done.last]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`is in use by hvae run --resume \\(pid ${process.pid} on host`));
    const resume = await hvae(["run", "--resume", done.last]);
    expect(resume.code).toBe(2);
    rmSync(join(done.last, ".lock"));
    const ok = await hvae(["report", done.last]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(join(done.last, ".lock"))).toBe(false);
  }, 180_000);

  it("analyze and report refuse a log written twice instead of counting it twice", async () => {
    writeFileSync(join(dir, "twice.yaml"), SCENARIO.replace("trials: 800", "trials: 3").replace("name: lock", "name: twice"));
    const done = await hvae(["run", join(dir, "twice.yaml"), "--out", join(dir, "twice"), "--quiet"]);
    expect(done.code, done.stderr).toBe(0);
    const log = join(done.last, "events.jsonl");
    const text = readFileSync(log, "utf8");
    const lines = text.trimEnd().split("\n");
    // What two concurrent resumes wrote: the same session's decisions twice, seq numbers interleaved.
    appendFileSync(log, text);
    const a = await hvae(["analyze", done.last]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(new RegExp(`events\\.jsonl \\(event ${lines.length + 1}\\): seq 0 after ${lines.length - 1}: the log was written by two processes at once`));
    const rep = await hvae(["report", done.last]);
    expect(rep.code).toBe(2);
    expect(rep.stderr).toMatch(/the log was written by two processes at once/);

    // Renumbered so seq increases: the duplicate decision itself is caught.
    const renumbered = [...lines, ...lines].map((l, i) => JSON.stringify({ ...JSON.parse(l), seq: i })).join("\n") + "\n";
    writeFileSync(log, renumbered);
    const b = await hvae(["analyze", done.last]);
    expect(b.code).toBe(2);
    const firstDecision = outcomes(lines.map((l) => JSON.parse(l)))[0] as EventOf<"decision.made">;
    expect(b.stderr).toMatch(new RegExp(`decision ${firstDecision.decisionId.replace(/[.*+?^$|()[\]\\]/g, "\\$&")} recorded again after its session finished`));
    expect(b.stderr).not.toMatch(/internal error|\n\s+at /);
  }, 180_000);
});
