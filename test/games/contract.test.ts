/**
 * Every new game honours the contract the engine, agents and analysis rely on: moves are rebuilt
 * exactly from what the log records (restore from JSON facts), states are plain JSON, outcomes
 * cover every option and member, prompt templates use only variables promptVars gives, and a
 * shuffled presentation is a deterministic permutation.
 */
import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/random.ts";
import type { Game, GameModule, Move } from "../../src/games/contract.ts";
import { commons } from "../../src/games/commons.ts";
import { expression } from "../../src/games/expression.ts";
import { publicGoods } from "../../src/games/public-goods.ts";
import { trust } from "../../src/games/trust.ts";
import { ultimatum } from "../../src/games/ultimatum.ts";
import { optionLabels } from "../../src/games/game.ts";
import { render } from "../../agents/prompts/templates.ts";
import { playTrial } from "./helpers.ts";

const CASES: [GameModule, Record<string, unknown>][] = [
  [publicGoods, { type: "public-goods", groupSize: 5, rounds: 4, shuffleOptions: true }],
  [commons, { type: "commons", rounds: 6, shuffleOptions: true }],
  [commons, { type: "commons", groupSize: 3, growth: "logistic", regrowth: 0.6, harvests: [0, 5, 10, 30], collapseAt: 3, rounds: 5 }],
  [ultimatum, { type: "ultimatum", rounds: 3, shuffleOptions: true }],
  [trust, { type: "trust", rounds: 3, step: 2, returnStep: 0.25 }],
  [expression, { type: "expression", groupSize: 4, rounds: 3, actions: { from: 0, to: 4, step: 1 }, payoff: "k * action - action^2 / 2 + mean(others)", params: { k: 3 }, shuffleOptions: true }],
];

const json = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe.each(CASES)("%s contract", (module, input) => {
  const game: Game = module.create(module.schema.parse(input) as { type: string });
  const rng = createRng(5);
  const trace = playTrial(game, (move) => (rng.next() < 0.1 ? null : rng.int(move.options.length)), 9);

  it("has a summary and the shape of a non-slider game", () => {
    expect(module.summary.length).toBeGreaterThan(20);
    expect(game.type).toBe(module.type);
    expect(game.items).toEqual([]);
    expect(game.scoring).toBe("choices");
    expect(game.roles === null).toBe(game.turns === "simultaneous");
  });

  it("moves are rebuilt exactly from item id, role, member and JSON facts", () => {
    expect(trace.moves.length).toBeGreaterThan(0);
    for (const move of trace.moves) expect(game.restore(move.itemId, move.role, move.member, json(move.facts))).toEqual(move);
  });

  it("states and settlement facts are plain JSON; payoffs are finite, one per member", () => {
    for (const state of trace.states) expect(json(state)).toEqual(state);
    for (const s of trace.settlements) {
      expect(json(s.facts)).toEqual(s.facts);
      expect(s.received).toHaveLength(game.groupSize);
      expect(s.received.every(Number.isFinite)).toBe(true);
    }
  });

  it("outcomes give every member's payoff for every option, for any belief", () => {
    for (const move of trace.moves.slice(0, 12)) {
      for (const belief of [-45, 0, 45, 90]) {
        const out = game.outcomes(move, belief);
        expect(out).toHaveLength(move.options.length);
        for (const row of out) {
          expect(row).toHaveLength(game.groupSize);
          expect(row.every(Number.isFinite)).toBe(true);
        }
      }
    }
  });

  it("templates use only their declared variables, and promptVars gives them all", () => {
    expect(Object.keys(game.templates).sort()).toEqual(["move", "rules"]);
    const move: Move = trace.moves[trace.moves.length - 1];
    const order = game.presentation(trace.states[0], 0, move);
    const labels = optionLabels(order.length);
    const vars = game.promptVars(move, order.map((k, p) => ({ label: labels[p], option: move.options[k] })));
    for (const [name, t] of Object.entries(game.templates)) {
      for (const m of t.text.matchAll(/\{\{\s*([A-Za-z_]+)\s*\}\}/g)) expect(t.vars, `${name} uses {{${m[1]}}}`).toContain(m[1]);
      for (const v of t.vars) expect(Object.keys(vars), `${name} declares ${v}`).toContain(v);
      expect(render(t.text, vars)).not.toMatch(/\{\{|undefined|NaN/);
    }
    expect(render(game.templates.move.text, vars)).toContain(`${labels[0]}: ${move.options[order[0]].text}`);
  });

  it("presentation is a permutation, the same each time it is asked", () => {
    for (const [r, move] of trace.moves.slice(0, 8).entries()) {
      const order = game.presentation(trace.states[0], r, move);
      expect([...order].sort((a, b) => a - b)).toEqual(move.options.map((_, k) => k));
      expect(game.presentation(json(trace.states[0]), r, move)).toEqual(order);
    }
  });
});

it("shuffleOptions changes the order between rounds; without it options keep canonical order", () => {
  const shuffled = publicGoods.create(publicGoods.schema.parse({ type: "public-goods", step: 2, shuffleOptions: true }));
  const state = shuffled.start(createRng(3));
  const move = shuffled.move(state, 0, 0, []);
  const orders = new Set([0, 1, 2, 3].map((r) => shuffled.presentation(state, r, move).join(",")));
  expect(orders.size).toBeGreaterThan(1);
  const plain = publicGoods.create(publicGoods.schema.parse({ type: "public-goods" }));
  const s2 = plain.start(createRng(3));
  expect(plain.presentation(s2, 0, plain.move(s2, 0, 0, []))).toEqual([0, 1, 2, 3, 4]);
});
