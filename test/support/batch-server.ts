/**
 * A local server implementing the OpenAI Batch API for tests: `POST /v1/files` (multipart upload,
 * purpose batch), `POST /v1/batches`, `GET /v1/batches/{id}` (the status moves validating →
 * in_progress → completed, one step per poll), `GET /v1/files/{id}/content` (the output and
 * error files as JSONL). Each request line is answered by `respond(body)` (a chat completion
 * body), or fails when `fail(customId)` says so. With `batchApi: false` every batch path is 404.
 *
 * @example
 * const server = await startBatchServer({ respond: (body) => completion("A") });
 * // … createBatchClient({ baseURL: server.baseURL, … }) …
 * await server.stop();
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface BatchServerOptions {
  /** The chat completion body for one request line's body. */
  respond: (body: Record<string, unknown>) => unknown;
  /** Request lines (by custom_id) that fail inside the batch (they go to the error file). */
  fail?: (customId: string) => boolean;
  /** false: no Batch API (404 on /v1/files and /v1/batches). */
  batchApi?: boolean;
  /** The status a batch ends in (default completed; expired answers no request). */
  end?: "completed" | "expired";
}

export interface FakeBatchServer {
  readonly baseURL: string;
  /** Every uploaded file's lines (parsed JSONL), by file id. */
  readonly uploads: Map<string, { custom_id: string; method: string; url: string; body: Record<string, unknown> }[]>;
  /** Statuses reported, in poll order, per batch. */
  readonly polls: Map<string, string[]>;
  /** Multipart fields of each upload (purpose, file name). */
  readonly forms: { purpose: string | null; filename: string | null }[];
  stop(): Promise<void>;
}

export async function startBatchServer(o: BatchServerOptions): Promise<FakeBatchServer> {
  const uploads: FakeBatchServer["uploads"] = new Map();
  const polls: FakeBatchServer["polls"] = new Map();
  const forms: FakeBatchServer["forms"] = [];
  const files = new Map<string, string>();
  const batches = new Map<string, { input: string; step: number; output: string | null; error: string | null; status: string }>();
  let n = 0;
  const STEPS = ["validating", "in_progress", o.end ?? "completed"];

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const send = (status: number, body: unknown, type = "application/json") => {
      res.writeHead(status, { "content-type": type });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    if (o.batchApi === false && (path.startsWith("/v1/files") || path.startsWith("/v1/batches"))) return send(404, { error: { message: "Not Found" } });
    if (req.method === "POST" && path === "/v1/files") {
      // The fetch Request parses multipart exactly as a server framework would.
      const form = await new Request("http://127.0.0.1/", { method: "POST", headers: req.headers as Record<string, string>, body: raw }).formData();
      const file = form.get("file");
      if (!(file instanceof Blob)) return send(400, { error: { message: "file missing" } });
      forms.push({ purpose: (form.get("purpose") as string | null) ?? null, filename: (file as File).name ?? null });
      const text = await file.text();
      const id = `file-${++n}`;
      files.set(id, text);
      uploads.set(id, text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l)));
      return send(200, { id, object: "file", purpose: "batch", bytes: text.length });
    }
    if (req.method === "POST" && path === "/v1/batches") {
      const body = JSON.parse(raw.toString("utf8")) as { input_file_id: string; endpoint: string };
      if (!files.has(body.input_file_id)) return send(400, { error: { message: "no such file" } });
      if (body.endpoint !== "/v1/chat/completions") return send(400, { error: { message: "bad endpoint" } });
      const id = `batch-${++n}`;
      batches.set(id, { input: body.input_file_id, step: 0, output: null, error: null, status: STEPS[0] });
      polls.set(id, []);
      return send(200, { id, object: "batch", status: "validating", input_file_id: body.input_file_id });
    }
    const b = /^\/v1\/batches\/([^/]+)$/.exec(path);
    if (req.method === "GET" && b) {
      const batch = batches.get(decodeURIComponent(b[1]));
      if (!batch) return send(404, { error: { message: "no such batch" } });
      batch.status = STEPS[Math.min(batch.step++, STEPS.length - 1)];
      polls.get(decodeURIComponent(b[1]))!.push(batch.status);
      const lines = uploads.get(batch.input)!;
      if (batch.status === "completed" && batch.output === null) {
        const out: string[] = [];
        const err: string[] = [];
        for (const l of lines) {
          if (o.fail?.(l.custom_id)) err.push(JSON.stringify({ id: `r-${++n}`, custom_id: l.custom_id, response: null, error: { code: "server_error", message: "the request failed in the batch" } }));
          else out.push(JSON.stringify({ id: `r-${++n}`, custom_id: l.custom_id, response: { status_code: 200, request_id: `q-${n}`, body: o.respond(l.body) }, error: null }));
        }
        batch.output = `file-${++n}`;
        files.set(batch.output, out.join("\n") + "\n");
        if (err.length) {
          batch.error = `file-${++n}`;
          files.set(batch.error, err.join("\n") + "\n");
        }
      }
      const failed = batch.error ? files.get(batch.error)!.trim().split("\n").length : 0;
      return send(200, {
        id: b[1], object: "batch", status: batch.status, input_file_id: batch.input,
        output_file_id: batch.output, error_file_id: batch.error,
        request_counts: { total: lines.length, completed: batch.status === "completed" ? lines.length - failed : 0, failed },
      });
    }
    const f = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
    if (req.method === "GET" && f) {
      const text = files.get(decodeURIComponent(f[1]));
      return text === undefined ? send(404, { error: { message: "no such file" } }) : send(200, text, "application/jsonl");
    }
    send(404, { error: { message: `no route ${req.method} ${path}` } });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    uploads,
    polls,
    forms,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
