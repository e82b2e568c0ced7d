/**
 * The contract between the environment, the LLM agent and the model gateway. The gateway is
 * the only code that talks to a model server; everything else sees these types.
 *
 * @example
 * const gateway = createGateway({ endpoints: {}, prices: {}, cachePath: ".hvae/cache.sqlite",
 *   refreshCache: false, maxCostUsd: 5, env: process.env });
 * const r = await gateway.chat({ model: "openai:gpt-4o-mini", params: { temperature: null, topP: null,
 *   seed: null, maxTokens: 64 }, messages: [{ role: "user", content: "Say A." }], schema: null,
 *   sampleIndex: 0, decisionId: null, agentId: "a", purpose: "test" });
 */
import type { Observable } from "rxjs";
import type { z } from "zod";
import type { EventBody, EventOf } from "../core/events.ts";
import type { Scenario } from "../scenario/schema.ts";

export interface GatewayOptions {
  endpoints: Scenario["endpoints"];
  prices: Scenario["prices"];
  /** SQLite file for the response cache; null = --no-cache. */
  cachePath: string | null;
  /** Ignore cached answers (still writes fresh ones). */
  refreshCache: boolean;
  /** Stop scheduling paid calls once this much has been spent; null = no cap. */
  maxCostUsd: number | null;
  /** Where API keys come from (process.env in the CLI); never written anywhere. */
  env: Record<string, string | undefined>;
  /** Upper bound on the time one call may spend in retries, ms (default 300 000). */
  maxRetryTimeMs?: number;
  /** Base of the exponential backoff, ms (default 500; tests use less). */
  retryBaseMs?: number;
  /** Receives one record per call (the transcript store in src/store/transcripts.ts); null/absent = none. */
  transcripts?: TranscriptSink | null;
  /**
   * Told once of each condition the run goes on despite (the cache cannot be written, a server
   * sends unusable token counts). Default: ignored.
   */
  warn?: (message: string) => void;
  /**
   * How OpenAI-compatible calls are made: "lean" (default; the same request as LangChain's
   * ChatOpenAI sends, posted without its invoke stack: src/models/openai-lean.ts) or "langchain".
   */
  client?: "lean" | "langchain";
}

/**
 * One model call as sent and answered: what the transcript store keeps. The request is exactly
 * what went to the client (messages, response format, parameters); no key or header is in it.
 */
export interface TranscriptRecord {
  readonly request: ChatRequest;
  readonly endpoint: string;
  readonly model: string;
  /** The strict json_schema response format sent, or null for a text answer. */
  readonly format: { type: "json_schema"; json_schema: { name: string; schema: Record<string, unknown>; strict: true } } | null;
  /** Null when the call failed (then `error` says why). */
  readonly response: {
    content: string;
    refusal: string | null;
    /** Null when unknown (a cached answer; the cache keeps no finish reason). */
    finishReason: string | null;
    inputTokens: number;
    outputTokens: number;
  } | null;
  readonly cached: boolean;
  readonly error: string | null;
  readonly attempts: number;
  readonly latencyMs: number;
  /** Null when the model has no known price. */
  readonly costUsd: number | null;
}

/** Where the gateway hands its transcript records (it never writes files itself). */
export interface TranscriptSink {
  record(rec: TranscriptRecord): void;
}

/** How one endpoint fared in this process (written into the manifest's segment). */
export interface EndpointStats {
  /** Calls answered or failed (not counting cache hits). */
  calls: number;
  cacheHits: number;
  /** Requests sent, retries included. */
  attempts: number;
  retries: number;
  /** Retries by cause: "HTTP 503", "timeout", "connection error: ECONNRESET", "malformed response", … */
  retryCauses: Record<string, number>;
  /** Calls that failed after the retries (each one stops the endpoint: see `failure`). */
  failedCalls: number;
  /** Why the endpoint stopped serving this run, or null while healthy. */
  failure: string | null;
}

