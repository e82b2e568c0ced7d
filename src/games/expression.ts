/**
 * `expression`: an N-player simultaneous game authored in the scenario file. Each round every
 * member picks one of the numeric `actions`; member i receives `payoff`, a formula of `action`
 * (its own), `actions` (everyone's, member order), `others` (everyone's but its own), `n` (the
 * group size), `round` (1-based) and the game's own `params`. The formula is compiled once by the
 * sandbox of src/games/formula.ts; a syntax error, an unknown symbol or a refused construct is a
 * validation problem at `game.payoff`, and so is a payoff that is not a finite number on any of up
 * to EXPRESSION_CHECKED_PROFILES action profiles tried at validation (all of them when there are
 * that few, else a seeded sample).
 *
 * Rules this module states:
 * - a member without a valid answer counts as playing `noAnswerAction` (default: the first action)
 *   and receives its payoff like everyone else;
 * - foresight (`outcomes`): expected payoffs with each other member repeating its previous action
 *   and, where that is unknown (the first round, no valid answer), uniform over the actions; the
 *   expectation is exact when the unknown members' profiles number at most the belief budget
 *   (EXPRESSION_BELIEF_EVALUATIONS formula evaluations per move), else it is the mean over a
 *   fixed seeded sample of profiles (the same sample for every option, agent and analysis, so the
 *   belief is stated and reproducible).
 *
 * @example
 * // a two-person stag hunt
 * game: { type: expression, groupSize: 2, actions: [0, 1], payoff: "action == 1 ? (sum(others) == 1 ? 4 : 0) : 3" }
 */
import { z } from "zod";
import { hashSeed, createRng } from "../core/random.ts";
import type { Game, GameModule, GameState, Move, MoveOption, Played } from "./contract.ts";
import { EXACT_TIES, previousFact, readNumber, readPrevious } from "./belief.ts";
import { compileFormula, FORMULA_FUNCTIONS, type Formula, type SymbolKind } from "./formula.ts";
import { GroupSize, MAX_OPTIONS, Rounds, clean, divides, num, spaced } from "./grid.ts";
import { optionVars, presentationOrder, shuffleSeed, checkCounterbalance, COUNTERBALANCE } from "./presentation.ts";
import { allAtOnce, checkRestorable, jointChoices, lastRound, memoised } from "./simultaneous.ts";

export const EXPRESSION_MAX_GROUP = 16;
/** Action profiles tried at validation for a finite payoff. */
export const EXPRESSION_CHECKED_PROFILES = 20_000;
/** Formula evaluations one move's foresight may take before it samples profiles instead of enumerating them. */
export const EXPRESSION_BELIEF_EVALUATIONS = 400_000;

const RESERVED = new Set(["action", "actions", "others", "n", "round", "pi", "e", "true", "false", ...FORMULA_FUNCTIONS]);

const ActionRange = z
  .object({ from: z.number(), to: z.number(), step: z.number().positive("expected a positive step") })
  .strict();

const ExpressionBase = z
  .object({
    type: z.literal("expression"),
    groupSize: GroupSize(2, 2, EXPRESSION_MAX_GROUP),
    rounds: Rounds(1),
    /** The actions a member may choose: listed numbers, or {from, to, step}. */
    actions: z.union([z.array(z.number()).min(2, "expected at least 2 actions"), ActionRange], {
      error: "expected a list of numbers or { from, to, step }",
    }),
    /** Member i's payoff (mathjs syntax): action, actions, others, n, round and the params. */
    payoff: z.string({ error: "expected a formula, e.g. \"action * (10 - sum(others))\"" }),
    params: z.record(z.string(), z.number({ error: "expected a number" })).default({}),
    /** The game in words for LLM prompts (what the actions mean). */
    description: z.string().default(""),
    /** The action counted for a member without a valid answer (default: the first action). */
    noAnswerAction: z.number().nullable().default(null),
    shuffleOptions: z.boolean().default(false),
    counterbalance: COUNTERBALANCE,
  })
  .strict();

/** The actions of a spec, in canonical order. */
export function expressionActions(actions: z.infer<typeof ExpressionBase>["actions"]): number[] {
  return Array.isArray(actions) ? actions.slice() : spaced(actions.from, actions.to, actions.step);
}

function symbolsOf(params: Readonly<Record<string, number>>): Record<string, SymbolKind> {
  const out: Record<string, SymbolKind> = { action: "number", actions: "list", others: "list", n: "number", round: "number" };
  for (const name of Object.keys(params)) out[name] = "number";
  return out;
}

/** The scope of member i's payoff for an action profile. */
function scopeOf(profile: readonly number[], i: number, round: number, params: Readonly<Record<string, number>>) {
  const others = profile.filter((_, j) => j !== i);
  return { ...params, action: profile[i], actions: profile, others, n: profile.length, round };
}

