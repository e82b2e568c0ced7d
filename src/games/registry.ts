/**
 * The game registry: every game type is one {@link GameModule} `{ type, summary, schema, create }`
 * listed here once. The scenario's `game:` schema, `hvae schema`, validation messages and the
 * README's game table are all built from this list. A user's game module plugs in the same way
 * from a module path (`game: { type: ./my-game.ts, … }`, relative to the scenario file): its
 * module exports a GameModule as `default` or `gameModule`, and its own schema validates the rest
 * of the `game:` fields.
 *
 * @example
 * const game = await loadGame(scenario.game, scenarioDir); // built-in or module
 * game.groupSize; // 2 on the slider
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { InputError } from "../core/errors.ts";
import { isModulePath, MODULE_PATH } from "../core/fields.ts";
import type { Game, GameModule } from "./contract.ts";
import { commons } from "./commons.ts";
import { custom } from "./custom.ts";
import { dictator } from "./dictator.ts";
import { expression } from "./expression.ts";
import { publicGoods } from "./public-goods.ts";
import { svoSlider } from "./svo-slider.ts";
import { trust } from "./trust.ts";
import { ultimatum } from "./ultimatum.ts";

/** The built-in game types, in the order docs list them. Register a new built-in here (and only here). */
export const GAME_MODULES = [svoSlider, dictator, custom, publicGoods, commons, ultimatum, trust, expression] as const;

type SpecOf<M> = M extends GameModule<infer S> ? S : never;
/** A validated built-in game spec. */
export type BuiltInGameSpec = SpecOf<(typeof GAME_MODULES)[number]>;
/** A game loaded from a module path: its own fields pass through to its schema. */
export interface ModuleGameSpec {
  readonly type: string;
  readonly [field: string]: unknown;
}
export type GameSpec = BuiltInGameSpec | ModuleGameSpec;

const BY_TYPE: ReadonlyMap<string, GameModule> = new Map(GAME_MODULES.map((m) => [m.type, m as unknown as GameModule]));

export const GAME_TYPE_MESSAGE = `expected ${orList(GAME_MODULES.map((m) => m.type))} or a module path like ./my-game.ts`;

/** A game module named by path: the module's schema checks its fields once it is loaded. */
export const ModuleGame = z.object({ type: z.string().regex(MODULE_PATH, GAME_TYPE_MESSAGE) }).passthrough();

/** The scenario's `game:` field: one of the built-ins by `type`, or a module path. */
export const GameField = z.union([...GAME_MODULES.map((m) => m.schema as z.ZodType<BuiltInGameSpec>), ModuleGame] as [
  z.ZodType<BuiltInGameSpec>,
  typeof ModuleGame,
], { error: GAME_TYPE_MESSAGE }) as z.ZodType<GameSpec>;

/** The built-in module of a type, or null (module paths and unknown types). */
export function gameModule(type: string): GameModule | null {
  return BY_TYPE.get(type) ?? null;
}

/**
 * The schema the `game:` entry means, chosen by its `type`, so errors name the entry's real
 * problem instead of "matched no branch"; null when `type` itself is wrong.
 */
export function gameSchemaFor(entry: unknown): z.ZodType | null {
  if (typeof entry !== "object" || entry === null) return null;
  const type = (entry as { type?: unknown }).type;
  if (typeof type !== "string") return null;
  return gameModule(type)?.schema ?? (isModulePath(type) ? ModuleGame : null);
}

// Built-in specs are parsed objects that never change after validation: compiled once per spec.
const compiled = new WeakMap<object, Game>();
// Imported game modules by absolute path (the module loader caches imports; this keeps the checked module).
const loaded = new Map<string, GameModule>();

/**
 * Compiles a validated spec: a built-in by type, or a module already loaded with {@link loadGame}
 * from `dir`. A spec once compiled (by loadGame or by validation) is found again without `dir`,
 * so everything that plans or plays a scenario's game shares one compiled Game.
 *
 * @example
 * createGame({ type: "dictator", endowment: 100, step: 10, rounds: 1, shuffleOptions: false }).rounds; // 1
 */
