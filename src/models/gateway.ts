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
import { createChatModel, type ChatModel, type JsonSchemaFormat } from "./chat-model.ts";
import { costUsd, priceFor } from "./cost.ts";
import {
  BudgetExhaustedError,
  EndpointUnusableError,
  isRunStop,
  ModelCallError,
  type ChatRequest,
  type ChatResult,
  type GatewayOptions,
  type ModelGateway,
  type TranscriptRecord,
  type TranscriptSink,
} from "./gateway-types.ts";
import { resolveModelRef, type ResolvedModel } from "./model-ref.ts";
import { createLimiter, type Limiter } from "./rate-limit.ts";
import { withRetry } from "./retry.ts";

export { BudgetExhaustedError, EndpointUnusableError, isRunStop, ModelCallError } from "./gateway-types.ts";
export type { ChatRequest, ChatResult, GatewayOptions, ModelGateway, TranscriptRecord, TranscriptSink } from "./gateway-types.ts";

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

/** Replaces every configured secret in a message (error texts may echo a key back). */
function redactor(opts: GatewayOptions): (s: string) => string {
  const names = new Set(["OPENAI_API_KEY", ...Object.values(opts.endpoints).map((e) => e.apiKeyEnv ?? "")]);
  const secrets = [...names].map((n) => (n ? opts.env[n] : undefined)).filter((v): v is string => !!v && v.length >= 4);
  return (s) => secrets.reduce((out, secret) => out.split(secret).join("[redacted]"), s);
}

