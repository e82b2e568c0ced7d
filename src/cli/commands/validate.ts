/**
 * `hvae validate <file>`: checks a scenario and either prints a one-line summary (exit 0) or every
 * problem with its path and line (exit 2, through ScenarioError).
 *
 * @example
 * $ hvae validate scenarios/demo.yaml
 * ok: demo — 8 agents, 3360 decisions planned
 */
import { parseFlags } from "../args.ts";
import { InputError } from "../../core/errors.ts";
import { loadScenario } from "../../scenario/load.ts";
import { estimatePlan } from "../../scenario/limits.ts";
import { SCENARIO_CHECKS } from "../scenario-checks.ts";
import { expandAgents } from "../../scenario/expand.ts";
import { planRun } from "../../environment/environment.ts";

const USAGE = "hvae validate <scenario.yaml|json>";

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {}, USAGE);
  if (values.help) {
    console.log(`usage: ${USAGE}\n\nChecks a scenario file and reports every problem with its path and line.`);
    return 0;
  }
  if (positionals.length !== 1) throw new InputError(`expected one scenario file\nusage: ${USAGE}`);
  const { scenario, cells } = await loadScenario(positionals[0], { checks: SCENARIO_CHECKS });
  // The engine's own plan, so the count is what `hvae run` will request.
  // A very large plan is counted by arithmetic instead, so validate answers at once whatever the size.
  const planned = (s: typeof scenario) => {
    const estimate = estimatePlan(s);
    return estimate && estimate.sessions > 1_000_000 ? estimate.decisions : planRun(s, expandAgents(s).map((a) => a.id)).plannedDecisions;
  };
  const agents = expandAgents(scenario).length;
  if (cells) {
    const decisions = cells.reduce((n, c) => n + planned(c.scenario), 0);
    console.log(`ok: ${scenario.name} — ${cells.length} cells (${Object.keys(cells[0].factors).join(" × ")}), ${agents} agents per cell, ${decisions} decisions planned in all`);
  } else {
    console.log(`ok: ${scenario.name} — ${agents} agents, ${planned(scenario)} decisions planned`);
  }
  return 0;
}
