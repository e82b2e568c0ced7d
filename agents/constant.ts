/**
 * `constant`: always the option at presented position `option` (1-based): a pure position bias,
 * the pattern an LLM that always answers "A" shows. With shuffled options it becomes random.
 *
 * @example
 * constantAgent.create(constantAgent.schema.parse({ id: "first", type: "constant", value: "prosocial", option: 1 }), ctx);
 */
import { z } from "zod";
import type { Agent, AgentContext, AgentModule, AgentSpec } from "./agent.ts";
import { agentSchema } from "./common.ts";

export const ConstantSpec = agentSchema("constant", {
  /** The presented position it always chooses (1 = the first option shown). */
  option: z.number().int().min(1).default(1),
});
export type ConstantSpec = z.infer<typeof ConstantSpec>;

export function createConstantAgent(spec: AgentSpec & { readonly option?: number }, _ctx?: AgentContext): Agent {
  const option = spec.option ?? 1;
  return {
    id: spec.id,
    async decide(obs) {
      const n = obs.move.options.length;
      if (option > n) {
        return { kind: "invalid", raw: String(option), reason: `position ${option} does not exist on item ${obs.move.itemId} (${n} options)` };
      }
      return { kind: "choice", index: option - 1 };
    },
  };
}

export const constantAgent: AgentModule<ConstantSpec> = {
  type: "constant",
  summary: "Always the option at presented position `option`: a pure position bias.",
  schema: ConstantSpec,
  create: createConstantAgent,
  check: (spec, s) =>
    spec.option > s.fewestOptions
      ? [[["option"], `option ${spec.option} is beyond the game's ${s.fewestOptions} options (positions 1–${s.fewestOptions})`]]
      : [],
};
