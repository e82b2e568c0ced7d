/**
 * The fields every agent type shares, defined once (id, value, count, condition, memory), and the
 * helper that builds an agent type's schema from them plus its own fields. Each agent module's
 * schema is therefore both its config type and its validator, and the scenario schema, `hvae
 * schema`, "did you mean" suggestions and the README's table are built from these schemas.
 *
 * @example
 * export const LogitSpec = agentSchema("logit", { beta: z.number().positive().default(0.2) });
 * type LogitSpec = z.infer<typeof LogitSpec>; // { id, type: "logit", value, count, condition, memory, beta }
 */
import { z } from "zod";
import { Id, ValueField } from "../src/core/fields.ts";

export const COMMON_AGENT_FIELDS = {
  id: Id,
  /** The value the agent is told (or built) to hold: a category or an angle in degrees. */
  value: ValueField,
  /** Expand this entry into `count` agents with ids `${id}-1` … `${id}-${count}`. */
  count: z.number().int().positive().max(1_000_000).default(1),
  /** Label for grouping in reports (defaults per type, e.g. the prompt condition of llm agents). */
  condition: z.string().nullable().default(null),
  /**
   * With feedback, how many past rounds with a partner (or group) the agent remembers, across
   * trials; null: the scenario's `memory`, else two trials' worth of rounds.
   */
  memory: z.number().int().nonnegative().nullable().default(null),
};

/**
 * An agent type's schema: the common fields, the literal `type`, and the type's own fields (which
 * may override a common field's default, as llm does for `memory`). Unknown fields are rejected.
 */
export function agentSchema<T extends string, F extends z.ZodRawShape>(type: T, fields: F) {
  return z.object({ ...COMMON_AGENT_FIELDS, type: z.literal(type), ...fields }).strict();
}
