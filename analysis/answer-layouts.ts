/**
 * What the columns of an answer file mean: the four layouts `hvae score` reads, recognised from
 * the header (or forced), compiled once into column indices and applied to every record.
 *
 * - `hvae`:  id,item1,…,item15 — option numbers in the version's presented order.
 * - `otree`: oTree exports of SVO apps — `<app>.<round>.player.svo<k>dec` (0-based option index)
 *   or, when absent, the chosen payoffs `svo<k>ego`/`svo<k>alter`; `participant.code` as id;
 *   every `<app>.<round>` block of a wide export is a respondent of its own. The per-app export
 *   (`player.svo1dec`, `subsession.round_number`) and unprefixed `svo1dec` columns also read.
 * - `pairs`: item<k>_self,item<k>_other — the chosen payoffs.
 * - `long`:  id,item,option or id,item,self,other — one row per respondent × item.
 *
 * Every cell becomes a slider position 1–9 on the item's printed scale (a fraction is a
 * continuous position); a payoff pair is located on the item's line, allowing for the rounding
 * to the printed integers and nothing more.
 *
 * @example
 * const layout = compileLayout("export.csv", ["participant.code", "svo.1.player.svo1dec"], {});
 * layout.format; // "otree"
 */
import { SLIDER_ITEMS, versionOrder, type SliderItem, type SliderVersion } from "../src/core/instrument.ts";
import { InputError } from "../src/core/errors.ts";
import type { Category } from "../src/core/values.ts";

export const FORMATS = ["hvae", "otree", "pairs", "long"] as const;
export type Format = (typeof FORMATS)[number];

/** Answer columns in the version's presented order; item1–item6 are the primary block. */
export const ITEM_COLUMNS: readonly string[] = Array.from({ length: 15 }, (_, i) => `item${i + 1}`);

/** Column names a `--map` file may assign (our name → the file's column). */
export const MAPPABLE_COLUMNS: readonly string[] = [
  "id",
  ...ITEM_COLUMNS,
  ...ITEM_COLUMNS.flatMap((c) => [`${c}_self`, `${c}_other`]),
  "item",
  "option",
  "self",
  "other",
  "round",
  "svo_angle",
  "svo_type",
];

export interface AnswerRecord {
  /** 1-based data row (the CSV header is not counted; JSON: array position + 1; long: the respondent's first row). */
  row: number;
  id: string;
  /** 15 slider positions 1–9 in column order (item1…item15); null where absent or empty. */
  answers: (number | null)[];
  /** oTree: the app of the `<app>.<round>.player.` block (null when the file does not name it). */
  app: string | null;
  /** oTree: the round (null when the file does not say). */
  round: number | null;
  /** The file's own angle (`svo_angle`), or null when absent or empty. */
  storedAngle: number | null;
  /** Decimals the stored angle was written with (rounding tolerance for cross-checks). */
  storedAngleDecimals: number;
  /** The file's own category (`svo_type`, in any of the usual spellings), or null. */
  storedCategory: Category | null;
}

export interface AnswerProblem {
  row: number;
  /** The column at fault, or null for a whole-row problem. */
  column: string | null;
  message: string;
}

/** A scored-to-be record, a row's problems, or an oTree block nobody answered (not an error). */
export type AnswerEntry =
  | { record: AnswerRecord; problems: null; unanswered?: undefined }
  | { record: null; problems: AnswerProblem[]; unanswered?: undefined }
  | { record: null; problems: null; unanswered: { row: number; block: string } };

