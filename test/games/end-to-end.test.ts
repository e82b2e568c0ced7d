/**
 * The new games end to end from the CLI, as a user runs them: `hvae validate` and `hvae run` on a
 * small scenario per game, checked against hand-derived choices and payoffs in the event log;
 * a user's game module plugged in from a scenario; the LLM ultimatum scenario against a local
 * OpenAI-compatible server (the responder's prompt carries the offer).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HvaeEvent } from "../../src/core/events.ts";
import { hvae, ROOT } from "../support/hvae-process.ts";
import { startOpenAiServer } from "../support/openai-server.ts";

type Ev = HvaeEvent & Record<string, unknown>;

async function run(scenario: string, file = "s.yaml", validate = false): Promise<Ev[]> {
  const dir = mkdtempSync(join(tmpdir(), "hvae-games-"));
  const path = join(dir, file);
  writeFileSync(path, scenario);
  return runFile(path, dir, validate);
}

/** `hvae run` (which validates first; `validate` also runs `hvae validate`), then the run's event log. */
async function runFile(path: string, dir = mkdtempSync(join(tmpdir(), "hvae-games-")), validate = false): Promise<Ev[]> {
  if (validate) {
    const v = await hvae(["validate", path]);
    expect(v.stderr).toBe("");
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^ok: /);
  }
  const r = await hvae(["run", path, "--quiet", "--no-cache", "--out", join(dir, "runs")], { timeoutMs: 120_000 });
  // LLM runs print the calls, tokens and cost on stderr; nothing else may appear there.
  expect(r.stderr.replace(/^hvae: model calls .*\n?/m, "")).toBe("");
  expect(r.code).toBe(0);
  const runDir = join(dir, "runs", readdirSync(join(dir, "runs"))[0]);
  return readFileSync(join(runDir, "events.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Ev);
}

const of = (events: Ev[], type: string) => events.filter((e) => e.type === type);
const received = (e: Ev) => (e.outcomes as { received: number }[]).map((o) => o.received);

describe("new games from the CLI", () => {
  it("public-goods: prosocial maximisers put in everything and receive 32 each", async () => {
    const events = await run(`
name: pg
trials: 1
game: { type: public-goods, groupSize: 4, endowment: 20, multiplier: 1.6, step: 5, rounds: 2 }
pairing: fixed
groups: [[a, b, c, d]]
feedback: true
agents:
  - { id: a, type: utility, value: prosocial }
  - { id: b, type: utility, value: altruistic }
  - { id: c, type: utility, value: prosocial }
  - { id: d, type: inequality-averse, value: prosocial, beta: 0.8 }
`, "s.yaml", true);
    const made = of(events, "decision.made");
    expect(made).toHaveLength(8);
    // round 1: d (Fehr–Schmidt, β 0.8) matches the believed 10 of the others; round 2 it matches their 20, 20, 20
    expect(made.filter((e) => e.round === 0).map((e) => [e.agentId, e.action])).toEqual([["a", 20], ["b", 20], ["c", 20], ["d", 10]]);
    expect(made.filter((e) => e.round === 1).map((e) => e.action)).toEqual([20, 20, 20, 20]);
    const settled = of(events, "round.settled");
    expect(received(settled[0])).toEqual([28, 28, 28, 38]); // pot 70 × 1.6 / 4 = 28
    expect(received(settled[1])).toEqual([32, 32, 32, 32]);
    expect(settled[0].facts).toEqual({ contributions: [20, 20, 20, 10], pot: 70, returned: 112 });
  });

  it("commons: competitors empty the lake in round 1 and the trial ends, with the stock in the log", async () => {
    const events = await run(`
name: cm
trials: 1
game: { type: commons, groupSize: 5, stock: 100, capacity: 100, collapseAt: 5, rounds: 12 }
pairing: fixed
groups: [[a, b, c, d, e]]
agents:
  - { id: a, type: utility, value: competitive }
  - { id: b, type: utility, value: competitive }
  - { id: c, type: utility, value: competitive }
  - { id: d, type: utility, value: competitive }
  - { id: e, type: utility, value: competitive }
`);
    expect(of(events, "decision.made").map((e) => e.action)).toEqual([20, 20, 20, 20, 20]);
    const settled = of(events, "round.settled");
    expect(settled).toHaveLength(1);
    expect(received(settled[0])).toEqual([20, 20, 20, 20, 20]);
    expect(settled[0].facts).toMatchObject({ stockBefore: 100, taken: 100, stockLeft: 0, stockAfter: 0, collapsed: true, roundsPlayed: 1 });
    const ended = of(events, "trial.ended");
    expect(ended).toHaveLength(1);
    expect(ended[0].reason).toBe("the stock collapsed in round 1: 0 left after taking 100, at or below the collapse level 5");
  });

  it("ultimatum: the responder observes the offer; an inequality-averse responder rejects an individualist's 0", async () => {
    const events = await run(`
name: ug
trials: 1
game: { type: ultimatum, endowment: 100, step: 10, rounds: 2 }
pairing: fixed
groups: [[p, r]]
agents:
  - { id: p, type: utility, value: individualistic }
  - { id: r, type: inequality-averse, value: individualistic }
`);
    const made = of(events, "decision.made");
    // the proposer believes an individualist responder (accepts 0); the Fehr–Schmidt responder rejects 0
    expect(made.map((e) => [e.role, e.action])).toEqual([["proposer", 0], ["responder", "reject"], ["proposer", 0], ["responder", "reject"]]);
    expect(made[1].facts).toEqual({ round: 1, offer: 0 });
    expect(of(events, "round.settled").map(received)).toEqual([[0, 0], [0, 0]]);
  });

  it("trust: a prosocial investor sends everything; the trustee sees what arrived", async () => {
    const events = await run(`
name: tg
trials: 1
game: { type: trust, endowment: 10, multiplier: 3, step: 5, rounds: 1 }
pairing: fixed
groups: [[i, t]]
agents:
  - { id: i, type: utility, value: prosocial }
  - { id: t, type: utility, value: altruistic }
`);
    const made = of(events, "decision.made");
    expect(made.map((e) => [e.role, e.action])).toEqual([["investor", 10], ["trustee", 30]]);
    expect(made[1].facts).toEqual({ round: 1, sent: 10, received: 30 });
    expect(received(of(events, "round.settled")[0])).toEqual([30, 0]);
  });

  it("expression: a payoff formula authored in YAML", async () => {
    const events = await run(`
name: ex
trials: 1
game:
  type: expression
  groupSize: 3
  rounds: 1
  actions: [0, 1, 2]
  payoff: "bonus - action + sum(others)"
  params: { bonus: 10 }
pairing: fixed
groups: [[a, b, c]]
agents:
  - { id: a, type: utility, value: individualistic }
  - { id: b, type: utility, value: prosocial }
  - { id: c, type: utility, value: prosocial }
`);
    expect(of(events, "decision.made").map((e) => e.action)).toEqual([0, 2, 2]);
    // a: 10 − 0 + 4 = 14; b and c: 10 − 2 + 2 = 10
    expect(received(of(events, "round.settled")[0])).toEqual([14, 10, 10]);
  });

  it("a bad game field is reported with file, line and path, exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hvae-games-"));
    const path = join(dir, "bad.yaml");
    writeFileSync(path, "name: bad\ngame:\n  type: expression\n  actions: [0, 1]\n  payoff: \"action * bonus\"\nagents:\n  - { id: a, type: random, value: 0 }\n");
    const r = await hvae(["validate", path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("bad.yaml:5:11 game.payoff: unknown symbol 'bonus' (known: action, actions, others, n, round, pi, e)");
  });

  it("a user's game module is plugged in from a scenario (scenarios/examples/stag-hunt.yaml)", async () => {
    const events = await runFile(join(ROOT, "scenarios/examples/stag-hunt.yaml"), undefined, true);
    const start = of(events, "run.started")[0];
    expect(start).toMatchObject({ groupSize: 4, turns: "simultaneous" });
    const made = of(events, "decision.made");
    expect(made.length).toBeGreaterThan(0);
    expect(new Set(made.map((e) => e.action))).toEqual(new Set(["hare", "stag"].filter((a) => made.some((e) => e.action === a))));
    for (const s of of(events, "round.settled")) {
      const pays = received(s);
      expect(pays.every((x) => x === 0 || x === 3 || x === 5)).toBe(true);
      expect(s.facts).toHaveProperty("stagHunters");
    }
  });

  it("the LLM ultimatum scenario runs against a local OpenAI-compatible server; responders are told the offer", async () => {
    const server = await startOpenAiServer({ respond: () => ({ kind: "answer", letter: "B" }) });
    try {
      const text = readFileSync(join(ROOT, "scenarios/ultimatum-llm.yaml"), "utf8").replace("baseURL: http://127.0.0.1:8080/v1", `baseURL: ${server.baseURL}`);
      expect(text).toContain(server.baseURL);
      const events = await run(text.replace("trials: 6 ", "trials: 1 "), "ultimatum-llm.yaml");
      const made = of(events, "decision.made");
      expect(made).toHaveLength(12); // 2 pairs × 3 rounds × 2 moves
      // "B": the second offer (10) from proposers, "reject" from responders
      expect(new Set(made.map((e) => `${e.role}:${e.action}`))).toEqual(new Set(["proposer:10", "responder:reject"]));
      const asks = server.requests.map((q) => q.body.messages.at(-1)!.content).filter((c) => c.includes("Do you accept or reject the offer?"));
      expect(asks.length).toBe(6);
      for (const a of asks) {
        expect(a).toContain("offers you 10 of them, keeping 90");
        expect(a).toContain("A: accept: you get 10, the proposer keeps 90");
      }
    } finally {
      await server.stop();
    }
  });
});
