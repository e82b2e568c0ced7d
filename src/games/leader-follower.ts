/**
 * The two-person leader–follower round shared by `ultimatum` and `trust`: member 0 (the leader)
 * picks an amount from a grid, member 1 (the follower) sees it and answers from options that
 * depend on it, stages [[0], [1]]. What differs between the games (the grid, the follower's
 * options and payoffs, settlement, wording) comes in as rules; what is the same (move building,
 * foresight, restore from the log, the Game object) lives here once.
 *
 * The leader's foresight (`outcomes`) takes the follower to be a utility maximiser of the leader's
 * own angle (`beliefDeg`); an indifferent follower takes the option better for the leader, then
 * the first (`laterMoverChoice`).
 *
 * @example
 * const game = leaderFollower({ type: "ultimatum", roles: ["proposer", "responder"], ... });
 * game.stages(state, 0); // [[0], [1]]
 */
import type { Fact, Game, Move, MoveOption, Played } from "./contract.ts";
import { EXACT_TIES, laterMoverChoice, readNumber, readNumberOrNull } from "./belief.ts";
import { presentationOrder, shuffleSeed } from "./presentation.ts";

type Facts = Readonly<Record<string, Fact>>;
type Presented = readonly { readonly label: string; readonly option: MoveOption }[];

/** What a leader–follower game states; `null` for the leader's amount means no valid choice. */
export interface LeaderFollowerRules {
  readonly type: string;
  /** [leader role, follower role]. */
  readonly roles: readonly [string, string];
  readonly rounds: number;
  readonly shuffleOptions: boolean;
  readonly templates: Game["templates"];
  readonly lead: {
    readonly itemId: string;
    /** The fact naming the leader's amount in the follower's move ("offer", "sent"). */
    readonly fact: string;
    /** How restore's message names the grid ("offers", "amounts"). */
    readonly gridName: string;
    readonly amounts: readonly number[];
    readonly options: readonly MoveOption[];
  };
  readonly follow: {
    readonly itemId: string;
    readonly options: (lead: number | null) => readonly MoveOption[];
    /** Per follower option, what each member receives (member order). */
    readonly payoffs: (lead: number | null) => readonly (readonly number[])[];
    /** Facts of the follower's move besides the round (the leader's amount first). */
    readonly facts: (lead: number | null) => Facts;
  };
  /** A round's result from the leader's amount and the follower's answer (option index or null). */
  readonly settle: (lead: number | null, answer: number | null) => { readonly received: readonly number[]; readonly facts: Facts };
  /** Template variables of a move; `lead` is the leader's amount for the follower's move, else null. */
  readonly promptVars: (follower: boolean, lead: number | null, move: Move, presented: Presented) => Readonly<Record<string, string | number>>;
}

export function leaderFollower(rules: LeaderFollowerRules): Game {
  const { type: where, roles, lead, follow } = rules;

  const leadMove = (round: number): Move => ({ itemId: lead.itemId, member: 0, role: roles[0], options: lead.options, facts: { round: round + 1 } });
  const followMove = (round: number, amount: number | null): Move => ({
    itemId: follow.itemId,
    member: 1,
    role: roles[1],
    options: follow.options(amount),
    facts: { round: round + 1, ...follow.facts(amount) },
  });
  const leadOf = (played: readonly Played[]): number | null => {
    const p = played.find((x) => x.member === 0);
    return p && p.option !== null ? lead.amounts[p.option] : null;
  };

  return {
    type: rules.type,
    groupSize: 2,
    alone: false,
    turns: "sequential",
    roles,
    rounds: rules.rounds,
    items: [],
    scoring: "choices",
    tieTolerance: EXACT_TIES,
    templates: rules.templates,

    start: (rng) => ({ shuffle: shuffleSeed(rules.shuffleOptions, rng) }),
    stages: () => [[0], [1]],
    move(_state, round, member, earlier) {
      if (member === 0) return leadMove(round);
      if (member === 1) return followMove(round, leadOf(earlier));
      throw new Error(`${where}: member ${member} outside the pair`);
    },
    presentation: presentationOrder,

    settle(state, round, played) {
      const answer = played.find((x) => x.member === 1)?.option ?? null;
      const result = rules.settle(leadOf(played), answer);
      return { received: result.received, state, facts: { round: round + 1, ...result.facts }, end: null };
    },

    outcomes(move, beliefDeg) {
      if (move.itemId === follow.itemId) return follow.payoffs(readNumberOrNull(move.facts, lead.fact, where));
      return lead.amounts.map((x) => {
        const answers = follow.payoffs(x);
        return answers[laterMoverChoice(answers, 1, 0, beliefDeg, EXACT_TIES)];
      });
    },

    restore(itemId, role, member, facts) {
      const round = readNumber(facts, "round", where) - 1;
      if (itemId === lead.itemId && role === roles[0] && member === 0) return leadMove(round);
      if (itemId === follow.itemId && role === roles[1] && member === 1) {
        const amount = readNumberOrNull(facts, lead.fact, where);
        if (amount !== null && !lead.amounts.includes(amount)) {
          throw new Error(`${where}: facts.${lead.fact} ${amount} is not one of the ${lead.gridName} ${lead.amounts.join(", ")}`);
        }
        return followMove(round, amount);
      }
      throw new Error(`${where}: unknown move ${itemId} (role ${role}, member ${member})`);
    },

    promptVars(move, presented) {
      const follower = move.itemId === follow.itemId;
      const amount = follower ? (move.facts[lead.fact] as number | null) : null;
      return rules.promptVars(follower, amount, move, presented);
    },
  };
}
