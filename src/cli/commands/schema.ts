/**
 * `hvae schema`: prints the scenario JSON Schema (input side: defaults are optional), for editor
 * completion, e.g. `# yaml-language-server: $schema=./scenario.schema.json`.
 *
 * @example
 * $ hvae schema > scenario.schema.json
 */
import { z } from "zod";
import { parseFlags } from "../args.ts";
import { Scenario } from "../../scenario/schema.ts";

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {}, "hvae schema");
  if (values.help) {
    console.log("usage: hvae schema\n\nPrints the scenario JSON Schema for editor completion.");
    return 0;
  }
  const schema = z.toJSONSchema(Scenario, { io: "input", unrepresentable: "any" });
  console.log(JSON.stringify({ ...schema, title: "hvae scenario" }, null, 2));
  return 0;
}
