/**
 * Model references: "openai:<model>", "anthropic:<model>", "google:<model>", "gguf:<path>" (a
 * local GGUF file run in-process), or "<endpoint>:<model>" for an endpoint named in the scenario
 * (whose `provider` says which client it speaks through). Resolution finds the provider, the
 * base URL, the limits and the key (from the environment only).
 *
 * @example
 * const m = resolveModelRef("local:llama3:8b", { local: Endpoint.parse({ baseURL: "http://127.0.0.1:8000/v1" }) }, process.env);
 * m.endpointName; // "local"
 * m.model;        // "llama3:8b"
 */
import { resolve as resolvePath } from "node:path";
import { z } from "zod";
import { InputError } from "../core/errors.ts";
import { closest } from "../scenario/errors.ts";
import { baseUrlProblem, Endpoint } from "../scenario/schema.ts";

export type EndpointSettings = z.infer<typeof Endpoint>;

export const OPENAI_BASE_URL = "https://api.openai.com/v1";

export type Provider = EndpointSettings["provider"];

export interface ResolvedModel {
  /** The reference as written, e.g. "openai:gpt-4o-mini". */
  readonly ref: string;
  readonly endpointName: string;
  readonly provider: Provider;
  /** The model name sent to the server. */
  readonly model: string;
  /** The server's URL; for gguf models "gguf:" and the file's absolute path (part of cache keys). */
  readonly baseURL: string;
  readonly settings: EndpointSettings;
  /** Held in memory only; never part of a cache key, event or log line. */
  readonly apiKey: string;
}

/** Splits "endpoint:model" at the first colon (model names such as "llama3:8b" keep theirs). */
export function parseModelRef(ref: string): { endpoint: string; model: string } {
  const i = ref.indexOf(":");
  if (i <= 0 || i === ref.length - 1)
    throw new InputError(`model '${ref}': expected "<provider>:<model>" (openai, anthropic, google), "gguf:<path>" or "<endpoint>:<model>"`);
  return { endpoint: ref.slice(0, i), model: ref.slice(i + 1) };
}

/**
 * Providers and local servers that speak the OpenAI Chat Completions API, as an endpoint entry
 * to paste: hvae reaches them all through one client, so a model from any of them is one
 * `endpoints:` entry away (the hint in the unknown-endpoint message).
 */
export const KNOWN_ENDPOINTS: Readonly<Record<string, string>> = {
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
  if (Object.hasOwn(BUILT_IN, endpoint) || endpointNames.includes(endpoint)) return null;
  const known = [...Object.keys(BUILT_IN), ...endpointNames];
  const guess = closest(endpoint, known);
  const hint = guess ? `did you mean '${guess}'? ` : "";
  const entry = Object.hasOwn(KNOWN_ENDPOINTS, endpoint) ? KNOWN_ENDPOINTS[endpoint] : null;
  const add = entry ? `add it under endpoints:, e.g. endpoints: { ${endpoint}: ${entry} }` : "add it under endpoints:";
  return `model '${ref}': unknown endpoint '${endpoint}' (${hint}known: ${known.join(", ")}; ${add})`;
}

/** Keyless local servers (vLLM, Ollama, …) still need a non-empty key for the OpenAI client. */
const NO_KEY = "not-needed";

/** Endpoint names that need no entry: each provider's public API (or a local file, for gguf). */
const BUILT_IN: Readonly<Record<string, { provider: Provider; keyVar: string | null; baseEnv: string | null; baseURL: string | null }>> = {
  openai: { provider: "openai", keyVar: "OPENAI_API_KEY", baseEnv: "OPENAI_BASE_URL", baseURL: OPENAI_BASE_URL },
  anthropic: { provider: "anthropic", keyVar: "ANTHROPIC_API_KEY", baseEnv: "ANTHROPIC_BASE_URL", baseURL: "https://api.anthropic.com" },
  google: { provider: "google", keyVar: "GOOGLE_API_KEY", baseEnv: null, baseURL: "https://generativelanguage.googleapis.com" },
  gguf: { provider: "gguf", keyVar: null, baseEnv: null, baseURL: null },
};

/** The key variable each provider reads when an entry names none (for redaction too). */
export const PROVIDER_KEY_VARS: readonly string[] = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY"];

const DEFAULT_KEY_VAR: Record<Provider, string | null> = { openai: null, anthropic: "ANTHROPIC_API_KEY", google: "GOOGLE_API_KEY", gguf: null };
const DEFAULT_BASE_URL: Record<Provider, string | null> = {
  openai: null,
  anthropic: BUILT_IN.anthropic.baseURL,
  google: BUILT_IN.google.baseURL,
  gguf: null,
};

/**
 * Resolves a model reference against the scenario's endpoints and the environment; throws an
 * InputError naming the problem (unknown endpoint, missing key variable). gguf files are checked
 * by the gateway (see gguf-file.ts), not here.
 */
export function resolveModelRef(
  ref: string,
  endpoints: Record<string, EndpointSettings>,
  env: Record<string, string | undefined>,
): ResolvedModel {
  const { endpoint, model } = parseModelRef(ref);
  const named = Object.hasOwn(endpoints, endpoint) ? endpoints[endpoint] : undefined;
  const builtIn = Object.hasOwn(BUILT_IN, endpoint) ? BUILT_IN[endpoint] : undefined;
  const fromEnv = !named && builtIn?.baseEnv ? env[builtIn.baseEnv] || null : null;
  const problem = fromEnv ? baseUrlProblem(fromEnv) : null;
  // Never echoes the URL: it may hold the key.
  if (problem) throw new InputError(`model '${ref}': the environment variable ${builtIn!.baseEnv}: ${problem}`);
  if (!named && !builtIn) throw new InputError(modelRefProblem(ref, Object.keys(endpoints))!);
  const settings =
    named ??
    Endpoint.parse({
      provider: builtIn!.provider,
      baseURL: fromEnv ?? builtIn!.baseURL,
      apiKeyEnv: builtIn!.keyVar,
      // One process evaluates a local model: its sequences, not a server's queue, bound the calls in flight.
      // Its calls cost nothing, knowingly (not an unknown price).
      ...(builtIn!.provider === "gguf" ? { maxConcurrency: 2, maxRetries: 0, free: true } : {}),
    });
  const provider = settings.provider;
  if (provider === "gguf") {
    return { ref, endpointName: endpoint, provider, model, baseURL: `gguf:${resolvePath(model)}`, settings, apiKey: NO_KEY };
  }
  const keyVar = settings.apiKeyEnv ?? (builtIn ? builtIn.keyVar : DEFAULT_KEY_VAR[provider]);
  let apiKey = NO_KEY;
  if (keyVar) {
    const value = env[keyVar];
    if (!value)
      throw new InputError(
        named && settings.apiKeyEnv
          ? `model '${ref}': endpoints.${endpoint}.apiKeyEnv names ${keyVar}, which is not set`
          : `model '${ref}' needs the environment variable ${keyVar} (the API key)`,
      );
    apiKey = value;
  }
  const baseURL = settings.baseURL ?? DEFAULT_BASE_URL[provider];
  if (!baseURL) throw new InputError(`model '${ref}': endpoints.${endpoint}.baseURL is missing`);
  return { ref, endpointName: endpoint, provider, model, baseURL, settings, apiKey };
}
