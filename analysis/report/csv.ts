/**
 * The report's CSV files: decisions (streamed row by row from the log), trajectories, agents,
 * groups and interactions (from the analysis). Tidy: one row per observation, a `run_id` column
 * first in every file (so files of several runs stack), `value` and `partnerValue` in one encoding
 * everywhere (a category name or a plain number of degrees, never "30°"), intervals as two
 * columns, empty for none. Numbers are written at full precision so they read back exactly; the
 * files read with pandas.read_csv and R's read.csv without options (a test checks both).
 *
 * @example
 * const w = openDecisionsCsv("report/decisions.csv");
 * events$.pipe(tap((ev) => w.write(ev))).subscribe({ complete: () => w.close() });
 */
import { closeSync, constants, openSync, writeSync } from "node:fs";
import type { AgentInfo, HvaeEvent, ValueSpec } from "../../src/core/events.ts";
import type { Analysis, InteractionCell, Summary } from "../summary.ts";
import { targetLabel, type ValueTarget } from "../value-target.ts";

type Cell = string | number | boolean | null | undefined;

/** One RFC 4180 field: quoted when it holds a comma, quote or newline; null → empty. */
export function csvField(v: Cell): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: readonly Cell[]): string {
  return `${cells.map(csvField).join(",")}\n`;
}

/**
 * A value as every CSV writes it: a category name, or a plain number of degrees ("30°" → 30);
 * other labels ("none": the imaginary other, "unknown") as they are.
 *
 * @example
 * csvValue("30°"); // 30
 * csvValue("prosocial"); // "prosocial"
 */
export function csvValue(v: ValueSpec | string | null | undefined): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return v;
  const m = /^(-?\d+(?:\.\d+)?(?:e-?\d+)?)°$/.exec(v);
  return m ? Number(m[1]) : v;
}

/** The groups table's model key of an agent: its model reference, or its type for rule-based agents. */
const modelKey = (a: Pick<AgentInfo, "model" | "type">): string => a.model ?? a.type;

export const DECISION_COLUMNS = [
  "run_id", "seq", "decisionId", "sessionId", "agentId", "model", "condition", "value", "partnerId", "trial", "round", "itemId",
  "valid", "option", "self", "other", "label", "reason", "presented", "raw",
] as const;

/** "A=3 B=1 C=2 …": each label in the order shown, with the canonical option it stood for. */
export function presentedText(presented: readonly (readonly [string, number])[] | undefined): string | null {
  return presented ? presented.map(([label, option]) => `${label}=${option}`).join(" ") : null;
}

/**
 * The decisions.csv row of a decision event, or null for other events. `presented` comes from
 * the decision's request event; `raw` is the model's last answer (the invalid event's own raw
 * text, else the transcript's), null for agents that make no model calls.
 */
export function decisionRow(ev: HvaeEvent, presented: string | null = null, raw: string | null = null, agent?: AgentInfo): string | null {
  if (ev.type !== "decision.made" && ev.type !== "decision.invalid") return null;
  const who = [ev.runId, ev.seq, ev.decisionId, ev.sessionId, ev.agentId, agent ? modelKey(agent) : null, agent?.condition, csvValue(agent?.value), ev.partnerId, ev.trial, ev.round, ev.itemId];
  if (ev.type === "decision.made") return csvLine([...who, true, ev.option, ev.self, ev.other, ev.label, ev.reason, presented, raw]);
  return csvLine([...who, false, null, null, null, null, ev.reason, presented, ev.raw]);
}

export interface DecisionsCsvWriter {
  write(ev: HvaeEvent): void;
  close(): void;
}

/**
 * A decisions.csv writer with a bounded buffer: rows are flushed synchronously every ~1 MB, so
 * a fast reader never piles up unwritten rows in memory. `rawAnswer` looks up a made decision's
 * raw model answer (from the transcripts), when there are any.
 */
