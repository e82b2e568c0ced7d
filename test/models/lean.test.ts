/**
 * The lean client path (src/models/openai-lean.ts) against LangChain's ChatOpenAI path: for the
 * same call both put the same request on the wire (body bytes and headers, captured on the
 * server) and read the same answer; failures come out as the same errors, so retries, the
 * structured-output fallback, timeouts, size bounds and malformed bodies behave as before.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { EventBody, EventOf } from "../../src/core/events.ts";
import { createGateway, type ChatRequest, type ChatResult, type GatewayOptions } from "../../src/models/gateway.ts";
import type { Endpoint } from "../../src/scenario/schema.ts";
import { testGatewayOptions } from "../support/gateway-options.ts";
import { startOpenAiServer, type Behaviour, type FakeOpenAi } from "../support/openai-server.ts";

type Call = EventBody<EventOf<"model.call">>;
const CLIENTS = ["langchain", "lean"] as const;

let server: FakeOpenAi;
beforeAll(async () => {
  server = await startOpenAiServer();
});
afterAll(() => server.stop());
afterEach(() => server.configure({}));

const schema = { name: "choice", zod: z.object({ letter: z.enum(["A", "B", "C"]), reason: z.string().nullable() }) };

function request(over: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: "local:test-model",
    params: { temperature: null, topP: null, seed: null, maxTokens: 50 },
    messages: [{ role: "user", content: "A: 1\nB: 2\nC: 3\nPick one." }],
    schema: null,
    sampleIndex: 0,
    decisionId: "s#t0/r0/a",
    agentId: "a",
    purpose: "decide",
    ...over,
  };
}

interface Outcome {
  result: ChatResult | null;
  error: string | null;
  calls: Call[];
  warnings: string[];
}

/** One call (or a sequence) through a fresh gateway with the given client. */
async function call(
  client: (typeof CLIENTS)[number],
  reqs: ChatRequest[],
  endpoint: Partial<z.input<typeof Endpoint>> = {},
  over: Partial<GatewayOptions> = {},
  baseURL = server.baseURL,
): Promise<Outcome[]> {
  const warnings: string[] = [];
  const gw = createGateway(testGatewayOptions(baseURL, { timeoutMs: 2_000, maxRetries: 1, apiKeyEnv: "LEAN_TEST_KEY", ...endpoint }, { client, env: { LEAN_TEST_KEY: "sk-lean-test-0123456789" }, warn: (m) => warnings.push(m), ...over }));
  const out: Outcome[] = [];
  try {
    for (const req of reqs) {
      const calls: Call[] = [];
      const sub = gw.calls$.subscribe((c) => calls.push(c));
      try {
        out.push({ result: await gw.chat(req), error: null, calls, warnings });
      } catch (err) {
        out.push({ result: null, error: (err as Error).message, calls, warnings });
      } finally {
        sub.unsubscribe();
      }
    }
  } finally {
    await gw.close();
  }
  return out;
}

/** Headers that belong to the connection, not the request. */
const requestHeaders = (h: IncomingHttpHeaders) => Object.fromEntries(Object.entries(h).filter(([k]) => k !== "host" && k !== "connection"));

/** Runs `reqs` through both clients against the shared server; returns both outcomes and each one's requests as received. */
async function both(reqs: ChatRequest[], endpoint: Partial<z.input<typeof Endpoint>> = {}, setup: () => void = () => {}) {
  const seen: Record<string, { raw: string; headers: Record<string, unknown> }[]> = {};
  const outcomes: Record<string, Outcome[]> = {};
  for (const client of CLIENTS) {
    setup();
    const from = server.count();
    outcomes[client] = await call(client, reqs, endpoint);
    seen[client] = server.requests.slice(from).map((r) => ({ raw: r.raw, headers: requestHeaders(r.headers) }));
  }
  return { outcomes, seen };
}

/** What a call's model.call event says, without its timing. */
const sayings = (o: Outcome[]) => o.map((x) => ({ result: x.result, error: x.error, calls: x.calls.map(({ latencyMs: _l, ...rest }) => rest) }));

