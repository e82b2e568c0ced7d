/**
 * A {@link Game} rebuilt from the two-person items a run.started event records, for logs written
 * before run.started carried the game's spec (and for any log whose game is two-person items:
 * slider, dictator, custom). Each item is one move; an option pays the mover `self` and the other
 * `other`, and nothing else the mover does changes the other's choice, so these payoffs are the
 * whole consequence of the choice (the partner's own `other` is added to both options alike).
 *
 * @example
 * const game = allocationGame("custom", ev.items);
 * idealOptions(game, game.restore("x1", null, 0, {}), 45); // the joint-gain maximisers of item x1
 */
import type { Fact, Game, GameState, Move, MoveOption, Played } from "../src/games/contract.ts";

export interface RecordedItem {
  readonly id: string;
  readonly primary: boolean;
  readonly options: readonly { readonly self: number; readonly other: number }[];
}

/**
 * Utilities closer than this are ties. The slider's printed integers are rounded (1 unit, as its
 * ideal sets are defined); the dictator's and custom items' payoffs are exact, so only floating
 * point noise is a tie there, as for the built-in utility agents.
 */
export function allocationTieTolerance(gameType: string): number {
  return gameType === "svo-slider" ? 1 : 1e-9;
}

/**
 * The game of recorded two-person items. Dictator options act as the amount given (a number, so
 * distances are in coins); custom options are categorical (option 1, option 2, …), because a
 * custom item's option numbers need not be ordered in any sense.
 */
export function allocationGame(gameType: string, items: readonly RecordedItem[]): Game {
  const moves = new Map<string, Move>();
  items.forEach((item) => {
    const options: MoveOption[] = item.options.map((o, k) => ({
      action: gameType === "dictator" ? o.other : gameType === "svo-slider" ? k + 1 : `option ${k + 1}`,
      self: o.self,
      other: o.other,
      text: `${o.self} for you, ${o.other} for the other`,
    }));
    moves.set(item.id, { itemId: item.id, member: 0, role: null, options, facts: {} });
  });
  const byMove = new Map<Move, readonly (readonly number[])[]>();
  for (const m of moves.values()) byMove.set(m, m.options.map((o) => [o.self!, o.other!]));
  const restore = (itemId: string, _role: string | null, _member: number, _facts: Readonly<Record<string, Fact>>): Move => {
    const m = moves.get(itemId);
    if (!m) throw new RangeError(`unknown item '${itemId}' (run.started does not list it)`);
    return m;
  };
  return {
    type: gameType,
    groupSize: 2,
    alone: true,
    turns: "simultaneous",
    roles: null,
    rounds: items.length,
    items: items.map((it) => ({ id: it.id, primary: it.primary, options: it.options })),
    scoring: gameType === "svo-slider" ? "slider" : "choices",
    tieTolerance: allocationTieTolerance(gameType),
    start: (): GameState => ({}),
    stages: () => [[0, 1]],
    move: (_state, round) => restore(items[round % items.length].id, null, 0, {}),
    presentation: (_s, _r, move) => move.options.map((_, k) => k),
    settle: (_s, round, played: readonly Played[]) => {
      // Each member receives its own choice's self plus the others' choices' other.
      const item = items[round % items.length];
      const pick = played.map((p) => (p.option === null ? null : item.options[p.option]));
      const received = played.map((_, i) =>
        pick.reduce((sum, o, j) => sum + (o === null ? 0 : i === j ? o.self : o.other), 0),
      );
      return { received, state: {}, facts: null, end: null };
    },
    // The mover is member 0 of its own view: [own, other] per option.
    outcomes: (move) => byMove.get(move) ?? move.options.map((o) => [o.self ?? 0, o.other ?? 0]),
    restore,
    templates: {},
    promptVars: () => ({}),
  };
}
