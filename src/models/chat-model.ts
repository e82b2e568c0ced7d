/**
 * One attempt of one chat call through LangChain's `ChatOpenAI` (built with `initChatModel`,
 * provider "openai", `configuration.baseURL` for named endpoints). The client never retries
 * (`maxRetries: 0`: the gateway owns retries), never streams, and never counts tokens locally
 * (that would download a tokenizer); tokens come from the response's usage.
 *
 * Every response body is read here, below the SDK: whole, within the endpoint's `timeoutMs`
 * (the whole call, body included) and `maxResponseBytes`, and checked to be a chat completion
 * before the client sees it. A body that is not one (an HTML page with status 200, JSON without
 * choices, a body cut off) is a TransportFault, never an answer.
 *
 * @example
 * const model = createChatModel(resolveModelRef("openai:gpt-4o-mini", {}, process.env), params);
 * const r = await model.invoke([{ role: "user", content: "Say A." }], null, null);
 */
import { readBounded } from "./bounded-body.ts";
import { AsyncLocalStorage } from "node:async_hooks";
import { TransportFault, type ChatMessage, type ChatParams } from "./gateway-types.ts";
import type { z } from "zod";
import type { ResolvedModel } from "./model-ref.ts";
import { probabilitiesFromLogprobs } from "./option-probabilities.ts";

/** A json_schema response format as the Chat Completions API takes it. */
export interface JsonSchemaFormat {
  type: "json_schema";
  json_schema: { name: string; schema: Record<string, unknown>; strict: true };
}

export interface AttemptResult {
  content: string;
  refusal: string | null;
  finishReason: string | null;
  /** 0 when the server sent no usable usage numbers (see usageProblem). */
  inputTokens: number;
  outputTokens: number;
  /** Why the response's token counts could not be used ("missing", or what was wrong), or null. */
  usageProblem: string | null;
  /** Each offered label's probability at the answer position, when the model exposes it; else null. */
  probabilities: Record<string, number> | null;
}

/** What a call may add beyond the wire format: the zod schema (providers that take it) and the option labels. */
export interface InvokeExtra {
  zod?: z.ZodType | null;
  /** The option labels offered, for option probabilities (null: not a decision). */
  labels?: readonly string[] | null;
  /** The sample's index, for backends that seed their own sampling (gguf). */
  sampleIndex?: number;
}

export interface ChatModel {
  invoke(messages: ChatMessage[], format: JsonSchemaFormat | null, seed: number | null, extra?: InvokeExtra): Promise<AttemptResult>;
  /** Frees what the model holds (a loaded local model); optional. */
  close?(): Promise<void>;
}

