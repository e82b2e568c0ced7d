/**
 * One session: a group (a pair, N players, or a single agent with imaginary passive others)
 * plays one trial of a game round by round. Each round plays the game's stages in order: the
 * members of a stage choose at the same time (simultaneous games have one stage of everyone;
 * an ultimatum round is [[0], [1]], so the responder sees the offer). Choices are mapped from
 * presented to canonical options, the game settles the round, and an early end (a collapsed
 * commons) is recorded as `trial.ended`. With feedback each agent learns the round's result and
 * keeps a bounded history with its partner or group, continuing the group's earlier sessions
 * (`past`). A session is a pure function of its inputs, so any number can run concurrently
 * without changing a choice, and a resumed session replays exactly.
 *
 * @example
 * const out = await playSession({ plan, game, state: game.start(rng), agents, feedback: true, memory: [6, 6] });
 * out.events.filter((e) => e.type === "decision.made").length; // rounds × agents
 */
import type { Agent, Decision, MoveView, Observation, PresentedMoveOption, PresentedOption, RoundResult } from "../../agents/agent.ts";
import { decisionId, groupId as groupIdOf, type EventBody, type EventOf } from "../core/events.ts";
import type { Fact, Game, GameState, Move, Played } from "../games/contract.ts";
import { optionLabels } from "../games/game.ts";
import { reversedOrder, type OptionOrder } from "../games/presentation.ts";
import { isRunStop } from "../models/gateway-types.ts";
import { resultFor, roundRecord, type RoundRecord } from "./round-result.ts";
import type { SessionPlan } from "./schedule.ts";

export interface SessionInput {
  readonly plan: SessionPlan;
  readonly game: Game;
  /** The trial's starting state, from game.start with the session's generator. */
  readonly state: GameState;
  /** The session's own agent instances, in the order of plan.agentIds (member order). */
  readonly agents: readonly Agent[];
  readonly feedback: boolean;
  /** History window per agent (rounds remembered with the partner or group), in member order. */
  readonly memory: readonly number[];
  /** What each agent remembers of this group from earlier sessions, most recent last (feedback on). */
  readonly past?: readonly (readonly RoundResult[])[];
  /** `game.counterbalance`: each member's option order this trial (member order); absent: the game's own order. */
  readonly orders?: readonly OptionOrder[];
}

export interface SessionOutcome {
  readonly events: EventBody[];
  /**
   * "aborted" when the run must stop mid-session (budget spent, endpoint unusable): no
   * trial.completed, and a resume replays the session.
   */
  readonly status: "completed" | "aborted";
  /** This session's settled rounds (feedback on), for the group's memory. */
  readonly records: readonly RoundRecord[];
}

type Decided = EventBody<EventOf<"decision.made">> | EventBody<EventOf<"decision.invalid">>;

/**
 * What each member of a two-person item round receives: its own chosen self payoff plus the
 * partner's chosen other payoff (METHOD §6); an invalid choice contributes nothing. Alone, an
 * agent receives its own self payoff (the imaginary other's share goes to no one in the game).
 *
 * @example
 * settle([{ self: 85, other: 50 }, { self: 100, other: 50 }]); // [135, 150]
 */
export function settle(choices: readonly ({ self: number; other: number } | null)[]): number[] {
  if (choices.length === 1) return [choices[0]?.self ?? 0];
  const [a, b] = choices;
  return [(a?.self ?? 0) + (b?.other ?? 0), (b?.self ?? 0) + (a?.other ?? 0)];
}

const NO_HISTORY: readonly RoundResult[] = Object.freeze([]);

