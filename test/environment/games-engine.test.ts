/**
 * The engine on games beyond two-person items, end to end from the CLI as a user runs it: a
 * user's game module plugged in from a scenario (three players moving in turn, an early end),
 * what each mover observes of the earlier moves of its round, settlement, trial.ended, resume in
 * the middle of a round, and the matching rules for group sizes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { HvaeEvent } from "../../src/core/events.ts";
import { loadGame } from "../../src/games/registry.ts";
import { loadScenario, parseScenarioText } from "../../src/scenario/load.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(root, "bin/hvae");
const scenario = join(root, "test/fixtures/games/relay.yaml");
const out = mkdtempSync(join(tmpdir(), "hvae-games-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const hvae = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });
const events = (dir: string): HvaeEvent[] => readFileSync(join(dir, "events.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
const SESSION = new Set(["trial.started", "decision.requested", "decision.made", "decision.invalid", "round.settled", "trial.ended", "trial.completed"]);
const played = (evs: HvaeEvent[]) => evs.filter((e) => SESSION.has(e.type)).map(({ seq: _s, time: _t, runId: _r, ...rest }) => JSON.stringify(rest));

describe("a user's three-player sequential game module", () => {
  let dir = "";
  it("runs from the scenario: stages in turn, earlier moves observed, settled, ended early", async () => {
    const r = hvae("run", scenario, "--out", out, "--quiet");
    expect(r.status, r.stderr).toBe(0);
    dir = r.stdout.trimEnd().split("\n").at(-1)!;
    const evs = events(dir);
    const started = evs[0];
    expect(started).toMatchObject({ type: "run.started", gameSpec: { type: "./relay.ts", pot: 6, rounds: 3 }, groupSize: 3, turns: "sequential" });
    const made = evs.filter((e) => e.type === "decision.made");
    expect(made.length).toBeGreaterThan(0);
    // Within a round the members move in order, each seeing what the earlier ones kept.
    const byRound = new Map<string, typeof made>();
    for (const d of made) byRound.set(`${d.sessionId}/${d.round}`, [...(byRound.get(`${d.sessionId}/${d.round}`) ?? []), d]);
    for (const round of byRound.values()) {
      expect(round.map((d) => d.member)).toEqual([0, 1, 2].slice(0, round.length));
      expect(round.map((d) => d.role)).toEqual(["first", "second", "third"].slice(0, round.length));
      round.forEach((d, i) => expect(d.facts?.kept).toEqual(round.slice(0, i).map((x) => x.action)));
    }
    // The individualists keep what they can: 2 while the pot allows it.
    for (const d of made.filter((d) => d.agentId.startsWith("g-"))) expect(d.action).toBe(Math.min(2, Number(d.facts?.left)));
    // Settlement: each receives what it kept; an emptied pot ends the trial, said before trial.completed.
    for (const s of evs.filter((e) => e.type === "round.settled")) {
      if (s.type !== "round.settled") continue;
      const kept = made.filter((d) => d.sessionId === s.sessionId && d.round === s.round).map((d) => d.action);
      expect(s.outcomes.map((o) => o.received)).toEqual(kept);
      expect(s.groupId).toBe(s.sessionId.split("#")[0]);
    }
    const ended = evs.filter((e) => e.type === "trial.ended");
    expect(ended.length).toBeGreaterThan(0);
    for (const e of ended) {
      const i = evs.indexOf(e);
      expect(e).toMatchObject({ reason: "the pot is empty", facts: { left: 0 } });
      expect(evs[i + 1]).toMatchObject({ type: "trial.completed", sessionId: e.type === "trial.ended" ? e.sessionId : "" });
    }
    // The analysis rebuilds every move from the log with the registry's game.
    const { scenario: sc, dir: scDir } = await loadScenario(scenario);
    const game = await loadGame(sc.game, scDir);
    for (const d of evs.filter((e) => e.type === "decision.requested")) {
      if (d.type !== "decision.requested") continue;
      const move = game.restore(d.itemId, d.role ?? null, d.member!, d.facts ?? {});
      expect(move.options.length).toBe(d.presented!.length);
    }
  });

  it("resumes in the middle of a round: the same log as an uninterrupted run", () => {
    const reference = events(dir);
    // Cut right after a first mover's decision, so its round is half played.
    const cut = reference.findIndex((e, i) => i > reference.length / 2 && e.type === "decision.made" && e.member === 0);
    const r = hvae("run", scenario, "--out", join(out, "cut"), "--quiet");
    const cutDir = r.stdout.trimEnd().split("\n").at(-1)!;
    const lines = readFileSync(join(cutDir, "events.jsonl"), "utf8").split("\n");
    writeFileSync(join(cutDir, "events.jsonl"), lines.slice(0, cut + 1).join("\n") + "\n");
    const resumed = hvae("run", "--resume", cutDir, "--quiet");
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(played(events(cutDir))).toEqual(played(reference));
  });
});

describe("matching follows the game's group size (file, line, path)", () => {
  const file = (body: string) => `name: m\n${body}\nagents:\n  - { id: a, type: utility, value: prosocial, count: 9 }\n`;
  const problem = (body: string) => {
    try {
      parseScenarioText(file(body), "m.yaml");
    } catch (err) {
      return (err as Error).message;
    }
    return "valid";
  };
  it("groups must have the game's size; pairs are for two-person games", () => {
    expect(problem("game: { type: public-goods, groupSize: 3 }\npairing: fixed\ngroups: [[a-1, a-2, a-3], [a-4, a-5]]")).toBe(
      "m.yaml:4:27 groups[1]: expected 3 agents (the group size of public-goods), got 2",
    );
    expect(problem("game: { type: public-goods, groupSize: 3 }\npairing: fixed\npairs: [[a-1, a-2]]")).toMatch(/^m\.yaml:4:8 pairs: pairs are for two-person games/);
    expect(problem("game: { type: public-goods, groupSize: 3 }\npairing: fixed\ngroups: [[a-1, a-2, a-3], [a-4, a-5, a-6]]")).toBe("valid");
  });
  it("round-robin is refused for groups larger than 4, suggesting random; none needs a game played alone", () => {
    expect(problem("game: { type: public-goods, groupSize: 8 }\npairing: round-robin")).toMatch(/m\.yaml:3:10 pairing: round-robin would play every group of 8.*use pairing: random/);
    expect(problem("game: { type: public-goods, groupSize: 4 }\npairing: round-robin")).toBe("valid");
    expect(problem("game: { type: ultimatum }\npairing: none")).toMatch(/pairing: ultimatum is played in groups of 2 and cannot be played alone/);
  });
});
