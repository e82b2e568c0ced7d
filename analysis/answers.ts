/**
 * Reading SVO Slider answer files collected elsewhere (a human study, oTree, another tool): CSV
 * with a header or a JSON array of objects, in one of the layouts of answer-layouts.ts (hvae,
 * otree, pairs, long). The file is streamed; every problem names its row (1 = first data row)
 * and column.
 *
 * @example
 * for await (const entry of readAnswerFile("answers.csv")) {
 *   if (entry.problems) console.error(entry.problems.map((p) => formatProblem("answers.csv", p)));
 *   else if (entry.record) scoreResponse(entry.record.answers, "A");
 * }
 */
import { stat } from "node:fs/promises";
import { extname } from "node:path";
import { InputError } from "../src/core/errors.ts";
import { compileLayout, longCollector, wideEntries, type AnswerEntry, type AnswerProblem, type CompiledLayout, type LayoutOptions } from "./answer-layouts.ts";
import { readRecords } from "./answer-records.ts";

export { FORMATS, ITEM_COLUMNS, MAPPABLE_COLUMNS, parseAnswerCell, positionOfPayoffs, type AnswerEntry, type AnswerProblem, type AnswerRecord, type CompiledLayout, type Format, type LayoutOptions } from "./answer-layouts.ts";
export { splitCsvLine } from "./answer-records.ts";

/**
 * `answers.csv row 3, column item2: expected an option 1–9, got 12`
 *
 * @example
 * formatProblem("a.csv", { row: 3, column: "item2", message: "expected an option 1–9, got 12" });
 */
export function formatProblem(file: string, p: AnswerProblem): string {
  return `${file} row ${p.row}${p.column ? `, column ${p.column}` : ""}: ${p.message}`;
}

/**
 * Reads an answer file (.csv or .json, by extension) as a stream of validated entries, in
 * batches of up to a few thousand in file order (a long file's respondents come when it ends).
 * File-level problems (missing file, unknown extension, a header that fits no layout, invalid
 * JSON) throw InputError; row-level problems come back as entries with `problems`.
 * `onLayout` is told the layout once it is known (before the first batch).
 *
 * @example
 * for await (const batch of readAnswerBatches("export.csv", "export.csv", { format: "otree" })) console.log(batch.length);
 */
export async function* readAnswerBatches(
  path: string,
  displayName: string = path,
  options: LayoutOptions = {},
  onLayout?: (layout: CompiledLayout) => void,
): AsyncGenerator<AnswerEntry[]> {
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
  let layout: CompiledLayout | null = null;
  let compiledFor = -1;
  let long: ReturnType<typeof longCollector> | null = null;
  for await (const { header, records } of readRecords(path, ext === ".csv" ? "csv" : "json", displayName)) {
    // JSON objects may bring keys the first ones lacked: recompile, keeping the layout first recognised.
    if (header.length === 0) {
      // JSON elements so far without any key: nothing to recognise a layout from.
      const out: AnswerEntry[] = records.map((r) => ({
        record: null,
        problems: [r.problem ? { row: r.row, ...r.problem } : { row: r.row, column: null, message: "an object without keys" }],
      }));
      yield out;
      continue;
    }
    if (header.length !== compiledFor) {
      const first = layout === null;
      layout = compileLayout(displayName, header, layout ? { ...options, format: layout.format } : options);
      compiledFor = header.length;
      if (first) {
        onLayout?.(layout);
        if (layout.long) long = longCollector(layout);
      }
    }
    const out: AnswerEntry[] = [];
    for (const r of records) {
      if (r.problem) out.push({ record: null, problems: [{ row: r.row, ...r.problem }] });
      else if (long) long.add(r.row, r.values, out);
      else wideEntries(layout!, r.row, r.values, out);
    }
    yield out;
  }
  if (layout === null) {
    // A JSON file with an empty array: nothing to recognise, nothing to score.
    onLayout?.(compileLayout(displayName, ["id", "item1", "item2", "item3", "item4", "item5", "item6"], { ...options, map: undefined }));
    return;
  }
  if (long) {
    let batch: AnswerEntry[] = [];
    for (const e of long.finish()) {
      batch.push(e);
      if (batch.length >= 2048) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
}

/** {@link readAnswerBatches} one entry at a time, for callers that do not need the speed. */
export async function* readAnswerFile(path: string, displayName: string = path, options: LayoutOptions = {}): AsyncGenerator<AnswerEntry> {
  for await (const batch of readAnswerBatches(path, displayName, options)) yield* batch;
}
