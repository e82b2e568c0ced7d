/**
 * `logit`: a noisy pursuer of its value, choosing option j with probability ∝ exp(β·U_θ(j)) over
 * the move's foreseen consequences (the choice model METHOD §7 estimates θ with). Large β
 * approaches the `utility` agent, β → 0 approaches `random`.
 *
 * @example
 * logitAgent.create(logitAgent.schema.parse({ id: "noisy", type: "logit", value: 30, beta: 0.2 }), ctx);
 */
import { z } from "zod";
import type { Agent, AgentContext, AgentModule, AgentSpec } from "./agent.ts";
import { agentSchema } from "./common.ts";
import { presentedUtilities } from "./utility.ts";
import { logitOfUtilities, sampleIndex, valueAngle } from "./value-utility.ts";

export const LogitSpec = agentSchema("logit", {
  /** Choice sensitivity: P(j) ∝ exp(β·U(j)). */
  beta: z.number().positive().default(0.2),
});
export type LogitSpec = z.infer<typeof LogitSpec>;

export function createLogitAgent(spec: AgentSpec & { readonly beta?: number }, ctx: AgentContext): Agent {
  const theta = valueAngle(spec.value);
  const beta = spec.beta ?? 0.2;
  return {
    id: spec.id,
    async decide(obs) {
      const p = logitOfUtilities(presentedUtilities(obs, theta), beta);
      return { kind: "choice", index: sampleIndex(p, ctx.rng.derive(obs.decisionId).next()) };
    },
  };
}

export const logitAgent: AgentModule<LogitSpec> = {
  type: "logit",
  summary: "Noisy pursuer of its value: P(option) ∝ exp(β·U_θ), in every game.",
  schema: LogitSpec,
  create: createLogitAgent,
};
