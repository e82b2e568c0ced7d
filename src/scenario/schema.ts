/**
 * The scenario schema: one zod schema is both the TypeScript type and the validator, and
 * `hvae schema` prints it as JSON Schema for editors.
 *
 * @example
 * const scenario = Scenario.parse(YAML.parse(text));
 */
import { z } from "zod";
import { CATEGORIES } from "../core/values.ts";

const CATEGORY_OR_ANGLE =
  "expected altruistic, prosocial, individualistic, competitive or an angle in degrees";

export const Category = z.enum(CATEGORIES);
export type Category = z.infer<typeof Category>;

const ANGLE_RANGE = "expected an angle in degrees from -180 to 180";
export const ValueField = z.union([Category, z.number().min(-180, ANGLE_RANGE).max(180, ANGLE_RANGE)], {
  error: CATEGORY_OR_ANGLE,
});

const Id = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, "expected letters, digits, '_', '.' or '-' (no spaces, '+', '#' or '/')");

/** Prompt design as an experimental factor (METHOD §5); each element can be switched or replaced. */
export const PromptSettings = z
  .object({
    /** Step 1: ask the model to describe a person holding the value, keep the answer in context. */
    describe: z.boolean().default(true),
    /** Step 3: ask the model for a one-sentence goal; otherwise a fixed neutral sentence is used. */
    goal: z.boolean().default(false),
    /** Replace any template by name (see agents/prompts); `{{var}}` placeholders. */
    templates: z.record(z.string(), z.string()).default({}),
  })
  .strict();

const common = {
  id: Id,
  value: ValueField,
  /** Expand this entry into `count` agents with ids `${id}-1` … `${id}-${count}`. */
  count: z.number().int().positive().max(1_000_000).default(1),
  /** Label for grouping in reports (defaults per type, e.g. the prompt condition of llm agents). */
  condition: z.string().nullable().default(null),
};

export const UtilityAgent = z.object({ ...common, type: z.literal("utility") }).strict();
export const LogitAgent = z
  .object({ ...common, type: z.literal("logit"), beta: z.number().positive().default(0.2) })
  .strict();
export const RandomAgent = z.object({ ...common, type: z.literal("random") }).strict();
export const ConstantAgent = z
  .object({ ...common, type: z.literal("constant"), option: z.number().int().min(1).default(1) })
  .strict();
export const ReciprocalAgent = z
  .object({
    ...common,
    type: z.literal("reciprocal"),
    /** Fraction of the gap to the partner's revealed angle closed after each round (0..1). */
    rate: z.number().min(0).max(1).default(0.3),
  })
  .strict();
export const LlmAgent = z
  .object({
    ...common,
    type: z.literal("llm"),
    /** `openai:<model>` or `<endpoint>:<model>` for a named endpoint; `hvae run --model` overrides. */
    model: z.string().min(1).default("openai:gpt-4o-mini"),
    temperature: z.number().min(0).max(2).nullable().default(null),
    topP: z.number().min(0).max(1).nullable().default(null),
    seed: z.number().int().nullable().default(null),
    maxTokens: z.number().int().positive().default(256),
    /** Use structured output (json schema) where the endpoint supports it; else a text answer. */
    structuredOutput: z.boolean().default(true),
    /** How many past rounds with the current partner the agent is told about. */
    memory: z.number().int().nonnegative().default(6),
    prompts: PromptSettings.default({ describe: true, goal: false, templates: {} }),
  })
  .strict();
const BUILT_IN = ["utility", "logit", "random", "constant", "reciprocal", "llm"] as const;
export const AGENT_TYPE_MESSAGE = `expected type ${BUILT_IN.join(", ")} or a module path like ./agents/my-agent.ts`;

