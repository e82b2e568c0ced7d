/**
 * manifest.json: what a run was (the resolved scenario, seed, argv, versions of hvae and its key
 * dependencies) and how it went (start and end times, status, one entry per resumed segment).
 * It is rewritten atomically (a fresh temp file, fsync, rename, fsync of the directory), so a crash
 * or a full disk never leaves half a manifest: the old one stays until the new one is whole.
 *
 * @example
 * writeManifest(dir, { ...manifest, status: "completed", endedAt: new Date().toISOString() });
 * const m = readManifest(dir); // validated; InputError naming the field when broken
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { InputError } from "../core/errors.ts";
import { RunStatus } from "../core/events.ts";
import { asIoError } from "./io-failure.ts";
import { manifestPath } from "./run-dir.ts";

export const ManifestStatus = z.union([RunStatus, z.literal("running")]);
export type ManifestStatus = z.infer<typeof ManifestStatus>;

/** How one model endpoint fared in a segment (see EndpointStats in src/models/gateway-types.ts). */
export const EndpointRecord = z.object({
  calls: z.number().int().nonnegative(),
  cacheHits: z.number().int().nonnegative(),
  attempts: z.number().int().nonnegative(),
  retries: z.number().int().nonnegative(),
  retryCauses: z.record(z.string(), z.number().int().nonnegative()),
  failedCalls: z.number().int().nonnegative(),
  failure: z.string().nullable(),
});

export const Segment = z.object({
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  status: ManifestStatus,
  argv: z.array(z.string()),
  /** Per model endpoint: calls, retries by cause, failed calls and why it failed (runs with llm agents). */
  endpoints: z.record(z.string(), EndpointRecord).optional(),
  /**
   * Endpoint fields this segment changed from the command line (`local.baseURL=http://…`; never a
   * key: apiKeyEnv names a variable), and the scenario file whose `endpoints:` it re-read
   * (--reload-endpoints). The manifest's scenario holds the endpoints as changed.
   */
  endpointChanges: z.array(z.string()).optional(),
  endpointsReloadedFrom: z.string().optional(),
});

/** Whole-run totals written when a segment ends (every segment of a resumed run, from run.completed). */
export const RunTotalsRecord = z.object({
  decisions: z.number().int().nonnegative(),
  invalid: z.number().int().nonnegative(),
  calls: z.number().int().nonnegative(),
  cacheHits: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  /** USD; null when a call had no known price (then `pricedCostUsd` is the known part, `unpricedCalls` counts the others). */
  costUsd: z.number().nonnegative().nullable(),
  /** Absent in manifests from before unpriced calls were counted (their cost was then a number). */
  pricedCostUsd: z.number().nonnegative().optional(),
  unpricedCalls: z.number().int().nonnegative().optional(),
  /** Active seconds: each segment from its start to its last event. */
  seconds: z.number().nonnegative(),
});

export type RunTotalsRecord = z.infer<typeof RunTotalsRecord>;

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
  /**
   * Custom module files the run loaded, with the SHA-256 of their content: a resume loads these
   * and nothing else (a manifest from before this field lists none).
   */
  modules: z.record(z.string(), z.string()).default({}),
  /**
   * Endpoints (structuredOutput: auto) that rejected structured output, with the server's reason:
   * their decisions were asked for as text answers from then on.
   */
  structuredFallbacks: z.record(z.string(), z.string()).optional(),
  /** Totals of the whole run so far (all segments); absent until a segment ends with run.completed. */
  totals: RunTotalsRecord.optional(),
});
export type Manifest = z.infer<typeof Manifest>;
/** What a writer gives (fields with defaults may be left out). */
export type ManifestInput = z.input<typeof Manifest>;

export function writeManifest(dir: string, manifest: ManifestInput): void {
  const path = manifestPath(dir);
  const data = Buffer.from(JSON.stringify(manifest, null, 2) + "\n", "utf8");
  // O_EXCL on a name of our own: never follows a planted symlink, never shares a temp file.
  const tmp = `${path}.${process.pid}.tmp`;
  let fd: number | null = null;
  try {
    fd = openSync(tmp, "wx", 0o644);
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
    syncDir(dirname(path));
  } catch (err) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // closing is best effort; the temp file goes next
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // not created, or renamed already
    }
    throw asIoError(err, "the manifest", path, data.length);
  }
}

/** The rename itself is durable only once the directory is synced (not possible everywhere). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  }
}

export function readManifest(dir: string): Manifest {
  const path = manifestPath(dir);
  if (!existsSync(path)) throw new InputError(`${path}: no manifest (is '${dir}' a run directory?)`);
  if (!statSync(path).isFile()) throw new InputError(`${path}: not a regular file`);
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
