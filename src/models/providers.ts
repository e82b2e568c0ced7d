/**
 * Native providers through LangChain: `anthropic` (ChatAnthropic, Messages API) and `google`
 * (ChatGoogleGenerativeAI, generateContent), each built with `initChatModel` as the OpenAI client
 * is. Structured output goes the way LangChain does it for the provider (`withStructuredOutput`
 * with its default method: forced tool calling for Anthropic, a response schema for Google);
 * tokens come from the message's `usage_metadata`. Like the OpenAI path, the client never
 * retries (the gateway does) and never streams, and every response body is read within the
 * endpoint's `timeoutMs` (the whole call) and `maxResponseBytes` (bounded-body.ts): a larger or
 * stalled body is a transport fault, never an answer.
 *
 * @example
 * const model = createProviderModel(resolveModelRef("anthropic:claude-3-5-haiku-latest", {}, process.env), params);
 * const r = await model.invoke([{ role: "user", content: "Say A." }], null, null);
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { z } from "zod";
import { boundedFetch } from "./bounded-body.ts";
import type { AttemptResult, ChatModel, JsonSchemaFormat } from "./chat-model.ts";
import { tooLarge } from "./chat-model.ts";
import type { ChatParams } from "./gateway-types.ts";
import { TransportFault } from "./gateway-types.ts";
import type { ResolvedModel } from "./model-ref.ts";

interface LcMessage {
  content: unknown;
  usage_metadata?: { input_tokens?: number; output_tokens?: number };
  response_metadata?: { stop_reason?: string; finish_reason?: string; finishReason?: string };
}
interface Invokable {
  invoke(input: unknown, options?: unknown): Promise<unknown>;
}
interface StructuredCapable extends Invokable {
  withStructuredOutput(schema: unknown, config: { name: string; includeRaw: true }): Invokable;
}

/** A message's text: a string, or the text parts of a content array (tool-use parts carry no text). */
export function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content
      .map((p) => (p && typeof p === "object" && (p as { type?: unknown }).type === "text" ? String((p as { text?: unknown }).text ?? "") : ""))
      .join("");
  return "";
}

function fromMessage(msg: LcMessage, content: string): AttemptResult {
  const meta = msg.response_metadata ?? {};
  return {
    content,
    refusal: null,
    finishReason: meta.stop_reason ?? meta.finish_reason ?? meta.finishReason ?? null,
    inputTokens: msg.usage_metadata?.input_tokens ?? 0,
    outputTokens: msg.usage_metadata?.output_tokens ?? 0,
    usageProblem: msg.usage_metadata ? null : "missing",
    probabilities: null,
  };
}

/** The LangChain constructor fields for one provider (the key is passed, never read from the process environment). */
function fields(resolved: ResolvedModel, params: ChatParams, bounded: typeof fetch): { provider: string; fields: Record<string, unknown> } {
  const sampling = {
    ...(params.temperature !== null ? { temperature: params.temperature } : {}),
    ...(params.topP !== null ? { topP: params.topP } : {}),
  };
  if (resolved.provider === "anthropic")
    return {
      provider: "anthropic",
      fields: {
        apiKey: resolved.apiKey,
        anthropicApiUrl: resolved.baseURL,
        maxRetries: 0,
        maxTokens: params.maxTokens,
        streaming: false,
        clientOptions: { timeout: resolved.settings.timeoutMs, maxRetries: 0, fetch: bounded },
        ...sampling,
      },
    };
  if (resolved.provider === "google")
    return {
      provider: "google-genai",
      fields: { apiKey: resolved.apiKey, baseUrl: resolved.baseURL, maxRetries: 0, maxOutputTokens: params.maxTokens, streaming: false, ...sampling },
    };
  throw new Error(`no LangChain provider for '${resolved.provider}'`);
}

