/**
 * Cost estimates before paying (`hvae plan`): each cell's scenario is played through the real
 * environment and the real agents against a dry gateway that answers at once with answers of a
 * stated length and counts what every request would send. So the number of calls is exact when no
 * answer needs a repair, the growth of each conversation over its items is in the input counts,
 * and the estimate uses the same prompts the run will send.
 *
 * @example
 * const est = await estimateCell(scenario, { dir: "scenarios" });
 * est.calls;        // 600 for the paper's design
 * est.costUsd;      // null when a model has no known price
 */
import { Subject } from "rxjs";
import { z } from "zod";
import type { AgentSpec } from "../../agents/agent.ts";
import { createAgent } from "../../agents/registry.ts";
import type { EventBody, EventOf } from "../core/events.ts";
import { planRun, runEnvironment } from "../environment/environment.ts";
import { costUsd, priceFor } from "../models/cost.ts";
import type { ChatRequest, ChatResult, ModelGateway } from "../models/gateway-types.ts";
import { parseModelRef } from "../models/model-ref.ts";
import { expandAgents } from "../scenario/expand.ts";
import type { Scenario } from "../scenario/schema.ts";
import { tokenCounter, type TokenCounter } from "./tokens.ts";

/** Output tokens assumed per answer, by purpose: the model's own lengths vary, so these are stated. */
export const ASSUMED_OUTPUT_TOKENS: Readonly<Record<string, number>> = { describe: 150, goal: 30, decide: 30 };
const DEFAULT_OUTPUT_TOKENS = 30;

/**
 * LLM calls dry-played per estimate (all cells together, at least MIN_CELL_CALLS per cell): a
 * dry call costs about 8 ms of CPU (the real agents build and parse every prompt), so beyond
 * this a sample of the trials is played and the rest extrapolated per session (said in `method`
 * and per cell). About 1–2 s, so `hvae run` can afford it before a paid run.
 */
export const MAX_SIMULATED_CALLS = 1_000;
export const MIN_CELL_CALLS = 100;

export interface ModelEstimate {
  readonly model: string;
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** null when the model has no known price (see `prices:`). */
  readonly costUsd: number | null;
  readonly tokenMethod: string;
}

export interface CellEstimate {
  readonly sessions: number;
  readonly decisions: number;
  /** LLM calls (describe, goal, decide); exact when no answer needs a repair. */
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** null when any model of the cell is unpriced. */
  readonly costUsd: number | null;
  /** The cost of the priced models alone (the known part when `costUsd` is null). */
  readonly pricedCostUsd: number;
  readonly models: readonly ModelEstimate[];
  /** Sessions actually simulated (the rest extrapolated by the mean per session). */
  readonly simulatedSessions: number;
}

/** How the estimate is made, in words, for every `hvae plan` output. */
export function estimateMethod(): string {
  const out = Object.entries(ASSUMED_OUTPUT_TOKENS).map(([k, v]) => `${k} ${v}`).join(", ");
  return (
    "every cell is played through the real agents against a dry gateway; input tokens are the requests as they would be sent " +
    "(the conversation grows over the items), counted with js-tiktoken's bundled encodings where they fit the model, else 4 characters per token, " +
    `plus 3 tokens per message; output tokens assumed per answer: ${out}; no repair turns assumed; prices from the built-in table and the scenario's prices entries; ` +
    `beyond about ${MAX_SIMULATED_CALLS} calls in all, a sample of the trials is played and scaled by sessions (later trials' longer memory is then under-counted)`
  );
}

interface Tally {
  calls: number;
  inputTokens: number;
  outputTokens: number;
}

