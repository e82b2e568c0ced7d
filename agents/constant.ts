/**
 * `constant`: always the option at presented position `option` (1-based): a pure position bias,
 * the pattern an LLM that always answers "A" shows. With shuffled options it becomes random.
 *
 * @example
 * createConstantAgent({ id: "first", type: "constant", value: "prosocial", option: 1 }, ctx);
 */
import type { Agent, AgentFactory } from "./agent.ts";

export const createConstantAgent: AgentFactory = (spec): Agent => {
  const option = typeof spec.option === "number" ? spec.option : 1;
  return {
    id: spec.id,
    async decide(obs) {
      const n = obs.item.options.length;
      if (option > n) {
        return { kind: "invalid", raw: String(option), reason: `position ${option} does not exist on item ${obs.item.id} (${n} options)` };
      }
      return { kind: "choice", index: option - 1 };
    },
  };
};
