/**
 * Writes a tiny random-weight GGUF model for tests: llama architecture, a SentencePiece-style
 * vocabulary (<unk>, <s>, </s>, the 256 byte-fallback tokens <0x00>…<0xFF>, "▁", the letters
 * with and without a leading "▁", and a few JSON pieces), one or two small transformer blocks in
 * F32, seeded weights. A few hundred KB; node-llama-cpp loads and runs it like any model. Also
 * writes header-only files that claim huge tensors (for the memory check) — no model is ever
 * downloaded or committed.
 *
 * @example
 * const path = writeTinyGguf(join(dir, "tiny.gguf"), { seed: 1 });
 */
import { writeFileSync } from "node:fs";
import { createRng } from "../../src/core/random.ts";

const T = { U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9 } as const;

type Kv =
  | { key: string; type: "u32"; value: number }
  | { key: string; type: "f32"; value: number }
  | { key: string; type: "bool"; value: boolean }
  | { key: string; type: "str"; value: string }
  | { key: string; type: "str[]"; value: string[] }
  | { key: string; type: "f32[]"; value: number[] }
  | { key: string; type: "i32[]"; value: number[] };

interface TensorSpec {
  name: string;
  /** ggml order: ne0 first (the row length). */
  dims: number[];
  /** Values (F32), or null for a header-only file. */
  data: Float32Array | null;
}

class Out {
  private parts: Buffer[] = [];
  length = 0;
  push(b: Buffer) {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(v: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number | bigint) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string) {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.push(b);
  }
  pad(align: number) {
    const n = (align - (this.length % align)) % align;
    if (n) this.push(Buffer.alloc(n));
  }
  buffer() {
    return Buffer.concat(this.parts);
  }
}

function writeKv(out: Out, kv: Kv) {
  out.str(kv.key);
  switch (kv.type) {
    case "u32":
      out.u32(T.U32);
      out.u32(kv.value);
      break;
    case "f32":
      out.u32(T.F32);
      out.f32(kv.value);
      break;
    case "bool":
      out.u32(T.BOOL);
      out.push(Buffer.from([kv.value ? 1 : 0]));
      break;
    case "str":
      out.u32(T.STRING);
      out.str(kv.value);
      break;
    case "str[]":
      out.u32(T.ARRAY);
      out.u32(T.STRING);
      out.u64(kv.value.length);
      for (const s of kv.value) out.str(s);
      break;
    case "f32[]":
      out.u32(T.ARRAY);
      out.u32(T.F32);
      out.u64(kv.value.length);
      for (const v of kv.value) out.f32(v);
      break;
    case "i32[]":
      out.u32(T.ARRAY);
      out.u32(T.I32);
      out.u64(kv.value.length);
      for (const v of kv.value) out.i32(v);
      break;
  }
}

const ALIGN = 32;

/** Serialises a GGUF v3 file: header, metadata, tensor infos, aligned F32 data. */
export function encodeGguf(kvs: Kv[], tensors: TensorSpec[]): Buffer {
  const out = new Out();
  out.push(Buffer.from("GGUF", "ascii"));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(kvs.length);
  for (const kv of kvs) writeKv(out, kv);
  let offset = 0;
  for (const t of tensors) {
    out.str(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(0); // F32
    out.u64(offset);
    const bytes = t.dims.reduce((a, b) => a * b, 1) * 4;
    offset += Math.ceil(bytes / ALIGN) * ALIGN;
  }
  out.pad(ALIGN);
  for (const t of tensors) {
    if (!t.data) continue;
    out.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    out.pad(ALIGN);
  }
  return out.buffer();
}

export interface TinyGgufOptions {
  seed?: number;
  embedding?: number;
  layers?: number;
  feedForward?: number;
  heads?: number;
  contextLength?: number;
  /** Header only, with tensors this many times larger than the real ones claim (memory check tests). */
  claimScale?: number;
}

/** The vocabulary: control tokens, byte fallback, and pieces the prompts and JSON answers use. */
export function tinyVocab(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types = [2, 3, 3];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(6);
  }
  const pieces = ["\u2581"];
  for (let c = 65; c <= 90; c++) pieces.push(String.fromCharCode(c), `\u2581${String.fromCharCode(c)}`);
  for (let c = 97; c <= 122; c++) pieces.push(String.fromCharCode(c));
  pieces.push("{", "}", '"', ":", ",", "\u2581\"", "letter", "reason", ".", "\n", ...Array.from({ length: 10 }, (_, d) => String(d)));
  // Words of the prompt templates, so a conversation stays within a small context.
  // SentencePiece merges adjacent pieces only into pieces in the vocabulary, so every prefix of a word is one too.
  for (const w of "the you other get gets participant option options choose decision decisions of a is to and in your each which give its letter short reason from now on are person whose value system goal keep mind coins between you split every series make going labelled with see several one".split(" ")) for (let i = 1; i <= w.length; i++) pieces.push(`\u2581${w.slice(0, i)}`);
  for (const p of new Set(pieces)) {
    tokens.push(p);
    types.push(1);
  }
  // SentencePiece scores: longer pieces first, so "▁A" wins over "▁" + "A".
  const scores = tokens.map((t, i) => (types[i] === 1 ? -i / 1000 + t.length : 0));
  return { tokens, scores, types };
}

