/**
 * Descriptive statistics for the analysis: mean and standard deviation through mathjs (imported
 * lazily, and as its one-file bundle, so commands that never compute statistics never pay for it),
 * and seeded percentile-bootstrap 95 % intervals via bootstrap.ts.
 *
 * @example
 * const stats = await loadStats();
 * stats.describe([0.8, 0.9, 1], "agent:a1:vr"); // { n: 3, mean: 0.9, sd: 0.1, ci: [lo, hi] }
 */
import { bootstrapCI } from "./bootstrap.ts";
import { hashSeed } from "../src/core/random.ts";

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

/** Bootstrap settings: fixed base seed, level and resamples per interval. */
export interface BootstrapSettings {
  readonly seed: number;
  readonly level: number;
  readonly resamples: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapSettings = { seed: 20240517, level: 0.95, resamples: 2000 };

/**
 * Resamples per interval so that one analysis draws at most `budget` values in total (`totalValues`
 * = the summed sizes of all its samples): 2000 for ordinary runs, down to 100 for million-decision
 * logs, where intervals are narrow and the percentile endpoints' Monte Carlo error is small.
 *
 * @example
 * resamplesFor(10_000);    // 2000
 * resamplesFor(1_000_000); // 100
 */
export function resamplesFor(totalValues: number, budget = 50_000_000, max = 2000, min = 100): number {
  return Math.max(min, Math.min(max, Math.floor(budget / Math.max(1, totalValues))));
}

/**
 * Loads mathjs and returns the statistics functions bound to the bootstrap settings.
 *
 * @example
 * const { describe } = await loadStats({ ...DEFAULT_BOOTSTRAP, seed: 7 });
 */
export async function loadStats(settings: BootstrapSettings = DEFAULT_BOOTSTRAP): Promise<Stats> {
  // mathjs's single-file bundle: its ESM build is ~1,000 modules, each a round trip through the
  // tsx loader (~1.6 s here), where the bundle loads in ~0.25 s. Same version, same functions.
  const math = (await import("mathjs/lib/browser/math.js")).default;
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
          ? bootstrapCI(values, { seed: hashSeed(settings.seed, key), resamples: settings.resamples, level: settings.level })
          : ([m, m] as [number, number]);
      return { n, mean: m, sd, ci };
    },
  };
}
