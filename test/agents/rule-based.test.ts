import { describe, expect, it } from "vitest";
import type { PresentedOption, RoundResult } from "../../agents/agent.ts";
import { createConstantAgent } from "../../agents/constant.ts";
import { createLogitAgent } from "../../agents/logit.ts";
import { createRandomAgent } from "../../agents/random.ts";
import { createReciprocalAgent, reciprocalAngle, type ReciprocalAgent } from "../../agents/reciprocal.ts";
import { createUtilityAgent } from "../../agents/utility.ts";
import { logitProbabilities } from "../../agents/value-utility.ts";
import { PRIMARY_ITEMS } from "../../src/core/instrument.ts";
import { createRng } from "../../src/core/random.ts";
import type { Observation } from "../../agents/agent.ts";
import { twoPersonObservation } from "../../src/environment/observation.ts";
import { ctxFor, trajectory } from "./helpers.ts";

const item = (options: readonly { self: number; other: number }[], id = "x") => ({
  id,
  options: options.map((o, i): PresentedOption => ({ label: String.fromCharCode(65 + i), ...o })),
});
const obs = (options: readonly { self: number; other: number }[], decisionId: string, partner: string | null = null) => twoPersonObservation({
  decisionId,
  sessionId: "s",
  trial: 0,
  round: 0,
  rounds: 1,
  item: item(options),
  partner: partner === null ? null : { id: partner },
  history: [],
});


describe("logit agent", () => {
  it("probabilities follow exp(β·U)", () => {
    const p = logitProbabilities([{ self: 1, other: 0 }, { self: 0, other: 0 }], 0, Math.log(3));
    expect(p[0]).toBeCloseTo(0.75, 12);
    expect(p[1]).toBeCloseTo(0.25, 12);
  });

  it("with a large β chooses what the utility agent chooses", async () => {
    for (const value of ["altruistic", "competitive"] as const) {
      for (let seed = 0; seed < 30; seed++) {
        const logit = await createLogitAgent({ id: "a", type: "logit", value, beta: 50 }, ctxFor(seed));
        const util = await createUtilityAgent({ id: "a", type: "utility", value }, ctxFor(seed + 1000));
        const a = await trajectory(logit, createRng(seed), "s#t0");
        const b = await trajectory(util, createRng(seed), "s#t0");
        expect(a).toEqual(b);
      }
    }
  });

  it("with a small β spreads its choices in proportion to exp(β·U)", async () => {
    const options = PRIMARY_ITEMS[3].options; // item 4: other falls 100 → 15 as self rises 50 → 85
    const agent = await createLogitAgent({ id: "a", type: "logit", value: 0, beta: 0.05 }, ctxFor(1));
    const counts = new Array(9).fill(0);
    const n = 6000;
    for (let i = 0; i < n; i++) {
      const d = await agent.decide(obs(options, `d${i}`));
      if (d.kind === "choice") counts[d.index]++;
    }
    const p = logitProbabilities(options, 0, 0.05);
    for (let k = 0; k < 9; k++) expect(Math.abs(counts[k] / n - p[k])).toBeLessThan(4 * Math.sqrt((p[k] * (1 - p[k])) / n) + 1e-3);
    expect(counts[8]).toBeGreaterThan(counts[0]);
  });
});

describe("random agent", () => {
  it("is uniform over the presented options and repeatable per decision id", async () => {
    const agent = await createRandomAgent({ id: "a", type: "random", value: "prosocial" }, ctxFor(2));
    const counts = new Array(9).fill(0);
    for (let i = 0; i < 9000; i++) {
      const d = await agent.decide(obs(PRIMARY_ITEMS[0].options, `d${i}`));
      if (d.kind === "choice") counts[d.index]++;
    }
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(4 * Math.sqrt(1000 * (8 / 9)));
    const again = await createRandomAgent({ id: "a", type: "random", value: "prosocial" }, ctxFor(2));
    expect(await again.decide(obs(PRIMARY_ITEMS[0].options, "d17"))).toEqual(await agent.decide(obs(PRIMARY_ITEMS[0].options, "d17")));
  });
});

