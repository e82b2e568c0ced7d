/**
 * Scoring every game honestly (docs/METHOD.md §9–10): on games whose scoring is "choices", a
 * perfect maximiser of V scores VR = 1 against V (over every tie-break), the chance baseline is
 * exact for the moves as presented, and random agents are never given a point angle or category.
 */
import { lastValueFrom, from } from "rxjs";
import { describe, expect, it } from "vitest";
import { analyze } from "../../analysis/operators.ts";
import { allocationGame } from "../../analysis/allocation-game.ts";
import { moveScore } from "../../analysis/choice-vr.ts";
import { identify } from "../../analysis/identification.ts";
import { angleCell } from "../../analysis/report/tables.ts";
import { formatSummary } from "../../analysis/report/terminal.ts";
import { SLIDER_ITEMS } from "../../src/core/instrument.ts";
import { valueAngle } from "../../src/core/values.ts";
import type { Game } from "../../src/games/contract.ts";
import type { HvaeEvent, ValueSpec } from "../../src/core/events.ts";
import { publicGoods, ultimatum } from "./games/contract-games.ts";
import { simulateGame, type SimAgent } from "./games/simulate.ts";

const TARGETS: ValueSpec[] = ["altruistic", "prosocial", "individualistic", "competitive", 30, -15, 60];

const custom = allocationGame(
  "custom",
  SLIDER_ITEMS.map((it) => ({ id: `c${it.number}`, primary: false, options: it.options })),
);
const dictator = allocationGame("dictator", [
  { id: "dictator-1", primary: false, options: [0, 25, 50, 75, 100].map((x) => ({ self: 100 - x, other: x })) },
]);
const pg = publicGoods({ groupSize: 4, endowment: 20, multiplier: 1.6, step: 5 });
const ult = ultimatum({ endowment: 10, step: 1 });
const GAMES: [string, Game][] = [["custom", custom], ["dictator", dictator], ["public goods", pg], ["ultimatum", ult]];

async function analyse(game: Game, events: HvaeEvent[]) {
  return (await lastValueFrom(from(events).pipe(analyze({ resolveGame: () => game })))).summary;
}