interface RawChoice {
  message?: { content?: unknown; refusal?: unknown };
  finish_reason?: unknown;
  logprobs?: { content?: { token: string; logprob: number; top_logprobs?: { token: string; logprob: number }[] }[] | null } | null;
}
export interface RawCompletion {
  choices?: RawChoice[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
}

/** No single call reads or writes more tokens than this; a larger count is a server's bug. */
export const MAX_TOKENS_PER_CALL = 10_000_000;

const tokenCount = (v: unknown): number | null =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v <= MAX_TOKENS_PER_CALL ? v : null;

const shown = (v: unknown): string => (typeof v === "string" ? JSON.stringify(v.slice(0, 24)) : String(v).slice(0, 24));

/**
 * Validated token counts: whole numbers from 0 to MAX_TOKENS_PER_CALL, else missing (0 tokens)
 * with the reason, so a float, a string, a negative or a huge number never reaches the log.
 *
 * @example
 * readUsage({ prompt_tokens: 12, completion_tokens: -3 }).usageProblem; // "prompt_tokens 12, completion_tokens -3 (expected …)"
 */
export function readUsage(usage: RawCompletion["usage"] | undefined): Pick<AttemptResult, "inputTokens" | "outputTokens" | "usageProblem"> {
  if (usage == null || typeof usage !== "object") return { inputTokens: 0, outputTokens: 0, usageProblem: "missing" };
  const input = tokenCount(usage.prompt_tokens);
  const output = tokenCount(usage.completion_tokens);
  if (input !== null && output !== null) return { inputTokens: input, outputTokens: output, usageProblem: null };
  return {
    inputTokens: 0,
    outputTokens: 0,
    usageProblem: `prompt_tokens ${shown(usage.prompt_tokens)}, completion_tokens ${shown(usage.completion_tokens)} (expected whole numbers from 0 to ${MAX_TOKENS_PER_CALL})`,
  };
}

/**
 * Message content as text: a string, or an array of parts (`{type: "text", text}`, which the
 * API allows) joined; refusal parts are collected apart.
 */
export function contentText(content: unknown): { text: string; refusal: string | null } {
  if (typeof content === "string") return { text: content, refusal: null };
  if (!Array.isArray(content)) return { text: "", refusal: null };
  let text = "";
  let refusal: string | null = null;
  for (const part of content as unknown[]) {
    if (typeof part === "string") text += part;
    else if (part && typeof part === "object") {
      const p = part as { type?: unknown; text?: unknown; refusal?: unknown };
      if (typeof p.text === "string") text += p.text;
      else if (p.type === "refusal" && typeof p.refusal === "string") refusal = (refusal ?? "") + p.refusal;
    }
  }
  return { text, refusal };
}

/** The attempt's result from a whole chat completion body (the LangChain and the lean path read it alike). */
export function fromRaw(raw: RawCompletion, labels: readonly string[] | null | undefined): AttemptResult {
  const choice = raw.choices?.[0];
  const { text, refusal } = contentText(choice?.message?.content);
  const said = choice?.message?.refusal;
  return {
    content: text,
    refusal: typeof said === "string" && said !== "" ? said : refusal,
    finishReason: typeof choice?.finish_reason === "string" ? choice.finish_reason : null,
    ...readUsage(raw.usage),
    probabilities: labels ? probabilitiesFromLogprobs(choice?.logprobs?.content, labels) : null,
  };
}

/**
 * What is wrong with a 2xx body, or null when it is a chat completion (JSON with a first choice
 * that has a message). The OpenAI SDK would hand an HTML page to LangChain as text, and an
 * answer without choices would read as an empty answer: both are faults of the transport.
 */
export function bodyProblem(text: string): string | null {
  const r = parseCompletion(text);
  return typeof r === "string" ? r : null;
}

/** A 2xx body parsed once: the chat completion, or what is wrong with it (see bodyProblem). */
export function parseCompletion(text: string): RawCompletion | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const start = text.trimStart().slice(0, 40).replace(/\s+/g, " ");
    return `not JSON (${text.length} characters${start ? `, starting ${JSON.stringify(start)}` : ""})`;
  }
  const choices = (json as RawCompletion | null)?.choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    const error = (json as { error?: { message?: unknown } } | null)?.error?.message;
    return `JSON without choices${typeof error === "string" ? ` (error: ${error.slice(0, 200)})` : ""}`;
  }
  const message = (choices[0] as RawChoice | null)?.message;
  if (!message || typeof message !== "object") return "JSON whose first choice has no message";
  return json as RawCompletion;
}


/** A 2xx body that is not a chat completion: a fault of the transport, retried. */
export const malformed = (status: number, contentType: string | null | undefined, problem: string) =>
  new TransportFault(`malformed response (HTTP ${status}, ${contentType ?? "no content type"}): ${problem}`, true);

/** The message when a body is larger than the endpoint's maxResponseBytes (`n`: "of 123 bytes"). */
export const tooLarge = (n: string, limit: number) =>
  new TransportFault(`response body ${n} exceeds the limit of ${limit} bytes (the endpoint's maxResponseBytes)`, false);

/** Headers that describe the bytes on the wire, not the text handed on. */
const WIRE_HEADERS = new Set(["content-length", "content-encoding", "transfer-encoding"]);

/** The OpenAI-compatible chat model through LangChain, with the `ChatOpenAI` it invokes (for the lean path, openai-lean.ts). */
export interface LangChainChatModel extends ChatModel {
  /** The `ChatOpenAI` instance, built on first use. */
  instance(): Promise<unknown>;
}

