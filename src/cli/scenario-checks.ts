/**
 * Scenario checks that need the agents layer, run by `validate` and `run` in the same pass as
 * the scenario's own checks: an llm agent's template replacements must name known templates and
 * only their placeholders.
 *
 * @example
 * await loadScenario(path, { checks: SCENARIO_CHECKS });
 */
import { InputError } from "../core/errors.ts";
import { resolveTemplates } from "../../agents/prompts/templates.ts";
import { problemAt, type Locator, type Problem } from "../scenario/errors.ts";
import type { ExtraCheck } from "../scenario/load.ts";

function templateProblems(raw: Record<string, unknown>, locator: Locator): Problem[] {
  const out: Problem[] = [];
  const agents = Array.isArray(raw.agents) ? raw.agents : [];
  agents.forEach((entry, i) => {
    const e = entry as { type?: unknown; prompts?: { templates?: unknown } } | null;
    const templates = e?.type === "llm" ? e.prompts?.templates : undefined;
    if (typeof templates !== "object" || templates === null) return;
    for (const [name, text] of Object.entries(templates)) {
      if (typeof text !== "string") continue;
      try {
        resolveTemplates({ [name]: text }, "");
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        out.push(problemAt(locator, ["agents", i, "prompts", "templates", name], err.message.replace(/^\.[^:]*: /, "")));
      }
    }
  });
  return out;
}

export const SCENARIO_CHECKS: readonly ExtraCheck[] = [templateProblems];
