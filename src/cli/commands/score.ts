/**
 * `hvae score <file> [--version A|B] [--format …] [--index-base 0|1] [--map FILE] [--json | --csv]
 * [--skip-invalid]`: scores SVO Slider answers collected elsewhere (hvae's own layout, oTree
 * exports, payoff pairs, long format) and cross-checks any angle or type the file stores. The
 * input is streamed; results are kept in compact columns so that every row is validated before
 * anything is printed, then written out in chunks.
 *
 * @example
 * hvae score all_apps_wide.csv --json > scores.json
 */
import { readFile, stat } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { parseFlags } from "../args.ts";
import { InputError } from "../../core/errors.ts";
import {
  FORMATS,
  MAPPABLE_COLUMNS,
  formatProblem,
  readAnswerBatches,
  type AnswerProblem,
  type AnswerRecord,
  type CompiledLayout,
  type Format,
} from "../../../analysis/answers.ts";
import { crossCheck } from "../../../analysis/cross-check.ts";
import { CATEGORIES, scoreResponse, type Category } from "../../../analysis/svo.ts";

const USAGE =
  "hvae score <file.csv|file.json> [--format hvae|otree|pairs|long] [--version A|B] [--index-base 0|1] [--map FILE] [--json | --csv] [--skip-invalid]";

const HELP = `usage: ${USAGE}

Scores SVO Slider Measure answers (Murphy et al. 2011) collected elsewhere. Input: CSV with a
header, or a JSON array of objects. The layout is recognised from the header:

  hvae    id,item1,…,item15: option numbers 1–9 in the order the version presents the items
          (a decimal is a continuous slider position; secondary items 7–15 may be absent)
  otree   oTree exports of SVO apps: <app>.<round>.player.svo<k>dec (0-based option index) or
          the chosen payoffs svo<k>ego/svo<k>alter; participant.code as id (else
          player.id_in_group); every app and round is scored separately (app and round columns)
  pairs   item<k>_self,item<k>_other: the chosen payoffs (all 6 primary items, any secondary)
  long    id,item,option or id,item,self,other: one row per respondent and item

A payoff pair must lie on the item's line (allowing for the rounding to the printed integers).
When the file stores its own svo_angle or svo_type, each respondent is cross-checked against
hvae's scoring and disagreements are listed on stderr with a likely cause.

  --format F        force a layout instead of recognising it
  --version A|B     the order the item columns follow (default A; oTree's svo<k> are Version A)
  --index-base 0|1  option numbers count from 0 (0–8) or 1 (1–9); default 0 for oTree's
                    svo<k>dec, else 1
  --map FILE        YAML mapping of hvae's column names to the file's, e.g. "id: participant.label"
                    or "item1: q1" (an oTree player field is renamed in every block)
  --json            print a JSON array of {id, [app, round,] selfMean, otherMean, angle, category,
                    transitive, ranking, iaIndex, iaReason[, storedAngle, storedCategory, agrees]}
  --csv             print the same columns as CSV (ranking joined with '>')
  --skip-invalid    score the valid rows and list the first invalid ones on stderr (exit 0)

Exit codes: 0 ok, 2 bad input (the message names the row and column).`;

/** Columnar results: ~60 bytes per respondent instead of one object graph each. */
interface Results {
  ids: string[];
  /** Index into `apps` (−1 = null). */
  app: number[];
  /** NaN = null. */
  round: number[];
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
  /** NaN = nothing stored. */
  storedAngle: number[];
  /** Index into CATEGORIES (−1 = nothing stored). */
  storedCategory: number[];
  /** 1 agrees, 0 disagrees, −1 nothing stored. */
  agrees: number[];
  apps: string[];
  rankings: Category[][];
  reasons: string[];
}

