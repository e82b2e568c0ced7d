/**
 * Sweeps: a scenario's `sweep:` maps a field path to a list of values, and the lists are crossed
 * into cells, one scenario each. A path names a scenario field (`game.<field>`, `feedback`,
 * `pairing`, `trials`, `seed`) or an agent field (`model`, `temperature`, `prompts.goal`,
 * `memory`, any agent option), which is set on every agent entry whose type has that field.
 * Expansion works on the raw parsed file, before validation, so each cell is validated by the
 * same schema as a plain scenario and every message can name its cell.
 *
 * @example
 * const { cells } = expandSweep({ name: "p", agents: [{ id: "a", type: "llm", value: "prosocial" }],
 *   sweep: { model: ["openai:gpt-4o-mini", "local:llama3.1:8b"], "prompts.goal": [true, false] } });
 * cells.length;      // 4
 * cells[1].factors;  // { model: "openai:gpt-4o-mini", "prompts.goal": false }
 */
import type { PathKey } from "./errors.ts";

/** More cells than this is a plan nobody means to pay for; refused with the count. */
export const MAX_CELLS = 10_000;

/** Scenario fields a sweep may vary (game.* may name any game field). */
const SCENARIO_FIELDS = new Set(["feedback", "pairing", "trials", "seed", "pairs", "groups", "maxConcurrency"]);

export type FactorValue = string | number | boolean | null;

export interface SweepCell {
  /** 0-based position in the crossing (the first factor varies slowest). */
  readonly index: number;
  /** "c01", "c02", …: short and sortable. */
  readonly id: string;
  /** The factor values of this cell, by path, in the order the sweep lists them. */
  readonly factors: Readonly<Record<string, FactorValue>>;
  /** "model=openai:gpt-4o-mini, prompts.goal=false": how messages and tables name the cell. */
  readonly label: string;
  /** The raw scenario of this cell (the sweep applied, `sweep` removed), to be validated. */
  readonly raw: Record<string, unknown>;
}

export interface SweepExpansion {
  /** null when the file has no `sweep:` (or an empty one). */
  readonly cells: SweepCell[] | null;
  /** Problems of the sweep itself (paths under `sweep`); cells are not built when there are any. */
  readonly problems: { path: PathKey[]; message: string }[];
}

/**
 * Decides which agent entries an agent path applies to: true when the entry's type knows the
 * field (`fieldOf(entry, "prompts")`). Passed in so this module needs no agent registry.
 */
export type AgentFieldTest = (entry: Record<string, unknown>, field: string) => boolean;

