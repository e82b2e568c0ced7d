/**
 * Flag parsing shared by the subcommands: node's parseArgs, with every problem (an unknown flag,
 * a missing value, a value given to a switch) turned into one InputError (exit 2, no stack
 * trace) that names the flag, suggests the closest known one ("did you mean --max-cost?") and
 * shows the usage. A negative number after a flag that takes a value is that flag's value
 * (`--max-cost -1` reaches the command's own check instead of parseArgs' "ambiguous").
 *
 * @example
 * const { values, positionals } = parseFlags(argv, { json: { type: "boolean" } }, "hvae analyze <runDir> [--json]");
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { InputError } from "../core/errors.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

export function parseFlags<O extends Options>(argv: string[], options: O, usage: string) {
  const all: Options = { ...options, help: { type: "boolean", short: "h" } };
  const args = joinNegativeValues(argv, all);
  try {
    return parseArgs({ args, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new InputError(`${flagProblem(err, args, all)}\nusage: ${usage}`);
  }
}

/** A number that starts with a minus sign: a value, not a flag. */
const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity$)/;

/** `--name -1` → `--name=-1` for flags that take a value (up to a bare `--`, after which all is positional). */
function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    const name = a.startsWith("--") && !a.includes("=") ? a.slice(2) : null;
    if (name !== null && options[name]?.type === "string" && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** One sentence for what parseArgs refused, in hvae's words. */
function flagProblem(err: unknown, args: readonly string[], options: Options): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const flag = /'(-{1,2}[^' <]+)/.exec(message)?.[1] ?? null;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag) {
    const hint = suggestFlag(flag, options);
    return `unknown option '${flag}'${hint ? ` (did you mean ${hint}?)` : ""}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag) {
    const name = flag.replace(/^-+/, "");
    if (options[name]?.type === "boolean") return `${flag} is a switch and takes no value (got '${valueGiven(args, flag) ?? ""}')`;
    const given = valueGiven(args, flag);
    if (given !== null && given.startsWith("-")) return `${flag} needs a value, got the option '${given}' (to pass a value starting with '-', write ${flag}=${given})`;
    return `${flag} needs a value`;
  }
  return message.split("\n")[0];
}

/** What followed `flag` on the command line (`--flag=x` or `--flag x`), null when nothing did. */
function valueGiven(args: readonly string[], flag: string): string | null {
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith(`${flag}=`)) return args[i].slice(flag.length + 1);
    if (args[i] === flag) return args[i + 1] ?? null;
  }
  return null;
}

/**
 * The known flag closest to an unknown one: a unique prefix match, else the nearest by edit
 * distance when it is at most a third of the flag's length (at least 1, at most 3).
 *
 * @example
 * suggestFlag("--max-cots", { "max-cost": { type: "string" } }); // "--max-cost"
 */
export function suggestFlag(flag: string, options: Options): string | null {
  const name = flag.replace(/^-+/, "").split("=")[0].toLowerCase();
  const names = Object.keys(options);
  if (flag.startsWith("-") && !flag.startsWith("--") && name.length === 1) {
    const long = names.find((n) => n === name || options[n].short === name);
    return long ? `--${long}` : null;
  }
  const exact = names.find((n) => n.toLowerCase() === name);
  if (exact) return `--${exact}`;
  const prefixed = names.filter((n) => n.startsWith(name) || name.startsWith(n));
  if (prefixed.length === 1 && Math.min(name.length, prefixed[0].length) >= 3) return `--${prefixed[0]}`;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const n of names) {
    const d = editDistance(name, n);
    if (d < bestDistance) [best, bestDistance] = [n, d];
  }
  const allowed = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  return best !== null && bestDistance <= allowed ? `--${best}` : null;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** A plain decimal number as people write it on a command line (no hex, no empty string). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Parses an integer flag value, naming the flag when it is not one. */
export function intFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = DECIMAL.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new InputError(`--${name}: expected an integer, got '${value}'`);
  return n;
}

/** Parses a number flag value, naming the flag when it is not one. */
export function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = DECIMAL.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new InputError(`--${name}: expected a number, got '${value}'`);
  return n;
}