/** Which optional columns the output has (from the layout). */
interface Columns {
  app: boolean;
  round: boolean;
  stored: boolean;
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

function headerOf(cols: Columns): string[] {
  return [
    "id",
    ...(cols.app ? ["app"] : []),
    ...(cols.round ? ["round"] : []),
    "selfMean", "otherMean", "angle", "category", "transitive", "ranking", "iaIndex", "iaReason",
    ...(cols.stored ? ["storedAngle", "storedCategory", "agrees"] : []),
  ];
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

/** An id as one table cell: control characters (a newline in a quoted field) shown escaped. */
function tableId(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(s) ? JSON.stringify(s) : s;
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

async function writeJson(res: Results, cols: Columns): Promise<void> {
  const out = chunkWriter();
  const n = res.ids.length;
  await out.push(n === 0 ? "[]\n" : "[\n");
  // The same text JSON.stringify gives for the object, assembled from pre-encoded pieces
  // (a test compares it with JSON.parse); numbers print the same way in both.
  const categoryJson = CATEGORIES.map((c) => JSON.stringify(c));
  const rankingJson = res.rankings.map((r) => JSON.stringify(r));
  const reasonJson = res.reasons.map((r) => JSON.stringify(r));
  const appJson = res.apps.map((a) => JSON.stringify(a));
  for (let i = 0; i < n; i++) {
    const ia = res.iaIndex[i];
    let head = `  {"id":${JSON.stringify(res.ids[i])}`;
    if (cols.app) head += `,"app":${res.app[i] < 0 ? "null" : appJson[res.app[i]]}`;
    if (cols.round) head += `,"round":${Number.isNaN(res.round[i]) ? "null" : res.round[i]}`;
    let tail = "";
    if (cols.stored) {
      const sa = res.storedAngle[i];
      const sc = res.storedCategory[i];
      const ag = res.agrees[i];
      tail = `,"storedAngle":${Number.isNaN(sa) ? "null" : sa},"storedCategory":${sc < 0 ? "null" : categoryJson[sc]},"agrees":${ag < 0 ? "null" : ag === 1}`;
    }
    const p = out.push(
      `${head},"selfMean":${res.selfMean[i]},"otherMean":${res.otherMean[i]},` +
        `"angle":${res.angle[i]},"category":${categoryJson[res.category[i]]},"transitive":${res.transitive[i]},` +
        `"ranking":${res.ranking[i] < 0 ? "null" : rankingJson[res.ranking[i]]},"iaIndex":${Number.isNaN(ia) ? "null" : ia},` +
        `"iaReason":${res.iaReason[i] < 0 ? "null" : reasonJson[res.iaReason[i]]}${tail}}${i === n - 1 ? "\n]\n" : ",\n"}`,
    );
    if (p) await p;
  }
  await out.end();
}

async function writeCsv(res: Results, cols: Columns): Promise<void> {
  const out = chunkWriter();
  await out.push(headerOf(cols).join(",") + "\n");
  // Precompute the few distinct text columns once.
  const rankingCells = res.rankings.map((r) => rankingText(r, ">"));
  const reasonCells = res.reasons.map(csvField);
  const appCells = res.apps.map(csvField);
  for (let i = 0; i < res.ids.length; i++) {
    const ia = res.iaIndex[i];
    let head = csvField(res.ids[i]);
    if (cols.app) head += `,${res.app[i] < 0 ? "" : appCells[res.app[i]]}`;
    if (cols.round) head += `,${Number.isNaN(res.round[i]) ? "" : res.round[i]}`;
    let tail = "";
    if (cols.stored) {
      const sa = res.storedAngle[i];
      const sc = res.storedCategory[i];
      const ag = res.agrees[i];
      tail = `,${Number.isNaN(sa) ? "" : sa},${sc < 0 ? "" : CATEGORIES[sc]},${ag < 0 ? "" : ag === 1}`;
    }
    const p = out.push(
      `${head},${res.selfMean[i]},${res.otherMean[i]},${res.angle[i]},${CATEGORIES[res.category[i]]},` +
        `${res.transitive[i]},${res.ranking[i] < 0 ? "" : rankingCells[res.ranking[i]]},${Number.isNaN(ia) ? "" : ia},` +
        `${res.iaReason[i] < 0 ? "" : reasonCells[res.iaReason[i]]}${tail}\n`,
    );
    if (p) await p;
  }
  await out.end();
}

async function writeTable(res: Results, cols: Columns): Promise<void> {
  const out = chunkWriter();
  const n = res.ids.length;
  const rankingCells = res.rankings.map((r) => rankingText(r, " > "));
  let idW = 2;
  for (let i = 0; i < n; i++) {
    const w = tableId(res.ids[i]).length;
    if (w > idW) idW = w;
  }
  const appW = Math.max(3, ...res.apps.map((a) => a.length));
  const rankW = Math.max(7, ...rankingCells.map((s) => s.length));
  const head =
    `${"id".padEnd(idW)}  ${cols.app ? `${"app".padEnd(appW)}  ` : ""}${cols.round ? "round  " : ""}` +
    `${"selfMean".padStart(8)}  ${"otherMean".padStart(9)}  ${"angle".padStart(9)}  ` +
    `${"category".padEnd(15)}  ${"transitive".padEnd(10)}  ${"ranking".padEnd(rankW)}  ${"iaIndex".padStart(7)}  ` +
    `${cols.stored ? `${"stored".padStart(9)}  ${"storedCategory".padEnd(15)}  agrees  ` : ""}iaReason`;
  await out.push(`${head}\n`);
  for (let i = 0; i < n; i++) {
    const ia = res.iaIndex[i];
    let stored = "";
    if (cols.stored) {
      const sa = res.storedAngle[i];
      const sc = res.storedCategory[i];
      const ag = res.agrees[i];
      stored =
        `${(Number.isNaN(sa) ? "—" : sa.toFixed(4)).padStart(9)}  ${(sc < 0 ? "—" : CATEGORIES[sc]).padEnd(15)}  ` +
        `${(ag < 0 ? "—" : ag === 1 ? "yes" : "NO").padEnd(6)}  `;
    }
    const line =
      `${tableId(res.ids[i]).padEnd(idW)}  ${cols.app ? `${(res.app[i] < 0 ? "—" : res.apps[res.app[i]]).padEnd(appW)}  ` : ""}` +
      `${cols.round ? `${(Number.isNaN(res.round[i]) ? "—" : String(res.round[i])).padStart(5)}  ` : ""}` +
      `${res.selfMean[i].toFixed(2).padStart(8)}  ${res.otherMean[i].toFixed(2).padStart(9)}  ` +
      `${res.angle[i].toFixed(4).padStart(9)}  ${CATEGORIES[res.category[i]].padEnd(15)}  ` +
      `${(res.transitive[i] ? "yes" : "no").padEnd(10)}  ${(res.ranking[i] < 0 ? "—" : rankingCells[res.ranking[i]]).padEnd(rankW)}  ` +
      `${(Number.isNaN(ia) ? "—" : ia.toFixed(3)).padStart(7)}  ${stored}${res.iaReason[i] < 0 ? "" : res.reasons[res.iaReason[i]]}`;
    const p = out.push(`${line.trimEnd()}\n`);
    if (p) await p;
  }
  await out.end();
}

const MAX_LISTED = 20;
const NOTHING_STORED = { agrees: null, cause: null } as const;

/** Reads a `--map` file: a YAML (or JSON) mapping of our column names to the file's. */
async function loadMap(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new InputError(`--map ${path}: not a file`);
    if (st.size > 1 << 20) throw new InputError(`--map ${path}: larger than 1 MiB (a column map is a few lines)`);
    text = await readFile(path, "utf8");
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`--map ${path}: no such file`);
  }
  let data: unknown;
  try {
    data = parseYaml(text.replace(/^\uFEFF/, ""), { maxAliasCount: 10 });
  } catch (err) {
    throw new InputError(`--map ${path}: not valid YAML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new InputError(`--map ${path}: expected a mapping of our column names to yours, e.g. "id: participant.label"`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    const ours = key.trim().toLowerCase();
    if (!MAPPABLE_COLUMNS.includes(ours)) {
      // Loaded only here: the scenario module pulls in zod, which `hvae score` does not otherwise need.
      const { closest } = await import("../../scenario/errors.ts");
      const near = closest(ours, MAPPABLE_COLUMNS);
      throw new InputError(
        `--map ${path}: '${key}' is not one of hvae's columns${near ? ` (did you mean '${near}'?)` : ""}; ` +
          `the names are id, item1…item15, item<k>_self, item<k>_other, item, option, self, other, round, svo_angle, svo_type`,
      );
    }
    if (typeof value !== "string" && typeof value !== "number") throw new InputError(`--map ${path}: ${key}: expected a column name, got ${JSON.stringify(value)}`);
    out[ours] = String(value);
  }
  return out;
}

