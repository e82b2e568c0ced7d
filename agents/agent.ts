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
import type { ZodType } from "zod";
import type { ValueSpec } from "../src/core/events.ts";
import type { Fact } from "../src/games/contract.ts";

/**
 * One option of a two-person item as presented to the agent (presented order; label may be
 * shuffled). In games whose moves are not two-person items, `self` and `other` are NaN: use
 * `obs.move`, which every game fills.
 */
export interface PresentedOption {
  /** What the agent is shown, e.g. "A" … "I". */
  readonly label: string;
  readonly self: number;
  readonly other: number;
}

/** One option of a move in any game, in presented order. */
export interface PresentedMoveOption {
  readonly label: string;
  /** Canonical 0-based index of the option in the game's order. */
  readonly option: number;
  /** What the option does in the game's own terms: an option number, a contribution, an offer, "accept". */
  readonly action: number | string;
  /** Short words for prompts ("contribute 20 coins", "accept"). */
  readonly text: string;
  /** Two-person items: what the option pays the mover and the other; null elsewhere. */
  readonly self: number | null;
  readonly other: number | null;
}

export interface PartnerInfo {
  readonly id: string;
}

/** The agent's group in this session: who plays together, in member order. */
export interface GroupView {
  /** The session's group id (member ids joined by "+"), the same in every event. */
  readonly id: string;
  readonly members: readonly string[];
  /** This agent's index in `members` (its member index in the game). */
  readonly index: number;
  /** Its role in sequential games ("proposer", "responder"); null when everyone moves at once. */
  readonly role: string | null;
}

/** The move the agent is asked for. */
export interface MoveView {
  readonly itemId: string;
  readonly role: string | null;
  /** The mover's index in the group. */
  readonly member: number;
  /** The options in presented order, with labels. */
  readonly options: readonly PresentedMoveOption[];
  /** What the mover observes beyond the options: parameters, state, earlier moves of the round (sequential games). */
  readonly facts: Readonly<Record<string, Fact>>;
  /**
   * For each presented option, what every member receives (member order), as the mover can foresee
   * it: later movers are assumed to maximise U at angle `beliefDeg`, simultaneous others follow the
   * game's stated belief. Feed it to groupUtilities (src/games/utility.ts).
   *
   * @example
   * const u = groupUtilities(obs.move.outcomes(45), obs.move.member, 45); // U per presented option
   */
  outcomes(beliefDeg: number): readonly (readonly number[])[];
}

/** A member's choice in a remembered round. */
export interface Choice {
  /** 1-based option in the move's canonical order (as in decision events). */
  readonly option: number;
  readonly label: string;
  /** Two-person items: the option's payoffs; NaN in other games (see `action`). */
  readonly self: number;
  readonly other: number;
  /** What the option does in the game's own terms (null when unknown, e.g. rebuilt from an old log). */
  readonly action?: number | string | null;
}

/** What an agent learns after a round when feedback is on. */
export interface RoundResult {
  readonly trial: number;
  readonly round: number;
  readonly itemId: string;
  /** Two-person groups: the partner's id; null alone or in larger groups. */
  readonly partnerId: string | null;
  /** Own choice: canonical option, payoffs, and the label it was shown under. */
  readonly own: Choice | null;
  /** The partner's choice (groups of two), null when the partner answered invalidly or there is no partner. */
  readonly partner: Choice | null;
  /** What this agent received this round (own self plus the partner's other on two-person items). */
  readonly received: number;
  /** Groups of two: what the partner received; null otherwise. */
  readonly partnerReceived: number | null;
  /** The group's id and members in member order, and this agent's index in it. */
  readonly groupId?: string;
  readonly members?: readonly string[];
  readonly index?: number;
  /** Every member's choice in member order (null: invalid or not asked this round). */
  readonly choices?: readonly (Choice | null)[];
  /** What every member received, member order. */
  readonly receivedAll?: readonly number[];
  /** The state facts the game recorded after the round (the stock after regrowth), or null. */
  readonly facts?: Readonly<Record<string, Fact>> | null;
}

export interface Observation {
  /** Deterministic id of this decision; LLM agents pass it to the model gateway. */
  readonly decisionId: string;
  readonly sessionId: string;
  readonly trial: number;
  /** 0-based round within the trial, and how many rounds the trial has (an upper bound if the game may end early). */
  readonly round: number;
  readonly rounds: number;
  /** The two-person view of the move (see PresentedOption); its options are obs.move's. */
  readonly item: {
    readonly id: string;
    /** Options in presented order. */
    readonly options: readonly PresentedOption[];
  };
  /** The partner in groups of two; null when playing against the imaginary other or in larger groups. */
  readonly partner: PartnerInfo | null;
  /** Past results with this partner (or group), most recent last, bounded by the agent's memory window. */
  readonly history: readonly RoundResult[];
  /** The group this session plays in. */
  readonly group: GroupView;
  /** The move asked for, in any game. */
  readonly move: MoveView;
  /** The game's type, group size and turn structure. */
  readonly game: { readonly type: string; readonly groupSize: number; readonly turns: "simultaneous" | "sequential" };
}

/** An option index into `obs.item.options` (presented order), or an invalid answer. */
export type Decision =
  | {
      readonly kind: "choice";
      readonly index: number;
      readonly reason?: string | null;
      /** The probability of each option in presented order (models that expose it), else null/absent. */
      readonly probabilities?: readonly number[] | null;
    }
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
  /** The game being played (types, group size, templates for LLM prompts). */
  readonly game?: import("../src/games/contract.ts").Game;
}

/** What an agent module exports (as `createAgent` or default). */
export type AgentFactory = (spec: AgentSpec, ctx: AgentContext) => Agent | Promise<Agent>;

/**
 * An agent type, registered by name in agents/registry.ts: its schema (common fields plus its
 * own, see agents/common.ts) is its config type and validator; `create` gets the validated spec.
 */
export interface AgentModule<Spec extends AgentSpec = AgentSpec> {
  readonly type: string;
  /** One line for `hvae schema`, the README's table and validation messages. */
  readonly summary: string;
  readonly schema: ZodType<Spec>;
  create(spec: Spec, ctx: AgentContext): Agent | Promise<Agent>;
  /** Checks that need the game or the scenario (a constant position beyond the options, an unknown endpoint): [path below the entry, message]. */
  check?(spec: Spec, scenario: AgentCheckContext): readonly (readonly [readonly (string | number)[], string])[];
}

/** What an agent type's `check` may look at. */
export interface AgentCheckContext {
  /** The fewest options any move of the game offers (positions 1…n exist on every move). */
  readonly fewestOptions: number;
  /** Why a model reference cannot be used with the scenario's endpoints, or null. */
  modelProblem(ref: string): string | null;
}
