/**
 * `hvae score` input layouts other than oTree: payoff pairs, long format (options or payoffs),
 * --format, --index-base, --map, their malformed variants, and a sample of the 531,441 primary
 * patterns written in every layout scoring exactly as in hvae's own layout (the bench checks all).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LAYOUTS, writePatterns } from "../../bench/score.ts";
import { positionOfPayoffs } from "../../analysis/answers.ts";
import { scoreResponse } from "../../analysis/svo.ts";
import { PRIMARY_ITEMS, SLIDER_ITEMS } from "../../src/core/instrument.ts";
import { createRng } from "../../src/core/random.ts";
import { hvae } from "../support/hvae-process.ts";

const dir = mkdtempSync(join(tmpdir(), "hvae-score-layouts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const score = (...args: string[]) => hvae(["score", ...args]);
type Row = Record<string, unknown>;

const pay = (item: number, option: number) => PRIMARY_ITEMS[item - 1].options[option - 1];
const PAIRS_HEADER = ["id", ...[1, 2, 3, 4, 5, 6].flatMap((k) => [`item${k}_self`, `item${k}_other`])].join(",");
const pairsLine = (id: string, p: number[]) => `${id},${p.map((x, i) => `${pay(i + 1, x).self},${pay(i + 1, x).other}`).join(",")}`;

describe("hvae score: payoff pairs and long format", { timeout: 120_000 }, () => {
  it("positionOfPayoffs: printed options exactly, rounded points of the line as continuous positions, others refused", () => {
    for (const item of SLIDER_ITEMS) item.options.forEach((o, k) => expect(positionOfPayoffs(item, o.self, o.other)).toBe(k + 1));
    // Item 1 (self 85, other 85 → 15): other 80 is position 1 + 8·5/70.
    expect(positionOfPayoffs(SLIDER_ITEMS[0], 85, 80)).toBeCloseTo(1 + (8 * 5) / 70, 12);
    expect(positionOfPayoffs(SLIDER_ITEMS[0], 85.5, 80)).toBeCloseTo(1 + (8 * 5) / 70, 12);
    expect(positionOfPayoffs(SLIDER_ITEMS[0], 86, 80)).toEqual({ error: expect.stringContaining("the pair (self 86, other 80) is not on item 1's line") });
    expect(positionOfPayoffs(SLIDER_ITEMS[0], 85, 90)).toEqual({ error: expect.any(String) }); // beyond the left end
    // A continuous slider position's exact payoffs come back as that position.
    const it3 = SLIDER_ITEMS[2];
    const t = 0.3;
    expect(positionOfPayoffs(it3, 50 + 35 * t, 100 - 15 * t)).toBeCloseTo(1 + 8 * t, 12);
  });

  it("pairs: any subset of secondary items besides the 6 primary ones, secondary pairs scored too", async () => {
    const IA = [6, 5, 4, 7, 5, 8, 5, 3, 2];
    const sec = [7, 8, 9, 10, 11, 12, 13, 14, 15];
    const header = `${PAIRS_HEADER},${sec.flatMap((k) => [`item${k}_self`, `item${k}_other`]).join(",")}`;
    const secCells = IA.map((x, j) => `${SLIDER_ITEMS[6 + j].options[x - 1].self},${SLIDER_ITEMS[6 + j].options[x - 1].other}`).join(",");
    const p = file("pairs.csv", `${header}\n${pairsLine("pro", [1, 9, 9, 4, 5, 9])},${secCells}\n${pairsLine("ind", [1, 9, 9, 9, 1, 1])}\n`);
    const r = await score(p, "--json");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rows: Row[] = JSON.parse(r.stdout);
    expect(rows[0]).toEqual({ id: "pro", ...scoreResponse([1, 9, 9, 4, 5, 9, ...IA]) });
    expect(rows[0].iaIndex).toBe(0);
    expect(rows[1]).toEqual({ id: "ind", ...scoreResponse([1, 9, 9, 9, 1, 1]) });
    // Only item 9's pair among the secondary items: the IA index says what is missing.
    const some = file("pairs-some.csv", `${PAIRS_HEADER},item9_self,item9_other\n${pairsLine("x", [1, 9, 9, 4, 5, 9])},88,78\n`);
    const r2 = await score(some, "--json");
    expect(r2.code).toBe(0);
    expect(JSON.parse(r2.stdout)[0].iaReason).toBe("secondary items incomplete (items 7, 8, 10, 11, 12, 13, 14, 15 missing)");
  });

  it("long: id,item,option in any row order, and id,item,self,other; respondents in order of first appearance", async () => {
    const opt = file("long.csv", "id,item,option\nb,1,9\na,1,1\na,2,9\nb,2,1\na,3,9\nb,3,9\na,6,1\na,5,1\na,4,9\nb,4,9\nb,5,1\nb,6,1\n");
    const r = await score(opt, "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { id: "b", ...scoreResponse([9, 1, 9, 9, 1, 1]) },
      { id: "a", ...scoreResponse([1, 9, 9, 9, 1, 1]) },
    ]);
    const lines = ["id,item,self,other"];
    [1, 9, 9, 4, 5, 9].forEach((x, i) => lines.push(`p,item${i + 1},${pay(i + 1, x).self},${pay(i + 1, x).other}`));
    const r2 = await score(file("long-pay.csv", lines.join("\n")), "--json");
    expect(r2.code).toBe(0);
    expect(JSON.parse(r2.stdout)).toEqual([{ id: "p", ...scoreResponse([1, 9, 9, 4, 5, 9]) }]);
  });

  it("long: the oTree SVO app's custom export (session, participant_code, item_id, ego, alter) through --map", async () => {
    const rows = [1, 9, 9, 4, 5, 9].map((x, i) => `x8fh2k1q,k3x9ab1,${i + 1},${pay(i + 1, x).self},${pay(i + 1, x).other}`);
    const p = file("custom.csv", ["session,participant_code,item_id,ego,alter", ...rows].join("\r\n"));
    const m = file("custom-map.yaml", "id: participant_code\nitem: item_id\nself: ego\nother: alter\n");
    const r = await score(p, "--map", m, "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ id: "k3x9ab1", ...scoreResponse([1, 9, 9, 4, 5, 9]) }]);
  });

  it("--format forces a layout, --index-base 0 reads 0-based options in any layout", async () => {
    const p = file("zero.csv", "id,item1,item2,item3,item4,item5,item6\nz,0,8,8,3,4,8\n");
    const r = await score(p, "--index-base", "0", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0]).toEqual({ id: "z", ...scoreResponse([1, 9, 9, 4, 5, 9]) });
    const one = await score(p);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain("column item1: expected an option 1–9, got 0");
    const forced = await score(p, "--format", "pairs");
    expect(forced.code).toBe(2);
    expect(forced.stderr).toContain("the header lacks item<k>_self,item<k>_other for items 1, 2, 3, 4, 5, 6");
  });

  it.each([
    ["--format", ["--format", "spss"], "--format: expected one of hvae, otree, pairs, long, got 'spss'"],
    ["--index-base", ["--index-base", "2"], "--index-base: expected 0 or 1, got '2'"],
  ])("rejects a bad %s", async (_, flags, message) => {
    const r = await score(file("any.csv", "id,item1,item2,item3,item4,item5,item6\n"), ...flags);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it.each([
    ["an unknown column of ours", "item01: q1\n", "'item01' is not one of hvae's columns (did you mean 'item1'?)"],
    ["a column not in the file", "item1: nope\n", "--map names the column 'nope' (for item1), which is not in the header"],
    ["a list instead of a mapping", "- item1\n", "expected a mapping of our column names to yours"],
    ["invalid YAML", "item1: [\n", "not valid YAML"],
  ])("rejects a --map file with %s", async (_, yaml, message) => {
    const r = await score(file("m.csv", "id,q1,item2,item3,item4,item5,item6\n"), "--map", file("m.yaml", yaml));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it.each([
    ["pairs: a payoff that is no number", `${PAIRS_HEADER}\n${pairsLine("x", [1, 9, 9, 4, 5, 9]).replace(",85,85,", ",85,abc,")}`, "row 1, column item1_self/item1_other: expected a payoff, got 'abc'"],
    ["pairs: half a pair", `${PAIRS_HEADER}\n${pairsLine("x", [1, 9, 9, 4, 5, 9]).replace(/,85,85,/, ",85,,")}`, "row 1, column item1_self/item1_other: the payoff pair is incomplete (self 85, other empty)"],
    ["pairs: a pair off the line", `${PAIRS_HEADER}\n${pairsLine("x", [1, 9, 9, 4, 5, 9]).replace(/,85,85,/, ",80,85,")}`, "row 1, column item1_self/item1_other: the pair (self 80, other 85) is not on item 1's line (its options run from (85, 85) to (85, 15))"],
    ["pairs: a missing primary pair", `${PAIRS_HEADER}\n${pairsLine("x", [1, 9, 9, 4, 5, 9]).replace(/,85,85,/, ",,,")}`, "row 1, column item1_self/item1_other: missing answer to a primary item"],
    ["long: an item number out of range", "id,item,option\na,16,1\n", "row 1, column item: expected an item number 1–15, got '16'"],
    ["long: a missing id", "id,item,option\n,1,1\n", "row 1, column id: missing id (a long file groups rows by id)"],
    ["long: an option out of range", "id,item,option\na,1,10\n", "row 1, column option: item 1: expected an option 1–9, got 10"],
    ["long: an item answered twice", "id,item,option\na,1,1\na,2,1\na,1,2\n", "row 3, column item: item 1 of 'a' was already answered in row 1"],
    ["long: a respondent without all primary items", "id,item,option\na,1,1\na,2,1\n", "row 1, column item: 'a' has no row for primary items 3, 4, 5, 6"],
    ["long: a pair off the line", "id,item,self,other\na,1,85,90\n", "row 1, column self/other: item 1: the pair (self 85, other 90) is not on item 1's line"],
  ])("rejects %s (exit 2, row and column named)", async (_, text, message) => {
    const p = file("bad.csv", text + "\n");
    const r = await score(p);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`${p} ${message}`);
  });

  it("a long respondent with a bad row is not scored with --skip-invalid; the others are", async () => {
    const p = file("long-skip.csv", "id,item,option\n" + [1, 2, 3, 4, 5, 6].map((k) => `a,${k},1\nb,${k},${k === 3 ? 0 : 1}`).join("\n"));
    const r = await score(p, "--skip-invalid", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((x: Row) => x.id)).toEqual(["a"]);
    expect(r.stderr).toContain(`${p} row 6, column option: item 3: expected an option 1–9, got 0`);
    expect(r.stderr).toContain("skipped 1 invalid row (a respondent with an invalid row is not scored), scored 1");
  });

  it("a sample of the 531,441 primary patterns scores identically in every layout (the bench checks all of them)", async () => {
    const rng = createRng(16);
    const sample = [...new Set([0, ...Array.from({ length: 4000 }, () => rng.int(9 ** 6)), 9 ** 6 - 1])];
    const outputs: Row[][] = [];
    for (const layout of LAYOUTS) {
      const p = join(dir, `sample.${layout}.csv`);
      await writePatterns(p, layout, sample);
      const r = await score(p, "--json");
      expect(r.code, r.stderr).toBe(0);
      outputs.push(JSON.parse(r.stdout).map(({ app: _a, round: _r, ...rest }: Row) => rest));
    }
    // hvae's layout is the library's scoring; every other layout gives the same objects.
    const { pattern } = await import("../../bench/score.ts");
    expect(outputs[0]).toEqual(sample.map((m) => ({ id: `p${m}`, ...scoreResponse(pattern(m)) })));
    for (let i = 1; i < outputs.length; i++) expect(outputs[i], LAYOUTS[i]).toEqual(outputs[0]);
  }, 300_000);
});
