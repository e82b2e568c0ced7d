import { twoPersonObservation } from "../../src/environment/observation.ts";
import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/random.ts";
import { dictatorOptions } from "../../src/games/dictator.ts";
import { publicGoods } from "../../src/games/public-goods.ts";
import { trust } from "../../src/games/trust.ts";
import { ultimatum } from "../../src/games/ultimatum.ts";
import {
  InequalityAverseSpec,
  createInequalityAverseAgent,
  fehrSchmidtBest,
  fehrSchmidtMove,
  fehrSchmidtUtilities,
} from "../../agents/inequality-averse.ts";
import { ctxFor } from "./helpers.ts";

describe("Fehr–Schmidt utility", () => {
  it("x_i − α/(n−1)·Σ ahead − β/(n−1)·Σ behind, by hand", () => {
    expect(fehrSchmidtUtilities([[10, 0], [6, 6], [2, 12]], 0, 0.85, 0.6)).toEqual([4, 6, 2 - 0.85 * 10]);
    // three players: others 8 (ahead by 4) and 0 (behind by 4): 4 − 1·4/2 − 0.5·4/2 = 1
    expect(fehrSchmidtUtilities([[4, 8, 0]], 0, 1, 0.5)).toEqual([1]);
    expect(fehrSchmidtUtilities([[4, 8, 0]], 1, 1, 0.5)).toEqual([8 - 0.5 * (4 + 8) / 2]);
  });
  it("a dictator keeps everything when β < ½ and splits equally when β > ½", () => {
    const outcomes = dictatorOptions(100, 10).map((o) => [o.self, o.other]);
    expect(fehrSchmidtBest(outcomes, 0, 0.85, 0.315)).toEqual([0]);
    expect(fehrSchmidtBest(outcomes, 0, 0.85, 0.6)).toEqual([5]); // 50–50
    expect(fehrSchmidtBest(outcomes, 0, 0.85, 0.5)).toEqual([0, 1, 2, 3, 4, 5]); // indifferent up to equality
  });
  it("schema fields: defaults and bounds", () => {
    expect(InequalityAverseSpec.parse({ id: "fs", type: "inequality-averse", value: "prosocial" })).toMatchObject({ type: "inequality-averse", alpha: 0.85, beta: 0.315 });
    expect(InequalityAverseSpec.safeParse({ id: "fs", type: "inequality-averse", value: "prosocial", beta: 1.2 }).error?.issues[0].message).toBe("expected beta below 1 (Fehr–Schmidt: 0 ≤ β < 1)");
  });
});

describe("Fehr–Schmidt in the new games", () => {
  it("ultimatum responder rejects offers below αE/(1+2α)", () => {
    const game = ultimatum.create(ultimatum.schema.parse({ type: "ultimatum" }));
    const respond = (offer: number) => fehrSchmidtMove(game, game.restore("respond", "responder", 1, { round: 1, offer }), 0.85, 0.315, 0);
    // 0.85 · 100 / 2.7 = 31.5
    expect(respond(30)).toEqual([1]);
    expect(respond(40)).toEqual([0]);
    expect(respond(60)).toEqual([0]);
  });
  it("ultimatum proposer (believing an individualist responder) offers 0; with strong guilt it offers half", () => {
    const game = ultimatum.create(ultimatum.schema.parse({ type: "ultimatum" }));
    const offer = game.move(game.start(createRng(1)), 0, 0, []);
    expect(fehrSchmidtMove(game, offer, 0.85, 0.315, 0).map((k) => offer.options[k].action)).toEqual([0]);
    expect(fehrSchmidtMove(game, offer, 0.85, 0.9, 0).map((k) => offer.options[k].action)).toEqual([50]);
  });
  it("public goods in a group of 4: contributes 0 with weak guilt, matches the believed others with strong guilt", () => {
    const game = publicGoods.create(publicGoods.schema.parse({ type: "public-goods", step: 2 }));
    const move = game.move(game.start(createRng(1)), 0, 0, []);
    // others believed at 10: U = 32 − 0.6c − β(10 − c) below 10, − α(c − 10) above
    expect(fehrSchmidtMove(game, move, 0.85, 0.315, 0).map((k) => move.options[k].action)).toEqual([0]);
    expect(fehrSchmidtMove(game, move, 0.85, 0.8, 0).map((k) => move.options[k].action)).toEqual([10]);
  });
  it("trust trustee with strong guilt returns enough to equalise", () => {
    const game = trust.create(trust.schema.parse({ type: "trust", returnStep: 0.1 }));
    const back = game.restore("return", "trustee", 1, { round: 1, sent: 10, received: 30 });
    // investor 0 + r, trustee 30 − r: equal at r = 15
    expect(fehrSchmidtMove(game, back, 0.85, 0.8, 0).map((k) => back.options[k].action)).toEqual([15]);
    expect(fehrSchmidtMove(game, back, 0.85, 0.2, 0).map((k) => back.options[k].action)).toEqual([0]);
  });
});

describe("the agent", () => {
  it("decides on the presented two-person options, breaking ties from the decision id", async () => {
    const spec = { id: "fs", type: "inequality-averse", value: "prosocial" as const, alpha: 0.85, beta: 0.5 };
    const agent = createInequalityAverseAgent(spec, ctxFor(1, "fs"));
    const options = [{ label: "A", self: 50, other: 50 }, { label: "B", self: 100, other: 0 }, { label: "C", self: 0, other: 100 }];
    const obs = (id: string) => twoPersonObservation({ decisionId: id, sessionId: "s", trial: 0, round: 0, rounds: 1, item: { id: "x", options }, partner: null, history: [] });
    // U: A 50, B 100 − 50 = 50, C −85: A and B tie
    const picks = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const d = await agent.decide(obs(`d${i}`));
      if (d.kind !== "choice") throw new Error("invalid");
      picks.add(d.index);
      expect(await agent.decide(obs(`d${i}`))).toEqual(d);
    }
    expect([...picks].sort()).toEqual([0, 1]);
  });
});
