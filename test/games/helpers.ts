/** Shared helpers of the game tests: validation messages as users see them, and playing a trial. */
import type { z } from "zod";
import { createRng } from "../../src/core/random.ts";
import type { Game, GameState, Move, Played, Settlement } from "../../src/games/contract.ts";
import { idealOptions } from "../../src/games/utility.ts";

/** The problems a game spec has, as "game.<path>: message" (what `hvae validate` prints after file:line). */
export function problems(schema: z.ZodType, input: unknown): string[] {
  const r = schema.safeParse(input);
  if (r.success) return [];
  return r.error.issues.map((i) => `game${i.path.map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`)).join("")}: ${i.message}`);
}

export interface Trace {
  moves: Move[];
  settlements: Settlement[];
  states: GameState[];
}

/**
 * Plays one trial: `choose(move, round)` returns a canonical option (or null). Stops when the game
 * ends the trial early.
 */
export function playTrial(game: Game, choose: (move: Move, round: number) => number | null, seed = 1): Trace {
  let state = game.start(createRng(seed));
  const trace: Trace = { moves: [], settlements: [], states: [state] };
  for (let round = 0; round < game.rounds; round++) {
    const played: Played[] = [];
    for (const stage of game.stages(state, round)) {
      const inStage: Played[] = [];
      for (const member of stage) {
        const move = game.move(state, round, member, played);
        trace.moves.push(move);
        inStage.push({ member, option: choose(move, round) });
      }
      played.push(...inStage);
    }
    const s = game.settle(state, round, played);
    trace.settlements.push(s);
    state = s.state;
    trace.states.push(state);
    if (s.end) break;
  }
  return trace;
}

/** A perfect U_θ maximiser: the first of its ideal options. */
export const maximiser = (game: Game, theta: number) => (move: Move) => idealOptions(game, move, theta)[0];

/** Options' actions for readable expectations. */
export const actions = (move: Move, ks: readonly number[]) => ks.map((k) => move.options[k].action);