describe("constant agent", () => {
  it("always picks its presented position, whatever the payoffs", async () => {
    const agent = await createConstantAgent({ id: "a", type: "constant", value: "prosocial", option: 3 }, ctxFor(1));
    for (const it of PRIMARY_ITEMS) expect(await agent.decide(obs(it.options, `d${it.number}`))).toEqual({ kind: "choice", index: 2 });
  });

  it("answers invalid when the position does not exist", async () => {
    const agent = await createConstantAgent({ id: "a", type: "constant", value: "prosocial", option: 5 }, ctxFor(1));
    const d = await agent.decide(obs([{ self: 1, other: 1 }, { self: 2, other: 0 }], "d"));
    expect(d.kind).toBe("invalid");
  });
});

describe("reciprocal agent", () => {
  const result = (partnerId: string, self: number, other: number, trial = 0, round = 0): RoundResult => ({
    trial,
    round,
    itemId: "svo-1",
    partnerId,
    own: null,
    partner: { option: 9, label: "I", self, other },
    received: 0,
    partnerReceived: 0,
  });

  it("moves its angle toward the partner's revealed angle at its rate, once per remembered round", async () => {
    const agent = (await createReciprocalAgent({ id: "r", type: "reciprocal", value: "altruistic", rate: 0.5 }, ctxFor(1))) as ReciprocalAgent;
    expect(agent.angleFor([])).toBe(90);
    // Partner chose (85, 15): revealed atan2(-35, 35) = -45°.
    expect(agent.angleFor([result("p", 85, 15)])).toBeCloseTo(90 + 0.5 * (-45 - 90), 9);
    expect(agent.angleFor([result("p", 85, 15), result("p", 85, 15)])).toBeCloseTo(22.5 + 0.5 * (-45 - 22.5), 9);
    expect(reciprocalAngle(90, 0.5, [result("p", 85, 15)])).toBeCloseTo(22.5, 9);
  });

  it("targets the partner's running mean, and behaves accordingly", async () => {
    const agent = (await createReciprocalAgent({ id: "r", type: "reciprocal", value: "altruistic", rate: 1 }, ctxFor(1))) as ReciprocalAgent;
    const item1 = PRIMARY_ITEMS[0].options;
    expect(await agent.decide(obs(item1, "d0", "p"))).toEqual({ kind: "choice", index: 0 }); // (85, 85)
    const two = [result("p", 100, 50), result("p", 50, 100)]; // 0°, then mean (75, 75): 45°
    expect(agent.angleFor(two)).toBeCloseTo(45, 9);
    const six = [...two, ...[2, 3, 4, 5].map((r) => result("p", 85, 15, 0, r))];
    // mean over six: self (100+50+4·85)/6 = 81.67, other (50+100+4·15)/6 = 35 → atan2(-15, 31.67)
    expect(agent.angleFor(six)).toBeCloseTo((Math.atan2(35 - 50, 490 / 6 - 50) * 180) / Math.PI, 9);
    expect(await agent.decide({ ...obs(item1, "d1", "p"), history: six })).toEqual({ kind: "choice", index: 8 }); // now keeps: (85, 15)
  });

  it("keeps no state: the same history gives the same angle; an invalid partner answer reveals nothing", async () => {
    const agent = (await createReciprocalAgent({ id: "r", type: "reciprocal", value: 0, rate: 0.3 }, ctxFor(1))) as ReciprocalAgent;
    expect(agent.angleFor([{ ...result("p", 85, 15), partner: null }])).toBe(0);
    const h = [{ ...result("p", 85, 15), partner: null }, result("p", 50, 100)];
    expect(agent.angleFor(h)).toBeCloseTo(0.3 * 90, 9);
    await agent.decide({ ...obs(PRIMARY_ITEMS[0].options, "d", "p"), history: h });
    expect(agent.angleFor(h)).toBeCloseTo(27, 9);
    expect(agent.angleFor([])).toBe(0);
    // Rounds remembered from an earlier trial count like rounds of this one.
    expect(agent.angleFor([result("p", 50, 100, 0, 5), result("p", 50, 100, 1, 0)])).toBeCloseTo(27 + 0.3 * (90 - 27), 9);
  });

  it("against the imaginary other it plays its own value whatever the history", async () => {
    const agent = await createReciprocalAgent({ id: "r", type: "reciprocal", value: "altruistic", rate: 1 }, ctxFor(1));
    const history = [result("p", 85, 15)]; // would pull a rate-1 agent to -45°, i.e. option (85, 15)
    expect(await agent.decide({ ...obs(PRIMARY_ITEMS[0].options, "d", null), history })).toEqual({ kind: "choice", index: 0 });
  });
});
