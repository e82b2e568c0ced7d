/**
 * A custom agent type: tit-for-tat on allocation games. It cooperates (maximises the joint payoff)
 * until its partner's last choice reveals an angle below `threshold` degrees — the partner kept
 * more than a prosocial would — and then defects (maximises its lead over the partner) until the
 * partner cooperates again. Forgiving by design: one cooperative round restores cooperation.
 *
 * Use it from a scenario (the path is relative to the scenario file; `threshold` is optional and
 * passes through from the agent entry):
 * ```yaml
 * agents:
 *   - id: tft
 *     type: ../../agents/examples/tit-for-tat.ts
 *     value: prosocial
 *     threshold: 22.45
 * ```
 *
 * @example
 * const agent = createAgent({ id: "tft", type: "./tit-for-tat.ts", value: "prosocial" }, ctx);
 */
import type { Agent, AgentFactory, Decision, Observation, PresentedOption, RoundResult } from "../agent.ts";

/** The prosocial/individualistic border of the slider's categories (METHOD §3). */
const DEFAULT_THRESHOLD = 22.45;

export const createAgent: AgentFactory = (spec, ctx): Agent => {
  const threshold = typeof spec.threshold === "number" ? spec.threshold : DEFAULT_THRESHOLD;

  // The environment keeps the memory (obs.history, bounded, across trials with this partner), so
  // the agent stays stateless: a fresh instance per session decides exactly as a long-lived one.
  const partnerCooperated = (last: RoundResult | undefined): boolean => {
    if (!last?.partner) return true; // no partner, no history yet, or an invalid answer: cooperate
    const revealed = (Math.atan2(last.partner.other - 50, last.partner.self - 50) * 180) / Math.PI;
    return revealed >= threshold;
  };

  const choose = (options: readonly PresentedOption[], score: (o: PresentedOption) => number, obs: Observation): Decision => {
    const scores = options.map(score);
    const best = Math.max(...scores);
    const ties = scores.flatMap((s, i) => (s >= best - 1e-9 ? [i] : []));
    const index = ties.length === 1 ? ties[0] : ties[ctx.rng.derive(obs.decisionId).int(ties.length)];
    return { kind: "choice", index };
  };

  return {
    id: spec.id,
    async decide(obs) {
      return partnerCooperated(obs.history[obs.history.length - 1])
        ? choose(obs.item.options, (o) => o.self + o.other, obs)
        : choose(obs.item.options, (o) => o.self - o.other, obs);
    },
  };
};
