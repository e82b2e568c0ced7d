/**
 * The llm agent through the real gateway and ChatOpenAI against the local server: the
 * protocol's exact message structure, structured and text answers, repair, invalid answers,
 * feedback, caching of a whole trajectory, and the budget stop.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { Agent, Observation, RoundResult } from "../../agents/agent.ts";
import { createLlmAgent } from "../../agents/llm/agent.ts";
import { twoPersonObservation } from "../../src/environment/observation.ts";
import { createGateway } from "../../src/models/gateway.ts";
import { BudgetExhaustedError, isRunStop, RunStopError, type GatewayOptions, type ModelGateway } from "../../src/models/gateway-types.ts";
import { createRng } from "../../src/core/random.ts";
import { Endpoint, LlmAgent } from "../../src/scenario/schema.ts";
import { testGatewayOptions } from "../support/gateway-options.ts";
import { offeredLabels, startOpenAiServer, type FakeOpenAi, type RecordedRequest } from "../support/openai-server.ts";

let server: FakeOpenAi;
let dir: string;
beforeAll(async () => {
  server = await startOpenAiServer();
  dir = mkdtempSync(join(tmpdir(), "hvae-llm-"));
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => server.configure({}));

const open: ModelGateway[] = [];
afterEach(async () => {
  for (const g of open.splice(0)) await g.close();
});

function gateway(endpoint: Partial<z.input<typeof Endpoint>> = {}, over: Partial<GatewayOptions> = {}): ModelGateway {
  const g = createGateway(testGatewayOptions(server.baseURL, { timeoutMs: 1_000, maxRetries: 1, ...endpoint }, over));
  open.push(g);
  return g;
}

const ITEMS = [
  { id: "svo-1", self: [85, 85, 85, 85, 85, 85, 85, 85, 85], other: [85, 76, 68, 59, 50, 41, 33, 24, 15] },
  { id: "svo-2", self: [85, 87, 89, 91, 93, 94, 96, 98, 100], other: [15, 19, 24, 28, 33, 37, 41, 46, 50] },
  { id: "svo-3", self: [50, 54, 59, 63, 68, 72, 76, 81, 85], other: [100, 98, 96, 94, 93, 91, 89, 87, 85] },
];
const LABELS = ["A", "B", "C", "D", "E", "F", "G", "H", "I"];

function obs(round: number, over: Partial<Observation> = {}): Observation {
  const it = ITEMS[round];
  return twoPersonObservation({
    decisionId: `a#t0/r${round}/a`,
    sessionId: "a#t0",
    trial: 0,
    round,
    rounds: ITEMS.length,
    item: { id: it.id, options: it.self.map((s, k) => ({ label: LABELS[k], self: s, other: it.other[k] })) },
    partner: null,
    history: [],
    ...over,
  });
}

async function agent(g: ModelGateway, fields: Record<string, unknown> = {}, scenario = { name: "t", feedback: false, pairing: "none" }, seed = 1): Promise<Agent> {
  const spec = LlmAgent.parse({ id: "a", type: "llm", value: "competitive", model: "local:test-model", ...fields });
  const a = await createLlmAgent(spec, { rng: createRng(seed).derive("agent", "a", "a#t0"), gateway: g, scenario });
  a.reset?.("trajectory");
  return a;
}

const roles = (r: RecordedRequest) => r.body.messages.map((m) => m.role).join(",");
const last = (r: RecordedRequest) => r.body.messages.at(-1)!.content;
const since = (n: number) => server.requests.slice(n);

/** Describe → a persona, goal → a sentence, items → a letter chosen by `pick`. */
function scripted(pick: (labels: string[], req: RecordedRequest) => string) {
  return (req: RecordedRequest) => {
    const labels = offeredLabels(req.body);
    if (labels.length > 0) return { kind: "answer" as const, letter: pick(labels, req) };
    if (last(req).includes("one sentence")) return "Finish ahead of the other participant by as much as possible.";
    return "They want to win at any cost and measure success by beating others.";
  };
}

