import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const hvae = (...args: string[]) => spawnSync(`${root}bin/hvae`, args, { cwd: root, encoding: "utf8", timeout: 20_000 });

describe("hvae validate", () => {
  it("prints a summary and exits 0 for the demo", () => {
    const r = hvae("validate", "scenarios/demo.yaml");
    expect(r.stderr).toBe("");
    // 8 agents round-robin: 28 pairs × 10 trials × 6 items × 2 members.
    expect(r.stdout).toBe("ok: demo — 8 agents, 3360 decisions planned\n");
    expect(r.status).toBe(0);
  });

  it("counts expanded agents and per-agent sessions", () => {
    // custom-game: 6 agents (3 + 3), random pairing → 3 pairs × 4 trials × 2 items × 2.
    expect(hvae("validate", "scenarios/examples/custom-game.yaml").stdout).toBe("ok: custom-game — 6 agents, 48 decisions planned\n");
    // dictator: 3 agents alone × 5 trials × 3 rounds.
    expect(hvae("validate", "scenarios/examples/dictator.yaml").stdout).toBe("ok: dictator — 3 agents, 45 decisions planned\n");
    // random with 3 agents: each trial one pair and one agent alone → 3 × 4 trials × 6 items.
    expect(hvae("validate", "test/fixtures/scenarios/random-odd.yaml").stdout).toBe("ok: random-odd — 3 agents, 72 decisions planned\n");
  });

  it("prints every problem with path and line, no stack, exit 2", () => {
    const r = hvae("validate", "test/fixtures/scenarios/unknown-field.yaml");
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "hvae: unknown-field.yaml:2:1 trails: unknown field (did you mean 'trials'?)\n" +
        "unknown-field.yaml:7:5 agents[0].betta: unknown field (did you mean 'beta'?)\n",
    );
  });

  it("checks an llm agent's replacement of a game's own template against that game's placeholders", () => {
    // The ultimatum game's `move` template is the game's, not one of the protocol's item templates.
    const dir = mkdtempSync(join(tmpdir(), "hvae-game-templates-"));
    const scenario = (move: string) =>
      [
        "name: u",
        "trials: 1",
        "game: { type: ultimatum, endowment: 100, step: 10 }",
        "pairing: random",
        "endpoints:",
        '  local: { baseURL: "http://127.0.0.1:9/v1", apiKeyEnv: null, free: true }',
        "agents:",
        `  - { id: a, type: llm, value: prosocial, model: "local:m", prompts: { templates: { move: "${move}" } } }`,
        '  - { id: b, type: llm, value: prosocial, model: "local:m" }',
        "",
      ].join("\n");
    writeFileSync(join(dir, "good.yaml"), scenario("Round {{round}} as {{role}}: {{options}}"));
    writeFileSync(join(dir, "bad.yaml"), scenario("{{stock}} {{options}}"));
    const good = hvae("validate", join(dir, "good.yaml"));
    expect(good.stderr).toBe("");
    expect(good.status).toBe(0);
    const bad = hvae("validate", join(dir, "bad.yaml"));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bad\.yaml:8:\d+ agents\[0\]\.prompts\.templates\.move: unknown placeholder \{\{stock\}\} for the ultimatum game \(allowed: \{\{role\}\}/);
  });

  it("exit 2 for a missing file and for no argument", () => {
    const missing = hvae("validate", "nope.yaml");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe("hvae: scenario file not found: nope.yaml\n");
    expect(hvae("validate").status).toBe(2);
  });
});

describe("hvae schema", () => {
  it("prints the input JSON Schema of a scenario", () => {
    const r = hvae("schema");
    expect(r.status).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema.type).toBe("object");
    expect(schema.required).toEqual(["name", "agents"]); // input side: fields with defaults are optional
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.pairing.enum).toEqual(["none", "round-robin", "random", "fixed"]);
    const agentTypes = schema.properties.agents.items.anyOf.map((b: { properties: { type: { const?: string } } }) => b.properties.type.const ?? "module");
    expect(agentTypes).toEqual(["utility", "logit", "random", "constant", "reciprocal", "inequality-averse", "llm", "module"]);
  });
});
