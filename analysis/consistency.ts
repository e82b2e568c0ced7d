/**
 * Consistency and reliability of agents' trajectories (METHOD §15), the checks a human
 * respondent's slider answers get, applied to every trajectory:
 * - transitivity: the share of trajectories whose six primary answers are transitive
 *   (`scoreResponse`, the code `hvae score` uses for people);
 * - the inequality-aversion index: when the run plays all 15 items, its mean over the
 *   trajectories where it applies (prosocial, transitive, D_IA and D_JG the two smallest);
 * - test–retest agreement: the share of pairs (same agent, same item, different trials) with the
 *   same option, beside what a uniform chooser agrees by chance (1/k);
 * - drift: the least-squares slope of VR, and of the angle, over the trial index;
 * - per-item choice distributions per group.
 * Intervals resample the analysis' unit (a cluster key, or trajectories), like every interval.
 *
 * @example
 * const c = createConsistency(acc, settings);
 * c.of(trajectoriesOfAgent, "agent:a1", undefined).transitivity; // 1
 */
import { hashSeed } from "../src/core/random.ts";
import type { RunAccumulator, TrajectoryRecord } from "./operators.ts";
import type { GroupSummary } from "./summary.ts";
import { resampledInterval, unitsOf, type ResampleSettings } from "./resample.ts";

export interface Drift {
  /** Distinct trial indices among the scored trajectories. */
  trials: number;
  /** Least-squares slope of VR on the trial index (VR units per trial). */
  vrSlope: number | null;
  vrSlopeCI: [number, number] | null;
  /** Slope of the angle (degrees per trial), the angle taken as its offset from the circular mean. */
  angleSlope: number | null;
  angleSlopeCI: [number, number] | null;
}

export interface Retest {
  /** Share of same-item pairs from different trials (same agent) that chose the same option. */
  agreement: number | null;
  agreementCI: [number, number] | null;
  /** The agreement a uniform random chooser has on the same pairs (mean 1/k). */
  chance: number | null;
  pairs: number;
}

export interface Consistency {
  /** Slider: share of trajectories with all primary answers whose answers are transitive; null on other games. */
  transitivity: number | null;
  transitivityCI: [number, number] | null;
  /** Trajectories the share is over (all six primary items answered). */
  transitivityN: number;
  /** Slider with all 15 items: mean inequality-aversion index (0 averse … 1 joint gain) where it applies. */
  iaIndex: number | null;
  iaIndexCI: [number, number] | null;
  /** Trajectories with an index; `iaEligible`: those with all 15 answers (null when the run plays the primary items only). */
  iaN: number;
  iaEligible: number | null;
  /** Two-person item games: agreement across trials; null in other games. */
  retest: Retest | null;
  drift: Drift;
}

/** A group's choices on one item (JSON `items`, report/items.csv). */
export interface ItemDistribution {
  model: string;
  value: string;
  condition: string | null;
  itemId: string;
  /** Valid decisions on the item, and the invalid ones. */
  n: number;
  invalid: number;
  /** Choices of each canonical option (option k at index k − 1). */
  counts: number[];
  shares: number[] | null;
}

/** Retest contributions per trajectory (by its index): agreements, pairs and chance agreements with the same agent's other-trial trajectories. */
interface RetestSums {
  readonly agree: Float64Array;
  readonly pairs: Float64Array;
  readonly chance: Float64Array;
}

const RAD = Math.PI / 180;
const wrap180 = (d: number): number => d - 360 * Math.ceil((d - 180) / 360);

/**
 * Retest contributions, within each agent: on item j, trajectory i agrees with the agent's
 * trajectories of other trials that chose its option (all of them minus those of its own
 * trial). Counts in typed arrays, one pass per agent and trial: this runs over every trajectory
 * of a million-decision log.
 */
