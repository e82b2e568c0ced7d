/**
 * `hvae view`'s HTTP server on 127.0.0.1: the pages (pages.ts), chart specs as JSON (the same
 * Vega-Lite specs `hvae report` renders, built by analysis/report/charts.ts), the live feed as
 * server-sent events, the front end from src/view/static and vega/vega-lite/vega-embed from the
 * package's node_modules. A run still being written is tailed on the server (a file watch with a
 * slow timer as fallback, only while someone listens); the browser never polls.
 *
 * @example
 * const v = await startViewer({ target: "runs", port: 0 });
 * console.log(v.url); // http://127.0.0.1:41234/
 * await v.close();
 */
import { existsSync, readdirSync, readFileSync, statSync, watch, type FSWatcher, closeSync, openSync, readSync, fstatSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve } from "node:path";
import { chartSpecs } from "../../analysis/report/charts.ts";
import type { Analysis } from "../../analysis/summary.ts";
import { targetLabel, type ValueTarget } from "../../analysis/value-target.ts";
import { InputError } from "../core/errors.ts";
import { costOf } from "../core/money.ts";
import { readManifest } from "../store/manifest.ts";
import { eventsPath } from "../store/run-dir.ts";
import { agentPage, decisionPage, layout, runsPage, runPage, searchPage, esc, type RunListEntry } from "./pages.ts";
import { openRunIndex, type RunIndex } from "./run-index.ts";

export interface ViewerOptions {
  /** A run directory or a directory of runs. */
  target: string;
  port: number;
  /** Progress of indexing (a big log takes seconds); default: nothing. */
  log?: (line: string) => void;
}

export interface Viewer {
  readonly url: string;
  readonly runs: () => string[];
  close(): Promise<void>;
}

const STATIC = new URL("./static/", import.meta.url);
const ROOT = new URL("../../", import.meta.url);
const VENDOR: Record<string, string> = {
  "vega.js": "node_modules/vega/build/vega.min.js",
  "vega-lite.js": "node_modules/vega-lite/build/vega-lite.min.js",
  "vega-embed.js": "node_modules/vega-embed/build/vega-embed.min.js",
};
const TYPES: Record<string, string> = { ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".html": "text/html; charset=utf-8" };

const isRunDir = (dir: string) => existsSync(eventsPath(dir));

/** The last run.completed in the last 64 KiB of a log (cost and status of a finished run without reading it all). */
function tailCompleted(path: string): { status: string; cost: { costUsd: number | null; pricedCostUsd?: number }; decisions: number } | null {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const n = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, size - n);
    const lines = buf.toString("utf8").split("\n").reverse();
    for (const l of lines) {
      if (!l.includes('"run.completed"')) continue;
      try {
        const ev = JSON.parse(l) as { status: string; costUsd: number | null; pricedCostUsd?: number; decisions: number; invalid: number };
        return { status: ev.status, cost: { costUsd: ev.costUsd, pricedCostUsd: ev.pricedCostUsd }, decisions: ev.decisions + ev.invalid };
      } catch {
        // torn
      }
    }
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Restricts an analysis to the agents and groups a filter keeps, so the same chart builders draw the subset. */
export function filterAnalysis(a: Analysis, f: { value?: string; model?: string; condition?: string; type?: string }, conditionOf: (agentId: string) => string): Analysis {
  const keepAgent = (x: Analysis["summary"]["agents"][number]) =>
    (!f.value || targetLabel(x.value as ValueTarget) === f.value || String(x.value) === f.value) &&
    (!f.model || (x.model ?? x.type) === f.model) &&
    (!f.type || x.type === f.type) &&
    (!f.condition || conditionOf(x.id) === f.condition);
  const agents = a.summary.agents.filter(keepAgent);
  const ids = new Set(agents.map((x) => x.id));
  const groups = a.summary.groups.filter(
    (g) => (!f.value || g.value === f.value) && (!f.model || g.model === f.model) && (!f.condition || (g.condition ?? "–") === f.condition),
  );
  const values = new Set(agents.map((x) => targetLabel(x.value as ValueTarget)));
  return {
    ...a,
    summary: { ...a.summary, agents, groups, interactions: a.summary.interactions.filter((c) => values.has(c.value) && groups.some((g) => g.model === c.model && g.value === c.value && g.condition === c.condition)), agentInteractions: a.summary.agentInteractions.filter((c) => ids.has(c.agentId)) },
    agentTrials: a.agentTrials.filter((p) => ids.has(p.agentId)),
    trajectories: a.trajectories.filter((t) => ids.has(t.agentId)),
  };
}

