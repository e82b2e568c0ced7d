/**
 * Recognises a server's refusal of structured output: an HTTP 400 (or 422) whose message names
 * `response_format` or `json_schema` (older llama.cpp, LM Studio and Ollama builds answer so).
 * Any other 400 is a real error, not a reason to change how the run asks.
 *
 * @example
 * isSchemaRejection(Object.assign(new Error("400 response_format is not supported"), { status: 400 })); // true
 */
export function isSchemaRejection(err: unknown): boolean {
  const e = err as { status?: unknown; message?: unknown; error?: unknown } | null;
  if (!e || (e.status !== 400 && e.status !== 422)) return false;
  const text = `${typeof e.message === "string" ? e.message : ""} ${safeJson(e.error)}`;
  return /response_format|json_schema|response format|json schema/i.test(text);
}

function safeJson(x: unknown): string {
  try {
    return x === undefined ? "" : JSON.stringify(x);
  } catch {
    return "";
  }
}