/** Action profiles to check or to average over: all when there are at most `limit`, else a seeded sample. */
function profiles(values: readonly number[], count: number, limit: number, seed: number): { list: number[][]; exact: boolean } {
  const K = values.length;
  const total = K ** count;
  const list: number[][] = [];
  if (total <= limit) {
    for (let code = 0; code < total; code++) {
      const p: number[] = new Array(count);
      let c = code;
      for (let j = 0; j < count; j++) {
        p[j] = values[c % K];
        c = Math.floor(c / K);
      }
      list.push(p);
    }
    return { list, exact: true };
  }
  const rng = createRng(seed);
  for (let s = 0; s < limit; s++) list.push(Array.from({ length: count }, () => values[rng.int(K)]));
  return { list, exact: false };
}

export const ExpressionSpec = ExpressionBase.superRefine(checkCounterbalance).superRefine((spec, ctx) => {
  // Fields with their own problems are reported by them; the checks below need sound values.
  if (!(Number.isInteger(spec.groupSize) && spec.groupSize >= 2 && spec.groupSize <= EXPRESSION_MAX_GROUP)) return;
  if (!(Number.isInteger(spec.rounds) && spec.rounds >= 1)) return;
  let values: number[];
  if (Array.isArray(spec.actions)) {
    values = spec.actions;
    if (new Set(values).size !== values.length) ctx.addIssue({ code: "custom", path: ["actions"], message: "actions must not repeat" });
  } else {
    const a = spec.actions;
    if (!(a.step > 0 && Number.isFinite(a.step) && Number.isFinite(a.from) && Number.isFinite(a.to))) return;
    if (a.to <= a.from) return ctx.addIssue({ code: "custom", path: ["actions", "to"], message: `to ${a.to} must exceed from ${a.from}` });
    if (!divides(a.step, a.to - a.from)) return ctx.addIssue({ code: "custom", path: ["actions", "step"], message: `step ${a.step} does not divide the range ${a.from} to ${a.to}` });
    const count = Math.round((a.to - a.from) / a.step) + 1;
    if (count > MAX_OPTIONS) return ctx.addIssue({ code: "custom", path: ["actions", "step"], message: `step ${a.step} gives ${count} actions; at most ${MAX_OPTIONS}` });
    values = spaced(a.from, a.to, a.step);
  }
  if (values.length > MAX_OPTIONS) return ctx.addIssue({ code: "custom", path: ["actions"], message: `${values.length} actions; at most ${MAX_OPTIONS}` });
  if (spec.noAnswerAction !== null && !values.includes(spec.noAnswerAction)) {
    ctx.addIssue({ code: "custom", path: ["noAnswerAction"], message: `noAnswerAction ${spec.noAnswerAction} is not one of the actions (${values.map(num).join(", ")})` });
  }
  let paramsOk = true;
  for (const name of Object.keys(spec.params)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      ctx.addIssue({ code: "custom", path: ["params", name], message: `parameter names are letters, digits and '_' (not starting with a digit); got '${name}'` });
      paramsOk = false;
    } else if (RESERVED.has(name)) {
      ctx.addIssue({ code: "custom", path: ["params", name], message: `'${name}' is a built-in name of the payoff formula; choose another parameter name` });
      paramsOk = false;
    }
  }
  if (!paramsOk) return;
  const compiled = compileFormula(spec.payoff, symbolsOf(spec.params));
  if (!compiled.ok) return ctx.addIssue({ code: "custom", path: ["payoff"], message: compiled.message });
  const n = spec.groupSize;
  const { list } = profiles(values, n, Math.floor(EXPRESSION_CHECKED_PROFILES / n), hashSeed(0, "expression-check"));
  for (let k = 0; k < list.length; k++) {
    const round = 1 + (k % spec.rounds);
    for (let i = 0; i < n; i++) {
      const scope = scopeOf(list[k], i, round, spec.params);
      try {
        compiled.formula.evaluate(scope);
      } catch (err) {
        return ctx.addIssue({
          code: "custom",
          path: ["payoff"],
          message: `${(err as Error).message} for member ${i + 1} when the actions are [${list[k].map(num).join(", ")}] in round ${round}`,
        });
      }
    }
  }
});
export type ExpressionSpec = z.infer<typeof ExpressionSpec>;

const TEMPLATES = {
  rules: {
    vars: ["description", "groupSize", "others", "rounds", "actionList", "payoff", "paramList"],
    text:
      "{{description}}\n\nYou are one of {{groupSize}} players; the other {{others}} are people like you. The game has {{rounds}} round(s). " +
      "In every round each player chooses one number from {{actionList}}, at the same time as the others and without seeing their choices. " +
      "A player's payoff in a round is computed by the formula {{payoff}}, where action is that player's own choice, actions is the list of all players' choices, " +
      "others is the list of the other players' choices, n is the number of players ({{groupSize}}) and round is the round number.{{paramList}}",
  },
  move: {
    vars: ["member", "round", "rounds", "previous", "options", "labels", "first"],
    text: "Round {{round}} of {{rounds}}. You are player {{member}}. {{previous}}\n\nWhich number do you choose?\n{{options}}",
  },
} as const;

