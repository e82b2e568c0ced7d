/**
 * Hand-made slider logs for the position-bias and consistency tests: each trajectory lists its
 * canonical answers (1–9 per item, Version A numbering, null = invalid) and, optionally, the
 * option order it was shown, so the presented label of every answer is known.
 *
 * @example
 * const events = sliderLog({ items: 6, trajectories: [{ agent: "a", trial: 0, answers: [1, 9, 9, 4, 5, 9] }] });
 */
import { SLIDER_ITEMS } from "../../src/core/instrument.ts";
import { decisionId, type HvaeEvent, type ValueSpec } from "../../src/core/events.ts";

export interface LoggedTrajectory {
  agent: string;
  trial: number;
  answers: (number | null)[];
  order?: "printed" | "reversed";
  /** Session id (default `${agent}#t${trial}`). */
  session?: string;
}

export function sliderLog(o: { items: 6 | 15; trajectories: LoggedTrajectory[]; values?: Record<string, ValueSpec> }): HvaeEvent[] {
  const items = SLIDER_ITEMS.slice(0, o.items).map((it) => ({ id: `svo-${it.number}`, primary: it.primary, options: it.options.map((p) => ({ self: p.self, other: p.other })) }));
  let seq = 0;
  const out: HvaeEvent[] = [];
  const push = (body: object) => out.push({ runId: "hand", seq: seq++, time: "2026-01-01T00:00:00.000Z", ...body } as unknown as HvaeEvent);
  const agents = [...new Set(o.trajectories.map((t) => t.agent))];
  push({
    type: "run.started", scenario: "hand", seed: 1, game: "svo-slider", pairing: "none", feedback: false,
    plannedDecisions: 0, plannedSessions: o.trajectories.length,
    agents: agents.map((id) => ({ id, type: "constant", value: o.values?.[id] ?? "prosocial", model: null, condition: null })),
    items, resumed: false,
    gameSpec: { type: "svo-slider", items: o.items === 15 ? "all" : "primary", version: "A", shuffleItems: false, shuffleOptions: false },
  });
  for (const t of o.trajectories) {
    const sessionId = t.session ?? `${t.agent}#t${t.trial}`;
    push({ type: "trial.started", sessionId, trial: t.trial, agentIds: [t.agent], items: items.map((i) => i.id), ...(t.order ? { orders: [t.order] } : {}) });
    t.answers.forEach((answer, round) => {
      const key = { decisionId: decisionId(sessionId, round, t.agent), sessionId, agentId: t.agent, partnerId: null, trial: t.trial, round, itemId: items[round].id };
      if (answer === null) return push({ type: "decision.invalid", ...key, raw: "?", reason: "no letter" });
      const position = t.order === "reversed" ? 9 - answer : answer - 1;
      const p = items[round].options[answer - 1];
      push({ type: "decision.made", ...key, option: answer, self: p.self, other: p.other, label: "ABCDEFGHI"[position], reason: null });
    });
    push({ type: "trial.completed", sessionId, trial: t.trial, agentIds: [t.agent] });
  }
  push({ type: "run.completed", status: "completed", decisions: 0, invalid: 0, costUsd: 0, message: null });
  return out;
}
