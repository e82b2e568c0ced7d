/**
 * A local OpenAI-compatible `/v1/chat/completions` server for tests and benchmarks: the real
 * client goes over real HTTP to 127.0.0.1 on an ephemeral port, and each request's behaviour is
 * scripted (by position, by a function of the request, or by seeded fault probabilities).
 *
 * @example
 * const server = await startOpenAiServer({ respond: () => ({ kind: "answer", letter: "C" }) });
 * // … point an endpoint at server.baseURL …
 * expect(server.requests).toHaveLength(6);
 * await server.stop();
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createRng } from "../../src/core/random.ts";

/** What the server does with one request. */
export type Behaviour =
  | {
      kind: "answer";
      /** Text content; for structured requests an object is sent as JSON. Default: the letter. */
      content?: string | object | null;
      /** Shorthand: answer this letter (JSON {letter, reason} when structured, else "X"). */
      letter?: string;
      refusal?: string;
      finishReason?: string;
      /** Anything a server may send (floats, strings, negatives: the client must cope). */
      usage?: { prompt_tokens: unknown; completion_tokens: unknown } | null;
      /** Send the content as an array of text parts (split in two), as the API allows. */
      parts?: boolean;
      delayMs?: number;
    }
  | { kind: "status"; status: number; retryAfter?: string; body?: string; delayMs?: number }
  | { kind: "hang" }
  | { kind: "malformed"; body?: string; delayMs?: number }
  /** Status 200 and headers, the first bytes of a body, then silence. */
  | { kind: "stall" }
  /** A valid answer sent one byte every `intervalMs`. */
  | { kind: "drip"; intervalMs: number; letter?: string }
  /** The connection is destroyed as soon as the request has arrived (no status line). */
  | { kind: "reset" }
  /** Status 200 and headers promising a body, then the connection is closed. */
  | { kind: "close-after-headers" }
  /** An HTML page with status 200 (a proxy's error page). */
  | { kind: "html" }
  /** JSON with status 200 but no choices (absent, or an empty list). */
  | { kind: "no-choices"; empty?: boolean }
  /** A valid completion padded to `bytes` bytes (streamed with backpressure, no content-length). */
  | { kind: "huge"; bytes: number };

export interface RecordedRequest {
  /** 0-based arrival index. */
  index: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: ChatBody;
  /** Raw request text (to search for secrets). */
  raw: string;
  /** Arrival time, ms (performance.now()). */
  at: number;
  /** When the whole response was handed to the socket (performance.now()); unset while pending, hung or cut off. */
  finishedAt?: number;
}

export interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  response_format?: { type: string; json_schema?: { name: string; schema: Record<string, unknown>; strict?: boolean } };
  temperature?: number;
  top_p?: number;
  seed?: number;
  max_tokens?: number;
  [key: string]: unknown;
}

/** Fault probabilities, drawn per request from a seeded generator in arrival order. */
export interface FaultMix {
  seed: number;
  p429?: number;
  /** Seconds sent as Retry-After on 429 (omit for none). */
  retryAfterSeconds?: number;
  p500?: number;
  pHang?: number;
  pMalformed?: number;
  pEmpty?: number;
  pRefusal?: number;
}

export interface ServerOptions {
  /** Delay before every answer, ms (a behaviour's own delayMs wins). */
  delayMs?: number;
  /** Behaviours for requests 0, 1, 2, … in arrival order (counted from start or the last configure); later ones fall back. */
  script?: Behaviour[];
  /** Behaviour as a function of the request; default: answer the first option label offered. */
  respond?: (req: RecordedRequest) => Behaviour | string;
  faults?: FaultMix;
  /**
   * How long an idle keep-alive connection stays open, ms (Node's default 5000). Only read at
   * start. Benchmarks raise it: a client on a loaded machine may reuse a socket just as the
   * server closes it ("other side closed"), a race that says nothing about throughput.
   */
  keepAliveTimeoutMs?: number;
}

