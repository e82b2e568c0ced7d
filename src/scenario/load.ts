/**
 * Reading a scenario file (YAML or JSON; a `.json` file is first checked as strict JSON, then read
 * by the YAML parser like YAML, so both get line numbers): parse, validate with the zod schema,
 * then the checks zod cannot make. Every problem found is reported at once, with its path and line.
 *
 * @example
 * const { scenario, dir } = await loadScenario("scenarios/demo.yaml");
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { InputError } from "../core/errors.ts";
import { parse } from "yaml";
import { isModulePath } from "../core/fields.ts";
import type { Game } from "../games/contract.ts";
import { agentModule } from "../../agents/registry.ts";
import { createGame, loadedGameModule, loadGameModule } from "../games/registry.ts";
import { modelRefProblem } from "../models/model-ref.ts";
import { issuesToProblems, problemAt, ScenarioError, yamlLocator, type Locator, type Problem } from "./errors.ts";
import { expandAgentsWithSource } from "./expand.ts";
import { jsonSyntaxError, lineColumn } from "../json-syntax.ts";
import { LIMITS, limitProblems } from "./limits.ts";
import { AgentEntry, agentSchemaFor, Scenario } from "./schema.ts";
import { expandSweep, isScenarioPath, type SweepCell } from "./sweep.ts";
import { ROUND_ROBIN_MAX_GROUP } from "../environment/schedule.ts";

export interface LoadedScenario {
  /** Parsed, defaults applied (for a swept file: the file without its sweep applied). */
  scenario: Scenario;
  /** The sweep's cells, each a validated scenario; null when the file has no `sweep:`. */
  cells: ScenarioCell[] | null;
  /** Absolute path of the file. */
  path: string;
  /** Its directory: custom agent module paths are relative to it. */
  dir: string;
}

/**
 * Checks beyond the scenario layer's own (e.g. an llm agent's template names, which the agents
 * layer knows): they see the raw input and report in the same pass as everything else.
 */
/** A check beyond the schema, on the raw scenario; `dir` is the scenario's folder (module paths resolve there). */
export type ExtraCheck = (raw: Record<string, unknown>, locator: Locator, dir: string) => Problem[];

export interface LoadOptions {
  readonly checks?: readonly ExtraCheck[];
}

