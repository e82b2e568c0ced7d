/**
 * Token cost: price tables in USD per million tokens. The built-in tables hold the list prices
 * of OpenAI, Anthropic and Google models as published on the providers' price pages
 * (PRICES_TAKEN); they apply on the endpoint that serves those models (`openai`, or a named
 * endpoint whose baseURL is the provider's API host), so a local server reusing a model name is
 * never billed. The scenario's `prices:` override them and price any other model, keyed by the
 * full reference or by the model name. An endpoint marked `free: true` costs 0 knowingly; any
 * other model without a price has an unknown cost (`priceFor` returns null).
 *
 * @example
 * const price = priceFor("openai", "gpt-4o-mini", {});   // { input: 0.15, cachedInput: 0.075, output: 0.6 }
 * costUsd(price, 1_000, 200);                             // 0.00027
 */
import type { z } from "zod";
import type { Price } from "../scenario/schema.ts";

export type PriceEntry = z.infer<typeof Price>;

/** When the built-in tables were taken from the providers' price pages. */
export const PRICES_TAKEN = "2025-11-01";

/** OpenAI (platform.openai.com/docs/pricing, standard tier). */
export const DEFAULT_OPENAI_PRICES: Readonly<Record<string, PriceEntry>> = {
  "gpt-5": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5-mini": { input: 0.25, cachedInput: 0.025, output: 2 },
  "gpt-5-nano": { input: 0.05, cachedInput: 0.005, output: 0.4 },
  "gpt-5-chat-latest": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-4.1": { input: 2, cachedInput: 0.5, output: 8 },
  "gpt-4.1-mini": { input: 0.4, cachedInput: 0.1, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, cachedInput: 0.025, output: 0.4 },
  "gpt-4o": { input: 2.5, cachedInput: 1.25, output: 10 },
  "gpt-4o-2024-08-06": { input: 2.5, cachedInput: 1.25, output: 10 },
  "gpt-4o-mini": { input: 0.15, cachedInput: 0.075, output: 0.6 },
  "gpt-4o-mini-2024-07-18": { input: 0.15, cachedInput: 0.075, output: 0.6 },
  o3: { input: 2, cachedInput: 0.5, output: 8 },
  "o3-mini": { input: 1.1, cachedInput: 0.55, output: 4.4 },
  "o4-mini": { input: 1.1, cachedInput: 0.275, output: 4.4 },
  o1: { input: 15, cachedInput: 7.5, output: 60 },
  "gpt-4-turbo": { input: 10, output: 30 },
  "gpt-3.5-turbo": { input: 0.5, output: 1.5 },
};

/** Anthropic (docs.anthropic.com pricing; cachedInput = cache read). */
export const DEFAULT_ANTHROPIC_PRICES: Readonly<Record<string, PriceEntry>> = {
  "claude-opus-4-5": { input: 5, cachedInput: 0.5, output: 25 },
  "claude-opus-4-1": { input: 15, cachedInput: 1.5, output: 75 },
  "claude-opus-4-0": { input: 15, cachedInput: 1.5, output: 75 },
  "claude-opus-4-20250514": { input: 15, cachedInput: 1.5, output: 75 },
  "claude-sonnet-4-5": { input: 3, cachedInput: 0.3, output: 15 },
  "claude-sonnet-4-0": { input: 3, cachedInput: 0.3, output: 15 },
  "claude-sonnet-4-20250514": { input: 3, cachedInput: 0.3, output: 15 },
  "claude-haiku-4-5": { input: 1, cachedInput: 0.1, output: 5 },
  "claude-3-5-haiku-latest": { input: 0.8, cachedInput: 0.08, output: 4 },
};

/** Google Gemini API (ai.google.dev pricing, paid tier, prompts up to 200k tokens). */
export const DEFAULT_GOOGLE_PRICES: Readonly<Record<string, PriceEntry>> = {
  "gemini-2.5-pro": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gemini-2.5-flash": { input: 0.3, cachedInput: 0.03, output: 2.5 },
  "gemini-2.5-flash-lite": { input: 0.1, cachedInput: 0.01, output: 0.4 },
  "gemini-2.0-flash": { input: 0.1, cachedInput: 0.025, output: 0.4 },
};

/**
 * The built-in table for an endpoint: the built-in `openai`, `anthropic` and `google` (whatever
 * base URL their environment variable gives, as a proxy still bills the provider's prices) and
 * named endpoints pointing at a provider's API host.
 */
function tableFor(endpointName: string, baseURL: string | null): Readonly<Record<string, PriceEntry>> | null {
  if (endpointName === "openai") return DEFAULT_OPENAI_PRICES;
  if (endpointName === "anthropic") return DEFAULT_ANTHROPIC_PRICES;
  if (endpointName === "google") return DEFAULT_GOOGLE_PRICES;
  let host = "";
  try {
    host = baseURL ? new URL(baseURL).hostname : "";
  } catch {
    host = "";
  }
  if (host === "api.openai.com") return DEFAULT_OPENAI_PRICES;
  if (host === "api.anthropic.com") return DEFAULT_ANTHROPIC_PRICES;
  if (host === "generativelanguage.googleapis.com") return DEFAULT_GOOGLE_PRICES;
  return null;
}

const FREE: PriceEntry = { input: 0, output: 0 };

/**
 * The price of a model, or null when unknown (neither in the scenario's `prices:` nor in the
 * built-in table of its provider, and the endpoint is not marked free).
 */
export function priceFor(
  endpointName: string,
  model: string,
  overrides: Readonly<Record<string, PriceEntry>>,
  endpoint: { baseURL?: string | null; free?: boolean; provider?: string } = {},
): PriceEntry | null {
  const ref = `${endpointName}:${model}`;
  if (Object.hasOwn(overrides, ref)) return overrides[ref];
  if (Object.hasOwn(overrides, model)) return overrides[model];
  // A model file run in-process costs nothing, whatever the endpoint entry is called.
  if (endpoint.free || endpointName === "gguf" || endpoint.provider === "gguf") return FREE;
  const table = tableFor(endpointName, endpoint.baseURL ?? null);
  if (table && Object.hasOwn(table, model)) return table[model];
  return null;
}

/** The `prices:` entry a user adds for an unpriced model (for messages). */
export function priceEntryHint(endpointName: string, model: string): string {
  return `prices: { "${endpointName}:${model}": { input: <USD per 1M input tokens>, output: <USD per 1M output tokens> } } (or free: true on a local endpoint)`;
}

/**
 * The price of a call made through a provider's Batch API: the entry's `batchInput` and
 * `batchOutput`, else half of the synchronous input and output prices (OpenAI's and Anthropic's
 * batch discount). Cached input in a batch is billed as batch input.
 *
 * @example
 * batchPrice({ input: 0.15, cachedInput: 0.075, output: 0.6 }); // { input: 0.075, output: 0.3 }
 */
export function batchPrice(price: PriceEntry): PriceEntry {
  return { input: price.batchInput ?? price.input / 2, output: price.batchOutput ?? price.output / 2 };
}

/** USD for one call at a known price (an unknown price is a null cost, decided by the caller). */
export function costUsd(price: PriceEntry, inputTokens: number, outputTokens: number): number {
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}
