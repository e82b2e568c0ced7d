/**
 * Append-only JSONL writer for the event log. Lines are batched in memory and flushed when the
 * batch grows past `flushBytes` or every `flushMs`, with synchronous appends, so a crash loses
 * only the last few milliseconds of events (which a resume replays) and at most tears the line
 * being written (which the reader tolerates and resume truncates).
 *
 * A failed write (disk full, I/O error) never throws out of a timer or an event handler: the
 * writer stops, keeps what reached the file (a prefix of the log, which resume continues) and
 * reports one IoError through `onError` and `failure`. The file is opened without following a
 * symlink and must be a regular file.
 *
 * @example
 * const log = openJsonlWriter("runs/x/events.jsonl", { onError: (e) => stop(e) });
 * events$.subscribe({ next: (ev) => log.write(ev), complete: () => log.close() });
 */
import * as nodeFs from "node:fs";
import { IoError } from "../core/errors.ts";
import { asIoError } from "./io-failure.ts";

export interface JsonlWriter {
  /** Queues one value as one line (dropped once the writer has failed). */
  write(value: unknown): void;
  /** Appends everything queued. */
  flush(): void;
  /** Flushes, syncs to disk and closes the file; further writes throw. */
  close(): void;
  /** Lines written so far (queued included). */
  readonly lines: number;
  /** The write error that stopped the writer, null while healthy. */
  readonly failure: IoError | null;
}

/** The file operations the writer uses (tests inject ENOSPC here). */
export interface WriterFs {
  openSync: typeof nodeFs.openSync;
  writeSync: (fd: number, buffer: Buffer, offset: number, length: number) => number;
  fsyncSync: typeof nodeFs.fsyncSync;
  closeSync: typeof nodeFs.closeSync;
  fstatSync: typeof nodeFs.fstatSync;
}

export interface JsonlWriterOptions {
  /** Flush when the batch reaches this many characters (default 256 KiB). */
  readonly flushBytes?: number;
  /** Flush at least this often while lines are queued (default 100 ms). */
  readonly flushMs?: number;
  /** Called once when a write fails; the writer is stopped by then. */
  readonly onError?: (err: IoError) => void;
  readonly fs?: WriterFs;
}

const { O_APPEND, O_CREAT, O_WRONLY, O_NOFOLLOW } = nodeFs.constants;

export function openJsonlWriter(path: string, options: JsonlWriterOptions = {}): JsonlWriter {
  const fs: WriterFs = options.fs ?? nodeFs;
  const flushBytes = options.flushBytes ?? 256 * 1024;
  let fd: number;
  try {
    fd = fs.openSync(path, O_APPEND | O_CREAT | O_WRONLY | O_NOFOLLOW, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP") throw new IoError(`${path} is a symbolic link; hvae writes only regular files inside the run directory`, "ELOOP");
    throw asIoError(err, "the event log", path);
  }
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw new IoError(`${path} is not a regular file; hvae writes only regular files inside the run directory`);
  }
  let batch = "";
  let lines = 0;
  let open = true;
  let failure: IoError | null = null;
  const fail = (err: unknown, bytes: number) => {
    const io = asIoError(err, "the event log", path, bytes);
    failure = io instanceof IoError ? io : new IoError(`could not write the event log to ${path}: ${(err as Error).message}`);
    batch = "";
    options.onError?.(failure);
  };
  const flush = () => {
    if (batch.length === 0 || failure) return;
    const data = Buffer.from(batch, "utf8");
    batch = "";
    let off = 0;
    try {
      // writeSync may write less than asked (a nearly full disk): loop until all is out or it throws.
      while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
    } catch (err) {
      fail(err, data.length - off);
    }
  };
  const timer = setInterval(flush, options.flushMs ?? 100);
  timer.unref();
  return {
    write(value) {
      if (!open) throw new Error(`write after close: ${path}`);
      if (failure) return;
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
      try {
        if (!failure) fs.fsyncSync(fd);
      } catch (err) {
        fail(err, 0);
      }
      try {
        fs.closeSync(fd);
      } catch {
        // The data is in the kernel or lost already; failure says which.
      }
    },
    get lines() {
      return lines;
    },
    get failure() {
      return failure;
    },
  };
}