function retestSums(acc: RunAccumulator): RetestSums {
  const n = acc.trajectories.length;
  const sums: RetestSums = { agree: new Float64Array(n), pairs: new Float64Array(n), chance: new Float64Array(n) };
  const items = [...acc.items.values()].sort((a, b) => a.index - b.index).map((it) => it.options.length);
  if (items.length === 0) return sums;
  const width = Math.max(...items) + 1;
  const stride = items.length;
  const picks = acc.picks;
  const byAgent = new Map<string, TrajectoryRecord[]>();
  for (const t of acc.trajectories) {
    let list = byAgent.get(t.agentId);
    if (!list) byAgent.set(t.agentId, (list = []));
    list.push(t);
  }
  const all = new Int32Array(items.length * width);
  const own = new Int32Array(items.length * width);
  for (const list of byAgent.values()) {
    // Trials in order (the schedule is trial-major, so this is usually sorted already).
    const ts = list.every((t, i) => i === 0 || list[i - 1].trial <= t.trial) ? list : list.slice().sort((x, y) => x.trial - y.trial);
    all.fill(0);
    for (const t of ts) {
      const at = t.index * stride;
      for (let j = 0; j < stride; j++) if (picks[at + j] > 0) all[j * width + picks[at + j]]++;
    }
    const answered = new Int32Array(items.length);
    for (let j = 0; j < items.length; j++) for (let o = 1; o < width; o++) answered[j] += all[j * width + o];
    for (let start = 0; start < ts.length; ) {
      let end = start;
      while (end < ts.length && ts[end].trial === ts[start].trial) end++;
      own.fill(0);
      const ownAnswered = new Int32Array(items.length);
      for (let i = start; i < end; i++) {
        const at = ts[i].index * stride;
        for (let j = 0; j < stride; j++) {
          const o = picks[at + j];
          if (o > 0) {
            own[j * width + o]++;
            ownAnswered[j]++;
          }
        }
      }
      for (let i = start; i < end; i++) {
        const t = ts[i];
        const at = t.index * stride;
        for (let j = 0; j < stride; j++) {
          const o = picks[at + j];
          if (o === 0) continue;
          const pairs = answered[j] - ownAnswered[j];
          sums.pairs[t.index] += pairs;
          sums.agree[t.index] += all[j * width + o] - own[j * width + o];
          sums.chance[t.index] += pairs / items[j];
        }
      }
      start = end;
    }
  }
  return sums;
}

/** The consistency measures of a finished accumulator; `of` describes any set of its trajectories. */
export function createConsistency(acc: RunAccumulator, settings: ResampleSettings) {
  const slider = acc.run?.method === "slider";
  const primaryIn = slider && Array.from({ length: 6 }, (_, i) => acc.items.has(`svo-${i + 1}`)).every(Boolean);
  const allIn = primaryIn && Array.from({ length: 15 }, (_, i) => acc.items.has(`svo-${i + 1}`)).every(Boolean);
  const retest = retestSums(acc);
  const items = acc.items.size > 0;

  return {
    /** The measures of a set of trajectories; `key` seeds its intervals, `unit` is the resampling unit. */
    of(ts: readonly TrajectoryRecord[], key: string, unit: ((t: TrajectoryRecord) => string) | undefined): Consistency {
      // One pass: per resampling unit, the sums every statistic below is a function of.
      const { index, count } = unitsOf(ts, unit);
      const u = {
        trN: new Float64Array(count), trSum: new Float64Array(count),
        iaN: new Float64Array(count), iaSum: new Float64Array(count),
        agree: new Float64Array(count), pairs: new Float64Array(count),
      };
      const vr = trendSums(count);
      let trN = 0, trSum = 0, iaN = 0, iaSum = 0, eligible = 0, agree = 0, pairs = 0, chance = 0, sin = 0, cos = 0, angles = 0;
      for (let i = 0; i < ts.length; i++) {
        const t = ts[i];
        const k = index[i];
        if (t.transitive !== null) {
          u.trN[k]++;
          trN++;
          if (t.transitive) {
            u.trSum[k]++;
            trSum++;
          }
        }
        if (t.allItems) eligible++;
        if (t.iaIndex !== null) {
          u.iaN[k]++;
          u.iaSum[k] += t.iaIndex;
          iaN++;
          iaSum += t.iaIndex;
        }
        const p = retest.pairs[t.index];
        if (p > 0) {
          u.pairs[k] += p;
          u.agree[k] += retest.agree[t.index];
          pairs += p;
          agree += retest.agree[t.index];
          chance += retest.chance[t.index];
        }
        if (t.vr !== null) addPoint(vr, k, t.trial, t.vr);
        if (t.angle !== null) {
          sin += Math.sin(t.angle * RAD);
          cos += Math.cos(t.angle * RAD);
          angles++;
        }
      }
      const ratio = (num: Float64Array, den: Float64Array) => (w: Float64Array) => {
        let a = 0;
        let b = 0;
        for (let j = 0; j < count; j++) {
          if (w[j] === 0) continue;
          a += w[j] * num[j];
          b += w[j] * den[j];
        }
        return b ? a / b : null;
      };
      // The angle's drift: offsets from the set's circular mean (a second pass, over angles only).
      const angle = trendSums(count);
      const centred = angles > 0 && Math.hypot(sin, cos) > 1e-12 * angles;
      if (centred) {
        const centre = Math.atan2(sin, cos) / RAD;
        for (let i = 0; i < ts.length; i++) if (ts[i].angle !== null) addPoint(angle, index[i], ts[i].trial, wrap180(ts[i].angle! - centre));
      }
      const ones = new Float64Array(count).fill(1);
      const vrSlope = slope(ones, vr);
      const angleSlope = centred ? slope(ones, angle) : null;
      const trials = new Set<number>();
      for (const t of ts) if (t.vr !== null) trials.add(t.trial);
      return {
        transitivity: primaryIn && trN ? trSum / trN : null,
        transitivityCI: primaryIn && trN ? resampledInterval(count, seeded(settings, `${key}:transitivity`), ratio(u.trSum, u.trN)) : null,
        transitivityN: trN,
        iaIndex: iaN ? iaSum / iaN : null,
        iaIndexCI: iaN ? resampledInterval(count, seeded(settings, `${key}:ia`), ratio(u.iaSum, u.iaN)) : null,
        iaN,
        iaEligible: allIn ? eligible : null,
        retest:
          items
            ? {
                agreement: pairs ? agree / pairs : null,
                agreementCI: pairs ? resampledInterval(count, seeded(settings, `${key}:retest`), ratio(u.agree, u.pairs)) : null,
                chance: pairs ? chance / pairs : null,
                // Each pair enters twice (once from each side); the ratios are unaffected.
                pairs: pairs / 2,
              }
            : null,
        drift: {
          trials: trials.size,
          vrSlope,
          vrSlopeCI: vrSlope === null ? null : resampledInterval(count, seeded(settings, `${key}:drift:vr`), (w) => slope(w, vr)),
          angleSlope,
          angleSlopeCI: angleSlope === null ? null : resampledInterval(count, seeded(settings, `${key}:drift:angle`), (w) => slope(w, angle)),
        },
      };
    },
  };
}

