import { lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import type { Agent, AgentContext, AgentSpec, Observation } from "../../agents/agent.ts";
import { createAgent } from "../../agents/registry.ts";
import { runEnvironment, type EnvironmentOptions } from "../../src/environment/environment.ts";
import { createGroupMemory, memoryWindows, pairKey } from "../../src/environment/memory.ts";
import type { RoundRecord } from "../../src/environment/round-result.ts";
import type { EventOf, HvaeEvent } from "../../src/core/events.ts";
import { createRng } from "../../src/core/random.ts";
import { expandAgents } from "../../src/scenario/expand.ts";
import { Scenario } from "../../src/scenario/schema.ts";
import { expectedHistory, legacy, sessionResults } from "./history-oracle.ts";

const scenarioOf = (over: Record<string, unknown> = {}) =>
  Scenario.parse({
    name: "mem",
    seed: 3,
    trials: 3,
    game: { type: "svo-slider", items: "primary", shuffleItems: true, shuffleOptions: true },
    pairing: "round-robin",
    feedback: true,
    agents: [
      { id: "a", type: "utility", value: "prosocial" },
      { id: "b", type: "utility", value: "competitive" },
      { id: "c", type: "utility", value: "altruistic" },
    ],
    ...over,
  });

const run = (opts: Partial<EnvironmentOptions> & { scenario: Scenario; agents?: AgentSpec[] }) =>
  lastValueFrom(
    runEnvironment({
      runId: "run-m",
      agents: expandAgents(opts.scenario),
      createAgent: (spec, ctx) => createAgent(spec, ctx, "/tmp"),
      ...opts,
    }).pipe(toArray()),
  );

const strip = (events: HvaeEvent[]) => events.map(({ time: _t, runId: _r, ...rest }) => rest);

/**
 * A recorder whose choice depends on everything it remembers (so a wrong history changes the
 * log) and whose timing is random and unrelated to its answers.
 */
function recorder(seen: Map<string, Observation>, delay: () => number = () => 0) {
  return (spec: AgentSpec, _ctx: AgentContext): Agent => ({
    id: spec.id,
    async decide(obs) {
      seen.set(obs.decisionId, obs);
      const memory = obs.history.reduce((s, h) => s + (h.partner?.option ?? 0) * 3 + (h.own?.option ?? 0) + h.trial, obs.history.length);
      const d = delay();
      if (d > 0) await new Promise((r) => setTimeout(r, d));
      return { kind: "choice", index: memory % obs.item.options.length };
    },
  });
}

/** Every observation's history against the oracle's reading of the finished log. */
function checkAgainstOracle(events: HvaeEvent[], seen: Map<string, Observation>, windows: Map<string, number>): number {
  const results = sessionResults(events);
  let crossTrial = 0;
  for (const e of events) {
    if (e.type !== "decision.requested") continue;
    const obs = seen.get(e.decisionId)!;
    const want = expectedHistory(results, e, windows.get(e.agentId)!);
    expect(legacy(obs.history), e.decisionId).toEqual(want);
    if (obs.history.some((h) => h.trial < e.trial)) crossTrial++;
  }
  return crossTrial;
}

describe("per-partner memory across trials", () => {
  it("trial 2's first observation with the same partner holds the trial-1 rounds", async () => {
    const seen = new Map<string, Observation>();
    const scenario = scenarioOf();
    const events = await run({ scenario, createAgent: recorder(seen) });
    const first = seen.get("a+b#t1/r0/a")!;
    expect(first.partner).toEqual({ id: "b" });
    expect(first.history).toHaveLength(6);
    expect(first.history.map((h) => [h.trial, h.round])).toEqual([0, 1, 2, 3, 4, 5].map((r) => [0, r]));
    // The rounds are a's view of the trial-0 session with b, as the log has them.
    const made = events.filter((e): e is EventOf<"decision.made"> => e.type === "decision.made" && e.sessionId === "a+b#t0");
    expect(first.history.map((h) => h.own!.option)).toEqual(made.filter((d) => d.agentId === "a").map((d) => d.option));
    expect(first.history.map((h) => h.partner!.option)).toEqual(made.filter((d) => d.agentId === "b").map((d) => d.option));
    const settled = events.filter((e): e is EventOf<"round.settled"> => e.type === "round.settled" && e.sessionId === "a+b#t0");
    expect(first.history.map((h) => h.received)).toEqual(settled.map((s) => s.outcomes[0].received));
    expect(first.history.every((h) => h.partnerId === "b")).toBe(true);
    // b sees the same rounds from its side; a's rounds with c are not mixed in.
    expect(seen.get("a+b#t1/r0/b")!.history.map((h) => h.partnerId)).toEqual(Array(6).fill("a"));
    expect(seen.get("a+c#t1/r0/a")!.history.every((h) => h.partnerId === "c")).toBe(true);
    // Default window: two trials' worth (12), so trial 2 starts with trials 0 and 1.
    expect(seen.get("a+b#t2/r0/a")!.history.map((h) => h.trial)).toEqual([...Array(6).fill(0), ...Array(6).fill(1)]);
    expect(seen.get("a+b#t2/r3/a")!.history.map((h) => `${h.trial}/${h.round}`)).toEqual(
      ["0/3", "0/4", "0/5", "1/0", "1/1", "1/2", "1/3", "1/4", "1/5", "2/0", "2/1", "2/2"],
    );
    expect(checkAgainstOracle(events, seen, memoryWindows(scenario, expandAgents(scenario)))).toBeGreaterThan(0);
  });

  it("is bounded by each agent's window: the scenario's memory, or the agent's own", async () => {
    const seen = new Map<string, Observation>();
    const scenario = scenarioOf({ memory: 4, trials: 4 });
    const specs = expandAgents(scenario).map((s) => (s.id === "c" ? { ...s, memory: 9 } : s));
    const windows = memoryWindows(scenario, specs);
    expect([...windows]).toEqual([["a", 4], ["b", 4], ["c", 9]]);
    const events = await run({ scenario, agents: specs, createAgent: recorder(seen) });
    expect(seen.get("a+b#t1/r0/a")!.history.map((h) => `${h.trial}/${h.round}`)).toEqual(["0/2", "0/3", "0/4", "0/5"]);
    expect(seen.get("a+c#t1/r0/c")!.history.map((h) => `${h.trial}/${h.round}`)).toEqual(["0/0", "0/1", "0/2", "0/3", "0/4", "0/5"]);
    expect(seen.get("a+c#t3/r0/c")!.history).toHaveLength(9);
    for (const obs of seen.values()) expect(obs.history.length).toBeLessThanOrEqual(windows.get(obs.decisionId.split("/").at(-1)!)!);
    checkAgainstOracle(events, seen, windows);
    // A window of 0 remembers nothing, not even within a trial.
    const none = new Map<string, Observation>();
    await run({ scenario: scenarioOf({ memory: 0 }), createAgent: recorder(none) });
    expect([...none.values()].every((o) => o.history.length === 0)).toBe(true);
  });

  it("is identical at concurrency 1 and 16 and under random timing, for every pairing", async () => {
    const agents = [
      { id: "a", type: "utility", value: "prosocial" },
      { id: "p", type: "utility", value: "competitive", count: 6 },
    ];
    for (const over of [
      { pairing: "round-robin", trials: 3 },
      { pairing: "random", trials: 12 },
      { pairing: "fixed", trials: 4, pairs: [["a", "p-1"], ["p-3", "p-2"]] },
    ]) {
      const scenario = scenarioOf({ ...over, agents });
      const windows = memoryWindows(scenario, expandAgents(scenario));
      const seen1 = new Map<string, Observation>();
      const seen16 = new Map<string, Observation>();
      const t = createRng(9);
      const a = await run({ scenario, createAgent: recorder(seen1), maxConcurrency: 1 });
      const b = await run({ scenario, createAgent: recorder(seen16, () => t.int(3)), maxConcurrency: 16 });
      expect(strip(b)).toEqual(strip(a));
      expect([...seen16.keys()].sort()).toEqual([...seen1.keys()].sort());
      for (const [id, obs] of seen1) expect(seen16.get(id)!.history, id).toEqual(obs.history);
      const crossTrial = checkAgainstOracle(b, seen16, windows);
      expect(crossTrial, over.pairing).toBeGreaterThan(0);
    }
  });

  it("groups beyond the in-memory budget go to a scratch file and come back exactly", async () => {
    const agents = [
      { id: "a", type: "reciprocal", value: "altruistic", rate: 0.4 },
      { id: "p", type: "utility", value: "competitive", count: 7 },
    ];
    for (const over of [
      { pairing: "round-robin", trials: 4 },
      { pairing: "random", trials: 30 },
      { pairing: "fixed", trials: 4, groups: [["a", "p-1", "p-2", "p-3"], ["p-4", "p-5", "p-6", "p-7"]], game: { type: "public-goods", groupSize: 4, endowment: 20, multiplier: 1.6, step: 5, rounds: 3 } },
      { pairing: "fixed", trials: 4, groups: [["a", "p-1"], ["p-2", "p-3"], ["p-4", "p-5"]], game: { type: "commons", groupSize: 2, rounds: 4 } },
    ]) {
      const scenario = scenarioOf({ ...over, agents });
      const seenAll = new Map<string, Observation>();
      const seenTiny = new Map<string, Observation>();
      const all = await run({ scenario, createAgent: recorder(seenAll) });
      // One group in memory: every other group is written out and read back each time it meets.
      const tiny = await run({ scenario, createAgent: recorder(seenTiny), maxGroupsInMemory: 1 });
      expect(strip(tiny), over.pairing).toEqual(strip(all));
      for (const [id, obs] of seenAll) expect(seenTiny.get(id)!.history, id).toEqual(obs.history);
      expect([...seenAll.values()].some((o) => o.history.some((h) => h.trial < o.trial)), over.pairing).toBe(true);
    }
  });

  it("a spilled group reads back every field, NaN and -0 included, and its window", () => {
    const memory = createGroupMemory(new Map([["a", 3], ["b", 2], ["c", 3], ["d", 1]]), { maxGroupsInMemory: 1 });
    const rec = (members: string[], trial: number, round: number): RoundRecord => ({
      trial, round, itemId: `i${round}`, groupId: members.join("+"), members,
      choices: [{ option: 2, label: "B", self: Number.NaN, other: -0, action: 5 }, round === 1 ? null : { option: 1, label: "#A", self: 85, other: 7.5, action: round === 2 ? null : "#x" }],
      received: [12.25, -0], facts: round === 1 ? { stock: 40.5, alive: true, note: "#7", left: [1, Number.NaN], names: ["#n", "b"] } : null,
    });
    const ab = [0, 1, 2, 3].map((r) => rec(["b", "a"], 0, r));
    memory.keep(["b", "a"], ab);
    memory.keep(["c", "d"], [rec(["c", "d"], 0, 0)]);
    memory.keep(["a", "d"], [rec(["a", "d"], 0, 0)]);
    expect([memory.size, memory.spilled]).toEqual([3, 2]);
    // a+b was written out; it comes back as the last 3 rounds (the larger window), fields exact.
    expect(memory.records(["a", "b"])).toEqual(ab.slice(1));
    expect(Object.is(memory.records(["a", "b"])[0].received[1], -0)).toBe(true);
    expect(memory.history("b", ["a", "b"]).map((h) => h.round)).toEqual([2, 3]);
    expect(memory.history("a", ["b", "a"])[0]).toMatchObject({ partnerId: "b", index: 1, received: -0 });
    memory.close();
  });

  it("random pairing remembers a partner only when the pair meets again", async () => {
    const seen = new Map<string, Observation>();
    const scenario = scenarioOf({ pairing: "random", trials: 8, agents: [{ id: "x", type: "utility", value: "prosocial", count: 5 }] });
    const events = await run({ scenario, createAgent: recorder(seen) });
    const met = new Map<string, Set<number>>(); // pair → trials it played
    for (const e of events) {
      if (e.type !== "decision.requested" || e.round !== 0 || e.partnerId === null) continue;
      const trials = met.get(pairKey(e.agentId, e.partnerId)) ?? new Set();
      const before = [...trials].filter((t) => t < e.trial).length;
      expect(seen.get(e.decisionId)!.history.length, e.decisionId).toBe(Math.min(12, before * 6));
      met.set(pairKey(e.agentId, e.partnerId), trials.add(e.trial));
    }
    // The leftover agent of an odd population plays alone and remembers nothing across trials.
    const alone = events.filter((e): e is EventOf<"decision.requested"> => e.type === "decision.requested" && e.partnerId === null && e.round === 0);
    expect(alone.length).toBeGreaterThan(0);
    for (const e of alone) expect(seen.get(e.decisionId)!.history).toEqual([]);
    expect([...met.values()].some((t) => t.size > 1)).toBe(true);
  });

  it("without feedback or without a partner nothing crosses trials", async () => {
    const off = new Map<string, Observation>();
    await run({ scenario: scenarioOf({ feedback: false }), createAgent: recorder(off) });
    expect([...off.values()].every((o) => o.history.length === 0)).toBe(true);
    const alone = new Map<string, Observation>();
    await run({ scenario: scenarioOf({ pairing: "none" }), createAgent: recorder(alone) });
    expect(alone.get("a#t1/r0/a")!.history).toEqual([]);
    expect(alone.get("a#t1/r2/a")!.history.map((h) => [h.trial, h.round, h.partnerId])).toEqual([[1, 0, null], [1, 1, null]]);
  });

  it("a reciprocal agent carries its drift into the next trial with the same partner", async () => {
    const agents = [
      { id: "rec", type: "reciprocal", value: "altruistic", rate: 0.3 },
      { id: "comp", type: "utility", value: "competitive" },
    ];
    const plain = { type: "svo-slider", items: "primary", shuffleItems: false, shuffleOptions: false };
    const firstOther = async (memory: number | null) => {
      const events = await run({ scenario: scenarioOf({ game: plain, trials: 3, memory, agents }) });
      const rec = events.filter((e): e is EventOf<"decision.made"> => e.type === "decision.made" && e.agentId === "rec");
      const perTrial = [0, 1, 2].map((t) => rec.filter((d) => d.trial === t));
      return {
        // Item 1 keeps self at 85 and varies other from 85 to 15: the sign of the angle decides.
        first: perTrial.map((d) => d[0].other),
        meanOther: perTrial.map((d) => d.reduce((s, x) => s + x.other!, 0) / d.length),
      };
    };
    const remembered = await firstOther(null);
    expect(remembered.first).toEqual([85, 15, 15]);
    expect(remembered.meanOther[1]).toBeLessThan(remembered.meanOther[0]);
    expect(remembered.meanOther[2]).toBeLessThanOrEqual(remembered.meanOther[1]);
    // Remembering nothing, it never moves: every trial plays its own value.
    const forgetful = await firstOther(0);
    expect(forgetful.first).toEqual([85, 85, 85]);
    expect(forgetful.meanOther[1]).toBeCloseTo(forgetful.meanOther[0], 9);
  });
});
