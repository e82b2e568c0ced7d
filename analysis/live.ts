/**
 * Live metrics during a run: running VR per value group, updated as each trajectory finishes,
 * from the same fold step ({@link foldEvent}) the replayed analysis uses.
 *
 * @example
 * events$.pipe(liveMetrics()).subscribe((u) => progress.setStatus(liveStatus(u)));
 */
import { asyncScheduler, filter, lastValueFrom, map, share, tap, throttleTime, Subscription, type Observable, type OperatorFunction } from "rxjs";
import type { HvaeEvent } from "../src/core/events.ts";
import { costOf, formatCost } from "../src/core/money.ts";
import { accumulate, liveGroupCC, type RunAccumulator } from "./operators.ts";
import { valueRank } from "./summary.ts";

export interface LiveGroupMetric {
  readonly value: string;
  /** Scored trajectories so far. */
  readonly n: number;
  readonly vr: number;
  /** Null when chance is 1 (no decision so far told good from bad behaviour). */
  readonly vrCC: number | null;
}

export interface LiveUpdate {
  readonly trajectories: number;
  readonly decisions: number;
  readonly invalidDecisions: number;
  /** USD so far; null once a call had no known price (`pricedCostUsd` is the known part). */
  readonly costUsd: number | null;
  readonly pricedCostUsd: number;
  readonly unpricedCalls: number;
  readonly groups: readonly LiveGroupMetric[];
}

/** A snapshot of the accumulator's running figures. */
export function liveSnapshot(acc: RunAccumulator): LiveUpdate {
  return {
    trajectories: acc.trajectories.length,
    decisions: acc.decisions,
    invalidDecisions: acc.invalidDecisions,
    ...costOf(acc),
    groups: [...acc.live.values()]
      .map((g) => ({ value: g.value, n: g.n, vr: g.vrSum / g.n, vrCC: liveGroupCC(g) }))
      .sort((a, b) => valueRank(a.value) - valueRank(b.value)),
  };
}

/**
 * Events → one update each time a trajectory finishes (throttle downstream for display).
 *
 * @example
 * events$.pipe(liveMetrics(), auditTime(1000)).subscribe((u) => console.error(liveLine(u)));
 */
export function liveMetrics(): OperatorFunction<HvaeEvent, LiveUpdate> {
  return (source) =>
    source.pipe(
      accumulate(),
      filter((acc) => acc.lastClosed.length > 0),
      map(liveSnapshot),
    );
}

/**
 * Short status for the progress bar: money spent and the invalid share first (what a paid run
 * must watch), then the running VR per value group.
 *
 * @example
 * liveStatus(u); // "$0.0412  2.1% invalid  VR altruistic 0.98 · prosocial 0.91"
 */
export function liveStatus(u: LiveUpdate): string {
  const parts: string[] = [];
  if (u.costUsd === null) parts.push(`cost ${formatCost(u, u.pricedCostUsd < 10 ? 4 : 2)}`);
  else if (u.costUsd > 0) parts.push(formatCost(u, u.costUsd < 10 ? 4 : 2));
  if (u.invalidDecisions > 0) parts.push(`${((100 * u.invalidDecisions) / u.decisions).toFixed(1)}% invalid`);
  if (u.groups.length) parts.push(`VR ${u.groups.map((g) => `${g.value} ${g.vr.toFixed(2)}`).join(" · ")}`);
  return parts.join("  ");
}

/** One line for `--live-metrics`: counts, then VR and VR_cc per value group. */
export function liveLine(u: LiveUpdate): string {
  const groups = u.groups.map((g) => `${g.value}: VR ${g.vr.toFixed(3)} cc ${g.vrCC === null ? "–" : g.vrCC.toFixed(3)} (n=${g.n})`);
  const invalid = u.decisions ? ((100 * u.invalidDecisions) / u.decisions).toFixed(1) : "0.0";
  return [
    `metrics: ${u.trajectories} trajectories, ${u.decisions} decisions, ${invalid}% invalid, cost ${formatCost(u)}`,
    ...groups,
  ].join(" | ");
}

/**
 * Attaches live metrics to a run's event stream: the progress status always shows the running
 * VR per value group; with `print` a metrics line goes out at most every `intervalMs` (and the
 * last state at once when the events end). One accumulator serves both the live display and the final analysis, so the
 * end-of-run table costs no second pass over the events.
 *
 * @example
 * const { final } = attachLive(events$, { status: progress.setStatus });
 * const { summary } = await summarize(await final);
 */
export function attachLive(
  events$: Observable<HvaeEvent>,
  opts: { status: (text: string) => void; print?: (line: string) => void; intervalMs?: number },
): { subscription: Subscription; final: Promise<RunAccumulator | null> } {
  const state$ = events$.pipe(accumulate(), share());
  const updates$ = state$.pipe(
    filter((acc) => acc.lastClosed.length > 0),
    map(liveSnapshot),
    share(),
  );
  // Subscribed before any event flows (the source is hot), so the last state is the whole run.
  const final = lastValueFrom(state$, { defaultValue: null });
  // A parent subscription: adding the printer to the status subscriber would cut its trailing line.
  const subscription = new Subscription();
  subscription.add(updates$.subscribe((u) => opts.status(liveStatus(u))));
  if (opts.print) {
    const print = opts.print;
    // The last state is printed when the run ends, at once: a trailing throttle would hold it
    // (and the process) until its timer ran out, after the final table.
    let latest: LiveUpdate | null = null;
    let printed: LiveUpdate | null = null;
    subscription.add(
      updates$
        .pipe(
          tap((u) => void (latest = u)),
          throttleTime(opts.intervalMs ?? 1000, asyncScheduler, { leading: true, trailing: false }),
        )
        .subscribe({
          next: (u) => print(liveLine((printed = u))),
          complete: () => {
            if (latest && latest !== printed) print(liveLine(latest));
          },
        }),
    );
  }
  return { subscription, final };
}
