import { describe, expect, it } from "vitest";
import type { Agent, Observation, RoundResult } from "../../agents/agent.ts";
import { playSession, settle } from "../../src/environment/session.ts";
import type { EventBody } from "../../src/core/events.ts";
import type { PresentedItem } from "../../src/games/game.ts";
import { itemsGame } from "../../src/games/items.ts";
import { BudgetExhaustedError } from "../../src/models/gateway-types.ts";

const item = (id: string, options: [number, number][]) => ({ id, primary: true, options: options.map(([self, other]) => ({ self, other })) });
const ITEM1 = item("x1", [[85, 85], [85, 50], [85, 15]]);
const ITEM2 = item("x2", [[50, 100], [70, 70], [100, 50]]);
/** Options shown reversed: presented index p is canonical option order[p]. */
const presented = (it: ReturnType<typeof item>, order: number[]): PresentedItem => ({ item: it, order, labels: ["A", "B", "C"] });
/** The items game playing these presented items in this order (the state game.start would draw). */
const fromItems = (items: PresentedItem[]) => ({
  game: itemsGame({ type: "custom", items: items.map((p) => p.item), order: items.map((p) => p.item), shuffleItems: false, shuffleOptions: false, scoring: "choices", tieTolerance: 0 }),
  state: { items: items.map((p) => p.item.id), orders: items.map((p) => p.order) },
});

/** A stand-in agent that picks a presented index by a rule and records what it saw. */
function scripted(id: string, pick: (obs: Observation) => number) {
  const seen: Observation[] = [];
  const fed: RoundResult[] = [];
  const resets: string[] = [];
  const agent: Agent = {
    id,
    async decide(obs) {
      seen.push(obs);
      return { kind: "choice", index: pick(obs), reason: `${id} reason` };
    },
    feedback: (r) => void fed.push(r),
    reset: (scope) => void resets.push(scope),
  };
  return { agent, seen, fed, resets };
}

const ofType = <T extends EventBody["type"]>(events: EventBody[], type: T) =>
  events.filter((e): e is Extract<EventBody, { type: T }> => e.type === type);

describe("settle (METHOD §6)", () => {
  it("each receives own self plus the partner's other", () => {
    expect(settle([{ self: 85, other: 50 }, { self: 100, other: 50 }])).toEqual([135, 150]);
    expect(settle([{ self: 50, other: 100 }, { self: 85, other: 15 }])).toEqual([65, 185]);
  });
  it("alone: own self; invalid choices contribute nothing", () => {
    expect(settle([{ self: 93, other: 33 }])).toEqual([93]);
    expect(settle([null])).toEqual([0]);
    expect(settle([{ self: 85, other: 50 }, null])).toEqual([85, 50]);
  });
});

