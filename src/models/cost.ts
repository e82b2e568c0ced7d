/**
 * Token cost: a price table in USD per million tokens. Defaults cover a few common OpenAI
 * models (list prices at the time of writing; check yours); the scenario's `prices` override
 * them and price any other model, keyed by the full reference or by the model name.
 *
 * @example
 * const price = priceFor("openai", "gpt-4o-mini", {});   // { input: 0.15, output: 0.6 }
 * costUsd(price, 1_000, 200);                             // 0.00027
 */
import type { z } from "zod";
import type { Price } from "../scenario/schema.ts";

export type PriceEntry = z.infer<typeof Price>;

/** Defaults for the `openai` endpoint only: a local server may reuse a model name for free. */
export const DEFAULT_OPENAI_PRICES: Readonly<Record<string, PriceEntry>> = {
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "gpt-4o": { input: 2.5, output: 10 },
  "gpt-4.1": { input: 2, output: 8 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4 },
  "gpt-4-turbo": { input: 10, output: 30 },
  "gpt-3.5-turbo": { input: 0.5, output: 1.5 },
  "o3-mini": { input: 1.1, output: 4.4 },
};

/** The price of a model, or null when unknown (its calls then count as free). */
export function priceFor(
  endpointName: string,
  model: string,
  overrides: Readonly<Record<string, PriceEntry>>,
): PriceEntry | null {
  const ref = `${endpointName}:${model}`;
  if (Object.hasOwn(overrides, ref)) return overrides[ref];
  if (Object.hasOwn(overrides, model)) return overrides[model];
  if (endpointName === "openai" && Object.hasOwn(DEFAULT_OPENAI_PRICES, model)) return DEFAULT_OPENAI_PRICES[model];
  return null;
}

/** USD for one call. */
export function costUsd(price: PriceEntry | null, inputTokens: number, outputTokens: number): number {
  if (!price) return 0;
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}
