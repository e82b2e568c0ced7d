import { describe, expect, it } from "vitest";
import { createBreather } from "../../src/environment/breather.ts";

describe("createBreather", () => {
  it("pauses only once a slice is used up, and every caller in that slice shares the pause", async () => {
    let t = 0;
    const breathe = createBreather(50, () => t);
    expect(breathe()).toBeNull();
    t = 49;
    expect(breathe()).toBeNull();
    t = 50;
    const a = breathe();
    expect(a).toBeInstanceOf(Promise);
    expect(breathe()).toBe(a);
    await a;
    // The next slice starts when the pause ends.
    t = 60;
    expect(breathe()).toBeNull();
    t = 110;
    expect(breathe()).toBeInstanceOf(Promise);
  });

  it("gives timers a turn: a loop of promise-only work no longer starves setTimeout", async () => {
    const breathe = createBreather(5);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const until = performance.now() + 100;
    while (performance.now() < until) {
      await Promise.resolve();
      const pause = breathe();
      if (pause) await pause;
    }
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(3);
  });
});
