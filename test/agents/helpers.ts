// Drives an agent through one slider trajectory the way the environment does: plan the trial,
// show options in presented order, map the chosen presented index back to the canonical option.
import type { Agent, AgentContext, Observation } from "../../agents/agent.ts";
import { twoPersonObservation } from "../../src/environment/observation.ts";
import { planTrial } from "../../src/games/plan.ts";
import type { PresentedItem } from "../../src/games/game.ts";
import { createRng, type Rng } from "../../src/core/random.ts";
import { Game } from "../../src/scenario/schema.ts";

export function ctxFor(seed: number, id = "a"): AgentContext {
  return { rng: createRng(seed).derive("agent", id), scenario: { name: "test", feedback: true, pairing: "none" } };
}

export function observe(p: PresentedItem, sessionId: string, round: number, partner: string | null = null): Observation {
  return twoPersonObservation({
    decisionId: `${sessionId}/r${round}/a`,
    sessionId,
    trial: 0,
    round,
    rounds: 6,
    item: { id: p.item.id, options: p.order.map((k, pos) => ({ label: p.labels[pos], ...p.item.options[k] })) },
    partner: partner === null ? null : { id: partner },
    history: [],
  });
}

/** Canonical 1-based options an agent picks on the primary items, with items and options shuffled. */
export async function trajectory(agent: Agent, rng: Rng, sessionId: string): Promise<Map<string, number>> {
  const game = Game.parse({ type: "svo-slider", shuffleItems: true, shuffleOptions: true });
  const chosen = new Map<string, number>();
  const plan = planTrial(game, rng);
  for (const [round, p] of plan.entries()) {
    const d = await agent.decide(observe(p, sessionId, round));
    if (d.kind !== "choice") throw new Error(`invalid decision: ${d.reason}`);
    chosen.set(p.item.id, p.order[d.index] + 1);
  }
  return chosen;
}
