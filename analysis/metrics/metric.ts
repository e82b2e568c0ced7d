/**
 * The contract of a game measure (docs/METHOD.md §11), in the style of Mesa's datacollection:
 * a measure is a named reporter kept apart from the game and the agents. It declares the games it
 * applies to, folds the analysis' decision and settlement records into its own small state, and
 * reports a mean per agent and over the run. Registered in one place (registry.ts).
 *
 * @example
 * const m: Metric<Means> = meanOfDecisions({ name: "offer", summary: "…", unit: "share of the endowment",
 *   appliesTo: (g) => g.type === "ultimatum", value: (d) => (d.move.role === "proposer" ? share(d) : null) });
 */
import type { Fact, Game, Move } from "../../src/games/contract.ts";

/** A mean in the making. */
export interface Tally {
  sum: number;
  n: number;
}

/** One valid decision as the analysis rebuilt it. */
export interface DecisionRecord {
  readonly agentId: string;
  readonly sessionId: string;
  readonly move: Move;
  /** Canonical 0-based option. */
  readonly option: number;
}

/** One settled round: the session's members and the settlement's facts (null when the log has none). */
export interface SettlementRecord {
  readonly sessionId: string;
  readonly agentIds: readonly string[];
  readonly round: number;
  readonly facts: Readonly<Record<string, Fact>> | null;
}

/** One finished trial (a session) and its members. */
export interface TrialRecord {
  readonly sessionId: string;
  readonly agentIds: readonly string[];
}

/** What a measure reports: the run's mean and each agent's (sums and counts, so groups can pool them). */
export interface MetricReport {
  readonly run: Tally;
  readonly agents: ReadonlyMap<string, Tally>;
}

export interface Metric<S = unknown> {
  /** Stable name, as in `measures[].name` of `hvae analyze --json`. */
  readonly name: string;
  /** One line: what is measured and how. */
  readonly summary: string;
  /** What one observation is measured in ("share of the endowment", "tons", "rounds"). */
  readonly unit: string;
  readonly appliesTo: (game: Game) => boolean;
  readonly init: () => S;
  readonly onDecision?: (state: S, d: DecisionRecord) => void;
  readonly onSettled?: (state: S, s: SettlementRecord) => void;
  readonly onTrial?: (state: S, t: TrialRecord) => void;
  readonly report: (state: S) => MetricReport;
}

export const add = (m: Map<string, Tally>, key: string, x: number): void => {
  let t = m.get(key);
  if (!t) m.set(key, (t = { sum: 0, n: 0 }));
  t.sum += x;
  t.n++;
};

/** The chosen action as a share of the move's largest action (null when that is 0 or not numeric). */
export function shareOfMax(d: DecisionRecord): number | null {
  const a = d.move.options[d.option].action;
  if (typeof a !== "number") return null;
  let max = -Infinity;
  for (const o of d.move.options) if (typeof o.action === "number" && o.action > max) max = o.action;
  return max > 0 ? a / max : null;
}

export interface Means {
  readonly run: Tally;
  readonly agents: Map<string, Tally>;
}

/**
 * A measure that is the mean of one number per valid decision (null: the decision does not count).
 *
 * @example
 * meanOfDecisions({ name: "harvest", summary: "…", unit: "tons", appliesTo: (g) => g.type === "commons",
 *   value: (d) => d.move.options[d.option].action as number });
 */
export function meanOfDecisions(spec: {
  name: string;
  summary: string;
  unit: string;
  appliesTo: (game: Game) => boolean;
  value: (d: DecisionRecord) => number | null;
}): Metric<Means> {
  return {
    name: spec.name,
    summary: spec.summary,
    unit: spec.unit,
    appliesTo: spec.appliesTo,
    init: () => ({ run: { sum: 0, n: 0 }, agents: new Map() }),
    onDecision(state, d) {
      const x = spec.value(d);
      if (x === null || !Number.isFinite(x)) return;
      state.run.sum += x;
      state.run.n++;
      add(state.agents, d.agentId, x);
    },
    report: (state) => state,
  };
}
