/**
 * What a round leaves in memory, built from its events alone: the session builds it from the
 * events it has just emitted, and a resumed run from the same events read back from the log, with
 * these same two functions, so an agent remembers exactly the same thing either way.
 *
 * @example
 * const record = roundRecord(settled, decisionsOfTheRound);
 * resultFor(record, "alice"); // alice's RoundResult: own and partner choice, what each received
 */
import type { Choice, RoundResult } from "../../agents/agent.ts";
import type { EventBody, EventOf } from "../core/events.ts";
import type { Fact } from "../games/contract.ts";

type Settled = EventBody<EventOf<"round.settled">>;
type Decided = EventBody<EventOf<"decision.made">> | EventBody<EventOf<"decision.invalid">>;

/** One settled round of a group, seen from nobody in particular. */
export interface RoundRecord {
  readonly trial: number;
  readonly round: number;
  readonly itemId: string;
  readonly groupId: string;
  /** Agent ids in member order. */
  readonly members: readonly string[];
  /** Each member's choice, member order (null: invalid or not asked this round). */
  readonly choices: readonly (Choice | null)[];
  readonly received: readonly number[];
  readonly facts: Readonly<Record<string, Fact>> | null;
}

/**
 * The record of a round from its `round.settled` event and the round's decision events (in any
 * order; members without one chose nothing this round).
 */
export function roundRecord(settled: Settled, decisions: Iterable<Decided>): RoundRecord {
  const byAgent = new Map<string, Decided>();
  for (const d of decisions) byAgent.set(d.agentId, d);
  const members = settled.outcomes.map((o) => o.agentId);
  const choices = members.map((id): Choice | null => {
    const d = byAgent.get(id);
    if (!d || d.type !== "decision.made") return null;
    return {
      option: d.option,
      label: d.label ?? "",
      // Two-person items pay (self, other); other games record null, kept as NaN so the
      // two-person view stays numeric (see Choice).
      self: d.self ?? Number.NaN,
      other: d.other ?? Number.NaN,
      action: d.action ?? null,
    };
  });
  return {
    trial: settled.trial,
    round: settled.round,
    itemId: settled.itemId,
    groupId: settled.groupId ?? members.join("+"),
    members,
    choices,
    received: settled.outcomes.map((o) => o.received),
    facts: settled.facts ?? null,
  };
}

/** The record from one member's side; null when `agentId` is not in the group. */
export function resultFor(record: RoundRecord, agentId: string): RoundResult | null {
  const index = record.members.indexOf(agentId);
  if (index < 0) return null;
  const pair = record.members.length === 2;
  const p = 1 - index;
  return {
    trial: record.trial,
    round: record.round,
    itemId: record.itemId,
    partnerId: pair ? record.members[p] : null,
    own: record.choices[index],
    partner: pair ? record.choices[p] : null,
    received: record.received[index],
    partnerReceived: pair ? record.received[p] : null,
    groupId: record.groupId,
    members: record.members,
    index,
    choices: record.choices,
    receivedAll: record.received,
    facts: record.facts,
  };
}

/** The key memory is kept under: the pair (either order) or the group (its members, sorted). */
export function memoryKey(members: readonly string[]): string {
  if (members.length === 2) return members[0] < members[1] ? `${members[0]}+${members[1]}` : `${members[1]}+${members[0]}`;
  return members.slice().sort().join("+");
}
