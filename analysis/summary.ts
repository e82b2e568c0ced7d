/**
 * The final analysis shape (what `hvae analyze --json` prints) and the step that computes it from
 * a finished accumulator: per agent, per (model, value, condition) group like the paper's table,
 * and per (own value, partner value) cell. Angles are degrees, sets and intervals [low, high].
 *
 * @example
 * const analysis = await summarize(acc);
 * console.log(JSON.stringify(analysis.summary, null, 2));
 */
import { costOf } from "../src/core/money.ts";
import type { ValueSpec } from "../src/core/events.ts";
import { hashSeed } from "../src/core/random.ts";
import { clusterBootstrapCI } from "./bootstrap.ts";
import { InputError } from "../src/core/errors.ts";
import { createConsistency, itemDistributions, type Consistency, type ItemDistribution } from "./consistency.ts";
import { identify, type Identification } from "./identification.ts";
import { firstOption, orderEffect, type OrderEffect } from "./position-bias.ts";
import { partnerValueKey, pooledCounts, type AgentTally, type AngleMethod, type RunAccumulator, type TrajectoryRecord } from "./operators.ts";
import { probabilitySummary, type ProbabilitySummary } from "./probability-summary.ts";
import { clusteredWilson } from "./proportion.ts";
import { circularMean, DEFAULT_BOOTSTRAP, loadStats, resamplesFor, type BootstrapSettings, type Described } from "./stats.ts";
import { CATEGORIES, categorize, type Category } from "./svo.ts";
import { chanceBaseline, chanceCorrected, inTargetCategory, valueRationality } from "./value-rationality.ts";
import { idealSet, targetCategory, targetLabel, type ValueTarget } from "./value-target.ts";

export type Interval = [number, number];

export interface RunSummary {
  id: string;
  scenario: string;
  game: string;
  seed: number;
  /**
   * "slider": angle from the chosen payoffs on the primary items (METHOD §3); "choices": VR on the
   * game's own options and the angle as a set unless identified (METHOD §8–10).
   */
  method: AngleMethod;
  /** How this game's numbers are to be read, when that differs from the slider's; else null. */
  note: string | null;
  status: string | null;
  events: number;
  decisions: number;
  invalidDecisions: number;
  invalidRate: number | null;
  trajectories: number;
  invalidTrajectories: number;
  /** Trajectories whose session never completed (interrupted run); not scored. */
  incompleteTrajectories: number;
  modelCalls: number;
  cachedCalls: number;
  inputTokens: number;
  outputTokens: number;
  /** USD; null when any call had no known price (then `pricedCostUsd` is the known part). */
  costUsd: number | null;
  pricedCostUsd: number;
  /** Model calls whose model has no known price (their cost is unknown, not 0). */
  unpricedCalls: number;
  /**
   * Interval settings: `unit` is the independent unit (cluster) of group and cell intervals,
   * `agentUnit` that of agent rows; `vrInterval` how VR means get theirs (Student t over the
   * clusters, METHOD §12), `angleInterval` how angles get theirs (`resamples` applies to it).
   */
  bootstrap: { seed: number; level: number; resamples: number; unit: BootstrapUnit; agentUnit: BootstrapUnit; vrInterval: "t"; angleInterval: "circular-percentile-bootstrap" };
}

/** What `--cluster` asks for; `none` resamples trajectories. */
export const CLUSTER_OPTIONS = ["none", "agent", "partner", "pair"] as const;
export type ClusterOption = (typeof CLUSTER_OPTIONS)[number];
/** The resampled unit as written in `run.bootstrap.unit`. */
export type BootstrapUnit = "trajectory" | "agent" | "partner" | "pair";

/**
 * The default cluster: the independent unit of the design. Fixed pairs → pair; partners that vary
 * (round-robin, random) → partner; no pairing → agent when a group holds several agents (a
 * population), else the trajectory.
 *
 * @example
 * defaultCluster("fixed", false); // "pair"
 */
export function defaultCluster(pairing: string, population: boolean): ClusterOption {
  if (pairing === "fixed") return "pair";
  if (pairing === "round-robin" || pairing === "random") return "partner";
  return population ? "agent" : "none";
}

const unitOf = (c: ClusterOption): BootstrapUnit => (c === "none" ? "trajectory" : c);

