/**
 * Trust-game measures (docs/METHOD.md §11): the share of the endowment the investor sent, and the
 * share of what it received that the trustee returned (rounds where something was received).
 *
 * @example
 * sent.unit; // "share of the endowment"
 */
import { meanOfDecisions, shareOfMax } from "./metric.ts";

const isTrust = (g: { type: string }) => g.type === "trust";

export const sent = meanOfDecisions({
  name: "sent",
  summary: "the amount the investor sent, as a share of its endowment",
  unit: "share of the endowment",
  appliesTo: isTrust,
  value: (d) => (d.move.role === "investor" ? shareOfMax(d) : null),
});

export const returned = meanOfDecisions({
  name: "returned",
  summary: "the amount the trustee returned, as a share of what it received (rounds where it received something)",
  unit: "share of the amount received",
  appliesTo: isTrust,
  value: (d) => (d.move.role === "trustee" ? shareOfMax(d) : null),
});