export function createGateway(opts: GatewayOptions): ModelGateway {
  const calls$ = new Subject<ModelCallBody>();
  const cache = opts.cachePath ? openCache(opts.cachePath) : null;
  const redact = redactor(opts);
  const resolved = new Map<string, ResolvedModel>();
  const limiters = new Map<string, Limiter>();
  const models = new Map<string, ChatModel>();
  const totals = { calls: 0, cacheHits: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
  let closed = false;

  const resolve = (ref: string): ResolvedModel => {
    let r = resolved.get(ref);
    if (!r) resolved.set(ref, (r = resolveModelRef(ref, opts.endpoints, opts.env)));
    return r;
  };
  const limiterFor = (m: ResolvedModel): Limiter => {
    let l = limiters.get(m.endpointName);
    if (!l) limiters.set(m.endpointName, (l = createLimiter(m.settings)));
    return l;
  };
  const modelFor = (m: ResolvedModel, req: ChatRequest): ChatModel => {
    const key = JSON.stringify([m.ref, req.params.temperature, req.params.topP, req.params.maxTokens]);
    let c = models.get(key);
    if (!c) models.set(key, (c = createChatModel(m, req.params)));
    return c;
  };
  // z.toJSONSchema costs about 0.2 ms; agents reuse one schema object across their decisions.
  const formats = new WeakMap<z.ZodType, JsonSchemaFormat>();
  const formatFor = (schema: { name: string; zod: z.ZodType }): JsonSchemaFormat => {
    let f = formats.get(schema.zod);
    if (!f || f.json_schema.name !== schema.name) formats.set(schema.zod, (f = responseFormat(schema)));
    return f;
  };
  const exhausted = () => opts.maxCostUsd !== null && totals.costUsd >= opts.maxCostUsd;
  // Set by the first call that shows an endpoint cannot serve the run; every later call stops.
  let unusable: string | null = null;

  // A view's requests are reported to the view (an experiment's cell), all others to the gateway.
  const rootRoute: Route = { calls$, transcripts: opts.transcripts ?? null };
  const routes = new WeakMap<ChatRequest, Route>();

  /** The one place a call is reported: a `model.call` body, and its transcript record to the sink. */
  function report(req: ChatRequest, m: ResolvedModel, fields: Partial<ModelCallBody>, response: TranscriptRecord["response"] = null) {
    const route = routes.get(req) ?? rootRoute;
    if (route.transcripts) {
      route.transcripts.record({
        request: req, endpoint: m.endpointName, model: m.model, format: req.schema ? formatFor(req.schema) : null,
        response: response && { content: response.content, refusal: response.refusal, finishReason: response.finishReason ?? null, inputTokens: response.inputTokens, outputTokens: response.outputTokens },
        cached: fields.cached ?? false, error: fields.error ?? null, attempts: fields.attempts ?? 0, latencyMs: fields.latencyMs ?? 0, costUsd: fields.costUsd ?? 0,
      });
    }
    route.calls$.next({
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
    });
  }

  function answer(hit: CachedResponse, req: ChatRequest, cached: boolean, cost: number): ChatResult {
    return {
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
    const format = req.schema ? formatFor(req.schema) : null;
    // Hashing the whole conversation is a measurable share of a call: only when there is a cache.
    const key = cache
      ? cacheKey({
          baseURL: m.baseURL,
          model: m.model,
          params: req.params,
          messages: req.messages,
          schema: format?.json_schema ?? null,
          sampleIndex: req.sampleIndex,
        })
      : "";
    const t0 = performance.now();
    const hit = cache && !opts.refreshCache ? cache.get(key) : null;
    if (hit) {
      totals.calls++;
      totals.cacheHits++;
      report(req, m, { cached: true, inputTokens: hit.inputTokens, outputTokens: hit.outputTokens, latencyMs: performance.now() - t0 }, { ...hit, finishReason: null });
      return answer(hit, req, true, 0);
    }
    if (unusable) {
      report(req, m, { error: unusable });
      throw new EndpointUnusableError(unusable);
    }
    if (exhausted()) {
      report(req, m, { error: "budget exhausted" });
      throw new BudgetExhaustedError(`budget of ${opts.maxCostUsd} USD exhausted (spent ${totals.costUsd.toFixed(4)} USD)`);
    }

    const limiter = limiterFor(m);
    const chatModel = modelFor(m, req);
    const estimate = Math.ceil(req.messages.reduce((n, x) => n + x.content.length, 0) / 4) + req.params.maxTokens;
    let attempts = 0;
    try {
      const { value } = await withRetry(
        async (n) => {
          attempts = n;
          // Calls already retrying stop as soon as another has shown the endpoint unusable.
          if (unusable) throw new EndpointUnusableError(unusable);
          const permit = await limiter.acquire(estimate);
          try {
            const r = await chatModel.invoke(req.messages, format, req.params.seed);
            permit.release(r.inputTokens + r.outputTokens);
            return r;
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
        },
      );
      const price = priceFor(m.endpointName, m.model, opts.prices);
      const cost = costUsd(price, value.inputTokens, value.outputTokens);
      totals.calls++;
      totals.inputTokens += value.inputTokens;
      totals.outputTokens += value.outputTokens;
      totals.costUsd += cost;
      const stored: CachedResponse = {
        content: value.content,
        parsed: null,
        refusal: value.refusal,
        inputTokens: value.inputTokens,
        outputTokens: value.outputTokens,
      };
      if (cache && !closed) cache.put(key, stored);
      report(req, m, {
        inputTokens: value.inputTokens,
        outputTokens: value.outputTokens,
        costUsd: cost,
        latencyMs: performance.now() - t0,
        attempts,
      }, value);
      return answer(stored, req, false, cost);
    } catch (err) {
      const message = redact(err instanceof Error ? err.message : String(err));
      totals.calls++;
      report(req, m, { latencyMs: performance.now() - t0, attempts, error: message });
      if (isRunStop(err)) throw err;
      if (err instanceof ModelCallError && err.unusable) {
        unusable ??= redact(`endpoint '${m.endpointName}' (${m.baseURL}, model ${m.model}): ${err.unusable}; last error: ${message}`);
        throw new EndpointUnusableError(unusable);
      }
      throw new ModelCallError(message, err instanceof ModelCallError ? err.attempts : attempts);
    }
  }

  const views = new Set<Subject<ModelCallBody>>();
  return {
    chat,
    calls$: calls$.asObservable(),
    budgetExhausted: exhausted,
    unusable: () => unusable,
    summary: () => ({ ...totals }),
    supportsStructuredOutput: (model) => resolve(model).settings.structuredOutput,
    view(sink) {
      const route: Route = { calls$: new Subject<ModelCallBody>(), transcripts: sink.transcripts };
      views.add(route.calls$);
      return {
        chat(req) {
          routes.set(req, route);
          return chat(req);
        },
        calls$: route.calls$.asObservable(),
        budgetExhausted: exhausted,
        unusable: () => unusable,
        summary: () => ({ ...totals }),
        supportsStructuredOutput: (model) => resolve(model).settings.structuredOutput,
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
    },
  };
}

/** Where a call's model.call body and transcript record go. */
interface Route {
  readonly calls$: Subject<ModelCallBody>;
  readonly transcripts: TranscriptSink | null;
}
