/**
 * Per-partner and per-group memory across sessions. Agent instances live for one session (so a
 * choice never depends on concurrency and resume is exact), so the environment keeps what each
 * group has played: the last rounds (up to the largest window of its members), read from each
 * member's side by the one shared function (resultFor). A pair is the same group in either member
 * order. A session of a group waits for the group's previous session (a per-group promise chain),
 * so trial t sees exactly the rounds of trials < t, whatever the timing.
 *
 * The live run and a resume fill the same store with the same {@link RoundRecord}s (built by
 * roundRecord from the events), so a resumed agent remembers exactly what it remembered.
 *
 * @example
 * const memory = createGroupMemory(memoryWindows(scenario, specs, game.rounds));
 * const turn = memory.turn(["a", "b"]);  // wait for the group's previous session
 * await turn.ready;
 * memory.history("a", ["a", "b"]);       // what a remembers of this group (most recent last)
 * memory.keep(["a", "b"], outcome.records); // then turn.done()
 */
import type { AgentSpec, Choice, RoundResult } from "../../agents/agent.ts";
import type { Fact } from "../games/contract.ts";
import { createGame, type GameSpec } from "../games/registry.ts";
import { createSpill, type Spill } from "./memory-spill.ts";
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
  /** Every round the group's memory holds (up to the largest window of its members), most recent last. */
  records(members: readonly string[]): RoundRecord[];
  /** Groups with something remembered, and how many of them are in the scratch file. */
  readonly size: number;
  readonly spilled: number;
  /** Removes the scratch file, if any (the environment calls it when the run ends). */
  close(): void;
}

export interface GroupMemoryOptions {
  /**
   * Groups whose rounds stay in memory; the least recently played beyond this are written to a
   * scratch file and read back when the group meets again (default {@link MAX_GROUPS_IN_MEMORY}).
   */
  readonly maxGroupsInMemory?: number;
}

/**
 * The in-memory budget: a pair that has met once (6 rounds, window 12) holds about 1.4 kB (its
 * ring of slots, the boxed payoffs, its member order, the map entry; measured with a forced gc),
 * so this bounds group memory at ~11 MB whatever the number of groups that meet (random matching
 * in a large population meets a new pair almost every session, so without it memory would grow
 * with the decisions). Every live MB costs more in peak RSS, as V8 lets the heap grow past what is
 * live between full collections. 8,192 still holds every pair of 100 agents (4,950).
 */
export const MAX_GROUPS_IN_MEMORY = 8_192;

/** Distinct choices shared by every ring; past this many, choices are kept unshared. */
const MAX_SHARED_CHOICES = 100_000;

/**
 * One group's remembered rounds: a ring of plain slots written in place, so a run with hundreds
 * of thousands of groups keeps no object or array per round (only shared choices, member orders
 * and strings). Per round: trial, round, itemId, facts, member order, then each member's choice
 * and what it received.
 */
interface Ring {
  /** window × width slots once full; until then only the rounds held (most groups of a random matching meet once). */
  slots: unknown[];
  readonly window: number;
  readonly width: number;
  /** The member orders this group has played in (a pair: at most two), with their group ids. */
  readonly orders: { readonly members: readonly string[]; readonly groupId: string }[];
  /** Slot of the oldest round, and how many rounds are held. */
  start: number;
  count: number;
}

const HEAD = 5;

/**
 * Memory for one run: one ring per group that has met, sized by the largest window among its
 * members (at most `maxGroupsInMemory` in memory, the rest in a scratch file, read back exactly),
 * and one promise per group with a session in flight.
 */