/** Reads and validates a scenario file; throws ScenarioError listing every problem. */
export async function loadScenario(path: string, options: LoadOptions = {}): Promise<LoadedScenario> {
  const abs = resolve(path);
  let text: string;
  // A FIFO or a device would hang the read (or never end); a huge file would take long to say no.
  let size = 0;
  try {
    const st = statSync(abs);
    if (st.isDirectory()) throw new InputError(`${path}: a directory, not a scenario file`);
    if (!st.isFile()) throw new InputError(`${path}: ${st.isFIFO() ? "a FIFO" : st.isSocket() ? "a socket" : "a device"}, not a scenario file (expected a regular YAML or JSON file)`);
    size = st.size;
  } catch (err) {
    if (err instanceof InputError) throw err;
    // ENOENT and the like: reported by the read below.
  }
  if (size > LIMITS.fileBytes) throw new InputError(`${path}: ${size} bytes; a scenario file holds at most ${LIMITS.fileBytes} bytes`);
  try {
    text = await readFile(abs, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(code === "ENOENT" ? `scenario file not found: ${path}` : `cannot read scenario ${path}: ${(err as Error).message}`);
  }
  await preloadGameModule(text, abs);
  return { ...parseScenarioFile(text, abs, options), path: abs, dir: dirname(abs) };
}

/**
 * A scenario whose game is a module path: import the module first (validation itself is
 * synchronous and reads it from the registry). Any problem is reported by validation, with its line.
 */
async function preloadGameModule(text: string, abs: string): Promise<void> {
  let type: unknown;
  try {
    type = (parse(text) as { game?: { type?: unknown } } | null)?.game?.type;
  } catch {
    return;
  }
  if (typeof type === "string" && isModulePath(type)) await loadGameModule(type, dirname(abs)).catch(() => undefined);
}

/**
 * A game module's own schema checks the rest of `game:` (the scenario schema lets a module path's
 * fields through); the validated spec replaces what the scenario schema parsed.
 */
function gameModuleProblems(scenario: Scenario, rawGame: unknown, dir: string, locator: Locator | null): Problem[] {
  if (!isModulePath(scenario.game.type)) return [];
  const mod = loadedGameModule(scenario.game.type, dir);
  const at = ["game", "type"];
  if (mod === null) return [problemAt(locator, at, `game module not loaded: ${resolve(dir, scenario.game.type)} (validate with loadScenario)`)];
  if (mod instanceof InputError) return [problemAt(locator, at, mod.message)];
  const game = mod.schema.safeParse(rawGame);
  if (!game.success) return issuesToProblems(game.error.issues, { game: rawGame }, locator, ["game"]);
  scenario.game = { ...(game.data as object), type: scenario.game.type };
  return [];
}

/** One cell of a sweep: its factor values and its scenario. */
export interface ScenarioCell extends Omit<SweepCell, "raw"> {
  readonly scenario: Scenario;
}

/** Validates scenario text; throws ScenarioError listing every problem. */
export function parseScenarioText(text: string, fileName: string, options: LoadOptions = {}): Scenario {
  return parseScenarioFile(text, fileName, options).scenario;
}

/**
 * Validates scenario text and, when it has a `sweep:`, every cell of it (each message names its
 * cell). `fileName` names the file in messages (its base name) and anchors relative
 * custom-agent module paths (its directory).
 */
export function parseScenarioFile(text: string, fileName: string, options: LoadOptions = {}): { scenario: Scenario; cells: ScenarioCell[] | null } {
  const shown = basename(fileName);
  // Said plainly: YAML would read either as a scalar and report "expected a mapping".
  const whole = (message: string) => new ScenarioError(shown, [{ path: "", line: null, column: null, message }]);
  if (text.trim() === "") throw whole("the file is empty (expected scenario fields: name, agents, …)");
  if (/[\u0000\ufffd]/.test(text)) throw whole("not a text file (binary content; expected YAML or JSON)");
  if (/\.json$/i.test(fileName)) {
    const bad = jsonSyntaxError(text);
    if (bad) {
      throw new ScenarioError(shown, [{ path: "", ...lineColumn(text, bad.index), message: `JSON: ${bad.message}` }]);
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      shown,
      doc.errors.map((e) => {
        const at = lineCounter.linePos(e.pos[0]);
        return { path: "", line: at.line, column: at.col, message: `YAML: ${e.message.split("\n")[0]}` };
      }),
    );
  }
  const locator = yamlLocator(doc, lineCounter);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new ScenarioError(shown, [{ path: "", line: null, column: null, message: (err as Error).message }]);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ScenarioError(shown, [problemAt(locator, [], "expected a mapping of scenario fields (name, agents, …)")]);
  }
  const dir = dirname(resolve(fileName));
  const record = raw as Record<string, unknown>;
  const base = record.sweep !== undefined ? { ...record, sweep: {} } : record;
  const parsed = Scenario.safeParse(base);
  const schemaProblems = parsed.success ? [] : issuesToProblems(parsed.error.issues, base, locator);
  // Beyond the limits nothing is built (a plan that size would hang or exhaust memory): the
  // limit, and what the schema says, is all there is to report.
  const limits = limitProblems(base, locator);
  if (limits.length > 0) throw new ScenarioError(shown, byLine(dedupeProblems([...schemaProblems, ...limits])));
  const extra = (options.checks ?? []).flatMap((check) => check(base, locator, dir));
  // A swept game field applies to the game as written, or to the default game when none is.
  const sweep = expandSweep(parsed.success && record.game === undefined ? { ...record, game: parsed.data.game } : record, agentKnowsField);
  const sweepProblems = sweep.problems.map((p) => problemAt(locator, p.path, p.message));
  if (!parsed.success) {
    // Every problem in one pass: the relations between fields are checked on what the schema
    // accepted, field by field, even when other fields are wrong.
    const { scenario, invalid } = lenientScenario(base);
    const semantic = semanticProblems(scenario, dir, locator, invalid).filter(
      (p) => !schemaProblems.some((q) => p.path === q.path || p.path.startsWith(`${q.path}.`) || p.path.startsWith(`${q.path}[`)),
    );
    throw new ScenarioError(shown, byLine(dedupeProblems([...sweepProblems, ...schemaProblems, ...semantic, ...extra])));
  }
  const moduleProblems = gameModuleProblems(parsed.data, record.game, dir, locator);
  if (moduleProblems.length > 0) throw new ScenarioError(shown, byLine([...sweepProblems, ...moduleProblems, ...extra]));
  const problems = dedupeProblems([...sweepProblems, ...semanticProblems(parsed.data, dir, locator), ...extra]);
  if (problems.length > 0 || !sweep.cells) {
    if (problems.length > 0) throw new ScenarioError(shown, byLine(problems));
    return { scenario: parsed.data, cells: null };
  }
  // Each cell is checked as a scenario of its own; a problem the plain file has was said above.
  // The same problem from many cells (one bad value in a list) is said once, naming the cells.
  const cells: ScenarioCell[] = [];
  const grouped = new Map<string, { problem: Problem; cells: string[] }>();
  for (const cell of sweep.cells) {
    const cellLimits = limitProblems(cell.raw, locator);
    const checked = cellLimits.length > 0 ? null : Scenario.safeParse(cell.raw);
    const found = !checked
      ? cellLimits
      : checked.success
        ? [...gameModuleProblems(checked.data, (cell.raw as { game?: unknown }).game, dir, locator), ...semanticProblems(checked.data, dir, locator)]
        : issuesToProblems(checked.error.issues, cell.raw, locator);
    for (const p of found) {
      const placed = relocate(p, cell, sweep.cells, locator);
      const key = `${placed.line}:${placed.column}:${placed.path}:${placed.message}`;
      const group = grouped.get(key) ?? grouped.set(key, { problem: placed, cells: [] }).get(key)!;
      group.cells.push(cell.label ? `${cell.id} (${cell.label})` : cell.id);
    }
    if (checked?.success) {
      const { raw: _raw, ...rest } = cell;
      cells.push({ ...rest, scenario: checked.data });
    }
  }
  if (grouped.size > 0) {
    const problems = [...grouped.values()].map(({ problem, cells: names }) => ({
      ...problem,
      message: `${problem.message} (in ${names.length === 1 ? "cell" : `${names.length} cells:`} ${listIds(names)})`,
    }));
    throw new ScenarioError(shown, byLine(problems));
  }
  return { scenario: parsed.data, cells };
}

