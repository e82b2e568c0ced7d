/**
 * `commons`: a shared renewable stock in the spirit of GovSim (Piatti et al. 2024). Every round
 * each of the N members asks, at the same time as the others, for one of the harvest options.
 *
 * Rules this module states:
 * - harvest: with total request H and stock S, each member receives its request h_i when H ≤ S;
 *   when H > S the whole stock is shared in proportion to the requests, h_i · S / H;
 * - collapse: when what is left after the harvest is at or below `collapseAt`, the stock has
 *   collapsed and the trial ends (Settlement.end says so); nothing regrows;
 * - regrowth of what is left, R: `proportional` R + r·R, `logistic` R + r·R·(1 − R/C), capped at
 *   the capacity C either way (the default, proportional with r = 1 and C = 100, is GovSim's
 *   "the fish double, up to 100 tons");
 * - a member without a valid answer harvests nothing;
 * - settlement facts record the round, the stock before, the total taken, what was left, the
 *   stock after regrowth and whether it collapsed: survival (rounds played, `roundsPlayed` of the
 *   last settlement, with `collapsed`) and final stock (`stockAfter` of the last settlement) are
 *   read from the log;
 * - foresight (`outcomes`): the payoffs of an option are what each member would receive over the
 *   rest of the trial if the mover kept asking for it every round and each other member kept
 *   asking for what it asked for in the previous round (stated belief, METHOD §8); a member whose
 *   previous request is unknown (the first round, no valid answer) is uniform over the options,
 *   and the expectation is exact (the distribution of the sum of requests is enumerated). So an
 *   individualist weighs a larger catch now against an earlier collapse, a prosocial agent
 *   maximises the group's total catch, and in the last round everyone but an altruist takes the most.
 *
 * @example
 * const game = commons.create(commons.schema.parse({ type: "commons" }));
 * const s = game.settle(game.start(rng), 0, [0, 1, 2, 3, 4].map((member) => ({ member, option: 5 })));
 * s.facts; // { round: 1, stockBefore: 100, taken: 50, stockLeft: 50, stockAfter: 100, collapsed: false, … }
 */
import { z } from "zod";
import type { Fact, Game, GameModule, GameState, Move, MoveOption, Played } from "./contract.ts";
import { EXACT_TIES, MAX_SUPPORT, previousFact, readNumber, readPrevious, uniformSums } from "./belief.ts";
import { Amount, GroupSize, MAX_OPTIONS, Rounds, clean, divides, num, spaced } from "./grid.ts";
import { optionVars, presentationOrder, shuffleSeed, checkCounterbalance, COUNTERBALANCE } from "./presentation.ts";
import { allAtOnce, checkRestorable, jointChoices, lastRound, memoised } from "./simultaneous.ts";

/** Members a commons group may have. */
export const COMMONS_MAX_GROUP = 20;
/** Work a first-round foresight may take (options² × distinct totals of the others' requests). */
export const COMMONS_MAX_BELIEF_WORK = 2_000_000;

const HarvestRange = z
  .object({
    from: z.number().nonnegative("expected a harvest of 0 or more").default(0),
    to: z.number().positive("expected a positive largest harvest"),
    step: z.number().positive("expected a positive step"),
  })
  .strict();