function whoOf(r: AnswerRecord): string {
  const parts = [`id ${JSON.stringify(r.id)}`];
  if (r.app !== null) parts.push(`app ${r.app}`);
  if (r.round !== null) parts.push(`round ${r.round}`);
  return parts.join(", ");
}


export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      version: { type: "string" },
      json: { type: "boolean" },
      csv: { type: "boolean" },
      "skip-invalid": { type: "boolean" },
      format: { type: "string" },
      "index-base": { type: "string" },
      map: { type: "string" },
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
  const format = values.format?.toLowerCase();
  if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) {
    throw new InputError(`--format: expected one of ${FORMATS.join(", ")}, got '${values.format}'`);
  }
  const base = values["index-base"];
  if (base !== undefined && base !== "0" && base !== "1") throw new InputError(`--index-base: expected 0 or 1, got '${base}'`);
  const map = values.map !== undefined ? await loadMap(values.map) : undefined;
  const file = positionals[0];
  const skip = values["skip-invalid"] === true;

  const res: Results = {
    ids: [], app: [], round: [], selfMean: [], otherMean: [], angle: [], category: [], transitive: [], ranking: [], iaIndex: [], iaReason: [],
    storedAngle: [], storedCategory: [], agrees: [], apps: [], rankings: [], reasons: [],
  };
  const rankingIndex = new Map<string, number>();
  const reasonIndex = new Map<string, number>();
  const appIndex = new Map<string, number>();
  const categoryIndex = new Map(CATEGORIES.map((c, i) => [c, i]));
  // Bounded however many rows are bad: the first few problems and a count.
  const problems: AnswerProblem[] = [];
  let badRows = 0;
  const unanswered: { row: number; block: string }[] = [];
  let unansweredCount = 0;
  const disagreements: string[] = [];
  let disagree = 0;
  let agree = 0;
  let layout: CompiledLayout | null = null;

  const options = {
    version: version as "A" | "B",
    format: format as Format | undefined,
    indexBase: base === undefined ? undefined : (Number(base) as 0 | 1),
    map,
  };
  for await (const batch of readAnswerBatches(file, file, options, (l) => (layout = l))) for (const entry of batch) {
    if (entry.problems) {
      badRows++;
      if (problems.length < MAX_LISTED) problems.push(...entry.problems.slice(0, MAX_LISTED - problems.length));
      continue;
    }
    if (entry.unanswered) {
      if (unansweredCount++ < 5) unanswered.push(entry.unanswered);
      continue;
    }
    const r = entry.record;
    const s = scoreResponse(r.answers, version);
    res.ids.push(r.id);
    res.app.push(r.app === null ? -1 : intern(res.apps, appIndex, r.app, r.app));
    res.round.push(r.round ?? NaN);
    res.selfMean.push(s.selfMean);
    res.otherMean.push(s.otherMean);
    res.angle.push(s.angle);
    res.category.push(categoryIndex.get(s.category)!);
    res.transitive.push(s.transitive);
    res.ranking.push(s.ranking === null ? -1 : intern(res.rankings, rankingIndex, s.ranking.join(">"), s.ranking));
    res.iaIndex.push(s.iaIndex ?? NaN);
    res.iaReason.push(s.iaReason === null ? -1 : intern(res.reasons, reasonIndex, s.iaReason, s.iaReason));
    res.storedAngle.push(r.storedAngle ?? NaN);
    res.storedCategory.push(r.storedCategory === null ? -1 : categoryIndex.get(r.storedCategory)!);
    const c =
      r.storedAngle === null && r.storedCategory === null
        ? NOTHING_STORED
        : crossCheck({ answers: r.answers, version, angle: s.angle, category: s.category, storedAngle: r.storedAngle, storedAngleDecimals: r.storedAngleDecimals, storedCategory: r.storedCategory });
    res.agrees.push(c.agrees === null ? -1 : c.agrees ? 1 : 0);
    if (c.agrees === true) agree++;
    else if (c.agrees === false) {
      disagree++;
      if (disagreements.length < MAX_LISTED) {
        const stored = [r.storedAngle !== null ? `angle ${r.storedAngle}` : null, r.storedCategory ?? null].filter((x) => x !== null).join(", ");
        disagreements.push(
          `${file} row ${r.row} (${whoOf(r)}): stored ${stored}; hvae ${s.angle.toFixed(4)}, ${s.category}` +
            ` — ${c.cause ? `likely cause: ${c.cause}` : "no recognisable cause (items in another order, edited values or another formula?)"}`,
        );
      }
    }
  }
  const lay = layout as CompiledLayout | null;
  if (badRows > 0 && !skip) {
    const shown = problems.map((p) => formatProblem(file, p));
    const listedRows = new Set(problems.map((p) => p.row)).size;
    const tail = badRows > listedRows ? `\n… and ${badRows - listedRows} more invalid rows` : "";
    throw new InputError(
      `${shown.join("\n")}${tail}\n(${badRows} invalid row${badRows > 1 ? "s" : ""}; fix ${badRows > 1 ? "them" : "it"} or pass --skip-invalid to score the rest)`,
    );
  }

  const cols: Columns = { app: lay?.hasApp ?? false, round: lay?.hasRound ?? false, stored: lay?.stored ?? false };
  if (values.json) await writeJson(res, cols);
  else if (values.csv) await writeCsv(res, cols);
  else await writeTable(res, cols);

  let msg = "";
  if (unansweredCount > 0) {
    const where = unanswered.map((u) => `row ${u.row}${u.block ? ` ${u.block}*` : ""}`).join(", ");
    msg +=
      `hvae: ${unansweredCount} oTree block${unansweredCount > 1 ? "s" : ""} without any SVO answer (not reached or not answered) ` +
      `${unansweredCount > 1 ? "were" : "was"} not scored: ${where}${unansweredCount > unanswered.length ? ", …" : ""}\n`;
  }
  if (lay?.stored) {
    for (const d of disagreements) msg += `hvae: cross-check: ${d}\n`;
    if (disagree > disagreements.length) msg += `hvae: cross-check: … and ${disagree - disagreements.length} more (the agrees column lists every respondent)\n`;
    const none = res.ids.length - agree - disagree;
    msg +=
      `hvae: cross-check against the file's svo_angle/svo_type: ${disagree} of ${res.ids.length} respondent${res.ids.length === 1 ? "" : "s"} ` +
      `disagree${disagree === 1 ? "s" : ""}, ${agree} agree${none > 0 ? `, ${none} without a stored value` : ""}\n`;
  }
  if (badRows > 0) {
    const listedRows = new Set(problems.map((p) => p.row)).size;
    for (const p of problems) msg += `hvae: skipped ${formatProblem(file, p)}\n`;
    if (badRows > listedRows) msg += `hvae: … and ${badRows - listedRows} more invalid rows\n`;
    const long = lay?.format === "long" ? " (a respondent with an invalid row is not scored)" : "";
    msg += `hvae: skipped ${badRows} invalid row${badRows > 1 ? "s" : ""}${long}, scored ${res.ids.length}\n`;
  }
  if (msg) process.stderr.write(msg);
  return 0;
}
