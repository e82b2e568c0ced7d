/**
 * Reads a fetch Response body to its end, never more than `limit` bytes: a larger one (declared
 * or streamed) is cancelled, which closes the connection, and `tooBig` makes the error, so a 50 MB
 * reply costs `limit` bytes of memory at most. Shared by the chat client, the Batch API client and
 * the native providers (through `boundedFetch`).
 *
 * @example
 * const text = await readBounded(res, 1 << 20, (detail) => new Error(`response ${detail}`));
 */
export async function readBounded(res: Response, limit: number, tooBig: (detail: string) => Error): Promise<string> {
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => undefined);
    throw tooBig(`of ${declared} bytes`);
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooBig(`of more than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Headers that describe the bytes on the wire, not the text handed on. */
const WIRE_HEADERS = new Set(["content-length", "content-encoding", "transfer-encoding"]);

/**
 * A fetch whose Response is already read whole, within `timeoutMs` (the whole call, body
 * included: an SDK's own timer usually stops once the headers are in) and `limit` bytes, for an
 * SDK that takes a custom fetch (the Anthropic client) or a call made here (the Google one).
 * A body that is too large rejects with `tooBig`'s error; one that stalls, with a TimeoutError.
 *
 * @example
 * const f = boundedFetch(1 << 20, 30_000, (detail) => new Error(`response ${detail}`));
 */
export function boundedFetch(limit: number, timeoutMs: number, tooBig: (detail: string) => Error): typeof fetch {
  return async (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const res = await fetch(input, { ...init, signal });
    const text = await readBounded(res, limit, tooBig);
    const headers = new Headers();
    res.headers.forEach((v, k) => {
      if (!WIRE_HEADERS.has(k)) headers.set(k, v);
    });
    return new Response(text, { status: res.status, statusText: res.statusText, headers });
  };
}
