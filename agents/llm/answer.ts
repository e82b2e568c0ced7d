/**
 * Reading the model's answer: a structured {letter, reason} object, or a text that states one
 * clear option letter. Anything else is a problem described in words (for the repair turn and
 * the invalid decision); a letter is never guessed.
 *
 * @example
 * readText("C: it is the fairest split", ["A", "B", "C"]); // { ok: true, index: 2, reason: "it is the fairest split" }
 * readText("A or B, hard to say", ["A", "B", "C"]);         // { ok: false, problem: "names several options (A, B)" }
 */
import { z } from "zod";
import type { ChatResult } from "../../src/models/gateway-types.ts";

export type Reading = { ok: true; index: number; reason: string | null } | { ok: false; problem: string };

/** The structured answer: strict json_schema needs every field present, hence nullable, not optional. */
export function choiceSchema(labels: readonly string[]) {
  const key = labels.join("\u0000");
  let schema = choiceSchemas.get(key);
  if (!schema) choiceSchemas.set(key, (schema = buildChoiceSchema(labels)));
  return schema;
}

function buildChoiceSchema(labels: readonly string[]) {
  return z.object({
    letter: z.enum(labels as [string, ...string[]]).describe("the letter of the chosen option"),
    reason: z.string().nullable().describe("one short sentence: why this option"),
  });
}

/**
 * A memo of a pure function (a handful of label sets per run): one schema object per label set
 * lets zod compile its parser once and the gateway derive the JSON schema once, instead of per decision.
 */
const choiceSchemas = new Map<string, ReturnType<typeof buildChoiceSchema>>();

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function tidyReason(text: string): string | null {
  const r = text.trim().replace(/^[\s:.)\]\-–—,]+/, "").trim();
  return r ? r.slice(0, 500) : null;
}

/**
 * The label `written` stands for: itself, or, when the labels differ in more than case, the one
 * label equal to it ignoring case ("a" for "A"); undefined otherwise.
 */
export function matchLabel(written: string, labels: readonly string[]): string | undefined {
  if (labels.includes(written)) return written;
  const lower = written.toLowerCase();
  const same = labels.filter((l) => l.toLowerCase() === lower);
  const distinct = new Set(labels.map((l) => l.toLowerCase())).size === labels.length;
  return distinct && same.length === 1 ? same[0] : undefined;
}

/** A text answer: the label alone, a label opening the reply, or labels named after "option", "choose", …, exactly one of them. */
export function readText(raw: string, labels: readonly string[]): Reading {
  const text = raw.replace(/[*_`]/g, "").trim();
  if (!text) return { ok: false, problem: "empty answer" };
  const alt = [...labels].sort((a, b) => b.length - a.length).map(esc).join("|");
  const found = (label: string, rest: string): Reading => ({ ok: true, index: labels.indexOf(label), reason: tidyReason(rest) });

  // The label alone ("c", "(C)", "C.") may be in either case when that is unambiguous.
  const alone = new RegExp(`^["'(\\[]*(${alt})["')\\].!]*$`, "i").exec(text);
  const aloneLabel = alone ? matchLabel(alone[1], labels) : undefined;
  if (aloneLabel) return found(aloneLabel, "");
  // A reply that opens with the label: "C", "C:", "C.", "(C)", "Option C -", "c: …" ("I think" and "A good" do not count).
  const lead = new RegExp(`^["'(\\[]*(?:(?:option|choice|answer|letter)\\s*:?\\s*)?["'(\\[]?(${alt})(?:["')\\]]|\\s*[.:\\-–—]|\\s*\\n)`, "i").exec(text);
  const leadLabel = lead ? matchLabel(lead[1], labels) : undefined;
  if (lead && leadLabel) {
    const rest = text.slice(lead[0].length);
    const others = namedLabels(rest, alt, labels).filter((l) => l !== leadLabel);
    if (others.length === 0) return found(leadLabel, rest);
    return { ok: false, problem: `names several options (${[leadLabel, ...others].join(", ")})` };
  }
  const named = namedLabels(text, alt, labels);
  if (named.length === 1) return found(named[0], text.replace(new RegExp(`^.*?\\b${esc(named[0])}\\b`, "s"), ""));
  if (named.length > 1) return { ok: false, problem: `names several options (${named.join(", ")})` };
  return { ok: false, problem: "names no option letter" };
}

/** Labels named right after a choice word ("I choose C", "option B", "my answer is: D"), in order, distinct. */
function namedLabels(text: string, alt: string, labels: readonly string[]): string[] {
  const re = new RegExp(
    `\\b(?:option|choice|answer|letter|choose|chose|choosing|pick|picked|select|selected|go with|going with)\\b\\s*(?:is|would be|will be)?\\s*[:=]?\\s*["'(\\[]?(${alt})\\b`,
    "gi",
  );
  const out: string[] = [];
  for (const m of text.matchAll(re)) {
    // The label itself must be written as shown (upper case): "choose a fair split" names nothing.
    if (labels.includes(m[1]) && !out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

/** A structured answer; a server that ignores the schema and answers in text still gets read as text. */
export function readStructured(result: ChatResult, labels: readonly string[]): Reading {
  if (result.refusal) return { ok: false, problem: `refused: ${result.refusal.slice(0, 200)}` };
  const parsed = result.parsed as { letter?: unknown; reason?: unknown } | null;
  if (parsed && typeof parsed.letter === "string" && labels.includes(parsed.letter)) {
    return { ok: true, index: labels.indexOf(parsed.letter), reason: typeof parsed.reason === "string" ? tidyReason(parsed.reason) : null };
  }
  const content = result.content.trim();
  if (!content) return { ok: false, problem: "empty answer" };
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return readText(content, labels);
  }
  const letter = (json as { letter?: unknown } | null)?.letter;
  const label = typeof letter === "string" ? matchLabel(letter.trim(), labels) : undefined;
  if (label) {
    const reason = (json as { reason?: unknown }).reason;
    return { ok: true, index: labels.indexOf(label), reason: typeof reason === "string" ? tidyReason(reason) : null };
  }
  return { ok: false, problem: typeof letter === "string" ? `letter '${letter.slice(0, 20)}' is not one of the options` : "the answer has no letter field" };
}
