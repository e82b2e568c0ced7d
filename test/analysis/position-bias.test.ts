import { from, lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import { createAgent } from "../../agents/registry.ts";
import type { EventOf, HvaeEvent } from "../../src/core/events.ts";
import { gameModule } from "../../src/games/registry.ts";
import { runEnvironment } from "../../src/environment/environment.ts";
import { analyze } from "../../analysis/operators.ts";
import { expandAgents } from "../../src/scenario/expand.ts";
import { Scenario } from "../../src/scenario/schema.ts";
import { sliderLog } from "./slider-log.ts";
import { PRIMARY_ITEMS } from "../../src/core/instrument.ts";
import { angleFromMeans } from "../../analysis/svo.ts";
import { chanceBaseline } from "../../analysis/value-rationality.ts";

const scenarioOf = (game: Record<string, unknown>, agents: Record<string, unknown>[], trials = 10) =>
  Scenario.parse({ name: "cb", seed: 5, trials, game: { type: "svo-slider", ...game }, pairing: "none", agents });

async function play(scenario: Scenario): Promise<HvaeEvent[]> {
  return lastValueFrom(
    runEnvironment({ runId: "cb-1", scenario, agents: expandAgents(scenario), createAgent: (spec, ctx) => createAgent(spec, ctx, "/tmp"), clock: () => "t" }).pipe(toArray()),
  );
}
const summaryOf = async (events: HvaeEvent[]) => (await lastValueFrom(from(events).pipe(analyze()))).summary;

// Always the first option shown, on the six primary items: printed order = option 1 everywhere,
// reversed order = option 9 everywhere. By hand (METHOD §3): mean (self, other) = (78.33, 66.67)
// → 30.4655°, and (81.67, 58.33) → 14.7436°; the difference is −15.7219°.
const PRINTED_ANGLE = 30.465544919459887;
const REVERSED_ANGLE = 14.743562836470737;
const FIRST = { id: "first", type: "constant", value: "prosocial", option: 1 };

describe("game.counterbalance", () => {
  it("alternates each agent's trajectories between printed and reversed order, from a seeded start, and logs the order", async () => {
    const agents = Array.from({ length: 8 }, (_, i) => ({ id: `a${i}`, type: "random", value: "prosocial" }));
    const events = await play(scenarioOf({ counterbalance: true }, agents, 4));
    const started = events.filter((e): e is EventOf<"trial.started"> => e.type === "trial.started");
    const byAgent = new Map<string, string[]>();
    for (const e of started) byAgent.set(e.agentIds[0], [...(byAgent.get(e.agentIds[0]) ?? []), ...e.orders!]);
    const starts = new Set<string>();
    for (const orders of byAgent.values()) {
      expect(orders).toHaveLength(4);
      for (let k = 1; k < 4; k++) expect(orders[k]).not.toBe(orders[k - 1]);
      starts.add(orders[0]);
    }
    // Eight agents: both starting orders occur (the start is drawn per agent).
    expect(starts).toEqual(new Set(["printed", "reversed"]));
    // What was presented is the printed order or its reverse, and the canonical option follows the label.
    const orderOf = new Map(started.map((e) => [e.sessionId, e.orders![0]]));
    for (const e of events) {
      if (e.type !== "decision.requested") continue;
      const canonical = e.presented!.map(([, option]) => option);
      expect(canonical).toEqual(orderOf.get(e.sessionId) === "reversed" ? [9, 8, 7, 6, 5, 4, 3, 2, 1] : [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    // Deterministic by seed.
    const again = await play(scenarioOf({ counterbalance: true }, agents, 4));
    expect(again.map((e) => JSON.stringify(e))).toEqual(events.map((e) => JSON.stringify(e)));
  });

  it("leaves a run without it exactly as it was: no orders field, printed order", async () => {
    const events = await play(scenarioOf({}, [FIRST], 2));
    expect(events.some((e) => e.type === "trial.started" && "orders" in e)).toBe(false);
    expect((events[0] as EventOf<"run.started">).gameSpec).not.toHaveProperty("counterbalance");
  });

  it("is refused with shuffleOptions, naming the path", () => {
    const r = gameModule("svo-slider")!.schema.safeParse({ type: "svo-slider", shuffleOptions: true, counterbalance: true });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join("."))).toEqual(["counterbalance"]);
    for (const type of ["dictator", "custom", "public-goods", "ultimatum", "trust", "commons"]) {
      const game = type === "custom" ? { type, items: [{ id: "x", options: [{ self: 1, other: 0 }, { self: 0, other: 1 }] }] } : { type };
      expect(Scenario.safeParse({ name: "x", game: { ...game, counterbalance: true }, pairing: "random", agents: [FIRST, { ...FIRST, id: "b" }] }).success, type).toBe(true);
    }
  });
});

describe("position bias (METHOD §14)", () => {
  it("an agent that always answers the first option: share 1 at chance 1/9, prosocial 30.47° with fixed order", async () => {
    const s = await summaryOf(await play(scenarioOf({}, [FIRST])));
    const a = s.agents[0];
    expect(a.firstOptionShare).toBe(1);
    expect(a.firstOptionChance).toBeCloseTo(1 / 9, 12);
    expect(a.angle).toBeCloseTo(PRINTED_ANGLE, 9);
    expect(a.category).toBe("prosocial");
    expect(a.orderEffect).toBeNull();
    expect(s.groups[0].firstOptionShare).toBe(1);
  });

  it("counterbalanced, the same agent shows an order effect far from 0 and no confident prosocial label", async () => {
    const s = await summaryOf(await play(scenarioOf({ counterbalance: true }, [FIRST])));
    const a = s.agents[0];
    expect(a.firstOptionShare).toBe(1);
    const effect = a.orderEffect!;
    expect([effect.printed, effect.reversed]).toEqual([5, 5]);
    expect(effect.angle).toBeCloseTo(REVERSED_ANGLE - PRINTED_ANGLE, 9);
    expect(effect.angleCI![1]).toBeLessThan(-10);
    expect(effect.vr).toBeLessThan(0);
    // The pooled angle sits on the prosocial/individualistic boundary (22.45°) and its interval crosses it.
    expect(a.angleCI![0]).toBeLessThan(22.45);
    expect(a.angleCI![1]).toBeGreaterThan(22.45);
    const g = s.groups[0];
    expect(g.orderEffect!.angle).toBeCloseTo(REVERSED_ANGLE - PRINTED_ANGLE, 9);
  });

  it("a payoff-reading agent has an order effect of 0 under counterbalancing", async () => {
    // Competitive: one best option on every primary item (no tie for presented order to break).
    const s = await summaryOf(await play(scenarioOf({ counterbalance: true }, [{ id: "u", type: "utility", value: "competitive" }])));
    expect(s.agents[0].orderEffect!.angle).toBeCloseTo(0, 9);
    expect(s.agents[0].orderEffect!.vr).toBeCloseTo(0, 12);
  });

  it("first-option share and order effect from a hand-made log", async () => {
    // a: printed 1 1 1 1 1 1 (6 first), reversed 9 9 9 9 9 5 (5 first of 6): share 11/12.
    const s = await summaryOf(
      sliderLog({
        items: 6,
        trajectories: [
          { agent: "a", trial: 0, order: "printed", answers: [1, 1, 1, 1, 1, 1] },
          { agent: "a", trial: 1, order: "reversed", answers: [9, 9, 9, 9, 9, 5] },
          { agent: "b", trial: 0, answers: [2, 1, null, 1, 1, 1] },
        ],
      }),
    );
    const [a, b] = s.agents;
    expect(a.firstOptionShare).toBeCloseTo(11 / 12, 12);
    expect(a.orderEffect!.printed).toBe(1);
    expect(a.orderEffect!.angleCI).toBeNull(); // one trajectory per order: no interval
    // b: 4 of its 5 valid answers on the first position; no counterbalancing.
    expect(b.firstOptionShare).toBeCloseTo(4 / 5, 12);
    expect(b.orderEffect).toBeNull();
  });
});

describe("the chance baselines position bias is measured against stay as they were", () => {
  it("pins the chance VRs and the random responder's mean angle (exact over all 9^6 patterns)", () => {
    expect(chanceBaseline("altruistic")).toBeCloseTo(0.501781, 6);
    expect(chanceBaseline("prosocial")).toBeCloseTo(0.714678, 6);
    expect(chanceBaseline("individualistic")).toBeCloseTo(0.707832, 6);
    expect(chanceBaseline("competitive")).toBeCloseTo(0.498219, 6);
    let sum = 0;
    let n = 0;
    const walk = (i: number, self: number, other: number): void => {
      if (i === 6) {
        sum += angleFromMeans(self / 6, other / 6);
        n++;
        return;
      }
      for (const p of PRIMARY_ITEMS[i].options) walk(i + 1, self + p.self, other + p.other);
    };
    walk(0, 0, 0);
    expect(n).toBe(9 ** 6);
    expect(sum / n).toBeCloseTo(22.703, 3);
  });
});
