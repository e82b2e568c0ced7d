/**
 * manifest.json: what a run was (the resolved scenario, seed, argv, versions of hvae and its key
 * dependencies) and how it went (start and end times, status, one entry per resumed segment).
 * It is rewritten atomically (temp file + rename), so a crash never leaves half a manifest.
 *
 * @example
 * writeManifest(dir, { ...manifest, status: "completed", endedAt: new Date().toISOString() });
 * const m = readManifest(dir); // validated; InputError naming the field when broken
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { InputError } from "../core/errors.ts";
import { RunStatus } from "../core/events.ts";
import { manifestPath } from "./run-dir.ts";

export const ManifestStatus = z.union([RunStatus, z.literal("running")]);
export type ManifestStatus = z.infer<typeof ManifestStatus>;

export const Segment = z.object({
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  status: ManifestStatus,
  argv: z.array(z.string()),
});

export const Manifest = z.object({
  runId: z.string(),
  status: ManifestStatus,
  /** The scenario after validation, defaults and command-line overrides: what actually ran. */
  scenario: z.record(z.string(), z.unknown()),
  scenarioPath: z.string(),
  /** Where relative custom agent module paths resolve from. */
  scenarioDir: z.string(),
  seed: z.number().int(),
  argv: z.array(z.string()),
  versions: z.record(z.string(), z.string()),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  plannedDecisions: z.number().int().nonnegative(),
  plannedSessions: z.number().int().nonnegative(),
  segments: z.array(Segment),
});
export type Manifest = z.infer<typeof Manifest>;

export function writeManifest(dir: string, manifest: Manifest): void {
  const path = manifestPath(dir);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(manifest, null, 2) + "\n");
  renameSync(tmp, path);
}

export function readManifest(dir: string): Manifest {
  const path = manifestPath(dir);
  if (!existsSync(path)) throw new InputError(`${path}: no manifest (is '${dir}' a run directory?)`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new InputError(`${path}: not valid JSON`);
  }
  const result = Manifest.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new InputError(`${path}: ${issue.path.join(".") || "manifest"}: ${issue.message}`);
  }
  return result.data;
}

const KEY_DEPENDENCIES = ["langchain", "@langchain/core", "@langchain/openai", "openai", "rxjs", "zod"] as const;

/** Versions of hvae, node and the dependencies that shape a run's results. */
export function collectVersions(): Record<string, string> {
  const root = new URL("../../", import.meta.url);
  const versionOf = (pkgJson: URL): string => {
    try {
      return String(JSON.parse(readFileSync(pkgJson, "utf8")).version);
    } catch {
      return "unknown";
    }
  };
  const versions: Record<string, string> = {
    hvae: versionOf(new URL("package.json", root)),
    node: process.versions.node,
  };
  for (const dep of KEY_DEPENDENCIES) versions[dep] = versionOf(new URL(`node_modules/${dep}/package.json`, root));
  return versions;
}
