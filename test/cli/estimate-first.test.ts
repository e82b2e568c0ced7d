/**
 * `hvae run` shows the cost estimate first when a paid run would cost more than a threshold and
 * no --max-cost is set (--estimate-above / HVAE_ESTIMATE_ABOVE, default $1); the estimate is
 * `hvae plan`'s sampled dry play, bounded in time however large the plan.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planScenario } from "../../src/cli/commands/plan.ts";
import { loadScenario } from "../../src/scenario/load.ts";
import { hvae } from "../support/hvae-process.ts";
import { startOpenAiServer, type FakeOpenAi } from "../support/openai-server.ts";

let tmp: string;
let server: FakeOpenAi;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "hvae-estimate-"));
  server = await startOpenAiServer();
});
afterAll(async () => {
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const scenario = (trials: number, price: number) => {
  const path = join(tmp, `s-${trials}-${price}.yaml`);
  writeFileSync(
    path,
    `name: est
seed: 1
trials: ${trials}
pairing: none
endpoints: { local: { baseURL: "${server.baseURL}", apiKeyEnv: HVAE_EST_KEY, maxRetries: 0 } }
prices: { fake: { input: ${price}, output: ${price} } }
agents:
  - { id: p, type: llm, value: prosocial, model: "local:fake", prompts: { describe: false, goal: false } }
`,
  );
  return path;
};

const env = { HVAE_EST_KEY: "sk-test-est", HVAE_CACHE: "" };

describe("the estimate before a paid run", () => {
  it("is shown above the threshold without --max-cost, and not otherwise", async () => {
    const dear = scenario(1, 1000);
    const out = join(tmp, "runs");
    const shown = await hvae(["run", dear, "--out", out, "--quiet", "--no-cache"], { env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stderr).toMatch(/^hvae: this run is estimated to cost more than \$1 and no --max-cost is set/);
    expect(shown.stderr).toMatch(/hvae: {3}total +1 +6 +6 +\d+ +\d+ +\$\d+\.\d+/);
    expect(shown.stderr).toContain("hvae:   estimate: every cell is played through the real agents");

    for (const flags of [["--max-cost", "1000"], ["--estimate-above", "100000"]]) {
      const quiet = await hvae(["run", dear, "--out", out, "--quiet", "--no-cache", ...flags], { env });
      expect(quiet.code, quiet.stderr).toBe(0);
      expect(quiet.stderr).not.toContain("estimated to cost");
    }
    const viaEnv = await hvae(["run", dear, "--out", out, "--quiet", "--no-cache"], { env: { ...env, HVAE_ESTIMATE_ABOVE: "100000" } });
    expect(viaEnv.stderr).not.toContain("estimated to cost");
    const cheap = await hvae(["run", scenario(1, 0.001), "--out", out, "--quiet", "--no-cache"], { env });
    expect(cheap.stderr).not.toContain("estimated to cost");

    const bad = await hvae(["run", dear, "--out", out, "--estimate-above", "lots"], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("hvae: --estimate-above: expected a number, got 'lots'\n");
  }, 180_000);

  it("stays cheap on a large plan: a sample of the trials, scaled by sessions", async () => {
    const loaded = await loadScenario(scenario(20_000, 1));
    const started = performance.now();
    const plan = await planScenario(loaded);
    const seconds = (performance.now() - started) / 1000;
    expect(plan.total.decisions).toBe(120_000);
    expect(plan.total.calls).toBe(120_000); // one call per decision here, scaled exactly
    expect(plan.cells[0].simulatedSessions).toBeLessThan(200);
    expect(seconds).toBeLessThan(15);
  }, 60_000);
});
