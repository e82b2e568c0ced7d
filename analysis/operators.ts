/**
 * Stream operators from events to analysis state: the one piece of code that turns a run's
 * events into trajectories and per-agent tallies, used live (on the environment's events$)
 * and on a log replayed from disk. State is bounded by agents and trajectories: open
 * trajectories keep running sums and close on `trial.completed` into one small record; raw
 * events are never kept.
 *
 * @example
 * const analysis = await lastValueFrom(readEvents(path).pipe(analyze()));
 * console.log(analysis.summary.agents[0].vr);
 */
import { defer, filter, last, map, mergeMap, type Observable, type OperatorFunction } from "rxjs";
import type { AgentInfo, EventOf, HvaeEvent } from "../src/core/events.ts";
import { estimateLogit } from "./estimator.ts";
import { angleFromMeans, categorize, type Category } from "./svo.ts";
import { chanceBaseline, chanceCorrected, inTargetCategory, valueRationality } from "./value-rationality.ts";
import { targetLabel, type ValueTarget } from "./value-target.ts";

/** How angles are measured: the slider formula on primary items, or the logit MLE (METHOD §7). */
export type AngleMethod = "slider" | "logit";

/** One agent's pass through one session, scored. */
export interface TrajectoryRecord {
  readonly sessionId: string;
  readonly agentId: string;
  readonly trial: number;
  readonly partnerId: string | null;
  /** Valid and invalid decisions of this agent in this session. */
  readonly decisions: number;
  readonly invalidDecisions: number;
  /** True when a primary slider answer was invalid (no angle). */
  readonly invalid: boolean;
  /** Degrees; null when invalid, or (logit) when this trajectory alone does not identify θ. */
  readonly angle: number | null;
  readonly category: Category | null;
  readonly vr: number | null;
  readonly inCategory: boolean | null;
}

/** Per-agent running tallies. */
export interface AgentTally {
  readonly info: AgentInfo;
  decisions: number;
  invalidDecisions: number;
  calls: number;
  cachedCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Logit games only: choice counts per partner-value key → item index → option counts. */
  readonly choiceCounts: Map<string, Map<number, Float64Array>>;
}

interface OpenTrajectory {
  readonly sessionId: string;
  readonly agentId: string;
  readonly trial: number;
  readonly partnerId: string | null;
  readonly seen: Set<string>;
  decisions: number;
  invalidDecisions: number;
  primaryValid: number;
  primaryInvalid: number;
  sumSelf: number;
  sumOther: number;
  /** Logit games: (item index, 0-based option) pairs, bounded by the rounds of one trial. */
  readonly choices: number[];
}

export interface RunInfo {
  readonly id: string;
  readonly scenario: string;
  readonly game: string;
  readonly seed: number;
  readonly pairing: string;
  readonly feedback: boolean;
  readonly plannedDecisions: number;
  readonly plannedSessions: number;
  readonly method: AngleMethod;
}

/** Running VR of one value group (what the live display shows). */
export interface LiveGroup {
  readonly value: string;
  n: number;
  vrSum: number;
  chance: number;
}

/** The whole analysis state; one per subscription, mutated in place by {@link foldEvent}. */
export interface RunAccumulator {
  run: RunInfo | null;
  status: string | null;
  readonly agents: Map<string, AgentTally>;
  readonly items: Map<string, { index: number; primary: boolean; options: readonly { self: number; other: number }[] }>;
  itemList: { options: readonly { self: number; other: number }[] }[];
  primaryCount: number;
  /**
   * Logit games: false when every item's options lie on one line direction (e.g. constant-sum
   * dictator splits), where only the self-vs-other trade-off is identified, not θ.
   */
  identifiable: boolean;
  readonly open: Map<string, OpenTrajectory>;
  readonly trajectories: TrajectoryRecord[];
  readonly live: Map<string, LiveGroup>;
  events: number;
  decisions: number;
  invalidDecisions: number;
  calls: number;
  cachedCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Decision events naming an agent or item that run.started did not announce. */
  unknown: number;
  /** Trajectories closed by the last folded event (live consumers read and emit them). */
  lastClosed: TrajectoryRecord[];
}

/** A fresh, empty accumulator. */
export function createAccumulator(): RunAccumulator {
  return {
    run: null,
    status: null,
    agents: new Map(),
    items: new Map(),
    itemList: [],
    primaryCount: 0,
    identifiable: true,
    open: new Map(),
    trajectories: [],
    live: new Map(),
    events: 0,
    decisions: 0,
    invalidDecisions: 0,
    calls: 0,
    cachedCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    unknown: 0,
    lastClosed: [],
  };
}

/** The partner-value key of a trajectory: the partner's value label, or "none" (imaginary other). */
export function partnerValueKey(acc: RunAccumulator, partnerId: string | null): string {
  if (partnerId === null) return "none";
  const p = acc.agents.get(partnerId);
  return p ? targetLabel(p.info.value) : "unknown";
}

