/**
 * Scenario problems as the user needs them: the path inside the scenario, the line and column in
 * the file, and a message that says what was expected. Zod issues are translated here; semantic
 * checks (duplicate ids, unknown pair members, …) produce the same Problem shape.
 *
 * @example
 * throw new ScenarioError("demo.yaml", [
 *   { path: "agents[2].value", line: 14, column: 12, message: "expected altruistic, … or an angle in degrees" },
 * ]);
 * // message: "demo.yaml:14:12 agents[2].value: expected altruistic, … or an angle in degrees"
 */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";
import type { z } from "zod";
import { InputError } from "../core/errors.ts";
import { CATEGORY_OR_ANGLE } from "../core/fields.ts";
import { CATEGORIES } from "../core/values.ts";
import { GAME_TYPE_MESSAGE, gameSchemaFor } from "../games/registry.ts";
import { AGENT_TYPE_MESSAGE, agentSchemaFor, Scenario } from "./schema.ts";

export interface Problem {
  /** Path inside the scenario, e.g. "agents[2].value"; "" for the whole file. */
  path: string;
  /** 1-based line and column in the file, null when the place cannot be found. */
  line: number | null;
  column: number | null;
  message: string;
}

export type PathKey = string | number;

export class ScenarioError extends InputError {
  readonly problems: Problem[];
  readonly fileName: string;
  constructor(fileName: string, problems: Problem[]) {
    super(problems.map((p) => formatProblem(fileName, p)).join("\n"));
    this.name = "ScenarioError";
    this.fileName = fileName;
    this.problems = problems;
  }
}

/** "demo.yaml:14:12 agents[2].value: message" (location and path left out when unknown). */
export function formatProblem(fileName: string, p: Problem): string {
  const where = p.line === null ? fileName : `${fileName}:${p.line}:${p.column ?? 1}`;
  return p.path ? `${where} ${p.path}: ${p.message}` : `${where} ${p.message}`;
}

/** ["agents", 2, "value"] → "agents[2].value". */
export function formatPath(path: readonly PathKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** Finds the line and column of a path in a parsed YAML (or JSON) document. */
export interface Locator {
  /** Where the value at `path` starts; the nearest existing ancestor when it is missing. */
  value(path: readonly PathKey[]): { line: number; column: number } | null;
  /** Where the key `key` of the mapping at `path` starts (for unknown fields). */
  key(path: readonly PathKey[], key: string): { line: number; column: number } | null;
}

export function yamlLocator(doc: Document, lineCounter: LineCounter): Locator {
  const pos = (offset: number | undefined) => {
    if (offset === undefined) return null;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const nodeAt = (path: readonly PathKey[]): Node | null => {
    // Walk down as far as the path exists: a missing field is reported where its parent starts.
    let node: unknown = doc.contents;
    for (const key of path) {
      let next: unknown = undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
        next = pair?.value ?? undefined;
      } else if (isSeq(node) && typeof key === "number") {
        next = node.items[key];
      }
      if (!next || typeof next !== "object" || !("range" in next)) break;
      node = next;
    }
    return (node as Node | null) ?? null;
  };
  return {
    value: (path) => pos(nodeAt(path)?.range?.[0]),
    key(path, key) {
      const node = nodeAt(path);
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
        if (pair && isScalar(pair.key)) return pos(pair.key.range?.[0]);
      }
      return pos(node?.range?.[0]);
    },
  };
}

/** Builds a Problem at `path`, locating it in the file. */
export function problemAt(locator: Locator | null, path: readonly PathKey[], message: string): Problem {
  const at = locator?.value(path) ?? null;
  return { path: formatPath(path), line: at?.line ?? null, column: at?.column ?? null, message };
}

/**
 * Turns zod issues into Problems. `raw` is the parsed, unvalidated input: it tells a missing field
 * from a wrong one, and lets an agent entry that matched no union branch be re-checked against
 * the one branch its `type` names, so the message is about the entry's real mistake.
 */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  locator: Locator | null,
  prefix: readonly PathKey[] = [],
): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as PathKey[])];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const at = locator?.key(path, key) ?? null;
        const guess = closest(key, KNOWN_FIELDS);
        const known = guess ? ` (did you mean '${guess}'?)` : "";
        out.push({
          path: formatPath([...path, key]),
          line: at?.line ?? null,
          column: at?.column ?? null,
          message: `unknown field${known}`,
        });
      }
      continue;
    }
    // A union chosen by `type` (agent entries, the game) fails either as a whole or, in zod 4, with
    // the one branch it found closest, often the module-path branch's complaint about `type`:
    // either way the entry is re-checked against the branch its `type` names.
    const unionPath = issue.code === "invalid_union" ? path : path[path.length - 1] === "type" ? path.slice(0, -1) : null;
    const registered = unionPath ? registeredAt(unionPath) : null;
    if (registered && unionPath) {
      const entry = valueAt(raw, unionPath);
      const schema = registered.schemaFor(entry);
      if (!schema) {
        const type = typeof entry === "object" && entry !== null ? (entry as { type?: unknown }).type : undefined;
        out.push(problemAt(locator, [...unionPath, "type"], type === undefined ? `missing (${registered.message})` : `${registered.message}, got ${show(type)}`));
        continue;
      }
      const again = schema.safeParse(entry);
      if (!again.success) {
        out.push(...issuesToProblems(again.error.issues, raw, locator, unionPath));
        continue;
      }
    }
    out.push(problemAt(locator, path, messageFor(issue, raw, path) + suggestion(issue, valueAt(raw, path))));
  }
  return dedupe(out);
}

