/**
 * Fabricated event streams for the analysis tests and benchmark: a run.started with the slider's
 * primary items (analysis/instrument.ts payoffs) and sessions of utility / random / invalid-prone
 * agents, single-agent or in round-robin pairs. Independent of the engine, seeded.
 *
 * @example
 * const events = fabricateRun({ agents: [{ id: "a", type: "utility", value: "prosocial" }], trials: 10 });
 */
import { PRIMARY_ITEMS } from "../../src/core/instrument.ts";
import { bestOptions, valueAngle } from "../../agents/value-utility.ts";
import { decisionId, sessionId, type HvaeEvent, type ValueSpec } from "../../src/core/events.ts";
import { createRng } from "../../src/core/random.ts";

export interface FakeAgent {
  id: string;
  type: "utility" | "random";
  value: ValueSpec;
  model?: string | null;
  condition?: string | null;
  /** Probability that a decision is invalid (random agents only use it). */
  invalidRate?: number;
  /** Fake model cost per decision (adds a model.call event). */
  costPerCall?: number;
}

export interface FabricateOptions {
  agents: FakeAgent[];
  trials: number;
  pairing?: "single" | "round-robin";
  seed?: number;
  runId?: string;
}

/** Number of decisions a fabricated run will hold. */
export function plannedDecisions(o: FabricateOptions): number {
  const n = o.agents.length;
  const sessions = o.pairing === "round-robin" ? (n * (n - 1)) / 2 : n;
  return sessions * o.trials * PRIMARY_ITEMS.length * (o.pairing === "round-robin" ? 2 : 1);
}

/**
 * Yields the events of a fabricated run lazily (so the benchmark can stream millions of them).
 *
 * @example
 * for (const ev of fabricateEvents({ agents, trials: 5 })) write(JSON.stringify(ev));
 */
export function* fabricateEvents(o: FabricateOptions): Generator<HvaeEvent> {
  const runId = o.runId ?? "fake-run";
  const seed = o.seed ?? 1;
  const rng = createRng(seed);
  let seq = 0;
  const stamp = <T extends object>(body: T) => ({ runId, seq: seq++, time: "2025-01-01T00:00:00.000Z", ...body }) as unknown as HvaeEvent;
  const items = PRIMARY_ITEMS.map((it) => ({ id: `svo-${it.number}`, primary: true, options: it.options.map((p) => ({ ...p })) }));
  const pairs: (string | null)[][] = [];
  if (o.pairing === "round-robin") {
    for (let i = 0; i < o.agents.length; i++) for (let j = i + 1; j < o.agents.length; j++) pairs.push([o.agents[i].id, o.agents[j].id]);
  } else {
    for (const a of o.agents) pairs.push([a.id]);
  }
  yield stamp({
    type: "run.started",
    scenario: "fabricated",
    seed,
    game: "svo-slider",
    pairing: o.pairing ?? "single",
    feedback: false,
    plannedDecisions: plannedDecisions(o),
    plannedSessions: pairs.length * o.trials,
    agents: o.agents.map((a) => ({ id: a.id, type: a.type, value: a.value, model: a.model ?? null, condition: a.condition ?? null })),
    items,
    resumed: false,
  });
  const byId = new Map(o.agents.map((a) => [a.id, a]));
  let decisions = 0;
  let invalid = 0;
  let cost = 0;
  for (let trial = 0; trial < o.trials; trial++) {
    for (const pair of pairs) {
      const ids = pair as string[];
      const sid = sessionId(ids, trial);
      yield stamp({ type: "trial.started", sessionId: sid, trial, agentIds: ids, items: items.map((i) => i.id) });
      for (let round = 0; round < items.length; round++) {
        const item = items[round];
        for (const id of ids) {
          const agent = byId.get(id)!;
          const partnerId = ids.length === 2 ? ids.find((x) => x !== id)! : null;
          const did = decisionId(sid, round, id);
          const key = { decisionId: did, sessionId: sid, agentId: id, partnerId, trial, round, itemId: item.id };
          if (agent.costPerCall) {
            cost += agent.costPerCall;
            yield stamp({
              type: "model.call", decisionId: did, agentId: id, endpoint: "fake", model: agent.model ?? "fake",
              purpose: "decide", cached: false, inputTokens: 100, outputTokens: 10, costUsd: agent.costPerCall,
              latencyMs: 1, attempts: 1, error: null,
            });
          }
          if (agent.invalidRate && rng.next() < agent.invalidRate) {
            invalid++;
            yield stamp({ type: "decision.invalid", ...key, raw: "maybe", reason: "not a letter" });
            continue;
          }
          const k = agent.type === "utility" ? bestOptions(item.options, valueAngle(agent.value))[0] : rng.int(item.options.length);
          decisions++;
          yield stamp({ type: "decision.made", ...key, option: k + 1, self: item.options[k].self, other: item.options[k].other, label: null, reason: null });
        }
      }
      yield stamp({ type: "trial.completed", sessionId: sid, trial, agentIds: ids });
    }
  }
  yield stamp({ type: "run.completed", status: "completed", decisions, invalid, costUsd: cost, message: null });
}

/** The whole fabricated run as an array (small runs in tests). */
export function fabricateRun(o: FabricateOptions): HvaeEvent[] {
  return [...fabricateEvents(o)];
}
