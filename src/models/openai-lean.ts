/**
 * The lean client path for OpenAI-compatible endpoints: the same request as LangChain's
 * `ChatOpenAI` sends, posted with `node:http(s)` instead of LangChain's call stack and the
 * SDK's `fetch`.
 *
 * Why: at 128 calls in flight against a fast local server the client was the bottleneck
 * (2.0 ms of CPU per call against 0.9 ms for a bare `openai` loop). Most of it was undici's
 * `fetch` (web streams, abort signals, a Response built twice: about 1 ms a call on its own),
 * then LangChain's invoke stack (message classes, callbacks, AsyncCaller/p-queue/p-retry, the
 * SDK's `parse`) and the AsyncLocalStorage this path no longer needs. See docs/ARCHITECTURE.md.
 *
 * What keeps it the same request: LangChain builds the `ChatOpenAI` (initChatModel, the one
 * configuration, in chat-model.ts); its `invocationParams()` gives every body field but the
 * messages, its own converter gives the role names (system becomes developer for reasoning
 * models), and the SDK client LangChain built gives the headers (`buildRequest`, once). Errors
 * are the SDK's own classes (`APIError.generate`, `APIConnectionError`,
 * `APIConnectionTimeoutError`) passed through LangChain's `wrapOpenAIClientError`, so retries,
 * the structured-output fallback and messages read them as before. A test captures both paths'
 * requests on the server and compares them (test/models/lean.test.ts).
 *
 * Bounds as on the LangChain path: the whole call, body included, within `timeoutMs`; at most
 * `maxResponseBytes` of (decoded) body; a 2xx body that is not a chat completion is a
 * TransportFault. Calls the lean path cannot make identically go through LangChain: a model
 * LangChain sends to the Responses API, and a port that fetch refuses (so the error is fetch's).
 *
 * @example
 * const model = createLeanChatModel(resolveModelRef("local:m", endpoints, process.env), params);
 * const r = await model.invoke([{ role: "user", content: "Say A." }], null, null);
 */
import http from "node:http";
import https from "node:https";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { Readable } from "node:stream";
import { createChatModel, fromRaw, malformed, parseCompletion, tooLarge, type ChatModel, type JsonSchemaFormat } from "./chat-model.ts";
import type { ChatMessage, ChatParams } from "./gateway-types.ts";
import type { ResolvedModel } from "./model-ref.ts";

/** The part of LangChain's `ChatOpenAI` the lean path uses (the pinned @langchain/openai). */
interface ChatOpenAILike {
  model: string;
  timeout?: number;
  client?: { buildRequest(o: Record<string, unknown>): Promise<{ req: { headers: Headers }; url: string }> };
  invocationParams(options: Record<string, unknown>): Record<string, unknown>;
  _useResponsesApi(options: Record<string, unknown>): boolean;
  _getClientOptions(options: undefined): Record<string, unknown>;
}

/**
 * Ports the Fetch standard blocks ("bad ports"); undici refuses them. Calls to such a port go
 * through LangChain, so the user sees fetch's refusal (retry.ts names it) as before.
 */
const FETCH_BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115,
  117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587,
  601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669,
  6679, 6697, 10080,
]);

/**
 * Headers undici's fetch adds to every request the SDK makes (the SDK sets the others); sent
 * here too so the server sees the same request. `accept-encoding` also means we decode gzip,
 * deflate and br as fetch does.
 */
const FETCH_HEADERS = { "accept-language": "*", "sec-fetch-mode": "cors", "accept-encoding": "gzip, deflate" } as const;

interface Prepared {
  chat: ChatOpenAILike;
  url: URL;
  /** Headers without and with the structured-output helper header the SDK's `parse` adds. */
  headers: Record<string, string>;
  parseHeaders: Record<string, string>;
  /** LangChain's role names for this model. */
  roles: Record<string, string>;
  errors: typeof import("openai");
  wrap: (e: unknown) => unknown;
}

const plain = (h: Headers): Record<string, string> => {
  const out: Record<string, string> = {};
  h.forEach((v, k) => (out[k] = v));
  return out;
};

/** The JSON body the LangChain path would send for this call (exported for the equality test). */
export function leanBody(p: Pick<Prepared, "chat" | "roles">, messages: ChatMessage[], options: Record<string, unknown>): Record<string, unknown> {
  return {
    ...p.chat.invocationParams(options),
    stream: false,
    messages: messages.map((m) => ({ role: p.roles[m.role] ?? m.role, content: m.content })),
  };
}