export interface LayoutOptions {
  /** Forces a layout instead of recognising it from the header. */
  format?: Format;
  /** Option numbering: 0 (0–8) or 1 (1–9). Default: 0 for oTree's svo<k>dec, else 1. */
  indexBase?: 0 | 1;
  /** Our column name → the file's column name (or, in an oTree export, a player field name). */
  map?: Readonly<Record<string, string>>;
  /** The order the item columns follow (default A). */
  version?: SliderVersion;
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * One answer cell: an option number (1–9, or 0–8 with `base` 0; decimals are continuous slider
 * positions) as a position 1–9, or null when empty. Returns an error message for anything else.
 *
 * @example
 * parseAnswerCell("3", 0); // 4
 */
export function parseAnswerCell(raw: unknown, base: 0 | 1 = 1): number | null | { error: string } {
  if (raw === null || raw === undefined) return null;
  // Fast path for the common case, a single digit.
  if (typeof raw === "string" && raw.length === 1) {
    const d = raw.charCodeAt(0) - 48;
    if (d >= base && d <= base + 8) return d + 1 - base;
  }
  const range = base === 1 ? "an option 1–9" : "an option index 0–8";
  let n: number;
  if (typeof raw === "number") {
    n = raw;
  } else if (typeof raw === "string") {
    const s = raw.trim();
    if (s === "") return null;
    if (!NUMBER.test(s)) return { error: `expected ${range}, got '${raw}'` };
    n = Number(s);
  } else {
    return { error: `expected ${range}, got ${JSON.stringify(raw)}` };
  }
  if (!(n >= base && n <= base + 8)) return { error: `expected ${range}, got ${n}` };
  // Not n + 1 - base: (x + 1) - 1 is not always x in floating point.
  return base === 1 ? n : n + 1;
}

/** A payoff cell: a finite number, null when empty, or an error message. */
function parseNumberCell(raw: unknown, what: string): number | null | { error: string } {
  if (raw === null || raw === undefined) return null;
  // Fast path: the printed payoffs are integers of up to three digits.
  if (typeof raw === "string" && raw.length > 0 && raw.length <= 3) {
    let n = 0;
    let i = 0;
    for (; i < raw.length; i++) {
      const d = raw.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === raw.length) return n;
  }
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : { error: `expected ${what}, got ${raw}` };
  if (typeof raw !== "string") return { error: `expected ${what}, got ${JSON.stringify(raw)}` };
  const s = raw.trim();
  if (s === "") return null;
  if (!NUMBER.test(s)) return { error: `expected ${what}, got '${raw}'` };
  return Number(s);
}

const fmtPay = (x: number) => (Number.isInteger(x) ? String(x) : String(Math.round(x * 1000) / 1000));

/**
 * The slider position (1–9) of a chosen payoff pair on an item: the printed option it equals,
 * else the point of the item's line it rounds from (each coordinate within 0.5 of the exact
 * line, as the printed integers are), else an error naming the pair and the line.
 *
 * @example
 * positionOfPayoffs(SLIDER_ITEMS[0], 85, 50); // 5
 */
export function positionOfPayoffs(item: SliderItem, self: number, other: number): number | { error: string } {
  for (let k = 0; k < 9; k++) {
    const o = item.options[k];
    if (o.self === self && o.other === other) return k + 1;
  }
  const L = item.left;
  const ds = item.right.self - L.self;
  const dO = item.right.other - L.other;
  // The t (0 = option 1, 1 = option 9) at which each coordinate is within rounding of the line.
  let lo = 0;
  let hi = 1;
  const EPS = 1e-9;
  for (const [v, l, d] of [
    [self, L.self, ds],
    [other, L.other, dO],
  ] as const) {
    if (d === 0) {
      if (Math.abs(v - l) > 0.5 + EPS) lo = Infinity;
      continue;
    }
    const a = (v - 0.5 - EPS - l) / d;
    const b = (v + 0.5 + EPS - l) / d;
    lo = Math.max(lo, Math.min(a, b));
    hi = Math.min(hi, Math.max(a, b));
  }
  if (lo > hi) {
    return {
      error:
        `the pair (self ${fmtPay(self)}, other ${fmtPay(other)}) is not on item ${item.number}'s line ` +
        `(its options run from (${L.self}, ${L.other}) to (${item.right.self}, ${item.right.other}))`,
    };
  }
  // The orthogonal projection, kept inside the interval the rounding allows.
  const t = ((self - L.self) * ds + (other - L.other) * dO) / (ds * ds + dO * dO);
  return 1 + 8 * Math.min(hi, Math.max(lo, t));
}

/** Payoffs at a position (printed options at integers, exact interpolation between). */
function payoffAtPosition(item: SliderItem, p: number): { self: number; other: number } {
  if (Number.isInteger(p)) return item.options[p - 1];
  const t = (p - 1) / 8;
  return { self: item.left.self + (item.right.self - item.left.self) * t, other: item.left.other + (item.right.other - item.left.other) * t };
}

const CATEGORY_SPELLINGS: Readonly<Record<string, Category>> = {
  altruistic: "altruistic", altruist: "altruistic", altruism: "altruistic", altruists: "altruistic",
  prosocial: "prosocial", "pro-social": "prosocial", prosocials: "prosocial",
  individualistic: "individualistic", individualist: "individualistic", individualism: "individualistic", individualists: "individualistic",
  competitive: "competitive", competitor: "competitive", competition: "competitive", competitors: "competitive",
};

/** A stored category in any usual spelling (oTree's SVO app writes "Altruist", "Prosocial", …). */
export function parseCategoryCell(raw: unknown): Category | null | { error: string } {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== "string") return { error: `expected an SVO category, got ${JSON.stringify(raw)}` };
  const s = raw.trim().toLowerCase();
  if (s === "") return null;
  return CATEGORY_SPELLINGS[s] ?? { error: `expected an SVO category (altruistic, prosocial, individualistic, competitive), got '${raw}'` };
}

