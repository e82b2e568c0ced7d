/**
 * The model gateway: the only code that talks to a model server. Per call it consults the
 * response cache, enforces the budget, waits for the endpoint's limiter, runs the attempt
 * through LangChain with retries, accounts tokens and cost, stores the answer, and reports a
 * `model.call` event body on `calls$`.
 *
 * @example
 * const gateway = createGateway({ endpoints: scenario.endpoints, prices: scenario.prices,
 *   cachePath: ".hvae/cache.sqlite", refreshCache: false, maxCostUsd: 2, env: process.env });
 * gateway.calls$.subscribe((body) => emit(body));
 * const r = await gateway.chat(request);
 * await gateway.close();
 */
import { Subject } from "rxjs";
import { z } from "zod";
import type { EventBody, EventOf } from "../core/events.ts";
import { cacheKey, openCache, type CachedResponse } from "./cache.ts";
import { type ChatModel, type JsonSchemaFormat } from "./chat-model.ts";
import { createBackends } from "./backends.ts";
import { addCost, costOf, emptyCost, type CostTally } from "../core/money.ts";
import { costUsd, priceFor } from "./cost.ts";
import {
  BudgetExhaustedError,
  EndpointUnusableError,
  isRunStop,
  ModelCallError,
  type ChatRequest,
  type ChatResult,
  type EndpointStats,
  type GatewayOptions,
  type GatewaySummary,
  type ModelGateway,
  type TranscriptRecord,
  type TranscriptSink,
} from "./gateway-types.ts";
import { resolveModelRef, type ResolvedModel } from "./model-ref.ts";
import { isSchemaRejection } from "./structured-fallback.ts";
import { createLimiter, type Limiter } from "./rate-limit.ts";
import { createRedactor, secretsOf } from "./redact.ts";
import { withRetry, type Failure } from "./retry.ts";

export { BudgetExhaustedError, EndpointUnusableError, isRunStop, ModelCallError } from "./gateway-types.ts";
export type { ChatRequest, ChatResult, EndpointStats, GatewayOptions, ModelGateway, TranscriptRecord, TranscriptSink } from "./gateway-types.ts";

type ModelCallBody = EventBody<EventOf<"model.call">>;

/** A strict json_schema response format from a zod schema (no $schema key: some servers reject it). */
export function responseFormat(schema: { name: string; zod: z.ZodType }): JsonSchemaFormat {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema.zod, { io: "output" }) as Record<string, unknown>;
  return { type: "json_schema", json_schema: { name: schema.name, schema: json, strict: true } };
}

/** The schema-checked object in a structured answer, or null. */
function parseStructured(content: string, zod: z.ZodType): unknown | null {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return null;
  }
  const r = zod.safeParse(json);
  return r.success ? r.data : null;
}

/** A retry's cause as a short key for the manifest's counts: "HTTP 503", "timeout", "connection error: ECONNRESET", … */
function causeKey(f: Failure): string {
  const m = /^(HTTP \d+|timeout|connection error: [A-Z_]+|malformed response)/.exec(f.reason);
  return m ? m[1] : f.reason.split(":")[0].slice(0, 60);
}

