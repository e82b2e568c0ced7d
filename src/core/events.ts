/**
 * The event union: the single source of truth of a run. Every analysis is computed from
 * these events, live or replayed from `events.jsonl`; nothing is recomputed from agent state.
 *
 * @example
 * const ev = HvaeEvent.parse(JSON.parse(line));
 * if (ev.type === "decision.made") console.log(ev.agentId, ev.option);
 */
import { z } from "zod";
import { CATEGORIES } from "./values.ts";

const base = {
  runId: z.string(),
  /** 0-based, gap-free, in log order. */
  seq: z.number().int().nonnegative(),
  /** ISO timestamp; the only field allowed to differ between two runs with the same seed. */
  time: z.string(),
};

/** A value target as written in the scenario: a category name or an angle in degrees. */
export const ValueSpec = z.union([z.enum(CATEGORIES), z.number()]);
export type ValueSpec = z.infer<typeof ValueSpec>;

/** A fact as recorded: plain JSON (see src/games/contract.ts Fact). */
export const Fact = z.union([z.number(), z.string(), z.boolean(), z.null(), z.array(z.number()).readonly(), z.array(z.string()).readonly()]);

/** What analysis needs to know about each agent, recorded once in `run.started`. */
export const AgentInfo = z.object({
  id: z.string(),
  type: z.string(),
  value: ValueSpec,
  /** Model reference for llm agents (e.g. "openai:gpt-4o-mini"), else null. */
  model: z.string().nullable(),
  /** Prompt / experimental condition label (e.g. "goal", "no-goal"), else null. */
  condition: z.string().nullable(),
});
export type AgentInfo = z.infer<typeof AgentInfo>;

/** The fields every decision event shares. */
const decisionKey = {
  /** Deterministic: `${sessionId}/r${round}/${agentId}`. */
  decisionId: z.string(),
  /** One trajectory of a pair (or a single agent) through the items: `${pairKey}#t${trial}`. */
  sessionId: z.string(),
  agentId: z.string(),
  /** null for the imaginary other of the single-agent protocol. */
  partnerId: z.string().nullable(),
  trial: z.number().int().nonnegative(),
  round: z.number().int().nonnegative(),
  /** Game item or move id; for the slider "svo-1" … "svo-15" (Version A numbering). */
  itemId: z.string(),
  /** The session's group: member ids joined by "+" in member order (absent in logs before groups). */
  groupId: z.string().optional(),
  /** The group's agent ids in member order. */
  members: z.array(z.string()).optional(),
  /** This agent's index in `members` (the member index the game's moves use). */
  member: z.number().int().nonnegative().optional(),
  /** The role in sequential games ("proposer", "responder"); null when everyone moves at once. */
  role: z.string().nullable().optional(),
  /**
   * What the mover observed beyond the options (the game's Move facts: parameters, state, earlier
   * moves of the round); omitted when empty (two-person items). With itemId, role and member it
   * rebuilds the move: game.restore(itemId, role, member, facts).
   */
  facts: z.record(z.string(), Fact).optional(),
};

export const RunStarted = z.object({
  ...base,
  type: z.literal("run.started"),
  scenario: z.string(),
  seed: z.number().int(),
  game: z.string(),
  pairing: z.string(),
  feedback: z.boolean(),
  plannedDecisions: z.number().int().nonnegative(),
  plannedSessions: z.number().int().nonnegative(),
  agents: z.array(AgentInfo),
  /**
   * The game's items in canonical order (ids as in decision events), so analysis can score
   * slider items and fit the logit estimator on custom games from the log alone.
   */
  items: z.array(
    z.object({
      id: z.string(),
      primary: z.boolean(),
      options: z.array(z.object({ self: z.number(), other: z.number() })),
    }),
  ),
  /** True when this segment of the log continues an interrupted run. */
  resumed: z.boolean(),
  /**
   * The full validated game spec (the scenario's `game:` with defaults), so analysis can rebuild
   * the Game with the registry (absent in logs before games were plugins).
   */
  gameSpec: z.record(z.string(), z.unknown()).optional(),
  /** Members per group and the turn structure of the game. */
  groupSize: z.number().int().positive().optional(),
  turns: z.enum(["simultaneous", "sequential"]).optional(),
});

export const TrialStarted = z.object({
  ...base,
  type: z.literal("trial.started"),
  sessionId: z.string(),
  trial: z.number().int().nonnegative(),
  agentIds: z.array(z.string()),
  /** Item ids in the order this trial presents them. */
  items: z.array(z.string()),
  /**
   * `game.counterbalance`: each member's option order in this trial ("printed" = canonical,
   * "reversed"), in the order of agentIds; absent when the game does not counterbalance.
   */
  orders: z.array(z.enum(["printed", "reversed"])).optional(),
});

export const DecisionRequested = z.object({
  ...base,
  type: z.literal("decision.requested"),
  ...decisionKey,
  /**
   * The options as the agent saw them, in presented order: [label, 1-based canonical option].
   * Absent in logs written before it existed.
   */
  presented: z.array(z.tuple([z.string(), z.number().int().positive()])).optional(),
});