function decimalsOf(raw: unknown): number {
  const s = typeof raw === "number" ? String(raw) : String(raw).trim();
  if (/e/i.test(s)) return 15;
  const dot = s.indexOf(".");
  return dot === -1 ? 0 : s.length - dot - 1;
}

/** Where one respondent's fields are in a record (column indices, −1 = absent). */
interface Unit {
  /** The column prefix of an oTree block ("svo.1.player."), "" otherwise. */
  prefix: string;
  app: string | null;
  round: number | null;
  roundCol: number;
  idCol: number;
  opt: number[];
  self: number[];
  other: number[];
  angleCol: number;
  typeCol: number;
}

interface LongSpec {
  idCol: number;
  itemCol: number;
  optCol: number;
  selfCol: number;
  otherCol: number;
  angleCol: number;
  typeCol: number;
}

export interface CompiledLayout {
  format: Format;
  base: 0 | 1;
  units: Unit[];
  long: LongSpec | null;
  /** The file carries its own angle or type (cross-checks apply). */
  stored: boolean;
  /** Some respondent has an app / round (output columns). */
  hasApp: boolean;
  hasRound: boolean;
  /** The header as written, for messages. */
  names: string[];
  version: SliderVersion;
  /** items[k] = the Version A item column k+1 stands for. */
  items: SliderItem[];
}

const OTREE_BLOCK = /^([a-z_][a-z0-9_]*)\.(\d+)\.player\.(.+)$/;
const OTREE_APP_EXPORT = /^player\.(.+)$/;

/** oTree's field names for the same things: svo3dec → item3, svo3ego → item3_self, svo3alter → item3_other. */
function canonicalField(name: string): string {
  const m = /^svo(\d+)(dec|ego|alter)$/.exec(name);
  if (!m) return name;
  const k = Number(m[1]);
  if (k < 1 || k > 15) return name;
  return m[2] === "dec" ? `item${k}` : m[2] === "ego" ? `item${k}_self` : `item${k}_other`;
}

const ITEM_FIELD = /^item(\d+)(?:_(self|other))?$/;

function hasItemFields(fields: Map<string, number>): boolean {
  for (const k of fields.keys()) {
    const m = ITEM_FIELD.exec(k);
    if (m && Number(m[1]) >= 1 && Number(m[1]) <= 15) return true;
  }
  return false;
}

/** Field names hvae reads; a duplicate of any other column is ignored (exports repeat some). */
const RELEVANT = new Set([...MAPPABLE_COLUMNS, "participant.code", "id_in_group", "subsession.round_number"]);