export function createGateway(opts: GatewayOptions): ModelGateway {
  const calls$ = new Subject<ModelCallBody>();
  const cache = opts.cachePath ? openCache(opts.cachePath) : null;
  const redact = createRedactor(secretsOf(opts.endpoints, opts.env));
  const resolved = new Map<string, ResolvedModel>();
  const limiters = new Map<string, Limiter>();
  const models = new Map<string, ChatModel>();
  const backends = createBackends({ client: opts.client });
  // Endpoints (structuredOutput: auto) whose server rejected json_schema: text answers from then on.
  const fallbacks = new Map<string, string>();
  const warn = (message: string) => (opts.warn ? opts.warn(redact(message)) : void process.stderr.write(`hvae: ${redact(message)}\n`));
  // Every total is folded from the model.call bodies as they are reported, so the run's totals
  // are the sum of its model.call events by construction.
  const totals = emptyTotals();
  const summary = (): GatewaySummary => summaryOf(totals);
  const stats = new Map<string, EndpointStats>();
  const warned = new Set<string>();
  const warnOnce = (key: string, message: string) => {
    if (warned.has(key)) return;
    warned.add(key);
    opts.warn?.(redact(message));
  };
  let cacheWritable = cache !== null;
  let closed = false;

  const resolve = (ref: string): ResolvedModel => {
    let r = resolved.get(ref);
    if (!r) {
      r = resolveModelRef(ref, opts.endpoints, opts.env);
      backends.check(r);
      resolved.set(ref, r);
    }
    return r;
  };
  const statsFor = (endpoint: string): EndpointStats => {
    let s = stats.get(endpoint);
    if (!s) stats.set(endpoint, (s = { calls: 0, cacheHits: 0, attempts: 0, retries: 0, retryCauses: {}, failedCalls: 0, failure: null }));
    return s;
  };
  const limiterFor = (m: ResolvedModel): Limiter => {
    let l = limiters.get(m.endpointName);
    if (!l) limiters.set(m.endpointName, (l = createLimiter(m.settings)));
    return l;
  };
  const modelFor = (m: ResolvedModel, req: ChatRequest): ChatModel => {
    const key = JSON.stringify([m.ref, req.params.temperature, req.params.topP, req.params.maxTokens]);
    let c = models.get(key);
    if (!c) models.set(key, (c = backends.create(m, req.params)));
    return c;
  };
  // z.toJSONSchema costs about 0.2 ms; agents reuse one schema object across their decisions.
  const formats = new WeakMap<z.ZodType, JsonSchemaFormat>();
  const formatFor = (schema: { name: string; zod: z.ZodType }): JsonSchemaFormat => {
    let f = formats.get(schema.zod);
    if (!f || f.json_schema.name !== schema.name) formats.set(schema.zod, (f = responseFormat(schema)));
    return f;
  };
  // The budget counts what is known to be spent (the CLI refuses --max-cost with unpriced models).
  const exhausted = () => opts.maxCostUsd !== null && totals.pricedCostUsd >= opts.maxCostUsd;
  // Endpoints that failed: set by the first call that fails for good; every later call to the
  // endpoint (and every one of its calls still retrying) stops at once. Others keep serving.
  const failed = new Map<string, string>();
  const unusable = (): string | null => (failed.size === 0 ? null : [...failed.values()].join("; "));

  function cacheGet(key: string): CachedResponse | null {
    if (!cache || opts.refreshCache) return null;
    try {
      return cache.get(key);
    } catch (err) {
      warnOnce("cache-read", `warning: the response cache could not be read (${(err as Error).message}); calls go to the network`);
      return null;
    }
  }

  /** A cache that cannot be written (disk full) costs the cache, never the answer in hand. */
  function cachePut(key: string, value: CachedResponse): void {
    if (!cache || !cacheWritable || closed) return;
    try {
      cache.put(key, value);
    } catch (err) {
      cacheWritable = false;
      warnOnce(
        "cache-write",
        `warning: the response cache could not be written (${(err as Error).message}); answers are still recorded in the log, ` +
          `but no more are cached in this run, so a --resume would pay again for the calls it replays`,
      );
    }
  }

  // A view's requests are reported to the view (an experiment's cell), all others to the gateway.
  const rootRoute: Route = { calls$, transcripts: opts.transcripts ?? null, totals };
  const routes = new WeakMap<ChatRequest, Route>();

  /** The one place a call is reported: a `model.call` body, and its transcript record to the sink. */
  function report(req: ChatRequest, m: ResolvedModel, fields: Partial<ModelCallBody>, response: TranscriptRecord["response"] = null) {
    const route = routes.get(req) ?? rootRoute;
    if (route.transcripts) {
      route.transcripts.record({
        request: req, endpoint: m.endpointName, model: m.model, format: req.schema && structuredOn(m) ? formatFor(req.schema) : null,
        response: response && { content: response.content, refusal: response.refusal, finishReason: response.finishReason ?? null, inputTokens: response.inputTokens, outputTokens: response.outputTokens },
        cached: fields.cached ?? false, error: fields.error ?? null, attempts: fields.attempts ?? 0, latencyMs: fields.latencyMs ?? 0, costUsd: fields.costUsd === undefined ? 0 : fields.costUsd,
      });
    }
    const body: ModelCallBody = {
      type: "model.call",
      decisionId: req.decisionId,
      agentId: req.agentId,
      endpoint: m.endpointName,
      model: m.model,
      purpose: req.purpose,
      cached: false,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      latencyMs: 0,
      attempts: 0,
      error: null,
      ...fields,
    };
    addCall(totals, body);
    // A view (an experiment's cell) also counts its own, so its run's totals are its own calls.
    if (route.totals !== totals) addCall(route.totals, body);
    const s = statsFor(m.endpointName);
    if (body.cached) s.cacheHits++;
    else s.calls++;
    s.attempts += body.attempts;
    route.calls$.next(body);
  }

  const structuredOn = (m: ResolvedModel) => m.settings.structuredOutput !== false && !fallbacks.has(m.endpointName);

  function answer(hit: CachedResponse, req: ChatRequest, cached: boolean, cost: number | null): ChatResult {
    return {
      probabilities: hit.probabilities ?? null,
      content: hit.content,
      parsed: req.schema && hit.refusal === null ? parseStructured(hit.content, req.schema.zod) : null,
      refusal: hit.refusal,
      cached,
      inputTokens: hit.inputTokens,
      outputTokens: hit.outputTokens,
      costUsd: cost,
    };
  }

  async function chat(req: ChatRequest): Promise<ChatResult> {
    if (closed) throw new Error("model gateway is closed");
    const m = resolve(req.model);
    let format = req.schema && structuredOn(m) ? formatFor(req.schema) : null;
    // Hashing the whole conversation is a measurable share of a call: only when there is a cache.
    const keyFor = () => cacheKey({
          baseURL: m.baseURL,
          model: m.model,
          params: req.params,
          messages: req.messages,
          schema: format?.json_schema ?? null,
          sampleIndex: req.sampleIndex,
        });
    let key = cache ? keyFor() : "";
    const t0 = performance.now();
    const hit = cacheGet(key);
    if (hit) {
      report(req, m, { cached: true, inputTokens: hit.inputTokens, outputTokens: hit.outputTokens, latencyMs: performance.now() - t0 }, { ...hit, finishReason: null });
      return answer(hit, req, true, 0);
    }
    const down = failed.get(m.endpointName);
    if (down) {
      report(req, m, { error: down });
      throw new EndpointUnusableError(down);
    }
    if (exhausted()) {
      report(req, m, { error: "budget exhausted" });
      throw new BudgetExhaustedError(`budget of ${opts.maxCostUsd} USD exhausted (spent ${totals.pricedCostUsd.toFixed(4)} USD)`);
    }

    const limiter = limiterFor(m);
    const chatModel = modelFor(m, req);
    const stat = statsFor(m.endpointName);
    const estimate = Math.ceil(req.messages.reduce((n, x) => n + x.content.length, 0) / 4) + req.params.maxTokens;
    let attempts = 0;
    let value;
    try {
      ({ value } = await withRetry(
        async (n) => {
          attempts = n;
          // Calls already retrying stop as soon as another has shown the endpoint failed.
          const gone = failed.get(m.endpointName);
          if (gone) throw new EndpointUnusableError(gone);
          const permit = await limiter.acquire(estimate);
          try {
            // Another call may have found out, while this one waited, that the server rejects json_schema.
            if (format && fallbacks.has(m.endpointName)) {
              format = null;
              if (cache) key = keyFor();
            }
            const extra = { zod: req.schema?.zod ?? null, labels: req.labels ?? null, sampleIndex: req.sampleIndex };
            try {
              const r = await chatModel.invoke(req.messages, format, req.params.seed, extra);
              permit.release(r.inputTokens + r.outputTokens);
              return r;
            } catch (err) {
              if (!format || m.settings.structuredOutput !== "auto" || !isSchemaRejection(err)) throw err;
              // The server does not take json_schema: say so once, then ask for a text answer (read by
              // the agent's text parser, with its repair turn) now and for the rest of the run.
              if (!fallbacks.has(m.endpointName)) {
                const reason = redact((err as Error).message.split("\n")[0].slice(0, 200));
                fallbacks.set(m.endpointName, reason);
                warn(`endpoint '${m.endpointName}' rejected structured output (${reason}); falling back to text answers for this run (structuredOutput: auto)`);
              }
              format = null;
              if (cache) key = keyFor();
              const r = await chatModel.invoke(req.messages, null, req.params.seed, extra);
              permit.release(r.inputTokens + r.outputTokens);
              return r;
            }
          } catch (err) {
            permit.release();
            throw err;
          }
        },
        {
          maxRetries: m.settings.maxRetries,
          maxTotalMs: opts.maxRetryTimeMs ?? 300_000,
          baseMs: opts.retryBaseMs ?? 500,
          maxDelayMs: 30_000,
          onRetry(f) {
            stat.retries++;
            const k = causeKey(f);
            stat.retryCauses[k] = (stat.retryCauses[k] ?? 0) + 1;
          },
        },
      ));
    } catch (err) {
      const message = redact(err instanceof Error ? err.message : String(err));
      // A call stopped because another showed the endpoint failed (or the budget) made its attempts: count them.
      report(req, m, { latencyMs: performance.now() - t0, attempts: isRunStop(err) ? Math.max(0, attempts - 1) : attempts, error: message });
      if (isRunStop(err)) throw err;
      // Failed for good after the bounded retries (or at once, when retrying cannot help): the
      // endpoint takes no more calls in this run. Nothing of this call becomes a decision.
      stat.failedCalls++;
      const cause = err instanceof ModelCallError && err.unusable ? `${err.unusable}; last error: ${message}` : `kept failing after the retries: ${message}`;
      if (!failed.has(m.endpointName)) {
        const why = redact(`endpoint '${m.endpointName}' (${m.baseURL}, model ${m.model}): ${cause}`);
        failed.set(m.endpointName, why);
        stat.failure = why;
      }
      throw new EndpointUnusableError(failed.get(m.endpointName)!);
    }
    const price = priceFor(m.endpointName, m.model, opts.prices, { baseURL: m.baseURL, free: m.settings.free, provider: m.settings.provider });
    // Unknown is not zero: a model without a price is booked at null, never at $0.
    const cost = price ? costUsd(price, value.inputTokens, value.outputTokens) : null;
    if (value.usageProblem !== null && value.usageProblem !== "missing")
      warnOnce(
        `usage:${m.endpointName}`,
        `warning: endpoint '${m.endpointName}' sent unusable token counts (${value.usageProblem}); such calls are recorded with 0 tokens`,
      );
    const stored: CachedResponse = {
      content: value.content,
      parsed: null,
      refusal: value.refusal,
      inputTokens: value.inputTokens,
      outputTokens: value.outputTokens,
      probabilities: value.probabilities,
    };
    cachePut(key, stored);
    report(req, m, {
      inputTokens: value.inputTokens,
      outputTokens: value.outputTokens,
      costUsd: cost,
      latencyMs: performance.now() - t0,
      attempts,
    }, value);
    return answer(stored, req, false, cost);
  }

  const views = new Set<Subject<ModelCallBody>>();
  const usable = (model: string): boolean => {
    try {
      return !failed.has(resolve(model).endpointName);
    } catch {
      return true; // an unresolvable reference fails where it is used, with its own message
    }
  };
  const endpointStats = () => Object.fromEntries([...stats].map(([k, v]) => [k, { ...v, retryCauses: { ...v.retryCauses } }]));
  return {
    chat,
    calls$: calls$.asObservable(),
    budgetExhausted: exhausted,
    unusable,
    usable,
    endpointStats,
    summary,
    supportsStructuredOutput: (model) => structuredOn(resolve(model)),
    structuredFallbacks: () => Object.fromEntries(fallbacks),
    view(sink) {
      const route: Route = { calls$: new Subject<ModelCallBody>(), transcripts: sink.transcripts, totals: emptyTotals() };
      views.add(route.calls$);
      return {
        chat(req) {
          routes.set(req, route);
          return chat(req);
        },
        calls$: route.calls$.asObservable(),
        budgetExhausted: exhausted,
        unusable,
        usable,
        endpointStats,
        summary: () => summaryOf(route.totals),
        supportsStructuredOutput: (model) => structuredOn(resolve(model)),
        structuredFallbacks: () => Object.fromEntries(fallbacks),
        // Closing a view ends its stream only; the shared gateway stays open for the other views.
        async close() {
          route.calls$.complete();
          views.delete(route.calls$);
        },
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      calls$.complete();
      for (const v of views) v.complete();
      cache?.close();
      await backends.close();
    },
  };
}

/** Where a call's model.call body and transcript record go. */
interface Route {
  readonly calls$: Subject<ModelCallBody>;
  readonly transcripts: TranscriptSink | null;
  /** The calls reported to this route (the root's: every call of the gateway). */
  readonly totals: CallTotals;
}

/** Counts one reported call. Calls refused before a request (budget spent, endpoint failed) are events but not calls. */
function addCall(t: CallTotals, body: ModelCallBody): void {
  if (body.cached || body.attempts > 0) t.calls++;
  if (body.cached) t.cacheHits++;
  t.inputTokens += body.cached ? 0 : body.inputTokens;
  t.outputTokens += body.cached ? 0 : body.outputTokens;
  addCost(t, body.costUsd);
}

/** Running counts of reported calls; the cost as its priced part and the number of unpriced calls. */
interface CallTotals extends CostTally {
  calls: number;
  cacheHits: number;
  inputTokens: number;
  outputTokens: number;
}

function emptyTotals(): CallTotals {
  return { calls: 0, cacheHits: 0, inputTokens: 0, outputTokens: 0, ...emptyCost() };
}

/** The totals as reported: the cost is null as soon as one call had no known price. */
function summaryOf(t: CallTotals): GatewaySummary {
  return { calls: t.calls, cacheHits: t.cacheHits, inputTokens: t.inputTokens, outputTokens: t.outputTokens, ...costOf(t) };
}
