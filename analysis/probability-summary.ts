/**
 * The analysis of option probabilities (decision.made `probabilities`), when a run has them:
 * per trajectory its expected angle and expected VR (analysis/expected.ts), per group
 * (model, value, condition) their means (the angle's circular) and the per-item choice
 * distributions (mean probability of each canonical option over the group's answers). METHOD §13.
 *
 * @example
 * const p = probabilitySummary(acc); // null when no decision carried probabilities
 * p?.groups[0].items["svo-1"];        // e.g. [0.01, 0.02, …, 0.9]
 */
import { targetLabel } from "./value-target.ts";
import type { RunAccumulator } from "./operators.ts";
import { circularMean } from "./stats.ts";

export interface TrajectoryExpectation {
  sessionId: string;
  agentId: string;
  trial: number;
  /** Degrees (slider only; null on choices games or when a scored decision had no probabilities). */
  expectedAngle: number | null;
  expectedVr: number | null;
  /** The sampled answers' angle and VR, for comparison. */
  angle: number | null;
  vr: number | null;
}

export interface ProbabilityGroup {
  model: string;
  value: string;
  condition: string | null;
  /** Trajectories with an expected VR. */
  n: number;
  /** Circular mean of the trajectories' expected angles (degrees), null on choices games. */
  expectedAngle: number | null;
  expectedVr: number | null;
  /** Item id → mean probability of each option in canonical order (over the answers that carried them). */
  items: Record<string, number[]>;
  /** Item id → how many answers that mean is over. */
  answers: Record<string, number>;
}

export interface ProbabilitySummary {
  method: string;
  trajectories: TrajectoryExpectation[];
  groups: ProbabilityGroup[];
}

const METHOD =
  "expected angle: of the expected payoff means; expected VR: exact expectation of the trajectory VR over independent item choices with the recorded probabilities (docs/METHOD.md §13)";

export function probabilitySummary(acc: RunAccumulator): ProbabilitySummary | null {
  const any = [...acc.agents.values()].some((a) => a.probabilitySums.size > 0);
  if (!any) return null;
  const trajectories: TrajectoryExpectation[] = acc.trajectories
    .filter((t) => t.expectedVr !== null)
    .map((t) => ({ sessionId: t.sessionId, agentId: t.agentId, trial: t.trial, expectedAngle: t.expectedAngle, expectedVr: t.expectedVr, angle: t.angle, vr: t.vr }));
  const byGroup = new Map<string, { members: string[] }>();
  for (const a of acc.agents.values()) {
    if (a.probabilitySums.size === 0) continue;
    const key = JSON.stringify([a.info.model ?? a.info.type, targetLabel(a.info.value), a.info.condition]);
    let g = byGroup.get(key);
    if (!g) byGroup.set(key, (g = { members: [] }));
    g.members.push(a.info.id);
  }
  const groups = [...byGroup.entries()].map(([key, g]): ProbabilityGroup => {
    const [model, value, condition] = JSON.parse(key) as [string, string, string | null];
    const members = new Set(g.members);
    const ts = trajectories.filter((t) => members.has(t.agentId));
    const angles = ts.flatMap((t) => (t.expectedAngle === null ? [] : [t.expectedAngle]));
    const vrs = ts.map((t) => t.expectedVr!);
    const sums = new Map<string, { sum: Float64Array; n: number }>();
    for (const id of g.members)
      for (const [item, s] of acc.agents.get(id)!.probabilitySums) {
        const m = sums.get(item);
        if (!m) sums.set(item, { sum: Float64Array.from(s.sum), n: s.n });
        else if (m.sum.length === s.sum.length) {
          for (let k = 0; k < s.sum.length; k++) m.sum[k] += s.sum[k];
          m.n += s.n;
        }
      }
    const order = [...acc.items.keys()];
    const ids = [...sums.keys()].sort((a, b) => (order.indexOf(a) - order.indexOf(b)) || a.localeCompare(b));
    return {
      model,
      value,
      condition,
      n: vrs.length,
      expectedAngle: angles.length ? circularMean(angles) : null,
      expectedVr: vrs.length ? vrs.reduce((s, x) => s + x, 0) / vrs.length : null,
      items: Object.fromEntries(ids.map((id) => [id, Array.from(sums.get(id)!.sum, (x) => x / sums.get(id)!.n)])),
      answers: Object.fromEntries(ids.map((id) => [id, sums.get(id)!.n])),
    };
  });
  return { method: METHOD, trajectories, groups };
}