function addField(file: string, fields: Map<string, number>, names: string[], field: string, col: number): void {
  const prev = fields.get(field);
  if (prev !== undefined) {
    if (!RELEVANT.has(field)) return;
    throw new InputError(
      names[prev].toLowerCase() === names[col].toLowerCase()
        ? `${file}: column '${names[col]}' appears twice in the header`
        : `${file}: columns '${names[prev]}' and '${names[col]}' both give ${field}`,
    );
  }
  fields.set(field, col);
}

function unitOf(prefix: string, app: string | null, round: number | null, fields: Map<string, number>, top: Map<string, number>): Unit {
  const col = (name: string) => fields.get(name) ?? -1;
  return {
    prefix,
    app,
    round,
    roundCol: round !== null ? -1 : (fields.get("round") ?? top.get("round") ?? top.get("subsession.round_number") ?? -1),
    idCol: top.get("id") ?? top.get("participant.code") ?? fields.get("id_in_group") ?? -1,
    opt: ITEM_COLUMNS.map((c) => col(c)),
    self: ITEM_COLUMNS.map((c) => col(`${c}_self`)),
    other: ITEM_COLUMNS.map((c) => col(`${c}_other`)),
    angleCol: col("svo_angle"),
    typeCol: col("svo_type"),
  };
}

function checkUnit(file: string, u: Unit, names: string[], format: Format): void {
  const where = u.prefix ? ` in the block ${u.prefix}*` : "";
  for (let i = 0; i < 15; i++) {
    if ((u.self[i] >= 0) !== (u.other[i] >= 0)) {
      const has = names[u.self[i] >= 0 ? u.self[i] : u.other[i]];
      throw new InputError(`${file}: column '${has}' has no partner${where}: a payoff pair needs both the self and the other column`);
    }
  }
  const missing: number[] = [];
  for (let i = 0; i < 6; i++) if ((format !== "pairs" && u.opt[i] < 0 && u.self[i] < 0) || (format === "pairs" && u.self[i] < 0)) missing.push(i + 1);
  if (missing.length === 0) return;
  const list = missing.join(", ");
  const hint =
    format === "otree"
      ? `svo<k>dec or svo<k>ego/svo<k>alter for item${missing.length > 1 ? "s" : ""} ${list}`
      : format === "pairs"
        ? `item<k>_self,item<k>_other for item${missing.length > 1 ? "s" : ""} ${list}`
        : `the primary column${missing.length > 1 ? "s" : ""} ${missing.map((k) => `item${k}`).join(", ")}`;
  throw new InputError(
    `${file}: the header lacks ${hint}${where} (a ${format} file names all 6 primary items; secondary items 7–15 may be omitted)`,
  );
}

/**
 * Recognises (or, with `format`, checks) the layout of a header and compiles it. Throws an
 * InputError naming the file when the header fits no layout or lacks a primary item.
 */
