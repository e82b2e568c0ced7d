/**
 * Model references: "openai:<model>" or "<endpoint>:<model>" for an endpoint named in the
 * scenario. Resolution finds the base URL, the limits and the key (from the environment only).
 *
 * @example
 * const m = resolveModelRef("local:llama3:8b", { local: Endpoint.parse({ baseURL: "http://127.0.0.1:8000/v1" }) }, process.env);
 * m.endpointName; // "local"
 * m.model;        // "llama3:8b"
 */
import { z } from "zod";
import { InputError } from "../core/errors.ts";
import { closest } from "../scenario/errors.ts";
import { baseUrlProblem, Endpoint } from "../scenario/schema.ts";

export type EndpointSettings = z.infer<typeof Endpoint>;

export const OPENAI_BASE_URL = "https://api.openai.com/v1";

export interface ResolvedModel {
  /** The reference as written, e.g. "openai:gpt-4o-mini". */
  readonly ref: string;
  readonly endpointName: string;
  /** The model name sent to the server. */
  readonly model: string;
  readonly baseURL: string;
  readonly settings: EndpointSettings;
  /** Held in memory only; never part of a cache key, event or log line. */
  readonly apiKey: string;
}

/** Splits "endpoint:model" at the first colon (model names such as "llama3:8b" keep theirs). */
export function parseModelRef(ref: string): { endpoint: string; model: string } {
  const i = ref.indexOf(":");
  if (i <= 0 || i === ref.length - 1)
    throw new InputError(`model '${ref}': expected "openai:<model>" or "<endpoint>:<model>"`);
  return { endpoint: ref.slice(0, i), model: ref.slice(i + 1) };
}

/**
 * Providers and local servers that speak the OpenAI Chat Completions API, as an endpoint entry
 * to paste: hvae reaches them all through one client, so a model from any of them is one
 * `endpoints:` entry away (the hint in the unknown-endpoint message).
 */
export const KNOWN_ENDPOINTS: Readonly<Record<string, string>> = {
  anthropic: `{ baseURL: "https://api.anthropic.com/v1/", apiKeyEnv: ANTHROPIC_API_KEY, structuredOutput: false }`,
  gemini: `{ baseURL: "https://generativelanguage.googleapis.com/v1beta/openai/", apiKeyEnv: GEMINI_API_KEY }`,
  groq: `{ baseURL: "https://api.groq.com/openai/v1", apiKeyEnv: GROQ_API_KEY }`,
  deepseek: `{ baseURL: "https://api.deepseek.com/v1", apiKeyEnv: DEEPSEEK_API_KEY }`,
  mistral: `{ baseURL: "https://api.mistral.ai/v1", apiKeyEnv: MISTRAL_API_KEY }`,
  together: `{ baseURL: "https://api.together.xyz/v1", apiKeyEnv: TOGETHER_API_KEY }`,
  openrouter: `{ baseURL: "https://openrouter.ai/api/v1", apiKeyEnv: OPENROUTER_API_KEY }`,
  ollama: `{ baseURL: "http://127.0.0.1:11434/v1", apiKeyEnv: null }`,
  vllm: `{ baseURL: "http://127.0.0.1:8000/v1", apiKeyEnv: null }`,
  lmstudio: `{ baseURL: "http://127.0.0.1:1234/v1", apiKeyEnv: null }`,
  llamacpp: `{ baseURL: "http://127.0.0.1:8080/v1", apiKeyEnv: null }`,
};

/**
 * Why a model reference names no endpoint the scenario can reach, or null when it does. Shared by
 * `hvae validate` (which sees only the file) and resolution at run time, so both say the same.
 */
export function modelRefProblem(ref: string, endpointNames: readonly string[]): string | null {
  let endpoint: string;
  try {
    endpoint = parseModelRef(ref).endpoint;
  } catch (err) {
    return (err as Error).message;
  }
  if (endpoint === "openai" || endpointNames.includes(endpoint)) return null;
  const known = ["openai", ...endpointNames];
  const guess = closest(endpoint, known);
  const hint = guess ? `did you mean '${guess}'? ` : "";
  const entry = Object.hasOwn(KNOWN_ENDPOINTS, endpoint) ? KNOWN_ENDPOINTS[endpoint] : null;
  const add = entry ? `add it under endpoints:, e.g. endpoints: { ${endpoint}: ${entry} }` : "add it under endpoints:";
  return `model '${ref}': unknown endpoint '${endpoint}' (${hint}known: ${known.join(", ")}; ${add})`;
}

/** Keyless local servers (vLLM, Ollama, …) still need a non-empty key for the OpenAI client. */
const NO_KEY = "not-needed";

/**
 * Resolves a model reference against the scenario's endpoints and the environment; throws an
 * InputError naming the problem (unknown endpoint, missing key variable).
 */
export function resolveModelRef(
  ref: string,
  endpoints: Record<string, EndpointSettings>,
  env: Record<string, string | undefined>,
): ResolvedModel {
  const { endpoint, model } = parseModelRef(ref);
  const named = Object.hasOwn(endpoints, endpoint) ? endpoints[endpoint] : undefined;
  if (endpoint === "openai") {
    const fromEnv = named ? null : env.OPENAI_BASE_URL || null;
    const problem = fromEnv ? baseUrlProblem(fromEnv) : null;
    // Never echoes the URL: it may hold the key.
    if (problem) throw new InputError(`model '${ref}': the environment variable OPENAI_BASE_URL: ${problem}`);
    const settings = named ?? Endpoint.parse({ baseURL: fromEnv ?? OPENAI_BASE_URL, apiKeyEnv: "OPENAI_API_KEY" });
    const keyVar = settings.apiKeyEnv ?? "OPENAI_API_KEY";
    const apiKey = env[keyVar];
    if (!apiKey) throw new InputError(`model '${ref}' needs the environment variable ${keyVar} (the API key)`);
    return { ref, endpointName: endpoint, model, baseURL: settings.baseURL, settings, apiKey };
  }
  if (!named) throw new InputError(modelRefProblem(ref, Object.keys(endpoints))!);
  let apiKey = NO_KEY;
  if (named.apiKeyEnv) {
    const value = env[named.apiKeyEnv];
    if (!value) throw new InputError(`model '${ref}': endpoints.${endpoint}.apiKeyEnv names ${named.apiKeyEnv}, which is not set`);
    apiKey = value;
  }
  return { ref, endpointName: endpoint, model, baseURL: named.baseURL, settings: named, apiKey };
}