/**
 * Settles with the call, or rejects with a TimeoutError when `signal` fires first. LangChain's
 * Google model does not hand its call's signal to the SDK, so without this a server that never
 * answers would hold the call forever; the gateway retries a timeout like any other.
 */
function within<T>(call: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DOMException(`no answer within the endpoint's timeoutMs`, "TimeoutError"));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    call.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * The Google SDK wraps a failed fetch (reset, refused) in a GoogleGenerativeAIError without its
 * cause or code, which would read as a non-retryable error: it is a connection error.
 */
function transportOf(err: unknown): unknown {
  const e = err as { constructor?: { name?: string }; status?: unknown; message?: unknown } | null;
  const name = e?.constructor?.name ?? "";
  if (!name.startsWith("GoogleGenerativeAI") || typeof e?.status === "number" || typeof e?.message !== "string") return err;
  const fetchFailed = /Error fetching from \S+: (.*)$/s.exec(e.message);
  if (name === "GoogleGenerativeAIAbortError") return new DOMException(`request aborted: ${e.message.slice(0, 200)}`, "TimeoutError");
  if (fetchFailed) return new TransportFault(`connection error: ${fetchFailed[1].split("\n")[0].slice(0, 200)}`, true);
  return err;
}

/** What this file reads of @google/generative-ai 0.24's GenerativeModel (ChatGoogleGenerativeAI's `client`). */
interface GoogleClient {
  model: string;
  apiKey: string;
  generationConfig?: unknown;
  safetySettings?: unknown;
  tools?: unknown;
  toolConfig?: unknown;
  systemInstruction?: unknown;
  _requestOptions?: { baseUrl?: string; apiVersion?: string; customHeaders?: unknown };
}

/**
 * One generateContent call as @google/generative-ai 0.24 makes it (same URL, headers and body:
 * the model's settings, then LangChain's request over them), but through `bounded`. The SDK has
 * no fetch option (RequestOptions: timeout, baseUrl, apiVersion, customHeaders, apiClient; its
 * fetchFn parameter is internal) and reads the body with `response.json()`, whole and without a
 * limit; replacing the global fetch would be process-wide state, so the call is made here.
 * Errors keep the SDK's shape where the gateway reads them: an HTTP error carries `status`.
 */
async function googleGenerate(client: GoogleClient, request: Record<string, unknown>, signal: AbortSignal | undefined, bounded: typeof fetch) {
  const o = client._requestOptions ?? {};
  const url = `${o.baseUrl ?? "https://generativelanguage.googleapis.com"}/${o.apiVersion ?? "v1beta"}/${client.model}:generateContent`;
  const body = {
    generationConfig: client.generationConfig,
    safetySettings: client.safetySettings,
    tools: client.tools,
    toolConfig: client.toolConfig,
    systemInstruction: client.systemInstruction,
    ...request,
  };
  const headers = { "content-type": "application/json", "x-goog-api-client": "genai-js/0.24.1", "x-goog-api-key": client.apiKey };
  let res: Response;
  try {
    res = await bounded(url, { method: "POST", headers, body: JSON.stringify(body), ...(signal ? { signal } : {}) });
  } catch (err) {
    if (err instanceof TransportFault || (err as Error)?.name === "TimeoutError") throw err;
    if ((err as Error)?.name === "AbortError") throw new DOMException(`request aborted: ${(err as Error).message.slice(0, 200)}`, "TimeoutError");
    throw new TransportFault(`connection error: ${describeFetchError(err)}`, true);
  }
  const text = await res.text();
  if (!res.ok) {
    let message = "";
    try {
      message = String((JSON.parse(text) as { error?: { message?: unknown } }).error?.message ?? "");
    } catch {
      // not JSON: the status says it
    }
    throw Object.assign(new Error(`[${res.status} ${res.statusText}] ${message}`.slice(0, 300)), { status: res.status, headers: res.headers });
  }
  try {
    return { response: JSON.parse(text) as unknown };
  } catch {
    throw new TransportFault(`malformed response (HTTP ${res.status}, ${res.headers.get("content-type") ?? "no content type"}): not JSON (${text.length} characters)`, true);
  }
}