/** An agent path applies to the entries whose type has that field (a module agent: fields it already has). */
function agentKnowsField(entry: Record<string, unknown>, field: string): boolean {
  const schema = agentSchemaFor(entry) as { shape?: Record<string, unknown> } | null;
  if (schema?.shape && Object.hasOwn(schema.shape, field)) return !isModulePath(String(entry.type)) || Object.hasOwn(entry, field);
  return Object.hasOwn(entry, field);
}

/** A cell's problem about a swept field is placed at the value in the sweep list that caused it. */
function relocate(p: Problem, cell: SweepCell, all: readonly SweepCell[], locator: Locator | null): Problem {
  for (const [path, value] of Object.entries(cell.factors)) {
    const tail = isScenarioPath(path) ? path : `.${path}`;
    if (p.path === path || (p.path.startsWith("agents[") && p.path.endsWith(tail))) {
      const at = problemAt(locator, ["sweep", path, uniqueIndex(all.map((c) => c.factors[path]), value)], p.message);
      return { ...at, message: `${p.path}: ${p.message}` };
    }
  }
  return p;
}

function uniqueIndex(values: readonly unknown[], value: unknown): number {
  const distinct: string[] = [];
  for (const v of values) if (!distinct.includes(JSON.stringify(v))) distinct.push(JSON.stringify(v));
  return Math.max(0, distinct.indexOf(JSON.stringify(value)));
}

/** The same problem from two checks is said once. */
function dedupeProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * What the schema accepts of an invalid scenario, field by field: a wrong field takes its
 * default, a wrong agent entry keeps only its id (for the duplicate check). `invalid` names the
 * top-level fields that were wrong, so checks that depend on them are skipped.
 */
