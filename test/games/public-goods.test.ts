import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/random.ts";
import { publicGoods } from "../../src/games/public-goods.ts";
import { idealOptions } from "../../src/games/utility.ts";
import { actions, maximiser, playTrial, problems } from "./helpers.ts";

const make = (over: Record<string, unknown> = {}) => publicGoods.create(publicGoods.schema.parse({ type: "public-goods", ...over }));

describe("public-goods: validation", () => {
  it("defaults: groups of 4, endowment 20, multiplier 1.6, step 5, 10 rounds", () => {
    expect(publicGoods.schema.parse({ type: "public-goods" })).toEqual({
      type: "public-goods", groupSize: 4, endowment: 20, multiplier: 1.6, step: 5, rounds: 10, shuffleOptions: false,
    });
  });
  it("names the path and the problem", () => {
    expect(problems(publicGoods.schema, { type: "public-goods", endowment: 100, step: 7 })).toEqual(["game.step: step 7 does not divide endowment 100"]);
    expect(problems(publicGoods.schema, { type: "public-goods", endowment: 1000, step: 1 })[0]).toMatch(/^game\.step: step 1 gives 1001 options .* at most 101 options/);
    expect(problems(publicGoods.schema, { type: "public-goods", groupSize: 1 })).toEqual(["game.groupSize: expected at least 2 members"]);
    expect(problems(publicGoods.schema, { type: "public-goods", groupSize: 500 })).toEqual(["game.groupSize: at most 100 members in a group for this game"]);
    expect(problems(publicGoods.schema, { type: "public-goods", rounds: 5000 })).toEqual(["game.rounds: at most 1000 rounds in a trial"]);
    expect(problems(publicGoods.schema, { type: "public-goods", multipler: 2 })[0]).toMatch(/multipler/);
  });
});

describe("public-goods: payoffs", () => {
  it("E − c_i + m·Σc/N, by hand", () => {
    const game = make();
    const state = game.start(createRng(1));
    // contributions 20, 10, 0, 5: pot 35 × 1.6 = 56, 14 each
    const s = game.settle(state, 0, [4, 2, 0, 1].map((option, member) => ({ member, option })));
    expect(s.received).toEqual([14, 24, 34, 29]);
    expect(s.facts).toEqual({ contributions: [20, 10, 0, 5], pot: 35, returned: 56 });
    expect(s.end).toBeNull();
  });
  it("a member without a valid answer contributes nothing and keeps its endowment", () => {
    const game = make({ groupSize: 3, multiplier: 2.4 });
    const s = game.settle(game.start(createRng(1)), 0, [{ member: 0, option: null }, { member: 1, option: 4 }, { member: 2, option: 4 }]);
    // pot 40 × 2.4 / 3 = 32
    expect(s.received).toEqual([52, 32, 32]);
  });
  it("the next round's move carries the previous contributions (−1 for none)", () => {
    const game = make({ groupSize: 3 });
    const s = game.settle(game.start(createRng(1)), 0, [{ member: 0, option: null }, { member: 1, option: 1 }, { member: 2, option: 3 }]);
    const move = game.move(s.state, 1, 2, []);
    expect(move.facts).toEqual({ round: 2, previous: [-1, 1, 3] });
  });
});

describe("public-goods: foresight and perfect maximisers", () => {
  it("first round: others believed to contribute the mean of the options (10 of 20)", () => {
    const game = make();
    const move = game.move(game.start(createRng(1)), 0, 0, []);
    const out = game.outcomes(move, 0);
    expect(out[0]).toEqual([32, 22, 22, 22]); // pot 30 → 12 each
    expect(out[4]).toEqual([20, 30, 30, 30]); // pot 50 → 20 each
  });
  it("with m/N < 1 < m: individualist and competitor give 0, prosocial and altruist give E", () => {
    const game = make(); // m/N = 0.4
    const move = game.move(game.start(createRng(1)), 0, 1, []);
    expect(actions(move, idealOptions(game, move, 0))).toEqual([0]);
    expect(actions(move, idealOptions(game, move, -45))).toEqual([0]);
    expect(actions(move, idealOptions(game, move, 45))).toEqual([20]);
    expect(actions(move, idealOptions(game, move, 90))).toEqual([20]);
    // marginal utility −0.6·cos θ + 1.2·sin θ changes sign at tan θ = 0.5 (26.565°)
    expect(actions(move, idealOptions(game, move, 20))).toEqual([0]);
    expect(actions(move, idealOptions(game, move, 30))).toEqual([20]);
    expect(idealOptions(game, move, (Math.atan(0.5) * 180) / Math.PI)).toEqual([0, 1, 2, 3, 4]);
  });
  it("the choice does not depend on the belief (dominant strategy)", () => {
    const game = make();
    const late = game.restore("contribute", null, 1, { round: 3, previous: [4, 0, 2, -1] });
    for (const theta of [-45, 0, 20, 30, 45, 90]) {
      const early = game.move(game.start(createRng(1)), 0, 1, []);
      expect(idealOptions(game, late, theta)).toEqual(idealOptions(game, early, theta));
    }
  });
  it("a group of prosocial maximisers contributes everything every round", () => {
    const game = make({ rounds: 3 });
    const trace = playTrial(game, maximiser(game, 45));
    expect(trace.settlements.map((s) => s.received)).toEqual([[32, 32, 32, 32], [32, 32, 32, 32], [32, 32, 32, 32]]);
  });
});
