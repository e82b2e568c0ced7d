/**
 * Viewer benchmark, row (f): `hvae view` on a fabricated rule-based run of about 1M decisions
 * (the analysis bench's population: 20 agents, round-robin). Times the start (indexing the log and
 * computing the analysis, before the address is printed) and then every page once over HTTP:
 * runs list, run, agent, a decision in the middle of the log, search, chart specs, and a second
 * agent page further down. Target: each page under 1 s after start.
 *
 * Run: npx tsx bench/view.ts [--decisions 1000000]
 *
 * @example
 * const r = await benchView(1_000_000); // r.startSeconds, r.pages[i].ms
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startViewer } from "../src/view/server.ts";
import { fabricateEvents, plannedDecisions, type FakeAgent } from "../test/analysis/fabricate.ts";

const VALUES = ["altruistic", "prosocial", "individualistic", "competitive", 30] as const;
const agents = (): FakeAgent[] =>
  Array.from({ length: 20 }, (_, i) => ({ id: `a${i}`, type: i % 2 === 0 ? "utility" : "random", value: VALUES[i % VALUES.length], model: null }));

export interface ViewBenchResult {
  decisions: number;
  logMb: number;
  startSeconds: number;
  rssMb: number;
  pages: { page: string; ms: number; bytes: number; status: number }[];
}

export async function benchView(target: number): Promise<ViewBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "hvae-bench-view-"));
  try {
    const runDir = join(dir, "run-view");
    mkdirSync(runDir);
    const trials = Math.ceil(target / plannedDecisions({ agents: agents(), trials: 1, pairing: "round-robin" }));
    const path = join(runDir, "events.jsonl");
    const fd = openSync(path, "w");
    let buf = "";
    let decisions = 0;
    let middle = "";
    for (const ev of fabricateEvents({ agents: agents(), trials, pairing: "round-robin", seed: 1, runId: "bench-view" })) {
      buf += `${JSON.stringify(ev)}\n`;
      if (ev.type === "decision.made" || ev.type === "decision.invalid") {
        if (++decisions === Math.floor(target / 2)) middle = ev.decisionId;
      }
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = "";
      }
    }
    writeSync(fd, buf);
    closeSync(fd);
    writeFileSync(join(runDir, "manifest.json"), "{}"); // unreadable manifest: the viewer falls back to the log
    const t0 = performance.now();
    const viewer = await startViewer({ target: runDir, port: 0 });
    const startSeconds = (performance.now() - t0) / 1000;
    const pages: ViewBenchResult["pages"] = [];
    try {
      for (const page of ["/", "/run/run-view/", "/run/run-view/agent/a3", `/decision/${encodeURIComponent(middle)}`, "/search?q=fair", "/api/run/run-view/charts?value=prosocial", "/run/run-view/agent/a17?page=20"]) {
        const t = performance.now();
        const res = await fetch(new URL(page, viewer.url));
        const body = await res.text();
        pages.push({ page, ms: performance.now() - t, bytes: body.length, status: res.status });
      }
    } finally {
      await viewer.close();
    }
    return { decisions, logMb: statSync(path).size / 1e6, startSeconds, rssMb: process.memoryUsage().rss / 1e6, pages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { decisions: { type: "string" } } });
  const r = await benchView(Number(values.decisions ?? 1_000_000));
  console.log(`(f) hvae view, ${r.decisions} decisions (${r.logMb.toFixed(0)} MB log): start (index + analysis) ${r.startSeconds.toFixed(2)} s, RSS ${r.rssMb.toFixed(0)} MB`);
  for (const p of r.pages) console.log(`    ${p.status} ${p.ms.toFixed(1).padStart(8)} ms  ${(p.bytes / 1024).toFixed(0).padStart(6)} KiB  ${p.page}`);
  const worst = Math.max(...r.pages.map((p) => p.ms));
  console.log(`    slowest page ${worst.toFixed(1)} ms: ${worst < 1000 && r.pages.every((p) => p.status === 200) ? "PASS" : "BELOW TARGET"} (< 1000 ms each)`);
}