export function compileLayout(file: string, rawNames: readonly string[], options: LayoutOptions): CompiledLayout {
  const names = rawNames.map((n) => String(n).trim());
  const norm = names.map((n) => n.toLowerCase());
  const version = options.version ?? "A";

  if (options.map) {
    for (const [ours, theirs] of Object.entries(options.map)) {
      const t = theirs.trim().toLowerCase();
      let hit = false;
      for (let i = 0; i < norm.length; i++) {
        if (norm[i] === t) {
          norm[i] = ours;
          hit = true;
          continue;
        }
        // In an oTree export the map may name a player field once for every block.
        const m = OTREE_BLOCK.exec(norm[i]) ?? OTREE_APP_EXPORT.exec(norm[i]);
        const field = m ? m[m.length - 1] : null;
        if (field === t && ours !== "id" && ours !== "round") {
          norm[i] = norm[i].slice(0, norm[i].length - field.length) + ours;
          hit = true;
        }
      }
      if (!hit) throw new InputError(`${file}: --map names the column '${theirs}' (for ${ours}), which is not in the header`);
    }
  }

  const top = new Map<string, number>();
  const blocks = new Map<string, { app: string | null; round: number | null; fields: Map<string, number> }>();
  let rawOtreeNames = false;
  for (let i = 0; i < norm.length; i++) {
    const n = norm[i];
    if (n === "") continue;
    const wide = OTREE_BLOCK.exec(n);
    const perApp = wide ? null : OTREE_APP_EXPORT.exec(n);
    if (wide || perApp) {
      const prefix = wide ? `${wide[1]}.${wide[2]}.player.` : "player.";
      let b = blocks.get(prefix);
      if (!b) blocks.set(prefix, (b = { app: wide ? wide[1] : null, round: wide ? Number(wide[2]) : null, fields: new Map() }));
      const field = (wide ? wide[3] : perApp![1]);
      if (canonicalField(field) !== field) rawOtreeNames = true;
      addField(file, b.fields, names, canonicalField(field), i);
      continue;
    }
    if (canonicalField(n) !== n) rawOtreeNames = true;
    addField(file, top, names, canonicalField(n), i);
  }
  const svoBlocks = [...blocks.entries()].filter(([, b]) => hasItemFields(b.fields));

  let format = options.format;
  if (!format) {
    if (svoBlocks.length > 0 || (rawOtreeNames && hasItemFields(top))) format = "otree";
    else if (top.has("item") && (top.has("option") || top.has("self") || top.has("other"))) format = "long";
    else if ([...top.keys()].some((k) => /^item\d+_(self|other)$/.test(k))) format = "pairs";
    else if (hasItemFields(top)) format = "hvae";
    else {
      throw new InputError(
        `${file}: the header lacks the primary columns item1–item6 and fits no other layout (the first line must ` +
          `be a header: id,item1,…,item15 (hvae), oTree's <app>.<round>.player.svo1dec… (otree), ` +
          `item1_self,item1_other,… (pairs) or id,item,option / id,item,self,other (long); --format forces one)`,
      );
    }
  }
  const base: 0 | 1 = options.indexBase ?? (format === "otree" ? 0 : 1);
  const items = versionOrder(version).map((n) => SLIDER_ITEMS[n - 1]);
  const layout: CompiledLayout = { format, base, units: [], long: null, stored: false, hasApp: false, hasRound: false, names, version, items };

  if (format === "long") {
    const c = (n: string) => top.get(n) ?? -1;
    const spec: LongSpec = {
      idCol: c("id"), itemCol: c("item"), optCol: c("option"), selfCol: c("self"), otherCol: c("other"),
      angleCol: c("svo_angle"), typeCol: c("svo_type"),
    };
    const lacks = [
      spec.idCol < 0 ? "id" : null,
      spec.itemCol < 0 ? "item" : null,
      spec.optCol < 0 && (spec.selfCol < 0 || spec.otherCol < 0) ? "option (or self and other)" : null,
    ].filter((x) => x !== null);
    if (lacks.length > 0) throw new InputError(`${file}: a long file needs the columns id, item and option (or self and other); the header lacks ${lacks.join(", ")}`);
    if ((spec.selfCol >= 0) !== (spec.otherCol >= 0)) throw new InputError(`${file}: a long file with payoffs needs both self and other columns`);
    layout.long = spec;
    layout.stored = spec.angleCol >= 0 || spec.typeCol >= 0;
    return layout;
  }

  if (format === "otree" && svoBlocks.length > 0) {
    for (const [prefix, b] of svoBlocks) layout.units.push(unitOf(prefix, b.app, b.round, b.fields, top));
  } else {
    if (format === "otree" && !hasItemFields(top)) {
      throw new InputError(`${file}: no oTree SVO fields in the header (expected <app>.<round>.player.svo1dec…, player.svo1dec… or svo1dec…)`);
    }
    layout.units.push(unitOf("", null, null, top, top));
  }
  for (const u of layout.units) {
    checkUnit(file, u, names, format);
    if (u.angleCol >= 0 || u.typeCol >= 0) layout.stored = true;
    if (u.app !== null) layout.hasApp = true;
  }
  layout.hasRound = format === "otree";
  return layout;
}

