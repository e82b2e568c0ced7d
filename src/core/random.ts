/**
 * Seeded randomness. One generator per run, split deterministically by string keys
 * (agent id, session id, …) so that concurrency and timing never change a choice.
 *
 * @example
 * const rng = deriveRng(7, "agent:alt", "session:alt#t3");
 * const option = rng.int(9); // 0..8, identical for the same seed and keys
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** A new independent generator derived from this one's seed and the given keys. */
  derive(...keys: (string | number)[]): Rng;
  /** Fisher–Yates shuffle into a new array. */
  shuffle<T>(items: readonly T[]): T[];
  /** The 32-bit seed this generator started from. */
  readonly seed: number;
}

/** FNV-1a over the seed and keys: a stable 32-bit hash for deriving child seeds. */
export function hashSeed(seed: number, ...keys: (string | number)[]): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  h = Math.imul(h, 0x01000193) >>> 0;
  for (const key of keys) {
    const s = `${key}\u0000`;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h >>> 0;
}

/**
 * One mulberry32 step, split in two so a hot loop can keep the state in a local variable
 * (bootstrap resampling draws tens of millions of numbers): `createRng(seed).next()` returns
 * `uniformOf(a = stepState(a))` starting from `a = seed >>> 0`.
 *
 * @example
 * let a = 7 >>> 0;
 * a = stepState(a);
 * uniformOf(a) === createRng(7).next(); // true
 */
export function stepState(a: number): number {
  return (a + 0x6d2b79f5) >>> 0;
}

/** The uniform number in [0, 1) of a mulberry32 state (see {@link stepState}). */
export function uniformOf(a: number): number {
  let t = a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * mulberry32 behind the Rng interface. A class, not a closure per generator: a run creates one
 * generator per agent per session, and per-instance closures cost several percent of the engine's
 * time (tsx also names each one at creation).
 */
class Mulberry32 implements Rng {
  readonly seed: number;
  private state: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.state = this.seed;
  }

  next(): number {
    this.state = stepState(this.state);
    return uniformOf(this.state);
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  derive(...keys: (string | number)[]): Rng {
    return new Mulberry32(hashSeed(this.seed, ...keys));
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

/** mulberry32: small, fast, good enough for simulation choices and bootstrap resampling. */
export function createRng(seed: number): Rng {
  return new Mulberry32(seed);
}

/** Shorthand for `createRng(seed).derive(...keys)`. */
export function deriveRng(seed: number, ...keys: (string | number)[]): Rng {
  return createRng(hashSeed(seed, ...keys));
}
