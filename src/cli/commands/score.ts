/**
 * `hvae score <file> [--version A|B] [--json | --csv] [--skip-invalid]`: scores SVO Slider
 * answers collected elsewhere. The input is streamed; results are kept in compact columns so
 * that every row is validated before anything is printed, then written out in chunks.
 *
 * @example
 * hvae score answers.csv --json > scores.json
 */
import { parseFlags } from "../args.ts";
import { InputError } from "../../core/errors.ts";
import { formatProblem, readAnswerBatches, type AnswerProblem } from "../../../analysis/answers.ts";
import { CATEGORIES, scoreResponse, type Category } from "../../../analysis/svo.ts";

const USAGE = "hvae score <file.csv|file.json> [--version A|B] [--json | --csv] [--skip-invalid]";

const HELP = `usage: ${USAGE}

Scores SVO Slider Measure answers (Murphy et al. 2011), one respondent per row.
Input: CSV with a header, or a JSON array of objects, with columns id,item1,…,item15 holding
option numbers 1–9 in the order the version presents the items (a decimal is a continuous
slider position; secondary items 7–15 may be absent or empty).

  --version A|B     the order the answers were presented in (default A)
  --json            print a JSON array of {id, selfMean, otherMean, angle, category, transitive,
                    ranking, iaIndex, iaReason}
  --csv             print the same columns as CSV (ranking joined with '>')
  --skip-invalid    score the valid rows and list the invalid ones on stderr (exit 0)

Exit codes: 0 ok, 2 bad input (the message names the row and column).`;

/** Columnar results: ~60 bytes per respondent instead of one object graph each. */
interface Results {
  ids: string[];
  selfMean: number[];
  otherMean: number[];
  angle: number[];
  category: number[];
  transitive: boolean[];
  /** Index into `rankings` (−1 = null). */
  ranking: number[];
  /** NaN = null. */
  iaIndex: number[];
  /** Index into `reasons` (−1 = null). */
  iaReason: number[];
  rankings: Category[][];
  reasons: string[];
}

function intern<T>(table: T[], index: Map<string, number>, key: string, value: T): number {
  let i = index.get(key);
  if (i === undefined) {
    i = table.length;
    table.push(value);
    index.set(key, i);
  }
  return i;
}

const HEADER = ["id", "selfMean", "otherMean", "angle", "category", "transitive", "ranking", "iaIndex", "iaReason"] as const;

