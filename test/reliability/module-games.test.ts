/**
 * A game named by module path is code the scenario runs, like a custom agent: `hvae run` hashes it
 * into the manifest (an experiment into experiment.json and every cell's manifest), names it when
 * it lies outside the scenario's folder, and a resume imports it only unchanged and only when the
 * original run loaded it.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hvae } from "../support/hvae-process.ts";

let dir: string;
const game = () => join(dir, "games", "relay.ts");

/**
 * The relay fixture made to stand alone outside the repository (no imports: a folder in /tmp
 * resolves neither zod nor hvae's types): a hand-written schema with zod's two methods.
 */
function writeGame(): void {
  const source = readFileSync(join(import.meta.dirname, "../fixtures/games/relay.ts"), "utf8")
    .replace(/^import .*$/gm, "")
    .replace(
      /^const Spec = .*$/m,
      `const parse = (v: any) => ({ type: v.type, pot: v.pot ?? 6, rounds: v.rounds ?? 3 });
const Spec = { parse, safeParse: (v: any) => (typeof v?.type === "string" && Object.keys(v).every((k) => ["type", "pot", "rounds"].includes(k)) ? { success: true, data: parse(v) } : { success: false, error: { issues: [{ path: [], message: "bad relay spec" }] } }) };`,
    )
    .replace(/^type Spec = .*$/m, "type Spec = { type: string; pot: number; rounds: number };")
    .replace(/: (Game|GameModule<Spec>|Move|Played\[\]|readonly Played\[\])\b/g, ": any");
  writeFileSync(game(), source);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "hvae-modgame-"));
  mkdirSync(join(dir, "games"));
  mkdirSync(join(dir, "inner"));
  // As a user's project would say: its .ts files are ES modules.
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  writeGame();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCENARIO = `name: relay
seed: 4
trials: 12
game: { type: ../games/relay.ts, pot: 6, rounds: 3 }
pairing: random
feedback: true
agents:
  - { id: g, type: utility, value: individualistic, count: 3 }
  - { id: r, type: random, value: prosocial, count: 3 }
`;

const escape = (s: string) => s.replace(/[.+()]/g, "\\$&");

describe("module-path games", () => {
  it("are announced, hashed into the manifest, and a resume refuses a changed or smuggled game module", async () => {
    const path = join(dir, "inner", "relay.yaml");
    writeFileSync(path, SCENARIO);
    const r = await hvae(["run", path, "--out", join(dir, "runs"), "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^hvae: this scenario runs code from outside its folder \\(${escape(join(dir, "inner"))}\\):\\nhvae:   ${escape(game())} \\(sha256 [0-9a-f]{12}…\\)$`, "m"));
    const manifestPath = join(r.last, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    expect(Object.keys(manifest.modules)).toEqual([game()]);
    expect(manifest.modules[game()]).toMatch(/^[0-9a-f]{64}$/);

    // Resumable again (as if interrupted): half the log, and the same module resumes fine.
    const log = join(r.last, "events.jsonl");
    const lines = readFileSync(log, "utf8").trimEnd().split("\n");
    const cut = () => {
      writeFileSync(manifestPath, JSON.stringify({ ...manifest, status: "interrupted" }));
      writeFileSync(log, lines.slice(0, Math.floor(lines.length / 2)).join("\n") + "\n");
    };
    cut();
    const same = await hvae(["run", "--resume", r.last, "--quiet"]);
    expect(same.code, same.stderr).toBe(0);

    cut();
    appendFileSync(game(), "// changed\n");
    const changed = await hvae(["run", "--resume", r.last, "--quiet"]);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(new RegExp(`^hvae: game module ${escape(game())} changed since the original run \\(sha256 [0-9a-f]{12}…, the manifest has [0-9a-f]{12}…\\)`));

    // A manifest edited to name another game module: never imported.
    const evil = join(dir, "evil.ts");
    writeFileSync(evil, "throw new Error('must not run');\n");
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, status: "interrupted", scenario: { ...manifest.scenario, game: { ...manifest.scenario.game, type: evil } } }));
    const smuggled = await hvae(["run", "--resume", r.last, "--quiet"]);
    expect(smuggled.code).toBe(2);
    expect(smuggled.stderr).toContain(`game module ${evil} was not loaded by the original run`);
    expect(smuggled.stderr).not.toContain("must not run");
  }, 120_000);

  it("an experiment records its modules in experiment.json and in every cell's manifest", async () => {
    writeGame();
    const path = join(dir, "inner", "sweep.yaml");
    writeFileSync(path, SCENARIO.replace("trials: 12", "trials: 4") + "sweep:\n  seed: [1, 2]\n");
    const r = await hvae(["run", path, "--out", join(dir, "exps"), "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`hvae:   ${game()} (sha256 `);
    const experiment = JSON.parse(readFileSync(join(r.last, "experiment.json"), "utf8"));
    expect(Object.keys(experiment.modules)).toEqual([game()]);
    expect(experiment.modules[game()]).toMatch(/^[0-9a-f]{64}$/);
    for (const cell of experiment.cells) expect(JSON.parse(readFileSync(join(r.last, cell.dir, "manifest.json"), "utf8")).modules).toEqual(experiment.modules);
  }, 120_000);
});