export const CommonsSpec = z
  .object({
    type: z.literal("commons"),
    groupSize: GroupSize(5, 2, COMMONS_MAX_GROUP),
    /** The stock at the start of a trial. */
    stock: Amount(100),
    /** The most the stock can hold after regrowth. */
    capacity: Amount(100),
    growth: z.enum(["proportional", "logistic"], { error: "expected proportional or logistic" }).default("proportional"),
    /** Regrowth rate r per round (1: what is left doubles under proportional growth). */
    regrowth: z.number().nonnegative("expected a regrowth rate of 0 or more").max(100, "at most 100 (a rate, e.g. 1 doubles the stock)").default(1),
    /** The stock has collapsed when what is left after a harvest is at or below this. */
    collapseAt: z.number().nonnegative("expected 0 or more").default(0),
    /** The options of a round's request: listed amounts, or {from, to, step}. */
    harvests: z
      .union([z.array(z.number().nonnegative("expected harvests of 0 or more")).min(2, "expected at least 2 harvest options"), HarvestRange], {
        error: "expected a list of harvest amounts or { from, to, step }",
      })
      .default({ from: 0, to: 20, step: 2 }),
    rounds: Rounds(12),
    shuffleOptions: z.boolean().default(false),
    counterbalance: COUNTERBALANCE,
  })
  .strict()
  .superRefine(checkCounterbalance)
  .superRefine((spec, ctx) => {
    // Fields with their own problems are reported by them; the checks below need sound values.
    if (!(Number.isInteger(spec.groupSize) && spec.groupSize >= 2 && spec.groupSize <= COMMONS_MAX_GROUP)) return;
    if (spec.stock > spec.capacity) ctx.addIssue({ code: "custom", path: ["stock"], message: `stock ${spec.stock} exceeds capacity ${spec.capacity}` });
    if (spec.collapseAt >= spec.stock) ctx.addIssue({ code: "custom", path: ["collapseAt"], message: `collapseAt ${spec.collapseAt} must be below the starting stock ${spec.stock}` });
    const h = spec.harvests;
    let values: number[];
    if (Array.isArray(h)) {
      values = h;
      for (let i = 1; i < h.length; i++) {
        if (!(h[i] > h[i - 1])) {
          ctx.addIssue({ code: "custom", path: ["harvests", i], message: `harvest options must be listed in increasing order without repeats (${h[i - 1]} then ${h[i]})` });
          return;
        }
      }
    } else {
      if (!(h.step > 0 && Number.isFinite(h.step) && Number.isFinite(h.to) && h.from >= 0)) return;
      if (h.to <= h.from) {
        ctx.addIssue({ code: "custom", path: ["harvests", "to"], message: `to ${h.to} must exceed from ${h.from}` });
        return;
      }
      if (!divides(h.step, h.to - h.from)) {
        ctx.addIssue({ code: "custom", path: ["harvests", "step"], message: `step ${h.step} does not divide the range ${h.from} to ${h.to}` });
        return;
      }
      const count = Math.round((h.to - h.from) / h.step) + 1;
      if (count > MAX_OPTIONS) {
        ctx.addIssue({ code: "custom", path: ["harvests", "step"], message: `step ${h.step} gives ${count} harvest options; at most ${MAX_OPTIONS}` });
        return;
      }
      values = spaced(h.from, h.to, h.step);
    }
    if (values.length > MAX_OPTIONS) {
      ctx.addIssue({ code: "custom", path: ["harvests"], message: `${values.length} harvest options; at most ${MAX_OPTIONS}` });
      return;
    }
    {
      let support = 0;
      try {
        support = uniformSums(values, Math.max(0, spec.groupSize - 2)).size;
      } catch {
        support = MAX_SUPPORT + 1;
      }
      const work = values.length * values.length * support;
      if (support > MAX_SUPPORT || work > COMMONS_MAX_BELIEF_WORK) {
        ctx.addIssue({
          code: "custom",
          path: ["harvests"],
          message: `${values.length} harvest options in a group of ${spec.groupSize} make the first-round belief too costly to compute exactly (limit ${COMMONS_MAX_BELIEF_WORK.toLocaleString("en")} steps); use fewer or evenly spaced options, or a smaller group`,
        });
      }
    }
  });
export type CommonsSpec = z.infer<typeof CommonsSpec>;

/** The harvest options of a spec, ascending. */
export function harvestOptions(spec: Pick<CommonsSpec, "harvests">): number[] {
  const h = spec.harvests;
  return Array.isArray(h) ? h.slice() : spaced(h.from, h.to, h.step);
}

const TEMPLATES = {
  rules: {
    vars: ["groupSize", "others", "capacity", "growthRule", "collapseRule", "rounds", "unit"],
    text:
      "You and {{others}} other people fish in the same lake; each of you lives from what you catch. The game has at most {{rounds}} rounds. " +
      "In every round each of you says, at the same time and without seeing the others' choices, how many {{unit}} of fish to catch. " +
      "If the group asks for no more than the lake holds, everyone gets what they asked for; if it asks for more, the whole lake is shared in proportion to what each asked for. " +
      "{{growthRule}} The lake never holds more than {{capacity}} {{unit}}. {{collapseRule}}",
  },
  move: {
    vars: ["member", "round", "rounds", "stock", "unit", "previous", "options", "labels", "first"],
    text: "Round {{round}} of {{rounds}}. You are member {{member}}. The lake now holds {{stock}} {{unit}} of fish. {{previous}}\n\nHow many {{unit}} do you catch this round?\n{{options}}",
  },
} as const;

