/**
 * `public-goods`: the linear public goods game. Every round each of the N members receives an
 * endowment E and, at the same time as the others, puts c_i ∈ {0, step, …, E} into a common pot;
 * the pot is multiplied by m and shared equally, so member i receives E − c_i + m·Σc/N.
 *
 * Rules this module states:
 * - a member without a valid answer contributes nothing and keeps its endowment (it still
 *   receives its share of the pot); with `pairing: none` the imaginary passive others do the same;
 * - the mover's foresight (`outcomes`) takes each other member to repeat its contribution of the
 *   previous round, and one whose choice is unknown to contribute the mean of the options (the
 *   expectation of a uniform choice, exact because payoffs are linear). With m/N < 1 < m the best
 *   contribution does not depend on the belief: 0 for individualists and competitors, E for
 *   prosocial and altruistic agents (METHOD §8).
 *
 * @example
 * const game = publicGoods.create(publicGoods.schema.parse({ type: "public-goods", groupSize: 4 }));
 * game.settle(game.start(rng), 0, [0, 1, 2, 3].map((member) => ({ member, option: 4 }))).received;
 * // [32, 32, 32, 32]: everyone puts in all 20, the pot of 80 becomes 128
 */
import { z } from "zod";
import type { Game, GameModule, GameState, Move, MoveOption, Played } from "./contract.ts";
import { EXACT_TIES, previousFact, readNumber, readPrevious } from "./belief.ts";
import { Amount, GroupSize, Rounds, amounts, checkGrid, clean, num } from "./grid.ts";
import { optionVars, presentationOrder, shuffleSeed, checkCounterbalance, COUNTERBALANCE } from "./presentation.ts";
import { allAtOnce, checkRestorable, jointChoices, lastRound } from "./simultaneous.ts";

/** Members a public-goods group may have (a move's foresight is O(N) per option). */
export const PUBLIC_GOODS_MAX_GROUP = 100;

export const PublicGoodsSpec = z
  .object({
    type: z.literal("public-goods"),
    groupSize: GroupSize(4, 2, PUBLIC_GOODS_MAX_GROUP),
    endowment: Amount(20),
    multiplier: Amount(1.6),
    step: Amount(5),
    rounds: Rounds(10),
    shuffleOptions: z.boolean().default(false),
    counterbalance: COUNTERBALANCE,
  })
  .strict()
  .superRefine(checkCounterbalance)
  .superRefine((spec, ctx) => checkGrid(ctx, "step", spec.step, spec.endowment, "endowment"));
export type PublicGoodsSpec = z.infer<typeof PublicGoodsSpec>;

const TEMPLATES = {
  rules: {
    vars: ["groupSize", "others", "endowment", "multiplier", "share", "rounds"],
    text:
      "You are one of {{groupSize}} members of a group; the other {{others}} are people like you. The game has {{rounds}} rounds. " +
      "At the start of every round each member receives {{endowment}} coins and decides, at the same time as the others and without seeing their choices, " +
      "how many of them to put into a common pot. Coins you do not put in are yours to keep. The pot is multiplied by {{multiplier}} and shared equally " +
      "among all {{groupSize}} members, whatever each of them put in: every coin anyone puts in gives {{share}} coins to each member.",
  },
  move: {
    vars: ["member", "round", "rounds", "endowment", "previous", "options", "labels", "first"],
    text: "Round {{round}} of {{rounds}}. You are member {{member}}, and you have {{endowment}} coins. {{previous}}\n\nHow many coins do you put into the pot?\n{{options}}",
  },
} as const;

export function createPublicGoods(spec: PublicGoodsSpec): Game {
  const n = spec.groupSize;
  const E = spec.endowment;
  const m = spec.multiplier;
  const contributions = amounts(E, spec.step);
  const mean = contributions.reduce((a, b) => a + b, 0) / contributions.length;
  const options: MoveOption[] = contributions.map((c) => ({
    action: c,
    self: null,
    other: null,
    text: `put ${num(c)} coins into the pot (keep ${num(E - c)})`,
  }));
  const where = "public-goods";

  const moveOf = (member: number, round: number, previous: readonly (number | null)[] | null): Move => ({
    itemId: "contribute",
    member,
    role: null,
    options,
    facts: { round: round + 1, previous: previousFact(previous) },
  });

  const payoffs = (c: readonly number[]): number[] => {
    const pot = c.reduce((a, b) => a + b, 0);
    return c.map((ci) => clean(E - ci + (m * pot) / n));
  };

  return {
    type: "public-goods",
    groupSize: n,
    alone: true,
    turns: "simultaneous",
    roles: null,
    rounds: spec.rounds,
    items: [],
    scoring: "choices",
    tieTolerance: EXACT_TIES,
    templates: TEMPLATES,

    start: (rng) => ({ previous: null, shuffle: shuffleSeed(spec.shuffleOptions, rng) }),
    stages: () => allAtOnce(n),
    move: (state, round, member) => moveOf(member, round, state.previous as readonly (number | null)[] | null),
    presentation: presentationOrder,

    settle(state: GameState, _round: number, played: readonly Played[]) {
      const chosen = jointChoices(n, played);
      const c = chosen.map((o) => (o === null ? 0 : contributions[o]));
      const pot = clean(c.reduce((a, b) => a + b, 0));
      return {
        received: payoffs(c),
        state: { ...state, previous: chosen },
        facts: { contributions: c, pot, returned: clean(m * pot) },
        end: null,
      };
    },

    outcomes(move) {
      // Linear payoffs: with B the others' believed total, option c pays the mover E − c + m(c + B)/N
      // and each other j E − b_j + m(c + B)/N (b_j its believed contribution).
      const previous = readPrevious(move.facts.previous, n, options.length, where);
      const i = move.member;
      const believed = new Array<number>(n);
      let others = 0;
      for (let j = 0; j < n; j++) {
        const o = previous === null ? null : previous[j];
        believed[j] = o === null || o === undefined ? mean : contributions[o];
        if (j !== i) others += believed[j];
      }
      const out = new Array<number[]>(contributions.length);
      for (let k = 0; k < contributions.length; k++) {
        const c = contributions[k];
        const share = (m * (c + others)) / n;
        const row = new Array<number>(n);
        for (let j = 0; j < n; j++) row[j] = j === i ? E - c + share : E - believed[j] + share;
        out[k] = row;
      }
      return out;
    },

    restore(itemId, role, member, facts) {
      checkRestorable(where, itemId, "contribute", role, member, n);
      const round = readNumber(facts, "round", where) - 1;
      return moveOf(member, round, readPrevious(facts.previous, n, options.length, where));
    },

    promptVars(move, presented) {
      const previous = readPrevious(move.facts.previous, n, options.length, where);
      let said = lastRound(previous, move.member, "member", (o) => `put in ${num(contributions[o])}`);
      if (previous) {
        const total = previous.reduce<number>((a, o) => a + (o === null ? 0 : contributions[o]), 0);
        said += ` The pot held ${num(total)} coins and each member received ${num((m * total) / n)} from it.`;
      }
      return {
        member: move.member + 1,
        groupSize: n,
        others: n - 1,
        endowment: num(E),
        multiplier: num(m),
        share: num(m / n),
        round: Number(move.facts.round),
        rounds: spec.rounds,
        previous: said,
        ...optionVars(presented),
      };
    },
  };
}

export const publicGoods: GameModule<PublicGoodsSpec> = {
  type: "public-goods",
  summary: "Linear public goods game: N members put 0…E (by step) into a pot multiplied by m and shared equally; payoff E − c + m·Σc/N",
  schema: PublicGoodsSpec,
  create: createPublicGoods,
};