export function openDecisionsCsv(path: string, rawAnswer: (decisionId: string) => string | null = () => null): DecisionsCsvWriter {
  // Never through a planted symlink (the report directory is inside the run directory).
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  let buf = csvLine([...DECISION_COLUMNS]);
  // Requests wait here for their decision (a handful are in flight at any point of the log).
  const shown = new Map<string, string | null>();
  // The agents as run.started announces them (model, condition, value of each row).
  const agents = new Map<string, AgentInfo>();
  const flush = () => {
    if (buf) writeSync(fd, buf);
    buf = "";
  };
  return {
    write(ev) {
      if (ev.type === "run.started") {
        for (const a of ev.agents) if (!agents.has(a.id)) agents.set(a.id, a);
        return;
      }
      if (ev.type === "decision.requested") {
        shown.set(ev.decisionId, presentedText(ev.presented));
        return;
      }
      if (ev.type !== "decision.made" && ev.type !== "decision.invalid") return;
      const presented = shown.get(ev.decisionId) ?? null;
      shown.delete(ev.decisionId);
      const row = decisionRow(ev, presented, ev.type === "decision.made" ? rawAnswer(ev.decisionId) : null, agents.get(ev.agentId));
      if (row === null) return;
      buf += row;
      if (buf.length > 1 << 20) flush();
    },
    close() {
      flush();
      closeSync(fd);
    },
  };
}

export const TRAJECTORY_COLUMNS = [
  "run_id", "sessionId", "agentId", "model", "condition", "value", "trial", "partnerId", "partnerValue", "decisions", "invalidDecisions",
  "invalid", "angle", "category", "vr", "inTargetCategory", "vrInvalidChance", "vrInvalidZero",
] as const;

/** trajectories.csv: one row per closed trajectory (scored or invalid). */
export function trajectoriesCsv(a: Analysis): string {
  const byId = new Map(a.summary.agents.map((x) => [x.id, x]));
  const runId = a.summary.run.id;
  const valueOf = (id: string) => {
    const x = byId.get(id);
    return x ? csvValue(targetLabel(x.value as ValueTarget)) : "unknown";
  };
  let out = csvLine([...TRAJECTORY_COLUMNS]);
  for (const t of a.trajectories) {
    const agent = byId.get(t.agentId);
    const partnerValue = t.partnerId === null ? "none" : valueOf(t.partnerId);
    out += csvLine([
      runId, t.sessionId, t.agentId, agent ? modelKey(agent) : null, agent?.condition ?? null, valueOf(t.agentId), t.trial, t.partnerId, partnerValue,
      t.decisions, t.invalidDecisions, t.invalid, t.angle, t.category, t.vr, t.inCategory, t.vrInvalidChance, t.vrInvalidZero,
    ]);
  }
  return out;
}

export const AGENT_COLUMNS = [
  "run_id", "id", "type", "model", "condition", "value", "targetLow", "targetHigh", "trajectories", "invalid", "angle", "angleLow", "angleHigh",
  "category", "categoryAccuracy", "vr", "vrLow", "vrHigh", "vrChance", "vrCC",
  "vrInvalidChance", "vrInvalidChanceLow", "vrInvalidChanceHigh", "vrInvalidZero", "vrInvalidZeroLow", "vrInvalidZeroHigh",
  "invalidRate", "invalidRateLow", "invalidRateHigh", "ciUnit",
] as const;

/**
 * agents.csv: the `agents` of `hvae analyze --json`, intervals split into two columns; `model` is
 * the groups table's key (the model reference, or the type of a rule-based agent).
 */
export function agentsCsv(s: Summary): string {
  let out = csvLine([...AGENT_COLUMNS]);
  for (const a of s.agents) {
    out += csvLine([
      s.run.id, a.id, a.type, modelKey(a), a.condition, csvValue(a.value), a.targetSet?.[0], a.targetSet?.[1], a.trajectories, a.invalid, a.angle, a.angleCI?.[0], a.angleCI?.[1],
      a.category, a.categoryAccuracy, a.vr, a.vrCI?.[0], a.vrCI?.[1], a.vrChance, a.vrCC,
      a.vrInvalidChance, a.vrInvalidChanceCI?.[0], a.vrInvalidChanceCI?.[1], a.vrInvalidZero, a.vrInvalidZeroCI?.[0], a.vrInvalidZeroCI?.[1],
      a.invalidRate, a.invalidRateCI?.[0], a.invalidRateCI?.[1], s.run.bootstrap.agentUnit,
    ]);
  }
  return out;
}

