/**
 * `inequality-averse`: the Fehr–Schmidt (1999) agent. Over the payoff consequences of a move's
 * options (src/games/contract.ts `outcomes`), member i's utility of a payoff vector x is
 *
 *   U_i(x) = x_i − α/(n−1) · Σ_j max(x_j − x_i, 0) − β/(n−1) · Σ_j max(x_i − x_j, 0)
 *
 * (α: envy of those ahead, β: guilt towards those behind; n the group size, so a two-person item
 * has n − 1 = 1). The agent takes a best option; ties (utilities within 1e-9) are broken
 * uniformly with a generator derived from the decision id, like the utility agent. Where later
 * movers decide after it (a proposer, an investor), the game's foresight takes them to be
 * utility maximisers of this agent's own `value` angle (a stated, simple belief). On two-person
 * allocation items the outcomes are the option's (self, other).
 *
 * Defaults α = 0.85, β = 0.315 are the means of the parameter distribution Fehr and Schmidt
 * calibrated on ultimatum-game data.
 *
 * @example
 * fehrSchmidtUtilities([[10, 0], [6, 6]], 0, 0.85, 0.6); // [4, 6]
 */
import { z } from "zod";
import type { Game, Move } from "../src/games/contract.ts";
import type { Agent, AgentContext, AgentModule, Observation } from "./agent.ts";
import { agentSchema } from "./common.ts";
import { valueAngle } from "./value-utility.ts";

export const INEQUALITY_AVERSE_DEFAULTS = { alpha: 0.85, beta: 0.315 } as const;

/** The agent's own fields (beside the common id, value, count, condition, memory). */
export const InequalityAverseFields = {
  /** Envy: utility lost per unit others are ahead (averaged over the others). */
  alpha: z.number().nonnegative("expected alpha of 0 or more").max(100, "expected alpha of at most 100").default(INEQUALITY_AVERSE_DEFAULTS.alpha),
  /** Guilt: utility lost per unit others are behind; below 1 so that nobody burns money to be equal. */
  beta: z.number().nonnegative("expected beta of 0 or more").lt(1, "expected beta below 1 (Fehr–Schmidt: 0 ≤ β < 1)").default(INEQUALITY_AVERSE_DEFAULTS.beta),
};

export const InequalityAverseSpec = agentSchema("inequality-averse", InequalityAverseFields);
export type InequalityAverseSpec = z.infer<typeof InequalityAverseSpec>;

/**
 * Fehr–Schmidt utility of each payoff vector for `member`.
 *
 * @example
 * fehrSchmidtUtilities([[4, 8, 0]], 0, 1, 0.5); // [4 − 1·4/2 − 0.5·4/2] = [1]
 */
export function fehrSchmidtUtilities(outcomes: readonly (readonly number[])[], member: number, alpha: number, beta: number): number[] {
  return outcomes.map((x) => {
    const n = x.length;
    if (n < 2) return x[member];
    const own = x[member];
    let ahead = 0;
    let behind = 0;
    for (let j = 0; j < n; j++) {
      if (j === member) continue;
      if (x[j] > own) ahead += x[j] - own;
      else behind += own - x[j];
    }
    return own - (alpha / (n - 1)) * ahead - (beta / (n - 1)) * behind;
  });
}

/** The options with the best Fehr–Schmidt utility (ascending), ties within `tolerance`. */
export function fehrSchmidtBest(outcomes: readonly (readonly number[])[], member: number, alpha: number, beta: number, tolerance = 1e-9): number[] {
  const u = fehrSchmidtUtilities(outcomes, member, alpha, beta);
  let best = -Infinity;
  for (const x of u) if (x > best) best = x;
  const out: number[] = [];
  for (let k = 0; k < u.length; k++) if (u[k] >= best - tolerance) out.push(k);
  return out;
}

/** The best canonical options of a game's move, with later movers believed to hold angle `beliefDeg`. */
export function fehrSchmidtMove(game: Game, move: Move, alpha: number, beta: number, beliefDeg: number): number[] {
  return fehrSchmidtBest(game.outcomes(move, beliefDeg), move.member, alpha, beta);
}

/** The best presented options of an observed move (the belief about later movers: the agent's own value angle). */
export function fehrSchmidtChoices(obs: Observation, alpha: number, beta: number, beliefDeg: number): number[] {
  return fehrSchmidtBest(obs.move.outcomes(beliefDeg), obs.move.member, alpha, beta);
}

export function createInequalityAverseAgent(spec: Pick<InequalityAverseSpec, "id" | "value" | "alpha" | "beta">, ctx: AgentContext): Agent {
  const belief = valueAngle(spec.value);
  return {
    id: spec.id,
    async decide(obs) {
      const ties = fehrSchmidtChoices(obs, spec.alpha, spec.beta, belief);
      const index = ties.length === 1 ? ties[0] : ties[ctx.rng.derive(obs.decisionId).int(ties.length)];
      return { kind: "choice", index };
    },
  };
}

export const inequalityAverseAgent: AgentModule<InequalityAverseSpec> = {
  type: "inequality-averse",
  summary: "Fehr–Schmidt inequality aversion over a move's payoffs: own − α·(others ahead) − β·(others behind), averaged over the others (alpha, beta); later movers believed to hold its value.",
  schema: InequalityAverseSpec,
  create: createInequalityAverseAgent,
};
