/**
 * Reads a fetch Response body to its end, never more than `limit` bytes: a larger one (declared
 * or streamed) is cancelled, which closes the connection, and `tooBig` makes the error, so a 50 MB
 * reply costs `limit` bytes of memory at most. Shared by the chat client and the Batch API client.
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
