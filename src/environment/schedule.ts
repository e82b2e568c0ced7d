/**
 * Pairing schedules: which agents play together in which trial. A session is one trajectory
 * of a pair (or a single agent) through the game's items; the schedule lists sessions
 * trial-major, so early output covers every agent and a stopped run is balanced.
 *
 * @example
 * const plans = planSessions({ pairing: "round-robin", trials: 2, pairs: [] }, ["a", "b", "c"], createRng(7));
 * plans.map((p) => p.sessionId); // ["a+b#t0", "a+c#t0", "b+c#t0", "a+b#t1", "a+c#t1", "b+c#t1"]
 */
import { InputError } from "../core/errors.ts";
import { sessionId } from "../core/events.ts";
import type { Rng } from "../core/random.ts";
import type { Scenario } from "../scenario/schema.ts";

export interface SessionPlan {
  readonly sessionId: string;
  /** One agent (the imaginary other) or two (a pair), in the order the ids are joined. */
  readonly agentIds: readonly string[];
  readonly trial: number;
}

export type ScheduleSettings = Pick<Scenario, "pairing" | "trials" | "pairs">;

/**
 * Lists every planned session. `rng` drives only the random matching (one derived generator
 * per trial), so the plan is a pure function of the seed.
 * none: each agent alone × trials; round-robin: every unordered pair × trials; random: a seeded
 * perfect matching per trial (with an odd count, the agent left over plays alone); fixed: the
 * listed pairs × trials.
 */
export function planSessions(settings: ScheduleSettings, agentIds: readonly string[], rng: Rng): SessionPlan[] {
  const groupsOf = groupsFor(settings, agentIds);
  const plans: SessionPlan[] = [];
  for (let trial = 0; trial < settings.trials; trial++) {
    for (const ids of groupsOf(trial, rng.derive("pairing", trial))) {
      plans.push({ sessionId: sessionId(ids, trial), agentIds: ids, trial });
    }
  }
  return plans;
}

type Groups = (trial: number, rng: Rng) => readonly (readonly string[])[];

function groupsFor(settings: ScheduleSettings, agentIds: readonly string[]): Groups {
  switch (settings.pairing) {
    case "none": {
      const singles = agentIds.map((id) => [id]);
      return () => singles;
    }
    case "round-robin": {
      if (agentIds.length < 2) throw new InputError("pairing: round-robin needs at least two agents");
      const pairs: string[][] = [];
      for (let i = 0; i < agentIds.length; i++) {
        for (let j = i + 1; j < agentIds.length; j++) pairs.push([agentIds[i], agentIds[j]]);
      }
      return () => pairs;
    }
    case "random": {
      if (agentIds.length < 2) throw new InputError("pairing: random needs at least two agents");
      return (_trial, rng) => {
        const order = rng.shuffle(agentIds);
        const groups: string[][] = [];
        for (let i = 0; i + 1 < order.length; i += 2) groups.push([order[i], order[i + 1]]);
        if (order.length % 2 === 1) groups.push([order[order.length - 1]]);
        return groups;
      };
    }
    case "fixed": {
      const pairs = checkFixedPairs(settings.pairs, agentIds);
      return () => pairs;
    }
  }
}

function checkFixedPairs(pairs: ScheduleSettings["pairs"], agentIds: readonly string[]): string[][] {
  if (pairs.length === 0) throw new InputError("pairs: pairing is fixed but no pairs are listed");
  const known = new Set(agentIds);
  const seen = new Set<string>();
  return pairs.map(([a, b], i) => {
    for (const [k, id] of [[0, a], [1, b]] as const) {
      if (!known.has(id)) throw new InputError(`pairs[${i}][${k}]: unknown agent id '${id}'`);
    }
    if (a === b) throw new InputError(`pairs[${i}]: an agent cannot be paired with itself ('${a}')`);
    const key = [a, b].sort().join("+");
    if (seen.has(key)) throw new InputError(`pairs[${i}]: the pair ${a}, ${b} is listed twice`);
    seen.add(key);
    return [a, b];
  });
}
