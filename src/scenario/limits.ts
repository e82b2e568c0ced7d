/**
 * Numbers the runtime can honour. A scenario may be valid by its schema and still ask for a plan
 * no machine can hold (a million agents in round-robin is 5·10^11 sessions, `step: 1e-7` a
 * billion options, `memory: 1e15` a window no array can have). These checks run on the raw,
 * unvalidated input by arithmetic alone — nothing is enumerated — so `hvae validate` answers any
 * scenario at once, and they run before every check that would build the plan. Each limit is
 * stated here and in docs/reliability.md.
 *
 * @example
 * limitProblems({ name: "x", pairing: "round-robin", agents: [{ id: "a", count: 1000000 }] }, null);
 * // [{ path: "agents[0].count", message: "1000000 agents in all; hvae runs at most 100000 …" }]
 */
import { problemAt, type Locator, type Problem } from "./errors.ts";

/** The stated limits. */
export const LIMITS = {
  /** Agents after `count` expansion, over all entries. */
  agents: 100_000,
  /** Sessions (pair or single trajectories) in one run's plan. */
  sessions: 10_000_000,
  /** Decisions in one run's plan. */
  decisions: 100_000_000,
  /** Rounds in one trial (a session's events are held until it ends). */
  rounds: 10_000,
  /** Options of one item. */
  options: 10_000,
  /** Rounds an agent remembers of a partner. */
  memory: 10_000,
  /** Scenario name: the run directory is `<name>-<timestamp>-<hash>` (24 more bytes, file names hold 255). */
  nameLength: 200,
  /** Scenario file size, bytes. */
  fileBytes: 8 * 1024 * 1024,
} as const;

