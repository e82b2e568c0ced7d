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
import type { Game, GameModule, MoveOption } from "./contract.ts";
import { Amount, Rounds, amounts, checkGrid, clean, num } from "./grid.ts";
import { leaderFollower } from "./leader-follower.ts";
import { optionVars, checkCounterbalance, COUNTERBALANCE } from "./presentation.ts";

export const UltimatumSpec = z
  .object({
    type: z.literal("ultimatum"),
    endowment: Amount(100),
    step: Amount(10),
    rounds: Rounds(1),
    shuffleOptions: z.boolean().default(false),
    counterbalance: COUNTERBALANCE,
  })
  .strict()
  .superRefine(checkCounterbalance)
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
  /** Member order [proposer, responder] of each response option. */
  const respondPayoffs = (offer: number | null): number[][] => (offer === null ? [[0, 0], [0, 0]] : [[clean(E - offer), offer], [0, 0]]);

  return leaderFollower({
    type: "ultimatum",
    roles: ROLES,
    rounds: spec.rounds,
    shuffleOptions: spec.shuffleOptions,
    templates: TEMPLATES,
    lead: { itemId: "offer", fact: "offer", gridName: "offers", amounts: offers, options: offerOptions },
    follow: { itemId: "respond", options: respondOptions, payoffs: respondPayoffs, facts: (offer) => ({ offer }) },
    settle(offer, answer) {
      const accepted = offer !== null && answer === 0;
      return { received: accepted ? [clean(E - offer), offer] : [0, 0], facts: { offer, accepted } };
    },
    promptVars(responder, offer, move, presented) {
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
  });
}

export const ultimatum: GameModule<UltimatumSpec> = {
  type: "ultimatum",
  summary: "Ultimatum game: the proposer offers 0…E (by step), the responder sees the offer and accepts (split as offered) or rejects (both 0)",
  schema: UltimatumSpec,
  create: createUltimatum,
};