export function createGame(spec: GameSpec, dir?: string): Game {
  let game = compiled.get(spec);
  if (game) return game;
  const mod = gameModule(spec.type) ?? (dir !== undefined ? loaded.get(resolve(dir, spec.type)) : undefined);
  if (!mod) {
    throw new InputError(
      isModulePath(spec.type)
        ? `game.type: the game module ${spec.type} is not loaded (load it with loadGame(spec, scenarioDir))`
        : `game.type: ${GAME_TYPE_MESSAGE}, got '${spec.type}'`,
    );
  }
  game = mod.create(mod === gameModule(spec.type) ? spec : mod.schema.parse(spec));
  checkGame(game, spec.type);
  compiled.set(spec, game);
  return game;
}

/** Loads (for a module path) and compiles the scenario's game. */
export async function loadGame(spec: GameSpec, dir: string): Promise<Game> {
  if (isModulePath(spec.type)) await loadGameModule(spec.type, dir);
  return createGame(spec, dir);
}

/**
 * Imports a user's game module and checks its shape; InputError naming the file on any problem.
 *
 * @example
 * const mod = await loadGameModule("./games/coin-split.ts", "/path/to/scenarios");
 */
export async function loadGameModule(type: string, dir: string): Promise<GameModule> {
  const file = resolve(dir, type);
  const known = loaded.get(file);
  if (known) return known;
  try {
    return await importGameModule(type, file);
  } catch (err) {
    if (err instanceof InputError) failed.set(file, err);
    throw err;
  }
}

/**
 * What loading the game module at `type` (relative to `dir`) gave so far: the module, the error
 * that stopped it, or null when nobody has tried (validation reports it without awaiting).
 */
export function loadedGameModule(type: string, dir: string): GameModule | InputError | null {
  const file = resolve(dir, type);
  return loaded.get(file) ?? failed.get(file) ?? null;
}

const failed = new Map<string, InputError>();

async function importGameModule(type: string, file: string): Promise<GameModule> {
  if (!existsSync(file)) throw new InputError(`game module not found: ${file}`);
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new InputError(`cannot load game module ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const mod = (exports.gameModule ?? exports.default) as Partial<GameModule> | undefined;
  const where = `game module ${file}`;
  if (typeof mod !== "object" || mod === null) throw new InputError(`${where} exports no game (export default or gameModule: { type, summary, schema, create })`);
  if (typeof mod.create !== "function") throw new InputError(`${where}: create(spec) must be a function`);
  if (typeof mod.schema?.safeParse !== "function") throw new InputError(`${where}: schema must be a zod schema`);
  const checked: GameModule = { type, summary: typeof mod.summary === "string" ? mod.summary : "", schema: mod.schema, create: mod.create };
  loaded.set(file, checked);
  return checked;
}

const REQUIRED_FUNCTIONS = ["start", "stages", "move", "presentation", "settle", "outcomes", "restore", "promptVars"] as const;

/** A compiled game must keep the contract the engine relies on; a user's module gets a plain message. */
function checkGame(game: Game, type: string): void {
  const where = `game ${type}`;
  if (typeof game !== "object" || game === null) throw new InputError(`${where}: create returned ${String(game)}, expected a Game`);
  for (const f of REQUIRED_FUNCTIONS) {
    if (typeof game[f] !== "function") throw new InputError(`${where}: the game has no ${f}() function`);
  }
  if (!Number.isInteger(game.groupSize) || game.groupSize < 1) throw new InputError(`${where}: groupSize must be a positive integer, got ${String(game.groupSize)}`);
  if (!Number.isInteger(game.rounds) || game.rounds < 1) throw new InputError(`${where}: rounds must be a positive integer, got ${String(game.rounds)}`);
  if (game.turns !== "simultaneous" && game.turns !== "sequential") throw new InputError(`${where}: turns must be "simultaneous" or "sequential"`);
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")}, ${items[items.length - 1]}`;
}
