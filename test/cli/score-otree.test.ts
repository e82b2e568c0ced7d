/**
 * `hvae score` on oTree exports of the SVO Slider app, written from the app's documented layout
 * (test/support/otree-export.ts): 0-based svo<k>dec, the chosen payoffs, prefixed columns, two
 * rounds, the per-app export, stored angles that are wrong, and each malformed variant.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scoreResponse } from "../../analysis/svo.ts";
import { hvae } from "../support/hvae-process.ts";
import { appScore, otreeAppExport, otreeWide, pyFloat, type OtreeParticipant } from "../support/otree-export.ts";

const dir = mkdtempSync(join(tmpdir(), "hvae-score-otree-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const score = (...args: string[]) => hvae(["score", ...args]);

// 0-based choices: [0,8,8,3,4,8] is the inequality-averse prosocial pattern 1 9 9 4 5 9.
const PEOPLE: OtreeParticipant[] = [
  { code: "k3x9ab1", rounds: [[0, 8, 8, 3, 4, 8], [0, 8, 8, 8, 0, 0]] },
  { code: "p7q2zz0", rounds: [[8, 0, 8, 8, 0, 0], [0, 8, 0, 0, 8, 8]] },
  { code: "m1n0aa5", rounds: [[4, 4, 4, 4, 4, 4], null] }, // left after round 1
];
const oneBased = (dec: readonly number[]) => dec.map((d) => d + 1);
type Row = Record<string, unknown>;

describe("hvae score: oTree exports", { timeout: 120_000 }, () => {
  it("reads the wide export: participant.code, app and round from the prefix, 0-based svo<k>dec; every block scored separately", async () => {
    const p = file("all_apps_wide.csv", otreeWide(PEOPLE));
    const r = await score(p, "--json");
    expect(r.code).toBe(0);
    const rows: Row[] = JSON.parse(r.stdout);
    expect(rows.map((x) => [x.id, x.app, x.round])).toEqual([
      ["k3x9ab1", "svo", 1], ["k3x9ab1", "svo", 2], ["p7q2zz0", "svo", 1], ["p7q2zz0", "svo", 2], ["m1n0aa5", "svo", 1],
    ]);
    const expected = PEOPLE.flatMap((p) => p.rounds.filter((d) => d !== null).map((d) => scoreResponse(oneBased(d!))));
    rows.forEach((row, i) => {
      const { id: _id, app: _app, round: _round, storedAngle, storedCategory, agrees, ...scored } = row;
      expect(scored).toEqual(expected[i]);
      expect(agrees).toBe(true);
      expect(Math.abs((storedAngle as number) - expected[i].angle)).toBeLessThan(1e-9);
      expect(storedCategory).toBe(expected[i].category);
    });
    expect(Object.keys(rows[0])).toEqual([
      "id", "app", "round", "selfMean", "otherMean", "angle", "category", "transitive", "ranking", "iaIndex", "iaReason",
      "storedAngle", "storedCategory", "agrees",
    ]);
    expect(rows[0].angle).toBeCloseTo(37.4824, 4);
    // The participant who left: reported, not scored, not an error.
    expect(r.stderr).toContain("1 oTree block without any SVO answer (not reached or not answered) was not scored: row 3 svo.2.player.*");
    expect(r.stderr).toContain("cross-check against the file's svo_angle/svo_type: 0 of 5 respondents disagree, 5 agree");
  });

  it("the table and --csv carry the app and round columns", async () => {
    const p = file("wide-table.csv", otreeWide(PEOPLE.slice(0, 1)));
    const t = await score(p);
    expect(t.code).toBe(0);
    const lines = t.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^id\s+app\s+round\s+selfMean/);
    expect(lines[1]).toMatch(/^k3x9ab1\s+svo\s+1\s+82\.17\s+74\.67\s+37\.4824\s+prosocial\b.*\s37\.4824\s+prosocial\s+yes\b/);
    const c = await score(p, "--csv");
    expect(c.stdout.split("\n")[0]).toBe("id,app,round,selfMean,otherMean,angle,category,transitive,ranking,iaIndex,iaReason,storedAngle,storedCategory,agrees");
    expect(c.stdout.split("\n")[2]).toMatch(/^k3x9ab1,svo,2,92\.5,55\.83333333333333\d*,7\.81529354676688\d*,individualistic,true,/);
  });

  it("without svo<k>dec the choices come from the payoffs svo<k>ego/svo<k>alter, with the same scores", async () => {
    const withDec = await score(file("dec.csv", otreeWide(PEOPLE)), "--json");
    const fromPay = await score(file("pay.csv", otreeWide(PEOPLE, { withoutDec: true })), "--json");
    expect(fromPay.code).toBe(0);
    expect(JSON.parse(fromPay.stdout)).toEqual(JSON.parse(withDec.stdout));
  });

  it("reads the per-app export (player.*, round from subsession.round_number) and files without participant columns", async () => {
    const perApp = await score(file("svo.csv", otreeAppExport(PEOPLE)), "--json");
    expect(perApp.code).toBe(0);
    const rows: Row[] = JSON.parse(perApp.stdout);
    expect(rows.map((x) => [x.id, x.round, x.app])).toEqual([
      ["k3x9ab1", 1, undefined], ["k3x9ab1", 2, undefined], ["p7q2zz0", 1, undefined], ["p7q2zz0", 2, undefined], ["m1n0aa5", 1, undefined],
    ]);
    expect(rows[1].angle).toBeCloseTo(7.8153, 4);
    const noPart = await score(file("nopart.csv", otreeWide(PEOPLE.slice(0, 2), { withoutParticipant: true })), "--json");
    expect(noPart.code).toBe(0);
    expect(JSON.parse(noPart.stdout).map((x: Row) => [x.id, x.round])).toEqual([["1", 1], ["1", 2], ["2", 1], ["2", 2]]);
  });

  it("two apps in one file are scored separately, with the app in the output", async () => {
    const a = otreeWide(PEOPLE.slice(0, 2), { app: "svo" }).trimEnd().split("\r\n");
    const b = otreeWide([{ code: "k3x9ab1", rounds: [[8, 0, 8, 8, 0, 0]] }, { code: "p7q2zz0", rounds: [[4, 4, 4, 4, 4, 4]] }], { app: "svo_retest", withoutParticipant: true })
      .trimEnd()
      .split("\r\n");
    const p = file("two-apps.csv", a.map((l, i) => `${l},${b[i]}`).join("\r\n"));
    const r = await score(p, "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((x: Row) => [x.id, x.app, x.round, (x.angle as number).toFixed(4)])).toEqual([
      ["k3x9ab1", "svo", 1, "37.4824"], ["k3x9ab1", "svo", 2, "7.8153"], ["k3x9ab1", "svo_retest", 1, "-16.2602"],
      ["p7q2zz0", "svo", 1, "-16.2602"], ["p7q2zz0", "svo", 2, "61.3895"], ["p7q2zz0", "svo_retest", 1, "22.9321"],
    ]);
  });

  it("reports each respondent whose stored angle or type disagrees, with both values and a likely cause", async () => {
    const pro = [0, 8, 8, 3, 4, 8];
    const ind = [0, 8, 8, 8, 0, 0];
    // What the app would have stored had it read Version B answers as Version A.
    const asB = scoreResponse(oneBased(pro), "B").angle;
    const reversed = scoreResponse(oneBased(ind).map((x) => 10 - x)).angle;
    const people: OtreeParticipant[] = [
      { code: "ok0001", rounds: [pro] },
      { code: "verB02", rounds: [pro], edits: { 1: { svo_angle: pyFloat(asB) } } },
      { code: "type03", rounds: [ind], edits: { 1: { svo_type: "Prosocial" } } },
      { code: "round4", rounds: [ind], edits: { 1: { svo_angle: "7.82", svo_type: "Individualistic" } } },
      { code: "rev005", rounds: [ind], edits: { 1: { svo_angle: pyFloat(reversed), svo_type: "" } } },
      { code: "edit06", rounds: [ind], edits: { 1: { svo_angle: "12.3", svo_type: "Altruist" } } },
      { code: "none07", rounds: [ind], edits: { 1: { svo_angle: "", svo_type: "" } } },
    ];
    const p = file("wrong-angles.csv", otreeWide(people));
    const r = await score(p, "--json");
    expect(r.code).toBe(0);
    const rows: Row[] = JSON.parse(r.stdout);
    expect(rows.map((x) => x.agrees)).toEqual([true, false, false, false, false, false, null]);
    expect(rows[1].storedAngle).toBe(asB);
    expect(rows[1].storedCategory).toBe("prosocial");
    expect(rows[4].storedCategory).toBeNull();
    expect(rows[6]).toMatchObject({ storedAngle: null, storedCategory: null, agrees: null });
    const lines = r.stderr.split("\n").filter((l) => l.includes("cross-check: "));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toContain(`${p} row 2 (id "verB02", app svo, round 1): stored angle ${asB}, prosocial; hvae 37.4824, prosocial`);
    expect(lines[0]).toContain("likely cause: Version B read as A");
    expect(lines[1]).toContain(`row 3 (id "type03", app svo, round 1): stored angle ${pyFloat(appScore(ind).angle)}, prosocial; hvae 7.8153, individualistic`);
    expect(lines[1]).toContain("likely cause: the angle agrees but the type does not");
    expect(lines[2]).toContain("stored angle 7.82, individualistic; hvae 7.8153, individualistic — likely cause: the stored angle is hvae's rounded to 2 decimals");
    expect(lines[3]).toContain("likely cause: reversed options");
    expect(lines[4]).toContain("stored angle 12.3, altruistic; hvae 7.8153, individualistic — likely cause: the stored type is not the category of the stored angle either");
    expect(r.stderr).toContain("cross-check against the file's svo_angle/svo_type: 5 of 7 respondents disagree, 1 agree, 1 without a stored value");
  });

  it("names the oTree full version's 15-item angle as the cause when the stored angle averages all items", async () => {
    // The app's 15-item version averages every item's payoffs; hvae uses the 6 primary ones (Murphy et al.).
    const all = [1, 9, 9, 4, 5, 9, 6, 5, 4, 7, 5, 8, 5, 3, 2];
    const { SLIDER_ITEMS } = await import("../../src/core/instrument.ts");
    const s = all.reduce((t, c, i) => t + SLIDER_ITEMS[i].options[c - 1].self, 0) / 15;
    const o = all.reduce((t, c, i) => t + SLIDER_ITEMS[i].options[c - 1].other, 0) / 15;
    const angle15 = (Math.atan((o - 50) / (s - 50)) * 180) / Math.PI;
    const header = ["participant.code", ...all.map((_, i) => `svo.1.player.svo${i + 1}dec`), "svo.1.player.svo_angle"];
    const p = file("full.csv", `${header.join(",")}\nfull01,${all.map((c) => c - 1).join(",")},${pyFloat(angle15)}\n`);
    const r = await score(p, "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0].iaIndex).toBe(0);
    expect(r.stderr).toContain("likely cause: the angle was computed over all 15 items instead of the 6 primary ones");
  });

  it("--index-base 1 and --map read an oTree app with other field names (q1…q6, 1-based)", async () => {
    const header = ["participant.code", ...[1, 2, 3, 4, 5, 6].map((k) => `svo.1.player.q${k}`), "svo.1.player.svo", "svo.1.player.svo_type"];
    const p = file("q-app.csv", `${header.join(",")}\nqq01,1,9,9,4,5,9,2,Prosocial\nqq02,1,9,9,9,1,1,3,Altruism\n`);
    const m = file("q-map.yaml", "\uFEFF# our column: their field (renamed in every block)\n" + [1, 2, 3, 4, 5, 6].map((k) => `item${k}: q${k}`).join("\n") + "\n");
    const r = await score(p, "--map", m, "--index-base", "1", "--json");
    expect(r.stderr).toContain("1 of 2 respondents disagree");
    expect(r.code).toBe(0);
    const rows: Row[] = JSON.parse(r.stdout);
    expect(rows.map((x) => [x.id, (x.angle as number).toFixed(4), x.storedCategory, x.agrees])).toEqual([
      ["qq01", "37.4824", "prosocial", true],
      ["qq02", "7.8153", "altruistic", false],
    ]);
    // Without --index-base 1 the 9s are out of oTree's 0–8 range.
    const wrong = await score(p, "--map", m);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`${p} row 1, column svo.1.player.q2: expected an option index 0–8, got 9`);
  });

  const good = otreeWide(PEOPLE.slice(0, 2));
  const edit = (from: string, to: string) => {
    expect(good).toContain(from);
    return good.replace(from, to);
  };
  // Row 1 (k3x9ab1), round 1: svo1dec…svo6dec = 0,8,8,3,4,8; payoffs ego 85,100,85,63,75,85 / alter 85,50,85,68,75,85.
  it.each([
    ["an index outside 0–8", () => edit("0,8,8,3,4,8,", "0,8,9,3,4,8,"), "row 1, column svo.1.player.svo3dec: expected an option index 0–8, got 9"],
    ["a non-number choice", () => edit("0,8,8,3,4,8,", "0,8,x,3,4,8,"), "row 1, column svo.1.player.svo3dec: expected an option index 0–8, got 'x'"],
    // An empty svo4dec alone falls back to the payoffs; with them empty too, the answer is missing.
    [
      "a missing primary choice",
      () => edit("0,8,8,3,4,8,", "0,8,8,,4,8,").replace("85,100,85,63,75,85,85,50,85,68,75,85,", "85,100,85,,75,85,85,50,85,,75,85,"),
      "row 1, column svo.1.player.svo4dec: missing answer to a primary item",
    ],
    [
      "a choice that disagrees with its payoffs",
      () => edit("85,100,85,63,75,85,", "85,100,85,59,75,85,"),
      "row 1, column svo.1.player.svo4dec, svo.1.player.svo4ego/svo.1.player.svo4alter: option 3 is (self 63, other 68) but the payoff columns say (self 59, other 68)",
    ],
    ["a stored type that is no category", () => edit("Prosocial", "Nice"), "row 1, column svo.1.player.svo_type: expected an SVO category"],
    ["a stored angle that is no number", () => edit(",Prosocial", "x,Prosocial"), "row 1, column svo.1.player.svo_angle: expected an angle in degrees"],
  ])("rejects %s (exit 2, row and column named)", async (_, make, message) => {
    const p = file("bad.csv", make());
    const r = await score(p);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`${p} ${message}`);
    expect(r.stderr).toContain("(1 invalid row; fix it or pass --skip-invalid to score the rest)");
  });

  it("rejects a payoff pair off the item's line when the choices come from the payoffs", async () => {
    const text = otreeWide(PEOPLE.slice(0, 1), { withoutDec: true });
    const p = file("offline.csv", text.replace("85,100,85,63,75,85,", "85,100,85,63,80,85,"));
    const r = await score(p);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${p} row 1, column svo.1.player.svo5ego/svo.1.player.svo5alter: the pair (self 80, other 75) is not on item 5's line (its options run from (100, 50) to (50, 100))`,
    );
  });

  it.each([
    ["a block without a primary item", (t: string) => t.replaceAll(/svo\.(\d)\.player\.svo5(dec|ego|alter)/g, "svo.$1.player.x5$2"), /lacks svo<k>dec or svo<k>ego\/svo<k>alter for item 5 in the block svo\.1\.player\.\*/],
    ["a payoff column without its partner", (t: string) => t.replace("svo.1.player.svo2alter", "svo.1.player.note"), /column 'svo\.1\.player\.svo2ego' has no partner in the block svo\.1\.player\.\*/],
    ["--format otree on a file without oTree fields", () => "id,q1,q2\n", /no oTree SVO fields in the header/],
  ])("rejects %s with a clear header message", async (_, change, pattern) => {
    const p = file("badhead.csv", change(otreeWide(PEOPLE.slice(0, 1), { withoutDec: true })));
    const r = await score(p, "--format", "otree");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
  });
});