export interface FakeOpenAi {
  /** e.g. http://127.0.0.1:43121/v1 */
  readonly baseURL: string;
  readonly requests: RecordedRequest[];
  /** Requests received so far. */
  count(): number;
  /** Highest number of requests in flight at once. */
  maxInFlight(): number;
  /** Replace the behaviour options between test phases. */
  configure(opts: ServerOptions): void;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The labels offered in a request: the json schema enum, else "X:" lines of the last user message. */
export function offeredLabels(body: ChatBody): string[] {
  const letter = body.response_format?.json_schema?.schema?.properties as
    | Record<string, { enum?: string[] }>
    | undefined;
  if (letter?.letter?.enum) return letter.letter.enum;
  const last = [...body.messages].reverse().find((m) => m.role === "user")?.content ?? "";
  return [...last.matchAll(/^([A-Z]{1,2}): /gm)].map((m) => m[1]);
}

function defaultBehaviour(req: RecordedRequest): Behaviour {
  const labels = offeredLabels(req.body);
  if (labels.length > 0) return { kind: "answer", letter: labels[0] };
  return { kind: "answer", content: `Reply ${req.index}: a considered answer.` };
}

function faultFor(mix: FaultMix, draw: number): Behaviour | null {
  let acc = 0;
  const table: [number | undefined, Behaviour][] = [
    [mix.p429, { kind: "status", status: 429, retryAfter: mix.retryAfterSeconds?.toString() }],
    [mix.p500, { kind: "status", status: 500 }],
    [mix.pHang, { kind: "hang" }],
    [mix.pMalformed, { kind: "malformed" }],
    [mix.pEmpty, { kind: "answer", content: "" }],
    [mix.pRefusal, { kind: "answer", content: null, refusal: "I can't help with that." }],
  ];
  for (const [p, b] of table) {
    acc += p ?? 0;
    if (draw < acc) return b;
  }
  return null;
}

function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function completion(req: RecordedRequest, b: Extract<Behaviour, { kind: "answer" }>): string {
  const structured = req.body.response_format?.type === "json_schema";
  let content: string | null;
  if (b.content === null) content = null;
  else if (b.content !== undefined) content = typeof b.content === "string" ? b.content : JSON.stringify(b.content);
  else if (b.letter !== undefined)
    content = structured ? JSON.stringify({ letter: b.letter, reason: `Option ${b.letter} fits me.` }) : b.letter;
  else content = "";
  const prompt = req.body.messages.map((m) => m.content).join("\n");
  const usage =
    b.usage === null
      ? undefined
      : (b.usage ?? { prompt_tokens: tokens(prompt), completion_tokens: tokens(content ?? b.refusal ?? "") });
  const sent = b.parts && content !== null ? [{ type: "text", text: content.slice(0, 1) }, { type: "text", text: content.slice(1) }] : content;
  const total = typeof usage?.prompt_tokens === "number" && typeof usage.completion_tokens === "number" ? usage.prompt_tokens + usage.completion_tokens : 0;
  return JSON.stringify({
    id: `chatcmpl-${req.index}`,
    object: "chat.completion",
    created: 1_700_000_000,
    model: req.body.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: sent, refusal: b.refusal ?? null },
        finish_reason: b.finishReason ?? "stop",
        logprobs: null,
      },
    ],
    ...(usage ? { usage: { ...usage, total_tokens: total } } : {}),
  });
}

/**
 * Starts the server on 127.0.0.1 with an ephemeral port. Always `await server.stop()`: it ends
 * hung requests too.
 */
