import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import type { HvaeEvent } from "../../src/core/events.ts";
import { readEvents, type TornLine } from "../../src/store/jsonl-reader.ts";
import { openJsonlWriter } from "../../src/store/jsonl-writer.ts";
import { truncateTornTail } from "../../src/store/resume.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "hvae-store-"));
const event = (seq: number): HvaeEvent => ({
  runId: "r",
  seq,
  time: "2025-01-01T00:00:00.000Z",
  type: "trial.completed",
  sessionId: `a#t${seq}`,
  trial: seq,
  agentIds: ["a"],
});
const readAll = (path: string, onTornLine?: (t: TornLine) => void) => lastValueFrom(readEvents(path, { onTornLine }).pipe(toArray()));

describe("JSONL store", () => {
  it("writes one line per event, readable back as typed events", async () => {
    const path = join(tmp(), "events.jsonl");
    const log = openJsonlWriter(path, { flushBytes: 100 });
    for (let i = 0; i < 50; i++) log.write(event(i));
    log.close();
    const text = readFileSync(path, "utf8");
    expect(text.split("\n")).toHaveLength(51);
    expect(log.lines).toBe(50);
    const events = await readAll(path);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(events[7]).toEqual(event(7));
  });

  it("flushes while running, not only at close", async () => {
    const path = join(tmp(), "events.jsonl");
    const log = openJsonlWriter(path, { flushMs: 10 });
    log.write(event(0));
    await new Promise((r) => setTimeout(r, 60));
    expect(readFileSync(path, "utf8")).toBe(JSON.stringify(event(0)) + "\n");
    log.close();
  });

  it("appends to an existing log", async () => {
    const path = join(tmp(), "events.jsonl");
    const a = openJsonlWriter(path);
    a.write(event(0));
    a.close();
    const b = openJsonlWriter(path);
    b.write(event(1));
    b.close();
    expect((await readAll(path)).map((e) => e.seq)).toEqual([0, 1]);
  });

  it("tolerates and reports a torn last line", async () => {
    const path = join(tmp(), "events.jsonl");
    const full = JSON.stringify(event(0)) + "\n" + JSON.stringify(event(1)) + "\n";
    writeFileSync(path, full + JSON.stringify(event(2)).slice(0, 40));
    const torn: TornLine[] = [];
    const events = await readAll(path, (t) => torn.push(t));
    expect(events.map((e) => e.seq)).toEqual([0, 1]);
    expect(torn).toHaveLength(1);
    expect(torn[0].line).toBe(3);
    expect(torn[0].message).toContain("line 3: torn last line ignored (not valid JSON)");
  });

  it("fails on a broken line that is not the last, naming it", async () => {
    const path = join(tmp(), "events.jsonl");
    writeFileSync(path, JSON.stringify(event(0)) + "\n{oops\n" + JSON.stringify(event(2)) + "\n");
    await expect(readAll(path)).rejects.toThrow("events.jsonl line 2: not valid JSON");
    writeFileSync(path, JSON.stringify({ ...event(0), seq: -1 }) + "\n" + JSON.stringify(event(1)) + "\n");
    await expect(readAll(path)).rejects.toThrow("line 1: seq:");
  });

  it("reads lines that straddle read chunks, CRLF endings and a last line without a newline", async () => {
    const path = join(tmp(), "events.jsonl");
    // About 3 MB: dozens of 64 KiB read chunks, so many lines are split across two of them.
    const n = 30_000;
    const lines = Array.from({ length: n }, (_, i) => JSON.stringify(event(i)));
    writeFileSync(path, lines.join("\n") + "\n");
    expect(readFileSync(path).length).toBeGreaterThan(3 * 2 ** 20 * 0.9);
    expect((await readAll(path)).map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i));

    writeFileSync(path, lines.slice(0, 5).join("\r\n"));
    const torn: TornLine[] = [];
    expect((await readAll(path, (t) => torn.push(t))).map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(torn).toEqual([]);
  });

  it("counts a lone carriage return as a line break, as editors do", async () => {
    const path = join(tmp(), "events.jsonl");
    writeFileSync(path, `${JSON.stringify(event(0))}\r{oops\r${JSON.stringify(event(2))}\n`);
    await expect(readAll(path)).rejects.toThrow("events.jsonl line 2: not valid JSON");
  });

  it("names a missing log", async () => {
    await expect(readAll(join(tmp(), "nope.jsonl"))).rejects.toThrow("no such event log");
  });

  it("truncateTornTail cuts exactly the bytes after the last newline", () => {
    const path = join(tmp(), "events.jsonl");
    writeFileSync(path, "a\nbb\n");
    expect(truncateTornTail(path)).toBe(0);
    appendFileSync(path, "ccc");
    expect(truncateTornTail(path)).toBe(3);
    expect(readFileSync(path, "utf8")).toBe("a\nbb\n");
    writeFileSync(path, "x".repeat(200_000));
    expect(truncateTornTail(path)).toBe(200_000);
    expect(readFileSync(path, "utf8")).toBe("");
  });
});