/** Each interval its own fixed seed, from the run's bootstrap seed and the quantity's key. */
function seeded(settings: ResampleSettings, key: string): ResampleSettings {
  return { ...settings, seed: hashSeed(settings.seed, key) };
}

interface TrendSums {
  readonly n: Float64Array;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly xx: Float64Array;
  readonly xy: Float64Array;
}

const trendSums = (count: number): TrendSums => ({
  n: new Float64Array(count), x: new Float64Array(count), y: new Float64Array(count), xx: new Float64Array(count), xy: new Float64Array(count),
});

function addPoint(s: TrendSums, u: number, x: number, y: number): void {
  s.n[u]++;
  s.x[u] += x;
  s.y[u] += y;
  s.xx[u] += x * x;
  s.xy[u] += x * y;
}

/** Least-squares slope of y on x from weighted per-unit sums; null without spread in x. */
function slope(w: Float64Array, s: TrendSums): number | null {
  let n = 0, x = 0, y = 0, xx = 0, xy = 0;
  for (let u = 0; u < w.length; u++) {
    if (w[u] === 0) continue;
    n += w[u] * s.n[u];
    x += w[u] * s.x[u];
    y += w[u] * s.y[u];
    xx += w[u] * s.xx[u];
    xy += w[u] * s.xy[u];
  }
  const d = n * xx - x * x;
  return d > 1e-9 * Math.max(1, n * xx) ? (n * xy - x * y) / d : null;
}

/**
 * Per group and item, the choices of each canonical option, pooled over the group's agents.
 * Items in the run's order (run.started), then the other moves by id.
 */
export function itemDistributions(acc: RunAccumulator, groups: readonly Pick<GroupSummary, "model" | "value" | "condition">[], membersOf: (g: Pick<GroupSummary, "model" | "value" | "condition">) => readonly string[]): ItemDistribution[] {
  const width = new Map<string, number>();
  for (const [id, it] of acc.items) width.set(id, it.options.length);
  for (const m of acc.moveList) width.set(m.itemId, Math.max(width.get(m.itemId) ?? 0, m.options.length));
  const rank = (id: string) => acc.items.get(id)?.index ?? Number.MAX_SAFE_INTEGER;
  const out: ItemDistribution[] = [];
  for (const g of groups) {
    const pooled = new Map<string, { counts: number[]; invalid: number }>();
    for (const id of membersOf(g)) {
      for (const [itemId, c] of acc.agents.get(id)?.itemCounts ?? []) {
        let p = pooled.get(itemId);
        if (!p) pooled.set(itemId, (p = { counts: [], invalid: 0 }));
        p.invalid += c.invalid;
        c.counts.forEach((x, k) => (p!.counts[k] = (p!.counts[k] ?? 0) + x));
      }
    }
    const ids = [...pooled.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    for (const itemId of ids) {
      const p = pooled.get(itemId)!;
      const k = Math.max(width.get(itemId) ?? 0, p.counts.length);
      const counts = Array.from({ length: k }, (_, i) => p.counts[i] ?? 0);
      const n = counts.reduce((a, b) => a + b, 0);
      out.push({ model: g.model, value: g.value, condition: g.condition, itemId, n, invalid: p.invalid, counts, shares: n ? counts.map((x) => x / n) : null });
    }
  }
  return out;
}
