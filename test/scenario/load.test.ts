import { describe, expect, it } from "vitest";
import { KNOWN_ENDPOINTS } from "../../src/models/model-ref.ts";
import { fileURLToPath } from "node:url";
import { readdirSync } from "node:fs";
import { loadScenario, parseScenarioText } from "../../src/scenario/load.ts";
import { expandAgents } from "../../src/scenario/expand.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe("loadScenario", () => {
  it("loads the demo with defaults applied and its directory", async () => {
    const { scenario, path, dir } = await loadScenario(`${root}scenarios/demo.yaml`);
    expect(path).toBe(`${root}scenarios/demo.yaml`);
    expect(dir).toBe(`${root}scenarios`);
    expect(scenario.name).toBe("demo");
    expect(scenario.pairing).toBe("round-robin");
    expect(scenario.feedback).toBe(true);
    expect(scenario.game).toEqual({ type: "svo-slider", items: "primary", version: "A", shuffleItems: true, shuffleOptions: false });
    expect(scenario.maxConcurrency).toBe(16);
    const values = new Set(scenario.agents.map((a) => a.value));
    for (const v of ["altruistic", "prosocial", "individualistic", "competitive"]) expect(values.has(v as never)).toBe(true);
  });

  it("every shipped scenario validates", async () => {
    const files = ["demo.yaml", ...readdirSync(`${root}scenarios/examples`).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => `examples/${f}`)];
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) await expect(loadScenario(`${root}scenarios/${f}`)).resolves.toBeTruthy();
  });

  it("reads JSON as well as YAML", () => {
    const s = parseScenarioText('{"name": "j", "trials": 3, "agents": [{"id": "a", "type": "random", "value": -20}]}', "j.json");
    expect(s.trials).toBe(3);
    expect(s.agents[0]).toMatchObject({ id: "a", type: "random", value: -20, count: 1, condition: null });
  });

  it("keeps extra fields of custom agent entries for the module", () => {
    const s = parseScenarioText(
      "name: c\nagents:\n  - { id: t, type: ../agents/examples/tit-for-tat.ts, value: prosocial, threshold: 10 }\n",
      `${root}scenarios/c.yaml`,
    );
    expect(expandAgents(s)[0]).toMatchObject({ id: "t", threshold: 10, condition: "tit-for-tat" });
  });
});

describe("expandAgents", () => {
  it("applies count with numbered ids and keeps the other fields", () => {
    const s = parseScenarioText(
      "name: e\nagents:\n  - { id: u, type: logit, value: 30, beta: 2, count: 3 }\n  - { id: solo, type: constant, value: prosocial, option: 2, condition: biased }\n",
      "e.yaml",
    );
    const agents = expandAgents(s);
    expect(agents.map((a) => a.id)).toEqual(["u-1", "u-2", "u-3", "solo"]);
    // memory is a common agent field now (null: the scenario's window).
    expect(agents[1]).toEqual({ id: "u-2", type: "logit", value: 30, beta: 2, condition: "logit", memory: null });
    expect(agents[3]).toEqual({ id: "solo", type: "constant", value: "prosocial", option: 2, condition: "biased", memory: null });
    expect(agents.every((a) => !("count" in a))).toBe(true);
  });

  it("labels llm agents by their prompt condition", () => {
    const s = parseScenarioText(
      "name: l\nagents:\n  - { id: g, type: llm, value: prosocial, prompts: { goal: true } }\n  - { id: n, type: llm, value: prosocial }\n",
      "l.yaml",
    );
    expect(expandAgents(s).map((a) => a.condition)).toEqual(["goal", "no-goal"]);
  });
});

describe("the endpoint hint for a well-known provider", () => {
  it.each(Object.keys(KNOWN_ENDPOINTS))("%s: the message names an entry that, pasted, validates", (provider) => {
    const model = `${provider}:some-model`;
    const bare = `name: x\nagents:\n  - { id: a, type: llm, value: prosocial, model: "${model}" }\n`;
    let message = "";
    try {
      parseScenarioText(bare, "x.yaml");
    } catch (err) {
      message = (err as Error).message;
    }
    const entry = /e\.g\. (endpoints: \{ .* \})\)$/.exec(message)?.[1];
    expect(entry, message).toBeDefined();
    const fixed = parseScenarioText(`name: x\n${entry}\nagents:\n  - { id: a, type: llm, value: prosocial, model: "${model}" }\n`, "x.yaml");
    expect(Object.keys(fixed.endpoints)).toEqual([provider]);
  });
});
