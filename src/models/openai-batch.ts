/**
 * The OpenAI Batch API as a client (any OpenAI-compatible server that implements it): upload the
 * requests as a JSONL file (`POST /files`, multipart, purpose `batch`), create a batch
 * (`POST /batches`, endpoint `/v1/chat/completions`, window 24h), poll its status with backoff
 * (validating → in_progress → finalizing → completed), and read the output and error files
 * (`GET /files/{id}/content`, JSONL keyed by `custom_id`). Every request and every body read is
 * bounded in time and size. A server without the Batch API (404 on `/batches` or `/files`) is
 * an EndpointUnusableError naming the endpoint, which the CLI reports with exit 3.
 *
 * Not yet wired into the gateway or `hvae run` (see the report of issue 14): this is the
 * transport a batching layer submits through.
 *
 * @example
 * const client = createBatchClient({ endpointName: "openai", baseURL: "https://api.openai.com/v1", apiKey, timeoutMs: 60_000 });
 * const { batchId } = await client.submit([{ custom_id: "k1", body: { model: "gpt-4o-mini", messages } }]);
 * const done = await client.wait(batchId, { pollMs: 30_000, onPoll: (s) => progress(s.status) });
 * const results = await client.results(done); // Map custom_id → { ok: true, body } | { ok: false, error }
 */
import { readBounded } from "./bounded-body.ts";
import { EndpointUnusableError } from "./gateway-types.ts";

/** One request of a batch: the same chat completions body a synchronous call posts. */
export interface BatchRequestLine {
  readonly custom_id: string;
  readonly body: Record<string, unknown>;
}

export type BatchState = "validating" | "in_progress" | "finalizing" | "completed" | "failed" | "expired" | "cancelling" | "cancelled";

export interface BatchStatus {
  readonly id: string;
  readonly status: BatchState;
  readonly outputFileId: string | null;
  readonly errorFileId: string | null;
  readonly counts: { total: number; completed: number; failed: number };
}

/** A request's result: the chat completion body, or why it has none (failed, expired, missing). */
export type BatchResult = { readonly ok: true; readonly body: unknown } | { readonly ok: false; readonly error: string };

export interface BatchClientOptions {
  readonly endpointName: string;
  /** The endpoint's base URL, ending in /v1 (as for chat completions). */
  readonly baseURL: string;
  readonly apiKey: string;
  /** Bounds each HTTP request, body included. */
  readonly timeoutMs: number;
  /** Bounds each response body read (the output file too); default 200 MB. */
  readonly maxResponseBytes?: number;
}

export interface BatchClient {
  /** Uploads the lines and creates the batch; the ids to write to the log at once. */
  submit(lines: readonly BatchRequestLine[]): Promise<{ batchId: string; inputFileId: string }>;
  status(batchId: string): Promise<BatchStatus>;
  /**
   * Polls until the batch is completed, failed, expired or cancelled. The interval starts at
   * `pollMs` and grows by half each time up to 10×`pollMs`; `maxWaitMs` (default 25 h, past the
   * providers' 24 h window) bounds the wait.
   */
  wait(batchId: string, opts: { pollMs: number; maxWaitMs?: number; onPoll?: (s: BatchStatus) => void; sleep?: (ms: number) => Promise<void> }): Promise<BatchStatus>;
  /** Every request's result by custom_id (output file, then error file); requests in neither are absent. */
  results(status: BatchStatus): Promise<Map<string, BatchResult>>;
}

const FINAL: ReadonlySet<BatchState> = new Set(["completed", "failed", "expired", "cancelled"]);

