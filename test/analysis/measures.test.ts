/**
 * Game measures (docs/METHOD.md §11) through the metric registry: hand-computed values from
 * groups of perfect maximisers, in `hvae analyze --json`'s `measures` and the terminal table.
 */
import { from, lastValueFrom } from "rxjs";
import { describe, expect, it } from "vitest";
import { allocationGame } from "../../analysis/allocation-game.ts";
import { METRICS, metricsFor } from "../../analysis/metrics/registry.ts";
import { analyze } from "../../analysis/operators.ts";
import { formatSummary } from "../../analysis/report/terminal.ts";
import { summaryMarkdown } from "../../analysis/report/markdown.ts";
import type { MeasureSummary, Summary } from "../../analysis/summary.ts";
import type { HvaeEvent, ValueSpec } from "../../src/core/events.ts";
import type { Game, GameModule } from "../../src/games/contract.ts";
import { commons } from "../../src/games/commons.ts";
import { publicGoods } from "../../src/games/public-goods.ts";
import { trust } from "../../src/games/trust.ts";
import { ultimatum } from "../../src/games/ultimatum.ts";
import { simulateGame, type SimAgent } from "./games/simulate.ts";

const make = <S extends { type: string }>(m: GameModule<S>, spec: object): Game => m.create(m.schema.parse(spec));

/** Groups of maximisers, one per list of member values, in one log. */
async function play(game: Game, groups: ValueSpec[][], trials = 2) {
  const members = groups.map((g, i) => g.map((v, m): SimAgent => ({ id: `g${i}m${m}`, value: v, chooser: "maximiser" })));
  const logs = members.map((g, i) => simulateGame(game, g, { trials, seed: 60 + i }));
  const start = { ...(logs[0][0] as object), agents: members.flat().map((a) => ({ id: a.id, type: "utility", value: a.value, model: null, condition: null })) } as HvaeEvent;
  const events = [start, ...logs.flatMap((l) => l.slice(1))];
  return { summary: (await lastValueFrom(from(events).pipe(analyze({ resolveGame: () => game })))).summary, events };
}

const measure = (s: Summary, name: string): MeasureSummary => s.measures.find((m) => m.name === name)!;

describe("game measures", () => {
  it("are registered once, by unique name, with unit and summary; the slider and two-person items have none", () => {
    const names = METRICS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const m of METRICS) expect(m.unit.length * m.summary.length).toBeGreaterThan(0);
    expect(metricsFor(allocationGame("svo-slider", []))).toEqual([]);
    expect(metricsFor(allocationGame("dictator", []))).toEqual([]);
  });

  it("public goods: contribution rate 1 for prosocial members, 0 for individualists", async () => {
    const game = make(publicGoods, { type: "public-goods", groupSize: 4, rounds: 3 });
    const { summary } = await play(game, [["prosocial", "prosocial", "individualistic", "individualistic"]]);
    const m = measure(summary, "contribution-rate");
    expect(m.value).toBe(0.5);
    expect(m.n).toBe(2 * 3 * 4);
    expect(m.agents).toEqual({ g0m0: 1, g0m1: 1, g0m2: 0, g0m3: 0 });
    expect(m.groups.map((g) => [g.value, g.mean])).toEqual([["prosocial", 1], ["individualistic", 0]]);
    // Intervals resample agents: two agents at 1 and two at 0 give the whole [0, 1] for the run.
    expect(m.ciUnit).toBe("agent");
    expect(m.ci).toEqual([0, 1]);
    expect(m.groups.map((g) => g.ci)).toEqual([[1, 1], [0, 0]]);
    expect(formatSummary(summary)).toMatch(/Game measures[\s\S]*contribution-rate\s+share of the endowment\s+0\.500 \[0\.000, 1\.000\] \(24\)\s+1\.000 \[1\.000, 1\.000\]\s+0\.000 \[0\.000, 0\.000\]/);
    expect(summaryMarkdown(summary)).toMatch(/## Game measures/);
  });

  // Maximisers take a random option among ties, so the cases below are those with one ideal option.
  it("ultimatum: an individualist proposer offers 0, an altruist everything; prosocial responders accept both", async () => {
    const game = make(ultimatum, { type: "ultimatum", endowment: 10, step: 1, rounds: 2 });
    const { summary } = await play(game, [["individualistic", "prosocial"], ["altruistic", "prosocial"]]);
    expect(measure(summary, "offer").agents).toEqual({ g0m0: 0, g0m1: null, g1m0: 1, g1m1: null });
    expect(measure(summary, "offer").value).toBe(0.5);
    expect(measure(summary, "acceptance-rate").agents).toEqual({ g0m0: null, g0m1: 1, g1m0: null, g1m1: 1 });
  });

  it("trust: 60° investors send everything and 60° trustees return everything; an individualist sends nothing (no return to measure)", async () => {
    const game = make(trust, { type: "trust", endowment: 10, step: 2, rounds: 2 });
    const { summary } = await play(game, [[60, 60], ["individualistic", "individualistic"]]);
    expect(measure(summary, "sent").agents).toEqual({ g0m0: 1, g0m1: null, g1m0: 0, g1m1: null });
    expect(measure(summary, "returned").agents).toEqual({ g0m0: null, g0m1: 1, g1m0: null, g1m1: null });
  });

  it("commons: one round of individualists takes 3 × 20 of 100, 40 regrow to 80; longer trials as the log's last settlements say", async () => {
    const one = await play(make(commons, { type: "commons", groupSize: 3, rounds: 1 }), [["individualistic", "individualistic", "individualistic"]]);
    expect(measure(one.summary, "harvest").value).toBe(20);
    expect(measure(one.summary, "final-stock").value).toBe(80);
    expect(measure(one.summary, "survival-rounds").value).toBe(1);
    expect(measure(one.summary, "collapse-rate").value).toBe(0);
    expect(measure(one.summary, "final-stock").n).toBe(2);

    const game = make(commons, { type: "commons", groupSize: 3, rounds: 4 });
    const greedy = await play(game, [["competitive", "competitive", "competitive"]], 3);
    const last = new Map<string, Record<string, unknown>>();
    for (const e of greedy.events) if (e.type === "round.settled") last.set(e.sessionId, (e as unknown as { facts: Record<string, unknown> }).facts);
    const facts = [...last.values()];
    const mean = (k: string) => facts.reduce((s, f) => s + Number(f[k]), 0) / facts.length;
    expect(measure(greedy.summary, "final-stock").value).toBeCloseTo(mean("stockAfter"), 12);
    expect(measure(greedy.summary, "survival-rounds").value).toBeCloseTo(mean("roundsPlayed"), 12);
    expect(measure(greedy.summary, "collapse-rate").value).toBeCloseTo(facts.filter((f) => f.collapsed).length / facts.length, 12);
    expect(measure(greedy.summary, "harvest").value!).toBeGreaterThan(0);
  });
});
