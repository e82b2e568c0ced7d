/**
 * The run's game, rebuilt from its run.started event: the validated spec the engine records
 * (`gameSpec`) through the game registry, so every game — built-in or a user's module — is scored
 * by the same Game that was played; logs written before games were plugins fall back to the
 * two-person items run.started lists (allocation-game.ts).
 *
 * @example
 * const game = gameOfRun(runStarted, manifest.scenarioDir); // after loadGame(spec, dir) for module games
 */
import { closeSync, openSync, readSync } from "node:fs";
import { InputError } from "../src/core/errors.ts";
import type { EventOf } from "../src/core/events.ts";
import { isModulePath } from "../src/core/fields.ts";
import type { Game } from "../src/games/contract.ts";
import { createGame, loadGame, type GameSpec } from "../src/games/registry.ts";
import { allocationGame } from "./allocation-game.ts";

/**
 * The game of a run.started event; InputError when the log names a game that cannot be rebuilt
 * (a module not loaded, a type no longer registered) and lists no items to fall back on.
 */
export function gameOfRun(ev: EventOf<"run.started">, dir?: string): Game {
  const spec = ev.gameSpec as GameSpec | undefined;
  if (!spec || typeof spec.type !== "string") return allocationGame(ev.game, ev.items);
  try {
    return createGame(spec, dir);
  } catch (err) {
    if (ev.items.length > 0) return allocationGame(ev.game, ev.items);
    const why = err instanceof Error ? err.message : String(err);
    throw new InputError(`cannot rebuild the run's game '${spec.type}' to score it: ${why}`);
  }
}

/**
 * Loads a user's game module named by a log's run.started (first line of events.jsonl) from the
 * scenario's directory, so {@link gameOfRun} finds it; a no-op for built-in games and old logs.
 *
 * @example
 * await preloadRunGame(eventsPath(runDir), manifest.scenarioDir);
 */
export async function preloadRunGame(eventsFile: string, dir: string): Promise<void> {
  const first = firstLine(eventsFile);
  if (first === null) return;
  let ev: { type?: unknown; gameSpec?: { type?: unknown } };
  try {
    ev = JSON.parse(first);
  } catch {
    return; // the reader reports the bad line with its number
  }
  const spec = ev.gameSpec;
  if (ev.type !== "run.started" || !spec || typeof spec.type !== "string" || !isModulePath(spec.type)) return;
  await loadGame(spec as GameSpec, dir);
}

/** The first line of a file (read in 64 KiB steps, at most 64 MiB), or null when it has none. */
function firstLine(file: string): string | null {
  const fd = openSync(file, "r");
  try {
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(1 << 16);
    let total = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, total);
      if (n === 0) break;
      const nl = buf.subarray(0, n).indexOf(10);
      if (nl >= 0) {
        chunks.push(Buffer.from(buf.subarray(0, nl)));
        return Buffer.concat(chunks).toString("utf8");
      }
      chunks.push(Buffer.from(buf.subarray(0, n)));
      total += n;
      if (total > 1 << 26) return null;
    }
    return chunks.length ? Buffer.concat(chunks).toString("utf8") : null;
  } finally {
    closeSync(fd);
  }
}
