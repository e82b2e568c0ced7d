/**
 * Benchmark for `hvae score`: writes all 9^6 = 531,441 primary-item patterns to a CSV in a temp
 * directory and times the CLI end to end (process start included) for each output format, then
 * writes the same patterns in every input layout (oTree with svo<k>dec, oTree payoffs only,
 * pairs, long) and checks that each scores identically to hvae's own layout.
 * CPU time (user + sys of the child) is printed beside wall time because the machine may be shared.
 *
 * @example
 * npx tsx bench/score.ts          # prints one line per format with wall time and rows/s
 * const r = await benchScore();   // { timings: [{ label, seconds, … }], layouts: [{ layout, difference: null, … }] }
 */
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { once } from "node:events";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PRIMARY_ITEMS } from "../src/core/instrument.ts";

const root = resolve(import.meta.dirname, "..");

/** The layouts the bench writes: hvae's own, oTree (0-based svo<k>dec; or payoffs only), payoff pairs, long. */
export const LAYOUTS = ["hvae", "otree", "otree-payoffs", "pairs", "long"] as const;
export type BenchLayout = (typeof LAYOUTS)[number];

/** Pattern m (0 ≤ m < 9^6) as six options 1–9. */
export function pattern(m: number): number[] {
  const p = new Array<number>(6);
  for (let i = 5; i >= 0; i--) {
    p[i] = (m % 9) + 1;
    m = Math.floor(m / 9);
  }
  return p;
}

const K = [1, 2, 3, 4, 5, 6];

/** The header and the line(s) of pattern m in a layout; respondent ids are p<m>. */
export function layoutHeader(layout: BenchLayout): string {
  switch (layout) {
    case "hvae":
      return "id,item1,item2,item3,item4,item5,item6";
    case "otree":
      return ["participant.id_in_session", "participant.code", ...K.map((k) => `svo.1.player.svo${k}dec`), "svo.1.subsession.round_number"].join(",");
    case "otree-payoffs":
      return ["participant.code", ...K.map((k) => `svo.1.player.svo${k}ego`), ...K.map((k) => `svo.1.player.svo${k}alter`)].join(",");
    case "pairs":
      return ["id", ...K.flatMap((k) => [`item${k}_self`, `item${k}_other`])].join(",");
    case "long":
      return "id,item,option";
  }
}

export function layoutLines(layout: BenchLayout, m: number, p: readonly number[]): string {
  switch (layout) {
    case "hvae":
      return `p${m},${p.join(",")}\n`;
    case "otree":
      return `${m + 1},p${m},${p.map((x) => x - 1).join(",")},1\n`;
    case "otree-payoffs":
      return `p${m},${p.map((x, i) => PRIMARY_ITEMS[i].options[x - 1].self).join(",")},${p.map((x, i) => PRIMARY_ITEMS[i].options[x - 1].other).join(",")}\n`;
    case "pairs":
      return `p${m},${p.map((x, i) => `${PRIMARY_ITEMS[i].options[x - 1].self},${PRIMARY_ITEMS[i].options[x - 1].other}`).join(",")}\n`;
    case "long":
      return p.map((x, i) => `p${m},${i + 1},${x}\n`).join("");
  }
}

