/**
 * Flag parsing shared by the subcommands: node's parseArgs, with unknown flags and missing
 * values turned into InputErrors (exit 2, no stack trace).
 *
 * @example
 * const { values, positionals } = parseFlags(argv, { json: { type: "boolean" } }, "hvae analyze <runDir> [--json]");
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { InputError } from "../core/errors.ts";

export function parseFlags<O extends NonNullable<ParseArgsConfig["options"]>>(
  argv: string[],
  options: O,
  usage: string,
) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new InputError(`${err instanceof Error ? err.message : String(err)}\nusage: ${usage}`);
  }
}

/** Parses an integer flag value, naming the flag when it is not one. */
export function intFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InputError(`--${name}: expected an integer, got '${value}'`);
  return n;
}

/** Parses a number flag value, naming the flag when it is not one. */
export function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InputError(`--${name}: expected a number, got '${value}'`);
  return n;
}
