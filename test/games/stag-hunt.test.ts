// The example user game module (scenarios/examples/stag-hunt.ts) keeps the game contract.
import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/random.ts";
import { idealOptions } from "../../src/games/utility.ts";
import stagHunt from "../../scenarios/examples/stag-hunt.ts";
import { playTrial, problems } from "./helpers.ts";

const make = (over: Record<string, unknown> = {}) => stagHunt.create(stagHunt.schema.parse({ type: "./stag-hunt.ts", groupSize: 4, needed: 3, ...over }));

describe("example module: stag hunt", () => {
  it("validates its own fields with paths", () => {
    expect(problems(stagHunt.schema, { type: "./stag-hunt.ts", groupSize: 4, needed: 5 })).toEqual(["game.needed: needed 5 exceeds the group of 4"]);
  });
  it("pays by hand", () => {
    const game = make();
    const state = game.start(createRng(1));
    expect(game.settle(state, 0, [1, 1, 1, 0].map((option, member) => ({ member, option }))).received).toEqual([5, 5, 5, 3]);
    expect(game.settle(state, 0, [1, 1, 0, 0].map((option, member) => ({ member, option }))).received).toEqual([0, 0, 3, 3]);
  });
  it("foresight: first round each other ½ stag; afterwards the others repeat", () => {
    const game = make();
    const first = game.move(game.start(createRng(1)), 0, 0, []);
    // stag is caught with P(Bin(3, ½) ≥ 2) = ½: 2.5 < 3
    expect(game.outcomes(first, 0)[1][0]).toBe(2.5);
    expect(idealOptions(game, first, 0)).toEqual([0]);
    const afterStag = game.restore("hunt", null, 0, { round: 2, previous: [1, 1, 1, 1] });
    expect(game.outcomes(afterStag, 0)).toEqual([[3, 5, 5, 5], [5, 5, 5, 5]]); // three others are enough
    expect(idealOptions(game, afterStag, 0)).toEqual([1]);
    // a mixed past: one stag hunter among the others, one unknown
    const mixed = game.restore("hunt", null, 0, { round: 2, previous: [0, 1, 0, -1] });
    expect(game.outcomes(mixed, 0)[1]).toEqual([2.5, 2.5, 3, 0.5 * 3 + 0.5 * 5]);
  });
  it("plays a whole trial; moves restore from their facts", () => {
    const game = make({ rounds: 3 });
    const trace = playTrial(game, (move) => idealOptions(game, move, 0)[0]);
    expect(trace.settlements.map((s) => s.received)).toEqual([[3, 3, 3, 3], [3, 3, 3, 3], [3, 3, 3, 3]]);
    for (const move of trace.moves) expect(game.restore(move.itemId, move.role, move.member, JSON.parse(JSON.stringify(move.facts)))).toEqual(move);
  });
});
