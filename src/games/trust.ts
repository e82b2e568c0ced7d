/**
 * `trust`: the investment game of Berg, Dickhaut & McCabe (1995). Each round the investor
 * (member 0) has E and sends s ∈ {0, step, …, E}; the trustee (member 1) receives m·s, sees it,
 * and returns r, a share of what it received: r ∈ {0, returnStep·m·s, 2·returnStep·m·s, …, m·s}
 * (shares, so every round offers the same number of options). Payoffs: investor E − s + r,
 * trustee m·s − r. Stages [[0], [1]].
 *
 * Rules this module states:
 * - no valid amount from the investor: nothing is sent (the investor keeps E), so the trustee
 *   receives 0 and every return option is 0;
 * - no valid answer from the trustee: nothing is returned;
 * - the investor's foresight (`outcomes`) takes the trustee to be a utility maximiser of the
 *   investor's own angle (`beliefDeg`): it returns nothing below 45°, everything above, and when
 *   indifferent it takes the option better for the investor (then the first).
 *
 * @example
 * const game = trust.create(trust.schema.parse({ type: "trust", endowment: 10, multiplier: 3, step: 5 }));
 * game.settle(state, 0, [{ member: 0, option: 2 }, { member: 1, option: 5 }]).received; // [15, 15]
 */
import { z } from "zod";
import type { Game, GameModule, MoveOption } from "./contract.ts";
import { Amount, MAX_OPTIONS, Rounds, amounts, checkGrid, clean, divides, num } from "./grid.ts";
import { leaderFollower } from "./leader-follower.ts";
import { optionVars, checkCounterbalance, COUNTERBALANCE } from "./presentation.ts";

export const TrustSpec = z
  .object({
    type: z.literal("trust"),
    endowment: Amount(10),
    multiplier: Amount(3),
    step: Amount(1),
    /** The trustee returns a share of what it received: 0, returnStep, 2·returnStep, …, 1. */
    returnStep: z.number().positive("expected a positive share").max(1, "expected a share of at most 1").default(0.1),
    rounds: Rounds(1),
    shuffleOptions: z.boolean().default(false),
    counterbalance: COUNTERBALANCE,
  })
  .strict()
  .superRefine(checkCounterbalance)
  .superRefine((spec, ctx) => {
    checkGrid(ctx, "step", spec.step, spec.endowment, "endowment");
    if (!divides(spec.returnStep, 1)) {
      ctx.addIssue({ code: "custom", path: ["returnStep"], message: `returnStep ${spec.returnStep} does not divide 1 (the whole amount received)` });
    } else if (Math.round(1 / spec.returnStep) + 1 > MAX_OPTIONS) {
      ctx.addIssue({ code: "custom", path: ["returnStep"], message: `returnStep ${spec.returnStep} gives ${Math.round(1 / spec.returnStep) + 1} options; at most ${MAX_OPTIONS}` });
    }
  });
export type TrustSpec = z.infer<typeof TrustSpec>;

const ROLES = ["investor", "trustee"] as const;

const TEMPLATES = {
  rules: {
    vars: ["endowment", "multiplier", "rounds", "role"],
    text:
      "This is a game for two people, an investor and a trustee, with {{rounds}} round(s). In each round the investor is given {{endowment}} coins and sends " +
      "any part of them to the trustee, keeping the rest. Every coin sent is multiplied by {{multiplier}} on the way, so the trustee receives {{multiplier}} times what was sent. " +
      "The trustee sees how much arrived and decides how much of it to give back to the investor; the trustee keeps the rest. You are the {{role}}.",
  },
  move: {
    vars: ["role", "round", "rounds", "endowment", "multiplier", "sent", "received", "situation", "question", "options", "labels", "first"],
    text: "Round {{round}} of {{rounds}}. You are the {{role}}. {{situation}}\n\n{{question}}\n{{options}}",
  },
} as const;

export function createTrust(spec: TrustSpec): Game {
  const E = spec.endowment;
  const m = spec.multiplier;
  const sends = amounts(E, spec.step);
  const shares = amounts(1, spec.returnStep);
  const sendOptions: MoveOption[] = sends.map((s) => ({
    action: s,
    self: null,
    other: null,
    text: `send ${num(s)} coins (keep ${num(E - s)}; the trustee receives ${num(m * s)})`,
  }));

  /** Returns for an amount sent (null: none): amounts r and, in member order, the payoffs. */
  const returns = (sent: number | null) => {
    const got = sent === null ? 0 : clean(m * sent);
    const kept = sent === null ? E : clean(E - sent);
    return shares.map((q) => {
      const r = clean(q * got);
      return { share: q, r, pays: [clean(kept + r), clean(got - r)] };
    });
  };
  const returnOptions = (sent: number | null): MoveOption[] =>
    returns(sent).map(({ share, r, pays }) => ({
      action: r,
      self: pays[1],
      other: pays[0],
      text: `give back ${num(r)} coins (${num(share * 100)}% of what you received; you keep ${num(pays[1])})`,
    }));

  return leaderFollower({
    type: "trust",
    roles: ROLES,
    rounds: spec.rounds,
    shuffleOptions: spec.shuffleOptions,
    templates: TEMPLATES,
    lead: { itemId: "send", fact: "sent", gridName: "amounts", amounts: sends, options: sendOptions },
    follow: {
      itemId: "return",
      options: returnOptions,
      payoffs: (sent) => returns(sent).map((o) => o.pays),
      facts: (sent) => ({ sent, received: sent === null ? 0 : clean(m * sent) }),
    },
    settle(sent, answer) {
      const back = answer === null ? 0 : returns(sent)[answer].r;
      const got = sent === null ? 0 : clean(m * sent);
      return { received: [clean((sent === null ? E : E - sent) + back), clean(got - back)], facts: { sent, multiplied: got, returned: back } };
    },
    promptVars(trustee, sent, move, presented) {
      return {
        role: trustee ? "trustee" : "investor",
        round: Number(move.facts.round),
        rounds: spec.rounds,
        endowment: num(E),
        multiplier: num(m),
        sent: sent === null ? "none" : num(sent),
        received: sent === null ? "0" : num(m * sent),
        situation: !trustee
          ? `You have ${num(E)} coins.`
          : sent === null
            ? "The investor made no valid choice, so nothing was sent and you received 0 coins; every option gives back 0."
            : `The investor kept ${num(E - sent)} coins and sent you ${num(sent)}, which arrived multiplied as ${num(m * sent)} coins.`,
        question: trustee ? "How much do you give back to the investor?" : "How many coins do you send to the trustee?",
        ...optionVars(presented),
      };
    },
  });
}

export const trust: GameModule<TrustSpec> = {
  type: "trust",
  summary: "Trust (investment) game: the investor sends 0…E (by step), the trustee receives m times it and returns a share (0, returnStep, …, 1) of what arrived",
  schema: TrustSpec,
  create: createTrust,
};
