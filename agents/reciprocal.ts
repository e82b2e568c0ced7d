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
import { z } from "zod";
import type { Agent, AgentContext, AgentModule, AgentSpec, RoundResult } from "./agent.ts";
import { agentSchema } from "./common.ts";
import { pickBest } from "./utility.ts";
import { angleGap, revealedAngle, valueAngle } from "./value-utility.ts";

export const ReciprocalSpec = agentSchema("reciprocal", {
  /** Fraction of the gap to the partner's revealed angle closed after each round (0..1). */
  rate: z.number().min(0).max(1).default(0.3),
});
export type ReciprocalSpec = z.infer<typeof ReciprocalSpec>;

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
    // Only a two-person item reveals an angle this way (other games record NaN payoffs).
    if (!h.partner || !Number.isFinite(h.partner.self) || !Number.isFinite(h.partner.other)) continue;
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

export function createReciprocalAgent(spec: AgentSpec & { readonly rate?: number }, ctx: AgentContext): ReciprocalAgent {
  const own = valueAngle(spec.value);
  const rate = spec.rate ?? 0.3;
  const angleFor = (history: readonly RoundResult[]) => reciprocalAngle(own, rate, history);
  return {
    id: spec.id,
    angleFor,
    async decide(obs) {
      return { kind: "choice", index: pickBest(obs, obs.partner ? angleFor(obs.history) : own, ctx) };
    },
  };
}

export const reciprocalAgent: AgentModule<ReciprocalSpec> = {
  type: "reciprocal",
  summary: "Starts at its value and drifts a fraction `rate` toward each partner's revealed angle per remembered round.",
  schema: ReciprocalSpec,
  create: createReciprocalAgent,
};