function startRun(acc: RunAccumulator, ev: EventOf<"run.started">): void {
  // A resumed run appends a second run.started; agents and items are the same scenario's.
  if (!acc.run) {
    acc.run = {
      id: ev.runId,
      scenario: ev.scenario,
      game: ev.game,
      seed: ev.seed,
      pairing: ev.pairing,
      feedback: ev.feedback,
      plannedDecisions: ev.plannedDecisions,
      plannedSessions: ev.plannedSessions,
      method: ev.game === "svo-slider" ? "slider" : "logit",
    };
  }
  for (const a of ev.agents) {
    if (!acc.agents.has(a.id)) {
      acc.agents.set(a.id, {
        info: a,
        decisions: 0,
        invalidDecisions: 0,
        calls: 0,
        cachedCalls: 0,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        choiceCounts: new Map(),
      });
    }
  }
  if (acc.items.size === 0) {
    ev.items.forEach((it, index) => acc.items.set(it.id, { index, primary: it.primary, options: it.options }));
    acc.itemList = ev.items.map((it) => ({ options: it.options }));
    acc.primaryCount = ev.items.filter((it) => it.primary).length;
    acc.identifiable = spansPlane(ev.items);
  }
}

/** Whether the option differences within items span two directions (θ identifiable by the logit fit). */
export function spansPlane(items: readonly { options: readonly { self: number; other: number }[] }[]): boolean {
  let ref: [number, number] | null = null;
  for (const it of items) {
    const o0 = it.options[0];
    for (const o of it.options) {
      const d: [number, number] = [o.self - o0.self, o.other - o0.other];
      if (Math.hypot(d[0], d[1]) < 1e-9) continue;
      if (!ref) ref = d;
      else if (Math.abs(ref[0] * d[1] - ref[1] * d[0]) > 1e-6 * Math.hypot(...ref) * Math.hypot(...d)) return true;
    }
  }
  return false;
}

function openTrajectory(acc: RunAccumulator, ev: EventOf<"decision.made" | "decision.invalid">): OpenTrajectory {
  const key = `${ev.sessionId}\u0000${ev.agentId}`;
  let t = acc.open.get(key);
  if (!t) {
    t = {
      sessionId: ev.sessionId,
      agentId: ev.agentId,
      trial: ev.trial,
      partnerId: ev.partnerId,
      seen: new Set(),
      decisions: 0,
      invalidDecisions: 0,
      primaryValid: 0,
      primaryInvalid: 0,
      sumSelf: 0,
      sumOther: 0,
      choices: [],
    };
    acc.open.set(key, t);
  }
  return t;
}

function recordDecision(acc: RunAccumulator, ev: EventOf<"decision.made" | "decision.invalid">): void {
  const agent = acc.agents.get(ev.agentId);
  const item = acc.items.get(ev.itemId);
  if (!acc.run || !agent || !item) {
    acc.unknown++;
    return;
  }
  const t = openTrajectory(acc, ev);
  // A resumed run never rewrites a decision, but a duplicate must not count twice if one slips in.
  if (t.seen.has(ev.decisionId)) return;
  t.seen.add(ev.decisionId);
  t.decisions++;
  agent.decisions++;
  acc.decisions++;
  if (ev.type === "decision.invalid") {
    t.invalidDecisions++;
    agent.invalidDecisions++;
    acc.invalidDecisions++;
    if (item.primary) t.primaryInvalid++;
    return;
  }
  if (acc.run.method === "slider") {
    if (item.primary) {
      t.primaryValid++;
      t.sumSelf += ev.self;
      t.sumOther += ev.other;
    }
    return;
  }
  const option = ev.option - 1;
  t.choices.push(item.index, option);
  const pkey = partnerValueKey(acc, ev.partnerId);
  let byItem = agent.choiceCounts.get(pkey);
  if (!byItem) agent.choiceCounts.set(pkey, (byItem = new Map()));
  let counts = byItem.get(item.index);
  if (!counts) byItem.set(item.index, (counts = new Float64Array(item.options.length)));
  counts[option]++;
}

/** Logit fit of (item index, option) pairs; null when the fit does not identify θ. */
function fitPairs(acc: RunAccumulator, pairs: readonly number[], requireConverged: boolean): number | null {
  if (pairs.length === 0 || !acc.identifiable) return null;
  const items: { options: readonly { self: number; other: number }[] }[] = [];
  const choices: number[] = [];
  for (let i = 0; i < pairs.length; i += 2) {
    items.push(acc.itemList[pairs[i]]);
    choices.push(pairs[i + 1]);
  }
  const fit = estimateLogit(items, choices);
  if (!Number.isFinite(fit.theta) || (requireConverged && !fit.converged)) return null;
  return fit.theta;
}

/**
 * Logit fit of counted choices (per item, per option): expands the counts only for the call.
 * θ is kept even when β → ∞ (perfectly consistent choices): the separating direction is the angle.
 */
export function fitCounts(acc: RunAccumulator, counts: Iterable<Map<number, Float64Array>>): number | null {
  const pairs: number[] = [];
  for (const byItem of counts) {
    for (const [index, c] of byItem) {
      for (let k = 0; k < c.length; k++) for (let r = 0; r < c[k]; r++) pairs.push(index, k);
    }
  }
  return fitPairs(acc, pairs, false);
}

