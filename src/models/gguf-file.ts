/**
 * Checks a `gguf:` model file before anything is loaded: it exists, it is a GGUF file (magic,
 * version 2 or 3), its header reads, and the memory it needs — its tensors as the header sizes
 * them plus the KV cache of the configured context and sequences — fits in the memory available.
 * Reads the header only (a few MB at most), synchronously, so agents fail at creation with an
 * InputError (exit 2) instead of mid-run.
 *
 * @example
 * const info = checkGgufFile("models/qwen2.5-0.5b-instruct-q4_k_m.gguf", { contextSize: 4096, sequences: 2 });
 * info.architecture; // "qwen2"
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { freemem } from "node:os";
import { InputError } from "../core/errors.ts";

export interface GgufInfo {
  architecture: string;
  name: string | null;
  fileBytes: number;
  /** Bytes of all tensors as the header declares them. */
  tensorBytes: number;
  /** Estimated KV cache for the requested context × sequences, bytes. */
  kvBytes: number;
  /** What the check compared against the available memory, bytes. */
  neededBytes: number;
}

/** [elements per block, bytes per block] of ggml tensor types (ggml.h), by type id. */
const GGML_TYPES: Record<number, [number, number]> = {
  0: [1, 4], 1: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24], 8: [32, 34], 9: [32, 36],
  10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176], 14: [256, 210], 15: [256, 292],
  16: [256, 66], 17: [256, 74], 18: [256, 98], 19: [256, 50], 20: [32, 18], 21: [256, 110], 22: [256, 82],
  23: [256, 136], 24: [1, 1], 25: [1, 2], 26: [1, 4], 27: [1, 8], 28: [1, 8], 29: [256, 56], 30: [1, 2],
  34: [256, 54], 35: [256, 66], 39: [32, 17],
};

/** Headers larger than this are not believed (a real one is a few MB: the vocabulary). */
const MAX_HEADER_BYTES = 256 * 1024 * 1024;

class Cursor {
  private buf = Buffer.alloc(0);
  private start = 0;
  pos = 0;
  constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {}
  private need(n: number) {
    if (this.pos + n <= this.start + this.buf.length) return;
    if (this.pos + n > this.size) throw new Error("the header runs past the end of the file");
    if (this.pos + n > MAX_HEADER_BYTES) throw new Error("the header is implausibly large");
    const len = Math.min(this.size - this.pos, Math.max(n, 1 << 20));
    const b = Buffer.alloc(len);
    readSync(this.fd, b, 0, len, this.pos);
    this.buf = b;
    this.start = this.pos;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const o = this.pos - this.start;
    this.pos += n;
    return this.buf.subarray(o, o + n);
  }
  u8 = () => this.bytes(1)[0];
  u32 = () => this.bytes(4).readUInt32LE(0);
  u64(): number {
    const v = this.bytes(8).readBigUInt64LE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error("a size in the header is out of range");
    return Number(v);
  }
  str(): string {
    const n = this.u64();
    if (n > 1 << 24) throw new Error("a string in the header is implausibly long");
    return this.bytes(n).toString("utf8");
  }
}

const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

function readValue(c: Cursor, type: number): unknown {
  switch (type) {
    case 0: return c.u8();
    case 4: return c.u32();
    case 5: return c.bytes(4).readInt32LE(0);
    case 6: return c.bytes(4).readFloatLE(0);
    case 7: return c.u8() !== 0;
    case 8: return c.str();
    case 10: return c.u64();
    case 9: {
      const elem = c.u32();
      const n = c.u64();
      // Arrays (the vocabulary) are skipped, not kept: only scalars are needed here.
      if (elem === 8) for (let i = 0; i < n; i++) c.str();
      else if (SCALAR_SIZE[elem] !== undefined) c.bytes(SCALAR_SIZE[elem] * n);
      else throw new Error(`unknown array element type ${elem}`);
      return null;
    }
    default:
      if (SCALAR_SIZE[type] === undefined) throw new Error(`unknown metadata type ${type}`);
      c.bytes(SCALAR_SIZE[type]);
      return null;
  }
}

