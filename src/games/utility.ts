/**
 * Utilities in groups, derived from a game's payoff consequences alone (docs/METHOD.md, "Utility
 * in groups"): U_θ = cos θ · own + sin θ · Σ others' payoffs, the sum so that a prosocial agent
 * maximises the group's total as on the slider. Ideal sets (every option a perfect U_θ maximiser
 * may choose, over all tie-breaks) are what rule-based agents pick from and what value
 * rationality is measured against, so agents and analysis can never disagree.
 *
 * @example
 * const move = game.move(state, 0, 1, played);
 * idealOptions(game, move, 45); // e.g. [4]: contribute everything
 */
import type { Game, Move } from "./contract.ts";

const RAD = Math.PI / 180;

/**
 * U_θ of each payoff vector for `member`: cos θ · own + sin θ · Σ others.
 *
 * @example
 * groupUtilities([[10, 30, 30]], 0, 90); // [60]
 */
export function groupUtilities(outcomes: readonly (readonly number[])[], member: number, thetaDeg: number): number[] {
  const c = Math.cos(thetaDeg * RAD);
  const s = Math.sin(thetaDeg * RAD);
  return outcomes.map((pays) => {
    let others = 0;
    for (let j = 0; j < pays.length; j++) if (j !== member) others += pays[j];
    return c * pays[member] + s * others;
  });
}

/** U_θ of each option of a move, with later movers believed to share the mover's angle θ. */
export function moveUtilities(game: Game, move: Move, thetaDeg: number): number[] {
  return groupUtilities(game.outcomes(move, thetaDeg), move.member, thetaDeg);
}

/**
 * The canonical options a perfect U_θ maximiser may choose: every option within the game's tie
 * tolerance of the best utility (ascending).
 */
export function idealOptions(game: Game, move: Move, thetaDeg: number): number[] {
  const u = moveUtilities(game, move, thetaDeg);
  let best = -Infinity;
  for (const x of u) if (x > best) best = x;
  const out: number[] = [];
  for (let k = 0; k < u.length; k++) if (u[k] >= best - game.tieTolerance - 1e-9) out.push(k);
  return out;
}
