/**
 * The README shows the table `npm start` prints: it must be what the demo prints today, digit
 * for digit (a change to scoring or the demo that moves a number must move the README too).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import "../support/isolated-cache.ts";
import { hvae, ROOT } from "../support/hvae-process.ts";

const out = mkdtempSync(join(tmpdir(), "hvae-readme-demo-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The first fenced block of the README that starts with the agents table's header. */
function readmeTable(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = readme.split("```").find((b) => b.replace(/^\w*\n/, "").startsWith("agent   type"));
  if (!block) throw new Error("README: no block with the demo's agent table");
  return block.replace(/^\w*\n/, "").trimEnd().split("\n").filter((l) => !l.startsWith("/path/to/"));
}

describe("README quick start", () => {
  it("shows the agent table the demo prints", async () => {
    const r = await hvae(["run", "scenarios/demo.yaml", "--out", out], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const printed = r.stdout.trimEnd().split("\n").slice(0, -1); // the last line is the run directory
    expect(printed).toEqual(readmeTable());
  }, 150_000);
});
