/**
 * Disk full: the event writer stops on ENOSPC with one message (what, where, how much), `hvae run`
 * exits 4, the run directory keeps a whole manifest and a log that is a prefix of the run, and
 * `--resume` completes it once space is freed. On a real full file system (a small tmpfs; needs
 * root to mount, skipped otherwise) and through the writer's injectable fs layer (always).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { IoError } from "../../src/core/errors.ts";
import { openJsonlWriter, type WriterFs } from "../../src/store/jsonl-writer.ts";
import { hvae, outcomes, readLog } from "../support/hvae-process.ts";

const scratch = mkdtempSync(join(tmpdir(), "hvae-disk-full-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  const probe = join(scratch, "probe");
  mkdirSync(probe);
  const ok = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]).status === 0;
  if (ok) spawnSync("umount", [probe]);
  return ok;
})();

describe("disk full", () => {
  it("the writer stops at ENOSPC, keeps what reached the file, and reports one IoError", () => {
    const path = join(scratch, "events.jsonl");
    let budget = 1000;
    const full: WriterFs = {
      ...fs,
      writeSync(fd, buffer, offset, length) {
        if (budget <= 0) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", syscall: "write" });
        const n = Math.min(length, budget);
        budget -= n;
        return fs.writeSync(fd, buffer, offset, n);
      },
    };
    const errors: IoError[] = [];
    const w = openJsonlWriter(path, { fs: full, flushBytes: 100, onError: (e) => errors.push(e) });
    for (let i = 0; i < 100; i++) w.write({ i, pad: "x".repeat(20) });
    w.close();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(IoError);
    expect(errors[0].message).toMatch(new RegExp(`^disk full: could not write the event log \\(\\d+ bytes\\) to ${path.replace(/[.+]/g, "\\$&")}; [\\d.]+ (KB|MB|GB|TB|bytes) free there$`));
    expect(w.failure).toBe(errors[0]);
    // A prefix: the first 1000 bytes, the last line possibly torn.
    const text = readFileSync(path, "utf8");
    expect(text.length).toBe(1000);
    const lines = text.split("\n");
    lines.slice(0, -1).forEach((l, i) => expect(JSON.parse(l).i).toBe(i));
  });

  it.skipIf(!canMount)("a run on a full file system exits 4 with the message; resumed once space is freed, it completes", async () => {
    const mnt = join(scratch, "mnt");
    mkdirSync(mnt);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=400k", "tmpfs", mnt]);
    try {
      const file = join(scratch, "full.yaml");
      writeFileSync(file, "name: full\nseed: 2\ntrials: 100\npairing: round-robin\nagents:\n  - { id: a, type: utility, value: prosocial }\n  - { id: b, type: logit, value: 10 }\n  - { id: c, type: random, value: competitive }\n");
      const r = await hvae(["run", file, "--out", mnt, "--quiet"]);
      expect(r.code, r.stderr).toBe(4);
      const lines = r.stderr.trim().split("\n");
      expect(lines[0]).toMatch(new RegExp(`^hvae: disk full: could not write the event log \\([\\d.]+ (KB|MB|GB|TB|bytes)\\) to ${mnt}/full-[^/]+/events\\.jsonl; [\\d.]+ (KB|MB|GB|TB|bytes) free there$`));
      expect(lines[1]).toMatch(/^hvae: free some space \(or fix the cause\), then continue with: hvae run --resume \S+full-/);
      expect(lines).toHaveLength(2);
      const runDir = lines[1].split(" ").at(-1)!;
      const manifest = JSON.parse(readFileSync(join(runDir, "manifest.json"), "utf8"));
      expect(["running", "failed"]).toContain(manifest.status);

      execFileSync("mount", ["-o", "remount,size=64m", mnt]);
      const resumed = await hvae(["run", "--resume", runDir, "--quiet"]);
      expect(resumed.code, resumed.stderr).toBe(0);
      const events = readLog(runDir);
      const ids = outcomes(events).map((e) => e.decisionId);
      expect(ids).toHaveLength(100 * 3 * 6 * 2);
      expect(new Set(ids).size).toBe(ids.length);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
      expect(JSON.parse(readFileSync(join(runDir, "manifest.json"), "utf8")).status).toBe("completed");
    } finally {
      spawnSync("umount", [mnt]);
    }
  }, 120_000);
});
