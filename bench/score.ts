/**
 * Benchmark for `hvae score`: writes all 9^6 = 531,441 primary-item patterns to a CSV in a temp
 * directory and times the CLI end to end (process start included) for each output format.
 * CPU time (user + sys of the child) is printed beside wall time because the machine may be shared.
 *
 * @example
 * npx tsx bench/score.ts          # prints one line per format with wall time and rows/s
 * const r = await benchScore();   // [{ label: "hvae score --json", seconds, cpuSeconds, rowsPerSecond }, …]
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");

/** Writes every primary-item pattern (9^6 rows) to `file`; returns the row count. */
export async function writePatterns(file: string): Promise<number> {
  const out = createWriteStream(file);
  let buf = "id,item1,item2,item3,item4,item5,item6\n";
  let n = 0;
  for (let m = 0; m < 9 ** 6; m++) {
    let x = m;
    const p = new Array<number>(6);
    for (let i = 5; i >= 0; i--) {
      p[i] = (x % 9) + 1;
      x = Math.floor(x / 9);
    }
    buf += `p${m},${p.join(",")}\n`;
    n++;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await once(out, "drain");
      buf = "";
    }
  }
  out.end(buf);
  await once(out, "finish");
  return n;
}

/** Bash's `times` line for children, e.g. "0m2.437s 0m0.346s", in seconds (user + sys). */
function cpuSeconds(timesOutput: string): number {
  const line = timesOutput.trim().split("\n").at(-1) ?? "";
  return [...line.matchAll(/(\d+)m([\d.]+)s/g)].reduce((t, m) => t + Number(m[1]) * 60 + Number(m[2]), 0);
}

export interface ScoreTiming {
  label: string;
  seconds: number;
  cpuSeconds: number;
  rowsPerSecond: number;
}

/** Times `hvae score <file> <args>` end to end in a child process. */
export function timeScore(file: string, rows: number, label: string, args: string): ScoreTiming {
  const t0 = performance.now();
  const r = spawnSync("bash", ["-c", `./bin/hvae score ${JSON.stringify(file)} ${args} > /dev/null && times`], { cwd: root, encoding: "utf8" });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${label} failed (exit ${r.status}): ${r.stderr}`);
  return { label, seconds, cpuSeconds: cpuSeconds(r.stdout), rowsPerSecond: rows / seconds };
}

/** Seconds for `hvae score --help`: the CLI's start-up cost, included in every timing. */
export function startupSeconds(): number {
  const t0 = performance.now();
  spawnSync("./bin/hvae", ["score", "--help"], { cwd: root });
  return (performance.now() - t0) / 1000;
}

export interface ScoreBenchResult {
  rows: number;
  csvMb: number;
  writeSeconds: number;
  startupSeconds: number;
  timings: ScoreTiming[];
}

/** Writes the 9^6 patterns to a temp file and times each output format. */
export async function benchScore(): Promise<ScoreBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "hvae-bench-score-"));
  const file = join(dir, "all-patterns.csv");
  try {
    const t0 = performance.now();
    const rows = await writePatterns(file);
    const writeSeconds = (performance.now() - t0) / 1000;
    const csvMb = statSync(file).size / 1e6;
    const startup = startupSeconds();
    const timings = [
      timeScore(file, rows, "hvae score --json", "--json"),
      timeScore(file, rows, "hvae score (table)", ""),
      timeScore(file, rows, "hvae score --csv", "--csv"),
    ];
    return { rows, csvMb, writeSeconds, startupSeconds: startup, timings };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const r = await benchScore();
  console.log(`generated ${r.rows.toLocaleString("en-US")} rows (${r.csvMb.toFixed(1)} MB) in ${r.writeSeconds.toFixed(2)} s`);
  console.log(`CLI start-up (hvae score --help): ${r.startupSeconds.toFixed(2)} s`);
  for (const t of r.timings) {
    console.log(
      `${t.label.padEnd(22)} wall ${t.seconds.toFixed(2).padStart(5)} s  cpu ${t.cpuSeconds.toFixed(2).padStart(5)} s  ` +
        `${Math.round(t.rowsPerSecond).toLocaleString("en-US").padStart(9)} rows/s (wall)`,
    );
  }
}
