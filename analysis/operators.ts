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
import { addCost } from "../src/core/money.ts";
import type { Fact, Game, Move } from "../src/games/contract.ts";
import type { OptionOrder } from "../src/games/presentation.ts";
import { valueAngle } from "../src/core/values.ts";
import { expectedSliderAngle, expectedSliderVR as expectedVrOf, normalised, type ItemDistribution } from "./expected.ts";
import { gameOfRun } from "./game-of-run.ts";
import { choiceVR, moveScore, type MoveScore } from "./choice-vr.ts";
import type { Metric } from "./metrics/metric.ts";
import { metricsFor } from "./metrics/registry.ts";
import { angleFromMeans, categorize, scoreResponse, type Category } from "./svo.ts";
import { chanceBaseline, chanceCorrected, inTargetCategory, valueRationality } from "./value-rationality.ts";
import { targetKey, targetLabel, type ValueTarget } from "./value-target.ts";

/**
 * How behaviour is scored (docs/METHOD.md): the slider formula on the primary items (§3–4), or
 * on the game's own choices (§8–10: ideal options per decision, VR on the game's terms, the
 * utility angle as a set, a point only when identified).
 */
export type AngleMethod = "slider" | "choices";

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
  /** This trajectory's chance VR: a uniform random chooser on the same moves (null when unscored). */
  readonly chance: number | null;
  readonly inCategory: boolean | null;
  /**
   * Sensitivity to invalid answers (METHOD §12): VR with each invalid (or missing) answer replaced
   * by a uniform random choice, in expectation; and with each invalid answer scored 0 (slider: the
   * trajectory scores 0). Equal to `vr` on a trajectory without invalid answers; never null.
   */
  readonly vrInvalidChance: number;
  readonly vrInvalidZero: number;
  /**
   * From the model's option probabilities (analysis/expected.ts, METHOD §13), when every scored
   * decision of the trajectory carried them; else null. The angle on the slider only.
   */
  readonly expectedAngle: number | null;
  readonly expectedVr: number | null;
  /** `game.counterbalance`: the option order this trajectory was shown ("printed" or "reversed"); null otherwise. */
  readonly order: OptionOrder | null;
  /** Valid decisions whose presented position is known (from the label), and those on the first position shown. */
  readonly positioned: number;
  readonly firstChoices: number;
  /** Σ 1/k over the positioned decisions (k options): the first-position count a uniform chooser expects. */
  readonly firstChance: number;
  /** Slider: the primary answers' transitivity (METHOD §3), null unless all six are valid. */
  readonly transitive: boolean | null;
  /** Slider with all 15 items answered: true, and the inequality-aversion index (null where it does not apply). */
  readonly allItems: boolean;
  readonly iaIndex: number | null;
  /** Position in the accumulator's `trajectories`; its item answers are `picksOf(acc, index)`. */
  readonly index: number;
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
  /** USD of the calls with a known price; `unpricedCalls` counts the others (their cost is unknown). */
  pricedCostUsd: number;
  unpricedCalls: number;
  /** Choices games only: choice counts per partner-value key → move index → option counts. */
  readonly choiceCounts: Map<string, Map<number, Float64Array>>;
  /** Per item id: the sum of the recorded (normalised) option probabilities and their count. */
  readonly probabilitySums: Map<string, { sum: Float64Array; n: number }>;
  /** Every game: item (move) id → canonical option counts (index option − 1) and invalid answers. */
  readonly itemCounts: Map<string, { counts: number[]; invalid: number }>;
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
  /** Slider: bit i set when primary item i has a valid answer. */
  primaryMask: number;
  sumSelf: number;
  sumOther: number;
  /** Choices games: valid choices and the sums of their distances (choice-vr.ts). */
  choices: number;
  distance: number;
  dMax: number;
  chanceDistance: number;
  /** Choices games: Σ chance distance and Σ d_max of the invalid decisions' moves (the sensitivity VRs). */
  invalidChanceDistance: number;
  invalidDMax: number;
  /** Slider: the primary items answered with probabilities; choices: Σ p·distance and Σ d_max over such decisions, and their count. */
  readonly probItems: ItemDistribution[];
  probChoices: number;
  probDistance: number;
  probDMax: number;
  readonly order: OptionOrder | null;
  positioned: number;
  firstChoices: number;
  firstChance: number;
  readonly picks: Uint16Array | null;
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
  chanceSum: number;
}