/** An OpenAI-compatible chat model whose calls take the lean path (see the module comment). */
export function createLeanChatModel(resolved: ResolvedModel, params: ChatParams): ChatModel {
  const viaLangChain = createChatModel(resolved, params);
  const limit = resolved.settings.maxResponseBytes;
  const timeoutMs = resolved.settings.timeoutMs;
  let prepared: Promise<Prepared | null> | null = null;
  let agent: http.Agent | null = null;

  const prepare = () =>
    (prepared ??= (async (): Promise<Prepared | null> => {
      const chat = (await viaLangChain.instance()) as ChatOpenAILike;
      const [{ convertMessagesToCompletionsMessageParams, wrapOpenAIClientError }, { AIMessage, HumanMessage, SystemMessage }, errors] = await Promise.all([
        import("@langchain/openai"),
        import("@langchain/core/messages"),
        import("openai"),
      ]);
      const clientOptions = chat._getClientOptions(undefined); // builds chat.client as the first call would
      const built = async (helper: boolean) =>
        chat.client!.buildRequest({
          method: "post",
          path: "/chat/completions",
          body: {},
          ...clientOptions,
          stream: false,
          ...(helper ? { headers: { "X-Stainless-Helper-Method": "chat.completions.parse" } } : {}),
        });
      const [bare, parse] = await Promise.all([built(false), built(true)]);
      const url = new URL(bare.url);
      if (FETCH_BAD_PORTS.has(Number(url.port))) return null;
      const converted = convertMessagesToCompletionsMessageParams({
        messages: [new SystemMessage("s"), new HumanMessage("u"), new AIMessage("a")],
        model: chat.model,
      }) as { role: string }[];
      const roles = { system: converted[0].role, user: converted[1].role, assistant: converted[2].role };
      const Agent = url.protocol === "https:" ? https.Agent : http.Agent;
      // Idle sockets close after 4 s (undici's default), before a server's usual 5 s keep-alive.
      agent = new Agent({ keepAlive: true, timeout: 4_000 });
      return {
        chat,
        url,
        headers: { ...plain(bare.req.headers), ...FETCH_HEADERS },
        parseHeaders: { ...plain(parse.req.headers), ...FETCH_HEADERS },
        roles,
        errors,
        wrap: wrapOpenAIClientError as (e: unknown) => unknown,
      };
    })());

  return {
    async invoke(messages, format, seed, extra) {
      const p = await prepare();
      const options: Record<string, unknown> = { ...(format ? { response_format: format } : {}), ...(seed !== null ? { seed } : {}) };
      if (!p || p.chat._useResponsesApi(options)) return viaLangChain.invoke(messages, format, seed, extra);
      const body = JSON.stringify(leanBody(p, messages, options));
      const raw = await post(p, agent!, body, isParsed(format), timeoutMs, limit);
      return fromRaw(raw, extra?.labels ?? null);
    },
    async close() {
      agent?.destroy();
    },
  };
}

/** The SDK's `parse` (with its helper header) is what LangChain calls for a json_schema format. */
const isParsed = (format: JsonSchemaFormat | null) => format !== null && format.type === "json_schema";

/** One POST: resolves with the parsed completion; rejects as the SDK and LangChain would. */
function post(p: Prepared, agent: http.Agent, body: string, parsed: boolean, timeoutMs: number, limit: number) {
  const { url, errors, wrap } = p;
  const request = url.protocol === "https:" ? https.request : http.request;
  return new Promise<import("./chat-model.ts").RawCompletion>((resolve, reject) => {
    let settled = false;
    const finish = (err: unknown, value?: import("./chat-model.ts").RawCompletion) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(value!);
    };
    // The connection failed or broke: the SDK's APIConnectionError, wrapped as LangChain does.
    const connection = (cause: unknown) => finish(wrap(new errors.APIConnectionError({ cause: cause as Error })));
    const timer = setTimeout(() => finish(wrap(new errors.APIConnectionTimeoutError())), timeoutMs);
    const headers = { ...(parsed ? p.parseHeaders : p.headers), "content-length": String(Buffer.byteLength(body)) };
    const req = request(url, { method: "POST", agent, headers }, (res) => {
      const declared = Number(res.headers["content-length"]);
      if (Number.isFinite(declared) && declared > limit) return finish(tooLarge(`of ${declared} bytes`, limit));
      const stream = decoded(res);
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (c: Buffer) => {
        size += c.byteLength;
        if (size > limit) return finish(tooLarge(`of more than ${limit} bytes`, limit));
        chunks.push(c);
      });
      stream.on("error", connection);
      res.on("aborted", () => connection(Object.assign(new Error("aborted"), { code: "ECONNRESET" })));
      stream.on("end", () => {
        if (settled) return;
        const text = Buffer.concat(chunks).toString("utf8");
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          const raw = parseCompletion(text);
          if (typeof raw === "string") return finish(malformed(status, res.headers["content-type"], raw));
          return finish(null, raw);
        }
        // The SDK's error for a status: its class, message and fields, from the same body.
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(", ") : v);
        finish(wrap(errors.APIError.generate(status, json as object | undefined, json ? undefined : text, h)));
      });
    });
    req.on("error", connection);
    req.end(body);
  });
}

/** The body as text bytes, decoded as fetch decodes it (gzip, deflate, br). */
function decoded(res: http.IncomingMessage): Readable {
  const encoding = String(res.headers["content-encoding"] ?? "").trim().toLowerCase();
  if (encoding === "gzip" || encoding === "x-gzip") return res.pipe(createGunzip());
  if (encoding === "deflate") return res.pipe(createInflate());
  if (encoding === "br") return res.pipe(createBrotliDecompress());
  return res;
}
