/**
 * The value-induction protocol (METHOD §5) as message builders over a per-trajectory
 * conversation: describe the value (answer kept in context), the role instruction, the goal
 * (self-generated or a fixed neutral sentence), then one user message per item with the
 * options under their presented labels, restating the goal, plus what happened with the partner.
 *
 * @example
 * const conv = newConversation();
 * conv.messages.push({ role: "user", content: describeMessage(settings) });
 */
import type { Observation, RoundResult } from "../agent.ts";
import type { ValueSpec } from "../../src/core/events.ts";
import type { ChatMessage } from "../../src/models/gateway-types.ts";
import { render, type Templates } from "../prompts/templates.ts";
import { valuePhrase } from "../prompts/value.ts";

export interface ProtocolSettings {
  readonly templates: Templates;
  readonly value: ValueSpec;
  /** Step 1 on/off. */
  readonly describe: boolean;
  /** Step 3: self-generated goal on/off. */
  readonly goal: boolean;
  readonly structured: boolean;
  readonly paired: boolean;
  readonly feedback: boolean;
  /**
   * Games other than two-person items: the game's own `rules` and `move` templates (replacements
   * applied) and a function giving their variables for an observed move; null for two-person
   * items, whose prompts are the item templates above, byte for byte.
   */
  readonly game?: GamePrompts | null;
}

/** The game's prompt texts and their variables (see src/games/prompt.ts). */
export interface GamePrompts {
  readonly templates: Readonly<Record<string, string>>;
  vars(obs: Observation): Readonly<Record<string, string | number>>;
}

/** One trajectory's conversation; a new trajectory starts a new one. */
export interface Conversation {
  readonly messages: ChatMessage[];
  /** Calls made so far in this trajectory: the sample index counter. */
  calls: number;
  /** Null until the describe / goal steps have run. */
  goal: string | null;
  /** Text to put before the next user message (role, task and neutral goal when goal prompting is off). */
  preamble: string | null;
  /** Past rounds already told, as "trial/round". */
  readonly told: Set<string>;
  /** Games: the rules as rendered for the trajectory's first move (the task text). */
  rules?: string | null;
}

export function newConversation(): Conversation {
  return { messages: [], calls: 0, goal: null, preamble: null, told: new Set() };
}

/** Games: renders the rules for the conversation from its first observed move. */
export function startGame(s: ProtocolSettings, conv: Conversation, obs: Observation): void {
  if (s.game && conv.rules == null && s.game.templates.rules !== undefined) conv.rules = render(s.game.templates.rules, s.game.vars(obs));
}

export function describeMessage(s: ProtocolSettings): string {
  return render(s.templates.describe, { value: valuePhrase(s.value) });
}

function roleMessage(s: ProtocolSettings): string {
  const value = valuePhrase(s.value);
  const person = render(s.describe ? s.templates.person_described : s.templates.person_plain, { value });
  return render(s.templates.role, { person, value });
}

function taskText(s: ProtocolSettings, conv?: Conversation): string {
  // A game explains itself: its rules replace the two-person task and company texts.
  if (s.game && conv?.rules) return conv.rules;
  const t = s.templates;
  const company = s.paired ? [t.company_paired, ...(s.feedback ? [t.company_feedback] : [])].join(" ") : t.company_alone;
  return render(t.task, { company });
}

/** Role instruction plus the request for a one-sentence goal (goal prompting on). */
export function goalMessage(s: ProtocolSettings, conv?: Conversation): string {
  return `${roleMessage(s)}\n\n${render(s.templates.goal, { task: taskText(s, conv) })}`;
}

/** Role instruction, task and the neutral goal, opening the first decision (goal prompting off). */
export function neutralPreamble(s: ProtocolSettings, conv?: Conversation): string {
  return `${roleMessage(s)}\n\n${render(s.templates.preamble, { task: taskText(s, conv), goal: s.templates.goal_neutral })}`;
}

/** The history entries in the observation's window that this conversation has not told yet. */
export function untold(conv: Conversation, history: readonly RoundResult[]): RoundResult[] {
  return history.filter((h) => !conv.told.has(`${h.trial}/${h.round}`));
}

/** Rounds of the current trial read "Decision n"; rounds remembered from earlier trials name their series. */
function historyText(s: ProtocolSettings, results: readonly RoundResult[], trial: number): string {
  if (results.length === 0) return "";
  const t = s.templates;
  // Games: a choice is told by its label and what it did (two-person items: the payoffs, as always).
  const choice = (c: RoundResult["own"]) =>
    c ? (s.game ? `${c.label} (${String(c.action ?? c.option)})` : render(t.history_choice, { label: c.label, self: c.self, other: c.other })) : t.history_none;
  const others = (r: RoundResult) => {
    if (!s.game || !r.choices || !r.members || r.members.length === 2) return choice(r.partner);
    const told = r.choices.filter((_, j) => j !== r.index).map(choice);
    return told.length > 0 ? told.join(", ") : t.history_none;
  };
  const othersReceived = (r: RoundResult) => {
    if (r.partnerReceived !== null || !r.receivedAll) return r.partnerReceived ?? 0;
    return r.receivedAll.filter((_, j) => j !== r.index).join(", ");
  };
  const lines = results.map((r) =>
    render(r.trial === trial ? t.history_round : t.history_round_earlier, {
      trial: r.trial + 1,
      number: r.round + 1,
      own: choice(r.own),
      partner: others(r),
      received: r.received,
      partnerReceived: othersReceived(r),
    }),
  );
  return `${t.history_header}\n${lines.join("\n")}\n\n`;
}

export function labelList(obs: Observation): string {
  return obs.move.options.map((o) => o.label).join(", ");
}

/**
 * The user message for one decision, and what to mark as told once it is kept in the
 * conversation (see commitItem); nothing changes if the call fails and the message is dropped.
 */
export function itemMessage(s: ProtocolSettings, conv: Conversation, obs: Observation): { text: string; told: string[] } {
  const t = s.templates;
  const fresh = s.feedback ? untold(conv, obs.history) : [];
  const labels = labelList(obs);
  const instruction = s.structured
    ? render(t.instruction_structured, { labels })
    : render(t.instruction_text, { labels, first: obs.move.options[0]?.label ?? "A" });
  const body = render(t.item, {
    history: historyText(s, fresh, obs.trial),
    number: obs.round + 1,
    count: obs.rounds,
    goal: conv.goal ?? t.goal_neutral,
    // Games: the game's own move text (what the mover observes, the offer included, and the options).
    options: s.game
      ? render(s.game.templates.move ?? "{{options}}", s.game.vars(obs))
      : obs.item.options.map((o) => render(t.option, { label: o.label, self: o.self, other: o.other })).join("\n"),
    instruction,
  });
  const text = conv.preamble ? `${conv.preamble}\n\n${body}` : body;
  return { text, told: fresh.map((h) => `${h.trial}/${h.round}`) };
}

/** Records that an item message is now part of the conversation. */
export function commitItem(conv: Conversation, told: readonly string[]): void {
  conv.preamble = null;
  for (const k of told) conv.told.add(k);
}

export function repairMessage(s: ProtocolSettings, obs: Observation, problem: string): string {
  return render(s.templates.repair, { problem, labels: labelList(obs) });
}