/** The whole analysis state; one per subscription, mutated in place by {@link foldEvent}. */
export interface RunAccumulator {
  readonly resolveGame: GameResolver | null;
  run: RunInfo | null;
  status: string | null;
  readonly agents: Map<string, AgentTally>;
  readonly items: Map<string, { index: number; primary: boolean; primaryIndex: number; options: readonly { self: number; other: number }[] }>;
  /** Slider: the payoff-sum distribution of uniform random answers on a set of primary items (bit mask), memoised. */
  readonly randomSums: Map<number, { self: Float64Array; other: Float64Array; p: Float64Array }>;
  primaryCount: number;
  /** The run's game, rebuilt from run.started (choices games score decisions against it). */
  game: Game | null;
  /** Choices games: each distinct move seen (item, role, member, facts) → its index in moveList. */
  readonly moveIndex: Map<string, number>;
  readonly moveList: Move[];
  /** Choices games: a move's scoring against one target, keyed `${move index}|${target key}`. */
  readonly scores: Map<string, MoveScore>;
  /** The registered game measures that apply to the run's game, each with its state (metrics/registry.ts). */
  metrics: { readonly metric: Metric<any>; readonly state: unknown }[];
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
  /** USD of the calls with a known price; `unpricedCalls` counts the others (their cost is unknown). */
  pricedCostUsd: number;
  unpricedCalls: number;
  /** Decision events naming an agent or item that run.started did not announce. */
  unknown: number;
  /** Trajectories closed by the last folded event (live consumers read and emit them). */
  lastClosed: TrajectoryRecord[];
  /** Counterbalanced runs: each open session's members and their option orders (trial.started), until it completes. */
  readonly orders: Map<string, { readonly agentIds: readonly string[]; readonly orders: readonly OptionOrder[] }>;
  /** True once a trial.started carried orders: the run counterbalances option order. */
  counterbalanced: boolean;
  /** Slider: Version A item 1–15 → index in run.started items (-1 when not played); built on first use. */
  sliderIndex: Int32Array | null;
  /**
   * Two-person item games: per closed trajectory (by index), the canonical 1-based option chosen on
   * each of the run's items (stride = items), 0 where not validly answered. One flat array, not an
   * array per trajectory: a million-decision log closes ~170k trajectories.
   */
  picks: Uint16Array;
}

/**
 * Builds the run's game from its run.started event (null: the default, {@link gameOfRun}: the
 * recorded spec through the game registry, else the two-person items run.started lists).
 */
export type GameResolver = (ev: EventOf<"run.started">) => Game | null;

/** Options of the analysis operators. */
export interface AnalysisOptions {
  readonly resolveGame?: GameResolver;
}

/** A fresh, empty accumulator. */
export function createAccumulator(opts: AnalysisOptions = {}): RunAccumulator {
  return {
    resolveGame: opts.resolveGame ?? null,
    run: null,
    status: null,
    agents: new Map(),
    items: new Map(),
    randomSums: new Map(),
    primaryCount: 0,
    game: null,
    moveIndex: new Map(),
    moveList: [],
    scores: new Map(),
    metrics: [],
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
    pricedCostUsd: 0,
    unpricedCalls: 0,
    unknown: 0,
    lastClosed: [],
    orders: new Map(),
    counterbalanced: false,
    sliderIndex: null,
    picks: new Uint16Array(0),
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
    const game = acc.resolveGame ? acc.resolveGame(ev) ?? gameOfRun(ev) : gameOfRun(ev);
    acc.game = game;
    acc.metrics = metricsFor(game).map((metric) => ({ metric, state: metric.init() }));
    acc.run = {
      id: ev.runId,
      scenario: ev.scenario,
      game: ev.game,
      seed: ev.seed,
      pairing: ev.pairing,
      feedback: ev.feedback,
      plannedDecisions: ev.plannedDecisions,
      plannedSessions: ev.plannedSessions,
      method: game.scoring === "slider" ? "slider" : "choices",
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
        pricedCostUsd: 0,
        unpricedCalls: 0,
        choiceCounts: new Map(),
        probabilitySums: new Map(),
        itemCounts: new Map(),
      });
    }
  }
  if (acc.items.size === 0) {
    let primaryIndex = 0;
    ev.items.forEach((it, index) => acc.items.set(it.id, { index, primary: it.primary, primaryIndex: it.primary ? primaryIndex++ : -1, options: it.options }));
    acc.primaryCount = ev.items.filter((it) => it.primary).length;
  }
}