/** The registry a union at `path` is chosen from by `type` (agent entries, the game), or null. */
function registeredAt(path: readonly PathKey[]): { schemaFor: (entry: unknown) => z.ZodType | null; message: string } | null {
  if (path.length === 2 && path[0] === "agents" && typeof path[1] === "number") return { schemaFor: agentSchemaFor, message: AGENT_TYPE_MESSAGE };
  if (path.length === 1 && path[0] === "game") return { schemaFor: gameSchemaFor, message: GAME_TYPE_MESSAGE };
  return null;
}

/** " (did you mean 'altruistic'?)" for a misspelt or miscapitalised name, else "". */
function suggestion(issue: z.core.$ZodIssue, value: unknown): string {
  if (typeof value !== "string") return "";
  let candidates: string[] = [];
  if (issue.code === "invalid_value") candidates = issue.values.map(String);
  else if (issue.code === "invalid_union" && issue.message === CATEGORY_OR_ANGLE) candidates = [...CATEGORIES];
  else if (issue.code === "invalid_union" && "options" in issue) candidates = ((issue as { options?: unknown[] }).options ?? []).map(String);
  const guess = closest(value, candidates);
  return guess ? ` (did you mean '${guess}'?)` : "";
}

function messageFor(issue: z.core.$ZodIssue, raw: unknown, path: readonly PathKey[]): string {
  const parent = path.length ? valueAt(raw, path.slice(0, -1)) : undefined;
  const present = path.length === 0 || (typeof parent === "object" && parent !== null && Object.hasOwn(parent, path[path.length - 1]));
  const value = valueAt(raw, path);
  switch (issue.code) {
    case "invalid_type":
      if (!present || value === undefined) return `missing (required, expected ${article(issue.expected)})`;
      return `expected ${article(issue.expected)}, got ${show(value)}`;
    case "invalid_union":
      if ("note" in issue && issue.note === "No matching discriminator") {
        const options = (issue as { options?: unknown[] }).options ?? [];
        return value === undefined
          ? `missing (required: ${orList(options.map(String))})`
          : `expected ${orList(options.map(String))}, got ${show(value)}`;
      }
      return issue.message;
    case "invalid_value":
      if (isDefaultMessage(issue.message)) return `expected ${orList(issue.values.map(String))}, got ${show(value)}`;
      return issue.message;
    case "too_small":
    case "too_big": {
      if (!isDefaultMessage(issue.message)) return issue.message;
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const rel = issue.code === "too_small" ? (issue.inclusive ? "≥" : ">") : issue.inclusive ? "≤" : "<";
      if (issue.origin === "array") return `expected ${issue.code === "too_small" ? "at least" : "at most"} ${bound} item(s), got ${Array.isArray(value) ? value.length : show(value)}`;
      if (issue.origin === "string") return `expected ${issue.code === "too_small" ? "at least" : "at most"} ${bound} character(s)`;
      return `expected a number ${rel} ${bound}, got ${show(value)}`;
    }
    case "invalid_format":
      return `${issue.message}, got ${show(value)}`;
    default:
      return issue.message;
  }
}

/** zod's own messages start with a capital ("Too small: …", "Invalid input: …"); ours do not. */
function isDefaultMessage(message: string): boolean {
  return /^[A-Z]/.test(message);
}

/**
 * Field names across the scenario schema, for "did you mean" hints on typos: collected from the
 * schema itself, which is built from the agent and game registries, so a new agent type's or
 * game's fields are suggested without a list to keep.
 */
export const KNOWN_FIELDS: readonly string[] = [...fieldNames(Scenario, new Set())];

function fieldNames(schema: unknown, seen: Set<unknown>, out = new Set<string>()): Set<string> {
  if (!schema || typeof schema !== "object" || seen.has(schema)) return out;
  seen.add(schema);
  const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
  if (!def) return out;
  const shape = def.shape as Record<string, unknown> | undefined;
  if (shape) for (const [key, field] of Object.entries(shape)) {
    out.add(key);
    fieldNames(field, seen, out);
  }
  for (const k of ["innerType", "element", "valueType", "in", "out"]) fieldNames(def[k], seen, out);
  for (const k of ["options", "items"]) if (Array.isArray(def[k])) for (const o of def[k] as unknown[]) fieldNames(o, seen, out);
  return out;
}

/** The candidate a typo most likely meant, or null when none is close. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  // A prefix counts as close ("altruist" → "altruistic"); a different case alone too ("Competitive").
  if (best === null || best === word) return null;
  if (bestD <= (word.length <= 4 ? 1 : 2)) return best;
  const prefix = candidates.filter((c) => word.length >= 4 && c.toLowerCase().startsWith(word.toLowerCase()));
  return prefix.length === 1 ? prefix[0] : null;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

function valueAt(raw: unknown, path: readonly PathKey[]): unknown {
  let v = raw;
  for (const key of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<PathKey, unknown>)[key];
  }
  return v;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return `'${value}'`;
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}

function article(expected: string): string {
  const names: Record<string, string> = { array: "a list", object: "a mapping", number: "a number", string: "a string", boolean: "true or false", int: "an integer" };
  return names[expected] ?? expected;
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
