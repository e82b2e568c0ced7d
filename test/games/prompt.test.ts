import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/random.ts";
import { commons } from "../../src/games/commons.ts";
import { optionLabels } from "../../src/games/game.ts";
import { GameTemplateError, renderGamePrompt, resolveGameTemplates } from "../../src/games/prompt.ts";
import { publicGoods } from "../../src/games/public-goods.ts";
import { trust } from "../../src/games/trust.ts";
import { ultimatum } from "../../src/games/ultimatum.ts";
import type { Game, Move } from "../../src/games/contract.ts";

const shown = (game: Game, move: Move) => {
  const order = game.presentation(game.start(createRng(1)), 0, move);
  const labels = optionLabels(order.length);
  return order.map((k, p) => ({ label: labels[p], option: move.options[k] }));
};

describe("game prompts", () => {
  it("the responder's prompt states the rules, its role, the offer and the labelled options", () => {
    const game = ultimatum.create(ultimatum.schema.parse({ type: "ultimatum", rounds: 2 }));
    const move = game.move(game.start(createRng(1)), 1, 1, [{ member: 0, option: 2 }]);
    const p = renderGamePrompt(game, move, shown(game, move));
    expect(p.rules).toMatch(/^This is a game for two people, a proposer and a responder, with 2 round\(s\)\..*You are the responder\.$/s);
    expect(p.move).toBe(
      "Round 2 of 2. You are the responder. The proposer has 100 coins and offers you 20 of them, keeping 80.\n\n" +
        "Do you accept or reject the offer?\nA: accept: you get 20, the proposer keeps 80\nB: reject: you both get 0",
    );
  });

  it("the trustee sees what was sent and what arrived", () => {
    const game = trust.create(trust.schema.parse({ type: "trust", returnStep: 0.5 }));
    const move = game.move(game.start(createRng(1)), 0, 1, [{ member: 0, option: 4 }]);
    expect(renderGamePrompt(game, move, shown(game, move)).move).toBe(
      "Round 1 of 1. You are the trustee. The investor kept 6 coins and sent you 4, which arrived multiplied as 12 coins.\n\n" +
        "How much do you give back to the investor?\nA: give back 0 coins (0% of what you received; you keep 12)\nB: give back 6 coins (50% of what you received; you keep 6)\nC: give back 12 coins (100% of what you received; you keep 0)",
    );
  });

  it("public goods and commons state the last round", () => {
    const pg = publicGoods.create(publicGoods.schema.parse({ type: "public-goods", groupSize: 3 }));
    const s = pg.settle(pg.start(createRng(1)), 0, [{ member: 0, option: 4 }, { member: 1, option: 0 }, { member: 2, option: null }]);
    const move = pg.move(s.state, 1, 0, []);
    const p = renderGamePrompt(pg, move, shown(pg, move));
    expect(p.rules).toContain("every coin anyone puts in gives 0.53 coins to each member");
    expect(p.move).toContain("Round 2 of 10. You are member 1, and you have 20 coins. Last round you put in 20; member 2 put in 0, member 3 gave no valid answer. The pot held 20 coins and each member received 10.67 from it.");
    expect(p.move).toContain("E: put 20 coins into the pot (keep 0)");

    const cm = commons.create(commons.schema.parse({ type: "commons", collapseAt: 5 }));
    const c = cm.settle(cm.start(createRng(1)), 0, [0, 1, 2, 3, 4].map((member) => ({ member, option: 8 })));
    const cp = renderGamePrompt(cm, cm.move(c.state, 1, 2, []), shown(cm, cm.move(c.state, 1, 2, [])));
    expect(cp.rules).toContain("every ton left becomes 2 tons");
    expect(cp.rules).toContain("If 5 tons or less are left after a round's catch, the fish die out and the game ends for everyone.");
    expect(cp.move).toContain("Round 2 of 12. You are member 3. The lake now holds 40 tons of fish. Last round you asked for 16; member 1 asked for 16");
  });

  it("a scenario may replace a template, with the game's variables only", () => {
    const game = ultimatum.create(ultimatum.schema.parse({ type: "ultimatum" }));
    const texts = resolveGameTemplates(game, { move: "Offer on the table: {{offer}}.\n{{options}}" });
    const move = game.move(game.start(createRng(1)), 0, 1, [{ member: 0, option: 5 }]);
    expect(renderGamePrompt(game, move, shown(game, move), texts).move).toBe("Offer on the table: 50.\nA: accept: you get 50, the proposer keeps 50\nB: reject: you both get 0");
    expect(() => resolveGameTemplates(game, { move: "{{stock}}" }, "agents[0].prompts.templates")).toThrow(GameTemplateError);
    expect(() => resolveGameTemplates(game, { move: "{{stock}}" }, "agents[0].prompts.templates")).toThrow(
      "agents[0].prompts.templates.move: unknown placeholder {{stock}} for the ultimatum game (allowed: {{role}}, {{round}}",
    );
  });
});
