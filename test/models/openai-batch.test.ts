/**
 * The OpenAI Batch API client against a local server implementing it (test/support/batch-server.ts):
 * multipart upload of the JSONL, batch creation, status polled through validating → in_progress →
 * completed with backoff, output and error files read back by custom_id; a server without the
 * Batch API is an EndpointUnusableError naming the endpoint.
 */
import { afterEach, describe, expect, it } from "vitest";
import { isRunStop } from "../../src/models/gateway-types.ts";
import { createBatchClient } from "../../src/models/openai-batch.ts";
import { startBatchServer, type FakeBatchServer } from "../support/batch-server.ts";

const completion = (text: string, prompt = 10) => ({
  id: "c", object: "chat.completion", model: "m",
  choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
  usage: { prompt_tokens: prompt, completion_tokens: 2 },
});
const body = (i: number) => ({ model: "m", messages: [{ role: "user", content: `question ${i}` }], max_tokens: 16, response_format: { type: "json_schema", json_schema: { name: "answer", schema: { type: "object" }, strict: true } } });

let server: FakeBatchServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

describe("OpenAI Batch API client", () => {
  it("uploads the bodies unchanged as multipart JSONL, polls to completed with backoff, and reads every answer by custom_id", async () => {
    server = await startBatchServer({ respond: (b) => completion(`answer to ${(b.messages as { content: string }[])[0].content}`), fail: (id) => id === "k2" });
    const client = createBatchClient({ endpointName: "local", baseURL: server.baseURL, apiKey: "sk-test", timeoutMs: 10_000 });
    const lines = [0, 1, 2].map((i) => ({ custom_id: `k${i}`, body: body(i) }));
    const { batchId, inputFileId } = await client.submit(lines);
    expect(server.forms).toEqual([{ purpose: "batch", filename: "hvae-batch.jsonl" }]);
    // The same request bodies a synchronous call posts, one line each, for /v1/chat/completions.
    expect(server.uploads.get(inputFileId)).toEqual(lines.map((l) => ({ custom_id: l.custom_id, method: "POST", url: "/v1/chat/completions", body: l.body })));

    const slept: number[] = [];
    const seen: string[] = [];
    const done = await client.wait(batchId, { pollMs: 100, onPoll: (s) => seen.push(s.status), sleep: async (ms) => void slept.push(ms) });
    expect(seen).toEqual(["validating", "in_progress", "completed"]);
    expect(slept).toEqual([100, 150]);
    expect(done).toMatchObject({ status: "completed", counts: { total: 3, completed: 2, failed: 1 } });

    const results = await client.results(done);
    expect(results.get("k0")).toEqual({ ok: true, body: completion("answer to question 0") });
    expect(results.get("k1")).toEqual({ ok: true, body: completion("answer to question 1") });
    expect(results.get("k2")).toEqual({ ok: false, error: "the request failed in the batch" });
  });

  it("an expired batch leaves its requests without a result (they are to be retried)", async () => {
    server = await startBatchServer({ respond: () => completion("A"), end: "expired" });
    const client = createBatchClient({ endpointName: "local", baseURL: server.baseURL, apiKey: "sk-test", timeoutMs: 10_000 });
    const { batchId } = await client.submit([{ custom_id: "k0", body: body(0) }]);
    const done = await client.wait(batchId, { pollMs: 1, sleep: async () => {} });
    expect(done.status).toBe("expired");
    expect((await client.results(done)).size).toBe(0);
  });

  it("a server without the Batch API (404) stops the run, naming the endpoint", async () => {
    server = await startBatchServer({ respond: () => completion("A"), batchApi: false });
    const client = createBatchClient({ endpointName: "vllm", baseURL: server.baseURL, apiKey: "sk-test", timeoutMs: 10_000 });
    const err = await client.submit([{ custom_id: "k0", body: body(0) }]).catch((e: unknown) => e);
    expect(isRunStop(err)).toBe(true);
    expect((err as Error).message).toBe(`endpoint 'vllm' (${server.baseURL}) has no Batch API (HTTP 404 on /files); run without --batch (and without batch: true on the endpoint)`);
  });

  it("bounds the wait: a batch that never finishes fails after maxWaitMs instead of hanging", async () => {
    server = await startBatchServer({ respond: () => completion("A") });
    const client = createBatchClient({ endpointName: "local", baseURL: server.baseURL, apiKey: "sk-test", timeoutMs: 10_000 });
    const { batchId } = await client.submit([{ custom_id: "k0", body: body(0) }]);
    await expect(client.wait(batchId, { pollMs: 60_000, maxWaitMs: 1_000, sleep: async () => {} })).rejects.toThrow(/still validating after the longest wait/);
  });
});
