/**
 * The final analysis shape (what `hvae analyze --json` prints) and the step that computes it from
 * a finished accumulator: per agent, per (model, value, condition) group like the paper's table,
 * and per (own value, partner value) cell. Angles are degrees, sets and intervals [low, high].
 *
 * @example
 * const analysis = await summarize(acc);
 * console.log(JSON.stringify(analysis.summary, null, 2));
 */
import type { ValueSpec } from "../src/core/events.ts";
import { fitCounts, partnerValueKey, type AngleMethod, type RunAccumulator, type TrajectoryRecord } from "./operators.ts";
import { DEFAULT_BOOTSTRAP, loadStats, resamplesFor, type BootstrapSettings, type Described } from "./stats.ts";
import { CATEGORIES, categorize, type Category } from "./svo.ts";
import { chanceBaseline, chanceCorrected, inTargetCategory, valueRationality } from "./value-rationality.ts";
import { idealSet, targetLabel, type ValueTarget } from "./value-target.ts";

export type Interval = [number, number];

export interface RunSummary {
  id: string;
  scenario: string;
  game: string;
  seed: number;
  /** "slider": angle from the chosen payoffs on the primary items; "logit": ML fit (METHOD §7). */
  method: AngleMethod;
  /** Why angles are missing when the game cannot identify them, else null. */
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
  costUsd: number;
  bootstrap: { seed: number; level: number; resamples: number };
}

export interface AgentSummary {
  id: string;
  type: string;
  model: string | null;
  value: ValueSpec;
  targetSet: Interval;
  trajectories: number;
  /** Trajectories without an angle because of an invalid primary answer. */
  invalid: number;
  angle: number | null;
  angleCI: Interval | null;
  category: Category | null;
  categoryAccuracy: number | null;
  vr: number | null;
  vrCI: Interval | null;
  vrChance: number;
  vrCC: number | null;
}

export interface TrialPoint {
  trial: number;
  n: number;
  angle: number | null;
}

export interface GroupSummary {
  /** The model reference, or the agent type for rule-based agents. */
  model: string;
  value: string;
  condition: string | null;
  agents: number;
  /** Scored units: trajectories (slider) or agents (logit). */
  n: number;
  trajectories: number;
  invalid: number;
  decisions: number;
  invalidDecisions: number;
  invalidRate: number | null;
  angle: number | null;
  angleSD: number | null;
  angleCI: Interval | null;
  category: Category | null;
  categoryAccuracy: number | null;
  vr: number | null;
  vrCI: Interval | null;
  vrChance: number;
  vrCC: number | null;
  vrCCCI: Interval | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  trials: TrialPoint[];
}

export interface InteractionCell {
  value: string;
  /** The partner's value label, or "none" for the imaginary other. */
  partnerValue: string;
  n: number;
  angle: number | null;
  angleCI: Interval | null;
  vr: number | null;
  vrCI: Interval | null;
  vrCC: number | null;
}

/** Exactly what `hvae analyze --json` prints. */
export interface Summary {
  run: RunSummary;
  agents: AgentSummary[];
  groups: GroupSummary[];
  interactions: InteractionCell[];
}

export interface AgentTrialPoint extends TrialPoint {
  agentId: string;
}

