/**
 * `ultimatum`: two members with roles. Each round the proposer (member 0) offers the responder
 * (member 1) x ∈ {0, step, …, E} of an endowment E; the responder sees the offer and accepts
 * (proposer E − x, responder x) or rejects (both 0). Stages [[0], [1]].
 *
 * Rules this module states:
 * - no valid offer: nothing is on the table; the responder is still asked (its choice changes
 *   nothing, both options pay 0, so it carries no value information) and both receive 0;
 * - no valid answer from the responder counts as no acceptance: both receive 0;
 * - the proposer's foresight (`outcomes`) takes the responder to be a utility maximiser of the
 *   proposer's own angle (`beliefDeg`); a responder indifferent between accepting and rejecting
 *   accepts (the tie goes to the option better for the proposer, then to the first option).
 *
 * @example
 * const game = ultimatum.create(ultimatum.schema.parse({ type: "ultimatum", endowment: 100, step: 10 }));
 * game.settle(state, 0, [{ member: 0, option: 3 }, { member: 1, option: 0 }]).received; // [70, 30]
 */
import { z } from "zod";
import type { Game, GameModule, Move, MoveOption, Played } from "./contract.ts";
import { EXACT_TIES, laterMoverChoice, readNumber, readNumberOrNull } from "./belief.ts";
import { Amount, Rounds, amounts, checkGrid, clean, num } from "./grid.ts";
import { optionVars, presentationOrder, shuffleSeed } from "./presentation.ts";

export const UltimatumSpec = z
  .object({
    type: z.literal("ultimatum"),
    endowment: Amount(100),
    step: Amount(10),
    rounds: Rounds(1),
    shuffleOptions: z.boolean().default(false),
  })
  .strict()
  .superRefine((spec, ctx) => checkGrid(ctx, "step", spec.step, spec.endowment, "endowment"));
export type UltimatumSpec = z.infer<typeof UltimatumSpec>;

const ROLES = ["proposer", "responder"] as const;

const TEMPLATES = {
  rules: {
    vars: ["endowment", "rounds", "role"],
    text:
      "This is a game for two people, a proposer and a responder, with {{rounds}} round(s). In each round the proposer is given {{endowment}} coins and offers " +
      "part of them to the responder. The responder sees the offer and either accepts it, in which case the responder gets the offer and the proposer keeps the rest, " +
      "or rejects it, in which case neither of them gets anything in that round. You are the {{role}}.",
  },
  move: {
    vars: ["role", "round", "rounds", "endowment", "offer", "keep", "situation", "question", "options", "labels", "first"],
    text: "Round {{round}} of {{rounds}}. You are the {{role}}. {{situation}}\n\n{{question}}\n{{options}}",
  },
} as const;

export function createUltimatum(spec: UltimatumSpec): Game {
  const E = spec.endowment;
  const offers = amounts(E, spec.step);
  const where = "ultimatum";
  const offerOptions: MoveOption[] = offers.map((x) => ({ action: x, self: null, other: null, text: `offer ${num(x)} coins (keep ${num(E - x)} if accepted)` }));

  const respondOptions = (offer: number | null): MoveOption[] =>
    offer === null
      ? [
          { action: "accept", self: 0, other: 0, text: "accept (there is no offer: you both get 0)" },
          { action: "reject", self: 0, other: 0, text: "reject (you both get 0)" },
        ]
      : [
          { action: "accept", self: offer, other: clean(E - offer), text: `accept: you get ${num(offer)}, the proposer keeps ${num(E - offer)}` },
          { action: "reject", self: 0, other: 0, text: "reject: you both get 0" },
        ];

  const offerMove = (round: number): Move => ({ itemId: "offer", member: 0, role: "proposer", options: offerOptions, facts: { round: round + 1 } });
  const respondMove = (round: number, offer: number | null): Move => ({
    itemId: "respond",
    member: 1,
    role: "responder",
    options: respondOptions(offer),
    facts: { round: round + 1, offer },
  });
  /** Member order [proposer, responder] of each response option. */
  const respondPayoffs = (offer: number | null): number[][] => (offer === null ? [[0, 0], [0, 0]] : [[clean(E - offer), offer], [0, 0]]);

  const offerOf = (played: readonly Played[]): number | null => {
    const p = played.find((x) => x.member === 0);
    return p && p.option !== null ? offers[p.option] : null;
  };

  return {
    type: "ultimatum",
    groupSize: 2,
    alone: false,
    turns: "sequential",
    roles: ROLES,
    rounds: spec.rounds,
    items: [],
    scoring: "choices",
    tieTolerance: EXACT_TIES,
    templates: TEMPLATES,

    start: (rng) => ({ shuffle: shuffleSeed(spec.shuffleOptions, rng) }),
    stages: () => [[0], [1]],
    move(_state, round, member, earlier) {
      if (member === 0) return offerMove(round);
      if (member === 1) return respondMove(round, offerOf(earlier));
      throw new Error(`${where}: member ${member} outside the pair`);
    },
    presentation: presentationOrder,

    settle(state, round, played) {
      const offer = offerOf(played);
      const answer = played.find((x) => x.member === 1)?.option ?? null;
      const accepted = offer !== null && answer === 0;
      return {
        received: accepted ? [clean(E - offer), offer] : [0, 0],
        state,
        facts: { round: round + 1, offer, accepted },
        end: null,
      };
    },

    outcomes(move, beliefDeg) {
      if (move.itemId === "respond") return respondPayoffs(readNumberOrNull(move.facts, "offer", where));
      return offers.map((x) => {
        const answers = respondPayoffs(x);
        return answers[laterMoverChoice(answers, 1, 0, beliefDeg, EXACT_TIES)];
      });
    },

    restore(itemId, role, member, facts) {
      const round = readNumber(facts, "round", where) - 1;
      if (itemId === "offer" && role === "proposer" && member === 0) return offerMove(round);
      if (itemId === "respond" && role === "responder" && member === 1) {
        const offer = readNumberOrNull(facts, "offer", where);
        if (offer !== null && !offers.includes(offer)) throw new Error(`${where}: facts.offer ${offer} is not one of the offers ${offers.join(", ")}`);
        return respondMove(round, offer);
      }
      throw new Error(`${where}: unknown move ${itemId} (role ${role}, member ${member})`);
    },

    promptVars(move, presented) {
      const responder = move.itemId === "respond";
      const offer = responder ? (move.facts.offer as number | null) : null;
      return {
        role: responder ? "responder" : "proposer",
        round: Number(move.facts.round),
        rounds: spec.rounds,
        endowment: num(E),
        offer: offer === null ? "none" : num(offer),
        keep: offer === null ? "none" : num(E - offer),
        situation: !responder
          ? `You have ${num(E)} coins to split with the responder.`
          : offer === null
            ? "The proposer made no valid offer, so there is nothing to accept: whatever you answer, you both get 0 this round."
            : `The proposer has ${num(E)} coins and offers you ${num(offer)} of them, keeping ${num(E - offer)}.`,
        question: responder ? "Do you accept or reject the offer?" : "How many coins do you offer the responder?",
        ...optionVars(presented),
      };
    },
  };
}

export const ultimatum: GameModule<UltimatumSpec> = {
  type: "ultimatum",
  summary: "Ultimatum game: the proposer offers 0…E (by step), the responder sees the offer and accepts (split as offered) or rejects (both 0)",
  schema: UltimatumSpec,
  create: createUltimatum,
};
