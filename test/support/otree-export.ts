/**
 * Writes oTree data exports of the SVO Slider app (chapkovski/svo) for tests, from the app's
 * documented field layout — written here, not copied:
 * - Player fields: item_order, svo1dec…svo6dec (IntegerField, choices 0–8: the index into the
 *   item's 9 options), mean_ego, mean_alter, svo1ego…svo6ego, svo1alter…svo6alter (the chosen
 *   payoffs), svo_angle (FloatField, degrees(atan(mean(alter − 50) / mean(ego − 50)))) and
 *   svo_type ("Competitive" (−70, −12.04], "Individualistic" (−12.04, 22.45], "Prosocial"
 *   (22.45, 57.15], "Altruist" (57.15, 120]). Items follow Murphy et al.'s numbering (Version A).
 * - oTree's "all apps, wide" export: participant.* and session.* columns, then for every app and
 *   round `<app>.<round>.player.<field>` (id_in_group, role, payoff, the app's fields), then
 *   `<app>.<round>.group.id_in_subsession` and `<app>.<round>.subsession.round_number`; empty
 *   cells where a participant has no data; Python's csv writer (\r\n, quoting only when needed,
 *   floats as repr).
 * - oTree's per-app export: participant.*, player.*, group.*, subsession.*, session.* columns,
 *   one row per player and round.
 *
 * @example
 * const csv = otreeWide([{ code: "k3x9ab1", rounds: [[0, 8, 8, 3, 4, 8]] }]);
 */
import { PRIMARY_ITEMS } from "../../src/core/instrument.ts";

export interface OtreeParticipant {
  code: string;
  /** One 0-based choice vector (6 items) per round; null = the round was not played (empty cells). */
  rounds: (readonly number[] | null)[];
  /** Overrides of stored fields per round (e.g. a wrong svo_angle), by field name. */
  edits?: Record<number, Record<string, string>>;
}

export interface OtreeOptions {
  app?: string;
  /** Leave out svo<k>dec (choices only from the payoffs). */
  withoutDec?: boolean;
  /** Leave out the participant.* columns (ids from player.id_in_group). */
  withoutParticipant?: boolean;
}

const PARTICIPANT = [
  "id_in_session", "code", "label", "_is_bot", "_index_in_pages", "_max_page_index", "_current_app_name",
  "_current_page_name", "time_started", "visited", "mturk_worker_id", "mturk_assignment_id", "payoff",
];
const SESSION = ["code", "label", "mturk_HITId", "mturk_HITGroupId", "comment", "is_demo"];

