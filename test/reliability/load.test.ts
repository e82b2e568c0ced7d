/**
 * Load: a run with 10,000 rule-based agents completes, and the peak resident memory of the
 * `hvae run` process stays flat: bounded in absolute terms, barely above a 1,000-agent run, and
 * unchanged when the same population makes ten times as many decisions (events stream to disk).
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { EventOf } from "../../src/core/events.ts";
import { BIN, ROOT } from "../support/hvae-process.ts";
import { benchEngineInChild } from "../../bench/engine.ts";

const RSS_BOUND_MB = 400;
const dir = mkdtempSync(join(tmpdir(), "hvae-load-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scenario(agents: number, trials: number): string {
  const path = join(dir, `load-${agents}-${trials}.yaml`);
  writeFileSync(
    path,
    `name: load-${agents}-${trials}
seed: 3
trials: ${trials}
pairing: random
feedback: true
agents:
  - { id: u, type: utility, value: prosocial, count: ${agents / 2} }
  - { id: r, type: reciprocal, value: individualistic, rate: 0.3, count: ${agents / 2} }
`,
  );
  return path;
}

const TIME = "/usr/bin/time";

/** Runs `hvae run` and measures its peak RSS: GNU time's %M when present, else VmHWM sampled from /proc. */
function measuredRun(path: string): Promise<{ code: number | null; runDir: string; peakMb: number; seconds: number; stderr: string }> {
  const useTime = existsSync(TIME);
  const args = [BIN, "run", path, "--quiet", "--out", join(dir, "runs")];
  const child = useTime
    ? spawn(TIME, ["-f", "peak-rss-kb %M", process.execPath, ...args], { cwd: ROOT })
    : spawn(process.execPath, args, { cwd: ROOT });
  let stdout = "";
  let stderr = "";
  let sampledKb = 0;
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const sampler = useTime
    ? null
    : setInterval(() => {
        try {
          const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
          if (hwm) sampledKb = Math.max(sampledKb, Number(hwm[1]));
        } catch {
          // The process has just exited.
        }
      }, 20);
  const t0 = performance.now();
  return new Promise((done) =>
    child.on("close", (code) => {
      if (sampler) clearInterval(sampler);
      const kb = useTime ? Number(/peak-rss-kb (\d+)/.exec(stderr)?.[1] ?? NaN) : sampledKb;
      done({ code, runDir: stdout.trimEnd().split("\n").at(-1) ?? "", peakMb: kb / 1024, seconds: (performance.now() - t0) / 1000, stderr });
    }),
  );
}

/** The last line of a large log, without reading the whole file. */
function lastEvent(runDir: string): EventOf<"run.completed"> {
  const fd = openSync(join(runDir, "events.jsonl"), "r");
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, buf, 0, buf.length, size - buf.length);
    return JSON.parse(buf.toString("utf8").trimEnd().split("\n").at(-1)!);
  } finally {
    closeSync(fd);
  }
}

describe("load", () => {
  it("10,000 rule-based agents complete with flat memory", async () => {
    // One after another: peak memory is per process, and the machine has two cores.
    const small = await measuredRun(scenario(1000, 2));
    const large = await measuredRun(scenario(10_000, 2));
    const longer = await measuredRun(scenario(1000, 20));
    for (const r of [small, large, longer]) {
      expect(r.code, r.stderr).toBe(0);
      expect(Number.isFinite(r.peakMb)).toBe(true);
    }
    // Random pairing: 5,000 pairs × 2 trials × 6 items × 2 agents.
    expect(lastEvent(large.runDir)).toMatchObject({ type: "run.completed", status: "completed", decisions: 120_000, invalid: 0 });
    expect(lastEvent(longer.runDir)).toMatchObject({ status: "completed", decisions: 120_000 });

    console.log(
      `load: peak RSS 1,000 agents ${small.peakMb.toFixed(0)} MB (${small.seconds.toFixed(1)} s), ` +
        `10,000 agents ${large.peakMb.toFixed(0)} MB (${large.seconds.toFixed(1)} s), ` +
        `1,000 agents with 10× the trials ${longer.peakMb.toFixed(0)} MB (${longer.seconds.toFixed(1)} s)`,
    );
    expect(large.peakMb).toBeLessThan(RSS_BOUND_MB);
    // Ten times the agents: per-agent state (tallies, item counts) and 10x the per-trajectory
    // records are O(agents). Measured 1.33x, 1.43x, 1.43x (244-249 vs 174-183 MB, three runs on
    // the shared 2-core machine) once the heap growth is bounded (src/cli/heap-growth.ts) and
    // group memory is smaller; 1.76-2.0x before. 1.6x leaves room for CI noise.
    expect(large.peakMb).toBeLessThan(1.6 * small.peakMb);
    // Ten times the decisions with the same agents: what still grows is one record per trajectory
    // (~340 B, kept for the intervals and trajectories.csv; 18,000 more here) and group memory up
    // to its budget (a pair met once ~1.4 kB, at most 8,192 groups; 10,000 pairs meet here).
    // Measured 1.09x, 1.17x, 1.22x (199-213 vs 174-183 MB, the same three runs); 1.18-1.49x before.
    expect(longer.peakMb).toBeLessThan(1.35 * small.peakMb);
  }, 170_000);

  it("the engine's peak memory is flat in decisions when every session meets a new pair", async () => {
    // 1,000 agents, random pairing with feedback: almost every session is a pair that has not met,
    // so group memory would grow with the decisions, and so would a schedule held whole. The RAM
    // budget is scaled down with the run (1,024 groups instead of 16,384) so both sizes are past
    // it: the smaller meets ~5,000 pairs, the larger ~25,000, the rest in the scratch file.
    // Each size in its own process: peak RSS is per process.
    const small = await benchEngineInChild(60_000, "random", "slider", 1000, 1024);
    const large = await benchEngineInChild(300_000, "random", "slider", 1000, 1024);
    console.log(`load: engine peak RSS, 1,000 agents: ${small.decisions} decisions ${small.peakRssMb.toFixed(0)} MB, ${large.decisions} decisions ${large.peakRssMb.toFixed(0)} MB`);
    expect(large.decisions).toBeGreaterThanOrEqual(300_000);
    // The engine's live heap is flat (17-18 MB after a forced gc at both sizes); what grew was V8's
    // heap growth between full collections (1.15-1.32x at 48afb18 and before this bound alike, so
    // no regression: 1.10x at 48afb18 was a lucky collection). With the heap growth of `hvae run`
    // (bench/engine.ts sets it too) measured 0.99x, 1.07x, 1.18x (157-162 vs 137-158 MB, the same
    // three runs) and 1.12x, 1.14x alone.
    expect(large.peakRssMb).toBeLessThan(1.3 * small.peakRssMb);
  }, 400_000);
});
