/**
 * One session: a pair (or a single agent) plays one trial's items round by round. Both agents
 * choose at the same time, choices are mapped from presented to canonical options, payoffs are
 * settled as in METHOD §6, and with feedback each agent learns the round's result and keeps a
 * bounded history with its partner, continuing the history of the pair's earlier sessions
 * (`past`). A session is a pure function of its inputs, so any number can run concurrently
 * without changing a choice.
 *
 * @example
 * const out = await playSession({ plan, items: planTrial(game, rng), agents, feedback: true, memory: [6, 6] });
 * out.events.filter((e) => e.type === "decision.made").length; // rounds × agents
 */
import type { Agent, Decision, Observation, PresentedOption, RoundResult } from "../../agents/agent.ts";
import { decisionId, type EventBody } from "../core/events.ts";
import type { PresentedItem } from "../games/game.ts";
import { isRunStop } from "../models/gateway-types.ts";
import type { SessionPlan } from "./schedule.ts";

export interface SessionInput {
  readonly plan: SessionPlan;
  /** The trial's items in presented order (from planTrial). */
  readonly items: readonly PresentedItem[];
  /** The session's own agent instances, in the order of plan.agentIds. */
  readonly agents: readonly Agent[];
  readonly feedback: boolean;
  /** History window per agent (rounds remembered with the partner), in the order of plan.agentIds. */
  readonly memory: readonly number[];
  /** What each agent remembers of this partner from earlier sessions, most recent last (feedback on). */
  readonly past?: readonly (readonly RoundResult[])[];
}

export interface SessionOutcome {
  readonly events: EventBody[];
  /**
   * "aborted" when the run must stop mid-session (budget spent, endpoint unusable): no
   * trial.completed, and a resume replays the session.
   */
  readonly status: "completed" | "aborted";
  /** Each agent's remembered history with its partner at the end (its last `memory` rounds). */
  readonly histories: readonly (readonly RoundResult[])[];
}

interface Choice {
  readonly option: number;
  readonly label: string;
  readonly self: number;
  readonly other: number;
}

/**
 * What each member of a round receives: its own chosen self payoff plus the partner's chosen
 * other payoff (METHOD §6); an invalid choice contributes nothing. Alone, an agent receives its
 * own self payoff (the imaginary other's share goes to no one in the game).
 *
 * @example
 * settle([{ self: 85, other: 50 }, { self: 100, other: 50 }]); // [135, 150]
 */
export function settle(choices: readonly ({ self: number; other: number } | null)[]): number[] {
  if (choices.length === 1) return [choices[0]?.self ?? 0];
  const [a, b] = choices;
  return [(a?.self ?? 0) + (b?.other ?? 0), (b?.self ?? 0) + (a?.other ?? 0)];
}

/** Plays the session's rounds and returns its events (unstamped), in a fixed order. */
export async function playSession(input: SessionInput): Promise<SessionOutcome> {
  const { plan, items, agents, feedback, memory } = input;
  const { sessionId, trial } = plan;
  const ids = plan.agentIds;
  const n = ids.length;
  const rounds = items.length;
  const events: EventBody[] = [];
  const histories: RoundResult[][] = ids.map((_, i) => {
    const past = feedback ? (input.past?.[i] ?? []) : [];
    return past.length > memory[i] ? past.slice(past.length - Math.max(0, memory[i])) : past.slice();
  });

  for (const agent of agents) agent.reset?.("trajectory");
  events.push({
    type: "trial.started",
    sessionId,
    trial,
    agentIds: ids.slice(),
    items: items.map((p) => p.item.id),
  });

  for (let round = 0; round < rounds; round++) {
    const presented = items[round];
    const itemId = presented.item.id;
    const options = presentOptions(presented);
    const dids = ids.map((id) => decisionId(sessionId, round, id));
    // The fields every decision event of this agent and round shares.
    const keys = ids.map((agentId, i) => ({
      decisionId: dids[i],
      sessionId,
      agentId,
      partnerId: n === 2 ? ids[1 - i] : null,
      trial,
      round,
      itemId,
    }));
    const shown = presented.order.map((k, pos): [string, number] => [presented.labels[pos], k + 1]);
    for (let i = 0; i < n; i++) events.push({ type: "decision.requested", ...keys[i], presented: shown });
    // Simultaneous: every agent is asked before any answer is awaited.
    const pending = agents.map((agent, i) =>
      ask(agent, {
        decisionId: dids[i],
        sessionId,
        trial,
        round,
        rounds,
        item: { id: itemId, options },
        partner: n === 2 ? { id: ids[1 - i] } : null,
        history: feedback && memory[i] > 0 ? histories[i].slice() : [],
      }),
    );
    const answers: Answer[] = [];
    for (const p of pending) answers.push(await p);
    if (answers.some((a) => a.kind === "stop")) return { events, status: "aborted", histories };

    const choices: (Choice | null)[] = [];
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      const answer = answers[i] as Exclude<Answer, { kind: "stop" }>;
      const choice = answer.kind === "choice" ? toChoice(presented, answer.index) : null;
      if (choice) {
        events.push({
          type: "decision.made",
          ...key,
          option: choice.option,
          self: choice.self,
          other: choice.other,
          label: choice.label,
          reason: answer.kind === "choice" ? (answer.reason ?? null) : null,
        });
      } else {
        const invalid =
          answer.kind === "invalid"
            ? answer
            : { raw: String(answer.kind === "choice" ? answer.index : ""), reason: `option index out of range 0..${presented.order.length - 1}` };
        events.push({ type: "decision.invalid", ...key, raw: invalid.raw, reason: invalid.reason });
      }
      choices.push(choice);
    }

    const received = settle(choices);
    events.push({
      type: "round.settled",
      sessionId,
      trial,
      round,
      itemId,
      outcomes: ids.map((agentId, i) => ({ agentId, option: choices[i]?.option ?? null, received: received[i] })),
    });

    if (feedback) {
      for (let i = 0; i < n; i++) {
        const result: RoundResult = {
          trial,
          round,
          itemId,
          partnerId: n === 2 ? ids[1 - i] : null,
          own: choices[i],
          partner: n === 2 ? choices[1 - i] : null,
          received: received[i],
          partnerReceived: n === 2 ? received[1 - i] : null,
        };
        const history = histories[i];
        history.push(result);
        if (history.length > memory[i]) history.shift();
        agents[i].feedback?.(result);
      }
    }
  }

  events.push({ type: "trial.completed", sessionId, trial, agentIds: ids.slice() });
  return { events, status: "completed", histories };
}

type Answer = Decision | { readonly kind: "stop" };

/** An agent that throws must not end the run: the error becomes an invalid decision. */
async function ask(agent: Agent, obs: Observation): Promise<Answer> {
  try {
    return await agent.decide(obs);
  } catch (err) {
    if (isRunStop(err)) return { kind: "stop" };
    const message = err instanceof Error ? err.message : String(err);
    return { kind: "invalid", raw: "", reason: `agent error: ${message}` };
  }
}

function presentOptions(p: PresentedItem): PresentedOption[] {
  const options = p.item.options;
  return p.order.map((k, pos) => ({ label: p.labels[pos], self: options[k].self, other: options[k].other }));
}

function toChoice(p: PresentedItem, index: number): Choice | null {
  if (!Number.isInteger(index) || index < 0 || index >= p.order.length) return null;
  const k = p.order[index];
  const option = p.item.options[k];
  return { option: k + 1, label: p.labels[index], self: option.self, other: option.other };
}

