/**
 * The `llm` agent type as registered: schema and checks load nothing heavy; the agent itself
 * (LangChain behind the model gateway) is imported the first time a scenario creates one.
 *
 * @example
 * const agent = await llmAgent.create(LlmSpec.parse(entry), ctx);
 */
import type { Agent, AgentContext, AgentModule } from "../agent.ts";
import { LlmSpec } from "./schema.ts";

/** Imported once: each dynamic import() goes through the module loader (and tsx's hooks thread) again. */
let agentModule: Promise<typeof import("./agent.ts")> | null = null;

export const llmAgent: AgentModule<LlmSpec> = {
  type: "llm",
  summary: "A language model behind the model gateway, induced with the value by the paper's protocol; answers with an option label.",
  schema: LlmSpec,
  async create(spec: LlmSpec, ctx: AgentContext): Promise<Agent> {
    const { createLlmAgent } = await (agentModule ??= import("./agent.ts"));
    return createLlmAgent(spec, ctx);
  },
  check(spec, s) {
    const problem = s.modelProblem(spec.model);
    return problem ? [[["model"], problem]] : [];
  },
};
