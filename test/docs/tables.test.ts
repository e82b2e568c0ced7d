// The README's game and agent tables are generated from the registries (npm run docs:tables):
// this fails when a registered type is missing from the README or the README was edited by hand.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AGENT_MODULES } from "../../agents/registry.ts";
import { GAME_MODULES } from "../../src/games/registry.ts";
import { withTables } from "../../scripts/docs-tables.ts";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README tables", () => {
  it("are what npm run docs:tables writes from the registries", () => {
    expect(withTables(readme)).toBe(readme);
  });
  it("name every registered game and agent type", () => {
    for (const m of [...GAME_MODULES, ...AGENT_MODULES]) expect(readme).toContain(`| \`${m.type}\` | `);
  });
});
