/**
 * Token counts for cost estimates, offline: js-tiktoken's bundled encodings for the model
 * families they fit (OpenAI's o200k_base and cl100k_base), else a stated rule of four characters
 * per token. Chat messages add the OpenAI chat format's overhead (3 tokens a message, 3 to prime
 * the reply). Encodings load lazily, once per process.
 *
 * @example
 * const counter = await tokenCounter("gpt-4o-mini");
 * counter.method;                // "o200k_base (js-tiktoken)"
 * counter.count("Hello world");  // 2
 */
import type { Tiktoken } from "js-tiktoken/lite";

export interface TokenCounter {
  /** How counts are made, said in every estimate. */
  readonly method: string;
  count(text: string): number;
  /** Tokens of a chat request's messages, with the chat format's per-message overhead. */
  countMessages(messages: readonly { role: string; content: string }[]): number;
}

const CHARS_PER_TOKEN = 4;
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;

type EncodingName = "o200k_base" | "cl100k_base";

/** Which bundled encoding a model name uses, or null when none is known to fit. */
export function encodingFor(model: string): EncodingName | null {
  const name = model.toLowerCase();
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o|gpt-oss)/.test(name)) return "o200k_base";
  if (/^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada)/.test(name)) return "cl100k_base";
  return null;
}

const encodings = new Map<EncodingName, Promise<Tiktoken>>();

async function loadEncoding(name: EncodingName): Promise<Tiktoken> {
  const { Tiktoken } = await import("js-tiktoken/lite");
  const ranks = name === "o200k_base" ? (await import("js-tiktoken/ranks/o200k_base")).default : (await import("js-tiktoken/ranks/cl100k_base")).default;
  return new Tiktoken(ranks);
}

/** A counter for the model name (without the endpoint prefix). */
export async function tokenCounter(model: string): Promise<TokenCounter> {
  const name = encodingFor(model);
  let count: (text: string) => number;
  let method: string;
  if (name) {
    let enc = encodings.get(name);
    if (!enc) encodings.set(name, (enc = loadEncoding(name)));
    const tiktoken = await enc;
    count = (text) => tiktoken.encode(text).length;
    method = `${name} (js-tiktoken)`;
  } else {
    count = (text) => Math.ceil(text.length / CHARS_PER_TOKEN);
    method = `${CHARS_PER_TOKEN} characters per token (no bundled encoding fits '${model}')`;
  }
  return {
    method,
    count,
    countMessages(messages) {
      let n = REPLY_PRIMING;
      for (const m of messages) n += PER_MESSAGE + count(m.role) + count(m.content);
      return n;
    },
  };
}