/** What a decision event records of its move beyond the item id (games with roles, groups and facts). */
interface MoveFields {
  readonly role?: string | null;
  readonly member?: number;
  readonly facts?: Readonly<Record<string, Fact>> | null;
}

/** The index of a decision's move, restored from the log once per distinct move; -1 when unknown. */
function moveOf(acc: RunAccumulator, ev: EventOf<"decision.made" | "decision.invalid">): number {
  const f = ev as unknown as MoveFields;
  const role = f.role ?? null;
  const member = f.member ?? 0;
  const facts = f.facts ?? {};
  const key = role === null && member === 0 && f.facts == null ? ev.itemId : `${ev.itemId}\u0000${role}\u0000${member}\u0000${JSON.stringify(facts)}`;
  let index = acc.moveIndex.get(key);
  if (index === undefined) {
    try {
      const move = acc.game!.restore(ev.itemId, role, member, facts);
      index = acc.moveList.length;
      acc.moveList.push(move);
    } catch {
      index = -1;
    }
    acc.moveIndex.set(key, index);
  }
  return index;
}

/** A move's scoring against a target (memoised per move and target). */
export function scoreOf(acc: RunAccumulator, moveIndex: number, target: ValueTarget): MoveScore {
  const key = `${moveIndex}|${targetKey(target)}`;
  let s = acc.scores.get(key);
  if (!s) acc.scores.set(key, (s = moveScore(acc.game!, acc.moveList[moveIndex], valueAngle(target))));
  return s;
}

function openTrajectory(acc: RunAccumulator, ev: EventOf<"decision.made" | "decision.invalid">): OpenTrajectory {
  const key = `${ev.sessionId}\u0000${ev.agentId}`;
  let t = acc.open.get(key);
  if (!t) {
    const session = acc.orders.get(ev.sessionId);
    const member = session ? session.agentIds.indexOf(ev.agentId) : -1;
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
      primaryMask: 0,
      sumSelf: 0,
      sumOther: 0,
      choices: 0,
      distance: 0,
      dMax: 0,
      chanceDistance: 0,
      invalidChanceDistance: 0,
      invalidDMax: 0,
      probItems: [],
      probChoices: 0,
      probDistance: 0,
      probDMax: 0,
      order: member >= 0 ? (session!.orders[member] ?? null) : null,
      positioned: 0,
      firstChoices: 0,
      firstChance: 0,
      picks: acc.items.size > 0 ? new Uint16Array(acc.items.size) : null,
    };
    acc.open.set(key, t);
  }
  return t;
}