function csvField(s: string): string {
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Writes chunks to stdout honouring back-pressure; stops quietly if the reader went away. */
function chunkWriter() {
  let closed = false;
  const onError = (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") closed = true;
    else throw err;
  };
  process.stdout.on("error", onError);
  let buf = "";
  const flush = async () => {
    if (closed || buf === "") return;
    const chunk = buf;
    buf = "";
    if (!process.stdout.write(chunk)) {
      // Not events.once: it rejects on 'error', and a closed pipe is a normal way for a reader to stop.
      await new Promise<void>((done) => {
        const finish = () => {
          process.stdout.off("drain", finish).off("close", finish).off("error", finish);
          done();
        };
        process.stdout.on("drain", finish).on("close", finish).on("error", finish);
      });
    }
  };
  return {
    /** Returns a promise only when a chunk went out, so the per-row path stays synchronous. */
    push(s: string): Promise<void> | undefined {
      buf += s;
      return buf.length >= 1 << 16 ? flush() : undefined;
    },
    async end() {
      await flush();
      process.stdout.off("error", onError);
    },
  };
}

function rankingText(r: readonly Category[], sep: string): string {
  return r.join(sep);
}

async function writeJson(res: Results): Promise<void> {
  const out = chunkWriter();
  const n = res.ids.length;
  await out.push(n === 0 ? "[]\n" : "[\n");
  // The same text JSON.stringify gives for the object, assembled from pre-encoded pieces
  // (a test compares it with JSON.parse); numbers print the same way in both.
  const categoryJson = CATEGORIES.map((c) => JSON.stringify(c));
  const rankingJson = res.rankings.map((r) => JSON.stringify(r));
  const reasonJson = res.reasons.map((r) => JSON.stringify(r));
  for (let i = 0; i < n; i++) {
    const ia = res.iaIndex[i];
    const p = out.push(
      `  {"id":${JSON.stringify(res.ids[i])},"selfMean":${res.selfMean[i]},"otherMean":${res.otherMean[i]},` +
        `"angle":${res.angle[i]},"category":${categoryJson[res.category[i]]},"transitive":${res.transitive[i]},` +
        `"ranking":${res.ranking[i] < 0 ? "null" : rankingJson[res.ranking[i]]},"iaIndex":${Number.isNaN(ia) ? "null" : ia},` +
        `"iaReason":${res.iaReason[i] < 0 ? "null" : reasonJson[res.iaReason[i]]}}${i === n - 1 ? "\n]\n" : ",\n"}`,
    );
    if (p) await p;
  }
  await out.end();
}

async function writeCsv(res: Results): Promise<void> {
  const out = chunkWriter();
  await out.push(HEADER.join(",") + "\n");
  // Precompute the few distinct text columns once.
  const rankingCells = res.rankings.map((r) => rankingText(r, ">"));
  const reasonCells = res.reasons.map(csvField);
  for (let i = 0; i < res.ids.length; i++) {
    const ia = res.iaIndex[i];
    const p = out.push(
      `${csvField(res.ids[i])},${res.selfMean[i]},${res.otherMean[i]},${res.angle[i]},${CATEGORIES[res.category[i]]},` +
        `${res.transitive[i]},${res.ranking[i] < 0 ? "" : rankingCells[res.ranking[i]]},${Number.isNaN(ia) ? "" : ia},` +
        `${res.iaReason[i] < 0 ? "" : reasonCells[res.iaReason[i]]}\n`,
    );
    if (p) await p;
  }
  await out.end();
}

async function writeTable(res: Results): Promise<void> {
  const out = chunkWriter();
  const n = res.ids.length;
  const rankingCells = res.rankings.map((r) => rankingText(r, " > "));
  let idW = 2;
  for (let i = 0; i < n; i++) if (res.ids[i].length > idW) idW = res.ids[i].length;
  const rankW = Math.max(7, ...rankingCells.map((s) => s.length));
  const head =
    `${"id".padEnd(idW)}  ${"selfMean".padStart(8)}  ${"otherMean".padStart(9)}  ${"angle".padStart(9)}  ` +
    `${"category".padEnd(15)}  ${"transitive".padEnd(10)}  ${"ranking".padEnd(rankW)}  ${"iaIndex".padStart(7)}  iaReason`;
  await out.push(`${head}\n`);
  for (let i = 0; i < n; i++) {
    const ia = res.iaIndex[i];
    const line =
      `${res.ids[i].padEnd(idW)}  ${res.selfMean[i].toFixed(2).padStart(8)}  ${res.otherMean[i].toFixed(2).padStart(9)}  ` +
      `${res.angle[i].toFixed(4).padStart(9)}  ${CATEGORIES[res.category[i]].padEnd(15)}  ` +
      `${(res.transitive[i] ? "yes" : "no").padEnd(10)}  ${(res.ranking[i] < 0 ? "—" : rankingCells[res.ranking[i]]).padEnd(rankW)}  ` +
      `${(Number.isNaN(ia) ? "—" : ia.toFixed(3)).padStart(7)}  ${res.iaReason[i] < 0 ? "" : res.reasons[res.iaReason[i]]}`;
    const p = out.push(`${line.trimEnd()}\n`);
    if (p) await p;
  }
  await out.end();
}

const MAX_LISTED_ERRORS = 20;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      version: { type: "string" },
      json: { type: "boolean" },
      csv: { type: "boolean" },
      "skip-invalid": { type: "boolean" },
    },
    USAGE,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new InputError(`${positionals.length === 0 ? "missing the answer file" : "expected one answer file"}\nusage: ${USAGE}`);
  }
  const version = (values.version ?? "A").toUpperCase();
  if (version !== "A" && version !== "B") throw new InputError(`--version: expected A or B, got '${values.version}'`);
  if (values.json && values.csv) throw new InputError("--json and --csv cannot be combined");
  const file = positionals[0];

  const res: Results = {
    ids: [], selfMean: [], otherMean: [], angle: [], category: [], transitive: [], ranking: [], iaIndex: [], iaReason: [],
    rankings: [], reasons: [],
  };
  const rankingIndex = new Map<string, number>();
  const reasonIndex = new Map<string, number>();
  const categoryIndex = new Map(CATEGORIES.map((c, i) => [c, i]));
  const problems: AnswerProblem[] = [];
  let badRows = 0;

  for await (const batch of readAnswerBatches(file)) for (const entry of batch) {
    if (entry.problems) {
      badRows++;
      // Without --skip-invalid the first few are enough to fix the file; keep memory bounded.
      if (values["skip-invalid"] || problems.length < MAX_LISTED_ERRORS) problems.push(...entry.problems);
      continue;
    }
    const s = scoreResponse(entry.record.answers, version);
    res.ids.push(entry.record.id);
    res.selfMean.push(s.selfMean);
    res.otherMean.push(s.otherMean);
    res.angle.push(s.angle);
    res.category.push(categoryIndex.get(s.category)!);
    res.transitive.push(s.transitive);
    res.ranking.push(s.ranking === null ? -1 : intern(res.rankings, rankingIndex, s.ranking.join(">"), s.ranking));
    res.iaIndex.push(s.iaIndex ?? NaN);
    res.iaReason.push(s.iaReason === null ? -1 : intern(res.reasons, reasonIndex, s.iaReason, s.iaReason));
  }
  if (badRows > 0 && !values["skip-invalid"]) {
    const shown = problems.slice(0, MAX_LISTED_ERRORS).map((p) => formatProblem(file, p));
    const listedRows = new Set(problems.slice(0, MAX_LISTED_ERRORS).map((p) => p.row)).size;
    const tail = badRows > listedRows ? `\n… and ${badRows - listedRows} more invalid rows` : "";
    throw new InputError(
      `${shown.join("\n")}${tail}\n(${badRows} invalid row${badRows > 1 ? "s" : ""}; fix ${badRows > 1 ? "them" : "it"} or pass --skip-invalid to score the rest)`,
    );
  }

  if (values.json) await writeJson(res);
  else if (values.csv) await writeCsv(res);
  else await writeTable(res);

  if (badRows > 0) {
    let msg = "";
    for (const p of problems) {
      msg += `hvae: skipped ${formatProblem(file, p)}\n`;
      if (msg.length > 1 << 16) {
        process.stderr.write(msg);
        msg = "";
      }
    }
    process.stderr.write(`${msg}hvae: skipped ${badRows} invalid row${badRows > 1 ? "s" : ""}, scored ${res.ids.length}\n`);
  }
  return 0;
}
