/**
 * Commons measures (docs/METHOD.md §11): the harvest asked for per decision; per trial, the final
 * stock (stock after regrowth in the last settled round), the rounds survived and whether the
 * stock collapsed, read from the settlements' facts (`stockAfter`, `roundsPlayed`, `collapsed`).
 * A trial's value counts once for the run and once for each of its members.
 *
 * @example
 * finalStock.unit; // "stock units"
 */
import type { Fact, Game } from "../../src/games/contract.ts";
import { add, meanOfDecisions, type Metric, type Tally } from "./metric.ts";

const isCommons = (g: Game) => g.type === "commons";

export const harvest = meanOfDecisions({
  name: "harvest",
  summary: "the harvest a member asked for, per valid decision",
  unit: "stock units",
  appliesTo: isCommons,
  value: (d) => {
    const a = d.move.options[d.option].action;
    return typeof a === "number" ? a : null;
  },
});

interface TrialState {
  readonly last: Map<string, Readonly<Record<string, Fact>>>;
  readonly run: Tally;
  readonly agents: Map<string, Tally>;
}

/** A per-trial measure from the facts of the trial's last settlement. */
function perTrial(name: string, summary: string, unit: string, read: (facts: Readonly<Record<string, Fact>>) => number | null): Metric<TrialState> {
  return {
    name,
    summary,
    unit,
    appliesTo: isCommons,
    init: () => ({ last: new Map(), run: { sum: 0, n: 0 }, agents: new Map() }),
    onSettled(state, s) {
      if (s.facts) state.last.set(s.sessionId, s.facts);
    },
    onTrial(state, t) {
      const facts = state.last.get(t.sessionId);
      state.last.delete(t.sessionId);
      const x = facts ? read(facts) : null;
      if (x === null || !Number.isFinite(x)) return;
      state.run.sum += x;
      state.run.n++;
      for (const id of t.agentIds) add(state.agents, id, x);
    },
    report: (state) => ({ run: state.run, agents: state.agents }),
  };
}

const numberFact = (facts: Readonly<Record<string, Fact>>, key: string): number | null =>
  typeof facts[key] === "number" ? (facts[key] as number) : null;

export const finalStock = perTrial("final-stock", "the stock after regrowth at the end of each trial", "stock units", (f) => numberFact(f, "stockAfter"));

export const survivalRounds = perTrial("survival-rounds", "rounds played before the trial ended (collapse or the last round)", "rounds", (f) =>
  numberFact(f, "roundsPlayed") ?? (typeof f.round === "number" ? f.round : null),
);

export const collapseRate = perTrial("collapse-rate", "share of trials whose stock collapsed", "share of trials", (f) =>
  typeof f.collapsed === "boolean" ? (f.collapsed ? 1 : 0) : null,
);