/** The cluster key of a trajectory, or undefined for plain trajectory resampling. */
function clusterKeyOf(c: ClusterOption): ((t: TrajectoryRecord) => string) | undefined {
  switch (c) {
    case "none":
      return undefined;
    case "agent":
      return (t) => t.agentId;
    case "partner":
      return (t) => t.partnerId ?? `session:${t.sessionId}`;
    case "pair":
      return (t) => (t.partnerId === null ? `session:${t.sessionId}` : [t.agentId, t.partnerId].sort().join("\u0000"));
  }
}

/**
 * The cluster of a trajectory for a resampled unit (`trajectory`: the trajectory itself), as the
 * summary's intervals use it; `hvae compare` resamples the same clusters.
 *
 * @example
 * clusterOfUnit("pair")(t); // "a1\u0000a2" for either agent of the pair
 */
export function clusterOfUnit(unit: BootstrapUnit): (t: TrajectoryRecord) => string {
  return clusterKeyOf(unit === "trajectory" ? "none" : unit) ?? ((t) => `${t.sessionId}\u0000${t.agentId}`);
}

/** Checks a `--cluster` value; the message names the flag and the choices. */
export function parseCluster(value: string | undefined, usage: string): ClusterOption | undefined {
  if (value === undefined) return undefined;
  if (!(CLUSTER_OPTIONS as readonly string[]).includes(value)) throw new InputError(`--cluster: expected ${CLUSTER_OPTIONS.join("|")}, got '${value}'\nusage: ${usage}`);
  return value as ClusterOption;
}

/** What the choices say about the utility angle (METHOD §10); the slider's angle is always identified when present. */
export interface AngleIdentification {
  /** False: `angle` is null and `reason` says why; `angleSet` holds what the choices do say. */
  identified: boolean;
  /** Choices games: intervals of utility angles (degrees) fitting the choices; null on the slider. */
  angleSet: Interval[] | null;
  reason: string | null;
}

export interface AgentSummary extends AngleIdentification {
  id: string;
  type: string;
  model: string | null;
  /** The prompt condition (null: none), as in the agent's group. */
  condition: string | null;
  value: ValueSpec;
  /** The target's ideal set on the slider (degrees); null on choices games (ideal sets are per decision). */
  targetSet: Interval | null;
  trajectories: number;
  /** Trajectories without a score (slider: an invalid primary answer; choices: no valid decision). */
  invalid: number;
  angle: number | null;
  angleCI: Interval | null;
  category: Category | null;
  categoryAccuracy: number | null;
  vr: number | null;
  vrCI: Interval | null;
  /** Expected VR of a uniform random chooser (choices games: on the moves as presented; null without scored trajectories). */
  vrChance: number | null;
  vrCC: number | null;
  /** Sensitivity to invalid answers (METHOD §12): every trajectory, invalid answers at chance / at 0. */
  vrInvalidChance: number | null;
  vrInvalidChanceCI: Interval | null;
  vrInvalidZero: number | null;
  vrInvalidZeroCI: Interval | null;
  /** Invalid decisions / decisions, with a design-effect Wilson interval (METHOD §12). */
  invalidRate: number | null;
  invalidRateCI: Interval | null;
  /** Position bias (METHOD §14): share of valid decisions on the first option shown, and its chance 1/k. */
  firstOptionShare: number | null;
  firstOptionChance: number | null;
  /** Counterbalanced runs: angle and VR in reversed minus printed option order; null otherwise. */
  orderEffect: OrderEffect | null;
  /** Transitivity, inequality aversion, test–retest agreement and drift over trials (METHOD §15). */
  consistency: Consistency;
}

export interface TrialPoint {
  trial: number;
  n: number;
  angle: number | null;
  /** Mean VR of the trial's scored trajectories and its 95 % t interval over the clusters (METHOD §12). */
  vr: number | null;
  vrCI: Interval | null;
}

