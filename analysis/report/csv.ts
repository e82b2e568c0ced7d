/**
 * The report's CSV files: decisions (streamed row by row from the log), trajectories and agents
 * (from the analysis). Numbers are written at full precision so they read back exactly.
 *
 * @example
 * const w = openDecisionsCsv("report/decisions.csv");
 * events$.pipe(tap((ev) => w.write(ev))).subscribe({ complete: () => w.close() });
 */
import { closeSync, constants, openSync, writeSync } from "node:fs";
import type { HvaeEvent } from "../../src/core/events.ts";
import type { Analysis, Summary } from "../summary.ts";
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

export const DECISION_COLUMNS = [
  "seq", "decisionId", "sessionId", "agentId", "partnerId", "trial", "round", "itemId",
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
export function decisionRow(ev: HvaeEvent, presented: string | null = null, raw: string | null = null): string | null {
  if (ev.type === "decision.made") {
    return csvLine([ev.seq, ev.decisionId, ev.sessionId, ev.agentId, ev.partnerId, ev.trial, ev.round, ev.itemId, true, ev.option, ev.self, ev.other, ev.label, ev.reason, presented, raw]);
  }
  if (ev.type === "decision.invalid") {
    return csvLine([ev.seq, ev.decisionId, ev.sessionId, ev.agentId, ev.partnerId, ev.trial, ev.round, ev.itemId, false, null, null, null, null, ev.reason, presented, ev.raw]);
  }
  return null;
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
  const flush = () => {
    if (buf) writeSync(fd, buf);
    buf = "";
  };
  return {
    write(ev) {
      if (ev.type === "decision.requested") {
        shown.set(ev.decisionId, presentedText(ev.presented));
        return;
      }
      if (ev.type !== "decision.made" && ev.type !== "decision.invalid") return;
      const presented = shown.get(ev.decisionId) ?? null;
      shown.delete(ev.decisionId);
      const row = decisionRow(ev, presented, ev.type === "decision.made" ? rawAnswer(ev.decisionId) : null);
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
  "sessionId", "agentId", "value", "trial", "partnerId", "partnerValue", "decisions", "invalidDecisions",
  "invalid", "angle", "category", "vr", "inTargetCategory",
] as const;

/** trajectories.csv: one row per scored trajectory. */
export function trajectoriesCsv(a: Analysis): string {
  const valueOf = new Map(a.summary.agents.map((x) => [x.id, targetLabel(x.value as ValueTarget)]));
  let out = csvLine([...TRAJECTORY_COLUMNS]);
  for (const t of a.trajectories) {
    const partnerValue = t.partnerId === null ? "none" : (valueOf.get(t.partnerId) ?? "unknown");
    out += csvLine([t.sessionId, t.agentId, valueOf.get(t.agentId), t.trial, t.partnerId, partnerValue, t.decisions, t.invalidDecisions, t.invalid, t.angle, t.category, t.vr, t.inCategory]);
  }
  return out;
}

export const AGENT_COLUMNS = [
  "id", "type", "model", "value", "targetLow", "targetHigh", "trajectories", "invalid", "angle", "angleLow", "angleHigh",
  "category", "categoryAccuracy", "vr", "vrLow", "vrHigh", "vrChance", "vrCC",
] as const;

/** agents.csv: the `agents` of `hvae analyze --json`, intervals split into two columns. */
export function agentsCsv(s: Summary): string {
  let out = csvLine([...AGENT_COLUMNS]);
  for (const a of s.agents) {
    out += csvLine([
      a.id, a.type, a.model, a.value, a.targetSet?.[0], a.targetSet?.[1], a.trajectories, a.invalid, a.angle, a.angleCI?.[0], a.angleCI?.[1],
      a.category, a.categoryAccuracy, a.vr, a.vrCI?.[0], a.vrCI?.[1], a.vrChance, a.vrCC,
    ]);
  }
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
