/**
 * Command-line flags: every problem is one line naming the flag (a suggestion for a misspelt one),
 * then the usage, exit 2, never parseArgs' raw text; a negative number is a flag's value.
 */
import { describe, expect, it } from "vitest";
import { intFlag, numberFlag, parseFlags, suggestFlag } from "../../src/cli/args.ts";
import { hvae } from "../support/hvae-process.ts";

const FLAGS = {
  "max-cost": { type: "string" },
  "max-concurrency": { type: "string" },
  quiet: { type: "boolean" },
  resume: { type: "string" },
  "live-metrics": { type: "boolean" },
  out: { type: "string" },
} as const;

const problem = (argv: string[]) => {
  try {
    parseFlags(argv, FLAGS, "hvae run <scenario>");
    return null;
  } catch (err) {
    return (err as Error).message;
  }
};

describe("parseFlags", () => {
  it("suggests the closest known flag for a misspelt one", () => {
    expect(problem(["--max-cots", "3"])).toBe("unknown option '--max-cots' (did you mean --max-cost?)\nusage: hvae run <scenario>");
    expect(problem(["--reume", "x"])).toMatch(/^unknown option '--reume' \(did you mean --resume\?\)/);
    expect(problem(["--live-metric"])).toMatch(/did you mean --live-metrics\?/);
    expect(problem(["--Quiet"])).toMatch(/did you mean --quiet\?/);
    expect(problem(["--max-concurency=2"])).toMatch(/^unknown option '--max-concurency' \(did you mean --max-concurrency\?\)/);
    // Nothing close: no guess.
    expect(problem(["--colour"])).toMatch(/^unknown option '--colour'\nusage/);
    expect(problem(["-x"])).toMatch(/^unknown option '-x'\nusage/);
  });

  it("names the flag for a missing value or a value given to a switch", () => {
    expect(problem(["--max-cost"])).toMatch(/^--max-cost needs a value\nusage/);
    expect(problem(["--out", "--quiet"])).toMatch(/^--out needs a value, got the option '--quiet' \(to pass a value starting with '-', write --out=--quiet\)/);
    expect(problem(["--quiet=yes"])).toMatch(/^--quiet is a switch and takes no value \(got 'yes'\)/);
  });

  it("takes a negative number after a flag as its value, not as a flag", () => {
    expect(parseFlags(["--max-cost", "-1", "a.yaml"], FLAGS, "u").values["max-cost"]).toBe("-1");
    expect(parseFlags(["--max-cost", "-.5"], FLAGS, "u").values["max-cost"]).toBe("-.5");
    expect(parseFlags(["--", "--max-cost", "-1"], FLAGS, "u").positionals).toEqual(["--max-cost", "-1"]);
  });

  it("numbers are plain decimals", () => {
    expect(numberFlag("max-cost", "2.5")).toBe(2.5);
    expect(numberFlag("max-cost", "1e-3")).toBe(0.001);
    for (const bad of ["", " ", "abc", "0x10", "Infinity", "1,5"]) expect(() => numberFlag("max-cost", bad)).toThrow(`--max-cost: expected a number, got '${bad}'`);
    expect(intFlag("seed", "-3")).toBe(-3);
    for (const bad of ["1.5", "", "1e30"]) expect(() => intFlag("seed", bad)).toThrow(`--seed: expected an integer, got '${bad}'`);
  });

  it("suggestFlag: a unique prefix or a near spelling", () => {
    expect(suggestFlag("--max-co", FLAGS)).toBe("--max-cost"); // two flags start so; the nearer wins
    expect(suggestFlag("--live", FLAGS)).toBe("--live-metrics");
    expect(suggestFlag("--ot", FLAGS)).toBe("--out");
    expect(suggestFlag("--h", FLAGS)).toBe(null);
  });
});

describe("hvae run flags", () => {
  it("a misspelt flag and a negative budget: one clear line each, exit 2", async () => {
    const typo = await hvae(["run", "scenarios/demo.yaml", "--max-cots", "3"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr.split("\n")[0]).toBe("hvae: unknown option '--max-cots' (did you mean --max-cost?)");
    expect(typo.stderr).toMatch(/\nusage: hvae run/);
    const negative = await hvae(["run", "scenarios/demo.yaml", "--max-cost", "-1"]);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toBe("hvae: --max-cost: expected a non-negative amount, got -1\n");
    const word = await hvae(["run", "scenarios/demo.yaml", "--max-concurrency", "two"]);
    expect(word.code).toBe(2);
    expect(word.stderr).toBe("hvae: --max-concurrency: expected an integer, got 'two'\n");
    const analyze = await hvae(["analyze", "runs/x", "--jsn"]);
    expect(analyze.code).toBe(2);
    expect(analyze.stderr.split("\n")[0]).toBe("hvae: unknown option '--jsn' (did you mean --json?)");
  });
});
