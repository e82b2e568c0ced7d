/**
 * Engine benchmark: rule-based agents through the full pipeline (schedule, sessions, settlement,
 * stamping, JSONL log on disk). Prints decisions per second and resident memory sampled along the
 * way, so "flat memory" is visible, not assumed.
 *
 * @example
 * // npx tsx bench/engine.ts --decisions 1000000 [--pairing random|none] [--game slider|public-goods] [--population 100] [--groups-in-memory N] [--keep] [--json]
 * const r = await benchEngineInChild(200_000); // peak RSS is the child's own
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createAgent } from "../agents/registry.ts";
import { runEnvironment } from "../src/environment/environment.ts";
import { expandAgents } from "../src/scenario/expand.ts";
import { Scenario } from "../src/scenario/schema.ts";
import { openJsonlWriter } from "../src/store/jsonl-writer.ts";
import { boundHeapGrowth } from "../src/cli/heap-growth.ts";
import { runJsonChild } from "./support/child.ts";

export interface EngineBenchResult {
  decisions: number;
  events: number;
  seconds: number;
  decisionsPerSecond: number;
  /** CPU time of this process (user + system): robust to other load on a shared machine. */
  cpuSeconds: number;
  decisionsPerCpuSecond: number;
  peakRssMb: number;
  rssSamplesMb: number[];
  logMb: number;
}

/** Runs the engine on `decisions` rule-based decisions and measures it. */
export async function benchEngine(decisions: number, pairing: "random" | "none" = "random", keep = false, game: "slider" | "public-goods" = "slider", population = 100, maxGroupsInMemory?: number): Promise<EngineBenchResult> {
  // The five rule-based types in the proportions 25:25:20:10:20 of the population.
  const share = (k: number) => Math.max(1, Math.round((population * k) / 100));
  const rounds = 6;
  // Public goods in fixed groups of 8 (partner matching, so each group's memory is bounded and flat).
  const groups = Array.from({ length: 12 }, (_, g) => Array.from({ length: 8 }, (_, k) => `p-${g * 8 + k + 1}`));
  const scenario = game === "public-goods" ? Scenario.parse({
    name: "bench-pg",
    seed: 1,
    trials: Math.max(1, Math.ceil(decisions / (96 * 10))),
    game: { type: "public-goods", groupSize: 8, endowment: 20, multiplier: 1.6, step: 5, rounds: 10 },
    pairing: "fixed",
    groups,
    feedback: true,
    maxConcurrency: 16,
    agents: [{ id: "p", type: "utility", value: "prosocial", count: 96 }],
  }) : Scenario.parse({
    name: "bench",
    seed: 1,
    trials: Math.max(1, Math.ceil(decisions / (population * rounds))),
    game: { type: "svo-slider", items: "primary", shuffleItems: true, shuffleOptions: true },
    pairing,
    feedback: true,
    maxConcurrency: 16,
    agents: [
      { id: "u", type: "utility", value: "prosocial", count: share(25) },
      { id: "l", type: "logit", value: 30, beta: 0.2, count: share(25) },
      { id: "r", type: "random", value: "individualistic", count: share(20) },
      { id: "c", type: "constant", value: "competitive", option: 1, count: share(10) },
      { id: "m", type: "reciprocal", value: "altruistic", count: share(20) },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), "hvae-bench-"));
  const path = join(dir, "events.jsonl");
  const log = openJsonlWriter(path);
  const samples: number[] = [];
  let made = 0;
  let events = 0;
  let planned = 0;
  let nextSample = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await new Promise<void>((resolve, reject) =>
    runEnvironment({ runId: "bench", scenario, agents: expandAgents(scenario), createAgent: (s, c) => createAgent(s, c, dir), maxGroupsInMemory }).subscribe({
      next(ev) {
        log.write(ev);
        events++;
        if (ev.type === "run.started") {
          planned = ev.plannedDecisions;
          nextSample = planned / 10;
        } else if (ev.type === "decision.made" || ev.type === "decision.invalid") {
          if (++made >= nextSample) {
            samples.push(process.memoryUsage.rss() / 2 ** 20);
            nextSample += planned / 10;
          }
        }
      },
      error: reject,
      complete: resolve,
    }),
  );
  log.close();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const logMb = statSync(path).size / 2 ** 20;
  if (!keep) rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`log kept: ${path}\n`);
  return {
    decisions: made,
    events,
    seconds,
    decisionsPerSecond: made / seconds,
    cpuSeconds,
    decisionsPerCpuSecond: made / cpuSeconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    rssSamplesMb: samples,
    logMb,
  };
}

/** Runs {@link benchEngine} in a fresh process, so its peak RSS is the engine's alone. */
export function benchEngineInChild(
  decisions: number,
  pairing: "random" | "none" = "random",
  game: "slider" | "public-goods" = "slider",
  population = 100,
  maxGroupsInMemory?: number,
): Promise<EngineBenchResult> {
  const budget = maxGroupsInMemory === undefined ? [] : ["--groups-in-memory", String(maxGroupsInMemory)];
  return runJsonChild<EngineBenchResult>("bench/engine.ts", ["--decisions", String(decisions), "--pairing", pairing, "--game", game, "--population", String(population), ...budget, "--json"]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // The heap policy of `hvae run`, so the engine's peak RSS is what a run of it would see.
  boundHeapGrowth();
  const { values } = parseArgs({
    options: {
      decisions: { type: "string", default: "1000000" },
      pairing: { type: "string", default: "random" },
      game: { type: "string", default: "slider" },
      population: { type: "string", default: "100" },
      "groups-in-memory": { type: "string" },
      keep: { type: "boolean" },
      json: { type: "boolean" },
    },
  });
  const n = Number(values.decisions);
  const pg = values.game === "public-goods";
  const r = await benchEngine(n, values.pairing === "none" ? "none" : "random", values.keep === true, pg ? "public-goods" : "slider", Number(values.population), values["groups-in-memory"] === undefined ? undefined : Number(values["groups-in-memory"]));
  const target = pg ? 50_000 : 80_000;
  const ok = r.decisionsPerSecond >= target && r.peakRssMb < 300;
  const text = [
    `engine: ${r.decisions.toLocaleString("en-US")} decisions, ${r.events.toLocaleString("en-US")} events in ${r.seconds.toFixed(2)} s`,
    `rate: ${Math.round(r.decisionsPerSecond).toLocaleString("en-US")} decisions/s (target >= ${target.toLocaleString("en-US")}); per CPU-second ${Math.round(r.decisionsPerCpuSecond).toLocaleString("en-US")}`,
    `memory: peak RSS ${r.peakRssMb.toFixed(0)} MB (target < 300); RSS at each 10%: ${r.rssSamplesMb.map((m) => m.toFixed(0)).join(" ")} MB`,
    `log: ${r.logMb.toFixed(0)} MB`,
    ok ? "PASS" : "BELOW TARGET",
  ];
  console.log(values.json ? JSON.stringify(r) : text.join("\n"));
}
