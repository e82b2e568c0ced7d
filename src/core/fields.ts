/**
 * Scenario field types every registry shares (games, agent types, the scenario itself): ids and
 * value targets, each one zod schema that is both the type and the validator.
 *
 * @example
 * Id.parse("alice-1");           // ok
 * ValueField.parse("prosocial"); // ok; ValueField.parse(200) fails: "expected an angle in degrees from -180 to 180"
 */
import { z } from "zod";
import { CATEGORIES } from "./values.ts";

export const Category = z.enum(CATEGORIES);
export type Category = z.infer<typeof Category>;

export const CATEGORY_OR_ANGLE = "expected altruistic, prosocial, individualistic, competitive or an angle in degrees";
const ANGLE_RANGE = "expected an angle in degrees from -180 to 180";

/** A value target: a category name or an angle in degrees. */
export const ValueField = z.union([Category, z.number().min(-180, ANGLE_RANGE).max(180, ANGLE_RANGE)], {
  error: CATEGORY_OR_ANGLE,
});

/** Agent, item and scenario ids: safe in file names, session ids and URLs. */
export const Id = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, "expected letters, digits, '_', '.' or '-' (no spaces, '+', '#' or '/')");

/** A module path in a scenario (`./my-agent.ts`, `../games/my-game.ts`, `/abs/x.ts`), resolved relative to the scenario file. */
export const MODULE_PATH = /^\.{1,2}\/|^\//;

/** True when a `type` names a module path rather than a built-in. */
export function isModulePath(type: string): boolean {
  return MODULE_PATH.test(type);
}
