/**
 * Public-goods measures (docs/METHOD.md §11): the contribution rate, contribution / endowment.
 *
 * @example
 * contributionRate.appliesTo(game); // true for public-goods games
 */
import { meanOfDecisions, shareOfMax } from "./metric.ts";

export const contributionRate = meanOfDecisions({
  name: "contribution-rate",
  summary: "contribution as a share of the endowment, per valid decision",
  unit: "share of the endowment",
  appliesTo: (g) => g.type === "public-goods",
  value: shareOfMax,
});
