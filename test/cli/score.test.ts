import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scoreResponse } from "../../analysis/svo.ts";
import { createRng } from "../../src/core/random.ts";

const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "hvae-score-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function hvae(...args: string[]) {
  const r = spawnSync("./bin/hvae", ["score", ...args], { cwd: root, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const HEADER = "id,item1,item2,item3,item4,item5,item6,item7,item8,item9,item10,item11,item12,item13,item14,item15";
const IA = "6,5,4,7,5,8,5,3,2";
const GOOD = [
  HEADER,
  `alt,1,9,1,1,9,9,,,,,,,,,`,
  `pro,1,9,9,4,5,9,${IA}`,
  `"ind, quoted",1,9,9,9,1,1`, // trailing secondary cells dropped, as spreadsheets do
  `comp,9,1,9,9,1,1,,,,,,,,,`,
  `cyc,1,1,1,1,1,1,,,,,,,,,`,
  `cont,5.5,2.5,1,1,1,1,,,,,,,,,`,
].join("\r\n");

describe("hvae score", () => {
  const good = file("answers.csv", GOOD + "\r\n");

  it("--json prints exactly the documented fields with unrounded angles", () => {
    const r = hvae(good, "--json");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(["id", "selfMean", "otherMean", "angle", "category", "transitive", "ranking", "iaIndex", "iaReason"]);
    }
    expect(rows.map((x: { id: string }) => x.id)).toEqual(["alt", "pro", "ind, quoted", "comp", "cyc", "cont"]);
    expect(rows.map((x: { angle: number }) => x.angle.toFixed(4))).toEqual(["61.3895", "37.4824", "7.8153", "-16.2602", "30.4655", expect.any(String)]);
    expect(rows.map((x: { category: string }) => x.category)).toEqual(["altruistic", "prosocial", "individualistic", "competitive", "prosocial", "individualistic"]);
    // Unrounded and identical to the library.
    expect(rows[1]).toEqual({ id: "pro", ...scoreResponse([1, 9, 9, 4, 5, 9, 6, 5, 4, 7, 5, 8, 5, 3, 2]) });
    expect(rows[5]).toEqual({ id: "cont", ...scoreResponse([5.5, 2.5, 1, 1, 1, 1]) });
    expect(rows[1].iaIndex).toBe(0);
    expect(rows[1].iaReason).toBeNull();
    expect(rows[4].transitive).toBe(false);
    expect(rows[4].ranking).toBeNull();
    expect(rows[0].ranking).toEqual(["altruistic", "prosocial", "individualistic", "competitive"]);
    expect(rows[0].iaReason).toBe("secondary items not answered");
  });

  it("--csv prints the same columns as CSV", () => {
    const r = hvae(good, "--csv");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("id,selfMean,otherMean,angle,category,transitive,ranking,iaIndex,iaReason");
    expect(lines).toHaveLength(7);
    expect(lines[2]).toBe(`pro,${82 + 1 / 6},${74 + 2 / 3},37.482411427718475,prosocial,true,prosocial>altruistic>individualistic>competitive,0,`);
    expect(lines[3].startsWith('"ind, quoted",92.5,')).toBe(true);
    expect(lines[5]).toMatch(/^cyc,.*,prosocial,false,,,secondary items not answered$/);
  });

  it("prints an aligned table by default", () => {
    const r = hvae(good);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^id\s+selfMean\s+otherMean\s+angle\s+category\s+transitive\s+ranking\s+iaIndex\s+iaReason$/);
    expect(lines).toHaveLength(7);
    // Columns line up: every row has its angle ending at the header's "angle" column end.
    const end = lines[0].indexOf("angle") + "angle".length;
    expect(lines.slice(1).map((l) => l.slice(end - 9, end).trim())).toEqual(["61.3895", "37.4824", "7.8153", "-16.2602", "30.4655", "21.2455"]);
    expect(lines[2]).toContain("0.000");
  });

  it("--version B reads the answers in Version B order", () => {
    const b = file("b.csv", `${HEADER}\nind,1,1,9,9,9,1,${IA.split(",").reverse().join(",")}\n`);
    const a = file("a.csv", `${HEADER}\nind,1,9,9,9,1,1,${IA}\n`);
    const rb = JSON.parse(hvae(b, "--version", "B", "--json").stdout);
    const ra = JSON.parse(hvae(a, "--json").stdout);
    expect(rb).toEqual(ra);
    expect(rb[0].angle.toFixed(4)).toBe("7.8153");
    expect(JSON.parse(hvae(b, "--json").stdout)[0].angle.toFixed(4)).not.toBe("7.8153");
  });

  it("reads a JSON array of objects (numbers, numeric strings, nulls, missing secondary keys)", () => {
    const j = file(
      "answers.json",
      JSON.stringify([
        { id: "p1", item1: 1, item2: 9, item3: 9, item4: 4, item5: 5, item6: 9, item7: 6, item8: 5, item9: 4, item10: 7, item11: 5, item12: 8, item13: 5, item14: 3, item15: 2 },
        { id: 7, item1: "9", item2: 1, item3: 9, item4: 9, item5: 1, item6: 1, item7: null },
      ]),
    );
    const r = hvae(j, "--json");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows[0].iaIndex).toBe(0);
    expect(rows[1].id).toBe("7");
    expect(rows[1].angle.toFixed(4)).toBe("-16.2602");
  });

  it("a bad row names the row and column and exits 2", () => {
    const bad = file("bad.csv", `${HEADER}\nr1,1,9,9,9,1,1\nr2,1,9,9,9,1,1\nr3,1,12,9,9,1,1\n`);
    const r = hvae(bad, "--json");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`${bad} row 3, column item2: expected an option 1–9, got 12`);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  });

  it.each([
    ["a non-number", "x,1,abc,9,9,1,1", "column item2: expected an option 1–9, got 'abc'"],
    ["a missing primary item", "x,1,9,,9,1,1", "column item3: missing answer to a primary item"],
    ["zero", "x,1,9,9,0,1,1", "column item4: expected an option 1–9, got 0"],
    ["an out-of-range secondary", `x,1,9,9,9,1,1,10`, "column item7: expected an option 1–9, got 10"],
    ["too many fields", `x,1,9,9,9,1,1,${IA},5`, "row 1: 17 fields but the header names 16 columns"],
  ])("rejects %s", (_, line, message) => {
    const p = file("one.csv", `${HEADER}\n${line}\n`);
    const r = hvae(p);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(`${p} row 1`);
  });

  it("--skip-invalid scores the good rows and lists the bad ones on stderr", () => {
    const mixed = file("mixed.csv", `${HEADER}\nr1,1,9,9,9,1,1\nr2,1,9,x,9,1,1\nr3,9,1,9,9,1,1\nr4,1,9,9,9,1,\n`);
    const r = hvae(mixed, "--skip-invalid", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((x: { id: string }) => x.id)).toEqual(["r1", "r3"]);
    expect(r.stderr).toContain(`${mixed} row 2, column item3: expected an option 1–9, got 'x'`);
    expect(r.stderr).toContain(`${mixed} row 4, column item6: missing answer to a primary item`);
    expect(r.stderr).toContain("skipped 2 invalid rows, scored 2");
  });

  it("matches the library on 3,000 random respondents (integers, continuous positions, gaps)", () => {
    const rng = createRng(11);
    const rows: (number | null)[][] = [];
    for (let i = 0; i < 3000; i++) {
      rows.push(
        Array.from({ length: 15 }, (_, k) => {
          if (k >= 6 && rng.next() < 0.05) return null;
          return rng.next() < 0.2 ? 1 + Math.round(rng.next() * 8000) / 1000 : 1 + rng.int(9);
        }),
      );
    }
    const p = file("random.csv", [HEADER, ...rows.map((r, i) => `r${i},${r.map((x) => x ?? "").join(",")}`)].join("\n"));
    for (const version of ["A", "B"] as const) {
      const r = hvae(p, "--json", "--version", version);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out).toEqual(rows.map((a, i) => ({ id: `r${i}`, ...scoreResponse(a, version) })));
      // Byte-for-byte what JSON.stringify gives.
      expect(r.stdout).toBe(`[\n${out.map((o: unknown) => `  ${JSON.stringify(o)}`).join(",\n")}\n]\n`);
    }
  });

  it("lists at most 20 problems and counts the rest", () => {
    const p = file("many.csv", [HEADER, ...Array.from({ length: 30 }, (_, i) => `r${i},0,9,9,9,1,1`)].join("\n"));
    const r = hvae(p);
    expect(r.code).toBe(2);
    expect(r.stderr.match(/column item1: expected an option 1–9, got 0/g)).toHaveLength(20);
    expect(r.stderr).toContain("… and 10 more invalid rows");
    expect(r.stderr).toContain("(30 invalid rows;");
  });

  it("a JSON row that is not an object is a row error", () => {
    const p = file("arr.json", JSON.stringify([[1, 2, 3]]));
    const r = hvae(p);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${p} row 1: expected an object`);
  });

  it.each([
    ["an unknown file", () => join(dir, "nope.csv"), /nope\.csv: no such file/],
    ["an unknown extension", () => file("answers.txt", "x"), /answers\.txt: unknown file type '\.txt' \(expected \.csv or \.json\)/],
    ["a header without primary columns", () => file("nohead.csv", "1,9,9,9,1,1\n"), /the header lacks the primary columns item1–item6 and fits no other layout .*--format forces one\)/],
    ["a duplicated column", () => file("dup.csv", `${HEADER},item2\n`), /column 'item2' appears twice in the header/],
    ["a header lacking a primary column", () => file("lack.csv", "id,item1,item2,item3,item5,item6\n"), /lacks the primary column item4 /],
    ["an empty file", () => file("empty.csv", ""), /the file is empty/],
    ["invalid JSON", () => file("broken.json", "[{"), /broken\.json:1:3: not valid JSON: the text ends early/],
    ["JSON that is not an array", () => file("obj.json", "{}"), /expected a JSON array/],
  ])("rejects %s with a clear message and exit 2", (_, make, pattern) => {
    const r = hvae(make());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(r.stdout).toBe("");
  });

  it("rejects bad flags", () => {
    expect(hvae(good, "--version", "C").stderr).toMatch(/--version: expected A or B, got 'C'/);
    expect(hvae(good, "--json", "--csv").code).toBe(2);
    expect(hvae().stderr).toMatch(/missing the answer file/);
    expect(hvae(good, "--bogus").code).toBe(2);
    const help = hvae("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--skip-invalid");
  });
});
