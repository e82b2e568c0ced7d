/**
 * The rows of an answer file as raw records, streamed with bounded memory: RFC 4180 CSV (quoted
 * fields may hold commas, doubled quotes and newlines) or a JSON array of flat objects. A BOM is
 * accepted before either. Nothing here knows what the columns mean (see answer-layouts.ts).
 *
 * Row numbers count records, not lines: 1 = the first data record after the CSV header (JSON:
 * array position + 1), so a quoted field spanning lines never shifts the numbers after it.
 *
 * @example
 * for await (const { header, records } of readRecords("answers.csv")) {
 *   for (const r of records) if (r.values) console.log(r.row, header[0], r.values[0]);
 * }
 */
import { createReadStream } from "node:fs";
import { InputError } from "../src/core/errors.ts";
import { jsonSyntaxError, lineColumn } from "../src/json-syntax.ts";

/** One record: its cells aligned with the batch's `header`, or the reason it has none. */
export type RawRecord =
  | { row: number; values: unknown[]; problem: null }
  | { row: number; values: null; problem: { column: string | null; message: string } };

/**
 * A batch of records. `header` is shared between batches; for JSON it grows when a later object
 * brings a key the earlier ones lacked (cells of earlier rows for it read as absent).
 */
export interface RecordBatch {
  header: string[];
  records: RawRecord[];
}

/** Longest CSV record or JSON element accepted: a longer one is an unterminated quote or bracket. */
export const MAX_RECORD_CHARS = 1 << 20;
// Rows travel in batches: one await per row would cost more than scoring the row.
const BATCH = 2048;

/**
 * Splits one CSV record (RFC 4180 quoting; a quoted field may contain newlines). Null when a
 * quote is not closed.
 *
 * @example
 * splitCsvLine('a,"b, ""c""",d'); // ["a", 'b, "c"', "d"]
 */
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

function countQuotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i !== -1; i = s.indexOf('"', i + 1)) n++;
  return n;
}

/**
 * CSV records, streamed in 64 kB chunks and split by hand (readline's async iterator costs a
 * promise per line). A record is complete when its quotes balance: an odd count means a quoted
 * field goes on to the next line.
 */
async function* readCsv(path: string, file: string): AsyncGenerator<RecordBatch> {
  let header: string[] | null = null;
  let row = 0;
  let records: RawRecord[] = [];
  let rest = "";
  let first = true;
  // A record whose quoted field is still open, and its quote count so far.
  let pending: string | null = null;
  let pendingQuotes = 0;
  let yielded = false;

  const complete = (text: string) => {
    if (text.trim() === "") return;
    const fields = splitCsvLine(text);
    if (header === null) {
      if (!fields) throw new InputError(`${file}: the header has an unterminated quote`);
      header = fields;
      return;
    }
    row++;
    if (!fields) {
      records.push({ row, values: null, problem: { column: null, message: "unterminated quote" } });
    } else if (fields.length > header.length) {
      // Fewer fields is fine (spreadsheets drop trailing empty cells); more is not.
      records.push({
        row,
        values: null,
        problem: { column: null, message: `${fields.length} fields but the header names ${header.length} columns` },
      });
    } else {
      records.push({ row, values: fields, problem: null });
    }
  };
  const line = (l: string) => {
    if (l.endsWith("\r")) l = l.slice(0, -1);
    if (pending === null) {
      if (!l.includes('"')) return complete(l);
      const q = countQuotes(l);
      if (q % 2 === 0) return complete(l);
      pending = l;
      pendingQuotes = q;
      return;
    }
    pending += "\n" + l;
    pendingQuotes += countQuotes(l);
    if (pendingQuotes % 2 === 0) {
      const text = pending;
      pending = null;
      complete(text);
    } else if (pending.length > MAX_RECORD_CHARS) {
      throw new InputError(
        `${file} row ${row + 1}: a quoted field is still open after ${MAX_RECORD_CHARS} characters (an unterminated quote?)`,
      );
    }
  };

  for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 16 })) {
    let text = rest + (chunk as string);
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const parts = text.split("\n");
    rest = parts.pop()!;
    if (rest.length > MAX_RECORD_CHARS) {
      throw new InputError(`${file} row ${row + 1}: a line longer than ${MAX_RECORD_CHARS} characters`);
    }
    for (const p of parts) line(p);
    if (records.length >= BATCH && header !== null) {
      yield { header, records };
      records = [];
      yielded = true;
    }
  }
  if (rest !== "") line(rest);
  if (pending !== null) {
    records.push({ row: row + 1, values: null, problem: { column: null, message: "unterminated quote (the file ends inside a quoted field)" } });
  }
  if (header === null) throw new InputError(`${file}: the file is empty (expected a header row)`);
  // The header alone is still read, so a bad one is reported.
  if (records.length > 0 || !yielded) yield { header, records };
}