export function createGroupMemory(windows: ReadonlyMap<string, number>, opts: GroupMemoryOptions = {}): GroupMemory {
  const budget = Math.max(1, opts.maxGroupsInMemory ?? MAX_GROUPS_IN_MEMORY);
  // Insertion order is recency: a group is moved to the end each time it keeps rounds.
  const rings = new Map<string, Ring>();
  const spilled = new Map<string, number>();
  let spill: Spill | null = null;
  const tails = new Map<string, Promise<void>>();
  const choices = new Map<string, Choice>();
  const windowOf = (id: string) => windows.get(id) ?? 0;

  const shared = (c: Choice | null): Choice | null => {
    if (c === null) return null;
    const a = c.action ?? null;
    const key = `${c.option}\u0000${c.label}\u0000${c.self}\u0000${c.other}\u0000${typeof a}\u0000${a}`;
    let s = choices.get(key);
    if (s === undefined) {
      s = Object.freeze({ option: c.option, label: c.label, self: c.self, other: c.other, action: a });
      if (choices.size < MAX_SHARED_CHOICES) choices.set(key, s);
    }
    return s;
  };

  const orderOf = (ring: Ring, r: RoundRecord): number => {
    for (let k = 0; k < ring.orders.length; k++) {
      const o = ring.orders[k];
      if (o.groupId === r.groupId && sameIds(o.members, r.members)) return k;
    }
    ring.orders.push({ members: r.members.slice(), groupId: r.groupId });
    return ring.orders.length - 1;
  };

  const write = (ring: Ring, r: RoundRecord): void => {
    const n = r.members.length;
    // A full ring overwrites its oldest round.
    const at = (ring.start + ring.count) % ring.window;
    if (ring.count < ring.window) ring.count++;
    else ring.start = (ring.start + 1) % ring.window;
    const s = ring.slots;
    let i = at * ring.width;
    s[i++] = r.trial;
    s[i++] = r.round;
    s[i++] = r.itemId;
    s[i++] = r.facts;
    s[i++] = orderOf(ring, r);
    for (let m = 0; m < n; m++) {
      s[i++] = shared(r.choices[m]);
      s[i++] = r.received[m];
    }
  };

  const read = (ring: Ring, k: number): RoundRecord => {
    const s = ring.slots;
    let i = ((ring.start + k) % ring.window) * ring.width;
    const trial = s[i++] as number;
    const round = s[i++] as number;
    const itemId = s[i++] as string;
    const facts = s[i++] as Readonly<Record<string, Fact>> | null;
    const order = ring.orders[s[i++] as number];
    const n = order.members.length;
    const picked = new Array<Choice | null>(n);
    const received = new Array<number>(n);
    for (let m = 0; m < n; m++) {
      picked[m] = s[i++] as Choice | null;
      received[m] = s[i++] as number;
    }
    return { trial, round, itemId, groupId: order.groupId, members: order.members, choices: picked, received, facts };
  };

  const evict = () => {
    for (const [key, ring] of rings) {
      if (rings.size <= budget) break;
      rings.delete(key);
      spill ??= createSpill();
      spilled.set(key, spill.put(encodeRing(ring, read)));
    }
  };

  /** The group's ring, read back from the scratch file if it was spilled; null when nothing is kept. */
  const ringOf = (key: string): Ring | null => {
    const ring = rings.get(key);
    if (ring) return ring;
    const at = spilled.get(key);
    if (at === undefined) return null;
    spilled.delete(key);
    const back = decodeRing(spill!.take(at), shared);
    rings.set(key, back);
    return back;
  };

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
      const ring = ringOf(memoryKey(members));
      if (!ring) return [];
      const out: RoundResult[] = [];
      for (let k = Math.max(0, ring.count - w); k < ring.count; k++) {
        const r = resultFor(read(ring, k), agentId);
        if (r) out.push(r);
      }
      return out;
    },
    keep(members, records) {
      if (records.length === 0) return;
      let window = 0;
      for (const id of members) window = Math.max(window, windowOf(id));
      if (window === 0) return;
      const key = memoryKey(members);
      let ring = ringOf(key);
      if (ring) {
        rings.delete(key);
      } else {
        ring = { slots: [], window, width: HEAD + 2 * members.length, orders: [], start: 0, count: 0 };
      }
      // Until the ring is full its rounds are slots 0… (start stays 0): grow it to what it will hold.
      const need = Math.min(ring.window, ring.count + records.length) * ring.width;
      if (ring.slots.length < need) ring.slots = resized(ring.slots, need);
      rings.set(key, ring);
      for (const r of records) write(ring, r);
      if (rings.size > budget) evict();
    },
    records(members) {
      const ring = ringOf(memoryKey(members));
      if (!ring) return [];
      return Array.from({ length: ring.count }, (_, k) => read(ring, k));
    },
    get size() {
      return rings.size + spilled.size;
    },
    get spilled() {
      return spilled.size;
    },
    close() {
      spill?.close();
      spill = null;
      spilled.clear();
      rings.clear();
    },
  };
}

