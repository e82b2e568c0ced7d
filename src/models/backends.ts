/**
 * One place that maps a resolved model to the client that serves it: the OpenAI-compatible
 * client (the lean path, openai-lean.ts, by default; LangChain's invoke, chat-model.ts, with
 * `client: "langchain"`), LangChain's native Anthropic and Google chat models (providers.ts), or
 * an in-process GGUF model (gguf.ts, whose loaded models this set shares and frees). Also the
 * checks a provider needs before any call (a gguf file's header and memory).
 *
 * @example
 * const backends = createBackends();
 * backends.check(resolved);                       // throws an InputError for a bad gguf file
 * const model = backends.create(resolved, params);
 * await backends.close();
 */
import { createChatModel, type ChatModel } from "./chat-model.ts";
import { createLeanChatModel } from "./openai-lean.ts";
import type { ChatParams } from "./gateway-types.ts";
import { checkGgufFile } from "./gguf-file.ts";
import { createGgufPool, type GgufPool } from "./gguf.ts";
import type { ResolvedModel } from "./model-ref.ts";
import { createProviderModel } from "./providers.ts";

export interface Backends {
  check(resolved: ResolvedModel): void;
  create(resolved: ResolvedModel, params: ChatParams): ChatModel;
  close(): Promise<void>;
}

/** How OpenAI-compatible calls are made: the lean path (default) or LangChain's whole invoke stack. */
export type OpenAiClient = "lean" | "langchain";

export function createBackends(opts: { client?: OpenAiClient } = {}): Backends {
  let gguf: GgufPool | null = null;
  const lean: ChatModel[] = [];
  return {
    check(m) {
      if (m.provider === "gguf")
        checkGgufFile(m.ref, m.baseURL.slice("gguf:".length), { contextSize: m.settings.contextSize, sequences: m.settings.maxConcurrency });
    },
    create(m, params) {
      switch (m.provider) {
        case "openai": {
          if (opts.client === "langchain") return createChatModel(m, params);
          const model = createLeanChatModel(m, params);
          lean.push(model);
          return model;
        }
        case "anthropic":
        case "google":
          return createProviderModel(m, params);
        case "gguf":
          return (gguf ??= createGgufPool()).model(m, params);
      }
    },
    async close() {
      await Promise.all(lean.map((m) => m.close?.()));
      await gguf?.close();
    },
  };
}
