/**
 * Reads an event log back as an Observable of typed events, streaming line by line (the file is
 * never loaded whole). Every line is validated with the event schema. A broken last line is what
 * a crash mid-write leaves behind: it is skipped and reported through `onTornLine`; a broken line
 * anywhere else is corruption and errors the stream with the line number.
 *
 * @example
 * readEvents("runs/demo-x/events.jsonl", { onTornLine: (t) => console.warn(t.message) })
 *   .pipe(filter((e) => e.type === "decision.made"))
 *   .subscribe((e) => console.log(e.agentId, e.option));
 */
import { createReadStream, statSync } from "node:fs";
import { Observable } from "rxjs";
import { InputError } from "../core/errors.ts";
import { HvaeEvent } from "../core/events.ts";

export interface TornLine {
  /** 1-based line number of the torn line. */
  readonly line: number;
  readonly text: string;
  readonly message: string;
}

export interface ReadEventsOptions {
  /** Called once when the last line is torn; by default a warning goes to stderr. */
  readonly onTornLine?: (torn: TornLine) => void;
}

export function readEvents(path: string, options: ReadEventsOptions = {}): Observable<HvaeEvent> {
  const onTornLine = options.onTornLine ?? ((t: TornLine) => process.stderr.write(`hvae: warning: ${t.message}\n`));
  return new Observable<HvaeEvent>((subscriber) => {
    // Split by hand rather than with readline: on a million-line log readline's per-line
    // machinery (a regex split, an event per line) costs about a quarter of reading and parsing.
    // A FIFO or a device (/dev/zero) would hang the reader or never end: only regular files.
    let kind: string | null = null;
    try {
      const st = statSync(path);
      if (!st.isFile()) kind = st.isFIFO() ? "a FIFO" : st.isCharacterDevice() || st.isBlockDevice() ? "a device" : st.isDirectory() ? "a directory" : "not a regular file";
    } catch {
      // ENOENT and friends are reported by the stream below.
    }
    if (kind) {
      subscriber.error(new InputError(`${path}: ${kind}, not an event log (expected a regular file)`));
      return;
    }
    const input = createReadStream(path, { encoding: "utf8" });
    let rest = "";
    let lineNo = 0;
    // A line that fails is held until we know whether another line follows it.
    let suspect: { line: number; text: string; problem: string } | null = null;
    let finished = false;
    const fail = (err: unknown) => {
      if (finished) return;
      finished = true;
      subscriber.error(err);
      input.destroy();
    };
    const onLine = (text: string) => {
      lineNo++;
      if (suspect) {
        fail(new InputError(`${path} line ${suspect.line}: ${suspect.problem}`));
        return;
      }
      if (text.length === 0) return;
      const parsed = parseLine(text);
      if (parsed.ok) subscriber.next(parsed.event);
      else suspect = { line: lineNo, text, problem: parsed.problem };
    };
    // Line breaks as readline counts them: \n, \r\n, or a lone \r (which hvae never writes, but a
    // damaged file may hold, and line numbers in messages should match an editor's).
    const onText = (raw: string) => {
      const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
      if (!text.includes("\r")) return onLine(text);
      for (const part of text.split("\r")) if (!finished) onLine(part);
    };
    input.on("error", (err: NodeJS.ErrnoException) =>
      fail(err.code === "ENOENT" ? new InputError(`${path}: no such event log`) : err),
    );
    input.on("data", (chunk) => {
      const text = rest + (chunk as string);
      let start = 0;
      for (let nl = text.indexOf("\n"); nl !== -1 && !finished; nl = text.indexOf("\n", start)) {
        onText(text.slice(start, nl));
        start = nl + 1;
      }
      rest = finished ? "" : text.slice(start);
    });
    input.on("end", () => {
      if (rest.length > 0 && !finished) onText(rest);
      if (finished) return;
      finished = true;
      if (suspect) {
        onTornLine({
          line: suspect.line,
          text: suspect.text,
          message: `${path} line ${suspect.line}: torn last line ignored (${suspect.problem})`,
        });
      }
      subscriber.complete();
    });
    return () => {
      finished = true;
      input.destroy();
    };
  });
}

function parseLine(text: string): { ok: true; event: HvaeEvent } | { ok: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: "not valid JSON" };
  }
  const result = HvaeEvent.safeParse(json);
  if (result.success) return { ok: true, event: result.data };
  const issue = result.error.issues[0];
  return { ok: false, problem: `${issue.path.join(".") || "event"}: ${issue.message}` };
}
