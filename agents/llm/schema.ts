/**
 * The `llm` agent type's config: its schema is both the type and the validator (built on the
 * common agent fields, agents/common.ts). Kept apart from agent.ts so the scenario schema and the
 * registry never load LangChain.
 *
 * @example
 * LlmSpec.parse({ id: "a", type: "llm", value: "prosocial" }).memory; // 6
 */
import { z } from "zod";
import { agentSchema } from "../common.ts";

/** Prompt design as an experimental factor (METHOD §5); each element can be switched or replaced. */
export const PromptSettings = z
  .object({
    /** Step 1: ask the model to describe a person holding the value, keep the answer in context. */
    describe: z.boolean().default(true),
    /** Step 3: ask the model for a one-sentence goal; otherwise a fixed neutral sentence is used. */
    goal: z.boolean().default(false),
    /** Replace any template by name (see agents/prompts and the game's own templates); `{{var}}` placeholders. */
    templates: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export const LlmSpec = agentSchema("llm", {
  /** `openai:<model>` or `<endpoint>:<model>` for a named endpoint; `hvae run --model` overrides. */
  model: z.string().min(1).default("openai:gpt-4o-mini"),
  temperature: z.number().min(0).max(2).nullable().default(null),
  topP: z.number().min(0).max(1).nullable().default(null),
  seed: z.number().int().nullable().default(null),
  maxTokens: z.number().int().positive().default(256),
  /** Use structured output (json schema) where the endpoint supports it; else a text answer. */
  structuredOutput: z.boolean().default(true),
  /** How many past rounds with the current partner (or group) the agent is told about. */
  memory: z.number().int().nonnegative().default(6),
  prompts: PromptSettings.default({ describe: true, goal: false, templates: {} }),
});
export type LlmSpec = z.infer<typeof LlmSpec>;
