/**
 * Every test file gets its own response cache directory (HVAE_CACHE_DIR, inherited by the hvae
 * processes tests start), so no test reads or writes the user's ~/.cache/hvae and no test sees
 * answers another test paid for. Tests that need a particular cache set HVAE_CACHE or --cache.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "hvae-test-cache-"));
process.env.HVAE_CACHE_DIR = dir;
// Relative or unset XDG_CACHE_HOME must not matter either: HVAE_CACHE_DIR wins over it.
afterAll(() => rmSync(dir, { recursive: true, force: true }));
