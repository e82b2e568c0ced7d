/**
 * Reading SVO Slider answer files collected elsewhere (a human study, another tool): CSV with a
 * header or a JSON array of objects, one respondent per row, columns `id,item1,…,item15`.
 * CSV is streamed line by line; every problem names its row (1 = first data row) and column.
 *
 * @example
 * for await (const entry of readAnswerFile("answers.csv")) {
 *   if (entry.problems) console.error(entry.problems.map((p) => formatProblem("answers.csv", p)));
 *   else scoreResponse(entry.record.answers, "A");
 * }
 */
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import { InputError } from "../src/core/errors.ts";
import { jsonSyntaxError, lineColumn } from "../src/json-syntax.ts";

/** Answer columns in the version's presented order; item1–item6 are the primary block. */
export const ITEM_COLUMNS: readonly string[] = Array.from({ length: 15 }, (_, i) => `item${i + 1}`);

export interface AnswerRecord {
  /** 1-based data row (the CSV header is not counted; JSON: array position + 1). */
  row: number;
  id: string;
  /** 15 answers in column order (item1…item15); null where absent or empty. */
  answers: (number | null)[];
}

export interface AnswerProblem {
  row: number;
  /** The column at fault, or null for a whole-row problem. */
  column: string | null;
  message: string;
}

export type AnswerEntry = { record: AnswerRecord; problems: null } | { record: null; problems: AnswerProblem[] };

/**
 * `answers.csv row 3, column item2: expected an option 1–9, got 12`
 *
 * @example
 * formatProblem("a.csv", { row: 3, column: "item2", message: "expected an option 1–9, got 12" });
 */
export function formatProblem(file: string, p: AnswerProblem): string {
  return `${file} row ${p.row}${p.column ? `, column ${p.column}` : ""}: ${p.message}`;
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * One answer cell: a number 1–9 (decimals are continuous slider positions), or null when empty.
 * Returns an error message string for anything else.
 */
export function parseAnswerCell(raw: unknown): number | null | { error: string } {
  if (raw === null || raw === undefined) return null;
  // Fast path for the common case, a single digit 1–9.
  if (typeof raw === "string" && raw.length === 1) {
    const d = raw.charCodeAt(0) - 48;
    if (d >= 1 && d <= 9) return d;
  }
  let n: number;
  if (typeof raw === "number") {
    n = raw;
  } else if (typeof raw === "string") {
    const s = raw.trim();
    if (s === "") return null;
    if (!NUMBER.test(s)) return { error: `expected an option 1–9, got '${raw}'` };
    n = Number(s);
  } else {
    return { error: `expected an option 1–9, got ${JSON.stringify(raw)}` };
  }
  if (!(n >= 1 && n <= 9)) return { error: `expected an option 1–9, got ${n}` };
  return n;
}

/** Validates one respondent's cells (column name → raw value) into a record or its problems. */
function toEntry(row: number, id: string, cell: (column: number) => unknown): AnswerEntry {
  const answers = new Array<number | null>(15);
  let problems: AnswerProblem[] | null = null;
  for (let i = 0; i < 15; i++) {
    const v = parseAnswerCell(cell(i));
    if (v !== null && typeof v === "object") {
      (problems ??= []).push({ row, column: ITEM_COLUMNS[i], message: v.error });
      answers[i] = null;
    } else {
      if (v === null && i < 6) {
        (problems ??= []).push({ row, column: ITEM_COLUMNS[i], message: "missing answer to a primary item" });
      }
      answers[i] = v;
    }
  }
  return problems ? { record: null, problems } : { record: { row, id, answers }, problems: null };
}

/** Splits one CSV line (RFC 4180 quoting within the line). */
export function splitCsvLine(line: string): string[] | null {
  if (!line.includes('"')) return line.split(",");
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) return null; // unterminated quote
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const comma = line.indexOf(",", i);
      value += line.slice(i, comma === -1 ? line.length : comma);
      out.push(value);
      if (comma === -1) return out;
      i = comma + 1;
    } else {
      const comma = line.indexOf(",", i);
      out.push(line.slice(i, comma === -1 ? line.length : comma));
      if (comma === -1) return out;
      i = comma + 1;
    }
  }
}

interface Layout {
  idCol: number;
  /** itemCols[i] = field index of item i+1, or -1 when the column is absent. */
  itemCols: number[];
  width: number;
}

