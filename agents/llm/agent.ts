/**
 * The `llm` agent: a language model behind the model gateway, induced with a value by the
 * paper's protocol (METHOD §5; see protocol.ts) and answering each item with an option letter.
 * A bad answer gets one repair turn, then becomes an invalid decision. A failed call is never
 * one: it stops the session as a RunStopError (budget spent, endpoint failed), which leaves the
 * session unrecorded for --resume.
 *
 * @example
 * const agent = await createLlmAgent(spec, { rng, gateway, scenario: { name, feedback: false, pairing: "none" } });
 * const decision = await agent.decide(obs); // { kind: "choice", index: 2, reason: "…" } or { kind: "invalid", … }
 */
import { InputError } from "../../src/core/errors.ts";
import { LlmSpec as LlmAgent } from "./schema.ts";
import {
  isRunStop,
  RunStopError,
  type ChatMessage,
  type ChatResult,
  type ModelGateway,
} from "../../src/models/gateway-types.ts";
import type { Agent, AgentFactory, Decision, Observation } from "../agent.ts";
import { resolveGameTemplates } from "../../src/games/prompt.ts";
import { resolveTemplates } from "../prompts/templates.ts";
import { choiceSchema, readStructured, readText, type Reading } from "./answer.ts";
import {
  commitItem,
  describeMessage,
  goalMessage,
  itemMessage,
  neutralPreamble,
  newConversation,
  repairMessage,
  startGame,
  type Conversation,
  type GamePrompts,
  type ProtocolSettings,
} from "./protocol.ts";

/** Calls per trajectory stay far below this, so sample indices of different trajectories never meet. */
const CALLS_PER_TRAJECTORY = 1000;

/** Option probabilities are part of a choice only when the model gave them. */
const withProbabilities = (p: number[] | null) => (p ? { probabilities: p } : {});

function isGateway(x: unknown): x is ModelGateway {
  return typeof x === "object" && x !== null && typeof (x as ModelGateway).chat === "function";
}

/** Built once: zod compiles a parser per schema object, and an agent is built for every session. */
const LlmSpec = LlmAgent.strip();