describe("protocol message structure", () => {
  it("describe → role + goal → one message per item, all in one growing conversation", async () => {
    server.configure({ respond: scripted((labels) => labels[2]) });
    const before = server.count();
    const a = await agent(gateway(), { prompts: { describe: true, goal: true } });
    const decisions = [];
    for (let r = 0; r < 3; r++) decisions.push(await a.decide(obs(r)));
    const reqs = since(before);
    expect(reqs.map(roles)).toEqual([
      "user",
      "user,assistant,user",
      "user,assistant,user,assistant,user",
      "user,assistant,user,assistant,user,assistant,user",
      "user,assistant,user,assistant,user,assistant,user,assistant,user",
    ]);
    expect(decisions).toEqual([0, 1, 2].map(() => ({ kind: "choice", index: 2, reason: "Option C fits me." })));

    const [describeReq, goalReq, item1, , item3] = reqs;
    expect(last(describeReq)).toContain("hyper-competitive");
    expect(describeReq.body.response_format).toBeUndefined();
    expect(last(goalReq)).toMatch(/^From now on you are the person you just described\./);
    expect(last(goalReq)).toContain("goal");
    expect(goalReq.body.messages[1].content).toBe("They want to win at any cost and measure success by beating others.");
    expect(last(item1)).toContain("A: you get 85, the other participant gets 85\nB: you get 85, the other participant gets 76");
    expect(last(item1)).toContain("I: you get 85, the other participant gets 15");
    expect(last(item1)).toContain("Keep your goal in mind: Finish ahead of the other participant by as much as possible.");
    expect(last(item1)).toContain("Decision 1 of 3");
    expect(item1.body.response_format?.json_schema?.schema).toMatchObject({ properties: { letter: { enum: LABELS } } });
    expect(item3.body.messages[5].content).toBe('{"letter":"C","reason":"Option C fits me."}');
    expect(last(item3)).toContain("Decision 3 of 3");
  });

  it("without description and goal steps: role, task and the neutral goal open the first item", async () => {
    const before = server.count();
    const a = await agent(gateway(), { value: "altruistic", prompts: { describe: false, goal: false } });
    await a.decide(obs(0));
    await a.decide(obs(1));
    const reqs = since(before);
    expect(reqs.map(roles)).toEqual(["user", "user,assistant,user"]);
    expect(last(reqs[0])).toMatch(/^From now on you are a person whose value system is altruistic\./);
    expect(last(reqs[0])).toContain("Your goal: Choose the option you prefer in each decision.");
    expect(last(reqs[0])).toContain("they make no decisions");
    expect(last(reqs[1])).not.toContain("From now on");
    expect(last(reqs[1])).toContain("Keep your goal in mind: Choose the option you prefer in each decision.");
  });

  it("phrases a numeric value as a weighting of own and other's coins", async () => {
    const before = server.count();
    const a = await agent(gateway(), { value: -30, prompts: { describe: true, goal: false } });
    await a.decide(obs(0));
    const text = last(since(before)[0]);
    expect(text).toContain("each coin they receive is worth 0.87 to them");
    expect(text).toContain("each coin another person receives is worth -0.50 to them");
    expect(text).toContain("counts against them");
  });

  it("custom templates replace the defaults by name; unknown names and placeholders are input errors", async () => {
    const before = server.count();
    const a = await agent(gateway(), { prompts: { describe: false, goal: false, templates: { goal_neutral: "Be yourself.", option: "[{{label}}] self={{self}} other={{other}}" } } });
    await a.decide(obs(0));
    expect(last(since(before)[0])).toContain("Your goal: Be yourself.");
    expect(last(since(before)[0])).toContain("[B] self=85 other=76");
    await expect(agent(gateway(), { prompts: { templates: { nope: "x" } } })).rejects.toThrow(/prompts\.templates\.nope: unknown template/);
    await expect(agent(gateway(), { prompts: { templates: { role: "You are {{who}}" } } })).rejects.toThrow(/unknown placeholder \{\{who\}\}/);
  });

  it("maps the letter to the presented position when options are shuffled", async () => {
    server.configure({ respond: scripted(() => "B") });
    const shuffled = obs(0);
    const reversed = { ...shuffled, item: { ...shuffled.item, options: [...shuffled.item.options].reverse().map((o, p) => ({ ...o, label: LABELS[p] })) } };
    const a = await agent(gateway(), { prompts: { describe: false, goal: false } });
    const d = await a.decide(reversed);
    expect(d).toMatchObject({ kind: "choice", index: 1 });
    expect(reversed.item.options[1]).toMatchObject({ self: 85, other: 24 });
  });
});