export interface ChatParams {
  temperature: number | null;
  topP: number | null;
  seed: number | null;
  maxTokens: number;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatRequest {
  /** Model reference: "openai:<model>" or "<endpoint>:<model>". */
  model: string;
  params: ChatParams;
  messages: ChatMessage[];
  /** Structured output schema (sent as a strict json_schema response format), or null for text. */
  schema: { name: string; zod: z.ZodType } | null;
  /** Distinguishes independent samples of the same request; part of the cache key. */
  sampleIndex: number;
  decisionId: string | null;
  agentId: string;
  /** What the call is for: "describe", "goal", "decide", "repair", … */
  purpose: string;
  /** The option labels offered (decisions), so the gateway can report each one's probability. */
  labels?: readonly string[] | null;
}

export interface ChatResult {
  /** The assistant's text ("" when the model sent no content). */
  content: string;
  /** The schema-validated object for structured requests; null when absent or invalid. */
  parsed: unknown | null;
  /** The model's refusal message (structured output), or null. */
  refusal: string | null;
  cached: boolean;
  inputTokens: number;
  outputTokens: number;
  /** What this call cost in this run (0 when served from the cache; null when the model has no known price). */
  costUsd: number | null;
  /**
   * The model's probability of each offered label at the answer position (gguf models; endpoints
   * with `logprobs: true`), or null when unavailable.
   */
  probabilities?: Record<string, number> | null;
}

export interface GatewaySummary {
  /** All calls answered, cached or not. */
  calls: number;
  cacheHits: number;
  /** Tokens and cost of the calls that went over the network (what was paid for). */
  inputTokens: number;
  outputTokens: number;
  /** USD; null as soon as one call had no known price (then `pricedCostUsd` is the known part). */
  costUsd: number | null;
  pricedCostUsd: number;
  /** Calls answered over the network by a model without a known price. */
  unpricedCalls: number;
}

export interface ModelGateway {
  /**
   * Throws BudgetExhaustedError or EndpointUnusableError (both RunStopErrors), or ModelCallError
   * after retries; every one is reported on calls$.
   */
  chat(req: ChatRequest): Promise<ChatResult>;
  /** Every call (cached or not, failed too) in completion order; completes on close(). */
  readonly calls$: Observable<EventBody<EventOf<"model.call">>>;
  budgetExhausted(): boolean;
  /**
   * Why endpoints failed (each one's reason, joined by "; "), or null while all are healthy; a
   * failed endpoint takes no more calls and the run ends `failed`. Optional for test fakes.
   */
  unusable?(): string | null;
  /**
   * False when the model reference's endpoint has failed: a session with an agent on it is not
   * started (it is left for --resume). Optional for test fakes (then always true).
   */
  usable?(model: string): boolean;
  /** Per endpoint: calls, retries by cause, failures. Optional for test fakes. */
  endpointStats?(): Record<string, EndpointStats>;
  summary(): GatewaySummary;
  close(): Promise<void>;
  /**
   * Whether the model's endpoint accepts structured output; throws an InputError for an
   * unknown endpoint or a missing key, so agents can fail at creation. Optional so test fakes
   * need not implement it (agents then assume true).
   */
  supportsStructuredOutput?(model: string): boolean;
  /**
   * A view of this gateway for one run of an experiment: the same endpoints, limits, cache and
   * budget, but its own `calls$` and transcript sink, so each cell's log holds its own calls.
   * Closing a view leaves the gateway open. Optional for test fakes.
   */
  view?(sink: { transcripts: TranscriptSink | null }): ModelGateway;
  /**
   * Endpoints that rejected structured output and fell back to text answers (`structuredOutput:
   * auto`), with the server's reason; for the manifest. Optional for test fakes.
   */
  structuredFallbacks?(): Record<string, string>;
}

/**
 * An error that ends the run cleanly (the session in flight is not recorded, so a resume replays
 * it) instead of becoming an invalid decision. `runStop` is the run's final status.
 */
export class RunStopError extends Error {
  constructor(
    message: string,
    readonly runStop: "budget-exhausted" | "failed",
  ) {
    super(message);
    this.name = "RunStopError";
  }
}

/**
 * True for a RunStopError, also one from another copy of this module (a custom agent module may
 * be loaded by a different loader, where `instanceof` fails).
 */
export function isRunStop(err: unknown): err is RunStopError {
  const stop = (err as { runStop?: unknown } | null)?.runStop;
  return stop === "budget-exhausted" || stop === "failed";
}

/** The run's --max-cost was reached: no new paid call is scheduled. */
export class BudgetExhaustedError extends RunStopError {
  constructor(message = "budget exhausted") {
    super(message, "budget-exhausted");
    this.name = "BudgetExhaustedError";
  }
}

/**
 * An endpoint cannot serve this run: it refuses connections, its host is unknown, it rejects the
 * key, the model or URL does not exist, or a call kept failing after the bounded retries
 * (timeouts, 5xx, resets, broken bodies). A transport failure is not a model's answer, so the
 * decision is not recorded: the session is left for --resume and the run ends `failed`.
 */
export class EndpointUnusableError extends RunStopError {
  constructor(message: string) {
    super(message, "failed");
    this.name = "EndpointUnusableError";
  }
}

/**
 * A response that arrived but is not one the Chat Completions API gives: a body that is not JSON
 * (an HTML error page with status 200), JSON without choices, or a body over the size limit. It
 * is a transport fault like a reset connection, never a model's answer.
 */
export class TransportFault extends Error {
  constructor(
    message: string,
    /** False when another attempt would get the same (a body over the size limit). */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "TransportFault";
  }
}

/** A model call that failed for good (after retries, or with a non-retryable error). */
export class ModelCallError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    /** Why the endpoint itself is unusable, when the failure says so (see EndpointUnusableError). */
    readonly unusable: string | null = null,
  ) {
    super(message);
    this.name = "ModelCallError";
  }
}