/** Python's repr of a float as the csv module writes it (shortest round-trip, always a '.'). */
export function pyFloat(x: number): string {
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** The app's own angle and type for 0-based choices (its formula: atan of the mean ratio). */
export function appScore(dec: readonly number[]): { meanEgo: number; meanAlter: number; angle: number; type: string } {
  const ego = dec.map((d, i) => PRIMARY_ITEMS[i].options[d].self);
  const alter = dec.map((d, i) => PRIMARY_ITEMS[i].options[d].other);
  const meanEgo = ego.reduce((a, b) => a + b, 0) / 6;
  const meanAlter = alter.reduce((a, b) => a + b, 0) / 6;
  const e = ego.map((x) => x - 50).reduce((a, b) => a + b, 0) / 6;
  const a = alter.map((x) => x - 50).reduce((a, b) => a + b, 0) / 6;
  const angle = (Math.atan(a / e) * 180) / Math.PI;
  const type = angle <= -12.04 ? "Competitive" : angle <= 22.45 ? "Individualistic" : angle <= 57.15 ? "Prosocial" : "Altruist";
  return { meanEgo, meanAlter, angle, type };
}

function playerFields(opts: OtreeOptions): string[] {
  const k = [1, 2, 3, 4, 5, 6];
  return [
    "id_in_group", "role", "payoff", "item_order",
    ...(opts.withoutDec ? [] : k.map((i) => `svo${i}dec`)),
    "mean_ego", "mean_alter",
    ...k.map((i) => `svo${i}ego`),
    ...k.map((i) => `svo${i}alter`),
    "svo_angle", "svo_type",
  ];
}

function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function playerValues(idInGroup: number, dec: readonly number[] | null, opts: OtreeOptions, edits: Record<string, string> = {}): Record<string, string> {
  if (dec === null) return {};
  const s = appScore(dec);
  const v: Record<string, string> = {
    id_in_group: String(idInGroup), role: "", payoff: "0.0", item_order: "[1, 2, 3, 4, 5, 6]",
    mean_ego: pyFloat(s.meanEgo), mean_alter: pyFloat(s.meanAlter), svo_angle: pyFloat(s.angle), svo_type: s.type,
  };
  dec.forEach((d, i) => {
    if (!opts.withoutDec) v[`svo${i + 1}dec`] = String(d);
    v[`svo${i + 1}ego`] = String(PRIMARY_ITEMS[i].options[d].self);
    v[`svo${i + 1}alter`] = String(PRIMARY_ITEMS[i].options[d].other);
  });
  return { ...v, ...edits };
}

/** oTree's "all apps, wide" export of the SVO app: one row per participant, one block per round. */
export function otreeWide(people: readonly OtreeParticipant[], opts: OtreeOptions = {}): string {
  const app = opts.app ?? "svo";
  const rounds = Math.max(...people.map((p) => p.rounds.length));
  const pf = playerFields(opts);
  const header: string[] = opts.withoutParticipant
    ? []
    : [...PARTICIPANT.map((f) => `participant.${f}`), ...SESSION.map((f) => `session.${f}`), "session.config.participation_fee"];
  for (let r = 1; r <= rounds; r++) {
    header.push(...pf.map((f) => `${app}.${r}.player.${f}`), `${app}.${r}.group.id_in_subsession`, `${app}.${r}.subsession.round_number`);
  }
  const lines = [header.join(",")];
  people.forEach((p, i) => {
    const row: string[] = opts.withoutParticipant
      ? []
      : [String(i + 1), p.code, "", "0", "4", "4", app, "Results", "2026-11-30 10:00:00.000000+00:00", "1", "", "", "0.0", "x8fh2k1q", "", "", "", "", "0", "0.0"];
    for (let r = 1; r <= rounds; r++) {
      const dec = p.rounds[r - 1] ?? null;
      const v = playerValues(i + 1, dec, opts, p.edits?.[r]);
      row.push(...pf.map((f) => csvCell(v[f] ?? "")), dec ? "1" : "", dec ? String(r) : "");
    }
    lines.push(row.join(","));
  });
  return lines.join("\r\n") + "\r\n";
}

/** oTree's per-app export of the SVO app: one row per player and round. */
export function otreeAppExport(people: readonly OtreeParticipant[], opts: OtreeOptions = {}): string {
  const pf = playerFields(opts);
  const header = [
    ...PARTICIPANT.map((f) => `participant.${f}`),
    ...pf.map((f) => `player.${f}`),
    "group.id_in_subsession",
    "subsession.round_number",
    ...SESSION.map((f) => `session.${f}`),
  ];
  const lines = [header.join(",")];
  people.forEach((p, i) => {
    p.rounds.forEach((dec, r) => {
      if (dec === null) return;
      const v = playerValues(i + 1, dec, opts, p.edits?.[r + 1]);
      lines.push(
        [String(i + 1), p.code, "", "0", "4", "4", "svo", "Results", "2026-11-30 10:00:00.000000+00:00", "1", "", "", "0.0",
          ...pf.map((f) => csvCell(v[f] ?? "")), "1", String(r + 1), "x8fh2k1q", "", "", "", "", "0"].join(","),
      );
    });
  });
  return lines.join("\r\n") + "\r\n";
}