/** The summary plus the per-trajectory detail the report and CSVs use. */
export interface Analysis {
  summary: Summary;
  trajectories: readonly TrajectoryRecord[];
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

function trialPoints(records: readonly TrajectoryRecord[], mean: (xs: number[]) => number | null): TrialPoint[] {
  const byTrial = new Map<number, number[]>();
  for (const t of records) {
    let angles = byTrial.get(t.trial);
    if (!angles) byTrial.set(t.trial, (angles = []));
    if (t.angle !== null) angles.push(t.angle);
  }
  return [...byTrial.entries()]
    .map(([trial, angles]) => ({ trial, n: angles.length, angle: mean(angles) }))
    .sort((a, b) => a.trial - b.trial);
}

const ccInterval = (ci: Interval | null, chance: number): Interval | null =>
  ci ? [chanceCorrected(ci[0], chance), chanceCorrected(ci[1], chance)] : null;

/**
 * Computes the analysis of a finished accumulator (bootstrap seeds fixed: same log, same numbers).
 *
 * @example
 * const { summary } = await summarize(acc, { seed: 7 });
 */
export async function summarize(acc: RunAccumulator, opts: { seed?: number } = {}): Promise<Analysis> {
  const run = acc.run;
  if (!run) throw new Error("no run.started event in the stream");
  // Each scored unit enters six samples (agent, group and cell; angle and VR).
  const units = run.method === "slider" ? acc.trajectories.length : acc.agents.size;
  const settings: BootstrapSettings = {
    ...DEFAULT_BOOTSTRAP,
    resamples: resamplesFor(6 * units),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
  };
  const stats = await loadStats(settings);
  const slider = run.method === "slider";
  const byAgent = groupBy(acc.trajectories, (t) => t.agentId);
  const angleOf = (xs: readonly TrajectoryRecord[]) => present(xs, "angle");
  const vrOf = (xs: readonly TrajectoryRecord[]) => present(xs, "vr");
  const accuracy = (xs: readonly TrajectoryRecord[]) => {
    const scored = count(xs, (t) => t.inCategory !== null);
    return scored ? count(xs, (t) => t.inCategory === true) / scored : null;
  };

  // Per agent. Logit games fit one θ per agent over all its choices (a few choices rarely identify θ).
  const pooled = new Map<string, number | null>();
  const agents: AgentSummary[] = [...acc.agents.values()].map((tally) => {
    const info = tally.info;
    const target = info.value as ValueTarget;
    const ts = byAgent.get(info.id) ?? [];
    const chance = chanceBaseline(target);
    let angle: number | null, angleCI: Interval | null, categoryAccuracy: number | null, vr: number | null, vrCI: Interval | null;
    if (slider) {
      const a = stats.describe(angleOf(ts), `agent:${info.id}:angle`);
      const v = stats.describe(vrOf(ts), `agent:${info.id}:vr`);
      [angle, angleCI, categoryAccuracy, vr, vrCI] = [a.mean, a.ci, accuracy(ts), v.mean, v.ci];
    } else {
      angle = fitCounts(acc, tally.choiceCounts.values());
      pooled.set(info.id, angle);
      vr = angle === null ? null : valueRationality(angle, target);
      categoryAccuracy = angle === null ? null : inTargetCategory(angle, target) ? 1 : 0;
      angleCI = vrCI = null;
    }
    // Field order is the documented --json order.
    return {
      id: info.id,
      type: info.type,
      model: info.model,
      value: info.value,
      targetSet: idealSet(target),
      trajectories: ts.length,
      invalid: count(ts, (t) => t.invalid),
      angle,
      angleCI,
      category: angle === null ? null : categorize(angle),
      categoryAccuracy,
      vr,
      vrCI,
      vrChance: chance,
      vrCC: vr === null ? null : chanceCorrected(vr, chance),
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
    const chance = chanceBaseline(target);
    const ts = members.flatMap((m) => byAgent.get(m.info.id) ?? []);
    let a: Described;
    let v: Described;
    let catAcc: number | null;
    if (slider) {
      a = stats.describe(angleOf(ts), `group:${key}:angle`);
      v = stats.describe(vrOf(ts), `group:${key}:vr`);
      catAcc = accuracy(ts);
    } else {
      const thetas = members.flatMap((m) => {
        const th = pooled.get(m.info.id);
        return th === null || th === undefined ? [] : [th];
      });
      a = stats.describe(thetas, `group:${key}:angle`);
      v = stats.describe(thetas.map((th) => valueRationality(th, target)), `group:${key}:vr`);
      catAcc = thetas.length ? thetas.filter((th) => inTargetCategory(th, target)).length / thetas.length : null;
    }
    const sum = (f: (m: (typeof members)[number]) => number) => members.reduce((s, m) => s + f(m), 0);
    const decisions = sum((m) => m.decisions);
    const invalidDecisions = sum((m) => m.invalidDecisions);
    return {
      model,
      value,
      condition,
      agents: members.length,
      n: a.n,
      trajectories: ts.length,
      invalid: count(ts, (t) => t.invalid),
      decisions,
      invalidDecisions,
      invalidRate: decisions ? invalidDecisions / decisions : null,
      angle: a.mean,
      angleSD: a.sd,
      angleCI: a.ci,
      category: a.mean === null ? null : categorize(a.mean),
      categoryAccuracy: catAcc,
      vr: v.mean,
      vrCI: v.ci,
      vrChance: chance,
      vrCC: v.mean === null ? null : chanceCorrected(v.mean, chance),
      vrCCCI: ccInterval(v.ci, chance),
      inputTokens: sum((m) => m.inputTokens),
      outputTokens: sum((m) => m.outputTokens),
      costUsd: sum((m) => m.costUsd),
      trials: trialPoints(ts, stats.mean),
    };
  });
  groups.sort(
    (x, y) =>
      x.model.localeCompare(y.model) ||
      String(x.condition).localeCompare(String(y.condition)) ||
      valueRank(x.value) - valueRank(y.value),
  );

  // Angle conditional on the partner's value.
  const interactions: InteractionCell[] = [];
  // One cell of the interaction matrix; `key` is the JSON [own value, partner value] pair.
  const interactionCell = (key: string, angles: number[], vrs: number[], target: ValueTarget): InteractionCell => {
    const [value, partnerValue] = JSON.parse(key) as [string, string];
    const a = stats.describe(angles, `cell:${key}:angle`);
    const v = stats.describe(vrs, `cell:${key}:vr`);
    return {
      value,
      partnerValue,
      n: a.n,
      angle: a.mean,
      angleCI: a.ci,
      vr: v.mean,
      vrCI: v.ci,
      vrCC: v.mean === null ? null : chanceCorrected(v.mean, chanceBaseline(target)),
    };
  };
  if (slider) {
    // One key per (agent, partner), not per trajectory: a million-decision log has ~170k trajectories.
    const cellKeys = new Map<string, string>();
    const cells = groupBy(acc.trajectories, (t) => {
      const pair = `${t.agentId}\u0000${t.partnerId}`;
      let key = cellKeys.get(pair);
      if (key === undefined) {
        key = JSON.stringify([targetLabel(acc.agents.get(t.agentId)!.info.value), partnerValueKey(acc, t.partnerId)]);
        cellKeys.set(pair, key);
      }
      return key;
    });
    for (const [key, ts] of cells) {
      const target = acc.agents.get(ts[0].agentId)!.info.value as ValueTarget;
      interactions.push(interactionCell(key, angleOf(ts), vrOf(ts), target));
    }
  } else {
    const units = new Map<string, { target: ValueTarget; thetas: number[] }>();
    for (const tally of acc.agents.values()) {
      const value = targetLabel(tally.info.value);
      for (const [pkey, counts] of tally.choiceCounts) {
        const theta = fitCounts(acc, [counts]);
        if (theta === null) continue;
        const key = JSON.stringify([value, pkey]);
        let u = units.get(key);
        if (!u) units.set(key, (u = { target: tally.info.value as ValueTarget, thetas: [] }));
        u.thetas.push(theta);
      }
    }
    for (const [key, u] of units) {
      const vrs = u.thetas.map((th) => valueRationality(th, u.target));
      interactions.push(interactionCell(key, u.thetas, vrs, u.target));
    }
  }
  interactions.sort((x, y) => valueRank(x.value) - valueRank(y.value) || valueRank(x.partnerValue) - valueRank(y.partnerValue));

  const agentTrials: AgentTrialPoint[] = [];
  for (const [agentId, ts] of byAgent) {
    for (const p of trialPoints(ts, stats.mean)) agentTrials.push({ agentId, ...p });
  }

  const summary: Summary = {
    run: {
      id: run.id,
      scenario: run.scenario,
      game: run.game,
      seed: run.seed,
      method: run.method,
      note: acc.identifiable
        ? null
        : "every item's options lie on one line (e.g. constant-sum dictator splits): choices reveal only the self-vs-other trade-off, so θ, VR and categories are not identified",
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
      costUsd: acc.costUsd,
      bootstrap: { seed: settings.seed, level: settings.level, resamples: settings.resamples },
    },
    agents,
    groups,
    interactions,
  };
  return { summary, trajectories: acc.trajectories, agentTrials };
}

