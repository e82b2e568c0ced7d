/**
 * Ultimatum measures (docs/METHOD.md §11): the proposer's offer as a share of the endowment, and
 * the responder's acceptance rate (over the offers it answered validly).
 *
 * @example
 * acceptanceRate.summary; // "share of offers the responder accepted"
 */
import { meanOfDecisions, shareOfMax } from "./metric.ts";

const isUltimatum = (g: { type: string }) => g.type === "ultimatum";

export const offer = meanOfDecisions({
  name: "offer",
  summary: "the proposer's offer as a share of the endowment",
  unit: "share of the endowment",
  appliesTo: isUltimatum,
  value: (d) => (d.move.role === "proposer" ? shareOfMax(d) : null),
});

export const acceptanceRate = meanOfDecisions({
  name: "acceptance-rate",
  summary: "share of offers the responder accepted",
  unit: "share of offers",
  appliesTo: isUltimatum,
  value: (d) => (d.move.role === "responder" ? (d.move.options[d.option].action === "accept" ? 1 : 0) : null),
});