function recordDecision(acc: RunAccumulator, ev: EventOf<"decision.made" | "decision.invalid">): void {
  const agent = acc.agents.get(ev.agentId);
  const slider = acc.run?.method === "slider";
  const item = slider ? acc.items.get(ev.itemId) : undefined;
  // Choices games restore the move (valid decisions only: an invalid one carries no option).
  const moveIndex = !slider && acc.run && ev.type === "decision.made" ? moveOf(acc, ev) : -1;
  const badChoice =
    ev.type === "decision.made" && !slider && (moveIndex < 0 || ev.option - 1 >= acc.moveList[moveIndex].options.length);
  if (!acc.run || !agent || (slider ? !item : badChoice)) {
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
  let tally = agent.itemCounts.get(ev.itemId);
  if (!tally) agent.itemCounts.set(ev.itemId, (tally = { counts: [], invalid: 0 }));
  if (ev.type === "decision.invalid") {
    t.invalidDecisions++;
    agent.invalidDecisions++;
    acc.invalidDecisions++;
    tally.invalid++;
    if (item?.primary) t.primaryInvalid++;
    if (!slider) {
      // The move an invalid answer was asked on (the event carries its key): its chance distance
      // and d_max weigh it in the sensitivity VRs; an unrestorable move is left out of them.
      const mi = moveOf(acc, ev);
      if (mi >= 0) {
        const score = scoreOf(acc, mi, agent.info.value as ValueTarget);
        t.invalidChanceDistance += score.chanceDistance;
        t.invalidDMax += score.dMax;
      }
    }
    return;
  }
  const optionCount = item ? item.options.length : acc.moveList[moveIndex].options.length;
  const p = normalised(ev.probabilities, optionCount);
  if (p) {
    let ps = agent.probabilitySums.get(ev.itemId);
    if (!ps) agent.probabilitySums.set(ev.itemId, (ps = { sum: new Float64Array(optionCount), n: 0 }));
    if (ps.sum.length === optionCount) {
      for (let k = 0; k < optionCount; k++) ps.sum[k] += p[k];
      ps.n++;
    }
  }
  const counts = tally.counts;
  for (let k = counts.length; k < ev.option; k++) counts.push(0);
  counts[ev.option - 1]++;
  // The presented position: labels are A, B, … in the order shown (src/games/game.ts optionLabels).
  const position = ev.label === null ? -1 : labelPosition(ev.label);
  const options = item ? item.options.length : (acc.moveList[moveIndex]?.options.length ?? 0);
  if (position >= 0 && options > 0) {
    t.positioned++;
    t.firstChance += 1 / options;
    if (position === 0) t.firstChoices++;
  }
  const itemIndex = t.picks ? acc.items.get(ev.itemId)?.index : undefined;
  if (itemIndex !== undefined) t.picks![itemIndex] = ev.option;
  if (item) {
    if (item.primary && p) t.probItems.push({ options: item.options, p });
    if (item.primary) {
      t.primaryValid++;
      t.primaryMask |= 1 << item.primaryIndex;
      // Slider items always record both payoffs (null only in games without two-person items).
      t.sumSelf += ev.self ?? 0;
      t.sumOther += ev.other ?? 0;
    }
    return;
  }
  const option = ev.option - 1;
  const move = acc.moveList[moveIndex];
  const score = scoreOf(acc, moveIndex, agent.info.value as ValueTarget);
  t.choices++;
  t.distance += score.distance[option];
  t.dMax += score.dMax;
  t.chanceDistance += score.chanceDistance;
  if (p) {
    t.probChoices++;
    for (let k = 0; k < p.length; k++) t.probDistance += p[k] * score.distance[k];
    t.probDMax += score.dMax;
  }
  const pkey = partnerValueKey(acc, ev.partnerId);
  let byMove = agent.choiceCounts.get(pkey);
  if (!byMove) agent.choiceCounts.set(pkey, (byMove = new Map()));
  let moveCounts = byMove.get(moveIndex);
  if (!moveCounts) byMove.set(moveIndex, (moveCounts = new Float64Array(move.options.length)));
  moveCounts[option]++;
  for (const m of acc.metrics) m.metric.onDecision?.(m.state, { agentId: ev.agentId, sessionId: ev.sessionId, move, option });
}

/** A settled round for the game measures: its members and the settlement's facts, when the log records them. */
function recordSettled(acc: RunAccumulator, ev: EventOf<"round.settled">): void {
  const facts = (ev as unknown as { facts?: Readonly<Record<string, Fact>> | null }).facts ?? null;
  const record = { sessionId: ev.sessionId, agentIds: ev.outcomes.map((o) => o.agentId), round: ev.round, facts };
  for (const m of acc.metrics) m.metric.onSettled?.(m.state, record);
}

/**
 * A closed trajectory's answers on the run's items (canonical 1-based options, 0 = none), a view
 * into the accumulator's flat array; empty in games without two-person items.
 *
 * @example
 * picksOf(acc, t.index)[0]; // the option chosen on the first item of run.started
 */
export function picksOf(acc: RunAccumulator, index: number): Uint16Array {
  const stride = acc.items.size;
  return acc.picks.subarray(index * stride, (index + 1) * stride);
}

/**
 * A slider trajectory's answers scored as `hvae score` scores a respondent (analysis/svo.ts
 * scoreResponse, Version A order): transitivity when the six primary answers are valid, and the
 * inequality-aversion index when all 15 are. Null on other games or with a primary answer missing.
 */
function sliderAnswers(acc: RunAccumulator, picks: Uint16Array | null): { transitive: boolean; allItems: boolean; iaIndex: number | null } | null {
  if (!picks || acc.run?.method !== "slider") return null;
  const at = (acc.sliderIndex ??= Int32Array.from({ length: 15 }, (_, i) => acc.items.get(`svo-${i + 1}`)?.index ?? -1));
  for (let i = 0; i < 6; i++) if (at[i] < 0 || picks[at[i]] === 0) return null;
  let all = true;
  for (let i = 6; i < 15; i++) if (at[i] < 0 || picks[at[i]] === 0) all = false;
  const answers = Array.from({ length: all ? 15 : 6 }, (_, i) => picks[at[i]]);
  const s = scoreResponse(answers, "A");
  return { transitive: s.transitive, allItems: all, iaIndex: all ? s.iaIndex : null };
}

/**
 * The 0-based presented position of an option label (A = 0, …, Z = 25, AA = 26, …, as
 * optionLabels assigns them); -1 for a label it never assigns.
 *
 * @example
 * labelPosition("C"); // 2
 */
export function labelPosition(label: string): number {
  const a = label.charCodeAt(0) - 65;
  if (label.length === 1) return a >= 0 && a < 26 ? a : -1;
  const b = label.charCodeAt(1) - 65;
  return label.length === 2 && a >= 0 && a < 26 && b >= 0 && b < 26 ? (a + 1) * 26 + b : -1;
}

/**
 * Choice counts of several (partner key → move → counts) maps merged into one list for
 * identification (analysis/identification.ts).
 *
 * @example
 * identify(acc.game!, pooledCounts(acc, [tally.choiceCounts.values()]));
 */
export function pooledCounts(acc: RunAccumulator, sources: Iterable<Map<number, Float64Array>>): { move: Move; counts: Float64Array }[] {
  const merged = new Map<number, Float64Array>();
  for (const byMove of sources) {
    for (const [index, c] of byMove) {
      const m = merged.get(index);
      if (!m) merged.set(index, Float64Array.from(c));
      else for (let k = 0; k < c.length; k++) m[k] += c[k];
    }
  }
  return [...merged].sort((a, b) => a[0] - b[0]).map(([index, counts]) => ({ move: acc.moveList[index], counts }));
}

/**
 * The payoff-sum distribution of uniform random answers on the primary items in `mask`: a
 * convolution over the items (few distinct sums), memoised per mask.
 */
function randomSums(acc: RunAccumulator, mask: number): { self: Float64Array; other: Float64Array; p: Float64Array } {
  const hit = acc.randomSums.get(mask);
  if (hit) return hit;
  let dist = new Map<string, [number, number, number]>([["0,0", [0, 0, 1]]]);
  for (const it of acc.items.values()) {
    if (!it.primary || !(mask & (1 << it.primaryIndex))) continue;
    const next = new Map<string, [number, number, number]>();
    const w = 1 / it.options.length;
    for (const [s, o, p] of dist.values()) {
      for (const opt of it.options) {
        const key = `${s + opt.self},${o + opt.other}`;
        const e = next.get(key);
        if (e) e[2] += p * w;
        else next.set(key, [s + opt.self, o + opt.other, p * w]);
      }
    }
    dist = next;
  }
  const entries = [...dist.values()];
  const out = { self: Float64Array.from(entries, (e) => e[0]), other: Float64Array.from(entries, (e) => e[1]), p: Float64Array.from(entries, (e) => e[2]) };
  acc.randomSums.set(mask, out);
  return out;
}

/**
 * Slider: the expected VR of a trajectory whose invalid or missing primary answers are replaced
 * by uniform random options (its valid answers kept); every answer missing gives the chance VR.
 */
function expectedSliderVR(acc: RunAccumulator, t: OpenTrajectory, target: ValueTarget): number {
  const n = acc.primaryCount;
  const missing = ((1 << n) - 1) & ~t.primaryMask;
  if (t.primaryValid === 0 || missing === (1 << n) - 1) return chanceBaseline(target);
  const r = randomSums(acc, missing);
  let e = 0;
  for (let i = 0; i < r.p.length; i++) e += r.p[i] * valueRationality(angleFromMeans((t.sumSelf + r.self[i]) / n, (t.sumOther + r.other[i]) / n), target);
  return e;
}

function closeTrajectory(acc: RunAccumulator, t: OpenTrajectory): TrajectoryRecord {
  const agent = acc.agents.get(t.agentId)!;
  const target = agent.info.value as ValueTarget;
  let angle: number | null = null;
  let invalid = false;
  let vr: number | null = null;
  let chance: number | null = null;
  let vrInvalidChance: number;
  let vrInvalidZero: number;
  if (acc.run!.method === "slider") {
    invalid = t.primaryInvalid > 0 || t.primaryValid < acc.primaryCount;
    if (!invalid) {
      angle = angleFromMeans(t.sumSelf / t.primaryValid, t.sumOther / t.primaryValid);
      vr = valueRationality(angle, target);
      chance = chanceBaseline(target);
      vrInvalidChance = vrInvalidZero = vr;
    } else {
      vrInvalidChance = expectedSliderVR(acc, t, target);
      vrInvalidZero = 0;
    }
  } else {
    // Scored over its valid decisions; invalid only when none was valid.
    invalid = t.choices === 0;
    if (!invalid) ({ vr, chance } = choiceVR(t));
    // Invalid decisions weigh in with their move's d_max, at chance distance or at d_max (VR 0 on that move).
    const dMax = t.dMax + t.invalidDMax;
    vrInvalidChance = dMax === 0 ? 1 : 1 - (t.distance + t.invalidChanceDistance) / dMax;
    vrInvalidZero = dMax === 0 ? 1 : 1 - (t.distance + t.invalidDMax) / dMax;
  }
  // Expectations from the option probabilities: only when every scored decision carried them.
  let expectedAngle: number | null = null;
  let expectedVr: number | null = null;
  if (acc.run!.method === "slider") {
    if (!invalid && t.probItems.length === acc.primaryCount && acc.primaryCount > 0) {
      expectedAngle = expectedSliderAngle(t.probItems);
      expectedVr = expectedVrOf(t.probItems, target);
    }
  } else if (!invalid && t.probChoices === t.choices) {
    expectedVr = t.probDMax === 0 ? 1 : 1 - t.probDistance / t.probDMax;
  }
  const slider = sliderAnswers(acc, t.picks);
  if (t.picks) {
    const at = acc.trajectories.length * t.picks.length;
    if (at + t.picks.length > acc.picks.length) {
      const grown = new Uint16Array(Math.max(1024 * t.picks.length, 2 * acc.picks.length));
      grown.set(acc.picks);
      acc.picks = grown;
    }
    acc.picks.set(t.picks, at);
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
    vr,
    chance,
    inCategory: angle === null ? null : inTargetCategory(angle, target),
    vrInvalidChance,
    vrInvalidZero,
    expectedAngle,
    expectedVr,
    order: t.order,
    positioned: t.positioned,
    firstChoices: t.firstChoices,
    firstChance: t.firstChance,
    transitive: slider?.transitive ?? null,
    allItems: slider?.allItems ?? false,
    iaIndex: slider?.iaIndex ?? null,
    index: acc.trajectories.length,
  };
  if (record.vr !== null) {
    const label = targetLabel(target);
    let g = acc.live.get(label);
    if (!g) acc.live.set(label, (g = { value: label, n: 0, vrSum: 0, chanceSum: 0 }));
    g.n++;
    g.vrSum += record.vr;
    g.chanceSum += record.chance!;
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
    case "trial.started":
      if (ev.orders) {
        acc.counterbalanced = true;
        acc.orders.set(ev.sessionId, { agentIds: ev.agentIds, orders: ev.orders });
      }
      break;
    case "decision.made":
    case "decision.invalid":
      recordDecision(acc, ev);
      break;
    case "model.call": {
      acc.calls++;
      acc.inputTokens += ev.inputTokens;
      acc.outputTokens += ev.outputTokens;
      addCost(acc, ev.costUsd);
      if (ev.cached) acc.cachedCalls++;
      const agent = acc.agents.get(ev.agentId);
      if (agent) {
        agent.calls++;
        agent.inputTokens += ev.inputTokens;
        agent.outputTokens += ev.outputTokens;
        addCost(agent, ev.costUsd);
        if (ev.cached) agent.cachedCalls++;
      }
      break;
    }
    case "round.settled":
      if (acc.metrics.length) recordSettled(acc, ev);
      break;
    case "trial.completed": {
      for (const m of acc.metrics) m.metric.onTrial?.(m.state, { sessionId: ev.sessionId, agentIds: ev.agentIds });
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
      acc.orders.delete(ev.sessionId);
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
export function accumulate(opts: AnalysisOptions = {}): OperatorFunction<HvaeEvent, RunAccumulator> {
  return (source: Observable<HvaeEvent>) =>
    defer(() => {
      const acc = createAccumulator(opts);
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
export function finalState(opts: AnalysisOptions = {}): OperatorFunction<HvaeEvent, RunAccumulator> {
  return (source) =>
    source.pipe(
      accumulate(opts),
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
export function analyze(opts: { seed?: number; cluster?: import("./summary.ts").ClusterOption } & AnalysisOptions = {}): OperatorFunction<HvaeEvent, import("./summary.ts").Analysis> {
  return (source) =>
    source.pipe(
      finalState(opts),
      mergeMap(async (acc) => (await import("./summary.ts")).summarize(acc, opts)),
    );
}

/** VR_cc of a live group so far (null when chance is 1: no move told good from bad behaviour). */
export function liveGroupCC(g: LiveGroup): number | null {
  const chance = g.chanceSum / g.n;
  return chance >= 1 - 1e-12 ? null : chanceCorrected(g.vrSum / g.n, chance);
}