describe("choice scoring on any game", () => {
  for (const [name, game] of GAMES) {
    it(`${name}: a perfect maximiser of each target scores VR = 1 against it, every trajectory`, async () => {
      const agents: SimAgent[] = TARGETS.map((v, i) => ({ id: `m${i}`, value: v, chooser: "maximiser" }));
      // Two-player sequential games play in pairs of the same value (each member a maximiser); others alone.
      const events =
        game.turns === "sequential"
          ? TARGETS.flatMap((v, i) =>
              simulateGame(game, [{ id: `p${i}`, value: v, chooser: "maximiser" }, { id: `r${i}`, value: v, chooser: "maximiser" }], { trials: 6, seed: 10 + i }),
            ).filter((e, k) => e.type !== "run.started" || k === 0)
          : simulateGame(game, agents, { trials: 6, seed: 3, single: true });
      const summary = game.turns === "sequential" ? await analyseSequential(game) : await analyse(game, events);
      expect(summary.run.method).toBe("choices");
      for (const a of summary.agents) {
        expect(a.vr, `${a.id} ${String(a.value)}`).toBe(1);
        expect(a.trajectories).toBeGreaterThan(0);
        // The target's own angle is among the angles consistent with the choices.
        const phi = valueAngle(a.value);
        if (!a.identified) expect(a.angleSet!.some(([lo, hi]) => phi >= lo - 0.1 && phi <= hi + 0.1), `${a.id}: ${a.reason}`).toBe(true);
      }
    });
  }

  it("exact chance baselines: numeric distances over the action range, categorical 0/1", () => {
    const give = dictator.restore("dictator-1", null, 0, {});
    const s = moveScore(dictator, give, 0);
    expect(s.ideal).toEqual([0]);
    expect([...s.distance]).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(s.dMax).toBe(1);
    expect(s.chanceDistance).toBe(0.5);
    // Constant-sum: every split is ideal for a prosocial target, the move weighs nothing.
    expect(moveScore(dictator, give, 45).dMax).toBe(0);
    // Public goods (m/N = 0.4 < 1 < m): individualists give nothing, prosocials everything.
    const contribute = pg.restore("contribute", null, 0, {});
    expect(moveScore(pg, contribute, 0).ideal).toEqual([0]);
    expect(moveScore(pg, contribute, 45).ideal).toEqual([4]);
    expect(moveScore(pg, contribute, 45).chanceDistance).toBe(0.5);
    // Ultimatum responder: categorical; an individualist accepts any positive offer, a competitor rejects 3 of 10.
    const respond = ult.restore("respond", "responder", 1, { offer: 3 });
    expect(moveScore(ult, respond, 0)).toMatchObject({ ideal: [0], kind: "categorical", dMax: 1, chanceDistance: 0.5 });
    expect(moveScore(ult, respond, -45).ideal).toEqual([1]);
  });

  it("the issue's case: on a custom game a perfect altruist and competitor score VR 1, not 0 and 0.51", async () => {
    const events = simulateGame(custom, [
      { id: "alt", value: "altruistic", chooser: "maximiser" },
      { id: "comp", value: "competitive", chooser: "maximiser" },
    ], { trials: 4, seed: 5, single: true });
    const s = await analyse(custom, events);
    expect(s.agents.map((a) => a.vr)).toEqual([1, 1]);
    for (const a of s.agents) {
      expect(a.identified).toBe(false);
      expect(a.reason).toMatch(/^separation/);
      expect(a.angle).toBeNull();
      expect(a.category).toBeNull();
    }
    // The altruist's consistent set holds 90°, the competitor's −45°.
    expect(s.agents[0].angleSet!.some(([lo, hi]) => lo <= 90 && 90 <= hi)).toBe(true);
    expect(s.agents[1].angleSet!.some(([lo, hi]) => lo <= -45 && -45 <= hi)).toBe(true);
    expect(angleCell(s.agents[0])).toMatch(/^not identified \(separation\) \[/);
    expect(formatSummary(s)).toMatch(/not identified \(separation\)/);
  });

  for (const [name, game] of [["custom", custom], ["dictator", dictator], ["public goods", pg]] as [string, Game][]) {
    it(`${name}: random agents are never given a point angle or a category (several seeds)`, async () => {
      for (const seed of [1, 2, 3]) {
        const agents: SimAgent[] = ["altruistic", "prosocial", "individualistic", "competitive"].map((v, i) => ({
          id: `r${i}`, value: v as ValueSpec, chooser: "random",
        }));
        const s = await analyse(game, simulateGame(game, agents, { trials: 40, seed, single: true }));
        for (const x of [...s.agents, ...s.groups, ...s.interactions]) {
          expect(x.identified, `${name} seed ${seed}: ${x.reason}`).toBe(false);
          expect(x.angle).toBeNull();
          expect(x.reason).toMatch(/^(β ≈ 0|flat likelihood|every angle fits|indifference)/);
        }
        for (const a of s.agents) expect(a.category).toBeNull();
        for (const g of s.groups) {
          expect(g.category).toBeNull();
          expect(g.categoryAccuracy).toBeNull();
          // VR of random choices sits at its chance baseline.
          if (g.vrChance! < 1) expect(Math.abs(g.vr! - g.vrChance!)).toBeLessThan(0.12);
        }
      }
    });
  }

  it("a logit chooser with clear β on a custom game is identified near its angle; on public goods θ is not (flat likelihood)", async () => {
    const s = await analyse(custom, simulateGame(custom, [{ id: "l", value: 30, chooser: "logit", beta: 0.5 }], { trials: 30, seed: 9, single: true }));
    const a = s.agents[0];
    expect(a.identified).toBe(true);
    expect(Math.abs(a.angle! - 30)).toBeLessThan(8);
    expect(a.angleCI![0]).toBeLessThan(30);
    expect(a.angleCI![1]).toBeGreaterThan(30);
    expect(a.category).toBe("prosocial");
    // Public goods: utility is linear in one quantity (the contribution), so only the sign of one trade-off is revealed.
    const p = await analyse(pg, simulateGame(pg, [{ id: "l", value: 60, chooser: "logit", beta: 0.3 }], { trials: 200, seed: 9, single: true }));
    expect(p.agents[0]).toMatchObject({ identified: false, angle: null, category: null });
    expect(p.agents[0].reason).toMatch(/^flat likelihood/);
    // Constant-sum dictator splits: the likelihood is flat over a half circle (open ends), never a point.
    const d = await analyse(dictator, simulateGame(dictator, [{ id: "l", value: 20, chooser: "logit", beta: 0.08 }], { trials: 80, seed: 9, single: true }));
    expect(d.agents[0]).toMatchObject({ identified: false, angle: null, category: null });
    expect(d.agents[0].reason).toMatch(/^flat likelihood/);
  });

  it("identify: no choices, and choices every angle fits", () => {
    const give = dictator.restore("dictator-1", null, 0, {});
    expect(identify(dictator, [{ move: give, counts: [0, 0, 0, 0, 0] }])).toMatchObject({ identified: false, reason: "no valid choices" });
    const single = allocationGame("custom", [{ id: "one", primary: false, options: [{ self: 1, other: 1 }] }]);
    const id = identify(single, [{ move: single.restore("one", null, 0, {}), counts: [5] }]);
    expect(id).toMatchObject({ identified: false, angleSet: [[-180, 179.9]] });
    expect(id.reason).toMatch(/^every angle fits/);
  });
});

/** Ultimatum pairs of each target value (proposer and responder both maximisers), one log. */
async function analyseSequential(game: Game) {
  const agents: SimAgent[] = TARGETS.flatMap((v, i) => [
    { id: `p${i}`, value: v, chooser: "maximiser" as const },
    { id: `r${i}`, value: v, chooser: "maximiser" as const },
  ]);
  const logs = TARGETS.map((_, i) => simulateGame(game, [agents[2 * i], agents[2 * i + 1]], { trials: 6, seed: 20 + i }));
  const start = { ...(logs[0][0] as object), agents: agents.map((a) => ({ id: a.id, type: a.chooser, value: a.value, model: null, condition: null })) } as HvaeEvent;
  const rest = logs.flatMap((l) => l.slice(1));
  return analyse(game, [start, ...rest]);
}