describe("playSession", () => {
  const plan = { sessionId: "a+b#t0", agentIds: ["a", "b"], trial: 0 };
  const items = [presented(ITEM1, [2, 1, 0]), presented(ITEM2, [0, 1, 2])];

  it("maps presented choices to canonical options, settles and feeds back with bounded memory", async () => {
    const a = scripted("a", () => 0); // first shown
    const b = scripted("b", () => 2); // last shown
    const out = await playSession({ plan, ...fromItems(items), agents: [a.agent, b.agent], feedback: true, memory: [1, 5] });
    expect(out.status).toBe("completed");
    expect(out.events.map((e) => e.type)).toEqual([
      "trial.started",
      "decision.requested", "decision.requested", "decision.made", "decision.made", "round.settled",
      "decision.requested", "decision.requested", "decision.made", "decision.made", "round.settled",
      "trial.completed",
    ]);
    const made = ofType(out.events, "decision.made");
    // Round 0 shows item 1 reversed: a's index 0 is canonical option 3 (85, 15); b's index 2 is option 1 (85, 85).
    expect(made[0]).toMatchObject({ decisionId: "a+b#t0/r0/a", agentId: "a", partnerId: "b", option: 3, self: 85, other: 15, label: "A", reason: "a reason" });
    expect(made[1]).toMatchObject({ decisionId: "a+b#t0/r0/b", option: 1, self: 85, other: 85, label: "C" });
    expect(made[2]).toMatchObject({ option: 1, self: 50, other: 100 });
    expect(made[3]).toMatchObject({ option: 3, self: 100, other: 50 });
    const settled = ofType(out.events, "round.settled");
    expect(settled[0].outcomes).toEqual([
      { agentId: "a", option: 3, received: 85 + 85 },
      { agentId: "b", option: 1, received: 85 + 15 },
    ]);
    expect(settled[1].outcomes.map((o) => o.received)).toEqual([50 + 50, 100 + 100]);
    expect(a.fed[1]).toMatchObject({ round: 1, partnerId: "b", own: { option: 1 }, partner: { option: 3, label: "C" }, received: 100, partnerReceived: 200 });
    // Memory: a remembers 1 round, b up to 5; round 1 sees round 0.
    expect(a.seen[1].history.map((h) => h.round)).toEqual([0]);
    expect(b.seen[1].history).toHaveLength(1);
    expect(a.seen[0].history).toEqual([]);
    expect(a.seen[0].item.options.map((o) => o.self + "/" + o.other)).toEqual(["85/15", "85/50", "85/85"]);
    expect(a.seen[0]).toMatchObject({ round: 0, rounds: 2, partner: { id: "b" }, sessionId: "a+b#t0" });
    expect(a.resets).toEqual(["trajectory"]);
  });

  it("continues the pair's remembered history from earlier sessions, bounded per agent, and returns its rounds", async () => {
    const a = scripted("a", () => 0);
    const b = scripted("b", () => 0);
    const earlier = (owner: string, partnerId: string, round: number): RoundResult => ({
      trial: 0, round, itemId: `old-${owner}`, partnerId, own: null, partner: null, received: round, partnerReceived: 0,
    });
    const pastA = [0, 1, 2].map((r) => earlier("a", "b", r));
    const pastB = [0, 1, 2].map((r) => earlier("b", "a", r));
    const out = await playSession({ plan: { ...plan, sessionId: "a+b#t1", trial: 1 }, ...fromItems(items), agents: [a.agent, b.agent], feedback: true, memory: [2, 4], past: [pastA, pastB] });
    expect(a.seen[0].history.map((h) => `${h.trial}/${h.round}`)).toEqual(["0/1", "0/2"]);
    expect(a.seen[1].history.map((h) => `${h.trial}/${h.round}`)).toEqual(["0/2", "1/0"]);
    expect(b.seen[0].history.map((h) => `${h.trial}/${h.round}`)).toEqual(["0/0", "0/1", "0/2"]);
    expect(b.seen[1].history.map((h) => `${h.trial}/${h.round}`)).toEqual(["0/0", "0/1", "0/2", "1/0"]);
    // The session returns its own settled rounds; the group's memory appends them to what it kept.
    expect(out.records.map((r) => `${r.trial}/${r.round}`)).toEqual(["1/0", "1/1"]);
    expect(pastA).toHaveLength(3); // the caller's arrays are not touched
    // Without feedback the past is not shown either.
    const c = scripted("a", () => 0);
    await playSession({ plan, ...fromItems(items), agents: [c.agent, b.agent], feedback: false, memory: [2, 4], past: [pastA, pastB] });
    expect(c.seen[0].history).toEqual([]);
  });

  it("without feedback agents get no history and no feedback calls", async () => {
    const a = scripted("a", () => 1);
    const b = scripted("b", () => 1);
    await playSession({ plan, ...fromItems(items), agents: [a.agent, b.agent], feedback: false, memory: [5, 5] });
    expect(a.fed).toEqual([]);
    expect(a.seen[1].history).toEqual([]);
  });

  it("an agent that throws or answers out of range gives decision.invalid, the session goes on", async () => {
    const a: Agent = { id: "a", decide: async () => { throw new Error("boom"); } };
    const b = scripted("b", (obs) => (obs.round === 0 ? 7 : 0));
    const out = await playSession({ plan, ...fromItems(items), agents: [a, b.agent], feedback: true, memory: [5, 5] });
    const invalid = ofType(out.events, "decision.invalid");
    expect(invalid.map((e) => [e.agentId, e.round, e.reason])).toEqual([
      ["a", 0, "agent error: boom"],
      ["b", 0, "option index out of range 0..2"],
      ["a", 1, "agent error: boom"],
    ]);
    const settled = ofType(out.events, "round.settled");
    expect(settled[0].outcomes).toEqual([{ agentId: "a", option: null, received: 0 }, { agentId: "b", option: null, received: 0 }]);
    // Round 1: b chose option 1 (50, 100): b receives 50, a receives b's other 100.
    expect(settled[1].outcomes.map((o) => o.received)).toEqual([100, 50]);
    expect(out.events.at(-1)?.type).toBe("trial.completed");
  });

  it("alone: partner null, receives own self", async () => {
    const a = scripted("a", () => 2);
    const out = await playSession({ plan: { sessionId: "a#t3", agentIds: ["a"], trial: 3 }, ...fromItems(items), agents: [a.agent], feedback: false, memory: [0] });
    expect(ofType(out.events, "decision.made").map((e) => [e.partnerId, e.decisionId])).toEqual([[null, "a#t3/r0/a"], [null, "a#t3/r1/a"]]);
    expect(ofType(out.events, "round.settled").map((e) => e.outcomes[0].received)).toEqual([85, 100]);
    expect(a.seen[0].partner).toBeNull();
  });

  it("a budget stop aborts the session without trial.completed", async () => {
    const a: Agent = { id: "a", decide: async (obs) => { if (obs.round === 1) throw new BudgetExhaustedError(); return { kind: "choice", index: 0 }; } };
    const b = scripted("b", () => 0);
    const out = await playSession({ plan, ...fromItems(items), agents: [a, b.agent], feedback: false, memory: [5, 5] });
    expect(out.status).toBe("aborted");
    expect(out.events.map((e) => e.type)).not.toContain("trial.completed");
    expect(ofType(out.events, "decision.made")).toHaveLength(2);
  });
});
