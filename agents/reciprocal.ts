/**
 * `reciprocal`: starts at its value's angle and, after each round's feedback, moves its angle a
 * fraction `rate` of the way toward the angle its partner has revealed so far,
 * atan2(mean other − 50, mean self − 50) of the partner's choices (the slider's scoring rule).
 * It then acts as an exact maximiser of U at its current angle.
 *
 * Memory is kept per partner, so an agent playing several partners at once never mixes them up;
 * reset("partner") forgets every partner and returns to its own value.
 *
 * @example
 * createReciprocalAgent({ id: "rec", type: "reciprocal", value: "individualistic", rate: 0.3 }, ctx);
 */
import type { Agent, AgentFactory, RoundResult } from "./agent.ts";
import { angleGap, bestOptions, revealedAngle, valueAngle } from "./value-utility.ts";

interface PartnerMemory {
  angle: number;
  rounds: number;
  sumSelf: number;
  sumOther: number;
}

export interface ReciprocalAgent extends Agent {
  /** The angle it currently plays with this partner (null: the imaginary other). */
  angleFor(partnerId: string | null): number;
}

export const createReciprocalAgent: AgentFactory = (spec, ctx): ReciprocalAgent => {
  const own = valueAngle(spec.value);
  const rate = typeof spec.rate === "number" ? spec.rate : 0.3;
  const memory = new Map<string, PartnerMemory>();
  const keyOf = (partnerId: string | null) => partnerId ?? "";
  const angleFor = (partnerId: string | null) => memory.get(keyOf(partnerId))?.angle ?? own;
  return {
    id: spec.id,
    angleFor,
    async decide(obs) {
      const ties = bestOptions(obs.item.options, angleFor(obs.partner?.id ?? null));
      const index = ties.length === 1 ? ties[0] : ties[ctx.rng.derive(obs.decisionId).int(ties.length)];
      return { kind: "choice", index };
    },
    feedback(result: RoundResult) {
      if (!result.partner) return; // an invalid answer reveals nothing
      const key = keyOf(result.partnerId);
      const m = memory.get(key) ?? { angle: own, rounds: 0, sumSelf: 0, sumOther: 0 };
      m.rounds += 1;
      m.sumSelf += result.partner.self;
      m.sumOther += result.partner.other;
      const target = revealedAngle(m.sumSelf / m.rounds, m.sumOther / m.rounds);
      m.angle += rate * angleGap(m.angle, target);
      memory.set(key, m);
    },
    reset(scope) {
      if (scope === "partner") memory.clear();
    },
  };
};
