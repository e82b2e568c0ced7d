/**
 * `reciprocal`: starts at its value's angle and, for each remembered round, moves its angle a
 * fraction `rate` of the way toward the angle its partner has revealed so far,
 * atan2(mean other − 50, mean self − 50) of the partner's choices (the slider's scoring rule).
 * It then acts as an exact maximiser of U at its current angle.
 *
 * The angle is computed from `obs.history` on every decision, so the agent keeps no state: what
 * it remembers is what the environment remembers for it, the last `memory` rounds with this
 * partner across the pair's trials (none without feedback or without a partner). A new partner
 * has its own history, so the agent starts again from its own value; rounds beyond the window
 * are forgotten, so the drift is bounded by the window, not by the length of the run.
 *
 * @example
 * createReciprocalAgent({ id: "rec", type: "reciprocal", value: "individualistic", rate: 0.3 }, ctx);
 * reciprocalAngle(90, 0.5, [roundWhereThePartnerChose({ self: 85, other: 15 })]); // 22.5
 */
import type { Agent, AgentFactory, RoundResult } from "./agent.ts";
import { angleGap, bestOptions, revealedAngle, valueAngle } from "./value-utility.ts";

/**
 * The angle after the remembered rounds: from `own`, one step of `rate` toward the partner's
 * running mean per round in which the partner chose validly (an invalid answer reveals nothing).
 */
export function reciprocalAngle(own: number, rate: number, history: readonly RoundResult[]): number {
  let angle = own;
  let rounds = 0;
  let sumSelf = 0;
  let sumOther = 0;
  for (const h of history) {
    if (!h.partner) continue;
    rounds += 1;
    sumSelf += h.partner.self;
    sumOther += h.partner.other;
    angle += rate * angleGap(angle, revealedAngle(sumSelf / rounds, sumOther / rounds));
  }
  return angle;
}

export interface ReciprocalAgent extends Agent {
  /** The angle it plays after these remembered rounds (an observation's history). */
  angleFor(history: readonly RoundResult[]): number;
}

export const createReciprocalAgent: AgentFactory = (spec, ctx): ReciprocalAgent => {
  const own = valueAngle(spec.value);
  const rate = typeof spec.rate === "number" ? spec.rate : 0.3;
  const angleFor = (history: readonly RoundResult[]) => reciprocalAngle(own, rate, history);
  return {
    id: spec.id,
    angleFor,
    async decide(obs) {
      const ties = bestOptions(obs.item.options, obs.partner ? angleFor(obs.history) : own);
      const index = ties.length === 1 ? ties[0] : ties[ctx.rng.derive(obs.decisionId).int(ties.length)];
      return { kind: "choice", index };
    },
  };
};
