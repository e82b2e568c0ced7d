/**
 * The one place game measures are registered (docs/METHOD.md §11). A measure is a module of its
 * own (metric.ts has the contract); `hvae analyze`, its `--json` and the report show every
 * registered measure that applies to the run's game, in this order.
 *
 * @example
 * metricsFor(game).map((m) => m.name); // ["contribution-rate"] on a public-goods run
 */
import type { Game } from "../../src/games/contract.ts";
import { collapseRate, finalStock, harvest, survivalRounds } from "./commons.ts";
import type { Metric } from "./metric.ts";
import { contributionRate } from "./public-goods.ts";
import { returned, sent } from "./trust.ts";
import { acceptanceRate, offer } from "./ultimatum.ts";

export const METRICS: readonly Metric<any>[] = [
  contributionRate,
  harvest,
  finalStock,
  survivalRounds,
  collapseRate,
  offer,
  acceptanceRate,
  sent,
  returned,
];

/** The registered measures that apply to a game. */
export function metricsFor(game: Game): Metric<any>[] {
  return METRICS.filter((m) => m.appliesTo(game));
}
