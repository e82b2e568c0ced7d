/**
 * The run directory: `<out>/<run-id>/` holding `events.jsonl` and `manifest.json`. A run id is
 * `<scenario name>-<UTC timestamp>-<short hash of the resolved scenario>`, so listing `runs/`
 * sorts by scenario then time, and two runs of the same file and seed share the hash.
 *
 * @example
 * const { runId, dir } = createRunDir("runs", "demo", scenario, new Date());
 * // runId "demo-20250101T120000Z-3fa9c2", dir "runs/demo-20250101T120000Z-3fa9c2"
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export const EVENTS_FILE = "events.jsonl";
export const MANIFEST_FILE = "manifest.json";

export const eventsPath = (dir: string) => join(dir, EVENTS_FILE);
export const manifestPath = (dir: string) => join(dir, MANIFEST_FILE);

/** "20250101T120000Z" */
export function utcStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

export function runIdFor(name: string, resolved: unknown, date: Date): string {
  const hash = createHash("sha256").update(JSON.stringify(resolved)).digest("hex").slice(0, 6);
  return `${name}-${utcStamp(date)}-${hash}`;
}

/** Creates a fresh run directory; a second run in the same second gets a `-2`, `-3`, … suffix. */
export function createRunDir(out: string, name: string, resolved: unknown, date: Date): { runId: string; dir: string } {
  mkdirSync(out, { recursive: true });
  const base = runIdFor(name, resolved, date);
  for (let n = 1; ; n++) {
    const runId = n === 1 ? base : `${base}-${n}`;
    const dir = join(out, runId);
    try {
      mkdirSync(dir);
      return { runId, dir };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
}

export const TRANSCRIPTS_FILE = "transcripts.jsonl";
export const transcriptsPath = (dir: string) => join(dir, TRANSCRIPTS_FILE);
