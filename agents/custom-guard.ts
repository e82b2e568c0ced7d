/**
 * A custom agent module is someone else's code running inside the run: its `decide()` is bounded
 * by a timeout (`decideTimeoutMs` on the agent entry, default 30 s) and its result is checked. A
 * decide that never settles, throws a non-error, or returns something that is not a decision is
 * a fault of the module, not an answer: the run stops (its sessions in flight are left for
 * resume, nothing is recorded for them) and `hvae run` exits 2 naming the module.
 *
 * @example
 * const safe = guardAgent(agent, spec, file, { onFault: (msg) => console.error(msg) });
 */
import type { Agent, AgentSpec, Decision, Observation } from "./agent.ts";

export const DEFAULT_DECIDE_TIMEOUT_MS = 30_000;
/** setTimeout's limit: a larger delay fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What makes the environment stop the run (see isRunStop in src/models/gateway-types.ts). */
export class AgentFaultError extends Error {
  readonly runStop = "failed" as const;
  constructor(message: string) {
    super(message);
    this.name = "AgentFaultError";
  }
}

export interface GuardOptions {
  /** Told once per fault, before the session is aborted. */
  readonly onFault?: (message: string) => void;
}

/** The entry's timeout, or a message saying why it is not one. */
export function decideTimeout(spec: AgentSpec): number | string {
  const v = spec.decideTimeoutMs;
  if (v === undefined || v === null) return DEFAULT_DECIDE_TIMEOUT_MS;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > MAX_TIMER_MS) {
    return `agent ${spec.id}: decideTimeoutMs: expected an integer from 1 to ${MAX_TIMER_MS} (milliseconds), got ${JSON.stringify(v)}`;
  }
  return v;
}

/** Why `value` is not a Decision for `obs`, or null when it is one. */
export function decisionProblem(value: unknown, obs: Observation): string | null {
  if (value === null || value === undefined) return `returned ${value === null ? "null" : "nothing"}`;
  if (typeof value !== "object") return `returned ${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
  const d = value as Partial<Record<string, unknown>>;
  if (d.kind === "choice") {
    const n = obs.item.options.length;
    if (typeof d.index !== "number" || !Number.isInteger(d.index) || d.index < 0 || d.index >= n) {
      return `returned a choice with index ${JSON.stringify(d.index)}, expected an integer 0–${n - 1}`;
    }
    if (d.reason !== undefined && d.reason !== null && typeof d.reason !== "string") return "returned a choice whose reason is not a string";
    return null;
  }
  if (d.kind === "invalid") {
    if (typeof d.raw !== "string" || typeof d.reason !== "string") return "returned an invalid decision without string raw and reason";
    return null;
  }
  return `returned ${JSON.stringify(value).slice(0, 60)}, expected { kind: "choice", index } or { kind: "invalid", raw, reason }`;
}

/** Wraps a custom agent so its decide() is bounded and checked. */
export function guardAgent(agent: Agent, spec: AgentSpec, file: string, timeoutMs: number, options: GuardOptions = {}): Agent {
  const fault = (what: string) => {
    const message = `agent ${spec.id}: decide() in ${file} ${what}`;
    options.onFault?.(message);
    return new AgentFaultError(message);
  };
  const decide = agent.decide.bind(agent);
  return {
    id: agent.id,
    feedback: agent.feedback?.bind(agent),
    reset: agent.reset?.bind(agent),
    async decide(obs: Observation): Promise<Decision> {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((done) => {
        timer = setTimeout(() => done("timeout"), timeoutMs);
      });
      try {
        const result = await Promise.race([Promise.resolve().then(() => decide(obs)), timeout]);
        if (result === "timeout") throw fault(`did not settle within ${timeoutMs} ms (decideTimeoutMs)`);
        const problem = decisionProblem(result, obs);
        if (problem) throw fault(problem);
        return result;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
