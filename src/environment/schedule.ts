/**
 * Matching schedules: which agents play together in which trial. A session is one trajectory
 * of a group (a pair, N players, or a single agent) through one trial of the game; the schedule
 * lists sessions trial-major, so early output covers every agent and a stopped run is balanced.
 *
 * @example
 * const plans = planSessions({ pairing: "round-robin", trials: 2, pairs: [], groups: [] }, ["a", "b", "c"], createRng(7), { groupSize: 2, alone: true });
 * plans.map((p) => p.sessionId); // ["a+b#t0", "a+c#t0", "b+c#t0", "a+b#t1", "a+c#t1", "b+c#t1"]
 */
import { InputError } from "../core/errors.ts";
import { sessionId } from "../core/events.ts";
import type { Rng } from "../core/random.ts";

export interface SessionPlan {
  readonly sessionId: string;
  /** The group's agent ids in member order: one (alone with imaginary passive others), a pair, or N. */
  readonly agentIds: readonly string[];
  readonly trial: number;
}

export interface ScheduleSettings {
  readonly pairing: "none" | "round-robin" | "random" | "fixed";
  readonly trials: number;
  /** pairing fixed, two-person games. */
  readonly pairs: readonly (readonly [string, string])[];
  /** pairing fixed, any group size. */
  readonly groups?: readonly (readonly string[])[];
}

/** What matching needs to know of the game. */
export interface GroupShape {
  readonly groupSize: number;
  /** True when one agent may play alone against imaginary passive others. */
  readonly alone: boolean;
}

/** Round-robin enumerates every group; beyond this size the count explodes (C(n, k)). */
export const ROUND_ROBIN_MAX_GROUP = 4;
/** Bound on the groups round-robin may enumerate per trial. */
const ROUND_ROBIN_MAX_GROUPS = 1_000_000;

/** A run's planned sessions, produced on demand in schedule order (never held as a whole). */
export interface SessionList extends Iterable<SessionPlan> {
  /** Planned sessions. */
  readonly length: number;
  /** Planned agent sessions (the sum of the sessions' group sizes): decisions are seats × rounds. */
  readonly seats: number;
}

/**
 * The planned sessions, trial by trial, each trial's groups made when it is reached. `rng` drives
 * only the random matching (one derived generator per trial), so the plan is a pure function of
 * the seed and iterating it twice gives the same sessions. Every trial has the same number of
 * groups and seats, so the counts are known without listing anything.
 * none: each agent alone × trials (games that allow it); round-robin: every group of the game's
 * size (every unordered pair in two-person games) × trials; random: a seeded partition into groups
 * of the game's size per trial (agents left over play alone where the game allows it, else sit the
 * trial out); fixed: the listed groups (or pairs) × trials.
 *
 * @example
 * const list = scheduleSessions({ pairing: "random", trials: 1000, pairs: [] }, ids, createRng(3));
 * list.length;              // 1000 × ids.length / 2, nothing materialised
 * for (const p of list) {}  // the sessions, trial-major
 */
export function scheduleSessions(settings: ScheduleSettings, agentIds: readonly string[], rng: Rng, shape: GroupShape = { groupSize: 2, alone: true }): SessionList {
  const groupsOf = groupsFor(settings, agentIds, shape);
  const trials = Math.max(0, settings.trials);
  const first = trials > 0 ? groupsOf(0, rng.derive("pairing", 0)) : [];
  let seatsPerTrial = 0;
  for (const g of first) seatsPerTrial += g.length;
  return {
    length: trials * first.length,
    seats: trials * seatsPerTrial,
    *[Symbol.iterator]() {
      for (let trial = 0; trial < trials; trial++) {
        for (const ids of groupsOf(trial, rng.derive("pairing", trial))) {
          yield { sessionId: sessionId(ids, trial), agentIds: ids, trial };
        }
      }
    },
  };
}

/** Every planned session as one array (small plans and tests; runs iterate {@link scheduleSessions}). */
export function planSessions(settings: ScheduleSettings, agentIds: readonly string[], rng: Rng, shape: GroupShape = { groupSize: 2, alone: true }): SessionPlan[] {
  return [...scheduleSessions(settings, agentIds, rng, shape)];
}