export function createExpression(spec: ExpressionSpec): Game {
  const n = spec.groupSize;
  const values = expressionActions(spec.actions);
  const K = values.length;
  const compiled = compileFormula(spec.payoff, symbolsOf(spec.params));
  if (!compiled.ok) throw new Error(`game.payoff: ${compiled.message}`);
  const formula: Formula = compiled.formula;
  const fallback = spec.noAnswerAction ?? values[0];
  const where = "expression";
  const options: MoveOption[] = values.map((a) => ({ action: a, self: null, other: null, text: `choose ${num(a)}` }));

  const pay = (profile: readonly number[], i: number, round: number): number => {
    try {
      return clean(formula.evaluate(scopeOf(profile, i, round, spec.params)));
    } catch (err) {
      throw new Error(`game.payoff: ${(err as Error).message} for member ${i + 1} when the actions are [${profile.map(num).join(", ")}] in round ${round}`);
    }
  };
  const payAll = (profile: readonly number[], round: number) => profile.map((_, i) => pay(profile, i, round));

  const moveOf = (member: number, round: number, previous: readonly (number | null)[] | null): Move => ({
    itemId: "choose",
    member,
    role: null,
    options,
    facts: { round: round + 1, previous: previousFact(previous) },
  });

  const foresee = (move: Move): number[][] => {
    const round = readNumber(move.facts, "round", where);
    const previous = readPrevious(move.facts.previous, n, K, where);
    const i = move.member;
    const base: number[] = new Array(n).fill(0);
    const unknown: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const o = previous?.[j];
      if (o === null || o === undefined) unknown.push(j);
      else base[j] = values[o];
    }
    const budget = Math.max(1, Math.floor(EXPRESSION_BELIEF_EVALUATIONS / (K * n)));
    const { list } = profiles(values, unknown.length, budget, hashSeed(0, "expression-belief", round, i));
    return values.map((a) => {
      const mean = new Array<number>(n).fill(0);
      const profile = base.slice();
      profile[i] = a;
      for (const draw of list) {
        unknown.forEach((j, u) => (profile[j] = draw[u]));
        const p = payAll(profile, round);
        for (let j = 0; j < n; j++) mean[j] += p[j];
      }
      return mean.map((x) => clean(x / list.length));
    });
  };

  return {
    type: "expression",
    groupSize: n,
    alone: false,
    turns: "simultaneous",
    roles: null,
    rounds: spec.rounds,
    items: [],
    scoring: "choices",
    tieTolerance: EXACT_TIES,
    templates: TEMPLATES,

    start: (rng) => ({ previous: null, shuffle: shuffleSeed(spec.shuffleOptions, rng) }),
    stages: () => allAtOnce(n),
    move: (state, round, member) => moveOf(member, round, state.previous as (number | null)[] | null),
    presentation: presentationOrder,

    settle(state: GameState, round: number, played: readonly Played[]) {
      const chosen = jointChoices(n, played);
      const profile = chosen.map((o) => (o === null ? fallback : values[o]));
      return { received: payAll(profile, round + 1), state: { ...state, previous: chosen }, facts: { round: round + 1, actions: profile }, end: null };
    },

    outcomes: memoised((move) => `${move.member}|${move.facts.round}|${JSON.stringify(move.facts.previous)}`, foresee),

    restore(itemId, role, member, facts) {
      checkRestorable(where, itemId, "choose", role, member, n);
      return moveOf(member, readNumber(facts, "round", where) - 1, readPrevious(facts.previous, n, K, where));
    },

    promptVars(move, presented) {
      const previous = readPrevious(move.facts.previous, n, K, where);
      let said = lastRound(previous, move.member, "player", (o) => `chose ${num(values[o])}`);
      if (previous) {
        const profile = previous.map((o) => (o === null ? fallback : values[o]));
        said += ` Your payoff was ${num(pay(profile, move.member, Number(move.facts.round) - 1))}.`;
      }
      const params = Object.entries(spec.params);
      return {
        description: spec.description,
        member: move.member + 1,
        groupSize: n,
        others: n - 1,
        rounds: spec.rounds,
        round: Number(move.facts.round),
        actionList: values.map(num).join(", "),
        payoff: spec.payoff,
        paramList: params.length === 0 ? "" : ` The formula also uses ${params.map(([k, v]) => `${k} = ${num(v)}`).join(", ")}.`,
        previous: said,
        ...optionVars(presented),
      };
    },
  };
}

export const expression: GameModule<ExpressionSpec> = {
  type: "expression",
  summary: "An N-player game written in the scenario: numeric actions and a payoff formula (mathjs syntax, sandboxed) of action, actions, others, n, round and params",
  schema: ExpressionSpec,
  create: createExpression,
};
