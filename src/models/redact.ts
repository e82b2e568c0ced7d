/**
 * Scrubbing secrets out of text before anything is logged: a server's error body may echo the
 * key back, plainly or inside base64 (a Basic auth header, a token it decoded). Each secret is
 * replaced as written and in every base64 alignment (standard and URL-safe alphabets).
 *
 * @example
 * const redact = createRedactor(["sk-test-1234567890"]);
 * redact("Incorrect API key provided: sk-test-1234567890"); // "Incorrect API key provided: [redacted]"
 */

/** Environment variables that hold the keys of the providers hvae knows, scrubbed even when no endpoint names them. */
export const WELL_KNOWN_KEY_VARS = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY"] as const;

/**
 * The runs of base64 characters that encode `secret` wherever it sits in a longer base64 text:
 * for each of the three byte offsets, the characters determined by the secret's bytes alone.
 */
export function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const out = new Set<string>();
  for (let k = 0; k < 3; k++) {
    const b64 = Buffer.concat([Buffer.alloc(k), bytes]).toString("base64");
    const from = Math.ceil((8 * k) / 6);
    const to = Math.floor((8 * (k + bytes.length)) / 6);
    const core = b64.slice(from, to);
    if (core.length >= 8) {
      out.add(core);
      out.add(core.replace(/\+/g, "-").replace(/\//g, "_"));
    }
  }
  return [...out];
}

/** A function replacing every given secret (of 8 characters or more, shorter ones plainly only if 4+) by "[redacted]". */
export function createRedactor(secrets: readonly (string | undefined | null)[]): (text: string) => string {
  const needles = new Set<string>();
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    needles.add(s);
    if (s.length >= 8) for (const f of base64Forms(s)) needles.add(f);
  }
  // Longest first, so a secret is never half-replaced by a shorter needle inside it.
  const list = [...needles].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => list.reduce((out, needle) => (out.includes(needle) ? out.split(needle).join("[redacted]") : out), text);
}

/** The secrets a gateway may hold: the well-known key variables and every endpoint's apiKeyEnv. */
export function secretsOf(
  endpoints: Readonly<Record<string, { apiKeyEnv: string | null }>>,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const names = new Set<string>([...WELL_KNOWN_KEY_VARS, ...Object.values(endpoints).map((e) => e.apiKeyEnv ?? "")]);
  return [...names].map((n) => (n ? env[n] : undefined)).filter((v): v is string => !!v);
}
