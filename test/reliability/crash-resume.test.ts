/**
 * Crash and resume: `hvae run` with llm agents is killed with SIGKILL at seeded random moments,
 * ten times in a row (the first run, then nine `--resume`s), and a last `--resume` finishes.
 *
 * What is proved, precisely:
 * - the final log holds every planned decision exactly once, and its analysis and decisions equal
 *   those of an uninterrupted run with the same seed (the resumed conversations are the same:
 *   the server sees the same set of distinct requests);
 * - no answer is paid for twice, except answers that were in flight at a kill. "In flight" means
 *   the server had not finished sending the response when the kill was issued, or finished it
 *   less than GRACE_MS before (the client had not yet stored it in its cache when it died).
 *   Every other repeated request is a failure. Requests cut off by the kill (no response sent)
 *   are not paid for and may be sent again.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventOf } from "../../src/core/events.ts";
import { createRng } from "../../src/core/random.ts";
import { hvae, outcomes, readLog, startHvae } from "../support/hvae-process.ts";
import { offeredLabels, startOpenAiServer, type FakeOpenAi, type RecordedRequest } from "../support/openai-server.ts";

const KILLS = 10;
/** A response finished this shortly before the kill may not have reached the cache yet. */
const GRACE_MS = 250;
const DELAY_MS = 60;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const countBy = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
const hashOf = (req: RecordedRequest) => createHash("sha256").update(req.raw).digest("hex");

let server: FakeOpenAi;
let dir: string;

beforeAll(async () => {
  server = await startOpenAiServer({
    delayMs: DELAY_MS,
    // The answer depends only on the request, so an uninterrupted run is comparable.
    respond(req) {
      const labels = offeredLabels(req.body);
      if (labels.length === 0) return { kind: "answer", content: `Noted (${hashOf(req).slice(0, 6)}).` };
      return { kind: "answer", letter: labels[parseInt(hashOf(req).slice(0, 8), 16) % labels.length] };
    },
  });
  dir = mkdtempSync(join(tmpdir(), "hvae-crash-"));
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function scenario(): string {
  const path = join(dir, "crash.yaml");
  writeFileSync(
    path,
    `name: crash
seed: 5
trials: 6
pairing: round-robin
feedback: true
game: { type: svo-slider, items: primary, shuffleItems: true, shuffleOptions: true }
endpoints:
  local: { baseURL: "${server.baseURL}", apiKeyEnv: HVAE_CRASH_KEY, timeoutMs: 10000, maxRetries: 2, maxConcurrency: 4 }
agents:
  - { id: pro, type: llm, value: prosocial, model: "local:m", prompts: { describe: true, goal: true } }
  - { id: com, type: llm, value: competitive, model: "local:m", prompts: { describe: false, goal: true } }
  - { id: ind, type: llm, value: individualistic, model: "local:m", prompts: { describe: false, goal: false } }
  - { id: alt, type: llm, value: altruistic, model: "local:m", prompts: { describe: false, goal: false } }
`,
  );
  return path;
}

/** Analysis without what legitimately differs between two runs (ids, event and call counts, cache use). */
function comparable(json: string): unknown {
  // Cost fields differ too: a resumed run is served from the cache the answers the killed one
  // had paid for, and a cached call costs 0 where a paid call of this unpriced model is unknown.
  const drop = new Set(["id", "events", "modelCalls", "cachedCalls", "inputTokens", "outputTokens", "costUsd", "pricedCostUsd", "unpricedCalls"]);
  const strip = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(strip)
      : v && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).filter(([k]) => !drop.has(k)).map(([k, x]) => [k, strip(x)]))
        : v;
  const parsed = JSON.parse(json) as { run: unknown; agents: { id: string }[] };
  return { ...(strip(parsed) as object), agentIds: parsed.agents.map((a) => a.id) };
}

const choices = (runDir: string) =>
  new Map(
    outcomes(readLog(runDir)).map((e) => [e.decisionId, e.type === "decision.made" ? `${e.option}/${e.label}` : `invalid: ${e.reason}`]),
  );

