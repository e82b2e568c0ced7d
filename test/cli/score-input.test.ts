/**
 * `hvae score` reading hostile or large inputs (issue 15, item 9): quoted fields with newlines,
 * a BOM before a quoted header, many bad rows (bounded stderr and memory), JSON streamed rather
 * than read whole, and a BOM in JSON as in CSV.
 */
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scoreResponse } from "../../analysis/svo.ts";
import { hvae } from "../support/hvae-process.ts";

const dir = mkdtempSync(join(tmpdir(), "hvae-score-input-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const score = (args: string[], env?: Record<string, string>) => hvae(["score", ...args], { env, timeoutMs: 240_000 });
const HEADER = "id,item1,item2,item3,item4,item5,item6";
type Row = Record<string, unknown>;

async function writeLines(path: string, head: string, n: number, line: (i: number) => string, tail = ""): Promise<void> {
  const out = createWriteStream(path);
  let buf = head;
  for (let i = 0; i < n; i++) {
    buf += line(i);
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await once(out, "drain");
      buf = "";
    }
  }
  out.end(buf + tail);
  await once(out, "finish");
}

describe("hvae score: quoting, BOMs, large and hostile files", { timeout: 120_000 }, () => {
  it("a quoted field may hold newlines: no phantom respondent with --skip-invalid, row numbers count records", async () => {
    const p = file("newline.csv", `${HEADER}\r\n"two\r\nlines",1,9,9,9,1,1\r\n"say ""hi""\nthere",9,1,9,9,1,1\r\nbad,0,9,9,9,1,1\r\n`);
    const r = await score([p, "--skip-invalid", "--json"]);
    expect(r.code).toBe(0);
    const rows: Row[] = JSON.parse(r.stdout);
    expect(rows.map((x) => x.id)).toEqual(["two\nlines", 'say "hi"\nthere']);
    expect(rows[0]).toEqual({ id: "two\nlines", ...scoreResponse([1, 9, 9, 9, 1, 1]) });
    expect(r.stderr).toContain(`${p} row 3, column item1: expected an option 1–9, got 0`);
    expect(r.stderr).toContain("skipped 1 invalid row, scored 2");
    // The table shows such an id escaped on its one line.
    const t = await score([p, "--skip-invalid"]);
    expect(t.stdout.trimEnd().split("\n")).toHaveLength(3);
    expect(t.stdout).toContain('"two\\nlines"');
  });

  it("a quote left open to the end of the file is one invalid row, not a file of phantoms", async () => {
    const p = file("open.csv", `${HEADER}\nok,1,9,9,9,1,1\n"open,1,9,9,9,1,1\nx,1,9,9,9,1,1\ny,1,9,9,9,1,1\n`);
    const r = await score([p, "--skip-invalid", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((x: Row) => x.id)).toEqual(["ok"]);
    expect(r.stderr).toContain(`${p} row 2: unterminated quote (the file ends inside a quoted field)`);
  });

  it("a BOM before a quoted header: the ids are read, not replaced by row numbers", async () => {
    const p = file("bom.csv", `\uFEFF"id","item1","item2","item3","item4","item5","item6"\r\n"r1",1,9,9,9,1,1\r\n`);
    const r = await score([p, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0].id).toBe("r1");
  });

  it("a BOM before JSON is accepted as before CSV and YAML", async () => {
    const p = file("bom.json", `\uFEFF${JSON.stringify([{ id: "j1", item1: 1, item2: 9, item3: 9, item4: 9, item5: 1, item6: 1 }])}`);
    const r = await score([p, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0]).toEqual({ id: "j1", ...scoreResponse([1, 9, 9, 9, 1, 1]) });
  });

  it.each([
    ["a syntax error on a later line", '[\n  {"id": "a", "item1": 1},\n  {"id": "b" "item1": 2}\n]', /:3:14: not valid JSON: /],
    ["text after the array", '[{"id": "a", "item1": 1, "item2": 9, "item3": 9, "item4": 9, "item5": 1, "item6": 1}] x', /:1:87: not valid JSON: unexpected text after the array/],
    ["a trailing comma", '[{"id": "a"},\n]', /:2:1: not valid JSON: a trailing comma before '\]'/],
    ["an empty file", "", /the file is empty/],
  ])("JSON: %s is named by line and column", async (_, text, pattern) => {
    const r = await score([file("bad.json", text)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it("JSON: objects may bring keys the first lacked; a non-object element is a row error", async () => {
    const p = file("keys.json", JSON.stringify([{ id: "a", item1: 1, item2: 9, item3: 9, item4: 9, item5: 1, item6: 1 }, 5, { id: "b", item1: 1, item2: 9, item3: 9, item4: 4, item5: 5, item6: 9, item7: 6, item8: 5, item9: 4, item10: 7, item11: 5, item12: 8, item13: 5, item14: 3, item15: 2 }]));
    const r = await score([p, "--skip-invalid", "--json"]);
    expect(r.code).toBe(0);
    const rows: Row[] = JSON.parse(r.stdout);
    expect(rows.map((x) => [x.id, x.iaIndex])).toEqual([["a", null], ["b", 0]]);
    expect(r.stderr).toContain(`${p} row 2: expected an object`);
  });

  it("many bad rows: stderr lists the first 20 and a count, memory stays bounded (200,000 rows under a 100 MB heap)", async () => {
    const p = join(dir, "many-bad.csv");
    // Every row has six bad cells; kept whole, the problems alone would need far more than 100 MB.
    await writeLines(p, `${HEADER}\n`, 200_000, (i) => `r${i},0,x,10,-1,abc,99\n`, "good,1,9,9,9,1,1\n");
    const env = { NODE_OPTIONS: "--max-old-space-size=100" };
    const skip = await score([p, "--skip-invalid", "--json"], env);
    expect(skip.code, skip.stderr.slice(0, 500)).toBe(0);
    expect(JSON.parse(skip.stdout).map((x: Row) => x.id)).toEqual(["good"]);
    const lines = skip.stderr.trimEnd().split("\n");
    expect(lines.length).toBeLessThanOrEqual(22);
    expect(lines.filter((l) => l.startsWith("hvae: skipped ") && l.includes(" row "))).toHaveLength(20);
    expect(skip.stderr).toContain("… and 199996 more invalid rows");
    expect(skip.stderr).toContain("skipped 200000 invalid rows, scored 1");
    const stop = await score([p], env);
    expect(stop.code).toBe(2);
    expect(stop.stderr.trimEnd().split("\n").length).toBeLessThanOrEqual(22);
    expect(stop.stderr).toContain("(200000 invalid rows; fix them or pass --skip-invalid to score the rest)");
  }, 300_000);

  it("JSON is streamed: a 40 MB file scores under a 48 MB heap (read whole, the text alone would not fit)", async () => {
    const p = join(dir, "big.json");
    const note = "n".repeat(4000); // other columns of an export, ignored
    await writeLines(p, "[\n", 10_000, (i) => `${i ? ",\n" : ""}{"id":"r${i}","note":"${note}","item1":1,"item2":9,"item3":9,"item4":9,"item5":1,"item6":1}`, "\n]\n");
    const r = await score([p, "--csv"], { NODE_OPTIONS: "--max-old-space-size=48" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(10_001);
    expect(lines[10_000]).toMatch(/^r9999,92\.5,/);
  }, 300_000);
});
