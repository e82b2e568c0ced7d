/**
 * The persistent response cache: one SQLite file (better-sqlite3) in WAL mode, so a crash
 * loses at most the call in flight and two runs can read and write it at once (busy_timeout
 * makes a writer wait for the other instead of failing). Keys are the SHA-256 of a canonical
 * JSON of what determines an answer; the API key is never part of it.
 *
 * @example
 * const cache = openCache(".hvae/cache.sqlite");
 * const key = cacheKey({ baseURL, model: "gpt-4o-mini", params, messages, schema: null, sampleIndex: 0 });
 * cache.get(key) ?? cache.put(key, answer);
 * cache.close();
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

export interface CachedResponse {
  content: string;
  parsed: unknown | null;
  refusal: string | null;
  inputTokens: number;
  outputTokens: number;
  /** Option probabilities by label (absent in entries written before they existed). */
  probabilities?: Record<string, number> | null;
}

export interface CacheKeyParts {
  baseURL: string;
  model: string;
  params: unknown;
  messages: unknown;
  /** The JSON Schema sent as response format, or null for text answers. */
  schema: unknown;
  sampleIndex: number;
}

export interface ResponseCache {
  get(key: string): CachedResponse | null;
  put(key: string, value: CachedResponse): void;
  close(): void;
}

/** JSON with object keys sorted at every depth, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function cacheKey(parts: CacheKeyParts): string {
  const { baseURL, model, params, messages, schema, sampleIndex } = parts;
  return createHash("sha256")
    .update(canonicalJson({ v: 1, baseURL: baseURL.replace(/\/+$/, ""), model, params, messages, schema, sampleIndex }))
    .digest("hex");
}

/** Opens (creating if needed) the cache file. */
export function openCache(path: string): ResponseCache {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("busy_timeout = 10000");
  db.pragma("journal_mode = WAL");
  // NORMAL in WAL mode survives a process crash; only an OS crash may lose the last commits.
  db.pragma("synchronous = NORMAL");
  db.exec(
    "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value TEXT NOT NULL, created TEXT NOT NULL)",
  );
  const select = db.prepare<[string], { value: string }>("SELECT value FROM responses WHERE key = ?");
  const upsert = db.prepare<[string, string, string]>(
    "INSERT OR REPLACE INTO responses (key, value, created) VALUES (?, ?, ?)",
  );
  return {
    get(key) {
      const row = select.get(key);
      return row ? (JSON.parse(row.value) as CachedResponse) : null;
    },
    put(key, value) {
      upsert.run(key, JSON.stringify(value), new Date().toISOString());
    },
    close() {
      if (db.open) db.close();
    },
  };
}