/** Builds the model lazily: LangChain costs most of a second to import and only LLM runs need it. */
export function createChatModel(resolved: ResolvedModel, params: ChatParams): LangChainChatModel {
  const limit = resolved.settings.maxResponseBytes;
  // The current call's parsed completion, kept so an answer the SDK or LangChain then fails to
  // parse (malformed structured JSON, cut off by max tokens, content parts) is still read.
  const lastBody = new AsyncLocalStorage<{ raw: RawCompletion | null }>();
  const boundedFetch: typeof fetch = async (input, init) => {
    // The SDK's own timer covers this whole function (it clears it when fetch returns), so the
    // body is read under it; the second signal keeps that true whatever a client version does.
    const timeout = AbortSignal.timeout(resolved.settings.timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const res = await fetch(input, { ...init, signal });
    const text = await readBounded(res, limit, (detail) => tooLarge(detail, limit));
    const headers = new Headers();
    res.headers.forEach((v, k) => {
      if (!WIRE_HEADERS.has(k)) headers.set(k, v);
    });
    if (res.ok) {
      const raw = parseCompletion(text);
      if (typeof raw === "string") throw malformed(res.status, res.headers.get("content-type"), raw);
      const slot = lastBody.getStore();
      if (slot) slot.raw = raw;
      headers.set("content-type", "application/json");
    }
    return new Response(text, { status: res.status, statusText: res.statusText, headers });
  };

  let model: Promise<{ invoke(m: unknown, o: unknown): Promise<unknown> }> | null = null;
  const load = () =>
    (model ??= import("langchain/chat_models/universal").then(async ({ initChatModel }) => {
      const configurable = await initChatModel(resolved.model, {
        modelProvider: "openai",
        apiKey: resolved.apiKey,
        configuration: { baseURL: resolved.baseURL, fetch: boundedFetch },
        maxRetries: 0,
        timeout: resolved.settings.timeoutMs,
        streaming: false,
        maxTokens: params.maxTokens,
        __includeRawResponse: true,
        // Option probabilities (endpoint option logprobs): the top 20 alternatives per token.
        ...(resolved.settings.logprobs ? { logprobs: true, topLogprobs: 20 } : {}),
        ...(params.temperature !== null ? { temperature: params.temperature } : {}),
        ...(params.topP !== null ? { topP: params.topP } : {}),
      });
      // The configurable wrapper re-resolves its model on every call (about 1.5 ms of CPU each);
      // the ChatOpenAI it built is fixed here, so invoke it directly. response_format and seed
      // are ChatOpenAI call options the generic BaseChatModel type does not list.
      return (await configurable._getModelInstance()) as unknown as { invoke(m: unknown, o: unknown): Promise<unknown> };
    }));

  return {
    instance: load,
    async invoke(messages, format, seed, extra) {
      const labels = extra?.labels ?? null;
      const chat = await load();
      const slot = { raw: null as RawCompletion | null };
      return lastBody.run(slot, async (): Promise<AttemptResult> => {
        try {
          const msg = (await chat.invoke(
            messages.map((m) => ({ role: m.role, content: m.content })),
            {
              ...(format ? { response_format: format } : {}),
              ...(seed !== null ? { seed } : {}),
            },
          )) as { content: unknown; additional_kwargs?: { __raw_response?: RawCompletion }; usage_metadata?: { input_tokens?: unknown; output_tokens?: unknown } };
          const raw = slot.raw ?? msg.additional_kwargs?.__raw_response;
          if (raw) return fromRaw(raw, labels);
          const usage = msg.usage_metadata ? { prompt_tokens: msg.usage_metadata.input_tokens, completion_tokens: msg.usage_metadata.output_tokens } : null;
          const { text, refusal } = contentText(msg.content);
          return { content: text, refusal, finishReason: null, ...readUsage(usage), probabilities: null };
        } catch (err) {
          // A whole, valid completion arrived: whatever the client made of it, it is the model's answer.
          if (slot.raw) return fromRaw(slot.raw, labels);
          throw err;
        }
      });
    },
  };
}
