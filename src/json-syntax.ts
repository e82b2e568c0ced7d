/**
 * Where and why a JSON text is malformed, in JSON's own terms. The YAML parser reads JSON too,
 * but it accepts what JSON forbids (trailing commas, comments, unquoted keys) and words its
 * errors as YAML, so a `.json` scenario is checked as JSON first.
 *
 * @example
 * jsonSyntaxError('{"a": 1,}'); // { index: 8, message: "expected double-quoted property name" }
 */

/** `line:col` (1-based) of an offset, for messages. */
export function lineColumn(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

export interface JsonSyntaxError {
  /** Offset of the offending character (the text's length when the input ends early). */
  readonly index: number;
  readonly message: string;
}

/** Null when the text is valid JSON. */
export function jsonSyntaxError(text: string): JsonSyntaxError | null {
  const whole = parseError(text);
  if (whole === null) return null;
  // V8 gives a position for some errors only ("Unexpected token ']', … is not valid JSON" has
  // none), so find it: a prefix that is still a possible start of valid JSON stays so when
  // shortened, and the first character that breaks that is the culprit. Binary search, O(log n) parses.
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (viablePrefix(text.slice(0, mid))) lo = mid;
    else hi = mid - 1;
  }
  const atEnd = lo >= text.length;
  return { index: Math.min(lo, text.length), message: atEnd ? "the text ends early (a missing } or ] or closing quote?)" : plain(whole) };
}

function parseError(text: string): Error | null {
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    return err as Error;
  }
}

function viablePrefix(prefix: string): boolean {
  const err = parseError(prefix);
  if (err === null || /Unexpected end of JSON input/.test(err.message)) return true;
  const at = /at position (\d+)/.exec(err.message);
  return at !== null && Number(at[1]) >= prefix.length;
}

/** V8's message without the echoed input or the offset, starting lower-case like our other messages. */
function plain(err: Error): string {
  const m = err.message.replace(/, (?:\.\.\.)?".*$/s, "").replace(/ (in JSON )?at position \d+.*$/s, "");
  return m.charAt(0).toLowerCase() + m.slice(1);
}
