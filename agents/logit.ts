/**
 * `logit`: a noisy pursuer of its value, choosing option j with probability ∝ exp(β·U_θ(j))
 * (the choice model METHOD §7 estimates θ with). Large β approaches the `utility` agent, β → 0
 * approaches `random`.
 *
 * @example
 * createLogitAgent({ id: "noisy", type: "logit", value: 30, beta: 0.2 }, ctx);
 */
import type { Agent, AgentFactory } from "./agent.ts";
import { logitProbabilities, sampleIndex, valueAngle } from "./value-utility.ts";

export const createLogitAgent: AgentFactory = (spec, ctx): Agent => {
  const theta = valueAngle(spec.value);
  const beta = typeof spec.beta === "number" ? spec.beta : 0.2;
  return {
    id: spec.id,
    async decide(obs) {
      const p = logitProbabilities(obs.item.options, theta, beta);
      return { kind: "choice", index: sampleIndex(p, ctx.rng.derive(obs.decisionId).next()) };
    },
  };
};