function closeTrajectory(acc: RunAccumulator, t: OpenTrajectory): TrajectoryRecord {
  const agent = acc.agents.get(t.agentId)!;
  const target = agent.info.value as ValueTarget;
  let angle: number | null = null;
  let invalid = false;
  if (acc.run!.method === "slider") {
    invalid = t.primaryInvalid > 0 || t.primaryValid < acc.primaryCount;
    if (!invalid) angle = angleFromMeans(t.sumSelf / t.primaryValid, t.sumOther / t.primaryValid);
  } else {
    invalid = t.invalidDecisions > 0 && t.choices.length === 0;
    angle = fitPairs(acc, t.choices, true);
  }
  const record: TrajectoryRecord = {
    sessionId: t.sessionId,
    agentId: t.agentId,
    trial: t.trial,
    partnerId: t.partnerId,
    decisions: t.decisions,
    invalidDecisions: t.invalidDecisions,
    invalid,
    angle,
    category: angle === null ? null : categorize(angle),
    vr: angle === null ? null : valueRationality(angle, target),
    inCategory: angle === null ? null : inTargetCategory(angle, target),
  };
  if (record.vr !== null) {
    const label = targetLabel(target);
    let g = acc.live.get(label);
    if (!g) acc.live.set(label, (g = { value: label, n: 0, vrSum: 0, chance: chanceBaseline(target) }));
    g.n++;
    g.vrSum += record.vr;
  }
  return record;
}

/**
 * Folds one event into the accumulator (in place) and returns it. This is the single step
 * function behind both the live and the replayed analysis.
 *
 * @example
 * const acc = createAccumulator();
 * for (const ev of events) foldEvent(acc, ev);
 */
export function foldEvent(acc: RunAccumulator, ev: HvaeEvent): RunAccumulator {
  acc.events++;
  if (acc.lastClosed.length) acc.lastClosed = [];
  switch (ev.type) {
    case "run.started":
      startRun(acc, ev);
      break;
    case "decision.made":
    case "decision.invalid":
      recordDecision(acc, ev);
      break;
    case "model.call": {
      acc.calls++;
      acc.inputTokens += ev.inputTokens;
      acc.outputTokens += ev.outputTokens;
      acc.costUsd += ev.costUsd;
      if (ev.cached) acc.cachedCalls++;
      const agent = acc.agents.get(ev.agentId);
      if (agent) {
        agent.calls++;
        agent.inputTokens += ev.inputTokens;
        agent.outputTokens += ev.outputTokens;
        agent.costUsd += ev.costUsd;
        if (ev.cached) agent.cachedCalls++;
      }
      break;
    }
    case "trial.completed": {
      const closed: TrajectoryRecord[] = [];
      for (const agentId of ev.agentIds) {
        const key = `${ev.sessionId}\u0000${agentId}`;
        const t = acc.open.get(key);
        if (!t) continue;
        acc.open.delete(key);
        const record = closeTrajectory(acc, t);
        acc.trajectories.push(record);
        closed.push(record);
      }
      acc.lastClosed = closed;
      break;
    }
    case "run.completed":
      acc.status = ev.status;
      break;
    default:
      break;
  }
  return acc;
}

/**
 * Events → the same accumulator after every event (one accumulator per subscription).
 *
 * @example
 * events$.pipe(accumulate(), last()).subscribe((acc) => console.log(acc.trajectories.length));
 */
export function accumulate(): OperatorFunction<HvaeEvent, RunAccumulator> {
  return (source: Observable<HvaeEvent>) =>
    defer(() => {
      const acc = createAccumulator();
      return source.pipe(map((ev) => foldEvent(acc, ev)));
    });
}

/**
 * Events → each trajectory as it finishes (agent, session, angle, VR).
 *
 * @example
 * events$.pipe(trajectories()).subscribe((t) => console.log(t.agentId, t.angle));
 */
export function trajectories(): OperatorFunction<HvaeEvent, TrajectoryRecord> {
  return (source) =>
    source.pipe(
      accumulate(),
      mergeMap((acc) => acc.lastClosed),
    );
}

/** The final accumulator of a finished stream; errors if the stream had no run.started. */
export function finalState(): OperatorFunction<HvaeEvent, RunAccumulator> {
  return (source) =>
    source.pipe(
      accumulate(),
      last(null, null),
      filter((acc): acc is RunAccumulator => {
        if (!acc || !acc.run) throw new Error("no run.started event in the stream");
        return true;
      }),
    );
}

/**
 * Events → the full analysis (summary, trajectories, angle over trials) when the stream completes.
 * mathjs is imported lazily inside, only here where statistics run.
 *
 * @example
 * const { summary } = await lastValueFrom(events$.pipe(analyze()));
 */
export function analyze(opts: { seed?: number } = {}): OperatorFunction<HvaeEvent, import("./summary.ts").Analysis> {
  return (source) =>
    source.pipe(
      finalState(),
      mergeMap(async (acc) => (await import("./summary.ts")).summarize(acc, opts)),
    );
}

/** VR_cc of a live group so far. */
export function liveGroupCC(g: LiveGroup): number {
  return chanceCorrected(g.vrSum / g.n, g.chance);
}
