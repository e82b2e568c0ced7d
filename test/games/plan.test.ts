import { describe, expect, it } from "vitest";
import { gameItems, planTrial, roundsPerTrial } from "../../src/games/plan.ts";
import { dictatorOptions } from "../../src/games/dictator.ts";
import { createRng } from "../../src/core/random.ts";
import { SLIDER_ITEMS } from "../../src/core/instrument.ts";
import { Game } from "../../src/scenario/schema.ts";

const slider = (over: Record<string, unknown> = {}) => Game.parse({ type: "svo-slider", ...over });
const ids = (plan: { item: { id: string } }[]) => plan.map((p) => p.item.id);

describe("svo-slider", () => {
  it("primary items are svo-1..svo-6 with the printed payoffs", () => {
    const items = gameItems(slider());
    expect(items.map((i) => i.id)).toEqual(["svo-1", "svo-2", "svo-3", "svo-4", "svo-5", "svo-6"]);
    expect(items.every((i) => i.primary)).toBe(true);
    expect(items[1].options[8]).toEqual({ self: 100, other: 50 });
    expect(items[4].options[2]).toEqual({ self: 88, other: 63 });
    expect(roundsPerTrial(slider())).toBe(6);
  });

  it("all items are svo-1..svo-15, 7..15 secondary", () => {
    const items = gameItems(slider({ items: "all" }));
    expect(items).toHaveLength(15);
    expect(items[14].id).toBe("svo-15");
    expect(items.filter((i) => i.primary).map((i) => i.id)).toHaveLength(6);
    expect(items[7].options).toEqual(SLIDER_ITEMS[7].options);
  });

  it("Version A presents in numbering order, Version B reverses each block", () => {
    const rng = createRng(1);
    expect(ids(planTrial(slider({ items: "all" }), rng))).toEqual(Array.from({ length: 15 }, (_, i) => `svo-${i + 1}`));
    expect(ids(planTrial(slider({ items: "all", version: "B" }), rng))).toEqual(
      [6, 5, 4, 3, 2, 1, 15, 14, 13, 12, 11, 10, 9, 8, 7].map((n) => `svo-${n}`),
    );
    expect(ids(planTrial(slider({ version: "B" }), rng))).toEqual(["svo-6", "svo-5", "svo-4", "svo-3", "svo-2", "svo-1"]);
  });

  it("unshuffled options keep canonical order and labels A..I", () => {
    const [first] = planTrial(slider(), createRng(3));
    expect(first.order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(first.labels).toEqual(["A", "B", "C", "D", "E", "F", "G", "H", "I"]);
  });

  it("item shuffle is deterministic per seed and varies across seeds", () => {
    const game = slider({ shuffleItems: true });
    const a = ids(planTrial(game, createRng(42).derive("s", 1)));
    const b = ids(planTrial(game, createRng(42).derive("s", 1)));
    expect(a).toEqual(b);
    expect([...a].sort()).toEqual(["svo-1", "svo-2", "svo-3", "svo-4", "svo-5", "svo-6"]);
    const orders = new Set(Array.from({ length: 50 }, (_, s) => ids(planTrial(game, createRng(s))).join(",")));
    expect(orders.size).toBeGreaterThan(30);
  });

  it("option shuffle records the mapping: labels in presented order, order a permutation", () => {
    const game = slider({ shuffleOptions: true });
    const plan = planTrial(game, createRng(9));
    const again = planTrial(game, createRng(9));
    expect(plan.map((p) => p.order)).toEqual(again.map((p) => p.order));
    for (const p of plan) {
      expect([...p.order].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect(p.labels[0]).toBe("A");
    }
    expect(plan.some((p) => p.order.some((k, pos) => k !== pos))).toBe(true);
    // Items are not reordered when only options shuffle.
    expect(ids(plan)).toEqual(["svo-1", "svo-2", "svo-3", "svo-4", "svo-5", "svo-6"]);
  });
});

describe("dictator", () => {
  it("gives x = 0..endowment by step, self = endowment - x, one item per round", () => {
    const game = Game.parse({ type: "dictator", endowment: 100, step: 10, rounds: 3 });
    const items = gameItems(game);
    expect(items.map((i) => i.id)).toEqual(["dictator-1", "dictator-2", "dictator-3"]);
    expect(items[0].options).toHaveLength(11);
    expect(items[0].options[0]).toEqual({ self: 100, other: 0 });
    expect(items[0].options[3]).toEqual({ self: 70, other: 30 });
    expect(items[0].options.every((o) => o.self + o.other === 100)).toBe(true);
    expect(roundsPerTrial(game)).toBe(3);
  });

  it("includes the endowment when the step does not divide it, without float noise", () => {
    expect(dictatorOptions(100, 30).map((o) => o.other)).toEqual([0, 30, 60, 90, 100]);
    expect(dictatorOptions(1, 0.1).map((o) => o.other)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  });

  it("shuffles options when asked", () => {
    const game = Game.parse({ type: "dictator", shuffleOptions: true });
    const [p] = planTrial(game, createRng(5));
    expect([...p.order].sort((a, b) => a - b)).toEqual(Array.from({ length: 11 }, (_, k) => k));
    expect(p.order).not.toEqual(Array.from({ length: 11 }, (_, k) => k));
  });
});

describe("custom", () => {
  const game = Game.parse({
    type: "custom",
    items: [
      { id: "one", options: [{ self: 1, other: 2 }, { self: 3, other: 4 }] },
      { id: "two", options: [{ self: 5, other: 0 }, { self: 0, other: 5 }, { self: 2, other: 2 }] },
    ],
  });

  it("uses the items as listed", () => {
    const items = gameItems(game);
    expect(items).toEqual([
      { id: "one", options: [{ self: 1, other: 2 }, { self: 3, other: 4 }], primary: false },
      { id: "two", options: [{ self: 5, other: 0 }, { self: 0, other: 5 }, { self: 2, other: 2 }], primary: false },
    ]);
    const plan = planTrial(game, createRng(1));
    expect(ids(plan)).toEqual(["one", "two"]);
    expect(plan[1].labels).toEqual(["A", "B", "C"]);
  });

  it("shuffles items per seed when asked", () => {
    const shuffled = Game.parse({ ...game, shuffleItems: true });
    const seen = new Set(Array.from({ length: 20 }, (_, s) => ids(planTrial(shuffled, createRng(s))).join(",")));
    expect(seen).toEqual(new Set(["one,two", "two,one"]));
  });
});
