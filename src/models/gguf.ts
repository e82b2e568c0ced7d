/**
 * `gguf:<path>` models in-process with node-llama-cpp: the prebuilt CPU binary (no build, no
 * download), imported only when a scenario uses a gguf model. One loaded model per file, shared
 * by every agent and parameter set naming it, with one context of a bounded number of parallel
 * sequences (the endpoint's maxConcurrency) and an explicit thread count (the library's default
 * oversubscribes small machines). Structured answers are constrained by a JSON-schema grammar,
 * so the letter is always one of the offered labels; sampling is seeded (the call's seed mixed
 * with its sample index), so the same run seed gives the same choices. Each offered label's
 * probability is read from the next-token distribution at the answer position.
 *
 * @example
 * const pool = createGgufPool();
 * const model = pool.model(resolveModelRef("gguf:./tiny.gguf", {}, {}), params);
 * const r = await model.invoke(messages, format, null, { labels: ["A", "B"], sampleIndex: 0 });
 * await pool.close();
 */
import { availableParallelism } from "node:os";
import type { AttemptResult, ChatModel, JsonSchemaFormat } from "./chat-model.ts";
import type { ChatMessage, ChatParams } from "./gateway-types.ts";
import type { ResolvedModel } from "./model-ref.ts";
import { labelProbabilities } from "./option-probabilities.ts";

type Nlc = typeof import("node-llama-cpp");
type Llama = Awaited<ReturnType<Nlc["getLlama"]>>;
type LlamaModel = Awaited<ReturnType<Llama["loadModel"]>>;
type LlamaContext = Awaited<ReturnType<LlamaModel["createContext"]>>;
type Sequence = ReturnType<LlamaContext["getSequence"]>;
type Grammar = Awaited<ReturnType<Llama["createGrammarForJsonSchema"]>>;

interface Loaded {
  nlc: Nlc;
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  free: Sequence[];
  waiters: ((s: Sequence) => void)[];
  wrapper: NonNullable<ReturnType<Nlc["resolveChatWrapper"]>> | InstanceType<Nlc["GeneralChatWrapper"]>;
  grammars: Map<string, Promise<Grammar>>;
}

export interface GgufPool {
  /** A chat model over the (lazily loaded, shared) model file of `resolved`. */
  model(resolved: ResolvedModel, params: ChatParams): ChatModel;
  /** Loaded model files and their sequences (one model per file, however many parameter sets). */
  stats(): { models: number; sequences: number };
  close(): Promise<void>;
}

/** How many of the top next-token candidates are read for option probabilities (labels are among the likeliest). */
const TOP_CANDIDATES = 64;

/** The JSON schema in the subset node-llama-cpp's grammar builder takes (oneOf for anyOf, no annotations). */
export function grammarSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(grammarSchema);
  if (!s || typeof s !== "object") return s;
  const o = s as Record<string, unknown>;
  if (Array.isArray(o.enum)) return { enum: o.enum };
  if (o.const !== undefined) return { const: o.const };
  const out: Record<string, unknown> = {};
  if (Array.isArray(o.anyOf) || Array.isArray(o.oneOf)) return { oneOf: grammarSchema(o.anyOf ?? o.oneOf) };
  for (const k of ["type", "required", "additionalProperties", "minItems", "maxItems"]) if (o[k] !== undefined) out[k] = o[k];
  if (o.properties) out.properties = Object.fromEntries(Object.entries(o.properties as Record<string, unknown>).map(([k, v]) => [k, grammarSchema(v)]));
  if (o.items) out.items = grammarSchema(o.items);
  return out;
}

/** A 32-bit seed from the call's seed and its sample index (independent samples get different seeds). */
export function sampleSeed(seed: number | null, sampleIndex: number): number {
  let h = 0x811c9dc5;
  for (const v of [seed ?? 0, seed === null ? 1 : 0, Math.floor(sampleIndex / 2 ** 32), sampleIndex >>> 0]) {
    h = Math.imul(h ^ (v >>> 0), 0x01000193) >>> 0;
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  }
  return h;
}

