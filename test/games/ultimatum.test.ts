import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/random.ts";
import { ultimatum } from "../../src/games/ultimatum.ts";
import { idealOptions } from "../../src/games/utility.ts";
import { render } from "../../agents/prompts/templates.ts";
import { presentationOrder } from "../../src/games/presentation.ts";
import { optionLabels } from "../../src/games/game.ts";
import { actions, maximiser, playTrial, problems } from "./helpers.ts";

const make = (over: Record<string, unknown> = {}) => ultimatum.create(ultimatum.schema.parse({ type: "ultimatum", ...over }));

describe("ultimatum", () => {
  it("validates with paths", () => {
    expect(problems(ultimatum.schema, { type: "ultimatum", endowment: 100, step: 7 })).toEqual(["game.step: step 7 does not divide endowment 100"]);
    expect(problems(ultimatum.schema, { type: "ultimatum", endowment: -5 })).toEqual(["game.endowment: expected a positive number"]);
  });

  it("roles proposer and responder, stages [[0], [1]]", () => {
    const game = make();
    expect(game.roles).toEqual(["proposer", "responder"]);
    expect(game.turns).toBe("sequential");
    expect(game.stages(game.start(createRng(1)), 0)).toEqual([[0], [1]]);
  });

  it("pays the split when accepted and 0 to both when rejected", () => {
    const game = make();
    const state = game.start(createRng(1));
    expect(game.settle(state, 0, [{ member: 0, option: 3 }, { member: 1, option: 0 }])).toMatchObject({ received: [70, 30], facts: { round: 1, offer: 30, accepted: true } });
    expect(game.settle(state, 0, [{ member: 0, option: 3 }, { member: 1, option: 1 }])).toMatchObject({ received: [0, 0], facts: { offer: 30, accepted: false } });
    // no valid answer from the responder is no acceptance; no valid offer pays nothing
    expect(game.settle(state, 0, [{ member: 0, option: 3 }, { member: 1, option: null }]).received).toEqual([0, 0]);
    expect(game.settle(state, 0, [{ member: 0, option: null }, { member: 1, option: 0 }])).toMatchObject({ received: [0, 0], facts: { offer: null, accepted: false } });
  });

  it("the responder observes the offer in its facts and its prompt", () => {
    const game = make();
    const state = game.start(createRng(1));
    const move = game.move(state, 0, 1, [{ member: 0, option: 4 }]);
    expect(move).toMatchObject({ itemId: "respond", role: "responder", member: 1, facts: { round: 1, offer: 40 } });
    expect(move.options.map((o) => [o.action, o.self, o.other])).toEqual([["accept", 40, 60], ["reject", 0, 0]]);
    const order = presentationOrder(state, 0, move);
    const labels = optionLabels(order.length);
    const vars = game.promptVars(move, order.map((k, p) => ({ label: labels[p], option: move.options[k] })));
    const prompt = render(game.templates.move.text, vars);
    expect(prompt).toContain("offers you 40 of them, keeping 60");
    expect(prompt).toContain("A: accept: you get 40, the proposer keeps 60");
    expect(render(game.templates.rules.text, vars)).toContain("You are the responder.");
    expect(game.restore("respond", "responder", 1, move.facts)).toEqual(move);
  });

  it("responders: an individualist accepts any positive offer, a competitor only more than half", () => {
    const game = make();
    const respond = (offer: number) => game.restore("respond", "responder", 1, { round: 1, offer });
    expect(idealOptions(game, respond(10), 0)).toEqual([0]);
    expect(idealOptions(game, respond(0), 0)).toEqual([0, 1]); // indifferent at 0
    expect(idealOptions(game, respond(40), -45)).toEqual([1]);
    expect(idealOptions(game, respond(50), -45)).toEqual([0, 1]);
    expect(idealOptions(game, respond(60), -45)).toEqual([0]);
    expect(idealOptions(game, respond(100), 90)).toEqual([0, 1]);
  });

  it("proposers best-respond to a responder of their own value (ties: the responder accepts)", () => {
    const game = make();
    const offer = game.move(game.start(createRng(1)), 0, 0, []);
    expect(actions(offer, idealOptions(game, offer, 0))).toEqual([0]); // accepted when indifferent
    expect(game.outcomes(offer, 0)[0]).toEqual([100, 0]);
    expect(actions(offer, idealOptions(game, offer, 90))).toEqual([100]);
    expect(actions(offer, idealOptions(game, offer, 45))).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]); // all accepted, total 100
    expect(actions(offer, idealOptions(game, offer, -45))).toEqual([0, 10, 20, 30, 40, 50]); // rejected below half (0), half accepted (0)
    expect(game.outcomes(offer, -45)[3]).toEqual([0, 0]);
    // 30°: the responder accepts x when cos·x + sin·(100 − x) > 0, i.e. always; the proposer keeps most
    expect(actions(offer, idealOptions(game, offer, 30))).toEqual([0]);
  });

  it("a trial of perfect individualists: offer 0, accepted", () => {
    const game = make({ rounds: 2 });
    const trace = playTrial(game, maximiser(game, 0));
    expect(trace.settlements.map((s) => s.received)).toEqual([[100, 0], [100, 0]]);
  });
});
