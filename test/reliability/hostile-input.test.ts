/**
 * Hostile inputs: numbers the runtime cannot honour, names no file system can hold, files that
 * are not files, custom agent modules that never answer or answer nothing, modules changed or
 * smuggled in before a resume, and planted symlinks. Each ends with exit 2, one short message
 * naming the problem, within 5 s for `validate`, and no half-written state.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScenarioError } from "../../src/scenario/errors.ts";
import { loadScenario } from "../../src/scenario/load.ts";
import { hvae, outcomes, readLog } from "../support/hvae-process.ts";

let dir: string;
const write = (name: string, text: string) => {
  const path = join(dir, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "hvae-hostile-"));
  // Agent modules are ES modules like the repository's own.
  write("package.json", '{ "type": "module" }\n');
  write("modules/never.ts", "export const createAgent = (spec) => ({ id: spec.id, decide: () => new Promise(() => {}) });\n");
  write("modules/nothing.ts", "export const createAgent = (spec) => ({ id: spec.id, async decide() { return null; } });\n");
  write("modules/fair.ts", "export const createAgent = (spec) => ({ id: spec.id, async decide(obs) { return { kind: 'choice', index: 0 }; } });\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const one = (agents: string, extra = "") => `name: x\n${extra}agents:\n${agents}\n`;
const utility = "  - { id: a, type: utility, value: prosocial }";

const limits: [name: string, text: string, says: RegExp][] = [
  ["long-name.yaml", `name: ${"n".repeat(300)}\nagents:\n${utility}\n`, /long-name\.yaml:1:7 name: 300 characters; at most 200 \(the run directory is named after it/],
  ["memory.yaml", one(utility, "memory: 1e15\n"), /memory\.yaml:2:9 memory: a window of 1\.00e\+15 rounds; at most 10,000/],
  ["agent-memory.yaml", one("  - { id: a, type: llm, value: prosocial, memory: 1e12 }"), /agents\[0\]\.memory: a window of 1,000,000,000,000 rounds; at most 10,000/],
  ["count.yaml", one("  - { id: a, type: utility, value: prosocial, count: 1000000 }", "pairing: round-robin\n"), /agents\[0\]\.count: 1,000,000 agents in all; hvae runs at most 100,000 agents/],
  ["round-robin.yaml", one("  - { id: a, type: utility, value: prosocial, count: 20000 }", "pairing: round-robin\n"), /pairing: the plan has 1,999,900,000 sessions \(10 trials × 199,990,000 groups per trial\); at most 10,000,000/],
  ["rounds.yaml", one(utility, "game: { type: dictator, rounds: 1e9 }\n"), /game\.rounds: 1,000,000,000 rounds per trial; at most 10,000/],
  ["step.yaml", one(utility, "game: { type: dictator, step: 1e-7 }\n"), /game\.step: 1,000,000,001 options per item \(endowment \/ step \+ 1\); at most 10,000: use a larger step/],
  ["decisions.yaml", one("  - { id: a, type: utility, value: prosocial, count: 50000 }", "trials: 180\ngame: { type: svo-slider, items: all }\n"), /trials: the plan has 135,000,000 decisions \(180 trials × 50,000 agents per trial, 15 rounds each\); at most 100,000,000 in one run/],
];

describe("numbers the runtime cannot honour", () => {
  it.each(limits)("%s → exit 2 within 5 s, one message", async (name, text, says) => {
    const path = write(name, text);
    // The checking itself, in this process (a child's start-up time depends on the machine's load).
    const started = performance.now();
    const err = await loadScenario(path).then(() => null, (e: unknown) => e);
    const seconds = (performance.now() - started) / 1000;
    expect(err).toBeInstanceOf(ScenarioError);
    const r = await hvae(["validate", path]);
    expect(r.stderr).toMatch(says);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(seconds).toBeLessThan(5);
  });

  it("`run` refuses them the same way before creating a run directory", async () => {
    const r = await hvae(["run", join(dir, "long-name.yaml"), "--out", join(dir, "runs-limits"), "--quiet"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/name: 300 characters; at most 200/);
    expect(r.stderr).not.toMatch(/ENAMETOOLONG|internal error/);
    expect(existsSync(join(dir, "runs-limits"))).toBe(false);
  });
});

describe("files that are not files", () => {
  it("a FIFO as the scenario is refused at once", async () => {
    const fifo = join(dir, "fifo.yaml");
    execFileSync("mkfifo", [fifo]);
    const r = await hvae(["validate", fifo], { timeoutMs: 10_000 });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`hvae: ${fifo}: a FIFO, not a scenario file (expected a regular YAML or JSON file)`);
  });

  it("an events.jsonl that is a FIFO or /dev/zero is refused by analyze and resume", async () => {
    const file = write("tiny.yaml", one(utility, "trials: 1\n"));
    const done = await hvae(["run", file, "--out", join(dir, "runs-files"), "--quiet"]);
    expect(done.code, done.stderr).toBe(0);
    const log = join(done.last, "events.jsonl");
    rmSync(log);
    symlinkSync("/dev/zero", log);
    const zero = await hvae(["analyze", done.last], { timeoutMs: 10_000 });
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/events\.jsonl: a device, not an event log \(expected a regular file\)/);
    rmSync(log);
    execFileSync("mkfifo", [log]);
    const fifo = await hvae(["analyze", done.last], { timeoutMs: 10_000 });
    expect(fifo.code).toBe(2);
    expect(fifo.stderr).toMatch(/events\.jsonl: a FIFO, not an event log/);
    const resume = await hvae(["run", "--resume", done.last], { timeoutMs: 10_000 });
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/events\.jsonl: a FIFO, not an event log/);
  }, 90_000);

  it("report refuses a planted report symlink instead of writing through it", async () => {
    const file = write("tiny2.yaml", one(utility, "trials: 1\n"));
    const done = await hvae(["run", file, "--out", join(dir, "runs-link"), "--quiet"]);
    const outside = join(dir, "outside");
    mkdirSync(outside);
    symlinkSync(outside, join(done.last, "report"));
    const r = await hvae(["report", done.last]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/report is a symbolic link; hvae does not write through links in a run directory/);
    expect(existsSync(join(outside, "report.html"))).toBe(false);
  }, 90_000);
});

describe("validate reports every problem in one pass, with suggestions", () => {
  it("schema errors, duplicate ids, unknown pair members, model references, missing modules and template names together", async () => {
    const path = write(
      "many.yaml",
      `name: many
trials: ten
pairing: fixd
agents:
  - { id: a, type: utility, value: altruist }
  - { id: a, type: llm, value: Competitive, model: "nowhere:m" }
  - { id: c, type: ./missing.ts, value: prosocial }
  - { id: d, type: llm, value: prosocial, prompts: { templates: { nosuch: "x" } } }
`,
    );
    const r = await hvae(["validate", path]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toEqual([
      "hvae: many.yaml:2:9 trials: expected a number, got 'ten'",
      "many.yaml:3:10 pairing: expected none, round-robin, random or fixed, got 'fixd' (did you mean 'fixed'?)",
      "many.yaml:5:36 agents[0].value: expected altruistic, prosocial, individualistic, competitive or an angle in degrees (did you mean 'altruistic'?)",
      "many.yaml:6:11 agents[1].id: duplicate agent id 'a' (also from agents[0])",
      "many.yaml:6:32 agents[1].value: expected altruistic, prosocial, individualistic, competitive or an angle in degrees (did you mean 'competitive'?)",
      "many.yaml:6:52 agents[1].model: model 'nowhere:m': unknown endpoint 'nowhere' (known: openai, anthropic, google, gguf; add it under endpoints:)",
      `many.yaml:7:20 agents[2].type: agent module not found: ${join(dir, "missing.ts")}`,
      expect.stringMatching(/^many\.yaml:8:\d+ agents\[3\]\.prompts\.templates\.nosuch: unknown template \(known: describe, /),
    ]);
  });
});

describe("custom agent modules", () => {
  const scenario = (type: string, extra = "") =>
    `name: custom\ntrials: 3\nagents:\n  - { id: m, type: ${type}, value: prosocial${extra} }\n  - { id: u, type: utility, value: prosocial }\n`;

  it("a decide() that never settles stops the run: exit 2 naming the module, manifest failed, its sessions not recorded", async () => {
    const path = write("never.yaml", scenario("./modules/never.ts", ", decideTimeoutMs: 300"));
    const r = await hvae(["run", path, "--out", join(dir, "runs-never"), "--quiet"]);
    expect(r.code, r.stderr).toBe(2);
    const runDir = join(dir, "runs-never", readdirSync(join(dir, "runs-never"))[0]);
    expect(r.stderr).toMatch(new RegExp(`hvae: failed: \\d+ of 36 planned decisions recorded in ${runDir.replace(/[.+]/g, "\\$&")}`));
    expect(r.stderr).toContain(`hvae: agent m: decide() in ${join(dir, "modules/never.ts")} did not settle within 300 ms (decideTimeoutMs)`);
    const manifest = JSON.parse(readFileSync(join(runDir, "manifest.json"), "utf8"));
    expect(manifest.status).toBe("failed");
    const events = readLog(runDir);
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "failed" });
    // Only the healthy agent's sessions: nothing was recorded for the module's.
    expect(outcomes(events).every((e) => e.agentId === "u")).toBe(true);
    expect(outcomes(events).length).toBeLessThanOrEqual(18);
  });

  it("a decide() that returns null: exit 2 naming the module, no stack", async () => {
    const path = write("nothing.yaml", scenario("./modules/nothing.ts"));
    const r = await hvae(["run", path, "--out", join(dir, "runs-nothing"), "--quiet"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`hvae: agent m: decide() in ${join(dir, "modules/nothing.ts")} returned null`);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  }, 60_000);

  it("modules from outside the scenario's folder are announced; the manifest holds their hashes; resume refuses a changed or smuggled module", async () => {
    const path = write("inner/outside.yaml", scenario("../modules/fair.ts").replace("trials: 3", "trials: 400"));
    const r = await hvae(["run", path, "--out", join(dir, "runs-outside"), "--quiet", "--max-concurrency", "1"]);
    expect(r.code, r.stderr).toBe(0);
    const module = join(dir, "modules/fair.ts");
    expect(r.stderr).toMatch(new RegExp(`^hvae: this scenario runs code from outside its folder \\(${join(dir, "inner").replace(/[.+]/g, "\\$&")}\\):\\nhvae:   ${module.replace(/[.+]/g, "\\$&")} \\(sha256 [0-9a-f]{12}…\\)$`, "m"));
    const manifestPath = join(r.last, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    expect(Object.keys(manifest.modules)).toEqual([module]);
    expect(manifest.modules[module]).toMatch(/^[0-9a-f]{64}$/);

    // Made resumable (as if interrupted), then the module changes.
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, status: "interrupted" }));
    const log = join(r.last, "events.jsonl");
    const lines = readFileSync(log, "utf8").trimEnd().split("\n");
    writeFileSync(log, lines.slice(0, Math.floor(lines.length / 2)).join("\n") + "\n");
    appendFileSync(module, "// changed\n");
    const changed = await hvae(["run", "--resume", r.last, "--quiet"]);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/agent m: module .*fair\.ts changed since the original run \(sha256 [0-9a-f]{12}…, the manifest has [0-9a-f]{12}…\)/);

    // A manifest edited to name another module: not loaded.
    const evil = write("evil.ts", "throw new Error('must not run');\n");
    const tampered = { ...manifest, status: "interrupted", scenario: { ...manifest.scenario, agents: [{ ...manifest.scenario.agents[0], type: evil }, manifest.scenario.agents[1]] } };
    writeFileSync(manifestPath, JSON.stringify(tampered));
    const smuggled = await hvae(["run", "--resume", r.last, "--quiet"]);
    expect(smuggled.code).toBe(2);
    expect(smuggled.stderr).toContain(`module ${evil} was not loaded by the original run`);
    expect(smuggled.stderr).not.toContain("must not run");
  }, 90_000);
});
