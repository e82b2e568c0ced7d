/**
 * Every built-in game module scored on its own choices: a perfect maximiser of V (a random
 * option of its ideal set, so every tie-break occurs) scores VR = 1 against V, in groups of the
 * game's size; random agents are never given a point angle or a category.
 */
import { from, lastValueFrom } from "rxjs";
import { describe, expect, it } from "vitest";
import { analyze } from "../../analysis/operators.ts";
import type { HvaeEvent, ValueSpec } from "../../src/core/events.ts";
import type { Game, GameModule } from "../../src/games/contract.ts";
import { commons } from "../../src/games/commons.ts";
import { expression } from "../../src/games/expression.ts";
import { publicGoods } from "../../src/games/public-goods.ts";
import { trust } from "../../src/games/trust.ts";
import { ultimatum } from "../../src/games/ultimatum.ts";
import { simulateGame, type SimAgent } from "./games/simulate.ts";

const TARGETS: ValueSpec[] = ["altruistic", "prosocial", "individualistic", "competitive", 30, -15, 60];

const make = <S extends { type: string }>(m: GameModule<S>, spec: object): Game => m.create(m.schema.parse(spec));
const GAMES: [string, Game][] = [
  ["public-goods", make(publicGoods, { type: "public-goods", groupSize: 4, rounds: 3 })],
  ["commons", make(commons, { type: "commons", groupSize: 3, rounds: 4 })],
  ["ultimatum", make(ultimatum, { type: "ultimatum", endowment: 10, step: 1, rounds: 2 })],
  ["trust", make(trust, { type: "trust", endowment: 10, step: 2, rounds: 2 })],
  ["expression", make(expression, {
    type: "expression", groupSize: 3, rounds: 3, actions: { from: 1, to: 5, step: 1 }, payoff: "a * min(actions) - b * action + c", params: { a: 2, b: 1, c: 6 },
  })],
];

/** One group per value, all members of that value and chooser, in one log. */
async function analyseGroups(game: Game, values: ValueSpec[], chooser: SimAgent["chooser"], trials: number) {
  const groups = values.map((v, i) => Array.from({ length: game.groupSize }, (_, m): SimAgent => ({ id: `g${i}m${m}`, value: v, chooser })));
  const logs = groups.map((g, i) => simulateGame(game, g, { trials, seed: 40 + i }));
  const start = { ...(logs[0][0] as object), agents: groups.flat().map((a) => ({ id: a.id, type: a.chooser, value: a.value, model: null, condition: null })) } as HvaeEvent;
  const events = [start, ...logs.flatMap((l) => l.slice(1))];
  return (await lastValueFrom(from(events).pipe(analyze({ resolveGame: () => game })))).summary;
}

describe("scoring on the built-in games", () => {
  for (const [name, game] of GAMES) {
    it(`${name}: perfect maximisers score VR = 1 against their value`, async () => {
      const s = await analyseGroups(game, TARGETS, "maximiser", 3);
      expect(s.run.method).toBe("choices");
      for (const a of s.agents) {
        expect(a.trajectories).toBe(3);
        expect(a.vr, `${a.id} (${String(a.value)})`).toBe(1);
        expect(a.angle === null || a.identified).toBe(true);
      }
    });
  }

  for (const [name, game] of GAMES.filter(([n]) => n !== "expression")) {
    it(`${name}: random agents are never given a point angle or a category`, async () => {
      const s = await analyseGroups(game, ["altruistic", "prosocial", "individualistic", "competitive"], "random", 10);
      for (const x of [...s.agents, ...s.groups]) {
        expect(x.identified, `${name}: ${x.reason}`).toBe(false);
        expect(x.angle).toBeNull();
        expect(x.category).toBeNull();
      }
    });
  }
});
