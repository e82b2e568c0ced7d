/**
 * Per-partner memory across sessions. Agent instances live for one session (so a choice never
 * depends on concurrency and resume is exact), so the environment keeps what each agent
 * remembers of each partner: the last `window` round results from that agent's perspective.
 * A session of a pair waits for the pair's previous session (a per-pair promise chain), so
 * trial t sees exactly the rounds of trials < t, whatever the timing.
 *
 * @example
 * const memory = createPartnerMemory(memoryWindows(scenario, specs), resume?.history);
 * const turn = memory.turn("a+b");           // wait for the pair's previous session
 * await turn.ready;
 * memory.history("a", "b");                   // what a remembers of b (most recent last)
 * memory.keep("a", "b", windowAfterSession);  // then turn.done()
 */
import type { AgentSpec, RoundResult } from "../../agents/agent.ts";
import { roundsPerTrial } from "../games/plan.ts";
import type { Scenario } from "../scenario/schema.ts";

/**
 * Rounds each agent remembers of a partner: its own `memory` (llm agents, or any custom agent
 * that sets it), else the scenario's `memory`, else two trials' worth of rounds.
 *
 * @example
 * memoryWindows(scenario, specs).get("alt"); // 12 on the primary slider (6 rounds × 2)
 */
export function memoryWindows(scenario: Pick<Scenario, "game" | "memory">, specs: readonly AgentSpec[]): Map<string, number> {
  const fallback = scenario.memory ?? roundsPerTrial(scenario.game) * 2;
  return new Map(specs.map((s) => [s.id, typeof s.memory === "number" && s.memory >= 0 ? Math.floor(s.memory) : fallback]));
}

/** The key of an unordered pair, the same whichever member comes first. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}+${b}` : `${b}+${a}`;
}

/** The last `window` entries (the same array when it already fits). */
export function lastRounds<T>(items: readonly T[], window: number): readonly T[] {
  if (window <= 0) return [];
  return items.length > window ? items.slice(items.length - window) : items;
}

export interface PairTurn {
  /** Resolves when the pair's previous session has finished (already resolved for the first). */
  readonly ready: Promise<void> | null;
  /** Lets the pair's next session go; call it whatever happens (finally). */
  done(): void;
}

export interface PartnerMemory {
  turn(pair: string): PairTurn;
  /** What `agentId` remembers of `partnerId`, bounded by its window; most recent last. */
  history(agentId: string, partnerId: string): readonly RoundResult[];
  /** Replaces what `agentId` remembers of `partnerId` (bounded here again). */
  keep(agentId: string, partnerId: string, rounds: readonly RoundResult[]): void;
}

/**
 * Memory for one run. `seed` gives the history a resumed run rebuilt from its log for pairs that
 * have not played in this segment yet. Long-lived state is one bounded window per remembered
 * (agent, partner) and one promise per pair with a session in flight.
 */
export function createPartnerMemory(
  windows: ReadonlyMap<string, number>,
  seed?: ((agentId: string, partnerId: string) => readonly RoundResult[]) | null,
): PartnerMemory {
  const kept = new Map<string, readonly RoundResult[]>();
  const tails = new Map<string, Promise<void>>();
  const windowOf = (id: string) => windows.get(id) ?? 0;
  const key = (agentId: string, partnerId: string) => `${agentId}>${partnerId}`;
  return {
    turn(pair) {
      const ready = tails.get(pair) ?? null;
      let release!: () => void;
      const tail = new Promise<void>((r) => (release = r));
      tails.set(pair, tail);
      return {
        ready,
        done() {
          release();
          // Only pairs with a session in flight keep a promise.
          if (tails.get(pair) === tail) tails.delete(pair);
        },
      };
    },
    history(agentId, partnerId) {
      const w = windowOf(agentId);
      if (w === 0) return [];
      const k = key(agentId, partnerId);
      const own = kept.get(k);
      if (own) return own;
      const rebuilt = seed?.(agentId, partnerId);
      return rebuilt ? lastRounds(rebuilt, w) : [];
    },
    keep(agentId, partnerId, rounds) {
      const w = windowOf(agentId);
      if (w === 0) return;
      kept.set(key(agentId, partnerId), lastRounds(rounds, w).slice());
    },
  };
}