function lenientScenario(raw: Record<string, unknown>): { scenario: Scenario; invalid: Set<string> } {
  const invalid = new Set<string>();
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(Scenario.shape)) {
    if (key === "agents") continue;
    const r = (schema as { safeParse(v: unknown): { success: boolean; data?: unknown } }).safeParse(raw[key]);
    if (r.success) out[key] = r.data;
    else {
      invalid.add(key);
      const fallback = (schema as { safeParse(v: unknown): { success: boolean; data?: unknown } }).safeParse(undefined);
      out[key] = fallback.success ? fallback.data : key === "name" ? "scenario" : undefined;
    }
  }
  const agents = Array.isArray(raw.agents) ? raw.agents : [];
  out.agents = agents.map((entry) => {
    const r = AgentEntry.safeParse(entry);
    if (r.success) return r.data;
    const e = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    const count = typeof e.count === "number" && Number.isInteger(e.count) && e.count > 0 ? e.count : 1;
    // What the later checks read (model reference, module path, option), when of the right type.
    return {
      id: typeof e.id === "string" ? e.id : "",
      type: typeof e.type === "string" ? e.type : INVALID_ENTRY,
      value: 0,
      count,
      condition: null,
      ...(typeof e.model === "string" ? { model: e.model } : e.type === "llm" ? { model: "openai:gpt-4o-mini" } : {}),
      ...(typeof e.option === "number" ? { option: e.option } : e.type === "constant" ? { option: 1 } : {}),
    };
  });
  if (!Array.isArray(raw.agents)) invalid.add("agents");
  return { scenario: out as unknown as Scenario, invalid };
}

/** Marks an agent entry the schema refused (its problems are reported already). */
const INVALID_ENTRY = "\u0000invalid";