/** Estimates one scenario (a cell); `dir` resolves module-path agents as the run would. */
export async function estimateCell(scenario: Scenario, opts: { dir: string; maxCalls?: number }): Promise<CellEstimate> {
  const specs = expandAgents(scenario);
  const plan = planRun(scenario, specs.map((s) => s.id));
  const llm = specs.filter((s) => s.type === "llm");
  if (llm.length === 0) {
    return { sessions: plan.sessions.length, decisions: plan.plannedDecisions, calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, pricedCostUsd: 0, models: [], simulatedSessions: plan.sessions.length };
  }
  // A bounded simulation: fewer trials when the whole plan would be too many calls to play dry.
  const callsPerDecision = 1.5;
  const llmDecisions = plan.plannedDecisions * (llm.length / specs.length);
  const factor = Math.max(1, Math.ceil((llmDecisions * callsPerDecision) / (opts.maxCalls ?? MAX_SIMULATED_CALLS)));
  const simulated: Scenario = factor === 1 ? scenario : { ...scenario, trials: Math.max(1, Math.floor(scenario.trials / factor)) };
  const simPlan = factor === 1 ? plan : planRun(simulated, specs.map((s) => s.id));

  const tallies = new Map<string, Tally>();
  const counters = new Map<string, TokenCounter>();
  for (const s of llm) {
    const model = String(s.model);
    if (!counters.has(model)) counters.set(model, await tokenCounter(parseModelRef(model).model));
    if (!tallies.has(model)) tallies.set(model, { calls: 0, inputTokens: 0, outputTokens: 0 });
  }
  const gateway = dryGateway((req) => {
    const counter = counters.get(req.model)!;
    const t = tallies.get(req.model)!;
    const schemaTokens = req.schema ? counter.count(JSON.stringify(z.toJSONSchema(req.schema.zod))) : 0;
    t.calls++;
    t.inputTokens += counter.countMessages(req.messages) + schemaTokens;
    t.outputTokens += ASSUMED_OUTPUT_TOKENS[req.purpose] ?? DEFAULT_OUTPUT_TOKENS;
  });
  await new Promise<void>((done, fail) => {
    runEnvironment({
      runId: "plan",
      scenario: simulated,
      agents: specs,
      createAgent: (spec: AgentSpec, ctx) => createAgent(spec, ctx, opts.dir),
      gateway,
      clock: () => "",
    }).subscribe({ error: fail, complete: done });
  });

  const scale = plan.sessions.length / Math.max(1, simPlan.sessions.length);
  const models: ModelEstimate[] = [...tallies].map(([model, t]) => {
    const { endpoint, model: name } = parseModelRef(model);
    const settings = Object.hasOwn(scenario.endpoints, endpoint) ? scenario.endpoints[endpoint] : null;
    const price = priceFor(endpoint, name, scenario.prices, { baseURL: settings?.baseURL ?? null, free: settings?.free ?? false, provider: settings?.provider });
    const calls = Math.round(t.calls * scale);
    const inputTokens = Math.round(t.inputTokens * scale);
    const outputTokens = Math.round(t.outputTokens * scale);
    return { model, calls, inputTokens, outputTokens, costUsd: price ? costUsd(price, inputTokens, outputTokens) : null, tokenMethod: counters.get(model)!.method };
  });
  return {
    sessions: plan.sessions.length,
    decisions: plan.plannedDecisions,
    calls: sum(models.map((m) => m.calls)),
    inputTokens: sum(models.map((m) => m.inputTokens)),
    outputTokens: sum(models.map((m) => m.outputTokens)),
    costUsd: models.some((m) => m.costUsd === null) ? null : sum(models.map((m) => m.costUsd!)),
    pricedCostUsd: sum(models.map((m) => m.costUsd ?? 0)),
    models,
    simulatedSessions: simPlan.sessions.length,
  };
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

const FILLER =
  "This person weighs what they and others receive with care, keeps their word, and decides calmly when something is shared between people. ";

/**
 * A gateway that never leaves the process: every request is counted by `onRequest` and answered
 * at once with a stated-length answer that the agent reads as a valid choice of the first option.
 */
export function dryGateway(onRequest: (req: ChatRequest) => void): ModelGateway {
  const calls$ = new Subject<EventBody<EventOf<"model.call">>>();
  return {
    async chat(req: ChatRequest): Promise<ChatResult> {
      onRequest(req);
      const outTokens = ASSUMED_OUTPUT_TOKENS[req.purpose] ?? DEFAULT_OUTPUT_TOKENS;
      const parsed = req.schema ? answerFor(req.schema.zod) : null;
      const content = parsed ? JSON.stringify(parsed) : req.purpose === "decide" || req.purpose === "repair" ? "A: it suits me best" : FILLER.repeat(Math.max(1, Math.round(outTokens / 25)));
      return { content, parsed, refusal: null, cached: false, inputTokens: 0, outputTokens: 0, costUsd: 0 };
    },
    calls$: calls$.asObservable(),
    budgetExhausted: () => false,
    summary: () => ({ calls: 0, cacheHits: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, pricedCostUsd: 0, unpricedCalls: 0 }),
    async close() {
      calls$.complete();
    },
  };
}

/** A valid object for a structured-output schema: the first value of each enum, a short text for each string. */
function answerFor(schema: z.ZodType): unknown {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape) return null;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(shape)) {
    const inner = unwrap(field);
    const options = (inner as unknown as { options?: unknown[] }).options;
    if (Array.isArray(options) && options.length > 0) out[key] = options[0];
    else if (inner instanceof z.ZodNumber) out[key] = 0;
    else if (inner instanceof z.ZodBoolean) out[key] = false;
    else out[key] = "It suits what I value most in this decision.";
  }
  return out;
}

function unwrap(t: z.ZodType): z.ZodType {
  let cur = t as unknown as { unwrap?: () => z.ZodType };
  while (typeof cur.unwrap === "function" && !(cur instanceof z.ZodEnum)) cur = cur.unwrap() as unknown as { unwrap?: () => z.ZodType };
  return cur as unknown as z.ZodType;
}
