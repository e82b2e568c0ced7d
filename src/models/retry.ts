/**
 * Retries for model calls: exponential backoff with full jitter on 429, 5xx, timeouts, broken
 * connections and malformed bodies; `Retry-After` (seconds or an HTTP date, or OpenAI's
 * `retry-after-ms`) is honoured as a floor; bounded by a number of retries AND a total time.
 *
 * @example
 * const { value, attempts } = await withRetry((n) => callOnce(n), { maxRetries: 5, maxTotalMs: 60_000, baseMs: 500, maxDelayMs: 20_000 });
 */
import { isRunStop, ModelCallError, TransportFault } from "./gateway-types.ts";

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** No retry is started if its wait would end after this much time since the first attempt. */
  maxTotalMs: number;
  baseMs: number;
  maxDelayMs: number;
  /** Told of every failed attempt that will be retried (for per-endpoint counts). */
  onRetry?: (f: Failure) => void;
}

export interface Failure {
  retryable: boolean;
  /** Minimum wait asked for by the server, ms. */
  retryAfterMs: number | null;
  /** One line for the model.call event. */
  reason: string;
  /**
   * Set when the failure, if it persists, means the endpoint cannot serve the run at all
   * (unreachable, key rejected, model or URL not found), in words for the user.
   */
  unusable: string | null;
}

/** Retry-After as ms: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (value == null || value.trim() === "") return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const date = Date.parse(v);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function header(err: { headers?: unknown }, name: string): string | null {
  const h = err.headers;
  if (!h) return null;
  if (typeof (h as Headers).get === "function") return (h as Headers).get(name);
  const v = (h as Record<string, unknown>)[name];
  return typeof v === "string" ? v : null;
}

/** The OpenAI SDK's error classes keep name "Error"; their constructor names tell them apart. */
export function errorName(err: unknown): string {
  const name = (err as Error | null)?.name;
  return name && name !== "Error" ? name : ((err as object | null)?.constructor?.name ?? name ?? "");
}

const RETRYABLE_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET", "EAI_AGAIN"]);

/** Connection failures that mean nothing is listening there (as opposed to a busy or flaky server). */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: "connection refused: is the server running, and is baseURL right?",
  ENOTFOUND: "host not found: check baseURL",
  EAI_AGAIN: "host name lookup failed: check baseURL and the network",
  EHOSTUNREACH: "host unreachable: check baseURL and the network",
  ENETUNREACH: "network unreachable: check baseURL and the network",
};

const UNUSABLE_STATUS: Record<number, string> = {
  401: "the server rejected the API key (HTTP 401): check the key variable",
  403: "access denied (HTTP 403): check the key's permissions",
  404: "not found (HTTP 404): check the model name and baseURL",
};

/** The innermost error code and message along a cause chain (fetch nests them two deep). */
function rootCause(err: unknown): { code: string | null; message: string | null } {
  let cur = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown } | null;
  let found = { code: null as string | null, message: null as string | null };
  for (let depth = 0; cur && typeof cur === "object" && depth < 6; depth++) {
    if (typeof cur.code === "string") found = { code: cur.code, message: typeof cur.message === "string" ? cur.message : null };
    // Happy-eyeballs connects fail with an AggregateError of per-address errors.
    if (Array.isArray(cur.errors) && cur.errors.length > 0 && !cur.cause) cur = cur.errors[0];
    else cur = cur.cause as typeof cur;
  }
  return found;
}

/** The first error along a cause chain that satisfies `test`. */
function inChain<T>(err: unknown, test: (e: unknown) => e is T): T | null {
  let cur = err as { cause?: unknown } | null;
  for (let depth = 0; cur && typeof cur === "object" && depth < 6; depth++) {
    if (test(cur)) return cur;
    cur = cur.cause as typeof cur;
  }
  return null;
}

const isFault = (e: unknown): e is TransportFault => e instanceof TransportFault;
/** undici's refusal of a port the Fetch standard blocks (6000, 10080, …): nothing is sent. */
const isBadPort = (e: unknown): e is Error => e instanceof Error && e.message === "bad port";

