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

/** Node's timers hold at most this many ms; a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Why a base URL cannot be used as one, or null: credentials in it would be logged with it. */
export function baseUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null; // the url check says so
  }
  if (u.username || u.password)
    return "the URL holds credentials (user:password@): remove them and name the environment variable holding the key in apiKeyEnv";
  if (u.protocol !== "http:" && u.protocol !== "https:") return `expected an http:// or https:// URL, got ${u.protocol}`;
  return null;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * True when an apiKeyEnv value is more likely a pasted key than a variable name: not a name at
 * all (keys hold '-'), a provider's key prefix, or a long mix of cases and digits.
 */
export function looksLikeKey(value: string): boolean {
  if (!ENV_NAME.test(value)) return true;
  if (value.length >= 20 && /^(sk|pk|rk|gsk|hf|xai|AIza)/.test(value)) return true;
  return value.length >= 24 && /[a-z]/.test(value) && /[A-Z]/.test(value) && /\d/.test(value);
}

/** Which client an endpoint entry speaks through (LangChain's chat model per provider; gguf: in-process). */
export const PROVIDERS = ["openai", "anthropic", "google", "gguf"] as const;

export const Endpoint = z
  .object({
    /**
     * openai (default): any OpenAI-compatible Chat Completions server; anthropic: the Messages API
     * (@langchain/anthropic); google: the Gemini API (@langchain/google-genai); gguf: a local GGUF
     * file run in-process by node-llama-cpp (the model part of the reference is the file's path).
     */
    provider: z.enum(PROVIDERS).default("openai"),
    /** Required for openai; anthropic and google default to their public APIs; unused for gguf. */
    baseURL: z
      .string()
      .url()
      .superRefine((url, ctx) => {
        const problem = baseUrlProblem(url);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .nullable()
      .default(null),
    /** Name of the environment variable holding the key; keys never appear in scenario files. */
    apiKeyEnv: z
      .string()
      .refine((v) => !looksLikeKey(v), {
        // Never echoes the value: it may be the key itself.
        message:
          "expected the name of an environment variable (letters, digits and '_'), and this looks like an API key itself: put the key in an environment variable and name that variable here",
      })
      .nullable()
      .default(null),
    maxConcurrency: z.number().int().positive().default(8),
    requestsPerMinute: z.number().positive().nullable().default(null),
    tokensPerMinute: z.number().positive().nullable().default(null),
    /** Bounds one whole attempt: connecting, waiting, and reading the body. */
    timeoutMs: z.number().int().positive().max(MAX_TIMER_MS, `expected at most ${MAX_TIMER_MS} ms (about 24.8 days; longer timers do not work)`).default(60_000),
    maxRetries: z.number().int().nonnegative().max(100).default(5),
    /**
     * auto: ask for structured output (json schema) and fall back once, for the rest of the run, to
     * text answers when the server rejects it; true: always; false: never (text answers).
     */
    structuredOutput: z.union([z.literal("auto"), z.boolean()]).default("auto"),
    /** openai: ask for logprobs/top_logprobs and derive each option's probability from them. */
    logprobs: z.boolean().default(false),
    /** gguf: CPU threads for evaluation (null: half the available cores). */
    threads: z.number().int().positive().nullable().default(null),
    /** gguf: context window per sequence, tokens. */
    contextSize: z.number().int().positive().default(4096),
    /** A response body larger than this is cut off and the call fails (default 8 MB). */
    maxResponseBytes: z.number().int().positive().default(8 * 1024 * 1024),
    /** Calls to this endpoint cost nothing (a local server): cost 0 knowingly, without a price. */
    free: z.boolean().default(false),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.provider === "openai" && e.baseURL === null)
      ctx.addIssue({ code: "custom", path: ["baseURL"], message: "expected baseURL (the OpenAI-compatible server's URL, e.g. http://127.0.0.1:8000/v1)" });
  });

/** USD per million tokens, by model name. */
export const Price = z
  .object({
    input: z.number().nonnegative(),
    output: z.number().nonnegative(),
    /** Input tokens served from the provider's prompt cache, when the price differs. */
    cachedInput: z.number().nonnegative().optional(),
    /** Batch API prices; half of input and output unless given. */
    batchInput: z.number().nonnegative().optional(),
    batchOutput: z.number().nonnegative().optional(),
  })
  .strict();

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
