// An independent reading of per-partner memory: from a finished log alone, what history each
// decision should have seen (the last `window` rounds with that partner over the pair's earlier
// trials and this session's earlier rounds). Deliberately naive (quadratic) so it shares no code
// with the engine.
import type { RoundResult } from "../../agents/agent.ts";
import type { EventOf, HvaeEvent } from "../../src/core/events.ts";

type Made = EventOf<"decision.made">;

/** Per session, per agent: the round results it learned, in round order. */
export function sessionResults(events: readonly HvaeEvent[]): Map<string, { trial: number; byAgent: Map<string, RoundResult[]> }> {
  const choices = new Map<string, Made | null>(); // decisionId → choice
  const partnerOf = new Map<string, string | null>();
  const out = new Map<string, { trial: number; byAgent: Map<string, RoundResult[]> }>();
  for (const e of events) {
    if (e.type === "decision.made" || e.type === "decision.invalid") {
      choices.set(e.decisionId, e.type === "decision.made" ? e : null);
      partnerOf.set(`${e.sessionId}/${e.agentId}`, e.partnerId);
    } else if (e.type === "round.settled") {
      let s = out.get(e.sessionId);
      if (!s) out.set(e.sessionId, (s = { trial: e.trial, byAgent: new Map() }));
      for (const me of e.outcomes) {
        const partnerId = partnerOf.get(`${e.sessionId}/${me.agentId}`) ?? null;
        const other = e.outcomes.find((o) => o.agentId !== me.agentId) ?? null;
        const pick = (id: string) => {
          const c = choices.get(`${e.sessionId}/r${e.round}/${id}`);
          return c ? { option: c.option, label: c.label ?? "", self: c.self!, other: c.other! } : null;
        };
        const list = s.byAgent.get(me.agentId) ?? [];
        list.push({
          trial: e.trial,
          round: e.round,
          itemId: e.itemId,
          partnerId,
          own: pick(me.agentId),
          partner: other ? pick(other.agentId) : null,
          received: me.received,
          partnerReceived: other ? other.received : null,
        });
        s.byAgent.set(me.agentId, list);
      }
    }
  }
  return out;
}

/** What agent `agentId` should see in session `sessionId` (trial `trial`) at `round`. */
export function expectedHistory(
  results: ReturnType<typeof sessionResults>,
  at: { sessionId: string; trial: number; round: number; agentId: string; partnerId: string | null },
  window: number,
): RoundResult[] {
  const earlier: RoundResult[] = [];
  if (at.partnerId !== null) {
    const sessions = [...results.values()].filter((s) => s.trial < at.trial).sort((a, b) => a.trial - b.trial);
    for (const s of sessions) {
      for (const r of s.byAgent.get(at.agentId) ?? []) if (r.partnerId === at.partnerId) earlier.push(r);
    }
  }
  const now = (results.get(at.sessionId)?.byAgent.get(at.agentId) ?? []).filter((r) => r.round < at.round);
  const all = [...earlier, ...now];
  return window <= 0 ? [] : all.slice(Math.max(0, all.length - window));
}

/**
 * The two-person fields of remembered rounds, as this oracle builds them: the engine's results
 * also carry group fields (groupId, members, choices, …), which the oracle does not model.
 */
export function legacy(history: readonly RoundResult[]): RoundResult[] {
  const choice = (c: RoundResult["own"]) => (c ? { option: c.option, label: c.label, self: c.self, other: c.other } : null);
  return history.map((h) => ({
    trial: h.trial, round: h.round, itemId: h.itemId, partnerId: h.partnerId,
    own: choice(h.own), partner: choice(h.partner), received: h.received, partnerReceived: h.partnerReceived,
  }));
}