export const createLlmAgent: AgentFactory = (rawSpec, ctx) => {
  const parsed = LlmSpec.safeParse(rawSpec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`agent ${rawSpec.id}: ${issue.path.join(".")}: ${issue.message}`);
  }
  const spec = parsed.data;
  if (!isGateway(ctx.gateway)) throw new InputError(`agent ${spec.id}: llm agents need the model gateway (none was given)`);
  const gateway = ctx.gateway;
  const where = `agent ${spec.id}: prompts.templates`;
  const game = ctx.game && Object.keys(ctx.game.templates).length > 0 ? ctx.game : null;
  // A game's own template names go to the game; the rest are the protocol's (unknown names rejected there).
  const own = game ? Object.fromEntries(Object.entries(spec.prompts.templates).filter(([name]) => !Object.hasOwn(game.templates, name))) : spec.prompts.templates;
  let gamePrompts: GamePrompts | null = null;
  if (game) {
    let texts: Record<string, string>;
    try {
      texts = resolveGameTemplates(game, spec.prompts.templates, where);
    } catch (err) {
      throw new InputError(err instanceof Error ? err.message : String(err));
    }
    gamePrompts = {
      templates: texts,
      vars: (obs) =>
        game.promptVars(
          game.restore(obs.move.itemId, obs.move.role, obs.move.member, obs.move.facts),
          obs.move.options.map((o) => ({ label: o.label, option: { action: o.action, self: o.self, other: o.other, text: o.text } })),
        ),
    };
  }
  const settings: ProtocolSettings = {
    templates: resolveTemplates(own, where),
    game: gamePrompts,
    value: spec.value,
    describe: spec.prompts.describe,
    goal: spec.prompts.goal,
    // Asked per decision: an endpoint with structuredOutput: auto may fall back to text answers mid-run.
    get structured() {
      return spec.structuredOutput && (gateway.supportsStructuredOutput?.(spec.model) ?? true);
    },
    paired: ctx.scenario.pairing !== "none",
    feedback: ctx.scenario.feedback,
  };
  // Resolves the model now, so an unknown endpoint, a missing key or a bad gguf file fails at start, not mid-run.
  void settings.structured;
  const params = { temperature: spec.temperature, topP: spec.topP, seed: spec.seed, maxTokens: spec.maxTokens };
  // The context's generator is derived from the run seed, the agent and the session: the same
  // seed replays every call from the cache, another seed draws fresh samples.
  // Trajectories of one instance are numbered so a reused instance never repeats a sample.
  let trajectory = 0;
  let sampleBase = ctx.rng.derive("llm-samples", trajectory).seed * CALLS_PER_TRAJECTORY;
  let conv: Conversation = newConversation();

  async function call(messages: ChatMessage[], purpose: string, decisionId: string | null, schema: ReturnType<typeof choiceSchema> | null, labels: readonly string[] | null = null): Promise<ChatResult> {
    const sampleIndex = sampleBase + conv.calls++;
    return gateway.chat({
      model: spec.model,
      params,
      messages: messages.slice(),
      schema: schema ? { name: "choice", zod: schema } : null,
      sampleIndex,
      decisionId,
      agentId: spec.id,
      purpose,
      labels,
    });
  }

  /** Steps 1–3, once per trajectory. */
  async function prime(decisionId: string): Promise<void> {
    if (settings.describe && conv.messages.length === 0) {
      const ask: ChatMessage = { role: "user", content: describeMessage(settings) };
      const r = await call([ask], "describe", decisionId, null);
      conv.messages.push(ask, { role: "assistant", content: r.content });
    }
    if (settings.goal) {
      const ask: ChatMessage = { role: "user", content: goalMessage(settings, conv) };
      const r = await call([...conv.messages, ask], "goal", decisionId, null);
      conv.messages.push(ask, { role: "assistant", content: r.content });
      conv.goal = r.content.trim() || settings.templates.goal_neutral;
    } else {
      conv.goal = settings.templates.goal_neutral;
      conv.preamble = neutralPreamble(settings, conv);
    }
  }

  async function ask(obs: Observation, content: string, purpose: string, labels: string[], structured: boolean): Promise<{ reading: Reading; raw: string; probabilities: number[] | null }> {
    const schema = structured ? choiceSchema(labels) : null;
    const user: ChatMessage = { role: "user", content };
    const r = await call([...conv.messages, user], purpose, obs.decisionId, schema, labels);
    const reading = schema ? readStructured(r, labels) : readText(r.content, labels);
    const raw = r.refusal ? `[refusal] ${r.refusal}` : r.content;
    conv.messages.push(user, { role: "assistant", content: r.refusal ? r.refusal : r.content });
    const probabilities = r.probabilities ? labels.map((l) => r.probabilities![l]) : null;
    return { reading, raw, probabilities: probabilities?.every((p) => typeof p === "number") ? probabilities : null };
  }

  async function decide(obs: Observation): Promise<Decision> {
    const labels = obs.move.options.map((o) => o.label);
    try {
      startGame(settings, conv, obs);
      if (conv.goal === null) await prime(obs.decisionId);
      // One reading of the endpoint's structured-output state per decision: the instruction and the request agree.
      const structured = settings.structured;
      const item = itemMessage({ ...settings, structured }, conv, obs);
      const first = await ask(obs, item.text, "decide", labels, structured);
      commitItem(conv, item.told);
      if (first.reading.ok) return { kind: "choice", index: first.reading.index, reason: first.reading.reason, ...withProbabilities(first.probabilities) };
      const again = settings.structured;
      const second = await ask(obs, repairMessage(settings, obs, first.reading.problem), "repair", labels, again);
      if (second.reading.ok) return { kind: "choice", index: second.reading.index, reason: second.reading.reason, ...withProbabilities(second.probabilities) };
      return {
        kind: "invalid",
        raw: `${first.raw}\n--- after repair ---\n${second.raw}`,
        reason: `no valid option after one repair turn: ${second.reading.problem}`,
      };
    } catch (err) {
      if (isRunStop(err)) throw err;
      if (err instanceof InputError) throw err;
      // Only an answer can make a decision invalid: a call that failed is not one (the gateway
      // turns its own failures into RunStopErrors; this covers any other gateway).
      throw new RunStopError(`model call failed: ${err instanceof Error ? err.message : String(err)}`, "failed");
    }
  }

  const agent: Agent = {
    id: spec.id,
    decide,
    reset(scope) {
      if (scope !== "trajectory") return;
      conv = newConversation();
      sampleBase = ctx.rng.derive("llm-samples", ++trajectory).seed * CALLS_PER_TRAJECTORY;
    },
  };
  return agent;
};
