import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { progressLine } from "../../src/cli/progress.ts";
import type { EventOf, HvaeEvent } from "../../src/core/events.ts";
import { hvae as runHvae, startHvae } from "../support/hvae-process.ts";
import { startOpenAiServer } from "../support/openai-server.ts";

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
/** Whole-run totals as the log holds them, counted the way the gateway counts calls. */
function logTotals(events: HvaeEvent[]) {
  const calls = events.filter((e): e is EventOf<"model.call"> => e.type === "model.call");
  const paid = calls.filter((c) => !c.cached);
  return {
    decisions: events.filter((e) => e.type === "decision.made").length,
    invalid: events.filter((e) => e.type === "decision.invalid").length,
    calls: calls.filter((c) => c.cached || c.attempts > 0).length,
    cacheHits: calls.filter((c) => c.cached).length,
    inputTokens: paid.reduce((s, c) => s + c.inputTokens, 0),
    outputTokens: paid.reduce((s, c) => s + c.outputTokens, 0),
  };
}
/** The `traj` column of the end-of-run table, per agent. */
const tableTrajectories = (stdout: string) =>
  Object.fromEntries(
    stdout
      .split("\n")
      .map((l) => l.trim().split(/\s{2,}/))
      .filter((cells) => cells.length >= 4 && /^\d+$/.test(cells[3]))
      .map((cells) => [cells[0], Number(cells[3])]),
  );
const withoutStamps = (events: HvaeEvent[]) => events.map(({ time: _t, runId: _r, ...rest }) => rest);

/** Waits until the one run under `runs` has logged more than `bytes` (a run well under way); its directory. */
async function runUnderWay(runs: string, bytes = 200_000, timeoutMs = 10_000): Promise<string> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await new Promise((r) => setTimeout(r, 25))) {
    const dirs = existsSync(runs) ? readdirSync(runs) : [];
    const log = dirs.length ? join(runs, dirs[0], "events.jsonl") : null;
    if (log && existsSync(log) && statSync(log).size > bytes) return join(runs, dirs[0]);
  }
  throw new Error(`no run under ${runs} logged ${bytes} bytes within ${timeoutMs} ms`);
}

