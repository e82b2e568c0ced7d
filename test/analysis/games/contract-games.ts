/**
 * Small games built on the game contract (src/games/contract.ts) for the analysis tests, so
 * choice scoring and identification are tested on N-player and sequential games independently of
 * the built-in game modules: a linear public-goods game and an ultimatum game.
 *
 * @example
 * const game = publicGoods({ groupSize: 4, endowment: 20, multiplier: 1.6, step: 5 });
 */
import type { Fact, Game, Move, MoveOption, Played } from "../../../src/games/contract.ts";
import { groupUtilities } from "../../../src/games/utility.ts";

function base(type: string, groupSize: number, turns: "simultaneous" | "sequential", roles: string[] | null): Omit<Game, "move" | "settle" | "outcomes" | "restore" | "stages"> {
  return {
    type, groupSize, alone: false, turns, roles, rounds: 1, items: [], scoring: "choices", tieTolerance: 1e-9,
    start: () => ({}),
    presentation: (_s, _r, move) => move.options.map((_, k) => k),
    templates: {},
    promptVars: () => ({}),
  };
}

/** Public goods: payoff E − c_i + m·Σc/N; options 0, step, …, E. */
export function publicGoods(p: { groupSize: number; endowment: number; multiplier: number; step: number }): Game {
  const levels: number[] = [];
  for (let c = 0; c <= p.endowment + 1e-9; c += p.step) levels.push(c);
  const options: MoveOption[] = levels.map((c) => ({ action: c, self: null, other: null, text: `contribute ${c}` }));
  const restore = (_itemId: string, _role: string | null, member: number, facts: Readonly<Record<string, Fact>>): Move => ({
    itemId: "contribute", member, role: null, options, facts,
  });
  const pay = (cs: readonly number[]) => {
    const pot = (p.multiplier * cs.reduce((a, b) => a + b, 0)) / p.groupSize;
    return cs.map((c) => p.endowment - c + pot);
  };
  return {
    ...base("public-goods", p.groupSize, "simultaneous", null),
    stages: () => [Array.from({ length: p.groupSize }, (_, i) => i)],
    move: (_s, _r, member) => restore("contribute", null, member, {}),
    settle: (_s, _r, played: readonly Played[]) => ({
      received: pay(played.map((x) => (x.option === null ? 0 : levels[x.option]))), state: {}, facts: null, end: null,
    }),
    // The others are believed to contribute the mean level (uniform); linear payoffs make it irrelevant.
    outcomes: (move) => {
      const mean = levels.reduce((a, b) => a + b, 0) / levels.length;
      return levels.map((c) => pay(Array.from({ length: p.groupSize }, (_, i) => (i === move.member ? c : mean))));
    },
    restore,
  };
}

/** Ultimatum: the proposer (member 0) offers 0…E; the responder (member 1) accepts or rejects (both 0). */
export function ultimatum(p: { endowment: number; step: number }): Game {
  const offers: number[] = [];
  for (let o = 0; o <= p.endowment + 1e-9; o += p.step) offers.push(o);
  const offerMove: Move = {
    itemId: "offer", member: 0, role: "proposer", facts: {},
    options: offers.map((o) => ({ action: o, self: null, other: null, text: `offer ${o}` })),
  };
  const respondOptions: MoveOption[] = [
    { action: "accept", self: null, other: null, text: "accept" },
    { action: "reject", self: null, other: null, text: "reject" },
  ];
  const respondMove = (offer: number): Move => ({ itemId: "respond", member: 1, role: "responder", facts: { offer }, options: respondOptions });
  const respondOutcomes = (offer: number) => [[p.endowment - offer, offer], [0, 0]];
  const accepts = (offer: number, theta: number) => {
    const [ua, ur] = groupUtilities(respondOutcomes(offer), 1, theta);
    return ua >= ur - 1e-9;
  };
  const restore = (itemId: string, _role: string | null, _member: number, facts: Readonly<Record<string, Fact>>): Move =>
    itemId === "offer" ? offerMove : respondMove(facts.offer as number);
  return {
    ...base("ultimatum", 2, "sequential", ["proposer", "responder"]),
    stages: () => [[0], [1]],
    move: (_s, _r, member, earlier) => (member === 0 ? offerMove : respondMove(offers[earlier[0].option ?? 0])),
    settle: (_s, _r, played) => {
      const offer = offers[played[0].option ?? 0];
      const ok = played[1].option === 0;
      return { received: ok ? [p.endowment - offer, offer] : [0, 0], state: {}, facts: { offer, accepted: ok }, end: null };
    },
    outcomes: (move, belief) =>
      move.itemId === "offer"
        ? offers.map((o) => (accepts(o, belief) ? [p.endowment - o, o] : [0, 0]))
        : respondOutcomes(move.facts.offer as number),
    restore,
  };
}
