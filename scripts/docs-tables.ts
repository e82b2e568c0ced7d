/**
 * `npm run docs:tables`: writes the README's game-type and agent-type tables from the registries
 * (src/games/registry.ts, agents/registry.ts), between `<!-- generated:games -->` …
 * `<!-- /generated:games -->` and the same for `agents`. test/docs/tables.test.ts fails when the
 * README differs from what this script writes, so a new game or agent type cannot go undocumented.
 *
 * @example
 * // npm run docs:tables            rewrite README.md
 * // npx tsx scripts/docs-tables.ts --check   exit 1 when README.md is out of date
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { AGENT_MODULES } from "../agents/registry.ts";
import { COMMON_AGENT_FIELDS } from "../agents/common.ts";
import { GAME_MODULES } from "../src/games/registry.ts";

type Def = { type?: string; defaultValue?: unknown; innerType?: unknown; shape?: Record<string, unknown> };
const defOf = (schema: unknown): Def => ((schema as { _zod?: { def?: Def } })?._zod?.def ?? {}) as Def;

/** "`name` (default)" for each field of an object schema, skipping `skip`. */
function fields(schema: unknown, skip: ReadonlySet<string>): string {
  const shape = defOf(schema).shape ?? {};
  const out: string[] = [];
  for (const [name, field] of Object.entries(shape)) {
    if (skip.has(name)) continue;
    let d = defOf(field);
    let dflt: unknown = undefined;
    while (d.type === "default" || d.type === "optional" || d.type === "nullable" || d.type === "prefault") {
      if (d.type === "default" || d.type === "prefault") dflt = typeof d.defaultValue === "function" ? (d.defaultValue as () => unknown)() : d.defaultValue;
      d = defOf(d.innerType);
    }
    const shown = dflt === undefined ? "" : typeof dflt === "object" && dflt !== null ? "" : ` (${JSON.stringify(dflt)})`;
    out.push(`\`${name}\`${shown}`);
  }
  return out.length > 0 ? out.join(", ") : "—";
}

const cell = (s: string) => s.replace(/\|/g, "\\|");

export function gamesTable(): string {
  const rows = GAME_MODULES.map((m) => `| \`${m.type}\` | ${cell(fields(m.schema, new Set(["type"])))} | ${cell(m.summary)} |`);
  return ["| type | fields (default) | summary |", "|---|---|---|", ...rows].join("\n");
}

export function agentsTable(): string {
  const common = new Set([...Object.keys(COMMON_AGENT_FIELDS), "type"]);
  const rows = AGENT_MODULES.map((m) => `| \`${m.type}\` | ${cell(fields(m.schema, common))} | ${cell(m.summary)} |`);
  return [
    `Every type takes the common fields ${Object.keys(COMMON_AGENT_FIELDS).map((k) => `\`${k}\``).join(", ")}.`,
    "",
    "| type | own fields (default) | behaviour |",
    "|---|---|---|",
    ...rows,
  ].join("\n");
}

/** The README with both generated blocks replaced. */
export function withTables(readme: string): string {
  let out = readme;
  for (const [name, table] of [["games", gamesTable()], ["agents", agentsTable()]] as const) {
    const open = `<!-- generated:${name} (npm run docs:tables) -->`;
    const close = `<!-- /generated:${name} -->`;
    const a = out.indexOf(open);
    const b = out.indexOf(close);
    if (a < 0 || b < a) throw new Error(`README.md has no ${open} … ${close} block`);
    out = `${out.slice(0, a + open.length)}\n${table}\n${out.slice(b)}`;
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = fileURLToPath(new URL("../README.md", import.meta.url));
  const readme = readFileSync(path, "utf8");
  const next = withTables(readme);
  if (process.argv.includes("--check")) {
    if (next !== readme) {
      console.error("README.md tables are out of date: run npm run docs:tables");
      process.exit(1);
    }
  } else if (next !== readme) {
    writeFileSync(path, next);
    console.log("README.md: tables updated");
  }
}
