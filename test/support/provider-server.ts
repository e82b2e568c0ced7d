/**
 * The HTTP harness the native-provider test servers share (anthropic-server.ts, google-server.ts):
 * 127.0.0.1 on an ephemeral port, every request recorded with its raw text (to search for
 * secrets), and each request's behaviour chosen by a function: an answer the server's API shape
 * encodes, an HTTP status, a connection reset, a hang (ended by stop()), a body of `bytes` bytes
 * (status 200, streamed without a content-length), or a stall after the headers and a first chunk.
 *
 * @example
 * const server = await startProviderServer(route, (req) => ({ kind: "status", status: 503 }));
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProviderRequest {
  index: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  raw: string;
  /** The option labels the request offers (its schema's enum, else "X: " lines of the last user turn). */
  labels: string[];
  /** All prompt text (system and every turn), for servers that answer by the value in the prompt. */
  prompt: string;
  /** The last user turn's text. */
  lastUser: string;
  /** Whether the request asks for structured output (a forced tool or a response schema). */
  structured: boolean;
}

export type ProviderBehaviour =
  /** `letter` (JSON {letter, reason} when structured, else the letter) or a text `content`. */
  | { kind: "answer"; letter?: string; content?: string; usage?: { input: number; output: number } | null }
  | { kind: "status"; status: number; body?: string }
  | { kind: "reset" }
  | { kind: "hang" }
  /** Status 200 and a JSON body of about `bytes` bytes, streamed (no content-length), as fast as the client reads. */
  | { kind: "huge"; bytes: number }
  /** Status 200, the headers and the body's first bytes, then nothing (until stop()). */
  | { kind: "stall" };

/** What one API does: which paths it serves, how it reads a request and writes an answer. */
export interface ProviderRoute {
  matches(path: string): boolean;
  read(body: Record<string, unknown>): Pick<ProviderRequest, "labels" | "prompt" | "lastUser" | "structured">;
  answer(req: ProviderRequest, b: Extract<ProviderBehaviour, { kind: "answer" }>): Record<string, unknown>;
  error(status: number): Record<string, unknown>;
}

export interface ProviderServer {
  /** e.g. http://127.0.0.1:43121 (no path: each SDK appends its API's). */
  readonly baseURL: string;
  readonly requests: ProviderRequest[];
  count(): number;
  /** Replace the behaviour between test phases. */
  configure(respond: (req: ProviderRequest) => ProviderBehaviour): void;
  stop(): Promise<void>;
}

/** The labels of "X: …" lines. */
export const lineLabels = (text: string): string[] => [...text.matchAll(/^([A-Z]{1,2}): /gm)].map((m) => m[1]);

/** The first `enum` of strings anywhere in a JSON schema (the letter's). */
export function schemaEnum(schema: unknown, depth = 0): string[] | null {
  if (!schema || typeof schema !== "object" || depth > 8) return null;
  const e = (schema as { enum?: unknown }).enum;
  if (Array.isArray(e) && e.every((x) => typeof x === "string")) return e as string[];
  for (const v of Object.values(schema)) {
    const found = schemaEnum(v, depth + 1);
    if (found) return found;
  }
  return null;
}

/** A rough token count (4 characters a token), as the OpenAI test server makes. */
export const tokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

export async function startProviderServer(route: ProviderRoute, initial: (req: ProviderRequest) => ProviderBehaviour): Promise<ProviderServer> {
  let respond = initial;
  const requests: ProviderRequest[] = [];
  const hung = new Set<ServerResponse>();
  const server = createServer((httpReq, res) => {
    const chunks: Buffer[] = [];
    httpReq.on("data", (c: Buffer) => chunks.push(c));
    httpReq.on("end", () => {
      const path = httpReq.url ?? "";
      const raw = Buffer.concat(chunks).toString("utf8");
      if (httpReq.method !== "POST" || !route.matches(path)) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify(route.error(404)));
        return;
      }
      const body = JSON.parse(raw) as Record<string, unknown>;
      const req: ProviderRequest = { index: requests.length, path, headers: httpReq.headers, body, raw, ...route.read(body) };
      requests.push(req);
      const b = respond(req);
      if (b.kind === "hang") {
        hung.add(res);
        return;
      }
      if (b.kind === "stall") {
        hung.add(res);
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"candidates": [');
        return;
      }
      if (b.kind === "huge") {
        hung.add(res);
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"pad": "');
        const chunk = "x".repeat(64 * 1024);
        let left = b.bytes;
        const pump = () => {
          while (left > 0 && !res.destroyed) {
            left -= chunk.length;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
          if (!res.destroyed) res.end('"}');
        };
        pump();
        return;
      }
      if (b.kind === "reset") {
        res.socket?.destroy();
        return;
      }
      if (b.kind === "status") {
        res.writeHead(b.status, { "content-type": "application/json" }).end(b.body ?? JSON.stringify(route.error(b.status)));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(route.answer(req, b)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    requests,
    count: () => requests.length,
    configure(next) {
      respond = next;
    },
    async stop() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