function layoutOf(file: string, names: string[]): Layout {
  const norm = names.map((n, i) => (i === 0 ? n.replace(/^\uFEFF/, "") : n).trim().toLowerCase());
  const itemCols = ITEM_COLUMNS.map((c) => norm.indexOf(c));
  const missing = ITEM_COLUMNS.slice(0, 6).filter((_, i) => itemCols[i] === -1);
  if (missing.length > 0) {
    throw new InputError(
      `${file}: the header lacks the primary column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ` +
        `(the first line must be a header id,item1,…,item15; secondary items 7–15 may be omitted)`,
    );
  }
  const seen = new Set<string>();
  for (const n of norm) {
    if (n !== "" && seen.has(n)) throw new InputError(`${file}: column '${n}' appears twice in the header`);
    seen.add(n);
  }
  return { idCol: norm.indexOf("id"), itemCols, width: names.length };
}

/**
 * The file's lines, streamed in 64 kB chunks and split by hand: readline's async iterator
 * costs a promise per line, which dominated the time on large exports. Handles \n and \r\n.
 */
async function* chunkedLines(path: string): AsyncGenerator<string[]> {
  let rest = "";
  for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 16 })) {
    const parts = (rest + (chunk as string)).split("\n");
    rest = parts.pop()!;
    yield parts;
  }
  if (rest !== "") yield [rest];
}

// Rows travel in batches: one await per row would cost more than scoring the row.
const BATCH = 2048;

async function* readCsv(path: string, file: string): AsyncGenerator<AnswerEntry[]> {
  let layout: Layout | null = null;
  let row = 0;
  let batch: AnswerEntry[] = [];
  for await (const chunk of chunkedLines(path)) for (let line of chunk) {
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
    if (line.trim() === "") continue;
    const fields = splitCsvLine(line);
    if (layout === null) {
      if (!fields) throw new InputError(`${file}: the header has an unterminated quote`);
      layout = layoutOf(file, fields);
      continue;
    }
    row++;
    if (!fields) {
      batch.push({ record: null, problems: [{ row, column: null, message: "unterminated quote (a quoted field cannot span lines)" }] });
      continue;
    }
    // Fewer fields is fine (spreadsheets drop trailing empty cells: they read as empty); more is not.
    if (fields.length > layout.width) {
      batch.push({
        record: null,
        problems: [{ row, column: null, message: `${fields.length} fields but the header names ${layout.width} columns` }],
      });
      continue;
    }
    const { idCol, itemCols } = layout;
    const rawId = idCol >= 0 ? (fields[idCol] ?? "").trim() : "";
    batch.push(toEntry(row, rawId === "" ? String(row) : rawId, (i) => (itemCols[i] >= 0 ? fields[itemCols[i]] : null)));
  }
  if (batch.length > 0) yield batch;
  if (layout === null) throw new InputError(`${file}: the file is empty (expected a header row id,item1,…,item15)`);
}

async function* readJson(path: string, file: string): AsyncGenerator<AnswerEntry[]> {
  const text = await readFile(path, "utf8");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const bad = jsonSyntaxError(text)!;
    const at = lineColumn(text, bad.index);
    throw new InputError(`${file}:${at.line}:${at.column}: not valid JSON: ${bad.message}`);
  }
  if (!Array.isArray(data)) throw new InputError(`${file}: expected a JSON array of objects with keys id, item1…item15`);
  const batch: AnswerEntry[] = [];
  for (let k = 0; k < data.length; k++) {
    const row = k + 1;
    const obj = data[k];
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
      batch.push({ record: null, problems: [{ row, column: null, message: "expected an object with keys id, item1…item15" }] });
      continue;
    }
    const byName = new Map<string, unknown>();
    for (const [key, value] of Object.entries(obj)) byName.set(key.trim().toLowerCase(), value);
    const rawId = byName.get("id");
    const id = rawId === undefined || rawId === null || rawId === "" ? String(row) : String(rawId);
    batch.push(toEntry(row, id, (i) => byName.get(ITEM_COLUMNS[i])));
  }
  yield batch;
}

/**
 * Reads an answer file (.csv or .json, by extension) as a stream of validated rows, in
 * batches of up to 2048 in file order. File-level problems (missing file, unknown extension,
 * bad header, invalid JSON) throw InputError; row-level problems come back as entries with
 * `problems`.
 *
 * @example
 * for await (const batch of readAnswerBatches("answers.json")) console.log(batch.length);
 */
export async function* readAnswerBatches(path: string, displayName: string = path): AsyncGenerator<AnswerEntry[]> {
  const ext = extname(path).toLowerCase();
  if (ext !== ".csv" && ext !== ".json") {
    throw new InputError(`${displayName}: unknown file type '${ext || "(none)"}' (expected .csv or .json)`);
  }
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new InputError(`${displayName}: not a file`);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${displayName}: no such file`);
  }
  yield* ext === ".csv" ? readCsv(path, displayName) : readJson(path, displayName);
}

/** {@link readAnswerBatches} one row at a time, for callers that do not need the speed. */
export async function* readAnswerFile(path: string, displayName: string = path): AsyncGenerator<AnswerEntry> {
  for await (const batch of readAnswerBatches(path, displayName)) yield* batch;
}