export async function startOpenAiServer(initial: ServerOptions = {}): Promise<FakeOpenAi> {
  let opts = initial;
  let rng = createRng(opts.faults?.seed ?? 0);
  /** Script positions count from the last configure(). */
  let scriptBase = 0;
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let peak = 0;
  const hung = new Set<ServerResponse>();

  const server = createServer((httpReq, res) => {
    const chunks: Buffer[] = [];
    httpReq.on("data", (c: Buffer) => chunks.push(c));
    httpReq.on("end", () => {
      void handle(httpReq.url ?? "", httpReq.headers, Buffer.concat(chunks).toString("utf8"), res);
    });
  });

  async function handle(path: string, headers: IncomingHttpHeaders, raw: string, res: ServerResponse) {
    if (!path.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"message":"not found"}}');
      return;
    }
    const rec: RecordedRequest = { index: requests.length, path, headers, body: JSON.parse(raw) as ChatBody, raw, at: performance.now() };
    requests.push(rec);
    inFlight++;
    peak = Math.max(peak, inFlight);
    res.on("close", () => inFlight--);
    res.on("finish", () => (rec.finishedAt = performance.now()));

    let b: Behaviour | string | null = opts.script?.[rec.index - scriptBase] ?? null;
    if (!b && opts.faults) b = faultFor(opts.faults, rng.next());
    if (!b) b = (opts.respond ?? defaultBehaviour)(rec);
    const behaviour: Behaviour = typeof b === "string" ? { kind: "answer", content: b } : b;

    if (behaviour.kind === "hang") {
      hung.add(res);
      return;
    }
    if (behaviour.kind === "reset") {
      res.socket?.destroy();
      return;
    }
    if (behaviour.kind === "stall") {
      hung.add(res);
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"id": "chatcmpl-stall", "choices": [');
      return;
    }
    if (behaviour.kind === "close-after-headers") {
      res.writeHead(200, { "content-type": "application/json", "content-length": "4000" });
      res.flushHeaders();
      setTimeout(() => res.socket?.destroy(), 5);
      return;
    }
    if (behaviour.kind === "drip") {
      hung.add(res);
      const body = completion(rec, { kind: "answer", ...(behaviour.letter ? { letter: behaviour.letter } : {}) });
      res.writeHead(200, { "content-type": "application/json" });
      let i = 0;
      const timer = setInterval(() => {
        if (res.destroyed || i >= body.length) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(body[i++]);
      }, behaviour.intervalMs);
      res.on("close", () => clearInterval(timer));
      return;
    }
    if (behaviour.kind === "huge") {
      hung.add(res);
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = "x".repeat(64 * 1024);
      let left = behaviour.bytes;
      res.write('{"id":"chatcmpl-huge","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"A');
      const pump = () => {
        while (left > 0 && !res.destroyed) {
          left -= chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        if (!res.destroyed) res.end('"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}');
      };
      pump();
      return;
    }
    await sleep(("delayMs" in behaviour ? behaviour.delayMs : undefined) ?? opts.delayMs ?? 0);
    if (res.destroyed) return;
    if (behaviour.kind === "status") {
      const h: Record<string, string> = { "content-type": "application/json" };
      if (behaviour.retryAfter !== undefined) h["retry-after"] = behaviour.retryAfter;
      const message = behaviour.status === 429 ? "Rate limit reached" : "Internal server error";
      res.writeHead(behaviour.status, h).end(behaviour.body ?? JSON.stringify({ error: { message, type: "server_error" } }));
    } else if (behaviour.kind === "html") {
      res.writeHead(200, { "content-type": "text/html" }).end("<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>");
    } else if (behaviour.kind === "no-choices") {
      const body = behaviour.empty ? { id: "chatcmpl-x", object: "chat.completion", choices: [] } : { id: "chatcmpl-x", object: "chat.completion" };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    } else if (behaviour.kind === "malformed") {
      res.writeHead(200, { "content-type": "application/json" }).end(behaviour.body ?? '{"id": "chatcmpl-x", "choices": [');
    } else {
      res.writeHead(200, { "content-type": "application/json" }).end(completion(rec, behaviour));
    }
  }

  if (initial.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = initial.keepAliveTimeoutMs;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    count: () => requests.length,
    maxInFlight: () => peak,
    configure(next) {
      opts = next;
      scriptBase = requests.length;
      rng = createRng(next.faults?.seed ?? 0);
    },
    async stop() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