/** One item's position from its cells, or the problem (option and payoffs must agree when both are given). */
function positionOf(
  layout: CompiledLayout,
  item: number,
  optRaw: unknown,
  selfRaw: unknown,
  otherRaw: unknown,
  optName: string | null,
  pairName: string,
): number | null | AnswerProblem {
  let fromOpt: number | null = null;
  if (optName !== null) {
    const v = parseAnswerCell(optRaw, layout.base);
    if (v !== null && typeof v === "object") return { row: 0, column: optName, message: v.error };
    fromOpt = v;
  }
  const s = parseNumberCell(selfRaw, "a payoff");
  if (s !== null && typeof s === "object") return { row: 0, column: pairName, message: s.error };
  const o = parseNumberCell(otherRaw, "a payoff");
  if (o !== null && typeof o === "object") return { row: 0, column: pairName, message: o.error };
  if (s === null && o === null) return fromOpt;
  if (s === null || o === null) return { row: 0, column: pairName, message: `the payoff pair is incomplete (self ${s ?? "empty"}, other ${o ?? "empty"})` };
  const it = layout.items[item];
  if (fromOpt !== null) {
    // Both given (oTree stores both): they must name the same point.
    const at = payoffAtPosition(it, fromOpt);
    if (Math.abs(at.self - s) > 0.5 + 1e-9 || Math.abs(at.other - o) > 0.5 + 1e-9) {
      return {
        row: 0,
        column: `${optName}, ${pairName}`,
        message: `option ${fmtPay(fromOpt - 1 + layout.base)} is (self ${fmtPay(at.self)}, other ${fmtPay(at.other)}) but the payoff columns say (self ${fmtPay(s)}, other ${fmtPay(o)})`,
      };
    }
    return fromOpt;
  }
  const p = positionOfPayoffs(it, s, o);
  if (typeof p === "object") return { row: 0, column: pairName, message: p.error };
  return p;
}

const cellText = (v: unknown): string => {
  if (typeof v === "string") {
    // Most cells need no trimming.
    return v.length > 0 && v.charCodeAt(0) > 32 && v.charCodeAt(v.length - 1) > 32 ? v : v.trim();
  }
  return v === undefined || v === null ? "" : String(v);
};

/** The entries of one record under a compiled wide layout (hvae, otree, pairs): one per unit. */
export function wideEntries(layout: CompiledLayout, row: number, values: readonly unknown[], out: AnswerEntry[]): void {
  const { names } = layout;
  for (const u of layout.units) {
    const answers = new Array<number | null>(15);
    let problems: AnswerProblem[] | null = null;
    let any = false;
    for (let i = 0; i < 15; i++) {
      const oc = u.opt[i];
      const sc = u.self[i];
      let v: number | null | AnswerProblem;
      if (sc < 0) {
        // The hot path: option numbers only.
        if (oc < 0) {
          answers[i] = null;
          continue;
        }
        const p = parseAnswerCell(values[oc], layout.base);
        v = p !== null && typeof p === "object" ? { row, column: names[oc], message: p.error } : p;
      } else {
        v = positionOf(layout, i, oc >= 0 ? values[oc] : null, values[sc], values[u.other[i]], oc >= 0 ? names[oc] : null, `${names[sc]}/${names[u.other[i]]}`);
      }
      if (v !== null && typeof v === "object") {
        v.row = row;
        (problems ??= []).push(v);
        answers[i] = null;
        any = true;
        continue;
      }
      answers[i] = v;
      if (v !== null) any = true;
      else if (i < 6) {
        const col = oc >= 0 ? names[oc] : `${names[sc]}/${names[u.other[i]]}`;
        (problems ??= []).push({ row, column: col, message: "missing answer to a primary item" });
      }
    }
    // An oTree block with no answer at all: the participant never reached or answered the app.
    if (!any && layout.format === "otree") {
      out.push({ record: null, problems: null, unanswered: { row, block: u.prefix } });
      continue;
    }
    let storedAngle: number | null = null;
    let storedAngleDecimals = 0;
    let storedCategory: Category | null = null;
    if (u.angleCol >= 0) {
      const a = parseNumberCell(values[u.angleCol], "an angle in degrees");
      if (a !== null && typeof a === "object") (problems ??= []).push({ row, column: names[u.angleCol], message: a.error });
      else if (a !== null) {
        storedAngle = a;
        storedAngleDecimals = decimalsOf(values[u.angleCol]);
      }
    }
    if (u.typeCol >= 0) {
      const c = parseCategoryCell(values[u.typeCol]);
      if (c !== null && typeof c === "object") (problems ??= []).push({ row, column: names[u.typeCol], message: c.error });
      else storedCategory = c;
    }
    let round = u.round;
    if (u.roundCol >= 0) {
      const t = cellText(values[u.roundCol]);
      const r = Number(t);
      if (t !== "" && !(Number.isInteger(r) && r >= 0)) (problems ??= []).push({ row, column: names[u.roundCol], message: `expected a round number, got '${t}'` });
      else if (t !== "") round = r;
    }
    if (problems) {
      out.push({ record: null, problems });
      continue;
    }
    const rawId = u.idCol >= 0 ? cellText(values[u.idCol]) : "";
    out.push({
      record: { row, id: rawId === "" ? String(row) : rawId, answers, app: u.app, round, storedAngle, storedAngleDecimals, storedCategory },
      problems: null,
    });
  }
}

