/**
 * The contract every agent type implements: built-in rule-based agents, the LLM agent, and
 * custom agents loaded from a module path in a scenario. An agent sees only its observation
 * and returns a decision; it never writes events, files or metrics.
 *
 * @example
 * // agents/examples/always-fair.ts
 * import type { AgentFactory } from "hvae/agents/agent";
 * export const createAgent: AgentFactory = (spec) => ({
 *   id: spec.id,
 *   async decide(obs) {
 *     const gaps = obs.item.options.map((o) => Math.abs(o.self - o.other));
 *     return { kind: "choice", index: gaps.indexOf(Math.min(...gaps)) };
 *   },
 * });
 */
import type { Rng } from "../src/core/random.ts";
import type { ValueSpec } from "../src/core/events.ts";

/** One option as presented to the agent (presented order; label may be shuffled). */
export interface PresentedOption {
  /** What the agent is shown, e.g. "A" … "I". */
  readonly label: string;
  readonly self: number;
  readonly other: number;
}

export interface PartnerInfo {
  readonly id: string;
}

/** What an agent learns after a round when feedback is on. */
export interface RoundResult {
  readonly trial: number;
  readonly round: number;
  readonly itemId: string;
  readonly partnerId: string | null;
  /** Own choice: canonical option, payoffs, and the label it was shown under. */
  readonly own: { option: number; label: string; self: number; other: number } | null;
  /** The partner's choice, null when the partner answered invalidly or there is no partner. */
  readonly partner: { option: number; label: string; self: number; other: number } | null;
  /** Own self payoff plus the partner's other payoff (METHOD §6). */
  readonly received: number;
  readonly partnerReceived: number | null;
}

export interface Observation {
  /** Deterministic id of this decision; LLM agents pass it to the model gateway. */
  readonly decisionId: string;
  readonly sessionId: string;
  readonly trial: number;
  /** 0-based round within the trial, and how many rounds the trial has. */
  readonly round: number;
  readonly rounds: number;
  readonly item: {
    readonly id: string;
    /** Options in presented order. */
    readonly options: readonly PresentedOption[];
  };
  /** null when playing against the imaginary other (the paper's single-agent protocol). */
  readonly partner: PartnerInfo | null;
  /** Past results with this partner, most recent last, bounded by the scenario's memory window. */
  readonly history: readonly RoundResult[];
}

/** An option index into `obs.item.options` (presented order), or an invalid answer. */
export type Decision =
  | { readonly kind: "choice"; readonly index: number; readonly reason?: string | null }
  | { readonly kind: "invalid"; readonly raw: string; readonly reason: string };

export interface Agent {
  readonly id: string;
  decide(obs: Observation): Promise<Decision>;
  /** Called after each round when feedback is on. */
  feedback?(result: RoundResult): void;
  /** "trajectory": a new trial starts (the paper resets the conversation); "partner": a new partner. */
  reset?(scope: "trajectory" | "partner"): void;
}

/** The agent entry of the scenario after validation (fields beyond these depend on `type`). */
export interface AgentSpec {
  readonly id: string;
  readonly type: string;
  readonly value: ValueSpec;
  readonly [option: string]: unknown;
}

/** What the environment hands an agent at creation. */
export interface AgentContext {
  /** This agent's own generator, derived from the run seed and the agent id. */
  readonly rng: Rng;
  /** The model gateway (present when the run has LLM agents). Typed loosely to keep agents/ free of src/models. */
  readonly gateway?: unknown;
  /** Scenario-level settings an agent type may read (memory window, feedback on/off, …). */
  readonly scenario: { readonly name: string; readonly feedback: boolean; readonly pairing: string };
}

/** What an agent module exports (as `createAgent` or default). */
export type AgentFactory = (spec: AgentSpec, ctx: AgentContext) => Agent | Promise<Agent>;