const num = (v: unknown): number | null => (typeof v === "number" && !Number.isNaN(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> | null => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const fmt = (n: number) => (Number.isFinite(n) && n < 1e15 ? Math.round(n).toLocaleString("en-US") : n.toExponential(2));

/** SVO Slider item counts by `items`. */
const SLIDER_ROUNDS: Record<string, number> = { primary: 6, all: 15 };

/** Rounds per trial and options per item of a game, estimated from its fields; null when unknown. */
function gameShape(game: Record<string, unknown> | null): { rounds: number | null; options: number | null; optionsPath: string[] } {
  if (!game) return { rounds: 6, options: 9, optionsPath: [] };
  const type = game.type;
  if (type === "svo-slider") return { rounds: SLIDER_ROUNDS[String(game.items ?? "primary")] ?? 6, options: 9, optionsPath: [] };
  if (type === "custom") return { rounds: Array.isArray(game.items) ? game.items.length : null, options: null, optionsPath: [] };
  // Any game split in steps of an endowment (dictator, and games built the same way).
  const endowment = num(game.endowment) ?? (type === "dictator" ? 100 : null);
  const step = num(game.step) ?? (type === "dictator" ? 10 : null);
  const options = endowment !== null && step !== null && step > 0 && endowment > 0 ? Math.floor(endowment / step) + 1 : null;
  const rounds = num(game.rounds) ?? (type === "dictator" ? 1 : null);
  return { rounds, options, optionsPath: ["game", "step"] };
}

/**
 * Problems with numbers beyond the stated limits, found without building anything. Only the
 * first limit a plan breaks is reported (the others follow from it).
 */
export function limitProblems(raw: unknown, locator: Locator | null): Problem[] {
  const s = obj(raw);
  if (!s) return [];
  const out: Problem[] = [];
  const at = (path: (string | number)[], message: string) => out.push(problemAt(locator, path, message));

  if (typeof s.name === "string" && s.name.length > LIMITS.nameLength) {
    at(["name"], `${s.name.length} characters; at most ${LIMITS.nameLength} (the run directory is named after it, and a file name holds 255 bytes)`);
  }
  const memory = num(s.memory);
  if (memory !== null && memory > LIMITS.memory) at(["memory"], `a window of ${fmt(memory)} rounds; at most ${fmt(LIMITS.memory)}`);

  const agents = Array.isArray(s.agents) ? s.agents : [];
  let total = 0;
  agents.forEach((a, i) => {
    const entry = obj(a);
    const count = num(entry?.count) ?? 1;
    total += count > 0 ? count : 0;
    const m = num(entry?.memory);
    if (m !== null && m > LIMITS.memory) at(["agents", i, "memory"], `a window of ${fmt(m)} rounds; at most ${fmt(LIMITS.memory)}`);
  });
  if (total > LIMITS.agents) {
    const biggest = agents.reduce<number>((best, a, i) => ((num(obj(a)?.count) ?? 1) > (num(obj(agents[best])?.count) ?? 1) ? i : best), 0);
    at(["agents", biggest, "count"], `${fmt(total)} agents in all; hvae runs at most ${fmt(LIMITS.agents)} agents in one scenario`);
    return out;
  }

  const game = obj(s.game);
  const shape = gameShape(game);
  if (shape.options !== null && shape.options > LIMITS.options) {
    at(shape.optionsPath.length ? shape.optionsPath : ["game"], `${fmt(shape.options)} options per item (endowment / step + 1); at most ${fmt(LIMITS.options)}: use a larger step`);
    return out;
  }
  if (shape.rounds !== null && shape.rounds > LIMITS.rounds) {
    at(["game", "rounds"], `${fmt(shape.rounds)} rounds per trial; at most ${fmt(LIMITS.rounds)} (use more trials instead)`);
    return out;
  }

  const trials = num(s.trials) ?? 10;
  const pairing = typeof s.pairing === "string" ? s.pairing : "none";
  const perTrial =
    pairing === "round-robin" ? (total * (total - 1)) / 2 : pairing === "random" ? Math.ceil(total / 2) : pairing === "fixed" ? (Array.isArray(s.pairs) ? s.pairs.length : 0) : total;
  const members = pairing === "none" ? 1 : 2;
  const sessions = perTrial * Math.max(0, trials);
  const decisions = sessions * members * (shape.rounds ?? 1);
  const why = `${fmt(trials)} trials × ${fmt(perTrial)} ${pairing === "none" ? "agents" : "groups"} per trial`;
  if (sessions > LIMITS.sessions) {
    at(pairing === "round-robin" ? ["pairing"] : ["trials"], `the plan has ${fmt(sessions)} sessions (${why}); at most ${fmt(LIMITS.sessions)}: fewer trials or agents${pairing === "round-robin" ? ", or pairing: random" : ""}`);
  } else if (decisions > LIMITS.decisions) {
    at(["trials"], `the plan has ${fmt(decisions)} decisions (${why}, ${fmt(shape.rounds ?? 1)} rounds each); at most ${fmt(LIMITS.decisions)} in one run: split it into several runs`);
  }
  return out;
}

/**
 * Sessions and decisions of a scenario's plan by arithmetic (no enumeration); null when the game
 * is not one whose rounds are known from its fields.
 *
 * @example
 * estimatePlan(scenario); // { sessions: 60000, decisions: 360000 }
 */
export function estimatePlan(raw: unknown): { sessions: number; decisions: number } | null {
  const s = obj(raw);
  if (!s) return null;
  const shape = gameShape(obj(s.game));
  if (shape.rounds === null) return null;
  const agents = Array.isArray(s.agents) ? s.agents : [];
  const total = agents.reduce<number>((n, a) => n + Math.max(0, num(obj(a)?.count) ?? 1), 0);
  const trials = num(s.trials) ?? 10;
  const pairing = typeof s.pairing === "string" ? s.pairing : "none";
  const perTrial =
    pairing === "round-robin" ? (total * (total - 1)) / 2 : pairing === "random" ? Math.ceil(total / 2) : pairing === "fixed" ? (Array.isArray(s.pairs) ? s.pairs.length : 0) : total;
  // random pairing: every agent plays once per trial (an odd one out alone).
  const perTrialDecisions = pairing === "random" ? total : perTrial * (pairing === "none" ? 1 : 2);
  return { sessions: perTrial * trials, decisions: perTrialDecisions * trials * shape.rounds };
}