describe("answers", () => {
  it("text mode (agent or endpoint without structured output) reads one clear letter", async () => {
    server.configure({ respond: (req) => (offeredLabels(req.body).length ? "I choose option D, since it balances things." : "desc") });
    for (const [fields, endpoint] of [[{ structuredOutput: false }, {}], [{}, { structuredOutput: false }]] as const) {
      const before = server.count();
      const a = await agent(gateway(endpoint), { ...fields, prompts: { describe: false, goal: false } });
      expect(await a.decide(obs(0))).toEqual({ kind: "choice", index: 3, reason: "since it balances things." });
      const req = since(before)[0];
      expect(req.body.response_format).toBeUndefined();
      expect(last(req)).toContain('Begin your reply with the letter alone (A, B, C, D, E, F, G, H, I), for example "A"');
    }
  });

  it("one repair turn fixes an unclear answer", async () => {
    server.configure({ script: [{ kind: "answer", content: "Option A or option B, hard to say." }, { kind: "answer", content: "B" }] });
    const before = server.count();
    const a = await agent(gateway(), { structuredOutput: false, prompts: { describe: false, goal: false } });
    expect(await a.decide(obs(0))).toMatchObject({ kind: "choice", index: 1 });
    const reqs = since(before);
    expect(reqs.map(roles)).toEqual(["user", "user,assistant,user"]);
    expect(last(reqs[1])).toBe("I could not read your choice (names several options (A, B)). Reply with exactly one letter from A, B, C, D, E, F, G, H, I.");
  });

  it("an answer still unclear after the repair turn is invalid with both raw texts; the next item carries on", async () => {
    server.configure({ script: [{ kind: "answer", content: "Hard to say." }, { kind: "answer", content: "" }, { kind: "answer", content: "E" }] });
    const before = server.count();
    const a = await agent(gateway(), { structuredOutput: false, prompts: { describe: false, goal: false } });
    expect(await a.decide(obs(0))).toEqual({
      kind: "invalid",
      raw: "Hard to say.\n--- after repair ---\n",
      reason: "no valid option after one repair turn: empty answer",
    });
    expect(await a.decide(obs(1))).toMatchObject({ kind: "choice", index: 4 });
    expect(since(before).map(roles)).toEqual(["user", "user,assistant,user", "user,assistant,user,assistant,user"]);
  });

  it("a structured refusal gets the repair turn and is invalid if it persists", async () => {
    server.configure({ respond: () => ({ kind: "answer", content: null, refusal: "I won't do that." }) });
    const a = await agent(gateway(), { prompts: { describe: false, goal: false } });
    const d = await a.decide(obs(0));
    expect(d).toEqual({ kind: "invalid", raw: "[refusal] I won't do that.\n--- after repair ---\n[refusal] I won't do that.", reason: "no valid option after one repair turn: refused: I won't do that." });
  });

  it("malformed structured content is repaired; a letter outside the options is never used", async () => {
    server.configure({ script: [{ kind: "answer", content: '{"letter":"Z","reason":"x"}' }, { kind: "answer", content: '{"letter":"G","reason":"ok"}' }] });
    const a = await agent(gateway(), { prompts: { describe: false, goal: false } });
    expect(await a.decide(obs(0))).toEqual({ kind: "choice", index: 6, reason: "ok" });
  });

  it("a call that fails after retries is never a decision: the agent stops the session (a RunStopError, status failed)", async () => {
    server.configure({ script: [{ kind: "status", status: 500 }, { kind: "status", status: 500 }] });
    const a = await agent(gateway({ maxRetries: 1 }), { prompts: { describe: false, goal: false } });
    const err = await a.decide(obs(0)).then(
      (d) => d,
      (e: unknown) => e,
    );
    expect(isRunStop(err)).toBe(true);
    expect((err as RunStopError).runStop).toBe("failed");
    expect((err as Error).message).toMatch(/^endpoint 'local' .*kept failing after the retries: HTTP 500/);
  });

  it("BudgetExhaustedError propagates so the run can stop", async () => {
    const g = gateway({}, { prices: { "test-model": { input: 1, output: 1 } }, maxCostUsd: 0 });
    const a = await agent(g, { prompts: { describe: false, goal: false } });
    await expect(a.decide(obs(0))).rejects.toBeInstanceOf(BudgetExhaustedError);
  });
});

