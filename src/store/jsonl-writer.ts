/**
 * Append-only JSONL writer for the event log. Lines are batched in memory and flushed when the
 * batch grows past `flushBytes` or every `flushMs`, with synchronous appends, so a crash loses
 * only the last few milliseconds of events (which a resume replays) and at most tears the line
 * being written (which the reader tolerates and resume truncates).
 *
 * @example
 * const log = openJsonlWriter("runs/x/events.jsonl");
 * events$.subscribe({ next: (ev) => log.write(ev), complete: () => log.close() });
 */
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";

export interface JsonlWriter {
  /** Queues one value as one line. */
  write(value: unknown): void;
  /** Appends everything queued. */
  flush(): void;
  /** Flushes, syncs to disk and closes the file; further writes throw. */
  close(): void;
  /** Lines written so far (queued included). */
  readonly lines: number;
}

export interface JsonlWriterOptions {
  /** Flush when the batch reaches this many characters (default 256 KiB). */
  readonly flushBytes?: number;
  /** Flush at least this often while lines are queued (default 100 ms). */
  readonly flushMs?: number;
}

export function openJsonlWriter(path: string, options: JsonlWriterOptions = {}): JsonlWriter {
  const flushBytes = options.flushBytes ?? 256 * 1024;
  const fd = openSync(path, "a");
  let batch = "";
  let lines = 0;
  let open = true;
  const flush = () => {
    if (batch.length === 0) return;
    const data = batch;
    batch = "";
    writeSync(fd, data);
  };
  const timer = setInterval(flush, options.flushMs ?? 100);
  timer.unref();
  return {
    write(value) {
      if (!open) throw new Error(`write after close: ${path}`);
      batch += JSON.stringify(value) + "\n";
      lines++;
      if (batch.length >= flushBytes) flush();
    },
    flush,
    close() {
      if (!open) return;
      open = false;
      clearInterval(timer);
      flush();
      fsyncSync(fd);
      closeSync(fd);
    },
    get lines() {
      return lines;
    },
  };
}
