/**
 * The environment: plans the sessions of a scenario, plays them with bounded concurrency and
 * turns everything that happens into one stream of stamped events. Sessions are buffered and
 * released in schedule order, and run id, sequence number and time are stamped in exactly one
 * place, so the same scenario and seed give the same log whatever the timing.
 *
 * @example
 * runEnvironment({ runId: "demo-1", scenario, agents: expandAgents(scenario),
 *   createAgent: (spec, ctx) => createAgent(spec, ctx, dir) })
 *   .subscribe((ev) => writer.write(ev));
 */
import { concat, defer, EMPTY, from, merge, mergeMap, Observable, of, type OperatorFunction, type Subscription } from "rxjs";
import { filter, finalize, ignoreElements, map } from "rxjs/operators";
import type { Agent, AgentContext, AgentSpec } from "../../agents/agent.ts";
import type { AgentInfo, EventBody, EventOf, HvaeEvent, RunStatus } from "../core/events.ts";
import type { Game } from "../games/contract.ts";
import { createGame } from "../games/registry.ts";
import type { ModelGateway } from "../models/gateway-types.ts";
import { addTotal, costOf, emptyCost } from "../core/money.ts";
import { createRng } from "../core/random.ts";
import type { Scenario } from "../scenario/schema.ts";
import { createBreather } from "./breather.ts";
import { counterbalanced, type CounterbalancedPlan } from "./counterbalance.ts";
import { createGroupMemory, memoryWindows, type GroupMemory } from "./memory.ts";
import type { RoundRecord } from "./round-result.ts";
import { scheduleSessions, type SessionList, type SessionPlan } from "./schedule.ts";
import { playSession } from "./session.ts";

export interface EnvironmentOptions {
  readonly runId: string;
  /** The resolved scenario (overrides applied). */
  readonly scenario: Scenario;
  /** The expanded population (one spec per agent). */
  readonly agents: readonly AgentSpec[];
  /** Builds a fresh agent instance; called once per agent per session. */
  readonly createAgent: (spec: AgentSpec, ctx: AgentContext) => Agent | Promise<Agent>;
  /** Present when the scenario has llm agents; its calls are merged into the stream and it is closed at the end. */
  readonly gateway?: ModelGateway | null;
  /** Sessions in flight at once (default: scenario.maxConcurrency). */
  readonly maxConcurrency?: number;
  /** ISO time source (tests pin it). */
  readonly clock?: () => string;
  /** Polled before each new session: a status ends scheduling (e.g. "interrupted" on Ctrl-C). */
  readonly shouldStop?: () => RunStatus | null;
  /** Continue an interrupted run: skip finished sessions, drop events already logged. */
  readonly resume?: ResumeFilter | null;
  /** The compiled game (a game module must be loaded with loadGame first); default: the built-in for scenario.game. */
  readonly game?: Game;
  /** Groups whose memory stays in RAM, the rest in a scratch file (default: memory.ts MAX_GROUPS_IN_MEMORY). */
  readonly maxGroupsInMemory?: number;
}

/** Longest stretch of uninterrupted session work before signals, timers and writes get a turn. */
const BREATH_SLICE_MS = 50;

/** What a resumed run knows from the existing log (see store/resume.ts). */
export interface ResumeFilter {
  /** seq of the first event this segment writes. */
  readonly startSeq: number;
  readonly completedSessions: ReadonlySet<string>;
  /** True when the log already holds this event (decision, trial start or round settlement). */
  logged(body: EventBody): boolean;
  /** Totals of the earlier segments, so run.completed describes the whole run. */
  readonly prior: RunTotals;
  /**
   * The groups' memory rebuilt from the finished sessions in the log (feedback on), filled by the
   * same store and the same records the live run uses; the resumed run continues it.
   */
  readonly groups?: GroupMemory | null;
  /**
   * The rounds the group `members` (a pair in either order) played in its finished sessions,
   * as `groups` holds them, most recent last; empty when nothing is known.
   */
  memory?(members: readonly string[]): readonly RoundRecord[];
}

