/**
 * `hvae validate <file>`: checks a scenario and either prints a one-line summary (exit 0) or every
 * problem with its path and line (exit 2, through ScenarioError).
 *
 * @example
 * $ hvae validate scenarios/demo.yaml
 * ok: demo — 8 agents, 3360 decisions planned
 */
import { parseFlags } from "../args.ts";
import { InputError } from "../errors.ts";
import { loadScenario } from "../../scenario/load.ts";
import { expandAgents } from "../../scenario/expand.ts";
import { roundsPerTrial } from "../../games/plan.ts";
import type { Scenario } from "../../scenario/schema.ts";

const USAGE = "hvae validate <scenario.yaml|json>";

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {}, USAGE);
  if (values.help) {
    console.log(`usage: ${USAGE}\n\nChecks a scenario file and reports every problem with its path and line.`);
    return 0;
  }
  if (positionals.length !== 1) throw new InputError(`expected one scenario file\nusage: ${USAGE}`);
  const { scenario } = await loadScenario(positionals[0]);
  const agents = expandAgents(scenario).length;
  console.log(`ok: ${scenario.name} — ${agents} agents, ${plannedDecisions(scenario, agents)} decisions planned`);
  return 0;
}

/**
 * Decisions a run will request: every member of every session answers every item of every trial.
 * Sessions: one per agent (none), per unordered pair (round-robin), per listed pair (fixed), and
 * ⌊n/2⌋ pairs drawn per trial (random; an odd agent out sits that trial out).
 */
export function plannedDecisions(scenario: Scenario, agents: number): number {
  const perSession = scenario.trials * roundsPerTrial(scenario.game);
  switch (scenario.pairing) {
    case "none":
      return agents * perSession;
    case "round-robin":
      return ((agents * (agents - 1)) / 2) * 2 * perSession;
    case "fixed":
      return scenario.pairs.length * 2 * perSession;
    case "random":
      return Math.floor(agents / 2) * 2 * perSession;
  }
}
