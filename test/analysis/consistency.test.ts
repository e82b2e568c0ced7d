import { from, lastValueFrom } from "rxjs";
import { describe, expect, it } from "vitest";
import { analyze } from "../../analysis/operators.ts";
import { itemsCsv, ITEM_COLUMNS, parseCsv } from "../../analysis/report/csv.ts";
import type { HvaeEvent } from "../../src/core/events.ts";
import { sliderLog } from "./slider-log.ts";

const analysisOf = (events: HvaeEvent[]) => lastValueFrom(from(events).pipe(analyze()));

// Version A answers (METHOD §3): the inequality-averse prosocial archetype (transitive, 37.4824°,
// VR 1 for a prosocial target), the individualistic archetype (transitive, 7.8153°, VR 0.451249)
// and "always option 1" (intransitive).
const PRO = [1, 9, 9, 4, 5, 9];
const IND = [1, 9, 9, 9, 1, 1];
const ONES = [1, 1, 1, 1, 1, 1];
// Secondary answers at the inequality-aversion ideal (D_IA = 0: index 0) and at the joint-gain
// ideal (constant-sum items at 5: D_JG = 0, D_IA = 1.5/9, D_ind = D_alt = 0.5: index 1).
const IA = [6, 5, 4, 7, 5, 8, 5, 3, 2];
const JG = [9, 5, 1, 9, 5, 9, 5, 1, 1];

describe("consistency on LLM-style trajectories (METHOD §15)", () => {
  it("transitivity share, drift of VR and angle over trials, test–retest agreement", async () => {
    const { summary } = await analysisOf(
      sliderLog({
        items: 6,
        trajectories: [
          { agent: "a", trial: 0, answers: PRO },
          { agent: "a", trial: 1, answers: PRO },
          { agent: "a", trial: 2, answers: IND },
          { agent: "b", trial: 0, answers: ONES },
          { agent: "b", trial: 1, answers: PRO },
        ],
      }),
    );
    const [a, b] = summary.agents;
    expect(a.consistency.transitivity).toBe(1);
    expect(a.consistency.transitivityN).toBe(3);
    expect(b.consistency.transitivity).toBe(0.5);
    // Primary items only: no inequality-aversion index.
    expect(a.consistency.iaEligible).toBeNull();
    expect(a.consistency.iaIndex).toBeNull();
    // Slope over trials 0, 1, 2 of (1, 1, 0.451249): (0.451249 − 1) / 2; angles: (7.8153 − 37.4824) / 2.
    expect(a.consistency.drift.trials).toBe(3);
    expect(a.consistency.drift.vrSlope).toBeCloseTo((0.45124883886963896 - 1) / 2, 12);
    expect(a.consistency.drift.angleSlope).toBeCloseTo((7.815293546766881 - 37.482411427718475) / 2, 9);
    expect(a.consistency.drift.vrSlopeCI).not.toBeNull();
    // Retest for a: 3 pairs per item × 6 items = 18; PRO and IND differ on items 4–6 (PRO–IND
    // pairs disagree there: 2 of 3 pairs each), so 18 − 3·2 = 12 agree.
    expect(a.consistency.retest!.pairs).toBe(18);
    expect(a.consistency.retest!.agreement).toBeCloseTo(12 / 18, 12);
    expect(a.consistency.retest!.chance).toBeCloseTo(1 / 9, 12);
    // b: one pair per item; ONES and PRO agree on item 1 only.
    expect(b.consistency.retest!.agreement).toBeCloseTo(1 / 6, 12);
    // The group pools both agents' pairs (never across agents): (12 + 1) / (18 + 6).
    expect(summary.groups[0].consistency.retest!.agreement).toBeCloseTo(13 / 24, 12);
    expect(summary.groups[0].consistency.transitivity).toBeCloseTo(4 / 5, 12);
  });

  it("pairs in the same trial are not a retest (two trajectories of one agent in one trial)", async () => {
    const { summary } = await analysisOf(
      sliderLog({
        items: 6,
        trajectories: [
          { agent: "a", trial: 0, answers: PRO },
          { agent: "a", trial: 0, answers: IND, session: "a-second#t0" },
          { agent: "a", trial: 1, answers: PRO },
        ],
      }),
    );
    // Only the two cross-trial pairs per item count (12): PRO–PRO agree on 6 items, IND–PRO on items 1–3.
    const r = summary.agents[0].consistency.retest!;
    expect(r.pairs).toBe(12);
    expect(r.agreement).toBeCloseTo(9 / 12, 12);
  });

  it("the inequality-aversion index on all 15 items, as hvae score computes it", async () => {
    const { summary } = await analysisOf(
      sliderLog({
        items: 15,
        trajectories: [
          { agent: "a", trial: 0, answers: [...PRO, ...IA] },
          { agent: "a", trial: 1, answers: [...PRO, ...JG] },
          { agent: "a", trial: 2, answers: [...IND, ...IA] }, // individualistic: no index
          { agent: "a", trial: 3, answers: [...PRO, ...IA.slice(0, 8), null] }, // incomplete
        ],
      }),
    );
    const c = summary.agents[0].consistency;
    expect(c.iaEligible).toBe(3);
    expect(c.iaN).toBe(2);
    expect(c.iaIndex).toBeCloseTo(0.5, 12);
  });

  it("per-item choice distributions per group, in JSON and items.csv", async () => {
    const events = sliderLog({
      items: 6,
      values: { a: "prosocial", b: "prosocial", c: "individualistic" },
      trajectories: [
        { agent: "a", trial: 0, answers: PRO },
        { agent: "b", trial: 0, answers: [2, 9, 9, 4, 5, null] },
        { agent: "c", trial: 0, answers: IND },
      ],
    });
    const { summary } = await analysisOf(events);
    const pro1 = summary.items.find((d) => d.value === "prosocial" && d.itemId === "svo-1")!;
    expect(pro1.counts).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(pro1.shares).toEqual([0.5, 0.5, 0, 0, 0, 0, 0, 0, 0]);
    const pro6 = summary.items.find((d) => d.value === "prosocial" && d.itemId === "svo-6")!;
    expect([pro6.n, pro6.invalid]).toEqual([1, 1]);
    expect(summary.items.filter((d) => d.value === "individualistic").map((d) => d.itemId)).toEqual(["svo-1", "svo-2", "svo-3", "svo-4", "svo-5", "svo-6"]);

    const rows = parseCsv(itemsCsv(summary));
    expect(rows[0]).toEqual([...ITEM_COLUMNS]);
    // One row per group × item × option.
    expect(rows.length - 1).toBe(2 * 6 * 9);
    const rec = rows.slice(1).map((r) => Object.fromEntries(ITEM_COLUMNS.map((c, k) => [c, r[k]])));
    const cell = rec.find((r) => r.value === "prosocial" && r.itemId === "svo-1" && r.option === "2")!;
    expect([cell.count, cell.share, cell.n]).toEqual(["1", "0.5", "2"]);
  });
});
