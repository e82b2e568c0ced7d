/**
 * Sandboxed payoff formulas for YAML-authored games (`expression`). The text is parsed by mathjs
 * (its one-file bundle, loaded only when a formula is compiled) and then compiled by us, once,
 * into plain closures over a whitelist: numbers, the known symbols, arithmetic, comparison and
 * logic operators, `a ? b : c`, parentheses and a fixed list of functions. Nothing else of mathjs
 * is reachable from a formula — no import, createUnit, evaluate, parse, simplify, derivative,
 * resolve, no assignment, function definition, block, indexing, object, unit or string — so a
 * scenario file cannot run code or change anything. Work is bounded: at most MAX_FORMULA_CHARS
 * characters, MAX_FORMULA_NODES nodes and MAX_FORMULA_DEPTH levels of nesting; every evaluation
 * is a single pass over the closures; the result must be a finite number.
 *
 * @example
 * const f = compileFormula("action * (10 - sum(others)) + bonus", { action: "number", others: "list", bonus: "number" });
 * if (f.ok) f.formula.evaluate({ action: 2, others: [1, 3], bonus: 1 }); // 13
 */
import { createRequire } from "node:module";

export const MAX_FORMULA_CHARS = 2000;
export const MAX_FORMULA_NODES = 500;
export const MAX_FORMULA_DEPTH = 100;

/** What a symbol holds: a number, or a list of numbers (`actions`, `others`). */
export type SymbolKind = "number" | "list";
export type FormulaScope = Readonly<Record<string, number | readonly number[]>>;

export interface Formula {
  /** The result for a scope holding every known symbol; throws when it is not a finite number. */
  evaluate(scope: FormulaScope): number;
  readonly text: string;
  /** Known symbols the formula uses. */
  readonly symbols: readonly string[];
}

export type Compiled = { readonly ok: true; readonly formula: Formula } | { readonly ok: false; readonly message: string };

type Num = (s: FormulaScope) => number;
type List = (s: FormulaScope) => readonly number[];
type Code = { readonly kind: "number"; readonly fn: Num } | { readonly kind: "list"; readonly fn: List };

/** Named constants a formula may use besides its own symbols. */
const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, e: Math.E };

const UNARY: Readonly<Record<string, (x: number) => number>> = {
  abs: Math.abs,
  sqrt: Math.sqrt,
  cbrt: Math.cbrt,
  exp: Math.exp,
  log10: Math.log10,
  log2: Math.log2,
  floor: Math.floor,
  ceil: Math.ceil,
  fix: Math.trunc,
  sign: Math.sign,
};
const mod = (x: number, y: number) => (y === 0 ? x : x - y * Math.floor(x / y));
const BINARY: Readonly<Record<string, (x: number, y: number) => number>> = { pow: Math.pow, mod };
const sumOf = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const AGGREGATE: Readonly<Record<string, (xs: readonly number[]) => number>> = {
  sum: sumOf,
  prod: (xs) => xs.reduce((a, b) => a * b, 1),
  mean: (xs) => (xs.length === 0 ? NaN : sumOf(xs) / xs.length),
  median: (xs) => {
    if (xs.length === 0) return NaN;
    const s = xs.slice().sort((a, b) => a - b);
    const h = s.length >> 1;
    return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
  },
  min: (xs) => (xs.length === 0 ? NaN : Math.min(...xs)),
  max: (xs) => (xs.length === 0 ? NaN : Math.max(...xs)),
  count: (xs) => xs.length,
};
/** Every function a formula may call. */
export const FORMULA_FUNCTIONS: readonly string[] = [...Object.keys(UNARY), "log", "round", ...Object.keys(BINARY), ...Object.keys(AGGREGATE)].sort();

const OPERATORS: Readonly<Record<string, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  subtract: (a, b) => a - b,
  multiply: (a, b) => a * b,
  divide: (a, b) => a / b,
  pow: Math.pow,
  mod,
  equal: (a, b) => +(a === b),
  unequal: (a, b) => +(a !== b),
  smaller: (a, b) => +(a < b),
  larger: (a, b) => +(a > b),
  smallerEq: (a, b) => +(a <= b),
  largerEq: (a, b) => +(a >= b),
  and: (a, b) => +(a !== 0 && b !== 0),
  or: (a, b) => +(a !== 0 || b !== 0),
  xor: (a, b) => +((a !== 0) !== (b !== 0)),
};
const UNARY_OPERATORS: Readonly<Record<string, (a: number) => number>> = {
  unaryMinus: (a) => -a,
  unaryPlus: (a) => a,
  not: (a) => +(a === 0),
};