export interface GroupSummary extends AngleIdentification {
  /** The model reference, or the agent type for rule-based agents. */
  model: string;
  value: string;
  condition: string | null;
  agents: number;
  /** Scored trajectories. */
  n: number;
  trajectories: number;
  invalid: number;
  decisions: number;
  invalidDecisions: number;
  invalidRate: number | null;
  /** Wilson interval at the design-effect sample size, clusters = the bootstrap unit (METHOD §12). */
  invalidRateCI: Interval | null;
  angle: number | null;
  angleSD: number | null;
  angleCI: Interval | null;
  category: Category | null;
  categoryAccuracy: number | null;
  vr: number | null;
  vrCI: Interval | null;
  vrChance: number | null;
  vrCC: number | null;
  vrCCCI: Interval | null;
  /** VR over every trajectory with invalid answers at chance (`vr` drops invalid trajectories). */
  vrInvalidChance: number | null;
  vrInvalidChanceCI: Interval | null;
  /** VR over every trajectory with invalid answers scored 0. */
  vrInvalidZero: number | null;
  vrInvalidZeroCI: Interval | null;
  inputTokens: number;
  outputTokens: number;
  /** USD; null when any call had no known price (then `pricedCostUsd` is the known part). */
  costUsd: number | null;
  pricedCostUsd: number;
  unpricedCalls: number;
  trials: TrialPoint[];
  firstOptionShare: number | null;
  firstOptionChance: number | null;
  orderEffect: OrderEffect | null;
  consistency: Consistency;
}

/**
 * Angle and VR of one group (the groups table's key: model, condition, value) with partners of
 * one value; never pooled across models, agent types or conditions.
 */
export interface InteractionCell extends AngleIdentification {
  model: string;
  condition: string | null;
  value: string;
  /** The partner's value label, or "none" for the imaginary other. */
  partnerValue: string;
  n: number;
  angle: number | null;
  angleCI: Interval | null;
  vr: number | null;
  vrCI: Interval | null;
  vrChance: number | null;
  vrCC: number | null;
  vrCCCI: Interval | null;
}

/** The same cell for one agent (its intervals resample as the agent rows do: `run.bootstrap.agentUnit`). */
export interface AgentInteractionCell extends InteractionCell {
  agentId: string;
}

/** A game measure (METHOD §11): the run's mean, per group (model × value × condition) and per agent. */
export interface MeasureSummary {
  name: string;
  summary: string;
  unit: string;
  /** Mean over the run's observations (null: none). */
  value: number | null;
  n: number;
  /**
   * 95 % interval of `value`: a cluster bootstrap resampling agents (an agent's observations
   * together; METHOD §11); null from fewer than two agents with observations.
   */
  ci: [number, number] | null;
  /** What the interval resamples. */
  ciUnit: "agent";
  groups: { model: string; value: string; condition: string | null; mean: number | null; n: number; ci: [number, number] | null }[];
  agents: Record<string, number | null>;
}

/** Exactly what `hvae analyze --json` prints. */
export interface Summary {
  run: RunSummary;
  agents: AgentSummary[];
  groups: GroupSummary[];
  /** Per group × partner value. */
  interactions: InteractionCell[];
  /** Per agent × partner value. */
  agentInteractions: AgentInteractionCell[];
  /** The game measures that apply to the run's game ([] on the slider). */
  measures: MeasureSummary[];
  /** From the models' option probabilities (METHOD §13); null when no decision carried them. */
  probabilities: ProbabilitySummary | null;
  /** Per group and item: the choices of each canonical option (METHOD §15). */
  items: ItemDistribution[];
}

export interface AgentTrialPoint extends TrialPoint {
  agentId: string;
}

/** The summary plus the per-trajectory detail the report and CSVs use. */
export interface Analysis {
  summary: Summary;
  trajectories: readonly TrajectoryRecord[];
  /** Empty when summarize was asked for no trial points ({@link SummarizeOptions}). */
  agentTrials: AgentTrialPoint[];
}

/** Sort key for value labels: the four categories in the paper's order, then angles descending. */
export function valueRank(label: string): number {
  const i = CATEGORIES.indexOf(label as Category);
  if (i >= 0) return i;
  const n = parseFloat(label);
  return Number.isFinite(n) ? 10 + (180 - n) : 1000;
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    let list = m.get(k);
    if (!list) m.set(k, (list = []));
    list.push(x);
  }
  return m;
}

/** The non-null values of one field. A plain loop: these run over every trajectory several times. */
function present(xs: readonly TrajectoryRecord[], field: "angle" | "vr"): number[] {
  const out: number[] = [];
  for (const t of xs) {
    const v = t[field];
    if (v !== null) out.push(v);
  }
  return out;
}

function count<T>(xs: readonly T[], test: (x: T) => boolean): number {
  let n = 0;
  for (const x of xs) if (test(x)) n++;
  return n;
}

