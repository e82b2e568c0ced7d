/**
 * The llm agent in games other than two-person items, through the real gateway and the local
 * server: the game's own templates are rendered (rules as the task, the move as the decision),
 * the responder of an ultimatum round sees the proposer's offer, a scenario may replace the
 * game's templates, and an unknown placeholder is rejected with its path.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLlmAgent } from "../../agents/llm/agent.ts";
import { createRng } from "../../src/core/random.ts";
import { playSession } from "../../src/environment/session.ts";
import { createGame } from "../../src/games/registry.ts";
import { createGateway } from "../../src/models/gateway.ts";
import type { ModelGateway } from "../../src/models/gateway-types.ts";
import { LlmAgent } from "../../src/scenario/schema.ts";
import { testGatewayOptions } from "../support/gateway-options.ts";
import { offeredLabels, startOpenAiServer, type FakeOpenAi } from "../support/openai-server.ts";

let server: FakeOpenAi;
let gateway: ModelGateway;
beforeAll(async () => {
  server = await startOpenAiServer();
  gateway = createGateway(testGatewayOptions(server.baseURL, { timeoutMs: 5_000, maxRetries: 1 }));
});
afterAll(async () => {
  await gateway.close();
  await server.stop();
});

const game = createGame({ type: "ultimatum", endowment: 10, step: 1, rounds: 1 } as never);

async function llm(id: string, templates: Record<string, string> = {}) {
  const spec = LlmAgent.parse({ id, type: "llm", value: "prosocial", model: "local:test-model", prompts: { describe: false, goal: false, templates } });
  return createLlmAgent(spec, { rng: createRng(1).derive("agent", id), gateway, scenario: { name: "t", feedback: true, pairing: "random" }, game });
}

describe("llm agents in an ultimatum game", () => {
  it("the responder's prompt contains the proposer's offer; the proposer's does not", async () => {
    // The proposer answers the fourth option shown (offer 3); the responder the first (accept).
    server.configure({
      respond: (req) => {
        const labels = offeredLabels(req.body);
        return { kind: "answer" as const, letter: labels.length > 2 ? labels[3] : labels[0] };
      },
    });
    const before = server.count();
    const out = await playSession({
      plan: { sessionId: "p+r#t0", agentIds: ["p", "r"], trial: 0 },
      game,
      state: game.start(createRng(1)),
      agents: [await llm("p"), await llm("r")],
      feedback: true,
      memory: [6, 6],
    });
    const made = out.events.filter((e) => e.type === "decision.made");
    expect(made.map((e) => [e.agentId, e.role, e.action])).toEqual([["p", "proposer", 3], ["r", "responder", "accept"]]);
    const [proposer, responder] = server.requests.slice(before).map((r) => r.body.messages.at(-1)!.content as string);
    expect(responder).toContain("offers you 3 of them, keeping 7");
    expect(responder).toContain("You are the responder");
    expect(proposer).toContain("You are the proposer");
    expect(proposer).not.toContain("offers you");
    // The game's rules are the task, not the two-person item text.
    expect(proposer).toContain("a proposer and a responder");
    expect(proposer).not.toContain("splits coins between you and the other participant");
    const settled = out.events.find((e) => e.type === "round.settled");
    expect(settled && "outcomes" in settled ? settled.outcomes.map((o) => o.received) : null).toEqual([7, 3]);
  });

  it("a scenario replaces the game's move template; an unknown placeholder names its path", async () => {
    server.configure({ respond: (req) => ({ kind: "answer" as const, letter: offeredLabels(req.body)[0] }) });
    const before = server.count();
    const r = await llm("r", { move: "OFFER={{offer}} {{options}}" });
    await playSession({
      plan: { sessionId: "p+r#t0", agentIds: ["p", "r"], trial: 0 },
      game,
      state: game.start(createRng(1)),
      agents: [await llm("p"), r],
      feedback: false,
      memory: [0, 0],
    });
    const responder = server.requests.slice(before).at(-1)!.body.messages.at(-1)!.content as string;
    expect(responder).toMatch(/OFFER=0 /);
    await expect(llm("x", { move: "{{stock}}" })).rejects.toThrow("agent x: prompts.templates.move: unknown placeholder {{stock}} for the ultimatum game");
    await expect(llm("x", { nonsense: "hi" })).rejects.toThrow(/agent x: prompts\.templates\.nonsense: unknown template/);
  });
});