interface MathNode {
  readonly type: string;
  readonly [k: string]: unknown;
}
type Parse = (text: string) => MathNode;
let parseFn: Parse | null = null;
/** mathjs's parser, from its one-file bundle (its ESM build is ~1,000 modules), loaded on first use. */
function mathParse(): Parse {
  if (!parseFn) {
    const math = createRequire(import.meta.url)("mathjs/lib/browser/math.js") as { parse: Parse };
    parseFn = (text) => math.parse(text);
  }
  return parseFn;
}

class FormulaError extends Error {}

/**
 * Compiles a formula over the given symbols. Errors name what is wrong in words (an unknown
 * symbol with the known ones, a refused construct, a syntax error with its position); the caller
 * prefixes the path (e.g. `game.payoff`).
 */
export function compileFormula(text: string, symbols: Readonly<Record<string, SymbolKind>>): Compiled {
  if (text.trim() === "") return { ok: false, message: "the formula is empty" };
  if (text.length > MAX_FORMULA_CHARS) return { ok: false, message: `the formula has ${text.length} characters; at most ${MAX_FORMULA_CHARS}` };
  // The parser recurses per bracket: refuse deep nesting before it can exhaust the stack.
  let open = 0;
  for (const ch of text) {
    if (ch === "(" || ch === "[" || ch === "{") open++;
    else if (ch === ")" || ch === "]" || ch === "}") open--;
    if (open > MAX_FORMULA_DEPTH) return { ok: false, message: `the formula nests more than ${MAX_FORMULA_DEPTH} levels deep` };
  }
  let root: MathNode;
  try {
    root = mathParse()(text);
  } catch (err) {
    if (err instanceof RangeError) return { ok: false, message: "the formula nests too deeply" };
    return { ok: false, message: `syntax error: ${err instanceof Error ? err.message : String(err)}` };
  }
  const used = new Set<string>();
  let nodes = 0;
  const known = () => [...Object.keys(symbols), ...Object.keys(CONSTANTS)].join(", ");

  const num = (node: MathNode, depth: number, what: string): Num => {
    const c = build(node, depth);
    if (c.kind !== "number") throw new FormulaError(`${what} is a list of numbers; use sum(…), mean(…), min(…), max(…), median(…), prod(…) or count(…) on it`);
    return c.fn;
  };

  const build = (node: MathNode, depth: number): Code => {
    if (++nodes > MAX_FORMULA_NODES) throw new FormulaError(`the formula is too large: more than ${MAX_FORMULA_NODES} parts`);
    if (depth > MAX_FORMULA_DEPTH)
      throw new FormulaError(`the formula nests more than ${MAX_FORMULA_DEPTH} levels deep (a chain of that many operators counts too; sum(…) takes many terms)`);
    switch (node.type) {
      case "ConstantNode": {
        const v = node.value;
        if (typeof v === "number" && Number.isFinite(v)) return { kind: "number", fn: () => v };
        if (typeof v === "boolean") return { kind: "number", fn: () => +v };
        throw new FormulaError(`only numbers may appear as constants (found ${JSON.stringify(v)})`);
      }
      case "SymbolNode": {
        const name = String(node.name);
        if (Object.hasOwn(symbols, name)) {
          used.add(name);
          return symbols[name] === "list"
            ? { kind: "list", fn: (s) => s[name] as readonly number[] }
            : { kind: "number", fn: (s) => s[name] as number };
        }
        if (Object.hasOwn(CONSTANTS, name)) {
          const v = CONSTANTS[name];
          return { kind: "number", fn: () => v };
        }
        throw new FormulaError(`unknown symbol '${name}' (known: ${known()})`);
      }
      case "ParenthesisNode":
        return build(node.content as MathNode, depth + 1);
      case "OperatorNode": {
        const fnName = String(node.fn);
        const args = node.args as MathNode[];
        if (args.length === 1 && Object.hasOwn(UNARY_OPERATORS, fnName)) {
          const f = UNARY_OPERATORS[fnName];
          const a = num(args[0], depth + 1, `the operand of '${String(node.op)}'`);
          return { kind: "number", fn: (s) => f(a(s)) };
        }
        if (args.length === 2 && Object.hasOwn(OPERATORS, fnName)) {
          const f = OPERATORS[fnName];
          const a = num(args[0], depth + 1, `the left operand of '${String(node.op)}'`);
          const b = num(args[1], depth + 1, `the right operand of '${String(node.op)}'`);
          return { kind: "number", fn: (s) => f(a(s), b(s)) };
        }
        throw new FormulaError(`the operator '${String(node.op)}' is not allowed (allowed: + - * / ^ % and comparisons, and, or, xor, not)`);
      }
      case "RelationalNode": {
        // a < b <= c: every comparison must hold.
        const ops = (node.conditionals as string[]).map((c) => OPERATORS[c]);
        if (ops.some((f) => f === undefined)) throw new FormulaError("that comparison is not allowed");
        const params = (node.params as MathNode[]).map((p) => num(p, depth + 1, "a compared value"));
        return {
          kind: "number",
          fn: (s) => {
            const v = params.map((p) => p(s));
            for (let i = 0; i < ops.length; i++) if (!ops[i](v[i], v[i + 1])) return 0;
            return 1;
          },
        };
      }
      case "ConditionalNode": {
        const c = num(node.condition as MathNode, depth + 1, "the condition");
        const t = num(node.trueExpr as MathNode, depth + 1, "the value if true");
        const f = num(node.falseExpr as MathNode, depth + 1, "the value if false");
        return { kind: "number", fn: (s) => (c(s) !== 0 ? t(s) : f(s)) };
      }
      case "FunctionNode": {
        const callee = node.fn as MathNode;
        const name = callee.type === "SymbolNode" ? String(callee.name) : "";
        const args = node.args as MathNode[];
        if (Object.hasOwn(UNARY, name)) {
          if (args.length !== 1) throw new FormulaError(`${name}(…) takes 1 argument, got ${args.length}`);
          const f = UNARY[name];
          const a = num(args[0], depth + 1, `the argument of ${name}`);
          return { kind: "number", fn: (s) => f(a(s)) };
        }
        if (Object.hasOwn(BINARY, name)) {
          if (args.length !== 2) throw new FormulaError(`${name}(…) takes 2 arguments, got ${args.length}`);
          const f = BINARY[name];
          const a = num(args[0], depth + 1, `the first argument of ${name}`);
          const b = num(args[1], depth + 1, `the second argument of ${name}`);
          return { kind: "number", fn: (s) => f(a(s), b(s)) };
        }
        if (name === "log" || name === "round") {
          if (args.length < 1 || args.length > 2) throw new FormulaError(`${name}(…) takes 1 or 2 arguments, got ${args.length}`);
          const a = num(args[0], depth + 1, `the argument of ${name}`);
          const b = args.length === 2 ? num(args[1], depth + 1, `the second argument of ${name}`) : null;
          if (name === "log") return { kind: "number", fn: b ? (s) => Math.log(a(s)) / Math.log(b(s)) : (s) => Math.log(a(s)) };
          return {
            kind: "number",
            fn: b
              ? (s) => {
                  const p = 10 ** Math.max(0, Math.min(15, Math.trunc(b(s))));
                  return Math.round(a(s) * p) / p;
                }
              : (s) => Math.round(a(s)),
          };
        }
        if (Object.hasOwn(AGGREGATE, name)) {
          if (args.length === 0) throw new FormulaError(`${name}(…) needs at least 1 argument`);
          const f = AGGREGATE[name];
          const parts = args.map((a) => build(a, depth + 1));
          if (name === "count" && (parts.length !== 1 || parts[0].kind !== "list")) throw new FormulaError("count(…) takes one list (actions or others)");
          return {
            kind: "number",
            fn: (s) => {
              const xs: number[] = [];
              for (const p of parts) {
                if (p.kind === "list") for (const x of p.fn(s)) xs.push(x);
                else xs.push(p.fn(s));
              }
              return f(xs);
            },
          };
        }
        const shown = name || "an expression";
        throw new FormulaError(`the function ${shown}(…) is not allowed (allowed: ${FORMULA_FUNCTIONS.join(", ")})`);
      }
      case "AssignmentNode":
        throw new FormulaError("assignment ('=') is not allowed in a formula");
      case "FunctionAssignmentNode":
        throw new FormulaError("defining functions is not allowed in a formula");
      case "BlockNode":
        throw new FormulaError("a formula is one expression (no ';' or line breaks between several)");
      case "AccessorNode":
      case "IndexNode":
        throw new FormulaError("indexing (a[1], a.b) is not allowed; use sum, mean, min, max, median, prod or count on lists");
      case "ArrayNode":
        throw new FormulaError("list literals ([…]) are not allowed; pass numbers to min(…), max(…) directly");
      case "RangeNode":
        throw new FormulaError("ranges (a:b) are not allowed");
      case "ObjectNode":
        throw new FormulaError("objects ({…}) are not allowed");
      default:
        throw new FormulaError(`${node.type} is not allowed in a formula`);
    }
  };

  let code: Code;
  try {
    code = build(root, 0);
  } catch (err) {
    if (err instanceof FormulaError) return { ok: false, message: err.message };
    if (err instanceof RangeError) return { ok: false, message: `the formula nests too deeply` };
    throw err;
  }
  if (code.kind !== "number") return { ok: false, message: "the formula gives a list; it must give one number (use sum(…), mean(…), …)" };
  const fn = code.fn;
  return {
    ok: true,
    formula: {
      text,
      symbols: [...used],
      evaluate(scope) {
        const v = fn(scope);
        if (!Number.isFinite(v)) throw new RangeError(`the formula gives ${v} instead of a finite number`);
        return v;
      },
    },
  };
}
