/**
 * Counterbalanced option order (`game.counterbalance: true`): each agent's trajectories, in
 * schedule order, alternate between the printed option order and its reverse. Which of the two
 * an agent starts with is drawn from the run's seeded generator (one derived draw per agent), so
 * about half the agents start reversed and the orders are a pure function of seed and schedule: a
 * resumed run, which walks the whole schedule and skips finished sessions after this step,
 * presents exactly what the uninterrupted run did. Alternating within an agent (rather than
 * drawing per trajectory) balances the orders per agent exactly when its trajectory count is
 * even, which is what the order effect (reversed minus printed) needs. Streamed like the
 * schedule: the state is one counter per agent.
 *
 * @example
 * for (const p of counterbalanced(plan.sessions, createRng(7))) p.orders; // ["reversed"] or ["printed"], one per member
 */
import type { Rng } from "../core/random.ts";
import type { OptionOrder } from "../games/presentation.ts";
import type { SessionPlan } from "./schedule.ts";

/** A planned session with each member's option order (member order of the session). */
export interface CounterbalancedPlan extends SessionPlan {
  readonly orders: readonly OptionOrder[];
}

/** The sessions in schedule order, each with its members' orders. */
export function* counterbalanced(sessions: Iterable<SessionPlan>, rng: Rng): Generator<CounterbalancedPlan> {
  const next = new Map<string, number>();
  for (const s of sessions) {
    const orders = s.agentIds.map((id): OptionOrder => {
      // The agent's first order: one draw from a generator derived for it alone.
      const k = next.get(id) ?? rng.derive("counterbalance", id).int(2);
      next.set(id, k + 1);
      return k % 2 === 0 ? "printed" : "reversed";
    });
    yield { ...s, orders };
  }
}
