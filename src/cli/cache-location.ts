/**
 * Where the response cache lives: one SQLite file per user, shared by every working directory,
 * so `cd elsewhere && hvae run …` never pays again for an answer already bought.
 *
 * In order: `--cache DIR`, `$HVAE_CACHE` (the file itself, kept for scripts that set it),
 * `$HVAE_CACHE_DIR`, `$XDG_CACHE_HOME/hvae`, `~/.cache/hvae`; the file is `cache.sqlite` in the
 * directory.
 *
 * @example
 * cacheFile({ cacheDir: undefined, env: { XDG_CACHE_HOME: "/home/me/.cache" } });
 * // "/home/me/.cache/hvae/cache.sqlite"
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export const CACHE_FILE = "cache.sqlite";

export function cacheFile(opts: { cacheDir?: string; env: NodeJS.ProcessEnv }): string {
  const { cacheDir, env } = opts;
  if (cacheDir) return resolve(cacheDir, CACHE_FILE);
  if (env.HVAE_CACHE) return resolve(env.HVAE_CACHE);
  if (env.HVAE_CACHE_DIR) return resolve(env.HVAE_CACHE_DIR, CACHE_FILE);
  // XDG says a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith("/")) return join(env.XDG_CACHE_HOME, "hvae", CACHE_FILE);
  return join(env.HOME || homedir(), ".cache", "hvae", CACHE_FILE);
}
