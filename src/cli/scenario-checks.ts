/**
 * Scenario checks that need the agents layer, run by `validate` and `run` in the same pass as
 * the scenario's own checks: an llm agent's template replacements must name known templates and
 * only their placeholders — the protocol's item templates, or the game's own (`rules`, `move`
 * of public goods, ultimatum, …, and a module game's), with the game's placeholders.
 *
 * @example
 * await loadScenario(path, { checks: SCENARIO_CHECKS });
 */
import { InputError } from "../core/errors.ts";
import { resolveTemplates } from "../../agents/prompts/templates.ts";
import type { Game } from "../games/contract.ts";
import { isModulePath } from "../core/fields.ts";
import { GameTemplateError, resolveGameTemplates } from "../games/prompt.ts";
import { gameModule, loadedGameModule } from "../games/registry.ts";
import { problemAt, type Locator, type Problem } from "../scenario/errors.ts";
import type { ExtraCheck } from "../scenario/load.ts";

/**
 * The game as written, compiled, to know its templates; null when the entry is not valid (its
 * own problems are reported by the schema) or the game has no templates of its own.
 */
function gameOf(raw: Record<string, unknown>, dir: string): Game | null {
  const entry = raw.game ?? { type: "svo-slider" };
  const type = (entry as { type?: unknown } | null)?.type;
  if (typeof type !== "string") return null;
  const loaded = isModulePath(type) ? loadedGameModule(type, dir) : gameModule(type);
  if (!loaded || loaded instanceof InputError) return null;
  const spec = loaded.schema.safeParse(entry);
  if (!spec.success) return null;
  try {
    const game = loaded.create(spec.data as { type: string });
    return Object.keys(game.templates).length > 0 ? game : null;
  } catch {
    return null;
  }
}

function templateProblems(raw: Record<string, unknown>, locator: Locator, dir: string): Problem[] {
  const out: Problem[] = [];
  const agents = Array.isArray(raw.agents) ? raw.agents : [];
  let game: Game | null | undefined;
  agents.forEach((entry, i) => {
    const e = entry as { type?: unknown; prompts?: { templates?: unknown } } | null;
    const templates = e?.type === "llm" ? e.prompts?.templates : undefined;
    if (typeof templates !== "object" || templates === null) return;
    game ??= gameOf(raw, dir);
    for (const [name, text] of Object.entries(templates)) {
      if (typeof text !== "string") continue;
      try {
        // A game's own template names go to the game (as the agent resolves them), the rest to the protocol.
        if (game && Object.hasOwn(game.templates, name)) resolveGameTemplates(game, { [name]: text }, "");
        else resolveTemplates({ [name]: text }, "");
      } catch (err) {
        if (!(err instanceof InputError) && !(err instanceof GameTemplateError)) throw err;
        out.push(problemAt(locator, ["agents", i, "prompts", "templates", name], err.message.replace(/^\.[^:]*: /, "")));
      }
    }
  });
  return out;
}

export const SCENARIO_CHECKS: readonly ExtraCheck[] = [templateProblems];