describe("the lean path sends what LangChain sends", () => {
  const cases: { name: string; reqs: ChatRequest[]; endpoint?: Partial<z.input<typeof Endpoint>> }[] = [
    { name: "structured output, seed and temperature", reqs: [request({ schema, labels: ["A", "B", "C"], params: { temperature: 0.7, topP: null, seed: 42, maxTokens: 64 } })] },
    {
      name: "a text answer with top_p and a system prompt, then a second turn",
      reqs: [
        request({ params: { temperature: null, topP: 0.9, seed: null, maxTokens: 20 }, messages: [{ role: "system", content: "You are prosocial." }, { role: "user", content: "A: 1\nB: 2\nSay one." }] }),
        request({ messages: [{ role: "system", content: "S" }, { role: "user", content: "Say B." }, { role: "assistant", content: "B" }, { role: "user", content: "A: 1\nB: 2\nAgain." }] }),
      ],
    },
    { name: "logprobs on (top 20)", reqs: [request({ labels: ["A", "B", "C"] })], endpoint: { logprobs: true } },
    // A reasoning model: LangChain sends the system prompt as "developer" and max_completion_tokens.
    { name: "a reasoning model", reqs: [request({ model: "local:o3-mini", schema, messages: [{ role: "system", content: "S" }, { role: "user", content: "A: x\nB: y\nPick." }] })] },
    { name: "no key (apiKeyEnv null)", reqs: [request()], endpoint: { apiKeyEnv: null } },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const { outcomes, seen } = await both(c.reqs, c.endpoint);
      expect(seen.lean).toHaveLength(c.reqs.length);
      // Byte for byte: the same JSON, in the same key order.
      expect(seen.lean.map((r) => r.raw)).toEqual(seen.langchain.map((r) => r.raw));
      expect(seen.lean.map((r) => r.headers)).toEqual(seen.langchain.map((r) => r.headers));
      expect(sayings(outcomes.lean)).toEqual(sayings(outcomes.langchain));
      expect(outcomes.lean.every((o) => o.error === null)).toBe(true);
    });

  it("a reasoning model's body is LangChain's (developer role, max_completion_tokens)", async () => {
    const { seen } = await both([request({ model: "local:o3-mini", messages: [{ role: "system", content: "S" }, { role: "user", content: "Hi" }] })]);
    const body = JSON.parse(seen.lean[0].raw) as Record<string, unknown>;
    expect(body).toMatchObject({ model: "o3-mini", max_completion_tokens: 50, messages: [{ role: "developer", content: "S" }, { role: "user", content: "Hi" }] });
    expect(body).not.toHaveProperty("max_tokens");
  });
});

