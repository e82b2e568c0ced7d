/**
 * Analysis benchmark: writes fabricated slider logs of 100,000 and 1,000,000 decisions (20
 * agents, round-robin, some with model.call events) to a temp directory, then times `analyze`
 * over each in a fresh child process and reports wall time and peak RSS. Target: 1M decisions
 * under 10 s with memory that does not grow with the log.
 *
 * Run: npx tsx bench/analysis.ts [--sizes 100000,1000000] [--keep]
 *
 * @example
 * const r = await benchAnalysis(1_000_000); // r.seconds, r.peakRssMb (the analysing child's own)
 */
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fabricateEvents, plannedDecisions, type FakeAgent } from "../test/analysis/fabricate.ts";
import { runJsonChild } from "./support/child.ts";

const VALUES = ["altruistic", "prosocial", "individualistic", "competitive", 30] as const;

function agents(): FakeAgent[] {
  return Array.from({ length: 20 }, (_, i) => ({
    id: `a${i}`,
    type: i % 2 === 0 ? ("utility" as const) : ("random" as const),
    value: VALUES[i % VALUES.length],
    model: i < 4 ? "fake:model" : null,
    costPerCall: i < 4 ? 0.0001 : undefined,
    invalidRate: i % 2 === 1 ? 0.02 : undefined,
  }));
}

/** Writes a log of about `decisions` decisions; returns the run dir and the exact counts. */
function writeLog(dir: string, decisions: number): { runDir: string; decisions: number; lines: number; bytes: number } {
  const perTrial = plannedDecisions({ agents: agents(), trials: 1, pairing: "round-robin" });
  const trials = Math.ceil(decisions / perTrial);
  const runDir = join(dir, `run-${decisions}`);
  mkdirSync(runDir, { recursive: true });
  const path = join(runDir, "events.jsonl");
  const fd = openSync(path, "w");
  let buf = "";
  let lines = 0;
  let n = 0;
  for (const ev of fabricateEvents({ agents: agents(), trials, pairing: "round-robin", seed: 1, runId: "bench" })) {
    buf += `${JSON.stringify(ev)}\n`;
    lines++;
    if (ev.type === "decision.made" || ev.type === "decision.invalid") n++;
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = "";
    }
  }
  writeSync(fd, buf);
  fsyncSync(fd); // on disk before the timing starts, so write-back does not compete with the analysis
  closeSync(fd);
  return { runDir, decisions: n, lines, bytes: statSync(path).size };
}

interface ChildResult {
  ms: number;
  maxRssMB: number;
  trajectories: number;
  decisions: number;
}

/** Child mode: analyse one run dir, print {ms, maxRssMB, trajectories, decisions} as JSON. */
async function child(runDir: string): Promise<void> {
  const t0 = performance.now();
  const { analyzeRun } = await import("../src/cli/commands/analyze.ts");
  const { summary } = await analyzeRun(runDir);
  const ms = performance.now() - t0;
  const out: ChildResult = { ms: Math.round(ms), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), trajectories: summary.run.trajectories, decisions: summary.run.decisions };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

export interface AnalysisBenchResult {
  /** Decisions in the log (made + invalid). */
  decisions: number;
  lines: number;
  logMb: number;
  writeSeconds: number;
  /** `analyzeRun` in a fresh process, its module loading (mathjs) included. */
  seconds: number;
  decisionsPerSecond: number;
  peakRssMb: number;
  trajectories: number;
  /** Decisions the analysis counted; equals `decisions` unless something is wrong. */
  analysedDecisions: number;
}

/** Writes a fabricated log of about `decisions` decisions and times its analysis in a child process. */
export async function benchAnalysis(decisions: number, opts: { dir?: string } = {}): Promise<AnalysisBenchResult> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "hvae-bench-analysis-"));
  try {
    const t0 = performance.now();
    const log = writeLog(dir, decisions);
    const writeSeconds = (performance.now() - t0) / 1000;
    const m = await runJsonChild<ChildResult>("bench/analysis.ts", ["--child", log.runDir], 300_000);
    const seconds = m.ms / 1000;
    return {
      decisions: log.decisions,
      lines: log.lines,
      logMb: log.bytes / 2 ** 20,
      writeSeconds,
      seconds,
      decisionsPerSecond: log.decisions / seconds,
      peakRssMb: m.maxRssMB,
      trajectories: m.trajectories,
      analysedDecisions: m.decisions,
    };
  } finally {
    if (!opts.dir) rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--child") return child(args[1]);
  const sizesArg = args.indexOf("--sizes");
  const sizes = sizesArg >= 0 ? args[sizesArg + 1].split(",").map(Number) : [100_000, 1_000_000];
  const keep = args.includes("--keep");
  const dir = mkdtempSync(join(tmpdir(), "hvae-bench-analysis-"));
  try {
    for (const size of sizes) {
      const r = await benchAnalysis(size, { dir });
      console.log(
        `${r.decisions.toLocaleString("en-US")} decisions (${r.lines.toLocaleString("en-US")} lines, ${r.logMb.toFixed(0)} MB, written in ${r.writeSeconds.toFixed(2)} s): ` +
          `analyze ${r.seconds.toFixed(2)} s, peak RSS ${r.peakRssMb} MB, ${r.trajectories.toLocaleString("en-US")} trajectories` +
          (r.analysedDecisions === r.decisions ? "" : `  MISMATCH: analysed ${r.analysedDecisions}`),
      );
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    else console.log(`logs kept in ${dir}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
