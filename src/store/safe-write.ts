/**
 * Writing inside a run directory without being led out of it: a file is opened with O_NOFOLLOW
 * (a planted symlink is refused, never written through), and an output directory that lies in
 * the run directory must resolve there too (a `report` symlink to /etc is refused).
 *
 * @example
 * const out = checkOutputDir("runs/x", "runs/x/report");
 * writeFileNoFollow(join(out, "summary.md"), text);
 */
import { closeSync, constants, lstatSync, mkdirSync, openSync, realpathSync, writeFileSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { InputError } from "../core/errors.ts";
import { asIoError } from "./io-failure.ts";

const { O_WRONLY, O_CREAT, O_TRUNC, O_NOFOLLOW } = constants;
/** Flags for a file written whole, never through a symlink. */
export const NO_FOLLOW_WRITE = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW;

const inside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
};

/**
 * Creates `outDir` when missing and returns it. When it is inside `runDir` (the default report
 * directory), neither it nor any directory between them may be a symlink, and it must resolve
 * inside the run directory.
 */
export function checkOutputDir(runDir: string, outDir: string): string {
  const root = resolve(runDir);
  const out = resolve(outDir);
  if (inside(root, out)) {
    for (let p = out; p !== root && inside(root, p); p = resolve(p, "..")) {
      let isLink = false;
      try {
        isLink = lstatSync(p).isSymbolicLink();
      } catch {
        // missing: created below
      }
      if (isLink) throw new InputError(`${p} is a symbolic link; hvae does not write through links in a run directory (remove it, or pass --out DIR)`);
    }
  }
  try {
    mkdirSync(out, { recursive: true });
  } catch (err) {
    throw asIoError(err, "the report directory", out);
  }
  if (inside(root, out) && !inside(realpathSync(root), realpathSync(out))) {
    throw new InputError(`${out} resolves outside the run directory ${root}; refusing to write there`);
  }
  return out;
}

/** Writes a whole file, refusing a symlink at `path`; disk errors become IoErrors (exit 4). */
export function writeFileNoFollow(path: string, data: string | Uint8Array, what = "a file"): void {
  try {
    const fd = openSync(path, NO_FOLLOW_WRITE, 0o644);
    try {
      writeFileSync(fd, data);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP") throw new InputError(`${path} is a symbolic link; hvae does not write through links (remove it)`);
    throw asIoError(err, what, path, typeof data === "string" ? Buffer.byteLength(data) : data.length);
  }
}