describe("the lean path fails as LangChain fails", () => {
  const faults: { name: string; script: Behaviour[]; error: RegExp; endpoint?: Partial<z.input<typeof Endpoint>>; reqs?: ChatRequest[] }[] = [
    { name: "503 then 503: retried once, then the endpoint is unusable", script: [{ kind: "status", status: 503 }, { kind: "status", status: 503 }], error: /HTTP 503/ },
    { name: "503 then an answer: retried", script: [{ kind: "status", status: 503 }], error: /^$/ },
    { name: "429 with Retry-After", script: [{ kind: "status", status: 429, retryAfter: "0" }], error: /^$/ },
    { name: "401: not retried", script: [{ kind: "status", status: 401, body: '{"error":{"message":"Incorrect API key"}}' }], error: /HTTP 401: 401 Incorrect API key/ },
    { name: "HTML with status 200", script: [{ kind: "html" }, { kind: "html" }], error: /malformed response \(HTTP 200, text\/html\): not JSON/ },
    { name: "JSON without choices", script: [{ kind: "no-choices" }, { kind: "no-choices" }], error: /JSON without choices/ },
    { name: "a body cut off", script: [{ kind: "malformed" }, { kind: "malformed" }], error: /malformed response \(HTTP 200, application\/json\): not JSON/ },
    { name: "a body over maxResponseBytes", script: [{ kind: "huge", bytes: 1_000_000 }], error: /response body of more than 100000 bytes exceeds the limit of 100000 bytes/, endpoint: { maxResponseBytes: 100_000 } },
    { name: "content as parts, odd usage", script: [{ kind: "answer", letter: "B", parts: true, usage: { prompt_tokens: 1.5, completion_tokens: "x" } }], error: /^$/ },
    { name: "a refusal", script: [{ kind: "answer", content: null, refusal: "I can't help with that." }], error: /^$/, reqs: [request({ schema })] },
    { name: "malformed structured JSON (cut off by max tokens)", script: [{ kind: "answer", content: '{"letter": "A", "rea', finishReason: "length" }], error: /^$/, reqs: [request({ schema })] },
  ];
  for (const f of faults)
    it(f.name, async () => {
      const { outcomes } = await both(f.reqs ?? [request()], f.endpoint, () => server.configure({ script: f.script }));
      expect(sayings(outcomes.lean)).toEqual(sayings(outcomes.langchain));
      expect(outcomes.lean[0].error ?? "").toMatch(f.error);
    });

  it("a stall after headers and a slow drip time out within timeoutMs, body included", async () => {
    for (const b of [{ kind: "stall" }, { kind: "drip", intervalMs: 100 }] as Behaviour[]) {
      const { outcomes } = await both([request()], { timeoutMs: 300, maxRetries: 0 }, () => server.configure({ script: [b] }));
      for (const client of CLIENTS) {
        expect(outcomes[client][0].error).toMatch(/timeout/);
        expect(outcomes[client][0].calls[0].latencyMs).toBeLessThan(1_500);
      }
      expect(outcomes.lean[0].error).toBe(outcomes.langchain[0].error);
    }
  });

  it("a reset connection is a connection error", async () => {
    const { outcomes } = await both([request()], { maxRetries: 0 }, () => server.configure({ script: [{ kind: "reset" }] }));
    expect(outcomes.lean[0].error).toMatch(/connection error: ECONNRESET/);
    expect(outcomes.langchain[0].error).toMatch(/connection error: (ECONNRESET|UND_ERR_SOCKET)/);
  });

  it("a server that rejects response_format: the same fallback to text answers, said once", async () => {
    const reject: Behaviour = { kind: "status", status: 400, body: '{"error":{"message":"response_format json_schema is not supported"}}' };
    const { outcomes, seen } = await both([request({ schema }), request({ schema })], { structuredOutput: "auto" }, () => server.configure({ script: [reject] }));
    expect(sayings(outcomes.lean)).toEqual(sayings(outcomes.langchain));
    expect(outcomes.lean[0].warnings).toEqual(outcomes.langchain[0].warnings);
    expect(outcomes.lean[0].warnings[0]).toMatch(/rejected structured output/);
    expect(seen.lean.map((r) => r.raw)).toEqual(seen.langchain.map((r) => r.raw));
    expect(JSON.parse(seen.lean[1].raw)).not.toHaveProperty("response_format");
  });

  it("no key in any error message", async () => {
    const { outcomes } = await both([request()], { maxRetries: 0 }, () => server.configure({ script: [{ kind: "status", status: 500, body: "sk-lean-test-0123456789 leaked" }] }));
    for (const client of CLIENTS) {
      expect(outcomes[client][0].error).toMatch(/HTTP 500/);
      expect(JSON.stringify(outcomes[client])).not.toContain("sk-lean-test-0123456789");
    }
  });
});

describe("the lean path reads what fetch reads", () => {
  let raw: ReturnType<typeof createServer>;
  let url: string;
  beforeAll(async () => {
    // gzip-encoded answers with logprobs, as a server may send them.
    raw = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const top = (t: string, p: number) => ({ token: t, logprob: Math.log(p) });
        const body = JSON.stringify({
          id: "x",
          object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: "B" }, finish_reason: "stop", logprobs: { content: [{ ...top("B", 0.7), top_logprobs: [top("B", 0.7), top("A", 0.2), top("C", 0.1)] }] } }],
          usage: { prompt_tokens: 9, completion_tokens: 1 },
        });
        res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" }).end(gzipSync(body));
      });
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((r) => raw.close(() => r())));

  it("a gzip body with logprobs gives the same answer and option probabilities", async () => {
    const req = request({ labels: ["A", "B", "C"] });
    const [lean] = await call("lean", [req], { logprobs: true }, {}, url);
    const [lc] = await call("langchain", [req], { logprobs: true }, {}, url);
    expect(lean.error).toBeNull();
    expect(lean.result).toEqual(lc.result);
    expect(lean.result?.content).toBe("B");
    expect(lean.result?.probabilities?.B).toBeCloseTo(0.7, 5);
  });
});