/** Writes the given patterns (default: all 9^6 primary-item patterns) to `file` in a layout; returns the respondent count. */
export async function writePatterns(file: string, layout: BenchLayout = "hvae", patterns?: Iterable<number>): Promise<number> {
  const out = createWriteStream(file);
  let buf = layoutHeader(layout) + "\n";
  let n = 0;
  const all = function* () {
    for (let m = 0; m < 9 ** 6; m++) yield m;
  };
  for (const m of patterns ?? all()) {
    buf += layoutLines(layout, m, pattern(m));
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

/** Times `hvae score <file> <args>` end to end in a child process (stdout to `outFile`, default /dev/null). */
export function timeScore(file: string, rows: number, label: string, args: string, outFile = "/dev/null"): ScoreTiming {
  const t0 = performance.now();
  const r = spawnSync("bash", ["-c", `./bin/hvae score ${JSON.stringify(file)} ${args} > ${JSON.stringify(outFile)} && times`], { cwd: root, encoding: "utf8" });
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

/**
 * Compares two `--csv` outputs line by line, ignoring the app and round columns an oTree
 * layout adds; returns null when identical, else the first difference.
 */
export async function compareCsv(expectedFile: string, actualFile: string): Promise<string | null> {
  const open = (f: string) => createInterface({ input: createReadStream(f), crlfDelay: Infinity })[Symbol.asyncIterator]();
  const a = open(expectedFile);
  const b = open(actualFile);
  let drop: number[] = [];
  for (let line = 1; ; line++) {
    const [x, y] = await Promise.all([a.next(), b.next()]);
    if (x.done || y.done) return x.done && y.done ? null : `line ${line}: one output ends early`;
    let cells = y.value.split(",");
    if (line === 1) drop = ["app", "round"].map((c) => cells.indexOf(c)).filter((i) => i >= 0);
    if (drop.length > 0) cells = cells.filter((_, i) => !drop.includes(i));
    const got = cells.join(",");
    if (got !== x.value) return `line ${line}: expected ${x.value} got ${got}`;
  }
}

export interface LayoutTiming extends ScoreTiming {
  layout: BenchLayout;
  fileMb: number;
  /** null when every respondent scored exactly as in hvae's own layout, else the first difference. */
  difference: string | null;
}

export interface ScoreBenchResult {
  rows: number;
  csvMb: number;
  writeSeconds: number;
  startupSeconds: number;
  timings: ScoreTiming[];
  layouts: LayoutTiming[];
}

/** Writes the 9^6 patterns to a temp file and times each output format, then each input layout (--csv, checked against hvae's layout). */
export async function benchScore(): Promise<ScoreBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "hvae-bench-score-"));
  const file = join(dir, "all-patterns.csv");
  try {
    const t0 = performance.now();
    const rows = await writePatterns(file);
    const writeSeconds = (performance.now() - t0) / 1000;
    const csvMb = statSync(file).size / 1e6;
    const startup = startupSeconds();
    const reference = join(dir, "hvae.out.csv");
    const timings = [
      timeScore(file, rows, "hvae score --json", "--json"),
      timeScore(file, rows, "hvae score (table)", ""),
      timeScore(file, rows, "hvae score --csv", "--csv", reference),
    ];
    const layouts: LayoutTiming[] = [];
    for (const layout of LAYOUTS.filter((l) => l !== "hvae")) {
      const input = join(dir, `all-patterns.${layout}.csv`);
      await writePatterns(input, layout);
      const out = join(dir, `${layout}.out.csv`);
      const t = timeScore(input, rows, `--csv, ${layout} layout`, "--csv", out);
      layouts.push({ ...t, layout, fileMb: statSync(input).size / 1e6, difference: await compareCsv(reference, out) });
      rmSync(input);
      rmSync(out);
    }
    return { rows, csvMb, writeSeconds, startupSeconds: startup, timings, layouts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const r = await benchScore();
  console.log(`generated ${r.rows.toLocaleString("en-US")} rows (${r.csvMb.toFixed(1)} MB) in ${r.writeSeconds.toFixed(2)} s`);
  console.log(`CLI start-up (hvae score --help): ${r.startupSeconds.toFixed(2)} s`);
  const line = (t: ScoreTiming) =>
    `${t.label.padEnd(30)} wall ${t.seconds.toFixed(2).padStart(5)} s  cpu ${t.cpuSeconds.toFixed(2).padStart(5)} s  ` +
    `${Math.round(t.rowsPerSecond).toLocaleString("en-US").padStart(9)} respondents/s (wall)`;
  for (const t of r.timings) console.log(line(t));
  for (const t of r.layouts) {
    console.log(`${line(t)}  ${t.fileMb.toFixed(1).padStart(5)} MB  ${t.difference === null ? "identical to the hvae layout" : `DIFFERS: ${t.difference}`}`);
  }
  if (r.layouts.some((t) => t.difference !== null)) process.exitCode = 1;
}