describe("kill -9 at random moments, ten times, then resume", () => {
  it("ends with exactly the planned decisions, pays no received answer twice, and equals an uninterrupted run", async () => {
    const path = scenario();
    const env = { HVAE_CRASH_KEY: "sk-test-crash", HVAE_CACHE: join(dir, "cache.sqlite") };
    const runs = join(dir, "runs");
    const rng = createRng(77);
    const segments: { start: number; kill: number; firstRequest: number; lastRequest: number; how: string }[] = [];
    let runDir: string | null = null;

    for (let i = 0; i < KILLS; i++) {
      const args: string[] = runDir ? ["run", "--resume", runDir, "--quiet"] : ["run", path, "--out", runs, "--quiet"];
      const firstRequest = server.count();
      const start = performance.now();
      const proc = startHvae(args, { env });
      let exited = false;
      void proc.done.then(() => (exited = true));
      // The first run is killed once requests flow (so a run directory exists); later ones either
      // after a few requests or at any moment from start-up on (resume, preflight, replay …).
      let how: string;
      if (i === 0 || rng.next() < 0.6) {
        const after = 12 + rng.int(36);
        while (!exited && server.count() - firstRequest < after && performance.now() - start < 30_000) await sleep(2);
        await sleep(rng.int(40));
        how = `after ${after} requests`;
      } else {
        const ms = 200 + rng.int(1800);
        await sleep(ms);
        how = `at ${ms} ms`;
      }
      const kill = performance.now();
      proc.child.kill("SIGKILL");
      const r = await proc.done;
      expect(r.signal, `segment ${i} ended before the kill (${how}): ${r.stderr}`).toBe("SIGKILL");
      segments.push({ start, kill, firstRequest, lastRequest: server.count(), how });
      runDir ??= join(runs, readdirSync(runs)[0]);
    }
    const crashedRequests = server.count();
    const finalStart = performance.now();
    const last = await hvae(["run", "--resume", runDir!, "--quiet"], { env, timeoutMs: 120_000 });
    expect(last.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(last.code).toBe(0);

    const events = readLog(runDir!);
    const planned = (events[0] as EventOf<"run.started">).plannedDecisions;
    expect(planned).toBe(6 * 6 * 6 * 2);
    const ids = outcomes(events).map((e) => e.decisionId);
    expect(ids).toHaveLength(planned);
    expect(new Set(ids).size).toBe(planned);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "completed" });
    const manifest = (await import("../../src/store/manifest.ts")).readManifest(runDir!);
    expect(manifest.status).toBe("completed");
    // Every process that got as far as asking the model had opened its segment (a kill during
    // start-up may come before it does, more often on a loaded machine), and so did the last run.
    expect(manifest.segments.length).toBeGreaterThanOrEqual(segments.filter((s) => s.lastRequest > s.firstRequest).length + 1);
    // Whole-run totals, not the last segment's: run.completed, the manifest and the closing line
    // agree with the whole log (every segment's model.call events).
    const calls = events.filter((e): e is EventOf<"model.call"> => e.type === "model.call");
    const paidCalls = calls.filter((c) => !c.cached);
    const whole = {
      decisions: planned,
      invalid: 0,
      calls: calls.filter((c) => c.cached || c.attempts > 0).length,
      cacheHits: calls.filter((c) => c.cached).length,
      inputTokens: paidCalls.reduce((n, c) => n + c.inputTokens, 0),
      outputTokens: paidCalls.reduce((n, c) => n + c.outputTokens, 0),
    };
    expect(whole.calls).toBeGreaterThan(planned);
    expect(events.at(-1)).toMatchObject(whole);
    expect(manifest.totals).toMatchObject(whole);
    expect(manifest.totals!.seconds).toBeGreaterThan((performance.now() - finalStart) / 1000 - 5);
    expect(last.stderr).toContain(`whole run: model calls ${whole.calls} (${whole.cacheHits} from cache), tokens in ${whole.inputTokens} / out ${whole.outputTokens}`);

    const crashRun = server.requests.slice(0);

    // The uninterrupted run with the same seed, on a fresh cache, writes the same decisions and analysis.
    const fresh = await hvae(["run", path, "--out", join(dir, "ref"), "--quiet"], { env: { ...env, HVAE_CACHE: join(dir, "ref-cache.sqlite") } });
    expect(fresh.code).toBe(0);
    const reference = server.requests.slice(crashRun.length);
    expect(choices(runDir!)).toEqual(choices(fresh.last));
    const [a, b] = await Promise.all([hvae(["analyze", runDir!, "--json"]), hvae(["analyze", fresh.last, "--json"])]);
    expect(a.code).toBe(0);
    expect(comparable(a.stdout)).toEqual(comparable(b.stdout));

    // Paid answers. Requests are counted by their exact text; the same text may legitimately be
    // asked several times in one run (e.g. the describe prompt opening each trajectory, an
    // independent sample each), as often as the uninterrupted run asks it.
    const needed = countBy(reference.map(hashOf));
    const paid = countBy(crashRun.filter((r) => r.finishedAt !== undefined).map(hashOf));
    expect(new Set(paid.keys())).toEqual(new Set(needed.keys()));
    // An answer paid for beyond that must be one that was in flight at a kill.
    const segmentOf = (at: number) => (at >= finalStart ? -1 : segments.filter((s) => s.start <= at).length - 1);
    const inFlightAtKill = new Map<string, number[]>();
    for (const req of crashRun) {
      const seg = req.finishedAt === undefined ? -1 : segmentOf(req.at);
      if (seg < 0) continue;
      const margin = segments[seg].kill - req.finishedAt!;
      if (margin < GRACE_MS) inFlightAtKill.set(hashOf(req), [...(inFlightAtKill.get(hashOf(req)) ?? []), margin]);
    }
    const margins: number[] = [];
    const violations: string[] = [];
    let repaid = 0;
    for (const [h, n] of paid) {
      const extra = n - needed.get(h)!;
      expect(extra, h).toBeGreaterThanOrEqual(0);
      repaid += extra;
      const close = inFlightAtKill.get(h) ?? [];
      if (extra > close.length) violations.push(`${h.slice(0, 12)}: paid ${n} times, needed ${needed.get(h)}, in flight at a kill ${close.length}`);
      if (extra > 0) margins.push(...close);
    }
    expect(violations).toEqual([]);
    expect(repaid).toBeLessThanOrEqual(4 * KILLS);

    console.log(
      `crash-resume: ${segments.map((s) => `${s.how} (+${s.lastRequest - s.firstRequest})`).join(", ")}; ` +
        `${crashRun.length} requests in all (${crashedRequests} before the last resume) vs ${reference.length} uninterrupted; ` +
        `${repaid} answers paid twice, all delivered within ${GRACE_MS} ms before a kill ` +
        `(their answers were sent ${margins.map((m) => m.toFixed(0)).join("/")} ms before the kill)`,
    );
  }, 240_000);
});