/**
 * What a run (or the earlier segments of a resumed one) amounts to: decisions, model calls
 * (answered, cached or not; tokens only of those that went over the network), cost and active
 * seconds.
 */
export interface RunTotals {
  readonly decisions: number;
  readonly invalid: number;
  /** USD; null when any call had no known price (`pricedCostUsd` is the known part). */
  readonly costUsd: number | null;
  readonly pricedCostUsd: number;
  readonly unpricedCalls: number;
  readonly calls: number;
  readonly cacheHits: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Active seconds: each segment from its run.started to its last event (from the log's stamps). */
  readonly seconds: number;
}

/** The numbers a run plans, known before any session plays. */
export interface RunPlan {
  /** The sessions in schedule order, made as they are iterated (a run never holds the whole list). */
  readonly sessions: SessionList;
  readonly rounds: number;
  /** Upper bound when the game may end a trial early, or a member does not move every round. */
  readonly plannedDecisions: number;
  readonly items: Game["items"];
}

/**
 * Plans a scenario's sessions without playing them.
 *
 * @example
 * planRun(scenario, ["a", "b"]).plannedDecisions; // trials × agents × rounds when pairing is none
 */
export function planRun(scenario: Scenario, agentIds: readonly string[], game: Game = createGame(scenario.game)): RunPlan {
  const root = createRng(scenario.seed);
  const sessions = scheduleSessions(scenario, agentIds, root, game);
  const rounds = game.rounds;
  const plannedDecisions = sessions.seats * rounds;
  return { sessions, rounds, plannedDecisions, items: game.items };
}

/** Runs a scenario as an Observable of stamped events: run.started first, run.completed last. */
export function runEnvironment(opts: EnvironmentOptions): Observable<HvaeEvent> {
  return defer(() => {
    const { scenario, agents, gateway, resume } = opts;
    const specs = new Map(agents.map((s) => [s.id, s]));
    if (specs.size !== agents.length) throw new Error("agent ids must be unique");
    const game = opts.game ?? createGame(scenario.game);
    const plan = planRun(scenario, [...specs.keys()], game);
    const root = createRng(scenario.seed);
    const concurrency = Math.max(1, opts.maxConcurrency ?? scenario.maxConcurrency);
    const ctxScenario = { name: scenario.name, feedback: scenario.feedback, pairing: scenario.pairing };
    const windows = memoryWindows(scenario, agents, game.rounds);
    // With feedback, an agent remembers its partner or group across the group's sessions (METHOD §6).
    // A resumed run continues the memory it rebuilt from its log (the same store, filled the same way).
    const groups = scenario.feedback ? (resume?.groups ?? createGroupMemory(windows, { maxGroupsInMemory: opts.maxGroupsInMemory })) : null;

    // Why the whole run stops scheduling (budget, Ctrl-C, a session aborted for no known reason).
    // A failed endpoint stops only its own sessions: see onFailedEndpoint.
    let stopped: RunStatus | null = null;
    const stopStatus = (): RunStatus | null => {
      if (stopped) return stopped;
      if (gateway?.budgetExhausted()) stopped = "budget-exhausted";
      else stopped = opts.shouldStop?.() ?? null;
      return stopped;
    };
    // When an endpoint fails, no session with an agent on it starts (it is left for --resume),
    // sessions in flight on it stop at their next call to it, and every other session plays to
    // the end of the schedule; then the run ends `failed`.
    const models = new Map(agents.map((s) => [s.id, typeof s.model === "string" ? s.model : null]));
    const onFailedEndpoint = (ids: readonly string[]): boolean =>
      !!gateway?.usable && ids.some((id) => {
        const model = models.get(id);
        return model != null && !gateway.usable!(model);
      });

    // Sessions of this run left for --resume because their endpoint failed: only then does the
    // run end failed for it (a gateway shared by an experiment's cells may have failed on an
    // endpoint this run never uses).
    let left = false;
    const leave = (): EventBody[] => ((left = true), []);
    const breathe = createBreather(BREATH_SLICE_MS);
    const play = async (p: SessionPlan): Promise<EventBody[]> => {
      const pause = breathe();
      if (pause) await pause;
      if (stopStatus()) return [];
      const ids = p.agentIds;
      if (onFailedEndpoint(ids)) return leave();
      // Memory spans sessions of the same group (alone, an agent remembers only its own trial).
      const turn = groups && ids.length >= 2 ? groups.turn(ids) : null;
      try {
        // The group's previous session was handed to mergeMap earlier, so it is running or done.
        if (turn?.ready) {
          await turn.ready;
          if (stopStatus()) return [];
          if (onFailedEndpoint(ids)) return leave();
        }
        const members = ids.map((id) => specs.get(id)!);
        const instances = await Promise.all(
          members.map((spec) =>
            opts.createAgent(spec, { rng: root.derive("agent", spec.id, p.sessionId), gateway: gateway ?? undefined, scenario: ctxScenario, game }),
          ),
        );
        const outcome = await playSession({
          plan: p,
          game,
          state: game.start(root.derive("session", p.sessionId)),
          agents: instances,
          feedback: scenario.feedback,
          memory: ids.map((id) => windows.get(id)!),
          past: turn ? ids.map((id) => groups!.history(id, ids)) : undefined,
          orders: (p as Partial<CounterbalancedPlan>).orders,
        });
        // Only a RunStopError aborts a session. A failed endpoint's is left and the others go
        // on; any other reason (budget, or one the gateway does not know) stops the run.
        if (outcome.status === "aborted") {
          if (!stopStatus() && !gateway?.unusable?.()) stopped = "failed";
          else if (gateway?.unusable?.()) left = true;
        } else if (turn) groups!.keep(ids, outcome.records);
        return outcome.events;
      } finally {
        turn?.done();
      }
    };

    // Orders over the whole schedule, before resume skips finished sessions: a resumed session keeps its order.
    const ordered = (scenario.game as { counterbalance?: boolean }).counterbalance === true ? counterbalanced(plan.sessions, root) : plan.sessions;
    const todo = resume ? unfinished(ordered, resume.completedSessions) : ordered;
    // Sessions are pulled from the plan a chunk at a time, the next chunk when this one is done:
    // the schedule is never materialised, and mergeMap (which shift()s its waiting queue, O(n) per
    // session) only ever queues one chunk, at almost no cost in overlap.
    const chunk = Math.max(1024, 64 * concurrency);
    const sessions$ = new Observable<{ index: number; events: EventBody[] }>((subscriber) => {
      const parts = chunked(todo, chunk);
      let c = 0;
      let inner: Subscription | null = null;
      const pull = () => {
        const part = parts.next();
        if (part.done) return subscriber.complete();
        const base = c++ * chunk;
        inner = from(part.value)
          .pipe(mergeMap((p, i) => defer(() => play(p)).pipe(map((events) => ({ index: base + i, events }))), concurrency))
          .subscribe({ next: (v) => subscriber.next(v), error: (err) => subscriber.error(err), complete: pull });
      };
      pull();
      return () => inner?.unsubscribe();
    }).pipe(inScheduleOrder());
    let closed = false;
    const closeGateway = () => (closed || !gateway ? Promise.resolve() : ((closed = true), gateway.close()));
    // Copied because stamping writes into the body, and the gateway's objects are not ours.
    const calls$: Observable<EventBody> = gateway ? gateway.calls$.pipe(map((b) => ({ ...b }))) : EMPTY;
    const body$ = merge(
      concat(sessions$, defer(closeGateway).pipe(ignoreElements())),
      calls$,
    ).pipe(filter((b) => !resume?.logged(b)));

    const counts = { decisions: resume?.prior.decisions ?? 0, invalid: resume?.prior.invalid ?? 0 };
    const started: EventBody<EventOf<"run.started">> = {
      type: "run.started",
      scenario: scenario.name,
      seed: scenario.seed,
      game: scenario.game.type,
      pairing: scenario.pairing,
      feedback: scenario.feedback,
      plannedDecisions: plan.plannedDecisions,
      plannedSessions: plan.sessions.length,
      agents: agents.map(agentInfo),
      items: plan.items.map((it) => ({ id: it.id, primary: it.primary, options: it.options.map((o) => ({ self: o.self, other: o.other })) })),
      resumed: resume != null,
      gameSpec: scenario.game as Record<string, unknown>,
      groupSize: game.groupSize,
      turns: game.turns,
    };
    const completed = defer(() => {
      const status: RunStatus = stopped ?? (left ? "failed" : "completed");
      const prior = resume?.prior;
      const here = gateway?.summary();
      // Unknown is not zero: one unpriced call in any segment makes the run's cost unknown.
      const cost = emptyCost();
      if (prior) addTotal(cost, prior);
      if (here) addTotal(cost, here);
      const { costUsd, pricedCostUsd, unpricedCalls } = costOf(cost);
      const why = status === "failed" ? gateway?.unusable?.() : null;
      const recorded = counts.decisions + counts.invalid;
      const body: EventBody<EventOf<"run.completed">> = {
        type: "run.completed",
        status,
        decisions: counts.decisions,
        invalid: counts.invalid,
        costUsd,
        pricedCostUsd,
        unpricedCalls,
        message:
          status === "completed"
            ? null
            : `${status}: ${why ? `${why}; ` : ""}${recorded} of ${plan.plannedDecisions} planned decisions recorded`,
        calls: (prior?.calls ?? 0) + (here?.calls ?? 0),
        cacheHits: (prior?.cacheHits ?? 0) + (here?.cacheHits ?? 0),
        inputTokens: (prior?.inputTokens ?? 0) + (here?.inputTokens ?? 0),
        outputTokens: (prior?.outputTokens ?? 0) + (here?.outputTokens ?? 0),
      };
      return of(body as EventBody);
    });

    const clock = opts.clock ?? isoClock();
    let seq = resume?.startSeq ?? 0;
    const runId = opts.runId;
    return concat(of(started as EventBody), body$, completed).pipe(
      map((body) => {
        if (body.type === "decision.made") counts.decisions++;
        else if (body.type === "decision.invalid") counts.invalid++;
        // Stamped in place: bodies are fresh objects owned by this stream, and a copy per event
        // is a measurable share of the engine's time.
        const ev = body as HvaeEvent;
        ev.runId = runId;
        ev.seq = seq++;
        ev.time = clock();
        return ev;
      }),
      finalize(() => {
        groups?.close();
        void closeGateway();
      }),
    );
  });
}

function* chunked<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let part: T[] = [];
  for (const item of items) {
    part.push(item);
    if (part.length === size) {
      yield part;
      part = [];
    }
  }
  if (part.length > 0) yield part;
}

