/**
 * Running `./bin/hvae` as a child process from tests: collect its output and exit code, kill it,
 * read the run's event log, and run many invocations with bounded parallelism.
 *
 * @example
 * const r = await hvae(["validate", "bad.yaml"], { cwd });
 * expect(r.code).toBe(2);
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { EventOf, HvaeEvent } from "../../src/core/events.ts";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const BIN = join(ROOT, "bin", "hvae");

export interface HvaeResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The last stdout line (a run prints its run directory last). */
  last: string;
}

export interface HvaeOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** The child is killed (SIGKILL) after this long; the result then has signal SIGKILL. */
  timeoutMs?: number;
}

/** A started child: its result promise and the process to kill. */
export interface HvaeChild {
  child: ChildProcess;
  done: Promise<HvaeResult>;
}

/** Starts `node bin/hvae …args` without waiting for it. */
export function startHvae(args: string[], opts: HvaeOptions = {}): HvaeChild {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
  const done = new Promise<HvaeResult>((settle) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      settle({ code, signal, stdout, stderr, last: stdout.trimEnd().split("\n").at(-1) ?? "" });
    }),
  );
  return { child, done };
}

/** Runs `node bin/hvae …args` to its end. */
export function hvae(args: string[], opts: HvaeOptions = {}): Promise<HvaeResult> {
  return startHvae(args, opts).done;
}

/** Maps with at most `limit` calls of `fn` pending at once, keeping the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The events of a run directory's log (every line must parse). */
export function readLog(runDir: string): HvaeEvent[] {
  return readFileSync(join(runDir, "events.jsonl"), "utf8")
    .trimEnd()
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as HvaeEvent);
}

export type Outcome = EventOf<"decision.made"> | EventOf<"decision.invalid">;

/** decision.made and decision.invalid events, in log order. */
export function outcomes(events: HvaeEvent[]): Outcome[] {
  return events.filter((e): e is Outcome => e.type === "decision.made" || e.type === "decision.invalid");
}
