/**
 * Refuses a log that two writers produced: sequence numbers that do not increase, a decision id
 * or a finished session recorded twice, or two `run.completed` events with status completed. A
 * lock keeps this from happening (store/run-lock.ts); a log copied together by hand or written
 * by an older hvae may still hold it, and counting such a log would double its numbers.
 * Memory: one id per finished session, and decision ids only for sessions still open.
 *
 * @example
 * readEvents(path).pipe(refuseDuplicates(path), analyze());
 */
import { Observable, type MonoTypeOperatorFunction } from "rxjs";
import { InputError } from "../core/errors.ts";
import type { HvaeEvent } from "../core/events.ts";

export function refuseDuplicates(path: string): MonoTypeOperatorFunction<HvaeEvent> {
  return (source) =>
    new Observable<HvaeEvent>((subscriber) => {
      let lastSeq = -1;
      let line = 0;
      let completedRuns = 0;
      const finished = new Set<string>();
      const open = new Map<string, Set<string>>();
      const refuse = (what: string) =>
        subscriber.error(
          new InputError(
            `${path} (event ${line}): ${what}: the log was written by two processes at once (or pieced together) and cannot be analysed; ` +
              `re-run the scenario, or keep one copy of each decision`,
          ),
        );
      return source.subscribe({
        next(ev) {
          line++;
          if (ev.seq <= lastSeq) return refuse(`seq ${ev.seq} after ${lastSeq}`);
          lastSeq = ev.seq;
          switch (ev.type) {
            case "run.completed":
              if (ev.status === "completed" && ++completedRuns > 1) return refuse("a second run.completed with status completed");
              break;
            case "trial.completed":
              if (finished.has(ev.sessionId)) return refuse(`session ${ev.sessionId} completed twice`);
              finished.add(ev.sessionId);
              open.delete(ev.sessionId);
              break;
            case "decision.made":
            case "decision.invalid": {
              if (finished.has(ev.sessionId)) return refuse(`decision ${ev.decisionId} recorded again after its session finished`);
              let ids = open.get(ev.sessionId);
              if (!ids) open.set(ev.sessionId, (ids = new Set()));
              if (ids.has(ev.decisionId)) return refuse(`decision ${ev.decisionId} recorded twice`);
              ids.add(ev.decisionId);
              break;
            }
          }
          subscriber.next(ev);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
