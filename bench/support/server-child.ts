/**
 * The local OpenAI-compatible server (test/support/openai-server.ts) in its own process, so the
 * process under measurement spends its CPU on the client only, as it would against a remote
 * server. The parent drives it over IPC; the child exits when the parent goes away.
 *
 * @example
 * const server = await startServerChild({ delayMs: 0 });
 * server.configure(200);                 // every answer after 200 ms
 * const bodies = await server.bodies(0, 10);
 * await server.stop();
 */
import { fork, type ChildProcess } from "node:child_process";
import { startOpenAiServer, type ChatBody } from "../../test/support/openai-server.ts";

type Request =
  | { id: number; op: "count" }
  | { id: number; op: "peak" }
  | { id: number; op: "configure"; delayMs: number }
  | { id: number; op: "bodies"; from: number; n: number }
  | { id: number; op: "stop" };

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/** The parent's handle on the server child. */
export interface ServerChild {
  readonly baseURL: string;
  /** Requests received so far. */
  count(): Promise<number>;
  /** Highest number of requests in flight at once. */
  maxInFlight(): Promise<number>;
  /** Sets the delay before every answer, ms. */
  configure(delayMs: number): Promise<void>;
  /** The bodies of requests from..from+n-1, in arrival order. */
  bodies(from: number, n: number): Promise<ChatBody[]>;
  stop(): Promise<void>;
}

export async function startServerChild(opts: { delayMs: number }): Promise<ServerChild> {
  const child: ChildProcess = fork(import.meta.filename, ["--serve", String(opts.delayMs)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let nextId = 1;
  const pending = new Map<number, { done: (v: unknown) => void; fail: (e: Error) => void }>();
  const failAll = (err: Error) => {
    for (const p of pending.values()) p.fail(err);
    pending.clear();
  };
  child.on("message", (m: { id: number; value?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error) p.fail(new Error(m.error));
    else p.done(m.value);
  });
  child.on("exit", (code) => failAll(new Error(`server child exited (${code})`)));
  const call = <T>(req: WithoutId<Request>): Promise<T> =>
    new Promise<T>((done, fail) => {
      const id = nextId++;
      pending.set(id, { done: done as (v: unknown) => void, fail });
      child.send({ ...req, id });
    });
  const baseURL = await new Promise<string>((done, fail) => {
    child.once("message", (m: { baseURL?: string }) => (m.baseURL ? done(m.baseURL) : fail(new Error("server child did not start"))));
    child.once("exit", (code) => fail(new Error(`server child exited (${code}) before starting`)));
  });
  return {
    baseURL,
    count: () => call<number>({ op: "count" }),
    maxInFlight: () => call<number>({ op: "peak" }),
    configure: (delayMs) => call<void>({ op: "configure", delayMs }),
    bodies: (from, n) => call<ChatBody[]>({ op: "bodies", from, n }),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      await call<void>({ op: "stop" }).catch(() => undefined);
      await exited;
    },
  };
}

/** Child side: serve until told to stop or until the parent disconnects. */
async function serve(delayMs: number): Promise<void> {
  // Idle connections stay open for the whole benchmark (see keepAliveTimeoutMs).
  const server = await startOpenAiServer({ delayMs, keepAliveTimeoutMs: 600_000 });
  const stop = async () => {
    await server.stop();
    process.disconnect?.();
    process.exit(0);
  };
  process.on("disconnect", () => void stop());
  process.on("message", (req: Request) => {
    let value: unknown;
    switch (req.op) {
      case "count":
        value = server.count();
        break;
      case "peak":
        value = server.maxInFlight();
        break;
      case "configure":
        server.configure({ delayMs: req.delayMs });
        break;
      case "bodies":
        value = server.requests.slice(req.from, req.from + req.n).map((r) => r.body);
        break;
      case "stop":
        process.send!({ id: req.id }, () => void stop());
        return;
    }
    process.send!({ id: req.id, value });
  });
  process.send!({ baseURL: server.baseURL });
}

if (process.argv[2] === "--serve" && import.meta.url === `file://${process.argv[1]}`) {
  await serve(Number(process.argv[3]));
}
