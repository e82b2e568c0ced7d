/**
 * A scratch file for group memory that does not fit the in-memory budget: texts are written into
 * blocks (a power of two of at least 256 bytes, a length in front), a block is reused once its
 * text is taken back, so the file holds at most one block per group spilled at a time. The file
 * is created in the system's temporary directory on the first put and removed by close().
 *
 * @example
 * const spill = createSpill();
 * const at = spill.put("[[0,1,\"item-1\"]]");
 * spill.take(at); // the same text; its block is free again
 * spill.close();
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Spill {
  /** Writes `text`; returns where it is. */
  put(text: string): number;
  /** Reads the text at `at` back and frees its block. */
  take(at: number): string;
  /** Bytes the file has grown to. */
  readonly bytes: number;
  /** Removes the file (idempotent). */
  close(): void;
}

const MIN_BLOCK = 256;

export function createSpill(): Spill {
  let dir: string | null = null;
  let fd = -1;
  let end = 0;
  const free = new Map<number, number[]>();
  // A process that ends without close() (an error, process.exit) still removes the file.
  const atExit = () => {
    if (fd >= 0) closeSync(fd);
    fd = -1;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  };
  const open = () => {
    if (fd >= 0) return;
    dir = mkdtempSync(join(tmpdir(), "hvae-memory-"));
    fd = openSync(join(dir, "groups.spill"), "w+");
    process.once("exit", atExit);
  };
  return {
    put(text) {
      open();
      const body = Buffer.from(text, "utf8");
      const size = blockSize(body.length);
      const at = free.get(size)?.pop() ?? ((end += size), end - size);
      const block = Buffer.allocUnsafe(body.length + 4);
      block.writeUInt32LE(body.length, 0);
      body.copy(block, 4);
      writeSync(fd, block, 0, block.length, at);
      return at;
    },
    take(at) {
      const head = Buffer.alloc(4);
      readSync(fd, head, 0, 4, at);
      const body = Buffer.alloc(head.readUInt32LE(0));
      readSync(fd, body, 0, body.length, at + 4);
      const size = blockSize(body.length);
      let list = free.get(size);
      if (!list) free.set(size, (list = []));
      list.push(at);
      return body.toString("utf8");
    },
    get bytes() {
      return end;
    },
    close() {
      process.off("exit", atExit);
      atExit();
    },
  };
}

/** The block a text of `length` bytes takes (the length says it, so no table of sizes is kept). */
function blockSize(length: number): number {
  let size = MIN_BLOCK;
  while (size < length + 4) size *= 2;
  return size;
}