/**
 * Gathers a long file (one row per respondent × item) into respondents. Row problems are
 * returned at once; a respondent with a bad row is not scored (its rows are reported instead).
 * Respondents come out in order of their first row when the file ends.
 */
export function longCollector(layout: CompiledLayout) {
  const spec = layout.long!;
  const { names } = layout;
  const index = new Map<string, number>();
  const ids: string[] = [];
  let cap = 1024;
  let answers = new Float64Array(cap * 15).fill(NaN);
  let itemRow = new Int32Array(cap * 15);
  let firstRow = new Int32Array(cap);
  let angle = new Float64Array(cap).fill(NaN);
  let angleDec = new Int8Array(cap);
  let category = new Int8Array(cap).fill(-1);
  let bad = new Uint8Array(cap);
  const CATS: Category[] = ["altruistic", "prosocial", "individualistic", "competitive"];

  const grow = () => {
    const n = cap * 2;
    const g = <T extends Float64Array | Int32Array | Int8Array | Uint8Array>(a: T, size: number, fill?: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      if (fill !== undefined) b.fill(fill);
      b.set(a);
      return b;
    };
    answers = g(answers, n * 15, NaN);
    itemRow = g(itemRow, n * 15);
    firstRow = g(firstRow, n);
    angle = g(angle, n, NaN);
    angleDec = g(angleDec, n);
    category = g(category, n, -1);
    bad = g(bad, n);
    cap = n;
  };

  const optName = spec.optCol >= 0 ? names[spec.optCol] : null;
  const pairName = spec.selfCol >= 0 ? `${names[spec.selfCol]}/${names[spec.otherCol]}` : "";
  let lastId: string | null = null;
  let lastIndex = -1;
  const fail = (out: AnswerEntry[], r: number, row: number, column: string | null, message: string) => {
    bad[r] = 1;
    out.push({ record: null, problems: [{ row, column, message }] });
  };
  const itemOf = (raw: unknown): number | null => {
    // Fast path: "1"…"15".
    if (typeof raw === "string" && (raw.length === 1 || raw.length === 2)) {
      const a = raw.charCodeAt(0) - 48;
      const b = raw.length === 2 ? raw.charCodeAt(1) - 48 : -1;
      if (a >= 0 && a <= 9 && (b === -1 || (b >= 0 && b <= 9))) {
        const k = b === -1 ? a : a * 10 + b;
        return k >= 1 && k <= 15 && !(b !== -1 && a === 0) ? k : null;
      }
    }
    const t = cellText(raw).toLowerCase().replace(/^item\s*/, "");
    const k = Number(t);
    return t !== "" && Number.isInteger(k) && k >= 1 && k <= 15 ? k : null;
  };

  return {
    /** Adds one row; pushes an entry with problems when the row is bad. */
    add(row: number, values: readonly unknown[], out: AnswerEntry[]): void {
      const id = cellText(values[spec.idCol]);
      if (id === "") {
        out.push({ record: null, problems: [{ row, column: names[spec.idCol], message: "missing id (a long file groups rows by id)" }] });
        return;
      }
      // A respondent's rows usually come together: skip the map for the 2nd…15th.
      let r = id === lastId ? lastIndex : index.get(id);
      if (r === undefined) {
        r = ids.length;
        if (r >= cap) grow();
        ids.push(id);
        index.set(id, r);
        firstRow[r] = row;
      }
      lastId = id;
      lastIndex = r;
      const k = itemOf(values[spec.itemCol]);
      if (k === null) return fail(out, r, row, names[spec.itemCol], `expected an item number 1–15, got '${cellText(values[spec.itemCol])}'`);
      let v: number | null | AnswerProblem;
      if (spec.selfCol < 0) {
        const p = parseAnswerCell(values[spec.optCol], layout.base);
        v = p !== null && typeof p === "object" ? { row, column: optName, message: p.error } : p;
      } else {
        v = positionOf(layout, k - 1, spec.optCol >= 0 ? values[spec.optCol] : null, values[spec.selfCol], values[spec.otherCol], optName, pairName);
      }
      if (v !== null && typeof v === "object") return fail(out, r, row, v.column, `item ${k}: ${v.message}`);
      if (v === null) return fail(out, r, row, spec.optCol >= 0 ? optName : pairName, `item ${k}: no answer`);
      const at = r * 15 + k - 1;
      if (!Number.isNaN(answers[at])) return fail(out, r, row, names[spec.itemCol], `item ${k} of '${id}' was already answered in row ${itemRow[at]}`);
      answers[at] = v;
      itemRow[at] = row;
      if (spec.angleCol >= 0) {
        const a = parseNumberCell(values[spec.angleCol], "an angle in degrees");
        if (a !== null && typeof a === "object") return fail(out, r, row, names[spec.angleCol], a.error);
        if (a !== null) {
          if (!Number.isNaN(angle[r]) && angle[r] !== a) return fail(out, r, row, names[spec.angleCol], `'${id}' has the stored angle ${angle[r]} in an earlier row and ${a} here`);
          angle[r] = a;
          angleDec[r] = decimalsOf(values[spec.angleCol]);
        }
      }
      if (spec.typeCol >= 0) {
        const c = parseCategoryCell(values[spec.typeCol]);
        if (c !== null && typeof c === "object") return fail(out, r, row, names[spec.typeCol], c.error);
        if (c !== null) {
          const ci = CATS.indexOf(c);
          if (category[r] >= 0 && category[r] !== ci) return fail(out, r, row, names[spec.typeCol], `'${id}' has the stored type ${CATS[category[r]]} in an earlier row and ${c} here`);
          category[r] = ci;
        }
      }
    },
    /** The respondents, in order of first appearance (after the last row). */
    *finish(): Generator<AnswerEntry> {
      for (let r = 0; r < ids.length; r++) {
        if (bad[r]) continue;
        const a = new Array<number | null>(15);
        const missing: number[] = [];
        for (let k = 0; k < 15; k++) {
          const x = answers[r * 15 + k];
          a[k] = Number.isNaN(x) ? null : x;
          if (k < 6 && a[k] === null) missing.push(k + 1);
        }
        if (missing.length > 0) {
          yield {
            record: null,
            problems: [{ row: firstRow[r], column: names[spec.itemCol], message: `'${ids[r]}' has no row for primary item${missing.length > 1 ? "s" : ""} ${missing.join(", ")}` }],
          };
          continue;
        }
        yield {
          record: {
            row: firstRow[r], id: ids[r], answers: a, app: null, round: null,
            storedAngle: Number.isNaN(angle[r]) ? null : angle[r], storedAngleDecimals: angleDec[r],
            storedCategory: category[r] < 0 ? null : CATS[category[r]],
          },
          problems: null,
        };
      }
    },
  };
}