type Groups = (trial: number, rng: Rng) => readonly (readonly string[])[];

function groupsFor(settings: ScheduleSettings, agentIds: readonly string[], shape: GroupShape): Groups {
  const k = shape.groupSize;
  switch (settings.pairing) {
    case "none": {
      if (!shape.alone) throw new InputError(`pairing: none plays each agent alone, but this game needs groups of ${k} (use random, round-robin or fixed)`);
      const singles = agentIds.map((id) => [id]);
      return () => singles;
    }
    case "round-robin": {
      if (k > ROUND_ROBIN_MAX_GROUP) {
        throw new InputError(`pairing: round-robin plays every group of ${k}, too many to enumerate for groups larger than ${ROUND_ROBIN_MAX_GROUP}; use pairing: random (new random groups each trial) or fixed with groups`);
      }
      if (agentIds.length < k) throw new InputError(`pairing: round-robin needs at least ${k === 2 ? "two" : k} agents${k === 2 ? "" : ` for groups of ${k}`}`);
      if (binomial(agentIds.length, k) > ROUND_ROBIN_MAX_GROUPS) {
        throw new InputError(`pairing: round-robin over ${agentIds.length} agents makes more than ${ROUND_ROBIN_MAX_GROUPS.toLocaleString("en-US")} groups of ${k} per trial; use pairing: random`);
      }
      const groups = combinations(agentIds, k);
      return () => groups;
    }
    case "random": {
      if (agentIds.length < 2) throw new InputError("pairing: random needs at least two agents");
      return (_trial, rng) => {
        const order = rng.shuffle(agentIds);
        const groups: string[][] = [];
        let i = 0;
        for (; i + k <= order.length; i += k) groups.push(order.slice(i, i + k));
        // The agents left over play alone where the game allows it (the two-person games); else they sit out.
        if (shape.alone) for (; i < order.length; i++) groups.push([order[i]]);
        return groups;
      };
    }
    case "fixed": {
      const groups = settings.groups && settings.groups.length > 0 ? checkGroups(settings.groups, agentIds, k, "groups") : checkGroups(settings.pairs, agentIds, k, "pairs");
      return () => groups;
    }
  }
}

/** Every k-subset of `ids`, members in the order of `ids`, in lexicographic order of positions. */
export function combinations(ids: readonly string[], k: number): string[][] {
  const out: string[][] = [];
  const pick: number[] = [];
  const walk = (from: number) => {
    if (pick.length === k) {
      out.push(pick.map((i) => ids[i]));
      return;
    }
    for (let i = from; i <= ids.length - (k - pick.length); i++) {
      pick.push(i);
      walk(i + 1);
      pick.pop();
    }
  };
  walk(0);
  return out;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Checks listed groups (the loader reports the same problems with file and line first). */
function checkGroups(groups: readonly (readonly string[])[], agentIds: readonly string[], k: number, field: "groups" | "pairs"): string[][] {
  if (groups.length === 0) throw new InputError(`${field}: pairing is fixed but no ${field} are listed`);
  const known = new Set(agentIds);
  const seen = new Set<string>();
  return groups.map((g, i) => {
    if (g.length !== k) throw new InputError(`${field}[${i}]: expected ${k} agents (the game's group size), got ${g.length}`);
    g.forEach((id, j) => {
      if (!known.has(id)) throw new InputError(`${field}[${i}][${j}]: unknown agent id '${id}'`);
    });
    const pair = field === "pairs";
    if (new Set(g).size !== g.length) throw new InputError(`${field}[${i}]: an agent cannot be ${pair ? "paired" : "grouped"} with itself${pair ? ` ('${g[0]}')` : ""}`);
    const key = g.slice().sort().join("+");
    if (seen.has(key)) throw new InputError(`${field}[${i}]: the ${pair ? "pair" : "group"} ${g.join(", ")} is listed twice`);
    seen.add(key);
    return g.slice();
  });
}