function trialPoints(
  records: readonly TrajectoryRecord[],
  mean: (xs: readonly number[]) => number | null,
  describeVr: (xs: readonly TrajectoryRecord[], trial: number) => Described,
): TrialPoint[] {
  const byTrial = new Map<number, TrajectoryRecord[]>();
  for (const t of records) {
    let ts = byTrial.get(t.trial);
    if (!ts) byTrial.set(t.trial, (ts = []));
    ts.push(t);
  }
  return [...byTrial.entries()]
    .map(([trial, ts]) => {
      const angles = present(ts, "angle");
      const v = describeVr(ts, trial);
      return { trial, n: angles.length, angle: mean(angles), vr: v.mean, vrCI: v.ci };
    })
    .sort((a, b) => a.trial - b.trial);
}

const ccInterval = (ci: Interval | null, chance: number | null): Interval | null =>
  ci && chance !== null && chance < 1 - 1e-12 ? [chanceCorrected(ci[0], chance), chanceCorrected(ci[1], chance)] : null;

/** VR_cc, or null when there is no VR or chance is 1 (no decision told good from bad behaviour). */
const ccOf = (vr: number | null, chance: number | null): number | null =>
  vr === null || chance === null || chance >= 1 - 1e-12 ? null : chanceCorrected(vr, chance);

/** The mean chance VR of the scored trajectories (choices games: it depends on the moves presented). */
function meanChance(xs: readonly TrajectoryRecord[]): number | null {
  let n = 0;
  let sum = 0;
  for (const t of xs) {
    if (t.vr === null || t.chance === null) continue;
    n++;
    sum += t.chance;
  }
  return n ? sum / n : null;
}

const SLIDER_IDENTIFIED = (angle: number | null): AngleIdentification => ({
  identified: angle !== null,
  angleSet: null,
  reason: angle === null ? "no scored trajectory" : null,
});

const fromIdentification = (id: Identification): AngleIdentification => ({
  identified: id.identified,
  angleSet: id.angleSet,
  reason: id.reason,
});

/** Options of {@link summarize}. */
export interface SummarizeOptions {
  readonly seed?: number;
  readonly cluster?: ClusterOption;
  /**
   * False: skip the per-agent, per-trial points (`agentTrials` is then empty; nothing else
   * changes). One point per agent and trial, so a caller that shows only the tables (the table
   * `hvae run` prints) need not hold them.
   */
  readonly agentTrials?: boolean;
}

/**
 * Computes the analysis of a finished accumulator (bootstrap seeds fixed: same log, same numbers).
 *
 * @example
 * const { summary } = await summarize(acc, { seed: 7 });
 */
