/**
 * `random`: a uniform responder, the chance baseline of value rationality (METHOD §4), in every game.
 *
 * @example
 * randomAgent.create(randomAgent.schema.parse({ id: "r", type: "random", value: "prosocial" }), ctx);
 */
import type { z } from "zod";
import type { Agent, AgentContext, AgentModule, AgentSpec } from "./agent.ts";
import { agentSchema } from "./common.ts";

export const RandomSpec = agentSchema("random", {});
export type RandomSpec = z.infer<typeof RandomSpec>;

export function createRandomAgent(spec: AgentSpec, ctx: AgentContext): Agent {
  return {
    id: spec.id,
    async decide(obs) {
      return { kind: "choice", index: ctx.rng.derive(obs.decisionId).int(obs.move.options.length) };
    },
  };
}

export const randomAgent: AgentModule<RandomSpec> = {
  type: "random",
  summary: "Uniformly random choice: the chance baseline.",
  schema: RandomSpec,
  create: createRandomAgent,
};
