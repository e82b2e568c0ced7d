/**
 * How a target value is put into words for the model. Categories use their names, with
 * "competitive" phrased as "hyper-competitive" as in the paper; a numeric angle θ becomes a
 * weighting of own versus other's coins (cos θ and sin θ) in plain words.
 *
 * @example
 * valuePhrase("competitive"); // "hyper-competitive"
 * valuePhrase(30);            // "defined by how they weigh coins: each coin they receive is worth 0.87 to them …"
 */
import type { ValueSpec } from "../../src/core/events.ts";

const CATEGORY_WORDS = {
  altruistic: "altruistic",
  prosocial: "prosocial",
  individualistic: "individualistic",
  competitive: "hyper-competitive",
} as const;

const fmt = (x: number) => (Math.abs(x) < 0.005 ? "0" : x.toFixed(2));

/** The words for `{{value}}`. */
export function valuePhrase(value: ValueSpec): string {
  if (typeof value === "string") return CATEGORY_WORDS[value];
  const rad = (value * Math.PI) / 180;
  const self = Math.cos(rad);
  const other = Math.sin(rad);
  const notes: string[] = [];
  if (other < -0.005) notes.push("a coin the other person receives counts against them, so they like the other person to get less");
  if (self < -0.005) notes.push("a coin they receive themselves counts against them");
  const otherWords = Math.abs(other) < 0.005 ? "nothing" : fmt(other);
  return (
    `defined by how they weigh coins: each coin they receive is worth ${fmt(self)} to them and each coin ` +
    `another person receives is worth ${otherWords} to them, and they always prefer the split with the highest total worth` +
    (notes.length ? ` (${notes.join("; ")})` : "")
  );
}
