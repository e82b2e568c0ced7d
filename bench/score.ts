/**
 * Benchmark for `hvae score`: writes all 9^6 = 531,441 primary-item patterns to a CSV in a temp
 * directory and times the CLI end to end (process start included) for each output format.
 * CPU time (user + sys of the child) is printed beside wall time because the machine may be shared.
 *
 * @example
 * npx tsx bench/score.ts          # prints one line per format with wall time and rows/s
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "hvae-bench-score-"));
const file = join(dir, "all-patterns.csv");

async function writePatterns(): Promise<number> {
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

function time(label: string, args: string): void {
  const t0 = performance.now();
  const r = spawnSync("bash", ["-c", `./bin/hvae score ${JSON.stringify(file)} ${args} > /dev/null && times`], { cwd: root, encoding: "utf8" });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${label} failed (exit ${r.status}): ${r.stderr}`);
  const cpu = cpuSeconds(r.stdout);
  console.log(
    `${label.padEnd(22)} wall ${(ms / 1000).toFixed(2).padStart(5)} s  cpu ${cpu.toFixed(2).padStart(5)} s  ` +
      `${Math.round(rows / (ms / 1000)).toLocaleString("en-US").padStart(9)} rows/s (wall)`,
  );
}

function startup(): number {
  const t0 = performance.now();
  spawnSync("./bin/hvae", ["score", "--help"], { cwd: root });
  return performance.now() - t0;
}

let rows = 0;
try {
  const t0 = performance.now();
  rows = await writePatterns();
  console.log(`load average ${(await import("node:os")).loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  console.log(`generated ${rows.toLocaleString("en-US")} rows (${(statSync(file).size / 1e6).toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  console.log(`CLI start-up (hvae score --help): ${(startup() / 1000).toFixed(2)} s`);
  time("hvae score --json", "--json");
  time("hvae score (table)", "");
  time("hvae score --csv", "--csv");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
