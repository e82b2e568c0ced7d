/**
 * `utility`: the exact maximiser of U_θ = cos θ · own + sin θ · Σ others' payoffs for its value,
 * in every game, over the payoff consequences the observation foresees (obs.move.outcomes): in
 * sequential games later movers are believed to be utility agents of its own value, simultaneous
 * others follow the game's stated belief (docs/METHOD.md). Ties (options equal up to
 * floating-point noise) are broken uniformly with a generator derived from the decision id, so
 * the choice does not depend on how decisions interleave.
 *
 * @example
 * const agent = utilityAgent.create(utilityAgent.schema.parse({ id: "alt", type: "utility", value: "altruistic" }), ctx);
 */
import type { z } from "zod";
import { groupUtilities } from "../src/games/utility.ts";
import type { Agent, AgentContext, AgentModule, AgentSpec, Observation } from "./agent.ts";
import { agentSchema } from "./common.ts";
import { bestOf, valueAngle } from "./value-utility.ts";

export const UtilitySpec = agentSchema("utility", {});
export type UtilitySpec = z.infer<typeof UtilitySpec>;

/** U_θ of each presented option of the observed move. */
export function presentedUtilities(obs: Observation, thetaDeg: number): number[] {
  return groupUtilities(obs.move.outcomes(thetaDeg), obs.move.member, thetaDeg);
}

/** A uniformly drawn best option (presented index), the draw derived from the decision id. */
export function pickBest(obs: Observation, thetaDeg: number, ctx: AgentContext): number {
  const ties = bestOf(presentedUtilities(obs, thetaDeg));
  return ties.length === 1 ? ties[0] : ties[ctx.rng.derive(obs.decisionId).int(ties.length)];
}

export function createUtilityAgent(spec: AgentSpec, ctx: AgentContext): Agent {
  const theta = valueAngle(spec.value);
  return {
    id: spec.id,
    async decide(obs) {
      return { kind: "choice", index: pickBest(obs, theta, ctx) };
    },
  };
}

export const utilityAgent: AgentModule<UtilitySpec> = {
  type: "utility",
  summary: "Exact maximiser of U = cos θ·own + sin θ·Σ others for its value, in every game (ties broken at random).",
  schema: UtilitySpec,
  create: createUtilityAgent,
};
