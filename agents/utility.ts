/**
 * `utility`: the exact maximiser of U_θ for its value. Ties (options equal up to floating-point
 * noise) are broken uniformly with a generator derived from the decision id, so the choice does
 * not depend on how decisions interleave.
 *
 * @example
 * const agent = createUtilityAgent({ id: "alt", type: "utility", value: "altruistic" }, ctx);
 */
import type { Agent, AgentFactory } from "./agent.ts";
import { bestOptions, valueAngle } from "./value-utility.ts";

export const createUtilityAgent: AgentFactory = (spec, ctx): Agent => {
  const theta = valueAngle(spec.value);
  return {
    id: spec.id,
    async decide(obs) {
      const ties = bestOptions(obs.item.options, theta);
      const index = ties.length === 1 ? ties[0] : ties[ctx.rng.derive(obs.decisionId).int(ties.length)];
      return { kind: "choice", index };
    },
  };
};
