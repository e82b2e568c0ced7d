/**
 * The population a scenario describes: each agent entry expanded by its `count`, with a default
 * condition label for grouping in reports.
 *
 * @example
 * expandAgents(scenario).map((a) => a.id); // entry { id: "u", count: 3 } → ["u-1", "u-2", "u-3"]
 */
import type { AgentSpec } from "../../agents/agent.ts";
import type { AgentEntry, Scenario } from "./schema.ts";

/** Entry index of each expanded agent, in order; useful to point errors at the entry. */
export function expandAgentsWithSource(scenario: Pick<Scenario, "agents">): { spec: AgentSpec; entry: number }[] {
  const out: { spec: AgentSpec; entry: number }[] = [];
  scenario.agents.forEach((entry, index) => {
    const { count, ...fields } = entry;
    const condition = fields.condition ?? defaultCondition(entry);
    const n = count ?? 1;
    for (let k = 1; k <= n; k++) {
      out.push({ spec: { ...fields, id: n === 1 ? entry.id : `${entry.id}-${k}`, condition }, entry: index });
    }
  });
  return out;
}

/** The agents in scenario order; `count: n` gives ids `${id}-1` … `${id}-n` (count 1 keeps the id). */
export function expandAgents(scenario: Pick<Scenario, "agents">): AgentSpec[] {
  return expandAgentsWithSource(scenario).map((a) => a.spec);
}

/** llm: the prompt condition ("goal" / "no-goal"); others: their type (a module's file name). */
function defaultCondition(entry: AgentEntry): string {
  if (entry.type === "llm" && "prompts" in entry) {
    return (entry as { prompts: { goal: boolean } }).prompts.goal ? "goal" : "no-goal";
  }
  const type = String(entry.type);
  return type.startsWith(".") || type.startsWith("/") ? type.replace(/^.*\//, "").replace(/\.[cm]?[jt]s$/, "") : type;
}