/** Plays the session's rounds and returns its events (unstamped), in a fixed order. */
export async function playSession(input: SessionInput): Promise<SessionOutcome> {
  const { plan, game, agents, feedback, memory } = input;
  const { sessionId, trial } = plan;
  const ids = plan.agentIds;
  const n = ids.length;
  if (n > game.groupSize || (n < game.groupSize && !(n === 1 && game.alone))) {
    throw new Error(`${game.type}: a session of ${n} agent(s) cannot play a game for groups of ${game.groupSize}`);
  }
  const group = groupIdOf(ids);
  const members = ids.slice();
  const rounds = game.rounds;
  const events: EventBody[] = [];
  const records: RoundRecord[] = [];
  const histories: RoundResult[][] = ids.map((_, i) => {
    const past = feedback ? (input.past?.[i] ?? []) : [];
    return past.length > memory[i] ? past.slice(past.length - Math.max(0, memory[i])) : past.slice();
  });
  const sequential = game.turns === "sequential";
  const gameView = { type: game.type, groupSize: game.groupSize, turns: game.turns };
  const groupViews = ids.map((_, i) => ({ id: group, members, index: i, role: game.roles?.[i] ?? null }));

  let state = input.state;
  for (const agent of agents) agent.reset?.("trajectory");
  const orders = input.orders;
  const trialStarted: EventBody<EventOf<"trial.started">> = {
    type: "trial.started",
    sessionId,
    trial,
    agentIds: ids.slice(),
    // Two-person item games know their items up front; other games' moves depend on play.
    items: game.items.length > 0 ? Array.from({ length: rounds }, (_, r) => game.move(state, r, 0, []).itemId) : [],
  };
  // Only counterbalanced runs carry the field, so every other log is byte-for-byte what it was.
  if (orders) trialStarted.orders = orders.slice();
  events.push(trialStarted);

  const presented = createPresenter();
  for (let round = 0; round < rounds; round++) {
    const played: Played[] = [];
    const decided: Decided[] = [];
    let roundItem: string | null = null;
    for (const stage of game.stages(state, round)) {
      const movers = stage.filter((m) => m < n);
      if (movers.length === 0) continue;
      const asked: { member: number; move: Move; options: readonly PresentedMoveOption[]; key: DecisionKey }[] = [];
      for (const m of movers) {
        const move = game.move(state, round, m, played);
        roundItem ??= move.itemId;
        const shown = game.presentation(state, round, move);
        const order = orders?.[m] === "reversed" ? reversedOrder(shown) : shown;
        const options = presented(move, order);
        const agentId = ids[m];
        const key: DecisionKey = {
          decisionId: decisionId(sessionId, round, agentId),
          sessionId,
          agentId,
          partnerId: n === 2 ? ids[1 - m] : null,
          trial,
          round,
          itemId: move.itemId,
          groupId: group,
          members,
          member: m,
          role: sequential ? move.role : null,
        };
        if (hasFacts(move.facts)) key.facts = move.facts;
        // What the agent saw, in presented order: [label, 1-based canonical option].
        events.push({ type: "decision.requested", ...key, presented: options.map((o): [string, number] => [o.label, o.option + 1]) });
        asked.push({ member: m, move, options, key });
      }
      // Members of a stage choose at the same time: every one is asked before any answer is awaited.
      const pending = asked.map(({ member, move, options, key }) =>
        ask(agents[member], {
          decisionId: key.decisionId,
          sessionId,
          trial,
          round,
          rounds,
          item: { id: move.itemId, options: itemView(options) },
          partner: n === 2 ? { id: ids[1 - member] } : null,
          history: feedback && memory[member] > 0 ? histories[member].slice() : NO_HISTORY,
          group: groupViews[member],
          move: moveView(game, move, options),
          game: gameView,
        }),
      );
      const answers: Answer[] = [];
      for (const p of pending) answers.push(await p);
      if (answers.some((a) => a.kind === "stop")) return { events, status: "aborted", records };

      for (let i = 0; i < asked.length; i++) {
        const { member, options, key } = asked[i];
        const answer = answers[i] as Exclude<Answer, { kind: "stop" }>;
        const index = answer.kind === "choice" ? answer.index : -1;
        const ok = answer.kind === "choice" && Number.isInteger(index) && index >= 0 && index < options.length;
        let event: Decided;
        if (ok) {
          const o = options[index];
          event = {
            type: "decision.made",
            ...key,
            option: o.option + 1,
            self: o.self,
            other: o.other,
            label: o.label,
            reason: answer.kind === "choice" ? (answer.reason ?? null) : null,
            action: o.action,
            probabilities: answer.kind === "choice" ? canonicalProbabilities(options, answer.probabilities) : null,
          };
          played.push({ member, option: o.option });
        } else {
          const invalid =
            answer.kind === "invalid"
              ? answer
              : { raw: String(answer.kind === "choice" ? answer.index : ""), reason: `option index out of range 0..${options.length - 1}` };
          event = { type: "decision.invalid", ...key, raw: invalid.raw, reason: invalid.reason };
          played.push({ member, option: null });
        }
        events.push(event);
        decided.push(event);
      }
    }

    const settlement = game.settle(state, round, played);
    const settled: EventBody<EventOf<"round.settled">> = {
      type: "round.settled",
      sessionId,
      trial,
      round,
      itemId: roundItem ?? "",
      groupId: group,
      outcomes: ids.map((agentId, i) => {
        const p = played.find((x) => x.member === i);
        return { agentId, option: p && p.option !== null ? p.option + 1 : null, received: settlement.received[i] ?? 0 };
      }),
    };
    if (settlement.facts && hasFacts(settlement.facts)) settled.facts = settlement.facts;
    events.push(settled);

    if (feedback) {
      const record = roundRecord(settled, decided);
      records.push(record);
      for (let i = 0; i < n; i++) {
        const result = resultFor(record, ids[i])!;
        const history = histories[i];
        history.push(result);
        if (history.length > memory[i]) history.shift();
        agents[i].feedback?.(result);
      }
    }
    state = settlement.state;
    if (settlement.end !== null) {
      events.push({
        type: "trial.ended",
        sessionId,
        trial,
        round,
        groupId: group,
        reason: settlement.end,
        facts: (settlement.facts ?? {}),
      });
      break;
    }
  }

  events.push({ type: "trial.completed", sessionId, trial, agentIds: ids.slice() });
  return { events, status: "completed", records };
}

