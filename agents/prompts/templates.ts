/**
 * The LLM agent's prompt templates, in our own wording (METHOD §5 describes the protocol, not
 * the text). Each is replaceable by name from the scenario (`prompts.templates`), so prompt
 * design is an experimental factor. Placeholders are `{{name}}`; each template may use only
 * the variables listed for it, and a replacement using any other is rejected at load.
 *
 * @example
 * const t = resolveTemplates({ goal_neutral: "Pick what suits you." });
 * render(t.role, { person: "the person you just described" });
 */
import { InputError } from "../../src/core/errors.ts";

/** Every template with its default text and the variables it may use. */
export const TEMPLATES = {
  /** Step 1: ask for a description of a person holding the value; the answer stays in context. */
  describe: {
    vars: ["value"],
    text: "Describe the typical character of a person whose value system is {{value}}. What matters to them, how do they treat other people, and what do they want when something is shared? Answer in one short paragraph.",
  },
  /** Step 2: the role instruction. */
  role: {
    vars: ["person", "value"],
    text: "From now on you are {{person}}. Think, feel and decide exactly as this person would in everything that follows, and never step out of the role.",
  },
  /** Who the agent is when the description step is on / off (fills {{person}}). */
  person_described: { vars: ["value"], text: "the person you just described" },
  person_plain: { vars: ["value"], text: "a person whose value system is {{value}}" },
  /** The task, shown before the goal (or the first decision). */
  task: {
    vars: ["company"],
    text: "You are going to make a series of decisions. In each one you see several options, each labelled with a letter. Every option splits coins between you and the other participant. {{company}}",
  },
  /** {{company}} when playing against a passive other (the paper's single-agent protocol). */
  company_alone: {
    vars: [],
    text: "The other participant is a real person whom you will never meet; they make no decisions and simply receive what you give them.",
  },
  /** {{company}} in paired games. */
  company_paired: {
    vars: [],
    text: "The other participant is another person who makes the same decision at the same time. You receive the coins you give yourself plus the coins the other participant gives you, and they receive the same way.",
  },
  company_feedback: {
    vars: [],
    text: "After each decision you will learn what the other participant chose and what each of you received.",
  },
  /** Step 3 (goal prompting on): ask for a one-sentence goal. */
  goal: {
    vars: ["task"],
    text: "{{task}}\n\nAs this person, what goal would satisfy you most in these decisions? State it in one sentence.",
  },
  /** The fixed goal used when goal prompting is off. */
  goal_neutral: { vars: [], text: "Choose the option you prefer in each decision." },
  /** Preamble of the first decision when goal prompting is off. */
  preamble: { vars: ["task", "goal"], text: "{{task}}\n\nYour goal: {{goal}}" },
  /** Step 4: one decision. */
  item: {
    vars: ["number", "count", "goal", "options", "instruction", "history"],
    text: "{{history}}Decision {{number}} of {{count}}. Keep your goal in mind: {{goal}}\n\n{{options}}\n\n{{instruction}}",
  },
  option: { vars: ["label", "self", "other"], text: "{{label}}: you get {{self}}, the other participant gets {{other}}" },
  instruction_structured: { vars: ["labels"], text: "Which option do you choose? Give its letter ({{labels}}) and a short reason." },
  instruction_text: {
    vars: ["labels", "first"],
    text: "Which option do you choose? Begin your reply with the letter alone ({{labels}}), for example \"{{first}}\", then give a short reason.",
  },
  /** What the agent learns about past rounds with its partner (feedback on). */
  history_header: { vars: [], text: "What happened in the previous decisions with the other participant:" },
  history_round: {
    vars: ["number", "own", "partner", "received", "partnerReceived"],
    text: "Decision {{number}}: you chose {{own}}; the other participant chose {{partner}}. You received {{received}} coins in total and the other participant received {{partnerReceived}}.",
  },
  /** A round from an earlier trial with the same partner (trial is 1-based); per-partner memory spans trials. */
  history_round_earlier: {
    vars: ["trial", "number", "own", "partner", "received", "partnerReceived"],
    text: "Earlier series {{trial}}, decision {{number}}: you chose {{own}}; the other participant chose {{partner}}. You received {{received}} coins in total and the other participant received {{partnerReceived}}.",
  },
  history_choice: { vars: ["label", "self", "other"], text: "{{label}} ({{self}} for the chooser, {{other}} for the other)" },
  history_none: { vars: [], text: "no valid option" },
  /** The one repair turn after an answer that names no single option. */
  repair: {
    vars: ["problem", "labels"],
    text: "I could not read your choice ({{problem}}). Reply with exactly one letter from {{labels}}.",
  },
} as const satisfies Record<string, { vars: readonly string[]; text: string }>;

export type TemplateName = keyof typeof TEMPLATES;
export type Templates = Record<TemplateName, string>;

/** Defaults overridden by the scenario's replacements; unknown names or variables are input errors. */
export function resolveTemplates(overrides: Readonly<Record<string, string>>, where = "prompts.templates"): Templates {
  const out = Object.fromEntries(Object.entries(TEMPLATES).map(([k, v]) => [k, v.text])) as Templates;
  for (const [name, text] of Object.entries(overrides)) {
    if (!Object.hasOwn(TEMPLATES, name))
      throw new InputError(`${where}.${name}: unknown template (known: ${Object.keys(TEMPLATES).join(", ")})`);
    const allowed: readonly string[] = TEMPLATES[name as TemplateName].vars;
    for (const m of text.matchAll(/\{\{\s*([A-Za-z_]+)\s*\}\}/g)) {
      if (!allowed.includes(m[1]))
        throw new InputError(`${where}.${name}: unknown placeholder {{${m[1]}}} (allowed: ${allowed.map((v) => `{{${v}}}`).join(", ") || "none"})`);
    }
    out[name as TemplateName] = text;
  }
  return out;
}

/** Fills `{{name}}` placeholders; a missing variable is a programming error, so it throws. */
export function render(template: string, vars: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{\{\s*([A-Za-z_]+)\s*\}\}/g, (_m, name: string) => {
    if (!Object.hasOwn(vars, name)) throw new Error(`template variable {{${name}}} has no value`);
    return String(vars[name]);
  });
}
