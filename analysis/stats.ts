/**
 * Descriptive statistics for the analysis: mean and standard deviation through mathjs (imported
 * lazily: it costs ~0.9 s), and seeded percentile-bootstrap 95 % intervals via bootstrap.ts.
 *
 * @example
 * const stats = await loadStats();
 * stats.describe([0.8, 0.9, 1], "agent:a1:vr"); // { n: 3, mean: 0.9, sd: 0.1, ci: [lo, hi] }
 */
import { bootstrapCI } from "./bootstrap.ts";
import { hashSeed } from "../src/random.ts";

/** Mean, sample sd and a bootstrap interval of the mean; nulls when there is no data. */
export interface Described {
  readonly n: number;
  readonly mean: number | null;
  readonly sd: number | null;
  readonly ci: [number, number] | null;
}

export interface Stats {
  /** Describes values; `key` names the quantity so each interval gets its own fixed seed. */
  describe(values: readonly number[], key: string): Described;
  mean(values: readonly number[]): number | null;
}

/** Bootstrap settings: fixed base seed and a cap on resampling work per interval. */
export interface BootstrapSettings {
  readonly seed: number;
  readonly level: number;
  /** Resamples for small samples. */
  readonly resamples: number;
  /** Cap on resamples × n per interval; big samples get fewer resamples (never under 200). */
  readonly budget: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapSettings = { seed: 20240517, level: 0.95, resamples: 2000, budget: 20_000_000 };

/** How many resamples an interval over n values gets under the work budget. */
export function resamplesFor(n: number, s: BootstrapSettings = DEFAULT_BOOTSTRAP): number {
  return Math.max(200, Math.min(s.resamples, Math.floor(s.budget / Math.max(1, n))));
}

/**
 * Loads mathjs and returns the statistics functions bound to the bootstrap settings.
 *
 * @example
 * const { describe } = await loadStats({ ...DEFAULT_BOOTSTRAP, seed: 7 });
 */
export async function loadStats(settings: BootstrapSettings = DEFAULT_BOOTSTRAP): Promise<Stats> {
  const math = await import("mathjs");
  const mean = (values: readonly number[]): number | null =>
    values.length ? (math.mean(values as number[]) as number) : null;
  return {
    mean,
    describe(values, key) {
      const n = values.length;
      if (n === 0) return { n, mean: null, sd: null, ci: null };
      const m = mean(values)!;
      const sd = n > 1 ? (math.std(values as number[], "unbiased") as unknown as number) : 0;
      const ci =
        n > 1
          ? bootstrapCI(values, { seed: hashSeed(settings.seed, key), resamples: resamplesFor(n, settings), level: settings.level })
          : ([m, m] as [number, number]);
      return { n, mean: m, sd, ci };
    },
  };
}
