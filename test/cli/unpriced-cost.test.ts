/**
 * Unknown price is unknown: a run on a model without a known price books its calls at cost null
 * (never $0) in the log, run.completed, the manifest, `hvae analyze` and the terminal output; a run
 * that mixes priced and unpriced models reports the priced part as a lower bound.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventOf, HvaeEvent } from "../../src/core/events.ts";
import { HvaeEvent as EventSchema } from "../../src/core/events.ts";
import { hvae } from "../support/hvae-process.ts";
import { startOpenAiServer, type FakeOpenAi } from "../support/openai-server.ts";

const readLog = (dir: string): HvaeEvent[] => readFileSync(join(dir, "events.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));

let server: FakeOpenAi;
let cwd: string;
beforeAll(async () => {
  server = await startOpenAiServer();
  cwd = mkdtempSync(join(tmpdir(), "hvae-unpriced-run-"));
});
afterAll(async () => {
  await server.stop();
  rmSync(cwd, { recursive: true, force: true });
});

function scenario(name: string, prices: string, models: [string, string]): string {
  const file = join(cwd, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}\nseed: 1\ntrials: 2\npairing: none\n` +
      `endpoints: { local: { baseURL: "${server.baseURL}", maxRetries: 0 } }\n${prices}` +
      `agents:\n` +
      `  - { id: p, type: llm, value: prosocial, model: "${models[0]}", prompts: { describe: false, goal: false } }\n` +
      `  - { id: c, type: llm, value: competitive, model: "${models[1]}", prompts: { describe: false, goal: false } }\n`,
  );
  return file;
}

const run = (...args: string[]) => hvae(args, { cwd, env: { HVAE_CACHE: join(cwd, "cache.sqlite") }, timeoutMs: 120_000 });

describe("a run on a model without a known price", () => {
  it("books every call at cost null, says 'unknown' in the progress and summary, and analyze gives null with the count", async () => {
    const file = scenario("unpriced", "", ["local:my-finetune", "local:my-finetune"]);
    const r = await run("run", file, "--no-cache");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/has no known price/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/warning: model 'local:my-finetune' has no known price: its calls are booked at cost unknown \(null\), not \$0; add prices: \{ "local:my-finetune"/);
    // The final progress line and the gateway's summary line.
    expect(r.stderr).toMatch(/progress: 24\/24 decisions .*cost unknown/);
    expect(r.stderr).toMatch(/model calls 24 \(0 from cache\), tokens in \d+ \/ out \d+, cost unknown \(24 calls to models without a known price\)/);
    expect(r.stderr).not.toMatch(/\$0\.0000/);

    const events = readLog(r.last);
    for (const e of events) expect(EventSchema.safeParse(e).success).toBe(true);
    const calls = events.filter((e): e is EventOf<"model.call"> => e.type === "model.call");
    expect(calls).toHaveLength(24);
    expect(calls.every((c) => c.costUsd === null && c.inputTokens > 0)).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "completed", costUsd: null, pricedCostUsd: 0, unpricedCalls: 24 });
    const manifest = JSON.parse(readFileSync(join(r.last, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ status: "completed", totals: { calls: 24, costUsd: null, pricedCostUsd: 0, unpricedCalls: 24 } });

    const a = await run("analyze", r.last, "--json");
    expect(a.code, a.stderr).toBe(0);
    const summary = JSON.parse(a.stdout);
    expect(summary.run).toMatchObject({ modelCalls: 24, costUsd: null, pricedCostUsd: 0, unpricedCalls: 24 });
    for (const g of summary.groups) expect(g).toMatchObject({ costUsd: null, unpricedCalls: 12 });
    const text = await run("analyze", r.last);
    expect(text.stdout).toMatch(/24 model calls, \d+ tokens, cost unknown/);
    // No cost reads as zero: no "$0.0000", and no cost column ending a row with 0.0000 (other
    // columns, a drift of 0.0000 per trial, may well be zero).
    expect(text.stdout).not.toMatch(/\$0\.0000/);
    expect(text.stdout).not.toMatch(/ 0\.0000$/m);
    expect(text.stdout).toMatch(/ unknown$/m);
  }, 240_000);

  it("priced and unpriced together: the total is null, the priced part is kept and shown as a lower bound", async () => {
    const file = scenario("mixed", "prices: { priced: { input: 1000, output: 1000 } }\n", ["local:priced", "local:my-finetune"]);
    const r = await run("run", file, "--no-cache");
    expect(r.code, r.stderr).toBe(0);
    const events = readLog(r.last);
    const calls = events.filter((e): e is EventOf<"model.call"> => e.type === "model.call");
    const priced = calls.filter((c) => c.model === "priced");
    expect(priced).toHaveLength(12);
    expect(priced.every((c) => typeof c.costUsd === "number" && c.costUsd > 0)).toBe(true);
    expect(calls.filter((c) => c.model === "my-finetune").every((c) => c.costUsd === null)).toBe(true);
    const pricedSum = priced.reduce((s, c) => s + c.costUsd!, 0);
    const done = events.at(-1) as EventOf<"run.completed">;
    expect(done).toMatchObject({ costUsd: null, unpricedCalls: 12 });
    expect(done.pricedCostUsd).toBeCloseTo(pricedSum, 9);
    expect(r.stderr).toMatch(new RegExp(`cost ≥ \\$${pricedSum.toFixed(4).replace(".", "\\.")} \\+ unknown \\(12 calls to models without a known price\\)`));

    const a = JSON.parse((await run("analyze", r.last, "--json")).stdout);
    expect(a.run.costUsd).toBeNull();
    expect(a.run.pricedCostUsd).toBeCloseTo(pricedSum, 9);
    const byModel = Object.fromEntries(a.groups.map((g: { model: string }) => [g.model, g]));
    expect(byModel["local:priced"].costUsd).toBeCloseTo(pricedSum, 9);
    expect(byModel["local:my-finetune"]).toMatchObject({ costUsd: null, unpricedCalls: 12 });
    const text = (await run("analyze", r.last)).stdout;
    expect(text).toContain(`cost ≥ $${pricedSum.toFixed(4)} + unknown`);
    // The group table: a number for the priced group, "unknown" for the other.
    expect(text).toMatch(/local:my-finetune .* unknown\s*$/m);
  }, 240_000);
});
