/**
 * Two-person allocation items as a {@link Game}: the engine behind `svo-slider`, `dictator` and
 * `custom`. Every round presents one item; both members choose at the same time among its
 * (self, other) options; each receives its own chosen self payoff plus the partner's chosen other
 * payoff (docs/METHOD.md, multi-agent extension). Alone (`pairing: none`) the agent plays against
 * an imaginary passive other who receives the "other" share and chooses nothing.
 *
 * A trial's state is the presentation the generator drew, in a fixed order (item shuffle first,
 * then one option shuffle per presented item), so logs of today's scenarios are unchanged.
 *
 * @example
 * const game = itemsGame({ type: "custom", items, order: items, shuffleItems: false, shuffleOptions: true, scoring: "choices", tieTolerance: 0 });
 * const state = game.start(rng);
 * game.presentation(state, 0, game.move(state, 0, 0, [])); // e.g. [2, 0, 1]
 */
import type { Rng } from "../core/random.ts";
import type { Fact, Game, GameState, Move, MoveOption, Played, Scoring, Settlement } from "./contract.ts";
import type { AllocationItem } from "./game.ts";

export interface ItemsGameSettings {
  readonly type: string;
  /** The items in canonical order (recorded in run.started). */
  readonly items: readonly AllocationItem[];
  /** The items in the order a trial presents them before any shuffle (the slider's version). */
  readonly order: readonly AllocationItem[];
  readonly shuffleItems: boolean;
  readonly shuffleOptions: boolean;
  readonly scoring: Scoring;
  readonly tieTolerance: number;
}

/** A trial of an items game: the item ids in presented order and each one's option order. */
interface ItemsState extends GameState {
  readonly items: readonly string[];
  readonly orders: readonly (readonly number[])[];
}

const NO_FACTS: Readonly<Record<string, Fact>> = Object.freeze({});
const STAGES: readonly (readonly number[])[] = Object.freeze([Object.freeze([0, 1])]);

/** What an item offers each member, built once per game: moves and outcomes are asked for on every decision. */
interface Prepared {
  readonly item: AllocationItem;
  readonly moves: readonly [Move, Move];
  /** outcomes[member][k]: what members 0 and 1 receive from the mover's option k alone. */
  readonly outcomes: readonly [readonly (readonly number[])[], readonly (readonly number[])[]];
  readonly identity: readonly number[];
}

export function itemsGame(settings: ItemsGameSettings): Game {
  const prepared = new Map<string, Prepared>();
  for (const item of settings.items) {
    const options: MoveOption[] = item.options.map((o, k) => ({
      action: k + 1,
      self: o.self,
      other: o.other,
      text: `${o.self} for you, ${o.other} for the other participant`,
    }));
    const move = (member: number): Move => ({ itemId: item.id, member, role: null, options, facts: NO_FACTS });
    prepared.set(item.id, {
      item,
      moves: [move(0), move(1)],
      outcomes: [item.options.map((o) => [o.self, o.other]), item.options.map((o) => [o.other, o.self])],
      identity: item.options.map((_, k) => k),
    });
  }
  const get = (itemId: string): Prepared => {
    const p = prepared.get(itemId);
    if (!p) throw new Error(`${settings.type}: unknown item '${itemId}'`);
    return p;
  };
  const itemAt = (state: GameState, round: number) => (state as ItemsState).items[round];

  return {
    type: settings.type,
    groupSize: 2,
    alone: true,
    turns: "simultaneous",
    roles: null,
    rounds: settings.items.length,
    items: settings.items.map((it) => ({ id: it.id, primary: it.primary, options: it.options })),
    scoring: settings.scoring,
    tieTolerance: settings.tieTolerance,
    templates: {},

    start(rng: Rng): GameState {
      const items = settings.shuffleItems ? rng.shuffle(settings.order) : settings.order;
      const orders = items.map((item) => {
        const canonical = get(item.id).identity;
        return settings.shuffleOptions ? rng.shuffle(canonical) : canonical;
      });
      const state: ItemsState = { items: items.map((it) => it.id), orders };
      return state;
    },
    stages: () => STAGES,
    move(state, round, member) {
      return get(itemAt(state, round)).moves[member];
    },
    presentation(state, round) {
      return (state as ItemsState).orders[round];
    },
    settle(state, round, played: readonly Played[]): Settlement {
      const options = get(itemAt(state, round)).item.options;
      let a: { self: number; other: number } | null = null;
      let b: { self: number; other: number } | null = null;
      for (const p of played) {
        const choice = p.option === null ? null : options[p.option];
        if (p.member === 0) a = choice;
        else b = choice;
      }
      // Own self plus the partner's other; an invalid choice (or the imaginary other) gives nothing.
      return { received: [(a?.self ?? 0) + (b?.other ?? 0), (b?.self ?? 0) + (a?.other ?? 0)], state, facts: null, end: null };
    },
    outcomes(move) {
      return get(move.itemId).outcomes[move.member];
    },
    restore(itemId, _role, member) {
      return get(itemId).moves[member === 0 ? 0 : 1];
    },
    promptVars: () => ({}),
  };
}
