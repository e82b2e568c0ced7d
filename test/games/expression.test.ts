import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/random.ts";
import { expression } from "../../src/games/expression.ts";
import { compileFormula, MAX_FORMULA_NODES } from "../../src/games/formula.ts";
import { idealOptions } from "../../src/games/utility.ts";
import { render } from "../../agents/prompts/templates.ts";
import { actions, maximiser, playTrial, problems } from "./helpers.ts";

const spec = (over: Record<string, unknown> = {}) => ({ type: "expression", groupSize: 3, actions: [0, 1, 2], payoff: "10 - action + sum(others)", ...over });
const make = (over: Record<string, unknown> = {}) => expression.create(expression.schema.parse(spec(over)));

describe("expression: the sandbox refuses what a formula must not do, naming game.payoff", () => {
  const refuse = (payoff: string) => problems(expression.schema, spec({ payoff }));
  it("import, evaluate, parse, createUnit and friends are unknown functions", () => {
    for (const fn of ["import", "evaluate", "parse", "createUnit", "simplify", "derivative", "resolve", "compile"]) {
      expect(refuse(`${fn}("1")`)[0]).toMatch(new RegExp(`^game\\.payoff: (only numbers may appear|the function ${fn}\\(…\\) is not allowed)`));
    }
    expect(refuse("import(action)")).toEqual([expect.stringMatching(/^game\.payoff: the function import\(…\) is not allowed \(allowed: abs, cbrt, ceil, /)]);
  });
  it("assignment, function definitions, blocks, indexing and property access", () => {
    expect(refuse("x = 3")).toEqual(["game.payoff: assignment ('=') is not allowed in a formula"]);
    expect(refuse("f(x) = x")).toEqual(["game.payoff: defining functions is not allowed in a formula"]);
    expect(refuse("1; 2")).toEqual(["game.payoff: a formula is one expression (no ';' or line breaks between several)"]);
    expect(refuse("actions[1]")[0]).toMatch(/^game\.payoff: indexing/);
    expect(refuse("others.constructor")[0]).toMatch(/^game\.payoff: indexing/);
    expect(refuse("[1, 2]")[0]).toMatch(/^game\.payoff: list literals/);
    expect(refuse("\"text\"")[0]).toMatch(/^game\.payoff: only numbers may appear as constants/);
  });
  it("an unknown symbol, listing the known ones", () => {
    expect(refuse("action * bonus")).toEqual(["game.payoff: unknown symbol 'bonus' (known: action, actions, others, n, round, pi, e)"]);
    expect(problems(expression.schema, spec({ payoff: "action * bonus", params: { bonus: 2 } }))).toEqual([]);
  });
  it("a syntax error, with its position", () => {
    expect(refuse("action * (2 +")[0]).toMatch(/^game\.payoff: syntax error: .*char/);
  });
  it("a huge or deeply nested formula", () => {
    const long = `sum(${Array.from({ length: MAX_FORMULA_NODES }, () => "n").join(",")})`;
    expect(refuse(long)).toEqual([`game.payoff: the formula is too large: more than ${MAX_FORMULA_NODES} parts`]);
    expect(refuse("x".repeat(3000))[0]).toMatch(/^game\.payoff: the formula has 3000 characters; at most 2000/);
    expect(refuse(`${"(".repeat(150)}action${")".repeat(150)}`)[0]).toMatch(/^game\.payoff: the formula nests more than 100 levels deep/);
    expect(refuse(`${"(".repeat(999)}1${")".repeat(999)}`)[0]).toMatch(/^game\.payoff: the formula nests more than 100 levels deep/);
    expect(refuse(`n${"+n".repeat(300)}`)[0]).toMatch(/^game\.payoff: the formula nests more than 100 levels deep \(a chain/);
    expect(refuse(`${"-".repeat(1500)}1`)[0]).toMatch(/^game\.payoff: the formula nests more than 100 levels deep/);
  });
  it("a list where a number is needed, and a payoff that is not finite", () => {
    expect(refuse("others * 2")[0]).toMatch(/^game\.payoff: the left operand of '\*' is a list of numbers; use sum/);
    expect(refuse("others")[0]).toMatch(/^game\.payoff: the formula gives a list/);
    expect(refuse("10 / sum(others)")).toEqual(["game.payoff: the formula gives Infinity instead of a finite number for member 1 when the actions are [0, 0, 0] in round 1"]);
  });
  it("parameters may not shadow the formula's own names", () => {
    expect(problems(expression.schema, spec({ params: { n: 3 } }))).toEqual(["game.params.n: 'n' is a built-in name of the payoff formula; choose another parameter name"]);
    expect(problems(expression.schema, spec({ params: { "2x": 3 } }))[0]).toMatch(/^game\.params\.2x: parameter names are letters/);
  });
  it("other fields", () => {
    expect(problems(expression.schema, spec({ actions: { from: 0, to: 10, step: 3 } }))).toEqual(["game.actions.step: step 3 does not divide the range 0 to 10"]);
    expect(problems(expression.schema, spec({ groupSize: 40 }))).toEqual(["game.groupSize: at most 16 members in a group for this game"]);
    expect(problems(expression.schema, spec({ noAnswerAction: 7 }))).toEqual(["game.noAnswerAction: noAnswerAction 7 is not one of the actions (0, 1, 2)"]);
  });
  it("the functions and operators it does allow compute as mathjs does", () => {
    const f = compileFormula("max(action, 2) + min(others) * mean(actions) - abs(-1) + (action > 1 ? 100 : 0) + mod(-7, 3) + round(2.345, 2) + count(others) + 2^3", {
      action: "number", actions: "list", others: "list",
    });
    expect(f.ok).toBe(true);
    if (f.ok) expect(f.formula.evaluate({ action: 3, actions: [3, 1, 2], others: [1, 2] })).toBeCloseTo(3 + 1 * 2 - 1 + 100 + 2 + 2.35 + 2 + 8, 9);
  });
});

describe("expression: payoffs and foresight", () => {
  it("every member's payoff from the formula, by hand", () => {
    const game = make();
    const s = game.settle(game.start(createRng(1)), 0, [{ member: 0, option: 2 }, { member: 1, option: 0 }, { member: 2, option: 1 }]);
    // actions [2, 0, 1]: 10 − 2 + 1 = 9, 10 − 0 + 3 = 13, 10 − 1 + 2 = 11
    expect(s.received).toEqual([9, 13, 11]);
    expect(s.facts).toEqual({ round: 1, actions: [2, 0, 1] });
  });
  it("round and params are in scope; no valid answer plays noAnswerAction", () => {
    const game = make({ rounds: 3, payoff: "action * round + bonus", params: { bonus: 0.5 }, noAnswerAction: 1 });
    const s = game.settle(game.start(createRng(1)), 2, [{ member: 0, option: 2 }, { member: 1, option: null }, { member: 2, option: 0 }]);
    expect(s.received).toEqual([6.5, 3.5, 0.5]);
  });
  it("first round: others uniform, expectation exact", () => {
    const game = make();
    const move = game.move(game.start(createRng(1)), 0, 0, []);
    const out = game.outcomes(move, 0);
    // others each 1 on average: own 10 − a + 2; each other 10 − 1 + a + 1
    expect(out).toEqual([[12, 10, 10], [11, 11, 11], [10, 12, 12]]);
    expect(actions(move, idealOptions(game, move, 0))).toEqual([0]);
    expect(actions(move, idealOptions(game, move, 45))).toEqual([2]); // the group gains 1 per unit
    expect(actions(move, idealOptions(game, move, 90))).toEqual([2]);
    expect(actions(move, idealOptions(game, move, -45))).toEqual([0]);
    expect(game.restore("choose", null, 0, move.facts)).toEqual(move);
  });
  it("a stag hunt in YAML: individualists coordinate on what the others did last round", () => {
    const game = make({ groupSize: 2, rounds: 2, actions: [0, 1], payoff: "action == 1 ? (sum(others) == 1 ? 4 : 0) : 3" });
    const first = game.move(game.start(createRng(1)), 0, 0, []);
    // the partner is uniform: stag pays the mover 2 on average, hare 3; the partner gets 1.5 or 3.5
    expect(game.outcomes(first, 0)).toEqual([[3, 1.5], [2, 3.5]]);
    const afterStag = game.restore("choose", null, 0, { round: 2, previous: [1, 1] });
    expect(idealOptions(game, afterStag, 0)).toEqual([1]);
    const trace = playTrial(game, maximiser(game, 0));
    expect(trace.settlements.map((s) => s.received)).toEqual([[3, 3], [3, 3]]);
  });
  it("the prompt states the formula, the actions and the last round", () => {
    const game = make({ rounds: 2, description: "A numbers game.", params: { bonus: 1 }, payoff: "bonus + action" });
    const s = game.settle(game.start(createRng(1)), 0, [0, 1, 2].map((o, member) => ({ member, option: o })));
    const move = game.move(s.state, 1, 1, []);
    const vars = game.promptVars(move, move.options.map((option, k) => ({ label: "ABC"[k], option })));
    const text = `${render(game.templates.rules.text, vars)}\n${render(game.templates.move.text, vars)}`;
    expect(text).toContain("A numbers game.");
    expect(text).toContain("chooses one number from 0, 1, 2");
    expect(text).toContain("formula bonus + action");
    expect(text).toContain("bonus = 1");
    expect(text).toContain("Last round you chose 1; player 1 chose 0, player 3 chose 2. Your payoff was 2.");
    expect(text).toContain("B: choose 1");
  });
});