export const DecisionMade = z.object({
  ...base,
  type: z.literal("decision.made"),
  ...decisionKey,
  /** 1-based option in the item's canonical order (1–9 on the slider). */
  option: z.number().int().positive(),
  /** Two-person items: what the option pays the chooser and the other; null in other games. */
  self: z.number().nullable(),
  other: z.number().nullable(),
  /** What the option does in the game's own terms (an option number, a contribution, "accept"). */
  action: z.union([z.number(), z.string()]).optional(),
  /** The label the agent was shown for this option (LLM agents; shuffled labels differ from canonical). */
  label: z.string().nullable(),
  /** The model's short reason, when it gave one. */
  reason: z.string().nullable(),
  /**
   * The model's probability of each option in canonical order (gguf models; endpoints with
   * logprobs), null when unavailable; absent in logs written before it existed.
   */
  probabilities: z.array(z.number().min(0).max(1)).nullable().optional(),
});

export const DecisionInvalid = z.object({
  ...base,
  type: z.literal("decision.invalid"),
  ...decisionKey,
  raw: z.string(),
  reason: z.string(),
});

export const ModelCall = z.object({
  ...base,
  type: z.literal("model.call"),
  decisionId: z.string().nullable(),
  agentId: z.string(),
  endpoint: z.string(),
  model: z.string(),
  /** What the call was for: "describe", "goal", "decide", "repair", … */
  purpose: z.string(),
  cached: z.boolean(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  /** USD; null when the model has no known price (logs from before this accept 0 as well). */
  costUsd: z.number().nonnegative().nullable(),
  latencyMs: z.number().nonnegative(),
  attempts: z.number().int().nonnegative(),
  /** Set when the call failed after all retries. */
  error: z.string().nullable(),
});

export const RoundSettled = z.object({
  ...base,
  type: z.literal("round.settled"),
  sessionId: z.string(),
  trial: z.number().int().nonnegative(),
  round: z.number().int().nonnegative(),
  itemId: z.string(),
  groupId: z.string().optional(),
  /** Per agent: its own choice (null when invalid) and what it received (own self + partner's other). */
  outcomes: z.array(
    z.object({
      agentId: z.string(),
      option: z.number().int().positive().nullable(),
      received: z.number(),
    }),
  ),
  /** The state facts the game records after the round (the stock after regrowth); omitted when none. */
  facts: z.record(z.string(), Fact).optional(),
});

/** The game ended the trial early (a collapsed commons); trial.completed follows. */
export const TrialEnded = z.object({
  ...base,
  type: z.literal("trial.ended"),
  sessionId: z.string(),
  trial: z.number().int().nonnegative(),
  /** The last round played (0-based). */
  round: z.number().int().nonnegative(),
  groupId: z.string(),
  reason: z.string(),
  /** The state facts at the end. */
  facts: z.record(z.string(), Fact),
});

export const TrialCompleted = z.object({
  ...base,
  type: z.literal("trial.completed"),
  sessionId: z.string(),
  trial: z.number().int().nonnegative(),
  agentIds: z.array(z.string()),
});

export const RunStatus = z.enum(["completed", "budget-exhausted", "failed", "interrupted"]);
export type RunStatus = z.infer<typeof RunStatus>;

export const RunCompleted = z.object({
  ...base,
  type: z.literal("run.completed"),
  status: RunStatus,
  decisions: z.number().int().nonnegative(),
  invalid: z.number().int().nonnegative(),
  /** USD of the whole run (all segments); null when any call had no known price. */
  costUsd: z.number().nonnegative().nullable(),
  /** The priced part of the cost and the number of unpriced calls (absent in older logs). */
  pricedCostUsd: z.number().nonnegative().optional(),
  unpricedCalls: z.number().int().nonnegative().optional(),
  message: z.string().nullable(),
  /**
   * Whole-run totals (every segment of a resumed run, as the log holds them): model calls
   * answered (cached or not), the cached ones, tokens of the calls that went over the network,
   * Absent in logs written before these were recorded. (Time is not here, so that a log stays
   * reproducible apart from its stamps; the manifest's totals have it.)
   */
  calls: z.number().int().nonnegative().optional(),
  cacheHits: z.number().int().nonnegative().optional(),
  inputTokens: z.number().int().nonnegative().optional(),
  outputTokens: z.number().int().nonnegative().optional(),
});

export const HvaeEvent = z.discriminatedUnion("type", [
  RunStarted,
  TrialStarted,
  DecisionRequested,
  DecisionMade,
  DecisionInvalid,
  ModelCall,
  RoundSettled,
  TrialEnded,
  TrialCompleted,
  RunCompleted,
]);
export type HvaeEvent = z.infer<typeof HvaeEvent>;
export type EventType = HvaeEvent["type"];
export type EventOf<T extends EventType> = Extract<HvaeEvent, { type: T }>;
/** An event before the environment stamps it with run id, sequence number and time. */
export type EventBody<E extends HvaeEvent = HvaeEvent> = E extends HvaeEvent
  ? Omit<E, "runId" | "seq" | "time">
  : never;

/** Builds a decision id; the same (session, round, agent) always gives the same id. */
export function decisionId(sessionId: string, round: number, agentId: string): string {
  return `${sessionId}/r${round}/${agentId}`;
}

/** The group id of a session's members, in member order. */
export function groupId(agentIds: readonly string[]): string {
  return agentIds.join("+");
}

/** Builds a session id for a group (a pair, or a single agent) and a trial. */
export function sessionId(agentIds: readonly string[], trial: number): string {
  return `${agentIds.join("+")}#t${trial}`;
}