/** A failed fetch's innermost code or message (undici nests the socket error as its cause). */
function describeFetchError(err: unknown): string {
  let cur = err as { code?: unknown; message?: unknown; cause?: unknown } | null;
  let last = String((cur as { message?: unknown } | null)?.message ?? err);
  for (let depth = 0; cur && depth < 5; depth++, cur = cur.cause as typeof cur) {
    if (typeof cur.code === "string") return cur.code;
    if (typeof cur.message === "string") last = cur.message;
  }
  return last.split("\n")[0].slice(0, 200);
}

/**
 * A chat model for the anthropic and google providers. Loaded lazily (LangChain's provider
 * packages cost a good part of a second to import). Seeds are not sent: neither API takes one.
 */
export function createProviderModel(resolved: ResolvedModel, params: ChatParams): ChatModel {
  // The current call's signal, for the Google model's SDK call (see below).
  const callSignal = new AsyncLocalStorage<AbortSignal>();
  const bounded = boundedFetch(resolved.settings.maxResponseBytes, resolved.settings.timeoutMs, (detail) =>
    tooLarge(detail, resolved.settings.maxResponseBytes),
  );
  let model: Promise<StructuredCapable> | null = null;
  const load = () =>
    (model ??= import("langchain/chat_models/universal").then(async ({ initChatModel }) => {
      const { provider, fields: f } = fields(resolved, params, bounded);
      const configurable = await initChatModel(resolved.model, { modelProvider: provider, ...f });
      const chat = (await configurable._getModelInstance()) as unknown as StructuredCapable & {
        client?: GoogleClient;
        completionWithRetry?: (request: Record<string, unknown>, options?: { signal?: AbortSignal }) => Promise<unknown>;
      };
      // ChatGoogleGenerativeAI 2.3 calls its SDK without the call's signal (a timed-out request
      // would stay open and keep the process alive) and its SDK reads any body whole: the call
      // goes through googleGenerate instead, with the call's signal.
      const client = chat.client;
      if (resolved.provider === "google") {
        if (!client || typeof client.model !== "string" || !chat.completionWithRetry)
          throw new Error("@langchain/google-genai: no SDK client to call through a bounded fetch (a version this code does not know)");
        chat.completionWithRetry = (request, options) => googleGenerate(client, request, options?.signal ?? callSignal.getStore(), bounded);
      }
      return chat;
    }));
  // One structured runnable per schema object (agents reuse one schema per label set).
  const structured = new WeakMap<object, Invokable>();

  return {
    async invoke(messages, format: JsonSchemaFormat | null, _seed, extra) {
      const chat = await load();
      const input = messages.map((m) => ({ role: m.role, content: m.content }));
      const options = { signal: AbortSignal.timeout(resolved.settings.timeoutMs) };
      const zod = extra?.zod;
      const call = (r: Invokable) =>
        within(callSignal.run(options.signal, () => r.invoke(input, options)), options.signal).catch((err: unknown) => {
          throw transportOf(err);
        });
      if (!format || !zod) {
        const msg = (await call(chat)) as LcMessage;
        return fromMessage(msg, messageText(msg.content));
      }
      let runnable = structured.get(zod);
      if (!runnable) structured.set(zod, (runnable = chat.withStructuredOutput(zod as z.ZodType, { name: format.json_schema.name, includeRaw: true })));
      const out = (await call(runnable)) as { raw: LcMessage; parsed: unknown };
      // The parsed object is the answer (a tool call's arguments for Anthropic); when the model
      // answered without it, its text goes to the agent's parser and repair turn instead.
      const content = out.parsed != null ? JSON.stringify(out.parsed) : messageText(out.raw.content);
      return fromMessage(out.raw, content);
    },
  };
}
