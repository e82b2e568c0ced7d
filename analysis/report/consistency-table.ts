/**
 * The terminal table of position bias and consistency per group (METHOD §14–15): the share of
 * first-option choices beside its chance, the order effect when counterbalanced, transitivity,
 * the inequality-aversion index (all 15 items), test–retest agreement beside chance, and the
 * drift of VR over trials, each with its 95 % interval.
 *
 * @example
 * const t = consistencyTable(summary); // null when no group has a first-option share
 * if (t) console.log(textTable(t.header, t.rows));
 */
import type { Summary } from "../summary.ts";
import { fmt, fmtCI } from "./tables.ts";

export interface ConsistencyTableData {
  header: string[];
  rows: string[][];
  note: string;
}

export function consistencyTable(s: Summary): ConsistencyTableData | null {
  if (!s.groups.some((g) => g.firstOptionShare !== null || g.consistency.drift.trials > 1)) return null;
  const counterbalanced = s.groups.some((g) => g.orderEffect !== null);
  const slider = s.run.method === "slider";
  const ia = s.groups.some((g) => g.consistency.iaEligible !== null);
  const header = ["model", "condition", "value", "1st option", "chance"];
  if (counterbalanced) header.push(slider ? "order effect °" : "order effect VR", "95% CI");
  if (slider) header.push("transitive");
  if (ia) header.push("IA index (n)");
  header.push("retest", "chance", "VR drift /trial", "95% CI");
  const rows = s.groups.map((g) => {
    const c = g.consistency;
    const row = [g.model, g.condition ?? "-", g.value, fmt(g.firstOptionShare, 3), fmt(g.firstOptionChance, 3)];
    if (counterbalanced) {
      const e = g.orderEffect;
      row.push(fmt(slider ? e?.angle : e?.vr, slider ? 2 : 3), fmtCI((slider ? e?.angleCI : e?.vrCI) ?? null, slider ? 2 : 3));
    }
    if (slider) row.push(fmt(c.transitivity, 2));
    if (ia) row.push(c.iaIndex === null ? "–" : `${fmt(c.iaIndex, 2)} (${c.iaN})`);
    row.push(fmt(c.retest?.agreement, 2), fmt(c.retest?.chance, 2), fmt(c.drift.vrSlope, 4), fmtCI(c.drift.vrSlopeCI, 4));
    return row;
  });
  const note =
    "1st option: share of valid decisions on the option shown first (chance 1/k)" +
    (counterbalanced ? "; order effect: reversed minus printed option order" : "") +
    "; retest: same agent, same item, different trials; drift: least-squares slope over the trial index (METHOD §14–15).";
  return { header, rows, note };
}
