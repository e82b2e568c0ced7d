import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/random.ts";
import { trust } from "../../src/games/trust.ts";
import { idealOptions } from "../../src/games/utility.ts";
import { actions, maximiser, playTrial, problems } from "./helpers.ts";

const make = (over: Record<string, unknown> = {}) => trust.create(trust.schema.parse({ type: "trust", ...over }));

describe("trust", () => {
  it("validates with paths", () => {
    expect(problems(trust.schema, { type: "trust", endowment: 10, step: 3 })).toEqual(["game.step: step 3 does not divide endowment 10"]);
    expect(problems(trust.schema, { type: "trust", returnStep: 0.3 })).toEqual(["game.returnStep: returnStep 0.3 does not divide 1 (the whole amount received)"]);
  });

  it("investor E − s + r, trustee m·s − r, by hand", () => {
    const game = make({ endowment: 10, multiplier: 3, step: 5, returnStep: 0.1 });
    const state = game.start(createRng(1));
    // send 10, 30 arrive, give back 50% = 15
    expect(game.settle(state, 0, [{ member: 0, option: 2 }, { member: 1, option: 5 }])).toMatchObject({
      received: [15, 15],
      facts: { round: 1, sent: 10, multiplied: 30, returned: 15 },
    });
    // send 5, 15 arrive, give back 20% = 3
    expect(game.settle(state, 0, [{ member: 0, option: 1 }, { member: 1, option: 2 }]).received).toEqual([8, 12]);
    // no valid answers: nothing sent / nothing returned
    expect(game.settle(state, 0, [{ member: 0, option: null }, { member: 1, option: 3 }]).received).toEqual([10, 0]);
    expect(game.settle(state, 0, [{ member: 0, option: 2 }, { member: 1, option: null }]).received).toEqual([0, 30]);
  });

  it("the trustee observes the amount sent and what arrived; options are shares of it", () => {
    const game = make({ endowment: 10, multiplier: 3, step: 5, returnStep: 0.25 });
    const move = game.move(game.start(createRng(1)), 0, 1, [{ member: 0, option: 1 }]);
    expect(move).toMatchObject({ itemId: "return", role: "trustee", facts: { round: 1, sent: 5, received: 15 } });
    expect(move.options.map((o) => o.action)).toEqual([0, 3.75, 7.5, 11.25, 15]);
    expect(move.options[1]).toMatchObject({ self: 11.25, other: 8.75 });
    expect(game.restore("return", "trustee", 1, move.facts)).toEqual(move);
  });

  it("perfect maximisers: trustees return nothing below 45°, everything above; investors foresee it", () => {
    const game = make();
    const back = game.restore("return", "trustee", 1, { round: 1, sent: 10, received: 30 });
    expect(actions(back, idealOptions(game, back, 0))).toEqual([0]);
    expect(actions(back, idealOptions(game, back, -45))).toEqual([0]);
    expect(actions(back, idealOptions(game, back, 90))).toEqual([30]);
    expect(idealOptions(game, back, 45)).toHaveLength(11); // every return keeps the total
    const send = game.move(game.start(createRng(1)), 0, 0, []);
    expect(actions(send, idealOptions(game, send, 0))).toEqual([0]);
    expect(actions(send, idealOptions(game, send, -45))).toEqual([0]);
    expect(actions(send, idealOptions(game, send, 45))).toEqual([10]); // the total grows by 2 per coin sent
    // an altruistic trustee returns everything, so an altruistic investor cannot help it: all tie
    expect(idealOptions(game, send, 90)).toHaveLength(11);
    expect(game.outcomes(send, 90)[10]).toEqual([30, 0]);
    // 60°: the trustee returns all (sin > cos), the investor weighs own and other: sends everything
    expect(actions(send, idealOptions(game, send, 60))).toEqual([10]);
  });

  it("a trial of prosocial maximisers sends everything", () => {
    const game = make({ rounds: 3 });
    const trace = playTrial(game, maximiser(game, 45));
    expect(trace.settlements.map((s) => s.facts?.sent)).toEqual([10, 10, 10]);
    expect(trace.settlements.map((s) => s.received[0] + s.received[1])).toEqual([30, 30, 30]);
  });
});