export async function startViewer(opts: ViewerOptions): Promise<Viewer> {
  const target = resolve(opts.target);
  if (!existsSync(target)) throw new InputError(`${opts.target}: no such run directory or folder of runs`);
  if (!statSync(target).isDirectory()) throw new InputError(`${opts.target}: not a directory`);
  const single = isRunDir(target);
  const listRuns = (): Map<string, string> => {
    if (single) return new Map([[target.split("/").pop()!, target]]);
    const out = new Map<string, string>();
    for (const name of readdirSync(target).sort()) {
      const dir = join(target, name);
      try {
        if (statSync(dir).isDirectory() && isRunDir(dir)) out.set(name, dir);
      } catch {
        // vanished meanwhile
      }
    }
    return out;
  };
  if (!single && listRuns().size === 0) {
    throw new InputError(`${opts.target}: neither a run directory (no events.jsonl) nor a folder holding run directories`);
  }
  const indexes = new Map<string, RunIndex>();
  const indexOf = (runId: string): RunIndex | null => {
    let ix = indexes.get(runId);
    if (ix) return ix;
    const dir = listRuns().get(runId);
    if (!dir) return null;
    const t0 = performance.now();
    ix = openRunIndex(dir);
    opts.log?.(`hvae: indexed ${runId}: ${ix.acc.events} events in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    indexes.set(runId, ix);
    return ix;
  };
  // One run: index it and compute its analysis now, so the first page does not wait.
  if (single) {
    const ix = indexOf([...listRuns().keys()][0])!;
    const t0 = performance.now();
    await ix.analysis();
    opts.log?.(`hvae: analysed ${ix.runId} in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  }

  // Live tailing: one watcher per run with listeners; stopped when the run ends or nobody listens.
  const listeners = new Map<string, Set<ServerResponse>>();
  const tailers = new Map<string, { watcher: FSWatcher | null; timer: NodeJS.Timeout }>();
  const send = (res: ServerResponse, event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const pump = (runId: string) => {
    const ix = indexes.get(runId);
    const subs = listeners.get(runId);
    if (!ix || !subs) return;
    const rows = ix.tail();
    const finished = ix.finished();
    for (const res of subs) {
      if (rows.length) send(res, "decisions", rows);
      if (rows.length || finished) send(res, "progress", ix.progress());
      if (finished) {
        send(res, "end", { status: ix.progress().runStatus });
        res.end();
      }
    }
    if (finished) stopTail(runId);
  };
  const startTail = (runId: string, dir: string) => {
    if (tailers.has(runId)) return;
    let watcher: FSWatcher | null = null;
    try {
      watcher = watch(eventsPath(dir), () => pump(runId));
    } catch {
      watcher = null;
    }
    // fs.watch can miss events on some file systems; a slow server-side timer catches up.
    const timer = setInterval(() => pump(runId), 500);
    tailers.set(runId, { watcher, timer });
  };
  const stopTail = (runId: string) => {
    const t = tailers.get(runId);
    if (t) {
      t.watcher?.close();
      clearInterval(t.timer);
      tailers.delete(runId);
    }
    for (const res of listeners.get(runId) ?? []) res.end();
    listeners.delete(runId);
  };

  const html = (res: ServerResponse, body: string, status = 200) => {
    res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(body);
  };
  const json = (res: ServerResponse, body: unknown, status = 200) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse, what: string) => html(res, layout("not found", `<h1>Not found</h1><p class="empty">${esc(what)}</p>`), 404);

  const runEntry = (runId: string, dir: string): RunListEntry => {
    let scenario = runId;
    let models: string[] = [];
    let status = "unknown";
    let started: string | null = null;
    try {
      const m = readManifest(dir);
      scenario = String((m.scenario as { name?: string }).name ?? runId);
      const agents = ((m.scenario as { agents?: { type?: string; model?: string }[] }).agents ?? []);
      models = [...new Set(agents.map((a) => (a.type === "llm" ? String(a.model) : String(a.type))))];
      status = m.status;
      started = m.startedAt;
    } catch {
      // a run without a readable manifest still lists
    }
    const ix = indexes.get(runId);
    const done = tailCompleted(eventsPath(dir));
    const cost = ix ? costOf(ix.acc) : (done?.cost ?? null);
    const decisions = ix ? ix.acc.decisions : (done?.decisions ?? null);
    return { runId, status: done && status === "running" ? done.status : status, scenario, models, cost, decisions, started };
  };

  /** The run a decision link names: ?run=…, else the only run, else the first run that has it. */
  const runForDecision = (decisionId: string, runId: string | null): RunIndex | null => {
    if (runId) return indexOf(runId);
    const runs = [...listRuns().keys()];
    if (runs.length === 1) return indexOf(runs[0]);
    for (const id of runs) {
      const ix = indexOf(id);
      if (ix?.decision(decisionId)) return ix;
    }
    return null;
  };

  const personaOf = (ix: RunIndex, decisionId: string, agentId: string, sessionId: string): string | null => {
    const first = ix.transcripts()?.forDecision(`${sessionId}/r0/${agentId}`) ?? [];
    const describe = [...first, ...(ix.transcripts()?.forDecision(decisionId) ?? [])].find((c) => c.purpose === "describe");
    return describe?.response?.content ?? null;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const multi = !single;
    if (parts[0] === "static" && parts.length === 2 && /^[\w.-]+$/.test(parts[1])) {
      const file = new URL(parts[1], STATIC);
      if (!existsSync(file)) return notFound(res, parts[1]);
      res.writeHead(200, { "content-type": TYPES[extname(parts[1])] ?? "application/octet-stream" });
      res.end(readFileSync(file));
      return;
    }
    if (parts[0] === "vendor" && parts.length === 2 && VENDOR[parts[1]]) {
      res.writeHead(200, { "content-type": TYPES[".js"], "cache-control": "max-age=3600" });
      res.end(readFileSync(new URL(VENDOR[parts[1]], ROOT)));
      return;
    }
    if (parts.length === 0) {
      const runs = listRuns();
      if (single) return html(res, runPage(indexOf([...runs.keys()][0])!, await indexOf([...runs.keys()][0])!.analysis(), false));
      return html(res, runsPage(target, [...runs].map(([id, dir]) => runEntry(id, dir))));
    }
    if (parts[0] === "api" && parts[1] === "runs") return json(res, [...listRuns()].map(([id, dir]) => runEntry(id, dir)));
    if (parts[0] === "api" && parts[1] === "run" && parts.length === 4) {
      const ix = indexOf(parts[2]);
      if (!ix) return json(res, { error: `no run ${parts[2]}` }, 404);
      if (parts[3] === "charts") {
        const a = await ix.analysis();
        if (!a) return json(res, []);
        const f = Object.fromEntries(["value", "model", "condition", "type"].map((k) => [k, url.searchParams.get(k) ?? ""]));
        const cond = (id: string) => ix.acc.agents.get(id)?.info.condition ?? "–";
        return json(res, chartSpecs(filterAnalysis(a, f, cond)));
      }
      if (parts[3] === "progress") return json(res, ix.progress());
      if (parts[3] === "live") {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
        ix.tail();
        send(res, "progress", ix.progress());
        if (ix.finished()) {
          send(res, "end", { status: ix.progress().runStatus });
          res.end();
          return;
        }
        let subs = listeners.get(parts[2]);
        if (!subs) listeners.set(parts[2], (subs = new Set()));
        subs.add(res);
        req.on("close", () => {
          subs!.delete(res);
          if (subs!.size === 0) stopTail(parts[2]);
        });
        startTail(parts[2], ix.dir);
        return;
      }
    }
    if (parts[0] === "run" && parts.length >= 2) {
      const ix = indexOf(parts[1]);
      if (!ix) return notFound(res, `no run '${parts[1]}' here`);
      if (parts.length === 2) return html(res, runPage(ix, await ix.analysis(), multi));
      if (parts[2] === "agent" && parts.length === 4) {
        if (!ix.acc.agents.has(parts[3])) return notFound(res, `no agent '${parts[3]}' in run ${parts[1]}`);
        const page = Math.max(0, Number(url.searchParams.get("page") ?? 0) || 0);
        return html(res, agentPage(ix, parts[3], await ix.analysis(), page, multi));
      }
      if (parts[2] === "decision" && parts.length === 4) return decision(res, parts[3], ix, multi);
    }
    if (parts[0] === "decision" && parts.length === 2) {
      const ix = runForDecision(parts[1], url.searchParams.get("run"));
      if (!ix) return notFound(res, `no decision '${parts[1]}' in ${multi ? "these runs" : "this run"}`);
      return decision(res, parts[1], ix, multi);
    }
    if (parts[0] === "search") {
      const q = (url.searchParams.get("q") ?? "").trim();
      const runs = url.searchParams.get("run") ? [url.searchParams.get("run")!] : [...listRuns().keys()];
      const hits: Parameters<typeof searchPage>[1] = [];
      const notes: string[] = [];
      for (const id of runs) {
        const t = indexOf(id)?.transcripts();
        if (!t) {
          notes.push(`${id}: no transcripts.jsonl (a run without llm agents, or recorded before hvae kept transcripts): nothing to search.`);
          continue;
        }
        t.refresh();
        for (const h of t.search(q, 200 - hits.length)) hits.push({ runId: id, decisionId: h.call.decisionId, agentId: h.call.agentId, purpose: h.call.purpose, where: h.where, snippet: h.snippet });
        if (hits.length >= 200) break;
      }
      return html(res, searchPage(q, hits, multi, notes));
    }
    return notFound(res, url.pathname);
  }

  function decision(res: ServerResponse, decisionId: string, ix: RunIndex, multi: boolean) {
    ix.tail();
    const d = ix.decision(decisionId);
    if (!d) return notFound(res, `no decision '${decisionId}' in run ${ix.runId}`);
    const key = d.outcome ?? d.requested!;
    return html(res, decisionPage(ix, d, personaOf(ix, decisionId, key.agentId, key.sessionId), multi));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) html(res, layout("error", `<h1>Error</h1><pre>${esc(err instanceof Error ? err.message : String(err))}</pre>`), 500);
      else res.end();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      fail(err.code === "EADDRINUSE" ? new InputError(`--port ${opts.port}: already in use (try --port 0 for a free one)`) : err),
    );
    server.listen(opts.port, "127.0.0.1", () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    runs: () => [...listRuns().keys()],
    async close() {
      for (const id of [...tailers.keys()]) stopTail(id);
      for (const ix of indexes.values()) ix.close();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