/** Memory the process may still use: MemAvailable on Linux, else free memory. */
export function availableMemoryBytes(): number {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync("/proc/meminfo", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return freemem();
}

const gb = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GB`;

/**
 * Reads and checks the file's header; throws an InputError naming the file and the problem.
 * `availableBytes` is for tests; by default the machine's available memory.
 */
export function checkGgufFile(
  ref: string,
  path: string,
  opts: { contextSize: number; sequences: number; availableBytes?: number },
): GgufInfo {
  const where = `model '${ref}'`;
  if (!existsSync(path)) throw new InputError(`${where}: file not found: ${path}`);
  const st = statSync(path);
  if (!st.isFile()) throw new InputError(`${where}: not a file: ${path}`);
  const fd = openSync(path, "r");
  try {
    const c = new Cursor(fd, st.size);
    let magic: string;
    try {
      magic = c.bytes(4).toString("latin1");
    } catch {
      magic = "";
    }
    if (magic !== "GGUF") throw new InputError(`${where}: ${path} is not a GGUF file (it does not start with "GGUF"; convert the model to GGUF, e.g. with llama.cpp's convert_hf_to_gguf.py)`);
    let info: GgufInfo;
    try {
      const version = c.u32();
      if (version !== 2 && version !== 3) throw new Error(`GGUF version ${version} is not supported (2 or 3)`);
      const tensors = c.u64();
      const kvs = c.u64();
      const meta: Record<string, unknown> = {};
      for (let i = 0; i < kvs; i++) {
        const key = c.str();
        meta[key] = readValue(c, c.u32());
      }
      let tensorBytes = 0;
      for (let i = 0; i < tensors; i++) {
        c.str();
        const dims = c.u32();
        if (dims > 8) throw new Error("a tensor with more than 8 dimensions");
        let elems = 1;
        for (let d = 0; d < dims; d++) elems *= c.u64();
        const type = c.u32();
        c.u64();
        const t = GGML_TYPES[type];
        if (!t) throw new Error(`unknown tensor type ${type}`);
        tensorBytes += (elems / t[0]) * t[1];
      }
      const arch = typeof meta["general.architecture"] === "string" ? (meta["general.architecture"] as string) : "";
      if (!arch) throw new Error("no general.architecture in the header");
      const num = (k: string) => (typeof meta[`${arch}.${k}`] === "number" ? (meta[`${arch}.${k}`] as number) : 0);
      const embd = num("embedding_length");
      const heads = num("attention.head_count") || 1;
      const kvHeads = num("attention.head_count_kv") || heads;
      const keyLen = num("attention.key_length") || embd / heads;
      const valueLen = num("attention.value_length") || embd / heads;
      // f16 K and V for every layer, position and sequence.
      const kvBytes = num("block_count") * opts.contextSize * opts.sequences * kvHeads * (keyLen + valueLen) * 2;
      // Compute buffers and the runtime: a fixed margin, plus a little per context token.
      const neededBytes = tensorBytes + kvBytes + 64 * 1024 * 1024;
      info = {
        architecture: arch,
        name: typeof meta["general.name"] === "string" ? (meta["general.name"] as string) : null,
        fileBytes: st.size,
        tensorBytes,
        kvBytes,
        neededBytes,
      };
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(`${where}: ${path} is not a readable GGUF file: ${(err as Error).message}`);
    }
    const available = opts.availableBytes ?? availableMemoryBytes();
    if (info.neededBytes > available)
      throw new InputError(
        `${where}: needs about ${gb(info.neededBytes)} of memory (weights ${gb(info.tensorBytes)}, context ${gb(info.kvBytes)} for ` +
          `${opts.sequences} sequence(s) of ${opts.contextSize} tokens) but ${gb(available)} is available; ` +
          `use a smaller quantisation, a smaller contextSize or fewer sequences (maxConcurrency)`,
      );
    if (info.tensorBytes > st.size)
      throw new InputError(`${where}: ${path} is truncated: its header declares ${gb(info.tensorBytes)} of tensors but the file has ${gb(st.size)}`);
    return info;
  } finally {
    closeSync(fd);
  }
}