describe("among other agents", () => {
  const result = (round: number, own: string, partner: string | null): RoundResult => ({
    trial: 0,
    round,
    itemId: ITEMS[round].id,
    partnerId: "b",
    own: { option: 1, label: own, self: 85, other: 85 },
    partner: partner ? { option: 9, label: partner, self: 85, other: 15 } : null,
    received: 100,
    partnerReceived: 170,
  });

  it("knows it plays with another participant and hears each past round once", async () => {
    server.configure({ respond: scripted(() => "A") });
    const before = server.count();
    const a = await agent(gateway(), { prompts: { describe: false, goal: false } }, { name: "t", feedback: true, pairing: "round-robin" });
    const partner = { id: "b" };
    await a.decide(obs(0, { partner }));
    await a.decide(obs(1, { partner, history: [result(0, "A", "I")] }));
    await a.decide(obs(2, { partner, history: [result(0, "A", "I"), result(1, "A", null)] }));
    const [m0, m1, m2] = since(before).map(last);
    expect(m0).toContain("makes the same decision at the same time");
    expect(m0).toContain("you will learn what the other participant chose");
    expect(m0).not.toContain("previous decisions");
    expect(m1).toContain(
      "Decision 1: you chose A (85 for the chooser, 85 for the other); the other participant chose I (85 for the chooser, 15 for the other). You received 100 coins in total and the other participant received 170.",
    );
    expect(m2).not.toContain("Decision 1: you chose");
    expect(m2).toContain("Decision 2: you chose A (85 for the chooser, 85 for the other); the other participant chose no valid option.");
  });

  it("names the series of rounds remembered from an earlier trial with the same partner", async () => {
    server.configure({ respond: scripted(() => "A") });
    const before = server.count();
    const a = await agent(gateway(), { prompts: { describe: false, goal: false } }, { name: "t", feedback: true, pairing: "round-robin" });
    const partner = { id: "b" };
    const earlier = [{ ...result(1, "A", "I"), trial: 1 }, { ...result(2, "A", null), trial: 1 }];
    await a.decide(obs(0, { partner, trial: 2, history: earlier }));
    await a.decide(obs(1, { partner, trial: 2, history: [...earlier, { ...result(0, "A", "I"), trial: 2 }] }));
    const [m0, m1] = since(before).map(last);
    expect(m0).toContain("What happened in the previous decisions with the other participant:");
    expect(m0).toContain(
      "Earlier series 2, decision 2: you chose A (85 for the chooser, 85 for the other); the other participant chose I (85 for the chooser, 15 for the other). You received 100 coins in total and the other participant received 170.",
    );
    expect(m0).toContain("Earlier series 2, decision 3: you chose A (85 for the chooser, 85 for the other); the other participant chose no valid option.");
    expect(m1).not.toContain("Earlier series");
    expect(m1).toContain("Decision 1: you chose A");
  });
});

describe("reproducibility", () => {
  it("a re-run with the same seed is answered entirely from the cache; another seed draws new samples", async () => {
    const cachePath = join(dir, "agent.sqlite");
    server.configure({ respond: scripted((labels, req) => labels[req.index % labels.length]) });
    const play = async (seed: number) => {
      const g = gateway({}, { cachePath });
      const a = await agent(g, { prompts: { describe: true, goal: true } }, undefined, seed);
      const out = [];
      for (let r = 0; r < 3; r++) out.push(await a.decide(obs(r)));
      await g.close();
      return out;
    };
    const before = server.count();
    const first = await play(7);
    expect(server.count() - before).toBe(5);
    const again = await play(7);
    expect(server.count() - before).toBe(5);
    expect(again).toEqual(first);
    await play(8);
    expect(server.count() - before).toBe(10);
  });

  it("reset('trajectory') starts a fresh conversation with fresh sample indices", async () => {
    const cachePath = join(dir, "reset.sqlite");
    const before = server.count();
    const g = gateway({}, { cachePath });
    const a = await agent(g, { prompts: { describe: true, goal: false } });
    await a.decide(obs(0));
    a.reset?.("trajectory");
    await a.decide(obs(0));
    const reqs = since(before);
    expect(reqs.map(roles)).toEqual(["user", "user,assistant,user", "user", "user,assistant,user"]);
  });
});