/** Writes the tiny model and returns its path. */
export function writeTinyGguf(path: string, opts: TinyGgufOptions = {}): string {
  const n = opts.embedding ?? 32;
  const layers = opts.layers ?? 1;
  const ff = opts.feedForward ?? 64;
  const heads = opts.heads ?? 4;
  const { tokens, scores, types } = tinyVocab();
  const vocab = tokens.length;
  const rng = createRng(opts.seed ?? 1);
  const claim = opts.claimScale ?? 1;
  const headerOnly = claim !== 1;
  const rand = (count: number, scale: number) => {
    if (headerOnly) return null;
    const a = new Float32Array(count);
    for (let i = 0; i < count; i++) a[i] = (rng.next() * 2 - 1) * scale;
    return a;
  };
  const ones = (count: number) => (headerOnly ? null : new Float32Array(count).fill(1));
  const tensors: TensorSpec[] = [
    { name: "token_embd.weight", dims: [n, vocab * claim], data: rand(n * vocab, 1) },
    { name: "output_norm.weight", dims: [n], data: ones(n) },
    { name: "output.weight", dims: [n, vocab * claim], data: rand(n * vocab, 0.08) },
  ];
  for (let l = 0; l < layers; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      { name: `${p}attn_norm.weight`, dims: [n], data: ones(n) },
      { name: `${p}attn_q.weight`, dims: [n, n], data: rand(n * n, 0.3) },
      { name: `${p}attn_k.weight`, dims: [n, n], data: rand(n * n, 0.3) },
      { name: `${p}attn_v.weight`, dims: [n, n], data: rand(n * n, 0.3) },
      { name: `${p}attn_output.weight`, dims: [n, n], data: rand(n * n, 0.3) },
      { name: `${p}ffn_norm.weight`, dims: [n], data: ones(n) },
      { name: `${p}ffn_gate.weight`, dims: [n, ff], data: rand(n * ff, 0.3) },
      { name: `${p}ffn_up.weight`, dims: [n, ff], data: rand(n * ff, 0.3) },
      { name: `${p}ffn_down.weight`, dims: [ff, n], data: rand(ff * n, 0.3) },
    );
  }
  const kvs: Kv[] = [
    { key: "general.architecture", type: "str", value: "llama" },
    { key: "general.name", type: "str", value: "hvae-tiny-test" },
    { key: "general.alignment", type: "u32", value: ALIGN },
    { key: "llama.context_length", type: "u32", value: opts.contextLength ?? 2048 },
    { key: "llama.embedding_length", type: "u32", value: n },
    { key: "llama.block_count", type: "u32", value: layers },
    { key: "llama.feed_forward_length", type: "u32", value: ff },
    { key: "llama.attention.head_count", type: "u32", value: heads },
    { key: "llama.attention.head_count_kv", type: "u32", value: heads },
    { key: "llama.attention.layer_norm_rms_epsilon", type: "f32", value: 1e-5 },
    { key: "llama.rope.dimension_count", type: "u32", value: n / heads },
    { key: "llama.vocab_size", type: "u32", value: vocab },
    { key: "tokenizer.ggml.model", type: "str", value: "llama" },
    { key: "tokenizer.ggml.tokens", type: "str[]", value: tokens },
    { key: "tokenizer.ggml.scores", type: "f32[]", value: scores },
    { key: "tokenizer.ggml.token_type", type: "i32[]", value: types },
    { key: "tokenizer.ggml.unknown_token_id", type: "u32", value: 0 },
    { key: "tokenizer.ggml.bos_token_id", type: "u32", value: 1 },
    { key: "tokenizer.ggml.eos_token_id", type: "u32", value: 2 },
    { key: "tokenizer.ggml.add_bos_token", type: "bool", value: true },
  ];
  writeFileSync(path, encodeGguf(kvs, tensors));
  return path;
}
