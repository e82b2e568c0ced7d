/**
 * --live-metrics printing (attachLive's `print`): the first update at once, then at most one per
 * interval, and the last state printed the moment the events end, not when the interval runs out
 * (a trailing throttle held the line, and the process, past the end-of-run table).
 */
import { Subject } from "rxjs";
import { describe, expect, it } from "vitest";
import { attachLive } from "../../analysis/live.ts";
import type { HvaeEvent } from "../../src/core/events.ts";
import { fabricateRun } from "./fabricate.ts";

describe("attachLive print", () => {
  it("prints the first update, throttles the rest, and the last state as soon as the events complete", async () => {
    const events = fabricateRun({
      agents: [
        { id: "a", type: "utility", value: "altruistic" },
        { id: "c", type: "utility", value: "competitive" },
      ],
      trials: 6,
      pairing: "round-robin",
      seed: 4,
    });
    const subject = new Subject<HvaeEvent>();
    const lines: string[] = [];
    const { final } = attachLive(subject, { status: () => {}, print: (l) => lines.push(l), intervalMs: 60_000 });
    for (const ev of events) subject.next(ev);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^metrics: 2 trajectories/); // the first session's pair
    subject.complete();
    // Synchronously on completion, though the interval has 60 s to go.
    expect(lines).toHaveLength(2);
    const trajectories = 2 * events.filter((e) => e.type === "trial.completed").length;
    expect(trajectories).toBeGreaterThan(2);
    expect(lines[1]).toMatch(new RegExp(`^metrics: ${trajectories} trajectories`));
    expect((await final)?.trajectories).toHaveLength(trajectories);
  });
});
