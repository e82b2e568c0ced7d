/**
 * An observation of a two-person item built from its two-person view alone (the item's options
 * with self/other payoffs, the partner), with the group and move views filled in as the engine
 * fills them: for tests and for authors of custom agents who drive an agent by hand.
 *
 * @example
 * const obs = twoPersonObservation({ decisionId: "s/r0/a", sessionId: "s", trial: 0, round: 0, rounds: 6,
 *   item: { id: "svo-1", options: [{ label: "A", self: 85, other: 85 }, { label: "B", self: 85, other: 76 }] },
 *   partner: null, history: [] });
 * await agent.decide(obs);
 */
import type { Observation, PresentedMoveOption } from "../../agents/agent.ts";

export type TwoPersonView = Omit<Observation, "group" | "move" | "game"> & { readonly agentId?: string };

export function twoPersonObservation(view: TwoPersonView): Observation {
  const me = view.agentId ?? view.decisionId.split("/").at(-1) ?? "a";
  const members = view.partner ? [me, view.partner.id] : [me];
  const options: PresentedMoveOption[] = view.item.options.map((o, p) => ({
    label: o.label,
    option: p,
    action: p + 1,
    text: `${o.self} for you, ${o.other} for the other participant`,
    self: o.self,
    other: o.other,
  }));
  const { agentId: _omit, ...rest } = view;
  return {
    ...rest,
    group: { id: members.join("+"), members, index: 0, role: null },
    move: {
      itemId: view.item.id,
      role: null,
      member: 0,
      options,
      facts: {},
      outcomes: () => view.item.options.map((o) => [o.self, o.other]),
    },
    game: { type: "custom", groupSize: 2, turns: "simultaneous" },
  };
}