/**
 * A ring as text for the scratch file (JSON): its window, width, member orders and rounds, oldest
 * first. Numbers JSON cannot spell (NaN payoffs outside two-person items, -0, ±Infinity) are
 * written as tagged strings, so the ring read back is exactly the ring written. Written by hand:
 * a replacer function called on every value costs more than the rest of the spill.
 */
function encodeRing(ring: Ring, read: (ring: Ring, k: number) => RoundRecord): string {
  let out = `[${ring.window},${ring.width},${JSON.stringify(ring.orders)},[`;
  for (let k = 0; k < ring.count; k++) {
    const r = read(ring, k);
    out += `${k > 0 ? "," : ""}[${num(r.trial)},${num(r.round)},${JSON.stringify(r.itemId)},${r.facts === null ? "null" : JSON.stringify(r.facts, tagged)},${orderIndex(ring, r)},[`;
    for (let m = 0; m < r.choices.length; m++) {
      const c = r.choices[m];
      const a = c?.action ?? null;
      out += `${m > 0 ? "," : ""}${c === null ? "null" : `[${num(c.option)},${JSON.stringify(c.label)},${num(c.self)},${num(c.other)},${typeof a === "string" ? `[${JSON.stringify(a)}]` : a === null ? "null" : num(a)}]`},${num(r.received[m])}`;
    }
    out += "]]";
  }
  return `${out}]]`;
}

/** A number as JSON, or a tagged string for the ones JSON cannot spell. */
function num(v: number): string {
  return Number.isFinite(v) && !Object.is(v, -0) ? String(v) : `"#${Object.is(v, -0) ? "-0" : String(v)}"`;
}

/** Facts may hold strings of any spelling: their odd numbers become {"#n": "NaN"} objects (facts hold no objects). */
function tagged(_key: string, v: unknown): unknown {
  return typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0)) ? { "#n": Object.is(v, -0) ? "-0" : String(v) } : v;
}

function untagged(_key: string, v: unknown): unknown {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
  const tag = (v as Record<string, unknown>)["#n"];
  return typeof tag === "string" && Object.keys(v).length === 1 ? Number(tag) : v;
}

/** A slot written by num(): a number, or a tagged string. */
const untag = (v: unknown): unknown => (typeof v === "string" ? Number(v.slice(1)) : v);

function decodeRing(text: string, shared: (c: Choice | null) => Choice | null): Ring {
  type Encoded = [number | string, string, number | string, number | string, number | string | [string] | null];
  const [window, width, orders, rounds] = JSON.parse(text) as [
    number, number, Ring["orders"],
    [number | string, number | string, string, RoundRecord["facts"], number, (Encoded | number | string | null)[]][],
  ];
  const ring: Ring = { slots: new Array(rounds.length * width).fill(null), window, width, orders, start: 0, count: rounds.length };
  rounds.forEach(([trial, round, itemId, facts, order, members], k) => {
    const s = ring.slots;
    let i = k * width;
    s[i++] = untag(trial);
    s[i++] = untag(round);
    s[i++] = itemId;
    s[i++] = facts === null ? null : (JSON.parse(JSON.stringify(facts), untagged) as RoundRecord["facts"]);
    s[i++] = order;
    for (let m = 0; m < members.length; m += 2) {
      const c = members[m] as Encoded | null;
      s[i++] = c === null ? null : shared({ option: untag(c[0]) as number, label: c[1], self: untag(c[2]) as number, other: untag(c[3]) as number, action: Array.isArray(c[4]) ? c[4][0] : (untag(c[4]) as number | null) });
      s[i++] = untag(members[m + 1]);
    }
  });
  return ring;
}

/** A copy of `slots` of exactly `length` (an array grown by writes past its end over-allocates by half). */
function resized(slots: readonly unknown[], length: number): unknown[] {
  const out = new Array<unknown>(length).fill(null);
  for (let i = 0; i < slots.length; i++) out[i] = slots[i];
  return out;
}

function orderIndex(ring: Ring, r: RoundRecord): number {
  return ring.orders.findIndex((o) => o.members === r.members);
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
