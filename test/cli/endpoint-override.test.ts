/**
 * A resume against a server that moved: `--endpoint NAME.FIELD=VALUE` changes one field of an
 * endpoint (validated like the scenario, recorded in the manifest, never a key), and
 * `--reload-endpoints` re-reads the scenario file's `endpoints:`. Bad overrides: exit 2, one line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyEndpointOverrides, parseEndpointOverrides } from "../../src/cli/endpoint-overrides.ts";
import { Endpoint } from "../../src/scenario/schema.ts";
import { hvae, outcomes, readLog } from "../support/hvae-process.ts";
import { startOpenAiServer, type FakeOpenAi } from "../support/openai-server.ts";

let tmp: string;
let server: FakeOpenAi;
let dead: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "hvae-endpoint-"));
  server = await startOpenAiServer();
  // A port nothing listens on any more: the run fails with "endpoint unusable".
  const gone = await startOpenAiServer();
  dead = gone.baseURL;
  await gone.stop();
});

afterAll(async () => {
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function scenario(name: string, baseURL: string): string {
  const path = join(tmp, `${name}.yaml`);
  writeFileSync(
    path,
    `name: ${name}
seed: 2
trials: 2
pairing: none
endpoints: { local: { baseURL: "${baseURL}", apiKeyEnv: HVAE_EP_KEY, maxRetries: 0, timeoutMs: 5000, free: true } }
agents:
  - { id: p, type: llm, value: prosocial, model: "local:m", prompts: { describe: false, goal: false } }
  - { id: c, type: llm, value: competitive, model: "local:m", prompts: { describe: false, goal: false } }
`,
  );
  return path;
}

const env = () => ({ HVAE_EP_KEY: "sk-test-endpoint-0000", HVAE_CACHE: join(tmp, "cache.sqlite") });
const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));

describe("--endpoint and --reload-endpoints", () => {
  it("a run against a dead server fails (exit 3); --resume --endpoint local.baseURL=… finishes it and the manifest says so", async () => {
    const path = scenario("moved", dead);
    const first = await hvae(["run", path, "--out", join(tmp, "runs"), "--quiet"], { env: env() });
    expect(first.code, first.stderr).toBe(3);
    expect(first.stderr).toContain("--endpoint NAME.baseURL=URL");
    const dir = first.last;
    expect(outcomes(readLog(dir))).toHaveLength(0);

    const again = await hvae(["run", "--resume", dir, "--quiet", "--endpoint", `local.baseURL=${server.baseURL}`], { env: env() });
    expect(again.code, again.stderr).toBe(0);
    expect(outcomes(readLog(dir))).toHaveLength(24);
    const m = manifest(dir);
    expect(m.status).toBe("completed");
    expect(m.segments.at(-1).endpointChanges).toEqual([`local.baseURL=${server.baseURL}`]);
    expect(m.scenario.endpoints.local.baseURL).toBe(server.baseURL);
    expect(JSON.stringify(m)).not.toContain("sk-test-endpoint");
  }, 120_000);

  it("--reload-endpoints re-reads the scenario file's endpoints for a resume", async () => {
    const path = scenario("reload", dead);
    const first = await hvae(["run", path, "--out", join(tmp, "runs"), "--quiet"], { env: env() });
    expect(first.code, first.stderr).toBe(3);
    // Without the flag the frozen endpoints are used: still failing.
    scenario("reload", server.baseURL);
    const frozen = await hvae(["run", "--resume", first.last, "--quiet"], { env: env() });
    expect(frozen.code).toBe(3);
    const again = await hvae(["run", "--resume", first.last, "--quiet", "--reload-endpoints"], { env: env() });
    expect(again.code, again.stderr).toBe(0);
    expect(outcomes(readLog(first.last))).toHaveLength(24);
    const m = manifest(first.last);
    expect(m.segments.at(-1).endpointsReloadedFrom).toBe(path);
    expect(m.scenario.endpoints.local.baseURL).toBe(server.baseURL);
  }, 120_000);

  it("refuses bad overrides with one line naming the flag, exit 2, never echoing a value", async () => {
    const path = scenario("bad", server.baseURL);
    const cases: [string[], RegExp][] = [
      [["--endpoint", "locl.baseURL=http://127.0.0.1:1/v1"], /^hvae: --endpoint locl\.baseURL: the scenario has no endpoint 'locl' \(did you mean 'local'\?\); its endpoints: local\n$/],
      [["--endpoint", "local.baseUrl=http://127.0.0.1:1/v1"], /^hvae: --endpoint local\.baseUrl: unknown endpoint field \(did you mean 'baseURL'\?\)/],
      [["--endpoint", "local.baseURL=http://user:sk-secret-9999@127.0.0.1:1/v1"], /^hvae: --endpoint local\.baseURL: the URL holds credentials/],
      [["--endpoint", "local.apiKeyEnv=sk-proj-AbCdEf0123456789xyzXYZ"], /^hvae: --endpoint local\.apiKeyEnv: expected the name of an environment variable/],
      [["--endpoint", "local.timeoutMs=soon"], /^hvae: --endpoint local\.timeoutMs: /],
      [["--endpoint", "local.timeoutMs=3000000000"], /^hvae: --endpoint local\.timeoutMs: expected at most/],
      [["--endpoint", "baseURL"], /^hvae: --endpoint: expected NAME\.FIELD=VALUE/],
      [["--reload-endpoints"], /^hvae: --reload-endpoints goes with --resume/],
    ];
    for (const [flags, expected] of cases) {
      const r = await hvae(["run", path, "--out", join(tmp, "runs-bad"), ...flags], { env: env() });
      expect(r.code, flags.join(" ")).toBe(2);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr).not.toContain("sk-secret-9999");
      expect(r.stderr).not.toContain("AbCdEf0123456789");
    }
  }, 120_000);

  it("applyEndpointOverrides: numbers and booleans as in YAML, the entry revalidated", () => {
    const local = Endpoint.parse({ baseURL: "http://127.0.0.1:8000/v1" });
    const out = applyEndpointOverrides({ local }, parseEndpointOverrides(["local.timeoutMs=5000", "local.free=true", "local.baseURL=http://10.0.0.5:8000/v1"]));
    expect(out.local).toMatchObject({ timeoutMs: 5000, free: true, baseURL: "http://10.0.0.5:8000/v1", maxRetries: local.maxRetries });
    expect(() => applyEndpointOverrides({ local }, parseEndpointOverrides(["local.maxRetries=-1"]))).toThrow(/^--endpoint local\.maxRetries: /);
  });
});
