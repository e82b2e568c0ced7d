/**
 * Analysis benchmark: writes fabricated slider logs of 100,000 and 1,000,000 decisions (20
 * agents, round-robin, some with model.call events) to a temp directory, then times `analyze`
 * over each in a fresh child process and reports wall time and peak RSS. Target: 1M decisions
 * under 10 s with memory that does not grow with the log.
 *
 * Run: npx tsx bench/analysis.ts [--sizes 100000,1000000] [--keep]
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fabricateEvents, plannedDecisions, type FakeAgent } from "../test/analysis/fabricate.ts";

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
  closeSync(fd);
  return { runDir, decisions: n, lines, bytes: statSync(path).size };
}

/** Child mode: analyse one run dir, print {ms, maxRssMB, trajectories} as JSON. */
async function child(runDir: string): Promise<void> {
  const t0 = performance.now();
  const { analyzeRun } = await import("../src/cli/commands/analyze.ts");
  const { summary } = await analyzeRun(runDir);
  const ms = performance.now() - t0;
  const out = { ms: Math.round(ms), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), trajectories: summary.run.trajectories, decisions: summary.run.decisions };
  process.stdout.write(JSON.stringify(out));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--child") return child(args[1]);
  const sizesArg = args.indexOf("--sizes");
  const sizes = sizesArg >= 0 ? args[sizesArg + 1].split(",").map(Number) : [100_000, 1_000_000];
  const dir = mkdtempSync(join(tmpdir(), "hvae-bench-analysis-"));
  const self = fileURLToPath(import.meta.url);
  try {
    for (const size of sizes) {
      const t0 = performance.now();
      const log = writeLog(dir, size);
      const writeMs = Math.round(performance.now() - t0);
      const r = spawnSync(process.execPath, ["--import", "tsx", self, "--child", log.runDir], { encoding: "utf8", timeout: 300_000 });
      if (r.status !== 0) throw new Error(`analysis child failed: ${r.stderr}`);
      const m = JSON.parse(r.stdout) as { ms: number; maxRssMB: number; trajectories: number; decisions: number };
      console.log(
        `${log.decisions.toLocaleString("en-US")} decisions (${log.lines.toLocaleString("en-US")} lines, ${(log.bytes / 1e6).toFixed(0)} MB, written in ${writeMs} ms): ` +
          `analyze ${(m.ms / 1000).toFixed(2)} s, peak RSS ${m.maxRssMB} MB, ${m.trajectories.toLocaleString("en-US")} trajectories` +
          (m.decisions === log.decisions ? "" : `  MISMATCH: analysed ${m.decisions}`),
      );
    }
  } finally {
    if (!args.includes("--keep")) rmSync(dir, { recursive: true, force: true });
    else console.log(`logs kept in ${dir}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
