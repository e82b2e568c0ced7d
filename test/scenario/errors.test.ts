import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { loadScenario, parseScenarioText } from "../../src/scenario/load.ts";
import { ScenarioError, type Problem } from "../../src/scenario/errors.ts";
import { InputError } from "../../src/core/errors.ts";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/scenarios/${name}`, import.meta.url));

async function problemsOf(name: string): Promise<Problem[]> {
  try {
    await loadScenario(fixture(name));
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    expect(err).toBeInstanceOf(InputError);
    return (err as ScenarioError).problems;
  }
  throw new Error(`${name} loaded without problems`);
}

describe("scenario errors name the path and the line", () => {
  it("bad value", async () => {
    const problems = await problemsOf("bad-value.yaml");
    expect(problems).toEqual([
      {
        path: "agents[2].value",
        line: 11,
        column: 12,
        message: "expected altruistic, prosocial, individualistic, competitive or an angle in degrees",
      },
    ]);
  });

  it("bad value in a JSON file, with its line", async () => {
    const [p, ...rest] = await problemsOf("bad-agent-value.json");
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ path: "agents[1].value", line: 5 });
    expect(p.message).toBe("expected an angle in degrees from -180 to 180");
  });

  it("unknown agent type points at type, not at the whole entry", async () => {
    const problems = await problemsOf("unknown-type.yaml");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: "agents[1].type", line: 7, column: 11 });
    expect(problems[0].message).toMatch(/^expected type utility, logit, random, constant, reciprocal, inequality-averse, llm or a module path.*got 'genius'$/);
  });

  it("missing agents", async () => {
    const problems = await problemsOf("missing-agents.yaml");
    expect(problems).toEqual([{ path: "agents", line: 1, column: 1, message: "missing (required, expected a list)" }]);
  });

  it("empty agents list", async () => {
    const problems = await problemsOf("empty-agents.yaml");
    expect(problems).toEqual([{ path: "agents", line: 2, column: 9, message: "expected at least one agent" }]);
  });

  it("bad game type", async () => {
    const problems = await problemsOf("bad-game-type.yaml");
    expect(problems).toEqual([
      { path: "game.type", line: 3, column: 9, message: "expected svo-slider, dictator, custom, public-goods, commons, ultimatum, trust, expression or a module path like ./my-game.ts, got 'prisoners-dilemma'" },
    ]);
  });

  it("negative trials", async () => {
    const problems = await problemsOf("negative-trials.yaml");
    expect(problems).toEqual([{ path: "trials", line: 3, column: 9, message: "expected a number > 0, got -5" }]);
  });

  it("unknown fields at the top and inside an agent, with a did-you-mean", async () => {
    const problems = await problemsOf("unknown-field.yaml");
    expect(problems).toEqual([
      { path: "trails", line: 2, column: 1, message: "unknown field (did you mean 'trials'?)" },
      { path: "agents[0].betta", line: 7, column: 5, message: "unknown field (did you mean 'beta'?)" },
    ]);
  });

  it("duplicate ids after count expansion", async () => {
    const problems = await problemsOf("duplicate-ids.yaml");
    expect(problems).toEqual([
      { path: "agents[2].id", line: 10, column: 9, message: "duplicate agent id 'u-2' (also from agents[0])" },
    ]);
  });

  it("fixed pairs naming an unknown agent", async () => {
    const problems = await problemsOf("fixed-unknown-agent.yaml");
    expect(problems).toEqual([{ path: "pairs[1][1]", line: 5, column: 9, message: "unknown agent 'zed' (agents: a, b)" }]);
  });

  it("fixed pairs listed twice, in either order", () => {
    const text = "name: f\npairing: fixed\npairs:\n  - [a, b]\n  - [b, a]\nagents:\n  - { id: a, type: random, value: 0 }\n  - { id: b, type: random, value: 0 }\n";
    expect(() => parseScenarioText(text, "f.yaml")).toThrow("f.yaml:5:5 pairs[1]: the pair b, a is listed twice (also pairs[0])");
  });

  it("round-robin with one agent", async () => {
    const problems = await problemsOf("round-robin-one.yaml");
    expect(problems).toEqual([
      { path: "pairing", line: 2, column: 10, message: "round-robin pairing needs at least 2 agents, got 1" },
    ]);
  });

  it("constant option beyond the game's options", async () => {
    const problems = await problemsOf("constant-option.yaml");
    // endowment 10 in steps of 5: gifts 0, 5, 10 — three options.
    expect(problems).toEqual([
      { path: "agents[0].option", line: 10, column: 13, message: "option 4 is beyond the game's 3 options (positions 1–3)" },
    ]);
  });

  it("custom module that does not exist", async () => {
    const problems = await problemsOf("missing-module.yaml");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: "agents[0].type", line: 4, column: 11 });
    expect(problems[0].message).toBe(`agent module not found: ${fixture("modules/not-there.ts")}`);
  });

  it("YAML syntax errors carry a line", async () => {
    const problems = await problemsOf("syntax-error.yaml");
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0].line).toBeGreaterThanOrEqual(4);
    expect(problems[0].message).toMatch(/^YAML: /);
  });

  it("the message is one line per problem: file:line:col path: message", () => {
    const text = "name: two\ntrials: 0\nagents:\n  - { id: a, type: utility, value: nice }\n";
    expect(() => parseScenarioText(text, "/somewhere/two.yaml")).toThrow(
      "two.yaml:2:9 trials: expected a number > 0, got 0\n" +
        "two.yaml:4:36 agents[0].value: expected altruistic, prosocial, individualistic, competitive or an angle in degrees",
    );
  });

  it("a missing file is an InputError naming it", async () => {
    await expect(loadScenario("no/such/file.yaml")).rejects.toThrow("scenario file not found: no/such/file.yaml");
  });
});