export function createCommons(spec: CommonsSpec): Game {
  const n = spec.groupSize;
  const C = spec.capacity;
  const r = spec.regrowth;
  const values = harvestOptions(spec);
  const K = values.length;
  const options: MoveOption[] = values.map((h) => ({ action: h, self: null, other: null, text: `catch ${num(h)} tons` }));
  const where = "commons";

  const regrow = (left: number): number =>
    clean(Math.min(C, spec.growth === "proportional" ? left + r * left : left + r * left * (1 - left / C)));

  /** One round from stock S with requests summing to H: what is taken, left, and the stock after. */
  const step = (S: number, H: number) => {
    const taken = clean(Math.min(H, S));
    const left = clean(S - taken);
    const collapsed = left <= spec.collapseAt;
    return { taken, left, collapsed, after: collapsed ? left : regrow(left) };
  };

  /** Σ over the rest of the trial of the share of a request that is received (h_j · F = h_j's total). */
  const factor = (S0: number, H: number, roundsLeft: number): number => {
    let S = S0;
    let f = 0;
    for (let t = 0; t < roundsLeft; t++) {
      f += H > S ? S / H : 1;
      const s = step(S, H);
      if (s.collapsed) break;
      S = s.after;
    }
    return f;
  };

  const moveOf = (member: number, round: number, stock: number, previous: readonly (number | null)[] | null): Move => ({
    itemId: "harvest",
    member,
    role: null,
    options,
    facts: { round: round + 1, stock, previous: previousFact(previous) },
  });

  // The first round's foresight is the same for every group of every trial: keep a few results.
  const sums = new Map<number, Map<number, number>>();
  const sumsOf = (count: number) => {
    let d = sums.get(count);
    if (!d) sums.set(count, (d = uniformSums(values, count)));
    return d;
  };

  const foresee = (move: Move): number[][] => {
    const round = readNumber(move.facts, "round", where) - 1;
    const S0 = readNumber(move.facts, "stock", where);
    const previous = readPrevious(move.facts.previous, n, K, where);
    const roundsLeft = spec.rounds - round;
    const i = move.member;
    let fixed = 0;
    const unknown: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const o = previous?.[j];
      if (o === null || o === undefined) unknown.push(j);
      else fixed += values[o];
    }
    const F = new Map<number, number>();
    const f = (H: number) => {
      const key = clean(H);
      let v = F.get(key);
      if (v === undefined) F.set(key, (v = factor(S0, key, roundsLeft)));
      return v;
    };
    const all = sumsOf(unknown.length);
    const rest = unknown.length > 0 ? sumsOf(unknown.length - 1) : null;
    return values.map((h) => {
      const out = new Array<number>(n).fill(0);
      let expF = 0;
      for (const [T, p] of all) expF += p * f(h + fixed + T);
      out[i] = clean(h * expF);
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const o = previous?.[j];
        if (o !== null && o !== undefined) out[j] = clean(values[o] * expF);
      }
      if (rest) {
        // Every unknown member is uniform over the options, so their expectations are equal.
        let e = 0;
        for (const hj of values) for (const [T, p] of rest) e += (p / K) * hj * f(h + fixed + hj + T);
        for (const j of unknown) out[j] = clean(e);
      }
      return out;
    });
  };

  return {
    type: "commons",
    groupSize: n,
    alone: false,
    turns: "simultaneous",
    roles: null,
    rounds: spec.rounds,
    items: [],
    scoring: "choices",
    tieTolerance: EXACT_TIES,
    templates: TEMPLATES,

    start: (rng) => ({ stock: spec.stock, previous: null, shuffle: shuffleSeed(spec.shuffleOptions, rng) }),
    stages: () => allAtOnce(n),
    move: (state, round, member) => moveOf(member, round, state.stock as number, state.previous as (number | null)[] | null),
    presentation: presentationOrder,

    settle(state: GameState, round: number, played: readonly Played[]) {
      const chosen = jointChoices(n, played);
      const asked = chosen.map((o) => (o === null ? 0 : values[o]));
      const S = state.stock as number;
      const H = clean(asked.reduce((a, b) => a + b, 0));
      const s = step(S, H);
      const received = asked.map((h) => clean(H > S ? (h * S) / H : h));
      const facts: Record<string, Fact> = {
        round: round + 1,
        roundsPlayed: round + 1,
        stockBefore: S,
        asked: H,
        taken: s.taken,
        stockLeft: s.left,
        stockAfter: s.after,
        collapsed: s.collapsed,
      };
      return {
        received,
        state: { ...state, stock: s.after, previous: chosen },
        facts,
        end: s.collapsed
          ? `the stock collapsed in round ${round + 1}: ${num(s.left)} left after taking ${num(s.taken)}, at or below the collapse level ${num(spec.collapseAt)}`
          : null,
      };
    },

    outcomes: memoised((move) => `${move.member}|${move.facts.round}|${move.facts.stock}|${JSON.stringify(move.facts.previous)}`, foresee),

    restore(itemId, role, member, facts) {
      checkRestorable(where, itemId, "harvest", role, member, n);
      return moveOf(member, readNumber(facts, "round", where) - 1, readNumber(facts, "stock", where), readPrevious(facts.previous, n, K, where));
    },

    promptVars(move, presented) {
      const previous = readPrevious(move.facts.previous, n, K, where);
      const said = lastRound(previous, move.member, "member", (o) => `asked for ${num(values[o])}`);
      return {
        member: move.member + 1,
        groupSize: n,
        others: n - 1,
        capacity: num(C),
        unit: "tons",
        growthRule:
          spec.growth === "proportional"
            ? `After each round's catch, the fish left in the lake multiply: every ton left becomes ${num(1 + r)} tons.`
            : `After each round's catch, the fish left in the lake grow back, fastest when the lake is half full: what is left grows by ${num(r)} × left × (1 − left / ${num(C)}).`,
        collapseRule:
          spec.collapseAt > 0
            ? `If ${num(spec.collapseAt)} tons or less are left after a round's catch, the fish die out and the game ends for everyone.`
            : "If the lake is emptied, the fish die out and the game ends for everyone.",
        round: Number(move.facts.round),
        rounds: spec.rounds,
        stock: num(Number(move.facts.stock)),
        previous: said,
        ...optionVars(presented),
      };
    },
  };
}

export const commons: GameModule<CommonsSpec> = {
  type: "commons",
  summary: "Shared renewable stock (GovSim-like): N members ask for harvests each round; the stock falls by the catch (shared proportionally when over-asked), regrows up to capacity, and a collapse ends the trial",
  schema: CommonsSpec,
  create: createCommons,
};
