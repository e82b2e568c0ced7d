import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/random.ts";
import { commons } from "../../src/games/commons.ts";
import { idealOptions } from "../../src/games/utility.ts";
import { maximiser, playTrial, problems } from "./helpers.ts";

const make = (over: Record<string, unknown> = {}) => commons.create(commons.schema.parse({ type: "commons", ...over }));
const all = (n: number, option: number | null) => Array.from({ length: n }, (_, member) => ({ member, option }));

describe("commons: validation", () => {
  it("defaults are GovSim's lake: 5 members, 100 tons, doubling up to 100, 12 rounds", () => {
    expect(commons.schema.parse({ type: "commons" })).toMatchObject({
      groupSize: 5, stock: 100, capacity: 100, growth: "proportional", regrowth: 1, collapseAt: 0, harvests: { from: 0, to: 20, step: 2 }, rounds: 12,
    });
  });
  it("names the path and the problem", () => {
    expect(problems(commons.schema, { type: "commons", stock: 120 })).toEqual(["game.stock: stock 120 exceeds capacity 100"]);
    expect(problems(commons.schema, { type: "commons", collapseAt: 100 })).toEqual(["game.collapseAt: collapseAt 100 must be below the starting stock 100"]);
    expect(problems(commons.schema, { type: "commons", harvests: { from: 0, to: 10, step: 3 } })).toEqual(["game.harvests.step: step 3 does not divide the range 0 to 10"]);
    expect(problems(commons.schema, { type: "commons", harvests: [0, 5, 5] })).toEqual(["game.harvests[2]: harvest options must be listed in increasing order without repeats (5 then 5)"]);
    expect(problems(commons.schema, { type: "commons", growth: "exponential" })).toEqual(["game.growth: expected proportional or logistic"]);
    expect(problems(commons.schema, { type: "commons", groupSize: 20, harvests: { from: 0, to: 50, step: 1 } })[0]).toMatch(/^game\.harvests: 51 harvest options in a group of 20 make the first-round belief too costly/);
  });
});

describe("commons: harvest, sharing, collapse and regrowth by hand", () => {
  it("a sustainable round: 5 × 10 taken from 100 leaves 50, which doubles back to 100", () => {
    const game = make();
    const s = game.settle(game.start(createRng(1)), 0, all(5, 5));
    expect(s.received).toEqual([10, 10, 10, 10, 10]);
    expect(s.facts).toEqual({ round: 1, roundsPlayed: 1, stockBefore: 100, asked: 50, taken: 50, stockLeft: 50, stockAfter: 100, collapsed: false });
    expect(s.end).toBeNull();
    expect(s.state.stock).toBe(100);
  });
  it("regrowth is capped at capacity; proportional growth by the rate", () => {
    const game = make({ regrowth: 0.5 });
    // 5 × 8 = 40 taken, 60 left, grows by half to 90
    expect(game.settle(game.start(createRng(1)), 0, all(5, 4)).facts?.stockAfter).toBe(90);
    // 5 × 2 = 10 taken, 90 left, +45 capped at 100
    expect(game.settle(game.start(createRng(1)), 0, all(5, 1)).facts?.stockAfter).toBe(100);
  });
  it("logistic regrowth: left + r·left·(1 − left/C)", () => {
    const game = make({ growth: "logistic", regrowth: 0.5, stock: 80 });
    // 5 × 4 = 20 taken, 60 left, + 0.5 · 60 · 0.4 = 12
    expect(game.settle(game.start(createRng(1)), 0, all(5, 2)).facts?.stockAfter).toBe(72);
  });
  it("over-asking shares the whole stock in proportion to the requests and collapses it", () => {
    const game = make({ stock: 30 });
    const s = game.settle(game.start(createRng(1)), 0, [10, 10, 10, 0, 0].map((option, member) => ({ member, option })));
    // asked 60 of 30: each 20-request receives 20 · 30 / 60 = 10
    expect(s.received).toEqual([10, 10, 10, 0, 0]);
    expect(s.facts).toMatchObject({ stockBefore: 30, asked: 60, taken: 30, stockLeft: 0, stockAfter: 0, collapsed: true });
    expect(s.end).toBe("the stock collapsed in round 1: 0 left after taking 30, at or below the collapse level 0");
  });
  it("a threshold collapses the stock at or below it, without regrowth", () => {
    const game = make({ collapseAt: 5, harvests: [0, 19] });
    const s = game.settle(game.start(createRng(1)), 0, all(5, 1)); // 95 taken, 5 left
    expect(s.facts).toMatchObject({ stockLeft: 5, stockAfter: 5, collapsed: true });
    expect(s.end).toMatch(/collapse level 5/);
  });
  it("no valid answer harvests nothing", () => {
    const game = make();
    const s = game.settle(game.start(createRng(1)), 0, [{ member: 0, option: null }, ...all(5, 10).slice(1)]);
    expect(s.received).toEqual([0, 20, 20, 20, 20]);
    expect(s.facts?.stockAfter).toBe(40);
  });
  it("survival and final stock are read from the settlements of a trial", () => {
    const game = make();
    const greedy = playTrial(game, () => 8); // 5 × 16 = 80: 20 left → 40 → collapse in round 2 (asked 80 of 40)
    expect(greedy.settlements.map((s) => s.facts?.stockAfter)).toEqual([40, 0]);
    const last = greedy.settlements.at(-1)!;
    expect(last.facts).toMatchObject({ roundsPlayed: 2, collapsed: true });
    expect(last.received).toEqual([8, 8, 8, 8, 8]);
    const careful = playTrial(game, () => 5);
    expect(careful.settlements).toHaveLength(12);
    expect(careful.settlements.at(-1)!.facts).toMatchObject({ roundsPlayed: 12, collapsed: false, stockAfter: 100 });
  });
});