/** A custom agent type loaded from a module path; any extra fields pass through to it. */
export const CustomAgent = z
  .object({
    ...common,
    type: z.string().regex(/^\.{1,2}\/|^\//, AGENT_TYPE_MESSAGE),
  })
  .passthrough();

/** The schema of each built-in agent type, by its `type` value. */
export const BUILT_IN_AGENTS = {
  utility: UtilityAgent,
  logit: LogitAgent,
  random: RandomAgent,
  constant: ConstantAgent,
  reciprocal: ReciprocalAgent,
  llm: LlmAgent,
} as const;

/**
 * The one branch of AgentEntry an entry means, chosen by its `type`, so errors can name the
 * entry's real problem instead of "matched no branch"; null when `type` itself is wrong.
 *
 * @example
 * agentSchemaFor({ type: "logit" }) === LogitAgent; // true
 */
export function agentSchemaFor(entry: unknown): z.ZodType | null {
  if (typeof entry !== "object" || entry === null) return null;
  const type = (entry as { type?: unknown }).type;
  if (typeof type !== "string") return null;
  if (Object.hasOwn(BUILT_IN_AGENTS, type)) return BUILT_IN_AGENTS[type as keyof typeof BUILT_IN_AGENTS];
  return /^\.{1,2}\/|^\//.test(type) ? CustomAgent : null;
}

export const AgentEntry = z.union(
  [UtilityAgent, LogitAgent, RandomAgent, ConstantAgent, ReciprocalAgent, LlmAgent, CustomAgent],
  { error: AGENT_TYPE_MESSAGE },
);
export type AgentEntry = z.infer<typeof AgentEntry>;

const Option = z.object({ self: z.number(), other: z.number() }).strict();

export const Game = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("svo-slider"),
      items: z.enum(["primary", "all"]).default("primary"),
      version: z.enum(["A", "B"]).default("A"),
      shuffleItems: z.boolean().default(false),
      shuffleOptions: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      type: z.literal("dictator"),
      endowment: z.number().positive().default(100),
      step: z.number().positive().default(10),
      /** How many dictator rounds make one trial. */
      rounds: z.number().int().positive().default(1),
      shuffleOptions: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      type: z.literal("custom"),
      items: z
        .array(z.object({ id: Id, options: z.array(Option).min(2) }).strict())
        .min(1),
      shuffleItems: z.boolean().default(false),
      shuffleOptions: z.boolean().default(false),
    })
    .strict(),
]);
export type Game = z.infer<typeof Game>;

export const Endpoint = z
  .object({
    baseURL: z.string().url(),
    /** Name of the environment variable holding the key; keys never appear in scenario files. */
    apiKeyEnv: z.string().nullable().default(null),
    maxConcurrency: z.number().int().positive().default(8),
    requestsPerMinute: z.number().positive().nullable().default(null),
    tokensPerMinute: z.number().positive().nullable().default(null),
    timeoutMs: z.number().int().positive().default(60_000),
    maxRetries: z.number().int().nonnegative().default(5),
    structuredOutput: z.boolean().default(true),
  })
  .strict();

/** USD per million tokens, by model name. */
export const Price = z.object({ input: z.number().nonnegative(), output: z.number().nonnegative() }).strict();

export const Scenario = z
  .object({
    name: Id,
    description: z.string().default(""),
    seed: z.number().int().default(1),
    /** Passes through the instrument per agent (per pair when paired). */
    trials: z.number().int().positive().default(10),
    game: Game.default({ type: "svo-slider", items: "primary", version: "A", shuffleItems: false, shuffleOptions: false }),
    pairing: z.enum(["none", "round-robin", "random", "fixed"]).default("none"),
    /** For pairing: fixed, the pairs by agent id. */
    pairs: z.array(z.tuple([Id, Id])).default([]),
    feedback: z.boolean().default(false),
    /**
     * With feedback, how many past rounds with a partner an agent remembers, across the pair's
     * trials, for agents without a `memory` of their own (llm agents set theirs). null: two
     * trials' worth of rounds (e.g. 12 on the six primary slider items).
     */
    memory: z.number().int().nonnegative().nullable().default(null),
    /** Sessions (pair trajectories) in flight at once. */
    maxConcurrency: z.number().int().positive().default(16),
    endpoints: z.record(Id, Endpoint).default({}),
    prices: z.record(z.string(), Price).default({}),
    agents: z.array(AgentEntry).min(1, "expected at least one agent"),
    /**
     * An experiment: field paths (`model`, `prompts.goal`, `game.rounds`, `trials`, …) to lists of
     * values, crossed into cells that each run as a scenario of their own (src/scenario/sweep.ts).
     */
    sweep: z.record(z.string(), z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).min(1)).default({}),
  })
  .strict();
export type Scenario = z.infer<typeof Scenario>;
export type ScenarioInput = z.input<typeof Scenario>;
