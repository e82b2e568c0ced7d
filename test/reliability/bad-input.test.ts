/**
 * Bad input: malformed scenario files, answer files, run directories and event logs given to
 * `hvae validate`, `run`, `run --resume`, `score` and `analyze`. Each one exits with code 2 and
 * a short message that names the problem (file, line or field), never a stack trace, and a
 * failed `run` writes no run directory.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hvae, mapLimit, type HvaeResult } from "../support/hvae-process.ts";

const FIXTURES = join(import.meta.dirname, "fixtures");
const RUNS = join(FIXTURES, "runs");

interface Case {
  /** Command line after `hvae`; `@` stands for the fixture directory, `%` for a scratch copy of fixtures/runs. */
  args: string[];
  /** What the message must say. */
  says: RegExp;
  /** Most messages are one line; a few list several problems. */
  maxLines?: number;
}

const scenarioProblems: [file: string, says: RegExp, maxLines?: number][] = [
  ["yaml-syntax.yaml", /yaml-syntax\.yaml:4:\d+ YAML: Flow map/],
  ["yaml-tabs.yaml", /yaml-tabs\.yaml:3:1 YAML: Tabs are not allowed as indentation/, 2],
  ["yaml-duplicate-key.yaml", /yaml-duplicate-key\.yaml:3:1 YAML: Map keys must be unique/],
  ["json-syntax.json", /json-syntax\.json:1:94 JSON: unexpected token ']'/],
  ["json-trailing-comma.json", /json-trailing-comma\.json:4:1 JSON: expected double-quoted property name/],
  ["empty.yaml", /empty\.yaml.*the file is empty/],
  ["binary.yaml", /binary\.yaml.*not a text file/],
  ["top-level-list.yaml", /top-level-list\.yaml:1:1 expected a mapping of scenario fields/],
  ["top-level-scalar.yaml", /top-level-scalar\.yaml:1:1 expected a mapping of scenario fields/],
  ["wrong-type-trials.yaml", /:2:9 trials: expected a number, got 'ten'/],
  ["wrong-type-agents.yaml", /:2:9 agents: expected a list, got a mapping/],
  ["unknown-top-field.yaml", /:2:1 trails: unknown field \(did you mean 'trials'\?\)/],
  ["unknown-agent-field.yaml", /agents\[0\]\.temprature: unknown field \(did you mean 'temperature'\?\)/],
  ["unknown-agent-type.yaml", /agents\[0\]\.type: expected type utility, .* got 'robot'/],
  ["missing-module.yaml", /agents\[0\]\.type: agent module not found: .*not-there\.ts/],
  ["bad-endpoint-url.yaml", /endpoints\.local\.baseURL: Invalid URL, got 'not a url'/],
  ["bad-endpoint-field.yaml", /endpoints\.local\.timeout: unknown field \(did you mean 'timeoutMs'\?\)/],
  ["bad-endpoint-timeout.yaml", /endpoints\.local\.timeoutMs: expected a number > 0, got -5/],
  ["negative-count.yaml", /agents\[0\]\.count: expected a number > 0, got -3/],
  ["bad-value.yaml", /agents\[0\]\.value: expected altruistic, prosocial, individualistic, competitive or an angle/],
  ["bad-pairing.yaml", /pairing: expected none, round-robin, random or fixed, got 'triangles'/],
  ["fixed-unknown-agent.yaml", /pairs\[0\]\[1\]: unknown agent 'ghost' \(agents: a, b\)/],
  ["bad-game-items.yaml", /game\.items: expected primary or all, got 'everything'/],
  ["duplicate-ids.yaml", /agents\[1\]\.id: duplicate agent id 'a'/],
  ["unknown-endpoint.yaml", /:3:\d+ agents\[0\]\.model: model 'nowhere:m': unknown endpoint 'nowhere' \(known: openai[,;]/],
  ["typo-endpoint.yaml", /agents\[0\]\.model: .*unknown endpoint 'locl' \(did you mean 'local'\?/],
];

/** Problems only a run can see: the module's exports, the endpoint, the key in the environment. */
const runOnlyProblems: [file: string, says: RegExp][] = [
  ["module-no-factory.yaml", /no-export\.ts exports no agent factory/],
  ["missing-key-env.yaml", /HVAE_RELIABILITY_NO_SUCH_KEY, which is not set/],
];

const answerProblems: [file: string, says: RegExp][] = [
  ["answers-empty.csv", /answers-empty\.csv: the file is empty/],
  ["answers-binary.csv", /answers-binary\.csv: the header lacks the primary columns/],
  ["answers-semicolons.csv", /answers-semicolons\.csv: the header lacks the primary columns item1/],
  ["answers-missing-column.csv", /answers-missing-column\.csv: the header lacks the primary column item6/],
  ["answers-out-of-range.csv", /answers-out-of-range\.csv row 2, column item2: expected an option 1–9, got 12/],
  ["answers-text-cell.csv", /row 1, column item5: expected an option 1–9, got 'nine'/],
  ["answers-missing-primary.csv", /row 1, column item6: missing answer to a primary item/],
  ["answers-too-many-cells.csv", /row 1: 19 fields but the header names 16 columns/],
  ["answers-unclosed-quote.csv", /row 1: unterminated quote/],
  ["answers-not-array.json", /answers-not-array\.json: expected a JSON array of objects/],
  ["answers-json-syntax.json", /answers-json-syntax\.json:2:1: not valid JSON: the text ends early/],
  ["answers-json-bad-cell.json", /row 1, column item6: expected an option 1–9, got 'x'/],
];

const logProblems: [dir: string, says: RegExp][] = [
  ["no-events", /no-events: no events\.jsonl in this directory/],
  ["empty-log", /empty-log\/events\.jsonl: empty event log \(no run\.started event\)/],
  ["no-run-started", /no-run-started\/events\.jsonl: .*no run\.started event/],
  ["corrupt-middle", /corrupt-middle\/events\.jsonl line 10: not valid JSON/],
  ["binary-log", /binary-log\/events\.jsonl line 1: not valid JSON/],
  ["not-events", /not-events\/events\.jsonl line 1: type: /],
  ["wrong-event-field", /wrong-event-field\/events\.jsonl line 5: decisionId: .*expected string/],
];

const resumeProblems: [dir: string, says: RegExp][] = [
  ["no-manifest", /no-manifest\/manifest\.json: no manifest/],
  ["bad-manifest", /bad-manifest\/manifest\.json: not valid JSON/],
  ["manifest-bad-scenario", /manifest-bad-scenario\/manifest\.json: scenario: trials: /],
  ["corrupt-middle", /corrupt-middle\/events\.jsonl line 10: not valid JSON/],
  ["binary-log", /binary-log\/events\.jsonl line 1: not valid JSON/],
  ["not-events", /not-events\/events\.jsonl line 1: type: /],
  ["wrong-event-field", /wrong-event-field\/events\.jsonl line 5: decisionId: /],
];

const cases: Case[] = [
  ...scenarioProblems.map(([f, says, maxLines]) => ({ args: ["validate", `@/${f}`], says, maxLines })),
  // `run` shares the loader; a sample shows it stops there too, before writing anything.
  ...scenarioProblems.filter((_, i) => i % 4 === 0).map(([f, says, maxLines]) => ({ args: ["run", `@/${f}`], says, maxLines })),
  ...runOnlyProblems.map(([f, says]) => ({ args: ["run", `@/${f}`], says })),
  ...answerProblems.map(([f, says]) => ({ args: ["score", `@/${f}`], says })),
  ...logProblems.map(([d, says]) => ({ args: ["analyze", `@/runs/${d}`], says })),
  { args: ["analyze", "@/empty.yaml"], says: /empty\.yaml: not a directory \(expected a run directory\)/ },
  { args: ["analyze", "@/runs/no-such-run"], says: /no-such-run: no such run directory/ },
  // Resume may cut a torn tail off the log: it works on a scratch copy.
  ...resumeProblems.map(([d, says]) => ({ args: ["run", "--resume", `%/${d}`], says })),
];

let scratch: string;
let results: HvaeResult[];
const label = (c: Case) => c.args.join(" ").replace(/[@%]\//g, "");

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "hvae-bad-input-"));
  cpSync(RUNS, join(scratch, "runs"), { recursive: true });
  const out = join(scratch, "out");
  results = await mapLimit(cases, 4, (c) => {
    const args = c.args.map((a) => a.replace(/^@/, FIXTURES).replace(/^%/, join(scratch, "runs")));
    return hvae(args[0] === "run" && args[1] !== "--resume" ? [...args, "--out", out, "--quiet"] : args, {
      env: { HVAE_CACHE: join(scratch, "cache.sqlite") },
      timeoutMs: 60_000,
    });
  });
}, 170_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("bad input: exit 2, a short message naming the problem, no stack trace", () => {
  it(`covers at least 30 malformed files (${cases.length} invocations)`, () => {
    const files = new Set(cases.map((c) => c.args.at(-1)));
    expect(files.size).toBeGreaterThanOrEqual(30);
  });

  it.each(cases.map((c, i) => [label(c), i] as const))("%s", (_, i) => {
    const c = cases[i];
    const r = results[i];
    const lines = r.stderr.trimEnd().split("\n");
    expect(r.stderr, r.stdout).toMatch(c.says);
    expect(r.code, r.stderr).toBe(2);
    expect(lines[0]).toMatch(/^hvae: /);
    expect(lines.length, r.stderr).toBeLessThanOrEqual(c.maxLines ?? 2);
    expect(r.stderr).not.toMatch(/^\s+at |internal error|Error:|node:internal/m);
    expect(r.stdout).toBe("");
    if (c.args[0] === "run") expect(existsSync(join(scratch, "out"))).toBe(false);
  });
});
