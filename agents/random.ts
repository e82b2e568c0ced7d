/**
 * `random`: a uniform responder, the chance baseline of value rationality (METHOD §4).
 *
 * @example
 * createRandomAgent({ id: "r", type: "random", value: "prosocial" }, ctx);
 */
import type { Agent, AgentFactory } from "./agent.ts";

export const createRandomAgent: AgentFactory = (spec, ctx): Agent => ({
  id: spec.id,
  async decide(obs) {
    return { kind: "choice", index: ctx.rng.derive(obs.decisionId).int(obs.item.options.length) };
  },
});
