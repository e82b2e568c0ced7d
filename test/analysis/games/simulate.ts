/**
 * Plays any game of the contract (src/games/contract.ts) with simple rule-based choosers and
 * writes the events the analysis reads: run.started, decisions with item, role, member and facts,
 * round.settled, trial.completed. Independent of the engine, so choice scoring is testable on
 * every game before (and beside) the built-in game modules.
 *
 * @example
 * const events = simulateGame(game, [{ id: "a", value: 45, chooser: "maximiser" }], { trials: 5, seed: 1 });
 */
import type { HvaeEvent, ValueSpec } from "../../../src/core/events.ts";
import { valueAngle } from "../../../src/core/values.ts";
import type { Game, Played } from "../../../src/games/contract.ts";
import { idealOptions, moveUtilities } from "../../../src/games/utility.ts";
import { createRng, type Rng } from "../../../src/core/random.ts";

export interface SimAgent {
  id: string;
  value: ValueSpec;
  /** maximiser: a random option of the ideal set (every tie-break occurs); random: uniform; logit: P ∝ exp(β U). */
  chooser: "maximiser" | "random" | "logit";
  beta?: number;
}

function choose(game: Game, move: Parameters<Game["outcomes"]>[0], a: SimAgent, rng: Rng): number {
  const theta = valueAngle(a.value);
  if (a.chooser === "random") return Math.floor(rng.next() * move.options.length);
  if (a.chooser === "maximiser") {
    const ideal = idealOptions(game, move, theta);
    return ideal[Math.floor(rng.next() * ideal.length)];
  }
  const u = moveUtilities(game, move, theta);
  const max = Math.max(...u);
  const w = u.map((x) => Math.exp((a.beta ?? 1) * (x - max)));
  const total = w.reduce((s, x) => s + x, 0);
  let r = rng.next() * total;
  for (let k = 0; k < w.length; k++) if ((r -= w[k]) < 0) return k;
  return w.length - 1;
}

/** Events of `trials` trials of one group made of `agents` (in member order, group size agents.length). */
export function simulateGame(game: Game, agents: SimAgent[], o: { trials: number; seed: number; single?: boolean }): HvaeEvent[] {
  const rng = createRng(o.seed);
  let seq = 0;
  const st = (b: object) => ({ runId: "sim", seq: seq++, time: "2025-01-01T00:00:00.000Z", ...b }) as unknown as HvaeEvent;
  const events: HvaeEvent[] = [
    st({
      type: "run.started", scenario: "sim", seed: o.seed, game: game.type, pairing: o.single ? "none" : "fixed", feedback: false,
      plannedDecisions: 0, plannedSessions: 0, resumed: false,
      agents: agents.map((a) => ({ id: a.id, type: a.chooser, value: a.value, model: null, condition: null })),
      items: game.items.map((it) => ({ id: it.id, primary: it.primary, options: it.options.map((p) => ({ self: p.self, other: p.other })) })),
    }),
  ];
  // Single: each agent plays alone (member 0) against passive others; else one group in member order.
  const groups = o.single ? agents.map((a) => [a]) : [agents];
  for (let trial = 0; trial < o.trials; trial++) {
    for (const group of groups) {
      const ids = group.map((a) => a.id);
      const sid = `${ids.join("+")}#t${trial}`;
      let state = game.start(rng);
      for (let round = 0; round < game.rounds; round++) {
        const played: Played[] = [];
        for (const stage of game.stages(state, round)) {
          for (const member of stage) {
            if (member >= group.length) {
              played.push({ member, option: 0 });
              continue;
            }
            const move = game.move(state, round, member, played);
            const k = choose(game, move, group[member], rng);
            const opt = move.options[k];
            played.push({ member, option: k });
            events.push(st({
              type: "decision.made", decisionId: `${sid}/r${round}/${ids[member]}`, sessionId: sid, agentId: ids[member],
              partnerId: group.length > 1 ? ids[(member + 1) % group.length] : null, trial, round, itemId: move.itemId,
              groupId: ids.join("+"), members: ids, role: move.role, member, ...(Object.keys(move.facts).length ? { facts: move.facts } : {}),
              option: k + 1, self: opt.self, other: opt.other, action: opt.action, label: null, reason: null,
            }));
          }
        }
        const settled = game.settle(state, round, played);
        state = settled.state;
        events.push(st({
          type: "round.settled", sessionId: sid, trial, round, itemId: "round",
          outcomes: group.map((a, i) => ({ agentId: a.id, option: (played.find((p) => p.member === i)?.option ?? 0) + 1, received: settled.received[i] })),
          ...(settled.facts ? { facts: settled.facts } : {}),
        }));
        if (settled.end) break;
      }
      events.push(st({ type: "trial.completed", sessionId: sid, trial, agentIds: ids }));
    }
  }
  return events;
}
