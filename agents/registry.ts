/**
 * The agent registry: every built-in agent type is one {@link AgentModule} `{ type, summary,
 * schema, create }` listed here once; the scenario schema, `hvae schema`, validation suggestions
 * and the README's table are built from this list. A custom type is a module path in the scenario
 * (relative to the scenario file) whose module exports a factory `(spec, ctx) => Agent`; its extra
 * fields pass through to it. The LLM agent is imported only when a scenario uses it, so rule-based
 * runs never load LangChain.
 *
 * @example
 * const agent = await createAgent(spec, { rng, scenario: { name, feedback, pairing } }, loaded.dir);
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { InputError } from "../src/core/errors.ts";
import { isModulePath, MODULE_PATH } from "../src/core/fields.ts";
import type { Agent, AgentContext, AgentFactory, AgentModule, AgentSpec } from "./agent.ts";
import { COMMON_AGENT_FIELDS } from "./common.ts";
import { decideTimeout, guardAgent } from "./custom-guard.ts";
import { constantAgent } from "./constant.ts";
import { llmAgent } from "./llm/module.ts";
import { logitAgent } from "./logit.ts";
import { randomAgent } from "./random.ts";
import { reciprocalAgent } from "./reciprocal.ts";
import { utilityAgent } from "./utility.ts";
import { inequalityAverseAgent } from "./inequality-averse.ts";

/** The built-in agent types, in the order docs list them. Register a new built-in here (and only here). */
export const AGENT_MODULES = [utilityAgent, logitAgent, randomAgent, constantAgent, reciprocalAgent, inequalityAverseAgent, llmAgent] as const;

type SpecOf<M> = M extends AgentModule<infer S> ? S : never;
export type BuiltInAgentSpec = SpecOf<(typeof AGENT_MODULES)[number]>;

const BY_TYPE: ReadonlyMap<string, AgentModule> = new Map(AGENT_MODULES.map((m) => [m.type, m as unknown as AgentModule]));

export const AGENT_TYPE_MESSAGE = `expected type ${AGENT_MODULES.map((m) => m.type).join(", ")} or a module path like ./agents/my-agent.ts`;

/** A custom agent type loaded from a module path; any extra fields pass through to it. */
export const CustomAgentSpec = z
  .object({ ...COMMON_AGENT_FIELDS, type: z.string().regex(MODULE_PATH, AGENT_TYPE_MESSAGE) })
  .passthrough();
export type CustomAgentSpec = z.infer<typeof CustomAgentSpec>;

/** The built-in module of a type, or null. */
export function agentModule(type: string): AgentModule | null {
  return BY_TYPE.get(type) ?? null;
}

/**
 * The schema an agent entry means, chosen by its `type`, so errors can name the entry's real
 * problem instead of "matched no branch"; null when `type` itself is wrong.
 *
 * @example
 * agentSchemaFor({ type: "logit" }) === logitAgent.schema; // true
 */
export function agentSchemaFor(entry: unknown): z.ZodType | null {
  if (typeof entry !== "object" || entry === null) return null;
  const type = (entry as { type?: unknown }).type;
  if (typeof type !== "string") return null;
  return agentModule(type)?.schema ?? (isModulePath(type) ? CustomAgentSpec : null);
}

/** One agent entry of a scenario: a built-in type by name, or a module path. */
export const AgentEntry = z.union(
  [...AGENT_MODULES.map((m) => m.schema as z.ZodType<BuiltInAgentSpec>), CustomAgentSpec] as [z.ZodType<BuiltInAgentSpec>, typeof CustomAgentSpec],
  { error: AGENT_TYPE_MESSAGE },
) as z.ZodType<BuiltInAgentSpec | CustomAgentSpec>;
export type AgentEntry = BuiltInAgentSpec | CustomAgentSpec;

// Built-in specs are parsed per session; a parsed copy per expanded spec object is enough.
const parsedSpecs = new WeakMap<object, AgentSpec>();

/** How custom modules are loaded: what is allowed, what is told. */
export interface ModulePolicy {
  /** A custom agent broke its contract (never settled, returned no decision): the run stops. */
  readonly onFault?: (message: string) => void;
  /** Told of each module file before it is imported, with the SHA-256 of its content. */
  readonly onModule?: (file: string, sha256: string) => void;
  /**
   * Only these files, with this content, may be imported (a resume loads what the original run
   * loaded and nothing else); absent: any module the scenario names.
   */
  readonly allowed?: Readonly<Record<string, string>>;
}