export const GROUP_COLUMNS = [
  "run_id", "model", "condition", "value", "agents", "n", "trajectories", "invalid", "decisions", "invalidDecisions",
  "invalidRate", "invalidRateLow", "invalidRateHigh", "angle", "angleSD", "angleLow", "angleHigh", "identified",
  "category", "categoryAccuracy", "vr", "vrLow", "vrHigh", "vrChance", "vrCC", "vrCCLow", "vrCCHigh",
  "vrInvalidChance", "vrInvalidChanceLow", "vrInvalidChanceHigh", "vrInvalidZero", "vrInvalidZeroLow", "vrInvalidZeroHigh",
  "inputTokens", "outputTokens", "costUsd", "ciUnit",
] as const;

/** groups.csv: the `groups` of `hvae analyze --json` (the paper's table), one row per (model, condition, value). */
export function groupsCsv(s: Summary): string {
  let out = csvLine([...GROUP_COLUMNS]);
  for (const g of s.groups) {
    out += csvLine([
      s.run.id, g.model, g.condition, csvValue(g.value), g.agents, g.n, g.trajectories, g.invalid, g.decisions, g.invalidDecisions,
      g.invalidRate, g.invalidRateCI?.[0], g.invalidRateCI?.[1], g.angle, g.angleSD, g.angleCI?.[0], g.angleCI?.[1], g.identified,
      g.category, g.categoryAccuracy, g.vr, g.vrCI?.[0], g.vrCI?.[1], g.vrChance, g.vrCC, g.vrCCCI?.[0], g.vrCCCI?.[1],
      g.vrInvalidChance, g.vrInvalidChanceCI?.[0], g.vrInvalidChanceCI?.[1], g.vrInvalidZero, g.vrInvalidZeroCI?.[0], g.vrInvalidZeroCI?.[1],
      g.inputTokens, g.outputTokens, g.costUsd, s.run.bootstrap.unit,
    ]);
  }
  return out;
}

export const ITEM_COLUMNS = ["run_id", "model", "condition", "value", "itemId", "option", "count", "share", "n", "invalid"] as const;

/**
 * items.csv: the per-item choice distributions of `hvae analyze --json` (`items`), long format:
 * one row per group × item × canonical option, with the group's valid (`n`) and invalid answers on the item.
 */
export function itemsCsv(s: Summary): string {
  let out = csvLine([...ITEM_COLUMNS]);
  for (const d of s.items) {
    d.counts.forEach((count, k) => {
      out += csvLine([s.run.id, d.model, d.condition, csvValue(d.value), d.itemId, k + 1, count, d.shares?.[k], d.n, d.invalid]);
    });
  }
  return out;
}

export const INTERACTION_COLUMNS = [
  "run_id", "level", "agentId", "model", "condition", "value", "partnerValue", "n", "angle", "angleLow", "angleHigh", "identified",
  "vr", "vrLow", "vrHigh", "vrChance", "vrCC", "vrCCLow", "vrCCHigh", "ciUnit",
] as const;

/**
 * interactions.csv: angle and VR by partner value, per group (`level` "group", `agentId` empty:
 * the groups table's key × partner value) and per agent (`level` "agent").
 */
export function interactionsCsv(s: Summary): string {
  let out = csvLine([...INTERACTION_COLUMNS]);
  const row = (level: string, agentId: string | null, c: InteractionCell, unit: string) =>
    csvLine([
      s.run.id, level, agentId, c.model, c.condition, csvValue(c.value), csvValue(c.partnerValue), c.n, c.angle, c.angleCI?.[0], c.angleCI?.[1], c.identified,
      c.vr, c.vrCI?.[0], c.vrCI?.[1], c.vrChance, c.vrCC, c.vrCCCI?.[0], c.vrCCCI?.[1], unit,
    ]);
  for (const c of s.interactions) out += row("group", null, c, s.run.bootstrap.unit);
  for (const c of s.agentInteractions) out += row("agent", c.agentId, c, s.run.bootstrap.agentUnit);
  return out;
}

/**
 * Parses CSV text (RFC 4180 quoting) into rows of strings; used by tests and `hvae compare`-style tools.
 *
 * @example
 * parseCsv('a,b\n1,"x,y"\n'); // [["a","b"],["1","x,y"]]
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