/** What the schema cannot see: relations between fields, and files the scenario names. */
export function semanticProblems(scenario: Scenario, dir: string, locator: Locator | null, invalid: ReadonlySet<string> = new Set()): Problem[] {
  const problems: Problem[] = [];
  const agents = expandAgentsWithSource(scenario);

  const firstEntry = new Map<string, number>();
  for (const { spec, entry } of agents) {
    if (spec.id === "" || /^-\d+$/.test(spec.id)) continue;
    const seen = firstEntry.get(spec.id);
    if (seen === undefined) firstEntry.set(spec.id, entry);
    else problems.push(problemAt(locator, ["agents", entry, "id"], `duplicate agent id '${spec.id}' (also from agents[${seen}])`));
  }

  let game: Game | null = null;
  try {
    if (!invalid.has("game")) game = createGame(scenario.game, dir);
  } catch (err) {
    problems.push(problemAt(locator, ["game"], err instanceof Error ? err.message : String(err)));
  }
  const k = game?.groupSize ?? 2;

  if (invalid.has("pairing") || invalid.has("pairs") || invalid.has("groups")) {
    // reported by the schema; relations between them are checked once they are right
  } else if (scenario.pairing === "fixed") {
    if (scenario.groups.length > 0) {
      if (scenario.pairs.length > 0) problems.push(problemAt(locator, ["pairs"], "list either groups or pairs, not both"));
      scenario.groups.forEach((g, i) => {
        if (g.length !== k) problems.push(problemAt(locator, ["groups", i], `expected ${k} agents (the group size of ${scenario.game.type}), got ${g.length}`));
        g.forEach((id, j) => {
          if (!firstEntry.has(id)) problems.push(problemAt(locator, ["groups", i, j], `unknown agent '${id}' (agents: ${listIds([...firstEntry.keys()])})`));
          if (g.indexOf(id) < j) problems.push(problemAt(locator, ["groups", i, j], `'${id}' is listed twice in this group`));
        });
        const key = [...g].sort().join("+");
        const first = scenario.groups.findIndex((p) => [...p].sort().join("+") === key);
        if (first < i) problems.push(problemAt(locator, ["groups", i], `the group ${g.join(", ")} is listed twice (also groups[${first}])`));
      });
    } else {
      if (scenario.pairs.length === 0) {
        problems.push(problemAt(locator, [k === 2 ? "pairs" : "groups"], k === 2 ? "pairing fixed needs at least one pair, e.g. pairs: [[alice, bob]]" : `pairing fixed needs groups of ${k}, e.g. groups: [[a, b, …]]`));
      } else if (k !== 2) {
        problems.push(problemAt(locator, ["pairs"], `pairs are for two-person games; ${scenario.game.type} plays in groups of ${k} (use groups:)`));
      }
      scenario.pairs.forEach((pair, i) => {
        pair.forEach((id, j) => {
          if (!firstEntry.has(id)) problems.push(problemAt(locator, ["pairs", i, j], `unknown agent '${id}' (agents: ${listIds([...firstEntry.keys()])})`));
        });
        if (pair[0] === pair[1]) problems.push(problemAt(locator, ["pairs", i], `an agent cannot be paired with itself ('${pair[0]}')`));
        const key = [...pair].sort().join("+");
        const first = scenario.pairs.findIndex((p) => [...p].sort().join("+") === key);
        if (first < i) problems.push(problemAt(locator, ["pairs", i], `the pair ${pair[0]}, ${pair[1]} is listed twice (also pairs[${first}])`));
      });
    }
  } else {
    if (scenario.pairs.length > 0) problems.push(problemAt(locator, ["pairs"], `pairs are only used with pairing: fixed (pairing is ${scenario.pairing})`));
    if (scenario.groups.length > 0) problems.push(problemAt(locator, ["groups"], `groups are only used with pairing: fixed (pairing is ${scenario.pairing})`));
  }
  if ((scenario.pairing === "round-robin" || scenario.pairing === "random") && agents.length < 2 && !invalid.has("agents")) {
    problems.push(problemAt(locator, ["pairing"], `${scenario.pairing} pairing needs at least 2 agents, got ${agents.length}`));
  } else if (scenario.pairing === "round-robin" && k > ROUND_ROBIN_MAX_GROUP) {
    problems.push(problemAt(locator, ["pairing"], `round-robin would play every group of ${k}, too many for groups larger than ${ROUND_ROBIN_MAX_GROUP}; use pairing: random (new random groups each trial) or fixed with groups`));
  } else if (scenario.pairing === "round-robin" && agents.length < k) {
    problems.push(problemAt(locator, ["pairing"], `round-robin needs at least ${k} agents for groups of ${k}, got ${agents.length}`));
  } else if (scenario.pairing === "random" && agents.length < k) {
    problems.push(problemAt(locator, ["pairing"], `random pairing needs at least ${k} agents for groups of ${k}, got ${agents.length}`));
  }
  if (scenario.pairing === "none" && game && !game.alone) {
    problems.push(problemAt(locator, ["pairing"], `${scenario.game.type} is played in groups of ${k} and cannot be played alone; use pairing: random, round-robin or fixed`));
  }

  // Positions 1…n exist on every move of a two-person item game; other games' moves vary with play.
  const fewestOptions = game && game.items.length > 0 ? Math.min(...game.items.map((item) => item.options.length)) : Infinity;
  const endpoints = Object.keys(scenario.endpoints);
  const check = { fewestOptions, endpoints, modelProblem: (ref: string) => (invalid.has("endpoints") ? null : modelRefProblem(ref, endpoints)) };
  scenario.agents.forEach((entry, i) => {
    const mod = agentModule(String(entry.type));
    let found: readonly (readonly [readonly (string | number)[], string])[] = [];
    try {
      found = mod?.check?.(entry as never, check) ?? [];
    } catch (err) {
      // An entry the schema refused (checked leniently) may lack what a check reads; its problems are said already.
      if (invalid.size === 0) throw err;
    }
    for (const [path, message] of found) problems.push(problemAt(locator, ["agents", i, ...path], message));
    const type = String(entry.type);
    if (type.startsWith(".") || isAbsolute(type)) {
      const file = resolve(dir, type);
      if (!existsSync(file)) problems.push(problemAt(locator, ["agents", i, "type"], `agent module not found: ${file}`));
    }
  });
  return problems;
}

/** File order reads best; problems without a place go last. */
function byLine(problems: Problem[]): Problem[] {
  const key = (p: Problem) => (p.line ?? Infinity) * 1e6 + (p.column ?? 0);
  return problems.slice().sort((a, b) => key(a) - key(b));
}

function listIds(ids: string[]): string {
  return ids.length <= 8 ? ids.join(", ") : `${ids.slice(0, 8).join(", ")}, … (${ids.length} in all)`;
}
