/**
 * One attempt of one chat call through LangChain's `ChatOpenAI` (built with `initChatModel`,
 * provider "openai", `configuration.baseURL` for named endpoints). The client never retries
 * (`maxRetries: 0`: the gateway owns retries), never streams, and never counts tokens locally
 * (that would download a tokenizer); tokens come from the response's usage.
 *
 * @example
 * const model = createChatModel(resolveModelRef("openai:gpt-4o-mini", {}, process.env), params);
 * const r = await model.invoke([{ role: "user", content: "Say A." }], null, null);
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { ChatMessage, ChatParams } from "./gateway-types.ts";
import type { ResolvedModel } from "./model-ref.ts";
import { errorName } from "./retry.ts";

/** A json_schema response format as the Chat Completions API takes it. */
export interface JsonSchemaFormat {
  type: "json_schema";
  json_schema: { name: string; schema: Record<string, unknown>; strict: true };
}

export interface AttemptResult {
  content: string;
  refusal: string | null;
  finishReason: string | null;
  inputTokens: number;
  outputTokens: number;
}

export interface ChatModel {
  invoke(messages: ChatMessage[], format: JsonSchemaFormat | null, seed: number | null): Promise<AttemptResult>;
}

interface RawChoice {
  message?: { content?: string | null; refusal?: string | null };
  finish_reason?: string | null;
}
interface RawCompletion {
  choices?: RawChoice[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

function fromRaw(raw: RawCompletion): AttemptResult {
  const choice = raw.choices?.[0];
  return {
    content: choice?.message?.content ?? "",
    refusal: choice?.message?.refusal ?? null,
    finishReason: choice?.finish_reason ?? null,
    inputTokens: raw.usage?.prompt_tokens ?? 0,
    outputTokens: raw.usage?.completion_tokens ?? 0,
  };
}

/** The OpenAI SDK parses structured answers itself and throws on bad ones; these are answers, not faults. */
const ANSWER_ERRORS = new Set(["SyntaxError", "LengthFinishReasonError", "ContentFilterFinishReasonError"]);

/** Builds the model lazily: LangChain costs most of a second to import and only LLM runs need it. */
export function createChatModel(resolved: ResolvedModel, params: ChatParams): ChatModel {
  // The last response body of the current call, captured below the SDK so an answer the SDK
  // refuses to parse (malformed JSON, cut off by max tokens) still reaches the agent's repair turn.
  const lastBody = new AsyncLocalStorage<{ text: string | null }>();
  const captureFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const slot = lastBody.getStore();
    if (!slot || !res.ok) return res;
    // The SDK reads the body with json() (text() for other content types); both read it once
    // through here and keep the text. Cheaper than res.clone() (tees the stream) or a second Response.
    const read = res.text.bind(res);
    let text: Promise<string> | null = null;
    const once = () => (text ??= read().then((t) => (slot.text = t)));
    Object.defineProperty(res, "text", { value: once });
    Object.defineProperty(res, "json", { value: async () => JSON.parse(await once()) as unknown });
    return res;
  };

  let model: Promise<{ invoke(m: unknown, o: unknown): Promise<unknown> }> | null = null;
  const load = () =>
    (model ??= import("langchain/chat_models/universal").then(async ({ initChatModel }) => {
      const configurable = await initChatModel(resolved.model, {
        modelProvider: "openai",
        apiKey: resolved.apiKey,
        configuration: { baseURL: resolved.baseURL, fetch: captureFetch },
        maxRetries: 0,
        timeout: resolved.settings.timeoutMs,
        streaming: false,
        maxTokens: params.maxTokens,
        __includeRawResponse: true,
        ...(params.temperature !== null ? { temperature: params.temperature } : {}),
        ...(params.topP !== null ? { topP: params.topP } : {}),
      });
      // The configurable wrapper re-resolves its model on every call (about 1.5 ms of CPU each);
      // the ChatOpenAI it built is fixed here, so invoke it directly. response_format and seed
      // are ChatOpenAI call options the generic BaseChatModel type does not list.
      return (await configurable._getModelInstance()) as unknown as { invoke(m: unknown, o: unknown): Promise<unknown> };
    }));

  return {
    async invoke(messages, format, seed) {
      const chat = await load();
      const slot = { text: null as string | null };
      const attempt = async (): Promise<AttemptResult> => {
        try {
          const msg = (await chat.invoke(
            messages.map((m) => ({ role: m.role, content: m.content })),
            {
              ...(format ? { response_format: format } : {}),
              ...(seed !== null ? { seed } : {}),
            },
          )) as { content: unknown; additional_kwargs?: { __raw_response?: RawCompletion }; usage_metadata?: { input_tokens?: number; output_tokens?: number } };
          const raw = msg.additional_kwargs?.__raw_response;
          if (raw) return fromRaw(raw);
          return {
            content: typeof msg.content === "string" ? msg.content : JSON.stringify(msg.content),
            refusal: null,
            finishReason: null,
            inputTokens: msg.usage_metadata?.input_tokens ?? 0,
            outputTokens: msg.usage_metadata?.output_tokens ?? 0,
          };
        } catch (err) {
          if (slot.text !== null && ANSWER_ERRORS.has(errorName(err))) {
            let raw: RawCompletion | null = null;
            try {
              raw = JSON.parse(slot.text) as RawCompletion;
            } catch {
              raw = null; // the body itself is broken: a transport fault, retried by the gateway
            }
            if (raw?.choices?.length) return fromRaw(raw);
          }
          throw err;
        }
      };
      // Only structured answers can be rejected by the SDK's parser, so only they need the body.
      return format ? lastBody.run(slot, attempt) : attempt();
    },
  };
}
