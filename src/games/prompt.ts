/**
 * A game's own prompt text for one move. Every N-player and turn-taking game declares two
 * templates: `rules` (the game explained once: who plays, what each choice does, the mover's
 * role) and `move` (one decision: the round, what the mover observes — the offer, the stock, the
 * others' last choices — and the options, labelled as presented). A scenario may replace either
 * under an llm agent's `prompts.templates` by the same name; a replacement may use only the
 * variables the game declares for it.
 *
 * @example
 * const texts = resolveGameTemplates(game, { move: "Round {{round}}. {{options}}" });
 * const { rules, move } = renderGamePrompt(game, move, presented, texts);
 */
import type { Game, Move, MoveOption } from "./contract.ts";

const PLACEHOLDER = /\{\{\s*([A-Za-z_]+)\s*\}\}/g;

/** A problem with a template replacement, named by its path. */
export class GameTemplateError extends Error {}

/**
 * The game's template texts with the scenario's replacements applied. Replacements for names the
 * game does not declare are left to the caller (they may be the two-person item templates);
 * a replacement using a variable the game does not declare for it is an error naming the path.
 */
export function resolveGameTemplates(game: Game, overrides: Readonly<Record<string, string>>, where = "prompts.templates"): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, t] of Object.entries(game.templates)) {
    const text = Object.hasOwn(overrides, name) ? overrides[name] : t.text;
    for (const m of text.matchAll(PLACEHOLDER)) {
      if (!t.vars.includes(m[1])) {
        throw new GameTemplateError(
          `${where}.${name}: unknown placeholder {{${m[1]}}} for the ${game.type} game (allowed: ${t.vars.map((v) => `{{${v}}}`).join(", ") || "none"})`,
        );
      }
    }
    out[name] = text;
  }
  return out;
}

/** Fills `{{name}}` placeholders; a variable without a value is a programming error. */
export function fill(template: string, vars: Readonly<Record<string, string | number>>): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => {
    if (!Object.hasOwn(vars, name)) throw new Error(`template variable {{${name}}} has no value`);
    return String(vars[name]);
  });
}

/** Every template of the game rendered for one move, its options as presented. */
export function renderGamePrompt(
  game: Game,
  move: Move,
  presented: readonly { readonly label: string; readonly option: MoveOption }[],
  templates: Readonly<Record<string, string>> = resolveGameTemplates(game, {}),
): Record<string, string> {
  const vars = game.promptVars(move, presented);
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(templates)) out[name] = fill(text, vars);
  return out;
}
