/**
 * Option probabilities from a model's next-token distribution at the position where it writes
 * the option label: each label's mass is the sum over the tokens that spell it (with or without a
 * leading space, with or without trailing punctuation such as "A." or "A:"), renormalised over
 * the labels offered. A label no candidate token spells gets 0; when no label has any mass, or two
 * labels cannot be told apart by their first token, the result is null (unknown, not zero).
 *
 * @example
 * labelProbabilities([["A", 0.5], [" B", 0.25], ["x", 0.25]], ["A", "B"]); // { A: 0.667, B: 0.333 }
 */

/** The label a token spells, if any: its text without leading spaces, then the label alone or followed by a non-word character. */
function labelOf(token: string, labels: readonly string[]): string | null {
  const t = token.replace(/^[\s\u2581\u0120]+/, "");
  if (!t) return null;
  let best: string | null = null;
  for (const l of labels) {
    if (t === l || (t.startsWith(l) && /^[^A-Za-z0-9]/.test(t.slice(l.length)))) {
      if (best === null || l.length > best.length) best = l;
    }
  }
  return best;
}

/** Probabilities per label from (token text, probability) candidates; null when unavailable. */
export function labelProbabilities(candidates: Iterable<readonly [string, number]>, labels: readonly string[]): Record<string, number> | null {
  if (labels.length === 0) return null;
  // A label that is a prefix of another (A and AB) cannot be told apart from a first token.
  for (const a of labels) for (const b of labels) if (a !== b && b.startsWith(a)) return null;
  const mass: Record<string, number> = Object.fromEntries(labels.map((l) => [l, 0]));
  let total = 0;
  for (const [token, p] of candidates) {
    if (!(p > 0)) continue;
    const l = labelOf(token, labels);
    if (l === null) continue;
    mass[l] += p;
    total += p;
  }
  if (!(total > 0)) return null;
  for (const l of labels) mass[l] /= total;
  return mass;
}

interface LogprobToken {
  token: string;
  logprob: number;
  top_logprobs?: { token: string; logprob: number }[];
}

/**
 * Option probabilities from an OpenAI-style `logprobs.content` list: at the token where the
 * answer's label starts (the value of a JSON `"letter"` field, else the first non-blank token of
 * a text answer), from that token's `top_logprobs` (or the token alone when none were sent).
 */
export function probabilitiesFromLogprobs(content: readonly LogprobToken[] | null | undefined, labels: readonly string[]): Record<string, number> | null {
  if (!content || content.length === 0) return null;
  let text = "";
  let at = -1;
  for (let i = 0; i < content.length; i++) {
    const before = text;
    text += content[i].token;
    if (/"letter"\s*:\s*"$/.test(before)) {
      at = i;
      break;
    }
    if (!/^\s*\{/.test(text) && /^[\s"'(*[]*$/.test(before) && labelOf(content[i].token.replace(/^[\s"'(*[]+/, ""), labels) !== null) {
      at = i;
      break;
    }
  }
  if (at < 0) return null;
  const tok = content[at];
  const list = tok.top_logprobs && tok.top_logprobs.length > 0 ? tok.top_logprobs : [{ token: tok.token, logprob: tok.logprob }];
  return labelProbabilities(list.map((t) => [t.token, Math.exp(t.logprob)] as const), labels);
}

/** Probabilities per label in the order given (presented or canonical), or null. */
export function inOrder(probs: Record<string, number> | null, labels: readonly string[]): number[] | null {
  if (!probs) return null;
  const out = labels.map((l) => probs[l]);
  return out.every((p) => typeof p === "number" && Number.isFinite(p)) ? out : null;
}
