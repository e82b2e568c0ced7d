/**
 * The scenario schema: one zod schema is both the TypeScript type and the validator, and
 * `hvae schema` prints it as JSON Schema for editors.
 *
 * @example
 * const scenario = Scenario.parse(YAML.parse(text));
 */
import { z } from "zod";

import { AgentEntry, AGENT_MODULES, CustomAgentSpec } from "../../agents/registry.ts";
import { LlmSpec, PromptSettings } from "../../agents/llm/schema.ts";
import { Category, Id, ValueField } from "../core/fields.ts";
import { GameField, type GameSpec } from "../games/registry.ts";

// Built from the registries (agents/registry.ts, src/games/registry.ts): adding an agent type or
// a game there adds it here, to `hvae schema`, to validation messages and to the README's tables.
export { AgentEntry, AGENT_MODULES, Category, CustomAgentSpec as CustomAgent, Id, LlmSpec as LlmAgent, PromptSettings, ValueField };
export { AGENT_TYPE_MESSAGE, agentSchemaFor } from "../../agents/registry.ts";
export type { AgentEntry as AgentEntryType } from "../../agents/registry.ts";

/** The scenario's `game:` field: a built-in game by `type`, or a game module path. */
export const Game = GameField;
export type Game = GameSpec;

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
    /** Passes through the game per agent (per group when grouped). */
    trials: z.number().int().positive().default(10),
    game: Game.default({ type: "svo-slider", items: "primary", version: "A", shuffleItems: false, shuffleOptions: false } as GameSpec),
    pairing: z.enum(["none", "round-robin", "random", "fixed"]).default("none"),
    /** For pairing: fixed in two-person games, the pairs by agent id. */
    pairs: z.array(z.tuple([Id, Id])).default([]),
    /** For pairing: fixed, the groups by agent id (each of the game's group size). */
    groups: z.array(z.array(Id).min(1)).default([]),
    feedback: z.boolean().default(false),
    /**
     * With feedback, how many past rounds with a partner an agent remembers, across the pair's
     * trials, for agents without a `memory` of their own (llm agents set theirs). null: two
     * trials' worth of rounds (e.g. 12 on the six primary slider items).
     */
    memory: z.number().int().nonnegative().nullable().default(null),
    /** Sessions (group trajectories) in flight at once. */
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