export function createBatchClient(o: BatchClientOptions): BatchClient {
  const base = o.baseURL.replace(/\/+$/, "");
  const limit = o.maxResponseBytes ?? 200 * 1024 * 1024;
  const where = `endpoint '${o.endpointName}' (${o.baseURL})`;

  async function request(method: string, path: string, body?: BodyInit, json = true): Promise<{ status: number; text: string }> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${o.apiKey}`, ...(json && body !== undefined ? { "content-type": "application/json" } : {}) },
        body,
        signal: AbortSignal.timeout(o.timeoutMs),
      });
    } catch (err) {
      throw new Error(`${where}: ${method} ${path}: ${(err as Error).message}`);
    }
    return { status: res.status, text: await readBounded(res, limit, (detail) => new Error(`batch API response ${detail}: over the limit of ${limit} bytes`)) };
  }

  function unsupported(path: string, status: number): never {
    throw new EndpointUnusableError(`${where} has no Batch API (HTTP ${status} on ${path}); run without --batch (and without batch: true on the endpoint)`);
  }

  function ok(r: { status: number; text: string }, what: string): unknown {
    if (r.status < 200 || r.status > 299) throw new Error(`${where}: ${what}: HTTP ${r.status}: ${r.text.slice(0, 200)}`);
    try {
      return JSON.parse(r.text);
    } catch {
      throw new Error(`${where}: ${what}: the answer is not JSON`);
    }
  }

  const statusOf = (j: Record<string, unknown>): BatchStatus => {
    const counts = (j.request_counts ?? {}) as Record<string, unknown>;
    const n = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : 0);
    return {
      id: String(j.id),
      status: String(j.status) as BatchState,
      outputFileId: typeof j.output_file_id === "string" ? j.output_file_id : null,
      errorFileId: typeof j.error_file_id === "string" ? j.error_file_id : null,
      counts: { total: n(counts.total), completed: n(counts.completed), failed: n(counts.failed) },
    };
  };

  const client: BatchClient = {
    async submit(lines) {
      const jsonl = lines.map((l) => JSON.stringify({ custom_id: l.custom_id, method: "POST", url: "/v1/chat/completions", body: l.body })).join("\n") + "\n";
      const form = new FormData();
      form.append("purpose", "batch");
      form.append("file", new Blob([jsonl], { type: "application/jsonl" }), "hvae-batch.jsonl");
      const up = await request("POST", "/files", form, false);
      if (up.status === 404) unsupported("/files", 404);
      const file = ok(up, "upload of the batch file") as { id?: unknown };
      if (typeof file.id !== "string") throw new Error(`${where}: upload of the batch file: no file id in the answer`);
      const created = await request("POST", "/batches", JSON.stringify({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" }));
      if (created.status === 404) unsupported("/batches", 404);
      const batch = ok(created, "creating the batch") as Record<string, unknown>;
      if (typeof batch.id !== "string") throw new Error(`${where}: creating the batch: no batch id in the answer`);
      return { batchId: batch.id, inputFileId: file.id };
    },
    async status(batchId) {
      const r = await request("GET", `/batches/${encodeURIComponent(batchId)}`);
      if (r.status === 404) unsupported(`/batches/${batchId}`, 404);
      return statusOf(ok(r, `status of batch ${batchId}`) as Record<string, unknown>);
    },
    async wait(batchId, w) {
      const sleep = w.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
      const until = Date.now() + (w.maxWaitMs ?? 25 * 3600_000);
      let interval = w.pollMs;
      for (;;) {
        const s = await client.status(batchId);
        w.onPoll?.(s);
        if (FINAL.has(s.status)) return s;
        if (Date.now() + interval > until) throw new Error(`${where}: batch ${batchId} still ${s.status} after the longest wait (${Math.round((w.maxWaitMs ?? 25 * 3600_000) / 1000)} s)`);
        await sleep(interval);
        interval = Math.min(interval * 1.5, w.pollMs * 10);
      }
    },
    async results(s) {
      const out = new Map<string, BatchResult>();
      for (const fileId of [s.outputFileId, s.errorFileId]) {
        if (!fileId) continue;
        const r = await request("GET", `/files/${encodeURIComponent(fileId)}/content`);
        if (r.status < 200 || r.status > 299) throw new Error(`${where}: reading batch file ${fileId}: HTTP ${r.status}`);
        for (const line of r.text.split("\n")) {
          if (!line.trim()) continue;
          let j: { custom_id?: unknown; response?: { status_code?: unknown; body?: unknown } | null; error?: { message?: unknown; code?: unknown } | null };
          try {
            j = JSON.parse(line);
          } catch {
            continue; // a torn line names no request: that request counts as missing and is retried
          }
          if (typeof j.custom_id !== "string" || out.has(j.custom_id)) continue;
          const code = j.response?.status_code;
          if (j.response && code === 200 && !j.error) out.set(j.custom_id, { ok: true, body: j.response.body });
          else out.set(j.custom_id, { ok: false, error: String(j.error?.message ?? j.error?.code ?? `HTTP ${String(code)}`) });
        }
      }
      // A batch that ended before answering (expired, failed) leaves its other requests without a line.
      return out;
    },
  };
  return client;
}

