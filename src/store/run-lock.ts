/**
 * One writer per run directory. `hvae run`, `run --resume` and `report` take `<runDir>/.lock`
 * before they write: the file is created atomically (O_EXCL) and holds the holder's pid, host,
 * command and start time, so a second process is refused with a message naming the holder. A
 * lock left by a process that died (same host, pid no longer alive) is stale and taken over; a
 * lock from another host is never guessed stale (remove it by hand when you know it is dead).
 *
 * @example
 * const lock = lockRunDir("runs/demo-x", "hvae run --resume");
 * try { ... } finally { lock.release(); }
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { InputError } from "../core/errors.ts";
import { asIoError } from "./io-failure.ts";

export const LOCK_FILE = ".lock";

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly since: string;
}

export interface RunLock {
  readonly path: string;
  /** Removes the lock if it is still ours; safe to call twice. */
  release(): void;
}

/** A lock file with no readable holder younger than this may be one being written right now. */
const UNREADABLE_GRACE_MS = 5_000;

/**
 * Takes the run directory's lock or throws an InputError (exit 2) naming the holder.
 *
 * @example
 * lockRunDir(dir, "hvae report"); // "runs/x is in use by hvae run --resume (pid 4242 on host box, since …)"
 */
export function lockRunDir(dir: string, command: string): RunLock {
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  const text = JSON.stringify(me) + "\n";
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(path, text)) return held(path, text);
    const holder = readHolder(path);
    if (holder === "gone") continue;
    if (!isStale(path, holder)) throw new InputError(inUseMessage(dir, holder));
    takeOverStale(path, holder);
  }
  const holder = readHolder(path);
  throw new InputError(inUseMessage(dir, holder === "gone" ? null : holder));
}

/** Who holds the lock of `dir` now (null when unlocked or unreadable). */
export function lockHolder(dir: string): LockHolder | null {
  const h = readHolder(join(dir, LOCK_FILE));
  return h === "gone" ? null : h;
}

function tryCreate(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code === "ENOENT" || code === "ENOTDIR") throw new InputError(`${dirname(path)}: no such run directory`);
    // Nobody can write a directory we may not write: reading it (a report elsewhere) needs no lock.
    if (code === "EROFS" || code === "EACCES") return true;
    throw asIoError(err, "the run directory's lock", path);
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function held(path: string, text: string): RunLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off("exit", release);
    try {
      // Only our own lock: a lock someone took over after judging us dead is theirs.
      if (readFileSync(path, "utf8") === text) unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
  // An exception or process.exit() still frees the directory; only a kill leaves a stale lock.
  process.on("exit", release);
  return { path, release };
}

function readHolder(path: string): LockHolder | null | "gone" {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    return null;
  }
  try {
    const h = JSON.parse(raw) as Partial<LockHolder>;
    if (typeof h.pid === "number" && typeof h.host === "string") {
      return { pid: h.pid, host: h.host, command: String(h.command ?? "hvae"), since: String(h.since ?? "?") };
    }
  } catch {
    // Unreadable: a holder that died between creating and writing the file, or is writing it now.
  }
  return null;
}

function isStale(path: string, holder: LockHolder | null): boolean {
  if (holder === null) {
    try {
      return Date.now() - statSync(path).mtimeMs > UNREADABLE_GRACE_MS;
    } catch {
      return true;
    }
  }
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return false;
  return !alive(holder.pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Moves the stale lock aside and deletes it, but only if what was moved is still the stale one:
 * two processes judging the same lock stale must not delete the fresh lock one of them just took.
 */
function takeOverStale(path: string, stale: LockHolder | null): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else moved it first
  }
  const moved = readHolder(aside);
  const same = moved === "gone" || (stale === null ? moved === null : moved !== null && moved.pid === stale.pid && moved.since === stale.since);
  if (!same) {
    // A live lock: put it back (link fails if a third process locked meanwhile; then both exist
    // and the newer one wins, which is still one writer).
    try {
      linkSync(aside, path);
    } catch {
      // keep going
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already gone
  }
}

function inUseMessage(dir: string, holder: LockHolder | null): string {
  if (!holder) return `${dir} is in use by another hvae process (its lock ${join(dir, LOCK_FILE)} is unreadable); wait for it to finish, or remove the lock file if no hvae process is working on it`;
  return (
    `${dir} is in use by ${holder.command} (pid ${holder.pid} on host ${holder.host}, since ${holder.since}); ` +
    `one process writes a run directory at a time: wait for it to finish or stop it` +
    (holder.host !== hostname() ? ` (on another host: remove ${join(dir, LOCK_FILE)} by hand once you know it is stopped)` : "")
  );
}
