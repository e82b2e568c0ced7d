/**
 * Run progress on stderr: on a terminal a bar redrawn in place (decisions done of total, rate,
 * time left, and any status text such as live metrics); otherwise a plain line every few
 * seconds, so CI logs stay readable; nothing with --quiet.
 *
 * @example
 * const progress = createProgress({ total: 6000 });
 * events$.subscribe({ next: (ev) => progress.observe(ev), complete: () => progress.stop() });
 * progress.setStatus("VR prosocial 0.91"); // shown after the bar
 */
import type { HvaeEvent } from "../core/events.ts";

export interface ProgressOptions {
  /** Planned decisions of the whole run. */
  readonly total: number;
  /** Decisions already recorded (a resumed run). */
  readonly done?: number;
  readonly quiet?: boolean;
  readonly stream?: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** Minimum time between plain lines (non-terminal), default 5 s. */
  readonly lineIntervalMs?: number;
  readonly now?: () => number;
}

export interface ProgressRenderer {
  /** Counts decision.made / decision.invalid events; ignores the rest. */
  observe(event: HvaeEvent): void;
  /** Extra text shown after the figures (live metrics plug in here). */
  setStatus(text: string): void;
  /** Draws the final state and leaves the terminal on a fresh line. */
  stop(): void;
}

export function createProgress(opts: ProgressOptions): ProgressRenderer {
  if (opts.quiet) return { observe() {}, setStatus() {}, stop() {} };
  const stream = opts.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const now = opts.now ?? Date.now;
  const interval = tty ? 100 : (opts.lineIntervalMs ?? 5000);
  const start = now();
  const done0 = opts.done ?? 0;
  let done = done0;
  let status = "";
  let lastDraw = tty ? 0 : start;
  let drawn = false;

  const draw = (t: number) => {
    lastDraw = t;
    drawn = true;
    const line = progressLine(opts.total, done, done - done0, (t - start) / 1000, status, tty ? 24 : 0);
    if (tty) {
      const width = stream.columns ?? 120;
      stream.write(`\r\x1b[2K${line.length > width - 1 ? line.slice(0, width - 1) : line}`);
    } else {
      stream.write(`${line}\n`);
    }
  };

  return {
    observe(event) {
      if (event.type !== "decision.made" && event.type !== "decision.invalid") return;
      done++;
      // Checking the clock every 64 decisions keeps the renderer off the profile.
      if ((done & 63) === 0 || done === opts.total) {
        const t = now();
        if (t - lastDraw >= interval) draw(t);
      }
    },
    setStatus(text) {
      status = text;
    },
    stop() {
      if (tty || drawn || done > done0) draw(now());
      if (tty) stream.write("\n");
    },
  };
}

/**
 * One progress line: "[######------] 1,200/6,000 decisions (20.0%)  8,000/s  ETA 0:01".
 *
 * @example
 * progressLine(6000, 1200, 1200, 0.15, "", 12); // "[##----------] 1,200/6,000 decisions (20.0%)  8,000/s  ETA 0:01"
 */
export function progressLine(total: number, done: number, doneHere: number, seconds: number, status: string, barWidth: number): string {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const rate = seconds > 0 ? doneHere / seconds : 0;
  const left = rate > 0 ? (total - done) / rate : NaN;
  const filled = Math.round(share * barWidth);
  const bar = barWidth > 0 ? `[${"#".repeat(filled)}${"-".repeat(barWidth - filled)}] ` : "progress: ";
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const parts = [
    `${bar}${fmt(done)}/${fmt(total)} decisions (${(share * 100).toFixed(1)}%)`,
    `${fmt(rate)}/s`,
    `ETA ${Number.isFinite(left) ? duration(left) : "?"}`,
  ];
  if (status) parts.push(status);
  return parts.join("  ");
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}