export async function createAgent(spec: AgentSpec, ctx: AgentContext, scenarioDir: string, policy: ModulePolicy = {}): Promise<Agent> {
  const builtIn = agentModule(spec.type);
  if (builtIn) {
    let parsed = parsedSpecs.get(spec);
    if (!parsed) {
      // Specs come validated from the scenario; parsing again fills defaults for specs built in code.
      const result = builtIn.schema.safeParse(spec);
      if (!result.success) {
        const issue = result.error.issues[0];
        throw new InputError(`agent ${spec.id}: ${issue.path.join(".")}: ${issue.message}`);
      }
      parsedSpecs.set(spec, (parsed = result.data));
    }
    return builtIn.create(parsed, ctx);
  }
  if (!isModulePath(spec.type)) {
    throw new InputError(`agent ${spec.id}: unknown type '${spec.type}' (${AGENT_TYPE_MESSAGE})`);
  }
  const timeout = decideTimeout(spec);
  if (typeof timeout === "string") throw new InputError(timeout);
  const { factory, file } = await loadFactory(spec, scenarioDir, policy);
  let timer: NodeJS.Timeout | undefined;
  const made = await Promise.race([
    Promise.resolve().then(() => factory(spec, ctx)),
    new Promise<"timeout">((done) => (timer = setTimeout(() => done("timeout"), timeout))),
  ]).finally(() => clearTimeout(timer));
  if (made === "timeout") throw new InputError(`agent ${spec.id}: the factory in ${file} did not settle within ${timeout} ms (decideTimeoutMs)`);
  const agent: unknown = made;
  checkAgent(agent, spec);
  return guardAgent(agent, spec, file, timeout, { onFault: policy.onFault });
}

/** SHA-256 of a module file's content, as the manifest records it. */
export function moduleHash(file: string): string {
  let hash = hashes.get(file);
  if (!hash) hashes.set(file, (hash = createHash("sha256").update(readFileSync(file)).digest("hex")));
  return hash;
}

/** Hashed once per process: import() runs a file once too, so a later edit changes neither. */
const hashes = new Map<string, string>();

/** Module factories by absolute path: a population of 1,000 custom agents imports the file once. */
async function loadFactory(spec: AgentSpec, scenarioDir: string, policy: ModulePolicy): Promise<{ factory: AgentFactory; file: string }> {
  const file = resolve(scenarioDir, spec.type);
  if (!existsSync(file)) throw new InputError(`agent ${spec.id}: module not found: ${file}`);
  const hash = moduleHash(file);
  if (policy.allowed) {
    const expected = Object.hasOwn(policy.allowed, file) ? policy.allowed[file] : undefined;
    if (expected === undefined) throw new InputError(`agent ${spec.id}: module ${file} was not loaded by the original run (its manifest lists ${Object.keys(policy.allowed).join(", ") || "no modules"}); a resume loads only those`);
    if (expected !== hash) throw new InputError(`agent ${spec.id}: module ${file} changed since the original run (sha256 ${hash.slice(0, 12)}…, the manifest has ${expected.slice(0, 12)}…); restore it, or start a new run`);
  }
  policy.onModule?.(file, hash);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new InputError(`agent ${spec.id}: cannot load module ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const factory = typeof mod.createAgent === "function" ? mod.createAgent : mod.default;
  if (typeof factory !== "function") {
    throw new InputError(`agent ${spec.id}: module ${file} exports no agent factory (export createAgent or a default function (spec, ctx) => Agent)`);
  }
  return { factory: factory as AgentFactory, file };
}

function checkAgent(agent: unknown, spec: AgentSpec): asserts agent is Agent {
  const where = `agent ${spec.id}: the factory in ${spec.type}`;
  if (typeof agent !== "object" || agent === null) throw new InputError(`${where} returned ${agent === null ? "null" : typeof agent}, expected an object with id and decide`);
  const a = agent as Partial<Agent>;
  if (typeof a.id !== "string") throw new InputError(`${where} returned an agent without a string id`);
  if (a.id !== spec.id) throw new InputError(`${where} returned id '${a.id}', expected '${spec.id}' (use spec.id)`);
  if (typeof a.decide !== "function") throw new InputError(`${where} returned an agent without a decide(obs) function`);
  for (const hook of ["feedback", "reset"] as const) {
    if (a[hook] !== undefined && typeof a[hook] !== "function") throw new InputError(`${where}: ${hook} must be a function when present`);
  }
}