interface DecisionKey {
  decisionId: string;
  sessionId: string;
  agentId: string;
  partnerId: string | null;
  trial: number;
  round: number;
  itemId: string;
  groupId: string;
  members: string[];
  member: number;
  role: string | null;
  facts?: Record<string, Fact>;
}

function hasFacts(facts: Readonly<Record<string, unknown>>): boolean {
  for (const _ in facts) return true;
  return false;
}

/** Presented-order option probabilities → canonical order (presented position p shows canonical option options[p].option). */
function canonicalProbabilities(options: readonly PresentedMoveOption[], probs: readonly number[] | null | undefined): number[] | null {
  if (!probs || probs.length !== options.length) return null;
  const out = new Array<number>(options.length);
  for (let p = 0; p < options.length; p++) out[options[p].option] = probs[p];
  return out;
}

/**
 * Presented options with labels for a move and its presentation order. Both members of a
 * two-person item share the options and the order, so the last result is reused.
 */
function createPresenter(): (move: Move, order: readonly number[]) => readonly PresentedMoveOption[] {
  let lastOptions: Move["options"] | null = null;
  let lastOrder: readonly number[] | null = null;
  let last: PresentedMoveOption[] = [];
  return (move, order) => {
    if (move.options === lastOptions && order === lastOrder) return last;
    const labels = optionLabels(order.length);
    const out = new Array<PresentedMoveOption>(order.length);
    for (let p = 0; p < order.length; p++) {
      const o = move.options[order[p]];
      out[p] = { label: labels[p], option: order[p], action: o.action, text: o.text, self: o.self, other: o.other };
    }
    lastOptions = move.options;
    lastOrder = order;
    last = out;
    return out;
  };
}

const itemViews = new WeakMap<readonly PresentedMoveOption[], PresentedOption[]>();

/** The two-person view of presented options (NaN payoffs outside two-person items). */
function itemView(options: readonly PresentedMoveOption[]): PresentedOption[] {
  let view = itemViews.get(options);
  if (!view) {
    view = options.map((o) => ({ label: o.label, self: o.self ?? Number.NaN, other: o.other ?? Number.NaN }));
    itemViews.set(options, view);
  }
  return view;
}

function moveView(game: Game, move: Move, options: readonly PresentedMoveOption[]): MoveView {
  return {
    itemId: move.itemId,
    role: move.role,
    member: move.member,
    options,
    facts: move.facts,
    outcomes(beliefDeg) {
      const canonical = game.outcomes(move, beliefDeg);
      return options.map((o) => canonical[o.option]);
    },
  };
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