/** Decides whether an error from one attempt is worth another. */
export function classify(err: unknown): Failure {
  const fault = inChain(err, isFault);
  if (fault) return { retryable: fault.retryable, retryAfterMs: null, reason: fault.message, unusable: fault.retryable ? null : fault.message };
  if (inChain(err, isBadPort))
    return {
      retryable: false,
      retryAfterMs: null,
      reason: "fetch refuses to connect to this port (a 'bad port' of the Fetch standard, e.g. 6000 or 10080)",
      unusable: "its port is one that fetch refuses to connect to (a 'bad port' of the Fetch standard, e.g. 6000 or 10080): serve it on another port",
    };
  const e = (err ?? {}) as { name?: string; message?: string; status?: unknown; code?: unknown; cause?: unknown; headers?: unknown };
  const message = (e.message ?? String(err)).split("\n")[0].slice(0, 300);
  if (typeof e.status === "number") {
    const retryable = e.status === 408 || e.status === 409 || e.status === 429 || e.status >= 500;
    const ms = header(e, "retry-after-ms");
    const retryAfterMs = ms && /^\d+(\.\d+)?$/.test(ms) ? Number(ms) : parseRetryAfter(header(e, "retry-after"));
    return { retryable, retryAfterMs, reason: `HTTP ${e.status}: ${message}`, unusable: UNUSABLE_STATUS[e.status] ?? null };
  }
  const name = errorName(err);
  if (name === "TimeoutError" || name === "APIConnectionTimeoutError")
    return { retryable: true, retryAfterMs: null, reason: `timeout: ${message}`, unusable: null };
  if (name === "APIConnectionError" || (typeof e.code === "string" && RETRYABLE_CODES.has(e.code))) {
    // "Connection error." alone tells the user nothing: name the underlying cause.
    const root = rootCause(err);
    const detail = root.code ? `${root.code}${root.message ? ` (${root.message})` : ""}` : message;
    const unusable = root.code ? (UNREACHABLE[root.code] ?? null) : null;
    return { retryable: true, retryAfterMs: null, reason: `connection error: ${detail}`, unusable };
  }
  if (name === "SyntaxError") return { retryable: true, retryAfterMs: null, reason: `malformed response body: ${message}`, unusable: null };
  if (e.cause) {
    const inner = classify(e.cause);
    if (inner.retryable) return inner;
  }
  return { retryable: false, retryAfterMs: null, reason: `${name || "error"}: ${message}`, unusable: null };
}

/** The wait before retry number `retry` (1-based): full jitter, floored by Retry-After. */
export function backoffMs(retry: number, policy: RetryPolicy, retryAfterMs: number | null, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseMs * 2 ** (retry - 1));
  const jittered = random() * cap;
  return retryAfterMs === null ? jittered : Math.max(retryAfterMs, jittered);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or the count or time
 * bound is reached; then throws a ModelCallError carrying the attempts and the last reason.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  // Jitter only decorrelates concurrent clients; it never influences a result, so it needs no seed.
  random: () => number = Math.random,
): Promise<{ value: T; attempts: number }> {
  const start = Date.now();
  for (let n = 1; ; n++) {
    try {
      return { value: await attempt(n), attempts: n };
    } catch (err) {
      if (err instanceof ModelCallError || isRunStop(err)) throw err;
      const f = classify(err);
      if (!f.retryable) throw new ModelCallError(f.reason, n, f.unusable);
      if (n > policy.maxRetries) throw new ModelCallError(`${f.reason} (gave up after ${n} attempts)`, n, f.unusable);
      const wait = backoffMs(n, policy, f.retryAfterMs, random);
      if (Date.now() - start + wait > policy.maxTotalMs)
        throw new ModelCallError(`${f.reason} (gave up: retry time limit of ${policy.maxTotalMs} ms)`, n, f.unusable);
      policy.onRetry?.(f);
      await sleep(wait);
    }
  }
}
