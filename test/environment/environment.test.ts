import { lastValueFrom, Subject, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import type { Agent, AgentContext, AgentSpec } from "../../agents/agent.ts";
import { createAgent } from "../../agents/registry.ts";
import { planRun, runEnvironment, type EnvironmentOptions } from "../../src/environment/environment.ts";
import type { EventBody, EventOf, HvaeEvent } from "../../src/core/events.ts";
import { BudgetExhaustedError, type ModelGateway } from "../../src/models/gateway-types.ts";
import { createRng } from "../../src/core/random.ts";
import { expandAgents } from "../../src/scenario/expand.ts";
import { Scenario } from "../../src/scenario/schema.ts";

const scenarioOf = (over: Record<string, unknown> = {}) =>
  Scenario.parse({
    name: "t",
    seed: 11,
    trials: 3,
    game: { type: "svo-slider", items: "primary", shuffleItems: true, shuffleOptions: true },
    pairing: "round-robin",
    feedback: true,
    agents: [
      { id: "u", type: "utility", value: "prosocial" },
      { id: "l", type: "logit", value: 20, beta: 0.3 },
      { id: "r", type: "random", value: "competitive" },
      { id: "m", type: "reciprocal", value: "individualistic" },
    ],
    ...over,
  });

const run = (opts: Partial<EnvironmentOptions> & { scenario: Scenario }) =>
  lastValueFrom(
    runEnvironment({
      runId: "run-1",
      agents: expandAgents(opts.scenario),
      createAgent: (spec, ctx) => createAgent(spec, ctx, "/tmp"),
      ...opts,
    }).pipe(toArray()),
  );

const strip = (events: HvaeEvent[]) => events.map(({ time: _t, runId: _r, ...rest }) => rest);

/** A stand-in whose answers come from its own rng and whose timing is random, unrelated to the answers. */
function jittery(delays: () => number) {
  return (spec: AgentSpec, ctx: AgentContext): Agent => ({
    id: spec.id,
    async decide(obs) {
      const index = ctx.rng.int(obs.item.options.length);
      await new Promise((r) => setTimeout(r, delays()));
      return { kind: "choice", index };
    },
  });
}

describe("runEnvironment", () => {
  it("the same scenario and seed give the same events, timestamps and run id aside", async () => {
    const scenario = scenarioOf();
    const a = await run({ scenario, runId: "x", maxConcurrency: 1 });
    const b = await run({ scenario, runId: "y", maxConcurrency: 7 });
    expect(strip(b)).toEqual(strip(a));
    const c = await run({ scenario: scenarioOf({ seed: 12 }) });
    expect(strip(c)).not.toEqual(strip(a));
  });

  it("log order does not depend on timing or concurrency", async () => {
    const scenario = scenarioOf({ trials: 2 });
    const t1 = createRng(1);
    const t2 = createRng(2);
    const a = await run({ scenario, createAgent: jittery(() => t1.int(4)), maxConcurrency: 6 });
    const b = await run({ scenario, createAgent: jittery(() => t2.int(4)), maxConcurrency: 2 });
    expect(strip(b)).toEqual(strip(a));
  });

  it("stamps gap-free seq, frames the run, and records every planned decision once", async () => {
    const scenario = scenarioOf();
    const events = await run({ scenario });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(events.every((e) => e.runId === "run-1")).toBe(true);
    const started = events[0] as EventOf<"run.started">;
    expect(started.type).toBe("run.started");
    // 4 agents round-robin: 6 pairs × 3 trials × 6 rounds × 2 agents.
    expect(started.plannedDecisions).toBe(6 * 3 * 6 * 2);
    expect(started.plannedSessions).toBe(18);
    expect(started.items.map((i) => i.id)).toEqual(["svo-1", "svo-2", "svo-3", "svo-4", "svo-5", "svo-6"]);
    expect(started.agents.map((a) => a.id)).toEqual(["u", "l", "r", "m"]);
    const ids = events.filter((e) => e.type === "decision.made" || e.type === "decision.invalid").map((e) => (e as EventOf<"decision.made">).decisionId);
    expect(ids).toHaveLength(216);
    expect(new Set(ids).size).toBe(216);
    const done = events.at(-1) as EventOf<"run.completed">;
    expect(done).toMatchObject({ type: "run.completed", status: "completed", decisions: 216, invalid: 0, message: null });
    expect(events.filter((e) => e.type === "trial.completed")).toHaveLength(18);
  });

  it("a utility agent lands in its value's category on the slider", async () => {
    const events = await run({ scenario: scenarioOf({ pairing: "none", agents: [{ id: "alt", type: "utility", value: "altruistic" }] }) });
    const chosen = events.filter((e): e is EventOf<"decision.made"> => e.type === "decision.made");
    const self = chosen.reduce((s, e) => s + e.self!, 0) / chosen.length;
    const other = chosen.reduce((s, e) => s + e.other!, 0) / chosen.length;
    expect((Math.atan2(other - 50, self - 50) * 180) / Math.PI).toBeCloseTo(61.3895, 3);
  });

  it("stops scheduling when the gateway's budget is exhausted and ends with budget-exhausted", async () => {
    const calls = new Subject<EventBody<EventOf<"model.call">>>();
    let spent = 0;
    let closed = false;
    const gateway: ModelGateway = {
      calls$: calls,
      budgetExhausted: () => spent >= 30,
      summary: () => ({ calls: spent, cacheHits: 0, inputTokens: 0, outputTokens: 0, costUsd: spent / 100 }),
      close: async () => {
        closed = true;
        calls.complete();
      },
    } as unknown as ModelGateway;
    const paying = (spec: AgentSpec, ctx: AgentContext): Agent => ({
      id: spec.id,
      async decide(obs) {
        await new Promise((r) => setTimeout(r, 1));
        if (spent >= 30) throw new BudgetExhaustedError();
        spent++;
        calls.next({ type: "model.call", decisionId: obs.decisionId, agentId: spec.id, endpoint: "e", model: "m", purpose: "decide", cached: false, inputTokens: 1, outputTokens: 1, costUsd: 0.01, latencyMs: 1, attempts: 1, error: null });
        return { kind: "choice", index: ctx.rng.int(9) };
      },
    });
    const scenario = scenarioOf({ trials: 5, pairing: "none", maxConcurrency: 2 });
    const events = await run({ scenario, createAgent: paying, gateway });
    const done = events.at(-1) as EventOf<"run.completed">;
    expect(done.status).toBe("budget-exhausted");
    expect(done.decisions).toBe(30);
    expect(done.costUsd).toBeCloseTo(0.3);
    expect(done.message).toContain("30 of 120 planned decisions");
    expect(events.filter((e) => e.type === "model.call")).toHaveLength(30);
    expect(closed).toBe(true);
    // Sessions cut short by the budget have no trial.completed, so a resume replays them.
    // Two sessions in flight: four finish (24 decisions), the next two get 3 each before the budget ends them.
    const completed = events.filter((e) => e.type === "trial.completed").map((e) => (e as EventOf<"trial.completed">).sessionId);
    const begun = events.filter((e) => e.type === "trial.started").map((e) => (e as EventOf<"trial.started">).sessionId);
    expect(completed).toHaveLength(4);
    expect(begun).toHaveLength(6);
    expect(begun.slice(0, 4)).toEqual(completed);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
  });

  it("shouldStop ends scheduling with its status", async () => {
    let n = 0;
    const events = await run({ scenario: scenarioOf({ trials: 10, maxConcurrency: 1 }), shouldStop: () => (++n > 4 ? "interrupted" : null) });
    const done = events.at(-1) as EventOf<"run.completed">;
    expect(done.status).toBe("interrupted");
    expect(events.filter((e) => e.type === "trial.completed")).toHaveLength(4);
  });

  it("planRun counts sessions and decisions per pairing", () => {
    const agents = ["a", "b", "c", "d", "e"];
    const s = (pairing: string, extra = {}) => scenarioOf({ pairing, trials: 4, ...extra });
    expect(planRun(s("none"), agents).plannedDecisions).toBe(5 * 4 * 6);
    expect(planRun(s("round-robin"), agents).plannedDecisions).toBe(10 * 4 * 12);
    expect(planRun(s("random"), agents).plannedDecisions).toBe(5 * 4 * 6);
    expect(planRun(s("fixed", { pairs: [["a", "b"]] }), agents).plannedDecisions).toBe(4 * 12);
    expect(planRun(scenarioOf({ pairing: "none", trials: 2, game: { type: "svo-slider", items: "all" } }), agents).plannedDecisions).toBe(5 * 2 * 15);
  });
});
