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
 * memory.keep("a", "b", outcome.histories[0], outcome.histories[1]); // then turn.done()
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
  /** Resolves when the pair's previous session has finished (null for the first). */
  readonly ready: Promise<void> | null;
  /** Lets the pair's next session go; call it whatever happens (finally). */
  done(): void;
}

export interface PartnerMemory {
  turn(pair: string): PairTurn;
  /** What `agentId` remembers of `partnerId`, bounded by its window; most recent last. */
  history(agentId: string, partnerId: string): readonly RoundResult[];
  /** After a session of a and b: each one's remembered rounds, from its own perspective. */
  keep(a: string, b: string, historyOfA: readonly RoundResult[], historyOfB: readonly RoundResult[]): void;
}

/** Slots per remembered round in a pair's ring: trial, round, item, then each member's choice and receipt. */
const FIELDS = 13;
const NO_CHOICE = 0;

/**
 * One pair's remembered rounds as a ring of plain slots (numbers and shared strings) seen from the
 * member whose id sorts first, written in place: a run with thousands of pairs keeps no object per
 * round and leaves no garbage behind in the old generation.
 */
interface PairRing {
  readonly slots: (number | string)[];
  readonly window: number;
  count: number;
}

function writeRing(ring: PairRing, rounds: readonly RoundResult[], lowFirst: boolean): void {
  const from = Math.max(0, rounds.length - ring.window);
  ring.count = rounds.length - from;
  for (let k = 0; k < ring.count; k++) {
    const r = rounds[from + k];
    const [lo, hi] = lowFirst ? [r.own, r.partner] : [r.partner, r.own];
    const [recLo, recHi] = lowFirst ? [r.received, r.partnerReceived ?? 0] : [r.partnerReceived ?? 0, r.received];
    const s = ring.slots;
    let i = k * FIELDS;
    s[i++] = r.trial;
    s[i++] = r.round;
    s[i++] = r.itemId;
    for (const c of [lo, hi]) {
      s[i++] = c ? c.option : NO_CHOICE;
      s[i++] = c ? c.label : "";
      s[i++] = c ? c.self : 0;
      s[i++] = c ? c.other : 0;
    }
    s[i++] = recLo;
    s[i++] = recHi;
  }
}

function readRing(ring: PairRing, window: number, low: boolean, partnerId: string): RoundResult[] {
  const n = Math.min(ring.count, window);
  const out = new Array<RoundResult>(n);
  const s = ring.slots;
  const choice = (i: number) =>
    s[i] === NO_CHOICE ? null : { option: s[i] as number, label: s[i + 1] as string, self: s[i + 2] as number, other: s[i + 3] as number };
  for (let k = 0; k < n; k++) {
    const i = (ring.count - n + k) * FIELDS;
    const lo = choice(i + 3);
    const hi = choice(i + 7);
    out[k] = {
      trial: s[i] as number,
      round: s[i + 1] as number,
      itemId: s[i + 2] as string,
      partnerId,
      own: low ? lo : hi,
      partner: low ? hi : lo,
      received: (low ? s[i + 11] : s[i + 12]) as number,
      partnerReceived: (low ? s[i + 12] : s[i + 11]) as number,
    };
  }
  return out;
}

/**
 * Memory for one run. `seed` gives the history a resumed run rebuilt from its log for pairs that
 * have not played in this segment yet. Long-lived state is one ring per pair that has met, sized
 * by the larger window of its two members, and one promise per pair with a session in flight.
 */
export function createPartnerMemory(
  windows: ReadonlyMap<string, number>,
  seed?: ((agentId: string, partnerId: string) => readonly RoundResult[]) | null,
): PartnerMemory {
  const rings = new Map<string, PairRing>();
  const tails = new Map<string, Promise<void>>();
  const windowOf = (id: string) => windows.get(id) ?? 0;
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
      const ring = rings.get(pairKey(agentId, partnerId));
      if (ring) return readRing(ring, w, agentId < partnerId, partnerId);
      const rebuilt = seed?.(agentId, partnerId);
      return rebuilt ? lastRounds(rebuilt, w) : [];
    },
    keep(a, b, historyOfA, historyOfB) {
      const window = Math.max(windowOf(a), windowOf(b));
      if (window === 0) return;
      const key = pairKey(a, b);
      let ring = rings.get(key);
      if (!ring) rings.set(key, (ring = { slots: new Array(window * FIELDS).fill(0), window, count: 0 }));
      // The member with the larger window has seen every round the pair keeps.
      const [who, rounds] = windowOf(a) >= windowOf(b) ? [a, historyOfA] : [b, historyOfB];
      const other = who === a ? b : a;
      writeRing(ring, rounds, who < other);
    },
  };
}