describe("hvae run", () => {
  it("writes the run directory, prints the table and the directory last, deterministic per seed", () => {
    const { cwd, file } = workspace();
    const a = hvae(cwd, "run", file, "--quiet");
    expect(a.stderr).toBe("");
    expect(a.code).toBe(0);
    expect(a.last).toMatch(/runs\/tiny-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(existsSync(join(a.last, "events.jsonl"))).toBe(true);
    expect(a.stdout).toMatch(/^agent\s+type\s+value\s+traj\s+angle\s+category\s+VR\s+VR_cc$/m);
    expect(a.stdout).toMatch(/^alt\s+utility\s+altruistic\s+6\s+61\.39\s+altruistic\s+1\.000\s+1\.000$/m);
    expect(a.stdout).toMatch(/^com\s+utility\s+competitive\s+6\s+-16\.26\s+competitive\s+1\.000\s+1\.000$/m);

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

  it("--live-metrics into a pipe: plain lines, no terminal escapes, at most one per 5 s (plus the last)", () => {
    const big = SCENARIO.replace("trials: 3", "trials: 600").replace("name: tiny", "name: big");
    const { cwd, file } = workspace(big);
    const started = Date.now();
    const r = hvae(cwd, "run", file, "--live-metrics");
    const seconds = (Date.now() - started) / 1000;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("\x1b");
    expect(r.stderr).not.toContain("\r");
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("metrics: "));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(2 + Math.floor(seconds / 5));
    for (const l of lines) expect(l).toMatch(/^metrics: \d+ trajectories, \d+ decisions, \d+\.\d% invalid, cost [^|]+?( \| [^:|]+: VR \d\.\d{3} cc (–|-?\d\.\d{3}) \(n=\d+\))+$/);
    // The last line is the whole run's.
    expect(lines.at(-1)).toMatch(/^metrics: 3600 trajectories, 21600 decisions/);
  });

  // `script` (util-linux) gives the child a real pseudo-terminal, so this is the bar a user sees.
  const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;
  it.skipIf(!hasScript)("draws a bar redrawn in place on a terminal, then the table and the run directory", () => {
    const big = SCENARIO.replace("trials: 3", "trials: 600").replace("name: tiny", "name: big");
    const { cwd, file } = workspace(big);
    const command = [process.execPath, BIN, "run", file].map((a) => `'${a}'`).join(" ");
    const r = spawnSync("script", ["-qfec", command, "/dev/null"], { cwd, encoding: "utf8", timeout: 60_000, env: { ...process.env, COLUMNS: "150" } });
    expect(r.status, r.stdout).toBe(0);
    const out = r.stdout.replace(/\r\n/g, "\n");
    const frames = out.split("\r\x1b[2K").slice(1);
    expect(frames.length, out.slice(0, 400)).toBeGreaterThanOrEqual(2);
    for (const f of frames.slice(0, -1)) expect(f).toMatch(/^\[[#-]{24}\] [\d,]+\/21,600 decisions \(\d+\.\d%\)  [\d,]+\/s  ETA /);
    const last = frames.at(-1)!;
    expect(last).toMatch(/^\[#{24}\] 21,600\/21,600 decisions \(100\.0%\)/);
    // Live VR per value group rides on the bar; the bar ends with a newline before the table.
    expect(out).toMatch(/VR (altruistic|competitive|individualistic|prosocial) \d\.\d\d/);
    const after = last.slice(last.indexOf("\n") + 1).trimEnd().split("\n");
    expect(after[0]).toMatch(/^agent +type +value/);
    expect(after.at(-1)).toMatch(/runs\/big-[^/]+$/);
  });

  it("into a pipe that closes early (`hvae run … | head -1`): the run still completes, exit 0, no EPIPE trace", () => {
    const { cwd, file } = workspace();
    const r = spawnSync("sh", ["-c", `(node '${BIN}' run '${file}' --quiet; echo "status=$?" >&2) | head -1`], { cwd, encoding: "utf8", timeout: 60_000 });
    expect(r.stdout).toMatch(/^agent +type/);
    expect(r.stderr.trim()).toBe("status=0");
    const dir = join(cwd, "runs", readdirSync(join(cwd, "runs"))[0]);
    expect(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).status).toBe("completed");
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
    const { child, done } = startHvae(["run", file, "--quiet", "--out", "runs"], { cwd });
    const dir = await runUnderWay(join(cwd, "runs"));
    child.kill("SIGKILL");
    await done;
    const before = decisionIds(readFileSync(join(dir, "events.jsonl"), "utf8").split("\n").slice(0, -1).map((l) => JSON.parse(l))).length;
    expect(before).toBeLessThan(400 * 3 * 12);
    const resumed = hvae(cwd, "run", "--resume", dir, "--quiet");
    expect(resumed.code).toBe(0);
    const log = readLog(dir);
    const ids = decisionIds(log);
    expect(ids).toHaveLength(400 * 3 * 12);
    expect(new Set(ids).size).toBe(ids.length);
    // The table, run.completed and the manifest describe the whole run, not the resumed part.
    const analysis = JSON.parse(hvae(cwd, "analyze", dir, "--json").stdout) as { agents: { id: string; trajectories: number }[] };
    expect(tableTrajectories(resumed.stdout)).toEqual(Object.fromEntries(analysis.agents.map((a) => [a.id, a.trajectories])));
    expect(analysis.agents.map((a) => a.trajectories)).toEqual([800, 800, 800]);
    const whole = { decisions: 400 * 3 * 12, invalid: 0, calls: 0, cacheHits: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
    expect(log.at(-1)).toMatchObject({ type: "run.completed", ...whole });
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    expect(manifest.totals).toMatchObject(whole);
    // Both segments' active time: more than the first segment's alone (it ran until the kill).
    const resumedAt = log.findIndex((e, i) => i > 0 && e.type === "run.started");
    const firstSegment = (Date.parse(log[resumedAt - 1].time) - Date.parse(log[0].time)) / 1000;
    expect(manifest.totals.seconds).toBeGreaterThan(firstSegment);
    expect(manifest.totals.seconds).toBeLessThan((Date.parse(log.at(-1)!.time) - Date.parse(log[0].time)) / 1000 + 0.001);
  });

  it("Ctrl-C finishes the sessions in flight, records interrupted, exits 130; resume completes", async () => {
    const big = SCENARIO.replace("trials: 3", "trials: 2000").replace("name: tiny", "name: big");
    const planned = 2000 * 3 * 12;
    const { cwd, file } = workspace(big);
    const { child, done } = startHvae(["run", file, "--quiet", "--out", "runs"], { cwd });
    const dir = await runUnderWay(join(cwd, "runs"));
    child.kill("SIGINT");
    const { code, stderr, last } = await done;
    expect(code, stderr).toBe(130);
    expect(stderr).toContain("interrupted: finishing sessions in flight");
    expect(stderr).toContain(`continue with: hvae run --resume ${dir}`);
    expect(last).toBe(dir);

    // A clean stop, not a crash: every line whole, the status recorded, no session left half done.
    const events = readLog(dir);
    const end = events.at(-1) as EventOf<"run.completed">;
    expect(end).toMatchObject({ type: "run.completed", status: "interrupted" });
    expect(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).status).toBe("interrupted");
    const started = events.filter((e) => e.type === "trial.started").length;
    expect(started).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === "trial.completed")).toHaveLength(started);
    const before = decisionIds(events).length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(planned);

    const resumed = hvae(cwd, "run", "--resume", dir, "--quiet");
    expect(resumed.code, resumed.stderr).toBe(0);
    const ids = decisionIds(readLog(dir));
    expect(ids).toHaveLength(planned);
    expect(new Set(ids).size).toBe(planned);
    expect(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).status).toBe("completed");
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
    expect(resume.stderr).toMatch(/no such run directory|no manifest/);
    const both = hvae(cwd, "run", "--resume", cwd, "--seed", "3");
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--seed cannot be combined with --resume");
    writeFileSync(join(cwd, "pairs.yaml"), SCENARIO.replace("round-robin", "fixed") + "pairs: [[alt, ghost]]\n");
    const pairs = hvae(cwd, "run", "pairs.yaml");
    expect(pairs.code).toBe(2);
    expect(pairs.stderr).toContain("ghost");
    expect(existsSync(join(cwd, "runs"))).toBe(false);
  });

  it("llm agents: gateway calls in the log, a cached re-run pays nothing, the budget stops cleanly and resume finishes", async () => {
    const server = await startOpenAiServer();
    try {
      const scenario = `
name: llm
seed: 1
trials: 2
pairing: none
endpoints: { local: { baseURL: "${server.baseURL}", apiKeyEnv: HVAE_TEST_KEY, maxRetries: 0 } }
prices: { fake: { input: 1000, output: 1000 } }
agents:
  - { id: p, type: llm, value: prosocial, model: "local:fake", prompts: { describe: false, goal: false } }
  - { id: c, type: llm, value: competitive, model: "local:fake", prompts: { describe: false, goal: false } }
`;
      const { cwd, file } = workspace(scenario);
      const env = { ...process.env, HVAE_TEST_KEY: "sk-test-0000", HVAE_CACHE: join(cwd, "cache.sqlite") };
      // Asynchronously: the fake server lives in this process.
      const run = (...args: string[]) => runHvae(args, { cwd, env, timeoutMs: 60_000 });

      const first = await run("run", file, "--quiet");
      expect(first.stderr).toMatch(/model calls 24 \(0 from cache\)/);
      expect(first.code).toBe(0);
      const events = readLog(first.last);
      expect(decisionIds(events)).toHaveLength(24);
      const calls = events.filter((e): e is EventOf<"model.call"> => e.type === "model.call");
      expect(calls).toHaveLength(24);
      expect(calls.every((c) => !c.cached && c.decisionId !== null)).toBe(true);
      expect(server.count()).toBe(24);

      const cached = await run("run", file, "--quiet");
      expect(cached.code).toBe(0);
      expect(server.count()).toBe(24);
      expect(readLog(cached.last).filter((e) => e.type === "model.call" && e.cached)).toHaveLength(24);

      // A fresh cache and a budget a few calls deep: the run ends cleanly, resume with more money completes.
      const env2 = { ...env, HVAE_CACHE: join(cwd, "cache2.sqlite") };
      Object.assign(env, env2);
      const perCall = calls[0].costUsd!;
      const poor = await run("run", file, "--quiet", "--max-cost", String(perCall * 5), "--max-concurrency", "1");
      expect(poor.code).toBe(0);
      expect(poor.stderr).toContain("continue with: hvae run --resume");
      const cut = readLog(poor.last);
      expect(cut.at(-1)).toMatchObject({ type: "run.completed", status: "budget-exhausted" });
      expect(JSON.parse(readFileSync(join(poor.last, "manifest.json"), "utf8")).status).toBe("budget-exhausted");
      const paid = server.count();
      const answered = decisionIds(cut).length;
      expect(answered).toBeLessThan(24);
      const rest = await run("run", "--resume", poor.last, "--quiet");
      expect(rest.code).toBe(0);
      const final = readLog(poor.last);
      const ids = decisionIds(final);
      expect(ids).toHaveLength(24);
      expect(new Set(ids).size).toBe(24);
      // Answers already received came from the cache: only the missing decisions were paid for.
      expect(server.count() - paid).toBe(24 - answered);
      // Whole-run totals (both segments) in run.completed, the manifest and the closing line;
      // the segment's own figures after them.
      const totals = logTotals(final);
      const cost = final.reduce((s, e) => s + (e.type === "model.call" ? e.costUsd! : 0), 0);
      expect(totals.calls).toBeGreaterThan(24 - answered);
      const done = final.at(-1) as EventOf<"run.completed">;
      expect(done).toMatchObject({ type: "run.completed", status: "completed", ...totals });
      expect(done.costUsd).toBeCloseTo(cost, 12);
      const manifest = JSON.parse(readFileSync(join(poor.last, "manifest.json"), "utf8"));
      expect(manifest.totals).toMatchObject(totals);
      expect(manifest.totals.costUsd).toBeCloseTo(cost, 12);
      expect(rest.stderr).toContain(
        `whole run: model calls ${totals.calls} (${totals.cacheHits} from cache), tokens in ${totals.inputTokens} / out ${totals.outputTokens}, cost $${cost.toFixed(4)}`,
      );
      expect(rest.stderr).toMatch(new RegExp(`this segment: model calls ${totals.calls - logTotals(cut).calls} \\(`));
      for (const f of readdirSync(poor.last)) expect(readFileSync(join(poor.last, f), "utf8")).not.toContain("sk-test-0000");
    } finally {
      await server.stop();
    }
  });

  it("an endpoint that rejects the key stops the run at once (exit 3, nothing recorded); fixed, resume completes", async () => {
    const server = await startOpenAiServer({ respond: () => ({ kind: "status", status: 401, body: '{"error":{"message":"Incorrect API key"}}' }) });
    try {
      const scenario = `
name: llm
seed: 1
trials: 3
pairing: round-robin
feedback: true
endpoints: { local: { baseURL: "${server.baseURL}", apiKeyEnv: HVAE_TEST_KEY, maxRetries: 2 } }
agents:
  - { id: p, type: llm, value: prosocial, model: "local:fake", prompts: { describe: false, goal: false } }
  - { id: c, type: llm, value: competitive, model: "local:fake", prompts: { describe: false, goal: false } }
  - { id: i, type: utility, value: individualistic }
`;
      const { cwd, file } = workspace(scenario);
      const env = { ...process.env, HVAE_TEST_KEY: "sk-wrong-0000", HVAE_CACHE: join(cwd, "cache.sqlite") };
      // Asynchronously: the fake server lives in this process.
      const r = await runHvae(["run", file, "--quiet"], { cwd, env, timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(3);
      const dir = r.last;
      expect(r.stderr).toMatch(/hvae: failed: endpoint 'local' \(http:\/\/127\.0\.0\.1:\d+\/v1, model fake\): the server rejected the API key \(HTTP 401\)/);
      expect(r.stderr).toContain(`fix it, then continue with: hvae run --resume ${dir}`);
      // Stopped at the first refusal: no retry of a 401, no call beyond the first round's four
      // (sessions p+c, p+i and c+i start together), and no decision recorded as invalid.
      expect(server.count()).toBeLessThanOrEqual(4);
      const cut = readLog(dir);
      expect(cut.filter((e) => e.type === "decision.invalid")).toEqual([]);
      expect(cut.at(-1)).toMatchObject({ type: "run.completed", status: "failed" });
      expect(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).status).toBe("failed");

      server.configure({});
      const resumed = await runHvae(["run", "--resume", dir, "--quiet"], { cwd, env, timeoutMs: 60_000 });
      expect(resumed.code, resumed.stderr).toBe(0);
      const ids = decisionIds(readLog(dir));
      // 3 pairs × 3 trials × 6 rounds × 2 agents.
      expect(ids).toHaveLength(108);
      expect(new Set(ids).size).toBe(108);
      expect(readLog(dir).filter((e) => e.type === "decision.invalid")).toEqual([]);
      expect(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).status).toBe("completed");
    } finally {
      await server.stop();
    }
  });
});

describe("progressLine", () => {
  it("shows done of total, share, rate and time left", () => {
    expect(progressLine(6000, 1200, 1200, 0.15, "", 12)).toBe("[##----------] 1,200/6,000 decisions (20.0%)  8,000/s  ETA 0:01");
    expect(progressLine(100_000, 50_000, 10_000, 10, "VR 0.9", 0)).toBe("progress: 50,000/100,000 decisions (50.0%)  1,000/s  ETA 0:50  VR 0.9");
    expect(progressLine(10, 0, 0, 0, "", 0)).toContain("ETA ?");
  });
});