describe("commons: foresight", () => {
  // Two fishers, a lake of 10, requests 0, 5 or 10, doubling up to 10.
  const small = (rounds: number) => make({ groupSize: 2, stock: 10, capacity: 10, harvests: [0, 5, 10], rounds });

  it("last round, the other repeating its 5: received now, shared when over-asked", () => {
    const game = small(2);
    const move = game.restore("harvest", null, 0, { round: 2, stock: 10, previous: [1, 1] });
    const out = game.outcomes(move, 0);
    expect(out[0]).toEqual([0, 5]);
    expect(out[1]).toEqual([5, 5]);
    expect(out[2][0]).toBeCloseTo(20 / 3, 9);
    expect(out[2][1]).toBeCloseTo(10 / 3, 9);
    expect(idealOptions(game, move, 0)).toEqual([2]);
    expect(idealOptions(game, move, 45)).toEqual([1, 2]);
    expect(idealOptions(game, move, 90)).toEqual([0, 1]);
    expect(idealOptions(game, move, -45)).toEqual([2]);
  });
  it("two rounds left: taking 5 empties the lake, taking 0 lets the other fish twice", () => {
    const game = small(2);
    const move = game.restore("harvest", null, 0, { round: 1, stock: 10, previous: [1, 1] });
    const out = game.outcomes(move, 0);
    expect(out[0]).toEqual([0, 10]);
    expect(out[1]).toEqual([5, 5]);
    expect(out[2][0]).toBeCloseTo(20 / 3, 9);
    expect(idealOptions(game, move, 45)).toEqual([0, 1, 2]); // 10 in all for the group either way
    expect(idealOptions(game, move, 90)).toEqual([0]);
  });
  it("first round: the other uniform over its requests, the expectation exact", () => {
    const game = small(1);
    const move = game.move(game.start(createRng(1)), 0, 0, []);
    expect(move.facts).toEqual({ round: 1, stock: 10, previous: null });
    const out = game.outcomes(move, 0);
    expect(out[0][0]).toBe(0);
    expect(out[0][1]).toBeCloseTo(5, 9);
    expect(out[1][0]).toBeCloseTo(40 / 9, 9);
    expect(out[1][1]).toBeCloseTo(35 / 9, 9);
    expect(out[2][0]).toBeCloseTo(130 / 18, 9);
    expect(out[2][1]).toBeCloseTo(25 / 9, 9);
  });
  it("perfect maximisers of different values leave different stocks", () => {
    const game = make();
    const altruists = playTrial(game, maximiser(game, 90));
    expect(altruists.settlements).toHaveLength(12);
    expect(altruists.settlements.every((s) => s.facts?.asked === 0)).toBe(true);
    const competitors = playTrial(game, maximiser(game, -45));
    expect(competitors.settlements).toHaveLength(1);
    expect(competitors.settlements[0].end).toMatch(/collapsed in round 1/);
  });
});