/** Crosses the sweep's lists into cells; `knows` says which agent entries have a field. */
export function expandSweep(raw: Record<string, unknown>, knows: AgentFieldTest = defaultKnows): SweepExpansion {
  const sweep = raw.sweep;
  if (sweep === undefined || sweep === null) return { cells: null, problems: [] };
  const problems: { path: PathKey[]; message: string }[] = [];
  if (typeof sweep !== "object" || Array.isArray(sweep)) {
    return { cells: null, problems: [{ path: ["sweep"], message: "expected a mapping from a field path to a list of values, e.g. sweep: { model: [a, b] }" }] };
  }
  const entries = Object.entries(sweep as Record<string, unknown>);
  if (entries.length === 0) return { cells: null, problems: [] };
  const agents = Array.isArray(raw.agents) ? (raw.agents as unknown[]) : [];
  const factors: { path: string; values: FactorValue[] }[] = [];
  for (const [path, values] of entries) {
    const where: PathKey[] = ["sweep", path];
    if (!Array.isArray(values)) {
      problems.push({ path: where, message: `expected a list of values, got ${describe(values)}` });
      continue;
    }
    if (values.length === 0) {
      problems.push({ path: where, message: "expected at least one value (an empty list would make no cells)" });
      continue;
    }
    const bad = values.findIndex((v) => !isFactorValue(v));
    if (bad >= 0) {
      problems.push({ path: [...where, bad], message: `expected a number, string, boolean or null, got ${describe(values[bad])}` });
      continue;
    }
    const seen = new Set(values.map((v) => JSON.stringify(v)));
    if (seen.size < values.length) {
      problems.push({ path: where, message: "lists a value twice (two cells would be the same)" });
      continue;
    }
    const problem = pathProblem(path, raw, agents, knows);
    if (problem) {
      problems.push({ path: where, message: problem });
      continue;
    }
    factors.push({ path, values: values as FactorValue[] });
  }
  if (problems.length > 0) return { cells: null, problems };
  const count = factors.reduce((n, f) => n * f.values.length, 1);
  if (count > MAX_CELLS) {
    return {
      cells: null,
      problems: [{ path: ["sweep"], message: `crosses into ${count.toLocaleString("en-US")} cells, more than the limit of ${MAX_CELLS.toLocaleString("en-US")}; sweep fewer values or run separate experiments` }],
    };
  }
  const width = String(count).length < 2 ? 2 : String(count).length;
  const cells: SweepCell[] = [];
  for (let index = 0; index < count; index++) {
    const values: Record<string, FactorValue> = {};
    let rest = index;
    // Mixed radix, last factor fastest: the cells read like nested loops in the order written.
    for (let f = factors.length - 1; f >= 0; f--) {
      const n = factors[f].values.length;
      values[factors[f].path] = factors[f].values[rest % n];
      rest = Math.floor(rest / n);
    }
    const ordered = Object.fromEntries(factors.map((f) => [f.path, values[f.path]]));
    cells.push({
      index,
      id: `c${String(index + 1).padStart(width, "0")}`,
      factors: ordered,
      label: factors.map((f) => `${f.path}=${formatValue(values[f.path])}`).join(", "),
      raw: applyFactors(raw, ordered, knows),
    });
  }
  return { cells, problems: [] };
}

/** A cell's factor value in words (strings bare, everything else as JSON). */
export function formatValue(v: FactorValue): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** True when the path names a scenario field rather than an agent field. */
export function isScenarioPath(path: string): boolean {
  const head = path.split(".")[0];
  return head === "game" || SCENARIO_FIELDS.has(head);
}

function pathProblem(path: string, raw: Record<string, unknown>, agents: unknown[], knows: AgentFieldTest): string | null {
  const keys = path.split(".");
  if (keys.some((k) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))) return `'${path}' is not a field path (fields joined by '.', e.g. prompts.goal)`;
  if (keys[0] === "sweep" || keys[0] === "agents" || keys[0] === "name" || keys[0] === "endpoints" || keys[0] === "prices") {
    return `'${keys[0]}' cannot be swept (sweep scenario fields such as game.*, feedback, pairing, trials, seed, or agent fields such as model, temperature, prompts.goal)`;
  }
  if (keys[0] === "game") return keys.length < 2 ? "sweep a field of the game (game.<field>), not the whole game" : null;
  if (SCENARIO_FIELDS.has(keys[0])) return keys.length === 1 ? null : `'${keys[0]}' has no fields to sweep`;
  const applies = agents.filter((a) => isRecord(a) && knows(a, keys[0]));
  if (applies.length === 0) {
    return `unknown path '${path}': no agent entry has a field '${keys[0]}' and it is not a scenario field (game.*, feedback, pairing, trials, seed)`;
  }
  return null;
}

/** The cell's raw scenario: a deep copy of the file with each factor set, and no `sweep`. */
function applyFactors(raw: Record<string, unknown>, factors: Readonly<Record<string, FactorValue>>, knows: AgentFieldTest): Record<string, unknown> {
  const out = structuredClone(raw);
  delete out.sweep;
  for (const [path, value] of Object.entries(factors)) {
    const keys = path.split(".");
    if (isScenarioPath(path)) {
      setPath(out, keys, value);
      continue;
    }
    for (const entry of out.agents as unknown[]) {
      if (isRecord(entry) && knows(entry, keys[0])) setPath(entry, keys, value);
    }
  }
  return out;
}

function setPath(target: Record<string, unknown>, keys: readonly string[], value: FactorValue): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (!isRecord(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/** Without a registry at hand: an entry knows a field it already has. */
function defaultKnows(entry: Record<string, unknown>, field: string): boolean {
  return Object.hasOwn(entry, field);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function isFactorValue(v: unknown): v is FactorValue {
  return v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}

