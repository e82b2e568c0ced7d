/**
 * Reads a JSONL file line by line with the byte offset of every line, synchronously and in
 * bounded chunks, so indexes can point back into the file (read one line later with readLineAt).
 * Only lines ending in a newline are complete; what follows the last newline is the torn or
 * still-being-written tail, handed back as `tail` for the caller to judge.
 *
 * @example
 * const { end } = scanLines("runs/x/events.jsonl", 0, (text, offset) => index(text, offset));
 * // later, when the file has grown: scanLines(path, end, …)
 */
import { closeSync, openSync, readSync } from "node:fs";

export interface ScanResult {
  /** Offset just past the last complete line: where a later scan continues. */
  readonly end: number;
  /** Text after the last newline (empty when the file ends with one). */
  readonly tail: string;
  readonly tailOffset: number;
}

const CHUNK = 1 << 20;

export function scanLines(path: string, from: number, onLine: (text: string, offset: number, bytes: number) => void | false): ScanResult {
  const fd = openSync(path, "r");
  try {
    let pos = from;
    let carry: Buffer = Buffer.alloc(0);
    let carryAt = from;
    const chunk = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const n = readSync(fd, chunk, 0, CHUNK, pos);
      if (n === 0) break;
      pos += n;
      const buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let start = 0;
      for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a, start)) {
        const end = nl > start && buf[nl - 1] === 0x0d ? nl - 1 : nl;
        if (end > start && onLine(buf.toString("utf8", start, end), carryAt + start, nl + 1 - start) === false) {
          return { end: carryAt + nl + 1, tail: "", tailOffset: carryAt + nl + 1 };
        }
        start = nl + 1;
      }
      carryAt += start;
      carry = Buffer.from(buf.subarray(start));
    }
    return { end: carryAt, tail: carry.toString("utf8"), tailOffset: carryAt };
  } finally {
    closeSync(fd);
  }
}

/** The line of `bytes` bytes (newline included or not) at `offset`. */
export function readLineAt(fd: number, offset: number, bytes: number): string {
  const buf = Buffer.allocUnsafe(bytes);
  const n = readSync(fd, buf, 0, bytes, offset);
  let end = n;
  while (end > 0 && (buf[end - 1] === 0x0a || buf[end - 1] === 0x0d)) end--;
  return buf.toString("utf8", 0, end);
}

/** Reads `bytes` bytes at `offset` as text (a range of whole lines). */
export function readRange(fd: number, offset: number, bytes: number): string {
  const buf = Buffer.allocUnsafe(bytes);
  const n = readSync(fd, buf, 0, bytes, offset);
  return buf.toString("utf8", 0, n);
}
