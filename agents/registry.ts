/**
 * Turns an agent spec into an agent: the built-in types by name, a custom type by importing the
 * module the scenario names (relative to the scenario file). The LLM agent is imported only when a
 * scenario uses it, so rule-based runs never load LangChain.
 *
 * @example
 * const agent = await createAgent(spec, { rng, scenario: { name, feedback, pairing } }, loaded.dir);
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { InputError } from "../src/core/errors.ts";
import type { Agent, AgentContext, AgentFactory, AgentSpec } from "./agent.ts";
import { createConstantAgent } from "./constant.ts";
import { createLogitAgent } from "./logit.ts";
import { createRandomAgent } from "./random.ts";
import { createReciprocalAgent } from "./reciprocal.ts";
import { createUtilityAgent } from "./utility.ts";

const BUILT_IN: Record<string, AgentFactory> = {
  utility: createUtilityAgent,
  logit: createLogitAgent,
  random: createRandomAgent,
  constant: createConstantAgent,
  reciprocal: createReciprocalAgent,
};

/** Imported once: each dynamic import() goes through the module loader (and tsx's hooks thread) again. */
let llmModule: Promise<typeof import("./llm/agent.ts")> | null = null;

export async function createAgent(spec: AgentSpec, ctx: AgentContext, scenarioDir: string): Promise<Agent> {
  if (spec.type === "llm") {
    const { createLlmAgent } = await (llmModule ??= import("./llm/agent.ts"));
    return createLlmAgent(spec, ctx);
  }
  const builtIn = Object.hasOwn(BUILT_IN, spec.type) ? BUILT_IN[spec.type] : undefined;
  if (builtIn) return builtIn(spec, ctx);
  if (!(spec.type.startsWith("./") || spec.type.startsWith("../") || isAbsolute(spec.type))) {
    throw new InputError(`agent ${spec.id}: unknown type '${spec.type}' (expected utility, logit, random, constant, reciprocal, llm or a module path like ./my-agent.ts)`);
  }
  const factory = await loadFactory(spec, scenarioDir);
  const agent: unknown = await factory(spec, ctx);
  checkAgent(agent, spec);
  return agent;
}

/** Module factories by absolute path: a population of 1,000 custom agents imports the file once. */
async function loadFactory(spec: AgentSpec, scenarioDir: string): Promise<AgentFactory> {
  const file = resolve(scenarioDir, spec.type);
  if (!existsSync(file)) throw new InputError(`agent ${spec.id}: module not found: ${file}`);
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
  return factory as AgentFactory;
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
