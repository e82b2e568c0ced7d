/**
 * Per-partner and per-group memory across sessions. Agent instances live for one session (so a
 * choice never depends on concurrency and resume is exact), so the environment keeps what each
 * group has played: the last rounds (up to the largest window of its members) as
 * {@link RoundRecord}s, read from each member's side by the one shared function (resultFor). A
 * pair is the same group in either member order. A session of a group waits for the group's
 * previous session (a per-group promise chain), so trial t sees exactly the rounds of trials < t,
 * whatever the timing.
 *
 * @example
 * const memory = createGroupMemory(memoryWindows(scenario, specs, game.rounds), resume?.history);
 * const turn = memory.turn(["a", "b"]);  // wait for the group's previous session
 * await turn.ready;
 * memory.history("a", ["a", "b"]);       // what a remembers of this group (most recent last)
 * memory.keep(["a", "b"], outcome.records); // then turn.done()
 */
import type { AgentSpec, RoundResult } from "../../agents/agent.ts";
import { createGame, type GameSpec } from "../games/registry.ts";
import { memoryKey, resultFor, type RoundRecord } from "./round-result.ts";

/**
 * Rounds each agent remembers of a partner or group: its own `memory` (llm agents default to 6),
 * else the scenario's `memory`, else two trials' worth of rounds.
 *
 * @example
 * memoryWindows(scenario, specs, 6).get("alt"); // 12 on the primary slider (6 rounds × 2)
 */
export function memoryWindows(
  scenario: { readonly memory: number | null; readonly game?: GameSpec },
  specs: readonly AgentSpec[],
  roundsPerTrial: number = scenario.game ? createGame(scenario.game).rounds : 0,
): Map<string, number> {
  const fallback = scenario.memory ?? roundsPerTrial * 2;
  return new Map(specs.map((s) => [s.id, typeof s.memory === "number" && s.memory >= 0 ? Math.floor(s.memory) : fallback]));
}

/** The key of an unordered pair, the same whichever member comes first. */
export function pairKey(a: string, b: string): string {
  return memoryKey([a, b]);
}

/** The last `window` entries (the same array when it already fits). */
export function lastRounds<T>(items: readonly T[], window: number): readonly T[] {
  if (window <= 0) return [];
  return items.length > window ? items.slice(items.length - window) : items;
}

export interface GroupTurn {
  /** Resolves when the group's previous session has finished (null for the first). */
  readonly ready: Promise<void> | null;
  /** Lets the group's next session go; call it whatever happens (finally). */
  done(): void;
}

export interface GroupMemory {
  turn(members: readonly string[]): GroupTurn;
  /** What `agentId` remembers of the group `members`, bounded by its window; most recent last. */
  history(agentId: string, members: readonly string[]): readonly RoundResult[];
  /** After a session of `members`: its settled rounds, in order. */
  keep(members: readonly string[], records: readonly RoundRecord[]): void;
}

/**
 * Memory for one run. `seed` gives what a resumed run rebuilt from its log, for groups that have
 * not played in this segment yet. Long-lived state is one bounded list of records per group that
 * has met, and one promise per group with a session in flight.
 */
export function createGroupMemory(
  windows: ReadonlyMap<string, number>,
  seed?: ((members: readonly string[]) => readonly RoundRecord[]) | null,
): GroupMemory {
  const kept = new Map<string, RoundRecord[]>();
  const tails = new Map<string, Promise<void>>();
  const windowOf = (id: string) => windows.get(id) ?? 0;
  return {
    turn(members) {
      const key = memoryKey(members);
      const ready = tails.get(key) ?? null;
      let release!: () => void;
      const tail = new Promise<void>((r) => (release = r));
      tails.set(key, tail);
      return {
        ready,
        done() {
          release();
          // Only groups with a session in flight keep a promise.
          if (tails.get(key) === tail) tails.delete(key);
        },
      };
    },
    history(agentId, members) {
      const w = windowOf(agentId);
      if (w === 0) return [];
      const records = kept.get(memoryKey(members)) ?? seed?.(members) ?? [];
      const out: RoundResult[] = [];
      for (let k = Math.max(0, records.length - w); k < records.length; k++) {
        const r = resultFor(records[k], agentId);
        if (r) out.push(r);
      }
      return out;
    },
    keep(members, records) {
      let window = 0;
      for (const id of members) window = Math.max(window, windowOf(id));
      if (window === 0) return;
      const key = memoryKey(members);
      let list = kept.get(key);
      if (!list) {
        // A group seen for the first time in this segment continues what the log remembered.
        list = (seed?.(members) ?? []).slice();
        kept.set(key, list);
      }
      for (const r of records) list.push(r);
      if (list.length > window) list.splice(0, list.length - window);
    },
  };
}

