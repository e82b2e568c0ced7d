/**
 * An example of a user's game module: an N-player stag hunt. Name it in a scenario as
 * `game: { type: ./stag-hunt.ts, groupSize: 4, … }` (the path is relative to the scenario file);
 * hvae imports the module, validates the rest of `game:` with its `schema`, and plays it like a
 * built-in: rule-based agents, LLM agents (through `templates` and `promptVars`), the event log and
 * the analysis all go through the contract in src/games/contract.ts.
 *
 * The game: every round each hunter chooses, at the same time as the others, to hunt the stag or
 * a hare. A hare pays `hare` for sure. The stag pays `stag` to every stag hunter, but only if at
 * least `needed` members hunt it; otherwise stag hunters get nothing.
 *
 * Stated belief for `outcomes` (as the built-in simultaneous games): each other member repeats its
 * choice of the previous round; one whose choice is unknown (the first round, no valid answer)
 * hunts the stag with probability ½. A member without a valid answer hunts a hare.
 *
 * @example
 * // scenarios/examples/stag-hunt.yaml
 * game: { type: ./stag-hunt.ts, groupSize: 4, needed: 3, stag: 5, hare: 3, rounds: 5 }
 */
import { z } from "zod";
import type { Game, GameModule, Move, MoveOption, Played } from "../../src/games/contract.ts";
// The helpers the built-in simultaneous games use: the log's encoding of last round's choices,
// and the pieces of a one-stage round. A module may use them or write its own.
import { previousFact, readPrevious } from "../../src/games/belief.ts";
import { allAtOnce, checkRestorable, jointChoices } from "../../src/games/simultaneous.ts";

export const StagHuntSpec = z
  .object({
    type: z.string(),
    groupSize: z.number().int().min(2, "expected at least 2 hunters").max(12, "at most 12 hunters").default(4),
    /** Stag hunters needed for the stag to be caught. */
    needed: z.number().int().min(1, "expected at least 1").nullable().default(null),
    stag: z.number().positive("expected a positive payoff").default(5),
    hare: z.number().nonnegative("expected 0 or more").default(3),
    rounds: z.number().int().min(1).max(1000, "at most 1000 rounds").default(5),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.needed !== null && spec.needed > spec.groupSize) {
      ctx.addIssue({ code: "custom", path: ["needed"], message: `needed ${spec.needed} exceeds the group of ${spec.groupSize}` });
    }
  });
export type StagHuntSpec = z.infer<typeof StagHuntSpec>;

/** P(X ≥ k) for X ~ Binomial(n, ½). */
function atLeast(n: number, k: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  let total = 0;
  let c = 1; // C(n, i)
  for (let i = 0; i <= n; i++) {
    if (i >= k) total += c;
    c = (c * (n - i)) / (i + 1);
  }
  return total / 2 ** n;
}

export function createStagHunt(spec: StagHuntSpec): Game {
  const n = spec.groupSize;
  const needed = spec.needed ?? n;
  const options: MoveOption[] = [
    { action: "hare", self: null, other: null, text: `hunt a hare (${spec.hare} for sure)` },
    { action: "stag", self: null, other: null, text: `hunt the stag (${spec.stag} if at least ${needed} of the ${n} hunters join, else 0)` },
  ];
  const pay = (stags: readonly boolean[]): number[] => {
    const caught = stags.filter(Boolean).length >= needed;
    return stags.map((s) => (s ? (caught ? spec.stag : 0) : spec.hare));
  };
  const previousOf = (move: Move) => readPrevious(move.facts.previous, n, options.length, "stag-hunt");
  const moveOf = (member: number, round: number, previous: readonly (number | null)[] | null): Move => ({
    itemId: "hunt",
    member,
    role: null,
    options,
    facts: { round: round + 1, previous: previousFact(previous) },
  });

  return {
    type: "stag-hunt",
    groupSize: n,
    alone: false,
    turns: "simultaneous",
    roles: null,
    rounds: spec.rounds,
    items: [],
    scoring: "choices",
    tieTolerance: 1e-6,
    templates: {
      rules: {
        vars: ["groupSize", "needed", "stag", "hare", "rounds"],
        text:
          "You are one of {{groupSize}} hunters, for {{rounds}} round(s). Each round every hunter chooses, at the same time, to hunt the stag or a hare. " +
          "A hare gives its hunter {{hare}} for sure. The stag gives {{stag}} to each of its hunters, but only if at least {{needed}} hunters go after it; otherwise they get nothing.",
      },
      move: {
        vars: ["round", "rounds", "previous", "options", "labels"],
        text: "Round {{round}} of {{rounds}}. {{previous}}\n\nWhat do you hunt?\n{{options}}",
      },
    },

    start: () => ({ previous: null }),
    stages: () => allAtOnce(n),
    move: (state, round, member) => moveOf(member, round, state.previous as readonly (number | null)[] | null),
    presentation: (_state, _round, move) => move.options.map((_, k) => k),

    settle(state, round, played: readonly Played[]) {
      const chosen = jointChoices(n, played);
      const stags = chosen.map((o) => o === 1);
      const count = stags.filter(Boolean).length;
      return { received: pay(stags), state: { ...state, previous: chosen }, facts: { round: round + 1, stagHunters: count, caught: count >= needed }, end: null };
    },

    outcomes(move) {
      const previous = previousOf(move);
      const i = move.member;
      let known = 0; // other members known to hunt the stag
      let unknown = 0; // other members whose choice is unknown (½ stag each)
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const o = previous?.[j];
        if (o === null || o === undefined) unknown++;
        else if (o === 1) known++;
      }
      return options.map((_, k) => {
        const me = k === 1 ? 1 : 0;
        return Array.from({ length: n }, (_, j) => {
          if (j === i) return me ? spec.stag * atLeast(unknown, needed - 1 - known) : spec.hare;
          const o = previous?.[j];
          if (o === null || o === undefined) return 0.5 * spec.hare + 0.5 * spec.stag * atLeast(unknown - 1, needed - 1 - known - me);
          return o === 1 ? spec.stag * atLeast(unknown, needed - known - me) : spec.hare;
        });
      });
    },

    restore(itemId, role, member, facts) {
      checkRestorable("stag-hunt", itemId, "hunt", role, member, n);
      return moveOf(member, Number(facts.round) - 1, readPrevious(facts.previous, n, options.length, "stag-hunt"));
    },

    promptVars(move, presented) {
      const previous = previousOf(move);
      const stags = previous ? previous.filter((o) => o === 1).length : 0;
      return {
        groupSize: n,
        needed,
        stag: spec.stag,
        hare: spec.hare,
        rounds: spec.rounds,
        round: Number(move.facts.round),
        previous: previous ? `Last round ${stags} of the ${n} hunters went after the stag${stags >= needed ? " and caught it" : ", not enough to catch it"}.` : "This is the first round.",
        options: presented.map((p) => `${p.label}: ${p.option.text}`).join("\n"),
        labels: presented.map((p) => p.label).join(", "),
      };
    },
  };
}

const stagHunt: GameModule<StagHuntSpec> = {
  type: "stag-hunt",
  summary: "N-player stag hunt: the stag pays only if enough hunters join, a hare pays for sure",
  schema: StagHuntSpec,
  create: createStagHunt,
};
export default stagHunt;
