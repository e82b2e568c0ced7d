/**
 * What the user needs when a write fails: what could not be written, where, how much space it
 * needed and how much the file system has left. Errors of the disk (full, quota, read-only, I/O)
 * become IoErrors (exit 4); anything else is passed through unchanged.
 *
 * @example
 * try { writeSync(fd, data); } catch (err) { throw asIoError(err, "the event log", path, data.length); }
 */
import { statfsSync } from "node:fs";
import { dirname } from "node:path";
import { IoError } from "../core/errors.ts";

/** errno codes that mean "the disk, not hvae": exit 4 with a message, never a stack. */
export const DISK_ERROR_CODES = new Set(["ENOSPC", "EDQUOT", "EROFS", "EIO", "EFBIG", "EMFILE", "ENFILE", "EACCES", "EPERM"]);

/** Free bytes on the file system holding `path` (its directory when it does not exist), null when unknown. */
export function freeBytes(path: string): number | null {
  for (const p of [path, dirname(path)]) {
    try {
      const s = statfsSync(p);
      return Number(s.bavail) * Number(s.bsize);
    } catch {
      // try the parent
    }
  }
  return null;
}

/** "1.2 MB", "512 bytes". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) (v /= 1024), u++;
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/**
 * An IoError for a failed write of `what` to `path` (needing `bytes`), or `err` itself when it is
 * not a disk error.
 */
export function asIoError(err: unknown, what: string, path: string, bytes: number | null = null): unknown {
  if (err instanceof IoError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (!code || !DISK_ERROR_CODES.has(code)) return err;
  const need = bytes === null ? "" : ` (${formatBytes(bytes)})`;
  const free = freeBytes(path);
  const left = free === null ? "" : `; ${formatBytes(free)} free there`;
  const cause: Record<string, string> = {
    ENOSPC: "disk full",
    EDQUOT: "disk quota exceeded",
    EROFS: "read-only file system",
    EIO: "I/O error",
    EFBIG: "file too large",
    EMFILE: "too many open files",
    ENFILE: "too many open files",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
  };
  return new IoError(`${cause[code]}: could not write ${what}${need} to ${path}${left}`, code);
}