/** Line and column (1-based) of a character offset, found by reading the file again (errors only). */
async function positionIn(path: string, offset: number): Promise<{ line: number; column: number }> {
  let seen = 0;
  let line = 1;
  let column = 1;
  let first = true;
  for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 16 })) {
    let s = chunk as string;
    if (first && s.charCodeAt(0) === 0xfeff) s = s.slice(1); // offsets are counted without the BOM
    first = false;
    const take = Math.min(s.length, offset - seen);
    const part = s.slice(0, take);
    const at = lineColumn(part, part.length);
    if (at.line > 1) {
      line += at.line - 1;
      column = at.column;
    } else column += part.length;
    seen += take;
    if (seen >= offset) break;
  }
  return { line, column };
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * The elements of a top-level JSON array, one at a time, without holding the file: a scanner
 * finds each element's extent (strings and nesting), then JSON.parse reads the element. Syntax
 * errors name the line and column in the file, as for a file read whole.
 */
async function* readJson(path: string, file: string): AsyncGenerator<RecordBatch> {
  const header: string[] = [];
  const index = new Map<string, number>();
  let records: RawRecord[] = [];
  let row = 0;
  // 0 before '[', 1 expecting an element or ']', 2 inside an element, 3 expecting ',' or ']', 4 after ']'.
  let state = 0;
  let afterComma = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let scalar = false;
  let elem = "";
  let elemStart = 0;
  let offset = 0; // characters consumed before the current chunk
  let first = true;

  const fail = async (at: number, message: string): Promise<never> => {
    const p = await positionIn(path, at);
    throw new InputError(`${file}:${p.line}:${p.column}: not valid JSON: ${message}`);
  };
  const finish = async (text: string) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      const bad = jsonSyntaxError(text) ?? { index: 0, message: "not valid JSON" };
      await fail(elemStart + bad.index, bad.message);
    }
    row++;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      records.push({ row, values: null, problem: { column: null, message: "expected an object (one respondent per element)" } });
      return;
    }
    const values: unknown[] = new Array(header.length);
    for (const [key, v] of Object.entries(value)) {
      const name = key.trim().toLowerCase();
      let i = index.get(name);
      if (i === undefined) {
        i = header.length;
        header.push(name);
        index.set(name, i);
      }
      values[i] = v;
    }
    records.push({ row, values, problem: null });
  };

  for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 16 })) {
    let s = chunk as string;
    if (first) {
      first = false;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    let from = 0; // start of the element's text within this chunk
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (state === 2) {
        if (inString) {
          if (!escaped && c !== 0x22 && c !== 0x5c) {
            // Jump to the next quote or backslash: long string values are most of a big export.
            const q = s.indexOf('"', i);
            const b = s.indexOf("\\", i);
            const next = q === -1 ? b : b === -1 ? q : Math.min(q, b);
            if (next === -1) {
              i = s.length;
              continue;
            }
            i = next - 1;
            continue;
          }
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) {
            inString = false;
            if (scalar && depth === 0) {
              await finish(elem + s.slice(from, i + 1));
              elem = "";
              state = 3;
            }
          }
          continue;
        }
        if (scalar && depth === 0) {
          if (c === 0x2c || c === 0x5d || WS.has(c)) {
            await finish(elem + s.slice(from, i));
            elem = "";
            state = 3;
            i--; // the delimiter is read in state 3
          }
          continue;
        }
        if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          depth--;
          if (depth === 0) {
            await finish(elem + s.slice(from, i + 1));
            elem = "";
            state = 3;
          }
        }
        continue;
      }
      if (WS.has(c)) continue;
      const at = offset + i;
      if (state === 0) {
        if (c !== 0x5b) {
          if (c === 0x7b) throw new InputError(`${file}: expected a JSON array of objects (one respondent per element), got an object`);
          await fail(at, "expected a JSON array");
        }
        state = 1;
      } else if (state === 1) {
        if (c === 0x5d && !afterComma) {
          state = 4;
          continue;
        }
        if (c === 0x5d) await fail(at, "a trailing comma before ']'");
        state = 2;
        from = i;
        elemStart = at;
        elem = "";
        depth = 0;
        scalar = c !== 0x7b && c !== 0x5b;
        inString = c === 0x22;
        escaped = false;
        if (!scalar) depth = 1;
      } else if (state === 3) {
        if (c === 0x2c) {
          state = 1;
          afterComma = true;
        } else if (c === 0x5d) state = 4;
        else await fail(at, "expected ',' or ']' after an element");
        if (records.length >= BATCH) {
          yield { header, records };
          records = [];
        }
      } else {
        await fail(at, "unexpected text after the array");
      }
    }
    if (state === 2) {
      elem += s.slice(from);
      if (elem.length > MAX_RECORD_CHARS) {
        throw new InputError(`${file} row ${row + 1}: an element longer than ${MAX_RECORD_CHARS} characters (an unclosed bracket or quote?)`);
      }
    }
    offset += s.length;
  }
  if (state === 2 && scalar && depth === 0 && !inString) {
    await finish(elem);
    state = 3;
  }
  if (state !== 4) {
    if (state === 0 && offset === 0) throw new InputError(`${file}: the file is empty (expected a JSON array of objects)`);
    await fail(offset, "the text ends early (a missing } or ] or closing quote?)");
  }
  if (records.length > 0) yield { header, records };
}

/** The records of a CSV or JSON answer file (`kind` chosen by the caller, usually from the extension). */
export function readRecords(path: string, kind: "csv" | "json", file: string = path): AsyncGenerator<RecordBatch> {
  return kind === "csv" ? readCsv(path, file) : readJson(path, file);
}