function* unfinished(sessions: Iterable<SessionPlan>, completed: ReadonlySet<string>): Generator<SessionPlan> {
  for (const p of sessions) if (!completed.has(p.sessionId)) yield p;
}

/** Releases each session's events only after every earlier session's, whatever finishes first. */
function inScheduleOrder<T>(): OperatorFunction<{ index: number; events: T[] }, T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const waiting = new Map<number, T[]>();
      let next = 0;
      return source.subscribe({
        next({ index, events }) {
          waiting.set(index, events);
          for (let ready = waiting.get(next); ready !== undefined; ready = waiting.get(next)) {
            waiting.delete(next++);
            for (const e of ready) subscriber.next(e);
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}

function agentInfo(spec: AgentSpec): AgentInfo {
  return {
    id: spec.id,
    type: spec.type,
    value: spec.value,
    model: spec.type === "llm" && typeof spec.model === "string" ? spec.model : null,
    condition: typeof spec.condition === "string" ? spec.condition : null,
  };
}

/** new Date().toISOString() once per millisecond, not once per event. */
function isoClock(): () => string {
  let last = -1;
  let text = "";
  return () => {
    const now = Date.now();
    if (now !== last) {
      last = now;
      text = new Date(now).toISOString();
    }
    return text;
  };
}
