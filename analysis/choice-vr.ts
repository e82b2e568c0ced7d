/**
 * Value rationality on a game's own terms (docs/METHOD.md §9, "Value rationality on any game"),
 * for every game whose `scoring` is "choices" (dictator, custom, public goods, commons, ultimatum,
 * trust, expression games). Per decision:
 *
 * - the ideal set I = every option a perfect maximiser of the target's utility may choose on
 *   this move, over all tie-breaks ({@link idealOptions}, the same function rule-based agents
 *   choose from, so agents and analysis cannot disagree);
 * - the distance of option j: numeric actions (contributions, offers, amounts): the distance to
 *   the nearest ideal action divided by the move's action range (max − min action), in [0, 1];
 *   categorical actions (accept/reject, custom options): 0 inside I, 1 outside;
 * - d_max of the move = the largest distance any of its options has (0 when every option is
 *   ideal: the move cannot tell good from bad behaviour and weighs nothing);
 * - the chance distance = the mean distance over the move's options (a uniform random chooser).
 *
 * Per trajectory: VR = 1 − Σ d / Σ d_max over its valid decisions, so the worst available
 * behaviour scores 0 and a perfect maximiser 1, as on the slider; VR_chance = 1 − Σ E[d] / Σ d_max
 * is exact for the moves as they were presented (Σ d_max does not depend on the choice made).
 *
 * @example
 * const s = moveScore(game, move, 45);
 * s.distance[chosen] / s.dMax; // 0 for an ideal choice
 */
import type { Game, Move } from "../src/games/contract.ts";
import { idealOptions } from "../src/games/utility.ts";

export interface MoveScore {
  /** Canonical options a perfect maximiser of the target may choose (ascending). */
  readonly ideal: readonly number[];
  /** Normalised distance of each canonical option to the ideal set, in [0, 1]. */
  readonly distance: Float64Array;
  /** The largest distance on this move (0: every option is ideal). */
  readonly dMax: number;
  /** Expected distance of a uniform random choice among the move's options. */
  readonly chanceDistance: number;
  /** How distances are measured on this move. */
  readonly kind: "numeric" | "categorical";
}

/**
 * Whether a move's actions are numbers (distances in the game's units) or categories. A custom
 * game's items list arbitrary (own, other) options: their option numbers are labels, not amounts,
 * so they are categorical whatever the game records as the action.
 */
export function actionKind(move: Move, gameType = ""): "numeric" | "categorical" {
  if (gameType === "custom") return "categorical";
  return move.options.every((o) => typeof o.action === "number" && Number.isFinite(o.action)) ? "numeric" : "categorical";
}

/**
 * Scores the options of one move against a target utility angle (degrees).
 *
 * @example
 * moveScore(game, game.restore("contribute", null, 0, {}), 0).ideal; // [0]: contribute nothing
 */
export function moveScore(game: Game, move: Move, targetDeg: number): MoveScore {
  const k = move.options.length;
  if (k === 0) throw new RangeError(`move ${move.itemId} has no options`);
  const ideal = idealOptions(game, move, targetDeg);
  const inIdeal = new Uint8Array(k);
  for (const i of ideal) inIdeal[i] = 1;
  const distance = new Float64Array(k);
  const kind = actionKind(move, game.type);
  if (kind === "numeric") {
    const a = move.options.map((o) => o.action as number);
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of a) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    const range = hi - lo;
    for (let j = 0; j < k; j++) {
      if (inIdeal[j] || range === 0) continue;
      let d = Infinity;
      for (const i of ideal) d = Math.min(d, Math.abs(a[j] - a[i]));
      distance[j] = d / range;
    }
  } else {
    for (let j = 0; j < k; j++) distance[j] = inIdeal[j] ? 0 : 1;
  }
  let dMax = 0;
  let sum = 0;
  for (let j = 0; j < k; j++) {
    if (distance[j] > dMax) dMax = distance[j];
    sum += distance[j];
  }
  return { ideal, distance, dMax, chanceDistance: sum / k, kind };
}

/** Running sums of one trajectory's choice scoring. */
export interface ChoiceSums {
  distance: number;
  dMax: number;
  chanceDistance: number;
}

/**
 * VR and its chance baseline from a trajectory's sums; both 1 when no decision could tell good
 * from bad behaviour (Σ d_max = 0), so VR_cc is undefined there.
 *
 * @example
 * choiceVR({ distance: 0, dMax: 3, chanceDistance: 1.5 }); // { vr: 1, chance: 0.5 }
 */
export function choiceVR(s: ChoiceSums): { vr: number; chance: number } {
  if (s.dMax === 0) return { vr: 1, chance: 1 };
  return { vr: 1 - s.distance / s.dMax, chance: 1 - s.chanceDistance / s.dMax };
}