function chatHistory(messages: readonly ChatMessage[]) {
  const items: ({ type: "system" | "user"; text: string } | { type: "model"; response: string[] })[] = messages.map((m) =>
    m.role === "assistant" ? { type: "model", response: [m.content] } : { type: m.role, text: m.content },
  );
  items.push({ type: "model", response: [] });
  return items;
}

/** Position of the answer's label: just after `"letter": "` in a JSON answer, or at the start of a text answer. */
const atLabel = (text: string, json: boolean) => (json ? /"letter"\s*:\s*"$/.test(text) : text.trim() === "");

export function createGgufPool(): GgufPool {
  const loaded = new Map<string, Promise<Loaded>>();
  let nlc: Promise<{ nlc: Nlc; llama: Llama }> | null = null;
  let sequenceCount = 0;

  const runtime = () =>
    (nlc ??= import("node-llama-cpp").then(async (m) => {
      // build "never": the prebuilt CPU binary shipped with the package; never compile or download.
      const llama = await m.getLlama({ gpu: false, build: "never", logLevel: m.LlamaLogLevel.error, progressLogs: false });
      return { nlc: m, llama };
    }));

  function load(resolved: ResolvedModel): Promise<Loaded> {
    const path = resolved.baseURL.slice("gguf:".length);
    let l = loaded.get(path);
    if (!l) {
      l = (async () => {
        const { nlc: m, llama } = await runtime();
        const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
        const sequences = resolved.settings.maxConcurrency;
        sequenceCount += sequences;
        // Half the cores by default: llama.cpp's threads spin at barriers, and on a busy or small
        // machine (2 cores, other processes) using them all makes evaluation many times slower.
        const threads = resolved.settings.threads ?? Math.max(1, Math.floor(availableParallelism() / 2));
        const context = await model.createContext({ contextSize: resolved.settings.contextSize, sequences, threads, batchSize: 512 });
        const free = Array.from({ length: sequences }, () => context.getSequence());
        return { nlc: m, llama, model, context, free, waiters: [], wrapper: m.resolveChatWrapper(model) ?? new m.GeneralChatWrapper(), grammars: new Map() };
      })();
      loaded.set(path, l);
    }
    return l;
  }

  /** The free sequence whose cached tokens share the longest prefix with this prompt (prefix reuse). */
  async function acquire(l: Loaded, tokens: readonly number[]): Promise<Sequence> {
    if (l.free.length === 0) return new Promise((resolve) => l.waiters.push(resolve));
    let best = 0;
    let bestLen = -1;
    l.free.forEach((s, i) => {
      const n = s.compareContextTokens(tokens as never).firstDifferentIndex;
      if (n > bestLen) [best, bestLen] = [i, n];
    });
    return l.free.splice(best, 1)[0];
  }
  function release(l: Loaded, s: Sequence) {
    const next = l.waiters.shift();
    if (next) next(s);
    else l.free.push(s);
  }

  function grammarFor(l: Loaded, format: JsonSchemaFormat): Promise<Grammar> {
    const key = JSON.stringify(format.json_schema.schema);
    let g = l.grammars.get(key);
    if (!g) l.grammars.set(key, (g = l.llama.createGrammarForJsonSchema(grammarSchema(format.json_schema.schema) as never)));
    return g;
  }

  async function generate(l: Loaded, resolved: ResolvedModel, params: ChatParams, messages: ChatMessage[], format: JsonSchemaFormat | null, seed: number, labels: readonly string[] | null): Promise<AttemptResult> {
    const { contextText } = l.wrapper.generateContextState({ chatHistory: chatHistory(messages) as never });
    const tokens = contextText.tokenize(l.model.tokenizer);
    const limit = l.context.contextSize;
    if (tokens.length + params.maxTokens > limit)
      throw new Error(`gguf: the conversation (${tokens.length} tokens) plus maxTokens (${params.maxTokens}) exceeds the context of ${limit} tokens (endpoint contextSize)`);
    const grammar = format ? await grammarFor(l, format) : null;
    const seq = await acquire(l, tokens);
    try {
      // Keep the cached prefix of this sequence, evaluate only what differs (at least one token).
      let keep = Math.min(seq.compareContextTokens(tokens).firstDifferentIndex, tokens.length - 1);
      if (keep < seq.nextTokenIndex) await seq.eraseContextTokenRanges([{ start: keep, end: seq.nextTokenIndex }]);
      keep = seq.nextTokenIndex;
      const grammarEvaluationState = grammar ? new l.nlc.LlamaGrammarEvaluationState({ model: l.model, grammar }) : undefined;
      const options = {
        temperature: params.temperature ?? 1,
        ...(params.topP !== null ? { topP: params.topP } : {}),
        seed,
        grammarEvaluationState,
      };
      const out: number[] = [];
      let text = "";
      let probabilities: Record<string, number> | null = null;
      let finish = "length";
      const wantProbs = labels !== null && labels.length > 0;
      const steps = wantProbs
        ? seq.evaluateWithMetadata(tokens.slice(keep), { probabilities: true }, options)
        : seq.evaluate(tokens.slice(keep), options);
      for await (const step of steps) {
        const r = typeof step === "number" ? { token: step, probabilities: null } : (step as { token: number; probabilities: Map<number, number> });
        if (wantProbs && probabilities === null && r.probabilities && atLabel(text, format !== null)) {
          const top: [string, number][] = [];
          for (const [tok, p] of r.probabilities) {
            top.push([l.model.detokenize([tok as never]), p]);
            if (top.length >= TOP_CANDIDATES) break;
          }
          probabilities = labelProbabilities(top, labels!);
        }
        out.push(r.token);
        text = l.model.detokenize(out as never);
        if (format && text.trimEnd().endsWith("}") && parses(text)) {
          finish = "stop";
          break;
        }
        if (out.length >= params.maxTokens) break;
      }
      if (out.length < params.maxTokens && finish === "length") finish = "stop";
      // The grammar guarantees a JSON prefix: one cut off by maxTokens inside the reason keeps the
      // model's letter and the reason as far as it got (a cut before the letter stays unreadable).
      const content = format && finish === "length" ? closeJsonPrefix(text.trim()) : format ? text.trim() : text.trimEnd();
      return { content, refusal: null, finishReason: finish, inputTokens: tokens.length, outputTokens: out.length, usageProblem: null, probabilities };
    } finally {
      release(l, seq);
    }
  }

  return {
    model(resolved, params) {
      return {
        async invoke(messages, format, seed, extra) {
          const l = await load(resolved);
          return generate(l, resolved, params, messages, format, sampleSeed(seed, extra?.sampleIndex ?? 0), extra?.labels ?? null);
        },
      };
    },
    stats: () => ({ models: loaded.size, sequences: sequenceCount }),
    async close() {
      const all = [...loaded.values()];
      loaded.clear();
      for (const p of all) {
        const l = await p.catch(() => null);
        if (!l) continue;
        await l.context.dispose();
        await l.model.dispose();
      }
    },
  };
}

/** Closes an unfinished JSON text at its last complete point: an open string is ended, open objects and arrays closed. */
export function closeJsonPrefix(text: string): string {
  const stack: string[] = [];
  let inString = false;
  let escaped = false;
  let out = text;
  for (const ch of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") stack.push(ch === "{" ? "}" : "]");
    else if (ch === "}" || ch === "]") stack.pop();
  }
  if (inString) {
    if (escaped) out = out.slice(0, -1);
    // A cut inside a multi-byte character leaves a replacement character: drop it.
    out = `${out.replace(/\uFFFD+$/, "")}"`;
  }
  out = out.replace(/[\s,]+$/, "");
  const closers = stack.reverse().join("");
  if (parses(out + closers)) return out + closers;
  // Cut inside a key or before its value: back to the last complete member.
  const comma = lastTopLevelComma(text);
  return comma > 0 && parses(text.slice(0, comma) + closers) ? text.slice(0, comma) + closers : text;
}

function lastTopLevelComma(text: string): number {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let last = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") depth++;
    else if (ch === "}" || ch === "]") depth--;
    else if (ch === "," && depth === 1) last = i;
  }
  return last;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