export async function summarize(acc: RunAccumulator, opts: SummarizeOptions = {}): Promise<Analysis> {
  const run = acc.run;
  if (!run) throw new Error("no run.started event in the stream");
  // Each scored unit (a trajectory) enters six samples (agent, group and cell; angle and VR).
  const units = acc.trajectories.length;
  const settings: BootstrapSettings = {
    ...DEFAULT_BOOTSTRAP,
    resamples: resamplesFor(6 * units),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
  };
  const stats = await loadStats(settings);
  // Position bias and consistency draw on a budget of their own, so the intervals above keep their resamples.
  const extra = { seed: settings.seed, level: settings.level, resamples: resamplesFor(8 * units) };
  const consistency = createConsistency(acc, extra);
  const biasOf = (ts: readonly TrajectoryRecord[], key: string, unit: ((t: TrajectoryRecord) => string) | undefined) => {
    const first = firstOption(ts);
    return {
      firstOptionShare: first.share,
      firstOptionChance: first.chance,
      orderEffect: acc.counterbalanced ? orderEffect(ts, slider, unit, { ...extra, seed: hashSeed(extra.seed, key, "order") }) : null,
      consistency: consistency.of(ts, key, unit),
    };
  };
  const slider = run.method === "slider";
  const game = acc.game!;
  const byAgent = groupBy(acc.trajectories, (t) => t.agentId);
  // Intervals resample the design's independent unit (METHOD §12). Agent rows cannot resample
  // agents, so an agent-clustered run resamples partners (or trajectories) within each agent.
  const population = [...groupBy([...acc.agents.values()], (a) => JSON.stringify([a.info.model ?? a.info.type, targetLabel(a.info.value), a.info.condition])).values()].some((m) => m.length > 1);
  const cluster = opts.cluster ?? defaultCluster(run.pairing, population);
  const agentCluster: ClusterOption = cluster === "agent" ? (run.pairing === "none" ? "none" : "partner") : cluster;
  const groupKeyOf = clusterKeyOf(cluster);
  const agentKeyOf = clusterKeyOf(agentCluster);
  const keysOf = (xs: readonly TrajectoryRecord[], field: "angle" | "vr", key: ((t: TrajectoryRecord) => string) | undefined) =>
    key ? xs.filter((t) => t[field] !== null).map(key) : undefined;
  const angleOf = (xs: readonly TrajectoryRecord[]) => present(xs, "angle");
  const vrOf = (xs: readonly TrajectoryRecord[]) => present(xs, "vr");
  /** VR with invalid answers at chance and at 0, over every trajectory; the VR sample itself when nothing was invalid. */
  const sensitivity = (xs: readonly TrajectoryRecord[], key: string, clusterKey: ((t: TrajectoryRecord) => string) | undefined, v: Described) => {
    if (xs.every((t) => t.vr !== null && t.vrInvalidChance === t.vr && t.vrInvalidZero === t.vr)) {
      return { vrInvalidChance: v.mean, vrInvalidChanceCI: v.ci, vrInvalidZero: v.mean, vrInvalidZeroCI: v.ci };
    }
    const clusters = clusterKey ? xs.map(clusterKey) : undefined;
    const c = stats.describe(xs.map((t) => t.vrInvalidChance), `${key}:vrInvalidChance`, clusters);
    const z = stats.describe(xs.map((t) => t.vrInvalidZero), `${key}:vrInvalidZero`, clusters);
    return { vrInvalidChance: c.mean, vrInvalidChanceCI: c.ci, vrInvalidZero: z.mean, vrInvalidZeroCI: z.ci };
  };
  /** The invalid-decision rate's interval: clusters of the resampled unit (each trajectory for `none`). */
  const invalidCI = (xs: readonly TrajectoryRecord[], clusterKey: ((t: TrajectoryRecord) => string) | undefined, p: number | null, n: number): Interval | null => {
    if (p === null) return null;
    const index = new Map<string, number>();
    const bad: number[] = [];
    const all: number[] = [];
    xs.forEach((t, i) => {
      const k = clusterKey ? clusterKey(t) : String(i);
      let j = index.get(k);
      if (j === undefined) {
        index.set(k, (j = all.length));
        bad.push(0);
        all.push(0);
      }
      bad[j] += t.invalidDecisions;
      all[j] += t.decisions;
    });
    return clusteredWilson(bad, all, { p, n, level: settings.level });
  };
  const accuracy = (xs: readonly TrajectoryRecord[]) => {
    const scored = count(xs, (t) => t.inCategory !== null);
    return scored ? count(xs, (t) => t.inCategory === true) / scored : null;
  };

  // Per agent. Choices games: VR per trajectory as on the slider; θ identified from all the agent's choices.
  const identified = new Map<string, Identification>();
  const agents: AgentSummary[] = [...acc.agents.values()].map((tally) => {
    const info = tally.info;
    const target = info.value as ValueTarget;
    const ts = byAgent.get(info.id) ?? [];
    const v = stats.describe(vrOf(ts), `agent:${info.id}:vr`, keysOf(ts, "vr", agentKeyOf));
    let angle: number | null, angleCI: Interval | null, categoryAccuracy: number | null, chance: number | null;
    let ident: AngleIdentification;
    if (slider) {
      const a = stats.describeAngles(angleOf(ts), `agent:${info.id}:angle`, keysOf(ts, "angle", agentKeyOf));
      [angle, angleCI, categoryAccuracy] = [a.mean, a.ci, accuracy(ts)];
      chance = chanceBaseline(target);
      ident = SLIDER_IDENTIFIED(angle);
    } else {
      const id = identify(game, pooledCounts(acc, tally.choiceCounts.values()));
      identified.set(info.id, id);
      [angle, angleCI] = [id.angle, id.angleCI];
      categoryAccuracy = id.angle === null ? null : categorize(id.angle) === targetCategory(target) ? 1 : 0;
      chance = meanChance(ts);
      ident = fromIdentification(id);
    }
    // Field order is the documented --json order.
    return {
      id: info.id,
      type: info.type,
      model: info.model,
      condition: info.condition,
      value: info.value,
      targetSet: slider ? idealSet(target) : null,
      trajectories: ts.length,
      invalid: count(ts, (t) => t.invalid),
      angle,
      angleCI,
      ...ident,
      category: angle === null ? null : categorize(angle),
      categoryAccuracy,
      vr: v.mean,
      vrCI: v.ci,
      vrChance: chance,
      vrCC: ccOf(v.mean, chance),
      ...sensitivity(ts, `agent:${info.id}`, agentKeyOf, v),
      invalidRate: tally.decisions ? tally.invalidDecisions / tally.decisions : null,
      invalidRateCI: invalidCI(ts, agentKeyOf, tally.decisions ? tally.invalidDecisions / tally.decisions : null, tally.decisions),
      ...biasOf(ts, `agent:${info.id}`, agentKeyOf),
    };
  });

  // Per (model, value, condition): the paper's table.
  const groupKey = (id: string) => {
    const info = acc.agents.get(id)!.info;
    return JSON.stringify([info.model ?? info.type, targetLabel(info.value), info.condition]);
  };
  const agentGroups = groupBy([...acc.agents.values()], (a) => groupKey(a.info.id));
  const groups: GroupSummary[] = [...agentGroups.entries()].map(([key, members]) => {
    const [model, value, condition] = JSON.parse(key) as [string, string, string | null];
    const target = members[0].info.value as ValueTarget;
    const ts = members.flatMap((m) => byAgent.get(m.info.id) ?? []);
    let a: Described;
    let catAcc: number | null;
    let chance: number | null;
    let ident: AngleIdentification;
    const v = stats.describe(vrOf(ts), `group:${key}:vr`, keysOf(ts, "vr", groupKeyOf));
    if (slider) {
      a = stats.describeAngles(angleOf(ts), `group:${key}:angle`, keysOf(ts, "angle", groupKeyOf));
      catAcc = accuracy(ts);
      chance = chanceBaseline(target);
      ident = SLIDER_IDENTIFIED(a.mean);
    } else {
      // The group's choices pooled; category accuracy over the members whose θ is identified.
      const id = identify(game, pooledCounts(acc, members.flatMap((m) => [...m.choiceCounts.values()])));
      a = { n: ts.length, mean: id.angle, sd: null, ci: id.angleCI };
      const ids = members.map((m) => identified.get(m.info.id)!).filter((x) => x.angle !== null);
      catAcc = ids.length ? ids.filter((x) => categorize(x.angle!) === targetCategory(target)).length / ids.length : null;
      chance = meanChance(ts);
      ident = fromIdentification(id);
    }
    const sum = (f: (m: (typeof members)[number]) => number) => members.reduce((s, m) => s + f(m), 0);
    const decisions = sum((m) => m.decisions);
    const invalidDecisions = sum((m) => m.invalidDecisions);
    return {
      model,
      value,
      condition,
      agents: members.length,
      n: slider ? a.n : v.n,
      trajectories: ts.length,
      invalid: count(ts, (t) => t.invalid),
      decisions,
      invalidDecisions,
      invalidRate: decisions ? invalidDecisions / decisions : null,
      invalidRateCI: invalidCI(ts, groupKeyOf, decisions ? invalidDecisions / decisions : null, decisions),
      angle: a.mean,
      angleSD: a.sd,
      angleCI: a.ci,
      ...ident,
      category: a.mean === null ? null : categorize(a.mean),
      categoryAccuracy: catAcc,
      vr: v.mean,
      vrCI: v.ci,
      vrChance: chance,
      vrCC: ccOf(v.mean, chance),
      vrCCCI: ccInterval(v.ci, chance),
      ...sensitivity(ts, `group:${key}`, groupKeyOf, v),
      inputTokens: sum((m) => m.inputTokens),
      outputTokens: sum((m) => m.outputTokens),
      ...costOf({ pricedCostUsd: sum((m) => m.pricedCostUsd), unpricedCalls: sum((m) => m.unpricedCalls) }),
      trials: trialPoints(ts, circularMean, (xs, trial) => stats.describe(vrOf(xs), `group:${key}:trial:${trial}:vr`, keysOf(xs, "vr", groupKeyOf))),
      ...biasOf(ts, `group:${key}`, groupKeyOf),
    };
  });
  groups.sort(
    (x, y) =>
      x.model.localeCompare(y.model) ||
      String(x.condition).localeCompare(String(y.condition)) ||
      valueRank(x.value) - valueRank(y.value),
  );

  // Angle and VR conditional on the partner's value, per group (never pooled across kinds) and per agent.
  // One key per (agent, partner value), made once: a memo per (agent, partner) grew with the
  // trajectories under random matching (a new pair almost every session, ~110 B each).
  const partnerValues = new Map<string | null, string>();
  const cellKeys = new Map<string, Map<string, string>>();
  const byAgentPartner = groupBy(acc.trajectories, (t) => {
    let value = partnerValues.get(t.partnerId);
    if (value === undefined) partnerValues.set(t.partnerId, (value = partnerValueKey(acc, t.partnerId)));
    let keys = cellKeys.get(t.agentId);
    if (!keys) cellKeys.set(t.agentId, (keys = new Map()));
    let key = keys.get(value);
    if (key === undefined) keys.set(value, (key = JSON.stringify([t.agentId, value])));
    return key;
  });
  /** One cell: its trajectories, the tallies whose choices it pools (choices games) and the partner value. */
  const cellOf = (key: string, ts: readonly TrajectoryRecord[], members: readonly AgentTally[], partnerValue: string, clusterKey: ((t: TrajectoryRecord) => string) | undefined) => {
    const target = members[0].info.value as ValueTarget;
    const v = stats.describe(vrOf(ts), `${key}:vr`, keysOf(ts, "vr", clusterKey));
    let angle: number | null, angleCI: Interval | null, ident: AngleIdentification, chance: number | null;
    if (slider) {
      const a = stats.describeAngles(angleOf(ts), `${key}:angle`, keysOf(ts, "angle", clusterKey));
      [angle, angleCI, ident, chance] = [a.mean, a.ci, SLIDER_IDENTIFIED(a.mean), chanceBaseline(target)];
    } else {
      const sources = members.map((m) => m.choiceCounts.get(partnerValue)).filter((c): c is Map<number, Float64Array> => c !== undefined);
      const id = identify(game, pooledCounts(acc, sources));
      [angle, angleCI, ident, chance] = [id.angle, id.angleCI, fromIdentification(id), meanChance(ts)];
    }
    return {
      n: slider ? angleOf(ts).length : v.n,
      angle,
      angleCI,
      ...ident,
      vr: v.mean,
      vrCI: v.ci,
      vrChance: chance,
      vrCC: ccOf(v.mean, chance),
      vrCCCI: ccInterval(v.ci, chance),
    };
  };
  const interactions: InteractionCell[] = [];
  const agentInteractions: AgentInteractionCell[] = [];
  const groupCells = new Map<string, { members: Set<AgentTally>; ts: TrajectoryRecord[] }>();
  const cellGroupKey = new Map<string, string>();
  for (const [key, ts] of byAgentPartner) {
    const [agentId, partnerValue] = JSON.parse(key) as [string, string];
    const tally = acc.agents.get(agentId)!;
    const info = tally.info;
    const gkey = JSON.stringify([info.model ?? info.type, targetLabel(info.value), info.condition, partnerValue]);
    cellGroupKey.set(key, gkey);
    let g = groupCells.get(gkey);
    if (!g) groupCells.set(gkey, (g = { members: new Set(), ts: [] }));
    g.members.add(tally);
    for (const t of ts) g.ts.push(t);
  }
  const groupCellOut = new Map<string, InteractionCell>();
  for (const [key, g] of groupCells) {
    const [model, value, condition, partnerValue] = JSON.parse(key) as [string, string, string | null, string];
    const cell = { model, condition, value, partnerValue, ...cellOf(`cell:${key}`, g.ts, [...g.members], partnerValue, groupKeyOf) };
    groupCellOut.set(key, cell);
    interactions.push(cell);
  }
  for (const [key, ts] of byAgentPartner) {
    const [agentId] = JSON.parse(key) as [string, string];
    const gkey = cellGroupKey.get(key)!;
    const g = groupCells.get(gkey)!;
    // An agent alone in its group cell, resampled by the same unit, has the group's cell: computed once.
    const same = g.members.size === 1 && agentCluster === cluster;
    const cell = same ? groupCellOut.get(gkey)! : (() => {
      const c = groupCellOut.get(gkey)!;
      return { model: c.model, condition: c.condition, value: c.value, partnerValue: c.partnerValue, ...cellOf(`acell:${key}`, ts, [acc.agents.get(agentId)!], c.partnerValue, agentKeyOf) };
    })();
    agentInteractions.push({ agentId, ...cell });
  }
  const cellOrder = (x: InteractionCell, y: InteractionCell) =>
    x.model.localeCompare(y.model) ||
    String(x.condition).localeCompare(String(y.condition)) ||
    valueRank(x.value) - valueRank(y.value) ||
    valueRank(x.partnerValue) - valueRank(y.partnerValue);
  interactions.sort(cellOrder);
  agentInteractions.sort((x, y) => cellOrder(x, y) || x.agentId.localeCompare(y.agentId));

  const agentTrials: AgentTrialPoint[] = [];
  if (opts.agentTrials !== false) for (const [agentId, ts] of byAgent) {
    for (const p of trialPoints(ts, circularMean, (xs, trial) => stats.describe(vrOf(xs), `agent:${agentId}:trial:${trial}:vr`, keysOf(xs, "vr", agentKeyOf)))) agentTrials.push({ agentId, ...p });
  }

  // Game measures, pooled per group from the agents' sums; intervals resample agents (an agent's
  // observations, and the trials it shares with its group, stay together).
  const measureCI = (tallies: readonly { sum: number; n: number }[], key: string): [number, number] | null => {
    const kept = tallies.filter((t) => t.n > 0);
    if (kept.length < 2) return null;
    return clusterBootstrapCI(
      { sums: kept.map((t) => t.sum), counts: kept.map((t) => t.n) },
      { seed: hashSeed(settings.seed, key), resamples: settings.resamples, level: settings.level },
    );
  };
  const measures: MeasureSummary[] = acc.metrics.map(({ metric, state }) => {
    const r = metric.report(state);
    const agentsOut: Record<string, number | null> = {};
    for (const info of acc.agents.values()) {
      const t = r.agents.get(info.info.id);
      agentsOut[info.info.id] = t && t.n ? t.sum / t.n : null;
    }
    const groupsOut = groups.map((g) => {
      let sum = 0;
      let n = 0;
      const tallies: { sum: number; n: number }[] = [];
      for (const m of agentGroups.get(JSON.stringify([g.model, g.value, g.condition])) ?? []) {
        const t = r.agents.get(m.info.id);
        if (t) {
          sum += t.sum;
          n += t.n;
          tallies.push(t);
        }
      }
      const ci = measureCI(tallies, `measure:${metric.name}:${g.model}:${g.value}:${g.condition ?? ""}`);
      return { model: g.model, value: g.value, condition: g.condition, mean: n ? sum / n : null, n, ci };
    });
    return {
      name: metric.name,
      summary: metric.summary,
      unit: metric.unit,
      value: r.run.n ? r.run.sum / r.run.n : null,
      n: r.run.n,
      ci: measureCI([...r.agents.values()], `measure:${metric.name}`),
      ciUnit: "agent",
      groups: groupsOut,
      agents: agentsOut,
    };
  });

  const summary: Summary = {
    run: {
      id: run.id,
      scenario: run.scenario,
      game: run.game,
      seed: run.seed,
      method: run.method,
      note: slider
        ? null
        : "scored on the game's own choices: VR per decision against the target's ideal options, chance on the moves as presented; the utility angle is a set unless the logit fit identifies it (docs/METHOD.md §8–10)",
      status: acc.status,
      events: acc.events,
      decisions: acc.decisions,
      invalidDecisions: acc.invalidDecisions,
      invalidRate: acc.decisions ? acc.invalidDecisions / acc.decisions : null,
      trajectories: acc.trajectories.length,
      invalidTrajectories: count(acc.trajectories, (t) => t.invalid),
      incompleteTrajectories: acc.open.size,
      modelCalls: acc.calls,
      cachedCalls: acc.cachedCalls,
      inputTokens: acc.inputTokens,
      outputTokens: acc.outputTokens,
      ...costOf(acc),
      bootstrap: { seed: settings.seed, level: settings.level, resamples: settings.resamples, unit: unitOf(cluster), agentUnit: unitOf(agentCluster), vrInterval: "t", angleInterval: "circular-percentile-bootstrap" },
    },
    agents,
    groups,
    interactions,
    agentInteractions,
    measures,
    probabilities: probabilitySummary(acc),
    items: itemDistributions(acc, groups, (g) => (agentGroups.get(JSON.stringify([g.model, g.value, g.condition])) ?? []).map((m) => m.info.id)),
  };
  return { summary, trajectories: acc.trajectories, agentTrials };
}
